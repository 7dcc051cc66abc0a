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


# --- the tasks carried in a file (task_report_tasks_file, the default) ----------------------------

KEEP = '''---
- name: Fleet task report, and what the role registered kept for the test
  hosts: "{{ task_report_hosts | default('localhost') }}"
  gather_facts: false
  roles:
    - role: spectrum_protect.operations.task_report
  tasks:
    - name: Keep what the role registered (the harness's action, written on the controller)
      spops_save_results:
        expression: "{'read': _task_report_read, 'remote_file': _task_report_remote_file | default(none),
                      'local_dir': _task_report_local_dir | default(none)}"
        path: "%s/registered-{{ inventory_hostname }}.json"
      check_mode: false
'''


def run_kept(fleet, name, **kwargs):
    """run_report with a private TMPDIR (where ansible.builtin.tempfile puts the role's temporary
    file and folder, on the reading host and on the controller: both are this machine here) and
    a playbook that keeps what the role registered -> (run, {host: registered}, tmpdir)."""
    folder = os.path.join(fleet.home, name + '-kept')
    tmpdir = os.path.join(folder, 'tmp')
    os.makedirs(tmpdir)
    playbook = os.path.join(folder, 'playbook.yml')
    with open(playbook, 'w') as handle:
        handle.write(KEEP % folder)
    run = run_report(fleet, name, playbook=playbook, env={'TMPDIR': tmpdir}, **kwargs)
    kept = {}
    for entry in os.listdir(folder):
        if entry.startswith('registered-'):
            with open(os.path.join(folder, entry)) as handle:
                kept[entry[len('registered-'):-len('.json')]] = json.load(handle)
    return run, kept, tmpdir


def assert_no_temporary_files(kept, tmpdir):
    """The role's temporary file (reading host) and folder (controller) were in tmpdir and are gone."""
    assert os.listdir(tmpdir) == []
    for registered in kept.values():
        for key in ('remote_file', 'local_dir'):
            path = (registered[key] or {}).get('path')
            assert path and path.startswith(tmpdir + os.sep) and not os.path.exists(path), (key, registered[key])


def read_failed(read):
    """A read that failed (the role registers it with failed_when: false): an error, no tasks, no file."""
    return read.get('failed_when_result') is False and read.get('msg') and 'tasks' not in read \
        and 'tasks_file' not in read


def own_session(task, fleet):
    return task['type'] == 'session' and task['active'] and task['id'] not in seeded_sessions(fleet)[task['server']]


def without_own_sessions(report, fleet):
    """The report's servers and tasks, less what differs from one run to the next: the sessions of
    our own dsmadmc calls (and their count) and the moment it was written."""
    tasks = [t for t in report['tasks'] if not own_session(t, fleet)]
    servers = []
    for server in report['servers']:
        summary = dict(server['summary'], active=dict(server['summary']['active'], session=None), tasks=None)
        servers.append(dict(server, summary=summary))
    summary = dict(report['summary'], active=dict(report['summary']['active'], session=None), tasks=None)
    return {'tasks': tasks, 'servers': servers, 'summary': summary, 'parameters': report['parameters'],
            'title': report['title'], 'schema_version': report['schema_version']}


def test_the_tasks_go_through_a_file_and_the_report_is_the_inline_ones(fleet):
    for hub in (True, False):
        mode = 'hub' if hub else 'per-server'
        run, kept, tmpdir = run_kept(fleet, 'file-' + mode, hub=hub)
        inline = run_report(fleet, 'inline-' + mode, hub=hub, extra={'task_report_tasks_file': False})
        report = run.report
        assert_matches_fleet(report, fleet)
        assert_formats_agree(run)
        assert report['summary']['complete'] is True and report['summary']['servers_unreachable'] == 0
        assert without_own_sessions(report, fleet) == without_own_sessions(inline.report, fleet), mode
        # the registered reads held no task: each said where its tasks were and how many
        assert sorted(kept) == (['localhost'] if hub else sorted(names(fleet))), mode
        total = 0
        for host, registered in kept.items():
            read = registered['read']
            assert read['tasks'] == [] and read['tasks_file'] == registered['remote_file']['path'], host
            total += read['task_count']
            if not hub:
                assert read['task_count'] == len([t for t in report['tasks'] if t['server'] == host]) > 0, host
        assert total == report['summary']['tasks']
        assert_no_temporary_files(kept, tmpdir)


