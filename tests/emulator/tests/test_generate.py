"""Generated fleets (`generate:` in a fleet file): deterministic, every state, bulk rows equal to
the per-item seeding's, readable by the emulated dsmadmc."""
import collections
import contextlib
import os

import pytest
import yaml

from spemu import cli, dsmadmc, fleet, generate, store

DEFAULTS = {"idletimeout": 720, "commtimeout": 43200, "adminidletimeout": 720, "admincommtimeout": 43200,
            "admins": [{"name": "ADMIN", "password": "passw0rd", "privileges": ["SYSTEM"]}]}
TABLES = ("SESSIONS", "PROCESSES", "JOBS", "REQUESTS", "SUMMARY", "SUMMARY_EXTENDED", "ACTLOG", "EMU_COUNTERS",
          "EMU_RETSETS", "STGRULES", "EMU_RECONNECTS")


def write_fleet(tmp_path, generate_section, servers=(), name="gen.yml"):
    path = tmp_path / name
    path.write_text(yaml.safe_dump({"defaults": DEFAULTS, "generate": generate_section, "servers": list(servers)}))
    return str(path)


def stub(tmp_path, **section):
    section.setdefault("servers", 1)
    return fleet.load(write_fleet(tmp_path, section))["servers"][0]


def test_expansion_is_deterministic_and_seeded(tmp_path):
    first = generate.expand_server(stub(tmp_path, tasks=300, seed=7))
    again = generate.expand_server(stub(tmp_path, tasks=300, seed=7))
    other = generate.expand_server(stub(tmp_path, tasks=300, seed=8))
    assert first == again
    assert first["sessions"] != other["sessions"]


def test_names_roles_versions_and_counts(tmp_path):
    servers = fleet.load(write_fleet(tmp_path, {"servers": 12, "tasks": 1000, "name": "sp",
                                                "versions": ["8.1.21", "8.1.10"]}))["servers"]
    assert [s["name"] for s in servers[:3]] == ["SP001", "SP002", "SP003"] and len(servers) == 12
    assert [s["role"] for s in servers].count("hub") == 1 and servers[0]["role"] == "hub"
    assert [s["version"] for s in servers[:3]] == ["8.1.21", "8.1.10", "8.1.21"]
    spec = generate.expand_server(servers[0])
    counted = len(spec["sessions"]) + len(spec["processes"]) + len(spec["jobs"]) + len(spec["completed"])
    assert counted == 1000
    old = generate.expand_server(servers[1])       # V8.1.10: no jobs, no Job Id / Parent Process
    assert not old["jobs"] and not any(p.get("job") or p.get("parent") for p in old["processes"])
    fleet.check_server(spec)
    fleet.check_server(old)


def test_every_state_and_link_is_generated(tmp_path):
    spec = generate.expand_server(stub(tmp_path, tasks=2000))
    assert {s["state"] for s in spec["sessions"]} == {"Start", "Run", "End", "RecvW", "SendW", "IdleW", "MediaW", "SSLW"}
    assert {s["type"] for s in spec["sessions"]} == {"Node", "Admin", "Server"}
    assert {j["status"] for j in spec["jobs"]} == {"RUNNING", "SLEEPING", "INTERRUPTED", "COMPLETED", "TERMINATED", "FAILED"}
    assert {t["outcome"] for t in spec["completed"]} == {"successful", "warning", "failed"}
    assert {t["kind"] for t in spec["completed"]} == {"session", "process"}
    running = {j["id"] for j in spec["jobs"] if j["status"] == "RUNNING"}
    children = [p for p in spec["processes"] if p.get("job")]
    assert {p["job"] for p in children} == running
    assert all(p.get("parent") for p in children[1::2])                 # a job's second child
    assert any(p.get("parent") and not p.get("job") for p in spec["processes"])   # parent processes
    assert len(spec["actlog"]) == 2000 and {r.get("originator") for r in spec["actlog"]} >= {"CLIENT"}
    clients = collections.Counter(s["client"] for s in spec["sessions"] if s["type"] == "Node")
    assert len(clients) > 50                       # one client is a small share of the table


@pytest.mark.parametrize("section", [{"servers": 0}, {"tasks": "many"}, {"colour": 1}, {"name": "a b"},
                                     {"versions": []}, {"actlog": -1}])
def test_bad_generate_sections_are_refused(tmp_path, section):
    with pytest.raises(ValueError, match="generate"):
        fleet.load(write_fleet(tmp_path, section))


def test_generated_names_must_not_clash_with_listed_servers(tmp_path):
    with pytest.raises(ValueError, match="also listed"):
        fleet.load(write_fleet(tmp_path, {"servers": 2}, servers=[{"name": "GEN002"}]))


