"""The spemu command: init (twice), advance, clock, fault, status; concurrency of many clients."""
import contextlib
import datetime
import os
import re
import subprocess
import sys

import pytest
import yaml

from conftest import server
from spemu import cli, engine, fleet, store

EMULATOR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def spemu(*args, home=None):
    """Run the real `spemu` program (python -m spemu.cli) in a subprocess."""
    env = dict(os.environ, PYTHONPATH=EMULATOR)
    if home:
        env["SPEMU_HOME"] = home
    return subprocess.run([sys.executable, "-m", "spemu.cli", *args], capture_output=True, text=True,
                          env=env, check=False, timeout=60)


@pytest.fixture
def fleet_file(tmp_path):
    path = tmp_path / "fleet.yml"
    path.write_text(yaml.safe_dump({"servers": [
        server("HUBX", role="hub", sessions=[{"id": 5, "state": "IdleW", "client": "FRED"}]),
        server("SPOKEX", "8.1.10")]}))
    return str(path)


def test_init_prints_exports_and_writes_the_home(tmp_path, fleet_file):
    home = str(tmp_path / "home")
    result = spemu("init", "--fleet", fleet_file, "--home", home)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "export SPEMU_HOME=%s" % home, "export DSM_DIR=%s" % home,
        "export DSM_CONFIG=%s/dsm.opt" % home, "export PATH=%s/bin:$PATH" % home]
    with open(os.path.join(home, "dsm.sys")) as handle:
        stanzas = re.findall(r"SErvername (\S+)\n\s+COMMMethod TCPip\n\s+TCPServeraddress 127.0.0.1\n\s+TCPPort (\d+)",
                             handle.read())
    assert stanzas == [("HUBX", "1500"), ("SPOKEX", "1501")]
    with open(os.path.join(home, "dsm.opt")) as handle:
        assert handle.read() == "SErvername HUBX\n"
    launcher = os.path.join(home, "bin", "dsmadmc")
    assert os.access(launcher, os.X_OK)
    with open(launcher) as handle:
        first, text = handle.readline(), handle.read()
    assert first == "#!%s\n" % sys.executable and "spemu.dsmadmc import main" in text and repr(home) in text
    assert os.path.exists(os.path.join(home, "fleet.yml"))
    assert sorted(os.listdir(os.path.join(home, "state"))) >= ["HUBX.db", "SPOKEX.db", "home.db"]


def test_init_twice_keeps_state_and_reset_starts_over(tmp_path, fleet_file):
    home = str(tmp_path / "home")
    store.freeze_clock(home)
    fleet.init_home(fleet_file, home)
    with contextlib.closing(store.open_server(home, "HUBX")) as conn:
        engine.cancel_session(conn, store.now(home), "ADMIN", 5)
    result = spemu("init", "--fleet", fleet_file, "--home", home)
    assert result.returncode == 0 and "HUBX: kept" in result.stderr
    with contextlib.closing(store.open_server(home, "HUBX")) as conn:
        assert conn.execute("SELECT STATE FROM SESSIONS WHERE SESSION_ID=5").fetchone()[0] == "End"
        assert conn.execute("SELECT COUNT(*) FROM ADMINS").fetchone()[0] == 1
    assert spemu("init", "--fleet", fleet_file, "--home", home, "--reset").returncode == 0
    with contextlib.closing(store.open_server(home, "HUBX")) as conn:
        assert conn.execute("SELECT STATE FROM SESSIONS WHERE SESSION_ID=5").fetchone()[0] == "IdleW"


def test_init_again_upgrades_a_home_seeded_by_an_older_spemu(tmp_path, fleet_file):
    home = str(tmp_path / "home")
    store.freeze_clock(home)
    fleet.init_home(fleet_file, home)
    with contextlib.closing(store.open_server(home, "HUBX")) as conn:   # the schema before issue 12
        conn.execute("DROP TABLE EMU_SETTINGS")
        conn.execute("DROP TABLE EMU_RETSETS")
        for table, column in (("REQUESTS", "EMU_LIBRARY"), ("REQUESTS", "EMU_MOUNTING_UNTIL"), ("JOBS", "EMU_RETSET")):
            conn.execute("ALTER TABLE %s DROP COLUMN %s" % (table, column))
    assert spemu("init", "--fleet", fleet_file, "--home", home).returncode == 0
    with contextlib.closing(store.open_server(home, "HUBX")) as conn:
        assert {"EMU_LIBRARY", "EMU_MOUNTING_UNTIL"} <= {row[1] for row in conn.execute("PRAGMA table_info(REQUESTS)")}
        assert conn.execute("SELECT STATE FROM SESSIONS WHERE SESSION_ID=5").fetchone()[0] == "IdleW"
        assert conn.execute("SELECT COUNT(*) FROM EMU_RETSETS").fetchone()[0] == 0


