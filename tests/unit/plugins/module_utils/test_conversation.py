# -*- coding: utf-8 -*-
"""Issue 10, target 1 for the acting modules: one client kept signed on through a whole run
(Dsmadmc.conversing), against the emulated client (one process and one sign-on, counted by the
client itself through SPEMU_CALL_LOG), against a client that holds its output until it ends
(SPEMU_OUTPUT=buffered), one that echoes nothing, one that hangs, and byte by byte for the mark
that ends each exchange."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import json
import os
import signal
import subprocess
import sys
import time

import pytest

from ansible_collections.spectrum_protect.operations.plugins.module_utils import _dsmadmc
from ansible_collections.spectrum_protect.operations.plugins.module_utils._dsmadmc import (
    Dsmadmc,
    DsmadmcError,
    _Mark,
)

from test_dsmadmc import PASSWORD, emulated, fake, fleet  # noqa: F401 pylint: disable=unused-import


@pytest.fixture
def calls(tmp_path, monkeypatch):
    """What every client process did (SPEMU_CALL_LOG): a function returning the records."""
    path = tmp_path / 'calls.jsonl'
    monkeypatch.setenv('SPEMU_CALL_LOG', str(path))

    def read():
        return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []
    return read


def marks(commands):
    return [c for c in commands if c.startswith("SELECT 'SPOPS' || '")]


def real(commands):
    return [c for c in commands if not c.startswith("SELECT 'SPOPS' || '")]


@pytest.mark.parametrize('width', [None, '40', '25'])
def test_reads_a_change_and_reads_again_are_one_client_and_one_sign_on(fleet, emulated, calls, monkeypatch, width):
    if width:
        monkeypatch.setenv('SPEMU_CONSOLE_WIDTH', width)
    hub, spoke = fleet['hub'], fleet['spokes'][0]
    client = emulated(hub)
    with client.conversing() as talk:
        status, processes, nothing = client.run_batch([
            ('QUERY STATUS', None), ('SELECT PROCESS_NUM, PROCESS FROM PROCESSES', None),
            ('SELECT * FROM PROCESSES WHERE PROCESS_NUM=999999', None)])
        cancel = client.run('CANCEL PROCESS 999999')           # a change the server finds nothing for
        with pytest.raises(DsmadmcError) as unknown:
            client.run('QUERY NOSUCHTHING')
        routed = client.run_routed([spoke], 'QUERY STATUS')
        again = client.run('SELECT PROCESS_NUM, PROCESS FROM PROCESSES')
    assert talk.exchanges == 5 and talk.ended and talk.why is None
    # each command classified as a call of its own would be
    assert status.kind == 'ok' and status.rows[0]['Server Name'] == hub
    assert processes.kind == 'ok' and processes.rows and again.rows == processes.rows
    assert (nothing.kind, nothing.rc) == ('empty', 11)
    assert (cancel.kind, cancel.rc) == ('empty', 11)
    assert (unknown.value.kind, unknown.value.rc) == ('error', 2) and 'ANR2000E' in unknown.value.message_ids
    assert [(r.server.upper(), r.kind) for r in routed] == [(spoke, 'ok')]
    # the client's own count: one process, one sign-on, every command once, in order
    [record] = calls()
    assert record['signons'] == 1 and record['server'] == hub
    assert real(record['commands']) == [
        'QUERY STATUS', 'SELECT PROCESS_NUM, PROCESS FROM PROCESSES', 'SELECT * FROM PROCESSES WHERE PROCESS_NUM=999999',
        'CANCEL PROCESS 999999', 'QUERY NOSUCHTHING', '%s: QUERY STATUS' % spoke,
        'SELECT PROCESS_NUM, PROCESS FROM PROCESSES']
    # a mark before the first exchange (the probe) and after each exchange; each its own
    assert len(marks(record['commands'])) == 6 == len(set(marks(record['commands'])))
    assert record['commands'][0] in marks(record['commands'])
    # the password never went anywhere but the client's standard input
    assert PASSWORD not in json.dumps(record) and not any(PASSWORD in arg for arg in record['argv'])


def test_the_server_saw_one_administrative_session(fleet, emulated):
    spoke = fleet['spokes'][1]
    client = emulated(spoke)
    with client.conversing():
        client.run('QUERY STATUS')
        client.run('QUERY PROCESS')
        client.run("SELECT MESSAGE FROM ACTLOG WHERE MESSAGE LIKE '%CONVERSATION-PROBE%'")
    rows = emulated(spoke).run("SELECT SESSION, MESSAGE FROM ACTLOG WHERE MSGNO=2017 AND MESSAGE LIKE "
                               "'%CONVERSATION-PROBE%'").rows
    session = [row['SESSION'] for row in rows if 'issued command: SELECT MESSAGE' in row['MESSAGE']][-1]
    logged = [row['MESSAGE'] for row in emulated(spoke).run(
        'SELECT MESSAGE FROM ACTLOG WHERE MSGNO=2017 AND SESSION=%s' % session).rows]
    assert len([m for m in logged if 'SPOPS' not in m]) == 3 and len(logged) == 3 + 4


def test_a_client_that_holds_its_output_answers_the_first_exchange_then_calls_go_on_their_own(
        fleet, emulated, calls, monkeypatch):
    monkeypatch.setenv('SPEMU_OUTPUT', 'buffered')
    monkeypatch.setattr(_dsmadmc, 'CONVERSE_PROBE', 1)
    client = emulated(fleet['hub'])
    with client.conversing() as talk:
        status, processes = client.run_batch([('QUERY STATUS', None), ('SELECT PROCESS_NUM FROM PROCESSES', None)])
        assert talk.ended and 'wrote no answer within 1 seconds' in talk.why
        change = client.run('CANCEL PROCESS 999999')
        read = client.run('SELECT PROCESS_NUM FROM PROCESSES')
    assert status.kind == 'ok' and processes.rows and read.rows == processes.rows
    assert (change.kind, change.rc) == ('empty', 11)
    assert talk.outside == 2
    first, second, third = calls()
    # the reads (and the probe) in the first client, QUIT at once: no change was ever written to it
    assert real(first['commands']) == ['QUERY STATUS', 'SELECT PROCESS_NUM FROM PROCESSES']
    assert len(marks(first['commands'])) == 1
    assert second['commands'] == ['CANCEL PROCESS 999999'] and third['commands'] == ['SELECT PROCESS_NUM FROM PROCESSES']


def test_a_sign_on_that_fails_is_the_first_exchange_error(fleet, emulated, calls):
    client = emulated(fleet['spokes'][0], password='wrong-' + PASSWORD)
    with client.conversing() as talk:
        with pytest.raises(DsmadmcError) as caught:
            client.run_batch([('QUERY STATUS', None), ('QUERY PROCESS', None)])
    assert caught.value.kind == 'auth_failed' and PASSWORD not in caught.value.msg
    assert talk.ended and talk.exchanges == 0 and talk.why is None
    assert [c['signons'] for c in calls()] == [0]


def live_clients(home):
    """The emulated clients of this fleet's home still running."""
    out = subprocess.run(['ps', '-eo', 'pid,args'], stdout=subprocess.PIPE, universal_newlines=True,
                         check=True).stdout
    client = os.path.join(home, 'bin', 'dsmadmc')
    return [line for line in out.splitlines() if client in line]


