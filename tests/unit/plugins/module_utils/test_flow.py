"""The one flow (read, plan, refuse, check mode, act, wait, read again) against stand-in servers.

FakeServers plays dsmadmc for the real Fleet: it answers the flows' reads from a per-server state
(rows as the server prints them) and applies the action commands through rules the tests give,
so each test says what the server does and asserts on what the flow sent and reported.
"""
import contextlib
import types

import pytest

from ansible_collections.spectrum_protect.operations.plugins.module_utils._dsmadmc import (
    DsmadmcError, DsmadmcResult)
from ansible_collections.spectrum_protect.operations.plugins.module_utils._fleet import Fleet
from ansible_collections.spectrum_protect.operations.plugins.module_utils._actlog import (
    parse_cancel, requested_cancels)
from ansible_collections.spectrum_protect.operations.plugins.module_utils._flow import (
    FlowError, JobFlow, ProcessFlow, SessionFlow)
from ansible_collections.spectrum_protect.operations.plugins.module_utils._waiter import NoWaiter, Waiter

NOW = '2024-04-22 09:38:27.000000'
VERSIONS = {'HUB1': '21', 'SPOKE1': '17', 'SPOKE3': '10'}


def session(number, state, client='WEB01', kind='Node', start='2024-04-22 09:00:00.000000', wait=60):
    return {'SESSION_ID': str(number), 'STATE': state, 'SESSION_TYPE': kind, 'CLIENT_NAME': client,
            'START_TIME': start, 'WAIT_SECONDS': str(wait), 'COMMMETHOD': 'Tcp/Ip', 'SERVER_TIME': NOW}


def process(number, description='Migration', job=None, parent=None):
    return {'PROCESS_NUM': str(number), 'PROCESS': description, 'START_TIME': '2024-04-22 08:00:00.000000',
            'JOB_ID': '' if job is None else str(job), 'PARENT_PROCESS': '' if parent is None else str(parent),
            'STATUS': 'working', 'SERVER_TIME': NOW}


def job(number, status, kind='RETENTION', name=None):
    return {'Job Id': str(number), 'Job Type': kind, 'Job Name': name or 'RETSET_%d_COPY' % number,
            'Begin Date/Time': '04/22/2024 08:00:00', 'End Date/Time': '', 'Status': status}


def logged(command, when='2024-04-22 09:30:00.000000', session_number=77):
    return {'DATE_TIME': when,
            'MESSAGE': 'ANR2017I Administrator ADMIN issued command: %s  (SESSION: %d)' % (command, session_number)}


