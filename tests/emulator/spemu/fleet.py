"""Fleet files: load, check and seed the emulated servers of a home (see README "Fleet file").

Times in a fleet file are relative to the moment of `spemu init`: "-2h", "-30m", "+10m",
"-1d", "now"; durations are "30s", "5m", "2h", "1d" (or a number of seconds).
"""
import concurrent.futures
import contextlib
import datetime
import json
import os
import re
import shutil
import sys

import yaml

from . import engine, formats, generate, msgids, store

FLEETS_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "fleets")
DEMO_FLEET = os.path.join(FLEETS_DIR, "demo.yml")
FIRST_PORT = 1500
PARALLEL_TASKS = 20000      # a generated fleet of this many tasks or more is seeded in parallel
MAX_SEED_WORKERS = 4
OUTCOMES = ("successful", "warning", "failed")
JOB_OUTCOMES = OUTCOMES + ("unknown",)     # a finished job: what its evidence shows
EVIDENCE = ("successful", "warning", "failed", "none")
DEFAULT_TIMEOUTS = {"idletimeout": 15, "commtimeout": 60, "adminidletimeout": 15,
                    "admincommtimeout": 60}   # minutes / seconds, server-facts §2
EXTRA_MESSAGES = {
    "session_warning": "ANR0539W Session {n} for node {client} ({platform}) completed with warnings.",  # [DECIDED]
    "process_warning": "ANR0991W Process {n} for {desc} completed with warnings.",  # [DECIDED]
}


class FleetError(ValueError):
    """A fleet file that does not describe a valid fleet."""


# ---------------------------------------------------------------- loading

def load(path):
    """Read a fleet file; returns the dict with `defaults` merged into every server. The servers
    of a `generate:` section follow the listed ones, each without its tasks (a `generate` key:
    they are made when it is seeded, see spemu/generate.py)."""
    with open(path, encoding="utf-8") as handle:
        data = yaml.safe_load(handle) or {}
    servers = data.get("servers") or []
    if not servers and not data.get("generate"):
        raise FleetError("%s: no servers" % path)
    defaults = data.get("defaults") or {}
    merged = []
    for spec in servers:
        server = dict(defaults)
        server.update(spec)
        server["admins"] = list(defaults.get("admins") or []) + list(spec.get("admins") or [])
        server["name"] = str(server["name"]).upper()
        merged.append(server)
    if data.get("generate") is not None:
        try:
            merged += generate.stubs(data["generate"], defaults, taken={server["name"] for server in merged})
        except generate.GenerateError as error:
            raise FleetError("%s: %s" % (path, error)) from None
    names = [server["name"] for server in merged]
    if len(set(names)) != len(names):
        raise FleetError("%s: duplicate server names" % path)
    for server in merged:
        check_server(server)
    return {"servers": merged}


def version_tuple(text):
    """'8.1.21' or '8.1.21.100' -> (8, 1, 21, 100)."""
    parts = [int(part) for part in str(text).split(".")]
    if len(parts) < 3:
        raise FleetError("version %r: use VERSION.RELEASE.LEVEL[.SUBLEVEL]" % text)
    return tuple((parts + [0])[:4])


def check_server(server):
    """Reject what the real product cannot have (jobs before V8.1.8, storage-rule jobs before
    V8.1.12, unknown session states...)."""
    name = server["name"]
    version = version_tuple(server.get("version", "8.1.21"))[:3]
    old = version < (8, 1, 12)
    if version < (8, 1, 8) and server.get("jobs"):
        raise FleetError("%s: servers before V8.1.8 have no jobs" % name)
    for process in server.get("processes") or []:
        if old and (process.get("job") is not None or process.get("parent") is not None):
            raise FleetError("%s: servers before V8.1.12 show no Job Id / Parent Process" % name)
    for session in server.get("sessions") or []:
        engine.parse_step(session.get("state", "Run"))
        for step in session.get("then") or []:
            engine.parse_step(step)
    for task in server.get("completed") or []:
        if task.get("kind") not in ("session", "process"):
            raise FleetError("%s: completed task kind must be session or process: %r" % (name, task))
        if task.get("outcome") not in OUTCOMES:
            raise FleetError("%s: completed task outcome must be one of %s: %r" % (name, OUTCOMES, task))
    rules = {str(rule["name"]).upper() for rule in server.get("stgrules") or []}
    for job in server.get("jobs") or []:
        _check_job(name, job, old, rules)
    if server.get("msgids") is not None:
        try:
            msgids.check(server["msgids"])
        except ValueError as error:
            raise FleetError("%s: %s" % (name, error)) from None
    try:
        formats.from_settings(server.get("formats") or {})
    except (ValueError, TypeError, AttributeError) as error:
        raise FleetError("%s: formats: %s" % (name, error)) from None


