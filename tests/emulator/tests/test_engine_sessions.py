"""Session rules: states, timers, cancel, reconnect, End, SUMMARY and ACTLOG."""
from conftest import server
from spemu import engine


def node(number, state, **extra):
    spec = {"id": number, "client": "NODE%d" % number, "type": "Node", "platform": "AIX", "state": state,
            "started": "-10m", "since": "now"}
    spec.update(extra)
    return spec


def test_running_session_reaches_send_wait_after_default_run_time(make_home):
    home = make_home(server(sessions=[node(10, "Run")]))
    home.advance(engine.RUN_SECONDS - 1)
    assert home.session(10)["STATE"] == "Run"
    home.advance(1)
    assert home.session(10)["STATE"] == "SendW"
    home.advance(20)
    assert home.session(10)["WAIT_SECONDS"] == 20          # counts from the state change


def test_starting_session_runs_after_authentication(make_home):
    home = make_home(server(sessions=[node(9, "Start", **{"for": "30s"}), node(8, "Start")]))
    home.advance(engine.START_SECONDS)
    assert (home.session(8)["STATE"], home.session(9)["STATE"]) == ("Run", "Start")
    home.advance(30 - engine.START_SECONDS)
    assert home.session(9)["STATE"] == "Run"


def test_scripted_states_then_normal_end_through_end_state(make_home):
    home = make_home(server(sessions=[node(11, "Run", **{"for": "10s", "then": ["SendW 20s", "Run 30s"]})]))
    home.advance(10)
    assert home.session(11)["STATE"] == "SendW"
    home.advance(20)
    assert home.session(11)["STATE"] == "Run"
    home.advance(30)
    assert home.session(11)["STATE"] == "End"                # ends briefly listed as End
    home.advance(engine.END_SECONDS)
    assert home.session(11) is None
    assert home.messages("ANR0403I%")[-1] == "ANR0403I Session 11 ended for node NODE11 (AIX). (SESSION: 11)"
    row = home.summary(11, "SESSION")
    assert (row["SUCCESSFUL"], row["STATUS"], row["ENTITY"]) == ("YES", "SUCCESSFUL", "NODE11")


def test_scripted_warning_and_error_at_normal_end(make_home):
    home = make_home(server(sessions=[node(18, "Run", **{"for": "1m", "warning": "ANR9999W Some files skipped."}),
                                      node(19, "Run", **{"for": "1m", "error": "ANE4007E Access denied."})]))
    home.advance(60 + engine.END_SECONDS)
    assert home.messages("ANR9999W%") == ["ANR9999W Some files skipped. (SESSION: 18)"]
    assert home.messages("ANE4007E%") == ["ANE4007E Access denied. (SESSION: 19)"]
    assert home.rows("SELECT ORIGINATOR FROM ACTLOG WHERE MSGNO=4007") == [{"ORIGINATOR": "CLIENT"}]
    assert (home.summary(18, "SESSION")["SUCCESSFUL"], home.summary(18, "SESSION")["STATUS"]) == ("YES", "WARNING")
    assert (home.summary(19, "SESSION")["SUCCESSFUL"], home.summary(19, "SESSION")["STATUS"]) == ("NO", "FAILED")


def test_idle_timeout_ends_node_session_with_anr0482w(make_home):
    home = make_home(server(idletimeout=15, sessions=[node(12, "IdleW")]))
    home.advance(15 * 60 - 1)
    assert home.session(12)["STATE"] == "IdleW"
    home.advance(1)
    assert home.session(12)["STATE"] == "End"
    assert home.messages("ANR0482W%") == [
        "ANR0482W Session 12 for node NODE12 (AIX) terminated - idle for more than 15 minutes. (SESSION: 12)"]
    home.advance(engine.END_SECONDS)
    row = home.summary(12, "SESSION")
    assert (row["SUCCESSFUL"], row["STATUS"], row["IDLE"]) == ("YES", "WARNING", 15 * 60)