class FakeServers:
    """The client a Fleet uses: run / run_routed over per-server state; `rules` apply actions."""

    def __init__(self, state, rules=None, server='HUB1', down=()):
        self.state = state
        self.rules = rules or {}
        self.server = server
        self.down = set(down)
        self.sent = []            # (server, command) of every changing command
        self.batches = []         # the commands of every session of many (run_batch)
        self.conversations = 0    # runs that kept one client signed on (conversing)

    @contextlib.contextmanager
    def conversing(self, mode='list'):
        """The flow keeps one client for its run; these fake servers answer every call alike."""
        self.conversations += 1
        yield types.SimpleNamespace(why=None, outside=0)

    def answer(self, name, command):
        srv = self.state[name]
        if command == 'QUERY STATUS':
            return [{'Server Name': name}], 'Storage Management Server - Version 8, Release 1, Level %s.000' % (
                VERSIONS.get(name, '21'))
        main = command.split(' WHERE ')[0]      # the table a SELECT reads, not its subqueries'
        if 'FROM SESSIONS' in main:
            return [dict(r) for r in srv.get('sessions', [])], ''
        if 'FROM PROCESSES' in main:
            return [dict(r) for r in srv.get('processes', [])], ''
        if command.startswith('QUERY JOB'):
            return [dict(r) for r in srv.get('jobs', [])], ''
        if 'FROM ACTLOG' in main:
            return [dict(r) for r in srv.get('log', [])], ''
        if command == 'QUERY REQUEST':
            return [], ''
        self.sent.append((name, command))
        verb = ' '.join(command.split()[:2])
        rule = self.rules.get(verb)
        rc = rule(srv, int(command.split()[2]) if command.split()[2].isdigit() else command.split()[2]) if rule else 0
        if rc == 4:
            raise DsmadmcError('"%s" failed on server %s (ANR3862E, rc 4, error)' % (command, name), 'error',
                               server=name, rc=4, command=command)
        return None, rc

    def result(self, name, command, routed):
        rows, extra = self.answer(name, command)
        shown = '%s: %s' % (name, command) if routed else command
        if rows is None:
            kind = 'empty' if extra == 11 else 'ok'
            return DsmadmcResult(name if routed else None, shown, [], extra, kind, [], [])
        kind = 'ok' if rows or command == 'QUERY STATUS' else 'empty'
        return DsmadmcResult(name if routed else None, shown, [], 0, kind, rows, [], text=extra)

    def run(self, command, mode='list', columns=None, checks=None):
        if self.server in self.down:
            raise DsmadmcError('dsmadmc could not reach server %s (ANS1017E, rc -50)' % self.server,
                               'unreachable', server=self.server, rc=-50)
        return self.result(self.server, command, False)

    def run_batch(self, queries, mode='list', lazy=False, split_on_timeout=False, sent=None):
        """One session: a server (or hub) that is down fails it as a whole, as a sign-on would.
        Answers are parsed at once (lazy is a memory saving of the real client); no target hangs
        here, so nothing is split."""
        if sent is not None:
            sent.extend(query[0] if query[1] is None else '%s: %s' % (','.join(query[1]), query[0]) for query in queries)
        if self.server in self.down:
            raise DsmadmcError('dsmadmc could not reach server %s (ANS1017E, rc -50)' % self.server,
                               'unreachable', server=self.server, rc=-50)
        self.batches.append([query[0] for query in queries])
        out = []
        for query in queries:
            command, targets = query[0], query[1]
            try:
                out.append(self.run(command) if targets is None else self.run_routed(targets, command))
            except DsmadmcError as error:
                out.append(error)
        return out

    def run_routed(self, servers, command, mode='list', columns=None, checks=None, split_on_timeout=False):
        out = []
        for name in servers:
            if name in self.down:
                error = DsmadmcError('dsmadmc could not reach server %s (ANR8214E, rc 4)' % name, 'unreachable',
                                     server=name, rc=4)
                out.append(DsmadmcResult(name, command, [], 4, 'unreachable', [], [], error))
                continue
            try:
                out.append(self.result(name, command, True))
            except DsmadmcError as error:
                out.append(DsmadmcResult(name, command, [], 4, 'error', [], [], error))
        return out


def drop(table, key):
    def rule(srv, number):
        before = len(srv[table])
        srv[table] = [r for r in srv[table] if r[key] != str(number)]
        return 0 if len(srv[table]) < before else 11
    return rule


def to_state(state):
    def rule(srv, number):
        for row in srv.get('sessions', []):
            if row['SESSION_ID'] == str(number):
                row['STATE'] = state
        return 0
    return rule


def set_job(status):
    def rule(srv, number):
        for row in srv['jobs']:
            if row['Job Id'] == str(number):
                row['Status'] = status
        return 0
    return rule


def params(**kwargs):
    base = {'state': 'cancelled', 'id': None, 'ids': None, 'max_tasks': 50, 'route_to': None,
            'client_name': None, 'session_type': None, 'states': None, 'min_wait_seconds': None,
            'all_node_sessions': None, 'description': None, 'job_id': None, 'parent_process': None,
            'name': None, 'job_type': None, 'confirm_terminate': False, 'cancel_mount_request': True}
    base.update(kwargs)
    return base


def run_flow(flow_class, client, check=False, waiter=None, admin_id='ADMIN', **options):
    p = params(**options)
    fleet = Fleet(client, route_to=p['route_to'], server=client.server)
    flow = flow_class(fleet, p, check, waiter or NoWaiter(), admin_id=admin_id)
    return flow, flow.run()


# --- sessions ---------------------------------------------------------------------------------