def test_no_temporary_file_is_left_when_the_read_fails_or_the_report_fails(fresh_fleet):
    fleet = fresh_fleet
    hub = hub_of(fleet)
    spoke = next(s['name'] for s in fleet.spec['servers'] if s.get('role') != 'hub')
    fleet.spemu('fault', spoke, 'down')
    # per server: the spoke's own read fails, the others' come through their files
    run, kept, tmpdir = run_kept(fleet, 'file-spoke-down', hub=False)
    assert_matches_fleet(run.report, fleet, down=(spoke,))
    assert read_failed(kept[spoke]['read'])
    assert all(kept[n]['read']['tasks_file'] for n in names(fleet) if n != spoke)
    assert_no_temporary_files(kept, tmpdir)
    # through the hub, with the hub down: the one read fails, and the report says so
    fleet.spemu('fault', hub, 'down')
    run, kept, tmpdir = run_kept(fleet, 'file-hub-down')
    assert read_failed(kept['localhost']['read'])
    summary = run.report['summary']
    assert summary['servers'] == summary['servers_unreachable'] >= 1 and run.report['tasks'] == []
    assert hub in [s['name'] for s in run.report['servers']]
    assert_no_temporary_files(kept, tmpdir)
    # the report fails (its folder is a file): the play fails, the temporary files are still removed
    fleet.spemu('fault', hub, 'clear')
    blocked = os.path.join(fleet.home, 'a-file')
    with open(blocked, 'w') as handle:
        handle.write('not a folder\n')
    for hub_mode in (True, False):
        run, kept, tmpdir = run_kept(fleet, 'file-report-fails-%s' % hub_mode, hub=hub_mode, verbose=True,
                                     extra={'task_report_dest': blocked}, expect_rc=2)
        assert 'could not write the report' in run.output
        assert kept == {} and os.listdir(tmpdir) == []
        made = set(re.findall(r'"path": "(%s/sp-task-report\.[^"]+)"' % re.escape(tmpdir), run.output))
        assert len(made) == (2 if hub_mode else 1 + len(names(fleet))), made    # a file per read, one folder
        assert not [path for path in made if os.path.exists(path)]


def test_check_mode_leaves_no_temporary_file(fleet):
    run, kept, tmpdir = run_kept(fleet, 'file-check', check=True)
    assert not os.path.exists(run.dest) and 'HTML: %s' % run.path('html') in run.output
    assert kept['localhost']['read']['task_count'] > 0 and kept['localhost']['read']['changed'] is False
    assert_no_temporary_files(kept, tmpdir)


def test_the_action_reports_a_stale_short_or_missing_copy_as_servers_not_read(fleet):
    """sp_task_report itself, with tasks_dir: the local copy (here the file the read wrote, this
    being the controller) loses its last line, or is not there at all."""
    hub = hub_of(fleet)
    folder = os.path.join(fleet.home, 'short-copy')
    os.makedirs(folder)
    copy = os.path.join(folder, 'localhost.jsonl')
    results = fleet.playbook('''
        - name: read into a file
          spectrum_protect.operations.sp_task_info:
            server: %(hub)s
            route_to: %(servers)s
            admin_id: ADMIN
            password: passw0rd
            tasks_file: %(copy)s
          register: r_read
        - name: the full copy
          spectrum_protect.operations.sp_task_report:
            hosts: [localhost]
            result_var: r_read
            tasks_dir: %(folder)s
            dest: %(folder)s/full
          register: r_full
        - name: another first task, as a copy left from another run (as many lines)
          ansible.builtin.command:
            argv: [sed, -i, '1s/"id": \\([0-9]\\)/"id": 9\\1/', %(copy)s]
          changed_when: true
        - name: the stale copy
          spectrum_protect.operations.sp_task_report:
            hosts: [localhost]
            result_var: r_read
            tasks_dir: %(folder)s
            dest: %(folder)s/stale
          register: r_stale
        - name: lose the last line
          ansible.builtin.command:
            argv: [sed, -i, "$d", %(copy)s]
          changed_when: true
        - name: the short copy
          spectrum_protect.operations.sp_task_report:
            hosts: [localhost]
            result_var: r_read
            tasks_dir: %(folder)s
            dest: %(folder)s/short
          register: r_short
        - name: without a copy
          spectrum_protect.operations.sp_task_report:
            hosts: [localhost]
            result_var: r_read
            tasks_dir: %(folder)s/nothing-here
            dest: %(folder)s/missing
          register: r_missing
        ''' % {'hub': hub, 'servers': json.dumps(names(fleet)), 'copy': copy, 'folder': folder})
    read = results['r_read']
    assert read['tasks'] == [] and read['tasks_file'] == copy and read['task_count'] > 0
    assert len(read['tasks_checksum']) == 40
    full = results['r_full']
    assert full['summary']['tasks'] == read['task_count'] and full['summary']['servers_unreachable'] == 0
    for name, words in (('r_stale', ['is not the file the read wrote to %s' % copy, read['tasks_checksum'],
                                     'stale or altered copy']),
                        ('r_short', ['holds %d tasks, the read wrote %d' % (read['task_count'] - 1, read['task_count'])]),
                        ('r_missing', ['nothing-here/localhost.jsonl', 'is missing'])):
        result = results[name]
        assert result['summary']['tasks'] == 0, name
        assert result['summary']['servers_unreachable'] == len(names(fleet)), name
        for server in result['servers']:
            for word in words:
                assert word in server['error'], (name, server)
        with open(result['paths']['json'], encoding='utf-8') as handle:
            report = json.load(handle)
        assert report['tasks'] == [] and report['summary']['complete'] is False
