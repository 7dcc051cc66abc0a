"""sp_job through ansible-playbook against the emulated fleet.

Each case runs twice (the second run changes nothing); check mode and refusals are proved from the
servers' activity logs. Jobs are picked from the fleet file by what they are (a running retention
job with processes, a storage-rule job ...), never by numbers typed in here.
"""
from actions_support import (
    changing_commands, conn_vars, every_log, job_status, listed, make_fleet, pick, play, process_ids, run, task)
from expected import jobs_supported


def retention_jobs(fleet, status, with_children=False):
    """[(server, job)] of the seeded retention jobs with that status, in fleet order."""
    found = []
    for srv in fleet.spec["servers"]:
        if not jobs_supported(srv):
            continue
        for job in srv.get("jobs", []):
            children = [p for p in srv.get("processes", []) if p.get("job") == job["id"]]
            if job["type"] == "RETENTION" and job["status"] == status and \
                    (not with_children or children or job.get("children")):
                found.append((srv["name"], job))
    assert found, "the fleet file has no %s retention job" % status
    return found


def retention(fleet, status, server=None, with_children=False, spoke=False):
    """The first seeded retention job with that status (on `server`, or on a spoke)."""
    hub = conn_vars(fleet)["hub"]
    for name, job in retention_jobs(fleet, status, with_children):
        if (server is None or name == server) and not (spoke and name == hub):
            return name, job
    raise AssertionError("no %s retention job on %s" % (status, server or ("a spoke" if spoke else "any server")))


def children_of(fleet, server, job_id):
    return sorted(n for n, row in process_ids(fleet, server).items() if row.get("JOB_ID") == str(job_id))


def test_interrupt_then_resume_the_retention_jobs_of_one_spoke(fleet):
    server, job = retention(fleet, "RUNNING", with_children=True, spoke=True)
    kids = children_of(fleet, server, job["id"])
    assert kids, "a running retention job with processes"
    logs = every_log(fleet)
    interrupt = dict(route_to=[server], job_type="RETENTION", state="interrupted")

    checked = run(fleet, "sp_job", check=True, diff=True, **interrupt)
    assert checked["changed"] is True and [j["id"] for j in checked["interrupted"]] == [job["id"]]
    assert checked["diff"]["after"][server]["job %d" % job["id"]] == "Interrupted"
    assert every_log(fleet) == logs and job_status(fleet, server, job["id"]) == "RUNNING"

    out = play(fleet, task("sp_job", "r_first", **interrupt), task("sp_job", "r_second", **interrupt))
    first, second = out["r_first"], out["r_second"]
    assert first["changed"] is True and not first.get("failed"), first.get("msg")
    assert first["commands"].count("%s: INTERRUPT JOB %d" % (server, job["id"])) == 1
    assert [p["id"] for p in first["pending"]] == [job["id"]]       # INTERRUPTING while its processes stop
    assert "INTERRUPTING" in first["pending"][0]["state"]
    assert second["changed"] is False and second["interrupted"] == []
    assert "already doing it" in next(t for t in second["tasks"] if t["id"] == job["id"])["reason"]

    fleet.spemu("advance", "10s")          # the processes stop: the job is INTERRUPTED
    assert job_status(fleet, server, job["id"]) == "INTERRUPTED" and children_of(fleet, server, job["id"]) == []
    resume = dict(route_to=[server], job_type="RETENTION", states=["Interrupted"], state="resumed")
    out = play(fleet, task("sp_job", "r_again", **interrupt), task("sp_job", "r_resume", **resume),
               task("sp_job", "r_resume2", **resume))
    assert out["r_again"]["changed"] is False and out["r_again"]["pending"] == []
    resumed = out["r_resume"]
    assert resumed["changed"] is True and job["id"] in [j["id"] for j in resumed["resumed"]]
    assert any("storage rule next starts" in n for t in resumed["tasks"] for n in t["notes"])
    assert job_status(fleet, server, job["id"]) == "SLEEPING"      # it runs at its rule's next window
    assert out["r_resume2"]["changed"] is False
    done = changing_commands(fleet, server)[len(logs[server]):]
    assert done.count("INTERRUPT JOB %d" % job["id"]) == 1 and done.count("RESUME JOB %d" % job["id"]) == 1