def idle_fleet():
    return {'SPOKE1': {'sessions': [session(2203, 'IdleW', 'LAPTOP17'), session(2202, 'RecvW'),
                                    session(2201, 'MediaW', 'EXCH01')]}}


def test_check_mode_plans_and_sends_nothing():
    client = FakeServers(idle_fleet(), {'CANCEL SESSION': drop('sessions', 'SESSION_ID')}, server='SPOKE1')
    _flow, result = run_flow(SessionFlow, client, check=True, id=2203)
    assert client.sent == []
    assert result['changed'] is True
    assert [(c['server'], c['id'], c['command']) for c in result['cancelled']] == [('SPOKE1', 2203,
                                                                                    'CANCEL SESSION 2203')]
    assert result['diff'] == {'before': {'SPOKE1': {'session 2203': 'Idle wait'}},
                              'after': {'SPOKE1': {'session 2203': 'ended'}}}
    assert result['tasks'][0]['plan'] == 'act' and 'would have cancelled 1' in result['msg']
    assert 'waited' not in result


def test_cancel_then_again_is_no_change():
    client = FakeServers(idle_fleet(), {'CANCEL SESSION': drop('sessions', 'SESSION_ID')}, server='SPOKE1')
    _flow, first = run_flow(SessionFlow, client, id=2203)
    assert client.sent == [('SPOKE1', 'CANCEL SESSION 2203')]
    assert first['changed'] is True and first['pending'] == []
    assert first['tasks'][0]['state_after'] == 'ended'
    _flow, second = run_flow(SessionFlow, client, id=2203)
    assert client.sent == [('SPOKE1', 'CANCEL SESSION 2203')]          # nothing more was sent
    assert second['changed'] is False and second['not_found'] == [2203]
    assert second['msg'].startswith('Nothing found')


def test_a_running_session_stays_pending_and_is_not_cancelled_twice():
    state = {'HUB1': {'sessions': [session(1101, 'Run', 'FILESRV01')], 'log': []}}

    def cancel(srv, number):    # the server accepts; the command log records it; the session runs on
        srv['log'].append(logged('CANCEL SESSION %d' % number))
        return 0
    client = FakeServers(state, {'CANCEL SESSION': cancel})
    _flow, first = run_flow(SessionFlow, client, id=1101)
    assert first['changed'] is True
    assert first['pending'][0]['id'] == 1101 and 'Send wait, SSL wait' in first['pending'][0]['reason']
    _flow, second = run_flow(SessionFlow, client, id=1101)
    assert len(client.sent) == 1 and second['changed'] is False
    assert second['pending'][0]['state'] == 'Running'
    assert second['tasks'][0]['reason'].endswith('a cancel was already requested and is under way')


@pytest.mark.parametrize('log_server,command,counts', [
    ('HUB1', 'HUB1: CANCEL SESSION 1101', True),            # routed from the hub to itself
    ('HUB1', 'SPOKE1: CANCEL SESSION 1101', False),         # the hub's log of a command for a spoke
    ('HUB1', '(HUB1,SPOKE1) can sess 1101', True),
    ('HUB1', 'CANCEL SESSION ALL', True),                   # a node session
    ('HUB1', 'CANCEL SESSION 1102', False),
    ('HUB1', 'CANCEL PROCESS 1101', False),
])
def test_an_earlier_cancel_is_read_from_the_command_log(log_server, command, counts):
    state = {'HUB1': {'sessions': [session(1101, 'Run', 'FILESRV01')], 'log': [logged(command)]}}
    client = FakeServers(state)
    _flow, result = run_flow(SessionFlow, client, check=True, id=1101)
    assert (result['tasks'][0]['plan'] == 'none') is counts
    assert result['changed'] is (not counts)


def test_a_cancel_logged_before_the_session_started_does_not_count():
    state = {'HUB1': {'sessions': [session(1101, 'Run', start='2024-04-22 09:35:00.000000')],
                      'log': [logged('CANCEL SESSION 1101', when='2024-04-22 09:00:00.000000')]}}
    _flow, result = run_flow(SessionFlow, FakeServers(state), check=True, id=1101)
    assert result['tasks'][0]['plan'] == 'act'


