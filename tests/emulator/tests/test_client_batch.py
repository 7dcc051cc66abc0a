"""Several commands in one client session: commands read from standard input after the password,
and macro files (`dsmadmc ... macro FILE`), as the real client runs them; the call log."""
import json

import pytest

from spemu import dsmadmc

ADMINS = [{"name": "ADMIN", "password": "passw0rd", "privileges": ["SYSTEM"]}]
HUB = {"name": "HUB1", "version": "8.1.21", "role": "hub", "admins": ADMINS,
       "sessions": [{"id": 20, "client": "NODEA", "state": "IdleW", "since": "-1m", "for": "1h"}],
       "processes": [{"id": 7, "description": "Migration", "duration": "2h"}]}
SPOKE = {"name": "SPOKE1", "version": "8.1.17", "admins": ADMINS,
         "sessions": [{"id": 50, "client": "NODEZ", "state": "Run", "for": "1h"}]}
ID = ["-se=HUB1", "-id=admin"]          # the password comes first on standard input


@pytest.fixture
def home(make_home):
    return make_home(HUB, SPOKE)


def run(home, *argv, input_text="", env=None):
    return dsmadmc.invoke(list(argv), home=home.path, input_text=input_text, env=env)


def signons(home):
    return home.messages("ANR0407I%")


def test_commands_after_the_password_share_one_session_and_are_each_echoed(home):
    before = len(signons(home))
    status, output = run(home, *ID, "-comma", input_text="passw0rd\nq sess 20\nq proc 999\nq proc\n")
    lines = output.splitlines()
    echoes = [line for line in lines if line.startswith("ANS8000I")]
    assert echoes == ["ANS8000I Server command: 'q sess 20'.", "ANS8000I Server command: 'q proc 999'.",
                      "ANS8000I Server command: 'q proc'."]
    # each answer follows its echo; the failing one is followed by ANS8001I, and only it
    proc = lines.index(echoes[1])
    assert lines[proc + 1:proc + 3] == ["ANR0944E QUERY PROCESS: No active processes found.", "ANS8001I Return code 11."]
    assert lines[lines.index(echoes[0]) + 1].startswith("20,") and lines[lines.index(echoes[2]) + 1].startswith("7,")
    assert output.count("ANS8001I") == 1
    assert lines[-1] == "ANS8002I Highest return code was 11." and status == 11
    assert output.count("Session established with server HUB1") == 1
    # one sign-on: one Admin session holds the three commands, and it ended with the client
    assert len(signons(home)) == before + 1
    number = int(signons(home)[-1].split()[2])
    logged = home.messages("ANR2017I%%(SESSION: %d)" % number)
    assert [m.split("issued command: ")[1].split(" (SESSION")[0].strip() for m in logged] == ["q sess 20", "q proc 999", "q proc"]
    assert home.session(number) is None


def test_dataonly_batch_has_no_echo_but_keeps_return_codes(home):
    status, output = run(home, *ID, "-dataonly=yes", "-comma", input_text="passw0rd\nq proc 999\nq sess 20\n")
    assert output.splitlines()[:2] == ["ANR0944E QUERY PROCESS: No active processes found.", "ANS8001I Return code 11."]
    assert output.splitlines()[2].startswith("20,") and "ANS8000I" not in output and "ANS8002I" not in output
    assert status == 11


def test_routed_and_plain_commands_in_one_batch(home):
    status, output = run(home, *ID, "-comma", input_text="passw0rd\nHUB1,SPOKE1: q sess\nq sess 20\n")
    assert status == 0
    assert output.count("ANS8000I") == 2 and output.count("ANR1697I") == 1
    assert "50,Tcp/Ip,Run" in output


def test_a_password_typed_into_a_command_is_masked(home, tmp_path):
    log = tmp_path / "calls.jsonl"
    status, output = run(home, *ID, "-comma", input_text="passw0rd\nq actlog search=passw0rd\n",
                         env={"SPEMU_CALL_LOG": str(log)})
    assert "passw0rd" not in output and "search=********" in output and status in (0, 11)
    assert "passw0rd" not in log.read_text()


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def test_macro_file_comments_continuations_and_variables(home, tmp_path):
    inner = write(tmp_path, "inner.mac", "query process\n")
    macro = write(tmp_path, "outer.mac", (
        "/* sessions of one type,\n   then the processes */\n"
        "select session_id, -\n  client_name from sessions -\n   where session_type='%1'\n"
        "\n"
        "query session %2   /* one session */\n"
        "macro " + inner + "\n"))
    status, output = run(home, "-id=admin", "-pa=passw0rd", "-comma", "macro", macro, "Node", "20")
    echoes = [line for line in output.splitlines() if line.startswith("ANS8000I")]
    assert echoes == ["ANS8000I Server command: 'select session_id, client_name from sessions where session_type='Node''.",
                      "ANS8000I Server command: 'query session 20'.", "ANS8000I Server command: 'query process'."]
    assert "20,NODEA" in output and "7,Migration" in output and status == 0
    assert output.count("Session established") == 1


def test_continued_command_ends_at_a_blank_line_and_plus_continues_too():
    assert dsmadmc.macro_commands("q sess -\n\nq proc\nselect * from +\n  status\n") == [
        "q sess", "q proc", "select * from status"]
    assert dsmadmc.macro_commands("q sess %1 %3\n", ["20"]) == ["q sess 20"]


def test_macro_from_standard_input_and_its_errors(home, tmp_path):
    loop = write(tmp_path, "loop.mac", "")
    (tmp_path / "loop.mac").write_text("macro %s\n" % loop)
    missing = str(tmp_path / "missing.mac")
    status, output = run(home, *ID, "-comma", input_text="passw0rd\nmacro %s\nq sess 20\nmacro %s\n" % (missing, loop))
    lines = output.splitlines()
    assert "ANS8005E Macro file '%s' could not be opened." % missing in lines
    assert "ANS8006E Macro file '%s' is nested more than 10 levels deep." % loop in lines
    assert lines.count("ANS8001I Return code 4.") == 2
    assert any(line.startswith("20,") for line in lines) and status == 4


def test_alt_message_ids_change_the_macro_errors(home, tmp_path):
    status, output = run(home, "-id=admin", "-pa=passw0rd", "macro", str(tmp_path / "none.mac"),
                         env={"SPEMU_MSGIDS": "alt"})
    assert "ANS9005E Macro file" in output and status == 4


def test_call_log_counts_processes_sign_ons_and_commands(home, tmp_path):
    log = tmp_path / "calls.jsonl"
    env = {"SPEMU_CALL_LOG": str(log)}
    run(home, *ID, "-comma", input_text="passw0rd\nq sess 20\nq proc\n", env=env)
    run(home, "-se=HUB1", "-id=admin", "-password=passw0rd", "q sess 20", env=env)
    run(home, "-se=NOPE", "-id=admin", "-pa=passw0rd", "q sess", env=env)
    records = [json.loads(line) for line in log.read_text().splitlines()]
    assert [(r["server"], r["signons"], r["commands"], r["rcs"], r["exit"]) for r in records] == [
        ("HUB1", 1, ["q sess 20", "q proc"], [0, 0], 0), ("HUB1", 1, ["q sess 20"], [0], 0), (None, 0, [], [], 12)]
    assert records[1]["argv"] == ["-se=HUB1", "-id=admin", "-password=********", "q sess 20"]
    assert records[0]["end"] >= records[0]["start"]
