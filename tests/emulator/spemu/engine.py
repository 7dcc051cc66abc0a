"""Every state change and timer of an emulated server, as an event-driven simulation.

The state of a server lives in its SQLite database (store.py). Nothing runs in the
background: :func:`run_until` jumps from one due event to the next (session step ends and
timeouts, process ends, mount request answers and timeouts, storage-rule windows, job work
done, reconnecting clients) and applies each at its own time, so advancing the clock by a day
costs a handful of events, not 86,400 steps. :func:`catch_up` does that up to "now" and every
action (cancel, interrupt, ...) first does it up to the action's time.

Every action and transition writes the activity log; every finished session and process
writes SUMMARY and SUMMARY_EXTENDED. Message ids and texts are in MESSAGES below; the README
("Behaviours") says which come from server-facts.md and which are [DECIDED].
"""
import contextlib
import dataclasses
import datetime
import json
import os
import re

from . import msgids, store

# ---------------------------------------------------------------- timing rules [DECIDED]
START_SECONDS = 2          # Start (authentication) -> next state
RUN_SECONDS = 5            # Run with no scripted length -> next state (SendW when none scripted)
END_SECONDS = 2            # End: resources released, then the session leaves SESSIONS
ROLLBACK_SECONDS = 30      # End while an interrupted backup/archive transaction is rolled back
PROCESS_CANCEL_SECONDS = 5  # a cancelled process stops this long after the cancel
MOUNT_TIMEOUT_MINUTES = 60  # default MOUNTWAIT of a mount request
MOUNT_SECONDS = 30         # an answered mount request: the volume takes this long to mount
EXPIRATION_SECONDS = 30    # the EXPIRATION process that EXPIRE INVENTORY starts
JOB_WORK_SECONDS = 4 * 3600  # default processing a job still needs
JOB_CHILDREN = 2           # child processes a job starts at each window
MAX_EVENTS = 100000        # safety net against a rule that would loop

WAIT_STATES = ("SendW", "SSLW", "RecvW", "IdleW")   # a cancelled Running session ends on these
COMM_STATES = ("SendW", "RecvW", "SSLW")           # COMMTIMEOUT applies inside a transaction ([DECIDED] SSLW too)
SESSION_STATES = ("Start", "Run", "End", "RecvW", "SendW", "IdleW", "MediaW", "SSLW")
JOB_STATES = ("RUNNING", "INTERRUPTING", "TERMINATING", "SLEEPING", "INTERRUPTED",
              "COMPLETED", "TERMINATED")
JOB_STATES_BEFORE_8112 = ("RUNNING", "INTERRUPTED", "COMPLETED")   # QUERY JOB of V8.1.8 (docs 8.1.8)
ACTIVE_JOB_STATES = ("RUNNING", "INTERRUPTING", "TERMINATING", "SLEEPING", "INTERRUPTED")
COMPLETION_STATES = {"successful": "Completed", "warning": "Warning", "failed": "Failed"}
CHILD_DESCRIPTIONS = {"RETENTION": "Retention Set Copy", "COPY": "Storage Rule Copy",
                      "TIERING": "Tiering", "REPLICATION": "Replicate Node"}
ACTIVITIES = {"EXPIRATION": "EXPIRATION", "MIGRATION": "MIGRATION",
              "SPACE RECLAMATION": "RECLAMATION", "BACKUP STORAGE POOL": "STGPOOL BACKUP",
              "DATABASE BACKUP": "FULL_DBBACKUP", "REPLICATE NODE": "REPLICATION",
              "RETENTION SET COPY": "RETENTION SET COPY", "IDENTIFY DUPLICATES": "IDENTIFY",
              "LOCAL TO CLOUD TRANSFER": "CLOUD TRANSFER", "EXPORT SERVER": "EXPORT"}

# Message texts. Comments: where the id/text comes from (see README "Behaviours").
MESSAGES = {
    "session_started": "ANR0406I Session {n} started for node {client} ({platform}) ({comm} {address}).",  # real id, text from memory
    "admin_started": "ANR0407I Session {n} started for administrator {client} ({platform}) ({comm} {address}).",  # real id
    "session_ended": "ANR0403I Session {n} ended for node {client} ({platform}).",  # server-facts/brief
    "admin_ended": "ANR0405I Session {n} ended for administrator {client} ({platform}).",  # real id
    # real id, current wording (issue 12)
    "comm_timeout": "ANR0481W Session {n} for node {client} ({platform}) was terminated. The client did not respond within {seconds} seconds.",
    "idle_timeout": "ANR0482W Session {n} for node {client} ({platform}) terminated - idle for more than {minutes} minutes.",  # real
    "forced": "ANR0483W Session {n} for node {client} ({platform}) terminated - forced by administrator.",  # real id
    "cancel_session": "ANR0490I Canceling session {n} for node {client} ({platform}) .",  # INTERFACE.md example
    "cancel_admin_session": "ANR0490I Canceling session {n} for administrator {client} ({platform}) .",  # [DECIDED]
    "no_session": "ANR0491I No matching session(s) found to cancel.",  # [DECIDED] id from memory, rc 11
    "media_failed": "ANR0525W Transaction failed for session {n} for node {client} ({platform}) - storage media inaccessible.",  # real id
    "session_failed": "ANR0538E Session {n} for node {client} ({platform}) ended with errors.",  # [DECIDED]
    "cancel_process": "ANR0940I Cancel request accepted for process {n}.",  # real id
    "no_process": "ANR0942E CANCEL PROCESS: Process {n} not found.",  # [DECIDED] rc 11
    "process_canceled": "ANR0989E Process {n} for {desc} was canceled by administrator {admin}.",  # [DECIDED]
    "process_failed": "ANR0990E Process {n} for {desc} ended with errors.",  # [DECIDED]
    "process_started": "ANR0984I Process {n} for {desc} started in the BACKGROUND at {hms}.",  # server-facts §3
    "process_ended": "ANR0985I Process {n} for {desc} running in the BACKGROUND completed with completion state {state} at {hms}.",  # server-facts §3
    "mount_request": ("ANR8308I {r:03d}: {devclass} volume {volume} is required for use in library {library}; "
                      "CHECKIN LIBVOLUME required within {minutes} minutes."),  # real id, text from memory
    "mount_reply": ("ANR8306I {r:03d}: Insert {devclass} volume {volume} R/W into the slot with element number {element} "
                    "of library {library} within {minutes} minutes; issue 'REPLY' along with the request ID when ready."),  # docs QUERY REQUEST example
    "requests_header": "ANR8352I Requests outstanding:",  # docs QUERY REQUEST example
    "no_requests": "ANR8346I {cmd}: No requests are outstanding.",  # id from issue 12, text [DECIDED]
    "mounted": "ANR8337I {devclass} volume {volume} mounted in drive {drive}.",  # real id
    "mount_canceled": "ANR8341I {r:03d}: Mount request for volume {volume} canceled.",  # [DECIDED]
    "mount_permanent": "ANR8342I Volume {volume} is marked unavailable.",  # [DECIDED]
    "mount_timeout": "ANR8325W {r:03d}: Mount request for volume {volume} timed out after {minutes} minutes.",  # [DECIDED]
    "mount_denied": "ANR1401W Mount request denied for volume {volume} - mount failed.",  # real id
    "no_request": "ANR8343E {cmd}: Request {n} not found.",  # [DECIDED] rc 11
    "no_reply_needed": "ANR8344E REPLY: Request {n} does not require a reply.",  # [DECIDED] rc 4
    "reply_accepted": "ANR8499I Command accepted.",  # id from memory [DECIDED]
    "command": "ANR2017I Administrator {admin} issued command: {command} ",  # real (trailing blank as captured)
    "job_running": "ANR3850I Job {n} ({name}) is running; storage rule {rule} started its processing window.",  # [DECIDED]
    "job_sleeping": "ANR3851I Job {n} ({name}) is sleeping until the next processing window of storage rule {rule}.",  # [DECIDED]
    "job_interrupting": "ANR3852I INTERRUPT JOB: Job {n} ({name}) is being interrupted.",  # [DECIDED]
    "job_interrupted": "ANR3853W Job {n} ({name}) was interrupted.",  # [DECIDED]
    "job_child_failed": "ANR3854W Job {n} ({name}) is interrupted because process {p} ended with completion state FAILURE.",  # [DECIDED]
    "job_resumed": "ANR3855I RESUME JOB: Job {n} ({name}) was resumed and is sleeping until storage rule {rule} starts.",  # [DECIDED]
    "job_terminating": "ANR3856I TERMINATE JOB: Job {n} ({name}) is being terminated.",  # [DECIDED]
    "job_terminated": "ANR3857W Job {n} ({name}) was terminated.",  # [DECIDED]
    "job_completed": "ANR3858I Job {n} ({name}) completed with completion state {state}.",  # [DECIDED]
    "job_warning": "ANR3859W Job {n} ({name}) completed with warnings.",  # [DECIDED]
    "job_failed": "ANR3860E Job {n} ({name}) failed.",  # [DECIDED]
    "no_job": "ANR3861E {cmd}: Job {n} was not found.",  # [DECIDED] rc 11
    "job_bad_state": "ANR3862E {cmd}: Job {n} cannot be processed because its status is {status}.",  # [DECIDED] rc 4
    "job_final": "ANR3863E {cmd}: Job {n} is terminated; no further action is possible.",  # [DECIDED] rc 4
    "job_not_retention": "ANR3864E {cmd}: Job {n} is a storage rule job; only retention set jobs can be {done}.",  # [DECIDED] rc 4
    "job_started": "ANR3865I Job {n} ({name}) started for retention set {retset}.",  # [DECIDED] jobs without a storage rule
    "retset_gone": "ANR3866I Retention set {retset} was {how}.",  # [DECIDED]
    "job_retset_gone": "ANR3867W Job {n} ({name}) is terminated because retention set {retset} was {how} before it was complete.",  # [DECIDED]
    "no_retset": "ANR3868E {cmd}: Retention set {retset} was not found.",  # [DECIDED] rc 11
    "process_number": "ANS8003I Process number {n} started.",  # server-facts §3
}

