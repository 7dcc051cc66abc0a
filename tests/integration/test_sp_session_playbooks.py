"""sp_session through ansible-playbook against the emulated fleet.

Every case runs twice (the second run changes nothing) and what the module sent is read back from
the emulated server's activity log. Targets are picked from the fleet file by what they are (a
session in Idle wait, one in Media wait ...), never by numbers typed in here.
"""
import os

from actions_support import (
    changing_commands, conn_vars, every_log, make_fleet, pick, play, run, session_ids, task)
from expected import jobs_supported as expected_jobs

LIVE_FLEET = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fleets", "live_sessions.yml")


def test_check_mode_then_twice_through_the_hub(fleet):
    server, idle = pick(fleet, "sessions", state="IdleW", type="Node")
    hub = conn_vars(fleet)["hub"]
    assert server != hub, "the demo fleet's first Idle wait node session must sit on a spoke"
    logs = every_log(fleet)

    checked = run(fleet, "sp_session", check=True, diff=True, route_to=[server], id=idle["id"])
    assert checked["changed"] is True and not checked.get("failed"), checked.get("msg")
    assert [(c["server"], c["id"]) for c in checked["cancelled"]] == [(server, idle["id"])]
    assert checked["diff"]["after"] == {server: {"session %d" % idle["id"]: "ended"}}
    assert every_log(fleet) == logs                      # the server's own log: nothing changing was sent
    assert idle["id"] in session_ids(fleet, server)

    out = play(fleet, task("sp_session", "r_first", route_to=[server], id=idle["id"]),
               task("sp_session", "r_second", route_to=[server], id=idle["id"]))
    first, second = out["r_first"], out["r_second"]
    assert first["changed"] is True and not first.get("failed"), first.get("msg")
    assert first["commands"][-2:] == ["%s: CANCEL SESSION %d" % (server, idle["id"]),
                                      "%s: SELECT S.*, CURRENT_TIMESTAMP AS SERVER_TIME FROM SESSIONS S" % server]
    assert first["tasks"][0]["state_before"] == "Idle wait"
    assert any("new number" in note for note in first["tasks"][0]["notes"])     # the page's Idle wait rule
    assert second["changed"] is False and not second.get("failed"), second.get("msg")
    assert changing_commands(fleet, server) == logs[server] + ["CANCEL SESSION %d" % idle["id"]]
    assert changing_commands(fleet, hub) == logs[hub]                          # nothing ran on the hub ...
    assert changing_commands(fleet, hub, routed=True)[-1] == "%s: CANCEL SESSION %d" % (server, idle["id"])


def test_running_and_media_wait_sessions_stay_pending_and_are_cancelled_once(fleet):
    server, running = pick(fleet, "sessions", state="Run", type="Node", transaction=True)
    media_server, media = pick(fleet, "sessions", state="MediaW")
    assert media["mount"]["reply"] is True
    media_args = dict(route_to=[media_server], states=["Media wait"], client_name=media["client"])
    out = play(fleet, task("sp_session", "r_run1", route_to=[server], id=running["id"]),
               task("sp_session", "r_run2", route_to=[server], id=running["id"]),
               task("sp_session", "r_media1", **media_args), task("sp_session", "r_media2", **media_args))

    # Running: the session ends only when it next enters a wait state (the page's rule)
    first, second = out["r_run1"], out["r_run2"]
    assert first["changed"] is True and [c["id"] for c in first["cancelled"]] == [running["id"]]
    pending = first["pending"][0]
    assert pending["state"] == "Running" and "Send wait, SSL wait, Receive wait or Idle wait" in pending["reason"]
    assert any("rolled back" in note for note in first["tasks"][0]["notes"])       # a backup's rollback
    assert second["changed"] is False and second["cancelled"] == []
    assert second["pending"][0]["id"] == running["id"]
    assert "already requested" in second["tasks"][0]["reason"]
    assert changing_commands(fleet, server).count("CANCEL SESSION %d" % running["id"]) == 1
    assert session_ids(fleet, server)[running["id"]]["STATE"] == "Run"            # still running

    # Media wait: a mount request that needs an operator reply holds the session
    first, second = out["r_media1"], out["r_media2"]
    assert first["changed"] is True
    request = first["mount_requests"][0]
    assert request["needs_reply"] is True and request["volume"] == media["mount"]["volume"]
    assert request["cancelled"] is False and request["session"] == media["id"]
    reason = first["pending"][0]["reason"]
    assert "needs an operator reply" in reason and "REPLY %d" % request["id"] in reason
    assert second["changed"] is False and second["pending"][0]["state"] == "Media wait"
    rc, text = fleet.dsmadmc("QUERY REQUEST", server=media_server)
    assert rc == 0 and media["mount"]["volume"] in text                          # still outstanding
    assert changing_commands(fleet, media_server).count("CANCEL SESSION %d" % media["id"]) == 1