def test_admin_sessions_use_admin_timeouts(make_home):
    home = make_home(server(idletimeout=60, adminidletimeout=5, commtimeout=600, admincommtimeout=30, sessions=[
        {"id": 13, "client": "OCADMIN", "type": "Admin", "state": "IdleW", "since": "now"},
        {"id": 14, "client": "OCADMIN", "type": "Admin", "state": "RecvW", "since": "now", "transaction": True},
        node(15, "IdleW")]))
    home.advance(30)
    assert home.session(14)["STATE"] == "End"
    assert home.session(13)["STATE"] == "IdleW"
    home.advance(5 * 60 - 30)
    assert home.session(13)["STATE"] == "End"
    assert home.session(15)["STATE"] == "IdleW"
    home.advance(10)
    assert home.messages("ANR0405I Session 14%") == ["ANR0405I Session 14 ended for administrator OCADMIN (Linux x86-64). (SESSION: 14)"]
    assert home.summary(14, "SESSION") is None               # [DECIDED] admin sessions: no SUMMARY


def test_comm_timeout_ends_receive_wait_with_anr0481w_and_fails(make_home):
    home = make_home(server(commtimeout=60, sessions=[node(16, "RecvW", transaction=True)]))
    home.advance(60)
    assert home.messages("ANR0481W%") == [
        "ANR0481W Session 16 for node NODE16 (AIX) was terminated. The client did not respond within 60 seconds."
        " (SESSION: 16)"]
    home.advance(engine.ROLLBACK_SECONDS)                    # the open transaction is rolled back
    assert home.summary(16, "SESSION")["SUCCESSFUL"] == "NO"


def test_scripted_wait_shorter_than_timeout_does_not_time_out(make_home):
    home = make_home(server(commtimeout=60, sessions=[node(17, "SendW", **{"for": "50s", "then": ["Run 1h"]})]))
    home.advance(55)
    assert home.session(17)["STATE"] == "Run"


def test_cancel_running_session_ends_only_at_next_wait_state(make_home):
    home = make_home(server(sessions=[node(20, "Run", **{"for": "10m", "then": ["SendW 1m"]})]))
    outcome = home.act(engine.cancel_session, 20)
    assert outcome == engine.Outcome(0, ["ANR0490I Canceling session 20 for node NODE20 (AIX) ."])
    home.advance(9 * 60)
    assert home.session(20)["STATE"] == "Run"               # still listed and running
    home.advance(60)
    assert home.session(20)["STATE"] == "End"
    assert home.messages("ANR0483W%") == [
        "ANR0483W Session 20 for node NODE20 (AIX) terminated - forced by administrator. (SESSION: 20)"]
    home.advance(engine.END_SECONDS)
    assert home.session(20) is None
    assert home.summary(20, "SESSION")["SUCCESSFUL"] == "NO"


def test_cancelled_running_session_scripted_to_run_again_keeps_running(make_home):
    home = make_home(server(sessions=[node(21, "Run", **{"for": "1m", "then": ["Run 1m", "IdleW"]})]))
    home.act(engine.cancel_session, 21)
    home.advance(60)
    assert home.session(21)["STATE"] == "Run"
    home.advance(60)
    assert home.session(21)["STATE"] == "End"


def test_cancel_idle_session_ends_now_and_client_comes_back_as_new_session(make_home):
    home = make_home(server(sessions=[node(22, "IdleW", **{"for": "10m", "then": ["Run 1h"]}),
                                      node(23, "Run", **{"for": "2h"})]))
    home.act(engine.cancel_session, 22)
    assert home.session(22)["STATE"] == "End"
    home.advance(engine.END_SECONDS)
    assert home.session(22) is None
    home.advance(10 * 60 - engine.END_SECONDS)               # the client sends again
    new = home.rows("SELECT * FROM SESSIONS WHERE CLIENT_NAME='NODE22'")
    assert len(new) == 1 and new[0]["SESSION_ID"] == 24 and new[0]["STATE"] == "Start"
    assert home.messages("ANR0406I Session 24 %")
    home.advance(engine.START_SECONDS)
    assert home.session(24)["STATE"] == "Run"


