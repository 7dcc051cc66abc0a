# -*- coding: utf-8 -*-
# Copyright: (c) 2025, spectrum_protect.operations contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Unit tests of _dsmadmc: options, safe command building, and the runner against a fake dsmadmc."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import json
import os
import subprocess
import sys
import time

import pytest
import yaml

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

from ansible_collections.spectrum_protect.operations.plugins.module_utils._dsmadmc import (
    Dsmadmc,
    DsmadmcError,
    classify,
    connection_argument_spec,
    int_arg,
    mask_secrets,
    module_kwargs,
    pattern_arg,
    route,
    server_name_arg,
    sql_string,
)
from ansible_collections.spectrum_protect.operations.plugins.module_utils._parse import (
    parse_bytes,
    check_timestamp,
    parse_wait,
    to_int,
)

FIXTURES = os.path.join(os.path.dirname(__file__), '..', '..', 'fixtures', 'dsmadmc')
PASSWORD = 'S3cr3t-pw!'

FAKE_DSMADMC = r'''#!{python}
import json, os, subprocess, sys, time
home = os.environ['FAKE_DIR']
data = sys.stdin.read()
with open(os.path.join(home, 'record.json'), 'w') as handle:
    json.dump({{'argv': sys.argv, 'stdin': data, 'env': dict(os.environ)}}, handle)
if os.environ.get('FAKE_HANG'):
    child = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)'])
    with open(os.path.join(home, 'pids'), 'w') as handle:
        handle.write('%d %d' % (os.getpid(), child.pid))
    time.sleep(60)
with open(os.path.join(home, 'output.txt')) as handle:
    sys.stdout.write(handle.read())
sys.stderr.write(os.environ.get('FAKE_STDERR', ''))
sys.exit(int(os.environ.get('FAKE_RC', '0')))
'''


def fixture_text(name):
    with open(os.path.join(FIXTURES, name)) as handle:
        return handle.read()


class Fake(object):
    """A dsmadmc stand-in that records argv, stdin and environment and prints canned output."""

    def __init__(self, tmp_path, monkeypatch):
        self.home = tmp_path
        self.path = str(tmp_path / 'dsmadmc')
        with open(self.path, 'w') as handle:
            handle.write(FAKE_DSMADMC.format(python=sys.executable))
        os.chmod(self.path, 0o755)
        self.monkeypatch = monkeypatch
        monkeypatch.setenv('FAKE_DIR', str(tmp_path))
        self.answer('')

    def answer(self, output, rc=0, stderr=''):
        with open(str(self.home / 'output.txt'), 'w') as handle:
            handle.write(output)
        self.monkeypatch.setenv('FAKE_RC', str(rc))
        self.monkeypatch.setenv('FAKE_STDERR', stderr)

    def record(self):
        with open(str(self.home / 'record.json')) as handle:
            return json.load(handle)

    def runner(self, **kwargs):
        options = dict(path=self.path, server='SPOKE2', admin_id='admin', password=PASSWORD)
        options.update(kwargs)
        return Dsmadmc(**options)


@pytest.fixture
def fake(tmp_path, monkeypatch):
    return Fake(tmp_path, monkeypatch)


def no_password_in(*values):
    return all(PASSWORD not in json.dumps(value, default=str) for value in values)


# --- connection options ------------------------------------------------------------------------

def test_connection_argument_spec():
    spec = connection_argument_spec()
    assert sorted(spec) == ['admin_id', 'credentials_file', 'dsmadmc_path', 'optfile', 'password',
                            'password_transport', 'server', 'single_session', 'timeout', 'total_timeout']
    assert spec['password_transport']['default'] == 'stdin'
    assert spec['password']['no_log'] is True
    assert spec['admin_id']['aliases'] == ['username']
    assert spec['admin_id']['fallback'][1] == ['SP_ADMIN_ID', 'STORAGE_PROTECT_USERNAME']
    assert spec['password']['fallback'][1] == ['SP_ADMIN_PASSWORD', 'STORAGE_PROTECT_PASSWORD']
    assert spec['credentials_file']['fallback'][1] == ['SP_CREDENTIALS_FILE']
    assert spec['dsmadmc_path']['fallback'][1] == ['SP_DSMADMC']
    assert (spec['dsmadmc_path']['default'], spec['timeout']['default']) == ('dsmadmc', 300)
    assert connection_argument_spec() is not spec


def validate(params, **module_options):
    kwargs = module_kwargs(**module_options)
    validator = ArgumentSpecValidator(kwargs['argument_spec'], mutually_exclusive=kwargs['mutually_exclusive'],
                                      required_one_of=kwargs['required_one_of'], required_by=kwargs['required_by'])
    return validator.validate(params)


def test_module_kwargs_merge_a_module_spec_and_rules():
    kwargs = module_kwargs(dict(ids=dict(type='list', elements='int')), mutually_exclusive=[['ids', 'states']],
                           supports_check_mode=True)
    assert 'ids' in kwargs['argument_spec'] and 'server' in kwargs['argument_spec']
    assert kwargs['mutually_exclusive'] == [['credentials_file', 'password'], ['ids', 'states']]
    assert kwargs['supports_check_mode'] is True


