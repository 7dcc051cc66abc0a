"""Issue 12: the action semantics IBM documents (RESUME JOB privilege, QUERY JOB from V8.1.8,
CANCEL REQUEST ALL, storage-rule jobs, ANR0481W and COMMTIMEOUT, QUERY REQUEST, REPLY, mounts in
progress, DELETE RETSET / EXPIRE INVENTORY, routed CANCEL SESSION ALL, SPEMU_MSGIDS=alt)."""
import pytest

from conftest import ADMINS, server
from spemu import cli, dsmadmc, engine, msgids, store

OPERATORS = ADMINS + [{"name": "OPER", "password": "passw0rd", "privileges": ["OPERATOR"]},
                      {"name": "ANALYST", "password": "passw0rd", "privileges": ["ANALYST"]},
                      {"name": "POLICY1", "password": "passw0rd", "privileges": ["POLICY"]}]


def rule(name="RULE1", start="-1h", duration="10h"):
    return {"name": name, "action": "COPY", "target": "TAPEPOOL", "start": start, "duration": duration}


def run(home, command, *options, admin="admin", input_text="", env=None, server_name=None):
    argv = ["-id=%s" % admin, "-pa=passw0rd", "-dataonly=yes", *options, command]
    if server_name:
        argv.insert(0, "-se=%s" % server_name)
    status, output = dsmadmc.invoke(argv, home=home.path, input_text=input_text, env=env)
    return status, output.splitlines()


# ---------------------------------------------------------------- jobs

def test_resume_job_needs_no_privilege_class(make_home):
    home = make_home(server(admins=OPERATORS, stgrules=[rule()], jobs=[
        {"id": 6, "type": "RETENTION", "rule": "RULE1", "name": "RETSET_2_COPY", "status": "INTERRUPTED"}]))
    status, lines = run(home, "resume job 6", admin="analyst")
    assert status == 0 and lines[0].startswith("ANR3855I RESUME JOB: Job 6 (RETSET_2_COPY) was resumed")
    assert home.job(6)["STATUS"] == "SLEEPING"


OLD = server("OLD", "8.1.10", admins=OPERATORS, jobs=[
    {"id": 3, "name": "RETSET_7", "status": "RUNNING", "begin": "-1h", "work": "2h"},
    {"id": 4, "name": "RETSET_8", "status": "INTERRUPTED", "begin": "-3h"},
    {"id": 5, "name": "RETSET_9", "status": "COMPLETED", "outcome": "successful", "begin": "-5h", "end": "-4h"}])


def test_query_job_on_8_1_8_to_8_1_11_shows_retention_set_creation_jobs(make_home):
    home = make_home(OLD)
    status, lines = run(home, "q job")
    blocks = "\n".join(lines).split("\n\n")
    assert status == 0 and len(blocks) == 3
    labels = [line.split(":", 1)[0].strip() for line in blocks[0].splitlines()]
    assert labels == ["Job Id", "Job Type", "Job Name", "Begin Date/Time", "End Date/Time", "Status"]
    assert blocks[0].splitlines()[-1].endswith("Status: RUNNING")
    assert run(home, "q job status=co", "-comma")[1][0].startswith("5,RETENTION,RETSET_9,")
    assert run(home, "q job st=i", "-comma")[1][0].startswith("4,")
    assert run(home, "q job status=sleeping") == (3, ["ANR2020E QUERY JOB: Invalid parameter - SLEEPING.",
                                                      "ANS8001I Return code 3."])
    assert run(home, "interrupt job 3")[1][0] == "ANR2000E Unknown command - INTERRUPT JOB."
    assert home.messages("ANR3865I Job 3 %") == ["ANR3865I Job 3 (RETSET_7) started for retention set 7."]


def test_a_running_creation_job_completes_when_its_work_is_done(make_home):
    home = make_home(OLD)
    home.advance(2 * 3600)
    done = home.job(3)
    assert (done["STATUS"], done["END_TIME"]) == ("COMPLETED", store.fmt_ts(home.now()))
    assert home.messages("ANR3858I Job 3 %") == ["ANR3858I Job 3 (RETSET_7) completed with completion state Completed."]