def _check_job(name, job, old, rules):
    status = str(job.get("status", "")).upper()
    if not re.fullmatch(r"[A-Z][A-Z_ ]*", status):
        raise FleetError("%s: job %s status %r" % (name, job.get("id"), job.get("status")))
    active = status in engine.ACTIVE_JOB_STATES
    if old and active and status not in engine.JOB_STATES_BEFORE_8112:
        raise FleetError("%s: job %s: before V8.1.12 a job is RUNNING, INTERRUPTED or COMPLETED" % (name, job.get("id")))
    if old and (job.get("rule") or str(job.get("type", "RETENTION")).upper() != "RETENTION"):
        raise FleetError("%s: job %s: before V8.1.12 jobs create retention sets (no storage rule)" % (name, job.get("id")))
    outcome = job.get("outcome")
    if outcome is not None and outcome not in JOB_OUTCOMES:
        raise FleetError("%s: job %s outcome must be one of %s" % (name, job.get("id"), JOB_OUTCOMES))
    if status == "COMPLETED" and outcome is None and "completion_state" not in job:
        raise FleetError("%s: completed job %s needs outcome %s or completion_state" % (name, job.get("id"), OUTCOMES))
    if job.get("evidence") is not None and job["evidence"] not in EVIDENCE:
        raise FleetError("%s: job %s evidence must be one of %s" % (name, job.get("id"), EVIDENCE))
    if job.get("rule") and str(job["rule"]).upper() not in rules:
        raise FleetError("%s: job %s: no storage rule %s" % (name, job.get("id"), job["rule"]))


def at(value, base):
    """A time relative to `base`: '-2h', '+10m', 'now', or a number of seconds."""
    if value is None or str(value).strip().lower() == "now":
        return base
    text = str(value).strip()
    sign = -1 if text.startswith("-") else 1
    return base + datetime.timedelta(seconds=sign * engine.parse_duration(text.lstrip("+-")))


def rule_start(value, base):
    """STARTTIME of a storage rule: 'HH:MM', or relative to init ('-1h': an hour before init)."""
    text = str(value)
    if ":" in text:
        hour, minute = (int(part) for part in text.split(":"))
        return "%02d:%02d" % (hour, minute)
    return at(text, base).strftime("%H:%M")


# ---------------------------------------------------------------- home files

