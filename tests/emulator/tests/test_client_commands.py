"""Every command of the emulated dsmadmc: grammar, filters, output, privileges, return codes."""
import pytest

from spemu import dsmadmc

ADMINS = [{"name": "ADMIN", "password": "passw0rd", "privileges": ["SYSTEM"]},
          {"name": "OPER", "password": "passw0rd", "privileges": ["OPERATOR"]},
          {"name": "ANALYST", "password": "passw0rd", "privileges": ["ANALYST"]}]
HUB = {
    "name": "HUB1", "version": "8.1.21", "role": "hub", "admins": ADMINS,
    "stgrules": [{"name": "RULE1", "action": "COPY", "target": "TAPEPOOL", "start": "-1h", "duration": "10h"}],
    "sessions": [
        {"id": 20, "client": "NODEA", "state": "Run", "for": "1h", "started": "-30m", "since": "-1m",
         "bytes_sent": 19251, "bytes_received": 2147483648, "transaction": True},
        {"id": 21, "client": "NODEB", "state": "IdleW", "since": "-10m", "for": "2h", "platform": "WinNT",
         "owner": "bob"},
        {"id": 22, "client": "NODEC", "state": "MediaW", "since": "-2m", "for": "3h",
         "mount": {"volume": "VOL001", "devclass": "LTO", "reply": False, "timeout": "60m"}},
        {"id": 23, "client": "SPOKE1", "type": "Server", "state": "SendW", "since": "-5s", "for": "1h"},
    ],
    "processes": [
        {"id": 30, "description": "Migration", "status": "Disk Storage Pool DISKPOOL, Moved Files: 5"},
        {"id": 31, "description": "EXPIRATION", "status": "Examined 10 objects", "parent": 30},
        {"id": 32, "description": "Retention Set Copy", "job": 5, "status": "Retention set 1: copying"},
    ],
    "jobs": [
        {"id": 5, "type": "RETENTION", "rule": "RULE1", "name": "RETSET_1_COPY", "status": "RUNNING",
         "begin": "-1h", "run": "-1h", "work": "8h"},
        {"id": 6, "type": "RETENTION", "rule": "RULE1", "name": "RETSET_2_COPY", "status": "INTERRUPTED",
         "begin": "-3h"},
        {"id": 7, "type": "COPY", "rule": "RULE1", "name": "RULE1", "status": "SLEEPING", "begin": "-20h"},
        {"id": 8, "type": "RETENTION", "rule": "RULE1", "name": "RETSET_0_COPY", "status": "COMPLETED",
         "outcome": "failed", "begin": "-5d", "end": "-4d"},
    ],
    "completed": [{"kind": "session", "number": 10, "client": "NODEA", "started": "-3h", "ended": "-2h",
                   "outcome": "warning"}],
    "actlog": [{"at": "-30m", "message": "ANR0406I Session 99 started for node NODEX (AIX).", "session": 99,
                "node": "NODEX", "originator": "CLIENT"},
               {"at": "-2d", "message": "ANR2841W Server is NOT IN COMPLIANCE with license terms."}],
}
OLD = {"name": "OLD", "version": "8.1.10", "admins": ADMINS,
       "processes": [{"id": 40, "description": "Migration", "status": "Moving"}]}


@pytest.fixture
def home(make_home):
    return make_home(HUB, OLD)


def run(home, command, *options, admin="admin", input_text=""):
    """dsmadmc -id=ADMIN -pa=... -dataonly=yes OPTIONS COMMAND -> (exit status, lines)."""
    argv = ["-id=%s" % admin, "-pa=passw0rd", "-dataonly=yes", *options, command]
    status, output = dsmadmc.invoke(argv, home=home.path, input_text=input_text)
    return status, output.splitlines()


def fields(lines):
    """Comma output -> list of field lists."""
    return [line.split(",") for line in lines]


# ---------------------------------------------------------------- grammar

@pytest.mark.parametrize("command", ["query session", "q se", "Q SESS", "qu sessio", "QUERY SESSION 20"])
def test_command_abbreviations(home, command):
    status, lines = run(home, command, "-comma")
    assert status == 0 and lines[0].startswith("20,")


