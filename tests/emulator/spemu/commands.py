"""Command grammar of the emulated server: what one administrative command answers.

:func:`execute` parses a command (abbreviations as the real server accepts them: the capital
letters of a keyword are its shortest form), checks parameters and privileges, reads the
server database or calls the engine, and returns a :class:`Reply`: the highest return code
and the items to print (message lines and :class:`render.Table`). Nothing here prints.
Sources of every message and rule: README.md "Commands".
"""
import dataclasses
import datetime
import fnmatch
import re

from . import engine, formats, render, sql, store

RC_OK, RC_UNKNOWN, RC_SYNTAX, RC_ERROR, RC_NOAUTH, RC_NOTFOUND = 0, 2, 3, 4, 9, 11


@dataclasses.dataclass
class Reply:
    rc: int
    items: list


@dataclasses.dataclass
class Context:
    """One authenticated administrator session on one server."""
    home: str
    server: str
    conn: object            # sqlite3.Connection of the server (store.open_server)
    admin: str
    privileges: set         # SYSTEM, OPERATOR, POLICY, STORAGE, ANALYST
    session_id: int
    confirm: object         # confirm() -> bool: the administrator answered yes (or -noconfirm)
    jobs: bool              # server V8.1.12+: jobs exist
    version: tuple = (8, 1, 21)   # VERSION, RELEASE, LEVEL of the server
    fmt: formats.Formats = formats.DEFAULT   # the server's date, time and number formats

    def now(self):
        return store.now(self.home)


class CommandError(Exception):
    """A command refused by the server: rc and its ANR message line."""

    def __init__(self, rc, message):
        super().__init__(message)
        self.rc = rc
        self.message = message


class QuoteError(Exception):
    """ANS1043S: a quote without its partner (found by the client before sending)."""


# ---------------------------------------------------------------- words and keywords

