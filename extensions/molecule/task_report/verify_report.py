"""Check task reports (every format) against an sp_task_info result of the same fleet.

    verify_report.py --result=R.json --fleet=FLEET.yml --schema=S.json --down=NAME DIR [DIR ...]

Each DIR holds task-report.{json,csv,md,html} written by the task_report role. The reports and R were
read at different moments of a frozen fleet, so they agree on everything but the administrative
sessions of the reads themselves (each read has its own); those are the only tasks left out.
Exits 1 with every difference listed, 0 with one line per check.
"""
import argparse
import csv
import html.parser
import json
import os
import re
import sys

import jsonschema
import yaml

COUNTS = ('successful', 'warning', 'failed', 'unknown')


class Checker(object):
    def __init__(self):
        self.problems = []
        self.passed = []

    def check(self, ok, what, detail=''):
        (self.passed if ok else self.problems).append(what + ('' if ok or detail == '' else ': ' + str(detail)))


class Page(html.parser.HTMLParser):
    def __init__(self):
        html.parser.HTMLParser.__init__(self)
        self.urls = []
        self.data = ''
        self._in_data = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        for key in ('src', 'href', 'action'):
            if attrs.get(key) and not attrs[key].startswith('#'):
                self.urls.append(attrs[key])
        self._in_data = tag == 'script' and attrs.get('id') == 'report-data'

    def handle_data(self, data):
        if self._in_data:
            self.data += data

    def handle_endtag(self, tag):
        if tag == 'script':
            self._in_data = False


def own_sessions_left_out(tasks, seeded):
    """Tasks without the active sessions the fleet file does not seed (the reads' own)."""
    return [t for t in tasks if not (t['type'] == 'session' and t['active'] and t['id'] not in seeded.get(t['server'], ()))]


def key(task):
    return (task['server'], task['type'], task['id'], task['state'], task['outcome'], task['start_time'],
            task['end_time'], task['duration_seconds'], task['job_id'], task['parent_process'], task['description'],
            len(task.get('messages') or []))


def counts(summary):
    return dict((k, summary.get(k, 0)) for k in COUNTS)


