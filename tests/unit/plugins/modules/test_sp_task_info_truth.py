# -*- coding: utf-8 -*-
# Copyright: spectrum_protect.operations contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Issue 6: sp_task_info reports a success only when the server showed one.

A stand-in dsmadmc answers each command with the first scripted answer whose key the command
contains, in the real client's formats; it records every call (argv and stdin)."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import json
import stat
import sys
import textwrap

import pytest

from ansible.module_utils.common import warnings as ansible_warnings
from ansible_collections.spectrum_protect.operations.tests.unit.compat import patch_module_args
from ansible_collections.spectrum_protect.operations.tests.unit.fake_session import with_sessions

from ansible_collections.spectrum_protect.operations.plugins.modules import sp_task_info

FAKE = textwrap.dedent('''\
    #!{python}
    import json, sys
    argv = sys.argv[1:]
    command = argv[-1]
    stdin = sys.stdin.read() if not sys.stdin.isatty() else ""
    if FAKE_LOG:
        with open({log!r}, "a") as log:
            log.write(json.dumps({{"argv": argv, "stdin": stdin}}) + "\\n")
    with open({answers!r}) as handle:
        answers = json.load(handle)
    main = command.split(" WHERE ")[0]     # the table a SELECT reads, not those of its subqueries
    for key, out, rc, err in answers:
        if key in main or key == "*":
            sys.stdout.write(out)
            sys.stderr.write(err)
            sys.exit(rc)
    print("ANR2000E Unknown command - %s." % command)
    print("ANS8001I Return code 2.")
    sys.exit(2)
''')

STATUS = ("Storage Management Server for Linux/x86_64 - Version 8, Release 1, Level 21.000\n\n"
          "                      Server Name: TSM8\n")
NOTHING = "ANR2034E SELECT: No match found using this criteria.\nANS8001I Return code 11.\n"
TIME = "SERVER_TIME: 2026-11-25 09:00:00.000000\n"


def record(**fields):
    width = max(len(label) for label in fields) + 1
    return ''.join('%s: %s\n' % (label.replace('_', ' ').rjust(width), value) for label, value in fields.items())


def job(number, status, completion=None, begin='11/25/2026 01:00:00', end='11/25/2026 02:00:00'):
    fields = {'Job Id': number, 'Job Type': 'Retention Set Copy', 'Job Name': 'RETPOOL',
              'Begin Date/Time': begin, 'End Date/Time': end, 'Status': status}
    if completion is not None:
        fields['Completion State'] = completion
    width = max(len(label) for label in fields) + 1
    return ''.join('%s: %s\n' % (label.rjust(width), value) for label, value in fields.items())


def actlog(when, msgno, severity, message, session='', process=''):
    return ('   DATE_TIME: %s\n       MSGNO: %s\n    SEVERITY: %s\n     MESSAGE: %s\n  ORIGINATOR: SERVER\n'
            '     SESSION: %s\n     PROCESS: %s\n' % (when, msgno, severity, message, session, process))


