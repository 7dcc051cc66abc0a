"""sp_task_info through ansible-playbook against the emulated demo fleet.

Expected tasks, states and counts come from the fleet file (expected.py), never typed in here.
"""
import json

import pytest

import expected

CONN = {"server": "{{ hub }}", "admin_id": "ADMIN", "password": "{{ pw }}"}


def conn_vars(fleet):
    hub = next(s["name"] for s in fleet.spec["servers"] if s.get("role") == "hub")
    return {"hub": hub, "pw": "passw0rd", "everyone": [s["name"] for s in fleet.spec["servers"]]}


def info(fleet, check=False, **options):
    args = dict(CONN)
    args.update(options)
    task = {"name": "read", "spectrum_protect.operations.sp_task_info": args, "register": "r_info"}
    out = fleet.playbook(json.dumps([task]), vars=conn_vars(fleet), check=check)
    return out["r_info"]


def by_server(result, name):
    return [t for t in result["tasks"] if t["server"] == name]


def index(tasks, task_type, active=None):
    return dict((t["id"], t) for t in tasks
                if t["type"] == task_type and (active is None or t["active"] is active))


@pytest.fixture(scope="module")
def fleet_result(fleet):
    return info(fleet, route_to="{{ everyone }}")


def test_every_task_of_the_fleet_with_the_page_states(fleet, fleet_result):
    result = fleet_result
    assert "failed" not in result or not result["failed"], result.get("msg")
    assert [s["name"] for s in result["servers"]] == [s["name"] for s in fleet.spec["servers"]]
    for srv in expected.servers(fleet.spec):
        tasks = by_server(result, srv["name"])
        sessions = index(tasks, "session", active=True)
        for sid, state in expected.active_sessions(srv).items():
            assert sessions[sid]["state"] == state, (srv["name"], sid)
        # sessions the fleet does not seed are the administrative/server sessions of our own calls
        assert all(sessions[s]["session_type"] in ("Admin", "Server")
                   for s in set(sessions) - set(expected.active_sessions(srv)))
        processes = index(tasks, "process", active=True)
        assert set(expected.active_processes(srv)) <= set(processes)
        assert all(p["state"] == "Running" for p in processes.values())
        jobs = index(tasks, "job")
        assert dict((j, t["state"]) for j, t in jobs.items()) == expected.jobs(srv, since=86400)
        done = dict(((t["type"], t["id"]), t["state"]) for t in tasks
                    if not t["active"] and t["type"] != "job")
        assert done == expected.completed(srv, since=86400), srv["name"]


def test_every_state_of_the_page_is_present(fleet_result):
    states = set((t["type"], t["state"]) for t in fleet_result["tasks"])
    for name in expected.SESSION_STATES.values():
        assert ("session", name) in states
    for state in ("Running", "Sleeping", "Interrupted", "Completed", "Warning", "Failed", "Terminated"):
        assert ("job", state) in states
    for state in ("Running", "Successful", "Warning", "Failed"):
        assert ("process", state) in states
    for state in ("Warning", "Failed"):
        assert ("session", state) in states
    assert ("session", "Successful") not in states


def test_header_counts_per_server_and_fleet(fleet, fleet_result):
    total = {"successful": 0, "warning": 0, "failed": 0}
    for srv in expected.servers(fleet.spec):
        want = expected.header_counts(srv, since=86400)
        report = next(s for s in fleet_result["servers"] if s["name"] == srv["name"])
        got = dict((k, report["summary"][k]) for k in want)
        assert got == want, srv["name"]
        for key in total:
            total[key] += want[key]
    assert dict((k, fleet_result["summary"][k]) for k in total) == total
    active = fleet_result["summary"]["active"]
    assert active["job"] == sum(1 for t in fleet_result["tasks"] if t["type"] == "job" and t["active"])
    assert active["session"] >= sum(len(expected.active_sessions(s)) for s in fleet.spec["servers"])