def test_environment_fallbacks(monkeypatch):
    monkeypatch.setenv('STORAGE_PROTECT_USERNAME', 'ops')
    monkeypatch.setenv('SP_ADMIN_PASSWORD', PASSWORD)
    monkeypatch.setenv('SP_DSMADMC', '/opt/tivoli/tsm/client/ba/bin/dsmadmc')
    result = validate({'server': 'HUB'})
    assert result.error_messages == []
    params = result.validated_parameters
    assert (params['admin_id'], params['password'], params['dsmadmc_path']) == ('ops', PASSWORD, '/opt/tivoli/tsm/client/ba/bin/dsmadmc')
    assert PASSWORD in result._no_log_values


@pytest.mark.parametrize('params, error', [
    ({'admin_id': 'a', 'password': 'p', 'credentials_file': '/f'}, 'mutually exclusive'),
    ({'password': 'p'}, 'missing parameter(s) required by \'password\': admin_id'),
    ({'admin_id': 'a'}, 'one of the following is required: password, credentials_file'),
])
def test_connection_rules(params, error, monkeypatch):
    for name in ('SP_ADMIN_ID', 'STORAGE_PROTECT_USERNAME', 'SP_ADMIN_PASSWORD', 'STORAGE_PROTECT_PASSWORD', 'SP_CREDENTIALS_FILE'):
        monkeypatch.delenv(name, raising=False)
    messages = validate(params).error_messages
    assert any(error in message for message in messages), messages


def test_credentials_file_alone_is_valid(monkeypatch):
    monkeypatch.delenv('SP_ADMIN_PASSWORD', raising=False)
    monkeypatch.delenv('STORAGE_PROTECT_PASSWORD', raising=False)
    assert validate({'credentials_file': '/etc/sp/cred'}).error_messages == []


# --- safe command building ---------------------------------------------------------------------

def test_int_arg():
    assert int_arg(12, 'ids') == '12'
    assert int_arg('36,775', 'ids') == '36775'
    for bad in ('12; cancel process 1', -1, True, '', None, '1 2'):
        with pytest.raises(ValueError) as error:
            int_arg(bad, 'ids')
        assert str(error.value).startswith('ids: %r' % (bad,))


def test_server_name_arg():
    assert server_name_arg('SPOKE-2.lab_1') == 'SPOKE-2.lab_1'
    for bad in ('', '-se=X', 'A B', 'A,B', 'A:', 'hub;q', None):
        with pytest.raises(ValueError, match='is not a server name'):
            server_name_arg(bad)


def test_sql_string():
    assert sql_string("O'Brien", 'client_name') == "'O''Brien'"
    assert sql_string("x' OR '1'='1", 'client_name') == "'x'' OR ''1''=''1'"
    with pytest.raises(ValueError, match="client_name: 'a\\\\nb' contains a line break"):
        sql_string('a\nb', 'client_name')


def test_pattern_arg():
    assert pattern_arg('BACKUP*', 'description') == 'BACKUP*'
    assert pattern_arg('Space Reclamation', 'description') == '"Space Reclamation"'
    assert pattern_arg('Retention Set Copy', 'description') == '"Retention Set Copy"'
    # issue 11: routing prefixes, parentheses, SQL and command syntax are refused, not quoted
    for bad in ('say "hi"', "it's", 'a\nb', '  ', 'Offsite Volume(s)*', 'SPOKE1: cancel session all',
                '1; cancel session all', "%' OR 1=1", 'a,b', 'x=y', 'A' * 129):
        with pytest.raises(ValueError, match='description: '):
            pattern_arg(bad, 'description')


def test_route():
    assert route(['SPOKE1', 'SPOKE2', 'spoke1'], 'q sess') == 'SPOKE1,SPOKE2: q sess'
    assert route('SPOKE3', 'q proc') == 'SPOKE3: q proc'
    with pytest.raises(ValueError, match='route_to'):
        route([], 'q sess')
    with pytest.raises(ValueError, match="route_to: 'A B'"):
        route(['A B'], 'q sess')


def test_mask_secrets_in_nested_values():
    value = {'msg': 'pw=%s' % PASSWORD, 'rows': [{'k': PASSWORD}], 'n': 1}
    assert mask_secrets(value, [PASSWORD, None]) == {'msg': 'pw=********', 'rows': [{'k': '********'}], 'n': 1}
    assert mask_secrets('text', [None, '']) == 'text'


# --- argv --------------------------------------------------------------------------------------

def test_argv_with_password_never_carries_it():
    runner = Dsmadmc(path='/usr/bin/dsmadmc', server='SPOKE2', admin_id='admin', password=PASSWORD,
                     optfile='/etc/sp/dsm.opt')
    assert runner.argv('query session format=detailed') == [
        '/usr/bin/dsmadmc', '-se=SPOKE2', '-id=admin', '-optfile=/etc/sp/dsm.opt', '-dataonly=yes', '-noconfirm',
        '-displaymode=list', 'query session format=detailed']


@pytest.mark.parametrize('mode, flags', [
    ('list', ['-dataonly=yes', '-noconfirm', '-displaymode=list']),
    ('comma', ['-dataonly=yes', '-noconfirm', '-comma']),
    ('tab', ['-dataonly=yes', '-noconfirm', '-tab']),
    ('table', ['-dataonly=no', '-noconfirm', '-displaymode=table']),
])
def test_argv_per_mode_with_credentials_file(mode, flags):
    runner = Dsmadmc(credentials_file='/etc/sp/cred')
    assert runner.argv('select * from sessions', mode) == (
        ['dsmadmc', '-credentialsfile=/etc/sp/cred'] + flags + ['select * from sessions'])


