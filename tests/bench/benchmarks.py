"""The benchmarks of issue 10, each a ratio against a baseline measured in the same run.

(a) parsing   _parse over 200,000-row answers (list, comma, tab, routed) vs csv.reader on the same text
(b) module    sp_task_info over the demo fleet vs the same dsmadmc processes replayed bare from a shell loop
(c) report    the task_report role (all formats) over a generated fleet vs its dsmadmc processes replayed bare;
              the peak memory of every process
(d) growth    (c) at several fleet sizes: time and memory against the number of tasks
(e) pushdown  filtered reads (one client, one job, one state): rows the server sent vs tasks returned

Each function takes a `size` dict (run.py SIZES: standard, tiny) and returns a list of result rows
(dicts; see row()).
"""
import csv
import glob
import io
import json
import os
import subprocess
import sys
import time

import yaml

import benchlib
from benchlib import ADMIN, BIN, PASSWORD, ROOT, measured

# ---------------------------------------------------------------- result rows


def row(key, name, measured_value, baseline, target, unit="s CPU", wall=None, note="", extra=None,
        lower_is_better=True):
    """One line of the table: measured / baseline against a target ratio."""
    ratio = measured_value / baseline if baseline else float("inf")
    ok = ratio <= target if lower_is_better else ratio >= target
    return {"key": key, "name": name, "measured": measured_value, "baseline": baseline, "ratio": ratio,
            "target": target, "unit": unit, "wall": wall, "ok": ok, "note": note, "extra": extra or {}}


def _cpu(func, arg, repeat):
    """Least CPU seconds of `repeat` calls (time.process_time: this process only)."""
    times = []
    for _round in range(repeat):
        start = time.process_time()
        func(arg)
        times.append(time.process_time() - start)
    return min(times)


# ---------------------------------------------------------------- (a) parsing

def _select_rows(work):
    """The rows and columns the emulator answers `SELECT S.*, CURRENT_TIMESTAMP AS SERVER_TIME
    FROM SESSIONS S` with, on a generated server (the module's sessions query)."""
    from spemu import sql, store   # pylint: disable=import-outside-toplevel
    home = benchlib.generated_home(work, 1, 2000)
    path = store.server_db_path(home.path, home.names[0])
    result = sql.run_select(path, "SELECT S.*, CURRENT_TIMESTAMP AS SERVER_TIME FROM SESSIONS S", store.now(home.path))
    return result.columns, result.numeric, result.rows


def answers(work, rows, targets=4):
    """{form: text} of a `rows`-row answer as the emulated client prints it with -dataonly=yes:
    list, comma, tab, and routed (list mode, `targets` sections framed as the client frames them)."""
    from spemu import render   # pylint: disable=import-outside-toplevel
    columns, numeric, base = _select_rows(work)
    records = []
    for index in range(rows):
        record = list(base[index % len(base)])
        record[0] = 100000 + index            # SESSION_ID: every row its own
        records.append([render.sql_value(value) for value in record])
    table_columns = [render.Column(label, 0, is_number) for label, is_number in zip(columns, numeric)]

    def text(mode, part=None):
        part = records if part is None else part
        return "\n".join(render.render([render.Table(table_columns, part)], mode, True)) + "\n"

    out = {"list": text("list"), "comma": text("comma"), "tab": text("tab")}
    names = ["GEN%03d" % (n + 1) for n in range(targets)]
    command = "SELECT S.*, CURRENT_TIMESTAMP AS SERVER_TIME FROM SESSIONS S"
    share = rows // targets
    lines = ["ANR1699I Resolved %s to %d server(s) - issuing command %s against server(s)." % (",".join(names), targets, command)]
    for n, name in enumerate(names):
        part = records[n * share:(n + 1) * share if n < targets - 1 else rows]
        lines.append("ANR1687I Output for command '%s' issued against server %s follows:" % (command, name))
        lines.extend(render.render([render.Table(table_columns, part)], "list", True))
        lines.append("ANR1688I Output for command '%s' issued against server %s completed." % (command, name))
        lines.append("ANR1694I Server %s processed command '%s' and completed successfully." % (name, command))
    lines.append("ANR1697I Command '%s' processed by %d server(s):  %d successful, 0 with warnings, and 0 with errors."
                 % (command, targets, targets))
    out["routed"] = "\n".join(lines) + "\n"
    return out, names


