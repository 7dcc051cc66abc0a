"""The task_report role through ansible-playbook (playbooks/task_report.yml) against the emulated fleet.

Through a hub and per server (every inventory host one server), with a spoke down, with
thresholds, in check mode and with a canary password. What the report must say comes from the
fleet file (expected.py); what the files say is read back from the files themselves.
"""
import json
import os
import re

import yaml

import expected
from conftest import make_fleet, DEMO_FLEET
from task_report_run import hub_of, names, run_report

DAY = 86400


def seeded_sessions(fleet):
    return dict((s['name'], set(expected.active_sessions(s))) for s in fleet.spec['servers'])


def comparable(report, fleet):
    """The report's tasks without the sessions of our own dsmadmc calls (each read has its own)."""
    seeded = seeded_sessions(fleet)
    out = set()
    for t in report['tasks']:
        if t['type'] == 'session' and t['active'] and t['id'] not in seeded[t['server']]:
            continue
        out.add((t['server'], t['type'], t['id'], t['state'], t['outcome'], t['start_time'], t['end_time'],
                 t['job_id'], t['parent_process'], t['description'], len(t.get('messages') or [])))
    return out


def counts(summary):
    return dict((k, summary[k]) for k in ('successful', 'warning', 'failed', 'unknown'))


def assert_matches_fleet(report, fleet, down=()):
    """Per server, the page's header counts computed from the fleet file; the fleet's is their sum."""
    total = {'successful': 0, 'warning': 0, 'failed': 0}
    by_name = dict((s['name'], s) for s in report['servers'])
    assert list(by_name) == names(fleet)
    for srv in fleet.spec['servers']:
        entry = by_name[srv['name']]
        if srv['name'] in down:
            assert entry['reachable'] is False and entry['error'], entry
            assert not [t for t in report['tasks'] if t['server'] == srv['name']]
            continue
        assert entry['reachable'] is True and entry['version'] == srv['version']
        want = expected.header_counts(srv, since=DAY)
        assert dict((k, entry['summary'][k]) for k in want) == want, srv['name']
        for key in total:
            total[key] += want[key]
        jobs = dict((t['id'], t['state']) for t in report['tasks'] if t['server'] == srv['name'] and t['type'] == 'job')
        assert jobs == expected.jobs(srv, since=DAY), srv['name']
        done = dict(((t['type'], t['id']), t['state']) for t in report['tasks']
                    if t['server'] == srv['name'] and not t['active'] and t['type'] != 'job')
        assert done == expected.completed(srv, since=DAY), srv['name']
    assert dict((k, report['summary'][k]) for k in total) == total


def assert_formats_agree(run):
    """CSV, Markdown and the HTML page say what the JSON report says."""
    report = run.report
    rows = run.csv_rows()
    assert [(r['server'], r['type'], r['id'], r['state']) for r in rows] == \
        [(t['server'], t['type'], str(t['id']), t['state']) for t in report['tasks']]
    summary = report['summary']
    markdown = run.text('md')
    fleet_row = '| **Fleet** | %d | %d | %d | %d | %d | %d | %d |' % (
        summary['successful'], summary['warning'], summary['failed'], summary['unknown'],
        summary['active']['session'], summary['active']['process'], summary['active']['job'])
    assert fleet_row in markdown
    failed = [t for t in report['tasks'] if t['outcome'] in ('failed', 'terminated')]
    assert '## Failed tasks (%d)' % len(failed) in markdown
    page = run.text('html')
    shown = dict(re.findall(r'data-count="(\w+)"[^>]*><span class="n">(\d+)</span>', page))
    assert int(shown['failed']) == summary['failed'] and int(shown['successful']) == summary['successful']
    assert int(shown['active']) == sum(summary['active'].values())
    data = json.loads(re.search(r'<script type="application/json" id="report-data">(.*?)</script>', page, re.S).group(1))
    assert len(data['rows']) == len(report['tasks'])