def keyword(word, spec):
    """Does `word` name keyword `spec` ('SEssion': capitals are the shortest abbreviation)?"""
    upper = word.upper()
    shortest = len(spec) - len(spec.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ*"))
    return spec.upper().startswith(upper) and len(upper) >= max(shortest, 1)


def split_words(text):
    """Blank-separated words; '...' or "..." keep blanks inside a word (quotes removed).
    KEY = VALUE, KEY= VALUE and KEY =VALUE become KEY=VALUE."""
    words, current, quote, has = [], [], None, False
    for char in text:
        if quote:
            if char == quote:
                quote = None
            else:
                current.append(char)
        elif char in "'\"":
            quote, has = char, True
        elif char.isspace():
            if current or has:
                words.append("".join(current))
            current, has = [], False
        else:
            current.append(char)
    if quote:
        raise QuoteError("ANS1043S Quotes are not matched")
    if current or has:
        words.append("".join(current))
    merged = []
    for word in words:
        if merged and (word.startswith("=") or merged[-1].endswith("=")) and "=" not in merged[-1][:-1]:
            merged[-1] += word
        else:
            merged.append(word)
    return merged


def parse_params(name, words, keywords, positional=0):
    """words -> (positional values padded with None to `positional`, {keyword spec: value}).
    keywords: {spec: choices|None}; choices are keyword specs too (the value returned is the
    full upper-case choice)."""
    values, options = [], {}
    for word in words:
        if "=" in word:
            key, value = word.split("=", 1)
            spec = next((s for s in keywords if keyword(key, s)), None)
            if spec is None:
                raise CommandError(RC_SYNTAX, "ANR2020E %s: Invalid parameter - %s." % (name, key.upper()))
            if value == "":
                raise CommandError(RC_SYNTAX, "ANR2022E %s: One or more parameters are missing." % name)
            choices = keywords[spec]
            if choices:
                choice = next((c for c in choices if keyword(value, c)), None)
                if choice is None:
                    raise CommandError(RC_SYNTAX, "ANR2020E %s: Invalid parameter - %s." % (name, value.upper()))
                value = choice.upper()
            options[spec] = value
        elif len(values) < positional:
            values.append(word)
        else:
            raise CommandError(RC_SYNTAX, "ANR2023E %s: Extraneous parameter - %s." % (name, word.upper()))
    return values + [None] * (positional - len(values)), options


def integer(name, text, minimum=0):
    if text is None:
        return None
    if not re.fullmatch(r"\d+", text) or int(text) < minimum:
        raise CommandError(RC_SYNTAX, "ANR2020E %s: Invalid parameter - %s." % (name, text.upper()))
    return int(text)


def wildcard(pattern, value):
    """Server wildcards: * any string, ? one character; case-insensitive."""
    return fnmatch.fnmatchcase(str(value or "").upper(), pattern.upper())


def require(ctx, name, *classes):
    if not ctx.privileges & set(classes):
        raise CommandError(RC_NOAUTH, "ANR2035E %s: Administrator %s is not authorized to issue this command."
                           % (name, ctx.admin))


def not_found(name):
    return CommandError(RC_NOTFOUND, "ANR2034E %s: No match found using this criteria." % name)


# ---------------------------------------------------------------- dates and times

def parse_date(text, now):
    """MM/DD/YYYY, TODAY, TODAY-n, TODAY+n (or -n / +n) -> date; None if invalid."""
    upper = text.upper()
    match = re.fullmatch(r"(?:TODAY)?(?:([+-])(\d+))?", upper)
    if match and (upper.startswith("TODAY") or match.group(1)):
        days = int(match.group(2) or 0) * (-1 if match.group(1) == "-" else 1)
        return (now + datetime.timedelta(days=days)).date()
    for fmt in ("%m/%d/%Y", "%m/%d/%y"):
        try:
            return datetime.datetime.strptime(text, fmt).date()
        except ValueError:
            pass
    return None


def parse_time(text, now):
    """HH:MM[:SS] -> today at that time; NOW, NOW-HH:MM, NOW+HH:MM (or -HH:MM) -> relative
    to now. Returns a datetime, None if invalid."""
    upper = text.upper()
    match = re.fullmatch(r"(?:NOW)?(?:([+-])(\d{1,2}):(\d{2}))?", upper)
    if match and (upper.startswith("NOW") or match.group(1)):
        delta = datetime.timedelta(hours=int(match.group(2) or 0), minutes=int(match.group(3) or 0))
        return now - delta if match.group(1) == "-" else now + delta
    for fmt in ("%H:%M:%S", "%H:%M"):
        try:
            return datetime.datetime.combine(now.date(), datetime.datetime.strptime(text, fmt).time())
        except ValueError:
            pass
    return None


def moment(name, date_text, time_text, now, default_time, default):
    """A BEGINDate/BEGINTime (or END...) pair -> datetime."""
    if date_text is None and time_text is None:
        return default
    day = parse_date(date_text, now) if date_text else None
    if date_text and day is None:
        raise CommandError(RC_SYNTAX, "ANR2020E %s: Invalid parameter - %s." % (name, date_text.upper()))
    if time_text:
        when = parse_time(time_text, now)
        if when is None:
            raise CommandError(RC_SYNTAX, "ANR2020E %s: Invalid parameter - %s." % (name, time_text.upper()))
        return when if day is None else datetime.datetime.combine(day, when.time())
    return datetime.datetime.combine(day, default_time)


def window(name, options, now, begin_default, end_default):
    begin = moment(name, options.get("BEGINDate"), options.get("BEGINTime"), now, datetime.time(), begin_default)
    end = moment(name, options.get("ENDDate"), options.get("ENDTime"), now,
                 datetime.time(23, 59, 59, 999999), end_default)
    return store.fmt_ts(begin), store.fmt_ts(end)


DATE_KEYWORDS = {"BEGINDate": None, "BEGINTime": None, "ENDDate": None, "ENDTime": None}


# ---------------------------------------------------------------- QUERY SESSION

C = render.Column
SESSION_STANDARD = [C("Sess Number", 6, True), C("Comm. Method", 6), C("Sess State", 6),
                    C("Wait Time", 6, True), C("Bytes Sent", 7, True), C("Bytes Recvd", 7, True),
                    C("Sess Type", 7), C("Platform", 8), C("Client Name", 18)]
SESSION_DETAILED = [C(label) for label in (
    "Sess Number", "Comm. Method", "Sess State", "Wait Time", "Bytes Sent", "Bytes Recvd",
    "Sess Type", "Platform", "Client Name", "Media Access Status", "User Name",
    "Date/Time First Data Sent", "Proxy By Storage Agent", "Actions", "Failover Mode")]
MEDIA_TEXTS = (("MOUNT_POINT_WAIT", "Waiting for mount point in device class %s"),
               ("INPUT_MOUNT_WAIT", "Waiting for mount of input volume %s"),
               ("INPUT_VOL_WAIT", "Waiting for input volume(s): %s"),
               ("INPUT_VOL_ACCESS", "Current input volume(s): %s"),
               ("OUTPUT_MOUNT_WAIT", "Waiting for mount of output volume %s"),
               ("OUTPUT_VOL_WAIT", "Waiting for output volume(s): %s"),
               ("OUTPUT_VOL_ACCESS", "Current output volume(s): %s"))


# SPEMU_LABELS=alt: the spellings other clients print in list mode (README "Output forms").
SESSION_ALT = {"Sess Number": "Session Number", "Comm. Method": "Comm Method", "Sess State": "Session State",
               "Bytes Recvd": "Bytes Received", "Sess Type": "Session Type", "Client Name": "Client name",
               "User Name": "User name", "Date/Time First Data Sent": "Date/Time first data sent",
               "Proxy By Storage Agent": "Proxy by Storage Agent", "Failover Mode": "Failover mode"}
PROCESS_ALT = {"Process Number": "PROCESS NUMBER", "Process Description": "PROCESS DESCRIPTION",
               "Job Id": "JOB ID", "Process Status": "PROCESS STATUS", "Parent Process": "PARENT PROCESS"}
JOB_ALT = {"Job Id": "Job ID", "Peer Job Id": "Peer Job ID", "Job Type": "JOB TYPE", "Job Name": "Job name",
           "Begin Date/Time": "Begin date/time", "End Date/Time": "End date/time", "Run Date/Time": "Run date/time",
           "Status": "STATUS", "Completion State": "Completion state"}
ACTLOG_ALT = {"Date/Time": "DATE/TIME", "Message": "MESSAGE"}
STATUS_ALT = {"Server Name": "Server name", "Server host name or IP address": "Server Host Name or IP Address",
              "Server TCP/IP port number": "Server TCP/IP Port Number",
              "Server Restart Date/Time": "Server restart date/time", "Availability": "AVAILABILITY",
              "Activity Log Retention": "Activity log retention",
              "Activity Summary Retention Period": "Activity summary retention period"}


def _session_values(row, detailed, fmt=formats.DEFAULT):
    values = [fmt.number(row["SESSION_ID"]), row["COMMMETHOD"] or "", row["STATE"],
              fmt.decimal(render.wait_time(row["WAIT_SECONDS"])), fmt.decimal(render.scaled_bytes(row["BYTES_SENT"])),
              fmt.decimal(render.scaled_bytes(row["BYTES_RECEIVED"])), row["SESSION_TYPE"] or "",
              row["CLIENT_PLATFORM"] or "", row["CLIENT_NAME"] or ""]
    if detailed:
        media = ", ".join(text % row[col] for col, text in MEDIA_TEXTS if row[col])
        values += [media, row["OWNER_NAME"] or "", fmt.short_date_time(row["START_TIME"]), "",
                   row["LAST_VERB"] or "", row["FAIL_OVER_MODE"] or ""]
    return values


def query_session(ctx, name, words):
    (number,), options = parse_params(name, words, {
        "MINTIMethreshold": None, "MAXTHRoughput": None, "Format": ("Standard", "Detailed"),
        "Type": ("*", "Admin", "Node", "Server"), "CLIENTName": None}, positional=1)
    number = integer(name, number)
    min_minutes = integer(name, options.get("MINTIMethreshold"), 1)
    max_kbps = integer(name, options.get("MAXTHRoughput"))
    kind = options.get("Type", "*")
    clients = options["CLIENTName"].split(",") if "CLIENTName" in options else None
    now = ctx.now()
    rows = []
    for row in ctx.conn.execute("SELECT * FROM SESSIONS ORDER BY SESSION_ID"):
        elapsed = max((now - store.parse_ts(row["START_TIME"])).total_seconds(), 1)
        if (number is not None and row["SESSION_ID"] != number
                or kind != "*" and row["SESSION_TYPE"].upper() != kind
                or clients and not any(wildcard(c, row["CLIENT_NAME"]) for c in clients)
                or min_minutes is not None and row["WAIT_SECONDS"] < min_minutes * 60
                or max_kbps is not None
                and ((row["BYTES_SENT"] or 0) + (row["BYTES_RECEIVED"] or 0)) / 1024 / elapsed >= max_kbps):
            continue
        rows.append(row)
    if not rows:
        raise not_found(name)
    detailed = options.get("Format") == "DETAILED"
    columns = SESSION_DETAILED if detailed else SESSION_STANDARD
    return Reply(RC_OK, [render.Table(columns, [_session_values(r, detailed, ctx.fmt) for r in rows],
                                      "list" if detailed else "table", SESSION_ALT)])


# ---------------------------------------------------------------- QUERY PROCESS

def query_process(ctx, name, words):
    (number,), options = parse_params(name, words, {"DESCription": None, "STATus": None}, 1)
    number = integer(name, number)
    rows = [row for row in ctx.conn.execute("SELECT * FROM PROCESSES ORDER BY PROCESS_NUM")
            if (number is None or row["PROCESS_NUM"] == number)
            and wildcard(options.get("DESCription", "*"), row["PROCESS"])
            and wildcard(options.get("STATus", "*"), row["STATUS"])]
    if not rows:
        raise CommandError(RC_NOTFOUND, "ANR0944E %s: No active processes found." % name)
    columns = [C("Process Number", 8, True), C("Process Description", 20)]
    if ctx.jobs:
        columns.append(C("Job Id", 6, True))
    columns.append(C("Process Status", 45))
    if ctx.jobs:
        columns.append(C("Parent Process", 7, True))
    table = []
    for row in rows:
        values = [ctx.fmt.number(row["PROCESS_NUM"]), row["PROCESS"]]
        if ctx.jobs:
            values.append(ctx.fmt.number(row["JOB_ID"]))
        values.append(ctx.fmt.text(row["STATUS"] or ""))
        if ctx.jobs:
            values.append(ctx.fmt.number(row["PARENT_PROCESS"]))
        table.append(values)
    return Reply(RC_OK, [render.Table(columns, table, alt=PROCESS_ALT)])


# ---------------------------------------------------------------- QUERY JOB

JOB_STATUS = {"ANY": None, "RUNNING": ("RUNNING", "INTERRUPTING", "TERMINATING"),
              "COMPLETED": ("COMPLETED",), "INTERRUPTED": ("INTERRUPTED",),
              "SLEEPING": ("SLEEPING",), "TERMINATED": ("TERMINATED",)}
JOB_COLUMNS = [C(label) for label in ("Job Id", "Peer Job Id", "Job Type", "Job Name",
                                      "Begin Date/Time", "End Date/Time", "Run Date/Time",
                                      "Status", "Completion State")]
# V8.1.8-8.1.11: retention set creation jobs, fewer status values (docs 8.1.8 r_cmd_job_query);
# the fields shown are [DECIDED].
JOB_COLUMNS_BEFORE_8112 = [C(label) for label in ("Job Id", "Job Type", "Job Name", "Begin Date/Time",
                                                  "End Date/Time", "Status")]


def query_job(ctx, name, words):
    if ctx.jobs:
        choices = ("ANy", "Running", "Completed", "Interrupted", "Sleeping", "Terminated")
    else:
        choices = ("ANy", "Running", "Interrupted", "COmpleted")
    keywords = dict(DATE_KEYWORDS, STatus=choices)
    (number,), options = parse_params(name, words, keywords, 1)
    number = integer(name, number)
    states = JOB_STATUS[options.get("STatus", "ANY")]
    now = ctx.now()
    begin, end = window(name, options, now, datetime.datetime(1900, 1, 1), now)
    rows = [row for row in ctx.conn.execute("SELECT * FROM JOBS ORDER BY JOB_ID")
            if (number is None or row["JOB_ID"] == number)
            and (states is None or row["STATUS"] in states)
            and row["BEGIN_TIME"] <= end and (row["END_TIME"] is None or row["END_TIME"] >= begin)]
    if not rows:
        raise not_found(name)
    fmt = ctx.fmt
    if not ctx.jobs:
        table = [[fmt.number(row["JOB_ID"]), row["JOB_TYPE"] or "", row["JOB_NAME"] or "",
                  fmt.date_time(row["BEGIN_TIME"]), fmt.date_time(row["END_TIME"]), row["STATUS"]]
                 for row in rows]
        return Reply(RC_OK, [render.Table(JOB_COLUMNS_BEFORE_8112, table, "list", JOB_ALT)])
    table = [[fmt.number(row["JOB_ID"]), fmt.number(row["PEER_JOB_ID"]), row["JOB_TYPE"] or "",
              row["JOB_NAME"] or "", fmt.date_time(row["BEGIN_TIME"]), fmt.date_time(row["END_TIME"]),
              fmt.date_time(row["RUN_TIME"]), row["STATUS"], row["COMPLETION_STATE"] or ""]
             for row in rows]
    return Reply(RC_OK, [render.Table(JOB_COLUMNS, table, "list", JOB_ALT)])


# ---------------------------------------------------------------- QUERY REQUEST

def query_request(ctx, name, words):
    """ANR8352I and the outstanding requests' messages; none: ANR8346I rc 11 [DECIDED rc]."""
    (number,), _options = parse_params(name, words, {}, 1)
    number = integer(name, number)
    lines = engine.request_lines(ctx.conn, ctx.now(), number)
    if lines is None:
        raise CommandError(RC_NOTFOUND, engine.message("no_requests", cmd=name))
    return Reply(RC_OK, lines)


# ---------------------------------------------------------------- QUERY ACTLOG

ACTLOG_COLUMNS = [C("Date/Time", 20), C("Message", 55)]


def query_actlog(ctx, name, words):
    keywords = dict(DATE_KEYWORDS, MSGno=None, Search=None, NODEname=None, JOB=None,
                    ORiginator=("ALL", "SErver", "CLient"), SESsnum=None)
    _values, options = parse_params(name, words, keywords)
    now = ctx.now()
    begin, end = window(name, options, now, now - datetime.timedelta(hours=1), now)
    msgno = integer(name, options.get("MSGno"))
    session = integer(name, options.get("SESsnum"))
    job = integer(name, options.get("JOB"))
    search = options.get("Search", "").upper()
    originator = options.get("ORiginator", "ALL")
    rows = []
    for row in ctx.conn.execute("SELECT * FROM ACTLOG WHERE DATE_TIME >= ? AND DATE_TIME <= ? "
                                "ORDER BY DATE_TIME, rowid", (begin, end)):
        if (msgno is not None and row["MSGNO"] != msgno
                or search not in row["MESSAGE"].upper()
                or "NODEname" in options and not wildcard(options["NODEname"], row["NODENAME"])
                or session is not None and row["SESSION"] != session
                or job is not None and not re.search(r"\b(?:Job|JOB:) %d\b" % job, row["MESSAGE"])
                or originator != "ALL" and row["ORIGINATOR"] != originator):
            continue
        rows.append([ctx.fmt.date_time(row["DATE_TIME"]), ctx.fmt.message(row["MESSAGE"])])
    if not rows:
        raise not_found(name)
    # [DECIDED] the Date/Time column widens to a formatted date and time that is longer than 20
    columns = [C("Date/Time", max([ACTLOG_COLUMNS[0].width] + [len(row[0]) for row in rows])), ACTLOG_COLUMNS[1]]
    return Reply(RC_OK, [render.Table(columns, rows, alt=ACTLOG_ALT)])


# ---------------------------------------------------------------- QUERY STATUS

def status_header(info):
    """'Storage Management Server for Linux/x86_64 - Version 8, Release 1, Level 21.000'."""
    return "Storage Management Server for %s - Version %d, Release %d, Level %d.%03d" % (
        info["PLATFORM"], info["VERSION"], info["RELEASE"], info["LEVEL"], info["SUBLEVEL"])


def query_status(ctx, name, words):
    parse_params(name, words, {})
    info = engine.server_info(ctx.conn)
    status = dict(ctx.conn.execute("SELECT * FROM STATUS").fetchone())
    fields = [("Server Name", status["SERVER_NAME"]),
              ("Server host name or IP address", status["SERVER_HLA"] or ""),
              ("Server TCP/IP port number", status["SERVER_LLA"] or ""),
              ("Server Restart Date/Time", ctx.fmt.date_time(status["RESTART_DATE"])),
              ("Availability", status["AVAILABILITY"] or ""),
              ("Activity Log Retention", "%s Day(s)" % status["ACTLOGRETENTION"]),
              ("Activity Summary Retention Period", "%s Day(s)" % status["SUMMARYRETENTION"])]
    table = render.Table([C(label) for label, _value in fields], [[value for _label, value in fields]], "list",
                         STATUS_ALT)
    return Reply(RC_OK, [status_header(info), "", table])


# ---------------------------------------------------------------- actions

def _outcome(outcome):
    return Reply(outcome.rc, list(outcome.messages))


def _positional(name, words, count=1):
    """Positional parameters of an action; the first one is required."""
    values = parse_params(name, words, {}, count)[0]
    if values[0] is None:
        raise CommandError(RC_SYNTAX, "ANR2022E %s: One or more parameters are missing." % name)
    return values


def cancel_session(ctx, name, words):
    target = _positional(name, words)[0]
    target = "ALL" if keyword(target, "ALl") else integer(name, target)
    require(ctx, name, "SYSTEM", "OPERATOR")
    if target == "ALL" and not ctx.confirm():
        return declined(name)
    return _outcome(engine.cancel_session(ctx.conn, ctx.now(), ctx.admin, target, session_id=ctx.session_id))


def cancel_process(ctx, name, words):
    number = integer(name, _positional(name, words)[0])
    require(ctx, name, "SYSTEM")
    return _outcome(engine.cancel_process(ctx.conn, ctx.now(), ctx.admin, number, session_id=ctx.session_id))


def cancel_request(ctx, name, words):
    """CANcel REQuest request_number|ALl [PERManent] (docs)."""
    values = _positional(name, words, 2)
    number = "ALL" if keyword(values[0], "ALl") else integer(name, values[0])
    if values[1] is not None and not keyword(values[1], "PERManent"):
        raise CommandError(RC_SYNTAX, "ANR2020E %s: Invalid parameter - %s." % (name, values[1].upper()))
    require(ctx, name, "SYSTEM", "OPERATOR")
    return _outcome(engine.cancel_request(ctx.conn, ctx.now(), ctx.admin, number, permanent=values[1] is not None,
                                          session_id=ctx.session_id))


def reply(ctx, name, words):
    """REPly request_number [LABEL=volume_label] (docs; system or operator privilege)."""
    values, options = parse_params(name, words, {"LABEL": None}, 1)
    if values[0] is None:
        raise CommandError(RC_SYNTAX, "ANR2022E %s: One or more parameters are missing." % name)
    number = integer(name, values[0])
    require(ctx, name, "SYSTEM", "OPERATOR")
    return _outcome(engine.reply_request(ctx.conn, ctx.now(), ctx.admin, number, label=options.get("LABEL"),
                                         session_id=ctx.session_id))


def delete_retset(ctx, name, words):
    """DELete RETSet retset_id (docs 8.1.8; system or unrestricted policy privilege)."""
    retset = integer(name, _positional(name, words)[0])
    require(ctx, name, "SYSTEM", "POLICY")
    return _outcome(engine.delete_retset(ctx.conn, ctx.now(), ctx.admin, retset, session_id=ctx.session_id))


YES_NO = ("Yes", "No")


def expire_inventory(ctx, name, words):
    """EXPIre Inventory [Quiet=] [Wait=] [SKipdirs=] [Node=] [DOmain=] [Type=] [DUration=]
    [RESource=]: system privilege; parameters are checked, not modelled ([DECIDED]: the process
    always runs in the background)."""
    parse_params(name, words, {"Quiet": YES_NO, "Wait": YES_NO, "SKipdirs": YES_NO, "Node": None,
                               "DOmain": None, "Type": ("ALl", "Data", "Other", "Db"), "DUration": None,
                               "RESource": None})
    require(ctx, name, "SYSTEM")
    return _outcome(engine.expire_inventory(ctx.conn, ctx.now(), ctx.admin, session_id=ctx.session_id))


def _job_command(action, *classes):
    """INTERRUPT / TERMINATE JOB need SYSTEM [DECIDED, no source]; RESUME JOB any administrator
    (docs 8.2.2 RESUME JOB)."""
    def handler(ctx, name, words):
        job_id = integer(name, _positional(name, words)[0])
        if classes:
            require(ctx, name, *classes)
        return _outcome(action(ctx.conn, ctx.now(), ctx.admin, job_id, session_id=ctx.session_id))
    return handler


def declined(name):
    """[DECIDED] the administrator answered No to the confirmation prompt."""
    return Reply(RC_ERROR, ["ANS8045W %s: Command not processed: the confirmation was declined." % name])


def select(ctx, name, text):
    try:
        result = sql.run_select(store.server_db_path(ctx.home, ctx.server), text, ctx.now(), ctx.jobs)
    except sql.SqlError as error:
        raise CommandError(RC_SYNTAX, str(error)) from None
    if not result.rows:
        raise not_found(name)
    columns = [C(label, 0, numeric) for label, numeric in zip(result.columns, result.numeric)]
    rows = [[render.sql_value(value) for value in row] for row in result.rows]
    return Reply(RC_OK, [render.Table(columns, rows)])


# ---------------------------------------------------------------- dispatch

# (verb, object) -> (name in messages, handler, first version that has it). Object None: one-word
# command. Before that version the command is unknown (ANR2000E).
JOBS_SINCE = (8, 1, 12)                      # the Tasks page's jobs and the job commands (§4)
JOB_QUERY_SINCE = (8, 1, 8)                  # QUERY JOB, retention sets (docs 8.1.8)
COMMANDS = {
    ("Query", "SEssion"): ("QUERY SESSION", query_session, None),
    ("Query", "PRocess"): ("QUERY PROCESS", query_process, None),
    ("Query", "JOB"): ("QUERY JOB", query_job, JOB_QUERY_SINCE),
    ("Query", "ACtlog"): ("QUERY ACTLOG", query_actlog, None),
    ("Query", "STatus"): ("QUERY STATUS", query_status, None),
    ("Query", "REQuest"): ("QUERY REQUEST", query_request, None),
    ("CANcel", "SEssion"): ("CANCEL SESSION", cancel_session, None),
    ("CANcel", "PRocess"): ("CANCEL PROCESS", cancel_process, None),
    ("CANcel", "REQuest"): ("CANCEL REQUEST", cancel_request, None),
    ("REPly", None): ("REPLY", reply, None),
    ("INTERRUPT", "JOB"): ("INTERRUPT JOB", _job_command(engine.interrupt_job, "SYSTEM"), JOBS_SINCE),
    ("RESUme", "JOb"): ("RESUME JOB", _job_command(engine.resume_job), JOBS_SINCE),
    ("TERMINATE", "JOB"): ("TERMINATE JOB", _job_command(engine.terminate_job, "SYSTEM"), JOBS_SINCE),
    ("DELete", "RETSet"): ("DELETE RETSET", delete_retset, JOB_QUERY_SINCE),
    ("EXPIre", "Inventory"): ("EXPIRE INVENTORY", expire_inventory, None),
    ("SELECT", None): ("SELECT", select, None),
}


def resolve(words):
    """Command words -> (name, handler, first version, number of words used); CommandError
    ANR2000E when unknown."""
    verbs = [key for key in COMMANDS if keyword(words[0], key[0])]
    if not verbs:
        raise CommandError(RC_UNKNOWN, "ANR2000E Unknown command - %s." % words[0].upper())
    if verbs[0][1] is None:
        return COMMANDS[verbs[0]] + (1,)
    verb = verbs[0][0].upper()
    if len(words) < 2:
        raise CommandError(RC_UNKNOWN, "ANR2000E Unknown command - %s." % verb)
    for key in verbs:
        if keyword(words[1], key[1]):
            return COMMANDS[key] + (2,)
    raise CommandError(RC_UNKNOWN, "ANR2000E Unknown command - %s %s." % (verb, words[1].upper()))


def execute(ctx, text):
    """Run one command on the server of `ctx` -> Reply. Messages the command itself issues
    (errors, no match) go to the activity log too; the engine logs its own."""
    try:
        words = split_words(text)
    except QuoteError as error:
        return Reply(RC_SYNTAX, [str(error)])
    if not words:
        return Reply(RC_OK, [])
    try:
        name, handler, since, used = resolve(words)
        if since is not None and tuple(ctx.version) < since:
            raise CommandError(RC_UNKNOWN, "ANR2000E Unknown command - %s." % name)
        if handler is select:
            return select(ctx, name, text.strip())
        return handler(ctx, name, words[used:])
    except CommandError as error:
        with store.transaction(ctx.conn):
            engine.log(ctx.conn, ctx.now(), error.message, session=ctx.session_id)
        return Reply(error.rc, [error.message])


def needs_confirmation(text):
    """Does the client ask `Do you wish to proceed?` before it sends this command? Only
    CANCEL SESSION ALL does [DECIDED]; a routed command is confirmed once, before any server
    is contacted, and not sent at all when declined (issue 12)."""
    try:
        words = split_words(text)
        if len(words) < 3:
            return False
        _name, handler, _since, used = resolve(words)
    except (QuoteError, CommandError):
        return False
    return handler is cancel_session and keyword(words[used], "ALl")


# ---------------------------------------------------------------- routing

ROUTE = re.compile(r"^\s*(?:\(([^\s()]+)\)|([^\s:()'\"]+):)\s*(\S.*)$", re.S)


def split_route(text):
    """'srvA,srvB: cmd' or '(srvA,srvB) cmd' -> (['SRVA', 'SRVB'], 'cmd'); else None."""
    match = ROUTE.match(text)
    if not match:
        return None
    names = (match.group(1) or match.group(2)).split(",")
    if not all(names):
        return None
    return [n.upper() for n in names], match.group(3).strip()