def test_the_module_never_cancels_its_own_read_session():
    state = {'HUB1': {'sessions': [session(1103, 'IdleW', 'ADMIN', 'Admin'),
                                   session(1200, 'Run', 'ADMIN', 'Admin', start=NOW)]}}
    _flow, result = run_flow(SessionFlow, FakeServers(state), check=True, session_type='Admin')
    assert [t['id'] for t in result['tasks']] == [1103]


def test_the_modules_own_session_stays_its_own_in_later_reads():
    """The run keeps one client signed on (a conversation): a minute after the plan's read its
    own session no longer started 'just now', and must still be neither a task nor mistaken for
    the cancelled Idle-wait session of the same administrator coming back."""
    state = {'HUB1': {'sessions': [session(1103, 'IdleW', 'ADMIN', 'Admin'),
                                   session(1200, 'Run', 'ADMIN', 'Admin', start=NOW)]}}

    def cancel_a_minute_later(srv, number):
        srv['sessions'] = [r for r in srv['sessions'] if r['SESSION_ID'] != str(number)]
        for row in srv['sessions']:
            row['SERVER_TIME'] = '2024-04-22 09:39:27.000000'
        return 0
    client = FakeServers(state, {'CANCEL SESSION': cancel_a_minute_later})
    flow, result = run_flow(SessionFlow, client, id=1103)
    assert client.sent == [('HUB1', 'CANCEL SESSION 1103')] and client.conversations == 1
    assert result['reestablished'] == [] and not any('re-established' in w for w in flow.warnings)
    assert [t['id'] for t in result['tasks']] == [1103] and result['tasks'][0]['state_after'] == 'ended'
    assert flow.own_sessions == {('HUB1', 1200)}


def test_max_tasks_refuses_before_anything_is_sent_and_names_the_counts():
    state = {'HUB1': {'sessions': [session(n, 'IdleW') for n in range(1, 5)]},
             'SPOKE1': {'sessions': [session(n, 'IdleW') for n in range(1, 4)]}}
    client = FakeServers(state, {'CANCEL SESSION': drop('sessions', 'SESSION_ID')})
    with pytest.raises(FlowError) as info:
        run_flow(SessionFlow, client, route_to=['HUB1', 'SPOKE1'], states=['idle wait'], max_tasks=6)
    assert client.sent == []
    assert '7 sessions match (HUB1 4, SPOKE1 3)' in info.value.msg and 'max_tasks=6' in info.value.msg
    assert info.value.result['changed'] is False
    assert all(t['state_after'] == t['state_before'] for t in info.value.result['tasks'])


def test_one_server_down_the_others_are_cancelled_and_the_run_fails():
    state = {'HUB1': {'sessions': [session(1, 'IdleW')]}, 'SPOKE1': {'sessions': [session(2, 'IdleW')]},
             'SPOKE3': {'sessions': [session(3, 'IdleW')]}}
    client = FakeServers(state, {'CANCEL SESSION': drop('sessions', 'SESSION_ID')}, down=['SPOKE1'])
    with pytest.raises(FlowError) as info:
        run_flow(SessionFlow, client, route_to=['HUB1', 'SPOKE1', 'SPOKE3'], states=['Idle wait'])
    assert client.sent == [('HUB1', 'CANCEL SESSION 1'), ('SPOKE3', 'CANCEL SESSION 3')]
    assert 'SPOKE1' in info.value.msg and 'ANR8214E' in info.value.msg
    result = info.value.result
    assert result['changed'] is True and [c['id'] for c in result['cancelled']] == [1, 3]
    report = dict((s['name'], s) for s in result['servers'])['SPOKE1']
    assert report['reachable'] is False


def test_a_session_gone_before_the_command_is_not_a_change():
    state = {'SPOKE1': {'sessions': [session(5, 'IdleW')]}}
    client = FakeServers(state, {'CANCEL SESSION': lambda srv, n: 11}, server='SPOKE1')
    _flow, result = run_flow(SessionFlow, client, id=5)
    assert client.sent == [('SPOKE1', 'CANCEL SESSION 5')]
    assert result['changed'] is False and result['cancelled'] == []