@pytest.fixture
def fake(tmp_path):
    log = tmp_path / 'calls.jsonl'
    answers = tmp_path / 'answers.json'
    path = tmp_path / 'dsmadmc'
    path.write_text(with_sessions(FAKE.format(python=sys.executable, log=str(log), answers=str(answers)), log))
    path.chmod(path.stat().st_mode | stat.S_IEXEC)

    class Fake(object):
        def __init__(self):
            self.path = str(path)

        def answer(self, *rules):
            """rules: (key, stdout[, rc[, stderr]]); QUERY STATUS and 'nothing' for the rest are added."""
            full = [list(rule) + [0, ''][len(rule) - 2:] for rule in rules]
            full.append(['QUERY STATUS', STATUS, 0, ''])
            full.append(['FROM STATUS', TIME, 0, ''])
            full.append(['*', NOTHING, 11, ''])
            answers.write_text(json.dumps(full))

        def calls(self):
            return [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []

        def commands(self):
            """Every command the client was given: one per call, or those a session read."""
            out = []
            for call in self.calls():
                out += call['commands'] if 'commands' in call else [call['argv'][-1]]
            return out
    return Fake()


def run(capfd, fake, **args):
    params = {'dsmadmc_path': fake.path, 'admin_id': 'ADMIN', 'password': 's3cret', 'server': 'TSM8'}
    params.update(args)
    ansible_warnings._global_warnings.clear()     # warnings of an earlier main() in this process
    with patch_module_args(params):
        with pytest.raises(SystemExit):
            sp_task_info.main()
    out, err = capfd.readouterr()
    result = json.loads(out)
    assert 's3cret' not in out
    # ansible-core 2.19 returns warnings as structured events; earlier releases as strings
    result['warnings'] = [w['event']['msg'] if isinstance(w, dict) else w for w in result.get('warnings', [])]
    return result


def by_id(result, task_type):
    return dict((t['id'], t) for t in result['tasks'] if t['type'] == task_type)


def test_a_job_outcome_comes_only_from_evidence(fake, capfd):
    fake.answer(
        ('QUERY JOB', '\n'.join([job(20, 'COMPLETED'), job(21, 'CANCELLED'), job(22, 'COMPLETED'),
                                 job(23, 'COMPLETED'), job(24, 'FAILED'), job(25, 'COMPLETED', 'Warning')])),
        ('FROM ACTLOG', '\n'.join([
            actlog('2026-11-25 01:59:00.000000', '9001', 'I', 'ANR9001I Job 22 completed successfully.'),
            actlog('2026-11-25 01:30:00.000000', '9002', 'W', 'ANR9002W Job 23: volume A00001 is read-only.'),
            actlog('2026-11-25 01:45:00.000000', '9003', 'I', 'ANR9003I Job 20 is ending.'),
        ])))
    result = run(capfd, fake, types=['job'])
    jobs = by_id(result, 'job')
    outcomes = dict((number, (jobs[number]['outcome'], jobs[number]['state'])) for number in jobs)
    assert outcomes == {20: ('unknown', 'Unknown'), 21: ('unknown', 'Unknown'), 22: ('successful', 'Completed'),
                        23: ('warning', 'Warning'), 24: ('failed', 'Failed'), 25: ('warning', 'Warning')}
    summary = result['summary']
    assert (summary['successful'], summary['warning'], summary['failed'], summary['unknown']) == (1, 2, 1, 2)
    assert summary['complete'] is False and result['servers'][0]['summary']['complete'] is False
    assert any('job 20, job 21' in warning and 'unknown' in warning for warning in result['warnings'])
    # the activity log was read for the evidence, with messages that may name a job
    [sql] = [c for c in fake.commands() if 'FROM ACTLOG' in c]
    assert "UPPER(MESSAGE) LIKE '%JOB%'" in sql


def test_a_failed_activity_log_read_leaves_outcomes_unverified_never_optimistic(fake, capfd):
    fake.answer(
        ('FROM SUMMARY_EXTENDED', record(START_TIME='2026-11-25 01:00:00.000000', END_TIME='2026-11-25 02:00:00.000000',
                                         ACTIVITY='BACKUP', NUMBER='310', ENTITY='WEB01', SUCCESSFUL='YES') + '\n'
         + record(START_TIME='2026-11-25 03:00:00.000000', END_TIME='2026-11-25 04:00:00.000000',
                  ACTIVITY='MIGRATION', NUMBER='44', ENTITY='', SUCCESSFUL='YES') + '\n'
         + record(START_TIME='2026-11-25 05:00:00.000000', END_TIME='2026-11-25 06:00:00.000000',
                  ACTIVITY='RECLAMATION', NUMBER='45', ENTITY='', SUCCESSFUL='NO')),
        ('QUERY JOB', job(30, 'COMPLETED')),
        ('FROM ACTLOG', 'ANR2904E Unexpected SQL key word token - ACTLOG.\nANS8001I Return code 3.\n', 3))
    result = run(capfd, fake)
    sessions, processes, jobs = by_id(result, 'session'), by_id(result, 'process'), by_id(result, 'job')
    # the session may have been Warning: it is shown, not hidden as a checked success would be
    assert sessions[310]['outcome'] == 'successful' and sessions[310]['outcome_verified'] is False
    assert processes[44]['outcome'] == 'successful' and processes[44]['outcome_verified'] is False
    assert processes[45]['outcome'] == 'failed' and processes[45]['outcome_verified'] is True
    assert jobs[30]['outcome'] == 'unknown' and jobs[30]['outcome_verified'] is False
    server = result['servers'][0]
    assert server['read'] is True and server['reachable'] is True
    assert [(e['query'], e['rc']) for e in server['errors']] == [('actlog', 3)]
    assert 'ANR2904E' in server['errors'][0]['message_ids']
    assert server['unverified'] == ['successful', 'unknown']
    assert result['summary']['complete'] is False and result['summary']['unverified'] == 3
    warned = [w for w in result['warnings'] if 'activity log' in w]
    assert len(warned) == 1 and 'ACTLOG read failed' in warned[0], result['warnings']


def test_a_client_that_will_not_read_a_piped_password_is_named(fake, capfd):
    fake.answer(('*', 'Enter your password: \nANS8023E Unable to establish session with server.\n\n'
                      'ANS8002I Highest return code was -1.\n', 255, 'ANS0101E cannot read a password: not a terminal\n'))
    result = run(capfd, fake)
    assert result['failed'] is True and result['kind'] == 'password_not_read'
    assert 'standard input' in result['msg']
    assert 'credentials_file' in result['msg'] and 'password_transport: argv' in result['msg']


def test_a_wrong_password_stays_a_wrong_password(fake, capfd):
    fake.answer(('*', 'Enter your password: \nANS1051I Invalid user id or password\nANS1051I Invalid user id or password\n'
                      'ANS1051I Invalid user id or password\nANS8023E Unable to establish session with server.\n\n'
                      'ANS8002I Highest return code was 137.\n', 137))
    result = run(capfd, fake)
    assert result['kind'] == 'auth_failed' and 'check admin_id and password' in result['msg'].lower()


def test_password_transport_argv_puts_it_on_the_command_line_masked_everywhere_else(fake, capfd):
    fake.answer()
    result = run(capfd, fake, password_transport='argv', types=['session'], scope='active')
    [call] = fake.calls()       # one session: the commands on stdin, the password on the command line only
    assert '-password=s3cret' in call['argv'] and 's3cret' not in call['stdin']
    assert call['stdin'].splitlines()[0] == 'QUERY STATUS' and call['stdin'].endswith('QUIT\n')
    assert not result.get('failed')     # and run() asserted s3cret is nowhere in the result


def test_max_rows_bounds_every_select_and_flags_a_cut_answer(fake, capfd):
    rows = '\n'.join(record(SESSION_ID=str(n), STATE='IdleW', SESSION_TYPE='Node', CLIENT_NAME='WEB%02d' % n,
                            START_TIME='2026-11-25 08:00:00.000000', SERVER_TIME='2026-11-25 09:00:00.000000')
                     for n in (1, 2, 3))
    fake.answer(('FROM SESSIONS', rows))
    result = run(capfd, fake, types=['session'], scope='active', max_rows=2)
    [sql] = [c for c in fake.commands() if 'FROM SESSIONS' in c]
    assert sql.endswith(' FETCH FIRST 3 ROWS ONLY')
    assert sorted(by_id(result, 'session')) == [1, 2]
    assert result['servers'][0]['truncated'] == ['sessions']
    assert result['summary']['complete'] is False
    assert any('max_rows=2' in warning for warning in result['warnings'])


def test_filters_are_pushed_into_the_queries(fake, capfd):
    fake.answer()
    run(capfd, fake, client_name='WEB*', session_type='Node', ids=[5, 7], states=['Idle wait', 'Media wait'])
    commands = fake.commands()
    [sessions] = [c for c in commands if 'FROM SESSIONS' in c]
    assert "S.SESSION_ID IN (5,7)" in sessions
    assert "UPPER(S.STATE) IN ('IDLEW','MEDIAW')" in sessions
    assert "UPPER(S.CLIENT_NAME) LIKE 'WEB%'" in sessions
    assert "UPPER(S.SESSION_TYPE) = 'NODE'" in sessions
    # processes and jobs cannot match a client name: they are not read at all
    assert not [c for c in commands if 'FROM PROCESSES' in c or c.startswith('QUERY JOB')]


def test_one_job_and_a_wildcard_that_sql_would_misread(fake, capfd):
    fake.answer()
    run(capfd, fake, job_id=12, description='RECL_*')     # '_' is a LIKE wildcard: filtered after reading
    commands = fake.commands()
    assert 'QUERY JOB 12 STATUS=ANY' in commands
    [processes] = [c for c in commands if 'FROM PROCESSES P' in c.split(' WHERE ')[0]]
    assert 'P.JOB_ID = 12' in processes and 'LIKE' not in processes
    # completed sessions and processes carry no job: not read; the log only where it may name the job
    assert not [c for c in commands if 'SUMMARY' in c]
    [actlog] = [c for c in commands if c.startswith('SELECT DATE_TIME')]
    assert "UPPER(MESSAGE) LIKE '%JOB 12 %'" in actlog and "UPPER(MESSAGE) LIKE '%JOB ID: 12)%'" in actlog
    assert "'%JOB 12%'" not in actlog       # job 120 is not job 12


def test_one_job_with_its_messages_reads_those_of_its_processes_too(fake, capfd):
    fake.answer(('QUERY JOB', job(12, 'COMPLETED', 'Completed')))
    result = run(capfd, fake, job_id=12, activity_log=True)
    [actlog] = [c for c in fake.commands() if c.startswith('SELECT DATE_TIME')]
    assert " OR PROCESS IN (SELECT P.PROCESS_NUM FROM PROCESSES P WHERE P.JOB_ID = 12))" in actlog
    assert [t['id'] for t in result['tasks']] == [12] and len(fake.calls()) == 1


def test_one_unreadable_record_never_drops_the_others(fake, capfd):
    fake.answer(('QUERY JOB', '        Job Type: Retention Set Copy\n          Status: RUNNING\n\n'
                 + job(9, 'RUNNING', end='')))
    result = run(capfd, fake, types=['job'])
    assert sorted(by_id(result, 'job')) == [9]
    server = result['servers'][0]
    assert server['read'] is True
    assert [e['query'] for e in server['errors']] == ['jobs']
    assert 'labels seen' in server['errors'][0]['msg'] and 'Job Type' in server['errors'][0]['msg']
    assert result['summary']['complete'] is False


def test_an_ambiguous_job_date_is_left_empty_with_a_warning(fake, capfd):
    fake.answer(('QUERY JOB', job(9, 'RUNNING', begin='05/11/2026 01:00:00', end='')))
    result = run(capfd, fake, types=['job'])
    [task] = result['tasks']
    assert task['start_time'] is None and task['state'] == 'Running'
    assert any("ambiguous" in warning and "05/11/2026" in warning for warning in result["warnings"]), result["warnings"]


@pytest.mark.parametrize('option, value, words', [
    ('since', '99999999d', ['since', '99999999d', '3650 days']),
    ('since', '9' * 4300, ['since', 'is not a period']),
    ('timeout', 1000000000000, ['timeout', '1000000000000', '86400']),
    ('timeout', 0, ['timeout', '0']),
    ('max_rows', 0, ['max_rows', '0']),
    ('server', 'HUB1\n', ['server']),
    ('description', "x'); DELETE FROM SESSIONS; --", ['description']),
    ('client_name', 'SPOKE1: cancel session all', ['client_name']),
    ('ids', [-1], ['ids', '-1']),
])
def test_out_of_range_values_are_refused_before_any_command(fake, capfd, option, value, words):
    fake.answer()
    result = run(capfd, fake, **{option: value})
    assert result['failed'] is True
    for word in words:
        assert word in result['msg']
    assert fake.calls() == []


# --- issue 11: say what is wrong -------------------------------------------------------------------

@pytest.mark.parametrize('program, words', [
    ('/bin/true', ['names no server and no version', '/bin/true']),
    ('/bin/sh', ['/bin/sh did not answer as the administrative client', 'dsmadmc_path']),
])
def test_a_program_that_is_not_the_client_is_named(capfd, program, words):
    params = {'dsmadmc_path': program, 'admin_id': 'ADMIN', 'password': 's3cret', 'server': 'TSM8'}
    ansible_warnings._global_warnings.clear()
    with patch_module_args(params):
        with pytest.raises(SystemExit):
            sp_task_info.main()
    result = json.loads(capfd.readouterr()[0])
    assert result['failed'] is True
    for word in words:
        assert word in result['msg']


def test_an_unreadable_options_file_is_named_not_a_failed_logon(fake, capfd):
    fake.answer(('*', "ANS1035S Options file '/etc/sp/none.opt' could not be found.\n", 12))
    result = run(capfd, fake, optfile='/etc/sp/none.opt')
    assert result['kind'] == 'options_file'
    assert '/etc/sp/none.opt' in result['msg'] and 'admin_id' not in result['msg']


def test_a_command_line_too_long_is_named(fake, capfd, monkeypatch):
    import errno
    import subprocess

    def too_long(*args, **kwargs):
        raise OSError(errno.E2BIG, 'Argument list too long')
    monkeypatch.setattr(subprocess, 'Popen', too_long)
    result = run(capfd, fake)
    assert result['kind'] == 'command_too_long' and 'install' not in result['msg'].lower()
