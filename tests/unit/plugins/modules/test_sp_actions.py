"""sp_session, sp_process and sp_job main() against a stand-in dsmadmc printing real-format output.

The stand-in logs every call (argv and stdin), so these tests pin what the modules run: the exact
argument list, the password only on stdin, no changing command in check mode or after bad input.
"""
import json
import os
import stat
import sys
import textwrap

import pytest

from ansible_collections.spectrum_protect.operations.tests.unit.compat import patch_module_args
from ansible_collections.spectrum_protect.operations.tests.unit.fake_session import with_sessions
from ansible_collections.spectrum_protect.operations.plugins.modules import sp_job, sp_process, sp_session

FAKE = textwrap.dedent('''\
    #!{python}
    import json, sys
    argv = sys.argv[1:]
    command = argv[-1]
    if FAKE_LOG:
        with open({log!r}, "a") as log:
            log.write(json.dumps({{"argv": argv, "stdin": sys.stdin.read()}}) + "\\n")
    def rows(*records):
        print("\\n\\n".join("\\n".join("%20s: %s" % kv for kv in r) for r in records))
    if command == "QUERY STATUS":
        print("Storage Management Server for Linux/x86_64 - Version 8, Release 1, Level {level}.000")
        print("")
        print("                      Server Name: TSM8")
    elif "FROM SESSIONS" in command:
        rows([("SESSION_ID", "36,775"), ("START_TIME", "2024-04-22 09:00:00.000000"), ("STATE", "IdleW"),
              ("WAIT_SECONDS", "310"), ("SESSION_TYPE", "Node"), ("CLIENT_NAME", "DEMO"),
              ("SERVER_TIME", "2024-04-22 09:38:27.000000")],
             [("SESSION_ID", "36780"), ("START_TIME", "2024-04-22 09:38:27.000000"), ("STATE", "Run"),
              ("WAIT_SECONDS", "0"), ("SESSION_TYPE", "Admin"), ("CLIENT_NAME", "ADMIN"),
              ("SERVER_TIME", "2024-04-22 09:38:27.000000")])
    elif "FROM PROCESSES" in command:
        rows([("PROCESS_NUM", "12"), ("PROCESS", "Space Reclamation"), ("START_TIME", "2024-04-22 09:00:00.000000"),
              ("JOB_ID", ""), ("PARENT_PROCESS", ""), ("STATUS", "Offsite Volume(s), Moved Files: 23"),
              ("SERVER_TIME", "2024-04-22 09:38:27.000000")])
    elif command.startswith("QUERY JOB"):
        rows([("Job Id", "12"), ("Job Type", "RETENTION"), ("Job Name", "RETSET_41"),
              ("Begin Date/Time", "04/22/2024 08:00:00"), ("End Date/Time", ""), ("Status", "INTERRUPTED")])
    elif "FROM ACTLOG" in command:
        print("ANR2034E SELECT: No match found using this criteria.")
        print("ANS8001I Return code 11.")
        sys.exit(11)
    elif command.split()[0] in ("CANCEL", "INTERRUPT", "RESUME", "TERMINATE"):
        print("ANR9999I %s accepted." % command)
    else:
        print("ANR2000E Unknown command - %s." % command)
        print("ANS8001I Return code 2.")
        sys.exit(2)
''')

MODULES = {'sp_session': sp_session, 'sp_process': sp_process, 'sp_job': sp_job}
CHANGING = ('CANCEL', 'INTERRUPT', 'RESUME', 'TERMINATE')


def make_fake(tmp_path, level=21):
    log = tmp_path / "calls.jsonl"
    path = tmp_path / "dsmadmc"
    path.write_text(with_sessions(FAKE.format(python=sys.executable, log=str(log), level=level), log))
    path.chmod(path.stat().st_mode | stat.S_IEXEC)
    return {"path": str(path), "log": log}


@pytest.fixture
def fake(tmp_path):
    return make_fake(tmp_path)