def test_a_command_that_hangs_times_out_and_its_client_is_gone(fleet, emulated, calls):
    spoke = fleet['spokes'][2]
    emulated.fault(spoke, 'hang:PROCESSES')
    client = emulated(spoke, timeout=3)
    with client.conversing() as talk:
        status = client.run('QUERY STATUS')
        started = time.monotonic()
        with pytest.raises(DsmadmcError) as caught:
            client.run('SELECT PROCESS_NUM FROM PROCESSES')
        assert time.monotonic() - started < 3 + _dsmadmc._DRAIN_SECONDS + 2
        assert talk.ended and not live_clients(fleet['home'])
        after = client.run('QUERY STATUS')      # the conversation is over: a client of its own
    assert status.kind == 'ok' and after.kind == 'ok'
    assert caught.value.kind == 'timeout' and 'within 3 seconds' in caught.value.msg
    # the hanging client was killed before it could write its record; the call after it did
    [after_call] = calls()
    assert after_call['commands'] == ['QUERY STATUS'] and after_call['signons'] == 1


def test_a_client_that_ended_between_exchanges_is_replaced_by_calls_of_their_own(fleet, emulated, calls):
    client = emulated(fleet['hub'])
    with client.conversing() as talk:
        client.run('QUERY STATUS')
        os.killpg(talk.proc.pid, signal.SIGKILL)
        talk.proc.wait()
        after = client.run('QUERY PROCESS')        # nothing was written to the dead client
    assert after.kind in ('ok', 'empty') and talk.outside == 1
    assert [real(c['commands']) for c in calls()][-1] == ['QUERY PROCESS']