@pytest.mark.parametrize('options, error', [
    (dict(password='a\nb', admin_id='x'), 'password: must not contain a line break'),
    (dict(password='p', admin_id='x', credentials_file='/c'), 'mutually exclusive'),
    (dict(admin_id='bad id'), 'admin_id'),
    (dict(server='A;B'), 'server:'),
    (dict(timeout=0), 'timeout'),
])
def test_runner_refuses_bad_options(options, error):
    with pytest.raises(ValueError, match=error):
        Dsmadmc(**options)


@pytest.mark.parametrize('command, error', [
    ('', 'empty'), ('q sess\ncancel sess all', 'line break'), ('-password=x q sess', 'starts with "-"'),
])
def test_runner_refuses_bad_commands(fake, command, error):
    with pytest.raises(ValueError, match=error):
        fake.runner().run(command)


# --- running -----------------------------------------------------------------------------------

def test_run_sends_password_on_stdin_only(fake, monkeypatch):
    monkeypatch.setenv('DSM_DIR', '/opt/sp')
    monkeypatch.setenv('DSM_CONFIG', '/opt/sp/dsm.opt')
    monkeypatch.setenv('LC_ALL', 'de_DE.UTF-8')
    monkeypatch.setenv('SP_ADMIN_PASSWORD', PASSWORD)
    fake.answer(fixture_text('q_sess_detailed_list.txt'))
    result = fake.runner().run('query session format=detailed')
    record = fake.record()
    assert record['argv'][1:] == ['-se=SPOKE2', '-id=admin', '-dataonly=yes', '-noconfirm', '-displaymode=list',
                                  'query session format=detailed']
    assert record['stdin'] == PASSWORD + '\n'
    assert no_password_in(record['argv'])
    env = record['env']
    assert (env['LC_ALL'], env['LANG'], env['DSM_DIR'], env['DSM_CONFIG']) == ('C', 'C', '/opt/sp', '/opt/sp/dsm.opt')
    assert env['PATH'] == os.environ['PATH']
    assert 'SP_ADMIN_PASSWORD' not in env
    assert (result.kind, result.rc, result.ok) == ('ok', 0, True)
    assert [row['Sess Number'] for row in result.rows] == ['29,057', '16']
    assert result.text == fixture_text('q_sess_detailed_list.txt')
    assert result.message_ids == ['ANS8001I']
    assert result.to_dict() == {
        'server': 'SPOKE2', 'command': 'query session format=detailed', 'argv': [fake.path] + record['argv'][1:],
        'rc': 0, 'kind': 'ok', 'message_ids': ['ANS8001I']}


def test_run_with_credentials_file_gives_the_client_no_stdin(fake):
    fake.answer(fixture_text('q_sess_tab.txt'))
    result = fake.runner(admin_id=None, password=None, credentials_file='/etc/sp/cred').run('q sess', 'tab')
    record = fake.record()
    assert record['stdin'] == ''
    assert record['argv'][1:3] == ['-se=SPOKE2', '-credentialsfile=/etc/sp/cred']
    assert result.rows == [['36,775', 'Tcp/Ip', 'Run', '0 S', '127', '165', 'Admin', 'Linux86', 'ALEX']]


def test_table_mode_parses_the_banner_capture(fake):
    fake.answer(fixture_text('q_sess_banner_table.txt'))
    result = fake.runner().run('q sess', 'table')
    assert '-dataonly=no' in fake.record()['argv']
    assert result.rows[0]['Platform'] == 'Linux x86-64'


def test_comma_mode_with_columns(fake):
    fake.answer(fixture_text('summary_comma.txt'))
    columns = ['ACTIVITY', 'ENTITY', 'SCHEDULE_NAME', 'BYTES', 'START_TIME', 'END_TIME']
    result = fake.runner().run('select ... from summary', 'comma', columns)
    assert result.rows[1]['BYTES'] == '2,096,671.99'


@pytest.mark.parametrize('name, rc', [('no_match.txt', 11), ('no_process.txt', 11)])
def test_empty_results_are_not_errors(fake, name, rc):
    fake.answer(fixture_text(name), rc=rc)
    result = fake.runner().run('q proc')
    assert (result.kind, result.rc, result.rows, result.ok) == ('empty', 11, [], True)
    assert result.message_ids[-1] == 'ANS8001I'


@pytest.mark.parametrize('name, rc, kind, ids, text', [
    ('auth_failed.txt', 137, 'auth_failed', ['ANS1051I', 'ANS8023E'],
     'dsmadmc could not log on to server SPOKE2 as admin (ANS1051I, ANS8023E, rc 137): Invalid user id or password.'),
    ('unreachable.txt', 206, 'unreachable', ['ANS1017E'],
     'dsmadmc could not reach server SPOKE2 (ANS1017E, rc 206): Session rejected: TCP/IP connection failure.'),
    ('unknown_stanza.txt', 1, 'unknown_server', ['ANS1217E'],
     'server SPOKE2 is not a stanza of the client system options file (dsm.sys) (ANS1217E, rc 1): '
     'Server name not found in System Options File. Check the server option'),
    ('quotes_not_matched.txt', 3, 'error', ['ANS1043S'],
     '"q sess" failed on server SPOKE2 (ANS1043S, rc 3, syntax error): Quotes are not matched.'),
])
def test_client_failures_are_classified(fake, name, rc, kind, ids, text):
    fake.answer(fixture_text(name), rc=rc)
    with pytest.raises(DsmadmcError) as caught:
        fake.runner().run('q sess')
    error = caught.value
    assert (error.kind, error.rc, error.server, error.command) == (kind, rc, 'SPOKE2', 'q sess')
    assert sorted(set(error.message_ids)) == sorted(set(ids + ['ANS8002I'] if name == 'auth_failed.txt' else ids))
    assert str(error).startswith(text)
    details = error.to_dict()
    assert details['msg'] == str(error)
    assert (details['kind'], details['rc'], details['server']) == (kind, rc, 'SPOKE2')
    assert no_password_in(details)


