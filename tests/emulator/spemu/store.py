"""Home layout, SQLite storage, emulated clock and faults of the emulated servers.

One home directory (see INTERFACE.md) holds ``state/home.db`` (clock and faults) and one
``state/<NAME>.db`` per server. Every connection is opened in autocommit mode; writers wrap
their work in :func:`transaction` (``BEGIN IMMEDIATE``) so that many ``dsmadmc`` processes
against one server serialise their updates instead of losing them.
"""
import contextlib
import datetime
import os
import sqlite3

TS_FORMAT = "%Y-%m-%d %H:%M:%S.%f"
BUSY_TIMEOUT_MS = 30000
SCHEMA_NAME = "TSMDB1"

# Public tables: (column, SQL type, TYPENAME shown by the COLUMNS catalogue).
_TEXT, _INT, _TS, _DEC = ("TEXT", "VARCHAR"), ("INTEGER", "INTEGER"), ("TEXT", "TIMESTAMP"), ("REAL", "DECIMAL")

SUMMARY_COLUMNS = [
    ("START_TIME", _TS), ("END_TIME", _TS), ("ACTIVITY", _TEXT), ("NUMBER", _INT),
    ("ENTITY", _TEXT), ("COMMMETH", _TEXT), ("ADDRESS", _TEXT), ("SCHEDULE_NAME", _TEXT),
    ("EXAMINED", _INT), ("AFFECTED", _INT), ("FAILED", _INT), ("BYTES", _INT),
    ("IDLE", _INT), ("MEDIAW", _INT), ("PROCESSES", _INT), ("SUCCESSFUL", _TEXT),
    ("VOLUME_NAME", _TEXT), ("DRIVE_NAME", _TEXT), ("LIBRARY_NAME", _TEXT),
    ("LAST_USE", _TEXT), ("COMM_WAIT", _INT), ("NUM_OFFSITE_VOLS", _INT),
]

PUBLIC_TABLES = {
    "SESSIONS": [
        ("SESSION_ID", _INT), ("START_TIME", _TS), ("COMMMETHOD", _TEXT), ("STATE", _TEXT),
        ("WAIT_SECONDS", _INT), ("BYTES_SENT", _INT), ("BYTES_RECEIVED", _INT),
        ("SESSION_TYPE", _TEXT), ("CLIENT_PLATFORM", _TEXT), ("CLIENT_NAME", _TEXT),
        ("OWNER_NAME", _TEXT), ("MOUNT_POINT_WAIT", _TEXT), ("INPUT_MOUNT_WAIT", _TEXT),
        ("INPUT_VOL_WAIT", _TEXT), ("INPUT_VOL_ACCESS", _TEXT), ("OUTPUT_MOUNT_WAIT", _TEXT),
        ("OUTPUT_VOL_WAIT", _TEXT), ("OUTPUT_VOL_ACCESS", _TEXT), ("LAST_VERB", _TEXT),
        ("VERB_STATE", _TEXT), ("FAIL_OVER_MODE", _TEXT),
    ],
    "PROCESSES": [
        ("PROCESS_NUM", _INT), ("PROCESS", _TEXT), ("START_TIME", _TS),
        ("FILES_PROCESSED", _INT), ("BYTES_PROCESSED", _INT), ("BYTES_TO_PROCESS", _INT),
        ("STATUS", _TEXT), ("JOB_ID", _INT), ("PARENT_PROCESS", _INT),
    ],
    "JOBS": [
        ("JOB_ID", _INT), ("PEER_JOB_ID", _INT), ("JOB_TYPE", _TEXT), ("JOB_NAME", _TEXT),
        ("BEGIN_TIME", _TS), ("END_TIME", _TS), ("RUN_TIME", _TS), ("STATUS", _TEXT),
        ("COMPLETION_STATE", _TEXT), ("STGRULE", _TEXT),
    ],
    "STGRULES": [
        ("NAME", _TEXT), ("ACTIONTYPE", _TEXT), ("STARTTIME", _TEXT),
        ("DURATION_MINUTES", _INT), ("TARGET", _TEXT),
    ],
    "REQUESTS": [
        ("REQUEST_NUM", _INT), ("VOLUME", _TEXT), ("DEVCLASS", _TEXT), ("SESSION_ID", _INT),
        ("PROCESS_NUM", _INT), ("NEEDS_REPLY", _TEXT), ("CREATED", _TS),
        ("TIMEOUT_MINUTES", _INT),
    ],
    "SUMMARY": SUMMARY_COLUMNS,
    "SUMMARY_EXTENDED": SUMMARY_COLUMNS + [
        ("ACTIVITY_TYPE", _TEXT), ("ACTIVITY_DETAILS", _TEXT), ("SUB_ENTITY", _TEXT),
        ("STATUS", _TEXT),
    ],
    "ACTLOG": [
        ("DATE_TIME", _TS), ("MSGNO", _INT), ("SEVERITY", _TEXT), ("MESSAGE", _TEXT),
        ("ORIGINATOR", _TEXT), ("NODENAME", _TEXT), ("OWNERNAME", _TEXT), ("SCHEDNAME", _TEXT),
        ("DOMAINNAME", _TEXT), ("SESSID", _INT), ("SERVERNAME", _TEXT), ("SESSION", _INT),
        ("PROCESS", _INT),
    ],
    "ADMINS": [
        ("ADMIN_NAME", _TEXT), ("PASSWORD", _TEXT), ("PRIVCLASS", _TEXT), ("LOCKED", _TEXT),
    ],
    "STATUS": [
        ("SERVER_NAME", _TEXT), ("SERVER_HLA", _TEXT), ("SERVER_LLA", _TEXT),
        ("PLATFORM", _TEXT), ("AVAILABILITY", _TEXT), ("ACTLOGRETENTION", _INT),
        ("SUMMARYRETENTION", _INT), ("RESTART_DATE", _TS),
    ],
    "COLUMNS": [
        ("TABSCHEMA", _TEXT), ("TABNAME", _TEXT), ("COLNAME", _TEXT), ("COLNO", _INT),
        ("INDEX_KEYSEQ", _INT), ("INDEX_ORDER", _TEXT), ("TYPENAME", _TEXT), ("LENGTH", _INT),
        ("SCALE", _INT), ("NULLS", _TEXT), ("REMARKS", _TEXT),
    ],
}

