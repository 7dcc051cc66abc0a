"""Issue 6's output-form switches: date, time and number formats (environment and per server),
console width, label spellings, inline prompts, a terminal-only password, per-command faults, and
the forms fleet with its job outcome variety."""
import io
import os
import select
import subprocess
import sys
import time

import pytest

from conftest import ADMINS
from spemu import cli, dsmadmc, fleet, formats, render, store

STAMP = "2026-11-05 14:30:09.000000"
HUB = {"name": "HUB1", "version": "8.1.21", "role": "hub", "admins": ADMINS, "idletimeout": 600,
       "stgrules": [{"name": "RULE1", "action": "COPY", "target": "TAPEPOOL", "start": "-1h", "duration": "10h"}],
       "sessions": [{"id": 29057, "client": "NODEA", "state": "IdleW", "since": "-150m", "for": "5h",
                     "started": "-3h", "bytes_sent": 19251, "bytes_received": 2147483648}],
       "processes": [{"id": 1234, "description": "Migration", "duration": "2h",
                      "status": "Moved Files: 1,409, Moved Bytes: 4,149,250,332, Unreadable Files: 0."}],
       "jobs": [{"id": 12, "type": "RETENTION", "rule": "RULE1", "name": "RETSET_12_COPY", "status": "FAILED",
                 "completion_state": "none", "evidence": "failed", "outcome": "failed", "begin": "-5h", "end": "-4h"}]}
WINDOWS = {"name": "WIN1", "version": "8.1.19", "admins": ADMINS, "platform": "Windows",
           "formats": {"date": "DD.MM.YY", "time": 3, "number": 5},
           "processes": [{"id": 4321, "description": "EXPIRATION", "duration": "2h", "status": "Examined 120,334 objects"}]}


@pytest.fixture
def home(make_home):
    return make_home(HUB, WINDOWS)


def run(home, command, *options, env=None, input_text="", stderr=None):
    argv = ["-id=admin", "-pa=passw0rd", "-dataonly=yes", *options, command]
    status, output = dsmadmc.invoke(argv, home=home.path, input_text=input_text, env=env, stderr=stderr)
    return status, output.splitlines()


def job_field(lines, label):
    return next(line.split(": ", 1)[1] for line in lines if line.strip().startswith(label + ":"))


# ---------------------------------------------------------------- formats (pure)

@pytest.mark.parametrize("value, expected", [
    ("1", "11/05/2026   14:30:09"), ("2", "05-11-2026   14:30:09"), ("3", "2026-11-05   14:30:09"),
    ("4", "05.11.2026   14:30:09"), ("5", "2026.11.05   14:30:09"), ("DD.MM.YY", "05.11.26   14:30:09"),
    ("MM/DD/YY", "11/05/26   14:30:09"), ("DD/MM/YYYY", "05/11/2026   14:30:09"),
])
def test_date_formats(value, expected):
    assert formats.from_settings({"date": value}).date_time(STAMP) == expected


@pytest.mark.parametrize("value, expected", [
    ("1", "14:30:09"), ("2", "14,30,09"), ("3", "14.30.09"), ("4", "02:30:09 PM"), ("HH.MM.SS", "14.30.09"),
])
def test_time_formats(value, expected):
    assert formats.from_settings({"time": value}).date_time(STAMP) == "11/05/2026   " + expected


def test_twelve_hour_clock_edges():
    fmt = formats.from_settings({"time": 4})
    assert fmt.date_time("2026-11-05 00:05:00.000000").endswith("12:05:00 AM")
    assert fmt.date_time("2026-11-05 12:00:00.000000").endswith("12:00:00 PM")


