"""Generated fleets: "N servers with M tasks each" in a fleet file, and their bulk seeding.

A fleet file may carry a `generate:` section instead of (or besides) listing servers
(README "Generated fleets"). `expand_server` turns one generated server into the explicit
server spec a fleet file could list (sessions in every state, processes with job children and
parent processes, jobs in every status, completed sessions and processes, free activity-log
rows), deterministically from the seed and the server's name. `seed_bulk` writes such a spec
with a few `executemany` calls instead of one engine call per row; it writes exactly the rows
the per-item seeding (`fleet.seed_server`) writes for the same spec (a test compares both), and
hands any item it does not cover (a process waiting for a mount, an item without a number) to
the per-item code.
"""
import datetime
import json
import random
import re

from . import engine, msgids, store

# Defaults of the `generate:` section.
DEFAULTS = {"servers": 1, "tasks": 100, "seed": 1, "name": "GEN", "hub": True,
            "versions": ["8.1.21", "8.1.17", "8.1.14"], "clients": None, "actlog": 1.0,
            "platform": "Linux/x86_64"}
# Shares of the tasks of a server [DECIDED]: active sessions, active processes (job children
# included), jobs (every status), completed sessions, completed processes (the rest).
SHARES = {"sessions": 0.30, "processes": 0.10, "jobs": 0.05, "completed_sessions": 0.40}
SESSION_STATES = [("Run", 30), ("IdleW", 20), ("SendW", 12), ("RecvW", 10), ("SSLW", 8),
                  ("MediaW", 8), ("Start", 6), ("End", 6)]
JOB_STATUSES = [("RUNNING", 25), ("SLEEPING", 15), ("INTERRUPTED", 10), ("COMPLETED", 35),
                ("TERMINATED", 10), ("FAILED", 5)]
OUTCOMES = [("successful", 80), ("warning", 12), ("failed", 8)]
PLATFORMS = ["Linux x86-64", "WinNT", "AIX", "Linux ppc64le", "Mac"]
ACTIVITIES = ["BACKUP", "BACKUP", "BACKUP", "ARCHIVE", "RESTORE", "RETRIEVE"]
DESCRIPTIONS = ["Migration", "EXPIRATION", "Backup Storage Pool", "Space Reclamation",
                "DATABASE BACKUP", "Replicate Node", "Identify Duplicates"]
STATUS_TEXT = {
    "Migration": "Disk Storage Pool DISKPOOL, Moved Files: {a:,}, Moved Bytes: {b:,}, Unreadable Files: 0, Unreadable Bytes: 0.",
    "EXPIRATION": ("Examined {a:,} objects, deleting {b:,} backup objects, 0 archive objects, 0 DB backup volumes, "
                   "0 recovery plan files; 0 objects have been retried and 0 errors encountered."),
    "Backup Storage Pool": ("Primary Pool DISKPOOL, Copy Pool COPYPOOL, Files Backed Up: {a:,}, Bytes Backed Up: {b:,}, "
                            "Unreadable Files: 0, Unreadable Bytes: 0."),
    "Space Reclamation": "Offsite Volume(s) (storage pool LTO3POOL_COPY), Moved Files: {a:,}, Moved Bytes: {b:,}, Unreadable Files: 0, Unreadable Bytes: 0.",
    "DATABASE BACKUP": "Full database backup in progress: {a:,} of {b:,} pages copied.",
    "Replicate Node": "Replicating node(s) NODE{a}. File spaces complete: {a:,}. File spaces identifying and replicating: 1.",
    "Identify Duplicates": "Volume A{a:05d}L6: {a:,} extents examined, {b:,} duplicate extents found.",
}
RULES = [{"name": "RETCOPY_DAILY", "action": "COPY", "target": "TAPEPOOL", "start": "-1h", "duration": "20h"},
         {"name": "COPY_DR", "action": "COPY", "target": "DRPOOL", "start": "+3h", "duration": "4h"}]
CLIENT_MESSAGES = [
    "ANE4952I Total number of objects inspected: {a:,}",
    "ANE4954I Total number of objects backed up: {b:,}",
    "ANE4961I Total number of bytes transferred: {b:,} B",
    "ANE4964I Elapsed processing time: 00:{m:02d}:{s:02d}",
]
SERVER_MESSAGES = [
    "ANR1341I Scratch volume A{a:05d}L6 has been deleted from storage pool TAPEPOOL.",
    "ANR8340I LTO volume A{a:05d}L6 mounted.",
    "ANR1157I Removable volume A{a:05d}L6 is required for move process.",
]
HOUR = 3600


