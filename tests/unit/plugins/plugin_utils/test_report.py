"""The task report's model and its four formats, from hand-made sp_task_info results.

The results here have the module's exact shape, once with the fields issue 6 adds (outcome
`unknown`, `outcome_verified`, `complete`, `errors`) and once without them (an older module), so
the report is held to: unknown outcomes are never successes, unverified outcomes and incomplete
counts are said to be so, and a server that could not be read stands at the top with its error.
"""
import copy
import csv
import html.parser
import io
import json
import os
import re
import stat

import jsonschema
import pytest

from ansible_collections.spectrum_protect.operations.plugins.plugin_utils import _report

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))))
SCHEMA = os.path.join(ROOT, 'roles', 'task_report', 'files', 'task-report.schema.json')


def task(server, task_type, number, state, outcome=None, active=False, **more):
    out = {
        'server': server, 'type': task_type, 'id': number, 'state': state, 'active': active, 'outcome': outcome,
        'start_time': '2025-03-14T01:00:00', 'end_time': None if active else '2025-03-14T02:00:00',
        'duration_seconds': 3600, 'description': None, 'client_name': None, 'session_type': None, 'platform': None,
        'comm_method': None, 'wait_seconds': None, 'bytes_sent': None, 'bytes_received': None, 'job_id': None,
        'job_name': None, 'job_type': None, 'parent_process': None, 'status_text': None,
        'raw': {'SECRET_LOOKING_FIELD': 'x'},
    }
    out.update(more)
    return out


def routed_result(new_fields=True):
    """HUB1 and SPOKE1 read, SPOKE2 unreachable, as one routed sp_task_info result."""
    tasks = [
        task('HUB1', 'session', 1101, 'Running', active=True, client_name='FILESRV01', description='Node session',
             session_type='Node'),
        task('HUB1', 'session', 1003, 'Failed', 'failed', client_name='MAILSRV', description='ARCHIVE',
             messages=[{'time': '2025-03-14T01:59:00', 'msgno': '0538', 'severity': 'E',
                        'message': 'ANR0538E Session 1003 for node MAILSRV ended with errors.'}]),
        task('HUB1', 'process', 501, 'Running', active=True, description='DATABASE BACKUP'),
        task('HUB1', 'process', 510, 'Running', active=True, description='Retention Set Copy', job_id=7),
        task('HUB1', 'process', 511, 'Running', active=True, description='Retention Set Copy', job_id=7,
             parent_process=510),
        task('HUB1', 'process', 480, 'Successful', 'successful', description='EXPIRATION'),
        task('HUB1', 'process', 481, 'Warning', 'warning', description='Migration | pipes\nand newlines'),
        task('HUB1', 'job', 7, 'Running', active=True, job_id=7, job_type='RETENTION', job_name='RETSET_41_COPY',
             description='RETENTION RETSET_41_COPY'),
        task('HUB1', 'job', 13, 'Terminated', 'terminated', job_id=13, description='RETENTION RETSET_40_COPY'),
        task('SPOKE1', 'process', 601, 'Successful', 'successful', description='=HYPERLINK("http://x")'),
        task('SPOKE1', 'job', 23, 'Completed', 'successful', job_id=23, description='<script>alert(1)</script>'),
    ]
    for t in tasks:
        t.setdefault('messages', [])
    servers = [
        {'name': 'HUB1', 'version': '8.1.21', 'jobs_supported': True, 'reachable': True, 'error': None,
         'summary': {'successful': 1, 'warning': 1, 'failed': 2, 'active': {'session': 1, 'process': 3, 'job': 1}}},
        {'name': 'SPOKE1', 'version': '8.1.10', 'jobs_supported': False, 'reachable': True, 'error': None,
         'summary': {'successful': 2, 'warning': 0, 'failed': 0, 'active': {'session': 0, 'process': 0, 'job': 0}}},
        {'name': 'SPOKE2', 'version': None, 'jobs_supported': None, 'reachable': False,
         'error': 'dsmadmc could not reach server SPOKE2 (ANR8214E, rc 4)',
         'summary': {'successful': 0, 'warning': 0, 'failed': 0, 'active': {'session': 0, 'process': 0, 'job': 0}}},
    ]
    summary = {'successful': 3, 'warning': 1, 'failed': 2, 'active': {'session': 1, 'process': 3, 'job': 1}}
    result = {'changed': False, 'tasks': tasks, 'servers': servers, 'summary': summary,
              'commands': ['HUB1,SPOKE1,SPOKE2: QUERY STATUS'], 'warnings': ['Server SPOKE1 runs V8.1.10'],
              'invocation': {'module_args': {'server': 'HUB1', 'route_to': ['HUB1', 'SPOKE1', 'SPOKE2'],
                                             'password': 'VALUE_SPECIFIED_IN_NO_LOG_PARAMETER'}}}
    if new_fields:
        tasks[-1].update(outcome='unknown', state='Completed', outcome_verified=False)   # never a success
        tasks[6]['outcome_verified'] = False
        for t in tasks[:-1]:
            t.setdefault('outcome_verified', True)
        servers[1]['summary'].update(successful=1, unknown=1, complete=False)
        servers[1]['errors'] = [{'query': 'actlog', 'kind': 'timeout', 'rc': None, 'message_ids': [],
                                 'msg': 'the ACTLOG SELECT on SPOKE1 timed out after 300 s'}]
        servers[1]['error'] = servers[1]['errors'][0]['msg']
        servers[1]['read'] = True
        servers[0]['summary'].update(unknown=0, complete=True)
        servers[0]['errors'] = []
        servers[2]['errors'] = [{'query': 'status', 'kind': 'unreachable', 'rc': 4, 'message_ids': ['ANR8214E'],
                                 'msg': servers[2]['error']}]
        servers[2]['read'] = False
        summary.update(successful=2, unknown=1, complete=False)
    return result