@pytest.mark.parametrize("value, number, scaled, text", [
    ("1", "1,234,567", "18.8 K", "4,149,250,332"), ("2", "1,234,567", "18,8 K", "4,149,250,332"),
    ("3", "1 234 567", "18,8 K", "4 149 250 332"), ("4", "1 234 567", "18.8 K", "4 149 250 332"),
    ("5", "1.234.567", "18,8 K", "4.149.250.332"), ("6", "1'234'567", "18,8 K", "4'149'250'332"),
])
def test_number_formats(value, number, scaled, text):
    fmt = formats.from_settings({"number": value})
    assert (fmt.number(1234567), fmt.decimal("18.8 K"), fmt.text("Moved Bytes: 4,149,250,332.")) == \
        (number, scaled, "Moved Bytes: %s." % text)


def test_default_forms_are_unchanged():
    assert formats.DEFAULT.date_time(STAMP) == "11/05/2026 14:30:09"
    assert formats.DEFAULT.short_date_time(STAMP) == "11/05/26   14:30:09"
    assert formats.DEFAULT.number(29057) == "29,057"


@pytest.mark.parametrize("bad", [{"date": "6"}, {"date": "DD.MM"}, {"time": "5"}, {"time": "HH-MM-SS"},
                                 {"number": "7"}, {"colour": "1"}])
def test_bad_formats_are_refused(bad):
    with pytest.raises(ValueError):
        formats.from_settings(bad)


# ---------------------------------------------------------------- formats in QUERY output

def test_environment_formats_query_output(home):
    env = {"SPEMU_DATEFORMAT": "4", "SPEMU_TIMEFORMAT": "4", "SPEMU_NUMBERFORMAT": "5"}
    _status, lines = run(home, "q job", env=env)
    begin = store.parse_ts(home.job(12)["BEGIN_TIME"])
    assert job_field(lines, "Begin Date/Time") == begin.strftime("%d.%m.%Y   %I:%M:%S %p")
    _status, lines = run(home, "q sess 29057 f=d", env=env)
    assert job_field(lines, "Sess Number") == "29.057"
    assert job_field(lines, "Bytes Sent") == "18,8 K" and job_field(lines, "Wait Time") == "2,5 H"
    started = store.parse_ts(home.session(29057)["START_TIME"])
    assert job_field(lines, "Date/Time First Data Sent").startswith(started.strftime("%d.%m.%Y") + "   ")
    _status, lines = run(home, "q pr 1234", "-tab", env=env)
    assert lines == ["1.234\tMigration\t\tMoved Files: 1.409, Moved Bytes: 4.149.250.332, Unreadable Files: 0.\t"]


def test_select_output_is_never_formatted(home):
    env = {"SPEMU_DATEFORMAT": "DD.MM.YY", "SPEMU_NUMBERFORMAT": "5"}
    _status, lines = run(home, "select session_id, start_time from sessions where session_id=29057", "-comma", env=env)
    assert lines == ["29057,%s" % home.session(29057)["START_TIME"]]


def test_each_server_formats_its_own_output_and_wins_over_the_environment(home):
    _status, lines = run(home, "hub1,win1: q pr", "-tab", env={"SPEMU_NUMBERFORMAT": "6"})
    assert "1'234\tMigration\t\tMoved Files: 1'409, Moved Bytes: 4'149'250'332, Unreadable Files: 0.\t" in lines
    assert "4.321\tEXPIRATION\t\tExamined 120.334 objects\t" in lines
    _status, lines = run(home, "q status", "-se=win1")
    assert job_field(lines, "Server Restart Date/Time").count(".") == 4       # DD.MM.YY   HH.MM.SS


def test_actlog_dates_and_message_times_follow_the_formats(home):
    _status, lines = run(home, "q actlog begindate=today-1 msgno=984", "-dataonly=no", "-se=win1")
    start = lines.index(next(line for line in lines if line.startswith("Date/Time")))
    row = lines[start + 2]
    assert row[2] == "." and row[5] == "." and row[8:11] == "   " and row[13] == "."
    assert "at %s." % row[11:19] in " ".join(lines[start + 2:])
    _status, lines = run(home, "q actlog begindate=today-1 msgno=984", "-dataonly=no", env={"SPEMU_TIMEFORMAT": "4"})
    heading = next(line for line in lines if line.startswith("Date/Time"))
    assert heading.index("Message") == len("11/05/2026   02:30:09 PM") + 5   # the column widens
    assert lines[lines.index(heading) + 2][22:24] in ("AM", "PM")