RC_OK, RC_ERROR, RC_NOTFOUND = 0, 4, 11


@dataclasses.dataclass
class Outcome:
    """What an action returns: the server's return code and its message lines."""
    rc: int
    messages: list


# ---------------------------------------------------------------- small helpers

def _ts(value):
    return store.fmt_ts(value)


def _dt(text):
    return store.parse_ts(text)


def _secs(seconds):
    return datetime.timedelta(seconds=seconds)


def _hms(when):
    return when.strftime("%H:%M:%S")


def _msg(key, **values):
    return MESSAGES[key].format(**values)


message = _msg                               # public: the client builds engine message lines too


def server_info(conn):
    """SERVER_INFO as a dict (name, version parts, timeouts, role, last event time)."""
    return dict(conn.execute("SELECT * FROM SERVER_INFO").fetchone())


def version(conn):
    info = server_info(conn)
    return (info["VERSION"], info["RELEASE"], info["LEVEL"])


def jobs_supported(conn):
    """Jobs of the Tasks page (storage-rule and retention copy jobs, the job commands, the
    JOBS table, Job Id / Parent Process of processes) exist on servers V8.1.12 and later."""
    return version(conn) >= (8, 1, 12)


def job_query_supported(conn):
    """QUERY JOB exists from V8.1.8 (retention set creation jobs; docs 8.1.8 r_cmd_job_query)."""
    return version(conn) >= (8, 1, 8)


def msgid_mode(conn):
    """'alt' or 'real': the running program's $SPEMU_MSGIDS, else the server's own setting."""
    return msgids.override() or store.setting(conn, "msgids", "real")


def _rows(conn, sql, args=()):
    return [dict(row) for row in conn.execute(sql, args)]


def _row(conn, sql, args=()):
    row = conn.execute(sql, args).fetchone()
    return dict(row) if row is not None else None


def _update(conn, table, key, value, **cols):
    sets = ", ".join("%s=?" % col for col in cols)
    conn.execute("UPDATE %s SET %s WHERE %s=?" % (table, sets, key), list(cols.values()) + [value])


def _insert(conn, table, **cols):
    conn.execute("INSERT INTO %s(%s) VALUES (%s)" % (table, ", ".join(cols), ", ".join("?" * len(cols))),
                 list(cols.values()))


def log(conn, when, text, session=None, process=None, originator=None, node=None,
        owner=None, schedule=None, domain=None):
    """Write one ACTLOG row. The message keeps the real server's suffix
    '(SESSION: n)', '(PROCESS: n)' or '(SESSION: n, PROCESS: m)'; SESSION/PROCESS columns too.
    ORIGINATOR: CLIENT for client (ANE) messages, else SERVER, unless given."""
    text = msgids.translate(text, msgid_mode(conn))
    originator = originator or ("CLIENT" if text.startswith("ANE") else "SERVER")
    match = re.match(r"^([A-Z]{3})(\d{4})([IWESK])", text)
    msgno, severity = (int(match.group(2)), match.group(3)) if match else (None, "I")
    parts = []
    if session is not None:
        parts.append("SESSION: %d" % session)
    if process is not None:
        parts.append("PROCESS: %d" % process)
    message = "%s (%s)" % (text, ", ".join(parts)) if parts else text
    name = conn.execute("SELECT NAME FROM SERVER_INFO").fetchone()[0]
    _insert(conn, "ACTLOG", DATE_TIME=_ts(when), MSGNO=msgno, SEVERITY=severity, MESSAGE=message,
            ORIGINATOR=originator, NODENAME=node, OWNERNAME=owner, SCHEDNAME=schedule,
            DOMAINNAME=domain, SESSID=session, SERVERNAME=name, SESSION=session, PROCESS=process)


def write_summary(conn, start, end, activity, number, entity, successful, kind, details,
                  status, **extra):
    """One finished task -> SUMMARY and SUMMARY_EXTENDED (same row plus the extended columns).
    [DECIDED] ACTIVITY_TYPE is SESSION|PROCESS, ACTIVITY_DETAILS the description or client
    activity, STATUS the outcome: SUCCESSFUL|WARNING|FAILED."""
    cols = dict(START_TIME=_ts(start), END_TIME=_ts(end), ACTIVITY=activity, NUMBER=number,
                ENTITY=entity, SUCCESSFUL="YES" if successful else "NO")
    cols.update({key.upper(): value for key, value in extra.items()})
    _insert(conn, "SUMMARY", **cols)
    _insert(conn, "SUMMARY_EXTENDED", ACTIVITY_TYPE=kind, ACTIVITY_DETAILS=details,
            SUB_ENTITY=None, STATUS=status, **cols)


def _who(session):
    return dict(n=session["SESSION_ID"], client=session["CLIENT_NAME"],
                platform=session["CLIENT_PLATFORM"])


def _session_log(conn, when, session, text):
    log(conn, when, text, session=session["SESSION_ID"],
        node=session["CLIENT_NAME"] if session["SESSION_TYPE"] == "Node" else None,
        schedule=session.get("EMU_SCHEDULE"))


def _admin_session_id(conn, admin):
    """The newest Admin session of this administrator (for the SESSION suffix of its messages)."""
    row = conn.execute("SELECT MAX(SESSION_ID) FROM SESSIONS WHERE SESSION_TYPE='Admin' "
                       "AND CLIENT_NAME=? AND EMU_LIVE IS NOT NULL", (admin.upper(),)).fetchone()
    return row[0] if row else None


def _sync(conn, now):
    """Run every event due up to `now` (inside the caller's transaction); the clock of a
    server never goes back, so the action happens at max(now, last event time)."""
    run_until(conn, now)
    return max(now, _dt(server_info(conn)["LAST_EVENT_TIME"]))


# ---------------------------------------------------------------- scripts and steps

_DURATION = re.compile(r"(\d+(?:\.\d+)?)\s*([smhd])", re.I)
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_duration(value):
    """'30s', '5m', '2h', '1d', '1h30m' or a number of seconds -> seconds (float); None stays None."""
    if value is None:
        return None
    if isinstance(value, (int, float)):
        return float(value)
    text = str(value).strip()
    if re.fullmatch(r"\d+(\.\d+)?", text):
        return float(text)
    parts = _DURATION.findall(text)
    if not parts or _DURATION.sub("", text).strip():
        raise ValueError("bad duration %r (use 30s, 5m, 2h, 1d)" % value)
    return float(sum(float(num) * _UNITS[unit.lower()] for num, unit in parts))