def bench_parsing(size, work):
    benchlib.import_collection()
    from ansible_collections.spectrum_protect.operations.plugins.module_utils import _parse  # pylint: disable=import-outside-toplevel
    rows, repeat = size["parse_rows"], size["repeat"]
    texts, names = answers(work, rows)

    def routed(text):
        split = _parse.split_routed(text, names)
        return [_parse.parse_output(section["text"], "list", None, None, section.get("entries")).rows
                for section in split.sections]

    parsers = {"list": lambda t: _parse.parse_output(t, "list").rows,
               "comma": lambda t: _parse.parse_output(t, "comma").rows,
               "tab": lambda t: _parse.parse_output(t, "tab").rows,
               "routed": lambda t: [r for rows_ in routed(t) for r in rows_]}
    delimiters = {"tab": "\t"}
    targets = {"list": 4.0, "comma": 3.0, "tab": 3.0, "routed": 4.0}
    out = []
    for form, parse in parsers.items():
        text = texts[form]
        got = parse(text)
        if len(got) != rows:
            raise AssertionError("%s parser read %d of %d rows" % (form, len(got), rows))
        delimiter = delimiters.get(form, ",")
        measured_cpu = _cpu(parse, text, repeat)
        baseline = _cpu(lambda t: list(csv.reader(io.StringIO(t), delimiter=delimiter)), text, repeat)
        out.append(row("a-" + form, "parse %s, %s rows (%.1f MB)" % (form, "{:,}".format(rows), len(text) / 1e6),
                       measured_cpu, baseline, targets[form],
                       note="vs csv.reader on the same text" + ("; routed: 4 list sections, as the module splits and "
                                                                "parses them" if form == "routed" else ""),
                       extra={"rows": rows, "bytes": len(text)}))
    return out


# ---------------------------------------------------------------- running sp_task_info and the role

def module_argv(module="sp_task_info"):
    return [sys.executable, "-m", "ansible_collections.spectrum_protect.operations.plugins.modules.%s" % module]


def run_module(home, args, tag, sample=False, module="sp_task_info", returns="tasks"):
    """A module (sp_task_info) run with `python -m` (its arguments as JSON on stdin, as AnsiballZ
    hands them over), measured; its result must hold `returns`; -> (Measured, result dict,
    dsmadmc calls)."""
    run, result, calls = run_measured(home, module_argv(module), tag, json.dumps({"ANSIBLE_MODULE_ARGS": args}),
                                      sample)
    if returns not in result:
        raise AssertionError("%s returned no %s: %s" % (module, returns, json.dumps(result)[:3000]))
    return run, result, calls


def run_measured(home, argv, tag, input_text=None, sample=False):
    """A module process (argv) with the credentials in its environment, measured; its answer must
    be JSON of a run that did not fail -> (Measured, result dict, dsmadmc calls)."""
    env, log = home.logged_env(tag)
    env.update(SP_ADMIN_ID=ADMIN, SP_ADMIN_PASSWORD=PASSWORD)
    run = measured(argv, env, input_text, sample=sample)
    try:
        result = json.loads(run.stdout)
    except ValueError:
        raise AssertionError("%s did not answer JSON: %s %s" % (argv[-1], run.stdout[-2000:], run.stderr[-2000:])) from None
    if run.rc or result.get("failed"):
        raise AssertionError("%s failed: %s" % (argv[-1], json.dumps(result)[:3000]))
    return run, result, benchlib.read_calls(log)


def replay(home, calls, tag, sample=False):
    """The same dsmadmc processes, bare, from a shell loop -> (Measured, calls of the replay)."""
    script = benchlib.replay_script(home, calls, os.path.join(home.path, "replay-%s.sh" % tag))
    env, log = home.logged_env("replay-" + tag)
    env["SP_BENCH_PASSWORD"] = PASSWORD
    run = measured(script, env, sample=sample)
    replayed = benchlib.read_calls(log)
    if run.rc or [call["exit"] for call in replayed] != [call["exit"] for call in calls]:
        raise AssertionError("the replay ran %d of %d dsmadmc processes (rc %s): %s" % (
            len(replayed), len(calls), run.rc, run.stderr[-2000:]))
    return run, replayed


def signons(calls):
    return sum(call["signons"] for call in calls)


# ---------------------------------------------------------------- (b) sp_task_info over the demo fleet

