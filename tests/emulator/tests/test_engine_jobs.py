"""Job rules: windows, INTERRUPT / RESUME / TERMINATE, child processes, completion."""
import time

from conftest import server
from spemu import engine, store


def rule(name="RETRULE", start="-1h", duration="2h"):
    return {"name": name, "action": "COPY", "target": "TAPEPOOL", "start": start, "duration": duration}


def job(number, status, **extra):
    spec = {"id": number, "type": "RETENTION", "rule": "RETRULE", "status": status, "begin": "-1h", "run": "-1h"}
    spec.update(extra)
    return spec


def children(home, job_id):
    return home.rows("SELECT * FROM PROCESSES WHERE JOB_ID=? ORDER BY PROCESS_NUM", (job_id,))


def stgrule(home, name="RETRULE"):
    return home.rows("SELECT * FROM STGRULES WHERE NAME=?", (name,))[0]


def test_running_job_has_child_processes_linked_by_job_and_parent(make_home):
    home = make_home(server(stgrules=[rule()], jobs=[job(7, "RUNNING", children=3)]))
    kids = children(home, 7)
    assert [k["PROCESS"] for k in kids] == ["Retention Set Copy"] * 3
    first = kids[0]["PROCESS_NUM"]
    assert [k["PARENT_PROCESS"] for k in kids] == [None, first, first]


def test_interrupt_running_job_stops_children_then_interrupted(make_home):
    home = make_home(server(stgrules=[rule()], jobs=[job(7, "RUNNING", name="RETSET_1")]))
    outcome = home.act(engine.interrupt_job, 7)
    assert outcome == engine.Outcome(0, ["ANR3852I INTERRUPT JOB: Job 7 (RETSET_1) is being interrupted."])
    assert home.job(7)["STATUS"] == "INTERRUPTING"
    assert len(children(home, 7)) == 2
    home.advance(engine.PROCESS_CANCEL_SECONDS)
    assert home.job(7)["STATUS"] == "INTERRUPTED"
    assert children(home, 7) == []
    assert home.messages("ANR3853W%") == ["ANR3853W Job 7 (RETSET_1) was interrupted."]
    assert {row["SUCCESSFUL"] for row in home.rows("SELECT * FROM SUMMARY WHERE ACTIVITY='RETENTION SET COPY'")} == {"NO"}


def test_interrupt_sleeping_job_is_immediate_and_completed_job_refused(make_home):
    home = make_home(server(stgrules=[rule(start="+3h")], jobs=[
        job(8, "SLEEPING"), job(9, "COMPLETED", outcome="successful", end="-10m")]))
    assert home.act(engine.interrupt_job, 8).rc == 0
    assert home.job(8)["STATUS"] == "INTERRUPTED"
    outcome = home.act(engine.interrupt_job, 9)
    assert outcome == engine.Outcome(4, ["ANR3862E INTERRUPT JOB: Job 9 cannot be processed because its status is COMPLETED."])
    assert home.act(engine.interrupt_job, 8).rc == 4       # already interrupted


def test_resume_sleeps_until_next_window_then_runs_and_sleeps_at_window_end(make_home):
    home = make_home(server(stgrules=[rule(start="+1h", duration="1h")],
                            jobs=[job(10, "INTERRUPTED", work="5h", children=2)]))
    assert home.act(engine.resume_job, 10).rc == 0
    assert home.job(10)["STATUS"] == "SLEEPING"
    start = engine.next_window_start(stgrule(home), home.now())
    home.advance((start - home.now()).total_seconds() - 1)
    assert home.job(10)["STATUS"] == "SLEEPING"
    home.advance(1)
    assert home.job(10)["STATUS"] == "RUNNING"
    kids = children(home, 10)
    assert len(kids) == 2 and kids[1]["PARENT_PROCESS"] == kids[0]["PROCESS_NUM"]
    assert len(home.messages("ANR0984I Process % for Retention Set Copy started%")) == 2
    home.advance(3600)
    assert home.job(10)["STATUS"] == "SLEEPING"              # the window closed before the work was done
    assert children(home, 10) == []
    assert {row["SUCCESSFUL"] for row in home.rows("SELECT * FROM SUMMARY WHERE ACTIVITY='RETENTION SET COPY'")} == {"YES"}
    assert home.job(10)["EMU_WORK_LEFT"] == 4 * 3600


def test_resume_during_open_window_waits_for_the_next_one(make_home):
    home = make_home(server(stgrules=[rule(start="-10m", duration="2h")], jobs=[job(11, "INTERRUPTED")]))
    home.act(engine.resume_job, 11)
    home.advance(3600)
    assert home.job(11)["STATUS"] == "SLEEPING"
    home.advance(23 * 3600)
    assert home.job(11)["STATUS"] == "RUNNING"


