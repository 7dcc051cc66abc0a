"""sp_task_info's main() against a stand-in dsmadmc that prints what a real 8.1.21 server prints.

The stand-in answers each command with canned real-format output (no emulator), so these tests pin
the module to the real client's formats: list mode, ANR2034E with return code 11, unknown fields.
"""
import json
import os
import stat
import textwrap

import pytest
from ansible_collections.spectrum_protect.operations.tests.unit.compat import patch_module_args
from ansible_collections.spectrum_protect.operations.tests.unit.fake_session import with_sessions

from ansible_collections.spectrum_protect.operations.plugins.modules import sp_task_info

FAKE = textwrap.dedent('''\
    #!{python}
    import json, sys
    argv = sys.argv[1:]
    command = argv[-1]
    if FAKE_LOG:
        with open({log!r}, "a") as log:
            log.write(json.dumps({{"argv": argv, "stdin": sys.stdin.read()}}) + "\\n")
    if command == "QUERY STATUS":
        print("Storage Management Server for Linux/x86_64 - Version 8, Release 1, Level 21.000")
        print("")
        print("                      Server Name: TSM8")
        print("            Server Restart Date/Time: 04/20/2024 08:00:00")
    elif "FROM SESSIONS" in command:
        print("      SESSION_ID: 36775")
        print("      START_TIME: 2024-04-22 09:00:00.000000")
        print("      COMMMETHOD: SSL")
        print("           STATE: MediaW")
        print("    WAIT_SECONDS: 310")
        print("      BYTES_SENT: 19251")
        print("  BYTES_RECEIVED: 1024")
        print("    SESSION_TYPE: Node")
        print(" CLIENT_PLATFORM: Linux x86-64")
        print("     CLIENT_NAME: DEMO")
        print("  NEW_8126_FIELD: kept")
        print("     SERVER_TIME: 2024-04-22 09:38:27.000000")
    elif "FROM PROCESSES" in command:
        print("ANR2034E SELECT: No match found using this criteria.")
        print("ANS8001I Return code 11.")
        sys.exit(11)
    elif "FROM SUMMARY_EXTENDED" in command and "FROM ACTLOG" not in command:
        print("   START_TIME: 2024-04-22 01:00:00.000000")
        print("     END_TIME: 2024-04-22 02:00:00.000000")
        print("     ACTIVITY: EXPIRATION")
        print("       NUMBER: 1")
        print("   SUCCESSFUL: YES")
        print("")
        print("   START_TIME: 2024-04-22 03:00:00.000000")
        print("     END_TIME: 2024-04-22 03:10:00.000000")
        print("     ACTIVITY: BACKUP")
        print("       NUMBER: 36700")
        print("       ENTITY: DEMO")
        print("   SUCCESSFUL: NO")
        print("")
        print("   START_TIME: 2024-04-22 03:01:00.000000")
        print("     END_TIME: 2024-04-22 03:02:00.000000")
        print("     ACTIVITY: TAPE MOUNT")
        print("       NUMBER: 36700")
        print("   SUCCESSFUL: YES")
    elif command.startswith("QUERY JOB"):
        print("          Job Id: 12")
        print("     Peer Job Id:")
        print("        Job Type: Retention Set Copy")
        print("        Job Name: RETSET_41")
        print(" Begin Date/Time: 04/22/2024 08:00:00")
        print("   End Date/Time:")
        print("          Status: INTERRUPTED")
    elif "FROM ACTLOG" in command:
        print("   DATE_TIME: 2024-04-22 01:30:00.000000")
        print("       MSGNO: 2841")
        print("    SEVERITY: W")
        print("     MESSAGE: ANR2841W Server is NOT IN COMPLIANCE with license terms. (PROCESS: 1)")
        print("  ORIGINATOR: SERVER")
        print("     SESSION:")
        print("     PROCESS: 1")
    else:
        print("ANR2000E Unknown command - %s." % command)
        print("ANS8001I Return code 2.")
        sys.exit(2)
''')


