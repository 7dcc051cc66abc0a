"""The emulated dsmadmc program: options, server selection, credentials, output, faults."""
import datetime
import os
import subprocess
import sys
import time

import pytest
import yaml

from spemu import dsmadmc, store

EMULATOR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ADMINS = [{"name": "ADMIN", "password": "passw0rd", "privileges": ["SYSTEM"]},
          {"name": "GONE", "password": "passw0rd", "privileges": ["SYSTEM"], "locked": True}]
HUB = {"name": "HUB1", "version": "8.1.21", "role": "hub", "admins": ADMINS,
       "sessions": [{"id": 20, "client": "NODEA", "state": "IdleW", "since": "-1m", "for": "1h"}]}
SPOKE = {"name": "SPOKE1", "version": "8.1.17", "admins": ADMINS,
         "sessions": [{"id": 50, "client": "NODEZ", "state": "Run", "for": "1h"}]}
OLD = {"name": "OLD", "version": "8.1.10", "admins": ADMINS}
AUTH = ["-id=admin", "-password=passw0rd"]


@pytest.fixture
def home(make_home):
    return make_home(HUB, SPOKE, OLD)


def run(home, *argv, input_text="", env=None):
    return dsmadmc.invoke(list(argv), home=home.path, input_text=input_text, env=env)


def data(home, *argv, **kwargs):
    """Exit status and output lines of a -dataonly=yes -comma run."""
    status, output = run(home, *AUTH, "-dataonly=yes", "-comma", *argv, **kwargs)
    return status, output.splitlines()


# ---------------------------------------------------------------- options

@pytest.mark.parametrize("options", [
    ["-id=admin", "-pa=passw0rd"], ["-ID=ADMIN", "-PASS=passw0rd"], ["-Id=admin", "-password=passw0rd"],
    ["-id=admin", "-PAssword=passw0rd"],
])
def test_credential_option_spellings(home, options):
    status, output = run(home, *options, "-dataonly=YES", "-COMMAdelimited", "q sess 20")
    assert (status, output.splitlines()[0].split(",")[:3]) == (0, ["20", "Tcp/Ip", "IdleW"])


@pytest.mark.parametrize("options, first", [
    (["-comma"], "20,Tcp/Ip,IdleW"), (["-commadelimited"], "20,Tcp/Ip,IdleW"),
    (["-tab"], "20\tTcp/Ip\tIdleW"), (["-TABDELIMITED"], "20\tTcp/Ip\tIdleW"),
    (["-displ=list"], "Sess Number: 20"), (["-displaymode=LIS"], "Sess Number: 20"),
    (["-DISPLaymode=table"], "20     Tcp/Ip     IdleW"),
])
def test_output_mode_options(home, options, first):
    status, output = run(home, *AUTH, "-dataonly=yes", *options, "q sess 20")
    assert output.splitlines()[0].strip().startswith(first)
    assert status == 0


@pytest.mark.parametrize("server_option", [["-se=spoke1"], ["-servername=SPOKE1"], ["-SErvername=Spoke1"],
                                           ["-tcpport=1501"], ["-tcps=127.0.0.1", "-tcpp=1501"]])
def test_server_selection(home, server_option):
    status, lines = data(home, *server_option, "q sess 50")
    assert status == 0 and lines[0].startswith("50,")


def test_default_server_comes_from_dsm_opt_or_optfile(home, tmp_path):
    assert data(home, "q sess 20")[0] == 0
    optfile = tmp_path / "other.opt"
    optfile.write_text("* comment\nSErvername  spoke1\n")
    assert data(home, "-optfile=%s" % optfile, "q sess 50")[0] == 0
    assert data(home, "q sess 50", env={"DSM_CONFIG": str(optfile)})[0] == 0


@pytest.mark.parametrize("option, shown", [
    ("-foo", "-foo"), ("-p=x", "-p=********"), ("-pasword=passw0rd", "-pasword=********"),
    ("-dataonly", "-dataonly"), ("-dataonly=maybe", "-dataonly=maybe"), ("-noconfirm=yes", "-noconfirm=yes"),
    ("-displaymode=wide", "-displaymode=wide"), ("-id=", "-id=")])