# Engine-private columns (never shown by QUERY/SELECT: the client drops every EMU_ column).
PRIVATE_COLUMNS = {
    "SESSIONS": [
        "EMU_STATE_SINCE TEXT",   # when STATE was entered (WAIT_SECONDS counts from here)
        "EMU_STEP_END TEXT",      # when the current scripted step ends (NULL: state default)
        "EMU_SCRIPT TEXT",        # JSON list of the next steps [[state, seconds|null], ...]
        "EMU_CANCEL TEXT",        # when CANCEL SESSION was issued (NULL: not cancelled)
        "EMU_END_AT TEXT",        # in state End: when the session leaves SESSIONS
        "EMU_END_REASON TEXT",    # normal|cancel|idle|comm|mount
        "EMU_TXN INTEGER",        # 1 while a backup/archive transaction is open
        "EMU_ROLLBACK_SECONDS INTEGER",
        "EMU_ACTIVITY TEXT",      # SUMMARY.ACTIVITY written when the session ends
        "EMU_SCHEDULE TEXT",
        "EMU_ADDRESS TEXT",
        "EMU_EXAMINED INTEGER",
        "EMU_AFFECTED INTEGER",
        "EMU_FAILED INTEGER",
        "EMU_IDLE_SECONDS REAL",  # accumulated IdleW time (SUMMARY.IDLE)
        "EMU_MEDIAW_SECONDS REAL",  # accumulated MediaW time (SUMMARY.MEDIAW)
        "EMU_WARNING TEXT",       # a W message logged when it ends (completed with warning)
        "EMU_ERROR TEXT",         # an E message logged when it ends (failed)
        "EMU_MOUNT TEXT",         # JSON mount request details used when it enters MediaW
        "EMU_LIVE INTEGER",       # pid of the dsmadmc process that owns this Admin session
    ],
    "PROCESSES": [
        "EMU_END_AT TEXT",        # when it ends by itself (NULL: governed by its job or blocked)
        "EMU_RESULT TEXT",        # SUCCESS|FAILURE at its natural end
        "EMU_WARNING TEXT",       # a W message logged when it ends (completed with warning)
        "EMU_ERROR TEXT",         # an E message logged when it ends with FAILURE
        "EMU_CANCEL TEXT",        # when CANCEL PROCESS was issued
        "EMU_REMAINING REAL",     # seconds of work left while blocked by a mount request
        "EMU_CANCEL_BY TEXT",     # administrator who cancelled it (or SERVER)
        "EMU_ACTIVITY TEXT",
        "EMU_MOUNT TEXT",
        "EMU_STATUS TEXT",        # status text shown when not waiting for a mount
    ],
    "JOBS": [
        "EMU_WORK_LEFT REAL",     # seconds of processing the job still needs (when not running)
        "EMU_WORK_END TEXT",      # while RUNNING: when its work is done
        "EMU_RESULT TEXT",        # completion state when the work is done (Completed|Warning|Failed)
        "EMU_CHILDREN INTEGER",   # child processes started at each window
        "EMU_SLEEP_SINCE TEXT",   # SLEEPING: only windows starting after this wake it
        "EMU_RETSET INTEGER",     # the retention set a retention job copies (or creates)
    ],
    "REQUESTS": [
        "EMU_ANSWER_AT TEXT",     # when the mount is satisfied (NULL: never, it times out)
        "EMU_MOUNT_SECONDS REAL",  # how long the volume takes to mount once the request is answered
        "EMU_MOUNTING_UNTIL TEXT",  # answered: the volume is being mounted until then
        "EMU_LIBRARY TEXT",
        "EMU_DRIVE TEXT",
    ],
}