def test_impossible_transitions_fail_before_any_command_and_privileges(fleet):
    hub_server, terminated = pick(fleet, "jobs", status="TERMINATED")
    _srv, interrupted = retention(fleet, "INTERRUPTED", hub_server)
    rule_server, rule_job = next((s["name"], j) for s in fleet.spec["servers"] if jobs_supported(s)
                                 for j in s.get("jobs", []) if j["type"] != "RETENTION" and j["status"] == "RUNNING")
    logs = every_log(fleet)
    out = play(fleet,
               task("sp_job", "r_resume", route_to=[hub_server], ids=[interrupted["id"], terminated["id"]],
                    state="resumed"),
               task("sp_job", "r_rule", route_to=[rule_server], id=rule_job["id"], state="interrupted"),
               task("sp_job", "r_confirm", route_to=[hub_server], id=interrupted["id"], state="terminated"))
    resume = out["r_resume"]
    assert resume["failed"] is True and resume["changed"] is False
    assert "job %d (%s) on %s is Terminated" % (terminated["id"], terminated["name"], hub_server) in resume["msg"]
    assert "nothing can restart it" in resume["msg"]
    rule = out["r_rule"]
    assert rule["failed"] is True and "storage-rule job" in rule["msg"] and rule_job["name"] in rule["msg"]
    assert out["r_confirm"]["failed"] is True and "confirm_terminate" in out["r_confirm"]["msg"]
    assert out["r_confirm"]["commands"] == []
    assert every_log(fleet) == logs
    assert job_status(fleet, hub_server, interrupted["id"]) == "INTERRUPTED"

    # an operator may resume a job (RESUME JOB: any administrator) but not interrupt one
    _srv, running = retention(fleet, "RUNNING", hub_server)
    operator = next(a["name"] for a in fleet.spec["defaults"]["admins"] if a["privileges"] == ["OPERATOR"])
    out = play(fleet, task("sp_job", "r_denied", route_to=[hub_server], id=running["id"], state="interrupted",
                           admin_id=operator),
               task("sp_job", "r_resumed", route_to=[hub_server], id=interrupted["id"], state="resumed",
                    admin_id=operator))
    denied = out["r_denied"]
    assert denied["failed"] is True and denied["changed"] is False
    assert hub_server in denied["msg"] and "rc 9" in denied["msg"] and "ANR2035E" in denied["msg"]
    assert job_status(fleet, hub_server, running["id"]) == "RUNNING"
    assert out["r_resumed"]["changed"] is True and not out["r_resumed"].get("failed"), out["r_resumed"].get("msg")
    assert job_status(fleet, hub_server, interrupted["id"]) == "SLEEPING"


def test_terminate_is_final(fleet):
    server, job = retention(fleet, "INTERRUPTED", spoke=True)
    terminate = dict(route_to=[server], id=job["id"], state="terminated", confirm_terminate=True)
    out = play(fleet, task("sp_job", "r_first", **terminate), task("sp_job", "r_second", **terminate),
               task("sp_job", "r_resume", route_to=[server], id=job["id"], state="resumed"))
    assert out["r_first"]["changed"] is True and [j["id"] for j in out["r_first"]["terminated"]] == [job["id"]]
    assert out["r_second"]["changed"] is False
    assert out["r_resume"]["failed"] is True and "Terminated" in out["r_resume"]["msg"]
    assert job_status(fleet, server, job["id"]) == "TERMINATED"
    assert changing_commands(fleet, server).count("TERMINATE JOB %d" % job["id"]) == 1


def test_a_spoke_before_8112_fails_clearly_and_gets_no_changing_job_command(fleet):
    old = next(s["name"] for s in fleet.spec["servers"] if not jobs_supported(s))
    result = run(fleet, "sp_job", route_to=[old], job_type="RETENTION", state="interrupted")
    assert result["failed"] is True and result["changed"] is False
    assert "V8.1.10" in result["msg"] or "V8.1." in result["msg"]
    assert "8.1.12" in result["msg"]
    report = result["servers"][0]
    assert report["name"] == old and report["jobs_supported"] is False
    # one read session, sent before the version was known: QUERY STATUS, QUERY JOB and the processes
    # read; the old server's unknown-command answer to QUERY JOB is not read and is no error of the run
    assert result["commands"] == ["%s: QUERY STATUS" % old, "%s: QUERY JOB STATUS=ANY" % old,
                                  "%s: SELECT P.*, CURRENT_TIMESTAMP AS SERVER_TIME FROM PROCESSES P" % old]
    assert len(report["errors"]) == 1 and "8.1.12" in report["errors"][0]["msg"]
    rows = listed(fleet, old, "SELECT MESSAGE FROM ACTLOG WHERE MSGNO=2017")
    assert not [r for r in rows if any(verb in r["MESSAGE"].upper() for verb in ("INTERRUPT", "RESUME", "TERMINATE"))]