def test_invalid_options(home, option, shown):
    status, output = run(home, *AUTH, option, "q sess")
    assert output.splitlines() == ["ANS1107E Invalid option/value: '%s'" % shown,
                                   "ANS8002I Highest return code was 3."]
    assert status == 3


def test_accepted_options_without_effect(home, tmp_path):
    status, lines = data(home, "-itemcommit", "-errorlogname=%s" % (tmp_path / "err.log"), "-alwaysprompt",
                         "-noconfirm", "q sess 20")
    assert status == 0 and lines[0].startswith("20,")


def test_unknown_stanza_and_missing_dsm_sys(home, tmp_path):
    status, output = run(home, *AUTH, "-se=nosuch", "q sess")
    assert output.splitlines() == ["ANS1217E Server name not found in System Options File",
                                   "ANS8023E Unable to establish session with server.",
                                   "ANS8002I Highest return code was 12."]
    assert status == 12
    status, output = run(home, *AUTH, "q sess", env={"DSM_DIR": str(tmp_path)})
    assert output.splitlines()[0] == "ANS1035S Options file '%s' could not be found, or it cannot be read." \
        % (tmp_path / "dsm.sys")


def test_stanza_that_is_not_an_emulated_server_is_unreachable(home, tmp_path):
    (tmp_path / "dsm.sys").write_text("SErvername ELSEWHERE\n   TCPPort 1600\n")
    status, output = run(home, *AUTH, "-dataonly=yes", "-se=elsewhere", "q sess", env={"DSM_DIR": str(tmp_path)})
    assert output.splitlines()[0] == "ANS1017E Session rejected: TCP/IP connection failure."
    assert status == 206


# ---------------------------------------------------------------- credentials

def test_credentials_file(home, tmp_path):
    path = tmp_path / "creds"
    path.write_text("# written by a test\nid=admin\npassword=passw0rd\n")
    status, output = run(home, "-credentialsfile=%s" % path, "-dataonly=yes", "-comma", "q sess 20")
    assert status == 0 and output.startswith("20,")
    path.write_text("id=admin\npassword=wrong\n")
    assert run(home, "-credentialsfile=%s" % path, "q sess 20")[0] == 137


def test_password_from_stdin_prints_no_prompt(home):
    status, output = run(home, "-id=admin", "-dataonly=yes", "-comma", "q sess 20", input_text="passw0rd\n")
    assert status == 0 and output.startswith("20,")
    assert "passw0rd" not in output and "Enter" not in output


def test_id_and_password_from_stdin(home):
    status, output = run(home, "-dataonly=yes", "-comma", "q sess 20", input_text="admin\npassw0rd\n")
    assert status == 0 and output.startswith("20,")


@pytest.mark.parametrize("argv", [["-id=admin", "-pa=nope"], ["-id=nobody", "-pa=passw0rd"],
                                  ["-id=gone", "-pa=passw0rd"], ["-id=admin", "-pa=PASSW0RD"]])
def test_wrong_credentials(home, argv):
    status, output = run(home, *argv, "q sess")
    lines = output.splitlines()
    assert lines[0] == "IBM Storage Protect"
    assert lines[4:] == ["ANS1051I Invalid user id or password"] * 3 + [
        "ANS8023E Unable to establish session with server.", "ANS8002I Highest return code was 137."]
    assert status == 137


def test_passwords_never_appear_in_output_or_activity_log(home):
    status, output = run(home, *AUTH, "q actlog search=passw0rd")
    assert "passw0rd" not in output and "ANS8000I Server command: 'q actlog search=********'." in output
    run(home, *AUTH, "update admin admin newpass1")
    run(home, *AUTH, "register node fred pw12345 password=pw12345")
    messages = "\n".join(home.messages("ANR2017I%"))
    assert "passw0rd" not in messages and "newpass1" not in messages and "pw12345" not in messages
    assert "update admin admin ********" in messages and "password=********" in messages
    assert status == 11