def test_job_id_and_parent_process_links(fleet, fleet_result):
    for srv in expected.servers(fleet.spec):
        processes = index(by_server(fleet_result, srv["name"]), "process", active=True)
        for pid, seed in expected.active_processes(srv).items():
            task = processes[pid]
            if expected.jobs_supported(srv):
                assert task["job_id"] == seed.get("job"), (srv["name"], pid)
                assert task["parent_process"] == seed.get("parent"), (srv["name"], pid)
            else:   # legacy servers print neither column
                assert task["job_id"] is None and task["parent_process"] is None
        for job in srv.get("jobs", []):
            if job.get("children") and expected.jobs_supported(srv):
                children = [p for p in processes.values() if p["job_id"] == job["id"]]
                assert len(children) == job["children"], (srv["name"], job["id"])
                assert all(p["description"] for p in children)


def test_durations(fleet, fleet_result):
    for srv in expected.servers(fleet.spec):
        tasks = dict(((t["type"], t["id"]), t) for t in by_server(fleet_result, srv["name"]))
        for key, seconds in expected.durations(srv).items():
            if key in tasks:
                assert tasks[key]["duration_seconds"] == seconds, (srv["name"], key)
        for pid, seed in expected.active_processes(srv).items():
            task = tasks[("process", pid)]
            # frozen clock: the process has run exactly as long as its seed says, give or take
            # the second between init and freeze
            assert abs(task["duration_seconds"] + expected.offset(seed["started"])) <= 5


def test_pre_8112_spoke_reports_sessions_and_processes_but_no_jobs(fleet, fleet_result):
    old = [s for s in fleet.spec["servers"] if not expected.jobs_supported(s)]
    assert old, "the demo fleet must have a spoke before V8.1.12"
    for srv in old:
        report = next(s for s in fleet_result["servers"] if s["name"] == srv["name"])
        assert report["jobs_supported"] is False and report["reachable"] is True
        assert report["version"] == srv["version"]
        tasks = by_server(fleet_result, srv["name"])
        assert not [t for t in tasks if t["type"] == "job"]
        assert set(expected.active_sessions(srv)) <= set(index(tasks, "session"))
        assert any(srv["name"] in w and "8.1.12" in w for w in fleet_result.get("warnings", []))


def test_one_old_server_alone_is_not_a_failure(fleet):
    old = next(s for s in fleet.spec["servers"] if not expected.jobs_supported(s))
    result = info(fleet, server=old["name"])
    assert not result.get("failed"), result.get("msg")
    assert result["servers"][0]["jobs_supported"] is False
    assert set(expected.active_sessions(old)) <= set(index(result["tasks"], "session"))
    assert any("8.1.12" in w for w in result["warnings"])


def test_routing_with_one_spoke_down(fresh_fleet):
    fleet = fresh_fleet
    spokes = [s for s in fleet.spec["servers"] if s.get("role") != "hub"]
    down = spokes[0]["name"]
    fleet.spemu("fault", down, "down")
    result = info(fleet, route_to="{{ everyone }}")
    assert not result.get("failed"), result.get("msg")
    report = next(s for s in result["servers"] if s["name"] == down)
    assert report["reachable"] is False and report["error"]
    assert not by_server(result, down)
    for srv in expected.servers(fleet.spec):
        if srv["name"] != down:
            got = index(by_server(result, srv["name"]), "session", active=True)
            assert set(expected.active_sessions(srv)) <= set(got)


def test_routing_with_one_spoke_hanging(fresh_fleet):
    fleet = fresh_fleet
    spokes = [s for s in fleet.spec["servers"] if s.get("role") != "hub"]
    hanging = spokes[0]["name"]
    fleet.spemu("fault", hanging, "hang")
    result = info(fleet, route_to="{{ everyone }}", timeout=3)
    assert not result.get("failed"), result.get("msg")
    report = next(s for s in result["servers"] if s["name"] == hanging)
    assert report["reachable"] is False and "3 seconds" in report["error"], report
    assert not by_server(result, hanging)
    assert any(c.startswith(hanging + ": ") for c in result["commands"])   # asked on its own
    for srv in expected.servers(fleet.spec):
        if srv["name"] != hanging:
            got = index(by_server(result, srv["name"]), "session", active=True)
            assert set(expected.active_sessions(srv)) <= set(got), srv["name"]