def test_banner_dates_follow_the_server_formats(home):
    _status, lines = run(home, "q status", "-dataonly=no", "-se=win1")
    banner = next(line for line in lines if "Server date/time:" in line)
    assert banner.split("Server date/time: ")[1][2] == "." and "   " in banner


def test_bad_switch_values_are_refused(home):
    for name, value in (("SPEMU_DATEFORMAT", "9"), ("SPEMU_TIMEFORMAT", "x"), ("SPEMU_NUMBERFORMAT", "0"),
                        ("SPEMU_CONSOLE_WIDTH", "wide"), ("SPEMU_LABELS", "odd"), ("SPEMU_PROMPT", "later"),
                        ("SPEMU_PASSWORD_INPUT", "keyboard"), ("SPEMU_OUTPUT", "later")):
        status, lines = run(home, "q pr", env={name: value})
        assert (status, lines) == (3, ["ANS1107E Invalid option/value: '%s=%s'" % (name, value),
                                       "ANS8002I Highest return code was 3."])


# ---------------------------------------------------------------- console width

def test_wrap_line_rule():
    assert render.wrap_line("ANR1234I one two three", 12) == ["ANR1234I", " one two", " three"]
    assert render.wrap_line("ANR1234I one two three", 13) == ["ANR1234I one", " two three"]
    assert render.wrap_line("ANR1234I xyzxyzxyzxyz", 12) == ["ANR1234I", " xyzxyzxyzxy", "z"]
    assert render.wrap_line("ABCDEFGHIJKLMNOP", 5) == ["ABCDE", "FGHIJ", "KLMNO", "P"]
    assert render.wrap_line("short", 5) == ["short"] and render.wrap_line("x" * 90, None) == ["x" * 90]


def test_console_width_wraps_message_lines_and_routing_framing(home):
    width = 50
    status, lines = run(home, "hub1,win1: q pr 1234", "-comma", env={"SPEMU_CONSOLE_WIDTH": str(width)})
    assert all(len(line) <= width for line in lines if not line.startswith('"1,234"') and not line.startswith("1,234"))
    text = "".join(lines)
    assert "ANR1699I Resolved HUB1,WIN1 to 2 server(s) - issuing command q pr 1234 against server(s)." in text
    assert lines[0] == "ANR1699I Resolved HUB1,WIN1 to 2 server(s) -" and lines[1].startswith(" issuing")
    assert '"1,234",Migration,,"Moved Files: 1,409, Moved Bytes: 4,149,250,332, Unreadable Files: 0.",' in lines
    assert status == 11                                      # process 1234 is not on WIN1


def test_console_width_wraps_list_values_at_their_column(home):
    _status, lines = run(home, "q pr 1234", "-displaymode=list", env={"SPEMU_CONSOLE_WIDTH": "45"})
    column = len("Process Description: ")
    status_lines = lines[lines.index(next(line for line in lines if "Process Status:" in line)):]
    status_lines = status_lines[:next(i for i, line in enumerate(status_lines) if "Parent Process" in line)]
    assert all(len(line) <= 45 for line in lines)
    assert all(line.startswith(" " * column) for line in status_lines[1:])
    joined = status_lines[0][column:] + "".join(line[column:] for line in status_lines[1:])
    assert joined == "Moved Files: 1,409, Moved Bytes: 4,149,250,332, Unreadable Files: 0."


