"""Test harness only (tests/integration/conftest.py points ANSIBLE_ACTION_PLUGINS here): write
what a test wants to read back, as JSON, into files on the controller, from the controller's own
worker process.

    spops_save_results: {dest: DIR, names: [r_a, r_b]}      # DIR/r_a.json ... (names not defined: skipped)
    spops_save_results: {path: FILE, expression: "{'a': r_a}"}

It replaces ``ansible.builtin.copy`` of ``content: "{{ ... | to_json }}"``: each copy ran two
modules (stat and copy), about 1.2 s of CPU on this machine, for what a test only reads back. The
JSON is made the same way: the task's templar renders ``{{ (...) | to_json }}``."""
from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import os

from ansible.plugins.action import ActionBase

try:
    from ansible.template import trust_as_template      # ansible-core 2.19: only trusted text is a template
except ImportError:
    def trust_as_template(text):
        return text


class ActionModule(ActionBase):
    _supports_check_mode = True
    TRANSFERS_FILES = False

    def _write(self, path, expression):
        text = self._templar.template(trust_as_template("{{ (%s) | to_json }}" % expression))
        with open(path, "w") as handle:
            handle.write(text)
        os.chmod(path, 0o600)

    def run(self, tmp=None, task_vars=None):
        result = super(ActionModule, self).run(tmp, task_vars)
        task_vars = task_vars or {}
        args = self._task.args
        saved = []
        if "expression" in args:
            self._write(args["path"], args["expression"])
            saved.append(args["path"])
        for name in args.get("names", ()):
            if name in task_vars:              # else the task that registers it did not run
                self._write(os.path.join(args["dest"], name + ".json"), name)
                saved.append(name)
        result.update(changed=False, saved=saved)
        return result