@pytest.fixture
def fake(tmp_path):
    log = tmp_path / "calls.jsonl"
    path = tmp_path / "dsmadmc"
    import sys
    path.write_text(with_sessions(FAKE.format(python=sys.executable, log=str(log)), log))
    path.chmod(path.stat().st_mode | stat.S_IEXEC)
    return {"path": str(path), "log": log}


def run(capfd, args):
    with patch_module_args(args):
        with pytest.raises(SystemExit):
            sp_task_info.main()
    out, err = capfd.readouterr()
    return json.loads(out)


def calls(fake):
    return [json.loads(line) for line in fake["log"].read_text().splitlines()]


def sent(fake):
    """Every command the client was given: one per call, or those a session read."""
    out = []
    for call in calls(fake):
        out += call["commands"] if "commands" in call else [call["argv"][-1]]
    return out


def test_reads_real_formats(fake, capfd):
    result = run(capfd, {"dsmadmc_path": fake["path"], "admin_id": "ADMIN", "password": "s3cret",
                         "server": "TSM8"})
    assert not result.get("failed"), result
    tasks = dict(((t["type"], t["id"]), t) for t in result["tasks"])
    session = tasks[("session", 36775)]
    assert session["state"] == "Media wait" and session["wait_seconds"] == 310
    assert session["duration_seconds"] == 38 * 60 + 27
    assert session["raw"]["NEW_8126_FIELD"] == "kept"
    assert tasks[("process", 1)]["state"] == "Warning"          # logged ANR2841W while it ran
    assert tasks[("session", 36700)]["state"] == "Failed"
    assert len(tasks) == 4          # the TAPE MOUNT row is an event of session 36700, not a task
    assert tasks[("job", 12)]["state"] == "Interrupted"
    assert result["summary"] == {"successful": 0, "warning": 1, "failed": 1, "unknown": 0, "unverified": 0, "unknown_tasks": [],
                                 "complete": True, "active": {"session": 1, "process": 0, "job": 1}}
    assert result["servers"] == [{"name": "TSM8", "version": "8.1.21", "jobs_supported": True,
                                  "reachable": True, "read": True, "error": None, "errors": [],
                                  "truncated": [], "unverified": [], "summary": result["summary"]}]
    assert all(task["outcome_verified"] for task in result["tasks"])
    assert result["changed"] is False


def test_one_session_reads_everything_with_the_password_only_on_its_first_input_line(fake, capfd):
    result = run(capfd, {"dsmadmc_path": fake["path"], "admin_id": "ADMIN", "password": "s3cret",
                         "server": "TSM8"})
    [call] = calls(fake)            # one dsmadmc, one sign-on, every query
    lines = call["stdin"].split("\n")
    assert lines[0] == "s3cret" and "s3cret" not in "\n".join(lines[1:])
    assert lines[1:] == call["commands"] + ["QUIT", ""] and call["commands"] == result["commands"]
    assert call["commands"][0] == "QUERY STATUS" and len(call["commands"]) == 7
    assert not any("s3cret" in a for a in call["argv"])
    assert call["argv"] == ["-se=TSM8", "-id=ADMIN", "-dataonly=no", "-noconfirm", "-displaymode=list"]
    assert "s3cret" not in json.dumps(result)


def test_one_call_per_query_when_single_session_is_false(fake, capfd):
    result = run(capfd, {"dsmadmc_path": fake["path"], "admin_id": "ADMIN", "password": "s3cret",
                         "server": "TSM8", "single_session": False})
    seen = calls(fake)
    assert len(seen) == len(result["commands"]) == 6
    for call in seen:
        assert call["stdin"] == "s3cret\n"
        assert not any("s3cret" in a for a in call["argv"])
        assert call["argv"][:5] == ["-se=TSM8", "-id=ADMIN", "-dataonly=yes", "-noconfirm", "-displaymode=list"]
    assert "s3cret" not in json.dumps(result)
    assert [t["state"] for t in result["tasks"]] == ["Media wait", "Failed", "Warning", "Interrupted"]


