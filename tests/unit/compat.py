"""What the unit tests need from ansible-core, on every release the collection claims (2.15 to 2.19).

``patch_module_args(args)``: a context manager that hands ``args`` to the ``AnsibleModule`` built
inside it. ansible-core 2.19 ships it (``ansible.module_utils.testing``) and needs it, because its
modules also read a serialization profile; older releases read ``basic._ANSIBLE_ARGS`` alone, which
is what the fallback sets. Tests import it from here, never from ansible directly:

    from ansible_collections.spectrum_protect.operations.tests.unit.compat import patch_module_args
"""
import contextlib
import json
from unittest import mock

try:
    # ansible-core 2.19 and later
    from ansible.module_utils.testing import patch_module_args  # noqa: F401 pylint: disable=unused-import
except ImportError:  # ansible-core 2.15 - 2.18
    from ansible.module_utils import basic as _basic
    from ansible.module_utils.common.text.converters import to_bytes as _to_bytes

    @contextlib.contextmanager
    def patch_module_args(args=None):
        """Expose ``args`` to AnsibleModule instances created within this context."""
        if not isinstance(args, (dict, type(None))):
            raise TypeError("The `args` arg must be a dict or None.")
        payload = _to_bytes(json.dumps({"ANSIBLE_MODULE_ARGS": args or {}}))
        with mock.patch.object(_basic, "_ANSIBLE_ARGS", payload):
            yield
