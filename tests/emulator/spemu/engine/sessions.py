"""Sessions: creation, scripted steps, timeouts, ending (End, then gone), reconnecting clients,
and what CANCEL SESSION does to one session."""
import json

from .. import store
from . import base, logbook, mounts


def who_of(session):
    return dict(n=session["SESSION_ID"], client=session["CLIENT_NAME"],
                platform=session["CLIENT_PLATFORM"])


def session_log(conn, when, session, text):
    logbook.log(conn, when, text, session=session["SESSION_ID"],
                node=session["CLIENT_NAME"] if session["SESSION_TYPE"] == "Node" else None,
                schedule=session.get("EMU_SCHEDULE"))


def parse_step(step):
    """'SendW 30s' | 'IdleW' | {'state': 'Run', 'for': '1h'} -> [state, seconds|None]."""
    if isinstance(step, dict):
        state, length = step["state"], step.get("for")
    else:
        words = str(step).split(None, 1)
        state, length = words[0], (words[1] if len(words) > 1 else None)
    state = state_code(state)
    return [state, base.parse_duration(length)]


def state_code(state):
    for code in base.SESSION_STATES:
        if code.lower() == str(state).lower():
            return code
    raise ValueError("unknown session state %r (one of %s)" % (state, ", ".join(base.SESSION_STATES)))


