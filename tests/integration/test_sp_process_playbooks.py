"""sp_process through ansible-playbook against the emulated fleet.

Each case runs twice (the second run changes nothing); check mode and refusals are proved from the
servers' activity logs. Processes are picked from the fleet file by what they are (a reclamation
waiting for a tape, a process of a retention job ...), never by numbers typed in here.
"""
import os

from actions_support import (
    changing_commands, conn_vars, every_log, job_status, make_fleet, pick, play, process_ids, run, task)
from expected import jobs_supported

LIVE_FLEET = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fleets", "live_processes.yml")


def plain_process(fleet, server):
    """A process of `server` with no job, no parent, no mount."""
    srv = next(s for s in fleet.spec["servers"] if s["name"] == server)
    return next(p for p in srv["processes"] if not (p.get("job") or p.get("parent") or p.get("mount"))
                and not any(q.get("parent") == p["id"] for q in srv["processes"]))


def test_check_mode_then_twice_through_the_hub_and_max_tasks(fleet):
    hub = conn_vars(fleet)["hub"]
    server = next(s["name"] for s in fleet.spec["servers"] if s["name"] != hub and jobs_supported(s))
    process = plain_process(fleet, server)
    logs = every_log(fleet)
    one = dict(route_to=[server], id=process["id"])
    out = play(fleet, task("sp_process", "r_check", check=True, diff=True, **one),
               task("sp_process", "r_broad", route_to=conn_vars(fleet)["everyone"], description="*", max_tasks=3))
    checked = out["r_check"]
    assert checked["changed"] is True and [c["id"] for c in checked["cancelled"]] == [process["id"]]
    assert checked["diff"]["after"] == {server: {"process %d" % process["id"]: "ended"}}
    broad = out["r_broad"]
    assert broad["failed"] is True and "processes match (" in broad["msg"] and "max_tasks=3" in broad["msg"]
    assert every_log(fleet) == logs and process["id"] in process_ids(fleet, server)

    out = play(fleet, task("sp_process", "r_first", **one), task("sp_process", "r_second", **one))
    first, second = out["r_first"], out["r_second"]
    assert first["changed"] is True and not first.get("failed"), first.get("msg")
    assert "%s: CANCEL PROCESS %d" % (server, process["id"]) in first["commands"]
    assert first["pending"][0]["id"] == process["id"]           # it stops a few seconds after the cancel
    assert second["changed"] is False and second["pending"][0]["id"] == process["id"]
    assert "already requested" in second["tasks"][0]["reason"]
    assert changing_commands(fleet, server) == logs[server] + ["CANCEL PROCESS %d" % process["id"]]


def test_a_runaway_reclamation_held_by_a_tape_request_is_cancelled_with_its_request(fleet):
    server, reclamation = pick(fleet, "processes", description="Space Reclamation")
    assert reclamation["mount"]["reply"] is True
    args = dict(route_to=[server], description="Space Reclamation")
    out = play(fleet, task("sp_process", "r_first", **args), task("sp_process", "r_second", **args))
    first = out["r_first"]
    assert first["changed"] is True and not first.get("failed"), first.get("msg")
    request = first["mount_requests"][0]
    assert request["volume"] == reclamation["mount"]["volume"] and request["needs_reply"] is True
    assert request["cancelled"] is True and request["process"] == reclamation["id"]
    assert "%s: CANCEL REQUEST %d" % (server, request["id"]) in first["commands"]
    assert first["pending"] == [] and first["tasks"][0]["state_after"] == "ended"
    assert out["r_second"]["changed"] is False and out["r_second"]["msg"].startswith("Nothing found")
    assert reclamation["id"] not in process_ids(fleet, server)
    done = changing_commands(fleet, server)
    assert done.count("CANCEL PROCESS %d" % reclamation["id"]) == 1
    assert done.count("CANCEL REQUEST %d" % request["id"]) == 1


def test_cancelling_a_retention_jobs_process_interrupts_the_job_and_a_storage_rule_job_goes_on(fleet):
    server, child = pick(fleet, "processes", description="Retention Set Copy")
    job = next(j for s in fleet.spec["servers"] if s["name"] == server for j in s["jobs"] if j["id"] == child["job"])
    assert job["type"] == "RETENTION" and job["status"] == "RUNNING"
    rule_server, rule_child = next((s["name"], p) for s in fleet.spec["servers"] if jobs_supported(s)
                                   for p in s.get("processes", []) if p.get("job") and any(
                                       j["id"] == p["job"] and j["type"] != "RETENTION" for j in s["jobs"]))
    by_job = dict(route_to=[server], job_id=job["id"])
    rule = dict(route_to=[rule_server], id=rule_child["id"])
    out = play(fleet, task("sp_process", "r_first", **by_job), task("sp_process", "r_second", **by_job),
               task("sp_process", "r_rule", **rule))
    first = out["r_first"]
    assert first["changed"] is True and not first.get("failed"), first.get("msg")
    assert [j["id"] for j in first["interrupted_jobs"]] == [job["id"]]
    assert first["interrupted_jobs"][0]["job_name"] == job["name"]
    assert all("interrupts the job" in t["notes"][0] for t in first["tasks"])
    assert out["r_second"]["changed"] is False
    assert out["r_rule"]["changed"] is True and out["r_rule"]["interrupted_jobs"] == []
    assert "the job goes on" in out["r_rule"]["tasks"][0]["notes"][0]
    fleet.spemu("advance", "10s")          # the cancelled processes stop
    assert job_status(fleet, server, job["id"]) == "INTERRUPTED"            # the page's rule, on the server
    assert job_status(fleet, rule_server, rule_child["job"]) == "RUNNING"   # a storage-rule job goes on
    assert rule_child["id"] not in process_ids(fleet, rule_server)