def test_unreachable_wins_over_the_generic_session_message(fake):
    fake.answer('ANS1017E Session rejected: TCP/IP connection failure.\n'
                'ANS8023E Unable to establish session with server.\n'
                'ANS8002I Highest return code was -50.\n', rc=206)
    with pytest.raises(DsmadmcError) as caught:
        fake.runner().run('q sess')
    assert caught.value.kind == 'unreachable'


@pytest.mark.parametrize('rc, output, kind, fragment', [
    (137, '', 'auth_failed', 'rc 137'),
    (9, 'ANR2000E Command failed - not authorized.\nANS8001I Return code 9.\n', 'not_authorized',
     'administrator admin may not run "cancel session 5" on server SPOKE2 (ANR2000E, rc 9, not authorized)'),
    (2, 'ANR2000E Unknown command - CANCEL SESSIONS.\nANS8001I Return code 2.\n', 'error', 'rc 2, unknown command'),
    (4, '', 'error', 'rc 4, error'),
])
def test_return_codes_are_classified(fake, rc, output, kind, fragment):
    fake.answer(output, rc=rc)
    with pytest.raises(DsmadmcError) as caught:
        fake.runner().run('cancel session 5')
    assert caught.value.kind == kind
    assert fragment in str(caught.value)


def test_stderr_is_the_detail_when_no_message_explains(fake):
    fake.answer('', rc=12, stderr='dsmadmc: cannot open dsmerror.log\n')
    with pytest.raises(DsmadmcError, match='rc 12, in use\\): dsmadmc: cannot open dsmerror.log'):
        fake.runner().run('q sess')


def test_reported_return_code_is_used_when_the_exit_status_says_zero(fake):
    fake.answer(fixture_text('no_match.txt'), rc=0)
    result = fake.runner().run('select * from processes')
    assert (result.kind, result.rc) == ('empty', 11)


def test_classify_directly():
    assert classify(0, []) == 'ok'
    assert classify(11, []) == 'empty'
    assert classify(4, [{'id': 'ANR2034E', 'severity': 'E', 'text': ''}]) == 'empty'
    assert classify(0, [], timed_out=True) == 'timeout'
    assert classify(-9, []) == 'error'


def test_password_printed_by_the_client_is_masked_everywhere(fake):
    fake.answer('ANR2017I Administrator ADMIN issued command: %s\n Label: %s\n' % (PASSWORD, PASSWORD))
    result = fake.runner().run('q sess')
    assert result.rows == [{'Label': '********'}]
    assert no_password_in(result.rows, result.messages, result.to_dict())
    fake.answer('ANR9999E Bad password %s.\n' % PASSWORD, rc=4, stderr='echo %s\n' % PASSWORD)
    with pytest.raises(DsmadmcError) as caught:
        fake.runner().run('q sess')
    assert 'Bad password ********.' in str(caught.value)
    assert no_password_in(str(caught.value), caught.value.to_dict())


def test_garbled_output_is_an_error_not_rubbish(fake):
    fake.answer(' Sess Number: 1\n%s\x01\x02garbage\n' % PASSWORD)
    with pytest.raises(DsmadmcError) as caught:
        fake.runner().run('q sess f=d')
    error = caught.value
    assert error.kind == 'garbled'
    assert 'could not be parsed' in str(error) and 'control characters' in str(error)
    assert no_password_in(str(error), error.to_dict())


def test_missing_client_is_reported(tmp_path):
    runner = Dsmadmc(path=str(tmp_path / 'nowhere' / 'dsmadmc'), admin_id='a', password=PASSWORD)
    with pytest.raises(DsmadmcError) as caught:
        runner.run('q sess')
    assert caught.value.kind == 'client_missing'
    assert 'dsmadmc could not be started' in str(caught.value)
    assert 'No such file' in str(caught.value)


def _gone(pid):
    try:
        with open('/proc/%d/stat' % pid) as handle:
            return handle.read().rsplit(')', 1)[1].split()[0] in ('Z', 'X')
    except (IOError, OSError):
        return True


def test_timeout_kills_the_whole_process_group(fake, monkeypatch):
    monkeypatch.setenv('FAKE_HANG', '1')
    started = time.time()
    with pytest.raises(DsmadmcError) as caught:
        fake.runner(timeout=0.5).run('q sess')
    assert time.time() - started < 5
    assert caught.value.kind == 'timeout'
    assert 'within 0.5 seconds; its process group was killed' in str(caught.value)
    with open(str(fake.home / 'pids')) as handle:
        pids = [int(pid) for pid in handle.read().split()]
    deadline = time.time() + 3
    while not all(_gone(pid) for pid in pids) and time.time() < deadline:
        time.sleep(0.05)
    assert all(_gone(pid) for pid in pids)


# --- routing -----------------------------------------------------------------------------------

