"""Command routing from a hub: 'a,b: cmd' and '(a,b) cmd', framed as the real server does."""
import pytest

from spemu import dsmadmc, store
from spemu.commands import split_route

ADMINS = [{"name": "ADMIN", "password": "passw0rd", "privileges": ["SYSTEM"]}]
FLEET = [
    {"name": "HUB1", "version": "8.1.21", "role": "hub", "admins": ADMINS},
    {"name": "SPOKE1", "version": "8.1.17", "admins": ADMINS,
     "processes": [{"id": 60, "description": "Migration", "status": "Moving"}]},
    {"name": "SPOKE2", "version": "8.1.14", "admins": ADMINS + [{"name": "OTHER", "password": "x1234567"}],
     "processes": [{"id": 70, "description": "EXPIRATION", "status": "Examined 5"}]},
    {"name": "OLD", "version": "8.1.10", "admins": ADMINS},
]


@pytest.fixture
def home(make_home):
    return make_home(*FLEET)


def run(home, command, *options, password="passw0rd"):
    status, output = dsmadmc.invoke(["-id=admin", "-pa=%s" % password, "-dataonly=yes", *options, command],
                                    home=home.path)
    return status, output.splitlines()


def framing(command, sections, counts):
    """The lines the real server prints around each target's output."""
    names = ",".join(name for name, _lines, _verdict in sections)
    lines = ["ANR1699I Resolved %s to %d server(s) - issuing command %s against server(s)." % (
        names, len(sections), command)]
    verdicts = {"ok": "ANR1694I Server %s processed command '%s' and completed successfully.",
                "warn": "ANR1695W Server %s processed command '%s' but completed with warnings.",
                "error": "ANR1696E Server %s processed command '%s' but completed with errors."}
    for name, body, verdict in sections:
        lines.append("ANR1687I Output for command '%s' issued against server %s follows:" % (command, name))
        lines.extend(body)
        lines.append("ANR1688I Output for command '%s' issued against server %s completed." % (command, name))
        lines.append(verdicts[verdict] % (name, command))
    lines.append("ANR1697I Command '%s' processed by %d server(s):  %d successful, %d with warnings, "
                 "and %d with errors." % ((command, len(sections)) + counts))
    return lines


@pytest.mark.parametrize("text", ["SPOKE1,SPOKE2: q proc", "(spoke1,spoke2) q proc", "  spoke1,spoke2:q proc"])
def test_both_syntaxes(home, text):
    status, lines = run(home, text, "-tab")
    assert lines == framing("q proc", [("SPOKE1", ["60\tMigration\t\tMoving\t"], "ok"),
                                       ("SPOKE2", ["70\tEXPIRATION\t\tExamined 5\t"], "ok")], (2, 0, 0))
    assert status == 0


def test_warnings_and_errors_are_counted_and_the_highest_rc_wins(home):
    status, lines = run(home, "hub1,old,spoke1,nosuch: q job", "-tab")
    none = "ANR2034E QUERY JOB: No match found using this criteria."
    assert lines == framing("q job", [
        ("HUB1", [none], "warn"), ("OLD", [none], "warn"),        # QUERY JOB exists from V8.1.8
        ("SPOKE1", [none], "warn"), ("NOSUCH", ["ANR1651E Server information for NOSUCH is not available."], "error"),
    ], (0, 3, 1)) + ["ANS8001I Return code 11."]
    assert status == 11


def test_unknown_command_on_an_old_target_is_an_error(home):
    status, lines = run(home, "old,spoke1: interrupt job 99", "-tab")
    assert lines == framing("interrupt job 99", [
        ("OLD", ["ANR2000E Unknown command - INTERRUPT JOB."], "error"),
        ("SPOKE1", ["ANR3861E INTERRUPT JOB: Job 99 was not found."], "warn")], (0, 1, 1)) + ["ANS8001I Return code 11."]
    assert status == 11


def test_down_target_is_reported_and_the_others_still_answer(home):
    store.set_fault(home.path, "SPOKE1", "down")
    status, lines = run(home, "spoke1,spoke2: q proc", "-tab")
    assert lines[:-1] == framing("q proc", [
        ("SPOKE1", ["ANR8214E Session open with 127.0.0.1 failed due to connection refusal."], "error"),
        ("SPOKE2", ["70\tEXPIRATION\t\tExamined 5\t"], "ok")], (1, 0, 1))
    assert lines[-1] == "ANS8001I Return code 4." and status == 4


def test_target_refusing_the_administrator(home):
    store.set_fault(home.path, "SPOKE2", "auth")
    _status, lines = run(home, "spoke2: q proc")
    assert lines[2] == "ANR0425W Session refused for administrator ADMIN - invalid password submitted."


def test_garbled_target_corrupts_only_its_data(home):
    store.set_fault(home.path, "SPOKE2", "garble")
    _status, lines = run(home, "spoke1,spoke2: q proc", "-tab")
    assert "60\tMigration\t\tMoving\t" in lines
    assert dsmadmc.garble("70\tEXPIRATION\t\tExamined 5\t") in lines


def test_routing_only_from_a_hub(home):
    status, lines = run(home, "spoke2: q proc", "-se=spoke1")
    assert lines[2] == "ANR1651E Server information for SPOKE2 is not available."
    assert status == 4


def test_each_target_logs_the_command(home):
    run(home, "spoke1,spoke2: q proc")
    for name in ("HUB1", "SPOKE1", "SPOKE2"):
        messages = [r["MESSAGE"] for r in home.rows("SELECT MESSAGE FROM ACTLOG WHERE MSGNO=2017", name=name)]
        assert any("issued command: " in m for m in messages)
    hub = [r["MESSAGE"] for r in home.rows("SELECT MESSAGE FROM ACTLOG WHERE MSGNO=2017", name="HUB1")]
    assert any("spoke1,spoke2: q proc" in m for m in hub)


def test_split_route():
    assert split_route("a,b: q sess") == (["A", "B"], "q sess")
    assert split_route("(a) select * from x where y='1:2'") == (["A"], "select * from x where y='1:2'")
    assert split_route("select * from x where y='1:2'") is None
    assert split_route("q actlog begintime=10:00") is None
    assert split_route("a,,b: q sess") is None