def test_resume_refused_for_storage_rule_jobs_and_wrong_states(make_home):
    home = make_home(server(stgrules=[rule()], jobs=[job(12, "INTERRUPTED", type="COPY"), job(13, "RUNNING")]))
    outcome = home.act(engine.resume_job, 12)
    assert outcome == engine.Outcome(4, ["ANR3864E RESUME JOB: Job 12 is a storage rule job; only retention set jobs can be resumed."])
    assert home.act(engine.resume_job, 13).rc == 4
    assert home.act(engine.resume_job, 99) == engine.Outcome(11, ["ANR3861E RESUME JOB: Job 99 was not found."])


def test_terminate_is_final(make_home):
    home = make_home(server(stgrules=[rule()], jobs=[job(14, "RUNNING")]))
    assert home.act(engine.terminate_job, 14).rc == 0
    assert home.job(14)["STATUS"] == "TERMINATING"
    home.advance(engine.PROCESS_CANCEL_SECONDS)
    terminated = home.job(14)
    assert (terminated["STATUS"], terminated["END_TIME"]) == ("TERMINATED", store.fmt_ts(home.now()))
    for action in (engine.interrupt_job, engine.resume_job, engine.terminate_job):
        outcome = home.act(action, 14)
        assert outcome.rc == 4 and outcome.messages[0].startswith("ANR3863E")
    home.advance(2 * 86400)
    assert home.job(14)["STATUS"] == "TERMINATED"


def test_job_completes_when_its_work_is_done(make_home):
    home = make_home(server(stgrules=[rule()], jobs=[job(15, "RUNNING", work="30m", result="warning", name="RS9")]))
    home.advance(1800)
    done = home.job(15)
    assert (done["STATUS"], done["COMPLETION_STATE"], done["END_TIME"]) == ("COMPLETED", "Warning", store.fmt_ts(home.now()))
    assert home.messages("ANR385%")[-2:] == ["ANR3859W Job 15 (RS9) completed with warnings.",
                                             "ANR3858I Job 15 (RS9) completed with completion state Warning."]
    assert children(home, 15) == []


def test_cancelling_a_child_process_interrupts_the_job(make_home):
    home = make_home(server(stgrules=[rule()], jobs=[job(16, "RUNNING")]))
    first, second = (k["PROCESS_NUM"] for k in children(home, 16))
    assert home.act(engine.cancel_process, first).rc == 0
    home.advance(engine.PROCESS_CANCEL_SECONDS)
    assert home.messages("ANR3854W%") == [
        "ANR3854W Job 16 (RETRULE) is interrupted because process %d ended with completion state FAILURE." % first]
    assert home.job(16)["STATUS"] == "INTERRUPTING"          # the other child is stopping
    assert home.process(second)["EMU_CANCEL"] is not None
    home.advance(engine.PROCESS_CANCEL_SECONDS)
    assert home.job(16)["STATUS"] == "INTERRUPTED"


def test_a_child_failing_by_itself_interrupts_the_job(make_home):
    home = make_home(server(stgrules=[rule()], jobs=[job(17, "RUNNING")], processes=[
        {"id": 30, "description": "Retention Set Copy", "job": 17, "started": "-1h", "duration": "70m", "result": "FAILURE"},
        {"id": 31, "description": "Retention Set Copy", "job": 17, "parent": 30, "started": "-1h"}]))
    home.advance(600)
    assert home.job(17)["STATUS"] == "INTERRUPTING"
    home.advance(engine.PROCESS_CANCEL_SECONDS)
    assert home.job(17)["STATUS"] == "INTERRUPTED"
    assert home.summary(30, "PROCESS")["SUCCESSFUL"] == "NO"


def test_a_week_of_windows_runs_event_by_event(make_home):
    home = make_home(server(stgrules=[rule(start="+1h", duration="1h")], jobs=[job(18, "SLEEPING", work="3h", children=1)]))
    started = time.monotonic()
    home.advance(7 * 86400)
    assert time.monotonic() - started < 2
    done = home.job(18)
    assert (done["STATUS"], done["COMPLETION_STATE"]) == ("COMPLETED", "Completed")
    assert len(home.messages("ANR3850I Job 18 %")) == 3 + 1  # three windows (and the seeded start)


def test_jobs_supported_only_from_8_1_12(make_home):
    home = make_home(server(), server("OLD", "8.1.11"))
    with home.conn() as conn:
        assert engine.jobs_supported(conn)
    with home.conn("OLD") as conn:
        assert not engine.jobs_supported(conn)