def test_init_frozen_stops_the_clock_at_the_seeding_instant(tmp_path):
    path = tmp_path / "fleet.yml"
    path.write_text(yaml.safe_dump({"servers": [server("HUBX", role="hub", processes=[
        {"id": 7, "description": "Migration", "started": "-12h", "duration": "20h"}])]}))
    home = str(tmp_path / "home")
    result = spemu("init", "--fleet", str(path), "--home", home, "--frozen")
    assert result.returncode == 0, result.stderr
    assert store.clock_info(home)["mode"] == "frozen"
    with contextlib.closing(store.open_server(home, "HUBX")) as conn:
        started = store.parse_ts(conn.execute("SELECT START_TIME FROM PROCESSES WHERE PROCESS_NUM=7").fetchone()[0])
    assert store.now(home) - started == datetime.timedelta(hours=12)


def server_time(home, tz):
    """CURRENT_TIMESTAMP from the home's own dsmadmc, run with TZ=tz."""
    result = subprocess.run([os.path.join(home, "bin", "dsmadmc"), "-id=admin", "-pa=passw0rd", "-dataonly=yes",
                             "-comma", "SELECT CURRENT_TIMESTAMP FROM STATUS"],
                            capture_output=True, text=True, check=False, timeout=60,
                            env=dict(os.environ, TZ=tz, DSM_DIR=home, DSM_CONFIG=os.path.join(home, "dsm.opt")))
    assert result.returncode == 0, result.stdout + result.stderr
    return datetime.datetime.strptime(result.stdout.strip()[:19], "%Y-%m-%d %H:%M:%S")


def test_every_client_sees_one_server_clock_whatever_its_time_zone(tmp_path, fleet_file):
    """A real server has one clock; a client run in UTC (an AWX execution environment) or with
    any other TZ must see the same server time as the shell that made the home."""
    home = str(tmp_path / "home")
    fleet.init_home(fleet_file, home)                       # the clock follows real time
    local = datetime.datetime.now()
    assert abs((store.now(home) - local).total_seconds()) < 5   # made here: this process's local time
    for tz in ("UTC", "FAKE+5", "FAKE-7:30", "FAKE+11:45"):
        before = store.now(home)
        seen = server_time(home, tz)
        assert before <= seen <= store.now(home), (tz, before, seen)


def test_a_home_whose_clock_followed_local_time_is_converted(tmp_path, fleet_file):
    """A home made before the clock was kept from UTC (CLOCK without `utc`, its offset from local
    time) keeps showing the same time once it is opened."""
    home = str(tmp_path / "home")
    fleet.init_home(fleet_file, home)
    with contextlib.closing(store.open_home(home)) as conn, store.transaction(conn):
        conn.execute("DROP TABLE CLOCK")
        conn.execute("CREATE TABLE CLOCK(offset_seconds REAL, frozen_at TEXT NULL)")
        conn.execute("INSERT INTO CLOCK VALUES (3600, NULL)")
    expected = datetime.datetime.now() + datetime.timedelta(hours=1)
    assert abs((store.now(home) - expected).total_seconds()) < 5
    assert abs(store.clock_info(home)["offset_seconds"] - 3600) < 1
    assert abs((server_time(home, "FAKE-3") - expected).total_seconds()) < 5


def test_advance_runs_events_and_clock_modes(tmp_path, fleet_file, capsys):
    home = str(tmp_path / "home")
    store.freeze_clock(home)
    fleet.init_home(fleet_file, home)
    before = store.now(home)
    assert cli.main(["advance", "15m", "--home", home]) == 0
    assert store.now(home) - before == datetime.timedelta(minutes=15)
    with contextlib.closing(store.open_server(home, "HUBX")) as conn:
        assert conn.execute("SELECT COUNT(*) FROM SESSIONS").fetchone()[0] == 0   # idle since -5m: timed out
        assert conn.execute("SELECT COUNT(*) FROM ACTLOG WHERE MSGNO=482").fetchone()[0] == 1
    assert "Emulated time: %s" % store.now(home).strftime("%Y-%m-%d %H:%M:%S") in capsys.readouterr().out
    assert cli.main(["clock", "show", "--home", home]) == 0
    assert "Clock frozen" in capsys.readouterr().out
    assert cli.main(["clock", "follow", "--home", home]) == 0
    assert store.clock_info(home)["mode"] == "follow"
    followed = store.now(home)
    assert abs((followed - store.now(home)).total_seconds()) < 5 and followed >= before
    assert cli.main(["clock", "freeze", "--home", home]) == 0
    frozen = store.now(home)
    assert store.now(home) == frozen
    assert cli.main(["advance", "30", "--home", home]) == 0
    assert (store.now(home) - frozen).total_seconds() == 30