def run(capfd, name, args):
    with patch_module_args(args):
        with pytest.raises(SystemExit):
            MODULES[name].main()
    out, _err = capfd.readouterr()
    return json.loads(out)


def calls(fake):
    if not os.path.exists(str(fake["log"])):
        return []
    return [json.loads(line) for line in fake["log"].read_text().splitlines()]


def conn(fake, **more):
    args = {"dsmadmc_path": fake["path"], "admin_id": "ADMIN", "password": "s3cret", "server": "TSM8"}
    args.update(more)
    return args


PLAN_READS = ["QUERY STATUS", "SELECT S.*, CURRENT_TIMESTAMP AS SERVER_TIME FROM SESSIONS S",
              "SELECT DATE_TIME, MESSAGE FROM ACTLOG WHERE MSGNO=2017 AND (DATE_TIME >= CURRENT_TIMESTAMP - 86400 SECONDS"
              " OR DATE_TIME >= (SELECT MIN(START_TIME) FROM SESSIONS) - 60 SECONDS) AND UCASE(MESSAGE) LIKE '%CAN%'",
              "QUERY REQUEST"]


def test_session_cancel_argv_password_and_result(fake, capfd):
    result = run(capfd, 'sp_session', conn(fake, id=36775))
    assert not result.get("failed"), result
    assert result["changed"] is True
    assert [c["command"] for c in result["cancelled"]] == ["CANCEL SESSION 36775"]
    # one client for the whole run: the plan's reads, the cancel, the read after it; a mark ends
    # each exchange (and the probe comes first)
    [call] = calls(fake)
    assert call["commands"] == PLAN_READS + ["CANCEL SESSION 36775",
                                             "SELECT S.*, CURRENT_TIMESTAMP AS SERVER_TIME FROM SESSIONS S"]
    assert call["marks"] == 4
    assert call["stdin"].startswith("s3cret\nSELECT 'SPOPS' || '") and call["stdin"].count("s3cret") == 1
    assert call["stdin"].endswith("QUIT\n")
    assert call["argv"] == ["-se=TSM8", "-id=ADMIN", "-dataonly=no", "-noconfirm", "-displaymode=list"]
    assert result["commands"] == call["commands"]
    assert "s3cret" not in json.dumps(result) and "SPOPS" not in json.dumps(result)


def test_a_client_that_holds_its_output_gets_no_change_and_each_later_command_is_a_call(fake, capfd, monkeypatch):
    from ansible_collections.spectrum_protect.operations.plugins.module_utils import _dsmadmc
    monkeypatch.setattr(_dsmadmc, 'CONVERSE_PROBE', 1)
    monkeypatch.setenv('FAKE_HELD', '1')
    result = run(capfd, 'sp_session', conn(fake, id=36775))
    assert not result.get("failed"), result
    seen = calls(fake)
    # the plan's reads in one session (after the probe, then QUIT); the cancel and the read after it
    # each a call of its own: no change went to the client that answered nothing while it ran
    assert [c.get("commands") or [c["argv"][-1]] for c in seen] == [
        PLAN_READS, ["CANCEL SESSION 36775"], ["SELECT S.*, CURRENT_TIMESTAMP AS SERVER_TIME FROM SESSIONS S"]]
    assert seen[0]["marks"] == 1 and seen[0]["stdin"].endswith("QUERY REQUEST\nQUIT\n")
    for later in seen[1:]:
        assert later["stdin"] == "s3cret\n"
        assert later["argv"][:5] == ["-se=TSM8", "-id=ADMIN", "-dataonly=yes", "-noconfirm", "-displaymode=list"]
    assert not any("s3cret" in a for c in seen for a in c["argv"])
    warned = [w["event"]["msg"] if isinstance(w, dict) else w for w in result.get("warnings", [])]
    assert any("wrote no answer within 1 seconds" in w for w in warned), warned


def test_the_modules_own_admin_session_is_never_selected(fake, capfd):
    result = run(capfd, 'sp_session', conn(fake, session_type='Admin', _ansible_check_mode=True))
    assert result["tasks"] == [] and result["changed"] is False


