"""Helpers for the integration tests of sp_session, sp_process and sp_job.

What a module did is asked from the emulated server itself: its activity log keeps every
command an administrator issued (ANR2017I), so a test can prove that a check-mode run, a second
run or a refused run sent no command that changes anything.
"""
import importlib.util
import json
import os
import re

# The harness (conftest.py) by its path: "conftest" names several modules in one pytest session.
_SPEC = importlib.util.spec_from_file_location(
    "sp_actions_harness", os.path.join(os.path.dirname(os.path.abspath(__file__)), "conftest.py"))
harness = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(harness)
make_fleet = harness.make_fleet

PASSWORD = "passw0rd"
CONN = {"server": "{{ hub }}", "admin_id": "ADMIN", "password": "{{ pw }}"}
CHANGING = re.compile(r"issued command: (?:\((?P<paren>[A-Za-z0-9_.,]+)\) ?|(?P<plain>[A-Za-z0-9_.,]+): ?)?"
                      r"(?P<command>(?:CANCEL|INTERRUPT|RESUME|TERMINATE|REPLY)\b[^(]*?)\s*(?:\(SESSION|$)")


def conn_vars(fleet):
    hub = next(s["name"] for s in fleet.spec["servers"] if s.get("role") == "hub")
    return {"hub": hub, "pw": PASSWORD, "everyone": [s["name"] for s in fleet.spec["servers"]]}


def task(module, register, check=False, diff=False, **options):
    args = dict(CONN)
    args.update(options)
    entry = {"name": register, "spectrum_protect.operations.%s" % module: args, "register": register}
    if check:
        entry["check_mode"] = True
    if diff:
        entry["diff"] = True
    return entry


def play(fleet, *tasks, **kwargs):
    """Run the tasks in one playbook; return {register: result}."""
    out = fleet.playbook(json.dumps(list(tasks)), vars=conn_vars(fleet), **kwargs)
    assert PASSWORD not in fleet.last_output
    assert PASSWORD not in json.dumps(out)
    return out


def run(fleet, module, check=False, diff=False, **options):
    return play(fleet, task(module, "r_one", check=check, diff=diff, **options))["r_one"]


def changing_commands(fleet, server, routed=False):
    """The changing commands (CANCEL, INTERRUPT, RESUME, TERMINATE, REPLY) that ran on the server,
    in order, as its activity log records them: issued there, or routed there from a hub (a command
    routed to the server that routes it is logged with its prefix only). With `routed`, the
    commands this server routed to others, as 'TARGETS: COMMAND'."""
    rc, text = fleet.dsmadmc("SELECT DATE_TIME, MESSAGE FROM ACTLOG WHERE MSGNO=2017", server=server,
                             mode="comma", extra=("-comma",))
    assert rc in (0, 11), text
    found = []
    for line in text.splitlines():
        match = CHANGING.search(line.replace('"', ""))
        if not match:
            continue
        command = " ".join(match.group("command").split()).upper()
        targets = (match.group("paren") or match.group("plain") or "").upper()
        if routed:
            if targets:
                found.append("%s: %s" % (targets, command))
        elif not targets or server.upper() in targets.split(","):
            found.append(command)
    return found


def every_log(fleet):
    """{server: changing commands that ran there} for the whole fleet, in one routed call."""
    names = [s["name"] for s in fleet.spec["servers"]]
    rc, text = fleet.dsmadmc("%s: SELECT DATE_TIME, MESSAGE FROM ACTLOG WHERE MSGNO=2017" % ",".join(names),
                             server=conn_vars(fleet)["hub"], mode="comma", extra=("-comma",))
    assert rc in (0, 4, 11), text       # 4: a target is down (its section says so)
    out, current = dict((name, []) for name in names), None
    for line in text.splitlines():
        follows = re.match(r"ANR1687I .* issued against server (\S+) follows:", line)
        if follows:
            current = follows.group(1)
            continue
        if line.startswith("ANR1688I"):
            current = None
            continue
        match = CHANGING.search(line.replace('"', "")) if current else None
        if match:
            targets = (match.group("paren") or match.group("plain") or "").upper()
            if not targets or current.upper() in targets.split(","):
                out[current].append(" ".join(match.group("command").split()).upper())
    return out


def listed(fleet, server, what):
    """Rows of a SELECT on one server, as {column: value} dicts (the test's own eyes)."""
    rc, text = fleet.dsmadmc(what, server=server)
    if rc == 11:
        return []
    assert rc == 0, text
    rows, row = [], {}
    for line in text.splitlines():
        if not line.strip():
            if row:
                rows.append(row)
            row = {}
            continue
        label, value = line.split(":", 1) if ":" in line else (line, "")
        row[label.strip()] = value.strip()
    if row:
        rows.append(row)
    return rows


def session_ids(fleet, server):
    return dict((int(r["SESSION_ID"]), r) for r in listed(fleet, server, "SELECT * FROM SESSIONS"))


def process_ids(fleet, server):
    return dict((int(r["PROCESS_NUM"]), r) for r in listed(fleet, server, "SELECT * FROM PROCESSES"))


def job_status(fleet, server, number):
    rows = listed(fleet, server, "SELECT JOB_ID, STATUS FROM JOBS WHERE JOB_ID=%d" % number)
    return rows[0]["STATUS"] if rows else None


def seeded(fleet, server, kind, **match):
    """The seeded entries of one server's `kind` (sessions, processes, jobs) matching all `match`."""
    srv = next(s for s in fleet.spec["servers"] if s["name"] == server)
    return [e for e in srv.get(kind, []) if all(e.get(k) == v for k, v in match.items())]


def pick(fleet, kind, **match):
    """(server, entry) of the first seeded entry matching, in fleet order; fails if there is none."""
    for srv in fleet.spec["servers"]:
        for entry in srv.get(kind, []):
            if all(entry.get(k) == v for k, v in match.items()):
                return srv["name"], entry
    raise AssertionError("the fleet file has no %s with %r" % (kind, match))