def test_fault_set_show_and_clear(tmp_path, fleet_file):
    home = str(tmp_path / "home")
    fleet.init_home(fleet_file, home)
    assert spemu("fault", "spokex", "down", home=home).stdout == "SPOKEX: down\n"
    assert spemu("fault", "SPOKEX", "slow=2.5", home=home).stdout == "SPOKEX: down, slow=2.5\n"
    assert store.faults(home, "spokex") == {"down": None, "slow": "2.5"}
    assert store.faults(home, "HUBX") == {}
    for bad in ("slow", "down=3", "explode"):
        assert spemu("fault", "SPOKEX", bad, home=home).returncode == 2
    assert spemu("fault", "NOSUCH", "down", home=home).returncode == 2
    assert spemu("fault", "SPOKEX", "clear", home=home).stdout == "SPOKEX: no faults\n"
    assert store.faults(home, "SPOKEX") == {}


def test_status_summarises_every_server(tmp_path, fleet_file):
    home = str(tmp_path / "home")
    fleet.init_home(fleet_file, home)
    store.set_fault(home, "SPOKEX", "hang")
    out = spemu("status", home=home).stdout.splitlines()
    assert out[1] == "HUBX  V8.1.21  hub" and "  sessions:  IdleW 1" in out
    assert "SPOKEX  V8.1.10  spoke  faults: hang" in out and "  jobs:      none" in out   # QUERY JOB from V8.1.8


def test_missing_home_is_an_error():
    env_home = os.environ.pop("SPEMU_HOME", None)
    try:
        assert cli.main(["status"]) == 1
    finally:
        if env_home:
            os.environ["SPEMU_HOME"] = env_home


WORKER = r"""
import contextlib, sys
from spemu import engine, store
home, index = sys.argv[1], int(sys.argv[2])
for target in range(index * 5 + 1, index * 5 + 6):
    engine.catch_up(home, "HUBX")
    with contextlib.closing(store.open_server(home, "HUBX")) as conn, store.transaction(conn):
        now = store.now(home)
        me = engine.admin_session(conn, now, "ADMIN", "Linux x86-64")
        engine.log_command(conn, now, "ADMIN", me, "CANCEL SESSION %d" % target)
        assert engine.cancel_session(conn, now, "ADMIN", target, session_id=me).rc == 0
        engine.new_process(conn, now, "EXPIRATION", duration=3600)
        engine.end_admin_session(conn, now, me)
"""


def test_many_clients_at_once_lose_no_update(tmp_path):
    path = tmp_path / "fleet.yml"
    path.write_text(yaml.safe_dump({"servers": [server("HUBX", sessions=[
        {"id": n, "client": "NODE%d" % n, "state": "IdleW"} for n in range(1, 41)])]}))
    home = str(tmp_path / "home")
    store.freeze_clock(home)
    fleet.init_home(str(path), home)
    env = dict(os.environ, PYTHONPATH=EMULATOR)
    workers = [subprocess.Popen([sys.executable, "-c", WORKER, home, str(i)], env=env, stderr=subprocess.PIPE)
               for i in range(8)]
    for worker in workers:
        assert worker.wait(timeout=120) == 0, worker.stderr.read()
    with contextlib.closing(store.open_server(home, "HUBX")) as conn:
        states = [row[0] for row in conn.execute("SELECT STATE FROM SESSIONS")]
        processes = [row[0] for row in conn.execute("SELECT PROCESS_NUM FROM PROCESSES")]
        started = [row[0] for row in conn.execute("SELECT MESSAGE FROM ACTLOG WHERE MSGNO=407")]
        cancels = conn.execute("SELECT COUNT(*) FROM ACTLOG WHERE MSGNO=490").fetchone()[0]
        counters = dict(conn.execute("SELECT NAME, NEXT FROM EMU_COUNTERS"))
    assert states == ["End"] * 40                            # every cancel landed
    assert sorted(processes) == list(range(1, 41))           # unique numbers, none lost
    admin_numbers = sorted(int(re.search(r"Session (\d+)", m).group(1)) for m in started)
    assert admin_numbers == list(range(41, 81))
    assert cancels == 40 and counters["session"] == 81 and counters["process"] == 41