PRIVATE_TABLES = [
    "CREATE TABLE IF NOT EXISTS EMU_COUNTERS(NAME TEXT PRIMARY KEY, NEXT INTEGER NOT NULL)",
    # A client whose Idle-wait session ended and that sends again later: a new session then.
    "CREATE TABLE IF NOT EXISTS EMU_RECONNECTS(AT TEXT NOT NULL, TEMPLATE TEXT NOT NULL)",
    # Server options and emulator switches of this server (msgids, dateformat, timeformat, numberformat).
    "CREATE TABLE IF NOT EXISTS EMU_SETTINGS(KEY TEXT PRIMARY KEY, VALUE TEXT)",
    # Retention sets (only what jobs need): STATE ACTIVE | DELETED | EXPIRED.
    "CREATE TABLE IF NOT EXISTS EMU_RETSETS(RETSET_ID INTEGER PRIMARY KEY, EXPIRES TEXT, STATE TEXT NOT NULL)",
]

SERVER_INFO_DDL = (
    "CREATE TABLE IF NOT EXISTS SERVER_INFO(NAME TEXT, VERSION INTEGER, RELEASE INTEGER, "
    "LEVEL INTEGER, SUBLEVEL INTEGER, ROLE TEXT, IDLETIMEOUT INTEGER, COMMTIMEOUT INTEGER, "
    "ADMINIDLETIMEOUT INTEGER, ADMINCOMMTIMEOUT INTEGER, PLATFORM TEXT, LAST_EVENT_TIME TEXT)"
)

_PRIMARY_KEYS = {"SESSIONS": "SESSION_ID", "PROCESSES": "PROCESS_NUM", "JOBS": "JOB_ID",
                 "REQUESTS": "REQUEST_NUM"}


# ---------------------------------------------------------------- time helpers

def fmt_ts(value):
    """datetime -> the TEXT form stored in SQLite."""
    return value.strftime(TS_FORMAT)


def parse_ts(text):
    """TEXT timestamp (with or without fraction) -> datetime; None stays None."""
    if text is None:
        return None
    return datetime.datetime.strptime(text if "." in text else text + ".000000", TS_FORMAT)


# ---------------------------------------------------------------- home layout

def home_from_env(home=None):
    """The home directory: the argument, else $SPEMU_HOME."""
    home = home or os.environ.get("SPEMU_HOME")
    if not home:
        raise RuntimeError("SPEMU_HOME is not set and no --home was given")
    return os.path.abspath(home)


def state_dir(home):
    return os.path.join(home, "state")


def server_db_path(home, name):
    return os.path.join(state_dir(home), name.upper() + ".db")


def server_names(home):
    """Names of the servers of a home, in fleet order (hub first as seeded)."""
    with contextlib.closing(open_home(home)) as conn:
        return [row[0] for row in conn.execute("SELECT NAME FROM EMU_SERVERS ORDER BY POSITION")]