def new_session(conn, when, client, session_type="Node", platform="Linux x86-64", comm="Tcp/Ip",
                state="Run", length=None, script=(), started=None, number=None, log_start=True,
                **extra):
    """Create a session (allocating its number inside the caller's transaction) in `state`
    since `when`; `length` seconds in that state (None: the state's own rule), then `script`.
    extra: public or EMU_ columns (bytes, activity, transaction, mount, ...)."""
    if number is None:
        number = store.next_number(conn, "session")
    started = started or when
    cols = dict(SESSION_ID=number, START_TIME=base.ts(started), COMMMETHOD=comm, STATE=state,
                WAIT_SECONDS=0, BYTES_SENT=0, BYTES_RECEIVED=0, SESSION_TYPE=session_type,
                CLIENT_PLATFORM=platform, CLIENT_NAME=client.upper(), EMU_STATE_SINCE=base.ts(when),
                EMU_STEP_END=base.ts(when + base.secs(length)) if length is not None and state != "MediaW" else None,
                EMU_SCRIPT=json.dumps([list(step) for step in script]), EMU_TXN=0,
                EMU_IDLE_SECONDS=0, EMU_MEDIAW_SECONDS=0, FAIL_OVER_MODE="No",
                EMU_ADDRESS="10.0.%d.%d:%d" % (number // 250 % 250, number % 250 + 1, 50000 + number % 10000))
    cols.update(extra)
    base.insert(conn, "SESSIONS", **cols)
    session = base.fetch_row(conn, "SELECT * FROM SESSIONS WHERE SESSION_ID=?", (number,))
    if log_start:
        key = "admin_started" if session_type == "Admin" else "session_started"
        host, port = session["EMU_ADDRESS"].split(":")
        session_log(conn, started, session, logbook.message(key, comm=comm, address="%s(%s)" % (host, port),
                                                            **who_of(session)))
    if state == "MediaW":
        mounts.open_mount(conn, when, session=session, length=length)
    return number


def due(info, session):
    """(time, kind) of the next event of a session, or None."""
    state = session["STATE"]
    if session.get("EMU_LIVE") is not None and state not in ("IdleW", "End"):
        return None                          # a dsmadmc session runs until its client has its answer
    since = base.dt(session["EMU_STATE_SINCE"])
    if state == "End":
        return base.dt(session["EMU_END_AT"]), "remove"
    if state == "MediaW":
        return None                          # its mount request drives it
    step_end = base.dt(session["EMU_STEP_END"])
    candidates = []
    if step_end is not None:
        candidates.append((step_end, "step"))
    elif state == "Start":
        candidates.append((since + base.secs(base.START_SECONDS), "step"))
    elif state == "Run":
        candidates.append((since + base.secs(base.RUN_SECONDS), "step"))
    admin = session["SESSION_TYPE"] == "Admin"
    if state in base.COMM_STATES and session["EMU_TXN"]:
        # COMMTIMEOUT: an expected client message during an operation that updates the database
        limit = info["ADMINCOMMTIMEOUT" if admin else "COMMTIMEOUT"]
        candidates.append((since + base.secs(limit), "comm"))
    if state == "IdleW" or state in base.COMM_STATES and not session["EMU_TXN"]:
        # [DECIDED] a wait outside a transaction is ended by IDLETIMEOUT (ANR0482W)
        limit = info["ADMINIDLETIMEOUT" if admin else "IDLETIMEOUT"]
        candidates.append((since + base.secs(limit * 60), "idle"))
    return min(candidates) if candidates else None


def leave_state(session, when):
    """Accumulate the Idle/Media wait time of the state being left (SUMMARY.IDLE / MEDIAW)."""
    spent = (when - base.dt(session["EMU_STATE_SINCE"])).total_seconds()
    cols = {}
    if session["STATE"] == "IdleW":
        cols["EMU_IDLE_SECONDS"] = (session["EMU_IDLE_SECONDS"] or 0) + spent
    if session["STATE"] == "MediaW":
        cols.update(EMU_MEDIAW_SECONDS=(session["EMU_MEDIAW_SECONDS"] or 0) + spent,
                    OUTPUT_VOL_WAIT=None, INPUT_VOL_WAIT=None, OUTPUT_MOUNT_WAIT=None, INPUT_MOUNT_WAIT=None)
    return cols


def next_step(conn, session, when):
    """The session's current step is over: enter the next scripted state, or end normally
    (a finite step with nothing after it), or follow the state's own rule."""
    script = json.loads(session["EMU_SCRIPT"] or "[]")
    if script:
        state, length = script.pop(0)
    elif session["STATE"] == "Start":
        state, length = "Run", None
    elif session["EMU_STEP_END"] is None and session["STATE"] == "Run":
        state, length = "SendW", None
    else:
        begin_end(conn, session, when, "normal")
        return
    if session["EMU_CANCEL"] is not None and state not in ("Start", "Run"):
        begin_end(conn, session, when, "cancel")   # a cancelled session ends at its next wait state
        return
    if state == "End":
        begin_end(conn, session, when, "normal")
        return
    cols = leave_state(session, when)
    cols.update(STATE=state, EMU_STATE_SINCE=base.ts(when), EMU_SCRIPT=json.dumps(script),
                EMU_STEP_END=None if length is None or state == "MediaW" else base.ts(when + base.secs(length)))
    base.update(conn, "SESSIONS", "SESSION_ID", session["SESSION_ID"], **cols)
    if state == "MediaW":
        session = base.fetch_row(conn, "SELECT * FROM SESSIONS WHERE SESSION_ID=?", (session["SESSION_ID"],))
        mounts.open_mount(conn, when, session=session, length=length)


def begin_end(conn, session, when, reason):
    """The session starts ending (state End). reason: normal|cancel|idle|comm|mount."""
    info = base.server_info(conn)
    who = who_of(session)
    admin = session["SESSION_TYPE"] == "Admin"
    if reason == "cancel":
        session_log(conn, when, session, logbook.message("forced", **who))
    elif reason == "idle":
        minutes = info["ADMINIDLETIMEOUT" if admin else "IDLETIMEOUT"]
        session_log(conn, when, session, logbook.message("idle_timeout", minutes=minutes, **who))
    elif reason == "comm":
        seconds = info["ADMINCOMMTIMEOUT" if admin else "COMMTIMEOUT"]
        session_log(conn, when, session, logbook.message("comm_timeout", seconds=seconds, **who))
    elif reason == "mount":
        session_log(conn, when, session, logbook.message("media_failed", **who))
    # An Idle-wait session whose client sends again later comes back as a new session then.
    if session["STATE"] == "IdleW" and reason in ("cancel", "idle") and session["EMU_STEP_END"]:
        template = {key: session[key] for key in (
            "CLIENT_NAME", "SESSION_TYPE", "CLIENT_PLATFORM", "COMMMETHOD", "OWNER_NAME",
            "EMU_ACTIVITY", "EMU_SCHEDULE", "EMU_MOUNT", "EMU_WARNING", "EMU_ERROR")}
        template["script"] = json.loads(session["EMU_SCRIPT"] or "[]")
        base.insert(conn, "EMU_RECONNECTS", AT=session["EMU_STEP_END"], TEMPLATE=json.dumps(template))
    for request in base.fetch_rows(conn, "SELECT * FROM REQUESTS WHERE SESSION_ID=?", (session["SESSION_ID"],)):
        mounts.drop(conn, request, when, "mount_canceled")
    rollback = session["EMU_TXN"] and reason in ("cancel", "comm", "mount")
    end_at = when + base.secs((session.get("EMU_ROLLBACK_SECONDS") or base.ROLLBACK_SECONDS) if rollback else base.END_SECONDS)
    cols = leave_state(session, when)
    cols.update(STATE="End", EMU_STATE_SINCE=base.ts(when), EMU_END_AT=base.ts(end_at),
                EMU_END_REASON=reason, EMU_STEP_END=None)
    base.update(conn, "SESSIONS", "SESSION_ID", session["SESSION_ID"], **cols)


def finish_session(conn, session, when):
    """End -> gone: ANR0403I/ANR0405I, and (client and server sessions) a SUMMARY row."""
    who = who_of(session)
    reason = session["EMU_END_REASON"] or "normal"
    admin = session["SESSION_TYPE"] == "Admin"
    warning, error = (session[key] if reason == "normal" else None for key in ("EMU_WARNING", "EMU_ERROR"))
    for text in (warning, error):
        if text:
            session_log(conn, when, session, text)
    session_log(conn, when, session, logbook.message("admin_ended" if admin else "session_ended", **who))
    conn.execute("DELETE FROM SESSIONS WHERE SESSION_ID=?", (session["SESSION_ID"],))
    if admin:
        return                               # [DECIDED] administrative sessions write no SUMMARY
    successful = reason in ("normal", "idle") and not error
    status = "FAILED" if not successful else ("WARNING" if reason == "idle" or warning else "SUCCESSFUL")
    logbook.write_summary(
        conn, base.dt(session["START_TIME"]), when, session["EMU_ACTIVITY"] or "BACKUP",
        session["SESSION_ID"], session["CLIENT_NAME"], successful, "SESSION",
        session["EMU_ACTIVITY"] or "BACKUP", status, commmeth=session["COMMMETHOD"],
        address=session["EMU_ADDRESS"], schedule_name=session["EMU_SCHEDULE"],
        examined=session["EMU_EXAMINED"] or 0, affected=session["EMU_AFFECTED"] or 0,
        failed=session["EMU_FAILED"] or 0,
        bytes=(session["BYTES_SENT"] or 0) + (session["BYTES_RECEIVED"] or 0),
        idle=int(session["EMU_IDLE_SECONDS"] or 0), mediaw=int(session["EMU_MEDIAW_SECONDS"] or 0),
        processes=1, comm_wait=0, num_offsite_vols=0)


def reconnect(conn, row, when):
    """A client whose Idle-wait session was ended sends again: a new session (new number)."""
    template = json.loads(row["TEMPLATE"])
    script = template.pop("script") or [["Run", base.RUN_SECONDS]]
    conn.execute("DELETE FROM EMU_RECONNECTS WHERE rowid=?", (row["rowid"],))
    new_session(conn, when, template.pop("CLIENT_NAME"), template.pop("SESSION_TYPE"),
                template.pop("CLIENT_PLATFORM"), template.pop("COMMMETHOD"), state="Start",
                length=None, script=script, **template)


def cancel_one(conn, session, now):
    state = session["STATE"]
    if state == "End":
        return
    if state in base.WAIT_STATES or state == "Start":
        begin_end(conn, session, now, "cancel")
        return
    base.update(conn, "SESSIONS", "SESSION_ID", session["SESSION_ID"], EMU_CANCEL=base.ts(now))
    if state == "MediaW":
        requests = base.fetch_rows(conn, "SELECT * FROM REQUESTS WHERE SESSION_ID=?", (session["SESSION_ID"],))
        for request in requests:
            if mounts.cancellable(request):
                mounts.resolve(conn, request, now, "cancel")
        if not requests:
            begin_end(conn, dict(session, EMU_CANCEL=base.ts(now)), now, "cancel")
