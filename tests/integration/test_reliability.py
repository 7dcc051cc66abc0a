"""Issue 11: no client outlives the module. Each way a module can be stopped - an async job's
timeout, Ctrl-C of the playbook, the task keyword `timeout` - ends the dsmadmc it started.

A spoke that hangs (`spemu fault SPOKE1 hang`) holds the client; the test waits until the hanging
client runs, stops the module the way Ansible or the user would, then asks the process table
whether any dsmadmc of this fleet is left."""
import os
import signal
import subprocess
import time

import yaml

import pytest

from actions_support import harness

BIN = harness.BIN
make_fleet = harness.make_fleet

CLIENT_TIMEOUT = 120      # far longer than the test: only the stop may end the hanging client


def clients(fleet):
    """PIDs of the dsmadmc processes of this fleet's home still running."""
    proc = subprocess.run(["pgrep", "-f", os.path.join(fleet.home, "bin", "dsmadmc")],
                          capture_output=True, text=True, check=False)
    return [int(pid) for pid in proc.stdout.split()]


def descendants(pid):
    """The PIDs of every process below `pid` (from /proc), children first found first."""
    parents = {}
    for name in os.listdir("/proc"):
        if name.isdigit():
            try:
                with open("/proc/%s/stat" % name) as handle:
                    parents[int(name)] = int(handle.read().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
    found, todo = [], [pid]
    while todo:
        parent = todo.pop()
        for child, ppid in parents.items():
            if ppid == parent:
                found.append(child)
                todo.append(child)
    return found


def kill_controller(proc, fleet):
    """SIGKILL the playbook and everything it started but the clients: ansible-playbook, its
    workers (each a session of its own: os.setsid), the shells and the module. Killing the
    playbook's process group alone would leave the worker and the module running."""
    spare = set(clients(fleet))
    for pid in [proc.pid] + descendants(proc.pid):
        if pid not in spare:
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass


def wait_for(predicate, seconds):
    deadline = time.time() + seconds
    while time.time() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return predicate()


def playbook(fleet, task_extra, name):
    task = {"name": "read the hanging spoke", "spectrum_protect.operations.sp_task_info": {
        "server": "SPOKE1", "admin_id": "ADMIN", "password": "passw0rd", "timeout": CLIENT_TIMEOUT}}
    task.update(task_extra)
    path = os.path.join(fleet.home, name + ".yml")
    with open(path, "w") as handle:
        yaml.safe_dump([{"hosts": "localhost", "gather_facts": False, "tasks": [task]}], handle)
    return [os.path.join(BIN, "ansible-playbook"), "-i", "localhost,", "-c", "local", path]


@pytest.fixture
def hanging(tmp_path_factory):
    fleet = make_fleet(tmp_path_factory)
    fleet.spemu("fault", "SPOKE1", "hang")
    yield fleet
    for pid in clients(fleet):      # never leave one behind, whatever the test found
        os.kill(pid, signal.SIGKILL)


@pytest.mark.parametrize("how, extra", [
    ("async_timeout", {"async": 4, "poll": 1}),
    ("task_timeout", {"timeout": 4}),
])
def test_a_module_stopped_by_ansible_leaves_no_client(hanging, how, extra):
    started = time.time()
    proc = subprocess.run(playbook(hanging, extra, how), env=hanging.env, capture_output=True, text=True,
                          timeout=90, check=False)
    output = proc.stdout + proc.stderr
    assert proc.returncode != 0, output                       # the task failed: it was stopped
    assert time.time() - started < 60, output
    assert wait_for(lambda: not clients(hanging), 15), "dsmadmc left running after %s: %s" % (how, clients(hanging))


def test_ctrl_c_of_the_playbook_leaves_no_client(hanging):
    # As from a terminal, the playbook starts with the default SIGINT: an ignored SIGINT would be
    # inherited, and ansible-core before 2.19 keeps it (by the time this test runs in the whole
    # suite, the pytest worker has SIGINT ignored).
    inherited = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        proc = subprocess.Popen(playbook(hanging, {}, "ctrl_c"), env=hanging.env, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, start_new_session=True)
    finally:
        signal.signal(signal.SIGINT, inherited)
    try:
        assert wait_for(lambda: bool(clients(hanging)), 60), "the client never started"
        os.killpg(proc.pid, signal.SIGINT)     # what a terminal sends to the foreground group
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:      # seen once (ansible-core 2.15, under load): keep the evidence
            table = subprocess.run(["ps", "-ww", "-eo", "pid,ppid,sid,stat,etime,args"], capture_output=True, text=True,
                                   check=False).stdout
            left = [line for line in table.splitlines() if "ansible" in line or hanging.home in line]
            os.killpg(proc.pid, signal.SIGKILL)
            output = proc.communicate(timeout=30)[0].decode(errors="replace")
            # what this test process passed on: an ignored or blocked SIGINT is inherited across exec
            passed_on = "SIGINT here: %r, blocked here: %r" % (
                signal.getsignal(signal.SIGINT), sorted(signal.pthread_sigmask(signal.SIG_BLOCK, [])))
            pytest.fail("ansible-playbook still ran 60 s after Ctrl-C (%s). Its processes:\n%s\nIts output:\n%s"
                        % (passed_on, "\n".join(left), output[-4000:]))
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    assert wait_for(lambda: not clients(hanging), 15), "dsmadmc left running after Ctrl-C: %s" % clients(hanging)


def test_slow_spokes_cannot_stretch_the_run_past_total_timeout(tmp_path_factory):
    """Two spokes that answer after 8 s, timeout 3: each slow spoke is reported with its timeout,
    the hub and the other spoke are read, and the whole run stays within total_timeout (default
    4 x timeout = 12 s) with few calls: routing is not retried all at once after it timed out."""
    fleet = make_fleet(tmp_path_factory)
    fleet.spemu("fault", "SPOKE1", "slow=8")
    fleet.spemu("fault", "SPOKE2", "slow=8")
    started = time.time()
    result = fleet.playbook("""
    - name: read the fleet with two slow spokes
      spectrum_protect.operations.sp_task_info:
        server: HUB1
        route_to: [HUB1, SPOKE1, SPOKE2, SPOKE3]
        admin_id: ADMIN
        password: passw0rd
        timeout: 3
      register: r_fleet
    """)["r_fleet"]
    elapsed = time.time() - started
    assert not result.get("failed"), result
    by_name = dict((server["name"], server) for server in result["servers"])
    assert [by_name[name]["errors"][0]["kind"] for name in ("SPOKE1", "SPOKE2")] == ["timeout", "timeout"]
    assert by_name["HUB1"]["read"] and by_name["SPOKE3"]["read"]
    assert result["summary"]["complete"] is False
    # the ansible-playbook run itself adds a few seconds of its own
    assert elapsed < 75, elapsed      # the defect took 52 s with timeout 5; a loaded CI machine adds its own
    # one session to the whole fleet (it ran out of time), then one session per target, all at
    # once, with the same queries; after its timeout SPOKE1 is not asked again
    commands = result["commands"]
    per_session = len([c for c in commands if c.startswith("HUB1,SPOKE1,SPOKE2,SPOKE3: ")])
    assert per_session >= 6 and commands[:per_session] == [c for c in commands if c.startswith("HUB1,SPOKE1,")]
    spoke1 = [c for c in commands[per_session:] if "SPOKE1" in c]
    assert spoke1 and all(c.startswith("SPOKE1: ") for c in spoke1) and len(spoke1) == per_session, commands[per_session:]
    assert not [c for c in commands[per_session:] if "," in c.split(":")[0]], commands     # no fleet-wide call again


def test_total_timeout_stops_the_run_and_says_what_was_not_read(tmp_path_factory):
    fleet = make_fleet(tmp_path_factory)
    fleet.spemu("fault", "HUB1", "slow=2:SELECT")      # every SELECT takes two seconds
    result = fleet.playbook("""
    - name: read with a budget for two SELECTs only
      spectrum_protect.operations.sp_task_info:
        server: HUB1
        admin_id: ADMIN
        password: passw0rd
        timeout: 10
        total_timeout: 5
      register: r_fleet
    """)["r_fleet"]
    # QUERY STATUS and two SELECTs fit in 5 s, nothing after them does: the one server was not
    # read in full, so the module fails (a partial read of the only server is no answer)
    assert result["failed"] is True, result
    [server] = result["servers"]
    assert server["read"] is False
    assert any("total_timeout" in entry["msg"] for entry in server["errors"]), server["errors"]
    # the session that ran out: what it answered is kept, the rest is named, nothing is sent again
    queries = [entry["query"] for entry in server["errors"]]
    # the first query the session could not finish is the server's error; it is lost after it
    assert len(queries) == 1 and queries[0] in ("sessions", "processes", "summary"), queries
    assert len(result["commands"]) == len(set(result["commands"])), result["commands"]


def test_the_controller_killed_in_the_middle_of_an_action_and_a_rerun_finishes_it(tmp_path_factory):
    """sp_job interrupts SPOKE1's retention jobs and waits; the whole playbook is killed (SIGKILL to
    ansible-playbook, its worker, the module) while the module waits, its client signed on (the
    module keeps one client for the whole run). No client is left running, and running the same
    task again finishes the work without sending the interrupt twice."""
    fleet = make_fleet(tmp_path_factory)
    task = {"name": "interrupt and wait", "spectrum_protect.operations.sp_job": {
        "server": "SPOKE1", "admin_id": "ADMIN", "password": "passw0rd", "job_type": "RETENTION",
        "states": ["Running", "Sleeping"], "state": "interrupted", "wait": True, "wait_timeout": 300,
        "poll_interval": 1}}
    path = os.path.join(fleet.home, "kill.yml")
    with open(path, "w") as handle:
        yaml.safe_dump([{"hosts": "localhost", "gather_facts": False, "tasks": [task]}], handle)
    argv = [os.path.join(BIN, "ansible-playbook"), "-i", "localhost,", "-c", "local", path]

    def interrupts():
        rc, text = fleet.dsmadmc("SELECT MESSAGE FROM ACTLOG WHERE MSGNO=2017", server="SPOKE1")
        return [line for line in text.splitlines() if "INTERRUPT JOB" in line.upper()]

    proc = subprocess.Popen(argv, env=fleet.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    try:
        assert wait_for(lambda: bool(interrupts()), 90), "the interrupt was never sent"
        time.sleep(2)                            # the module is now waiting (the clock is frozen)
        assert clients(fleet), "the module's client is not running while it waits"
        kill_controller(proc, fleet)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    assert wait_for(lambda: not clients(fleet), 15), "dsmadmc left running: %s" % clients(fleet)
    sent = len(interrupts())
    fleet.spemu("advance", "10m")
    result = fleet.playbook("""
    - name: the same task again
      spectrum_protect.operations.sp_job:
        server: SPOKE1
        admin_id: ADMIN
        password: passw0rd
        job_type: RETENTION
        states: [Running, Sleeping, Interrupted]
        state: interrupted
        wait: true
        wait_timeout: 60
        poll_interval: 1
      register: r_again
    """)["r_again"]
    assert not result.get("failed"), result
    assert result["changed"] is False and len(interrupts()) == sent
    assert result["tasks"] and all(task["state"] == "Interrupted" for task in result["tasks"]), result["tasks"]
    assert all(task["plan"] == "none" for task in result["tasks"]), result["tasks"]


def test_a_canary_password_is_in_no_verbose_output(tmp_path_factory):
    """-vvv shows module invocations: the password (and the other no_log values) never."""
    fleet = make_fleet(tmp_path_factory)
    tasks = [
        {"name": "read", "spectrum_protect.operations.sp_task_info": {
            "server": "HUB1", "route_to": ["HUB1", "SPOKE1"], "admin_id": "ADMIN", "password": "passw0rd"}},
        {"name": "a wrong password", "spectrum_protect.operations.sp_task_info": {
            "server": "SPOKE1", "admin_id": "ADMIN", "password": "passw0rd-canary-wrong"}, "ignore_errors": True},
        {"name": "act in check mode", "spectrum_protect.operations.sp_session": {
            "server": "SPOKE1", "admin_id": "ADMIN", "password": "passw0rd", "states": ["Idle wait"],
            "state": "cancelled"}, "check_mode": True},
        {"name": "argv transport", "spectrum_protect.operations.sp_job": {
            "server": "SPOKE1", "admin_id": "ADMIN", "password": "passw0rd", "password_transport": "argv",
            "job_type": "RETENTION", "states": ["Sleeping", "Running"], "state": "interrupted"}, "check_mode": True},
    ]
    path = os.path.join(fleet.home, "verbose.yml")
    with open(path, "w") as handle:
        yaml.safe_dump([{"hosts": "localhost", "gather_facts": False, "tasks": tasks}], handle)
    proc = subprocess.run([os.path.join(BIN, "ansible-playbook"), "-vvv", "-i", "localhost,", "-c", "local", path],
                          env=fleet.env, capture_output=True, text=True, timeout=600, check=False)
    output = proc.stdout + proc.stderr
    assert proc.returncode == 0, output[-3000:]
    assert "ok=4" in output and "ignored=1" in output
    assert "passw0rd" not in output
