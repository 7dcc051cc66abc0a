# -*- coding: utf-8 -*-
# Copyright: spectrum_protect.operations contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Issue 11, bad input, the whole matrix: every option of every module refuses wrong types, empty,
negative and huge values, unknown states, quotes, line breaks, routing prefixes, parentheses, SQL
fragments and `1; cancel session all` before any command is sent (a stand-in dsmadmc records every
start: there must be none), with a message that names the option, never a traceback.
tests/integration/test_hostile_input.py proves a sample of it from the emulated servers' logs."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import json
import os
import sys

import pytest
from ansible.module_utils.common import warnings as ansible_warnings

from ansible_collections.spectrum_protect.operations.plugins.modules import sp_job, sp_process, sp_session, sp_task_info
from ansible_collections.spectrum_protect.operations.tests.unit.compat import patch_module_args

PASSWORD = "passw0rd"
MODULES = {"sp_task_info": sp_task_info, "sp_session": sp_session, "sp_process": sp_process, "sp_job": sp_job}
SERVERS = ("HUB1", "SPOKE1", "SPOKE2", "SPOKE3")
COMMON = [
    ("server", ""), ("server", "HUB1\n"), ("server", "HUB1: cancel session all"), ("server", "(HUB1,SPOKE1)"),
    ("server", "HUB1;x"), ("server", "A" * 300),
    ("route_to", ["SPOKE1 CANCEL"]), ("route_to", ["SPOKE1:"]), ("route_to", [""]), ("route_to", ["(SPOKE1)"]),
    ("route_to", ["S" * 300]), ("route_to", ["SPOKE1\n"]), ("route_to", ["S%04d" % n for n in range(5000)]),
    ("timeout", 0), ("timeout", -1), ("timeout", 10 ** 12), ("timeout", "soon"), ("total_timeout", 0),
    ("admin_id", "ADMIN ADMIN"), ("admin_id", "ADMIN\nQUERY"), ("password_transport", "shell"),
]
OWN = {
    "sp_task_info": [
        ("since", "-1h"), ("since", "99999999d"), ("since", "1; cancel session all"), ("since", "9" * 4300),
        ("states", ["Snoozing"]), ("states", ["Running'"]), ("types", ["bogus"]), ("scope", "some"),
        ("session_type", "Robot"), ("ids", [-1]), ("ids", ["1; cancel session all"]), ("job_id", -3),
        ("max_rows", 0), ("max_rows", -5), ("max_rows", 10 ** 12), ("activity_log_limit", -1),
        ("client_name", "WEB'01"), ("client_name", "WEB\n01"), ("client_name", "%' OR 1=1 --"),
        ("client_name", "HUB1: cancel session all"), ("description", 'Space "Reclamation"'),
        ("description", "x'); DELETE FROM SESSIONS; --"), ("description", "(Migration)"),
    ],
    "sp_session": [
        ("id", -1), ("id", "1; cancel session all"), ("ids", [1, -2]), ("state", "killed"),
        ("states", ["Snoozing"]), ("client_name", "WEB'01"), ("client_name", "A\nB"),
        ("client_name", "SPOKE1: x"), ("min_wait_seconds", -5), ("max_tasks", -1), ("max_tasks", 0),
        ("wait_timeout", -1), ("poll_interval", 0), ("session_type", "Robot"),
    ],
    "sp_process": [
        ("id", -1), ("id", "2; cancel session all"), ("ids", [-9]), ("state", "gone"),
        ("description", 'Space "Reclamation"'), ("description", "a\nb"), ("description", "(x)"),
        ("job_id", -1), ("parent_process", -1), ("max_tasks", -1), ("wait_timeout", -1),
    ],
    "sp_job": [
        ("id", -1), ("id", "3; cancel session all"), ("ids", [-4]), ("state", "paused"),
        ("name", "RET'SET"), ("name", "A\nB"), ("name", "SPOKE1: terminate job 1"), ("job_type", "R;X"),
        ("states", ["Snoozing"]), ("max_tasks", -1), ("wait_timeout", -1),
    ],
}
REQUIRED = {"sp_session": {"state": "cancelled"}, "sp_process": {"state": "cancelled"},
            "sp_job": {"state": "interrupted"}, "sp_task_info": {}}
SELECTION = {"sp_session": {"ids": [1]}, "sp_process": {"ids": [1]}, "sp_job": {"ids": [1]}, "sp_task_info": {}}


def cases():
    for module in sorted(OWN):
        for option, value in COMMON + OWN[module]:
            yield pytest.param(module, option, value, id="%s-%s-%s" % (module, option, repr(value)[:24]))


@pytest.fixture
def recorder(tmp_path):
    log = tmp_path / "calls.log"
    path = tmp_path / "dsmadmc"
    path.write_text("#!%s\nimport sys\nopen(%r, 'a').write(' '.join(sys.argv) + '\\n')\nsys.exit(1)\n"
                    % (sys.executable, str(log)))
    path.chmod(0o755)
    return str(path), log


@pytest.mark.parametrize("module, option, value", list(cases()))
def test_bad_input_is_refused_before_any_command(capfd, recorder, module, option, value):
    path, log = recorder
    args = {"server": "HUB1", "admin_id": "ADMIN", "password": PASSWORD, "dsmadmc_path": path}
    args.update(SELECTION[module])
    args.update(REQUIRED[module])
    if option in ("ids", "id"):
        args.pop("ids", None)
    args[option] = value
    ansible_warnings._global_warnings.clear()
    with patch_module_args(args):
        with pytest.raises(SystemExit):
            MODULES[module].main()
    out = capfd.readouterr()[0]
    result = json.loads(out)
    assert result.get("failed") is True, result
    assert option in result["msg"], result["msg"]
    assert "Traceback" not in out and PASSWORD not in out
    assert not os.path.exists(str(log)), "dsmadmc was started: %s" % log.read_text()