def write_home_files(home, fleet, fleet_path):
    """dsm.sys (one stanza per server), dsm.opt (the hub), bin/dsmadmc, fleet.yml."""
    os.makedirs(os.path.join(home, "bin"), exist_ok=True)
    stanzas = []
    for index, server in enumerate(fleet["servers"]):
        stanzas.append("SErvername %s\n   COMMMethod TCPip\n   TCPServeraddress 127.0.0.1\n"
                       "   TCPPort %d\n" % (server["name"], FIRST_PORT + index))
    with open(os.path.join(home, "dsm.sys"), "w", encoding="utf-8") as handle:
        handle.write("\n".join(stanzas))
    hubs = [server["name"] for server in fleet["servers"] if server.get("role") == "hub"]
    with open(os.path.join(home, "dsm.opt"), "w", encoding="utf-8") as handle:
        handle.write("SErvername %s\n" % (hubs or [fleet["servers"][0]["name"]])[0])
    launcher = os.path.join(home, "bin", "dsmadmc")
    package_parent = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    with open(launcher, "w", encoding="utf-8") as handle:
        handle.write(
            "#!%s\n"
            "\"\"\"dsmadmc of the emulated fleet in %s (written by spemu init).\"\"\"\n"
            "import os\nimport sys\n\n"
            "os.environ.setdefault(\"SPEMU_HOME\", %r)\n"
            "try:\n    from spemu.dsmadmc import main\n"
            "except ImportError:\n    sys.path.insert(0, %r)\n    from spemu.dsmadmc import main\n"
            "sys.exit(main())\n" % (sys.executable, home, home, package_parent))
    os.chmod(launcher, 0o755)
    if os.path.abspath(fleet_path) != os.path.join(home, "fleet.yml"):
        shutil.copyfile(fleet_path, os.path.join(home, "fleet.yml"))


def export_lines(home):
    return ["export SPEMU_HOME=%s" % home, "export DSM_DIR=%s" % home,
            "export DSM_CONFIG=%s" % os.path.join(home, "dsm.opt"),
            "export PATH=%s:$PATH" % os.path.join(home, "bin")]


def init_home(fleet_path, home, reset=False, frozen=False):
    """`spemu init`: create (or keep) the servers of a fleet in `home`. Servers already
    seeded keep their state unless reset. With `frozen` the clock stops at the very instant
    the seeds are placed from, so "ended 12h ago" stays exactly 12h ago.
    Returns {server name: True if seeded now}."""
    home = os.path.abspath(home)
    fleet = load(fleet_path)
    if reset and os.path.isdir(store.state_dir(home)):
        shutil.rmtree(store.state_dir(home))
    now = store.freeze_clock(home) if frozen else store.now(home)
    seeded = {}
    with contextlib.closing(store.open_home(home)) as conn, store.transaction(conn):
        for position, server in enumerate(fleet["servers"]):
            conn.execute("INSERT OR REPLACE INTO EMU_SERVERS VALUES (?, ?)", (server["name"], position))
    generated = [(position, server) for position, server in enumerate(fleet["servers"]) if server.get("generate")]
    workers = min(os.cpu_count() or 1, MAX_SEED_WORKERS, len(generated))
    parallel = workers > 1 and sum(server["generate"]["tasks"] for _position, server in generated) >= PARALLEL_TASKS
    for position, server in enumerate(fleet["servers"]):
        if not (parallel and server.get("generate")):
            seeded[server["name"]] = seed_server(home, server, position, now)
    if parallel:
        # each server has its own database: a large generated fleet is seeded on every core
        with concurrent.futures.ProcessPoolExecutor(workers) as pool:
            futures = [(server["name"], pool.submit(seed_server, home, server, position, now))
                       for position, server in generated]
            for name, future in futures:
                seeded[name] = future.result()
    write_home_files(home, fleet, fleet_path)
    return {server["name"]: seeded[server["name"]] for server in fleet["servers"]}


# ---------------------------------------------------------------- seeding