@pytest.mark.parametrize("command, message, rc", [
    ("xyz", "ANR2000E Unknown command - XYZ.", 2),
    ("q foo", "ANR2000E Unknown command - QUERY FOO.", 2),
    ("query", "ANR2000E Unknown command - QUERY.", 2),
    ("q s", "ANR2000E Unknown command - QUERY S.", 2),
    ("q sess format=wide", "ANR2020E QUERY SESSION: Invalid parameter - WIDE.", 3),
    ("q sess color=red", "ANR2020E QUERY SESSION: Invalid parameter - COLOR.", 3),
    ("q sess abc", "ANR2020E QUERY SESSION: Invalid parameter - ABC.", 3),
    ("q sess 1 2", "ANR2023E QUERY SESSION: Extraneous parameter - 2.", 3),
    ("q sess format=", "ANR2022E QUERY SESSION: One or more parameters are missing.", 3),
    ("cancel process", "ANR2022E CANCEL PROCESS: One or more parameters are missing.", 3),
    ("q actlog begindate=13/45/2024", "ANR2020E QUERY ACTLOG: Invalid parameter - 13/45/2024.", 3),
    ("q sess clientname='unclosed", "ANS1043S Quotes are not matched", 3),
])
def test_errors_and_return_codes(home, command, message, rc):
    status, lines = run(home, command)
    assert lines == [message, "ANS8001I Return code %d." % rc]
    assert status == rc


def test_errors_and_commands_are_in_the_activity_log(home):
    run(home, "q foo")
    assert any(m.startswith("ANR2000E Unknown command - QUERY FOO.") for m in home.messages("ANR2000E%"))
    assert any("issued command: q foo" in m for m in home.messages("ANR2017I%"))


# ---------------------------------------------------------------- QUERY SESSION

def test_query_session_standard_values(home):
    status, lines = run(home, "q sess 20", "-tab")
    assert lines == ["20\tTcp/Ip\tRun\t1 M \t18.8 K\t2.0 G\tNode\tLinux x86-64\tNODEA"]
    assert status == 0


def test_query_session_lists_the_own_admin_session(home):
    _status, lines = run(home, "q sess type=admin", "-comma")
    assert len(lines) == 1 and fields(lines)[0][2:3] == ["Run"] and fields(lines)[0][-1] == "ADMIN"


@pytest.mark.parametrize("options, numbers", [
    ("type=node", ["20", "21", "22"]), ("type=server", ["23"]), ("clientname=node?", ["20", "21", "22"]),
    ("clientname=nodea,nodec", ["20", "22"]), ("mintimethreshold=5", ["21"]),
    ("maxthroughput=1", ["21", "22", "23"]),
])
def test_query_session_filters(home, options, numbers):
    _status, lines = run(home, "q sess " + options, "-comma")
    found = [row[0] for row in fields(lines) if row[6] != "Admin"]
    assert found == numbers


def test_query_session_detailed_labels_in_order(home):
    status, lines = run(home, "q sess 22 format=detailed")
    labels = [line.split(":")[0].strip() for line in lines]
    assert labels == ["Sess Number", "Comm. Method", "Sess State", "Wait Time", "Bytes Sent", "Bytes Recvd",
                      "Sess Type", "Platform", "Client Name", "Media Access Status", "User Name",
                      "Date/Time First Data Sent", "Proxy By Storage Agent", "Actions", "Failover Mode"]
    assert lines[2].endswith(": MediaW") and lines[9].endswith(": Waiting for output volume(s): VOL001")
    assert all(len(line.split(":")[0]) == len("Date/Time First Data Sent") for line in lines)
    assert status == 0


def test_query_session_no_match(home):
    status, lines = run(home, "q sess 999")
    assert lines == ["ANR2034E QUERY SESSION: No match found using this criteria.", "ANS8001I Return code 11."]
    assert status == 11


# ---------------------------------------------------------------- QUERY PROCESS

def test_query_process_columns_on_8_1_12_and_later(home):
    status, lines = run(home, "q pr", "-tab")
    assert lines == ["30\tMigration\t\tDisk Storage Pool DISKPOOL, Moved Files: 5\t",
                     "31\tEXPIRATION\t\tExamined 10 objects\t30",
                     "32\tRetention Set Copy\t5\tRetention set 1: copying\t"]
    assert status == 0
    _status, table = run(home, "query process", "-dataonly=no")
    assert table[9].split() == ["Process", "Process", "Description", "Job", "Id", "Process", "Status", "Parent"]


def test_query_process_before_8_1_12_has_no_job_columns(home):
    _status, lines = run(home, "q process", "-se=OLD", "-tab")
    assert lines == ["40\tMigration\tMoving"]


@pytest.mark.parametrize("options, numbers", [
    ("31", ["31"]), ("desc=migr*", ["30"]), ("status=*moved*", ["30"]), ("description=Retention*", ["32"])])
