"""The event loop: nothing runs in the background; run_until applies every due event of a
server (session steps and timeouts, process ends, mount answers and timeouts, storage-rule
windows, job work done, reconnecting clients) at its own time, in time order."""
import contextlib
import datetime
import os

from .. import store
from . import base, jobs, mounts, processes, sessions


def sync(conn, now):
    """Run every event due up to `now` (inside the caller's transaction); the clock of a
    server never goes back, so the action happens at max(now, last event time)."""
    run_until(conn, now)
    return max(now, base.dt(base.server_info(conn)["LAST_EVENT_TIME"]))


def next_event(conn, info):
    """The earliest due event of the server: (time, order, kind, key), or None. At equal
    times: requests, then sessions, processes, jobs, reconnecting clients."""
    due = [(mounts.due(row), 0, ("request", row["REQUEST_NUM"])) for row in base.fetch_rows(conn, "SELECT * FROM REQUESTS")]
    due += [(sessions.due(info, row), 1, ("session", row["SESSION_ID"])) for row in base.fetch_rows(conn, "SELECT * FROM SESSIONS")]
    due += [(processes.due(conn, row), 2, ("process", row["PROCESS_NUM"])) for row in base.fetch_rows(conn, "SELECT * FROM PROCESSES")]
    due += [(jobs.due(conn, row), 3, ("job", row["JOB_ID"]))
            for row in base.fetch_rows(conn, "SELECT * FROM JOBS WHERE STATUS IN ('RUNNING', 'SLEEPING')")]
    due += [((base.dt(row["AT"]), "reconnect"), 4, ("reconnect", row["rowid"]))
            for row in base.fetch_rows(conn, "SELECT rowid, * FROM EMU_RECONNECTS")]
    events = [(when_kind[0], order, when_kind[1], key) for when_kind, order, key in due if when_kind is not None]
    return min(events) if events else None


def apply_event(conn, when, kind, key):
    table, number = key
    if table == "request":
        mounts.resolve(conn, base.fetch_row(conn, "SELECT * FROM REQUESTS WHERE REQUEST_NUM=?", (number,)), when, kind)
    elif table == "session":
        session = base.fetch_row(conn, "SELECT * FROM SESSIONS WHERE SESSION_ID=?", (number,))
        if kind == "remove":
            sessions.finish_session(conn, session, when)
        elif kind == "step":
            sessions.next_step(conn, session, when)
        else:
            sessions.begin_end(conn, session, when, kind)
    elif table == "process":
        process = base.fetch_row(conn, "SELECT * FROM PROCESSES WHERE PROCESS_NUM=?", (number,))
        result = "FAILURE" if kind == "cancel" else process["EMU_RESULT"] or "SUCCESS"
        processes.end_process(conn, process, when, result)
    elif table == "job":
        job = base.fetch_row(conn, "SELECT * FROM JOBS WHERE JOB_ID=?", (number,))
        if kind == "window_start":
            jobs.start_job_run(conn, job, when)
        else:
            jobs.job_run_ends(conn, job, when, kind)
    else:
        sessions.reconnect(conn, base.fetch_row(conn, "SELECT rowid, * FROM EMU_RECONNECTS WHERE rowid=?", (number,)), when)


def run_until(conn, until):
    """Apply, in time order, every event due up to `until` for the server of `conn`, then
    refresh the derived columns (WAIT_SECONDS, mount-wait status text) and prune SUMMARY and
    ACTLOG past their retention. Joins the caller's transaction or opens one."""
    with store.transaction(conn):
        info = base.server_info(conn)
        last = base.dt(info["LAST_EVENT_TIME"])
        until = max(until, last)
        for _count in range(base.MAX_EVENTS):
            event = next_event(conn, info)
            if event is None or event[0] > until:
                break
            apply_event(conn, event[0], event[2], event[3])
        else:
            raise RuntimeError("more than %d events in one run: a rule loops" % base.MAX_EVENTS)
        conn.execute("UPDATE SERVER_INFO SET LAST_EVENT_TIME=?", (base.ts(until),))
        reap_dead_clients(conn, until)
        refresh(conn, until)


def refresh(conn, now):
    stamp = base.ts(now)
    conn.execute("UPDATE SESSIONS SET WAIT_SECONDS=MAX(0, CAST(ROUND((julianday(?) - "
                 "julianday(EMU_STATE_SINCE)) * 86400) AS INTEGER))", (stamp,))
    conn.execute("UPDATE PROCESSES SET STATUS=EMU_STATUS WHERE PROCESS_NUM NOT IN "
                 "(SELECT PROCESS_NUM FROM REQUESTS WHERE PROCESS_NUM IS NOT NULL)")
    for request in base.fetch_rows(conn, "SELECT * FROM REQUESTS WHERE PROCESS_NUM IS NOT NULL"):
        waited = int((now - base.dt(request["CREATED"])).total_seconds())
        base.update(conn, "PROCESSES", "PROCESS_NUM", request["PROCESS_NUM"],
                    STATUS="Waiting for mount of output volume %s (%d seconds)." % (request["VOLUME"], waited))
    status = base.fetch_row(conn, "SELECT ACTLOGRETENTION, SUMMARYRETENTION FROM STATUS")
    if status:
        for table, column, days in (("ACTLOG", "DATE_TIME", status["ACTLOGRETENTION"]),
                                    ("SUMMARY", "END_TIME", status["SUMMARYRETENTION"]),
                                    ("SUMMARY_EXTENDED", "END_TIME", status["SUMMARYRETENTION"])):
            conn.execute("DELETE FROM %s WHERE %s < ?" % (table, column), (base.ts(now - datetime.timedelta(days=days)),))


def reap_dead_clients(conn, now):
    """A dsmadmc killed before it ended its session (e.g. a 'hang' fault): its session ends."""
    for session in base.fetch_rows(conn, "SELECT * FROM SESSIONS WHERE EMU_LIVE IS NOT NULL"):
        try:
            os.kill(session["EMU_LIVE"], 0)
        except ProcessLookupError:
            base.update(conn, "SESSIONS", "SESSION_ID", session["SESSION_ID"], EMU_LIVE=None)
            if session["STATE"] != "End":        # one the server was ending finishes at its own time
                sessions.begin_end(conn, dict(session, EMU_LIVE=None), now, "normal")
        except PermissionError:
            pass


def catch_up(home, name):
    """Run every event due up to the emulated now for one server (every dsmadmc call does this)."""
    with contextlib.closing(store.open_server(home, name)) as conn:
        run_until(conn, store.now(home))