def test_a_client_that_echoes_nothing_cannot_be_split(fake, monkeypatch):
    """A client that answers at once but echoes no command: the first exchange ends the
    conversation and says so as run_batch does (no_framing); nothing more goes to it."""
    script = fake.home / 'noecho'
    script.write_text('#!%s\nimport sys\nfor line in sys.stdin:\n    line = line.strip()\n'
                      '    if line.startswith("SELECT \'SPOPS\'"):\n'
                      '        print("MARK: SPOPS" + line.split("|| \'")[1].split("\'")[0], flush=True)\n'
                      '    elif line == "QUIT":\n        break\n'
                      '    elif line != "%s":\n        print("  Server Name: X", flush=True)\n' % (sys.executable, PASSWORD))
    os.chmod(str(script), 0o755)
    client = Dsmadmc(path=str(script), server='X', admin_id='admin', password=PASSWORD, timeout=10)
    with client.conversing() as talk:
        with pytest.raises(DsmadmcError) as caught:
            client.run_batch([('QUERY STATUS', None), ('QUERY PROCESS', None)])
    assert getattr(caught.value, 'no_framing', False) and talk.ended and talk.exchanges == 0


def test_the_stdin_of_a_conversation_that_fell_back(fake, monkeypatch):
    """The fake client reads all its input before it prints: a client that holds its output.
    It got the password line first, then the probe, the reads and QUIT; the password is in no
    argument."""
    monkeypatch.setattr(_dsmadmc, 'CONVERSE_PROBE', 0.5)
    fake.answer("ANS8000I Server command: 'q sess'.\nANR2034E SELECT: No match found using this criteria.\n"
                "ANS8001I Return code 11.\nANS8000I Server command: 'q proc'.\n  Process Number: 5\n")
    client = fake.runner()
    with client.conversing() as talk:
        [sessions, processes] = client.run_batch([('q sess', None), ('q proc', None)])
    assert (sessions.kind, processes.rows) == ('empty', [{'Process Number': '5'}])
    lines = fake.record()['stdin'].split('\n')
    assert lines[0] == PASSWORD and lines[1].startswith("SELECT 'SPOPS' || '") and lines[2:] == [
        'q sess', 'q proc', 'QUIT', '']
    assert not any(PASSWORD in arg for arg in fake.record()['argv']) and talk.why


def test_calls_from_other_threads_run_clients_of_their_own(fleet, emulated, calls):
    """Routed reads that timed out are asked again per target in threads (_per_target): those
    never write to the conversation's client."""
    client = emulated(fleet['hub'])
    with client.conversing() as talk:
        client.run('QUERY STATUS')

        def routed(name):
            return client._routed([name], 'QUERY STATUS', 'list', None, None)
        answers = client._per_target(fleet['spokes'][:2], routed)
    assert all(not isinstance(a, DsmadmcError) for a in answers) and talk.exchanges == 1
    assert len(calls()) == 3


# --- the mark that ends an exchange, byte by byte ---------------------------------------------

TOKEN = '0A1B2C3D11Z'