def test_all_node_sessions_is_one_command_per_server_for_node_sessions_only():
    state = {'HUB1': {'sessions': [session(1, 'IdleW'), session(2, 'RecvW'), session(3, 'IdleW', 'OC', 'Admin')]},
             'SPOKE1': {'sessions': [session(4, 'SendW')]}}

    def cancel_all(srv, _word):
        srv['sessions'] = [r for r in srv['sessions'] if r['SESSION_TYPE'] != 'Node']
        return 0
    client = FakeServers(state, {'CANCEL SESSION': cancel_all})
    _flow, result = run_flow(SessionFlow, client, route_to=['HUB1', 'SPOKE1'], all_node_sessions=True)
    assert client.sent == [('HUB1', 'CANCEL SESSION ALL'), ('SPOKE1', 'CANCEL SESSION ALL')]
    assert sorted(c['id'] for c in result['cancelled']) == [1, 2, 4]
    assert result['changed'] is True and result['pending'] == []


def test_all_node_sessions_with_another_selector_is_refused():
    with pytest.raises(ValueError) as info:
        run_flow(SessionFlow, FakeServers(idle_fleet(), server='SPOKE1'), all_node_sessions=True, client_name='X*')
    assert 'all_node_sessions' in str(info.value) and 'client_name' in str(info.value)


def test_no_selector_is_refused():
    with pytest.raises(ValueError) as info:
        run_flow(SessionFlow, FakeServers(idle_fleet(), server='SPOKE1'))
    assert 'one of these options is required' in str(info.value)


@pytest.mark.parametrize('option,value', [('states', ['Snoozing']), ('client_name', 'A"B'),
                                          ('min_wait_seconds', -5), ('max_tasks', 0), ('id', -1)])
def test_bad_input_names_the_option_and_value(option, value):
    client = FakeServers(idle_fleet(), server='SPOKE1')
    with pytest.raises(ValueError) as info:
        run_flow(SessionFlow, client, **{option: value, 'session_type': 'Node'})
    assert option.split('_')[0] in str(info.value) and str(value).strip('[]\'') in str(info.value)
    assert client.sent == []


def test_filters_select_by_state_client_and_wait():
    state = {'SPOKE1': {'sessions': [session(1, 'MediaW', 'EXCH01', wait=4000), session(2, 'MediaW', wait=30),
                                     session(3, 'IdleW', 'EXCH02', wait=5000)]}}
    _flow, result = run_flow(SessionFlow, FakeServers(state, server='SPOKE1'), check=True,
                             states=['media WAIT'], min_wait_seconds=3600)
    assert [t['id'] for t in result['tasks']] == [1]
    _flow, result = run_flow(SessionFlow, FakeServers(state, server='SPOKE1'), check=True, client_name='exch*')
    assert [t['id'] for t in result['tasks']] == [1, 3]


class Clock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.now += seconds


def test_wait_until_ended_and_report_a_reestablished_session():
    state = {'SPOKE1': {'sessions': [session(2203, 'IdleW', 'LAPTOP17'), session(2202, 'Run', 'WEB01')],
                        'log': []}}
    polls = []

    def cancel(srv, number):
        if number == 2203:
            srv['sessions'] = [r for r in srv['sessions'] if r['SESSION_ID'] != '2203']
        return 0

    class Waiting(Waiter):      # the server moves on between two polls
        def wait(self, poll, done, pending):
            def stepping():
                polls.append(1)
                if len(polls) == 2:      # the client sends again: a new session; the running one ends
                    state['SPOKE1']['sessions'] = [session(2210, 'Start', 'LAPTOP17')]
                return poll()
            return Waiter.wait(self, stepping, done, pending)
    clock = Clock()
    client = FakeServers(state, {'CANCEL SESSION': cancel}, server='SPOKE1')
    flow, result = run_flow(SessionFlow, client, ids=[2203, 2202],
                            waiter=Waiting(60, 2, sleep=clock.sleep, clock=clock))
    assert result['pending'] == [] and result['waited'] == {'seconds': 2, 'polls': 2}
    assert result['reestablished'] == [{'server': 'SPOKE1', 'id': 2210, 'replaces': 2203,
                                        'client_name': 'LAPTOP17', 'state': 'Starting'}]
    assert any('re-established' in w and '2210' in w for w in flow.warnings)