def dump(home, name):
    with contextlib.closing(store.open_server(home, name)) as conn:
        return {table: [tuple(row) for row in conn.execute("SELECT rowid, * FROM %s ORDER BY rowid" % table)]
                for table in TABLES}


def seed_both(tmp_path, spec):
    """The same spec seeded one item at a time and in bulk, at the same instant."""
    out = []
    now = None
    for bulk in (False, True):
        home = str(tmp_path / ("bulk" if bulk else "items"))
        now = now or store.freeze_clock(home)
        with contextlib.closing(store.open_home(home)) as conn, store.transaction(conn):
            conn.execute("INSERT INTO EMU_SERVERS VALUES (?, 0)", (spec["name"],))
        assert fleet.seed_server(home, dict(spec), 0, now, bulk=bulk)
        out.append(dump(home, spec["name"]))
    return out


@pytest.mark.parametrize("version", ["8.1.21", "8.1.10"])
def test_bulk_rows_are_the_per_item_rows(tmp_path, version):
    spec = generate.expand_server(stub(tmp_path, tasks=400, versions=[version]))
    items, bulk = seed_both(tmp_path, spec)
    for table in TABLES:
        assert bulk[table] == items[table], table
    assert len(items["ACTLOG"]) > 1000 and items["REQUESTS"]


def test_bulk_rows_are_the_per_item_rows_for_the_demo_fleet(tmp_path):
    """The listed demo servers (mount waits of processes, jobs without listed children, retention
    sets, scripted sessions) seeded in bulk: what the bulk writer does not cover goes per item."""
    for spec in fleet.load(fleet.DEMO_FLEET)["servers"]:
        items, bulk = seed_both(tmp_path / spec["name"], spec)
        for table in TABLES:
            assert bulk[table] == items[table], (spec["name"], table)


def test_alt_message_ids_in_bulk(tmp_path):
    spec = generate.expand_server(stub(tmp_path, tasks=200))
    spec["msgids"] = "alt"
    items, bulk = seed_both(tmp_path, spec)
    assert bulk["ACTLOG"] == items["ACTLOG"]
    assert any("ANR9990E" in row[4] or "ANR9991W" in row[4] for row in bulk["ACTLOG"])


def test_spemu_init_of_a_generated_fleet_and_dsmadmc_reads_it(tmp_path, capsys):
    path = write_fleet(tmp_path, {"servers": 3, "tasks": 150, "seed": 3},
                       servers=[dict(DEFAULTS, name="LISTED", role="spoke")])
    home = str(tmp_path / "home")
    assert cli.main(["init", "--fleet", path, "--home", home, "--frozen"]) == 0
    assert "GEN003: seeded" in capsys.readouterr().err
    specs = {s["name"]: s for s in fleet.load(path)["servers"]}
    assert list(specs) == ["LISTED", "GEN001", "GEN002", "GEN003"]
    expected = generate.expand_server(specs["GEN002"])
    status, out = dsmadmc.invoke(["-id=ADMIN", "-pa=passw0rd", "-se=GEN002", "-dataonly=yes", "-comma",
                                  "SELECT COUNT(*) FROM SESSIONS WHERE SESSION_TYPE<>'Admin' OR SESSION_ID<100000"],
                                 home=home)
    assert status == 0
    # the dsmadmc's own Admin session is in SESSIONS too while it runs
    assert int(out.split()[0]) == len(expected["sessions"]) + 1
    status, out = dsmadmc.invoke(["-id=ADMIN", "-pa=passw0rd", "-se=GEN001", "-dataonly=yes", "-comma",
                                  "GEN001,GEN002,GEN003: SELECT COUNT(*) FROM SUMMARY_EXTENDED"], home=home)
    assert status == 0 and out.count("ANR1694I") == 3
    # a second init keeps the generated state
    assert cli.main(["init", "--fleet", path, "--home", home]) == 0
    assert "GEN001: kept" in capsys.readouterr().err


def test_spemu_expand_prints_the_explicit_fleet(tmp_path, capsys):
    path = write_fleet(tmp_path, {"servers": 2, "tasks": 50})
    assert cli.main(["expand", "--fleet", path, "--server", "GEN002"]) == 0
    printed = yaml.safe_load(capsys.readouterr().out)
    assert [s["name"] for s in printed["servers"]] == ["GEN002"]
    assert printed["servers"][0]["sessions"] == generate.expand_server(fleet.load(path)["servers"][1])["sessions"]
    # what it prints is a fleet file that seeds the same server
    again = tmp_path / "explicit.yml"
    again.write_text(yaml.safe_dump(printed))
    assert fleet.load(str(again))["servers"][0]["sessions"] == printed["servers"][0]["sessions"]
    assert not os.path.exists(tmp_path / "home")