ROUTED = '\n'.join([
    "ANR1699I Resolved SPOKE1,SPOKE2,SPOKE3,SPOKE4 to 4 server(s) - issuing command Q PROC against server(s).",
    "ANR1687I Output for command 'Q PROC' issued against server SPOKE1 follows:",
    "8\tMigration",
    "ANR1688I Output for command 'Q PROC' issued against server SPOKE1 completed.",
    "ANR1694I Server SPOKE1 processed command 'Q PROC' and completed successfully.",
    "ANR1687I Output for command 'Q PROC' issued against server SPOKE2 follows:",
    "ANR0944E QUERY PROCESS: No active processes found.",
    "ANR1688I Output for command 'Q PROC' issued against server SPOKE2 completed.",
    "ANR1695W Server SPOKE2 processed command 'Q PROC' but completed with warnings.",
    "ANR4373E Session rejected by target server SPOKE3, reason: Communication Failure.",
    "ANR1687I Output for command 'Q PROC' issued against server SPOKE4 follows:",
    "8\x07\x07",
    "ANR1688I Output for command 'Q PROC' issued against server SPOKE4 completed.",
    "ANR1694I Server SPOKE4 processed command 'Q PROC' and completed successfully.",
    "ANR1697I Command 'Q PROC' processed by 4 server(s):  2 successful, 1 with warnings, and 1 with errors.",
    "ANS8001I Return code 4.",
    "",
])


def test_run_routed_reports_each_target(fake):
    fake.answer(ROUTED, rc=4)
    results = fake.runner(server='HUB').run_routed(['SPOKE1', 'spoke2', 'SPOKE3', 'SPOKE4'], 'Q PROC', 'tab', ['ID', 'DESC'])
    assert fake.record()['argv'][-1] == 'SPOKE1,spoke2,SPOKE3,SPOKE4: Q PROC'
    by_server = dict((result.server, result) for result in results)
    assert [(name, by_server[name].kind, by_server[name].rc) for name in ('SPOKE1', 'SPOKE2', 'SPOKE3', 'SPOKE4')] == [
        ('SPOKE1', 'ok', 0), ('SPOKE2', 'empty', 11), ('SPOKE3', 'unreachable', 4), ('SPOKE4', 'garbled', 4)]
    assert by_server['SPOKE1'].rows == [{'ID': '8', 'DESC': 'Migration'}]
    assert by_server['SPOKE1'].text == '8\tMigration'
    spoke3 = by_server['SPOKE3']
    assert not spoke3.ok
    assert spoke3.error.server == 'SPOKE3'
    assert str(spoke3.error).startswith('dsmadmc could not reach server SPOKE3 (ANR4373E, rc 4): Session rejected')
    assert spoke3.error.msg.endswith('Check that the server runs and that the hub can reach it (QUERY SERVER on the hub).')
    assert spoke3.to_dict()['error'] == spoke3.error.msg
    assert 'control characters' in by_server['SPOKE4'].error.msg


ROUTED_FAILURES = '\n'.join([
    "ANR1699I Resolved SPOKE1,SPOKE2,SPOKE3 to 3 server(s) - issuing command q sess against server(s).",
    "ANR1687I Output for command 'q sess' issued against server SPOKE1 follows:",
    "2201~#~dEMR,",
    "ANR1688I Output for command 'q sess' issued against server SPOKE1 completed.",
    "ANR1694I Server SPOKE1 processed command 'q sess' and completed successfully.",
    "ANR1687I Output for command 'q sess' issued against server SPOKE2 follows:",
    "ANR8214E Session open with 127.0.0.1 failed due to connection refusal.",
    "ANR1688I Output for command 'q sess' issued against server SPOKE2 completed.",
    "ANR1696E Server SPOKE2 processed command 'q sess' but completed with errors.",
    "ANR1687I Output for command 'q sess' issued against server SPOKE3 follows:",
    "ANR0425W Session refused for administrator ADMIN - invalid password submitted.",
    "ANR1688I Output for command 'q sess' issued against server SPOKE3 completed.",
    "ANR1696E Server SPOKE3 processed command 'q sess' but completed with errors.",
    "ANR1697I Command 'q sess' processed by 3 server(s):  1 successful, 0 with warnings, and 2 with errors.",
    "ANS8001I Return code 4.",
    "",
])


def test_run_routed_classifies_the_hubs_own_connection_messages(fake):
    fake.answer(ROUTED_FAILURES, rc=4)
    results = fake.runner(server='HUB').run_routed(['SPOKE1', 'SPOKE2', 'SPOKE3'], 'q sess', 'comma',
                                                   ['SESSION_ID', 'STATE'], {'SESSION_ID': to_int})
    kinds = dict((result.server, result.kind) for result in results)
    assert kinds == {'SPOKE1': 'garbled', 'SPOKE2': 'unreachable', 'SPOKE3': 'auth_failed'}
    by_server = dict((result.server, result) for result in results)
    assert 'row 1, field SESSION_ID' in by_server['SPOKE1'].error.msg
    assert by_server['SPOKE2'].error.msg.startswith(
        'dsmadmc could not reach server SPOKE2 (ANR8214E, rc 4): Session open with 127.0.0.1 failed due to connection refusal.')
    assert by_server['SPOKE3'].error.msg == (
        'dsmadmc could not log on to server SPOKE3 as admin (ANR0425W, rc 4): Session refused for administrator ADMIN - '
        'invalid password submitted. Command routing needs the same administrator ID and password on every target server.')