def seed_server(home, server, position, now, bulk=None):
    """Create one server's database and its seeded state (nothing if already seeded; the schema
    of a database seeded by an older spemu gets the tables and columns it lacks). A generated
    server is made here (generate.expand_server) and written in bulk (generate.seed_bulk);
    `bulk=True` writes a listed server that way too (the rows are the same)."""
    with contextlib.closing(store.create_server_db(home, server["name"])) as conn, store.transaction(conn):
        if conn.execute("SELECT COUNT(*) FROM SERVER_INFO").fetchone()[0]:
            return False
        if server.get("generate"):
            server = generate.expand_server(server)
            bulk = True if bulk is None else bulk
        _seed_config(conn, server, position, now)
        _seed_counters(conn, server)
        if bulk:
            generate.seed_bulk(conn, server, now, PER_ITEM)
            return True
        for row in server.get("actlog") or []:
            engine.log(conn, at(row.get("at"), now), row["message"], session=row.get("session"),
                       process=row.get("process"), originator=str(row["originator"]).upper() if row.get("originator") else None,
                       node=row.get("node"), owner=row.get("owner"), schedule=row.get("schedule"),
                       domain=row.get("domain"))
        for task in server.get("completed") or []:
            (_seed_completed_session if task["kind"] == "session" else _seed_completed_process)(conn, task, now)
        for retset in server.get("retsets") or []:
            _seed_retset(conn, retset.get("id"), retset.get("expires"), now, retset.get("state", "ACTIVE"))
        for job in server.get("jobs") or []:
            _seed_job(conn, job, now)
        for process in server.get("processes") or []:
            _seed_process(conn, process, now)
        for job in server.get("jobs") or []:
            _seed_job_children(conn, job, now)
        for session in server.get("sessions") or []:
            _seed_session(conn, session, now)
        return True