class GenerateError(ValueError):
    """A `generate:` section that does not describe a fleet."""


def settings(section):
    """The `generate:` section with its defaults, checked."""
    unknown = set(section or {}) - set(DEFAULTS)
    if unknown:
        raise GenerateError("generate: unknown key(s) %s (known: %s)" % (", ".join(sorted(unknown)), ", ".join(DEFAULTS)))
    params = dict(DEFAULTS)
    params.update(section or {})
    for key in ("servers", "tasks"):
        if not isinstance(params[key], int) or params[key] < 1:
            raise GenerateError("generate: %s must be a whole number of at least 1, not %r" % (key, params[key]))
    if params["clients"] is not None and (not isinstance(params["clients"], int) or params["clients"] < 1):
        raise GenerateError("generate: clients must be a whole number of at least 1, not %r" % (params["clients"],))
    if not isinstance(params["actlog"], (int, float)) or params["actlog"] < 0:
        raise GenerateError("generate: actlog must be a number of rows per task >= 0, not %r" % (params["actlog"],))
    if isinstance(params["versions"], str):
        params["versions"] = [params["versions"]]
    if not params["versions"]:
        raise GenerateError("generate: versions must name at least one version")
    if not re.fullmatch(r"[A-Za-z][A-Za-z0-9_]*", str(params["name"])):
        raise GenerateError("generate: name must be a server name prefix (letters, digits, _), not %r" % (params["name"],))
    return params


def stubs(section, defaults, taken=()):
    """The generated servers of a fleet, without their tasks (expanded when seeded): name, role,
    version, the defaults, and `generate` (what expand_server needs)."""
    params = settings(section)
    width = max(3, len(str(params["servers"])))
    out = []
    for index in range(params["servers"]):
        name = "%s%0*d" % (str(params["name"]).upper(), width, index + 1)
        if name in taken:
            raise GenerateError("generate: server %s is also listed under servers" % name)
        server = dict(defaults)
        server.update(name=name, version=str(params["versions"][index % len(params["versions"])]),
                      role="hub" if params["hub"] and index == 0 else "spoke",
                      platform=params["platform"], admins=list(defaults.get("admins") or []),
                      generate={"tasks": params["tasks"], "seed": params["seed"], "clients": params["clients"],
                                "actlog": params["actlog"], "index": index})
        out.append(server)
    return out


def _pick(rng, weighted):
    total = sum(weight for _value, weight in weighted)
    roll = rng.random() * total
    for value, weight in weighted:
        roll -= weight
        if roll < 0:
            return value
    return weighted[-1][0]


