"""The per-server fan-out: one server or a routed fleet, failures per server, actions never resent."""
import pytest

from ansible_collections.spectrum_protect.operations.plugins.module_utils._dsmadmc import (
    DsmadmcError, DsmadmcResult)
from ansible_collections.spectrum_protect.operations.plugins.module_utils._fleet import (
    Fleet, FleetError, server_version, version_field)

STATUS = {
    'HUB1': 'Storage Management Server for Linux/x86_64 - Version 8, Release 1, Level 21.000',
    'SPOKE3': 'Storage Management Server for Linux/x86_64 - Version 8, Release 1, Level 10.000',
}


def ok(server, command, rows, text=''):
    return DsmadmcResult(server, command, ['dsmadmc', command], 0, 'ok', rows, [], text=text)


def failed(server, command, kind, msg):
    error = DsmadmcError(msg, kind, server=server, rc=-50 if kind == 'unreachable' else 4, command=command)
    return DsmadmcResult(server, command, [], error.rc, kind, [], [], error)


class StubClient:
    """Answers like Dsmadmc.run / run_routed; `down` targets fail, `raise_on` commands fail whole."""

    def __init__(self, down=(), raise_on=None, server='HUB1'):
        self.calls = []
        self.down = set(down)
        self.raise_on = raise_on
        self.server = server

    def run(self, command, mode='list', columns=None, checks=None):
        self.calls.append(('run', command, checks))
        if self.raise_on and self.raise_on in command:
            raise DsmadmcError('dsmadmc could not reach server %s (ANS1017E, rc -50)' % self.server,
                               'unreachable', server=self.server, rc=-50)
        if command == 'QUERY STATUS':
            return ok(None, command, [{'Server Name': self.server}], STATUS.get(self.server) or STATUS['HUB1'])
        return ok(None, command, [{'N': '1'}])

    def run_routed(self, servers, command, mode='list', columns=None, checks=None, split_on_timeout=False):
        self.calls.append(('routed', tuple(servers), command, split_on_timeout))
        if self.raise_on and self.raise_on in command:
            raise DsmadmcError('dsmadmc did not finish "%s" on server HUB1 within 3 seconds' % command, 'timeout',
                               server='HUB1')
        out = []
        command_sent, command = command, '%s: %s' % (','.join(servers), command)
        for name in servers:
            if name in self.down:
                out.append(failed(name, command, 'unreachable', 'dsmadmc could not reach server %s (ANR8214E)' % name))
            elif command_sent == 'QUERY STATUS':
                out.append(ok(name, command, [{'Server Name': name}], STATUS.get(name, '')))
            else:
                out.append(ok(name, command, [{'N': name}]))
        return out


def test_one_server_is_named_by_its_status_and_gets_plain_commands():
    client = StubClient()
    fleet = Fleet(client, server='hub1')
    fleet.connect()
    assert fleet.order == ['HUB1']
    assert fleet.reports['HUB1']['version'] == '8.1.21' and fleet.jobs_supported('HUB1') is True
    answered = fleet.query('SELECT 1', checks={'N': int})
    assert list(answered) == ['HUB1']
    assert fleet.commands == ['QUERY STATUS', 'SELECT 1']
    assert client.calls[-1] == ('run', 'SELECT 1', {'N': int})
    assert None not in fleet.reports           # never a None key for an unnamed server


def test_one_server_without_a_name_falls_back_to_the_stanza():
    client = StubClient(server='')
    fleet = Fleet(client, server='tsm8')
    fleet.connect()
    assert fleet.order == ['TSM8']


def test_the_first_query_raises_when_the_server_fails():
    fleet = Fleet(StubClient(raise_on='QUERY STATUS'))
    with pytest.raises(DsmadmcError) as info:
        fleet.connect()
    assert info.value.kind == 'unreachable'


def test_routed_reads_go_on_without_the_target_that_failed():
    client = StubClient(down=['SPOKE2'])
    fleet = Fleet(client, route_to=['hub1', 'SPOKE2', 'SPOKE3', 'HUB1'])
    fleet.connect()
    assert fleet.order == ['HUB1', 'SPOKE2', 'SPOKE3']
    assert fleet.alive() == ['HUB1', 'SPOKE3']
    assert fleet.reports['SPOKE2']['reachable'] is False and 'ANR8214E' in fleet.reports['SPOKE2']['error']
    assert fleet.jobs_supported('SPOKE3') is False
    answered = fleet.query('SELECT 1')
    assert sorted(answered) == ['HUB1', 'SPOKE3']
    assert fleet.commands == ['HUB1,SPOKE2,SPOKE3: QUERY STATUS', 'HUB1,SPOKE3: SELECT 1']
    assert client.calls[-1][3] is True        # reads may be split and resent on a timeout


def test_nothing_readable_is_a_fleet_error_naming_each_server():
    fleet = Fleet(StubClient(down=['SPOKE1', 'SPOKE2']), route_to=['SPOKE1', 'SPOKE2'])
    with pytest.raises(FleetError) as info:
        fleet.connect()
    assert 'SPOKE1' in info.value.msg and 'SPOKE2' in info.value.msg
    assert [s['name'] for s in info.value.servers] == ['SPOKE1', 'SPOKE2']


def test_a_later_failure_of_the_hub_is_recorded_for_every_target():
    client = StubClient()
    fleet = Fleet(client, route_to=['HUB1', 'SPOKE1'])
    fleet.connect()
    client.raise_on = 'SELECT'
    assert fleet.query('SELECT 1') == {}
    assert fleet.failed() == ['HUB1', 'SPOKE1']
    assert fleet.alive() == []               # a timeout: neither is read again


def test_actions_are_routed_to_one_server_and_never_split():
    client = StubClient()
    fleet = Fleet(client, route_to=['HUB1', 'SPOKE1'])
    fleet.connect()
    result = fleet.act('SPOKE1', 'CANCEL SESSION 5')
    assert result.server == 'SPOKE1'
    assert client.calls[-1] == ('routed', ('SPOKE1',), 'CANCEL SESSION 5', False)
    assert fleet.commands[-1] == 'SPOKE1: CANCEL SESSION 5'


def test_an_action_on_a_target_that_fails_raises_its_error():
    client = StubClient()
    fleet = Fleet(client, route_to=['HUB1', 'SPOKE1'])
    fleet.connect()
    client.down.add('SPOKE1')
    with pytest.raises(DsmadmcError) as info:
        fleet.act('SPOKE1', 'CANCEL PROCESS 5')
    assert 'ANR8214E' in info.value.msg


def test_bad_route_names_are_refused():
    with pytest.raises(ValueError) as info:
        Fleet(StubClient(), route_to=['SPOKE1;CANCEL PROCESS 1'])
    assert 'route_to' in str(info.value)


def test_an_answer_with_no_server_and_no_version_is_not_a_client():
    client = StubClient()
    client.run = lambda command, **kwargs: ok(None, command, [{'Something': 'else'}], '')
    with pytest.raises(FleetError) as info:
        Fleet(client, server='x').connect()
    assert 'is it the administrative client dsmadmc' in info.value.msg


def test_versions():
    assert server_version('Server Version 8, Release 1, Level 12.000') == '8.1.12'
    assert server_version('nothing') is None
    assert server_version('Server Ver\nsion 8, Release 1, Level 14.000') == '8.1.14'    # wrapped inside a word
    assert version_field([{'Server Version': '8.1.14.100'}]) == '8.1.14'
    assert version_field([{'Server Name': 'X'}]) is None