def test_hub_and_per_server_give_the_same_report(fleet):
    hub = run_report(fleet, 'hub')
    per_server = run_report(fleet, 'per-server', hub=False)
    for run in (hub, per_server):
        assert_matches_fleet(run.report, fleet)
        assert_formats_agree(run)
        assert run.report['summary']['servers_unreachable'] == 0
        assert 'HTML: %s' % run.path('html') in run.output
    assert hub.report['parameters']['mode'] == 'hub' and hub.report['parameters']['hub'] == hub_of(fleet)
    assert per_server.report['parameters']['mode'] == 'per_server'
    assert comparable(hub.report, fleet) == comparable(per_server.report, fleet)
    assert counts(hub.report['summary']) == counts(per_server.report['summary'])
    for key in ('process', 'job'):
        assert hub.report['summary']['active'][key] == per_server.report['summary']['active'][key]
    # the activity log pane has each task's messages (the role reads them by default)
    failed = [t for t in hub.report['tasks'] if t['outcome'] == 'failed']
    assert failed and all(t['messages'] for t in failed)
    stats = hub.stats()
    assert counts(stats['summary']) == counts(hub.report['summary'])
    assert stats['paths']['html'] == hub.path('html') and stats['servers_unreachable'] == []


def test_a_spoke_down_stands_at_the_top_and_the_rest_is_reported(fresh_fleet):
    fleet = fresh_fleet
    spoke = next(s['name'] for s in fleet.spec['servers'] if s.get('role') != 'hub')
    fleet.spemu('fault', spoke, 'down')
    hub = run_report(fleet, 'hub-down')
    per_server = run_report(fleet, 'per-server-down', hub=False, aliases=True)   # hosts sp-hub1 ... name their stanzas
    for run in (hub, per_server):
        report = run.report
        assert_matches_fleet(report, fleet, down=(spoke,))
        assert_formats_agree(run)
        assert report['summary']['complete'] is False
        assert '%s could not be read' % spoke in report['summary']['incomplete_reasons']
        markdown = run.text('md')
        assert markdown.index('- **%s** could not be read' % spoke) < markdown.index('## Counts')
        page = run.text('html')
        assert page.index('1 server could not be read') < page.index('id="servers-h"') < page.index('id="tasks-h"')
        assert '%s could not be read' % spoke in run.output
        assert run.stats()['servers_unreachable'] == [spoke]
    assert comparable(hub.report, fleet) == comparable(per_server.report, fleet)


def test_thresholds_fail_the_play_after_the_files_are_written(fleet):
    run = run_report(fleet, 'thresholds', extra={'task_report_max_failed': 0, 'task_report_max_unreachable': 0,
                                                 'task_report_formats': ['json', 'markdown']},
                     expect_rc=2)
    report = run.report
    failed = report['summary']['failed']
    assert failed > 0
    assert 'Task report thresholds exceeded: failed tasks %d > 0.' % failed in run.output
    assert 'unreachable servers' not in run.output.split('thresholds exceeded')[1].split('\n')[0]
    assert report['thresholds'] == {'failed': {'limit': 0, 'value': failed, 'exceeded': True},
                                    'unreachable': {'limit': 0, 'value': 0, 'exceeded': False}}
    assert sorted(os.listdir(run.dest)) == ['task-report.json', 'task-report.md']
    assert run.stats()['thresholds_exceeded'] == ['failed']      # published before the play failed
    assert 'failed tasks %d > 0' % failed in run.text('md')


def test_check_mode_writes_nothing(fleet):
    run = run_report(fleet, 'check', check=True)
    assert not os.path.exists(run.dest)
    assert 'HTML: %s' % run.path('html') in run.output


def test_the_password_never_reaches_a_report_or_the_output(tmp_path_factory, tmp_path):
    canary = 'Canary-%s-x7Q' % os.getpid()
    with open(DEMO_FLEET) as handle:
        spec = yaml.safe_load(handle)
    for admin in spec['defaults']['admins']:
        admin['password'] = canary
    fleet_file = str(tmp_path / 'fleet.yml')
    with open(fleet_file, 'w') as handle:
        yaml.safe_dump(spec, handle)
    fleet = make_fleet(tmp_path_factory, fleet_file)
    run = run_report(fleet, 'canary', password=canary, verbose=True,
                     extra={'task_report_include_raw': True, 'task_report_markdown_full': True})
    assert run.report['summary']['tasks'] > 0                       # it really signed on with the canary
    assert canary not in run.output
    for name in os.listdir(run.dest):
        with open(os.path.join(run.dest, name), encoding='utf-8') as handle:
            assert canary not in handle.read(), name


def test_bad_role_variables_are_refused_before_anything_runs(fleet):
    bad = {'task_report_types': ['tape'], 'task_report_formats': ['pdf'], 'task_report_max_failed': 'many'}
    run = run_report(fleet, 'bad-variables', extra=bad, expect_rc=2)
    for name in bad:      # the role's argument spec names every one of them at once
        assert name in run.output, name
    assert 'Read the sessions, processes and jobs' not in run.output
    assert not os.path.exists(run.dest)