def test_all_node_sessions_of_a_spoke_before_8112(fleet):
    old = next(s for s in fleet.spec["servers"] if not expected_jobs(s))
    nodes = sorted(x["id"] for x in old["sessions"] if x["type"] == "Node")
    running = sorted(x["id"] for x in old["sessions"] if x["type"] == "Node" and x["state"] == "Run")
    assert nodes and running, "the spoke before V8.1.12 needs node sessions, one of them Running"
    every = dict(route_to=[old["name"]], all_node_sessions=True)
    out = play(fleet, task("sp_session", "r_check", check=True, **every), task("sp_session", "r_first", **every),
               task("sp_session", "r_second", **every))
    assert out["r_check"]["changed"] is True and sorted(c["id"] for c in out["r_check"]["cancelled"]) == nodes
    first = out["r_first"]
    assert first["changed"] is True and not first.get("failed"), first.get("msg")
    assert sorted(c["id"] for c in first["cancelled"]) == nodes
    assert "%s: CANCEL SESSION ALL" % old["name"] in first["commands"]
    states = dict((p["id"], p["state"]) for p in first["pending"])     # the clock is frozen: nothing has ended
    assert all(states[n] == "Running" for n in running)                # Running until its next wait state
    assert all(states[n] == "Ending" for n in nodes if n not in running)
    second = out["r_second"]
    assert second["changed"] is False and sorted(p["id"] for p in second["pending"]) == nodes
    assert changing_commands(fleet, old["name"]) == ["CANCEL SESSION ALL"]    # once: check mode sent nothing


def test_refusals_and_nothing_found_send_nothing(fleet):
    everyone = conn_vars(fleet)["everyone"]
    logs = every_log(fleet)
    out = play(fleet, task("sp_session", "r_broad", route_to=everyone, session_type="Node", max_tasks=2),
               task("sp_session", "r_none", route_to=everyone, id=987654),
               task("sp_session", "r_bad", route_to=everyone, client_name='X"; CANCEL SESSION ALL'),
               task("sp_session", "r_unselected", route_to=everyone))
    broad = out["r_broad"]
    assert broad["failed"] is True and broad["changed"] is False
    assert "sessions match (" in broad["msg"] and "more than max_tasks=2" in broad["msg"]
    none = out["r_none"]
    assert none["changed"] is False and not none.get("failed"), none.get("msg")
    assert none["not_found"] == [987654] and none["msg"].startswith("Nothing found")
    assert out["r_bad"]["failed"] is True and "client_name" in out["r_bad"]["msg"]
    assert out["r_bad"]["commands"] == []                        # refused before anything was sent
    assert out["r_unselected"]["failed"] is True and "required" in out["r_unselected"]["msg"]
    assert every_log(fleet) == logs