@pytest.mark.parametrize('name,args', [
    ('sp_session', {'id': 36775}),
    ('sp_session', {'all_node_sessions': True}),
    ('sp_process', {'description': 'space*'}),
    ('sp_job', {'id': 12, 'state': 'resumed'}),
    ('sp_job', {'id': 12, 'state': 'terminated', 'confirm_terminate': True}),
])
def test_check_mode_sends_no_changing_command(fake, capfd, name, args):
    result = run(capfd, name, conn(fake, _ansible_check_mode=True, _ansible_diff=True, **args))
    assert not result.get("failed"), result
    assert result["changed"] is True
    assert not any(c["argv"][-1].startswith(CHANGING) for c in calls(fake))
    assert result["diff"]["before"] and result["diff"]["after"]
    assert "waited" not in result


@pytest.mark.parametrize('name,args,words', [
    ('sp_session', {'id': 5, 'ids': [6]}, ['mutually exclusive', 'id', 'ids']),
    ('sp_session', {}, ['one of these options is required']),
    ('sp_session', {'client_name': 'A"; CANCEL SESSION ALL'}, ['client_name', 'CANCEL SESSION ALL']),
    ('sp_session', {'states': ['Snoozing']}, ['states', 'Snoozing']),
    ('sp_session', {'id': 5, 'wait': True, 'wait_timeout': 0}, ['wait_timeout', '0']),
    ('sp_session', {'id': 5, 'route_to': ['SPOKE1;CANCEL PROCESS 1']}, ['route_to', 'CANCEL PROCESS 1']),
    ('sp_session', {'id': 5, 'max_tasks': 0}, ['max_tasks', '0']),
    ('sp_process', {'id': '7; CANCEL SESSION ALL'}, ['id']),
    ('sp_process', {'description': "x'y"}, ['description', "x'y"]),
    ('sp_job', {'id': 12, 'state': 'terminated'}, ['confirm_terminate']),
    ('sp_job', {'name': 'RET"SET', 'state': 'interrupted'}, ['name', 'RET"SET']),
    ('sp_job', {'states': ['Paused'], 'state': 'resumed'}, ['states', 'Paused']),
])
def test_bad_input_fails_before_any_command(fake, capfd, name, args, words):
    result = run(capfd, name, conn(fake, **args))
    assert result["failed"] is True
    for word in words:
        assert word in result["msg"], result["msg"]
    assert calls(fake) == []


def test_process_cancel(fake, capfd):
    result = run(capfd, 'sp_process', conn(fake, description='Space Reclamation'))
    assert not result.get("failed"), result
    assert [c["id"] for c in result["cancelled"]] == [12] and result["interrupted_jobs"] == []


def test_job_already_in_the_wanted_state_is_no_change(fake, capfd):
    result = run(capfd, 'sp_job', conn(fake, id=12, state='interrupted'))
    assert not result.get("failed"), result
    assert result["changed"] is False and result["interrupted"] == []
    assert not any(c["argv"][-1].startswith(CHANGING) for c in calls(fake))


def test_job_on_a_server_before_8112_fails_from_its_version(tmp_path, capfd):
    fake = make_fake(tmp_path, level=10)
    result = run(capfd, 'sp_job', conn(fake, id=12, state='interrupted'))
    assert result["failed"] is True and "V8.1.10" in result["msg"] and "8.1.12" in result["msg"]
    # no job command: QUERY JOB was read in the one session, before the version was known; its answer is unused
    assert [c.get("commands") or [c["argv"][-1]] for c in calls(fake)] == [[
        "QUERY STATUS", "QUERY JOB STATUS=ANY", "SELECT P.*, CURRENT_TIMESTAMP AS SERVER_TIME FROM PROCESSES P"]]


def test_resume_says_when_the_job_runs(fake, capfd):
    result = run(capfd, 'sp_job', conn(fake, id=12, state='resumed'))
    assert result["changed"] is True and [j["id"] for j in result["resumed"]] == [12]
    assert any("storage rule next starts" in n for n in result["tasks"][0]["notes"])