def model_of(result=None, **kwargs):
    kwargs.setdefault('parameters', {'since': '24h', 'since_seconds': 86400, 'hub': 'HUB1', 'activity_log': True})
    return _report.build([result or routed_result()], **kwargs)


# --- the model ---------------------------------------------------------------------------------

def test_counts_are_the_modules_and_the_unreachable_server_is_reported():
    model = model_of()
    summary = model['summary']
    assert (summary['successful'], summary['warning'], summary['failed'], summary['unknown']) == (2, 1, 2, 1)
    assert summary['active'] == {'session': 1, 'process': 3, 'job': 1}
    assert [s['name'] for s in model['servers']] == ['HUB1', 'SPOKE1', 'SPOKE2']
    spoke2 = model['servers'][2]
    assert spoke2['reachable'] is False and spoke2['read'] is False and 'ANR8214E' in spoke2['error']
    assert spoke2['errors'] == [{'query': 'status', 'kind': 'unreachable', 'rc': 4, 'message_ids': ['ANR8214E'],
                                 'msg': spoke2['error']}]
    assert summary['servers_unreachable'] == 1 and summary['servers_with_errors'] == 1
    assert summary['complete'] is False
    reasons = ' | '.join(summary['incomplete_reasons'])
    assert 'SPOKE2 could not be read' in reasons and 'a query failed on SPOKE1 (actlog)' in reasons
    assert '2 task outcomes could not be verified' in reasons and '1 task outcome is unknown' in reasons
    assert summary['unverified'] == 2 and summary['tasks'] == 11
    assert model['servers'][1]['summary']['unknown'] == 1 and model['servers'][1]['summary']['complete'] is False


def test_an_older_sp_task_info_without_the_new_fields_still_reports():
    model = model_of(routed_result(new_fields=False))
    summary = model['summary']
    assert (summary['successful'], summary['unknown'], summary['unverified']) == (3, 0, 0)
    assert summary['incomplete_reasons'] == ['SPOKE2 could not be read']
    assert all(t['outcome_verified'] is None for t in model['tasks'])
    assert model['servers'][0]['errors'] == [] and 'complete' not in model['servers'][0]['summary']
    assert model['servers'][2]['errors'] == [{'query': None, 'kind': None, 'rc': None, 'message_ids': [],
                                              'msg': 'dsmadmc could not reach server SPOKE2 (ANR8214E, rc 4)'}]
    jsonschema.validate(json.loads(_report.to_json(model)), _schema())


def test_a_fleet_read_completely_is_complete():
    result = routed_result()
    result['servers'] = result['servers'][:1]
    result['tasks'] = [dict(t, outcome_verified=True) for t in result['tasks'] if t['server'] == 'HUB1']
    result['summary'] = dict(result['servers'][0]['summary'])
    model = model_of(result)
    assert model['summary']['complete'] is True and model['summary']['incomplete_reasons'] == []