def test_console_width_cuts_a_word_without_blanks_at_the_value_column(home):
    table = render.Table([render.Column("Id"), render.Column("Long Label")], [["1", "x" * 30]], "list")
    lines = render.list_lines(table, 25)
    assert lines == ["        Id: 1", "Long Label: " + "x" * 13, " " * 12 + "x" * 13, " " * 12 + "xxxx"]


def test_table_mode_and_delimited_lines_keep_their_own_wrapping(home):
    for mode in ("-displaymode=table", "-comma", "-tab"):
        plain = run(home, "q pr", mode)[1]
        narrow = run(home, "q pr", mode, env={"SPEMU_CONSOLE_WIDTH": "40"})[1]
        assert narrow == plain and any(len(line) > 40 for line in narrow)


# ---------------------------------------------------------------- labels

def test_alternative_labels_in_list_mode(home):
    alt = {"SPEMU_LABELS": "alt"}
    labels = [line.split(":")[0].strip() for line in run(home, "q job", env=alt)[1] if line]
    assert labels == ["Job ID", "Peer Job ID", "JOB TYPE", "Job name", "Begin date/time", "End date/time",
                      "Run date/time", "STATUS", "Completion state"]
    labels = [line.split(":")[0].strip() for line in run(home, "q sess 29057 f=d", env=alt)[1]]
    assert labels[:3] == ["Session Number", "Comm Method", "Session State"] and "Bytes Received" in labels
    labels = [line.split(":")[0].strip() for line in run(home, "q pr 1234", "-displaymode=list", env=alt)[1]]
    assert labels == ["PROCESS NUMBER", "PROCESS DESCRIPTION", "JOB ID", "PROCESS STATUS", "PARENT PROCESS"]
    assert run(home, "q status", env=alt)[1][2].endswith("Server name: HUB1")
    assert run(home, "q pr 1234", "-tab", env=alt)[1] == run(home, "q pr 1234", "-tab")[1]


# ---------------------------------------------------------------- prompts and the password path

def test_inline_prompts_are_followed_by_the_first_output_line(home):
    status, output = dsmadmc.invoke(["-dataonly=yes", "-comma", "q pr 1234"], home=home.path,
                                    input_text="admin\npassw0rd\n", env={"SPEMU_PROMPT": "inline"})
    assert output.startswith('Enter your user id: Enter your password: "1,234",Migration,') and status == 0
    status, output = dsmadmc.invoke(["-id=admin", "-dataonly=yes", "-comma", "q pr 1234"], home=home.path,
                                    input_text="wrong\n", env={"SPEMU_PROMPT": "inline"})
    assert output.startswith("Enter your password: ANS1051I Invalid user id or password\n") and status == 137
    status, output = dsmadmc.invoke(["-id=admin", "-dataonly=yes", "-comma", "q pr 1234"], home=home.path,
                                    input_text="passw0rd\n")
    assert output.startswith('"1,234",') and status == 0    # default: no prompt on a pipe


def test_terminal_only_password_with_a_pipe_fails_before_sign_on(home):
    before = len(home.messages("ANR2017I%"))
    errors = io.StringIO()
    status, output = dsmadmc.invoke(["-id=admin", "-dataonly=yes", "q pr"], home=home.path, input_text="passw0rd\n",
                                    env={"SPEMU_PASSWORD_INPUT": "tty"}, stderr=errors)
    assert output.splitlines() == ["Enter your password: ", "ANS8023E Unable to establish session with server.",
                                   "ANS8002I Highest return code was 12."]
    assert status == 12 and "ANS1051I" not in output
    assert errors.getvalue() == dsmadmc.TTY_ERROR + "\n" and "terminal" in dsmadmc.TTY_ERROR
    assert len(home.messages("ANR2017I%")) == before         # the server saw nothing
    status, output = dsmadmc.invoke(["-id=admin", "-dataonly=yes", "q pr"], home=home.path, input_text="passw0rd\n",
                                    env={"SPEMU_PASSWORD_INPUT": "tty", "SPEMU_PROMPT": "inline"}, stderr=io.StringIO())
    assert output.startswith("Enter your password: ANS8023E") and status == 12