def test_type_checks_turn_rubbish_values_into_a_garbled_error(fake):
    fake.answer('"3,301",SSL,SSLW,4.3 ~#~DRPPAS,XIA,edoN,0,0, M\n')
    runner = fake.runner()
    assert len(runner.run('q sess', 'comma').rows[0]) == 9
    with pytest.raises(DsmadmcError) as caught:
        runner.run('q sess', 'comma', checks={0: to_int, 3: parse_wait})
    assert caught.value.kind == 'garbled'
    assert "row 1, field 3: not a wait time: '4.3 ~#~DRPPAS'" in caught.value.msg


def test_run_routed_names_a_target_that_printed_nothing(fake):
    fake.answer(ROUTED.replace('4 server(s):  2 successful', '5 server(s):  2 successful'), rc=4)
    results = fake.runner(server='HUB').run_routed(['SPOKE1', 'SPOKE2', 'SPOKE3', 'SPOKE4', 'SPOKE5'], 'Q PROC', 'tab')
    [missing] = [result for result in results if result.server == 'SPOKE5']
    assert missing.kind == 'error'
    assert 'the routed reply has no output for this server' in missing.error.msg


def test_run_routed_to_a_group_name_reports_its_members(fake):
    fake.answer(fixture_text('routed_q_sched.txt'))
    [result] = fake.runner(server='HUB').run_routed(['ALLSPOKES'], 'QUERY SCHEDULE TYPE=a FORMAT=detailed')
    assert (result.server, result.kind) == ('ISP124', 'ok')
    assert result.rows[0]['Schedule Name'] == 'DAILY_DBB'


@pytest.mark.parametrize('output, rc, kind', [
    (fixture_text('unreachable.txt'), 206, 'unreachable'),
    (fixture_text('auth_failed.txt'), 137, 'auth_failed'),
    ('', 0, 'error'),
])
def test_run_routed_raises_when_the_hub_call_fails(fake, output, rc, kind):
    fake.answer(output, rc=rc)
    with pytest.raises(DsmadmcError) as caught:
        fake.runner(server='HUB').run_routed(['SPOKE1'], 'q sess')
    assert (caught.value.kind, caught.value.server) == (kind, 'HUB')


# --- from_module -------------------------------------------------------------------------------

class FakeModule(object):
    def __init__(self, params, found=None):
        self.params = params
        self.found = found

    def get_bin_path(self, name):
        return self.found

    def fail_json(self, **kwargs):
        raise SystemExit(kwargs)


def params(**overrides):
    values = dict(server='SPOKE1', admin_id='admin', password=PASSWORD, credentials_file=None,
                  dsmadmc_path='dsmadmc', optfile=None, timeout=30)
    values.update(overrides)
    return values


def test_from_module_finds_the_client_on_path():
    runner = Dsmadmc.from_module(FakeModule(params(), found='/usr/bin/dsmadmc'))
    assert (runner.path, runner.server, runner.timeout) == ('/usr/bin/dsmadmc', 'SPOKE1', 30)


def test_from_module_takes_a_full_path_as_given():
    runner = Dsmadmc.from_module(FakeModule(params(dsmadmc_path='/opt/emu/bin/dsmadmc')))
    assert runner.path == '/opt/emu/bin/dsmadmc'


def test_from_module_fails_when_the_client_is_missing():
    with pytest.raises(SystemExit) as caught:
        Dsmadmc.from_module(FakeModule(params()))
    assert caught.value.args[0]['kind'] == 'client_missing'
    assert 'SP_DSMADMC' in caught.value.args[0]['msg']


def test_from_module_fails_on_bad_options():
    with pytest.raises(SystemExit) as caught:
        Dsmadmc.from_module(FakeModule(params(server='A B'), found='/usr/bin/dsmadmc'))
    assert 'server:' in caught.value.args[0]['msg']


# --- against the emulated fleet (tests/emulator, installed in the venv as spemu) ---------------

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..', '..', '..'))
DEMO_FLEET = os.path.join(ROOT, 'tests', 'emulator', 'fleets', 'demo.yml')
SPEMU = os.path.join(os.path.dirname(sys.executable), 'spemu')


@pytest.fixture(scope='module')
def fleet(tmp_path_factory):
    """The demo fleet in a fresh home, clock frozen; names, versions, admin from the fleet file."""
    home = str(tmp_path_factory.mktemp('spemu'))
    subprocess.check_call([SPEMU, 'init', '--fleet', DEMO_FLEET, '--home', home, '--frozen'],
                          stdout=subprocess.DEVNULL)
    with open(DEMO_FLEET) as handle:
        spec = yaml.safe_load(handle)
    admin = [entry for entry in spec['defaults']['admins'] if 'SYSTEM' in entry['privileges']][0]
    servers = dict((server['name'], server) for server in spec['servers'])
    return dict(home=home, admin=admin, servers=servers,
                hub=[name for name, server in servers.items() if server.get('role') == 'hub'][0],
                spokes=[name for name, server in servers.items() if server.get('role') == 'spoke'])


@pytest.fixture
def emulated(fleet, monkeypatch):
    """A runner factory for the fleet, with DSM_DIR / DSM_CONFIG set as spemu init prints them."""
    home = fleet['home']
    for name, value in (('DSM_DIR', home), ('DSM_CONFIG', os.path.join(home, 'dsm.opt')), ('SPEMU_HOME', home)):
        monkeypatch.setenv(name, value)
    faulty = []

    def runner(server, **options):
        settings = dict(path=os.path.join(home, 'bin', 'dsmadmc'), server=server, admin_id=fleet['admin']['name'].lower(),
                        password=fleet['admin']['password'], timeout=20)
        settings.update(options)
        return Dsmadmc(**settings)

    def fault(server, kind):
        faulty.append(server)
        subprocess.check_call([SPEMU, 'fault', server, kind, '--home', home], stdout=subprocess.DEVNULL)

    runner.fault = fault
    yield runner
    for server in faulty:
        subprocess.check_call([SPEMU, 'fault', server, 'clear', '--home', home], stdout=subprocess.DEVNULL)


