"""The task report from reads that wrote their tasks to a file (sp_task_info tasks_file).

A read registered with `tasks: []`, `tasks_file` and `task_count` has its tasks streamed from a
controller-local copy (sp_task_report tasks_dir) straight into the report's task form. The report
must be the one the same tasks inline give; a copy that is missing, unreadable, short, long or not
JSON Lines makes that read's servers servers that could not be read, with the reason - never
servers with no tasks ("no outcome without evidence").
"""
import datetime
import hashlib
import json
import os
import tracemalloc

import pytest

from ansible_collections.spectrum_protect.operations.plugins.plugin_utils import _report
from ansible_collections.spectrum_protect.operations.tests.unit.plugins.plugin_utils.test_report import (
    routed_result,
    task,
)

MOMENT = datetime.datetime(2025, 3, 14, 12, 0, 0)
PARAMETERS = {'since': '24h', 'since_seconds': 86400, 'hub': 'HUB1', 'activity_log': True}


def to_file(result, path, lines=None):
    """The result as sp_task_info returns it with tasks_file (its count and checksum those of the
    file the read wrote), and its tasks written to `path` (`lines`: the JSON lines to write there
    instead, for broken or stale copies)."""
    wrote = ''.join(json.dumps(t) + '\n' for t in result['tasks'])
    if lines is None:
        lines = [json.dumps(t) for t in result['tasks']]
    with open(path, 'w', encoding='utf-8') as handle:
        for line in lines:
            handle.write(line + '\n')
    out = dict(result, tasks=[], tasks_file='/tmp/sp-task-report.x1y2.jsonl', task_count=len(result['tasks']),
               tasks_checksum=hashlib.sha1(wrote.encode('utf-8')).hexdigest())
    return out


def build(results, **kwargs):
    kwargs.setdefault('parameters', PARAMETERS)
    return _report.build(results, generated_at=MOMENT, **kwargs)


@pytest.mark.parametrize('include_raw,include_messages', [(False, True), (True, False)])
def test_a_read_from_a_file_gives_the_report_of_the_same_tasks_inline(tmp_path, include_raw, include_messages):
    inline = routed_result()
    path = str(tmp_path / 'HUB1.jsonl')
    from_file = to_file(inline, path)
    want = build([inline], include_raw=include_raw, include_messages=include_messages)
    got = build([from_file], include_raw=include_raw, include_messages=include_messages, tasks_files=[path])
    assert got == want
    for fmt in _report.FORMATS:
        assert _report.render(got, fmt) == _report.render(want, fmt), fmt
    assert got['summary']['tasks'] == 11


def test_per_server_reads_mix_files_and_inline_tasks(tmp_path):
    full = routed_result()
    per_server = []
    for server in full['servers'][:2]:
        per_server.append({'tasks': [t for t in full['tasks'] if t['server'] == server['name']],
                           'servers': [server], 'summary': server['summary'], 'commands': ['QUERY STATUS']})
    want = build(per_server, hosts=['hub1', 'spoke1'])
    path = str(tmp_path / 'spoke1.jsonl')
    mixed = [per_server[0], to_file(per_server[1], path)]
    got = build(mixed, hosts=['hub1', 'spoke1'], tasks_files=[None, path])
    assert got == want and len(got['tasks']) == 11


def lost(model):
    return dict((s['name'], s) for s in model['servers'])