def test_message_ids_do_not_matter(fleet):
    """SPEMU_MSGIDS=alt changes every unverified message ID (all ANR385x-386x job messages)."""
    server, job = retention(fleet, "SLEEPING")
    one = dict(route_to=[server], id=job["id"])
    fleet.env["SPEMU_MSGIDS"] = "alt"
    try:
        out = play(fleet, task("sp_job", "r_int1", state="interrupted", **one),
                   task("sp_job", "r_int2", state="interrupted", **one),
                   task("sp_job", "r_res1", state="resumed", **one),
                   task("sp_job", "r_res2", state="resumed", **one))
    finally:
        del fleet.env["SPEMU_MSGIDS"]
    assert [out[k]["changed"] for k in ("r_int1", "r_int2", "r_res1", "r_res2")] == [True, False, True, False]
    assert not any(out[k].get("failed") for k in out)
    assert out["r_int1"]["tasks"][0]["state_after"] == "Interrupted"
    assert out["r_res1"]["tasks"][0]["state_after"] == "Sleeping"
    rc, log = fleet.dsmadmc("SELECT MESSAGE FROM ACTLOG WHERE MESSAGE LIKE '%%Job %d %%'" % job["id"], server=server)
    assert rc == 0 and "ANR9852I" in log and "ANR3852I" not in log          # the alternative IDs were used


def test_one_spoke_down_the_others_are_interrupted(fresh_fleet):
    fleet = fresh_fleet
    hub = conn_vars(fleet)["hub"]
    capable = [s["name"] for s in fleet.spec["servers"] if jobs_supported(s)]
    down = next(name for name in capable if name != hub)
    fleet.spemu("fault", down, "down")
    result = run(fleet, "sp_job", route_to=capable, job_type="RETENTION", states=["Sleeping"], state="interrupted")
    assert result["failed"] is True and down in result["msg"]
    assert dict((s["name"], s["reachable"]) for s in result["servers"])[down] is False
    sleeping = [(s["name"], j["id"]) for s in fleet.spec["servers"] if s["name"] in capable and s["name"] != down
                for j in s.get("jobs", []) if j["type"] == "RETENTION" and j["status"] == "SLEEPING"]
    assert sleeping and sorted((j["server"], j["id"]) for j in result["interrupted"]) == sorted(sleeping)
    for server, number in sleeping:
        assert job_status(fleet, server, number) == "INTERRUPTED"


def test_wait_for_the_processes_to_stop_then_resume_and_a_timeout(tmp_path_factory):
    fleet = make_fleet(tmp_path_factory, freeze=False)          # the demo fleet on a clock that runs
    hub = conn_vars(fleet)["hub"]
    server, job = retention(fleet, "RUNNING", with_children=True, spoke=True)
    _hub, other = retention(fleet, "RUNNING", hub, with_children=True)
    kids = children_of(fleet, server, job["id"])
    waiting = dict(wait=True, poll_interval=1)
    out = play(fleet,
               task("sp_job", "r_interrupt", route_to=[server], id=job["id"], state="interrupted", wait_timeout=60,
                    **waiting),
               task("sp_job", "r_resume", route_to=[server], id=job["id"], state="resumed", wait_timeout=30,
                    **waiting),
               task("sp_job", "r_timeout", route_to=[hub], id=other["id"], state="interrupted", wait_timeout=2,
                    **waiting))
    interrupted = out["r_interrupt"]
    assert not interrupted.get("failed"), interrupted.get("msg")
    assert interrupted["pending"] == [] and interrupted["tasks"][0]["state_after"] == "Interrupted"
    assert sorted(p["id"] for p in interrupted["stopped_processes"]) == kids
    assert interrupted["waited"]["polls"] > 1
    resumed = out["r_resume"]
    assert resumed["changed"] is True and resumed["tasks"][0]["state_after"] == "Sleeping"
    timeout = out["r_timeout"]
    assert timeout["failed"] is True and "wait_timeout: after 2 seconds" in timeout["msg"]
    assert "job %d (%s) on %s" % (other["id"], other["name"], hub) in timeout["msg"]
    assert "still running" in timeout["msg"] or "INTERRUPTING" in timeout["msg"]