def test_interrupt_job_refused_for_storage_rule_jobs(make_home):
    home = make_home(server(stgrules=[rule()], jobs=[
        {"id": 31, "type": "COPY", "rule": "RULE1", "status": "RUNNING", "begin": "-1h", "run": "-1h"},
        {"id": 32, "type": "TIERING", "rule": "RULE1", "status": "SLEEPING", "begin": "-20h"}]))
    outcome = home.act(engine.interrupt_job, 31)
    assert outcome == engine.Outcome(4, [
        "ANR3864E INTERRUPT JOB: Job 31 is a storage rule job; only retention set jobs can be interrupted."])
    assert home.act(engine.interrupt_job, 32).rc == 4
    assert (home.job(31)["STATUS"], home.job(32)["STATUS"]) == ("RUNNING", "SLEEPING")
    assert home.rows("SELECT * FROM PROCESSES WHERE JOB_ID=31 AND EMU_CANCEL IS NOT NULL") == []


def test_cancelling_a_storage_rule_jobs_process_does_not_interrupt_the_job(make_home):
    home = make_home(server(stgrules=[rule()], jobs=[
        {"id": 31, "type": "COPY", "rule": "RULE1", "status": "RUNNING", "begin": "-1h", "run": "-1h"}]))
    first, second = (row["PROCESS_NUM"] for row in home.rows("SELECT * FROM PROCESSES WHERE JOB_ID=31 ORDER BY 1"))
    assert home.act(engine.cancel_process, first).rc == 0
    home.advance(engine.PROCESS_CANCEL_SECONDS)
    assert home.process(first) is None and home.summary(first, "PROCESS")["SUCCESSFUL"] == "NO"
    assert home.job(31)["STATUS"] == "RUNNING" and home.process(second) is not None
    assert home.messages("ANR3854W%") == []


# ---------------------------------------------------------------- sessions

def node(number, state, **extra):
    spec = {"id": number, "client": "NODE%d" % number, "platform": "AIX", "state": state, "since": "now"}
    spec.update(extra)
    return spec


def test_comm_timeout_only_inside_a_transaction_and_idle_timeout_otherwise(make_home):
    home = make_home(server(commtimeout=60, idletimeout=15, sessions=[
        node(40, "RecvW", transaction=True), node(41, "RecvW"), node(42, "SendW"), node(43, "SSLW")]))
    home.advance(60)
    assert home.session(40)["STATE"] == "End"
    assert [home.session(n)["STATE"] for n in (41, 42, 43)] == ["RecvW", "SendW", "SSLW"]
    assert home.messages("ANR0481W%") == [
        "ANR0481W Session 40 for node NODE40 (AIX) was terminated. The client did not respond within 60 seconds."
        " (SESSION: 40)"]
    home.advance(15 * 60 - 60)                  # [DECIDED] a wait outside a transaction: IDLETIMEOUT
    assert [home.session(n)["STATE"] for n in (41, 42, 43)] == ["End"] * 3
    assert len(home.messages("ANR0482W Session 4%")) == 3


# ---------------------------------------------------------------- requests, REPLY, mounts

REQUESTS = server(admins=OPERATORS, sessions=[
    node(50, "MediaW", **{"for": "3h", "then": ["Run 1h"],
                          "mount": {"volume": "VOL050", "devclass": "LTO", "reply": True, "timeout": "60m"}}),
    node(51, "MediaW", mount={"volume": "VOL051", "timeout": "30m"})],
    processes=[{"id": 60, "description": "Space Reclamation", "started": "now", "duration": "1h",
                "mount": {"volume": "VOL060", "reply": True, "timeout": "2h", "library": "LIB2"}}])