def test_idle_session_without_later_request_does_not_come_back(make_home):
    home = make_home(server(sessions=[node(25, "IdleW")]))
    home.act(engine.cancel_session, 25)
    home.advance(86400)
    assert home.rows("SELECT * FROM SESSIONS") == []


def test_idle_timeout_also_reconnects_when_client_sends_again(make_home):
    home = make_home(server(idletimeout=15, sessions=[node(26, "IdleW", **{"for": "1h"})]))
    home.advance(3600)
    sessions = home.rows("SELECT SESSION_ID, CLIENT_NAME, STATE FROM SESSIONS")
    assert sessions == [{"SESSION_ID": 27, "CLIENT_NAME": "NODE26", "STATE": "Start"}]


def test_cancel_media_wait_cancels_mount_request_and_ends(make_home):
    home = make_home(server(sessions=[node(30, "MediaW", mount={"volume": "VOL001", "devclass": "LTO"})]))
    request = home.rows("SELECT * FROM REQUESTS")[0]
    assert (request["SESSION_ID"], request["NEEDS_REPLY"], request["VOLUME"]) == (30, "NO", "VOL001")
    assert home.session(30)["OUTPUT_VOL_WAIT"] == "VOL001"
    home.act(engine.cancel_session, 30)
    assert home.rows("SELECT * FROM REQUESTS") == []
    assert home.messages("ANR8341I%") == ["ANR8341I %03d: Mount request for volume VOL001 canceled. (SESSION: 30)" % request["REQUEST_NUM"]]
    assert home.session(30)["STATE"] == "End"


def test_cancel_media_wait_with_operator_reply_waits_for_the_request(make_home):
    home = make_home(server(sessions=[node(31, "MediaW", mount={"volume": "VOL002", "reply": True, "timeout": "30m"})]))
    home.act(engine.cancel_session, 31)
    assert home.session(31)["STATE"] == "MediaW"             # needs an operator response first
    home.advance(29 * 60)
    assert home.session(31)["STATE"] == "MediaW"
    home.advance(60)                                         # the request times out
    assert home.session(31)["STATE"] == "End"
    assert home.messages("ANR8325W%")
    assert home.messages("ANR0483W Session 31 %")


def test_media_wait_answered_continues_with_script(make_home):
    home = make_home(server(sessions=[node(32, "MediaW", **{"for": "2m", "then": ["Run 1h"]})]))
    home.advance(120)                                        # answered: the volume is being mounted
    session = home.session(32)
    assert (session["STATE"], session["OUTPUT_VOL_WAIT"], session["OUTPUT_MOUNT_WAIT"]) == ("MediaW", None, session["OUTPUT_MOUNT_WAIT"])
    assert session["OUTPUT_MOUNT_WAIT"] and not home.messages("ANR8337I%")
    home.advance(engine.MOUNT_SECONDS)
    session = home.session(32)
    assert (session["STATE"], session["OUTPUT_VOL_WAIT"], session["OUTPUT_MOUNT_WAIT"]) == ("Run", None, None)
    assert home.messages("ANR8337I%")


def test_mount_timeout_fails_media_wait_session(make_home):
    home = make_home(server(sessions=[node(33, "MediaW", mount={"timeout": "10m"})]))
    home.advance(600)
    assert home.messages("ANR0525W Transaction failed for session 33 %")
    home.advance(engine.END_SECONDS)
    assert home.summary(33, "SESSION")["SUCCESSFUL"] == "NO"


def test_cancel_session_with_open_backup_transaction_rolls_back(make_home):
    home = make_home(server(sessions=[node(34, "SendW", transaction=True, rollback="45s")]))
    home.act(engine.cancel_session, 34)
    assert home.messages("ANR0483W%") == [
        "ANR0483W Session 34 for node NODE34 (AIX) terminated - forced by administrator. (SESSION: 34)"]
    home.advance(44)
    assert home.session(34)["STATE"] == "End"               # rolling back
    home.advance(1)
    assert home.session(34) is None


