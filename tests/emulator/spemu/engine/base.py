"""Shared parts of the engine: timing rules, states, Outcome, database and time helpers.

Every other engine module builds on these; none of them is imported from here, so the engine's
modules can import each other (`from . import sessions`) without cycles at import time.
"""
import dataclasses
import datetime
import re

from .. import store

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

RC_OK, RC_ERROR, RC_NOTFOUND = 0, 4, 11


@dataclasses.dataclass
class Outcome:
    """What an action returns: the server's return code and its message lines."""
    rc: int
    messages: list


def ts(value):
    return store.fmt_ts(value)


def dt(text):
    return store.parse_ts(text)


def secs(seconds):
    return datetime.timedelta(seconds=seconds)


def hms(when):
    return when.strftime("%H:%M:%S")


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


def fetch_rows(conn, sql, args=()):
    return [dict(row) for row in conn.execute(sql, args)]


def fetch_row(conn, sql, args=()):
    row = conn.execute(sql, args).fetchone()
    return dict(row) if row is not None else None


def update(conn, table, key, value, **cols):
    sets = ", ".join("%s=?" % col for col in cols)
    conn.execute("UPDATE %s SET %s WHERE %s=?" % (table, sets, key), list(cols.values()) + [value])


def insert(conn, table, **cols):
    conn.execute("INSERT INTO %s(%s) VALUES (%s)" % (table, ", ".join(cols), ", ".join("?" * len(cols))),
                 list(cols.values()))


def admin_session_id(conn, admin):
    """The newest Admin session of this administrator (for the SESSION suffix of its messages)."""
    row = conn.execute("SELECT MAX(SESSION_ID) FROM SESSIONS WHERE SESSION_TYPE='Admin' "
                       "AND CLIENT_NAME=? AND EMU_LIVE IS NOT NULL", (admin.upper(),)).fetchone()
    return row[0] if row else None


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
