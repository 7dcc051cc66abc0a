"""Jobs and storage-rule windows: a job runs only inside its rule's daily window with child
processes, sleeps between windows, completes when its work is done, is interrupted or terminated
(by an administrator, a failed child, or its retention set going away)."""
import datetime

from . import base, logbook, processes


def rule_of(conn, job):
    return base.fetch_row(conn, "SELECT * FROM STGRULES WHERE NAME=?", (job["STGRULE"],)) if job["STGRULE"] else None


def window_starts(rule, after, count=2):
    """Window start datetimes of a daily storage rule, the first one <= `after`'s day."""
    hour, minute = (int(part) for part in rule["STARTTIME"].split(":"))
    first = after.replace(hour=hour, minute=minute, second=0, microsecond=0) - datetime.timedelta(days=1)
    return [first + datetime.timedelta(days=i) for i in range(count + 2)]


def window_containing(rule, when):
    """(start, end) of the window of `rule` open at `when`, or None."""
    for start in window_starts(rule, when):
        end = start + base.secs(rule["DURATION_MINUTES"] * 60)
        if start <= when < end:
            return start, end
    return None


def next_window_start(rule, after):
    """First window start strictly after `after`."""
    return next(start for start in window_starts(rule, after) if start > after)


def due(conn, job):
    status = job["STATUS"]
    rule = rule_of(conn, job)
    if status == "RUNNING":
        candidates = []
        if job["EMU_WORK_END"]:
            candidates.append((base.dt(job["EMU_WORK_END"]), "done"))
        window = window_containing(rule, base.dt(job["RUN_TIME"])) if rule and job["RUN_TIME"] else None
        if window:
            candidates.append((window[1], "window_end"))
        return min(candidates) if candidates else None
    if status == "SLEEPING" and rule:
        return next_window_start(rule, base.dt(job["EMU_SLEEP_SINCE"] or job["BEGIN_TIME"])), "window_start"
    return None


def children_of(conn, job_id):
    return base.fetch_rows(conn, "SELECT * FROM PROCESSES WHERE JOB_ID=? ORDER BY PROCESS_NUM", (job_id,))


def start_job_run(conn, job, when, log_start=True):
    """A storage rule's window opens: the job runs with new child processes; the first child
    has no parent, the later ones have the first as PARENT_PROCESS [DECIDED]."""
    rule = rule_of(conn, job)
    work = job["EMU_WORK_LEFT"] if job["EMU_WORK_LEFT"] is not None else base.JOB_WORK_SECONDS
    base.update(conn, "JOBS", "JOB_ID", job["JOB_ID"], STATUS="RUNNING", RUN_TIME=base.ts(when),
                EMU_WORK_END=base.ts(when + base.secs(work)), EMU_WORK_LEFT=None, EMU_SLEEP_SINCE=None)
    if log_start:
        logbook.log(conn, when, logbook.message("job_running", n=job["JOB_ID"], name=job["JOB_NAME"],
                                                rule=rule["NAME"] if rule else job["JOB_NAME"]))
    desc = base.CHILD_DESCRIPTIONS.get(job["JOB_TYPE"], "Retention Set Copy")
    first = None
    for index in range(job["EMU_CHILDREN"] or base.JOB_CHILDREN):
        status = "Job %d (%s): copying to %s, worker %d." % (
            job["JOB_ID"], job["JOB_NAME"], rule["TARGET"] if rule else "tape", index + 1)
        number = processes.new_process(conn, when, desc, status=status, job_id=job["JOB_ID"], parent=first)
        first = first or number


