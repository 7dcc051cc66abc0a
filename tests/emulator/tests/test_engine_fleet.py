"""Fleet files: checks, seeding (SUMMARY/ACTLOG of completed tasks), the demo fleet."""
import collections
import contextlib

import pytest
import yaml

from conftest import server
from spemu import engine, fleet, store


def write(tmp_path, servers):
    path = tmp_path / "bad.yml"
    path.write_text(yaml.safe_dump({"servers": servers}))
    return str(path)


@pytest.mark.parametrize("spec, error", [
    (server(version="8.1.7", jobs=[{"id": 1, "status": "RUNNING"}]), "no jobs"),
    (server(version="8.1.10", jobs=[{"id": 1, "status": "SLEEPING"}]), "RUNNING, INTERRUPTED or COMPLETED"),
    (server(version="8.1.10", jobs=[{"id": 1, "status": "RUNNING", "type": "COPY"}]), "no storage rule"),
    (server(jobs=[{"id": 1, "status": "COMPLETED", "outcome": "fine"}]), "outcome must be"),
    (server(jobs=[{"id": 1, "status": "FAILED", "evidence": "maybe"}]), "evidence must be"),
    (server(msgids="other"), "SPEMU_MSGIDS"),
    (server(version="8.1.11", processes=[{"id": 1, "job": 3}]), "Job Id"),
    (server(sessions=[{"id": 1, "state": "Dancing"}]), "unknown session state"),
    (server(completed=[{"kind": "session"}]), "outcome"),
    (server(completed=[{"kind": "job", "outcome": "failed"}]), "kind"),
    (server(jobs=[{"id": 1, "status": "done!"}]), "status"),
    (server(jobs=[{"id": 1, "status": "COMPLETED"}]), "needs outcome"),
    (server(jobs=[{"id": 1, "status": "SLEEPING", "rule": "NOPE"}]), "no storage rule"),
])
def test_invalid_fleets_are_rejected(tmp_path, spec, error):
    with pytest.raises(ValueError, match=error):
        fleet.load(write(tmp_path, [spec]))


def test_duration_and_time_forms():
    assert [engine.parse_duration(v) for v in ("30s", "5m", "2h", "1d", "1h30m", 90, "45")] == \
        [30, 300, 7200, 86400, 5400, 90, 45]
    with pytest.raises(ValueError):
        engine.parse_duration("soon")
    base = store.parse_ts("2024-04-22 09:38:27.000000")
    assert fleet.at("-2h", base) == store.parse_ts("2024-04-22 07:38:27.000000")
    assert fleet.at("+10m", base) == store.parse_ts("2024-04-22 09:48:27.000000")
    assert fleet.at("now", base) == base
    assert fleet.rule_start("-1h", base) == "08:38" and fleet.rule_start("4:05", base) == "04:05"


def test_completed_tasks_become_summary_and_actlog_rows(make_home):
    home = make_home(server(completed=[
        {"kind": "session", "number": 5, "client": "FRED", "platform": "AIX", "started": "-3h", "ended": "-2h",
         "outcome": "warning"},
        {"kind": "session", "number": 6, "client": "FRED", "platform": "AIX", "started": "-3h", "ended": "-2h",
         "outcome": "failed"},
        {"kind": "process", "number": 7, "description": "EXPIRATION", "started": "-5h", "ended": "-4h",
         "outcome": "successful"}]))
    rows = {row["NUMBER"]: row for row in home.rows("SELECT * FROM SUMMARY_EXTENDED")}
    assert {n: (r["SUCCESSFUL"], r["STATUS"]) for n, r in rows.items()} == {
        5: ("YES", "WARNING"), 6: ("NO", "FAILED"), 7: ("YES", "SUCCESSFUL")}
    assert len(home.rows("SELECT * FROM SUMMARY")) == 3
    severities = collections.Counter((row["SESSION"], row["PROCESS"], row["SEVERITY"])
                                     for row in home.rows("SELECT * FROM ACTLOG"))
    assert severities == {(5, None, "I"): 2, (5, None, "W"): 1, (6, None, "I"): 2, (6, None, "E"): 1,
                          (None, 7, "I"): 2}
    ended = fleet.at("-4h", home.now()).strftime("%H:%M:%S")
    assert home.messages("ANR0985I Process 7 %")[0].endswith("completion state SUCCESS at %s. (PROCESS: 7)" % ended)


def test_seeded_numbers_and_counters(make_home):
    home = make_home(server(sessions=[{"id": 40, "state": "IdleW"}, {"state": "IdleW"}],
                            completed=[{"kind": "session", "outcome": "successful"}]))
    assert [row["NUMBER"] for row in home.rows("SELECT NUMBER FROM SUMMARY")] == [41]
    assert [row["SESSION_ID"] for row in home.rows("SELECT SESSION_ID FROM SESSIONS ORDER BY 1")] == [40, 42]


def test_schema_has_public_columns_and_catalogue(make_home):
    home = make_home(server())
    columns = home.rows("SELECT COLNAME FROM COLUMNS WHERE TABNAME='SESSIONS' ORDER BY COLNO")
    assert [row["COLNAME"] for row in columns] == store.public_columns("SESSIONS")
    assert not [row for row in home.rows("SELECT * FROM COLUMNS") if row["COLNAME"].startswith("EMU_")]
    assert home.rows("SELECT SERVER_NAME FROM STATUS") == [{"SERVER_NAME": "SRV1"}]
    info = home.rows("SELECT * FROM SERVER_INFO")[0]
    assert (info["VERSION"], info["RELEASE"], info["LEVEL"], info["IDLETIMEOUT"], info["COMMTIMEOUT"]) == (8, 1, 21, 15, 60)