def test_a_client_that_does_not_echo_its_commands_falls_back_to_one_call_per_query(fake, capfd, monkeypatch):
    monkeypatch.setenv("FAKE_NO_ECHO", "1")
    result = run(capfd, {"dsmadmc_path": fake["path"], "admin_id": "ADMIN", "password": "s3cret",
                         "server": "TSM8"})
    assert not result.get("failed"), result
    seen = calls(fake)
    assert "commands" in seen[0] and len(seen) == 7     # the session it could not split, then one call each
    assert [t["state"] for t in result["tasks"]] == ["Media wait", "Failed", "Warning", "Interrupted"]
    warned = [w["event"]["msg"] if isinstance(w, dict) else w for w in result.get("warnings", [])]
    assert any("ANS8000I" in w and "single_session" in w for w in warned), warned


def test_check_mode_runs_the_same_queries(fake, capfd):
    result = run(capfd, {"dsmadmc_path": fake["path"], "admin_id": "ADMIN", "password": "s3cret",
                         "_ansible_check_mode": True, "types": ["job"], "scope": "active"})
    assert [t["id"] for t in result["tasks"]] == [12]
    # the server's own time (no session or process row carried it) dates the job's duration
    assert sent(fake) == ["QUERY STATUS", "QUERY JOB STATUS=ANY", "SELECT CURRENT_TIMESTAMP AS SERVER_TIME FROM STATUS"]
    assert len(calls(fake)) == 1


@pytest.mark.parametrize("option,value,words", [
    ("states", ["Snoozing"], ["states", "Snoozing"]),
    ("since", "a while", ["since", "a while"]),
    ("activity_log_limit", -1, ["activity_log_limit", "-1"]),
    ("route_to", ["SPOKE1 CANCEL"], ["route_to", "SPOKE1 CANCEL"]),
])
def test_bad_input_fails_before_or_without_harm(fake, capfd, option, value, words):
    result = run(capfd, {"dsmadmc_path": fake["path"], "admin_id": "ADMIN", "password": "s3cret",
                         option: value})
    assert result["failed"] is True
    for word in words:
        assert word in result["msg"]
    assert not os.path.exists(str(fake["log"])) or all(
        "CANCEL" not in c["argv"][-1] for c in calls(fake))


def test_activity_log_reaches_back_to_the_start_of_completed_tasks(fake, capfd):
    # `since: 1h` selects tasks that ended in the last hour; their warnings may be older than that.
    # The window is in the query itself, so that it goes into the same session as the reads.
    result = run(capfd, {"dsmadmc_path": fake["path"], "admin_id": "ADMIN", "password": "s3cret", "since": "1h",
                         "types": ["session", "process"]})
    actlog = [c for c in result["commands"] if c.startswith("SELECT DATE_TIME")]
    completed = "SELECT S.NUMBER FROM SUMMARY_EXTENDED S WHERE S.END_TIME >= CURRENT_TIMESTAMP - 3600 SECONDS"
    assert actlog == ["SELECT DATE_TIME, MSGNO, SEVERITY, MESSAGE, ORIGINATOR, SESSION, PROCESS FROM ACTLOG"
                      " WHERE (DATE_TIME >= CURRENT_TIMESTAMP - 3600 SECONDS"
                      " OR DATE_TIME >= (SELECT MIN(S.START_TIME) FROM SUMMARY_EXTENDED S"
                      " WHERE S.END_TIME >= CURRENT_TIMESTAMP - 3600 SECONDS) - 60 SECONDS)"
                      " AND SEVERITY IN ('W','E','S')"
                      " AND (SESSION IN (%s) OR PROCESS IN (%s))"     # only the completed tasks' messages
                      " FETCH FIRST 100001 ROWS ONLY" % (completed, completed)]
    assert len(calls(fake)) == 1
    # the completed tasks ended more than an hour before the server's time: not shown
    assert dict(((t["type"], t["id"]), t["state"]) for t in result["tasks"]) == {("session", 36775): "Media wait"}