def ansiballz_payload(home, module, args, tag):
    """The AnsiballZ payload Ansible runs for `module` with `args` on this host: `ansible localhost
    -m` once with ANSIBLE_KEEP_REMOTE_FILES, the kept file taken (its arguments are inside it; the
    credentials stay in the environment). Run with the interpreter, it is the module exactly as
    ansible-playbook runs it: module_utils zipped, compiled from source on every run."""
    keep = os.path.join(home.path, "kept-" + tag)
    os.makedirs(keep)
    env = dict(home.env, ANSIBLE_KEEP_REMOTE_FILES="1", ANSIBLE_REMOTE_TMP=keep,
               SP_ADMIN_ID=ADMIN, SP_ADMIN_PASSWORD=PASSWORD)
    argv = [os.path.join(BIN, "ansible"), "localhost", "-i", "localhost,", "-c", "local", "-m", module]
    proc = subprocess.run(argv + (["-a", json.dumps(args)] if args else []), env=env, capture_output=True,
                          text=True, check=False)
    if proc.returncode:
        raise AssertionError("ansible -m %s failed: %s" % (module, (proc.stdout + proc.stderr)[-3000:]))
    found = glob.glob(os.path.join(keep, "*", "AnsiballZ_*.py"))
    if len(found) != 1:
        raise AssertionError("expected one kept AnsiballZ payload under %s, found %r" % (keep, found))
    with open(found[0], encoding="utf-8") as handle:
        if PASSWORD in handle.read():
            raise AssertionError("the password is in the AnsiballZ payload")
    return found[0]


def bench_ansiballz(home, args, repeat):
    """(b) as Ansible really runs a module: sp_task_info's AnsiballZ payload against its bare
    replay, and the least any module can cost here, an empty one (ansible.builtin.ping's payload),
    added to the same bare replay: when that is above 1.3x, no module meets target 2."""
    module_payload = ansiballz_payload(home, "spectrum_protect.operations.sp_task_info", args, "module")
    empty_payload = ansiballz_payload(home, "ansible.builtin.ping", {}, "empty")
    runs, replays, empties = [], [], []
    calls = None
    for index in range(repeat):
        run, _result, calls = run_measured(home, [sys.executable, module_payload], "ansiballz-%d" % index)
        runs.append(run)
        replays.append(replay(home, calls, "ansiballz-%d" % index)[0])
        empties.append(run_measured(home, [sys.executable, empty_payload], "empty-%d" % index)[0])
    module, bare, empty = benchlib.best(runs), benchlib.best(replays), benchlib.best(empties)
    own = module.cpu - bare.cpu - empty.cpu
    return [
        row("b-module-ansiballz", "sp_task_info as Ansible runs it (its AnsiballZ payload, one session)",
            module.cpu, bare.cpu, 1.3, wall=(module.wall, bare.wall),
            note="%d dsmadmc process, %d sign-on; of the module's CPU %.3f s is an empty module's, %s" % (
                len(calls), signons(calls), empty.cpu,
                "%.3f s the collection's (importing its module_utils, reading, parsing, the result)" % own
                if own > 0 else "and the rest is within this run's noise (module - empty - replay = %.3f s: "
                "rerun on a quieter machine)" % own),
            extra={"processes": len(calls), "signons": signons(calls), "empty_cpu": empty.cpu, "own_cpu": own}),
        row("b-floor", "the least any Ansible module costs here: an empty module (ansible.builtin.ping, AnsiballZ) "
            "plus the same bare replay", empty.cpu + bare.cpu, bare.cpu, 1.3, wall=(empty.wall + bare.wall, bare.wall),
            note="above 1.3x, target 2 cannot be met by any module against one client process of this size; "
                 "the empty module alone: %.3f s CPU" % empty.cpu,
            extra={"empty_cpu": empty.cpu}),
    ]


