"""Make the working tree importable as ansible_collections.spectrum_protect.operations.

The Makefile builds build/collections/ansible_collections/spectrum_protect/operations as a
symlink to this checkout; this file does the same when pytest is run by hand.
"""
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
COLLECTIONS = os.path.join(ROOT, "build", "collections")
LINK = os.path.join(COLLECTIONS, "ansible_collections", "spectrum_protect", "operations")

if not os.path.lexists(LINK):
    os.makedirs(os.path.dirname(LINK), exist_ok=True)
    os.symlink(ROOT, LINK)
if COLLECTIONS not in sys.path:
    sys.path.insert(0, COLLECTIONS)
