"""Where the time goes: a benchmark's run under py-spy (every process of the tree, sampled), summed
by process and by file:function.

    python tests/bench/profile.py module            # sp_task_info over the demo fleet
    python tests/bench/profile.py report 100 2000   # the task_report role over 100 x 2,000 tasks
    python tests/bench/profile.py parse list 200000 # a parser (in this process)

py-spy (pinned in requirements-dev.txt) samples only running threads, so samples are CPU time.
For each kind of process: its share of all samples, then the functions with the most samples of
their own (self) and, including what they call (total), as file:function and share.
"""
import collections
import json
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import benchlib  # noqa: E402  pylint: disable=wrong-import-position
import benchmarks  # noqa: E402  pylint: disable=wrong-import-position

RATE = 100
FRAME_RE = re.compile(r"^(?P<func>.*) \((?P<file>[^():]+)(?::\d+)?\)$")


def pyspy():
    return os.path.join(benchlib.BIN, "py-spy")


def record(argv, env, input_text=None, out="/tmp/profile.raw"):
    """Run argv under `py-spy record --subprocesses`; returns the raw collapsed stacks."""
    cmd = [pyspy(), "record", "--subprocesses", "--nonblocking", "--format", "raw", "-r", str(RATE), "-o", out, "--"] + argv
    subprocess.run(cmd, env=env, input=(input_text or "").encode(), stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL, check=False)
    with open(out, encoding="utf-8", errors="replace") as handle:
        return handle.read()


def summarize(raw, top=12, focus=None):
    """{kind: {'samples', 'self': [(frame, n)], 'total': [(frame, n)]}} from collapsed stacks;
    with `focus` (substrings) only the stacks that pass through one of them."""
    kinds = collections.defaultdict(lambda: {"samples": 0, "self": collections.Counter(), "total": collections.Counter()})
    for line in raw.splitlines():
        stack, _blank, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        count = int(count)
        if focus and not any(needle in stack for needle in focus):
            continue
        frames = stack.split(";")
        kind = "?"
        while frames and frames[0].startswith("process "):     # the chain of processes, parent first
            cmdline = frames[0].split(":", 1)[1].strip('"') if ":" in frames[0] else ""
            kind = benchlib.process_name(cmdline.split())
            frames = frames[1:]
        entry = kinds[kind]
        entry["samples"] += count
        names = [_frame(frame) for frame in frames]
        if names:
            entry["self"][names[-1]] += count
        for name in set(names):
            entry["total"][name] += count
    return {kind: {"samples": e["samples"], "self": e["self"].most_common(top), "total": e["total"].most_common(top)}
            for kind, e in kinds.items()}


def _frame(frame):
    match = FRAME_RE.match(frame.strip())
    if not match:
        return frame.strip()
    return "%s:%s" % (os.path.basename(match.group("file")), match.group("func"))


def text(summary):
    total = sum(entry["samples"] for entry in summary.values()) or 1
    lines = []
    for kind, entry in sorted(summary.items(), key=lambda item: -item[1]["samples"]):
        lines.append("%s: %d samples (%.0f%% of all)" % (kind, entry["samples"], 100.0 * entry["samples"] / total))
        for title in ("self", "total"):
            lines.append("  %s:" % title)
            for name, count in entry[title]:
                lines.append("    %5.1f%%  %s" % (100.0 * count / entry["samples"], name))
    return "\n".join(lines)


def profile_module(work):
    home = benchlib.demo_home(work)
    env = dict(home.env, SP_ADMIN_ID=benchlib.ADMIN, SP_ADMIN_PASSWORD=benchlib.PASSWORD)
    args = {"ANSIBLE_MODULE_ARGS": {"server": "HUB1", "route_to": ["HUB1", "SPOKE1", "SPOKE2", "SPOKE3"]}}
    return record(benchmarks.module_argv(), env, json.dumps(args), os.path.join(work, "module.raw"))


def profile_report(work, servers, tasks):
    home = benchlib.generated_home(work, servers, tasks)
    run_dir = os.path.join(home.path, "profiled")
    os.makedirs(run_dir)
    import yaml   # pylint: disable=import-outside-toplevel
    vars_file = os.path.join(run_dir, "vars.yml")
    with os.fdopen(os.open(vars_file, os.O_WRONLY | os.O_CREAT, 0o600), "w") as handle:
        yaml.safe_dump({"task_report_admin_id": benchlib.ADMIN, "task_report_password": benchlib.PASSWORD,
                        "task_report_dest": os.path.join(run_dir, "report"), "task_report_server": home.names[0],
                        "task_report_route_to": list(home.names)}, handle)
    argv = [os.path.join(benchlib.BIN, "ansible-playbook"), "-i", "localhost,", "-c", "local", benchmarks.PLAYBOOK,
            "-e", "@" + vars_file]
    return record(argv, home.env, None, os.path.join(work, "report.raw"))


def profile_parse(work, form, rows):
    benchlib.import_collection()
    script = os.path.join(work, "parse.py")
    with open(script, "w", encoding="utf-8") as handle:
        handle.write(
            "import sys\nsys.path[:0] = %r\nimport benchmarks, benchlib\nbenchlib.import_collection()\n"
            "from ansible_collections.spectrum_protect.operations.plugins.module_utils import _parse\n"
            "texts, names = benchmarks.answers(%r, %d)\ntext = texts[%r]\n"
            "for _ in range(3):\n"
            "    if %r == 'routed':\n"
            "        for s in _parse.split_routed(text, names).sections:\n"
            "            _parse.parse_output(s['text'], 'list', None, None, s.get('entries'))\n"
            "    else:\n"
            "        _parse.parse_output(text, %r)\n" % (
                [os.path.dirname(os.path.abspath(__file__)), benchlib.collections_path()], work, rows, form, form,
                "list" if form == "routed" else form))
    return record([sys.executable, script], dict(os.environ), None, os.path.join(work, "parse.raw"))


def main(argv):
    work = benchlib.scratch()
    try:
        if argv[:1] == ["module"]:
            raw = profile_module(work)
        elif argv[:1] == ["report"]:
            raw = profile_report(work, int(argv[1]), int(argv[2]))
        elif argv[:1] == ["parse"]:
            raw = profile_parse(work, argv[1], int(argv[2]))
            print(text(summarize(raw, focus=("parse_output", "split_routed"))))   # not the making of the answers
            return 0
        else:
            print(__doc__)
            return 2
        print(text(summarize(raw)))
        return 0
    finally:
        benchlib.remove(work)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