def bench_module(size, work):
    """(b) sp_task_info over the demo fleet through the hub, one client session (the default) and
    one call per query (single_session: false), each against its own bare replay; and the two
    modes against each other."""
    home = benchlib.demo_home(work)
    targets = ["HUB1", "SPOKE1", "SPOKE2", "SPOKE3"]
    out = []
    measured_modes = {}
    for mode, extra in (("one session", {}), ("one call per query", {"single_session": False})):
        args = dict({"server": "HUB1", "route_to": targets}, **extra)
        runs, replays = [], []
        calls = result = None
        tag = "module-%s" % ("one" if not extra else "many")
        for index in range(size["repeat"]):
            run, result, calls = run_module(home, args, "%s-%d" % (tag, index))
            runs.append(run)
            replays.append(replay(home, calls, "%s-%d" % (tag, index))[0])
        module, bare = benchlib.best(runs), benchlib.best(replays)
        measured_modes[mode] = (module, calls)
        commands = len(result["commands"])
        note = "%d dsmadmc processes, %d sign-ons on the hub, %d commands (%d tasks); replay: the same argv from a shell loop" % (
            len(calls), signons(calls), commands, len(result["tasks"]))
        if not extra:
            note += "; the module run with python -m (Ansible's own files compiled once): as Ansible runs it, see b-module-ansiballz"
        out.append(row("b-module" if not extra else "b-module-per-query",
                       "sp_task_info, demo fleet through the hub (%s)" % mode, module.cpu, bare.cpu, 1.3,
                       wall=(module.wall, bare.wall), note=note,
                       extra={"processes": len(calls), "signons": signons(calls), "commands": commands,
                              "tasks": len(result["tasks"]), "module_maxrss_kib": module.maxrss_kib}))
    out.extend(bench_ansiballz(home, {"server": "HUB1", "route_to": targets}, size["repeat"]))
    one, many = measured_modes["one session"], measured_modes["one call per query"]
    out.append(row("b-sessions", "sp_task_info run, one session vs one call per query", one[0].cpu, many[0].cpu, 1.0,
                   wall=(one[0].wall, many[0].wall),
                   note="%d vs %d dsmadmc processes, %d vs %d sign-ons (whole run, module and clients)" % (
                       len(one[1]), len(many[1]), signons(one[1]), signons(many[1]))))
    return out


# ---------------------------------------------------------------- (f) an acting run

ACTION_ARGS = {"server": "HUB1", "route_to": ["SPOKE1"], "job_type": "RETENTION", "states": ["Running", "Sleeping"],
               "state": "interrupted"}


def run_action(work, args, tag):
    """sp_job interrupting SPOKE1's retention jobs through the hub and reading them back, on a
    fresh demo fleet (a run changes the servers) -> (Measured, result dict, dsmadmc calls)."""
    run, result, calls = run_module(benchlib.demo_home(work), args, tag, module="sp_job", returns="interrupted")
    if not result["interrupted"]:
        raise AssertionError("sp_job interrupted nothing: %s" % json.dumps(result)[:3000])
    return run, result, calls


def bench_action(size, work):
    """(f) an acting run (issue 10, target 1): one client signed on for the plan's reads, the
    changes and the read-back (a conversation, the default), against one dsmadmc call per
    command (single_session: false), whole process trees, each on a fresh fleet."""
    modes = {}
    for mode, extra in (("conversation", {}), ("per-query", {"single_session": False})):
        runs = [run_action(work, dict(ACTION_ARGS, **extra), "action-%s-%d" % (mode, index))
                for index in range(size["repeat"])]
        modes[mode] = min(runs, key=lambda entry: entry[0].cpu)
    (one, one_result, one_calls), (many, _many_result, many_calls) = modes["conversation"], modes["per-query"]
    return [row("f-action", "sp_job interrupt and read back through the hub: one client for the run vs one call per "
                "command", one.cpu, many.cpu, 1.0, wall=(one.wall, many.wall),
                note="%d vs %d dsmadmc processes, %d vs %d sign-ons, %d jobs interrupted (whole run, module and "
                     "clients)" % (len(one_calls), len(many_calls), signons(one_calls), signons(many_calls),
                                   len(one_result["interrupted"])),
                extra={"processes": len(one_calls), "signons": signons(one_calls),
                       "processes_per_query": len(many_calls), "signons_per_query": signons(many_calls),
                       "changes": len(one_result["interrupted"])})]


# ---------------------------------------------------------------- (c) the task_report role

PLAYBOOK = os.path.join(ROOT, "playbooks", "task_report.yml")