def test_mask():
    assert dsmadmc.mask("reg node x secret1 passexp=0", "pw") == "reg node x ******** passexp=0"
    assert dsmadmc.mask("q actlog search=Secret99", "Secret99") == "q actlog search=********"
    assert dsmadmc.mask("select * from x where a='pw'", "pw") == "select * from x where a='pw'"


# ---------------------------------------------------------------- banner, output, exit status

def test_banner_for_older_servers_and_last_access(home):
    run(home, *AUTH, "-se=old", "q status")
    home.advance(3600)
    status, output = run(home, *AUTH, "-se=old", "q status")
    lines = output.splitlines()
    assert lines[0] == "IBM Spectrum Protect"
    assert lines[1] == "Command Line Administrative Interface - Version 8, Release 1, Level 10.0"
    assert lines[5] == "  Server Version 8, Release 1, Level 10.000"
    now = home.now()
    assert lines[6] == "  Server date/time: %s  Last access: %s" % (
        now.strftime("%m/%d/%Y %H:%M:%S"), (now - datetime.timedelta(hours=1)).strftime("%m/%d/%Y %H:%M:%S"))
    assert lines[8] == "ANS8000I Server command: 'q status'."
    assert lines[-1] == "ANS8002I Highest return code was 0." and status == 0


def test_error_without_dataonly_ends_with_highest_return_code(home):
    status, output = run(home, *AUTH, "q sess 999")
    assert output.splitlines()[-3:] == ["ANR2034E QUERY SESSION: No match found using this criteria.",
                                        "ANS8001I Return code 11.", "ANS8002I Highest return code was 11."]
    assert status == 11


def test_outfile_receives_the_output(home, tmp_path):
    target = tmp_path / "out.txt"
    status, output = run(home, *AUTH, "-dataonly=yes", "-comma", "-outfile=%s" % target, "q sess 20")
    assert output == "" and status == 0
    assert target.read_text().startswith("20,Tcp/Ip,IdleW")


def test_commands_from_stdin_when_none_is_given(home):
    status, output = run(home, *AUTH, "-dataonly=yes", "-comma", input_text="q sess 20\nq proc\nquit\nq sess\n")
    assert output.splitlines() == [output.splitlines()[0], "ANR0944E QUERY PROCESS: No active processes found.",
                                   "ANS8001I Return code 11."]
    assert output.startswith("20,") and status == 11


def test_own_session_ends_after_the_command(home):
    run(home, *AUTH, "q sess")
    assert [row["SESSION_TYPE"] for row in home.rows("SELECT * FROM SESSIONS WHERE STATE <> 'End'")] == ["Node"]
    assert any(m.startswith("ANR0405I Session") for m in home.messages("ANR0405I%"))


# ---------------------------------------------------------------- faults

def test_fault_down(home):
    store.set_fault(home.path, "HUB1", "down")
    status, output = run(home, *AUTH, "q sess")
    assert output.splitlines()[4:] == ["ANS1017E Session rejected: TCP/IP connection failure.",
                                       "ANS8023E Unable to establish session with server.",
                                       "ANS8002I Highest return code was -50."]
    assert status == 206


def test_fault_auth(home):
    store.set_fault(home.path, "HUB1", "auth")
    assert run(home, *AUTH, "-dataonly=yes", "q sess")[0] == 137


def test_fault_slow_answers_late(home):
    store.set_fault(home.path, "HUB1", "slow", "0.3")
    started = time.monotonic()
    status, lines = data(home, "q sess 20")
    assert time.monotonic() - started >= 0.3 and status == 0 and lines[0].startswith("20,")


