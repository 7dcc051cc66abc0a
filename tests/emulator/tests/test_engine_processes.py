"""Process rules: end at duration with ANR0985I, cancel, mount waits, SUMMARY."""
from conftest import server
from spemu import engine


def proc(number, **extra):
    spec = {"id": number, "description": "Migration", "started": "now", "duration": "10m",
            "status": "Disk Storage Pool DISKPOOL, Moved Files: 1,409"}
    spec.update(extra)
    return spec


def test_process_ends_at_its_duration_with_anr0985i_and_summary(make_home):
    home = make_home(server(processes=[proc(5)]))
    start = home.now()
    home.advance(599)
    assert home.process(5)["STATUS"] == "Disk Storage Pool DISKPOOL, Moved Files: 1,409"
    home.advance(1)
    assert home.process(5) is None
    end = home.now()
    assert home.messages("ANR098%") == [
        "ANR0984I Process 5 for Migration started in the BACKGROUND at %s. (PROCESS: 5)" % start.strftime("%H:%M:%S"),
        "ANR0985I Process 5 for Migration running in the BACKGROUND completed with completion state SUCCESS at %s. (PROCESS: 5)"
        % end.strftime("%H:%M:%S")]
    row = home.summary(5, "PROCESS")
    assert (row["ACTIVITY"], row["SUCCESSFUL"], row["STATUS"]) == ("MIGRATION", "YES", "SUCCESSFUL")
    assert row["END_TIME"] > row["START_TIME"]


def test_process_failure_and_warning_outcomes(make_home):
    home = make_home(server(processes=[
        proc(6, result="FAILURE", error="ANR1234E Migration failed for volume VOL1."),
        proc(7, warning="ANR1165W Migration skipped damaged file.")]))
    home.advance(600)
    assert home.messages("%PROCESS: 6)")[-2:] == [
        "ANR1234E Migration failed for volume VOL1. (PROCESS: 6)",
        "ANR0985I Process 6 for Migration running in the BACKGROUND completed with completion state FAILURE at %s. (PROCESS: 6)"
        % home.now().strftime("%H:%M:%S")]
    assert (home.summary(6, "PROCESS")["SUCCESSFUL"], home.summary(6, "PROCESS")["STATUS"]) == ("NO", "FAILED")
    assert home.messages("ANR1165W%") == ["ANR1165W Migration skipped damaged file. (PROCESS: 7)"]
    assert (home.summary(7, "PROCESS")["SUCCESSFUL"], home.summary(7, "PROCESS")["STATUS"]) == ("YES", "WARNING")


def test_cancel_process_ends_it_with_failure(make_home):
    home = make_home(server(processes=[proc(8, duration="2h")]))
    outcome = home.act(engine.cancel_process, 8)
    assert outcome == engine.Outcome(0, ["ANR0940I Cancel request accepted for process 8."])
    assert home.process(8) is not None                       # it stops shortly after
    home.advance(engine.PROCESS_CANCEL_SECONDS)
    assert home.process(8) is None
    assert home.messages("ANR0989E%") == ["ANR0989E Process 8 for Migration was canceled by administrator ADMIN. (PROCESS: 8)"]
    assert home.messages("ANR0985I%")[0].startswith(
        "ANR0985I Process 8 for Migration running in the BACKGROUND completed with completion state FAILURE")
    assert home.summary(8, "PROCESS")["SUCCESSFUL"] == "NO"


def test_cancel_unknown_process_is_not_found(make_home):
    home = make_home(server())
    assert home.act(engine.cancel_process, 77) == engine.Outcome(11, ["ANR0942E CANCEL PROCESS: Process 77 not found."])


def test_process_waiting_for_reply_mount_ends_only_when_request_is_cancelled(make_home):
    home = make_home(server(processes=[proc(9, description="Space Reclamation", duration="1h",
                                            mount={"volume": "A00042L6", "reply": True, "timeout": "2h"})]))
    request = home.rows("SELECT * FROM REQUESTS")[0]
    assert (request["PROCESS_NUM"], request["NEEDS_REPLY"]) == (9, "YES")
    home.advance(30)
    assert home.process(9)["STATUS"] == "Waiting for mount of output volume A00042L6 (30 seconds)."
    home.act(engine.cancel_process, 9)
    home.advance(3500)                      # past its duration and the cancel delay, before the 2h timeout
    assert home.process(9) is not None
    outcome = home.act(engine.cancel_request, request["REQUEST_NUM"], permanent=True)
    assert outcome.rc == 0 and outcome.messages[-1] == "ANR8342I Volume A00042L6 is marked unavailable."
    assert home.process(9) is None
    assert home.summary(9, "PROCESS")["SUCCESSFUL"] == "NO"


def test_process_mount_timeout_fails_the_process(make_home):
    home = make_home(server(processes=[proc(10, duration="1h", mount={"timeout": "20m"})]))
    home.advance(20 * 60)
    assert home.process(10) is None
    assert home.messages("ANR1401W%")
    assert home.summary(10, "PROCESS")["SUCCESSFUL"] == "NO"


def test_answered_mount_lets_the_process_finish_its_remaining_work(make_home):
    home = make_home(server(processes=[proc(11, duration="30m", mount={"answer": "10m"})]))
    home.advance(40 * 60)
    assert home.process(11) is not None                      # 10 minutes waiting and 30 s mounting
    home.advance(engine.MOUNT_SECONDS)
    assert home.process(11) is None
    assert home.summary(11, "PROCESS")["SUCCESSFUL"] == "YES"


def test_cancel_process_with_plain_mount_request_cancels_the_request(make_home):
    home = make_home(server(processes=[proc(12, duration="1h", mount={"volume": "V9"})]))
    home.act(engine.cancel_process, 12)
    assert home.rows("SELECT * FROM REQUESTS") == []
    assert home.process(12) is None


def test_cancel_unknown_request_is_not_found(make_home):
    home = make_home(server())
    assert home.act(engine.cancel_request, 4).rc == 11


def test_process_numbers_are_unique_and_increasing(make_home):
    home = make_home(server(processes=[proc(20)]))
    with home.conn() as conn:
        first = engine.new_process(conn, home.now(), "EXPIRATION", duration=60)
        second = engine.new_process(conn, home.now(), "EXPIRATION", duration=60)
    assert (first, second) == (21, 22)
    assert home.summary(20, "PROCESS") is None
