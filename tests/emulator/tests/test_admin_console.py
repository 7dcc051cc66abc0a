"""A dsmadmc that reads its commands from its input and stays signed on (an administrator's
console, the collection's conversation): its Admin session is Run while a command runs and Idle
wait between commands; the server may end it while it waits (CANCEL SESSION, ADMINIDLETIMEOUT),
and the client then signs on again for its next command, or (SPEMU_SESSION_LOST=end) ends."""
import json
import os
import select
import subprocess
import sys
import time

import pytest

from conftest import ADMINS, server
from spemu import dsmadmc, engine

PASSWORD = ADMINS[0]["password"]


@pytest.fixture
def home(make_home):
    return make_home(server("SRV1", sessions=[{"id": 5, "state": "IdleW", "client": "FRED", "since": "-1m"}]))


class Console:
    """A live dsmadmc of the home, fed one command at a time; each answer ends at a marker line."""

    def __init__(self, home, env=None, log=None):
        argv = [sys.executable, "-c", "import sys; from spemu.dsmadmc import main; sys.exit(main())",
                "-id=admin", "-dataonly=yes", "-comma"]
        emulator = os.path.dirname(os.path.dirname(os.path.abspath(dsmadmc.__file__)))
        variables = dict(os.environ, PYTHONPATH=emulator, **dsmadmc.home_env(home.path), **(env or {}))
        if log:
            variables["SPEMU_CALL_LOG"] = log
        self.proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=variables)
        self.proc.stdin.write((PASSWORD + "\n").encode())
        self.count = 0

    def ask(self, command, seconds=30):
        """Send a command and a marker SELECT; -> the lines before the marker's answer."""
        self.count += 1
        marker = "DONE%d" % self.count
        self.proc.stdin.write(("%s\nSELECT '%s' FROM STATUS\n" % (command, marker)).encode())
        self.proc.stdin.flush()
        text, deadline = b"", time.monotonic() + seconds
        while marker.encode() + b"\n" not in text and time.monotonic() < deadline:
            if select.select([self.proc.stdout], [], [], 0.1)[0]:
                piece = os.read(self.proc.stdout.fileno(), 65536)
                if not piece:
                    break
                text += piece
        lines = text.decode().splitlines()
        return lines[:lines.index(marker)] if marker in lines else lines

    def end(self):
        rest, _err = self.proc.communicate(b"quit\n", timeout=30)
        return self.proc.returncode, rest.decode()


def waiting(home, number, seconds=10):
    """The client goes to Idle wait just after it has written its answer: wait for that."""
    deadline = time.monotonic() + seconds
    while admin_sessions(home)[number]["STATE"] != "IdleW" and time.monotonic() < deadline:
        time.sleep(0.02)
    return admin_sessions(home)[number]


def admin_sessions(home):
    return {row["SESSION_ID"]: row for row in home.rows(
        "SELECT * FROM SESSIONS WHERE SESSION_TYPE='Admin' AND CLIENT_NAME='ADMIN'")}


def test_the_session_is_idle_wait_between_commands_and_run_during_one(home):
    console = Console(home)
    try:
        lines = console.ask("SELECT SESSION_ID, STATE FROM SESSIONS WHERE SESSION_TYPE='Admin'")
        assert len(lines) == 1 and lines[0].endswith(",Run")       # its own session runs its command
        number = int(lines[0].split(",")[0])
        assert waiting(home, number)["STATE"] == "IdleW"
        home.advance(90)
        assert (admin_sessions(home)[number]["STATE"], admin_sessions(home)[number]["WAIT_SECONDS"]) == ("IdleW", 90)
        # another client sees it waiting; it runs again for its next command, the same session
        _status, output = dsmadmc.invoke(["-id=admin", "-pa=" + PASSWORD, "-dataonly=yes", "-comma",
                                          "SELECT SESSION_ID, STATE FROM SESSIONS WHERE SESSION_ID=%d" % number],
                                         home=home.path)
        assert output.splitlines() == ["%d,IdleW" % number]
        assert console.ask("SELECT SESSION_ID, STATE FROM SESSIONS WHERE SESSION_ID=%d" % number)[0] == "%d,Run" % number
    finally:
        assert console.end()[0] == 0
    assert number not in admin_sessions(home)


@pytest.mark.parametrize("ended_by", ["cancel", "idle timeout"])
def test_a_session_the_server_ended_while_it_waited_signs_on_again_for_the_next_command(home, tmp_path, ended_by):
    log = str(tmp_path / "calls.jsonl")
    console = Console(home, log=log)
    try:
        first = int(console.ask("SELECT SESSION_ID FROM SESSIONS WHERE SESSION_TYPE='Admin'")[0])
        assert waiting(home, first)["STATE"] == "IdleW"
        if ended_by == "cancel":
            with home.conn() as conn:
                engine.cancel_session(conn, home.now(), "ADMIN", first)
            assert admin_sessions(home)[first]["STATE"] == "End"
        else:
            home.advance(15 * 60 + 1)                     # ADMINIDLETIMEOUT 15 minutes
        said = "ANR0483W Session %d %% forced by administrator.%%" if ended_by == "cancel" else \
            "ANR0482W Session %d %% idle for more than 15 minutes.%%"
        assert home.messages(said % first)
        lines = console.ask("SELECT SESSION_ID, STATE FROM SESSIONS WHERE SESSION_TYPE='Admin' AND CLIENT_NAME='ADMIN'")
        # the ended session is in End for a moment (the clock is frozen here), the new one runs
        assert lines[0] == "%d,End" % first and len(lines) == 2 and lines[1].endswith(",Run")
        second = int(lines[1].split(",")[0])
        assert second > first
        home.advance(60)
        assert list(admin_sessions(home)) == [second]
        assert home.messages("ANR2017I Administrator ADMIN issued command: SELECT SESSION_ID, STATE%%(SESSION: "
                             "%d)" % second)
    finally:
        assert console.end()[0] == 0
    with open(log) as handle:
        calls = [json.loads(line) for line in handle]
    assert [call["signons"] for call in calls] == [2]


def test_a_client_that_does_not_reconnect_ends_with_a_connection_failure(home):
    console = Console(home, env={"SPEMU_SESSION_LOST": "end"})
    first = int(console.ask("SELECT SESSION_ID FROM SESSIONS WHERE SESSION_TYPE='Admin'")[0])
    assert waiting(home, first)["STATE"] == "IdleW"
    with home.conn() as conn:
        engine.cancel_session(conn, home.now(), "ADMIN", first)
    lines = console.ask("SELECT 1 FROM STATUS", seconds=10)
    status, rest = console.end()
    assert "ANS1017E Session rejected: TCP/IP connection failure." in lines + rest.splitlines()
    assert status == dsmadmc.exit_status(dsmadmc.RC_TCP)
    home.advance(60)
    assert not admin_sessions(home)


def test_a_session_cancelled_while_its_command_runs_ends_at_its_wait(home):
    with home.conn() as conn:
        number = engine.admin_session(conn, home.now(), "ADMIN", "Linux x86-64")
        engine.cancel_session(conn, home.now(), "ADMIN", number)
    assert admin_sessions(home)[number]["STATE"] == "Run"              # a running command is not cut
    with home.conn() as conn:
        engine.admin_idle(conn, home.now(), number)
        assert admin_sessions(home)[number]["STATE"] == "End"
        assert engine.admin_resume(conn, home.now(), number) is False
