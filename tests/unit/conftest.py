"""Unit tests: make tests/unit/compat.py importable as ``compat`` from every test folder."""
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
if HERE not in sys.path:
    sys.path.insert(0, HERE)