SESSION_CHECKS = {'Sess Number': to_int, 'Wait Time': parse_wait, 'Bytes Sent': parse_bytes, 'Bytes Recvd': parse_bytes}


def test_emulator_every_output_mode_gives_the_same_sessions(fleet, emulated):
    spoke = fleet['spokes'][0]
    runner = emulated(spoke)
    listed = runner.run('query session format=detailed', 'list', checks=SESSION_CHECKS).rows
    table = runner.run('query session', 'table', checks=SESSION_CHECKS).rows
    comma = runner.run('query session', 'comma').rows
    tab = runner.run('query session', 'tab').rows
    # each call has its own Admin session (a new number): leave the client's own session out
    admin = fleet['admin']['name']
    listed = [row for row in listed if row['Client Name'] != admin]
    table = [row for row in table if row['Client Name'] != admin]
    comma = [row for row in comma if row[-1] != admin]
    tab = [row for row in tab if row[-1] != admin]
    assert listed and len(listed) == len(table) == len(comma) == len(tab)
    for record, row, comma_row, tab_row in zip(listed, table, comma, tab):
        assert dict((label, record[label]) for label in row) == row
        assert comma_row == tab_row == list(row.values())
    assert any(' ' in row['Platform'] for row in table)     # wrapped in the table, joined back
    assert all(check_timestamp(record['Date/Time First Data Sent']) for record in listed
               if record['Date/Time First Data Sent'])


def test_emulator_query_status_names_the_server_and_version(fleet, emulated):
    spoke = fleet['spokes'][0]
    result = emulated(spoke).run('query status')
    assert result.rows[0]['Server Name'] == spoke
    version = str(fleet['servers'][spoke]['version']).split('.')
    assert 'Version %s, Release %s, Level %s' % tuple(version) in result.text


def test_emulator_nothing_found_and_unknown_command(fleet, emulated):
    old = [name for name in fleet['spokes'] if tuple(int(p) for p in str(fleet['servers'][name]['version']).split('.')) < (8, 1, 12)][0]
    runner = emulated(old)
    assert runner.run('query process 99999').kind == 'empty'
    with pytest.raises(DsmadmcError) as caught:
        runner.run('query nosuchthing')
    assert (caught.value.kind, caught.value.rc, caught.value.message_ids) == ('error', 2, ['ANR2000E', 'ANS8001I'])


def test_emulator_wrong_password(fleet, emulated):
    with pytest.raises(DsmadmcError) as caught:
        emulated(fleet['spokes'][0], password='wrong-' + PASSWORD).run('query session')
    assert (caught.value.kind, caught.value.rc) == ('auth_failed', 137)
    assert PASSWORD not in caught.value.msg


def test_emulator_routing_with_one_spoke_down_and_one_garbled(fleet, emulated):
    down, garbled = fleet['spokes'][1], fleet['spokes'][2]
    emulated.fault(down, 'down')
    emulated.fault(garbled, 'garble')
    with pytest.raises(DsmadmcError) as caught:
        emulated(down).run('query session')
    assert (caught.value.kind, caught.value.rc) == ('unreachable', 206)
    checks = {0: to_int, 3: parse_wait, 4: parse_bytes, 5: parse_bytes}     # every typed column
    results = emulated(fleet['hub']).run_routed(fleet['spokes'], 'query session', 'comma', checks=checks)
    kinds = dict((result.server, result.kind) for result in results)
    assert kinds == {fleet['spokes'][0]: 'ok', down: 'unreachable', garbled: 'garbled'}
    assert [result.rows for result in results if result.server == fleet['spokes'][0]][0]


def test_emulator_hang_is_killed_at_the_timeout(fleet, emulated):
    spoke = fleet['spokes'][0]
    emulated.fault(spoke, 'hang')
    started = time.time()
    with pytest.raises(DsmadmcError) as caught:
        emulated(spoke, timeout=1).run('query session')
    assert caught.value.kind == 'timeout'
    assert time.time() - started < 5


def test_emulator_routed_call_with_a_hanging_spoke_is_split_per_target(fleet, emulated):
    hanging = fleet['spokes'][0]
    emulated.fault(hanging, 'hang')
    hub = emulated(fleet['hub'], timeout=3)
    with pytest.raises(DsmadmcError) as caught:       # one call for all: the hanging spoke holds it up
        hub.run_routed(fleet['spokes'], 'query status')
    assert caught.value.kind == 'timeout'
    results = hub.run_routed(fleet['spokes'], 'query status', split_on_timeout=True)
    kinds = dict((result.server, result.kind) for result in results)
    assert kinds == dict((name, 'timeout' if name == hanging else 'ok') for name in fleet['spokes'])
    for result in results:
        assert result.command == '%s: query status' % result.server
        if result.ok:
            assert result.rows[0]['Server Name'] == result.server