def run_role(home, tag, sample=True, formats=None):
    """playbooks/task_report.yml through the hub of a generated fleet, every format, measured
    -> (Measured, dsmadmc calls, the JSON report's counts)."""
    run_dir = os.path.join(home.path, "role-" + tag)
    os.makedirs(run_dir)
    variables = {"task_report_admin_id": ADMIN, "task_report_password": PASSWORD,
                 "task_report_dest": os.path.join(run_dir, "report"), "task_report_server": home.names[0],
                 "task_report_route_to": list(home.names)}
    if formats:
        variables["task_report_formats"] = formats
    vars_file = os.path.join(run_dir, "vars.yml")
    with os.fdopen(os.open(vars_file, os.O_WRONLY | os.O_CREAT, 0o600), "w") as handle:
        yaml.safe_dump(variables, handle)
    env, log = home.logged_env(tag)
    env["ANSIBLE_PYTHON_INTERPRETER"] = sys.executable
    argv = [os.path.join(BIN, "ansible-playbook"), "-i", "localhost,", "-c", "local", PLAYBOOK, "-e", "@" + vars_file]
    run = measured(argv, env, sample=sample)
    if run.rc:
        raise AssertionError("the task_report role failed (rc %d): %s" % (run.rc, (run.stdout + run.stderr)[-4000:]))
    with open(os.path.join(run_dir, "report", "task-report.json"), encoding="utf-8") as handle:
        report = json.load(handle)
    written = sorted(name for name in os.listdir(os.path.join(run_dir, "report")))
    return run, benchlib.read_calls(log), {"tasks": _report_tasks(report), "files": written}


def _report_tasks(report):
    tasks = report.get("tasks")
    if isinstance(tasks, list):
        return len(tasks)
    return sum(len(server.get("tasks") or []) for server in report.get("servers") or [])


def _peak(run):
    """(KiB, name) of the largest process of a run: the sampled peaks, or ru_maxrss."""
    if run.peaks:
        name, (kib, _pid) = max(run.peaks.items(), key=lambda item: item[1][0])
        return max(kib, 0), name
    return run.maxrss_kib, "largest process"


def role_rows(home, tag, label, size_note):
    """Role vs bare replay rows (time, memory) for one fleet."""
    run, calls, report = run_role(home, tag)
    bare, _replayed = replay(home, calls, tag, sample=True)
    peak_kib, peak_name = _peak(run)
    servers, tasks = len(home.names), report["tasks"]
    note = "%s: %s tasks in the report, %d dsmadmc processes (%d sign-ons), formats %s" % (
        size_note, "{:,}".format(tasks), len(calls), signons(calls), ",".join(f.split(".")[-1] for f in report["files"]))
    extra = {"servers": servers, "tasks": tasks, "processes": len(calls), "signons": signons(calls),
             "role_cpu": run.cpu, "role_wall": run.wall, "bare_cpu": bare.cpu, "bare_wall": bare.wall,
             "maxrss_kib": run.maxrss_kib, "peak_kib": peak_kib, "peak_name": peak_name,
             "peaks": {name: kib for name, (kib, _pid) in run.peaks.items()},
             "bare_peak_kib": _peak(bare)[0]}
    return [row(tag + "-time", label, run.cpu, bare.cpu, 3.0, wall=(run.wall, bare.wall), note=note, extra=extra),
            row(tag + "-memory", label + ": peak memory of the largest process", peak_kib / 1024.0, 1024.0, 1.0,
                unit="MiB", note="largest: %s; limit 1 GiB per process" % peak_name, extra=extra)]


def bench_report(size, work):
    servers, tasks = size["report"]
    home = benchlib.generated_home(work, servers, tasks)
    return role_rows(home, "c-report", "task_report role, %d servers x %s tasks" % (servers, "{:,}".format(tasks)),
                     "%d x %d" % (servers, tasks))


# ---------------------------------------------------------------- (d) growth

def bench_growth(size, work):
    """The role at each fleet size of size['growth']; rows per size, and a linearity row per
    series: the exponent k of cost ~ tasks^k between its smallest and largest fleet."""
    points = []
    for servers, tasks in size["growth"]:
        home = benchlib.generated_home(work, servers, tasks)
        rows_ = role_rows(home, "d-%dx%d" % (servers, tasks), "growth %d x %s" % (servers, "{:,}".format(tasks)),
                          "%d x %d" % (servers, tasks))
        extra = rows_[0]["extra"]
        points.append(dict(extra, servers=servers, per_server=tasks))
        benchlib.remove(home.path)
    out = []
    for series, fixed in (("servers", "per_server"), ("per_server", "servers")):
        groups = {}
        for point in points:
            groups.setdefault(point[fixed], []).append(point)
        for value, group in sorted(groups.items()):
            if len(group) < 2:
                continue
            group.sort(key=lambda p: p["tasks"])
            first, last = group[0], group[-1]
            for metric, label in (("role_cpu", "time"), ("peak_kib", "memory")):
                out.append(growth_row(series, fixed, value, first, last, metric, label))
    return out, points