def test_query_request_lists_outstanding_requests(make_home):
    home = make_home(REQUESTS)
    home.advance(90)
    status, lines = run(home, "query request")
    assert status == 0
    assert lines == [                                        # processes are seeded before sessions
        "ANR8352I Requests outstanding:",
        "ANR8306I 001: Insert LTO volume VOL060 R/W into the slot with element number 31 of library LIB2 "
        "within 119 minutes; issue 'REPLY' along with the request ID when ready.",
        "ANR8306I 002: Insert LTO volume VOL050 R/W into the slot with element number 32 of library TAPELIB "
        "within 59 minutes; issue 'REPLY' along with the request ID when ready.",
        "ANR8308I 003: LTO volume VOL051 is required for use in library TAPELIB; CHECKIN LIBVOLUME required "
        "within 29 minutes."]
    assert run(home, "q req 3")[1][1:] == [lines[3]]
    assert run(home, "q req 9") == (11, ["ANR8346I QUERY REQUEST: No requests are outstanding.",
                                         "ANS8001I Return code 11."])


def test_reply_lets_the_waiting_task_go_on_after_the_mount(make_home):
    home = make_home(REQUESTS)
    status, lines = run(home, "reply 2", admin="oper")
    assert (status, lines) == (0, ["ANR8499I Command accepted."])
    session = home.session(50)
    assert (session["STATE"], session["OUTPUT_VOL_WAIT"], session["OUTPUT_MOUNT_WAIT"]) == ("MediaW", None, "VOL050")
    assert [line.split()[1] for line in run(home, "q request")[1][1:]] == ["001:", "003:"]
    home.advance(engine.MOUNT_SECONDS)                        # the volume is mounted
    assert home.session(50)["STATE"] == "Run"
    assert home.messages("ANR8337I%") == ["ANR8337I LTO volume VOL050 mounted in drive DRIVE1. (SESSION: 50)"]


def test_reply_errors(make_home):
    home = make_home(REQUESTS)
    assert run(home, "reply 3") == (4, ["ANR8344E REPLY: Request 3 does not require a reply.", "ANS8001I Return code 4."])
    assert run(home, "reply 7") == (11, ["ANR8343E REPLY: Request 7 not found.", "ANS8001I Return code 11."])
    assert run(home, "reply") == (3, ["ANR2022E REPLY: One or more parameters are missing.", "ANS8001I Return code 3."])
    assert run(home, "reply 1 label=VOL1")[0] == 0


def test_a_task_whose_volume_is_being_mounted_ends_only_after_the_mount(make_home):
    home = make_home(REQUESTS)
    run(home, "reply 1")                                      # process 60's volume starts mounting
    assert run(home, "cancel process 60")[0] == 0
    home.advance(engine.PROCESS_CANCEL_SECONDS)
    assert home.process(60) is not None                       # still mounting
    assert run(home, "cancel request 1")[1][0] == "ANR8343E CANCEL REQUEST: Request 1 not found."
    home.advance(engine.MOUNT_SECONDS - engine.PROCESS_CANCEL_SECONDS)
    assert home.process(60) is None
    assert home.summary(60, "PROCESS")["SUCCESSFUL"] == "NO"
    assert home.messages("ANR8337I%") and home.messages("ANR0989E Process 60 %")


def test_a_seeded_mount_in_progress(make_home):
    home = make_home(server(sessions=[node(70, "MediaW", **{"then": ["Run 1h"]},
                                           mount={"volume": "VOL070", "mounting": "45s"})]))
    assert home.session(70)["OUTPUT_MOUNT_WAIT"] == "VOL070"
    assert home.act(engine.cancel_session, 70).rc == 0
    home.advance(44)
    assert home.session(70)["STATE"] == "MediaW"              # the mount completes first
    home.advance(1)
    assert home.session(70)["STATE"] == "End"