def _connect(path):
    conn = sqlite3.connect(path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
    conn.execute("PRAGMA busy_timeout=%d" % BUSY_TIMEOUT_MS)
    if conn.execute("PRAGMA journal_mode").fetchone()[0].lower() != "wal":
        conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    return conn


def open_home(home):
    """Connection to DIR/state/home.db (clock, faults, list of servers); creates it if needed."""
    os.makedirs(state_dir(home), exist_ok=True)
    conn = _connect(os.path.join(state_dir(home), "home.db"))
    if conn.execute("SELECT 1 FROM sqlite_master WHERE name='EMU_SERVERS'").fetchone():
        if "word" not in [row[1] for row in conn.execute("PRAGMA table_info(FAULTS)")]:
            with transaction(conn):          # a home made before per-command faults existed
                if "word" not in [row[1] for row in conn.execute("PRAGMA table_info(FAULTS)")]:
                    conn.execute("ALTER TABLE FAULTS ADD COLUMN word TEXT")
        if "utc" not in [row[1] for row in conn.execute("PRAGMA table_info(CLOCK)")]:
            with transaction(conn):          # a home whose clock followed each client's local time
                if "utc" not in [row[1] for row in conn.execute("PRAGMA table_info(CLOCK)")]:
                    conn.execute("ALTER TABLE CLOCK ADD COLUMN utc INTEGER")
                    conn.execute("UPDATE CLOCK SET offset_seconds=offset_seconds+?, utc=1", (_local_utc_offset(),))
        return conn                          # readers take no write lock
    with transaction(conn):
        conn.execute("CREATE TABLE IF NOT EXISTS CLOCK(offset_seconds REAL, frozen_at TEXT NULL, utc INTEGER)")
        conn.execute("CREATE TABLE IF NOT EXISTS FAULTS(server TEXT, kind TEXT, arg TEXT, word TEXT)")
        conn.execute("CREATE TABLE IF NOT EXISTS EMU_SERVERS(NAME TEXT PRIMARY KEY, POSITION INTEGER)")
        if conn.execute("SELECT COUNT(*) FROM CLOCK").fetchone()[0] == 0:
            conn.execute("INSERT INTO CLOCK VALUES (?, NULL, 1)", (_local_utc_offset(),))
    return conn


def open_server(home, name):
    """Connection to one server's database (autocommit; wrap writes in transaction())."""
    path = server_db_path(home, name)
    if not os.path.exists(path):
        raise KeyError("no emulated server %s in %s" % (name.upper(), home))
    conn = _connect(path)
    conn.row_factory = sqlite3.Row
    return conn


def create_server_db(home, name):
    """Create (or reuse) a server database with the full schema; returns the connection."""
    os.makedirs(state_dir(home), exist_ok=True)
    conn = _connect(server_db_path(home, name))
    conn.row_factory = sqlite3.Row
    with transaction(conn):
        create_schema(conn)
    return conn


@contextlib.contextmanager
def transaction(conn):
    """BEGIN IMMEDIATE ... COMMIT (ROLLBACK on error). Nested use joins the outer transaction."""
    if conn.in_transaction:
        yield conn
        return
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


def create_schema(conn):
    """Create every table of a server database (idempotent) and fill the COLUMNS catalogue."""
    conn.execute(SERVER_INFO_DDL)
    for table, columns in PUBLIC_TABLES.items():
        defs = []
        for col, (sqltype, _typename) in columns:
            pk = " PRIMARY KEY" if _PRIMARY_KEYS.get(table) == col else ""
            defs.append("%s %s%s" % (col, sqltype, pk))
        defs += PRIVATE_COLUMNS.get(table, [])
        conn.execute("CREATE TABLE IF NOT EXISTS %s(%s)" % (table, ", ".join(defs)))
        # a database seeded by an older spemu: add the private columns it lacks
        have = {row[1] for row in conn.execute("PRAGMA table_info(%s)" % table)}
        for column in PRIVATE_COLUMNS.get(table, []):
            if column.split()[0] not in have:
                conn.execute("ALTER TABLE %s ADD COLUMN %s" % (table, column))
    for ddl in PRIVATE_TABLES:
        conn.execute(ddl)
    conn.execute("CREATE INDEX IF NOT EXISTS ACTLOG_TIME ON ACTLOG(DATE_TIME)")
    conn.execute("CREATE INDEX IF NOT EXISTS SUMMARY_TIME ON SUMMARY(END_TIME)")
    conn.execute("CREATE INDEX IF NOT EXISTS SUMMARY_EXTENDED_TIME ON SUMMARY_EXTENDED(END_TIME)")
    conn.execute("DELETE FROM COLUMNS")
    for table, columns in PUBLIC_TABLES.items():
        for colno, (col, (_sqltype, typename)) in enumerate(columns, start=1):
            keyseq = 1 if _PRIMARY_KEYS.get(table) == col else None
            conn.execute(
                "INSERT INTO COLUMNS VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                (SCHEMA_NAME, table, col, colno, keyseq, "A" if keyseq else None, typename,
                 26 if typename == "TIMESTAMP" else (4 if typename == "INTEGER" else 250),
                 6 if typename == "TIMESTAMP" else 0, "N" if keyseq else "Y", None))