def growth_row(series, fixed, value, first, last, metric, label):
    import math   # pylint: disable=import-outside-toplevel
    scale = last["tasks"] / float(first["tasks"])
    grew = last[metric] / float(first[metric]) if first[metric] else float("inf")
    exponent = math.log(grew) / math.log(scale) if scale > 1 and grew > 0 else float("nan")
    what = "servers %d -> %d at %s tasks each" % (first["servers"], last["servers"], "{:,}".format(value)) \
        if series == "servers" else "tasks per server %s -> %s on %d servers" % (
            "{:,}".format(first["per_server"]), "{:,}".format(last["per_server"]), value)
    return row("d-%s-%s-%s" % (series, value, label), "growth of %s, %s" % (label, what), grew, scale, 1.1,
               unit="x", note="tasks x%.1f, %s x%.2f: cost ~ tasks^%.2f (linear: 1.00)" % (scale, label, grew, exponent),
               extra={"exponent": exponent})


# ---------------------------------------------------------------- (e) pushdown

def count_rows(home, command, server):
    """Data rows the emulated server answers a module command with (-comma -dataonly=yes: one
    line per row; messages and the QUERY STATUS title are not rows)."""
    from spemu import dsmadmc   # pylint: disable=import-outside-toplevel
    rc, text = dsmadmc.invoke(["-se=" + server, "-id=" + ADMIN, "-dataonly=yes", "-comma", command], home=home.path,
                              input_text=PASSWORD + "\n")
    rows = 0
    for line in text.splitlines():
        if not line.strip() or line[:3] in ("ANR", "ANS") and line[3:7].isdigit():
            continue
        if line.startswith("Storage Management Server for"):
            continue
        rows += 1
    return rows, rc


def pushdown_case(home, name, args):
    run, result, calls = run_module(home, args, "pushdown-" + name.replace(" ", "-"))
    del run
    fetched = 0
    per_command = []
    for command in result["commands"]:
        rows, _rc = count_rows(home, command, args["server"])
        fetched += rows
        per_command.append((command, rows))
    return {"returned": len(result["tasks"]), "fetched": fetched, "commands": per_command, "processes": len(calls)}


def bench_pushdown(size, work):
    """One server at two table sizes; per filter: tasks returned, rows the server sent. Rows
    fetched in proportion to the answer: the rows fetched beyond those returned do not grow
    with the table (at most 1.5x + 10 rows when the table grows size['pushdown'][1]/[0] times)."""
    out, cases = [], {}
    for tasks in size["pushdown"]:
        home = benchlib.generated_home(work, 1, tasks, name="PUSH")
        server = home.names[0]
        from spemu import generate, fleet   # pylint: disable=import-outside-toplevel
        spec = generate.expand_server(fleet.load(home.fleet_file)["servers"][0])
        client = sorted(s["client"] for s in spec["sessions"] if s["type"] == "Node")[0]
        job = next(j["id"] for j in spec["jobs"] if j["status"] == "RUNNING")
        filters = {"one client": {"client_name": client}, "one job": {"job_id": job},
                   "one state": {"states": ["media wait"]}}
        for name, extra_args in filters.items():
            args = dict({"server": server}, **extra_args)
            case = pushdown_case(home, name, args)
            case["table"] = tasks
            cases.setdefault(name, []).append(case)
        benchlib.remove(home.path)
    for name, (small, large) in cases.items():
        excess_small = small["fetched"] - small["returned"]
        excess_large = large["fetched"] - large["returned"]
        note = "table %s -> %s tasks: returned %d -> %d, fetched %s -> %s rows; worst command at the larger table: %s (%s rows)" % (
            "{:,}".format(small["table"]), "{:,}".format(large["table"]), small["returned"], large["returned"],
            "{:,}".format(small["fetched"]), "{:,}".format(large["fetched"]),
            *max(large["commands"], key=lambda item: item[1]))
        out.append(row("e-" + name.replace(" ", "-"), "pushdown, %s: rows fetched beyond the answer" % name,
                       float(excess_large), 1.5 * excess_small + 10.0, 1.0, unit="rows", note=note,
                       extra={"small": small, "large": large}))
    return out
