"""What the benchmarks share: paths, emulated fleet homes, running a process tree and measuring it.

Every process the benchmarks time runs under `measured()`: wall time, the CPU time (user + system)
of the whole process tree (os.wait4 of the child: the kernel adds every descendant the tree waited
for), its peak resident memory (ru_maxrss: the largest of them), and, sampled from /proc every
50 ms, the peak resident memory (VmHWM) of each process of the tree by name. The machine is
shared (two cores, other work running): ratios are judged on CPU time, which other processes do
not inflate much; wall times are printed beside them.
"""
import collections
import contextlib
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = os.path.dirname(sys.executable)
EMULATOR = os.path.join(ROOT, "tests", "emulator")
if EMULATOR not in sys.path:
    sys.path.insert(0, EMULATOR)
PASSWORD = "passw0rd"
ADMIN = "ADMIN"
FLEET_DEFAULTS = {"idletimeout": 720, "commtimeout": 43200, "adminidletimeout": 720, "admincommtimeout": 43200,
                  "admins": [{"name": ADMIN, "password": PASSWORD, "privileges": ["SYSTEM"]}]}


def collections_path():
    """Where ansible finds the collection: $SP_BENCH_COLLECTIONS (a tree with
    ansible_collections/spectrum_protect/operations), else this checkout's build/collections."""
    return os.path.abspath(os.environ.get("SP_BENCH_COLLECTIONS") or os.path.join(ROOT, "build", "collections"))


def collection_root():
    return os.path.join(collections_path(), "ansible_collections", "spectrum_protect", "operations")


def import_collection():
    path = collections_path()
    if path not in sys.path:
        sys.path.insert(0, path)


# ---------------------------------------------------------------- measuring a process tree

Measured = collections.namedtuple("Measured", "wall cpu maxrss_kib rc stdout stderr peaks")


def _children_map():
    kids = collections.defaultdict(list)
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % entry, "rb") as handle:
                stat = handle.read()
        except OSError:
            continue
        rest = stat[stat.rfind(b")") + 2:].split()
        kids[int(rest[1])].append(int(entry))
    return kids


def _hwm(pid):
    """(name, VmHWM in KiB) of a process, or None."""
    try:
        with open("/proc/%d/status" % pid, encoding="utf-8", errors="replace") as handle:
            status = handle.read()
        with open("/proc/%d/cmdline" % pid, "rb") as handle:
            argv = [part.decode("utf-8", "replace") for part in handle.read().split(b"\0") if part]
    except OSError:
        return None
    hwm = next((int(line.split()[1]) for line in status.splitlines() if line.startswith("VmHWM:")), None)
    if hwm is None:
        return None
    return process_name(argv), hwm


def process_name(argv):
    """A short name for a process of the benchmarks: ansible-playbook, the module (AnsiballZ),
    dsmadmc, bash, python ..."""
    text = " ".join(argv)
    for needle, name in (("ansible-playbook", "ansible-playbook (controller, workers)"),
                         ("AnsiballZ_sp_task_info", "sp_task_info module"), ("sp_task_info", "sp_task_info module"),
                         ("dsmadmc", "dsmadmc (emulated client)"), ("spemu", "spemu")):
        if needle in text:
            return name
    return os.path.basename(argv[0]) if argv else "?"


class Sampler(threading.Thread):
    """Peak resident memory of every process below `root`, by name, sampled from /proc."""

    def __init__(self, root, interval=0.05):
        super().__init__(daemon=True)
        self.root, self.interval = root, interval
        self.peaks = {}                # name -> (KiB, pid)
        self.stop = threading.Event()

    def run(self):
        while not self.stop.is_set():
            kids = _children_map()
            todo = [self.root]
            while todo:
                pid = todo.pop()
                found = _hwm(pid)
                if found:
                    name, hwm = found
                    if hwm > self.peaks.get(name, (0, 0))[0]:
                        self.peaks[name] = (hwm, pid)
                todo.extend(kids.get(pid, ()))
            self.stop.wait(self.interval)