def test_message_ids_do_not_matter(fleet):
    """SPEMU_MSGIDS=alt changes every unverified message ID (ANR0940I, ANR0942E, ANR0989E ...)."""
    old = next(s["name"] for s in fleet.spec["servers"] if not jobs_supported(s))
    process = plain_process(fleet, old)
    one = dict(route_to=[old], id=process["id"])
    fleet.env["SPEMU_MSGIDS"] = "alt"
    try:
        out = play(fleet, task("sp_process", "r_first", **one), task("sp_process", "r_second", **one))
    finally:
        del fleet.env["SPEMU_MSGIDS"]
    assert out["r_first"]["changed"] is True and not out["r_first"].get("failed"), out["r_first"].get("msg")
    assert out["r_second"]["changed"] is False and not out["r_second"].get("failed")
    assert changing_commands(fleet, old).count("CANCEL PROCESS %d" % process["id"]) == 1
    rc, log = fleet.dsmadmc("SELECT MESSAGE FROM ACTLOG WHERE MESSAGE LIKE '%%process %d.%%'" % process["id"],
                            server=old)
    assert rc == 0 and "ANR9940I" in log and "ANR0940I" not in log


def test_one_spoke_down_and_the_spoke_before_8112(fresh_fleet):
    fleet = fresh_fleet
    hub = conn_vars(fleet)["hub"]
    old = next(s["name"] for s in fleet.spec["servers"] if not jobs_supported(s))
    down = next(s["name"] for s in fleet.spec["servers"] if s["name"] not in (hub, old))
    description = plain_process(fleet, old)["description"]
    fleet.spemu("fault", down, "down")
    result = run(fleet, "sp_process", route_to=conn_vars(fleet)["everyone"], description=description)
    assert result["failed"] is True and down in result["msg"]
    assert dict((s["name"], s["reachable"]) for s in result["servers"])[down] is False
    want = sorted((s["name"], p["id"]) for s in fleet.spec["servers"] if s["name"] != down
                  for p in s.get("processes", []) if p["description"].upper() == description.upper())
    assert (old, plain_process(fleet, old)["id"]) in want
    assert sorted((c["server"], c["id"]) for c in result["cancelled"]) == want
    logs = every_log(fleet)
    for server, number in want:
        assert "CANCEL PROCESS %d" % number in logs[server]


def test_wait_mounts_and_timeout(tmp_path_factory):
    fleet = make_fleet(tmp_path_factory, LIVE_FLEET, freeze=False)      # its clock follows real time
    hub = conn_vars(fleet)["hub"]
    waiting = dict(wait=True, poll_interval=1)
    out = play(fleet,
               task("sp_process", "r_wait", ids=[902, 903], wait_timeout=60, **waiting),
               task("sp_process", "r_held", id=901, cancel_mount_request=False, wait_timeout=3, **waiting),
               task("sp_process", "r_release", id=901, wait_timeout=30, **waiting),
               task("sp_process", "r_again", ids=[901, 902, 903]))
    result = out["r_wait"]
    assert not result.get("failed"), result.get("msg")
    assert result["pending"] == [] and sorted(c["id"] for c in result["cancelled"]) == [902, 903]
    notes = dict((t["id"], t["notes"]) for t in result["tasks"])
    assert any("VOL902L6 is being mounted" in n for n in notes[902])      # the page: a mount finishes first
    held = out["r_held"]
    assert held["failed"] is True and "wait_timeout: after 3 seconds" in held["msg"]
    assert "process 901 (Space Reclamation) on %s (Running)" % hub in held["msg"]
    assert held["mount_requests"][0]["cancelled"] is False
    assert "REPLY" in held["pending"][0]["reason"]
    release = out["r_release"]                          # the cancel is under way: only the request is cancelled
    assert not release.get("failed"), release.get("msg")
    assert release["changed"] is True and release["cancelled"] == []
    assert release["mount_requests"][0]["cancelled"] is True and release["pending"] == []
    assert out["r_again"]["changed"] is False and out["r_again"]["not_found"] == [901, 902, 903]
    assert changing_commands(fleet, hub) == ["CANCEL PROCESS 902", "CANCEL PROCESS 903", "CANCEL PROCESS 901",
                                             "CANCEL REQUEST 1"]