def test_fault_garble_corrupts_data_lines_only(home):
    store.set_fault(home.path, "HUB1", "garble")
    status, lines = data(home, "q sess 20")
    assert lines[0] == dsmadmc.garble("20,Tcp/Ip,IdleW,1 M ,0,0,Node,Linux x86-64,NODEA")
    assert data(home, "q proc")[1] == ["ANR0944E QUERY PROCESS: No active processes found.",
                                       "ANS8001I Return code 11."]
    assert status == 0
    store.clear_faults(home.path, "HUB1")
    assert data(home, "q sess 20")[1][0] == "20,Tcp/Ip,IdleW,1 M ,0,0,Node,Linux x86-64,NODEA"


# ---------------------------------------------------------------- the real program

@pytest.fixture
def real_home(tmp_path):
    """A home made by the `spemu init` command, used through its bin/dsmadmc launcher."""
    fleet = tmp_path / "fleet.yml"
    fleet.write_text(yaml.safe_dump({"servers": [HUB, OLD]}))
    home = str(tmp_path / "home")
    env = dict(os.environ, PYTHONPATH=EMULATOR)
    subprocess.run([sys.executable, "-m", "spemu.cli", "init", "--fleet", str(fleet), "--home", home],
                   check=True, capture_output=True, env=env, timeout=60)
    env.update(dsmadmc.home_env(home))
    env.pop("SPEMU_HOME")
    return home, env


def dsmadmc_process(real_home, *argv, input_text="", timeout=60):
    home, env = real_home
    return subprocess.run([os.path.join(home, "bin", "dsmadmc"), *argv], capture_output=True, text=True,
                          input=input_text, env=env, timeout=timeout, check=False)


def test_program_answers_and_exits_with_the_return_code(real_home):
    result = dsmadmc_process(real_home, "-id=admin", "-dataonly=yes", "-tab", "q sess 20", input_text="passw0rd\n")
    assert result.stdout == "20\tTcp/Ip\tIdleW\t1 M \t0\t0\tNode\tLinux x86-64\tNODEA\n"
    assert result.returncode == 0 and result.stderr == ""
    result = dsmadmc_process(real_home, "-id=admin", "-pa=passw0rd", "-se=old", "interrupt job 1")
    assert "ANR2000E Unknown command - INTERRUPT JOB." in result.stdout and result.returncode == 2
    result = dsmadmc_process(real_home, "-id=admin", "-pa=bad", "q sess")
    assert result.returncode == 137


def test_program_hangs_until_killed(real_home):
    store.set_fault(real_home[0], "HUB1", "hang")
    with pytest.raises(subprocess.TimeoutExpired) as expired:
        dsmadmc_process(real_home, "-id=admin", "-pa=passw0rd", "q sess", timeout=1.5)
    assert not expired.value.stdout


def test_many_programs_at_once_each_get_their_own_session(real_home):
    home, env = real_home
    argv = [os.path.join(home, "bin", "dsmadmc"), "-id=admin", "-pa=passw0rd", "-dataonly=yes", "-comma"]
    processes = [subprocess.Popen(argv + ["q sess type=admin"], stdout=subprocess.PIPE, text=True, env=env)
                 for _number in range(6)]
    outputs = [process.communicate(timeout=60)[0] for process in processes]
    assert [process.returncode for process in processes] == [0] * 6
    own = {line.split(",")[0] for output in outputs for line in output.splitlines()}
    assert len(own) >= 6
    result = dsmadmc_process(real_home, "-id=admin", "-pa=passw0rd", "-dataonly=yes", "-comma",
                             "select count(*) from actlog where msgno=2017")
    assert result.stdout == "7\n"


def test_program_whose_reader_goes_away_ends_quietly(real_home):
    home, env = real_home
    big = "select a.*, b.* from columns a, columns b"     # far more than a pipe buffer holds
    process = subprocess.Popen([os.path.join(home, "bin", "dsmadmc"), "-id=admin", "-pa=passw0rd", "-comma", big],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    assert process.stdout.readline() == b"IBM Storage Protect\n"
    process.stdout.close()
    assert process.wait(timeout=60) == 0 and process.stderr.read() == b""
    process.stderr.close()