def setting(conn, key, default=None):
    """A value of the server's EMU_SETTINGS (server options and emulator switches)."""
    row = conn.execute("SELECT VALUE FROM EMU_SETTINGS WHERE KEY=?", (key,)).fetchone()
    return row[0] if row is not None and row[0] is not None else default


def set_setting(conn, key, value):
    conn.execute("INSERT OR REPLACE INTO EMU_SETTINGS VALUES (?, ?)", (key, None if value is None else str(value)))


def public_columns(table):
    """Column names of a public table, in order (what SELECT * shows)."""
    return [column[0] for column in PUBLIC_TABLES[table.upper()]]


def next_number(conn, counter):
    """Allocate the next number of a counter (session, process, request, job) inside the
    caller's transaction: numbers are never reused, even when rows are deleted."""
    row = conn.execute("SELECT NEXT FROM EMU_COUNTERS WHERE NAME=?", (counter,)).fetchone()
    if row is None:
        raise KeyError("counter %s not seeded" % counter)
    conn.execute("UPDATE EMU_COUNTERS SET NEXT=NEXT+1 WHERE NAME=?", (counter,))
    return row[0]


def ensure_counter(conn, counter, at_least):
    """Make sure the counter exists and will hand out numbers >= at_least."""
    conn.execute("INSERT OR IGNORE INTO EMU_COUNTERS VALUES (?, ?)", (counter, at_least))
    conn.execute("UPDATE EMU_COUNTERS SET NEXT=MAX(NEXT, ?) WHERE NAME=?", (at_least, counter))


# ---------------------------------------------------------------- clock

def _local_utc_offset():
    """This process's local time minus UTC, in seconds (what the home's clock starts at)."""
    return datetime.datetime.now().astimezone().utcoffset().total_seconds()


def _utc_now():
    """UTC now as a naive datetime: the base of every home's clock.

    A real server has one clock, whatever the time zone of the client that asks it. So the emulated
    clock is UTC + the home's offset, and the offset is the local UTC offset of the process that
    made the home: a client run with another TZ (an AWX execution environment in UTC, a test with
    TZ set) sees the same server time as every other client. [DECIDED] the offset is fixed when the
    home is made; the emulated server does not follow daylight-saving changes."""
    return datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)


def now(home):
    """Emulated server time: UTC + the home's offset, or the frozen instant (naive datetime)."""
    with contextlib.closing(open_home(home)) as conn:
        offset, frozen = conn.execute("SELECT offset_seconds, frozen_at FROM CLOCK").fetchone()
    if frozen is not None:
        return parse_ts(frozen)
    # Whole seconds, as the real server's timestamps ('2008-11-21 11:26:03.000000').
    return (_utc_now() + datetime.timedelta(seconds=offset)).replace(microsecond=0)


def clock_info(home):
    """{'mode': 'frozen'|'follow', 'now': datetime, 'offset_seconds': float}: the offset from
    this process's local time, as people read it (the home keeps it from UTC)."""
    with contextlib.closing(open_home(home)) as conn:
        offset, frozen = conn.execute("SELECT offset_seconds, frozen_at FROM CLOCK").fetchone()
    return {"mode": "frozen" if frozen else "follow", "now": now(home),
            "offset_seconds": offset - _local_utc_offset()}