def job_run_ends(conn, job, when, reason):
    """Window end (children end SUCCESS, job SLEEPING) or work done (job COMPLETED)."""
    failed = reason == "done" and job["EMU_RESULT"] == "Failed"
    # While its children end the job is in a transient state that no child ending can interrupt.
    base.update(conn, "JOBS", "JOB_ID", job["JOB_ID"], STATUS="ENDING")
    for child in children_of(conn, job["JOB_ID"]):
        processes.end_process(conn, child, when, "FAILURE" if failed else "SUCCESS")
    name = job["JOB_NAME"]
    if reason == "window_end":
        left = max(0.0, (base.dt(job["EMU_WORK_END"]) - when).total_seconds())
        base.update(conn, "JOBS", "JOB_ID", job["JOB_ID"], STATUS="SLEEPING", EMU_WORK_LEFT=left,
                    EMU_WORK_END=None, EMU_SLEEP_SINCE=base.ts(when))
        logbook.log(conn, when, logbook.message("job_sleeping", n=job["JOB_ID"], name=name, rule=job["STGRULE"]))
        return
    state = job["EMU_RESULT"] or "Completed"
    base.update(conn, "JOBS", "JOB_ID", job["JOB_ID"], STATUS="COMPLETED", COMPLETION_STATE=state,
                END_TIME=base.ts(when), EMU_WORK_END=None, EMU_WORK_LEFT=0)
    if state == "Warning":
        logbook.log(conn, when, logbook.message("job_warning", n=job["JOB_ID"], name=name))
    elif state == "Failed":
        logbook.log(conn, when, logbook.message("job_failed", n=job["JOB_ID"], name=name))
    logbook.log(conn, when, logbook.message("job_completed", n=job["JOB_ID"], name=name, state=state))


def stop_job(conn, job, when, transient, by="SERVER"):
    """INTERRUPTING/TERMINATING: cancel the children; the final state comes when none is left."""
    cols = dict(STATUS=transient)
    if job["STATUS"] == "RUNNING" and job["EMU_WORK_END"]:
        cols.update(EMU_WORK_LEFT=max(0.0, (base.dt(job["EMU_WORK_END"]) - when).total_seconds()),
                    EMU_WORK_END=None)
    base.update(conn, "JOBS", "JOB_ID", job["JOB_ID"], **cols)
    for child in children_of(conn, job["JOB_ID"]):
        if child["EMU_CANCEL"] is None:
            processes.cancel_one(conn, child, when, by)
    settle_job(conn, job["JOB_ID"], when)


def settle_job(conn, job_id, when):
    """An INTERRUPTING/TERMINATING job with no child left reaches INTERRUPTED/TERMINATED."""
    job = base.fetch_row(conn, "SELECT * FROM JOBS WHERE JOB_ID=?", (job_id,))
    if job is None or job["STATUS"] not in ("INTERRUPTING", "TERMINATING") or children_of(conn, job_id):
        return
    if job["STATUS"] == "INTERRUPTING":
        base.update(conn, "JOBS", "JOB_ID", job_id, STATUS="INTERRUPTED")
        logbook.log(conn, when, logbook.message("job_interrupted", n=job_id, name=job["JOB_NAME"]))
    else:
        base.update(conn, "JOBS", "JOB_ID", job_id, STATUS="TERMINATED", END_TIME=base.ts(when))
        logbook.log(conn, when, logbook.message("job_terminated", n=job_id, name=job["JOB_NAME"]))


def retset_gone(conn, now, retset, how, session_id=None, process=None):
    """A retention set is deleted or expired: an incomplete one's active job is terminated by
    the server (page: a job terminated by the server)."""
    base.update(conn, "EMU_RETSETS", "RETSET_ID", retset, STATE=how.upper())
    text = logbook.message("retset_gone", retset=retset, how=how)
    logbook.log(conn, now, text, session=session_id, process=process)
    placeholders = ", ".join("?" * len(base.ACTIVE_JOB_STATES))
    for job in base.fetch_rows(conn, "SELECT * FROM JOBS WHERE EMU_RETSET=? AND STATUS IN (%s) AND STATUS <> 'TERMINATING' "
                               "ORDER BY JOB_ID" % placeholders, (retset,) + base.ACTIVE_JOB_STATES):
        logbook.log(conn, now, logbook.message("job_retset_gone", n=job["JOB_ID"], name=job["JOB_NAME"], retset=retset, how=how),
                    session=session_id, process=process)
        stop_job(conn, job, now, "TERMINATING")
    return text