def test_query_process_filters(home, options, numbers):
    _status, lines = run(home, "q proc " + options, "-comma")
    assert [row[0] for row in fields(lines)] == numbers


def test_query_process_none(home):
    status, lines = run(home, "q proc 77")
    assert lines == ["ANR0944E QUERY PROCESS: No active processes found.", "ANS8001I Return code 11."]
    assert status == 11


# ---------------------------------------------------------------- QUERY JOB

def test_query_job_lists_every_job_with_its_fields(home):
    status, lines = run(home, "q job")
    blocks = "\n".join(lines).split("\n\n")
    assert len(blocks) == 4
    first = [line.split(":", 1) for line in blocks[0].splitlines()]
    assert [pair[0].strip() for pair in first] == ["Job Id", "Peer Job Id", "Job Type", "Job Name",
                                                   "Begin Date/Time", "End Date/Time", "Run Date/Time",
                                                   "Status", "Completion State"]
    assert "Completion State: Failed" in blocks[3]
    assert status == 0


@pytest.mark.parametrize("options, ids", [
    ("", ["5", "6", "7", "8"]), ("status=any", ["5", "6", "7", "8"]), ("st=r", ["5"]),
    ("status=completed", ["8"]), ("status=interrupted", ["6"]), ("status=sleeping", ["7"]),
    ("status=terminated", []), ("6", ["6"]), ("begindate=today", ["5", "6", "7"]),
    ("enddate=today-3", ["8"]),
])
def test_query_job_filters(home, options, ids):
    status, lines = run(home, "q job " + options, "-comma")
    assert [row[0] for row in fields(lines) if not row[0].startswith("AN")] == ids
    assert status == (0 if ids else 11)


def test_query_job_running_matches_interrupting(home):
    assert run(home, "interrupt job 5")[0] == 0
    _status, lines = run(home, "q job status=running", "-comma")
    assert [row[7] for row in fields(lines)] == ["INTERRUPTING"]


def test_query_job_before_8_1_12_shows_no_match_when_there_is_no_job(home):
    status, lines = run(home, "q job", "-se=OLD")
    assert lines == ["ANR2034E QUERY JOB: No match found using this criteria.", "ANS8001I Return code 11."]
    assert status == 11


# ---------------------------------------------------------------- QUERY ACTLOG

def test_query_actlog_default_is_the_last_hour(home):
    status, lines = run(home, "q actlog", "-tab")
    messages = [line.split("\t")[1] for line in lines]
    assert any(m.startswith("ANR0406I Session 99") for m in messages)
    assert not any("NOT IN COMPLIANCE" in m for m in messages)
    assert messages[-1].startswith("ANR2017I Administrator ADMIN issued command: q actlog")
    assert status == 0


@pytest.mark.parametrize("options, expect", [
    ("msgno=406", "ANR0406I Session "), ("search=compliance begindate=today-3", "ANR2841W"),
    ("sessnum=99", "ANR0406I Session 99"), ("originator=client", "ANR0406I Session 99"),
    ("nodename=nodex", "ANR0406I Session 99"), ("begindate=today-2 endd=today-1 search=ANR2841W", "ANR2841W"),
    ("begintime=now-00:40 msgno=406", "ANR0406I"),
])
def test_query_actlog_filters(home, options, expect):
    status, lines = run(home, "q actlog " + options, "-tab")
    messages = [line.split("\t")[1] for line in lines if "ANR2017I" not in line]
    assert messages and all(message.startswith(expect) for message in messages)
    assert status == 0


def test_query_actlog_table_wraps_messages(home):
    _status, lines = run(home, "q actlog msgno=406", "-dataonly=no")
    start = lines.index("Date/Time                Message")
    assert lines[start + 1] == "-" * 20 + " " * 5 + "-" * 55
    assert lines[start + 2][25:].startswith("ANR0406I Session 99 started for node NODEX")
    assert lines[start + 3].startswith(" " * 25 + " ")


def test_query_actlog_no_match(home):
    status, lines = run(home, "q actlog msgno=1")
    assert lines == ["ANR2034E QUERY ACTLOG: No match found using this criteria.", "ANS8001I Return code 11."]
    assert status == 11


def test_query_actlog_job_filter(home):
    run(home, "interrupt job 5")
    _status, lines = run(home, "q actlog job=5", "-tab")
    assert lines and all("Job 5 " in line for line in lines)
    assert any("ANR3852I INTERRUPT JOB: Job 5 (RETSET_1_COPY) is being interrupted." in line for line in lines)


# ---------------------------------------------------------------- QUERY STATUS

