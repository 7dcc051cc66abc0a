"""make bench / make bench-growth: the benchmarks of issue 10, as ratios against baselines measured
in the same run, printed as a table and written into docs/performance.md with the machine.

    python tests/bench/run.py                  # (a) parsing, (b) module, (c) fleet report, (e) pushdown, (f) acting run
    python tests/bench/run.py --growth         # (d) growth: the role at 5 fleet sizes, plot
    python tests/bench/run.py --size tiny      # every benchmark once at a tiny size (tests/bench/test_bench.py)
    python tests/bench/run.py --only a,e       # some of them

Ratios are CPU time (user + system of the whole process tree) of the measured thing over its
baseline's: the machine is shared, and CPU time is what other work disturbs least; wall times
are printed too. The exit status is 1 when a target is missed. SP_BENCH_COLLECTIONS points at
another tree holding ansible_collections/spectrum_protect/operations (default: this checkout).
Benchmarks are described in tests/bench/benchmarks.py; docs/performance.md says how to read them.
"""
import argparse
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import benchlib   # noqa: E402  pylint: disable=wrong-import-position
import benchmarks   # noqa: E402  pylint: disable=wrong-import-position
import perfdoc   # noqa: E402  pylint: disable=wrong-import-position

SIZES = {
    "standard": {"parse_rows": 200000, "repeat": 3, "report": (100, 2000), "pushdown": (2000, 10000),
                 "growth": [(10, 500), (10, 2000), (10, 10000), (30, 2000), (100, 2000)]},
    "tiny": {"parse_rows": 2000, "repeat": 1, "report": (2, 40), "pushdown": (200, 1000),
             "growth": [(2, 40), (2, 120), (4, 40)]},
}
STANDARD = ("a", "b", "c", "e", "f")


def run(size_name, only, growth, write_docs, keep=False):
    size = SIZES[size_name]
    work = benchlib.scratch()
    results, points = [], []
    started = time.time()
    machine = benchlib.machine()
    try:
        wanted = only or (("d",) if growth else STANDARD)
        steps = {"a": benchmarks.bench_parsing, "b": benchmarks.bench_module, "c": benchmarks.bench_report,
                 "e": benchmarks.bench_pushdown, "f": benchmarks.bench_action}
        for key in wanted:
            names = {"a": "parsing", "b": "sp_task_info vs bare dsmadmc", "c": "task_report role",
                     "d": "growth", "e": "pushdown", "f": "an acting run, one client vs one call per command"}
            print("== (%s) %s" % (key, names[key]), file=sys.stderr, flush=True)
            if key == "d":
                rows, points = benchmarks.bench_growth(size, work)
            else:
                rows = steps[key](size, work)
            results += rows
            # each benchmark's rows as soon as it is done (a long run stopped later keeps them)
            print(perfdoc.table_text(rows, dict(machine, load_end="%.2f %.2f %.2f" % os.getloadavg(),
                                                seconds=round(time.time() - started))), flush=True)
    finally:
        if not keep:
            benchlib.remove(work)
    machine["load_end"] = "%.2f %.2f %.2f" % os.getloadavg()
    machine["seconds"] = round(time.time() - started)
    print(perfdoc.table_text(results, machine))
    if points:
        print(perfdoc.curve_text(points))
    if write_docs:
        perfdoc.write(results, machine, points, growth=bool(points), size=size_name)
    return results, points, machine


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", choices=sorted(SIZES), default="standard")
    parser.add_argument("--only", help="comma list of a,b,c,d,e,f")
    parser.add_argument("--growth", action="store_true", help="(d): the role at several fleet sizes")
    parser.add_argument("--no-docs", action="store_true", help="do not write docs/performance.md")
    parser.add_argument("--json", help="also write the results to this file")
    parser.add_argument("--keep", action="store_true", help="keep the scratch homes")
    parser.add_argument("--docs-from", help="write docs/performance.md from a --json file of an earlier run")
    args = parser.parse_args(argv)
    if args.docs_from:
        with open(args.docs_from, encoding="utf-8") as handle:
            saved = json.load(handle)
        perfdoc.write(saved["results"], saved["machine"], saved["points"], growth=bool(saved["points"]), size="standard")
        return 0
    only = tuple(part.strip() for part in args.only.split(",")) if args.only else None
    write_docs = not args.no_docs and args.size == "standard"
    results, points, machine = run(args.size, only, args.growth, write_docs, args.keep)
    if args.json:
        with open(args.json, "w", encoding="utf-8") as handle:
            json.dump({"results": results, "points": points, "machine": machine}, handle, indent=1, default=str)
    return 1 if any(not result["ok"] for result in results) else 0


if __name__ == "__main__":
    sys.exit(main())
