"""Issue 10, target 1: one dsmadmc process and one sign-on per server (or per hub) per module run,
however many queries it needs, counted by the emulated client itself (SPEMU_CALL_LOG: one JSON line
per client process with its sign-ons and commands) and by the servers' own activity logs.

The same reads with single_session: false run one process per query and give the same tasks."""
import json
import threading
import time

from actions_support import harness, process_ids

make_fleet = harness.make_fleet
HUB = "HUB1"
SPOKES = ["SPOKE1", "SPOKE2", "SPOKE3"]


def logged_run(fleet, tmp_path, tag, module, **args):
    """Run one module task with the emulated client logging every process; -> (result, calls)."""
    log = tmp_path / ("calls-%s.jsonl" % tag)
    fleet.env["SPEMU_CALL_LOG"] = str(log)
    try:
        params = dict({"server": HUB, "admin_id": "ADMIN", "password": "passw0rd"}, **args)
        result = fleet.playbook(json.dumps([{"name": tag, "spectrum_protect.operations.%s" % module: params,
                                             "register": "r_out"}]))["r_out"]
    finally:
        fleet.env.pop("SPEMU_CALL_LOG", None)
    calls = [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []
    return result, calls


def test_a_fleet_read_through_the_hub_is_one_process_and_one_sign_on(tmp_path_factory, tmp_path):
    fleet = make_fleet(tmp_path_factory)
    one, calls = logged_run(fleet, tmp_path, "one", "sp_task_info", route_to=[HUB] + SPOKES)
    assert not one.get("failed"), one.get("msg")
    assert len(calls) == 1 and calls[0]["signons"] == 1 and calls[0]["server"] == HUB, calls
    # every query of the run went through that one session, each routed to the whole fleet
    assert calls[0]["commands"] == one["commands"] and len(one["commands"]) >= 6
    assert all(c.startswith("%s: " % ",".join([HUB] + SPOKES)) for c in one["commands"])

    many, calls_many = logged_run(fleet, tmp_path, "many", "sp_task_info", route_to=[HUB] + SPOKES,
                                  single_session=False)
    assert not many.get("failed"), many.get("msg")
    assert len(calls_many) == len(many["commands"]) >= 6 and all(c["signons"] == 1 for c in calls_many)
    # the same answer either way (durations move with the clock: compare what the page shows)

    # (the reads' own administrative sessions differ from run to run: left out)
    def shown(result):
        return sorted((t["server"], t["type"], t["id"], t["state"]) for t in result["tasks"]
                      if not (t["type"] == "session" and (t.get("session_type") or "").lower() == "admin"
                              and (t.get("client_name") or "").upper() == "ADMIN"))
    assert shown(one) == shown(many)
    assert one["summary"]["complete"] is True and one["summary"] == many["summary"]


def test_one_server_read_is_one_process_and_one_sign_on(tmp_path_factory, tmp_path):
    fleet = make_fleet(tmp_path_factory)
    result, calls = logged_run(fleet, tmp_path, "spoke", "sp_task_info", server="SPOKE1", activity_log=True)
    assert not result.get("failed"), result.get("msg")
    assert [(c["server"], c["signons"]) for c in calls] == [("SPOKE1", 1)]
    assert any(c.startswith("SELECT DATE_TIME") for c in calls[0]["commands"])
    # the server saw the commands in one administrative session of its own
    _rc, rows = fleet.dsmadmc("SELECT SESSION, MESSAGE FROM ACTLOG WHERE MSGNO=2017", server="SPOKE1", mode="comma",
                              extra=["-comma"])
    sessions = set()
    for line in rows.splitlines():
        if "issued command: QUERY STATUS" in line or "FROM SUMMARY_EXTENDED" in line:
            sessions.add(line.split(",")[0])
    assert len(sessions) == 1, rows


def real(commands):
    """The commands of a run, without the marks that end each exchange of a conversation."""
    return [c for c in commands if not c.startswith("SELECT 'SPOPS' || '")]


def test_an_action_reads_acts_and_reads_again_in_one_process_and_one_sign_on(tmp_path_factory, tmp_path):
    fleet = make_fleet(tmp_path_factory)
    result, calls = logged_run(fleet, tmp_path, "job", "sp_job", route_to=["SPOKE1"], job_type="RETENTION",
                               states=["Running", "Sleeping"], state="interrupted")
    assert not result.get("failed"), result.get("msg")
    interrupted = [j["id"] for j in result["interrupted"]]
    assert interrupted, result
    # one client for the whole run: the plan's reads, each change, the reads after it
    assert len(calls) == 1 and calls[0]["signons"] == 1 and calls[0]["server"] == HUB, calls
    sent = real(calls[0]["commands"])
    assert sent == result["commands"]       # what the module says it sent is what the client ran
    assert sent[:2] == ["SPOKE1: QUERY STATUS", "SPOKE1: QUERY JOB STATUS=ANY"]
    changes = [c for c in sent if "INTERRUPT JOB" in c]
    assert changes == ["SPOKE1: INTERRUPT JOB %d" % number for number in interrupted]      # each once
    # and read back after the change, still signed on: the state the result shows comes from it
    assert "SPOKE1: QUERY JOB STATUS=ANY" in sent[sent.index(changes[-1]):]
    assert all(job["state_after"] != job["state_before"] for job in result["tasks"]), result["tasks"]


def test_an_action_with_a_client_that_holds_its_output_falls_back_and_says_so(tmp_path_factory, tmp_path):
    """SPEMU_OUTPUT=buffered: a client that writes nothing until it ends. The reads still share
    one session; each change and each read after it is a call of its own, and a warning says why."""
    fleet = make_fleet(tmp_path_factory)
    fleet.env["SPEMU_OUTPUT"] = "buffered"
    try:
        result, calls = logged_run(fleet, tmp_path, "held", "sp_job", server="SPOKE1", job_type="RETENTION",
                                   states=["Running", "Sleeping"], state="interrupted")
    finally:
        fleet.env.pop("SPEMU_OUTPUT", None)
    assert not result.get("failed"), result.get("msg")
    interrupted = [j["id"] for j in result["interrupted"]]
    assert interrupted and len(calls) >= 1 + len(interrupted), calls
    first = calls[0]
    assert real(first["commands"])[:2] == ["QUERY STATUS", "QUERY JOB STATUS=ANY"] and first["signons"] == 1
    assert not any("INTERRUPT" in c for c in first["commands"])     # no change went to the silent client
    changes = [c["commands"] for c in calls[1:] if any("INTERRUPT JOB" in command for command in c["commands"])]
    assert changes == [["INTERRUPT JOB %d" % number] for number in interrupted]
    assert any("wrote no answer within" in w for w in result.get("warnings", [])), result.get("warnings")


def admin_sessions(fleet, server, state=None):
    """{number: state} of the Admin sessions of ADMIN on `server` (the asking one is Run)."""
    _rc, out = fleet.dsmadmc("SELECT SESSION_ID, STATE FROM SESSIONS WHERE SESSION_TYPE='Admin' AND "
                             "CLIENT_NAME='ADMIN'", server=server, mode="comma", extra=["-comma"])
    found = dict((int(n), s) for n, _sep, s in (line.partition(",") for line in out.splitlines() if line.strip()))
    return dict((n, s) for n, s in found.items() if state is None or s == state)


def test_an_action_whose_session_is_cancelled_while_it_waits_goes_on_in_a_new_one(tmp_path_factory, tmp_path):
    """Between its commands the conversation's Admin session is in Idle wait, so another
    administrator (or sp_session cancelling Idle-wait admin sessions) can cancel it in the middle of
    a run. The client signs on again when it sends its next command, and the run finishes on
    that new session: the change is sent once, the wait sees the process end."""
    fleet = make_fleet(tmp_path_factory, freeze=False)         # a cancelled process takes 5 s to stop
    hub = HUB
    number = next(int(n) for n, row in process_ids(fleet, hub).items() if not row.get("JOB_ID"))
    before = set(admin_sessions(fleet, hub))
    outcome = {}

    def victim():
        outcome["result"], outcome["calls"] = logged_run(
            fleet, tmp_path, "victim", "sp_process", server=hub, id=number, wait=True, poll_interval=3,
            wait_timeout=60)
    thread = threading.Thread(target=victim)
    thread.start()
    try:
        deadline, idle = time.monotonic() + 60, {}
        while not idle and time.monotonic() < deadline and thread.is_alive():
            idle = dict((n, s) for n, s in admin_sessions(fleet, hub, "IdleW").items() if n not in before)
            time.sleep(0.2)
        assert len(idle) == 1, "the run's session was never seen in Idle wait: %r" % idle
        cancelled = list(idle)[0]
        _rc, said = fleet.dsmadmc("CANCEL SESSION %d" % cancelled, server=hub)
        assert "ANR0490I" in said or "ANR0483W" in said or _rc == 0, said
    finally:
        thread.join(120)
    result, calls = outcome["result"], outcome["calls"]
    assert not result.get("failed"), result.get("msg")
    assert [c["id"] for c in result["cancelled"]] == [number] and result["pending"] == []
    assert number not in process_ids(fleet, hub)
    # one client, signed on twice: the server ended its first session, it signed on again
    # (the log also holds this test's own dsmadmc calls, made while the run went on)
    runs = [c for c in calls if len(real(c["commands"])) < len(c["commands"])]
    assert len(runs) == 1, calls
    [call] = runs
    assert call["signons"] == 2 and real(call["commands"]).count("CANCEL PROCESS %d" % number) == 1
    assert real(call["commands"]) == result["commands"]
    _rc, log = fleet.dsmadmc("SELECT MESSAGE FROM ACTLOG WHERE SESSION=%d" % cancelled, server=hub,
                             mode="comma", extra=["-comma"])
    assert "ANR0483W Session %d" % cancelled in log and "forced by administrator" in log
