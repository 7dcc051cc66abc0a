"""Every state change and timer of an emulated server, as an event-driven simulation.

The state of a server lives in its SQLite database (store.py). Nothing runs in the background:
:func:`run_until` jumps from one due event to the next (session step ends and timeouts, process
ends, mount request answers and timeouts, storage-rule windows, job work done, reconnecting
clients) and applies each at its own time, so advancing the clock by a day costs a handful of
events, not 86,400 steps. :func:`catch_up` does that up to "now" and every action (cancel,
interrupt, ...) first does it up to the action's time.

Modules by concern: ``base`` (timing rules, states, Outcome, helpers), ``logbook`` (messages,
ACTLOG, SUMMARY), ``sessions``, ``mounts`` (requests and mounts), ``processes``, ``jobs``,
``events`` (the event loop), ``actions`` (what administrators do). This package re-exports the
engine API of INTERFACE.md, so ``from spemu import engine`` keeps working unchanged.
"""
from . import actions, base, events, jobs, logbook, mounts, processes, sessions

# timing rules, states, return codes
from .base import (  # noqa: F401
    ACTIVE_JOB_STATES, ACTIVITIES, CHILD_DESCRIPTIONS, COMM_STATES, COMPLETION_STATES, END_SECONDS,
    EXPIRATION_SECONDS, JOB_CHILDREN, JOB_STATES, JOB_STATES_BEFORE_8112, JOB_WORK_SECONDS, MAX_EVENTS,
    MOUNT_SECONDS, MOUNT_TIMEOUT_MINUTES, PROCESS_CANCEL_SECONDS, RC_ERROR, RC_NOTFOUND, RC_OK, ROLLBACK_SECONDS,
    RUN_SECONDS, SESSION_STATES, START_SECONDS, WAIT_STATES, Outcome, job_query_supported, jobs_supported,
    parse_duration, server_info, version)
from .logbook import MESSAGES, log, message, msgid_mode, write_summary  # noqa: F401
from .sessions import new_session, parse_step  # noqa: F401
from .mounts import outstanding_requests, request_lines  # noqa: F401
from .processes import new_process  # noqa: F401
from .jobs import next_window_start, start_job_run, window_containing  # noqa: F401
from .events import catch_up, run_until  # noqa: F401
from .actions import (  # noqa: F401
    admin_idle, admin_resume, admin_session, cancel_process, cancel_request, cancel_session, delete_retset,
    end_admin_session, expire_inventory, interrupt_job, log_command, reply_request, resume_job, terminate_job)

# The helper names the single-module engine had (fleet seeding and tests use a few of them).
_msg = logbook.message
_hms = base.hms
_row = base.fetch_row
_rows = base.fetch_rows
_insert = base.insert
_update = base.update
_children = jobs.children_of

__all__ = [
    "actions", "base", "events", "jobs", "logbook", "mounts", "processes", "sessions",
    "ACTIVE_JOB_STATES", "ACTIVITIES", "CHILD_DESCRIPTIONS", "COMM_STATES", "COMPLETION_STATES", "END_SECONDS",
    "EXPIRATION_SECONDS", "JOB_CHILDREN", "JOB_STATES", "JOB_STATES_BEFORE_8112", "JOB_WORK_SECONDS", "MAX_EVENTS",
    "MOUNT_SECONDS", "MOUNT_TIMEOUT_MINUTES", "PROCESS_CANCEL_SECONDS", "RC_ERROR", "RC_NOTFOUND", "RC_OK",
    "ROLLBACK_SECONDS", "RUN_SECONDS", "SESSION_STATES", "START_SECONDS", "WAIT_STATES", "Outcome",
    "job_query_supported", "jobs_supported", "parse_duration", "server_info", "version",
    "MESSAGES", "log", "message", "msgid_mode", "write_summary", "new_session", "parse_step",
    "outstanding_requests", "request_lines", "new_process", "next_window_start", "start_job_run",
    "window_containing", "catch_up", "run_until", "admin_idle", "admin_resume", "admin_session", "cancel_process",
    "cancel_request", "cancel_session", "delete_retset", "end_admin_session", "expire_inventory", "interrupt_job",
    "log_command", "reply_request", "resume_job", "terminate_job",
]