def test_cancel_request_all_and_permanent(make_home):
    home = make_home(REQUESTS)
    status, lines = run(home, "cancel request all permanent", admin="oper")
    assert status == 0
    assert lines == ["ANR8341I 001: Mount request for volume VOL060 canceled.", "ANR8342I Volume VOL060 is marked unavailable.",
                     "ANR8341I 002: Mount request for volume VOL050 canceled.", "ANR8342I Volume VOL050 is marked unavailable.",
                     "ANR8341I 003: Mount request for volume VOL051 canceled.", "ANR8342I Volume VOL051 is marked unavailable."]
    assert home.rows("SELECT * FROM REQUESTS") == []
    assert run(home, "can req al") == (11, ["ANR8346I CANCEL REQUEST: No requests are outstanding.",
                                            "ANS8001I Return code 11."])


# ---------------------------------------------------------------- retention sets

RETSETS = server(admins=OPERATORS, stgrules=[rule()], retsets=[{"id": 41, "expires": "-1h"}, {"id": 50, "expires": "+5d"}],
                 jobs=[{"id": 7, "type": "RETENTION", "rule": "RULE1", "name": "RETSET_41_COPY", "status": "RUNNING",
                        "begin": "-1h", "run": "-1h"},
                       {"id": 8, "type": "RETENTION", "rule": "RULE1", "name": "RETSET_42_COPY", "status": "INTERRUPTED",
                        "begin": "-5h"},
                       {"id": 9, "type": "RETENTION", "rule": "RULE1", "retset": 50, "name": "COPY50", "status": "SLEEPING",
                        "begin": "-20h"},
                       {"id": 10, "type": "RETENTION", "rule": "RULE1", "name": "RETSET_43_COPY", "status": "COMPLETED",
                        "outcome": "successful", "begin": "-9h", "end": "-8h"}])


def test_delete_retset_terminates_the_active_job_of_an_incomplete_set(make_home):
    home = make_home(RETSETS)
    status, lines = run(home, "delete retset 42", admin="policy1")
    assert (status, lines) == (0, ["ANR3866I Retention set 42 was deleted."])
    assert home.job(8)["STATUS"] == "TERMINATED"
    assert home.messages("ANR3867W%") == [
        "ANR3867W Job 8 (RETSET_42_COPY) is terminated because retention set 42 was deleted before it was complete."
        " (SESSION: %d)" % home.rows("SELECT MAX(SESSION) AS S FROM ACTLOG WHERE MSGNO=3867")[0]["S"]]
    assert run(home, "del retset 43")[0] == 0 and home.job(10)["STATUS"] == "COMPLETED"
    assert run(home, "delete retset 42") == (11, ["ANR3868E DELETE RETSET: Retention set 42 was not found.",
                                                  "ANS8001I Return code 11."])


def test_expire_inventory_terminates_the_jobs_of_expired_incomplete_sets(make_home):
    home = make_home(RETSETS)
    status, lines = run(home, "expire inventory wait=yes")
    number = home.rows("SELECT PROCESS_NUM FROM PROCESSES WHERE PROCESS='EXPIRATION'")[0]["PROCESS_NUM"]
    assert (status, lines) == (0, ["ANS8003I Process number %d started." % number])
    assert home.job(7)["STATUS"] == "TERMINATING"             # its children are stopping
    assert home.job(9)["STATUS"] == "SLEEPING"                # set 50 has not expired
    home.advance(engine.PROCESS_CANCEL_SECONDS)
    assert home.job(7)["STATUS"] == "TERMINATED"
    assert home.messages("ANR3866I%") == ["ANR3866I Retention set 41 was expired. (PROCESS: %d)" % number]
    home.advance(engine.EXPIRATION_SECONDS)
    assert home.summary(number, "PROCESS")["STATUS"] == "SUCCESSFUL"
    assert run(home, "expire inventory quiet=maybe")[0] == 3


# ---------------------------------------------------------------- routed CANCEL SESSION ALL