def test_fails_only_when_nothing_could_be_read(fresh_fleet):
    fleet = fresh_fleet
    hub = conn_vars(fleet)["hub"]
    fleet.spemu("fault", hub, "down")
    result = info(fleet)
    assert result["failed"] is True
    assert "ANS1017E" in result["msg"] and hub in result["msg"]
    fleet.spemu("fault", hub, "clear")
    fleet.spemu("fault", hub, "auth")
    result = info(fleet)
    assert result["failed"] is True and "137" in result["msg"]
    assert "passw0rd" not in json.dumps(result) and "passw0rd" not in fleet.last_output


def test_filters(fleet, fleet_result):
    everyone = "{{ everyone }}"
    idle = info(fleet, route_to=everyone, states=["idle wait"])
    assert idle["tasks"] and all(t["state"] == "Idle wait" for t in idle["tasks"])
    want = sum(1 for t in fleet_result["tasks"] if t["state"] == "Idle wait")
    assert len(idle["tasks"]) == want

    node = next(s for srv in fleet.spec["servers"] for s in srv.get("sessions", []) if s["type"] == "Node")
    pattern = node["client"][:3] + "*"
    by_client = info(fleet, route_to=everyone, types=["session"], client_name=pattern.lower(),
                     session_type="Node")
    assert by_client["tasks"]
    assert all(t["client_name"].startswith(node["client"][:3]) and t["session_type"] == "Node"
               and t["type"] == "session" for t in by_client["tasks"])

    srv = next(s for s in fleet.spec["servers"] if any(p.get("job") for p in s.get("processes", [])))
    job_id = next(p["job"] for p in srv["processes"] if p.get("job"))
    one_job = info(fleet, server=srv["name"], job_id=job_id, scope="active")
    assert set(t["type"] for t in one_job["tasks"]) == {"job", "process"}
    assert all(t["job_id"] == job_id for t in one_job["tasks"])

    described = info(fleet, route_to=everyone, types=["process"], description="retention*")
    assert described["tasks"] and all(t["description"].lower().startswith("retention")
                                      for t in described["tasks"])
    ids = info(fleet, route_to=everyone, ids=[job_id], types=["job"])
    assert [t["id"] for t in ids["tasks"]] == [job_id]


def test_scope_and_since(fleet):
    everyone = "{{ everyone }}"
    active = info(fleet, route_to=everyone, scope="active")
    assert active["tasks"] and all(t["active"] for t in active["tasks"])
    recent = info(fleet, route_to=everyone, scope="completed", since="12h")
    assert recent["tasks"] and not any(t["active"] for t in recent["tasks"])
    for srv in expected.servers(fleet.spec):
        tasks = by_server(recent, srv["name"])
        done = dict(((t["type"], t["id"]), t["state"]) for t in tasks if t["type"] != "job")
        assert done == expected.completed(srv, since=12 * 3600), srv["name"]
        jobs = dict((t["id"], t["state"]) for t in tasks if t["type"] == "job")
        want = dict((j, s) for j, s in expected.jobs(srv, since=12 * 3600).items()
                    if s not in ("Running", "Sleeping", "Interrupted"))
        assert jobs == want, srv["name"]
        report = next(s for s in recent["servers"] if s["name"] == srv["name"])
        counts = dict((k, report["summary"][k]) for k in ("successful", "warning", "failed"))
        assert counts == expected.header_counts(srv, since=12 * 3600), srv["name"]


def test_activity_log_pane(fleet):
    srv = next(s for s in fleet.spec["servers"]
               if any(c.get("message") and c["kind"] == "process" for c in s.get("completed", [])))
    seeded = next(c for c in srv["completed"] if c.get("message") and c["kind"] == "process")
    result = info(fleet, server=srv["name"], activity_log=True, ids=[seeded["number"]], types=["process"])
    task = next(t for t in result["tasks"] if t["id"] == seeded["number"] and not t["active"])
    assert any(m["message"].startswith(seeded["message"]) for m in task["messages"])
    assert all(task["start_time"] <= m["time"] <= task["end_time"] for m in task["messages"])
    limited = info(fleet, server=srv["name"], activity_log=True, activity_log_limit=1,
                   ids=[seeded["number"]], types=["process"])
    assert all(len(t["messages"]) <= 1 for t in limited["tasks"])
    plain = info(fleet, server=srv["name"], ids=[seeded["number"]], types=["process"])
    assert all("messages" not in t for t in plain["tasks"])