def test_terminal_only_password_still_takes_the_command_line_and_credentials_file(home, tmp_path):
    env = {"SPEMU_PASSWORD_INPUT": "tty"}
    assert run(home, "q pr 1234", "-comma", env=env)[0] == 0
    credentials = tmp_path / "admin.cred"
    credentials.write_text("id=admin\npassword=passw0rd\n")
    status, _output = dsmadmc.invoke(["-credentialsfile=%s" % credentials, "-dataonly=yes", "q pr 1234"],
                                     home=home.path, env=env)
    assert status == 0


# ---------------------------------------------------------------- per-command faults

def test_refuse_fault_applies_only_to_commands_naming_the_word(home):
    store.set_fault(home.path, "HUB1", "refuse", word="actlog")
    status, lines = run(home, "select message from actlog")
    assert (status, lines) == (4, ["ANR2032E SELECT: Command failed - internal server error detected.",
                                   "ANS8001I Return code 4."])
    assert run(home, "select session_id from sessions where session_id=29057", "-comma") == (0, ["29057"])
    status, lines = run(home, "hub1,win1: q actlog", "-comma")
    assert "ANR1696E Server HUB1 processed command 'q actlog' but completed with errors." in lines
    assert "ANR1694I Server WIN1 processed command 'q actlog' and completed successfully." in lines
    assert "ANR2032E QUERY ACTLOG: Command failed - internal server error detected." in lines and status == 4
    assert home.messages("ANR2032E%")


def test_garble_and_slow_faults_for_one_word(home):
    store.set_fault(home.path, "WIN1", "garble", word="PROCESSES")
    store.set_fault(home.path, "WIN1", "slow", "1", word="JOB")
    _status, lines = run(home, "win1: select process_num from processes", "-comma")
    assert dsmadmc.garble("4321") in lines
    _status, lines = run(home, "win1: select session_id from sessions", "-comma")
    assert not any("~#~" in line for line in lines)
    started = time.monotonic()
    run(home, "win1: q pr")
    assert time.monotonic() - started < 1
    started = time.monotonic()
    run(home, "win1: q job")
    assert time.monotonic() - started >= 1


@pytest.fixture
def real_home(home):
    env = dict(os.environ, **dsmadmc.home_env(home.path))
    return home.path, env