def test_query_status_header_first_even_with_dataonly(home):
    status, lines = run(home, "q status")
    assert lines[0] == "Storage Management Server for Linux/x86_64 - Version 8, Release 1, Level 21.000"
    assert lines[1] == ""
    assert lines[2].endswith("Server Name: HUB1") and lines[3].endswith(": 127.0.0.1")
    assert status == 0


# ---------------------------------------------------------------- actions and privileges

def test_cancel_session_by_operator(home):
    status, lines = run(home, "cancel session 21", admin="oper")
    assert lines == ["ANR0490I Canceling session 21 for node NODEB (WinNT) ."]
    assert status == 0
    assert home.session(21)["STATE"] == "End"


@pytest.mark.parametrize("command, admin", [
    ("cancel session 21", "analyst"), ("cancel process 30", "oper"), ("cancel request 1", "analyst"),
    ("interrupt job 5", "oper"), ("terminate job 5", "analyst"), ("reply 1", "analyst"),
    ("delete retset 1", "oper"), ("expire inventory", "oper"),
])
def test_actions_need_privileges(home, command, admin):
    status, lines = run(home, command, admin=admin)
    name = "REPLY" if command.startswith("reply") else " ".join(command.upper().split()[:2])
    assert lines == ["ANR2035E %s: Administrator %s is not authorized to issue this command." % (name, admin.upper()),
                     "ANS8001I Return code 9."]
    assert status == 9


def test_cancel_session_all_asks_for_confirmation(home):
    status, lines = run(home, "cancel session all", input_text="n\n")
    assert lines[0] == "Do you wish to proceed? (Yes (Y)/No (N))"
    assert lines[-1] == "ANS8001I Return code 4." and status == 4
    assert home.session(20)["STATE"] == "Run"
    status, lines = run(home, "can se all", input_text="Y\n")
    assert lines[0] == "Do you wish to proceed? (Yes (Y)/No (N))" and status == 0
    assert {line.split()[3] for line in lines[1:]} == {"20", "21", "22"}


def test_cancel_session_all_with_noconfirm(home):
    status, lines = run(home, "cancel session all", "-noconfirm")
    assert len(lines) == 3 and all(line.startswith("ANR0490I") for line in lines) and status == 0


def test_cancel_process_request_and_jobs(home):
    assert run(home, "cancel process 30") == (0, ["ANR0940I Cancel request accepted for process 30."])
    status, lines = run(home, "cancel request 1 permanent")
    assert status == 0 and lines[0].startswith("ANR8341I")
    status, lines = run(home, "interrupt job 5")
    assert status == 0 and lines[0].startswith("ANR3852I INTERRUPT JOB: Job 5")
    status, lines = run(home, "resume job 6")
    assert status == 0 and lines[0].startswith("ANR3855I RESUME JOB: Job 6")
    status, lines = run(home, "terminate job 7")
    assert status == 0 and lines[0].startswith("ANR3856I TERMINATE JOB: Job 7")
    assert home.job(6)["STATUS"] == "SLEEPING"


def test_job_commands_do_not_exist_before_8_1_12(home):
    status, lines = run(home, "terminate job 1", "-se=OLD")
    assert lines[0] == "ANR2000E Unknown command - TERMINATE JOB." and status == 2


def test_engine_return_codes_pass_through(home):
    status, lines = run(home, "cancel process 999")
    assert lines == ["ANR0942E CANCEL PROCESS: Process 999 not found.", "ANS8001I Return code 11."]
    assert status == 11


# ---------------------------------------------------------------- SELECT

def test_select_table_and_delimited(home):
    status, lines = run(home, "select session_id, state from sessions where session_id < 22", "-dataonly=no")
    start = lines.index("SESSION_ID     STATE")
    assert lines[start:start + 4] == ["SESSION_ID     STATE", "----------     -----",
                                      "        20     Run", "        21     IdleW"]
    assert status == 0
    _status, lines = run(home, "select session_id, start_time from sessions where session_id=20", "-comma")
    assert lines == ["20,%s" % home.session(20)["START_TIME"]]


def test_select_wide_result_is_a_list(home):
    _status, lines = run(home, "select * from sessions where session_id=20")
    assert lines[0] == "       SESSION_ID: 20" and lines[1].startswith("       START_TIME: ")


def test_select_error_is_rc_3(home):
    status, lines = run(home, "select nosuch from sessions")
    assert lines == ["ANR2940E The reference 'NOSUCH' is an unknown SQL column name.", "ANS8001I Return code 3."]
    assert status == 3
