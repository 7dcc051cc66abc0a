"""make bench: parser and fleet-read benchmarks, as ratios against baselines measured in the same run.

Absolute times depend on the machine; ratios do not (much). Each line prints the measured time,
the baseline's, their ratio and the target ratio; the exit status is non-zero when a target is
missed, so a slowdown shows.

- list parser: _parse.parse_list over N SESSIONS records vs. the floor of any list parser
  (splitting every line at its first colon, the least work that reads the format).
- comma parser: _parse.parse_delimited vs. the standard library's csv.reader on the same text.
- table parser: _parse.parse_table vs. the list parser on the same records (tables are harder).
- fleet read: sp_task_info's reader over the whole demo fleet through the hub (six routed
  dsmadmc calls) vs. one routed `QUERY STATUS` dsmadmc call: the module should cost about as much
  as the calls it makes, no more.
"""
import csv
import io
import os
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "build", "collections"))

from ansible_collections.spectrum_protect.operations.plugins.module_utils import _parse  # noqa: E402

RECORDS = 5000
COLUMNS = ["SESSION_ID", "START_TIME", "COMMMETHOD", "STATE", "WAIT_SECONDS", "BYTES_SENT",
           "BYTES_RECEIVED", "SESSION_TYPE", "CLIENT_PLATFORM", "CLIENT_NAME", "SERVER_TIME"]


def rows(n):
    for i in range(n):
        yield [str(1000 + i), "2026-11-25 05:58:33.000000", "Tcp/Ip", "IdleW", str(i % 900),
               str(i * 1031), str(i * 7919), "Node", "Linux x86-64", "NODE%05d" % i,
               "2026-11-25 06:38:33.000000"]


def list_text(n):
    width = max(len(c) for c in COLUMNS)
    blocks = []
    for row in rows(n):
        blocks.append("\n".join("%s: %s" % (c.rjust(width), v) for c, v in zip(COLUMNS, row)))
    return "\n\n".join(blocks) + "\n"


def comma_text(n):
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    for row in rows(n):
        writer.writerow(row[:5] + ["1,234,567"] + row[6:])
    return out.getvalue()


def table_text(n):
    widths = [max(len(c), 26 if "TIME" in c else 12) for c in COLUMNS]
    lines = ["  ".join(c.ljust(w) for c, w in zip(COLUMNS, widths)),
             "  ".join("-" * w for w in widths)]
    for row in rows(n):
        lines.append("  ".join(v.ljust(w) for v, w in zip(row, widths)))
    return "\n".join(lines) + "\n"


def floor_list(text):
    records, record = [], {}
    for line in text.splitlines():
        if not line.strip():
            if record:
                records.append(record)
            record = {}
            continue
        label, _colon, value = line.partition(":")
        record[label.strip()] = value.strip()
    if record:
        records.append(record)
    return records


def best(func, arg, repeat=5):
    times = []
    for _round in range(repeat):
        start = time.perf_counter()
        func(arg)
        times.append(time.perf_counter() - start)
    return min(times)


def fleet_read():
    """(seconds for sp_task_info over the demo fleet, seconds for one routed dsmadmc call)."""
    bin_dir = os.path.dirname(sys.executable)
    home = tempfile.mkdtemp(prefix="spbench-")
    env = dict(os.environ, SPEMU_HOME=home, DSM_DIR=home, DSM_CONFIG=os.path.join(home, "dsm.opt"),
               PATH=os.path.join(home, "bin") + os.pathsep + bin_dir + os.pathsep + os.environ["PATH"],
               ANSIBLE_COLLECTIONS_PATH=os.path.join(ROOT, "build", "collections"),
               SP_ADMIN_ID="ADMIN", SP_ADMIN_PASSWORD="passw0rd")
    fleet = os.path.join(ROOT, "tests", "emulator", "fleets", "demo.yml")
    subprocess.run([os.path.join(bin_dir, "spemu"), "init", "--fleet", fleet, "--home", home],
                   env=env, check=True, capture_output=True)
    subprocess.run([os.path.join(bin_dir, "spemu"), "clock", "freeze", "--home", home],
                   env=env, check=True, capture_output=True)
    targets = "HUB1,SPOKE1,SPOKE2,SPOKE3"
    args = '{"ANSIBLE_MODULE_ARGS": {"server": "HUB1", "route_to": ["%s"]}}' % '", "'.join(targets.split(","))
    module = [sys.executable, "-m", "ansible_collections.spectrum_protect.operations.plugins.modules.sp_task_info"]
    call = [os.path.join(home, "bin", "dsmadmc"), "-se=HUB1", "-id=ADMIN", "-dataonly=yes",
            "-displaymode=list", targets + ": QUERY STATUS"]
    env["PYTHONPATH"] = os.path.join(ROOT, "build", "collections")

    def run_module(_unused):
        proc = subprocess.run(module, input=args, env=env, capture_output=True, text=True, check=False)
        assert '"tasks"' in proc.stdout, proc.stdout + proc.stderr

    def run_call(_unused):
        proc = subprocess.run(call, input="passw0rd\n", env=env, capture_output=True, text=True, check=False)
        assert "ANR1697I" in proc.stdout, proc.stdout

    return best(run_module, None, 3), best(run_call, None, 3)


def main():
    results = []
    text = list_text(RECORDS)
    assert len(_parse.parse_list(text).rows) == RECORDS == len(floor_list(text))
    results.append(("list parser, %d records" % RECORDS, best(_parse.parse_list, text),
                    best(floor_list, text), 4.0))
    text = comma_text(RECORDS)
    assert len(_parse.parse_delimited(text, ",").rows) == RECORDS
    results.append(("comma parser, %d rows" % RECORDS, best(lambda t: _parse.parse_delimited(t, ","), text),
                    best(lambda t: list(csv.reader(io.StringIO(t))), text), 6.0))
    ttext = table_text(RECORDS)
    assert len(_parse.parse_table(ttext).rows) == RECORDS
    results.append(("table parser vs list parser", best(_parse.parse_table, ttext),
                    best(_parse.parse_list, list_text(RECORDS)), 3.0))
    module, call = fleet_read()
    results.append(("sp_task_info, demo fleet (6 routed calls)", module, call, 10.0))
    missed = 0
    print("%-44s %10s %10s %7s %7s" % ("benchmark", "time", "baseline", "ratio", "target"))
    for name, measured, baseline, target in results:
        ratio = measured / baseline
        missed += ratio > target
        verdict = "ok" if ratio <= target else "MISSED"
        print("%-44s %9.4fs %9.4fs %6.2fx %6.1fx %s" % (name, measured, baseline, ratio, target, verdict))
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