def test_per_server_results_add_up_and_a_failed_read_is_named_by_its_arguments_or_host():
    full = routed_result()
    per_server = []
    for server in full['servers'][:2]:
        per_server.append({'tasks': [t for t in full['tasks'] if t['server'] == server['name']],
                           'servers': [server], 'summary': server['summary'], 'commands': ['QUERY STATUS']})
    failed = {'failed': False, 'failed_when_result': False, 'msg': 'dsmadmc could not reach server SPOKE2 (ANS1017E, rc 206)',
              'invocation': {'module_args': {'server': 'spoke2'}}}
    lost = {}   # the host was never reached by Ansible
    model = _report.build(per_server + [failed, lost], hosts=['HUB1', 'SPOKE1', 'SPOKE2', 'SPOKE3'])
    assert [s['name'] for s in model['servers']] == ['HUB1', 'SPOKE1', 'SPOKE2', 'SPOKE3']
    assert model['servers'][2]['reachable'] is False and 'ANS1017E' in model['servers'][2]['error']
    assert model['servers'][3]['reachable'] is False and 'SPOKE3' in model['servers'][3]['error']
    routed = model_of()
    for key in ('successful', 'warning', 'failed', 'unknown', 'active'):
        assert model['summary'][key] == routed['summary'][key], key
    assert len(model['tasks']) == len(routed['tasks'])
    assert model['summary']['servers_unreachable'] == 2


def test_a_server_whose_task_queries_failed_is_not_read():
    result = routed_result()
    result['servers'][0].update(read=False, errors=[
        {'query': 'sessions', 'kind': 'garbled', 'rc': 0, 'message_ids': [], 'msg': 'the output could not be read'}])
    model = model_of(result, thresholds={'unreachable': 1})
    assert model['servers'][0]['reachable'] is True and model['servers'][0]['read'] is False
    assert model['summary']['servers_unreachable'] == 2 and model['thresholds']['unreachable']['exceeded'] is True
    assert '2 servers could not be read: HUB1, SPOKE2' in model['summary']['incomplete_reasons']
    assert '- **HUB1** could not be read: sessions: the output could not be read' in _report.to_markdown(model)
    assert '2 servers could not be read' in _report.to_html(model)


def test_many_servers_with_the_same_problem_make_one_reason():
    servers = [{'name': 'SP%03d' % n, 'reachable': False, 'error': 'down'} for n in range(1, 9)]
    model = _report.build([{'tasks': [], 'servers': servers, 'summary': None}])
    assert model['summary']['incomplete_reasons'] == [
        '8 servers could not be read: SP001, SP002, SP003, SP004, SP005 and 3 more']
    assert model['summary']['servers_unreachable'] == 8


def test_a_server_read_twice_counts_once():
    result = routed_result()
    model = _report.build([result, copy.deepcopy(result)])
    assert [s['name'] for s in model['servers']] == ['HUB1', 'SPOKE1', 'SPOKE2']
    assert len(model['tasks']) == len(result['tasks'])
    assert any('read twice' in w for w in model['warnings'])


def test_raw_and_messages_are_kept_only_when_asked():
    plain = model_of()
    assert all('raw' not in t for t in plain['tasks'])
    assert plain['tasks'][1]['messages'][0]['msgno'] == '0538'
    full = model_of(include_raw=True, include_messages=False)
    assert all(t['raw'] == {'SECRET_LOOKING_FIELD': 'x'} for t in full['tasks'])
    assert all('messages' not in t for t in full['tasks'])


def test_bad_input_is_refused_with_a_message():
    with pytest.raises(_report.ReportError, match='must be a list'):
        _report.build({'tasks': []})
    with pytest.raises(_report.ReportError, match=r'results\[0\] is a str'):
        _report.build(['not a result'])
    with pytest.raises(_report.ReportError, match='threshold failed'):
        model_of(thresholds={'failed': -1})


def test_thresholds_name_the_counts():
    model = model_of(thresholds={'failed': 1, 'unknown': 1, 'unreachable': 0})
    assert model['thresholds'] == {
        'failed': {'limit': 1, 'value': 2, 'exceeded': True},
        'unknown': {'limit': 1, 'value': 1, 'exceeded': False},
        'unreachable': {'limit': 0, 'value': 1, 'exceeded': True},
    }
    message = _report.threshold_message(model, {'html': '/r/task-report.html'})
    assert message == ('Task report thresholds exceeded: failed tasks 2 > 1; unreachable servers 1 > 0 (SPOKE2).'
                       ' Report: /r/task-report.html')
    assert _report.threshold_message(model_of(thresholds={'failed': 2})) is None


# --- JSON --------------------------------------------------------------------------------------

def _schema():
    with open(SCHEMA) as handle:
        return json.load(handle)