def test_wait_timeout_names_the_sessions_still_open_and_their_states():
    state = {'HUB1': {'sessions': [session(1101, 'Run', 'FILESRV01'), session(1102, 'MediaW', 'DB2')], 'log': []}}
    clock = Clock()
    client = FakeServers(state, {'CANCEL SESSION': lambda srv, n: 0})
    with pytest.raises(FlowError) as info:
        run_flow(SessionFlow, client, ids=[1101, 1102], waiter=Waiter(10, 3, sleep=clock.sleep, clock=clock))
    msg = info.value.msg
    assert 'wait_timeout: after 10 seconds' in msg
    assert 'session 1101 of FILESRV01 on HUB1 (Running)' in msg and 'session 1102 of DB2 on HUB1 (Media wait)' in msg
    assert [p['id'] for p in info.value.result['pending']] == [1101, 1102]
    assert info.value.result['changed'] is True


# --- processes --------------------------------------------------------------------------------

def job_fleet():
    return {'HUB1': {'processes': [process(510, 'Retention Set Copy', job=7), process(511, 'Retention Set Copy', 7, 510),
                                   process(710, 'Storage Rule Copy', job=31), process(505, 'Space Reclamation')],
                     'jobs': [job(7, 'RUNNING'), job(31, 'RUNNING', 'COPY', 'REPL_RULE')], 'log': []}}


def test_cancelling_a_retention_jobs_process_warns_and_returns_the_job():
    state = job_fleet()

    def cancel(srv, number):
        srv['processes'] = [p for p in srv['processes'] if p['PROCESS_NUM'] != str(number)]
        if number in (510, 511):
            srv['jobs'][0]['Status'] = 'INTERRUPTED'
        return 0
    client = FakeServers(state, {'CANCEL PROCESS': cancel})
    flow, check = run_flow(ProcessFlow, client, check=True, job_id=7)
    assert client.sent == []
    assert [(j['id'], j['by_process']) for j in check['interrupted_jobs']] == [(7, 510)]
    assert 'interrupted when process 510 ends' in check['interrupted_jobs'][0]['state']
    assert any('interrupts retention job 7' in w for w in flow.warnings)
    flow, result = run_flow(ProcessFlow, client, job_id=7)
    assert client.sent == [('HUB1', 'CANCEL PROCESS 510'), ('HUB1', 'CANCEL PROCESS 511')]
    assert [(j['id'], j['state']) for j in result['interrupted_jobs']] == [(7, 'Interrupted')]
    assert all('interrupts the job' in t['notes'][0] for t in result['tasks'])


def test_a_storage_rule_jobs_process_is_cancelled_and_its_job_goes_on():
    client = FakeServers(job_fleet(), {'CANCEL PROCESS': drop('processes', 'PROCESS_NUM')})
    flow, result = run_flow(ProcessFlow, client, id=710)
    assert client.sent == [('HUB1', 'CANCEL PROCESS 710')]
    assert result['interrupted_jobs'] == [] and flow.warnings == []
    assert 'the job goes on' in result['tasks'][0]['notes'][0]


def test_processes_by_description_and_parent():
    client = FakeServers(job_fleet())
    _flow, result = run_flow(ProcessFlow, client, check=True, description='space*')
    assert [t['id'] for t in result['tasks']] == [505]
    _flow, result = run_flow(ProcessFlow, client, check=True, parent_process=510)
    assert [t['id'] for t in result['tasks']] == [511]


def test_a_process_cancel_under_way_is_not_sent_again():
    state = job_fleet()
    state['HUB1']['log'] = [logged('HUB1: CANCEL PROCESS 505')]
    client = FakeServers(state, {'CANCEL PROCESS': drop('processes', 'PROCESS_NUM')})
    _flow, result = run_flow(ProcessFlow, client, id=505)
    assert client.sent == [] and result['changed'] is False
    assert result['pending'][0]['id'] == 505