def test_hang_fault_for_one_word_hangs_only_that_query(real_home):
    path, env = real_home
    store.set_fault(path, "HUB1", "hang", word="ACTLOG")
    program = [os.path.join(path, "bin", "dsmadmc"), "-id=admin", "-pa=passw0rd", "-dataonly=yes"]
    done = subprocess.run(program + ["q pr 1234"], env=env, capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0
    with pytest.raises(subprocess.TimeoutExpired):
        subprocess.run(program + ["q actlog"], env=env, capture_output=True, text=True, timeout=1.5, check=False)


def test_fault_syntax():
    assert cli.parse_fault("refuse:actlog") == ("refuse", None, "ACTLOG")
    assert cli.parse_fault("slow=2.5:Job") == ("slow", "2.5", "JOB")
    assert cli.parse_fault("garble") == ("garble", None, None)
    for bad in ("refuse:", "down:x", "auth:y", "slow:JOB", "explode:x", "slow=x:JOB"):
        with pytest.raises(ValueError):
            cli.parse_fault(bad)


# ---------------------------------------------------------------- job outcome variety, forms fleet

def test_finished_jobs_with_other_status_words_and_activity_log_evidence(home):
    job = home.job(12)
    assert (job["STATUS"], job["COMPLETION_STATE"], job["END_TIME"] is not None) == ("FAILED", None, True)
    _status, lines = run(home, "q actlog begindate=today-1 job=12", "-tab")
    messages = [line.split("\t")[1] for line in lines]
    assert messages == ["ANR3850I Job 12 (RETSET_12_COPY) is running; storage rule RULE1 started its processing window.",
                        "ANR3860E Job 12 (RETSET_12_COPY) failed.",
                        "ANR3858I Job 12 (RETSET_12_COPY) completed with completion state Failed."]
    assert run(home, "q job status=completed")[0] == 11      # FAILED is no status QUERY JOB filters on
    assert run(home, "interrupt job 12")[1][0].startswith("ANR3862E")


def test_the_forms_fleet(tmp_path):
    path = os.path.join(fleet.FLEETS_DIR, "forms.yml")
    spec = fleet.load(path)
    assert [s["name"] for s in spec["servers"]] == ["FHUB", "FORMS1", "FORMS2"]
    home = str(tmp_path / "forms")
    store.freeze_clock(home)
    fleet.init_home(path, home)
    status, output = dsmadmc.invoke(["-id=admin", "-pa=passw0rd", "-dataonly=yes", "forms1,forms2: q job"], home=home)
    assert status == 0
    sections = output.split("ANR1687I")
    assert " Begin Date/Time: " in sections[1] and sections[1].count("   ") > 0
    forms1 = [line for line in sections[1].splitlines() if "Begin Date/Time" in line][0].split(": ")[1]
    forms2 = [line for line in sections[2].splitlines() if "Begin Date/Time" in line][0].split(": ")[1]
    assert forms1[2] == "." and forms1[5] == "." and len(forms1) == len("DD.MM.YY   HH.MM.SS")
    assert forms2[2] == "/" and len(forms2) == len("MM/DD/YYYY HH:MM:SS")
    jobs = {job["id"]: job for server in spec["servers"] for job in server.get("jobs") or []}
    assert {jobs[n]["status"] for n in (71, 74, 82)} == {"FAILED", "ENDED", "DONE"}
    assert [n for n, job in jobs.items() if job.get("completion_state") == "none" and job["status"] == "COMPLETED"]
    assert {job.get("outcome") for job in jobs.values()} >= {"successful", "warning", "failed", "unknown"}


# ---------------------------------------------------------------- held output

def _first_output(home, env, seconds=1.5):
    """Start dsmadmc with its input open; -> (what it wrote within `seconds`, all it wrote)."""
    argv = [sys.executable, "-c", "import sys; from spemu.dsmadmc import main; sys.exit(main())", "-se=hub1",
            "-id=admin", "-dataonly=no", "-noconfirm", "-displaymode=list"]
    emulator = os.path.dirname(os.path.dirname(os.path.abspath(dsmadmc.__file__)))
    variables = dict(os.environ, PYTHONPATH=emulator, **dsmadmc.home_env(home.path), **env)
    proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=variables)
    proc.stdin.write(("%s\nq status\n" % ADMINS[0]["password"]).encode())
    proc.stdin.flush()
    early, deadline = b"", time.monotonic() + seconds
    while time.monotonic() < deadline:
        if select.select([proc.stdout], [], [], 0.1)[0]:
            piece = os.read(proc.stdout.fileno(), 65536)
            if not piece:
                break
            early += piece
    rest, _err = proc.communicate(b"quit\n", timeout=30)
    return early.decode(), (early + rest).decode()


def test_held_output_comes_only_when_the_client_ends(home):
    early, whole = _first_output(home, {"SPEMU_OUTPUT": "buffered"})
    assert early == "" and "ANS8000I Server command: 'q status'." in whole and "ANS8002I" in whole
    flushed_early, flushed_whole = _first_output(home, {})
    assert "ANS8000I Server command: 'q status'." in flushed_early

    # the same lines either way, only later
    def stable(text):
        return [line for line in text.splitlines() if "date/time" not in line and "Last access" not in line]
    assert stable(whole) == stable(flushed_whole)
