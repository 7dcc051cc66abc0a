"""Integration harness: a fresh emulated fleet per test module and real ansible-playbook runs.

Playbooks are written by the tests; every registered result a test wants is saved by the
playbook itself (its last task, ``spops_save_results``: plugins/action/, the JSON of
``result | to_json`` written by the controller, no module run) into the run folder, so tests read
what the modules returned, then ask the emulated server (its own dsmadmc) what it did.
"""
import json
import os
import shutil
import subprocess
import sys
import textwrap

import pytest
import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = os.path.dirname(sys.executable)
DEMO_FLEET = os.path.join(ROOT, "tests", "emulator", "fleets", "demo.yml")
COLLECTIONS = os.path.join(ROOT, "build", "collections")
ACTION_PLUGINS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "plugins", "action")
with open(os.path.join(ROOT, "galaxy.yml"), encoding="utf-8") as _galaxy:
    VERSION = yaml.safe_load(_galaxy)["version"]
ARTIFACT = "spectrum_protect-operations-%s.tar.gz" % VERSION      # what ansible-galaxy collection build writes


def snapshot(dest):
    """A copy of the collection's files (what git tracks and new, unignored files), so a build
    reads each file once, as it is now: building the live tree directly would race with edits."""
    listed = subprocess.run(["git", "ls-files", "-z", "-co", "--exclude-standard"], cwd=ROOT,
                            capture_output=True, check=True).stdout.decode().split("\0")
    for rel in filter(None, listed):
        src = os.path.join(ROOT, rel)
        if os.path.isfile(src):
            os.makedirs(os.path.join(dest, os.path.dirname(rel)), exist_ok=True)
            shutil.copy2(src, os.path.join(dest, rel))
    return dest


class Fleet:
    """An emulated fleet home and the environment that reaches it."""

    def __init__(self, home, fleet_file):
        self.home = str(home)
        self.fleet_file = fleet_file
        with open(fleet_file) as handle:
            self.spec = yaml.safe_load(handle)
        self.env = dict(os.environ)
        self.env.update({
            "SPEMU_HOME": self.home,
            "DSM_DIR": self.home,
            "DSM_CONFIG": os.path.join(self.home, "dsm.opt"),
            "PATH": os.path.join(self.home, "bin") + os.pathsep + BIN + os.pathsep + os.environ.get("PATH", ""),
            "ANSIBLE_COLLECTIONS_PATH": COLLECTIONS,
            "ANSIBLE_COLLECTIONS_SCAN_SYS_PATH": "false",
            "ANSIBLE_LOCAL_TEMP": os.path.join(self.home, "ansible-tmp"),
            "ANSIBLE_HOME": os.path.join(self.home, "ansible-home"),
            "ANSIBLE_NOCOLOR": "1",
            "ANSIBLE_RETRY_FILES_ENABLED": "false",
            "ANSIBLE_PYTHON_INTERPRETER": sys.executable,
            "ANSIBLE_ACTION_PLUGINS": ACTION_PLUGINS,      # spops_save_results, the harness's own
        })
        for name in ("SP_ADMIN_ID", "SP_ADMIN_PASSWORD", "SP_CREDENTIALS_FILE", "SP_DSMADMC",
                     "STORAGE_PROTECT_USERNAME", "STORAGE_PROTECT_PASSWORD"):
            self.env.pop(name, None)
        self.runs = 0

    def spemu(self, *args):
        proc = subprocess.run([os.path.join(BIN, "spemu")] + [str(a) for a in args], env=self.env,
                              capture_output=True, text=True, timeout=120, check=False)
        assert proc.returncode == 0, "spemu %s failed: %s%s" % (args, proc.stdout, proc.stderr)
        return proc.stdout

    def dsmadmc(self, command, server=None, admin="ADMIN", password="passw0rd", mode="list",
                extra=()):
        """Ask the emulated server directly (as a test's own eyes, not through the modules)."""
        argv = [os.path.join(self.home, "bin", "dsmadmc"), "-id=" + admin, "-dataonly=yes"]
        if server:
            argv.append("-se=" + server)
        if mode == "list":
            argv.append("-displaymode=list")
        argv += list(extra) + [command]
        proc = subprocess.run(argv, env=self.env, input=password + "\n", capture_output=True, text=True,
                              timeout=120, check=False)
        return proc.returncode, proc.stdout

    def playbook(self, tasks, vars=None, check=False, diff=False, expect_rc=0):
        """Run a one-play playbook on localhost; return {name: registered value} for saved results.

        ``tasks`` is YAML text; every task that registers ``r_<name>`` has it saved.
        """
        self.runs += 1
        run_dir = os.path.join(self.home, "run%d" % self.runs)
        os.makedirs(run_dir)
        body = yaml.safe_load(textwrap.dedent(tasks))
        names = []
        for task in body:
            register = task.get("register")
            if register and register.startswith("r_"):
                names.append(register)
                task.setdefault("ignore_errors", True)
        saves = [{"name": "save the results", "spops_save_results": {"dest": run_dir, "names": names},
                  "check_mode": False}] if names else []
        play = [{"name": "integration", "hosts": "localhost", "gather_facts": False,
                 "vars": vars or {}, "tasks": body + saves}]
        path = os.path.join(run_dir, "playbook.yml")
        with open(path, "w") as handle:
            yaml.safe_dump(play, handle, sort_keys=False)
        argv = [os.path.join(BIN, "ansible-playbook"), "-i", "localhost,", "-c", "local", path]
        if check:
            argv.append("--check")
        if diff:
            argv.append("--diff")
        proc = subprocess.run(argv, env=self.env, capture_output=True, text=True, timeout=600, check=False)
        self.last_output = proc.stdout + proc.stderr
        assert proc.returncode == expect_rc, self.last_output
        results = {}
        for name in os.listdir(run_dir):
            if name.endswith(".json"):
                with open(os.path.join(run_dir, name)) as handle:
                    results[name[:-5]] = json.load(handle)
        return results


def make_fleet(tmp_path_factory, fleet_file=DEMO_FLEET, freeze=True):
    home = tmp_path_factory.mktemp("fleet")
    fleet = Fleet(home, fleet_file)
    # Frozen in the same step as seeding: a separate `clock freeze` lands a second or so later
    # and moves tasks seeded on a window's edge (job 11 ended -12h) out of `since: 12h`.
    fleet.spemu("init", "--fleet", fleet_file, "--home", home, *(["--frozen"] if freeze else []))
    return fleet


@pytest.fixture(scope="module")
def fleet(tmp_path_factory):
    """A demo fleet with a frozen clock, shared by the tests of one module (read-only tests)."""
    return make_fleet(tmp_path_factory)


@pytest.fixture
def fresh_fleet(tmp_path_factory):
    """A demo fleet of its own, for a test that changes the servers or injects faults."""
    return make_fleet(tmp_path_factory)


def pytest_sessionstart(session):
    assert shutil.which("spemu", path=BIN), "spemu is not installed in %s: run make" % BIN
