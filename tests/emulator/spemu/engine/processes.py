"""Background processes: start (ANR0984I), end at their duration or when cancelled (ANR0985I,
SUMMARY), mount waits, and what their end does to the job that manages them."""
from .. import store
from . import base, jobs, logbook, mounts


def new_process(conn, when, description, status="", job_id=None, parent=None, duration=None,
                result="SUCCESS", started=None, number=None, log_start=True, **extra):
    """Start a background process (number allocated in the caller's transaction).
    duration None: it runs until its job (or a cancel) ends it."""
    if number is None:
        number = store.next_number(conn, "process")
    started = started or when
    cols = dict(PROCESS_NUM=number, PROCESS=description, START_TIME=base.ts(started), FILES_PROCESSED=0,
                BYTES_PROCESSED=0, BYTES_TO_PROCESS=0, STATUS=status, JOB_ID=job_id,
                PARENT_PROCESS=parent, EMU_STATUS=status, EMU_RESULT=result,
                EMU_END_AT=base.ts(started + base.secs(duration)) if duration is not None else None,
                EMU_ACTIVITY=base.ACTIVITIES.get(description.upper(), description.upper()))
    cols.update(extra)
    base.insert(conn, "PROCESSES", **cols)
    if log_start:
        logbook.log(conn, started, logbook.message("process_started", n=number, desc=description, hms=base.hms(started)),
                    process=number)
    process = base.fetch_row(conn, "SELECT * FROM PROCESSES WHERE PROCESS_NUM=?", (number,))
    if process["EMU_MOUNT"]:
        mounts.open_mount(conn, when, process=process)
    return number


def due(conn, process):
    waiting = conn.execute("SELECT 1 FROM REQUESTS WHERE PROCESS_NUM=?", (process["PROCESS_NUM"],)).fetchone()
    if waiting:
        return None                          # blocked until its mount request is resolved
    if process["EMU_CANCEL"] is not None:
        return base.dt(process["EMU_CANCEL"]) + base.secs(base.PROCESS_CANCEL_SECONDS), "cancel"
    if process["EMU_END_AT"] is not None:
        return base.dt(process["EMU_END_AT"]), "end"
    return None


def end_process(conn, process, when, result, canceled_by=None):
    """A process ends: its W/E message, ANR0985I, SUMMARY; a FAILURE interrupts its job."""
    number, desc = process["PROCESS_NUM"], process["PROCESS"]
    warning = process["EMU_WARNING"] if result == "SUCCESS" else None
    if warning:
        logbook.log(conn, when, warning, process=number)
    if result == "FAILURE":
        if process["EMU_CANCEL"] is not None:
            text = logbook.message("process_canceled", n=number, desc=desc, admin=canceled_by or process["EMU_CANCEL_BY"] or "SERVER")
        else:
            text = process["EMU_ERROR"] or logbook.message("process_failed", n=number, desc=desc)
        logbook.log(conn, when, text, process=number)
    logbook.log(conn, when, logbook.message("process_ended", n=number, desc=desc, state=result, hms=base.hms(when)), process=number)
    for request in base.fetch_rows(conn, "SELECT * FROM REQUESTS WHERE PROCESS_NUM=?", (number,)):
        mounts.drop(conn, request, when, "mount_canceled")
    conn.execute("DELETE FROM PROCESSES WHERE PROCESS_NUM=?", (number,))
    status = "FAILED" if result == "FAILURE" else ("WARNING" if warning else "SUCCESSFUL")
    logbook.write_summary(conn, base.dt(process["START_TIME"]), when, process["EMU_ACTIVITY"], number,
                          desc, result == "SUCCESS", "PROCESS", desc, status,
                          examined=process["FILES_PROCESSED"] or 0, affected=process["FILES_PROCESSED"] or 0,
                          failed=0, bytes=process["BYTES_PROCESSED"] or 0, idle=0, mediaw=0, processes=1,
                          comm_wait=0, num_offsite_vols=0)
    if process["JOB_ID"] is not None:
        job = base.fetch_row(conn, "SELECT * FROM JOBS WHERE JOB_ID=?", (process["JOB_ID"],))
        if job is None:
            return
        if result == "FAILURE" and job["STATUS"] == "RUNNING" and job["JOB_TYPE"] == "RETENTION":
            # page: a retention job is interrupted when a process it manages fails or is
            # cancelled; a storage-rule job's processes are cancelled on their own (page, issue 12)
            logbook.log(conn, when, logbook.message("job_child_failed", n=job["JOB_ID"], name=job["JOB_NAME"], p=number))
            jobs.stop_job(conn, job, when, "INTERRUPTING")
        else:
            jobs.settle_job(conn, job["JOB_ID"], when)


def cancel_one(conn, process, now, admin):
    base.update(conn, "PROCESSES", "PROCESS_NUM", process["PROCESS_NUM"], EMU_CANCEL=base.ts(now),
                EMU_CANCEL_BY=admin)
    for request in base.fetch_rows(conn, "SELECT * FROM REQUESTS WHERE PROCESS_NUM=?", (process["PROCESS_NUM"],)):
        if mounts.cancellable(request):
            mounts.resolve(conn, request, now, "cancel", admin=admin)
