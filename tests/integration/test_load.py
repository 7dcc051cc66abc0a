"""Issue 11, load: 20 forks cancel and interrupt the same sessions, processes and jobs of one
server at once. Every fork finishes (no deadlock, no failure), every fork's result agrees with the
server's final state, and the server carried out each change once.

`make test` runs one round; `make soak` runs SOAK_ROUNDS (50) rounds."""
import json
import os
import subprocess
import time

import pytest

from actions_support import PASSWORD, changing_commands, make_fleet
from actions_support import harness

BIN = harness.BIN

FORKS = 20
ROUNDS = int(os.environ.get("SOAK_ROUNDS", "1"))
SERVER = "SPOKE1"


def rows(fleet, sql):
    rc, text = fleet.dsmadmc(sql, server=SERVER, mode="comma", extra=("-comma",))
    assert rc in (0, 11), text
    return [line.split(",") for line in text.splitlines() if line and not line.startswith("AN")]


def write_playbook(fleet, sessions, processes, jobs):
    conn = {"server": SERVER, "admin_id": "ADMIN", "password": PASSWORD}
    tasks = [
        {"name": "cancel the sessions", "spectrum_protect.operations.sp_session": dict(conn, ids=sessions),
         "register": "r_sessions"},
        {"name": "cancel the processes", "spectrum_protect.operations.sp_process": dict(conn, ids=processes),
         "register": "r_processes"},
        {"name": "interrupt the jobs", "spectrum_protect.operations.sp_job": dict(
            conn, ids=jobs, state="interrupted"), "register": "r_jobs"},
        {"name": "save what this fork saw", "spops_save_results": {
            "expression": "{'sessions': r_sessions, 'processes': r_processes, 'jobs': r_jobs}",
            "path": os.path.join(fleet.home, "load-{{ inventory_hostname }}.json")}},
    ]
    path = os.path.join(fleet.home, "load.yml")
    with open(path, "w") as handle:
        json.dump([{"hosts": "all", "gather_facts": False, "tasks": tasks}], handle)
    inventory = os.path.join(fleet.home, "forks.ini")
    with open(inventory, "w") as handle:
        handle.write("".join("fork%02d ansible_connection=local\n" % n for n in range(1, FORKS + 1)))
    return [os.path.join(BIN, "ansible-playbook"), "-i", inventory, "-f", str(FORKS), path]


@pytest.mark.parametrize("round_number", range(1, ROUNDS + 1))
def test_twenty_forks_act_on_the_same_tasks(tmp_path_factory, round_number):
    fleet = make_fleet(tmp_path_factory)
    # not a Media-wait session: its mount request (the page's rule) may hold the cancel for hours
    sessions = sorted(int(r[0]) for r in rows(fleet, "SELECT SESSION_ID FROM SESSIONS WHERE SESSION_TYPE='Node'"
                                              " AND STATE IN ('IdleW','RecvW','SendW','Run')"))[:4]
    processes = sorted(int(r[0]) for r in rows(fleet, "SELECT PROCESS_NUM FROM PROCESSES WHERE JOB_ID IS NULL"))[:3]
    jobs = sorted(int(r[0]) for r in rows(fleet, "SELECT JOB_ID FROM JOBS WHERE STATUS IN ('RUNNING','SLEEPING')"
                                          " AND JOB_TYPE LIKE 'RET%'"))[:2]
    assert sessions and processes and jobs
    started = time.time()
    proc = subprocess.run(write_playbook(fleet, sessions, processes, jobs), env=fleet.env, capture_output=True,
                          text=True, timeout=900, check=False)
    output = proc.stdout + proc.stderr
    assert proc.returncode == 0, output[-4000:]
    assert PASSWORD not in output
    seen = []
    for n in range(1, FORKS + 1):
        with open(os.path.join(fleet.home, "load-fork%02d.json" % n)) as handle:
            seen.append(json.load(handle))
    assert len(seen) == FORKS                                   # every fork finished: no deadlock
    for result in seen:
        for key in ("sessions", "processes", "jobs"):
            assert not result[key].get("failed"), result[key]
    # the changes take effect on the server's clock (frozen in tests): let it run, then every
    # task has reached the goal
    fleet.spemu("advance", "30m")
    left = set(int(r[0]) for r in rows(fleet, "SELECT SESSION_ID FROM SESSIONS"))
    states = dict((int(r[0]), r[1]) for r in rows(fleet, "SELECT SESSION_ID, STATE FROM SESSIONS"))
    assert not set(sessions) & left, states
    assert not set(processes) & set(int(r[0]) for r in rows(fleet, "SELECT PROCESS_NUM FROM PROCESSES"))
    job_states = dict((int(r[0]), r[1]) for r in rows(fleet, "SELECT JOB_ID, STATUS FROM JOBS"))
    assert all(job_states[j] == "INTERRUPTED" for j in jobs), job_states
    # Several forks may send the command after reading the same state. A job changes once: the
    # server refuses a second INTERRUPT (the job is INTERRUPTING), and that fork reads the job
    # again and reports it as under way - no error, no change of its own. The server accepts a
    # cancel of a process or session that is already being cancelled, so every fork whose cancel
    # the server accepted reports it, and no other: never more reports than accepted commands.
    commands = changing_commands(fleet, SERVER)
    for key, numbers, verb in (("jobs", jobs, "INTERRUPT JOB"), ("processes", processes, "CANCEL PROCESS"),
                               ("sessions", sessions, "CANCEL SESSION")):
        for number in numbers:
            sent = [c for c in commands if c.upper() == "%s %d" % (verb, number)]
            assert len(sent) >= 1
            reported = [r for r in seen if any(t["id"] == number for t in r[key].get(
                "interrupted" if key == "jobs" else "cancelled", []))]
            if key == "jobs":
                assert len(reported) == 1, (key, number, len(reported), len(sent))
            else:
                assert 1 <= len(reported) <= len(sent), (key, number, len(reported), len(sent))
            others = [r for r in seen if r not in reported]
            assert all(any(t["id"] == number for t in r[key]["tasks"]) or number in r[key]["not_found"]
                       for r in others)
    # every fork's read-back agrees with the server: no fork says a job is still running
    for result in seen:
        for task in result["jobs"]["tasks"]:
            assert task["state_after"] != "Running" or task["id"] not in jobs or task.get("error"), task
    assert time.time() - started < 600