def advance_clock(home, seconds):
    """Move the emulated clock forward; returns the new now."""
    if seconds < 0:
        raise ValueError("the clock only moves forward")
    with contextlib.closing(open_home(home)) as conn, transaction(conn):
        offset, frozen = conn.execute("SELECT offset_seconds, frozen_at FROM CLOCK").fetchone()
        if frozen is not None:
            new = parse_ts(frozen) + datetime.timedelta(seconds=seconds)
            conn.execute("UPDATE CLOCK SET frozen_at=?", (fmt_ts(new),))
        else:
            conn.execute("UPDATE CLOCK SET offset_seconds=?", (offset + seconds,))
    return now(home)


def freeze_clock(home):
    """Stop the emulated clock at its current instant (advance still moves it)."""
    with contextlib.closing(open_home(home)) as conn, transaction(conn):
        offset, frozen = conn.execute("SELECT offset_seconds, frozen_at FROM CLOCK").fetchone()
        if frozen is None:
            instant = (_utc_now() + datetime.timedelta(seconds=offset)).replace(microsecond=0)
            conn.execute("UPDATE CLOCK SET frozen_at=?", (fmt_ts(instant),))
    return now(home)


def follow_clock(home):
    """Let the emulated clock follow real time again, continuing from where it stands."""
    with contextlib.closing(open_home(home)) as conn, transaction(conn):
        frozen = conn.execute("SELECT frozen_at FROM CLOCK").fetchone()[0]
        if frozen is not None:
            offset = (parse_ts(frozen) - _utc_now()).total_seconds()
            conn.execute("UPDATE CLOCK SET offset_seconds=?, frozen_at=NULL", (offset,))
    return now(home)


# ---------------------------------------------------------------- faults

FAULT_KINDS = ("down", "auth", "slow", "hang", "garble", "refuse")
COMMAND_FAULT_KINDS = ("slow", "hang", "garble", "refuse")   # may name a WORD of the command


def faults(home, name):
    """Active faults of a server that apply to every command: {kind: arg}, e.g. {'slow': '3'}
    or {'down': None}. Faults limited to commands containing a word: command_faults()."""
    with contextlib.closing(open_home(home)) as conn:
        rows = conn.execute("SELECT kind, arg FROM FAULTS WHERE server=? AND word IS NULL",
                            (name.upper(),)).fetchall()
    return dict(rows)


def command_faults(home, name, command):
    """{kind: arg} of the faults of a server that apply to this command text: the faults for
    every command and those whose WORD the command contains (case-insensitive)."""
    with contextlib.closing(open_home(home)) as conn:
        rows = conn.execute("SELECT kind, arg, word FROM FAULTS WHERE server=? ORDER BY rowid",
                            (name.upper(),)).fetchall()
    text = (command or "").upper()
    return {kind: arg for kind, arg, word in rows if word is None or word.upper() in text}


def fault_list(home, name):
    """[(kind, arg, word)] of a server, in the order they were set."""
    with contextlib.closing(open_home(home)) as conn:
        return [tuple(row) for row in conn.execute(
            "SELECT kind, arg, word FROM FAULTS WHERE server=? ORDER BY rowid", (name.upper(),))]


def set_fault(home, name, kind, arg=None, word=None):
    """Add a fault to a server (one of FAULT_KINDS; kind 'slow' takes seconds as arg). With
    `word` (slow, hang, garble, refuse) it applies only to commands whose text contains it."""
    if kind not in FAULT_KINDS:
        raise ValueError("unknown fault %r" % kind)
    if word is not None and kind not in COMMAND_FAULT_KINDS:
        raise ValueError("fault %s applies to the whole server, not to one command" % kind)
    word = word.upper() if word else None
    with contextlib.closing(open_home(home)) as conn, transaction(conn):
        conn.execute("DELETE FROM FAULTS WHERE server=? AND kind=? AND word IS ?", (name.upper(), kind, word))
        conn.execute("INSERT INTO FAULTS VALUES (?,?,?,?)", (name.upper(), kind, arg, word))


def clear_faults(home, name):
    with contextlib.closing(open_home(home)) as conn, transaction(conn):
        conn.execute("DELETE FROM FAULTS WHERE server=?", (name.upper(),))