def test_json_follows_its_schema_and_holds_the_modules_tasks():
    model = model_of(thresholds={'failed': 0})
    document = json.loads(_report.to_json(model))
    jsonschema.validate(document, _schema())
    assert document['schema_version'] == _report.SCHEMA_VERSION
    source = routed_result()['tasks']
    assert [(t['server'], t['type'], t['id'], t['state'], t['outcome']) for t in document['tasks']] == \
        [(t['server'], t['type'], t['id'], t['state'], t['outcome']) for t in source]
    assert document['commands'] == ['HUB1,SPOKE1,SPOKE2: QUERY STATUS']
    assert document['thresholds']['failed']['exceeded'] is True


# --- CSV ---------------------------------------------------------------------------------------

def test_csv_has_stable_columns_one_row_per_task_and_iso_times():
    model = model_of()
    text = _report.to_csv(model)
    rows = list(csv.reader(io.StringIO(text)))
    assert tuple(rows[0]) == _report.CSV_COLUMNS
    assert len(rows) == 1 + len(model['tasks'])
    records = [dict(zip(rows[0], row)) for row in rows[1:]]
    assert [(r['server'], r['type'], r['id']) for r in records] == \
        [(t['server'], t['type'], str(t['id'])) for t in model['tasks']]
    assert all(re.match(r'^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$', r['start_time']) for r in records)
    assert records[0]['end_time'] == '' and records[0]['active'] == 'true' and records[0]['outcome'] == ''
    assert records[-1]['outcome'] == 'unknown' and records[-1]['outcome_verified'] == 'false'
    assert records[6]['description'] == 'Migration | pipes\nand newlines'   # quoted, not cut
    assert records[1]['messages'] == '1' and 'ANR0538E' in records[1]['last_message']
    spreadsheet_formula = next(r for r in records if r['id'] == '601')
    assert spreadsheet_formula['description'] == '\'=HYPERLINK("http://x")'


# --- Markdown ----------------------------------------------------------------------------------

def test_markdown_lists_unreachable_servers_failed_warning_and_unknown_tasks():
    text = _report.to_markdown(model_of(thresholds={'unreachable': 0}))
    assert text.index('## Servers not read completely') < text.index('## Counts')
    assert '- **SPOKE2** could not be read: status: dsmadmc could not reach server SPOKE2 (ANR8214E, rc 4)' in text
    assert '- **SPOKE1** read with errors: actlog: the ACTLOG SELECT on SPOKE1 timed out after 300 s' in text
    assert '**Counts incomplete:**' in text and 'unreachable servers 1 > 0 (SPOKE2)' in text
    assert '| **Fleet** | 2 | 1 | 2 | 1 | 1 | 3 | 1 |' in text
    assert '| SPOKE2 | \u2014 | \u2014 |' in text          # no counts for a server not read
    assert '## Failed tasks (2)' in text and '## Warning tasks (1)' in text
    assert '## Tasks with an unknown outcome (1)' in text
    unknown_section = text.split('## Tasks with an unknown outcome')[1]
    assert '| Unknown (unverified) |' in unknown_section.split('##')[0]   # never "Completed"
    assert 'Migration \\| pipes and newlines' in text
    assert '<script>' not in text and '&lt;script&gt;' not in text and '&lt;script>' in text
    assert 'V8.1.10: jobs are not shown' in text
    assert '## All tasks' not in text


def test_markdown_limits_sections_and_lists_everything_when_full():
    result = routed_result()
    result['tasks'] += [task('HUB1', 'process', 900 + n, 'Failed', 'failed', description='Migration')
                        for n in range(5)]
    limited = _report.to_markdown(model_of(result), limit=3)
    assert '## Failed tasks (7)' in limited and '4 more not listed here' in limited
    full = _report.to_markdown(model_of(result), full=True)
    assert '## All tasks (16)' in full and 'more not listed' not in full


# --- HTML --------------------------------------------------------------------------------------

