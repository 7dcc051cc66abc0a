"""The emulated dsmadmc reproduces the real captures of server-facts.md byte for byte."""
import contextlib

import pytest
import yaml

from spemu import dsmadmc, fleet, store

BANNER = (
    "IBM Storage Protect\n"
    "Command Line Administrative Interface - Version 8, Release 1, Level 21.0\n"
    "(c) Copyright by IBM Corporation and other(s) 1990, 2023. All Rights Reserved.\n"
    "\n"
    "Session established with server TSM8: Linux/x86_64\n"
    "  Server Version 8, Release 1, Level 21.000\n"
    "  Server date/time: 04/22/2024 09:38:27  Last access: 04/22/2024 09:36:23\n"
    "\n"
)
SESSION_TABLE = (
    " Sess      Comm.      Sess        Wait       Bytes       Bytes      Sess        Platform     Client Name\n"
    "Number     Method     State        Time        Sent       Recvd     Type\n"
    "------     ------     ------     ------     -------     -------     -------     --------     ------------------\n"
    "    16     SSL        Run          0 S          150         247     Admin       Linux        DEMO\n"
    "                                                                                 x86-64\n"
)
ROUTING = (
    "ANR1699I Resolved ISP124 to 1 server(s) - issuing command QUERY SCHEDULE TYPE=a FORMAT=detailed against server(s).\n"
    "ANR1687I Output for command 'QUERY SCHEDULE TYPE=a FORMAT=detailed' issued against server ISP124 follows:\n"
    "...data...\n"
    "ANR1688I Output for command 'QUERY SCHEDULE TYPE=a FORMAT=detailed' issued against server ISP124 completed.\n"
    "ANR1694I Server ISP124 processed command 'QUERY SCHEDULE TYPE=a FORMAT=detailed' and completed successfully.\n"
    "ANR1697I Command 'QUERY SCHEDULE TYPE=a FORMAT=detailed' processed by 1 server(s):  1 successful, "
    "0 with warnings, and 0 with errors.\n"
)
DEMO = [{"name": "DEMO", "password": "s3cret", "privileges": ["SYSTEM"]}]


@pytest.fixture
def captured(tmp_path):
    """A home whose clock stands at the capture's instant, 04/22/2024 09:38:27."""
    home = str(tmp_path / "home")
    with contextlib.closing(store.open_home(home)) as conn, store.transaction(conn):
        conn.execute("UPDATE CLOCK SET frozen_at=?", ("2024-04-22 09:38:27.000000",))
    servers = [
        {"name": "TSM8", "version": "8.1.21", "role": "hub", "platform": "Linux/x86_64", "admins": DEMO,
         "first_numbers": {"session": 17},
         "sessions": [{"id": 16, "client": "DEMO", "type": "Admin", "platform": "Linux x86-64", "comm": "SSL",
                       "state": "Run", "for": "1h", "started": "-2m", "since": "now",
                       "bytes_sent": 150, "bytes_received": 247}],
         "actlog": [{"at": "-124s", "message": "ANR2017I Administrator DEMO issued command: QUERY STATUS "}]},
        {"name": "ISP124", "version": "8.1.10", "admins": DEMO,
         "sessions": [{"id": 36775, "client": "ALEX", "type": "Admin", "platform": "Linux86", "comm": "Tcp/Ip",
                       "state": "Run", "for": "1h", "since": "now", "bytes_sent": 127, "bytes_received": 165}]},
    ]
    path = tmp_path / "fleet.yml"
    path.write_text(yaml.safe_dump({"servers": servers}))
    fleet.init_home(str(path), home)
    return home


def run(home, *argv):
    return dsmadmc.invoke(("-id=demo", "-password=s3cret") + argv, home=home)


def test_banner_and_query_session_table(captured):
    status, output = run(captured, "q sess 16")
    assert output == BANNER + "ANS8000I Server command: 'q sess 16'.\n" + SESSION_TABLE \
        + "ANS8002I Highest return code was 0.\n"
    assert status == 0


def test_tab_dataonly_session_row(captured):
    status, output = run(captured, "-se=ISP124", "-tab", "-dataonly=yes", "q sess 36775")
    assert output == "36,775\tTcp/Ip\tRun\t0 S \t127\t165\tAdmin\tLinux86\tALEX\n"
    assert status == 0


def test_select_no_match(captured):
    status, output = run(captured, "-dataonly=yes", "select * from sessions where client_name='NOBODY'")
    assert output == "ANR2034E SELECT: No match found using this criteria.\nANS8001I Return code 11.\n"
    assert status == 11


def test_no_active_processes(captured):
    status, output = run(captured, "-dataonly=yes", "query process")
    assert output == "ANR0944E QUERY PROCESS: No active processes found.\nANS8001I Return code 11.\n"
    assert status == 11


def test_bad_credentials(captured):
    status, output = dsmadmc.invoke(["-id=demo", "-password=wrong", "-dataonly=yes", "q sess"], home=captured)
    assert output == ("ANS1051I Invalid user id or password\n" * 3
                      + "ANS8023E Unable to establish session with server.\n"
                      + "ANS8002I Highest return code was 137.\n")
    assert status == 137


def test_server_unreachable(captured):
    store.set_fault(captured, "TSM8", "down")
    status, output = run(captured, "-dataonly=yes", "q sess")
    assert output.splitlines()[0] == "ANS1017E Session rejected: TCP/IP connection failure."
    assert output.splitlines()[-1] == "ANS8002I Highest return code was -50."
    assert status == 206


def test_unknown_stanza(captured):
    status, output = run(captured, "-se=NOSUCH", "q sess")
    assert output.splitlines()[0] == "ANS1217E Server name not found in System Options File"
    assert status == dsmadmc.RC_CONFIG


def test_routing_framing(captured):
    command = "Query SEssion Type=Admin Format=detailed"
    status, output = run(captured, "-dataonly=yes", "ISP124: " + command)
    expected = ROUTING.replace("QUERY SCHEDULE TYPE=a FORMAT=detailed", command).splitlines()
    lines = output.splitlines()
    assert lines[:2] == expected[:2]
    assert lines[-3:] == expected[-3:]
    data = lines[2:-3]
    assert data[0] == "%25s: 36,775" % "Sess Number"
    assert "%25s: ALEX" % "Client Name" in data
    assert status == 0
