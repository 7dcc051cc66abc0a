"""Administrator actions: what CANCEL SESSION / PROCESS / REQUEST, REPLY, INTERRUPT / RESUME /
TERMINATE JOB, DELETE RETSET and EXPIRE INVENTORY do, the command log, and the dsmadmc's own
Admin session. Each runs the server's due events up to its time first, inside the caller's
transaction (or its own), and returns an Outcome."""
import os

from .. import store
from . import base, events, jobs, logbook, mounts, processes, sessions


def cancel_session(conn, now, admin, number_or_all, session_id=None):
    """CANCEL SESSION n|ALL. ALL cancels client node sessions only."""
    with store.transaction(conn):
        now = events.sync(conn, now)
        session_id = session_id or base.admin_session_id(conn, admin)
        if str(number_or_all).upper() in ("ALL", "AL"):
            targets = base.fetch_rows(conn, "SELECT * FROM SESSIONS WHERE SESSION_TYPE='Node' ORDER BY SESSION_ID")
        else:
            targets = base.fetch_rows(conn, "SELECT * FROM SESSIONS WHERE SESSION_ID=?", (int(number_or_all),))
        if not targets:
            text = logbook.message("no_session")
            logbook.log(conn, now, text, session=session_id)
            return base.Outcome(base.RC_NOTFOUND, [text])
        messages = []
        for session in targets:
            key = "cancel_admin_session" if session["SESSION_TYPE"] == "Admin" else "cancel_session"
            text = logbook.message(key, **sessions.who_of(session))
            logbook.log(conn, now, text, session=session_id)
            messages.append(text)
            sessions.cancel_one(conn, session, now)
        return base.Outcome(base.RC_OK, messages)


def cancel_process(conn, now, admin, number, session_id=None):
    """CANCEL PROCESS n: the process stops (FAILURE) shortly, or once its mount request is
    answered, cancelled or timed out; a job's child failing interrupts the job."""
    with store.transaction(conn):
        now = events.sync(conn, now)
        session_id = session_id or base.admin_session_id(conn, admin)
        process = base.fetch_row(conn, "SELECT * FROM PROCESSES WHERE PROCESS_NUM=?", (int(number),))
        if process is None:
            text = logbook.message("no_process", n=int(number))
            logbook.log(conn, now, text, session=session_id)
            return base.Outcome(base.RC_NOTFOUND, [text])
        text = logbook.message("cancel_process", n=process["PROCESS_NUM"])
        logbook.log(conn, now, text, session=session_id)
        if process["EMU_CANCEL"] is None:
            processes.cancel_one(conn, process, now, admin.upper())
        return base.Outcome(base.RC_OK, [text])


def cancel_request(conn, now, admin, number, permanent=False, session_id=None):
    """CANCEL REQUEST n|ALL [PERMANENT]: the waiting task fails (its mount is refused). A request
    already answered (its volume being mounted) is no longer outstanding."""
    with store.transaction(conn):
        now = events.sync(conn, now)
        session_id = session_id or base.admin_session_id(conn, admin)
        every = str(number).upper() in ("ALL", "AL")
        requests = mounts.outstanding_requests(conn, None if every else number)
        if not requests:
            text = (logbook.message("no_requests", cmd="CANCEL REQUEST") if every
                    else logbook.message("no_request", cmd="CANCEL REQUEST", n=int(number)))
            logbook.log(conn, now, text, session=session_id)
            return base.Outcome(base.RC_NOTFOUND, [text])
        messages = []
        for request in requests:
            messages.append(logbook.message("mount_canceled", r=request["REQUEST_NUM"], volume=request["VOLUME"]))
            if permanent:
                messages.append(logbook.message("mount_permanent", volume=request["VOLUME"]))
                logbook.log(conn, now, messages[-1], session=session_id)
            mounts.resolve(conn, request, now, "cancel", admin=admin.upper())
        return base.Outcome(base.RC_OK, messages)


def reply_request(conn, now, admin, number, label=None, session_id=None):
    """REPLY n [LABEL=]: the operator did what request n asked; its volume is mounted
    (MOUNT_SECONDS, or the mount's mount_time) and the waiting task goes on."""
    del label                                # only LABEL LIBVOLUME requests use it (not modelled)
    with store.transaction(conn):
        now = events.sync(conn, now)
        session_id = session_id or base.admin_session_id(conn, admin)
        requests = mounts.outstanding_requests(conn, number)
        if not requests:
            outcome = base.Outcome(base.RC_NOTFOUND, [logbook.message("no_request", cmd="REPLY", n=int(number))])
        elif requests[0]["NEEDS_REPLY"] != "YES":
            outcome = base.Outcome(base.RC_ERROR, [logbook.message("no_reply_needed", n=int(number))])
        else:
            outcome = base.Outcome(base.RC_OK, [logbook.message("reply_accepted")])
        logbook.log(conn, now, outcome.messages[0], session=session_id)
        if outcome.rc == base.RC_OK:
            mounts.resolve(conn, requests[0], now, "answer")
        return outcome