# --- jobs -------------------------------------------------------------------------------------

def jobs_fleet():
    return {'SPOKE1': {'jobs': [job(21, 'RUNNING'), job(22, 'SLEEPING', 'COPY', 'COPY_DR'), job(23, 'INTERRUPTED'),
                                dict(job(24, 'TERMINATED'), **{'End Date/Time': '04/22/2024 06:00:00'})],
                       'processes': [process(604, 'Retention Set Copy', 21), process(605, 'Retention Set Copy', 21),
                                     process(601, 'Migration')]},
            'SPOKE3': {'processes': []}}


def interrupt(srv, number):
    for row in srv['jobs']:
        if row['Job Id'] == str(number):
            row['Status'] = 'INTERRUPTED'
    srv['processes'] = [p for p in srv['processes'] if p['JOB_ID'] != str(number)]
    return 0


def test_interrupt_retention_jobs_returns_the_processes_that_stopped():
    client = FakeServers(jobs_fleet(), {'INTERRUPT JOB': interrupt}, server='SPOKE1')
    _flow, result = run_flow(JobFlow, client, state='interrupted', job_type='RETENTION')
    assert client.sent == [('SPOKE1', 'INTERRUPT JOB 21')]
    assert [j['id'] for j in result['interrupted']] == [21]
    assert [(t['id'], t['plan']) for t in result['tasks']] == [(21, 'act'), (23, 'none')]
    assert sorted(p['id'] for p in result['stopped_processes']) == [604, 605]
    assert result['diff']['after'] == {'SPOKE1': {'job 21': 'Interrupted', 'job 23': 'Interrupted'}}
    _flow, again = run_flow(JobFlow, client, state='interrupted', job_type='RETENTION')
    assert len(client.sent) == 1 and again['changed'] is False


def test_interrupting_is_waited_for_until_the_children_are_gone():
    state = jobs_fleet()
    client = FakeServers(state, {'INTERRUPT JOB': set_job('INTERRUPTING')}, server='SPOKE1')
    clock = Clock()
    with pytest.raises(FlowError) as info:
        run_flow(JobFlow, client, state='interrupted', id=21, waiter=Waiter(4, 2, sleep=clock.sleep, clock=clock))
    assert 'job 21 (RETSET_21_COPY) on SPOKE1 (being interrupted (INTERRUPTING)) with processes 604, 605 still running' \
        in info.value.msg


def test_impossible_transitions_fail_before_anything_is_sent():
    client = FakeServers(jobs_fleet(), {'INTERRUPT JOB': interrupt}, server='SPOKE1')
    with pytest.raises(FlowError) as info:
        run_flow(JobFlow, client, state='interrupted', ids=[21, 24, 22])
    assert client.sent == []          # job 21 could be interrupted, but nothing is sent while 24 and 22 cannot
    assert 'job 24 (RETSET_24_COPY) on SPOKE1 is Terminated' in info.value.msg
    assert 'job 22 (COPY_DR) on SPOKE1 is a COPY storage-rule job, Sleeping' in info.value.msg
    assert [t['plan'] for t in info.value.result['tasks']] == ['act', 'impossible', 'impossible']


def test_by_filters_only_active_jobs_unless_states_names_finished_ones():
    client = FakeServers(jobs_fleet(), server='SPOKE1')
    _flow, result = run_flow(JobFlow, client, check=True, state='resumed', name='RETSET_*')
    assert [t['id'] for t in result['tasks']] == [21, 23]
    with pytest.raises(FlowError):
        run_flow(JobFlow, client, check=True, state='resumed', states=['Terminated'])