class _Collector(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.urls = []
        self.scripts = {}
        self._in = None
        self.ids = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if attrs.get('id'):
            self.ids.append(attrs['id'])
        for key in ('src', 'href', 'action', 'xlink:href'):
            if attrs.get(key) and not attrs[key].startswith('#'):
                self.urls.append(attrs[key])
        if tag == 'script':
            self._in = attrs.get('id') or 'inline%d' % len(self.scripts)
            self.scripts[self._in] = ''

    def handle_data(self, data):
        if self._in:
            self.scripts[self._in] += data

    def handle_endtag(self, tag):
        if tag == 'script':
            self._in = None


def test_html_is_one_self_contained_file_with_the_data_intact():
    model = model_of()
    page = _report.to_html(model, windows=[{'name': 'Maintenance', 'start': '22:00', 'end': '04:00'}])
    parser = _Collector()
    parser.feed(page)
    assert parser.urls == []                                        # no CDN, no link, no fetch
    assert "default-src 'none'" in page and 'fetch(' not in page and 'XMLHttpRequest' not in page
    assert len(parser.ids) == len(set(parser.ids))
    data = json.loads(parser.scripts['report-data'])                # '</script>' in a description is harmless
    assert data == json.loads(json.dumps(_report.page_data(model)))
    assert data['rows'][-1][data['columns'].index('description')] == '<script>alert(1)</script>'
    assert '<script>alert(1)' not in page.replace(parser.scripts['report-data'], '')
    assert page.count('<script') == 2 and '@@' not in page.replace(parser.scripts['report-data'], '')


def test_html_header_counts_alerts_and_servers():
    page = _report.to_html(model_of())
    counts = dict(re.findall(r'data-count="(\w+)"[^>]*><span class="n">(\d+)</span>', page))
    assert counts == {'successful': '2', 'warning': '1', 'failed': '2', 'unknown': '1', 'active': '5'}
    assert page.index('1 server could not be read') < page.index('id="servers-h"')
    assert 'SPOKE2</strong>: status: dsmadmc could not reach server SPOKE2 (ANR8214E, rc 4)' in page
    assert 'Counts incomplete:' in page and 'Read with errors' in page
    assert 'SPOKE1</strong>: actlog: the ACTLOG SELECT on SPOKE1 timed out after 300 s' in page
    assert 'V8.1.10: jobs are not shown' in page
    assert '1 outcome unverified' in page


def test_html_without_unknown_outcomes_shows_the_pages_three_counts():
    page = _report.to_html(model_of(routed_result(new_fields=False)))
    assert 'data-count="unknown"' not in page and 'data-count="failed"' in page


# --- the timeline ------------------------------------------------------------------------------

def test_timeline_draws_processes_and_jobs_per_server_with_windows():
    svg = _report.timeline_svg(model_of(), windows=[{'name': 'Maintenance', 'start': '22:00', 'end': '04:00'}])
    indexes = sorted(int(i) for i in re.findall(r'data-i="(\d+)"', svg))
    model = model_of()
    assert indexes == [i for i, t in enumerate(model['tasks']) if t['type'] in ('process', 'job')]
    assert 'class="tl-window"' in svg and '>Maintenance<' in svg
    assert 'b-failed' in svg and 'b-unknown' in svg and 'b-successful' in svg
    assert _report.timeline_svg(model_of({'tasks': [], 'servers': [], 'summary': None})) == ''


def test_timeline_stays_small_with_many_overlapping_tasks():
    tasks = [task('HUB1', 'process', n, 'Running', active=True, description='Migration',
                  start_time='2025-03-14T%02d:%02d:00' % (n % 24, n % 60)) for n in range(20000)]
    result = {'tasks': tasks, 'servers': [{'name': 'HUB1', 'reachable': True}], 'summary': None}
    svg = _report.timeline_svg(model_of(result))
    assert svg.count('<rect') < 3000
    assert re.search(r'>\+\d+ overlapping<', svg)


def test_timeline_window_must_be_hh_mm():
    with pytest.raises(_report.ReportError, match='HH:MM'):
        _report.timeline_svg(model_of(), windows=[{'name': 'x', 'start': 'late'}])


# --- writing -----------------------------------------------------------------------------------

def test_write_puts_every_format_in_dest(tmp_path):
    paths = _report.write(model_of(), str(tmp_path / 'new' / 'folder'), 'fleet', _report.FORMATS, mode=0o640)
    assert sorted(os.path.basename(p) for p in paths.values()) == ['fleet.csv', 'fleet.html', 'fleet.json', 'fleet.md']
    assert all(stat.S_IMODE(os.stat(p).st_mode) == 0o640 for p in paths.values())
    assert sorted(os.listdir(str(tmp_path / 'new' / 'folder'))) == ['fleet.csv', 'fleet.html', 'fleet.json', 'fleet.md']
    with open(paths['csv'], newline='') as handle:
        assert handle.read().count('\r\n') == 1 + len(model_of()['tasks'])


@pytest.mark.parametrize('basename', ['../x', 'a/b', '', '..'])
def test_write_refuses_a_basename_with_a_folder(tmp_path, basename):
    with pytest.raises(_report.ReportError, match='basename'):
        _report.write(model_of(), str(tmp_path), basename, ['json'])


@pytest.mark.parametrize('seconds, text', [(None, ''), (0, '0s'), (59, '59s'), (61, '1m 01s'), (3600, '1h 00m'),
                                           (90061, '1d 1h')])
def test_duration_text(seconds, text):
    assert _report.duration_text(seconds) == text
