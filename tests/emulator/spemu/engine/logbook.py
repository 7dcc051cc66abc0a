"""The activity log and the summary tables: message texts, ACTLOG rows, SUMMARY rows.

Message ids and texts are in MESSAGES; the README ("Behaviours", "Message ids") says which come
from server-facts.md or IBM's documents and which are [DECIDED]. Every row goes through
`msgids.translate`, so SPEMU_MSGIDS=alt changes the unverified ids everywhere.
"""
import re

from .. import msgids, store
from . import base

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


def message(key, **values):
    return MESSAGES[key].format(**values)


def msgid_mode(conn):
    """'alt' or 'real': the running program's $SPEMU_MSGIDS, else the server's own setting."""
    return msgids.override() or store.setting(conn, "msgids", "real")


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
    base.insert(conn, "ACTLOG", DATE_TIME=base.ts(when), MSGNO=msgno, SEVERITY=severity, MESSAGE=message,
                ORIGINATOR=originator, NODENAME=node, OWNERNAME=owner, SCHEDNAME=schedule,
                DOMAINNAME=domain, SESSID=session, SERVERNAME=name, SESSION=session, PROCESS=process)


def write_summary(conn, start, end, activity, number, entity, successful, kind, details,
                  status, **extra):
    """One finished task -> SUMMARY and SUMMARY_EXTENDED (same row plus the extended columns).
    [DECIDED] ACTIVITY_TYPE is SESSION|PROCESS, ACTIVITY_DETAILS the description or client
    activity, STATUS the outcome: SUCCESSFUL|WARNING|FAILED."""
    cols = dict(START_TIME=base.ts(start), END_TIME=base.ts(end), ACTIVITY=activity, NUMBER=number,
                ENTITY=entity, SUCCESSFUL="YES" if successful else "NO")
    cols.update({key.upper(): value for key, value in extra.items()})
    base.insert(conn, "SUMMARY", **cols)
    base.insert(conn, "SUMMARY_EXTENDED", ACTIVITY_TYPE=kind, ACTIVITY_DETAILS=details,
                SUB_ENTITY=None, STATUS=status, **cols)
