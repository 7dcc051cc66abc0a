"""Issue 11, bad input, proved from the servers: a sample of the hostile values of every module
(the whole matrix runs in tests/unit/plugins/modules/test_bad_input_matrix.py) is refused before any
command is sent - the emulated servers' activity logs (every command is logged as ANR2017I) gain
nothing - and never with a traceback."""
import json

import pytest

from actions_support import PASSWORD, make_fleet

SERVERS = ("HUB1", "SPOKE1", "SPOKE2", "SPOKE3")
COMMON = [("server", "HUB1: cancel session all"), ("route_to", ["(SPOKE1)"]), ("timeout", 0),
          ("admin_id", "ADMIN\nQUERY")]
OWN = {
    "sp_task_info": [("since", "1; cancel session all"), ("client_name", "%' OR 1=1 --"), ("ids", [-1])],
    "sp_session": [("id", -1), ("client_name", "SPOKE1: x"), ("states", ["Snoozing"])],
    "sp_process": [("description", "(x)"), ("job_id", -1), ("ids", [-9])],
    "sp_job": [("name", "SPOKE1: terminate job 1"), ("state", "paused"), ("ids", [-4])],
}
REQUIRED = {"sp_session": {"state": "cancelled"}, "sp_process": {"state": "cancelled"},
            "sp_job": {"state": "interrupted"}, "sp_task_info": {}}
SELECTION = {"sp_session": {"ids": [1]}, "sp_process": {"ids": [1]}, "sp_job": {"ids": [1]}, "sp_task_info": {}}


def command_count(fleet):
    total = 0
    for server in SERVERS:
        rc, text = fleet.dsmadmc("SELECT COUNT(*) AS N FROM ACTLOG WHERE MSGNO=2017", server=server)
        assert rc == 0, text
        total += int(text.split(":")[-1].strip())
    return total


@pytest.fixture(scope="module")
def fleet(tmp_path_factory):
    return make_fleet(tmp_path_factory)


def test_bad_input_is_refused_before_any_command(fleet):
    tasks, cases = [], []
    for module in sorted(OWN):
        for option, value in COMMON + OWN[module]:
            args = {"server": "HUB1", "admin_id": "ADMIN", "password": PASSWORD}
            args.update(SELECTION[module])
            args.update(REQUIRED[module])
            if option in ("ids", "id"):
                args.pop("ids", None)
            args[option] = value
            tasks.append({"name": "case %d" % len(cases), "spectrum_protect.operations.%s" % module: args,
                          "register": "r_case%d" % len(cases)})
            cases.append((module, option, value))
    before = command_count(fleet)
    results = fleet.playbook(json.dumps(tasks))
    after = command_count(fleet)
    accepted = ["%s %s=%s" % (module, option, repr(value)[:60]) for number, (module, option, value) in enumerate(cases)
                if not results["r_case%d" % number].get("failed")]
    assert not accepted, "accepted: %s" % accepted
    assert after - before == len(SERVERS), "a bad value reached a server"   # the counting SELECTs only
    for number, (module, option, value) in enumerate(cases):
        msg = results["r_case%d" % number]["msg"]
        assert "Traceback" not in msg and "MODULE FAILURE" not in msg, msg
        assert option in msg, "%s %s=%r: the message does not name the option: %s" % (module, option, value, msg)
    assert PASSWORD not in fleet.last_output
    for server in SERVERS:      # nor in any server's activity log (the emulator's log of every command)
        rc, text = fleet.dsmadmc("SELECT MESSAGE FROM ACTLOG", server=server)
        assert rc == 0 and "ANR2017I" in text and PASSWORD not in text