def check_report(c, folder, result, seeded, schema, down):
    name = os.path.basename(folder.rstrip('/'))
    paths = dict((ext, os.path.join(folder, 'task-report.' + ext)) for ext in ('json', 'csv', 'md', 'html'))
    for ext, path in sorted(paths.items()):
        c.check(os.path.isfile(path), '%s: %s written' % (name, ext), path)
    with open(paths['json'], encoding='utf-8') as handle:
        report = json.load(handle)

    # JSON: its schema, its servers, counts and tasks are sp_task_info's
    try:
        jsonschema.validate(report, schema)
        c.check(True, '%s: JSON follows schema %s' % (name, report['schema_version']))
    except jsonschema.ValidationError as exc:
        c.check(False, '%s: JSON follows its schema' % name, exc.message)
    want_servers = dict((s['name'], s) for s in result['servers'])
    got_servers = dict((s['name'], s) for s in report['servers'])
    c.check(list(got_servers) == list(want_servers), '%s: the servers, in order' % name,
            '%s != %s' % (list(got_servers), list(want_servers)))
    for server, entry in got_servers.items():
        want = want_servers.get(server, {})
        if server == down:
            c.check(entry['reachable'] is False and entry['read'] is False and bool(entry['error']),
                    '%s: %s is reported as not read, with its error' % (name, server), entry)
            c.check(want.get('reachable') is False, '%s: sp_task_info too finds %s unreachable' % (name, server), want)
            continue
        c.check(entry['version'] == want.get('version') and entry['reachable'] is True,
                '%s: %s read, version %s' % (name, server, entry['version']), (entry, want))
        c.check(counts(entry['summary']) == counts(want.get('summary', {})),
                '%s: %s header counts %s' % (name, server, counts(entry['summary'])),
                '%s != %s' % (counts(entry['summary']), counts(want.get('summary', {}))))
    c.check(counts(report['summary']) == counts(result['summary']),
            '%s: fleet header counts %s' % (name, counts(report['summary'])),
            '%s != %s' % (counts(report['summary']), counts(result['summary'])))
    for task_type in ('process', 'job'):
        c.check(report['summary']['active'][task_type] == result['summary']['active'][task_type],
                '%s: active %ss %d' % (name, task_type, report['summary']['active'][task_type]))
    c.check(report['summary']['complete'] is False and any(down in r for r in report['summary']['incomplete_reasons']),
            '%s: counts marked incomplete because %s is down' % (name, down), report['summary']['incomplete_reasons'])
    got = set(key(t) for t in own_sessions_left_out(report['tasks'], seeded))
    want = set(key(t) for t in own_sessions_left_out(result['tasks'], seeded))
    difference = 'only in the report: %s; only in sp_task_info: %s' % (sorted(got - want)[:5], sorted(want - got)[:5])
    c.check(got == want, '%s: the same %d tasks as sp_task_info (states, outcomes, times, links, messages)'
            % (name, len(got)), difference)

    # CSV: one row per task, in the JSON's order, stable columns, ISO times
    with open(paths['csv'], newline='', encoding='utf-8') as handle:
        rows = list(csv.DictReader(handle))
    c.check([(r['server'], r['type'], r['id'], r['state'], r['outcome']) for r in rows] ==
            [(t['server'], t['type'], str(t['id']), t['state'], t['outcome'] or '') for t in report['tasks']],
            '%s: CSV has one row per task (%d)' % (name, len(rows)))
    c.check(all(re.match(r'^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$', r['start_time']) for r in rows),
            '%s: CSV times are ISO 8601' % name)

    # Markdown: the fleet's counts, the server that is down, every failed task
    with open(paths['md'], encoding='utf-8') as handle:
        markdown = handle.read()
    s = report['summary']
    fleet_row = '| **Fleet** | %d | %d | %d | %d | %d | %d | %d |' % (
        s['successful'], s['warning'], s['failed'], s['unknown'], s['active']['session'], s['active']['process'],
        s['active']['job'])
    c.check(fleet_row in markdown, '%s: Markdown counts row' % name, fleet_row)
    c.check('- **%s** could not be read' % down in markdown and
            markdown.index('- **%s** could not be read' % down) < markdown.index('## Counts'),
            '%s: Markdown names %s first' % (name, down))
    failed = [t for t in report['tasks'] if t['outcome'] in ('failed', 'terminated')]
    section = markdown.split('## Failed tasks (%d)' % len(failed))
    c.check(len(section) == 2 and all('| %s | %s | %s |' % (t['server'], t['type'], t['id']) in section[1]
                                      for t in failed),
            '%s: Markdown lists the %d failed tasks' % (name, len(failed)))

    # HTML: self-contained, the counts shown, every task in its data
    page = Page()
    with open(paths['html'], encoding='utf-8') as handle:
        text = handle.read()
    page.feed(text)
    c.check(page.urls == [], '%s: HTML loads nothing from elsewhere' % name, page.urls)
    data = json.loads(page.data)
    c.check(len(data['rows']) == len(report['tasks']), '%s: HTML holds the %d tasks' % (name, len(data['rows'])))
    shown = dict((k, int(v)) for k, v in re.findall(r'data-count="(\w+)"[^>]*><span class="n">(\d+)</span>', text))
    c.check(shown.get('failed') == s['failed'] and shown.get('warning') == s['warning']
            and shown.get('successful') == s['successful'], '%s: HTML header counts' % name, shown)
    c.check('%s</strong>:' % down in text and 'could not be read' in text, '%s: HTML names %s at the top' % (name, down))
    return report


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--result', required=True)
    parser.add_argument('--fleet', required=True)
    parser.add_argument('--schema', required=True)
    parser.add_argument('--down', required=True)
    parser.add_argument('folders', nargs='+')
    args = parser.parse_args()
    with open(args.result, encoding='utf-8') as handle:
        result = json.load(handle)
    with open(args.fleet, encoding='utf-8') as handle:
        fleet = yaml.safe_load(handle)
    with open(args.schema, encoding='utf-8') as handle:
        schema = json.load(handle)
    seeded = dict((s['name'], set(x['id'] for x in s.get('sessions', []) if 'id' in x)) for s in fleet['servers'])
    c = Checker()
    reports = [check_report(c, folder, result, seeded, schema, args.down) for folder in args.folders]
    if len(reports) > 1:
        first = set(key(t) for t in own_sessions_left_out(reports[0]['tasks'], seeded))
        for folder, other in zip(args.folders[1:], reports[1:]):
            c.check(set(key(t) for t in own_sessions_left_out(other['tasks'], seeded)) == first,
                    'the hub and the per-server reports agree (%s)' % os.path.basename(folder.rstrip('/')))
    for line in c.passed:
        print('ok   ' + line)
    for line in c.problems:
        print('FAIL ' + line)
    return 1 if c.problems else 0


if __name__ == '__main__':
    sys.exit(main())