def parse_step(step):
    """'SendW 30s' | 'IdleW' | {'state': 'Run', 'for': '1h'} -> [state, seconds|None]."""
    if isinstance(step, dict):
        state, length = step["state"], step.get("for")
    else:
        words = str(step).split(None, 1)
        state, length = words[0], (words[1] if len(words) > 1 else None)
    state = _state_code(state)
    return [state, parse_duration(length)]


def _state_code(state):
    for code in SESSION_STATES:
        if code.lower() == str(state).lower():
            return code
    raise ValueError("unknown session state %r (one of %s)" % (state, ", ".join(SESSION_STATES)))


# ---------------------------------------------------------------- sessions

def new_session(conn, when, client, session_type="Node", platform="Linux x86-64", comm="Tcp/Ip",
                state="Run", length=None, script=(), started=None, number=None, log_start=True,
                **extra):
    """Create a session (allocating its number inside the caller's transaction) in `state`
    since `when`; `length` seconds in that state (None: the state's own rule), then `script`.
    extra: public or EMU_ columns (bytes, activity, transaction, mount, ...)."""
    if number is None:
        number = store.next_number(conn, "session")
    started = started or when
    cols = dict(SESSION_ID=number, START_TIME=_ts(started), COMMMETHOD=comm, STATE=state,
                WAIT_SECONDS=0, BYTES_SENT=0, BYTES_RECEIVED=0, SESSION_TYPE=session_type,
                CLIENT_PLATFORM=platform, CLIENT_NAME=client.upper(), EMU_STATE_SINCE=_ts(when),
                EMU_STEP_END=_ts(when + _secs(length)) if length is not None and state != "MediaW" else None,
                EMU_SCRIPT=json.dumps([list(step) for step in script]), EMU_TXN=0,
                EMU_IDLE_SECONDS=0, EMU_MEDIAW_SECONDS=0, FAIL_OVER_MODE="No",
                EMU_ADDRESS="10.0.%d.%d:%d" % (number // 250 % 250, number % 250 + 1, 50000 + number % 10000))
    cols.update(extra)
    _insert(conn, "SESSIONS", **cols)
    session = _row(conn, "SELECT * FROM SESSIONS WHERE SESSION_ID=?", (number,))
    if log_start:
        key = "admin_started" if session_type == "Admin" else "session_started"
        host, port = session["EMU_ADDRESS"].split(":")
        _session_log(conn, started, session, _msg(key, comm=comm, address="%s(%s)" % (host, port),
                                                  **_who(session)))
    if state == "MediaW":
        _open_mount(conn, when, session=session, length=length)
    return number


def _session_due(info, session):
    """(time, kind) of the next event of a session, or None."""
    state = session["STATE"]
    if session.get("EMU_LIVE") is not None:
        return None                          # a dsmadmc session: ends when its command is done
    since = _dt(session["EMU_STATE_SINCE"])
    if state == "End":
        return _dt(session["EMU_END_AT"]), "remove"
    if state == "MediaW":
        return None                          # its mount request drives it
    step_end = _dt(session["EMU_STEP_END"])
    candidates = []
    if step_end is not None:
        candidates.append((step_end, "step"))
    elif state == "Start":
        candidates.append((since + _secs(START_SECONDS), "step"))
    elif state == "Run":
        candidates.append((since + _secs(RUN_SECONDS), "step"))
    admin = session["SESSION_TYPE"] == "Admin"
    if state in COMM_STATES and session["EMU_TXN"]:
        # COMMTIMEOUT: an expected client message during an operation that updates the database
        limit = info["ADMINCOMMTIMEOUT" if admin else "COMMTIMEOUT"]
        candidates.append((since + _secs(limit), "comm"))
    if state == "IdleW" or state in COMM_STATES and not session["EMU_TXN"]:
        # [DECIDED] a wait outside a transaction is ended by IDLETIMEOUT (ANR0482W)
        limit = info["ADMINIDLETIMEOUT" if admin else "IDLETIMEOUT"]
        candidates.append((since + _secs(limit * 60), "idle"))
    return min(candidates) if candidates else None


def _leave_state(session, when):
    """Accumulate the Idle/Media wait time of the state being left (SUMMARY.IDLE / MEDIAW)."""
    spent = (when - _dt(session["EMU_STATE_SINCE"])).total_seconds()
    cols = {}
    if session["STATE"] == "IdleW":
        cols["EMU_IDLE_SECONDS"] = (session["EMU_IDLE_SECONDS"] or 0) + spent
    if session["STATE"] == "MediaW":
        cols.update(EMU_MEDIAW_SECONDS=(session["EMU_MEDIAW_SECONDS"] or 0) + spent,
                    OUTPUT_VOL_WAIT=None, INPUT_VOL_WAIT=None, OUTPUT_MOUNT_WAIT=None, INPUT_MOUNT_WAIT=None)
    return cols


def _next_step(conn, session, when):
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
        _begin_end(conn, session, when, "normal")
        return
    if session["EMU_CANCEL"] is not None and state not in ("Start", "Run"):
        _begin_end(conn, session, when, "cancel")   # a cancelled session ends at its next wait state
        return
    if state == "End":
        _begin_end(conn, session, when, "normal")
        return
    cols = _leave_state(session, when)
    cols.update(STATE=state, EMU_STATE_SINCE=_ts(when), EMU_SCRIPT=json.dumps(script),
                EMU_STEP_END=None if length is None or state == "MediaW" else _ts(when + _secs(length)))
    _update(conn, "SESSIONS", "SESSION_ID", session["SESSION_ID"], **cols)
    if state == "MediaW":
        session = _row(conn, "SELECT * FROM SESSIONS WHERE SESSION_ID=?", (session["SESSION_ID"],))
        _open_mount(conn, when, session=session, length=length)


def _begin_end(conn, session, when, reason):
    """The session starts ending (state End). reason: normal|cancel|idle|comm|mount."""
    info = server_info(conn)
    who = _who(session)
    admin = session["SESSION_TYPE"] == "Admin"
    if reason == "cancel":
        _session_log(conn, when, session, _msg("forced", **who))
    elif reason == "idle":
        minutes = info["ADMINIDLETIMEOUT" if admin else "IDLETIMEOUT"]
        _session_log(conn, when, session, _msg("idle_timeout", minutes=minutes, **who))
    elif reason == "comm":
        seconds = info["ADMINCOMMTIMEOUT" if admin else "COMMTIMEOUT"]
        _session_log(conn, when, session, _msg("comm_timeout", seconds=seconds, **who))
    elif reason == "mount":
        _session_log(conn, when, session, _msg("media_failed", **who))
    # An Idle-wait session whose client sends again later comes back as a new session then.
    if session["STATE"] == "IdleW" and reason in ("cancel", "idle") and session["EMU_STEP_END"]:
        template = {key: session[key] for key in (
            "CLIENT_NAME", "SESSION_TYPE", "CLIENT_PLATFORM", "COMMMETHOD", "OWNER_NAME",
            "EMU_ACTIVITY", "EMU_SCHEDULE", "EMU_MOUNT", "EMU_WARNING", "EMU_ERROR")}
        template["script"] = json.loads(session["EMU_SCRIPT"] or "[]")
        _insert(conn, "EMU_RECONNECTS", AT=session["EMU_STEP_END"], TEMPLATE=json.dumps(template))
    for request in _rows(conn, "SELECT * FROM REQUESTS WHERE SESSION_ID=?", (session["SESSION_ID"],)):
        _drop_request(conn, request, when, "mount_canceled")
    rollback = session["EMU_TXN"] and reason in ("cancel", "comm", "mount")
    end_at = when + _secs((session.get("EMU_ROLLBACK_SECONDS") or ROLLBACK_SECONDS) if rollback else END_SECONDS)
    cols = _leave_state(session, when)
    cols.update(STATE="End", EMU_STATE_SINCE=_ts(when), EMU_END_AT=_ts(end_at),
                EMU_END_REASON=reason, EMU_STEP_END=None)
    _update(conn, "SESSIONS", "SESSION_ID", session["SESSION_ID"], **cols)


def _finish_session(conn, session, when):
    """End -> gone: ANR0403I/ANR0405I, and (client and server sessions) a SUMMARY row."""
    who = _who(session)
    reason = session["EMU_END_REASON"] or "normal"
    admin = session["SESSION_TYPE"] == "Admin"
    warning, error = (session[key] if reason == "normal" else None for key in ("EMU_WARNING", "EMU_ERROR"))
    for text in (warning, error):
        if text:
            _session_log(conn, when, session, text)
    _session_log(conn, when, session, _msg("admin_ended" if admin else "session_ended", **who))
    conn.execute("DELETE FROM SESSIONS WHERE SESSION_ID=?", (session["SESSION_ID"],))
    if admin:
        return                               # [DECIDED] administrative sessions write no SUMMARY
    successful = reason in ("normal", "idle") and not error
    status = "FAILED" if not successful else ("WARNING" if reason == "idle" or warning else "SUCCESSFUL")
    write_summary(
        conn, _dt(session["START_TIME"]), when, session["EMU_ACTIVITY"] or "BACKUP",
        session["SESSION_ID"], session["CLIENT_NAME"], successful, "SESSION",
        session["EMU_ACTIVITY"] or "BACKUP", status, commmeth=session["COMMMETHOD"],
        address=session["EMU_ADDRESS"], schedule_name=session["EMU_SCHEDULE"],
        examined=session["EMU_EXAMINED"] or 0, affected=session["EMU_AFFECTED"] or 0,
        failed=session["EMU_FAILED"] or 0,
        bytes=(session["BYTES_SENT"] or 0) + (session["BYTES_RECEIVED"] or 0),
        idle=int(session["EMU_IDLE_SECONDS"] or 0), mediaw=int(session["EMU_MEDIAW_SECONDS"] or 0),
        processes=1, comm_wait=0, num_offsite_vols=0)


def _reconnect(conn, row, when):
    """A client whose Idle-wait session was ended sends again: a new session (new number)."""
    template = json.loads(row["TEMPLATE"])
    script = template.pop("script") or [["Run", RUN_SECONDS]]
    conn.execute("DELETE FROM EMU_RECONNECTS WHERE rowid=?", (row["rowid"],))
    new_session(conn, when, template.pop("CLIENT_NAME"), template.pop("SESSION_TYPE"),
                template.pop("CLIENT_PLATFORM"), template.pop("COMMMETHOD"), state="Start",
                length=None, script=script, **template)


# ---------------------------------------------------------------- mount requests

def _open_mount(conn, when, session=None, process=None, length=None):
    """A task enters a mount wait: a REQUESTS row (answered after `length` seconds, or never:
    then it times out; once answered the volume takes `mount_time` to mount) and the operator
    message. A mount seeded with `mounting:` is already answered: its volume is being mounted."""
    owner = session or process
    mount = json.loads(owner["EMU_MOUNT"] or "{}")
    number = store.next_number(conn, "request")
    reply = bool(mount.get("reply", False))
    minutes = int(parse_duration(mount.get("timeout", MOUNT_TIMEOUT_MINUTES * 60)) // 60)
    answer = mount.get("answer", length)
    mounting = mount.get("mounting")
    values = dict(r=number, volume=mount.get("volume", "A%05dL6" % number),
                  devclass=mount.get("devclass", "LTO"), library=mount.get("library", "TAPELIB"),
                  drive=mount.get("drive", "DRIVE1"), minutes=minutes, element=_element(number))
    _insert(conn, "REQUESTS", REQUEST_NUM=number, VOLUME=values["volume"], DEVCLASS=values["devclass"],
            SESSION_ID=session["SESSION_ID"] if session else None,
            PROCESS_NUM=process["PROCESS_NUM"] if process else None,
            NEEDS_REPLY="YES" if reply else "NO", CREATED=_ts(when), TIMEOUT_MINUTES=minutes,
            EMU_ANSWER_AT=_ts(when + _secs(parse_duration(answer))) if answer is not None else None,
            EMU_MOUNT_SECONDS=parse_duration(mount.get("mount_time", MOUNT_SECONDS)),
            EMU_MOUNTING_UNTIL=_ts(when + _secs(parse_duration(mounting))) if mounting is not None else None,
            EMU_LIBRARY=values["library"], EMU_DRIVE=values["drive"])
    text = _msg("mount_reply" if reply else "mount_request", **values)
    if session:
        column = ("INPUT_" if mount.get("input") else "OUTPUT_") + ("MOUNT_WAIT" if mounting is not None else "VOL_WAIT")
        _update(conn, "SESSIONS", "SESSION_ID", session["SESSION_ID"], **{column: values["volume"]})
        _session_log(conn, when, session, text)
    else:
        end_at = _dt(process["EMU_END_AT"])
        remaining = (end_at - when).total_seconds() if end_at else process["EMU_REMAINING"]
        _update(conn, "PROCESSES", "PROCESS_NUM", process["PROCESS_NUM"], EMU_END_AT=None,
                EMU_REMAINING=remaining)
        log(conn, when, text, process=process["PROCESS_NUM"])


def _element(number):
    """[DECIDED] the library slot an ANR8306I request names."""
    return 30 + number % 20


def _request_due(request):
    if request["EMU_MOUNTING_UNTIL"] is not None:
        return _dt(request["EMU_MOUNTING_UNTIL"]), "mounted"
    timeout = _dt(request["CREATED"]) + _secs(request["TIMEOUT_MINUTES"] * 60)
    answer = _dt(request["EMU_ANSWER_AT"])
    if answer is not None and answer < timeout:
        return answer, "answer"
    return timeout, "timeout"


def _request_owner(conn, request):
    if request["SESSION_ID"] is not None:
        return "session", _row(conn, "SELECT * FROM SESSIONS WHERE SESSION_ID=?", (request["SESSION_ID"],))
    return "process", _row(conn, "SELECT * FROM PROCESSES WHERE PROCESS_NUM=?", (request["PROCESS_NUM"],))


def outstanding_requests(conn, number=None):
    """Mount requests still waiting for the operator or the library (not those answered whose
    volume is being mounted), in request order."""
    sql = "SELECT * FROM REQUESTS WHERE EMU_MOUNTING_UNTIL IS NULL"
    if number is not None:
        return _rows(conn, sql + " AND REQUEST_NUM=?", (int(number),))
    return _rows(conn, sql + " ORDER BY REQUEST_NUM")


def request_lines(conn, now, number=None):
    """QUERY REQUEST: ANR8352I and each outstanding request's message with the minutes it has
    left [DECIDED: minutes left, rounded up], or None when there is none."""
    requests = outstanding_requests(conn, number)
    if not requests:
        return None
    lines = [_msg("requests_header")]
    for request in requests:
        left = (_dt(request["CREATED"]) + _secs(request["TIMEOUT_MINUTES"] * 60) - now).total_seconds()
        minutes = max(0, int(-(-left // 60)))
        key = "mount_reply" if request["NEEDS_REPLY"] == "YES" else "mount_request"
        lines.append(_msg(key, r=request["REQUEST_NUM"], volume=request["VOLUME"], devclass=request["DEVCLASS"],
                          library=request["EMU_LIBRARY"] or "TAPELIB", drive=request["EMU_DRIVE"] or "DRIVE1",
                          minutes=minutes, element=_element(request["REQUEST_NUM"])))
    return lines


def _drop_request(conn, request, when, key):
    conn.execute("DELETE FROM REQUESTS WHERE REQUEST_NUM=?", (request["REQUEST_NUM"],))
    minutes = request["TIMEOUT_MINUTES"]
    log(conn, when, _msg(key, r=request["REQUEST_NUM"], volume=request["VOLUME"], minutes=minutes),
        session=request["SESSION_ID"], process=request["PROCESS_NUM"])


def _start_mounting(conn, request, when):
    """The request is answered: the volume is being mounted (the task still waits for it)."""
    until = when + _secs(request["EMU_MOUNT_SECONDS"] or 0)
    _update(conn, "REQUESTS", "REQUEST_NUM", request["REQUEST_NUM"], EMU_MOUNTING_UNTIL=_ts(until))
    if request["SESSION_ID"] is not None:
        session = _row(conn, "SELECT * FROM SESSIONS WHERE SESSION_ID=?", (request["SESSION_ID"],))
        if session is not None:
            prefix = "INPUT_" if session["INPUT_VOL_WAIT"] else "OUTPUT_"
            _update(conn, "SESSIONS", "SESSION_ID", session["SESSION_ID"],
                    **{prefix + "VOL_WAIT": None, prefix + "MOUNT_WAIT": request["VOLUME"]})


def _resolve_request(conn, request, when, how, admin=None):
    """A mount request ends: answered (the volume is mounted, then the task goes on), or
    cancelled / timed out (the task fails). A task whose cancel was pending ends now either way."""
    if how == "answer" and (request["EMU_MOUNT_SECONDS"] or 0) > 0:
        _start_mounting(conn, request, when)
        return
    kind, owner = _request_owner(conn, request)
    if how in ("answer", "mounted"):
        conn.execute("DELETE FROM REQUESTS WHERE REQUEST_NUM=?", (request["REQUEST_NUM"],))
        text = _msg("mounted", devclass=request["DEVCLASS"], volume=request["VOLUME"],
                    drive=request["EMU_DRIVE"] or "DRIVE1")
        log(conn, when, text, session=request["SESSION_ID"], process=request["PROCESS_NUM"])
    else:
        _drop_request(conn, request, when, "mount_timeout" if how == "timeout" else "mount_canceled")
    if owner is None:
        return
    failed = how not in ("answer", "mounted")
    if kind == "session":
        if owner["EMU_CANCEL"] is not None:
            _begin_end(conn, owner, when, "cancel")
        elif failed:
            _begin_end(conn, owner, when, "mount")
        else:
            _next_step(conn, owner, when)
        return
    if failed:
        log(conn, when, _msg("mount_denied", volume=request["VOLUME"]), process=owner["PROCESS_NUM"])
    if owner["EMU_CANCEL"] is not None or failed:
        _end_process(conn, owner, when, "FAILURE", canceled_by=admin if owner["EMU_CANCEL"] else None)
    else:
        _update(conn, "PROCESSES", "PROCESS_NUM", owner["PROCESS_NUM"],
                EMU_END_AT=_ts(when + _secs(owner["EMU_REMAINING"])) if owner["EMU_REMAINING"] is not None else None,
                EMU_REMAINING=None)


def _cancellable(request):
    """A task's cancel also cancels its plain mount requests; one that needs an operator reply
    is left to the operator, and a volume being mounted finishes mounting (page)."""
    return request["NEEDS_REPLY"] != "YES" and request["EMU_MOUNTING_UNTIL"] is None


# ---------------------------------------------------------------- processes

def new_process(conn, when, description, status="", job_id=None, parent=None, duration=None,
                result="SUCCESS", started=None, number=None, log_start=True, **extra):
    """Start a background process (number allocated in the caller's transaction).
    duration None: it runs until its job (or a cancel) ends it."""
    if number is None:
        number = store.next_number(conn, "process")
    started = started or when
    cols = dict(PROCESS_NUM=number, PROCESS=description, START_TIME=_ts(started), FILES_PROCESSED=0,
                BYTES_PROCESSED=0, BYTES_TO_PROCESS=0, STATUS=status, JOB_ID=job_id,
                PARENT_PROCESS=parent, EMU_STATUS=status, EMU_RESULT=result,
                EMU_END_AT=_ts(started + _secs(duration)) if duration is not None else None,
                EMU_ACTIVITY=ACTIVITIES.get(description.upper(), description.upper()))
    cols.update(extra)
    _insert(conn, "PROCESSES", **cols)
    if log_start:
        log(conn, started, _msg("process_started", n=number, desc=description, hms=_hms(started)),
            process=number)
    process = _row(conn, "SELECT * FROM PROCESSES WHERE PROCESS_NUM=?", (number,))
    if process["EMU_MOUNT"]:
        _open_mount(conn, when, process=process)
    return number


def _process_due(conn, process):
    waiting = conn.execute("SELECT 1 FROM REQUESTS WHERE PROCESS_NUM=?", (process["PROCESS_NUM"],)).fetchone()
    if waiting:
        return None                          # blocked until its mount request is resolved
    if process["EMU_CANCEL"] is not None:
        return _dt(process["EMU_CANCEL"]) + _secs(PROCESS_CANCEL_SECONDS), "cancel"
    if process["EMU_END_AT"] is not None:
        return _dt(process["EMU_END_AT"]), "end"
    return None


def _end_process(conn, process, when, result, canceled_by=None):
    """A process ends: its W/E message, ANR0985I, SUMMARY; a FAILURE interrupts its job."""
    number, desc = process["PROCESS_NUM"], process["PROCESS"]
    warning = process["EMU_WARNING"] if result == "SUCCESS" else None
    if warning:
        log(conn, when, warning, process=number)
    if result == "FAILURE":
        if process["EMU_CANCEL"] is not None:
            text = _msg("process_canceled", n=number, desc=desc, admin=canceled_by or process["EMU_CANCEL_BY"] or "SERVER")
        else:
            text = process["EMU_ERROR"] or _msg("process_failed", n=number, desc=desc)
        log(conn, when, text, process=number)
    log(conn, when, _msg("process_ended", n=number, desc=desc, state=result, hms=_hms(when)), process=number)
    for request in _rows(conn, "SELECT * FROM REQUESTS WHERE PROCESS_NUM=?", (number,)):
        _drop_request(conn, request, when, "mount_canceled")
    conn.execute("DELETE FROM PROCESSES WHERE PROCESS_NUM=?", (number,))
    status = "FAILED" if result == "FAILURE" else ("WARNING" if warning else "SUCCESSFUL")
    write_summary(conn, _dt(process["START_TIME"]), when, process["EMU_ACTIVITY"], number,
                  desc, result == "SUCCESS", "PROCESS", desc, status,
                  examined=process["FILES_PROCESSED"] or 0, affected=process["FILES_PROCESSED"] or 0,
                  failed=0, bytes=process["BYTES_PROCESSED"] or 0, idle=0, mediaw=0, processes=1,
                  comm_wait=0, num_offsite_vols=0)
    if process["JOB_ID"] is not None:
        job = _row(conn, "SELECT * FROM JOBS WHERE JOB_ID=?", (process["JOB_ID"],))
        if job is None:
            return
        if result == "FAILURE" and job["STATUS"] == "RUNNING" and job["JOB_TYPE"] == "RETENTION":
            # page: a retention job is interrupted when a process it manages fails or is
            # cancelled; a storage-rule job's processes are cancelled on their own (page, issue 12)
            log(conn, when, _msg("job_child_failed", n=job["JOB_ID"], name=job["JOB_NAME"], p=number))
            _stop_job(conn, job, when, "INTERRUPTING")
        else:
            _settle_job(conn, job["JOB_ID"], when)


# ---------------------------------------------------------------- jobs and storage-rule windows

def _rule(conn, job):
    return _row(conn, "SELECT * FROM STGRULES WHERE NAME=?", (job["STGRULE"],)) if job["STGRULE"] else None


def _window_starts(rule, after, count=2):
    """Window start datetimes of a daily storage rule, the first one <= `after`'s day."""
    hour, minute = (int(part) for part in rule["STARTTIME"].split(":"))
    first = after.replace(hour=hour, minute=minute, second=0, microsecond=0) - datetime.timedelta(days=1)
    return [first + datetime.timedelta(days=i) for i in range(count + 2)]


def window_containing(rule, when):
    """(start, end) of the window of `rule` open at `when`, or None."""
    for start in _window_starts(rule, when):
        end = start + _secs(rule["DURATION_MINUTES"] * 60)
        if start <= when < end:
            return start, end
    return None


def next_window_start(rule, after):
    """First window start strictly after `after`."""
    return next(start for start in _window_starts(rule, after) if start > after)


def _job_due(conn, job):
    status = job["STATUS"]
    rule = _rule(conn, job)
    if status == "RUNNING":
        candidates = []
        if job["EMU_WORK_END"]:
            candidates.append((_dt(job["EMU_WORK_END"]), "done"))
        window = window_containing(rule, _dt(job["RUN_TIME"])) if rule and job["RUN_TIME"] else None
        if window:
            candidates.append((window[1], "window_end"))
        return min(candidates) if candidates else None
    if status == "SLEEPING" and rule:
        return next_window_start(rule, _dt(job["EMU_SLEEP_SINCE"] or job["BEGIN_TIME"])), "window_start"
    return None


def _children(conn, job_id):
    return _rows(conn, "SELECT * FROM PROCESSES WHERE JOB_ID=? ORDER BY PROCESS_NUM", (job_id,))


def start_job_run(conn, job, when, log_start=True):
    """A storage rule's window opens: the job runs with new child processes; the first child
    has no parent, the later ones have the first as PARENT_PROCESS [DECIDED]."""
    rule = _rule(conn, job)
    work = job["EMU_WORK_LEFT"] if job["EMU_WORK_LEFT"] is not None else JOB_WORK_SECONDS
    _update(conn, "JOBS", "JOB_ID", job["JOB_ID"], STATUS="RUNNING", RUN_TIME=_ts(when),
            EMU_WORK_END=_ts(when + _secs(work)), EMU_WORK_LEFT=None, EMU_SLEEP_SINCE=None)
    if log_start:
        log(conn, when, _msg("job_running", n=job["JOB_ID"], name=job["JOB_NAME"],
                             rule=rule["NAME"] if rule else job["JOB_NAME"]))
    desc = CHILD_DESCRIPTIONS.get(job["JOB_TYPE"], "Retention Set Copy")
    first = None
    for index in range(job["EMU_CHILDREN"] or JOB_CHILDREN):
        status = "Job %d (%s): copying to %s, worker %d." % (
            job["JOB_ID"], job["JOB_NAME"], rule["TARGET"] if rule else "tape", index + 1)
        number = new_process(conn, when, desc, status=status, job_id=job["JOB_ID"], parent=first)
        first = first or number


def _job_run_ends(conn, job, when, reason):
    """Window end (children end SUCCESS, job SLEEPING) or work done (job COMPLETED)."""
    failed = reason == "done" and job["EMU_RESULT"] == "Failed"
    # While its children end the job is in a transient state that no child ending can interrupt.
    _update(conn, "JOBS", "JOB_ID", job["JOB_ID"], STATUS="ENDING")
    for child in _children(conn, job["JOB_ID"]):
        _end_process(conn, child, when, "FAILURE" if failed else "SUCCESS")
    name = job["JOB_NAME"]
    if reason == "window_end":
        left = max(0.0, (_dt(job["EMU_WORK_END"]) - when).total_seconds())
        _update(conn, "JOBS", "JOB_ID", job["JOB_ID"], STATUS="SLEEPING", EMU_WORK_LEFT=left,
                EMU_WORK_END=None, EMU_SLEEP_SINCE=_ts(when))
        log(conn, when, _msg("job_sleeping", n=job["JOB_ID"], name=name, rule=job["STGRULE"]))
        return
    state = job["EMU_RESULT"] or "Completed"
    _update(conn, "JOBS", "JOB_ID", job["JOB_ID"], STATUS="COMPLETED", COMPLETION_STATE=state,
            END_TIME=_ts(when), EMU_WORK_END=None, EMU_WORK_LEFT=0)
    if state == "Warning":
        log(conn, when, _msg("job_warning", n=job["JOB_ID"], name=name))
    elif state == "Failed":
        log(conn, when, _msg("job_failed", n=job["JOB_ID"], name=name))
    log(conn, when, _msg("job_completed", n=job["JOB_ID"], name=name, state=state))


def _stop_job(conn, job, when, transient, by="SERVER"):
    """INTERRUPTING/TERMINATING: cancel the children; the final state comes when none is left."""
    cols = dict(STATUS=transient)
    if job["STATUS"] == "RUNNING" and job["EMU_WORK_END"]:
        cols.update(EMU_WORK_LEFT=max(0.0, (_dt(job["EMU_WORK_END"]) - when).total_seconds()),
                    EMU_WORK_END=None)
    _update(conn, "JOBS", "JOB_ID", job["JOB_ID"], **cols)
    for child in _children(conn, job["JOB_ID"]):
        if child["EMU_CANCEL"] is None:
            _cancel_one_process(conn, child, when, by)
    _settle_job(conn, job["JOB_ID"], when)


def _settle_job(conn, job_id, when):
    """An INTERRUPTING/TERMINATING job with no child left reaches INTERRUPTED/TERMINATED."""
    job = _row(conn, "SELECT * FROM JOBS WHERE JOB_ID=?", (job_id,))
    if job is None or job["STATUS"] not in ("INTERRUPTING", "TERMINATING") or _children(conn, job_id):
        return
    if job["STATUS"] == "INTERRUPTING":
        _update(conn, "JOBS", "JOB_ID", job_id, STATUS="INTERRUPTED")
        log(conn, when, _msg("job_interrupted", n=job_id, name=job["JOB_NAME"]))
    else:
        _update(conn, "JOBS", "JOB_ID", job_id, STATUS="TERMINATED", END_TIME=_ts(when))
        log(conn, when, _msg("job_terminated", n=job_id, name=job["JOB_NAME"]))


# ---------------------------------------------------------------- the event loop

def _next_event(conn, info):
    """The earliest due event of the server: (time, order, kind, key), or None. At equal
    times: requests, then sessions, processes, jobs, reconnecting clients."""
    due = [(_request_due(row), 0, ("request", row["REQUEST_NUM"])) for row in _rows(conn, "SELECT * FROM REQUESTS")]
    due += [(_session_due(info, row), 1, ("session", row["SESSION_ID"])) for row in _rows(conn, "SELECT * FROM SESSIONS")]
    due += [(_process_due(conn, row), 2, ("process", row["PROCESS_NUM"])) for row in _rows(conn, "SELECT * FROM PROCESSES")]
    due += [(_job_due(conn, row), 3, ("job", row["JOB_ID"]))
            for row in _rows(conn, "SELECT * FROM JOBS WHERE STATUS IN ('RUNNING', 'SLEEPING')")]
    due += [((_dt(row["AT"]), "reconnect"), 4, ("reconnect", row["rowid"]))
            for row in _rows(conn, "SELECT rowid, * FROM EMU_RECONNECTS")]
    events = [(when_kind[0], order, when_kind[1], key) for when_kind, order, key in due if when_kind is not None]
    return min(events) if events else None


def _apply(conn, when, kind, key):
    table, number = key
    if table == "request":
        _resolve_request(conn, _row(conn, "SELECT * FROM REQUESTS WHERE REQUEST_NUM=?", (number,)), when, kind)
    elif table == "session":
        session = _row(conn, "SELECT * FROM SESSIONS WHERE SESSION_ID=?", (number,))
        if kind == "remove":
            _finish_session(conn, session, when)
        elif kind == "step":
            _next_step(conn, session, when)
        else:
            _begin_end(conn, session, when, kind)
    elif table == "process":
        process = _row(conn, "SELECT * FROM PROCESSES WHERE PROCESS_NUM=?", (number,))
        result = "FAILURE" if kind == "cancel" else process["EMU_RESULT"] or "SUCCESS"
        _end_process(conn, process, when, result)
    elif table == "job":
        job = _row(conn, "SELECT * FROM JOBS WHERE JOB_ID=?", (number,))
        if kind == "window_start":
            start_job_run(conn, job, when)
        else:
            _job_run_ends(conn, job, when, kind)
    else:
        _reconnect(conn, _row(conn, "SELECT rowid, * FROM EMU_RECONNECTS WHERE rowid=?", (number,)), when)


def run_until(conn, until):
    """Apply, in time order, every event due up to `until` for the server of `conn`, then
    refresh the derived columns (WAIT_SECONDS, mount-wait status text) and prune SUMMARY and
    ACTLOG past their retention. Joins the caller's transaction or opens one."""
    with store.transaction(conn):
        info = server_info(conn)
        last = _dt(info["LAST_EVENT_TIME"])
        until = max(until, last)
        for _count in range(MAX_EVENTS):
            event = _next_event(conn, info)
            if event is None or event[0] > until:
                break
            _apply(conn, event[0], event[2], event[3])
        else:
            raise RuntimeError("more than %d events in one run: a rule loops" % MAX_EVENTS)
        conn.execute("UPDATE SERVER_INFO SET LAST_EVENT_TIME=?", (_ts(until),))
        _reap_dead_clients(conn, until)
        _refresh(conn, until)


def _refresh(conn, now):
    stamp = _ts(now)
    conn.execute("UPDATE SESSIONS SET WAIT_SECONDS=MAX(0, CAST(ROUND((julianday(?) - "
                 "julianday(EMU_STATE_SINCE)) * 86400) AS INTEGER))", (stamp,))
    conn.execute("UPDATE PROCESSES SET STATUS=EMU_STATUS WHERE PROCESS_NUM NOT IN "
                 "(SELECT PROCESS_NUM FROM REQUESTS WHERE PROCESS_NUM IS NOT NULL)")
    for request in _rows(conn, "SELECT * FROM REQUESTS WHERE PROCESS_NUM IS NOT NULL"):
        waited = int((now - _dt(request["CREATED"])).total_seconds())
        _update(conn, "PROCESSES", "PROCESS_NUM", request["PROCESS_NUM"],
                STATUS="Waiting for mount of output volume %s (%d seconds)." % (request["VOLUME"], waited))
    status = _row(conn, "SELECT ACTLOGRETENTION, SUMMARYRETENTION FROM STATUS")
    if status:
        for table, column, days in (("ACTLOG", "DATE_TIME", status["ACTLOGRETENTION"]),
                                    ("SUMMARY", "END_TIME", status["SUMMARYRETENTION"]),
                                    ("SUMMARY_EXTENDED", "END_TIME", status["SUMMARYRETENTION"])):
            conn.execute("DELETE FROM %s WHERE %s < ?" % (table, column), (_ts(now - datetime.timedelta(days=days)),))


def _reap_dead_clients(conn, now):
    """A dsmadmc killed before it ended its session (e.g. a 'hang' fault): its session ends."""
    for session in _rows(conn, "SELECT * FROM SESSIONS WHERE EMU_LIVE IS NOT NULL"):
        try:
            os.kill(session["EMU_LIVE"], 0)
        except ProcessLookupError:
            _update(conn, "SESSIONS", "SESSION_ID", session["SESSION_ID"], EMU_LIVE=None)
            _begin_end(conn, dict(session, EMU_LIVE=None), now, "normal")
        except PermissionError:
            pass


def catch_up(home, name):
    """Run every event due up to the emulated now for one server (every dsmadmc call does this)."""
    with contextlib.closing(store.open_server(home, name)) as conn:
        run_until(conn, store.now(home))


# ---------------------------------------------------------------- administrator actions

def cancel_session(conn, now, admin, number_or_all, session_id=None):
    """CANCEL SESSION n|ALL. ALL cancels client node sessions only."""
    with store.transaction(conn):
        now = _sync(conn, now)
        session_id = session_id or _admin_session_id(conn, admin)
        if str(number_or_all).upper() in ("ALL", "AL"):
            targets = _rows(conn, "SELECT * FROM SESSIONS WHERE SESSION_TYPE='Node' ORDER BY SESSION_ID")
        else:
            targets = _rows(conn, "SELECT * FROM SESSIONS WHERE SESSION_ID=?", (int(number_or_all),))
        if not targets:
            text = _msg("no_session")
            log(conn, now, text, session=session_id)
            return Outcome(RC_NOTFOUND, [text])
        messages = []
        for session in targets:
            key = "cancel_admin_session" if session["SESSION_TYPE"] == "Admin" else "cancel_session"
            text = _msg(key, **_who(session))
            log(conn, now, text, session=session_id)
            messages.append(text)
            _cancel_one_session(conn, session, now)
        return Outcome(RC_OK, messages)


def _cancel_one_session(conn, session, now):
    state = session["STATE"]
    if state == "End":
        return
    if state in WAIT_STATES or state == "Start":
        _begin_end(conn, session, now, "cancel")
        return
    _update(conn, "SESSIONS", "SESSION_ID", session["SESSION_ID"], EMU_CANCEL=_ts(now))
    if state == "MediaW":
        requests = _rows(conn, "SELECT * FROM REQUESTS WHERE SESSION_ID=?", (session["SESSION_ID"],))
        for request in requests:
            if _cancellable(request):
                _resolve_request(conn, request, now, "cancel")
        if not requests:
            _begin_end(conn, dict(session, EMU_CANCEL=_ts(now)), now, "cancel")


def cancel_process(conn, now, admin, number, session_id=None):
    """CANCEL PROCESS n: the process stops (FAILURE) shortly, or once its mount request is
    answered, cancelled or timed out; a job's child failing interrupts the job."""
    with store.transaction(conn):
        now = _sync(conn, now)
        session_id = session_id or _admin_session_id(conn, admin)
        process = _row(conn, "SELECT * FROM PROCESSES WHERE PROCESS_NUM=?", (int(number),))
        if process is None:
            text = _msg("no_process", n=int(number))
            log(conn, now, text, session=session_id)
            return Outcome(RC_NOTFOUND, [text])
        text = _msg("cancel_process", n=process["PROCESS_NUM"])
        log(conn, now, text, session=session_id)
        if process["EMU_CANCEL"] is None:
            _cancel_one_process(conn, process, now, admin.upper())
        return Outcome(RC_OK, [text])


def _cancel_one_process(conn, process, now, admin):
    _update(conn, "PROCESSES", "PROCESS_NUM", process["PROCESS_NUM"], EMU_CANCEL=_ts(now),
            EMU_CANCEL_BY=admin)
    for request in _rows(conn, "SELECT * FROM REQUESTS WHERE PROCESS_NUM=?", (process["PROCESS_NUM"],)):
        if _cancellable(request):
            _resolve_request(conn, request, now, "cancel", admin=admin)


def cancel_request(conn, now, admin, number, permanent=False, session_id=None):
    """CANCEL REQUEST n|ALL [PERMANENT]: the waiting task fails (its mount is refused). A request
    already answered (its volume being mounted) is no longer outstanding."""
    with store.transaction(conn):
        now = _sync(conn, now)
        session_id = session_id or _admin_session_id(conn, admin)
        every = str(number).upper() in ("ALL", "AL")
        requests = outstanding_requests(conn, None if every else number)
        if not requests:
            text = (_msg("no_requests", cmd="CANCEL REQUEST") if every
                    else _msg("no_request", cmd="CANCEL REQUEST", n=int(number)))
            log(conn, now, text, session=session_id)
            return Outcome(RC_NOTFOUND, [text])
        messages = []
        for request in requests:
            messages.append(_msg("mount_canceled", r=request["REQUEST_NUM"], volume=request["VOLUME"]))
            if permanent:
                messages.append(_msg("mount_permanent", volume=request["VOLUME"]))
                log(conn, now, messages[-1], session=session_id)
            _resolve_request(conn, request, now, "cancel", admin=admin.upper())
        return Outcome(RC_OK, messages)


def reply_request(conn, now, admin, number, label=None, session_id=None):
    """REPLY n [LABEL=]: the operator did what request n asked; its volume is mounted
    (MOUNT_SECONDS, or the mount's mount_time) and the waiting task goes on."""
    del label                                # only LABEL LIBVOLUME requests use it (not modelled)
    with store.transaction(conn):
        now = _sync(conn, now)
        session_id = session_id or _admin_session_id(conn, admin)
        requests = outstanding_requests(conn, number)
        if not requests:
            outcome = Outcome(RC_NOTFOUND, [_msg("no_request", cmd="REPLY", n=int(number))])
        elif requests[0]["NEEDS_REPLY"] != "YES":
            outcome = Outcome(RC_ERROR, [_msg("no_reply_needed", n=int(number))])
        else:
            outcome = Outcome(RC_OK, [_msg("reply_accepted")])
        log(conn, now, outcome.messages[0], session=session_id)
        if outcome.rc == RC_OK:
            _resolve_request(conn, requests[0], now, "answer")
        return outcome


def _job_action(conn, now, admin, job_id, command, allowed, session_id):
    """Common checks of INTERRUPT/RESUME/TERMINATE JOB; returns (job, now, session, Outcome|None)."""
    now = _sync(conn, now)
    session_id = session_id or _admin_session_id(conn, admin)
    job = _row(conn, "SELECT * FROM JOBS WHERE JOB_ID=?", (int(job_id),))
    error = None
    if job is None:
        error = Outcome(RC_NOTFOUND, [_msg("no_job", cmd=command, n=int(job_id))])
    elif job["STATUS"] == "TERMINATED":
        error = Outcome(RC_ERROR, [_msg("job_final", cmd=command, n=job["JOB_ID"])])
    elif job["STATUS"] not in allowed:
        error = Outcome(RC_ERROR, [_msg("job_bad_state", cmd=command, n=job["JOB_ID"], status=job["STATUS"])])
    if error:
        log(conn, now, error.messages[0], session=session_id)
    return job, now, session_id, error


def interrupt_job(conn, now, admin, job_id, session_id=None):
    """INTERRUPT JOB n (RUNNING or SLEEPING): INTERRUPTING while its children stop, then INTERRUPTED."""
    with store.transaction(conn):
        job, now, session_id, error = _job_action(conn, now, admin, job_id, "INTERRUPT JOB",
                                                  ("RUNNING", "SLEEPING"), session_id)
        if error:
            return error
        if job["JOB_TYPE"] != "RETENTION":     # [DECIDED] the page interrupts retention jobs only
            text = _msg("job_not_retention", cmd="INTERRUPT JOB", n=job["JOB_ID"], done="interrupted")
            log(conn, now, text, session=session_id)
            return Outcome(RC_ERROR, [text])
        text = _msg("job_interrupting", n=job["JOB_ID"], name=job["JOB_NAME"])
        log(conn, now, text, session=session_id)
        _stop_job(conn, job, now, "INTERRUPTING", admin.upper())
        return Outcome(RC_OK, [text])


def resume_job(conn, now, admin, job_id, session_id=None):
    """RESUME JOB n (INTERRUPTED retention jobs only): SLEEPING until the rule's next window."""
    with store.transaction(conn):
        job, now, session_id, error = _job_action(conn, now, admin, job_id, "RESUME JOB",
                                                  ("INTERRUPTED",), session_id)
        if error:
            return error
        if job["JOB_TYPE"] != "RETENTION":
            text = _msg("job_not_retention", cmd="RESUME JOB", n=job["JOB_ID"], done="resumed")
            log(conn, now, text, session=session_id)
            return Outcome(RC_ERROR, [text])
        _update(conn, "JOBS", "JOB_ID", job["JOB_ID"], STATUS="SLEEPING", EMU_SLEEP_SINCE=_ts(now))
        text = _msg("job_resumed", n=job["JOB_ID"], name=job["JOB_NAME"], rule=job["STGRULE"])
        log(conn, now, text, session=session_id)
        return Outcome(RC_OK, [text])


def terminate_job(conn, now, admin, job_id, session_id=None):
    """TERMINATE JOB n: TERMINATING while its children stop, then TERMINATED (final)."""
    with store.transaction(conn):
        job, now, session_id, error = _job_action(
            conn, now, admin, job_id, "TERMINATE JOB",
            ("RUNNING", "SLEEPING", "INTERRUPTED", "INTERRUPTING"), session_id)
        if error:
            return error
        text = _msg("job_terminating", n=job["JOB_ID"], name=job["JOB_NAME"])
        log(conn, now, text, session=session_id)
        _stop_job(conn, job, now, "TERMINATING", admin.upper())
        return Outcome(RC_OK, [text])


def _retset_gone(conn, now, retset, how, session_id=None, process=None):
    """A retention set is deleted or expired: an incomplete one's active job is terminated by
    the server (page: a job terminated by the server)."""
    _update(conn, "EMU_RETSETS", "RETSET_ID", retset, STATE=how.upper())
    text = _msg("retset_gone", retset=retset, how=how)
    log(conn, now, text, session=session_id, process=process)
    placeholders = ", ".join("?" * len(ACTIVE_JOB_STATES))
    for job in _rows(conn, "SELECT * FROM JOBS WHERE EMU_RETSET=? AND STATUS IN (%s) AND STATUS <> 'TERMINATING' "
                           "ORDER BY JOB_ID" % placeholders, (retset,) + ACTIVE_JOB_STATES):
        log(conn, now, _msg("job_retset_gone", n=job["JOB_ID"], name=job["JOB_NAME"], retset=retset, how=how),
            session=session_id, process=process)
        _stop_job(conn, job, now, "TERMINATING")
    return text


def delete_retset(conn, now, admin, retset_id, session_id=None):
    """DELETE RETSET id: the retention set is deleted; an active job of it is terminated."""
    with store.transaction(conn):
        now = _sync(conn, now)
        session_id = session_id or _admin_session_id(conn, admin)
        row = _row(conn, "SELECT * FROM EMU_RETSETS WHERE RETSET_ID=? AND STATE='ACTIVE'", (int(retset_id),))
        if row is None:
            text = _msg("no_retset", cmd="DELETE RETSET", retset=int(retset_id))
            log(conn, now, text, session=session_id)
            return Outcome(RC_NOTFOUND, [text])
        return Outcome(RC_OK, [_retset_gone(conn, now, row["RETSET_ID"], "deleted", session_id=session_id)])


def expire_inventory(conn, now, admin, session_id=None):
    """EXPIRE INVENTORY: an EXPIRATION process (EXPIRATION_SECONDS); retention sets past their
    expiry expire at its start, and the active job of each is terminated [DECIDED timing]."""
    del admin
    with store.transaction(conn):
        now = _sync(conn, now)
        number = new_process(conn, now, "EXPIRATION", status=(
            "Examined 0 objects, deleting 0 backup objects, 0 archive objects, 0 DB backup volumes, "
            "0 recovery plan files; 0 objects have been retried and 0 errors encountered."),
            duration=EXPIRATION_SECONDS)
        for row in _rows(conn, "SELECT * FROM EMU_RETSETS WHERE STATE='ACTIVE' AND EXPIRES IS NOT NULL "
                               "AND EXPIRES <= ? ORDER BY RETSET_ID", (_ts(now),)):
            _retset_gone(conn, now, row["RETSET_ID"], "expired", process=number)
        return Outcome(RC_OK, [_msg("process_number", n=number)])


def log_command(conn, now, admin, session_id, command_text_masked):
    """ANR2017I Administrator X issued command: ... (SESSION: n) in the activity log."""
    with store.transaction(conn):
        log(conn, now, _msg("command", admin=admin.upper(), command=command_text_masked),
            session=session_id, owner=None)


def admin_session(conn, now, admin, platform, comm="Tcp/Ip"):
    """The Admin session a dsmadmc invocation uses (state Run while its command runs);
    returns its number. It has no timers and ends with end_admin_session (or when the
    dsmadmc process is gone)."""
    with store.transaction(conn):
        now = _sync(conn, now)
        return new_session(conn, now, admin, "Admin", platform, comm, state="Run",
                           EMU_LIVE=os.getpid(), LAST_VERB="AdmCmd", VERB_STATE="Recv")


def end_admin_session(conn, now, session_id):
    """The dsmadmc command is done: its session ends (ANR0405I), at once."""
    with store.transaction(conn):
        now = _sync(conn, now)
        session = _row(conn, "SELECT * FROM SESSIONS WHERE SESSION_ID=?", (int(session_id),))
        if session is None:
            return
        reason = "cancel" if session["EMU_CANCEL"] else "normal"
        _begin_end(conn, session, now, reason)
        _finish_session(conn, _row(conn, "SELECT * FROM SESSIONS WHERE SESSION_ID=?", (int(session_id),)), now)
