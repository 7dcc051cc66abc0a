"""Fixtures for the emulator's own tests: small fleets in a temporary home, frozen clock."""
import contextlib
import os
import sys

import pytest
import yaml

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from spemu import cli, engine, fleet, store  # noqa: E402  pylint: disable=wrong-import-position

ADMINS = [{"name": "ADMIN", "password": "passw0rd", "privileges": ["SYSTEM"]}]


def server(name="SRV1", version="8.1.21", **sections):
    """One server of a test fleet (real default timeouts unless given)."""
    spec = {"name": name, "version": version, "role": "spoke", "admins": ADMINS}
    spec.update(sections)
    return spec


class Home:
    """A seeded home with a frozen clock and helpers to look inside one server."""

    def __init__(self, path, name):
        self.path = path
        self.name = name

    def now(self):
        return store.now(self.path)

    def advance(self, seconds):
        return cli.advance(self.path, seconds)

    @contextlib.contextmanager
    def conn(self, name=None):
        with contextlib.closing(store.open_server(self.path, name or self.name)) as conn:
            yield conn

    def rows(self, sql, args=(), name=None):
        with self.conn(name) as conn:
            engine.run_until(conn, self.now())
            return [dict(row) for row in conn.execute(sql, args)]

    def session(self, number):
        rows = self.rows("SELECT * FROM SESSIONS WHERE SESSION_ID=?", (number,))
        return rows[0] if rows else None

    def process(self, number):
        rows = self.rows("SELECT * FROM PROCESSES WHERE PROCESS_NUM=?", (number,))
        return rows[0] if rows else None

    def job(self, number):
        return self.rows("SELECT * FROM JOBS WHERE JOB_ID=?", (number,))[0]

    def messages(self, like="%"):
        return [row["MESSAGE"] for row in self.rows(
            "SELECT MESSAGE FROM ACTLOG WHERE MESSAGE LIKE ? ORDER BY DATE_TIME, rowid", (like,))]

    def summary(self, number, kind):
        rows = self.rows("SELECT * FROM SUMMARY_EXTENDED WHERE NUMBER=? AND ACTIVITY_TYPE=?", (number, kind))
        return rows[0] if rows else None

    def act(self, action, *args, **kwargs):
        """Run an engine action at the current emulated time."""
        with self.conn() as conn:
            return action(conn, self.now(), "ADMIN", *args, **kwargs)


@pytest.fixture
def make_home(tmp_path):
    """make_home(server(...), ...) -> Home seeded from that fleet, clock frozen."""
    def make(*servers, defaults=None):
        home = str(tmp_path / "home")
        store.freeze_clock(home)
        path = tmp_path / "fleet.yml"
        path.write_text(yaml.safe_dump({"defaults": defaults or {}, "servers": list(servers)}))
        fleet.init_home(str(path), home)
        return Home(home, servers[0]["name"])
    return make