def mark_output(width=None, refused=False):
    mark = _Mark(TOKEN)
    echo = "ANS8000I Server command: '%s'." % mark.command
    if width:
        words, lines, line = echo.split(' '), [], ''
        for word in words:
            if line and len(line) + 1 + len(word) > width:
                lines.append(line)
                line = word
            else:
                line = (line + ' ' + word) if line else word
        echo = '\n'.join(lines + [line])
    answer = ("ANR2000E Unknown command - SELECT.\nANS8001I Return code 2.\n" if refused
              else "MARK: SPOPS%s\n" % TOKEN)
    before = ("ANS8000I Server command: 'QUERY PROCESS'.\n  Process Number: 7\n  Process Description: "
              "Expiration\n\n")
    return before, (before + echo + '\n' + answer).encode('ascii')


@pytest.mark.parametrize('width,refused', [(None, False), (30, False), (None, True)])
def test_the_mark_is_found_however_the_output_arrives(width, refused):
    before, output = mark_output(width, refused)
    whole = _Mark(TOKEN).find(bytearray(output))
    assert whole == (len(before), len(output), True)
    for step in (1, 7, 64):
        mark, buffer, found = _Mark(TOKEN), bytearray(), None
        for at in range(0, len(output), step):
            buffer += output[at:at + step]
            found = mark.find(buffer)
            if found is not None:
                break
        assert found == whole and len(buffer) == len(output)


def test_the_mark_value_in_an_echo_or_an_answer_of_another_token_ends_nothing():
    mark = _Mark(TOKEN)
    # an activity-log line that quotes a mark of another run, and a prefix of this token's value
    other = b"ANS8000I Server command: 'QUERY ACTLOG'.\nANR2017I issued command: SELECT 'SPOPS' || '0A1Z'\n" \
            b"MARK: SPOPS0A1B2C3D1Z\n"
    assert mark.find(bytearray(other)) is None


def own_session(client, tag):
    """The conversation's session number on the server, from the ANR2017I of a tagged command."""
    client.run("SELECT '%s' FROM STATUS" % tag)
    return [row['SESSION'] for row in client.run(
        "SELECT SESSION FROM ACTLOG WHERE MSGNO=2017 AND MESSAGE LIKE '%%''%s''%%'" % tag).rows][0]


def test_a_conversation_whose_session_the_server_cancelled_goes_on_in_a_new_one(fleet, emulated, calls):
    """Between its commands a conversation's session is in Idle wait, so another administrator's
    CANCEL SESSION (or sp_session cancelling Idle-wait admin sessions) can end it. The client signs on
    again when it sends its next command ("re-established when the client sends again"), and the run
    goes on: the change after it is answered once, in the new session."""
    hub = fleet['hub']
    client = emulated(hub)
    with client.conversing() as talk:
        first = own_session(client, 'CONVERSATION-CANCELLED-1')
        cancelled = emulated(hub).run('CANCEL SESSION %s' % first)
        change = client.run('CANCEL PROCESS 999999')
        second = own_session(client, 'CONVERSATION-CANCELLED-2')
    assert cancelled.kind in ('ok', 'empty') and talk.why is None and talk.outside == 0
    assert (change.kind, change.rc) == ('empty', 11) and second != first
    conversation = [c for c in calls() if 'CANCEL PROCESS 999999' in c['commands']]
    assert len(conversation) == 1 and conversation[0]['signons'] == 2
    assert real(conversation[0]['commands']).count('CANCEL PROCESS 999999') == 1


def test_a_client_that_does_not_sign_on_again_fails_that_exchange_and_sends_nothing_twice(
        fleet, emulated, calls, monkeypatch):
    monkeypatch.setenv('SPEMU_SESSION_LOST', 'end')
    hub = fleet['hub']
    client = emulated(hub)
    with client.conversing() as talk:
        first = own_session(client, 'CONVERSATION-LOST-1')
        emulated(hub).run('CANCEL SESSION %s' % first)
        with pytest.raises(DsmadmcError) as caught:
            client.run('CANCEL PROCESS 999999')
        assert talk.ended
        after = client.run("SELECT 'CONVERSATION-LOST-2' FROM STATUS")     # a call of its own
    assert caught.value.kind == 'unreachable' and 'ANS1017E' in caught.value.message_ids and after.kind == 'ok'
    sent = [c for record in calls() for c in real(record['commands'])]
    assert sent.count('CANCEL PROCESS 999999') == 0        # written once, refused by the client, never again