def measured(argv, env=None, input_text=None, sample=False, timeout=None):
    """Run argv (stdin: input_text) and measure its process tree -> Measured."""
    start = time.perf_counter()
    proc = subprocess.Popen(argv, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    sampler = Sampler(proc.pid) if sample else None
    if sampler:
        sampler.start()
    out, err = [], []
    readers = [threading.Thread(target=lambda s=s, b=b: b.append(s.read()), daemon=True)
               for s, b in ((proc.stdout, out), (proc.stderr, err))]
    for reader in readers:
        reader.start()
    try:
        if input_text:
            proc.stdin.write(input_text.encode("utf-8"))
        proc.stdin.close()
    except BrokenPipeError:
        pass
    deadline = None if timeout is None else time.monotonic() + timeout
    while True:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            break
        if deadline is not None and time.monotonic() > deadline:
            proc.kill()
        time.sleep(0.01)
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    for reader in readers:
        reader.join()
    if sampler:
        sampler.stop.set()
        sampler.join()
    return Measured(wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss, proc.returncode,
                    out[0].decode("utf-8", "replace"), err[0].decode("utf-8", "replace"),
                    dict(sampler.peaks) if sampler else {})


def best(runs):
    """The run with the least CPU time (the least disturbed by the machine's other work); its
    peaks are the largest seen in any run."""
    chosen = min(runs, key=lambda run: run.cpu)
    peaks = {}
    for run in runs:
        for name, value in run.peaks.items():
            if value[0] > peaks.get(name, (0, 0))[0]:
                peaks[name] = value
    return chosen._replace(peaks=peaks, maxrss_kib=max(run.maxrss_kib for run in runs),
                           wall=min(run.wall for run in runs))


# ---------------------------------------------------------------- emulated fleets

class Home:
    """An emulated fleet home (spemu init --frozen) and the environment that reaches it."""

    def __init__(self, path, fleet_file, spec=None):
        self.path = path
        self.fleet_file = fleet_file
        self.spec = spec
        self.calls = os.path.join(path, "calls.jsonl")
        self.env = dict(os.environ)
        for name in ("SP_ADMIN_ID", "SP_ADMIN_PASSWORD", "SP_CREDENTIALS_FILE", "SP_DSMADMC", "SPEMU_CALL_LOG",
                     "STORAGE_PROTECT_USERNAME", "STORAGE_PROTECT_PASSWORD", "SPEMU_MSGIDS"):
            self.env.pop(name, None)
        self.env.update(SPEMU_HOME=path, DSM_DIR=path, DSM_CONFIG=os.path.join(path, "dsm.opt"),
                        PATH=os.path.join(path, "bin") + os.pathsep + BIN + os.pathsep + os.environ.get("PATH", ""),
                        ANSIBLE_COLLECTIONS_PATH=collections_path(), ANSIBLE_COLLECTIONS_SCAN_SYS_PATH="false",
                        ANSIBLE_LOCAL_TEMP=os.path.join(path, "ansible-tmp"),
                        ANSIBLE_HOME=os.path.join(path, "ansible-home"), ANSIBLE_NOCOLOR="1",
                        ANSIBLE_RETRY_FILES_ENABLED="false", ANSIBLE_PYTHON_INTERPRETER=sys.executable,
                        PYTHONPATH=collections_path())
        self.names = None

    def init(self):
        proc = subprocess.run([os.path.join(BIN, "spemu"), "init", "--fleet", self.fleet_file, "--home", self.path,
                               "--frozen"], env=self.env, capture_output=True, text=True, check=False)
        if proc.returncode:
            raise RuntimeError("spemu init failed: %s" % proc.stderr)
        from spemu import store   # pylint: disable=import-outside-toplevel
        self.names = store.server_names(self.path)
        return self

    @property
    def hub(self):
        from spemu import store   # pylint: disable=import-outside-toplevel
        with contextlib.closing(store.open_server(self.path, self.names[0])) as conn:
            role = conn.execute("SELECT ROLE FROM SERVER_INFO").fetchone()[0]
        return self.names[0] if role == "hub" else None

    def logged_env(self, tag):
        """The environment with SPEMU_CALL_LOG set to a fresh file for `tag`; returns (env, path)."""
        path = os.path.join(self.path, "calls-%s.jsonl" % tag)
        if os.path.exists(path):
            os.remove(path)
        return dict(self.env, SPEMU_CALL_LOG=path), path

    def dsmadmc(self, command, server=None, mode="-comma"):
        argv = [os.path.join(self.path, "bin", "dsmadmc"), "-id=" + ADMIN, "-dataonly=yes", mode]
        if server:
            argv.insert(1, "-se=" + server)
        proc = subprocess.run(argv + [command], env=self.env, input=PASSWORD + "\n", capture_output=True,
                              text=True, check=False)
        return proc.returncode, proc.stdout


def generated_home(base, servers, tasks, seed=1, actlog=1.0, name="GEN"):
    """A home with a generated fleet of `servers` x `tasks` (the first server is the hub)."""
    import yaml   # pylint: disable=import-outside-toplevel
    path = tempfile.mkdtemp(prefix="%dx%d-" % (servers, tasks), dir=base)
    fleet_file = os.path.join(path, "fleet-source.yml")
    with open(fleet_file, "w", encoding="utf-8") as handle:
        yaml.safe_dump({"defaults": FLEET_DEFAULTS, "generate": {"servers": servers, "tasks": tasks, "seed": seed,
                                                                 "actlog": actlog, "name": name}}, handle)
    return Home(path, fleet_file).init()


def demo_home(base):
    path = tempfile.mkdtemp(prefix="demo-", dir=base)
    return Home(path, os.path.join(EMULATOR, "fleets", "demo.yml")).init()


def read_calls(path):
    """The dsmadmc processes a run started (SPEMU_CALL_LOG records)."""
    if not os.path.exists(path):
        return []
    with open(path, encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def replay_script(home, calls, path):
    """A shell loop that runs the same dsmadmc processes bare: the same argv (the password, masked
    in the log, goes to stdin as the module sends it), one after the other, output discarded. A
    session that read its commands from stdin (no command in its argv) gets the same commands
    there, after the password, then QUIT."""
    lines = ["#!/bin/bash", "# the dsmadmc work of a benchmarked run, replayed bare", "set -u"]
    for call in calls:
        argv = [os.path.join(home.path, "bin", "dsmadmc")] + [arg for arg in call["argv"] if not arg.startswith("-password=")]
        piped = ""
        if call["argv"] and call["argv"][-1].startswith("-"):
            piped = " " + " ".join(_quote(command) for command in list(call["commands"]) + ["QUIT"])
        lines.append("printf '%%s\\n' \"$SP_BENCH_PASSWORD\"%s | %s > /dev/null" % (piped, " ".join(_quote(arg) for arg in argv)))
    lines.append("exit 0      # each client's own exit status is in the call log")
    with open(path, "w", encoding="utf-8") as handle:
        handle.write("\n".join(lines) + "\n")
    return ["/bin/bash", path]


def _quote(arg):
    return "'" + arg.replace("'", "'\\''") + "'"


# ---------------------------------------------------------------- the machine

def machine():
    """nproc, CPU model, memory, Python, ansible-core, load average."""
    model = "?"
    with contextlib.suppress(OSError):
        with open("/proc/cpuinfo", encoding="utf-8") as handle:
            model = next((line.split(":", 1)[1].strip() for line in handle if line.startswith("model name")), "?")
    memory = "?"
    with contextlib.suppress(OSError):
        with open("/proc/meminfo", encoding="utf-8") as handle:
            kib = int(next(line.split()[1] for line in handle if line.startswith("MemTotal")))
            memory = "%.1f GiB" % (kib / 1048576)
    try:
        import ansible   # pylint: disable=import-outside-toplevel
        core = ansible.__version__
    except ImportError:
        core = "?"
    return {"nproc": os.cpu_count(), "cpu": model, "memory": memory, "python": platform.python_version(),
            "ansible_core": core, "os": platform.platform(), "load": "%.2f %.2f %.2f" % os.getloadavg()}


def scratch():
    """A scratch folder for one benchmark run (removed by the caller unless kept)."""
    base = os.environ.get("SP_BENCH_TMP") or tempfile.gettempdir()
    return tempfile.mkdtemp(prefix="spbench-", dir=base)


def remove(path):
    shutil.rmtree(path, ignore_errors=True)