def test_routed_cancel_session_all_declined_is_not_sent(make_home):
    home = make_home(server("HUB1", role="hub"), server("SPOKE1", sessions=[node(80, "IdleW", **{"for": "1h"})]))
    status, lines = run(home, "spoke1: cancel session all", input_text="n\n")
    assert lines == ["Do you wish to proceed? (Yes (Y)/No (N))",
                     "ANS8045W CANCEL SESSION: Command not processed: the confirmation was declined.",
                     "ANS8001I Return code 4."]
    assert status == 4
    assert home.rows("SELECT STATE FROM SESSIONS WHERE SESSION_ID=80", name="SPOKE1") == [{"STATE": "IdleW"}]
    assert not list(home.rows("SELECT MESSAGE FROM ACTLOG WHERE MSGNO=2017", name="SPOKE1"))
    status, lines = run(home, "spoke1: cancel session all", input_text="y\n")
    assert lines[0] == "Do you wish to proceed? (Yes (Y)/No (N))" and lines.count(lines[0]) == 1
    assert any(line.startswith("ANR0490I Canceling session 80") for line in lines) and status == 0


# ---------------------------------------------------------------- SPEMU_MSGIDS=alt

def test_alt_message_ids_for_every_unverified_id(make_home):
    home = make_home(server(admins=OPERATORS, processes=[{"id": 90, "description": "Migration", "duration": "1h"}]))
    alt = {"SPEMU_MSGIDS": "alt"}
    assert run(home, "cancel process 90", env=alt) == (0, ["ANR9940I Cancel request accepted for process 90."])
    assert run(home, "cancel process 91", env=alt) == (11, ["ANR9942E CANCEL PROCESS: Process 91 not found.",
                                                            "ANS8001I Return code 11."])
    assert run(home, "cancel session 99", admin="analyst", env=alt)[1][0].startswith("ANR9035E CANCEL SESSION:")
    with home.conn() as conn:
        previous = msgids.set_override("alt")
        try:
            engine.run_until(conn, home.now() + __import__("datetime").timedelta(seconds=engine.PROCESS_CANCEL_SECONDS))
        finally:
            msgids.set_override(previous)
    logged = home.messages("%Process 9%")
    assert any(m.startswith("ANR9989E Process 90 for Migration was canceled") for m in logged)
    assert any(m.startswith("ANR0985I Process 90") for m in logged)            # verified ids stay
    assert run(home, "q proc", env={"SPEMU_MSGIDS": "weird"})[1] == [
        "ANS1107E Invalid option/value: 'SPEMU_MSGIDS=weird'", "ANS8002I Highest return code was 3."]


def test_alt_ids_per_server_from_the_fleet_file_and_in_routed_output(make_home):
    home = make_home(server("HUB1", role="hub"), server("SPOKE1", msgids="alt", jobs=[
        {"id": 5, "name": "RETSET_1", "status": "COMPLETED", "outcome": "failed", "begin": "-2h", "end": "-1h"}]))
    assert home.messages("ANR9860E%", ) == [] and home.rows(
        "SELECT COUNT(*) AS N FROM ACTLOG WHERE MSGNO=9860", name="SPOKE1")[0]["N"] == 1
    _status, lines = run(home, "hub1,spoke1: cancel process 3")
    assert "ANR0942E CANCEL PROCESS: Process 3 not found." in lines
    assert "ANR9942E CANCEL PROCESS: Process 3 not found." in lines


def test_alt_ids_are_distinct_and_keep_the_severity():
    assert all(alt[-1] == real[-1] and alt != real for real, alt in msgids.ALT.items())
    assert msgids.translate("ANR0984I Process 1 started.", "alt") == "ANR0984I Process 1 started."
    assert msgids.translate("ANR3853W Job 1 (X) was interrupted.", "alt") == "ANR9853W Job 1 (X) was interrupted."
    with pytest.raises(ValueError):
        msgids.check("fake")


def test_spemu_advance_uses_the_environment(make_home, monkeypatch):
    home = make_home(server(processes=[{"id": 95, "description": "Migration", "duration": "1h"}]))
    home.act(engine.cancel_process, 95)
    monkeypatch.setenv("SPEMU_MSGIDS", "alt")
    monkeypatch.setenv("SPEMU_HOME", home.path)
    try:
        assert cli.main(["advance", "10s"]) == 0
    finally:
        msgids.set_override(None)
    assert home.messages("ANR9989E%")