def test_message_ids_do_not_matter(fleet):
    """SPEMU_MSGIDS=alt changes every unverified message ID: the module keys on return codes and state."""
    server = next(s["name"] for s in fleet.spec["servers"]
                  if any(x["state"] == "SSLW" for x in s.get("sessions", [])))
    ssl = next(x for x in next(s for s in fleet.spec["servers"] if s["name"] == server)["sessions"]
               if x["state"] == "SSLW")
    fleet.env["SPEMU_MSGIDS"] = "alt"
    try:
        out = play(fleet, task("sp_session", "r_first", route_to=[server], id=ssl["id"]),
                   task("sp_session", "r_second", route_to=[server], id=ssl["id"]))
    finally:
        del fleet.env["SPEMU_MSGIDS"]
    assert out["r_first"]["changed"] is True and not out["r_first"].get("failed"), out["r_first"].get("msg")
    assert out["r_second"]["changed"] is False and not out["r_second"].get("failed")
    assert changing_commands(fleet, server).count("CANCEL SESSION %d" % ssl["id"]) == 1
    rc, log = fleet.dsmadmc("SELECT MESSAGE FROM ACTLOG WHERE MESSAGE LIKE '%%session %d %%'" % ssl["id"],
                            server=server)
    assert rc == 0 and "ANR9490I" in log and "ANR0490I" not in log           # the alternative IDs were used


def test_one_spoke_down_the_others_are_cancelled(fresh_fleet):
    fleet = fresh_fleet
    spokes = [s["name"] for s in fleet.spec["servers"] if s.get("role") != "hub"]
    down = spokes[1]
    fleet.spemu("fault", down, "down")
    result = run(fleet, "sp_session", route_to=conn_vars(fleet)["everyone"], states=["Idle wait"],
                 session_type="Node")
    assert result["failed"] is True and down in result["msg"]
    report = dict((s["name"], s) for s in result["servers"])[down]
    assert report["reachable"] is False and "ANR8214E" in report["error"]
    expected = dict((s["name"], sorted(x["id"] for x in s.get("sessions", [])
                                       if x["state"] == "IdleW" and x["type"] == "Node"))
                    for s in fleet.spec["servers"] if s["name"] != down)
    old = [s["name"] for s in fleet.spec["servers"] if not expected_jobs(s)]
    assert old and expected[old[0]], "a spoke before V8.1.12 with an Idle wait node session"
    assert result["changed"] is True
    logs = every_log(fleet)
    for server, ids in expected.items():     # the spoke before V8.1.12 too: sessions exist there
        assert sorted(int(c.split()[-1]) for c in logs[server]) == ids, server


def test_wait_reestablished_session_and_timeout(tmp_path_factory):
    fleet = make_fleet(tmp_path_factory, LIVE_FLEET, freeze=False)      # its clock follows real time
    hub = conn_vars(fleet)["hub"]
    waiting = dict(wait=True, poll_interval=1)
    out = play(fleet, task("sp_session", "r_wait", ids=[101, 102], wait_timeout=60, **waiting),
               task("sp_session", "r_timeout", id=103, wait_timeout=3, **waiting),
               task("sp_session", "r_again", ids=[101, 102]))
    result = out["r_wait"]
    assert not result.get("failed"), result.get("msg")
    assert result["changed"] is True and result["pending"] == []
    assert sorted(c["id"] for c in result["cancelled"]) == [101, 102]
    assert result["waited"]["polls"] > 1
    assert dict((t["id"], t["state_after"]) for t in result["tasks"]) == {101: "ended", 102: "ended"}
    again = [r for r in result["reestablished"] if r["replaces"] == 101]
    assert again and again[0]["client_name"] == "LAPTOP01" and again[0]["id"] > 103
    assert again[0]["id"] in session_ids(fleet, hub)
    timeout = out["r_timeout"]
    assert timeout["failed"] is True and "wait_timeout: after 3 seconds" in timeout["msg"]
    assert "session 103 of DBSRV09 on %s (Running)" % hub in timeout["msg"]
    assert timeout["pending"][0]["id"] == 103 and timeout["changed"] is True
    assert out["r_again"]["changed"] is False and out["r_again"]["not_found"] == [101, 102]
    assert changing_commands(fleet, hub) == ["CANCEL SESSION 101", "CANCEL SESSION 102", "CANCEL SESSION 103"]