def _seed_config(conn, server, position, now):
    version = version_tuple(server.get("version", "8.1.21"))
    timeouts = {key: int(server.get(key, value)) for key, value in DEFAULT_TIMEOUTS.items()}
    platform = server.get("platform", "Linux/x86_64")
    conn.execute("INSERT INTO SERVER_INFO VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                 (server["name"], version[0], version[1], version[2], version[3],
                  server.get("role", "spoke"), timeouts["idletimeout"], timeouts["commtimeout"],
                  timeouts["adminidletimeout"], timeouts["admincommtimeout"], platform,
                  store.fmt_ts(now)))
    conn.execute("INSERT INTO STATUS VALUES (?,?,?,?,?,?,?,?)",
                 (server["name"], "127.0.0.1", str(FIRST_PORT + position), platform, "Enabled",
                  int(server.get("actlogretention", 30)), int(server.get("summaryretention", 30)),
                  store.fmt_ts(at(server.get("restarted", "-30d"), now))))
    for admin in server.get("admins") or []:
        privileges = admin.get("privileges", ["SYSTEM"])
        if isinstance(privileges, str):
            privileges = [part.strip() for part in privileges.split(",")]
        conn.execute("DELETE FROM ADMINS WHERE ADMIN_NAME=?", (str(admin["name"]).upper(),))
        conn.execute("INSERT INTO ADMINS VALUES (?,?,?,?)",
                     (str(admin["name"]).upper(), str(admin["password"]),
                      ",".join(str(p).upper() for p in privileges), "YES" if admin.get("locked") else "NO"))
    if server.get("msgids") is not None:
        store.set_setting(conn, "msgids", msgids.check(server["msgids"]))
    formats.store_settings(conn, server.get("formats"))
    for rule in server.get("stgrules") or []:
        conn.execute("INSERT INTO STGRULES VALUES (?,?,?,?,?)",
                     (str(rule["name"]).upper(), str(rule.get("action", "COPY")).upper(),
                      rule_start(rule.get("start", "00:00"), now),
                      int(engine.parse_duration(rule.get("duration", "8h")) // 60),
                      str(rule.get("target", "TAPEPOOL")).upper()))


def _seed_counters(conn, server):
    """Counters start after every number the fleet gives explicitly."""
    completed = server.get("completed") or []
    highest = {
        "session": [s.get("id") for s in server.get("sessions") or []]
        + [t.get("number") for t in completed if t["kind"] == "session"],
        "process": [p.get("id") for p in server.get("processes") or []]
        + [t.get("number") for t in completed if t["kind"] == "process"],
        "job": [j.get("id") for j in server.get("jobs") or []],
        "request": [],
    }
    first = server.get("first_numbers") or {}
    for counter, numbers in highest.items():
        numbers = [int(n) for n in numbers if n is not None]
        store.ensure_counter(conn, counter, max([int(first.get(counter, 1))] + [n + 1 for n in numbers]))


def _number(conn, counter, value):
    return int(value) if value is not None else store.next_number(conn, counter)


def _seed_completed_session(conn, task, now):
    number = _number(conn, "session", task.get("number"))
    start, end = at(task.get("started"), now), at(task.get("ended"), now)
    client, platform = str(task.get("client", task.get("entity", "NODE"))).upper(), task.get("platform", "Linux x86-64")
    comm = task.get("comm", "Tcp/Ip")
    who = dict(n=number, client=client, platform=platform)
    node = client if task.get("type", "Node") == "Node" else None
    engine.log(conn, start, engine.MESSAGES["session_started"].format(
        comm=comm, address="10.0.1.%d(%d)" % (number % 250 + 1, 50000 + number % 10000), **who),
        session=number, node=node, schedule=task.get("schedule"))
    outcome = task["outcome"]
    if outcome != "successful":
        default = EXTRA_MESSAGES["session_warning"] if outcome == "warning" else engine.MESSAGES["session_failed"]
        engine.log(conn, end, task.get("message") or default.format(**who), session=number, node=node)
    engine.log(conn, end, engine.MESSAGES["session_ended"].format(**who), session=number, node=node)
    engine.write_summary(
        conn, start, end, str(task.get("activity", "BACKUP")).upper(), number, client,
        outcome != "failed", "SESSION", str(task.get("activity", "BACKUP")).upper(), outcome.upper(),
        commmeth=comm, address="10.0.1.%d:%d" % (number % 250 + 1, 50000 + number % 10000),
        schedule_name=task.get("schedule"), examined=int(task.get("examined", 100)),
        affected=int(task.get("affected", 90)), failed=int(task.get("failed", 10 if outcome == "failed" else 0)),
        bytes=int(task.get("bytes", 1048576)), idle=0, mediaw=0, processes=1, comm_wait=0,
        num_offsite_vols=0)


def _seed_completed_process(conn, task, now):
    number = _number(conn, "process", task.get("number"))
    start, end = at(task.get("started"), now), at(task.get("ended"), now)
    desc = task.get("description", "EXPIRATION")
    outcome = task["outcome"]
    engine.log(conn, start, engine.MESSAGES["process_started"].format(n=number, desc=desc, hms=engine.base.hms(start)),
               process=number)
    if outcome != "successful":
        default = EXTRA_MESSAGES["process_warning"] if outcome == "warning" else engine.MESSAGES["process_failed"]
        engine.log(conn, end, task.get("message") or default.format(n=number, desc=desc), process=number)
    state = "FAILURE" if outcome == "failed" else "SUCCESS"
    engine.log(conn, end, engine.MESSAGES["process_ended"].format(n=number, desc=desc, state=state,
                                                                  hms=engine.base.hms(end)), process=number)
    engine.write_summary(
        conn, start, end, task.get("activity") or engine.ACTIVITIES.get(desc.upper(), desc.upper()),
        number, task.get("entity", desc), outcome != "failed", "PROCESS", desc, outcome.upper(),
        examined=int(task.get("examined", 1000)), affected=int(task.get("affected", 1000)),
        failed=int(task.get("failed", 0)), bytes=int(task.get("bytes", 0)), idle=0, mediaw=0,
        processes=1, comm_wait=0, num_offsite_vols=0)


def _seed_retset(conn, retset, expires, now, state="ACTIVE"):
    """A retention set (only its id, expiry and state are modelled); kept if already there."""
    if retset is None:
        return
    conn.execute("INSERT OR IGNORE INTO EMU_RETSETS VALUES (?, ?, ?)",
                 (int(retset), store.fmt_ts(at(expires, now)) if expires is not None else None, str(state).upper()))


def job_retset(job):
    """The retention set of a retention job: `retset:`, else the number in a RETSET_n name."""
    if job.get("retset") is not None:
        return int(job["retset"])
    if str(job.get("type", "RETENTION")).upper() != "RETENTION":
        return None
    match = re.search(r"RETSET_(\d+)", str(job.get("name", "")).upper())
    return int(match.group(1)) if match else None


EVIDENCE_STATES = {"successful": "Completed", "warning": "Warning", "failed": "Failed"}


def _seed_job(conn, job, now):
    number = _number(conn, "job", job.get("id"))
    job["id"] = number
    status = str(job["status"]).upper()
    rule = str(job["rule"]).upper() if job.get("rule") else None
    name = str(job.get("name", rule or "JOB%d" % number)).upper()
    begin = at(job.get("begin", "-1h"), now)
    run = at(job.get("run"), now) if job.get("run") is not None else begin
    work = engine.parse_duration(job.get("work", engine.JOB_WORK_SECONDS))
    result = engine.COMPLETION_STATES[job.get("result", "successful")]
    retset = job_retset(job)
    _seed_retset(conn, retset, None, now)
    children = job.get("children", engine.JOB_CHILDREN if engine.jobs_supported(conn) else 0)
    cols = dict(JOB_ID=number, PEER_JOB_ID=job.get("peer"), JOB_TYPE=str(job.get("type", "RETENTION")).upper(),
                JOB_NAME=name, BEGIN_TIME=store.fmt_ts(begin), RUN_TIME=store.fmt_ts(run),
                STATUS=status, STGRULE=rule, EMU_RESULT=result, EMU_CHILDREN=int(children),
                EMU_WORK_LEFT=work, EMU_RETSET=retset)
    ended = at(job.get("end"), now)
    finished = status not in engine.ACTIVE_JOB_STATES and status != "TERMINATED"
    if status == "RUNNING":
        cols.update(EMU_WORK_END=store.fmt_ts(now + datetime.timedelta(seconds=work)), EMU_WORK_LEFT=None)
    elif status == "SLEEPING":
        cols.update(EMU_SLEEP_SINCE=store.fmt_ts(now))
    elif finished:                           # COMPLETED, or any other word of a finished job
        if "completion_state" in job:
            state = job["completion_state"]
            state = None if state is None or str(state).lower() == "none" else str(state)
        else:
            state = engine.COMPLETION_STATES.get(job.get("outcome")) if status == "COMPLETED" else None
        cols.update(COMPLETION_STATE=state, END_TIME=store.fmt_ts(ended), EMU_WORK_LEFT=0)
    elif status == "TERMINATED":
        cols.update(END_TIME=store.fmt_ts(ended))
    engine.base.insert(conn, "JOBS", **cols)
    values = dict(n=number, name=name, rule=rule, retset=retset)
    engine.log(conn, run, engine.MESSAGES["job_running" if rule else "job_started"].format(**values))
    if finished:
        evidence = job.get("evidence") or _evidence(cols["COMPLETION_STATE"], job.get("outcome"))
        if evidence in ("warning", "failed"):
            key = "job_warning" if evidence == "warning" else "job_failed"
            engine.log(conn, ended, job.get("message") or engine.MESSAGES[key].format(**values))
        if evidence != "none":
            engine.log(conn, ended, engine.MESSAGES["job_completed"].format(state=EVIDENCE_STATES[evidence], **values))
    elif status == "TERMINATED":
        engine.log(conn, ended, engine.MESSAGES["job_terminated"].format(**values))
    elif status == "INTERRUPTED":
        engine.log(conn, at(job.get("interrupted"), now), job.get("message") or engine.MESSAGES["job_interrupted"].format(**values))
    elif status == "SLEEPING":
        engine.log(conn, at(job.get("slept", "-1m"), now), engine.MESSAGES["job_sleeping"].format(**values))


def _evidence(completion_state, outcome):
    """The end messages a finished job leaves in the activity log, by default: those of its
    completion state, else of its outcome (unknown: none)."""
    by_state = {state: key for key, state in EVIDENCE_STATES.items()}
    if completion_state in by_state:
        return by_state[completion_state]
    return outcome if outcome in EVIDENCE_STATES else "none"


def _seed_job_children(conn, job, now):
    """A RUNNING job whose children the fleet does not list gets its own (started at its run)."""
    row = engine.base.fetch_row(conn, "SELECT * FROM JOBS WHERE JOB_ID=?", (job["id"],))
    if row["STATUS"] != "RUNNING" or engine.jobs.children_of(conn, job["id"]):
        return
    work_end = row["EMU_WORK_END"]
    engine.start_job_run(conn, dict(row, EMU_WORK_LEFT=0), store.parse_ts(row["RUN_TIME"]), log_start=False)
    conn.execute("UPDATE JOBS SET EMU_WORK_END=? WHERE JOB_ID=?", (work_end, job["id"]))


def _seed_process(conn, process, now):
    started = at(process.get("started", "-10m"), now)
    duration = None
    if process.get("ends") is not None:
        duration = (at(process["ends"], now) - started).total_seconds()
    elif process.get("duration") is not None:
        duration = engine.parse_duration(process["duration"])
    elif process.get("job") is None:
        duration = 3600.0 + (now - started).total_seconds()   # [DECIDED] an hour from init
    mount = process.get("mount")
    extra = dict(FILES_PROCESSED=int(process.get("files", 0)), BYTES_PROCESSED=int(process.get("bytes", 0)),
                 BYTES_TO_PROCESS=int(process.get("bytes_to_process", 0)),
                 EMU_WARNING=process.get("warning"), EMU_ERROR=process.get("error"),
                 EMU_MOUNT=json.dumps(mount) if mount else None)
    if process.get("activity"):
        extra["EMU_ACTIVITY"] = process["activity"]
    engine.new_process(conn, now, process.get("description", "Migration"), status=process.get("status", ""),
                       job_id=process.get("job"), parent=process.get("parent"), duration=duration,
                       result=str(process.get("result", "SUCCESS")).upper(), started=started,
                       number=_number(conn, "process", process.get("id")), **extra)


def _seed_session(conn, session, now):
    state, length = engine.parse_step(session.get("state", "Run"))
    if session.get("for") is not None:
        length = engine.parse_duration(session["for"])
    started = at(session.get("started", "-5m"), now)
    since = at(session["since"], now) if session.get("since") is not None else started
    mount = session.get("mount")
    extra = dict(BYTES_SENT=int(session.get("bytes_sent", 0)), BYTES_RECEIVED=int(session.get("bytes_received", 0)),
                 OWNER_NAME=session.get("owner"), LAST_VERB=session.get("verb"), VERB_STATE=session.get("verb_state"),
                 EMU_ACTIVITY=str(session.get("activity", "BACKUP")).upper(), EMU_SCHEDULE=session.get("schedule"),
                 EMU_TXN=1 if session.get("transaction") else 0,
                 EMU_ROLLBACK_SECONDS=engine.parse_duration(session.get("rollback")),
                 EMU_EXAMINED=session.get("examined"), EMU_AFFECTED=session.get("affected"),
                 EMU_FAILED=session.get("failed"), EMU_WARNING=session.get("warning"), EMU_ERROR=session.get("error"),
                 EMU_MOUNT=json.dumps(mount) if mount else None)
    if state == "End":
        extra.update(EMU_END_AT=store.fmt_ts(since + datetime.timedelta(seconds=length or engine.END_SECONDS)),
                     EMU_END_REASON="normal")
    number = _number(conn, "session", session.get("id"))
    engine.new_session(conn, since, str(session.get("client", "NODE")), str(session.get("type", "Node")).capitalize(),
                       session.get("platform", "Linux x86-64"), session.get("comm", "Tcp/Ip"), state=state,
                       length=length, script=[engine.parse_step(step) for step in session.get("then") or []],
                       started=started, number=number, **extra)


# The per-item seeding, for what the bulk writer hands back (generate.seed_bulk).
PER_ITEM = {"completed_session": _seed_completed_session, "completed_process": _seed_completed_process,
            "retset": _seed_retset, "job": _seed_job, "job_children": _seed_job_children,
            "process": _seed_process, "session": _seed_session, "at": at}