def test_servers_before_8112_fail_clearly_and_get_no_job_command():
    client = FakeServers(jobs_fleet(), {'RESUME JOB': set_job('SLEEPING')})
    with pytest.raises(FlowError) as info:
        run_flow(JobFlow, client, state='resumed', route_to=['SPOKE1', 'SPOKE3'], id=23)
    assert client.sent == [('SPOKE1', 'RESUME JOB 23')]
    assert 'SPOKE3 runs V8.1.10' in info.value.msg and '8.1.12' in info.value.msg
    # QUERY JOB went to every target in the one read session, before any version was known; what
    # SPOKE3 answered is not read, and no changing job command ever goes to it
    assert client.batches[0][:2] == ['QUERY STATUS', 'QUERY JOB STATUS=ANY']
    assert not any('SPOKE3' in c and c.split(': ')[-1].split()[0] in ('INTERRUPT', 'RESUME', 'TERMINATE')
                   for c in info.value.result['commands'])


def test_terminate_needs_confirm_terminate():
    client = FakeServers(jobs_fleet(), server='SPOKE1')
    with pytest.raises(ValueError) as info:
        run_flow(JobFlow, client, state='terminated', id=21)
    assert 'confirm_terminate' in str(info.value)
    assert client.sent == []


def test_a_job_command_that_fails_is_reported_with_rc_and_message_ids():
    client = FakeServers(jobs_fleet(), {'INTERRUPT JOB': lambda srv, n: 4}, server='SPOKE1')
    with pytest.raises(FlowError) as info:
        run_flow(JobFlow, client, state='interrupted', id=21)
    assert 'ANR3862E' in info.value.msg and 'rc 4' in info.value.msg
    assert info.value.result['tasks'][0]['error']


def test_garbled_ids_make_the_server_fail_not_a_wrong_action():
    state = {'SPOKE1': {'sessions': [dict(session(1, 'IdleW'), SESSION_ID='')]}}
    client = FakeServers(state, {'CANCEL SESSION': drop('sessions', 'SESSION_ID')}, server='SPOKE1')
    with pytest.raises(FlowError) as info:
        run_flow(SessionFlow, client, states=['Idle wait'])
    assert client.sent == [] and 'could not be understood' in info.value.msg


# --- the command log --------------------------------------------------------------------------

@pytest.mark.parametrize('command,expected', [
    ('CANCEL SESSION 5', ('session', 5)), ('can se 5', ('session', 5)), ('Cancel Sess all', ('session', 'ALL')),
    ('CANCEL PROCESS 1,204', ('process', 1204)), ('CAN PR 9', ('process', 9)), ('CA SESSION 5', None),
    ('CANCEL REQUEST 3', None), ('CANCEL SESSION X', None), ('QUERY SESSION 5', None), ('CANCEL', None),
])
def test_parse_cancel(command, expected):
    assert parse_cancel(command) == expected


def test_requested_cancels_reads_routed_and_plain_commands():
    rows = [logged('SPOKE1,HUB1: CANCEL SESSION 4'), logged('SPOKE1: CANCEL PROCESS 5'), logged('QUERY SESSION'),
            logged('CANCEL SESSION ALL'), {'DATE_TIME': '', 'MESSAGE': 'x'}]
    found = requested_cancels(rows, 'hub1')
    assert [(k, n) for k, n, _w in found] == [('session', 4), ('session', 'ALL')]


def test_the_jobs_of_one_answer_read_their_dates_together():
    """05/11/2026 alone could be 5 November or 11 May; 11/25/2026 in the same answer settles the
    order (month first) for every date of that answer."""
    from ansible_collections.spectrum_protect.operations.plugins.module_utils._flow import jobs_of
    rows = [{'Job Id': '1', 'Job Type': 'Retention Set Copy', 'Begin Date/Time': '05/11/2026 01:00:00',
             'End Date/Time': '', 'Status': 'RUNNING'},
            {'Job Id': '2', 'Job Type': 'Retention Set Copy', 'Begin Date/Time': '11/25/2026 02:00:00',
             'End Date/Time': '', 'Status': 'SLEEPING'}]
    first, second = jobs_of('SPOKE1', rows)
    assert first['start_time'] == '2026-05-11T01:00:00' and second['start_time'] == '2026-11-25T02:00:00'
    alone = jobs_of('SPOKE1', rows[:1])[0]
    assert alone['start_time'] is None      # never guessed