def test_check_mode_reads_the_same(fleet):
    normal = info(fleet, route_to="{{ everyone }}", scope="completed")
    checked = info(fleet, check=True, route_to="{{ everyone }}", scope="completed")
    assert checked["changed"] is False
    assert [(t["server"], t["type"], t["id"], t["state"]) for t in checked["tasks"]] == \
        [(t["server"], t["type"], t["id"], t["state"]) for t in normal["tasks"]]


def test_bad_input_names_the_option_and_value(fleet):
    result = info(fleet, states=["Snoozing"])
    assert result["failed"] and "states" in result["msg"] and "Snoozing" in result["msg"]
    result = info(fleet, since="yesterday")
    assert result["failed"] and "since" in result["msg"] and "yesterday" in result["msg"]
    result = info(fleet, route_to=["SPOKE1;CANCEL PROCESS 1"])
    assert result["failed"] and "route_to" in result["msg"] and "CANCEL PROCESS 1" in result["msg"]


def test_credentials_from_environment_and_no_password_anywhere(fleet):
    task = {"name": "read", "spectrum_protect.operations.sp_task_info": {"server": "{{ hub }}"},
            "environment": {"SP_ADMIN_ID": "ADMIN", "SP_ADMIN_PASSWORD": "{{ pw }}"}, "register": "r_env"}
    out = fleet.playbook(json.dumps([task]), vars=conn_vars(fleet))
    assert not out["r_env"].get("failed"), out["r_env"].get("msg")
    assert out["r_env"]["tasks"]
    assert "passw0rd" not in json.dumps(out) and "passw0rd" not in fleet.last_output
    rc, log = fleet.dsmadmc("SELECT MESSAGE FROM ACTLOG WHERE MSGNO=2017")
    assert rc == 0 and "passw0rd" not in log


def test_garbled_spoke_is_reported_and_the_others_still_come_back(fresh_fleet):
    fleet = fresh_fleet
    spokes = [s for s in fleet.spec["servers"] if s.get("role") != "hub"]
    bad = spokes[-1]["name"]
    fleet.spemu("fault", bad, "garble")
    result = info(fleet, route_to="{{ everyone }}")
    assert not result.get("failed"), result.get("msg")
    report = next(s for s in result["servers"] if s["name"] == bad)
    assert report["error"], report
    for srv in expected.servers(fleet.spec):
        if srv["name"] != bad:
            got = index(by_server(result, srv["name"]), "session", active=True)
            assert set(expected.active_sessions(srv)) <= set(got)


def test_completed_jobs_alone_keep_to_since(fleet):
    result = info(fleet, route_to="{{ everyone }}", types=["job"], scope="completed", since="12h")
    for srv in expected.servers(fleet.spec):
        got = dict((t["id"], t["state"]) for t in by_server(result, srv["name"]))
        want = dict((j, s) for j, s in expected.jobs(srv, since=12 * 3600).items()
                    if s not in ("Running", "Sleeping", "Interrupted"))
        assert got == want, srv["name"]
    assert any("FROM STATUS" in c for c in result["commands"])


def test_credentials_file(fleet, tmp_path):
    cred = tmp_path / "admin.cred"
    cred.write_text("# emulated credentials file\nid=ADMIN\npassword=passw0rd\n")
    cred.chmod(0o600)
    task = {"name": "read", "register": "r_cred",
            "spectrum_protect.operations.sp_task_info": {"server": "{{ hub }}", "credentials_file": str(cred),
                                                         "types": ["process"], "scope": "active"}}
    out = fleet.playbook(json.dumps([task]), vars=conn_vars(fleet))
    result = out["r_cred"]
    assert not result.get("failed"), result.get("msg")
    hub = expected.server(fleet.spec, conn_vars(fleet)["hub"])
    assert set(expected.active_processes(hub)) <= set(index(result["tasks"], "process"))


def test_a_hanging_server_is_killed_at_the_timeout(fresh_fleet):
    fleet = fresh_fleet
    hub = conn_vars(fleet)["hub"]
    fleet.spemu("fault", hub, "hang")
    result = info(fleet, timeout=2)
    assert result["failed"] is True
    assert result["kind"] == "timeout" and "2 seconds" in result["msg"]