def _job_action(conn, now, admin, job_id, command, allowed, session_id):
    """Common checks of INTERRUPT/RESUME/TERMINATE JOB; returns (job, now, session, Outcome|None)."""
    now = events.sync(conn, now)
    session_id = session_id or base.admin_session_id(conn, admin)
    job = base.fetch_row(conn, "SELECT * FROM JOBS WHERE JOB_ID=?", (int(job_id),))
    error = None
    if job is None:
        error = base.Outcome(base.RC_NOTFOUND, [logbook.message("no_job", cmd=command, n=int(job_id))])
    elif job["STATUS"] == "TERMINATED":
        error = base.Outcome(base.RC_ERROR, [logbook.message("job_final", cmd=command, n=job["JOB_ID"])])
    elif job["STATUS"] not in allowed:
        error = base.Outcome(base.RC_ERROR, [logbook.message("job_bad_state", cmd=command, n=job["JOB_ID"], status=job["STATUS"])])
    if error:
        logbook.log(conn, now, error.messages[0], session=session_id)
    return job, now, session_id, error


def interrupt_job(conn, now, admin, job_id, session_id=None):
    """INTERRUPT JOB n (RUNNING or SLEEPING): INTERRUPTING while its children stop, then INTERRUPTED."""
    with store.transaction(conn):
        job, now, session_id, error = _job_action(conn, now, admin, job_id, "INTERRUPT JOB",
                                                  ("RUNNING", "SLEEPING"), session_id)
        if error:
            return error
        if job["JOB_TYPE"] != "RETENTION":     # [DECIDED] the page interrupts retention jobs only
            text = logbook.message("job_not_retention", cmd="INTERRUPT JOB", n=job["JOB_ID"], done="interrupted")
            logbook.log(conn, now, text, session=session_id)
            return base.Outcome(base.RC_ERROR, [text])
        text = logbook.message("job_interrupting", n=job["JOB_ID"], name=job["JOB_NAME"])
        logbook.log(conn, now, text, session=session_id)
        jobs.stop_job(conn, job, now, "INTERRUPTING", admin.upper())
        return base.Outcome(base.RC_OK, [text])


def resume_job(conn, now, admin, job_id, session_id=None):
    """RESUME JOB n (INTERRUPTED retention jobs only): SLEEPING until the rule's next window."""
    with store.transaction(conn):
        job, now, session_id, error = _job_action(conn, now, admin, job_id, "RESUME JOB",
                                                  ("INTERRUPTED",), session_id)
        if error:
            return error
        if job["JOB_TYPE"] != "RETENTION":
            text = logbook.message("job_not_retention", cmd="RESUME JOB", n=job["JOB_ID"], done="resumed")
            logbook.log(conn, now, text, session=session_id)
            return base.Outcome(base.RC_ERROR, [text])
        base.update(conn, "JOBS", "JOB_ID", job["JOB_ID"], STATUS="SLEEPING", EMU_SLEEP_SINCE=base.ts(now))
        text = logbook.message("job_resumed", n=job["JOB_ID"], name=job["JOB_NAME"], rule=job["STGRULE"])
        logbook.log(conn, now, text, session=session_id)
        return base.Outcome(base.RC_OK, [text])


def terminate_job(conn, now, admin, job_id, session_id=None):
    """TERMINATE JOB n: TERMINATING while its children stop, then TERMINATED (final)."""
    with store.transaction(conn):
        job, now, session_id, error = _job_action(
            conn, now, admin, job_id, "TERMINATE JOB",
            ("RUNNING", "SLEEPING", "INTERRUPTED", "INTERRUPTING"), session_id)
        if error:
            return error
        text = logbook.message("job_terminating", n=job["JOB_ID"], name=job["JOB_NAME"])
        logbook.log(conn, now, text, session=session_id)
        jobs.stop_job(conn, job, now, "TERMINATING", admin.upper())
        return base.Outcome(base.RC_OK, [text])


def delete_retset(conn, now, admin, retset_id, session_id=None):
    """DELETE RETSET id: the retention set is deleted; an active job of it is terminated."""
    with store.transaction(conn):
        now = events.sync(conn, now)
        session_id = session_id or base.admin_session_id(conn, admin)
        row = base.fetch_row(conn, "SELECT * FROM EMU_RETSETS WHERE RETSET_ID=? AND STATE='ACTIVE'", (int(retset_id),))
        if row is None:
            text = logbook.message("no_retset", cmd="DELETE RETSET", retset=int(retset_id))
            logbook.log(conn, now, text, session=session_id)
            return base.Outcome(base.RC_NOTFOUND, [text])
        return base.Outcome(base.RC_OK, [jobs.retset_gone(conn, now, row["RETSET_ID"], "deleted", session_id=session_id)])