@pytest.mark.parametrize('damage,words', [
    ('missing', ['the local copy', 'is missing']),
    ('short', ['holds 10 tasks, the read wrote 11']),
    ('long', ['holds 12 tasks, the read wrote 11']),
    ('garbled', ['line 3 of the local copy', 'is not a JSON task']),
    ('not a task', ['line 1 of the local copy', 'is a list, not a task']),
    ('not utf-8', ['line 1 of the local copy', 'is not a JSON task']),
    ('a folder', ['could not be read']),
    ('stale', ['is not the file the read wrote to /tmp/sp-task-report.x1y2.jsonl', 'stale or altered copy']),
    ('a blank line more', ['its SHA-1 is', 'stale or altered copy']),
    ('no copy given', ['no local copy was given', 'tasks_dir']),
])
def test_a_copy_that_is_missing_short_or_broken_makes_its_servers_not_read(tmp_path, damage, words):
    inline = routed_result()
    path = str(tmp_path / 'HUB1.jsonl')
    lines = [json.dumps(t) for t in inline['tasks']]
    if damage == 'short':
        lines = lines[:-1]
    elif damage == 'long':
        lines = lines + lines[:1]
    elif damage == 'garbled':
        lines[2] = lines[2][:40]               # cut short, as a copy interrupted mid-line
    elif damage == 'not a task':
        lines[0] = '[1, 2]'
    elif damage == 'stale':                 # as many tasks, from another run: one state differs
        stale = json.loads(lines[0])
        assert stale['state'] != 'Failed'
        stale['state'] = 'Failed'
        lines[0] = json.dumps(stale)
    elif damage == 'a blank line more':     # the same tasks, other bytes: not the file the read wrote
        lines = lines + ['']
    result = to_file(inline, path, lines)
    if damage == 'not utf-8':
        with open(path, 'rb') as handle:
            data = handle.read().split(b'\n')
        assert b'"Node session"' in data[0]
        data[0] = data[0].replace(b'"Node session"', b'"\xff\xfe"')
        with open(path, 'wb') as handle:
            handle.write(b'\n'.join(data))
    elif damage == 'missing':
        os.unlink(path)
    elif damage == 'a folder':
        os.unlink(path)
        os.mkdir(path)
    model = build([result], tasks_files=[None if damage == 'no copy given' else path])
    servers = lost(model)
    assert list(servers) == ['HUB1', 'SPOKE1', 'SPOKE2']
    assert model['tasks'] == []                                   # no half of a copy
    for name in ('HUB1', 'SPOKE1'):
        entry = servers[name]
        assert entry['read'] is False and entry['reachable'] is True and entry['version']   # reached, not read
        assert entry['error'].startswith('tasks not available: ')
        assert '/tmp/sp-task-report.x1y2.jsonl' in entry['error'] or damage in ('garbled', 'not a task', 'not utf-8')
        for word in words:
            assert word in entry['error'], entry['error']
        assert entry['errors'][-1]['kind'] == 'tasks_file' and entry['errors'][-1]['msg'] == entry['error']
        assert entry['summary']['tasks'] == 0 and entry['summary']['complete'] is False
    assert 'ANR8214E' in servers['SPOKE2']['error']                  # its own error stays
    summary = model['summary']
    assert summary['servers_unreachable'] == 3 and summary['complete'] is False
    assert summary['incomplete_reasons'][0] == '3 servers could not be read: HUB1, SPOKE1, SPOKE2'
    assert (summary['successful'], summary['failed'], summary['tasks']) == (0, 0, 0)
    assert '- **HUB1** could not be read: tasks not available: ' in _report.to_markdown(model)
    assert model['thresholds'] == {}
    assert _report.evaluate_thresholds(model, {'unreachable': 0})['unreachable']['exceeded'] is True


@pytest.mark.parametrize('key,value', [('task_count', None), ('tasks_checksum', None),
                                       ('tasks_checksum', 'not-a-sha1'), ('tasks_checksum', 12)])
def test_a_result_with_a_tasks_file_but_no_count_or_checksum_is_not_trusted(tmp_path, key, value):
    path = str(tmp_path / 'HUB1.jsonl')
    result = to_file(routed_result(), path)
    if value is None:
        del result[key]
    else:
        result[key] = value
    model = build([result], tasks_files=[path])
    assert model['tasks'] == [] and 'says no %s (got %r)' % (key, value) in lost(model)['HUB1']['error']


def test_the_copy_is_streamed_into_the_report_without_a_second_copy_of_the_tasks(tmp_path):
    """Peak memory of building from a file: the model it returns, plus one line at a time; reading
    the whole file first (or the tasks as they are before conversion) would add the copy's size."""
    servers = [{'name': 'SP%02d' % n, 'version': '8.1.21', 'jobs_supported': True, 'reachable': True,
                'error': None} for n in range(4)]
    tasks = [task(servers[n % 4]['name'], 'process', n, 'Successful', 'successful', description='BACKUP STGPOOL %d' % n,
                  messages=[{'time': '2025-03-14T01:59:00', 'msgno': '0986', 'severity': 'I',
                             'message': 'ANR0986I Process %d for BACKUP STGPOOL running in the BACKGROUND '
                                        'processed 1,234 items for a total of 5,678,901 bytes.' % n}])
             for n in range(20000)]
    path = str(tmp_path / 'hub.jsonl')
    result = to_file({'tasks': tasks, 'servers': servers, 'summary': None, 'commands': []}, path)
    del tasks
    size = os.path.getsize(path)
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        model = build([result], tasks_files=[path])
        kept, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert len(model['tasks']) == 20000
    extra = peak - kept             # what building needed beyond what the model keeps
    assert kept - before > size     # the model itself is larger than the file
    assert extra < size / 10, (extra, size)


def test_local_copies_are_named_after_the_reads_hosts(tmp_path):
    results = [{'tasks': [], 'tasks_file': '/tmp/a', 'task_count': 1}, {'tasks': [{'id': 1}]},
               {'tasks': [], 'tasks_file': '/tmp/b', 'task_count': 0}, {'tasks': [], 'tasks_file': '/tmp/c'},
               {'tasks': [], 'tasks_file': '/tmp/d'}]
    folder = str(tmp_path)
    assert _report.local_copies(results, ['sp-hub1', 'spoke1', '10.0.0.7', '../x'], folder) == [
        os.path.join(folder, 'sp-hub1.jsonl'), None, os.path.join(folder, '10.0.0.7.jsonl'), None, None]
    assert _report.local_copies(results, ['a', 'b'], None) == []