def test_cancel_start_session_ends_at_once(make_home):
    home = make_home(server(sessions=[node(35, "Start", **{"for": "1h"})]))
    home.act(engine.cancel_session, 35)
    assert home.session(35)["STATE"] == "End"


def test_cancel_unknown_session_is_not_found(make_home):
    home = make_home(server(sessions=[node(36, "Run", **{"for": "1h"})]))
    outcome = home.act(engine.cancel_session, 999)
    assert outcome == engine.Outcome(11, ["ANR0491I No matching session(s) found to cancel."])
    assert home.messages("ANR0491I%")


def test_cancel_all_cancels_node_sessions_only(make_home):
    home = make_home(server(sessions=[
        node(40, "IdleW"), node(41, "RecvW"),
        {"id": 42, "client": "OCADMIN", "type": "Admin", "state": "IdleW", "since": "now"},
        {"id": 43, "client": "SRV2", "type": "Server", "state": "IdleW", "since": "now"}]))
    outcome = home.act(engine.cancel_session, "ALL")
    assert outcome.rc == 0 and len(outcome.messages) == 2
    states = {row["SESSION_ID"]: row["STATE"] for row in home.rows("SELECT * FROM SESSIONS")}
    assert states == {40: "End", 41: "End", 42: "IdleW", 43: "IdleW"}


def test_admin_session_of_dsmadmc_and_logged_command(make_home):
    home = make_home(server())
    with home.conn() as conn:
        number = engine.admin_session(conn, home.now(), "admin", "Linux x86-64")
        engine.log_command(conn, home.now(), "admin", number, "CANCEL SESSION 5")
    home.advance(3600)                                       # no timer runs for a live dsmadmc session
    assert home.session(number)["STATE"] == "Run"
    with home.conn() as conn:
        engine.end_admin_session(conn, home.now(), number)
    assert home.session(number) is None
    assert home.messages("ANR2017I%") == ["ANR2017I Administrator ADMIN issued command: CANCEL SESSION 5  (SESSION: %d)" % number]
    assert home.messages("ANR0407I Session %d %%" % number)
    assert home.messages("ANR0405I Session %d %%" % number)


def test_session_of_a_vanished_dsmadmc_is_ended(make_home):
    home = make_home(server())
    with home.conn() as conn:
        number = engine.admin_session(conn, home.now(), "ADMIN", "Linux x86-64")
        conn.execute("UPDATE SESSIONS SET EMU_LIVE=? WHERE SESSION_ID=?", (2 ** 22 + 12345, number))
    home.advance(1)
    assert home.session(number)["STATE"] == "End"
    home.advance(engine.END_SECONDS)
    assert home.session(number) is None
    assert home.messages("ANR0405I Session %d %%" % number)


def test_cancel_message_carries_the_admin_session_suffix(make_home):
    home = make_home(server(sessions=[node(50, "IdleW")]))
    with home.conn() as conn:
        admin = engine.admin_session(conn, home.now(), "ADMIN", "Linux x86-64")
        engine.cancel_session(conn, home.now(), "ADMIN", 50)
    assert home.messages("ANR0490I%") == ["ANR0490I Canceling session 50 for node NODE50 (AIX) . (SESSION: %d)" % admin]


def test_session_numbers_are_never_reused(make_home):
    home = make_home(server(sessions=[node(60, "IdleW")]))
    home.act(engine.cancel_session, 60)
    home.advance(60)
    with home.conn() as conn:
        first = engine.admin_session(conn, home.now(), "ADMIN", "Linux")
        engine.end_admin_session(conn, home.now(), first)
        second = engine.admin_session(conn, home.now(), "ADMIN", "Linux")
    assert (first, second) == (61, 62)