def expire_inventory(conn, now, admin, session_id=None):
    """EXPIRE INVENTORY: an EXPIRATION process (EXPIRATION_SECONDS); retention sets past their
    expiry expire at its start, and the active job of each is terminated [DECIDED timing]."""
    del admin
    with store.transaction(conn):
        now = events.sync(conn, now)
        number = processes.new_process(conn, now, "EXPIRATION", status=(
            "Examined 0 objects, deleting 0 backup objects, 0 archive objects, 0 DB backup volumes, "
            "0 recovery plan files; 0 objects have been retried and 0 errors encountered."),
            duration=base.EXPIRATION_SECONDS)
        for row in base.fetch_rows(conn, "SELECT * FROM EMU_RETSETS WHERE STATE='ACTIVE' AND EXPIRES IS NOT NULL "
                                   "AND EXPIRES <= ? ORDER BY RETSET_ID", (base.ts(now),)):
            jobs.retset_gone(conn, now, row["RETSET_ID"], "expired", process=number)
        return base.Outcome(base.RC_OK, [logbook.message("process_number", n=number)])


def log_command(conn, now, admin, session_id, command_text_masked):
    """ANR2017I Administrator X issued command: ... (SESSION: n) in the activity log."""
    with store.transaction(conn):
        logbook.log(conn, now, logbook.message("command", admin=admin.upper(), command=command_text_masked),
                    session=session_id, owner=None)


def admin_session(conn, now, admin, platform, comm="Tcp/Ip"):
    """The Admin session a dsmadmc invocation uses (state Run while its command runs, Idle wait
    between the commands it reads from its input: admin_idle, admin_resume); returns its number.
    Only its Idle wait has a timer (ADMINIDLETIMEOUT); it ends with end_admin_session, when the
    server ends it, or when the dsmadmc process is gone."""
    with store.transaction(conn):
        now = events.sync(conn, now)
        return sessions.new_session(conn, now, admin, "Admin", platform, comm, state="Run",
                                    EMU_LIVE=os.getpid(), LAST_VERB="AdmCmd", VERB_STATE="Recv")


def admin_idle(conn, now, session_id):
    """A dsmadmc that reads its commands from its input answered one and waits for the next:
    its Admin session is in Idle wait (as QUERY SESSION shows an administrator's console between
    commands), and ADMINIDLETIMEOUT counts from now. A session cancelled while its command ran
    ends here, at its wait state."""
    with store.transaction(conn):             # no catch-up here: the client's next command runs one
        now = max(now, base.dt(base.server_info(conn)["LAST_EVENT_TIME"]))
        session = base.fetch_row(conn, "SELECT * FROM SESSIONS WHERE SESSION_ID=?", (int(session_id),))
        if session is None or session["STATE"] in ("IdleW", "End"):
            return
        if session["EMU_CANCEL"] is not None:
            sessions.begin_end(conn, session, now, "cancel")
            return
        cols = sessions.leave_state(session, now)
        cols.update(STATE="IdleW", EMU_STATE_SINCE=base.ts(now), VERB_STATE="Sent")
        base.update(conn, "SESSIONS", "SESSION_ID", session["SESSION_ID"], **cols)


def admin_resume(conn, now, session_id):
    """The client sends its next command: its Admin session runs again. False when the server
    ended the session while it waited (CANCEL SESSION, ADMINIDLETIMEOUT): the client must sign
    on again for its command. The caller has run the server's events up to `now` (Session.start)."""
    with store.transaction(conn):
        now = max(now, base.dt(base.server_info(conn)["LAST_EVENT_TIME"]))
        session = base.fetch_row(conn, "SELECT * FROM SESSIONS WHERE SESSION_ID=?", (int(session_id),))
        if session is None or session["STATE"] == "End":
            if session is not None:
                base.update(conn, "SESSIONS", "SESSION_ID", session["SESSION_ID"], EMU_LIVE=None)
            return False
        if session["STATE"] != "Run":
            cols = sessions.leave_state(session, now)
            cols.update(STATE="Run", EMU_STATE_SINCE=base.ts(now), VERB_STATE="Recv")
            base.update(conn, "SESSIONS", "SESSION_ID", session["SESSION_ID"], **cols)
        return True


def end_admin_session(conn, now, session_id):
    """The dsmadmc command is done: its session ends (ANR0405I), at once (one the server is
    already ending finishes at its own time)."""
    with store.transaction(conn):
        now = events.sync(conn, now)
        session = base.fetch_row(conn, "SELECT * FROM SESSIONS WHERE SESSION_ID=?", (int(session_id),))
        if session is None:
            return
        if session["STATE"] == "End":
            base.update(conn, "SESSIONS", "SESSION_ID", session["SESSION_ID"], EMU_LIVE=None)
            return
        reason = "cancel" if session["EMU_CANCEL"] else "normal"
        sessions.begin_end(conn, session, now, reason)
        sessions.finish_session(conn, base.fetch_row(conn, "SELECT * FROM SESSIONS WHERE SESSION_ID=?", (int(session_id),)), now)
