"""Offline stand-in for ansible-test's pip bootstrap script (get-pip.py).

ansible-test sanity --venv downloads a get-pip script from the internet before it creates its
virtual environments; this machine reaches only the package registries. The Makefile copies this
file to $HOME/.ansible/test/cache/get_pip_<version>.py (HOME being a scratch folder under build/),
where ansible-test looks first. It bootstraps pip from the standard library (ensurepip), then runs
`pip install` with the arguments ansible-test gave, against the configured package registries.
"""
import os
import subprocess
import sys

os.environ.pop("PIP_CONFIG_FILE", None)
subprocess.check_call([sys.executable, "-m", "ensurepip", "--upgrade", "--default-pip"],
                      stdout=subprocess.DEVNULL)
args = [a for a in sys.argv[1:] if a not in ("--no-setuptools", "--no-wheel")]
subprocess.check_call([sys.executable, "-m", "pip", "install", "--quiet"] + args)