ROUTED_FAKE = textwrap.dedent('''\
    #!{python}
    import sys
    command = sys.argv[-1]
    sys.stdin.read()
    if command == "SPOKE9: QUERY STATUS":
        print("ANR1699I Resolved SPOKE9 to 1 server(s) - issuing command QUERY STATUS against server(s).")
        print("ANR1687I Output for command 'QUERY STATUS' issued against server SPOKE9 follows:")
        print("Storage Management Server for AIX - Version 8, Release 1, Level 14.000")
        print("")
        print("      Server Name: SPOKE9")
        print("ANR1688I Output for command 'QUERY STATUS' issued against server SPOKE9 completed.")
        print("ANR1694I Server SPOKE9 processed command 'QUERY STATUS' and completed successfully.")
        print("ANR1697I Command 'QUERY STATUS' processed by 1 server(s):  1 successful, 0 with warnings, and 0 with errors.")
    else:   # the hub went away after the first query
        print("ANS1017E Session rejected: TCP/IP connection failure.")
        sys.exit(206)
''')


@pytest.mark.parametrize("single_session", [True, False])
def test_hub_lost_after_the_first_query_is_reported_not_a_traceback(tmp_path, capfd, single_session):
    import sys
    path = tmp_path / "dsmadmc"
    path.write_text(with_sessions(ROUTED_FAKE.format(python=sys.executable)))
    path.chmod(path.stat().st_mode | stat.S_IEXEC)
    result = run(capfd, {"dsmadmc_path": str(path), "admin_id": "ADMIN", "password": "s3cret",
                         "server": "HUB", "route_to": ["SPOKE9"], "single_session": single_session})
    # nothing was read after QUERY STATUS: that is a failure, never "reachable, no tasks"
    assert result["failed"] is True
    assert result["msg"].startswith("No server could be read.") and "ANS1017E" in result["msg"]
    report = result["servers"][0]
    assert report["name"] == "SPOKE9" and report["version"] == "8.1.14"
    assert report["reachable"] is False and report["read"] is False and "ANS1017E" in report["error"]
    assert [entry["query"] for entry in report["errors"]] == ["sessions"]
    if not single_session:
        assert len(result["commands"]) == 2     # nothing more is sent to a server that cannot be read


def test_empty_environment_variables_count_as_unset(fake, capfd, monkeypatch):
    """AWX injects an empty string for a credential input left empty: an empty SP_CREDENTIALS_FILE
    beside SP_ADMIN_PASSWORD is not a second way of signing on, and an empty SP_DSMADMC is not a path."""
    monkeypatch.setenv("SP_ADMIN_ID", "ADMIN")
    monkeypatch.setenv("SP_ADMIN_PASSWORD", "s3cret")
    monkeypatch.setenv("SP_CREDENTIALS_FILE", "")
    monkeypatch.setenv("SP_SINGLE_SESSION", "")
    monkeypatch.setenv("PATH", os.path.dirname(fake["path"]) + os.pathsep + os.environ["PATH"])
    monkeypatch.setenv("SP_DSMADMC", "")
    result = run(capfd, {"server": "TSM8", "types": ["session"], "scope": "active"})
    assert not result.get("failed"), result
    [call] = calls(fake)        # dsmadmc found on PATH; the password from the environment, on stdin
    assert call["stdin"].startswith("s3cret\n") and not any(a.startswith("-credentialsfile") for a in call["argv"])
    assert [t["id"] for t in result["tasks"]] == [36775]


def test_a_credentials_file_and_a_password_both_set_still_conflict(fake, capfd, monkeypatch):
    monkeypatch.setenv("SP_CREDENTIALS_FILE", "/etc/sp/admin.cred")
    result = run(capfd, {"dsmadmc_path": fake["path"], "admin_id": "ADMIN", "password": "s3cret"})
    assert result["failed"] is True and "credentials_file" in result["msg"] and "password" in result["msg"]


def test_include_raw_false_leaves_the_raw_fields_out_and_nothing_else(fake, capfd):
    args = {"dsmadmc_path": fake["path"], "admin_id": "ADMIN", "password": "s3cret", "server": "TSM8"}
    full = run(capfd, args)
    lean = run(capfd, dict(args, include_raw=False))
    assert all("raw" in task for task in full["tasks"]) and not any("raw" in task for task in lean["tasks"])
    assert [dict((k, v) for k, v in t.items() if k not in ("raw", "duration_seconds")) for t in full["tasks"]] == \
        [dict((k, v) for k, v in t.items() if k != "duration_seconds") for t in lean["tasks"]]
    assert full["summary"] == lean["summary"]