def test_summary_and_actlog_are_pruned_after_retention(make_home):
    home = make_home(server(summaryretention=2, actlogretention=4, completed=[
        {"kind": "process", "outcome": "successful", "started": "-2h", "ended": "-1h"}]))
    home.advance(86400)
    assert len(home.rows("SELECT * FROM SUMMARY")) == 1
    home.advance(2 * 86400)
    assert home.rows("SELECT * FROM SUMMARY") == [] and home.rows("SELECT * FROM SUMMARY_EXTENDED") == []
    assert len(home.rows("SELECT * FROM ACTLOG")) == 2
    home.advance(86400)
    assert home.rows("SELECT * FROM ACTLOG") == []


# ---------------------------------------------------------------- the demo fleet

@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    home = str(tmp_path_factory.mktemp("demo"))
    store.freeze_clock(home)
    fleet.init_home(fleet.DEMO_FLEET, home)
    return home, fleet.load(fleet.DEMO_FLEET)


def all_rows(home, sql):
    rows = []
    for name in store.server_names(home):
        with contextlib.closing(store.open_server(home, name)) as conn:
            engine.run_until(conn, store.now(home))
            rows += [dict(row, SERVER=name) for row in conn.execute(sql)]
    return rows


def test_demo_has_hub_three_spokes_and_one_before_8_1_12(demo):
    _home, spec = demo
    roles = collections.Counter(s["role"] for s in spec["servers"])
    assert roles["hub"] == 1 and roles["spoke"] >= 3
    old = [s for s in spec["servers"] if fleet.version_tuple(s["version"])[:3] < (8, 1, 12)]
    assert len(old) == 1 and not old[0].get("jobs")
    for server_spec in spec["servers"]:
        names = {(a["name"], tuple(a["privileges"])) for a in server_spec["admins"]}
        assert {("ADMIN", ("SYSTEM",)), ("OPER1", ("OPERATOR",)), ("ANALYST1", ("ANALYST",))} <= names


def test_demo_has_every_session_state_of_the_tasks_page(demo):
    home, spec = demo
    seeded = collections.Counter(s["state"] for srv in spec["servers"] for s in srv.get("sessions") or [])
    assert set(seeded) == set(engine.SESSION_STATES)
    live = collections.Counter(row["STATE"] for row in all_rows(home, "SELECT STATE FROM SESSIONS"))
    assert live == seeded


def test_demo_processes_by_jobs_parents_and_legacy(demo):
    home, spec = demo
    rows = all_rows(home, "SELECT * FROM PROCESSES")
    expected = sum(len(s.get("processes") or []) for s in spec["servers"])
    auto = sum(j.get("children", engine.JOB_CHILDREN) for s in spec["servers"] for j in s.get("jobs") or []
               if j["status"] == "RUNNING" and not any(p.get("job") == j["id"] for p in s.get("processes") or []))
    assert len(rows) == expected + auto
    assert any(r["JOB_ID"] for r in rows) and any(r["PARENT_PROCESS"] and not r["JOB_ID"] for r in rows)
    assert any(r["JOB_ID"] is None and r["PARENT_PROCESS"] is None for r in rows)


def test_demo_jobs_every_state_and_outcome(demo):
    home, spec = demo
    jobs = all_rows(home, "SELECT * FROM JOBS")
    assert {j["STATUS"] for j in jobs} >= {"RUNNING", "SLEEPING", "INTERRUPTED", "COMPLETED", "TERMINATED"}
    assert {j["COMPLETION_STATE"] for j in jobs if j["STATUS"] == "COMPLETED"} == {"Completed", "Warning", "Failed"}
    expected = collections.Counter(j["outcome"] for s in spec["servers"] for j in s.get("jobs") or [] if j.get("outcome"))
    assert collections.Counter(j["COMPLETION_STATE"] for j in jobs if j["COMPLETION_STATE"]) == \
        {engine.COMPLETION_STATES[k]: v for k, v in expected.items()}


def test_demo_completed_outcomes_in_last_24_hours(demo):
    home, spec = demo
    expected = collections.Counter((t["kind"].upper(), t["outcome"].upper())
                                   for s in spec["servers"] for t in s.get("completed") or [])
    since = store.fmt_ts(fleet.at("-24h", store.now(home)))
    rows = all_rows(home, "SELECT ACTIVITY_TYPE, STATUS FROM SUMMARY_EXTENDED WHERE END_TIME >= '%s'" % since)
    assert collections.Counter((r["ACTIVITY_TYPE"], r["STATUS"]) for r in rows) == expected
    assert {outcome for _kind, outcome in expected} == {"SUCCESSFUL", "WARNING", "FAILED"}


def test_demo_stays_interesting_for_hours(demo, tmp_path):
    home = str(tmp_path / "later")
    store.freeze_clock(home)
    fleet.init_home(fleet.DEMO_FLEET, home)
    store.advance_clock(home, 3600)
    states = {row["STATE"] for row in all_rows(home, "SELECT STATE FROM SESSIONS")}
    assert states == set(engine.SESSION_STATES)