def expand_server(stub):
    """The explicit spec of a generated server (a fleet file's server entry). Times are seconds
    relative to `spemu init` (negative: before). Deterministic for the seed and the name."""
    gen = stub["generate"]
    rng = random.Random("%s:%s" % (gen["seed"], stub["name"]))
    tasks = gen["tasks"]
    version = tuple(int(part) for part in stub["version"].split(".")[:3])
    jobs_ok = version >= (8, 1, 12)
    n_jobs = int(tasks * SHARES["jobs"]) if jobs_ok else 0
    n_sessions = max(1, int(tasks * SHARES["sessions"]))
    n_processes = int(tasks * SHARES["processes"])
    n_completed_sessions = int(tasks * SHARES["completed_sessions"])
    n_completed_processes = max(0, tasks - n_jobs - n_sessions - n_processes - n_completed_sessions)
    clients = gen["clients"] or max(1, tasks // 10)
    spec = {key: value for key, value in stub.items() if key != "generate"}
    spec["stgrules"] = [dict(rule) for rule in RULES] if jobs_ok else []
    session_no, process_no = 10000, 500

    def client():
        return "NODE%05d" % rng.randrange(clients)

    # completed sessions and processes of the last day (older numbers first)
    completed = []
    for _count in range(n_completed_sessions):
        started = -rng.randint(2 * 60, 23 * HOUR)
        ended = min(-60, started + rng.randint(60, 2 * HOUR))
        outcome = _pick(rng, OUTCOMES)
        name = client()
        completed.append({"kind": "session", "number": session_no, "client": name, "platform": rng.choice(PLATFORMS),
                          "activity": rng.choice(ACTIVITIES), "schedule": "DAILY_%02d" % rng.randrange(24),
                          "started": started, "ended": ended, "outcome": outcome,
                          "bytes": rng.randrange(1 << 34), "examined": rng.randrange(100000),
                          "affected": rng.randrange(10000)})
        session_no += 1
    for _count in range(n_completed_processes):
        started = -rng.randint(2 * 60, 23 * HOUR)
        ended = min(-60, started + rng.randint(60, 3 * HOUR))
        completed.append({"kind": "process", "number": process_no, "description": rng.choice(DESCRIPTIONS),
                          "started": started, "ended": ended, "outcome": _pick(rng, OUTCOMES),
                          "bytes": rng.randrange(1 << 36)})
        process_no += 1
    completed.sort(key=lambda task: task["ended"])
    spec["completed"] = completed

    # jobs: every status; RUNNING ones with two child processes, the second a child of the first
    jobs, processes = [], []
    for number in range(1, n_jobs + 1):
        status = _pick(rng, JOB_STATUSES)
        kind = "RETENTION" if rng.random() < 0.8 else "COPY"
        name = "RETSET_%d_COPY" % (100 + number) if kind == "RETENTION" else "COPY_JOB_%d" % number
        job = {"id": number, "type": kind, "name": name, "status": status, "work": "%dh" % rng.randint(6, 18)}
        if status == "RUNNING":
            job.update(rule="RETCOPY_DAILY", begin=-rng.randint(60, 50 * 60), children=2)
            job["run"] = job["begin"]
        elif status == "SLEEPING":
            job.update(rule="COPY_DR", begin=-rng.randint(6 * HOUR, 20 * HOUR))
        elif status == "INTERRUPTED":
            job.update(rule="RETCOPY_DAILY", begin=-rng.randint(3 * HOUR, 10 * HOUR), interrupted=-rng.randint(60, 2 * HOUR))
        else:
            begin = -rng.randint(3 * HOUR, 22 * HOUR)
            job.update(rule="RETCOPY_DAILY", begin=begin, end=min(-60, begin + rng.randint(HOUR, 3 * HOUR)))
            if status == "COMPLETED":
                job["outcome"] = _pick(rng, OUTCOMES)
                if rng.random() < 0.05:          # no completion word: what the log shows decides
                    job.update(completion_state="none", evidence=rng.choice(["none", job["outcome"]]),
                               outcome="unknown")
                    if job["evidence"] != "none":
                        job["outcome"] = job["evidence"]
            elif status == "FAILED":
                job["outcome"] = "failed"
        jobs.append(job)
        if status == "RUNNING":
            first = process_no
            for worker in range(2):
                processes.append({
                    "id": process_no, "description": engine.CHILD_DESCRIPTIONS[kind], "started": job["run"],
                    "job": number, "parent": first if worker else None,
                    "status": "Job %d (%s): copied %s of %s objects to TAPEPOOL, worker %d." % (
                        number, name, "{:,}".format(rng.randrange(10000)), "{:,}".format(10000 + rng.randrange(90000)),
                        worker + 1)})
                process_no += 1
    spec["jobs"] = jobs
    # other processes: some started by another process (Parent Process)
    parents = {}
    while len(processes) < n_processes:
        desc = rng.choice(DESCRIPTIONS)
        a, b = rng.randrange(1, 100000), rng.randrange(1, 1 << 32)
        process = {"id": process_no, "description": desc, "started": -rng.randint(60, 3 * HOUR),
                   "duration": "%dh" % rng.randint(8, 14), "status": STATUS_TEXT[desc].format(a=a, b=b),
                   "files": a, "bytes": b}
        if jobs_ok and desc in parents and rng.random() < 0.3:
            process["parent"] = parents[desc]
            process["started"] = max(process["started"], -3 * HOUR)
        else:
            parents[desc] = process_no
        processes.append(process)
        process_no += 1
    for process in processes:
        if process.get("parent") is None:
            process.pop("parent", None)
    spec["processes"] = processes

    # active sessions in every state, each staying in it for hours (a frozen clock keeps them)
    sessions = []
    for index in range(n_sessions):
        state = SESSION_STATES[index % len(SESSION_STATES)][0] if index < len(SESSION_STATES) else _pick(rng, SESSION_STATES)
        kind = "Node" if rng.random() < 0.9 else rng.choice(["Admin", "Server"])
        started = -rng.randint(30, 3 * HOUR)
        name = client() if kind == "Node" else (
            "ADMIN%02d" % rng.randrange(5) if kind == "Admin" else "SPOKE%02d" % rng.randrange(10))
        session = {"id": session_no, "client": name,
                   "type": kind, "platform": rng.choice(PLATFORMS) if kind == "Node" else ("OC" if kind == "Admin" else "Linux/x86_64"),
                   "comm": "SSL" if state == "SSLW" else rng.choice(["Tcp/Ip", "Tcp/Ip", "SSL"]), "state": state,
                   "started": started, "since": max(started, -rng.randint(1, 20 * 60)), "for": "%dh" % rng.randint(6, 12),
                   "activity": rng.choice(ACTIVITIES), "bytes_sent": rng.randrange(1 << 30),
                   "bytes_received": rng.randrange(1 << 36)}
        if state == "MediaW":
            session["mount"] = {"volume": "A%05dL6" % rng.randrange(100000), "devclass": "LTO", "library": "TAPELIB",
                                "reply": rng.random() < 0.5, "timeout": "720m"}
        if rng.random() < 0.3:
            session["transaction"] = True
        sessions.append(session)
        session_no += 1
    spec["sessions"] = sessions

    # free activity-log rows: client statistics of sessions, volume messages of processes
    actlog = []
    owners = [("session", task) for task in completed if task["kind"] == "session"] + [("session", s) for s in sessions]
    movers = [task for task in completed if task["kind"] == "process"] + processes
    for _count in range(int(round(tasks * gen["actlog"]))):
        a, b = rng.randrange(1, 100000), rng.randrange(1, 1 << 34)
        if owners and (not movers or rng.random() < 0.7):
            kind, task = rng.choice(owners)
            number = task.get("number", task.get("id"))
            at = task.get("ended", task.get("since", -60))
            actlog.append({"at": at, "message": rng.choice(CLIENT_MESSAGES).format(a=a, b=b, m=rng.randrange(60), s=rng.randrange(60)),
                           "session": number, "node": task["client"] if task.get("type", "Node") == "Node" else None,
                           "originator": "CLIENT"})
        elif movers:
            task = rng.choice(movers)
            number = task.get("number", task.get("id"))
            actlog.append({"at": task.get("ended", -30), "message": rng.choice(SERVER_MESSAGES).format(a=a), "process": number})
    actlog.sort(key=lambda row: row["at"])
    spec["actlog"] = actlog
    return spec


# ---------------------------------------------------------------- bulk seeding

class Writer:
    """Rows for the server tables, in the order the per-item seeding would insert them, written
    with one executemany per table (flush)."""

    def __init__(self, conn):
        self.conn = conn
        self.rows = {}
        self.name = conn.execute("SELECT NAME FROM SERVER_INFO").fetchone()[0]
        self.mode = engine.msgid_mode(conn)
        self.jobs_ok = engine.jobs_supported(conn)
        self._ts = {}

    def ts(self, when):
        text = self._ts.get(when)
        if text is None:
            text = self._ts[when] = when.strftime(store.TS_FORMAT)
        return text

    def add(self, table, cols):
        """A row; every row of a table names the same columns in the same order (the callers
        set each column, None where the per-item code leaves it out)."""
        entry = self.rows.get(table)
        if entry is None:
            entry = self.rows[table] = (tuple(cols), [])
        elif len(cols) != len(entry[0]):
            raise AssertionError("%s: rows with other columns %s" % (table, sorted(set(cols) ^ set(entry[0]))))
        entry[1].append(tuple(cols.values()))

    def log(self, when, text, session=None, process=None, originator=None, node=None, schedule=None):
        """engine.log, row for row."""
        text = msgids.translate(text, self.mode)
        originator = originator or ("CLIENT" if text.startswith("ANE") else "SERVER")
        match = _MSG.match(text)
        msgno, severity = (int(match.group(2)), match.group(3)) if match else (None, "I")
        if session is not None and process is not None:
            message = "%s (SESSION: %d, PROCESS: %d)" % (text, session, process)
        elif session is not None:
            message = "%s (SESSION: %d)" % (text, session)
        elif process is not None:
            message = "%s (PROCESS: %d)" % (text, process)
        else:
            message = text
        self.add("ACTLOG", dict(DATE_TIME=self.ts(when), MSGNO=msgno, SEVERITY=severity, MESSAGE=message,
                                ORIGINATOR=originator, NODENAME=node, OWNERNAME=None, SCHEDNAME=schedule,
                                DOMAINNAME=None, SESSID=session, SERVERNAME=self.name, SESSION=session,
                                PROCESS=process))

    def summary(self, start, end, activity, number, entity, successful, kind, details, status, **extra):
        """logbook.write_summary, row for row."""
        cols = dict(START_TIME=self.ts(start), END_TIME=self.ts(end), ACTIVITY=activity, NUMBER=number,
                    ENTITY=entity, SUCCESSFUL="YES" if successful else "NO", COMMMETH=None, ADDRESS=None,
                    SCHEDULE_NAME=None)
        cols.update({key.upper(): value for key, value in extra.items()})
        self.add("SUMMARY", cols)
        self.add("SUMMARY_EXTENDED", dict(ACTIVITY_TYPE=kind, ACTIVITY_DETAILS=details, SUB_ENTITY=None,
                                          STATUS=status, **cols))

    def flush(self):
        """Write the rows of each table in the order they were added (tables are independent,
        so the rowids of every table come out as the per-item seeding makes them)."""
        for table, (columns, rows) in self.rows.items():
            self.conn.executemany(
                "INSERT INTO %s(%s) VALUES (%s)" % (table, ", ".join(columns), ", ".join("?" * len(columns))), rows)
        self.rows = {}


_MSG = re.compile(r"^([A-Z]{3})(\d{4})([IWESK])")


def _at(value, now, fleet_at):
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return now + datetime.timedelta(seconds=value)
    return fleet_at(value, now)


def seed_bulk(conn, server, now, per_item):
    """Seed the tasks of one server spec in bulk (inside the caller's transaction, after
    SERVER_INFO, admins, rules and counters). `per_item`: the fleet module's per-item seeding
    functions (completed_session, completed_process, retset, job, job_children, process,
    session, at, evidence), used for anything this writer does not cover."""
    at = per_item["at"]
    w = Writer(conn)

    def when(value, default=None):
        return _at(default if value is None else value, now, at)

    for row in server.get("actlog") or []:
        w.log(when(row.get("at")), row["message"], session=row.get("session"), process=row.get("process"),
              originator=str(row["originator"]).upper() if row.get("originator") else None, node=row.get("node"),
              schedule=row.get("schedule"))
        if row.get("owner") or row.get("domain"):
            raise GenerateError("bulk seeding: actlog owner/domain are not covered")
    for task in server.get("completed") or []:
        if task.get("number") is None:
            w.flush()
            (per_item["completed_session"] if task["kind"] == "session" else per_item["completed_process"])(conn, task, now)
        elif task["kind"] == "session":
            _completed_session(w, task, when)
        else:
            _completed_process(w, task, when)
    w.flush()
    for retset in server.get("retsets") or []:
        per_item["retset"](conn, retset.get("id"), retset.get("expires"), now, retset.get("state", "ACTIVE"))
    for job in server.get("jobs") or []:
        if job.get("id") is None:
            w.flush()
            per_item["job"](conn, job, now)
        else:
            _job(w, job, now, when, per_item)
    w.flush()
    for process in server.get("processes") or []:
        if process.get("id") is None or process.get("mount"):
            w.flush()
            per_item["process"](conn, process, now)
        else:
            _process(w, process, now, when)
    w.flush()
    running = [job for job in server.get("jobs") or [] if str(job["status"]).upper() == "RUNNING"]
    with_children = {process.get("job") for process in server.get("processes") or []}
    for job in running:
        if job["id"] not in with_children:
            per_item["job_children"](conn, job, now)
    request = conn.execute("SELECT NEXT FROM EMU_COUNTERS WHERE NAME='request'").fetchone()[0]
    first_request = request
    for session in server.get("sessions") or []:
        if session.get("id") is None:
            w.flush()
            conn.execute("UPDATE EMU_COUNTERS SET NEXT=? WHERE NAME='request'", (request,))
            per_item["session"](conn, session, now)
            request = conn.execute("SELECT NEXT FROM EMU_COUNTERS WHERE NAME='request'").fetchone()[0]
        else:
            request = _session(w, session, now, when, request)
    w.flush()
    if request != first_request:
        conn.execute("UPDATE EMU_COUNTERS SET NEXT=? WHERE NAME='request'", (request,))


def _completed_session(w, task, when):
    number = int(task["number"])
    start, end = when(task.get("started")), when(task.get("ended"))
    client, platform = str(task.get("client", task.get("entity", "NODE"))).upper(), task.get("platform", "Linux x86-64")
    comm = task.get("comm", "Tcp/Ip")
    who = dict(n=number, client=client, platform=platform)
    node = client if task.get("type", "Node") == "Node" else None
    w.log(start, engine.MESSAGES["session_started"].format(
        comm=comm, address="10.0.1.%d(%d)" % (number % 250 + 1, 50000 + number % 10000), **who),
        session=number, node=node, schedule=task.get("schedule"))
    outcome = task["outcome"]
    if outcome != "successful":
        from .fleet import EXTRA_MESSAGES   # pylint: disable=import-outside-toplevel
        default = EXTRA_MESSAGES["session_warning"] if outcome == "warning" else engine.MESSAGES["session_failed"]
        w.log(end, task.get("message") or default.format(**who), session=number, node=node)
    w.log(end, engine.MESSAGES["session_ended"].format(**who), session=number, node=node)
    activity = str(task.get("activity", "BACKUP")).upper()
    w.summary(start, end, activity, number, client, outcome != "failed", "SESSION", activity, outcome.upper(),
              commmeth=comm, address="10.0.1.%d:%d" % (number % 250 + 1, 50000 + number % 10000),
              schedule_name=task.get("schedule"), examined=int(task.get("examined", 100)),
              affected=int(task.get("affected", 90)), failed=int(task.get("failed", 10 if outcome == "failed" else 0)),
              bytes=int(task.get("bytes", 1048576)), idle=0, mediaw=0, processes=1, comm_wait=0, num_offsite_vols=0)


def _completed_process(w, task, when):
    number = int(task["number"])
    start, end = when(task.get("started")), when(task.get("ended"))
    desc = task.get("description", "EXPIRATION")
    outcome = task["outcome"]
    w.log(start, engine.MESSAGES["process_started"].format(n=number, desc=desc, hms=engine.base.hms(start)), process=number)
    if outcome != "successful":
        from .fleet import EXTRA_MESSAGES   # pylint: disable=import-outside-toplevel
        default = EXTRA_MESSAGES["process_warning"] if outcome == "warning" else engine.MESSAGES["process_failed"]
        w.log(end, task.get("message") or default.format(n=number, desc=desc), process=number)
    state = "FAILURE" if outcome == "failed" else "SUCCESS"
    w.log(end, engine.MESSAGES["process_ended"].format(n=number, desc=desc, state=state, hms=engine.base.hms(end)),
          process=number)
    w.summary(start, end, task.get("activity") or engine.ACTIVITIES.get(desc.upper(), desc.upper()),
              number, task.get("entity", desc), outcome != "failed", "PROCESS", desc, outcome.upper(),
              examined=int(task.get("examined", 1000)), affected=int(task.get("affected", 1000)),
              failed=int(task.get("failed", 0)), bytes=int(task.get("bytes", 0)), idle=0, mediaw=0,
              processes=1, comm_wait=0, num_offsite_vols=0)


def _job(w, job, now, when, per_item):
    """fleet._seed_job, row for row (the retention set goes in through the per-item helper,
    which ignores one already there)."""
    number = int(job["id"])
    status = str(job["status"]).upper()
    rule = str(job["rule"]).upper() if job.get("rule") else None
    name = str(job.get("name", rule or "JOB%d" % number)).upper()
    begin = when(job.get("begin", "-1h"))
    run = when(job.get("run")) if job.get("run") is not None else begin
    work = engine.parse_duration(job.get("work", engine.JOB_WORK_SECONDS))
    result = engine.COMPLETION_STATES[job.get("result", "successful")]
    from .fleet import job_retset, _evidence, EVIDENCE_STATES   # pylint: disable=import-outside-toplevel
    retset = job_retset(job)
    per_item["retset"](w.conn, retset, None, now)
    children = job.get("children", engine.JOB_CHILDREN if w.jobs_ok else 0)
    cols = dict(JOB_ID=number, PEER_JOB_ID=job.get("peer"), JOB_TYPE=str(job.get("type", "RETENTION")).upper(),
                JOB_NAME=name, BEGIN_TIME=w.ts(begin), RUN_TIME=w.ts(run), STATUS=status, STGRULE=rule,
                EMU_RESULT=result, EMU_CHILDREN=int(children), EMU_WORK_LEFT=work, EMU_RETSET=retset,
                EMU_WORK_END=None, EMU_SLEEP_SINCE=None, COMPLETION_STATE=None, END_TIME=None)
    ended = when(job.get("end"), "now")
    finished = status not in engine.ACTIVE_JOB_STATES and status != "TERMINATED"
    if status == "RUNNING":
        cols.update(EMU_WORK_END=w.ts(now + datetime.timedelta(seconds=work)), EMU_WORK_LEFT=None)
    elif status == "SLEEPING":
        cols.update(EMU_SLEEP_SINCE=w.ts(now))
    elif finished:
        if "completion_state" in job:
            state = job["completion_state"]
            state = None if state is None or str(state).lower() == "none" else str(state)
        else:
            state = engine.COMPLETION_STATES.get(job.get("outcome")) if status == "COMPLETED" else None
        cols.update(COMPLETION_STATE=state, END_TIME=w.ts(ended), EMU_WORK_LEFT=0)
    elif status == "TERMINATED":
        cols.update(END_TIME=w.ts(ended))
    w.add("JOBS", cols)
    values = dict(n=number, name=name, rule=rule, retset=retset)
    w.log(run, engine.MESSAGES["job_running" if rule else "job_started"].format(**values))
    if finished:
        evidence = job.get("evidence") or _evidence(cols["COMPLETION_STATE"], job.get("outcome"))
        if evidence in ("warning", "failed"):
            key = "job_warning" if evidence == "warning" else "job_failed"
            w.log(ended, job.get("message") or engine.MESSAGES[key].format(**values))
        if evidence != "none":
            w.log(ended, engine.MESSAGES["job_completed"].format(state=EVIDENCE_STATES[evidence], **values))
    elif status == "TERMINATED":
        w.log(ended, engine.MESSAGES["job_terminated"].format(**values))
    elif status == "INTERRUPTED":
        w.log(when(job.get("interrupted"), "now"), job.get("message") or engine.MESSAGES["job_interrupted"].format(**values))
    elif status == "SLEEPING":
        w.log(when(job.get("slept", "-1m")), engine.MESSAGES["job_sleeping"].format(**values))


def _process(w, process, now, when):
    """fleet._seed_process + engine.new_process, row for row (no mount)."""
    started = when(process.get("started", "-10m"))
    duration = None
    if process.get("ends") is not None:
        duration = (when(process["ends"]) - started).total_seconds()
    elif process.get("duration") is not None:
        duration = engine.parse_duration(process["duration"])
    elif process.get("job") is None:
        duration = 3600.0 + (now - started).total_seconds()
    number = int(process["id"])
    description = process.get("description", "Migration")
    status = process.get("status", "")
    cols = dict(PROCESS_NUM=number, PROCESS=description, START_TIME=w.ts(started), FILES_PROCESSED=0,
                BYTES_PROCESSED=0, BYTES_TO_PROCESS=0, STATUS=status, JOB_ID=process.get("job"),
                PARENT_PROCESS=process.get("parent"), EMU_STATUS=status,
                EMU_RESULT=str(process.get("result", "SUCCESS")).upper(),
                EMU_END_AT=w.ts(started + datetime.timedelta(seconds=duration)) if duration is not None else None,
                EMU_ACTIVITY=engine.ACTIVITIES.get(description.upper(), description.upper()))
    cols.update(FILES_PROCESSED=int(process.get("files", 0)), BYTES_PROCESSED=int(process.get("bytes", 0)),
                BYTES_TO_PROCESS=int(process.get("bytes_to_process", 0)), EMU_WARNING=process.get("warning"),
                EMU_ERROR=process.get("error"), EMU_MOUNT=None)
    if process.get("activity"):
        cols["EMU_ACTIVITY"] = process["activity"]
    w.add("PROCESSES", cols)
    w.log(started, engine.MESSAGES["process_started"].format(n=number, desc=description, hms=engine.base.hms(started)),
          process=number)


def _session(w, session, now, when, request):
    """fleet._seed_session + engine.new_session (+ mounts.open_mount for MediaW), row for row.
    Returns the next mount request number."""
    state, length = engine.parse_step(session.get("state", "Run"))
    if session.get("for") is not None:
        length = engine.parse_duration(session["for"])
    started = when(session.get("started", "-5m"))
    since = when(session["since"]) if session.get("since") is not None else started
    mount = session.get("mount")
    number = int(session["id"])
    client = str(session.get("client", "NODE")).upper()
    session_type = str(session.get("type", "Node")).capitalize()
    platform, comm = session.get("platform", "Linux x86-64"), session.get("comm", "Tcp/Ip")
    script = [engine.parse_step(step) for step in session.get("then") or []]
    address = "10.0.%d.%d:%d" % (number // 250 % 250, number % 250 + 1, 50000 + number % 10000)
    cols = dict(SESSION_ID=number, START_TIME=w.ts(started), COMMMETHOD=comm, STATE=state, WAIT_SECONDS=0,
                BYTES_SENT=0, BYTES_RECEIVED=0, SESSION_TYPE=session_type, CLIENT_PLATFORM=platform,
                CLIENT_NAME=client, EMU_STATE_SINCE=w.ts(since),
                EMU_STEP_END=w.ts(since + datetime.timedelta(seconds=length)) if length is not None and state != "MediaW" else None,
                EMU_SCRIPT=json.dumps([list(step) for step in script]), EMU_TXN=0, EMU_IDLE_SECONDS=0,
                EMU_MEDIAW_SECONDS=0, FAIL_OVER_MODE="No", EMU_ADDRESS=address)
    cols.update(BYTES_SENT=int(session.get("bytes_sent", 0)), BYTES_RECEIVED=int(session.get("bytes_received", 0)),
                OWNER_NAME=session.get("owner"), LAST_VERB=session.get("verb"), VERB_STATE=session.get("verb_state"),
                EMU_ACTIVITY=str(session.get("activity", "BACKUP")).upper(), EMU_SCHEDULE=session.get("schedule"),
                EMU_TXN=1 if session.get("transaction") else 0,
                EMU_ROLLBACK_SECONDS=engine.parse_duration(session.get("rollback")),
                EMU_EXAMINED=session.get("examined"), EMU_AFFECTED=session.get("affected"),
                EMU_FAILED=session.get("failed"), EMU_WARNING=session.get("warning"), EMU_ERROR=session.get("error"),
                EMU_MOUNT=json.dumps(mount) if mount else None, EMU_END_AT=None, EMU_END_REASON=None,
                INPUT_VOL_WAIT=None, OUTPUT_VOL_WAIT=None, INPUT_MOUNT_WAIT=None, OUTPUT_MOUNT_WAIT=None)
    if state == "End":
        cols.update(EMU_END_AT=w.ts(since + datetime.timedelta(seconds=length or engine.END_SECONDS)), EMU_END_REASON="normal")
    node = client if session_type == "Node" else None
    key = "admin_started" if session_type == "Admin" else "session_started"
    host, port = address.split(":")
    start_text = engine.message(key, comm=comm, address="%s(%s)" % (host, port), n=number, client=client, platform=platform)
    mount_row = mount_text = None
    if state == "MediaW":
        mount = mount or {}
        reply = bool(mount.get("reply", False))
        minutes = int(engine.parse_duration(mount.get("timeout", engine.MOUNT_TIMEOUT_MINUTES * 60)) // 60)
        answer = mount.get("answer", length)
        mounting = mount.get("mounting")
        values = dict(r=request, volume=mount.get("volume", "A%05dL6" % request), devclass=mount.get("devclass", "LTO"),
                      library=mount.get("library", "TAPELIB"), drive=mount.get("drive", "DRIVE1"), minutes=minutes,
                      element=engine.mounts.element(request))
        mount_row = dict(REQUEST_NUM=request, VOLUME=values["volume"], DEVCLASS=values["devclass"], SESSION_ID=number,
                         PROCESS_NUM=None, NEEDS_REPLY="YES" if reply else "NO", CREATED=w.ts(since),
                         TIMEOUT_MINUTES=minutes,
                         EMU_ANSWER_AT=w.ts(since + datetime.timedelta(seconds=engine.parse_duration(answer))) if answer is not None else None,
                         EMU_MOUNT_SECONDS=engine.parse_duration(mount.get("mount_time", engine.MOUNT_SECONDS)),
                         EMU_MOUNTING_UNTIL=w.ts(since + datetime.timedelta(seconds=engine.parse_duration(mounting))) if mounting is not None else None,
                         EMU_LIBRARY=values["library"], EMU_DRIVE=values["drive"])
        column = ("INPUT_" if mount.get("input") else "OUTPUT_") + ("MOUNT_WAIT" if mounting is not None else "VOL_WAIT")
        cols[column] = values["volume"]
        mount_text = engine.message("mount_reply" if reply else "mount_request", **values)
        request += 1
    w.add("SESSIONS", cols)
    w.log(started, start_text, session=number, node=node, schedule=session.get("schedule"))
    if mount_row is not None:
        w.add("REQUESTS", mount_row)
        w.log(since, mount_text, session=number, node=node, schedule=session.get("schedule"))
    return request