def test_emulator_split_routed_call_still_raises_when_the_hub_hangs(fleet, emulated):
    emulated.fault(fleet['hub'], 'hang')
    with pytest.raises(DsmadmcError) as caught:
        emulated(fleet['hub'], timeout=1).run_routed(fleet['spokes'], 'query status', split_on_timeout=True)
    assert caught.value.kind == 'timeout'
    assert caught.value.command == ','.join(fleet['spokes']) + ': query status'   # the first call's timeout


# --- one sign-on for many commands (issue 10) ------------------------------------------------------

BATCH = [('QUERY STATUS', None), ('SELECT PROCESS_NUM, PROCESS FROM PROCESSES', None),
         ('SELECT * FROM PROCESSES WHERE PROCESS_NUM=999999', None), ('QUERY NOSUCHTHING', None)]


@pytest.mark.parametrize('width', [None, '40', '25'])
def test_emulator_batch_gives_each_command_its_own_answer_in_one_session(fleet, emulated, monkeypatch, width):
    if width:
        monkeypatch.setenv('SPEMU_CONSOLE_WIDTH', width)
    hub = fleet['hub']
    runner = emulated(hub)
    status, processes, nothing, unknown = runner.run_batch(BATCH + [])
    one_by_one = emulated(hub).run('SELECT PROCESS_NUM, PROCESS FROM PROCESSES')
    assert status.kind == 'ok' and status.rows[0]['Server Name'] == hub
    assert processes.kind == 'ok' and processes.rows == one_by_one.rows
    assert (nothing.kind, nothing.rc) == ('empty', 11)
    assert isinstance(unknown, DsmadmcError) and (unknown.kind, unknown.rc) == ('error', 2)
    assert 'ANR2000E' in unknown.message_ids
    # one client, one sign-on: the server logged all four commands in one session of its own
    rows = emulated(hub).run("SELECT SESSION, MESSAGE FROM ACTLOG WHERE MSGNO=2017 AND MESSAGE LIKE '%NOSUCHTHING%'").rows
    session = [row for row in rows if 'issued command: QUERY NOSUCHTHING' in row['MESSAGE']][-1]['SESSION']
    logged = emulated(hub).run("SELECT MESSAGE FROM ACTLOG WHERE MSGNO=2017 AND SESSION=%s" % session).rows
    assert len(logged) == 4


def test_emulator_batch_routes_each_command_and_reports_each_target(fleet, emulated):
    hub, spoke = fleet['hub'], fleet['spokes'][0]
    [routed, plain] = emulated(hub).run_batch([('QUERY STATUS', [hub, spoke, 'NOSUCHSERVER']),
                                               ('QUERY STATUS', None)])
    assert [(r.server.upper(), r.kind) for r in routed] == [(hub, 'ok'), (spoke, 'ok'), ('NOSUCHSERVER', 'error')]
    assert plain.kind == 'ok'


def test_emulator_batch_that_cannot_sign_on_raises(fleet, emulated):
    with pytest.raises(DsmadmcError) as caught:
        emulated(fleet['spokes'][0], password='wrong-' + PASSWORD).run_batch(BATCH)
    assert caught.value.kind == 'auth_failed'
    assert PASSWORD not in caught.value.msg


def test_batch_sends_the_password_then_the_commands_on_stdin(fake):
    fake.answer("ANS8000I Server command: 'q sess'.\nANR2034E SELECT: No match found using this criteria.\n"
                "ANS8001I Return code 11.\nANS8000I Server command: 'q proc'.\n  Process Number: 5\n")
    [sessions, processes] = fake.runner().run_batch([('q sess', None), ('q proc', None)])
    assert (sessions.kind, processes.rows) == ('empty', [{'Process Number': '5'}])
    call = fake.record()
    assert call['stdin'].split('\n') == [PASSWORD, 'q sess', 'q proc', 'QUIT', '']
    assert '-dataonly=no' in call['argv'] and 'q sess' not in call['argv']


def test_batch_echo_of_a_command_routed_to_many_servers_wrapped_over_many_lines(fake):
    """The echo of a routed command to 400 servers fills hundreds of console lines: its answer
    starts after the echo's last line, wherever that is."""
    names = ','.join('SERVER%03d' % n for n in range(400))
    echo = "ANS8000I Server command: '%s: QUERY STATUS'." % names
    wrapped = '\n'.join(echo[i:i + 40] for i in range(0, len(echo), 40))
    assert wrapped.count('\n') > 64
    fake.answer(wrapped + "\n  Process Number: 7\n\nANS8000I Server command: 'q sess'.\n"
                "ANR2034E SELECT: No match found using this criteria.\nANS8001I Return code 11.\n")
    [first, second] = fake.runner().run_batch([('q proc', None), ('q sess', None)])
    assert first.rows == [{'Process Number': '7'}] and (second.kind, second.rc) == ('empty', 11)


def test_lazy_batch_parses_each_answer_only_when_asked(fake):
    fake.answer("ANS8000I Server command: 'q sess'.\nANR2034E SELECT: No match found using this criteria.\n"
                "ANS8001I Return code 11.\nANS8000I Server command: 'q proc'.\n  Process Number: 5\n")
    eager = fake.runner().run_batch([('q sess', None), ('q proc', None)])
    lazy = fake.runner().run_batch([('q sess', None), ('q proc', None)], lazy=True)
    assert all(callable(entry) for entry in lazy)
    resolved = [entry() for entry in lazy]
    assert [(r.kind, r.rc, r.rows) for r in resolved] == [(r.kind, r.rc, r.rows) for r in eager]
    assert resolved[1].rows == [{'Process Number': '5'}]
