# -*- coding: utf-8 -*-
# Copyright: spectrum_protect.operations contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The fleet task report: one model built from sp_task_info results, written as HTML, JSON, CSV
and Markdown.

Controller-side only (the sp_task_report action plugin and the tests use it). Everything is plain
Python over lists and dicts, linear in the number of tasks: 100,000 tasks are one pass per format,
never a template loop. The HTML page's frame, stylesheet and script are the files in
``_report_assets/``; the data goes into the page as one JSON document the script reads.

The schema of the JSON report (``SCHEMA_VERSION``) is documented in docs/task-report.md and in
``roles/task_report/files/task-report.schema.json``.
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import csv
import datetime
import hashlib
import html
import io
import json
import os
import re
import time

SCHEMA_VERSION = '1.0'
FORMATS = ('html', 'json', 'csv', 'markdown')
EXTENSIONS = {'html': 'html', 'json': 'json', 'csv': 'csv', 'markdown': 'md'}
TASK_TYPES = ('session', 'process', 'job')
ASSETS = os.path.join(os.path.dirname(os.path.abspath(__file__)), '_report_assets')

# The task fields of the JSON report, in order. Keys a newer sp_task_info adds are kept after them.
TASK_FIELDS = ('server', 'type', 'id', 'state', 'active', 'outcome', 'outcome_verified',
               'start_time', 'end_time', 'duration_seconds', 'description', 'client_name',
               'session_type', 'platform', 'comm_method', 'wait_seconds', 'bytes_sent',
               'bytes_received', 'job_id', 'job_name', 'job_type', 'parent_process', 'status_text',
               'messages')
# The CSV columns: stable, one row per task. `messages` is the number of activity-log messages,
# `last_message` the latest one (the full log is in the JSON and HTML reports).
CSV_COLUMNS = ('server', 'type', 'id', 'state', 'active', 'outcome', 'outcome_verified',
               'start_time', 'end_time', 'duration_seconds', 'description', 'client_name',
               'session_type', 'platform', 'job_id', 'job_name', 'job_type', 'parent_process',
               'status_text', 'wait_seconds', 'bytes_sent', 'bytes_received', 'messages',
               'last_message')
CSV_TEXT_COLUMNS = frozenset(['server', 'state', 'description', 'client_name', 'session_type',
                              'platform', 'job_name', 'job_type', 'status_text', 'last_message'])
COUNT_KEYS = ('successful', 'warning', 'failed', 'unknown')
PROBLEM_OUTCOMES = ('failed', 'terminated', 'warning', 'unknown')
_SHA1_RE = re.compile(r'^[0-9a-fA-F]{40}$')


class ReportError(ValueError):
    """Input the report cannot be built from (the action plugin turns it into a failed task)."""


class TasksFileError(ValueError):
    """The tasks of one read (sp_task_info tasks_file) cannot be taken from its local copy: the
    servers of that read are reported as not read, with this message."""


# --- the model ---------------------------------------------------------------------------------

def _now_utc():
    return datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)


def _int(value, default=0):
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def _empty_counts():
    return {'successful': 0, 'warning': 0, 'failed': 0, 'unknown': 0,
            'active': dict((t, 0) for t in TASK_TYPES)}


def _add_counts(total, counts):
    for key in COUNT_KEYS:
        total[key] += _int((counts or {}).get(key))
    active = (counts or {}).get('active') or {}
    for task_type in TASK_TYPES:
        total['active'][task_type] += _int(active.get(task_type))


def _counts_of(tasks):
    """Header counts from tasks, as sp_task_info computes them, for a result without a summary."""
    counts = _empty_counts()
    for task in tasks:
        if task.get('active'):
            if task.get('type') in TASK_TYPES:
                counts['active'][task['type']] += 1
        elif task.get('outcome') == 'successful':
            if task.get('type') != 'session':
                counts['successful'] += 1
        elif task.get('outcome') in ('warning', 'failed', 'unknown'):
            counts[task['outcome']] += 1
        elif task.get('outcome') == 'terminated':
            counts['failed'] += 1
    return counts


def _text(value):
    """A warning or error as text (ansible-core may hand over objects with a message)."""
    if value is None:
        return None
    if isinstance(value, dict):
        return str(value.get('msg') or value.get('message') or value)
    return str(getattr(value, 'msg', None) or value)


def _is_read(result):
    """True for an sp_task_info result that read something (a failed read has no `tasks`)."""
    return isinstance(result, dict) and isinstance(result.get('tasks'), list) and not result.get('failed')


def _failed_read_name(result, host):
    invocation = (result or {}).get('invocation') or {}
    args = invocation.get('module_args') or {}
    return str(args.get('server') or host or 'unknown server').upper()


def _failed_read_error(result, host):
    if not isinstance(result, dict) or not result:
        return 'no result: host %s was not reached by Ansible' % host
    if result.get('skipped'):
        return 'the read was skipped on host %s' % host
    if result.get('unreachable'):
        return 'host %s was unreachable for Ansible: %s' % (host, _text(result.get('msg')))
    message = _text(result.get('msg')) or 'the read failed without a message'
    if result.get('module_stderr') and 'MODULE FAILURE' in message:
        message += ' (%s)' % str(result['module_stderr']).strip().splitlines()[-1][:300]
    return message


def _error(value):
    """One failed query as {query, kind, rc, message_ids, msg}, from sp_task_info's dict or a bare message."""
    if isinstance(value, dict):
        return {'query': value.get('query'), 'kind': value.get('kind'), 'rc': value.get('rc'),
                'message_ids': [str(m) for m in value.get('message_ids') or []],
                'msg': _text(value.get('msg')) or _text(value.get('message')) or ''}
    return {'query': None, 'kind': None, 'rc': None, 'message_ids': [], 'msg': _text(value) or ''}


def error_lines(server):
    """A server's failed queries as text, each once: 'actlog: ...' or the bare message."""
    lines = []
    for entry in server.get('errors') or []:
        line = '%s: %s' % (entry['query'], entry['msg']) if entry.get('query') else entry['msg']
        if line not in lines:
            lines.append(line)
    if not lines and server.get('error'):
        lines.append(str(server['error']))
    return lines


def _server_entry(server, reachable_default=True):
    errors = [_error(e) for e in server.get('errors') or []]
    if not errors and server.get('error'):
        errors = [_error(server['error'])]
    reachable = bool(server.get('reachable', reachable_default))
    entry = {
        'name': str(server.get('name') or 'unknown server'),
        'version': server.get('version'),
        'jobs_supported': server.get('jobs_supported'),
        'reachable': reachable,
        # read: its tasks were read (sp_task_info says `read: false` when a task query failed)
        'read': reachable and bool(server.get('read', True)),
        'error': _text(server.get('error')),
        'errors': errors,
    }
    for key, value in server.items():   # keys a newer sp_task_info adds (truncated, unverified, ...)
        if key not in entry and key not in ('summary',):
            entry[key] = value
    return entry


def _server_summary(summary, tasks):
    counts = _empty_counts()
    _add_counts(counts, summary if summary is not None else _counts_of(tasks))
    if summary is not None and 'unknown' not in summary:   # an sp_task_info without `unknown`
        counts['unknown'] = sum(1 for t in tasks if t.get('outcome') == 'unknown')
    if summary is not None and 'complete' in summary:
        counts['complete'] = bool(summary['complete'])
    counts['unverified'] = sum(1 for t in tasks if t.get('outcome_verified') is False)
    counts['tasks'] = len(tasks)
    return counts


def _task(task, include_raw, include_messages):
    out = {}
    for key in TASK_FIELDS:
        if key == 'messages':
            if include_messages and task.get('messages') is not None:
                out['messages'] = task['messages']
            continue
        out[key] = task.get(key)
    for key, value in task.items():
        if key not in out and key not in ('raw', 'messages'):
            out[key] = value
    if include_raw and 'raw' in task:
        out['raw'] = task['raw']
    return out


def _file_tasks(result, local, include_raw, include_messages):
    """The tasks of a read that wrote them to a file (sp_task_info ``tasks_file``), from its local
    copy ``local``, converted line by line into the report's form -> {server: [task, ...]}.

    Each line is read, decoded and converted on its own, so the fleet is never held twice.
    Raises TasksFileError when the copy is missing or unreadable, a line is not a task, or the copy
    holds another number of tasks than the read wrote (``task_count``) or other bytes
    (``tasks_checksum``, the SHA-1 of the file: a stale copy of the same length is not taken)."""
    written = result.get('tasks_file')
    expected = result.get('task_count')
    checksum = result.get('tasks_checksum')
    if local is None:
        raise TasksFileError('its tasks were written to %s on the managed node and no local copy was given '
                             '(sp_task_report tasks_dir)' % written)
    if not isinstance(expected, int) or isinstance(expected, bool) or expected < 0:
        raise TasksFileError('the read wrote its tasks to %s but says no task_count (got %r)' % (written, expected))
    if not isinstance(checksum, str) or not _SHA1_RE.match(checksum):
        raise TasksFileError('the read wrote its tasks to %s but says no tasks_checksum (got %r)' % (written, checksum))
    by_server = {}
    count = 0
    digest = hashlib.sha1()     # the checksum sp_task_info gives the file (as stat and fetch do)
    try:
        with open(local, 'rb') as handle:
            for number, line in enumerate(handle, 1):
                digest.update(line)
                if not line.strip():
                    continue
                try:
                    task = json.loads(line.decode('utf-8'))
                except ValueError as exc:     # UnicodeDecodeError is a ValueError too
                    raise TasksFileError('line %d of the local copy %s of %s is not a JSON task: %s'
                                         % (number, local, written, exc))
                if not isinstance(task, dict):
                    raise TasksFileError('line %d of the local copy %s of %s is a %s, not a task'
                                         % (number, local, written, type(task).__name__))
                count += 1
                by_server.setdefault(task.get('server'), []).append(_task(task, include_raw, include_messages))
    except OSError as exc:
        if isinstance(exc, FileNotFoundError):
            raise TasksFileError('its tasks were written to %s, but the local copy %s is missing' % (written, local))
        raise TasksFileError('the local copy %s of %s could not be read: %s' % (local, written, exc.strerror or exc))
    if count != expected:
        raise TasksFileError('the local copy %s of %s holds %d task%s, the read wrote %d'
                             % (local, written, count, '' if count == 1 else 's', expected))
    if digest.hexdigest() != checksum.lower():
        raise TasksFileError('the local copy %s is not the file the read wrote to %s: its SHA-1 is %s, the read '
                             'wrote %s (a stale or altered copy)' % (local, written, digest.hexdigest(), checksum))
    return by_server


def local_copies(results, hosts, tasks_dir):
    """For each result that wrote its tasks to a file (tasks_file), the controller path of its
    local copy: TASKS_DIR/HOST.jsonl, HOST its entry in `hosts`; None when there is none to take
    (build then says so for that read's servers). [] without a tasks_dir."""
    if not tasks_dir:
        return []
    folder = os.path.abspath(os.path.expanduser(tasks_dir))
    out = []
    for index, result in enumerate(results or []):
        host = hosts[index] if index < len(hosts) else None
        wrote = isinstance(result, dict) and result.get('tasks_file')
        named = host and host not in ('.', '..') and os.path.basename(host) == host
        out.append(os.path.join(folder, '%s.jsonl' % host) if wrote and named else None)
    return out


def _lost_read(result, error):
    """The servers of a read whose tasks could not be taken (TasksFileError): each not read, with
    the error; what the read said of them (name, version, its own errors) is kept."""
    known = [s for s in result.get('servers') or [] if isinstance(s, dict) and s.get('name')]
    if not known:
        known = [{'name': _failed_read_name(result, None)}]
    entries = []
    for server in known:
        entry = _server_entry(server)
        if entry['read']:
            entry['read'] = False
            entry['error'] = 'tasks not available: %s' % error
            entry['errors'] = entry['errors'] + [{'query': None, 'kind': 'tasks_file', 'rc': None,
                                                  'message_ids': [], 'msg': entry['error']}]
        entry['summary'] = _server_summary(None, [])
        entry['summary']['complete'] = False
        entries.append(entry)
    return entries


def build(results, hosts=None, title=None, parameters=None, include_raw=False,
          include_messages=True, thresholds=None, generated_at=None, tasks_files=None):
    """The report model from sp_task_info results.

    ``results``: the registered results (one routed read, or one per server); a failed read (no
    ``tasks``) becomes an unreachable server named by its module arguments or by ``hosts[i]``.
    ``tasks_files``: for a result that wrote its tasks to a file (``tasks_file``), the controller
    path of its local copy, at the same index as the result (None: no copy); the tasks are streamed
    from it. A copy that is missing, unreadable or short makes that read's servers not read.
    ``thresholds``: {'failed': N, 'unknown': N, 'unreachable': N}; None entries are off.
    """
    if not isinstance(results, list):
        raise ReportError('results must be a list of sp_task_info results, got %s' % type(results).__name__)
    hosts = list(hosts or [])
    tasks_files = list(tasks_files or [])
    servers, tasks, commands, warnings = [], [], [], []
    seen = set()
    fleet = _empty_counts()
    complete_flags = []
    for index, result in enumerate(results):
        host = hosts[index] if index < len(hosts) else None
        if result is not None and not isinstance(result, dict):
            raise ReportError('results[%d] is a %s, not an sp_task_info result' % (index, type(result).__name__))
        result = result or {}
        commands.extend(str(c) for c in result.get('commands') or [])
        warnings.extend(_text(w) for w in result.get('warnings') or [])
        if not _is_read(result):
            known = [s for s in result.get('servers') or [] if isinstance(s, dict) and s.get('name')]
            error = _failed_read_error(result, host)
            if not known:
                known = [{'name': _failed_read_name(result, host), 'reachable': False, 'error': error}]
            for server in known:
                entry = _server_entry(server, reachable_default=False)
                entry['reachable'] = entry['read'] = False
                entry['error'] = entry['error'] or error
                entry['errors'] = entry['errors'] or [_error(entry['error'])]
                if entry['name'] in seen:
                    continue
                seen.add(entry['name'])
                entry['summary'] = _server_summary(None, [])
                entry['summary']['complete'] = False
                servers.append(entry)
            continue
        # by server, each task in the report's form (converted once; the counts below read the
        # converted tasks, which keep every field they look at)
        if result.get('tasks_file'):
            try:
                by_server = _file_tasks(result, tasks_files[index] if index < len(tasks_files) else None,
                                        include_raw, include_messages)
            except TasksFileError as exc:
                for entry in _lost_read(result, exc):
                    if entry['name'] not in seen:
                        seen.add(entry['name'])
                        servers.append(entry)
                continue
        else:
            by_server = {}
            for task in result['tasks']:
                by_server.setdefault(task.get('server'), []).append(_task(task, include_raw, include_messages))
        result_tasks = [task for own in by_server.values() for task in own]
        for server in result.get('servers') or []:
            entry = _server_entry(server)
            own = by_server.pop(entry['name'], [])
            if entry['name'] in seen:
                warnings.append('server %s was read twice; the first read is reported' % entry['name'])
                continue
            seen.add(entry['name'])
            entry['summary'] = _server_summary(server.get('summary'), own)
            servers.append(entry)
            tasks.extend(own)
        for name, own in by_server.items():   # tasks of a server the result does not list
            name = str(name or 'unknown server')
            if name in seen:
                continue
            seen.add(name)
            entry = _server_entry({'name': name})
            entry['summary'] = _server_summary(None, own)
            servers.append(entry)
            tasks.extend(own)
        summary = result.get('summary')
        _add_counts(fleet, summary if summary is not None else _counts_of(result_tasks))
        if summary is not None and 'unknown' not in summary:
            fleet['unknown'] += sum(1 for t in result_tasks if t.get('outcome') == 'unknown')
        del result_tasks
        if summary is not None and 'complete' in summary:
            complete_flags.append(bool(summary['complete']))

    not_read, failed_queries, truncated, incomplete = [], [], [], []
    for entry in servers:
        counts = entry['summary']
        if not entry['read']:
            not_read.append(entry['name'])
        elif entry['errors']:
            queries = sorted(set(str(e['query']) for e in entry['errors'] if e['query']))
            failed_queries.append('%s (%s)' % (entry['name'], ', '.join(queries)) if queries else entry['name'])
        elif entry.get('truncated'):
            truncated.append('%s (%s)' % (entry['name'], ', '.join(str(q) for q in entry['truncated'])))
        elif counts.get('complete') is False and not counts['unverified'] and not counts['unknown']:
            incomplete.append(entry['name'])   # unverified and unknown tasks are counted below
    reasons = []
    for names, one, many in ((not_read, '%s could not be read', '%d servers could not be read: %s'),
                             (failed_queries, 'a query failed on %s', '%d servers had a query fail: %s'),
                             (truncated, 'answers were cut at the row limit on %s',
                              '%d servers had answers cut at the row limit: %s'),
                             (incomplete, '%s: its counts are incomplete', '%d servers report incomplete counts: %s')):
        if len(names) == 1:
            reasons.append(one % names[0])
        elif names:
            shown = ', '.join(names[:5]) + (' and %d more' % (len(names) - 5) if len(names) > 5 else '')
            reasons.append(many % (len(names), shown))
    unverified = sum(1 for t in tasks if t.get('outcome_verified') is False)
    if unverified:
        reasons.append('%d task outcome%s could not be verified' % (unverified, '' if unverified == 1 else 's'))
    if fleet['unknown']:
        reasons.append('%d task outcome%s unknown' % (fleet['unknown'], ' is' if fleet['unknown'] == 1 else 's are'))
    if False in complete_flags and not reasons:
        reasons.append('sp_task_info reported incomplete counts')
    fleet.update({
        'complete': not reasons,
        'incomplete_reasons': reasons,
        'unverified': unverified,
        'tasks': len(tasks),
        'servers': len(servers),
        'servers_unreachable': sum(1 for s in servers if not s['read']),
        'servers_with_errors': sum(1 for s in servers if s['read'] and s['errors']),
    })
    moment = generated_at or _now_utc()
    model = {
        'schema_version': SCHEMA_VERSION,
        'generator': 'spectrum_protect.operations.task_report',
        'generated_at': moment.strftime('%Y-%m-%dT%H:%M:%SZ') if hasattr(moment, 'strftime') else str(moment),
        'title': title or 'Spectrum Protect tasks',
        'parameters': dict(parameters or {}),
        'summary': fleet,
        'servers': servers,
        'tasks': tasks,
        'commands': commands,
        'warnings': [w for w in warnings if w],
    }
    model['thresholds'] = evaluate_thresholds(model, thresholds or {})
    return model


def evaluate_thresholds(model, limits):
    """{'failed': {'limit', 'value', 'exceeded'}, ...} for every threshold that is set."""
    summary = model['summary']
    values = {
        'failed': summary['failed'],
        'unknown': summary['unknown'],
        'unreachable': summary['servers_unreachable'],
    }
    out = {}
    for key in ('failed', 'unknown', 'unreachable'):
        limit = limits.get(key)
        if limit is None:
            continue
        limit = _int(limit, None)
        if limit is None or limit < 0:
            raise ReportError('threshold %s must be a number 0 or more, got %r' % (key, limits.get(key)))
        out[key] = {'limit': limit, 'value': values[key], 'exceeded': values[key] > limit}
    return out


def threshold_message(model, paths=None):
    """One sentence naming every exceeded threshold with its count, or None."""
    parts = []
    for key, label in (('failed', 'failed tasks'), ('unknown', 'tasks with an unknown outcome'),
                       ('unreachable', 'unreachable servers')):
        check = model['thresholds'].get(key)
        if check and check['exceeded']:
            part = '%s %d > %d' % (label, check['value'], check['limit'])
            if key == 'unreachable':
                part += ' (%s)' % ', '.join(s['name'] for s in model['servers'] if not s['read'])
            parts.append(part)
    if not parts:
        return None
    text = 'Task report thresholds exceeded: %s.' % '; '.join(parts)
    if paths:
        text += ' Report: %s' % (paths.get('html') or sorted(paths.values())[0])
    return text


# --- small formatting helpers ------------------------------------------------------------------

def duration_text(seconds):
    """1h 05m, 3d 4h, 45s; '' for None."""
    if seconds is None:
        return ''
    seconds = _int(seconds)
    if seconds < 60:
        return '%ds' % seconds
    minutes, _sec = divmod(seconds, 60)
    if minutes < 60:
        return '%dm %02ds' % (minutes, _sec)
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return '%dh %02dm' % (hours, minutes)
    days, hours = divmod(hours, 24)
    return '%dd %dh' % (days, hours)


def time_text(value):
    return str(value).replace('T', ' ') if value else ''


def outcome_label(task):
    """The state a person reads: the page's state, with an unverified outcome marked."""
    state = task.get('state') or (task.get('outcome') or '').capitalize() or 'Unknown'
    if task.get('outcome') == 'unknown' and state.lower() in ('successful', 'completed'):
        state = 'Unknown'   # never shown as a success
    if task.get('outcome_verified') is False and not task.get('active'):
        state += ' (unverified)'
    return state


def task_label(task):
    """'SPOKE1 process 601'."""
    return '%s %s %s' % (task.get('server'), task.get('type'), task.get('id'))


def task_text(task):
    """Description or client, as the Tasks page's column shows it."""
    if task.get('type') == 'session':
        parts = [task.get('client_name'), task.get('description')]
        return ' \u00b7 '.join(str(p) for p in parts if p)
    return str(task.get('description') or task.get('job_name') or '')


def restriction(server):
    if server.get('jobs_supported') is False:
        return ('V%s: jobs are not shown (the Tasks page shows jobs of servers at V8.1.12 or later)'
                % (server.get('version') or 'before 8.1.12'))
    return None


def since_text(parameters):
    since = parameters.get('since')
    return 'completed tasks of the last %s and every active task' % since if since else 'every task read'


# --- JSON --------------------------------------------------------------------------------------

def to_json(model):
    out = io.StringIO()
    _write_json(model, out)
    return out.getvalue()


def _write_json(model, handle):
    """The model as compact JSON written piece by piece: the tasks one at a time, never the whole
    text (to_json is this into a string)."""
    _write_streamed(model, 'tasks', handle, _compact_json)
    handle.write('\n')


def _compact_json(value):
    return json.dumps(value, ensure_ascii=False, separators=(',', ':'))


def _write_streamed(document, key, handle, dumps):
    """dumps(document) written piece by piece: the items of its list (or iterable) under `key`
    one at a time, every other value whole. The text is exactly dumps of the whole document, for
    a `dumps` with compact separators (',', ':')."""
    handle.write('{')
    for number, (name, value) in enumerate(document.items()):
        handle.write('%s%s:' % (',' if number else '', dumps(name)))
        if name != key or value is None or isinstance(value, (dict, str)):
            handle.write(dumps(value))
            continue
        handle.write('[')
        for at, item in enumerate(value):
            if at:
                handle.write(',')
            handle.write(dumps(item))
        handle.write(']')
    handle.write('}')


# --- CSV ---------------------------------------------------------------------------------------

_FORMULA = re.compile(r'^[=+\-@\t\r]')


def _csv_value(column, value):
    if value is None:
        return ''
    if isinstance(value, bool):
        return 'true' if value else 'false'
    text = str(value)
    if column in CSV_TEXT_COLUMNS and _FORMULA.match(text):
        return "'" + text   # a spreadsheet must not run a server's text as a formula
    return text


def to_csv(model):
    out = io.StringIO()
    _write_csv(model, out)
    return out.getvalue()


def _write_csv(model, out):
    """The CSV rows written to `out` one at a time."""
    writer = csv.writer(out, lineterminator='\r\n')
    writer.writerow(CSV_COLUMNS)
    for task in model['tasks']:
        messages = task.get('messages')
        row = []
        for column in CSV_COLUMNS:
            if column == 'messages':
                value = len(messages) if messages is not None else None
            elif column == 'last_message':
                value = ('%s %s' % (messages[-1].get('time') or '', messages[-1].get('message') or '')).strip() \
                    if messages else None
            else:
                value = task.get(column)
            row.append(_csv_value(column, value))
        writer.writerow(row)


# --- Markdown ----------------------------------------------------------------------------------

_MD_ESCAPE = re.compile(r'([\\|*`\[\]])')


def md(value):
    """A table cell: no newlines, pipes and emphasis escaped, HTML neutralised."""
    if value is None:
        return ''
    text = ' '.join(str(value).split())
    text = _MD_ESCAPE.sub(r'\\\1', text)
    return text.replace('<', '&lt;')


def _md_table(headers, rows, align=None):
    align = align or ['---'] * len(headers)
    lines = ['| ' + ' | '.join(headers) + ' |', '|' + '|'.join(align) + '|']
    lines += ['| ' + ' | '.join(row) + ' |' for row in rows]
    return lines


def _md_task_rows(tasks):
    rows = []
    for task in tasks:
        messages = task.get('messages') or []
        last = next((m for m in reversed(messages) if (m.get('severity') or '') in ('E', 'S', 'W')), None) \
            or (messages[-1] if messages else None)
        rows.append([md(task.get('server')), md(task.get('type')), md(task.get('id')), md(task_text(task)),
                     md(outcome_label(task)), md(task.get('job_id')), md(task.get('parent_process')),
                     md(time_text(task.get('start_time'))), md(time_text(task.get('end_time'))),
                     md(duration_text(task.get('duration_seconds'))),
                     md(last.get('message') if last else '')])
    return rows


TASK_HEADERS = ['Server', 'Type', 'ID', 'Description or client', 'State', 'Job ID', 'Parent', 'Start', 'End',
                'Duration', 'Message']


def to_markdown(model, full=False, limit=50):
    summary = model['summary']
    params = model['parameters']
    lines = ['# %s' % md(model['title']), '']
    where = ('read through hub %s' % params['hub']) if params.get('hub') else 'read per server'
    lines.append('%s, %d server%s (%s). Generated %s; times are server time.' % (
        since_text(params).capitalize(), summary['servers'], '' if summary['servers'] == 1 else 's',
        md(where), model['generated_at']))
    lines.append('')
    if not summary['complete']:
        lines.append('**Counts incomplete:** %s.' % md('; '.join(summary['incomplete_reasons'])))
        lines.append('')
    exceeded = threshold_message(model)
    if exceeded:
        lines.append('**%s**' % md(exceeded))
        lines.append('')
    unreachable = [s for s in model['servers'] if not s['read'] or s['errors']]
    if unreachable:
        lines.append('## Servers not read completely')
        lines.append('')
        for server in unreachable:
            state = 'could not be read' if not server['read'] else 'read with errors'
            lines.append('- **%s** %s: %s' % (md(server['name']), state, md(' / '.join(error_lines(server)))))
        lines.append('')
    lines.append('## Counts')
    lines.append('')
    headers = ['', 'Successful', 'Warning', 'Failed', 'Unknown', 'Active sessions', 'Active processes',
               'Active jobs', 'Version', 'Note']
    align = ['---'] + ['---:'] * 7 + ['---', '---']

    def count_row(name, counts, version='', note='', read=True):
        numbers = [counts[k] for k in COUNT_KEYS] + [counts['active'][t] for t in TASK_TYPES]
        return [name] + [str(n) if read else '\u2014' for n in numbers] + [version, note]

    rows = [count_row('**Fleet**', summary, '', '' if summary['complete'] else 'incomplete')]
    for server in model['servers']:
        note = 'not read' if not server['read'] else (restriction(server) or '')
        if server['read'] and server['summary'].get('unverified'):
            note = (note + '; ' if note else '') + '%d unverified' % server['summary']['unverified']
        rows.append(count_row(md(server['name']), server['summary'], md(server.get('version') or ''), md(note),
                              server['read']))
    lines += _md_table(headers, rows, align)
    lines.append('')
    groups = [
        ('Failed tasks', [t for t in model['tasks'] if t.get('outcome') in ('failed', 'terminated')]),
        ('Warning tasks', [t for t in model['tasks'] if t.get('outcome') == 'warning']),
        ('Tasks with an unknown outcome', [t for t in model['tasks'] if t.get('outcome') == 'unknown']),
        ('Outcomes not verified', [t for t in model['tasks'] if t.get('outcome_verified') is False
                                   and t.get('outcome') not in ('unknown',) and not t.get('active')]),
    ]
    for heading, tasks in groups:
        if not tasks:
            continue
        lines.append('## %s (%d)' % (heading, len(tasks)))
        lines.append('')
        shown = tasks if full or limit is None or limit <= 0 else tasks[:limit]
        lines += _md_table(TASK_HEADERS, _md_task_rows(shown))
        if len(shown) < len(tasks):
            lines.append('')
            lines.append('%d more not listed here: see the HTML, CSV or JSON report.' % (len(tasks) - len(shown)))
        lines.append('')
    if full:
        lines.append('## All tasks (%d)' % len(model['tasks']))
        lines.append('')
        lines += _md_table(TASK_HEADERS, _md_task_rows(model['tasks']))
        lines.append('')
    return '\n'.join(lines).rstrip('\n') + '\n'


# --- the timeline (inline SVG, drawn here from the data) ----------------------------------------

TIMELINE_WIDTH = 1200
LABEL_WIDTH = 110
ROW_HEIGHT = 14
ROW_GAP = 3
MAX_ROWS = 12


def _parse_time(value):
    if not value:
        return None
    try:
        return datetime.datetime.fromisoformat(str(value)[:19])
    except ValueError:
        return None


def _bar_class(task):
    if task.get('active'):
        state = (task.get('state') or '').lower()
        if state == 'interrupted':
            return 'interrupted'
        if state == 'sleeping':
            return 'sleeping'
        return 'running'
    outcome = task.get('outcome') or 'unknown'
    if outcome == 'terminated':
        outcome = 'failed'
    if outcome not in ('successful', 'warning', 'failed'):
        outcome = 'unknown'
    return outcome


def _tick_step(span_seconds):
    for step in (900, 1800, 3600, 7200, 10800, 21600, 43200, 86400, 172800, 604800):
        if span_seconds / step <= 12:
            return step
    return 604800


def _windows(windows, axis_start, axis_end):
    """Daily windows {'name', 'start': 'HH:MM', 'end': 'HH:MM'} as (name, start, end) in the axis."""
    out = []
    for window in windows or []:
        try:
            start_h, start_m = [int(x) for x in str(window['start']).split(':')[:2]]
            end_h, end_m = [int(x) for x in str(window['end']).split(':')[:2]]
        except (KeyError, ValueError, TypeError):
            raise ReportError('timeline window %r: start and end must be HH:MM' % (window,))
        day = axis_start.replace(hour=0, minute=0, second=0) - datetime.timedelta(days=1)
        while day <= axis_end:
            begin = day.replace(hour=start_h, minute=start_m)
            end = day.replace(hour=end_h, minute=end_m)
            if end <= begin:
                end += datetime.timedelta(days=1)
            if end > axis_start and begin < axis_end:
                out.append((str(window.get('name') or 'window'), max(begin, axis_start), min(end, axis_end)))
            day += datetime.timedelta(days=1)
    return out


def timeline_svg(model, windows=None, width=TIMELINE_WIDTH):
    """The period's processes and jobs per server as an inline SVG (Gantt); '' when there are none.

    Each server gets up to MAX_ROWS - 1 rows of bars, packed into the first row that is free, so
    overlapping tasks stand on separate rows. Tasks that overlap more than that are drawn as a
    density strip in the server's last row (one mark per few pixels: how many, and the worst
    outcome). Narrow neighbouring bars of one colour merge. So the drawing stays a few thousand
    marks whatever the number of tasks. Bars carry the task's index (data-i); the page's script
    shows the task on hover and opens it on click."""
    items = []
    for index, task in enumerate(model['tasks']):
        if task.get('type') not in ('process', 'job'):
            continue
        start = _parse_time(task.get('start_time'))
        if start is None:
            continue
        end = _parse_time(task.get('end_time'))
        if end is None and task.get('duration_seconds') is not None:
            end = start + datetime.timedelta(seconds=_int(task['duration_seconds']))
        if end is None or end < start:
            end = start
        items.append((start, end, index, task))
    if not items:
        return ''
    axis_end = max(i[1] for i in items)
    axis_start = min(i[0] for i in items)
    since = model['parameters'].get('since_seconds')
    if since:
        axis_start = max(axis_start, axis_end - datetime.timedelta(seconds=_int(since)))
    span = max(60.0, (axis_end - axis_start).total_seconds())
    plot = width - LABEL_WIDTH - 10

    def x_of(moment):
        seconds = (moment - axis_start).total_seconds()
        return LABEL_WIDTH + max(0.0, min(plot, plot * seconds / span))

    order = [s['name'] for s in model['servers']]
    by_server = {}
    for item in items:
        by_server.setdefault(item[3].get('server'), []).append(item)
    parts = []
    lanes = []
    y = 34
    for name in order + sorted(str(n) for n in by_server if n not in order):
        mine = by_server.get(name)
        if not mine:
            continue
        mine.sort(key=lambda i: (i[0], i[2]))
        rows, row_ends, dense = _pack(mine, x_of)
        height = (len(rows) + (1 if dense else 0)) * (ROW_HEIGHT + ROW_GAP)
        for r, row in enumerate(rows):
            parts.extend(_row_bars(row, y + r * (ROW_HEIGHT + ROW_GAP)))
        overflow = 0
        if dense:
            ry = y + len(rows) * (ROW_HEIGHT + ROW_GAP)
            peak = max(count for count, _cls in dense.values())
            overflow = len(mine) - sum(len(row) for row in rows)
            for bucket in sorted(dense):
                count, cls = dense[bucket]
                parts.append('<rect class="dens b-%s" x="%d" y="%d" width="%d" height="%d" fill-opacity="%.2f" '
                             'data-n="%d"/>' % (cls, bucket * DENSITY_PX, ry, DENSITY_PX, ROW_HEIGHT,
                                                0.35 + 0.65 * count / peak, count))
        lanes.append((name, y, height, overflow))
        y += height + 10
    total_height = y + 6
    svg = ['<svg xmlns="http://www.w3.org/2000/svg" class="timeline" viewBox="0 0 %d %d" width="%d" height="%d" '
           'role="img" aria-labelledby="tl-title tl-desc">' % (width, total_height, width, total_height),
           '<title id="tl-title">Timeline of processes and jobs per server</title>',
           '<desc id="tl-desc">%d processes and jobs on %d servers between %s and %s (server time). '
           'The task table below lists the same tasks.</desc>' % (
               len(items), len(lanes), axis_start.strftime('%Y-%m-%d %H:%M'), axis_end.strftime('%Y-%m-%d %H:%M'))]
    for name, begin, end in _windows(windows, axis_start, axis_end):
        x0, x1 = x_of(begin), x_of(end)
        svg.append('<rect class="tl-window" x="%.1f" y="%d" width="%.1f" height="%d"><title>%s %s to %s</title></rect>'
                   % (x0, 14, max(x1 - x0, 1), total_height - 14, html.escape(name),
                      begin.strftime('%H:%M'), end.strftime('%H:%M')))
        svg.append('<text class="tl-window-label" x="%.1f" y="%d">%s</text>' % (x0 + 3, 26, html.escape(name)))
    step = _tick_step(span)
    tick = axis_start.replace(minute=0, second=0)
    if step >= 86400:
        tick = tick.replace(hour=0)
    while tick <= axis_end:
        if tick >= axis_start:
            x = x_of(tick)
            label = tick.strftime('%m-%d') if (tick.hour == 0 and tick.minute == 0) else tick.strftime('%H:%M')
            svg.append('<line class="tl-grid" x1="%.1f" y1="14" x2="%.1f" y2="%d"/>' % (x, x, total_height))
            svg.append('<text class="tl-tick" x="%.1f" y="11" text-anchor="middle">%s</text>' % (x, label))
        tick += datetime.timedelta(seconds=step)
    svg.append('<line class="tl-now" x1="%.1f" y1="14" x2="%.1f" y2="%d"><title>latest server time read: %s</title></line>'
               % (x_of(axis_end), x_of(axis_end), total_height, axis_end.strftime('%Y-%m-%d %H:%M:%S')))
    for name, lane_y, height, overflow in lanes:
        svg.append('<line class="tl-lane" x1="0" y1="%d" x2="%d" y2="%d"/>' % (lane_y - 5, width, lane_y - 5))
        svg.append('<text class="tl-server" x="4" y="%d">%s</text>' % (lane_y + 11, html.escape(str(name))))
        if overflow:
            svg.append('<text class="tl-more" x="4" y="%d">+%d overlapping</text>' % (
                lane_y + height - ROW_HEIGHT + 8, overflow))
    svg.extend(parts)
    svg.append('</svg>')
    return '\n'.join(svg)


DENSITY_PX = 4
_RANK = {'sleeping': 0, 'successful': 1, 'running': 2, 'interrupted': 3, 'unknown': 4, 'warning': 5, 'failed': 6}


def _pack(items, x_of):
    """Bars into rows (first free row); what does not fit in MAX_ROWS - 1 rows goes to density buckets."""
    rows, row_ends, dense = [], [], {}
    for start, end, index, task in items:
        x0, x1 = x_of(start), x_of(end)
        placed = None
        for r, last in enumerate(row_ends):
            if x0 >= last + 1:
                placed = r
                break
        if placed is None and len(row_ends) < MAX_ROWS - 1:
            row_ends.append(-1e9)
            rows.append([])
            placed = len(row_ends) - 1
        if placed is None:
            cls = _bar_class(task)
            for bucket in range(int(x0 // DENSITY_PX), int(max(x0, x1 - 0.01) // DENSITY_PX) + 1):
                count, worst = dense.get(bucket, (0, None))
                dense[bucket] = (count + 1, cls if worst is None or _RANK[cls] > _RANK[worst] else worst)
            continue
        row_ends[placed] = max(row_ends[placed], x1)
        rows[placed].append((x0, x1, index, task))
    return rows, row_ends, dense


def _row_bars(row, y):
    """One row's bars; narrow neighbours of the same colour and kind merge into one mark."""
    out = []
    merged = None
    for x0, x1, index, task in row:
        cls = _bar_class(task)
        wide = max(x1 - x0, 1.5)
        job = task.get('type') == 'job'
        if merged and merged['cls'] == cls and merged['job'] == job and x0 - merged['x1'] < 1 \
                and wide < 3 and merged['w'] < 3:
            merged['x1'] = max(merged['x1'], x0 + wide)
            merged['n'] += 1
            continue
        if merged:
            out.append(_bar(merged, y))
        merged = {'x0': x0, 'x1': x0 + wide, 'w': wide, 'cls': cls, 'n': 1, 'index': index, 'job': job}
    if merged:
        out.append(_bar(merged, y))
    return out


def _bar(mark, y):
    kind = ' job' if mark['job'] else ''
    top = y + (0 if mark['job'] else 2)
    height = ROW_HEIGHT - (0 if mark['job'] else 4)
    if mark['n'] > 1:
        return '<rect class="bar b-%s%s" x="%.1f" y="%d" width="%.1f" height="%d" data-n="%d"/>' % (
            mark['cls'], kind, mark['x0'], top, mark['x1'] - mark['x0'], height, mark['n'])
    return '<rect class="bar b-%s%s" x="%.1f" y="%d" width="%.1f" height="%d" data-i="%d"/>' % (
        mark['cls'], kind, mark['x0'], top, mark['x1'] - mark['x0'], height, mark['index'])


# --- HTML --------------------------------------------------------------------------------------

# The rows the page's script reads: one array per task, in this order (see report.js, COL).
HTML_COLUMNS = ('server', 'type', 'id', 'state', 'outcome', 'outcome_verified', 'active', 'start_time',
                'end_time', 'duration_seconds', 'description', 'client_name', 'session_type', 'job_id',
                'job_name', 'job_type', 'parent_process', 'status_text', 'messages', 'platform',
                'wait_seconds', 'bytes_sent', 'bytes_received')


def _script_json(value):
    """JSON safe inside <script type="application/json">: no '</script>', no '<!--'."""
    text = json.dumps(value, ensure_ascii=False, separators=(',', ':'))
    return text.replace('<', '\\u003c').replace('>', '\\u003e').replace('&', '\\u0026') \
        .replace('\u2028', '\\u2028').replace('\u2029', '\\u2029')


def _page_rows(model):
    """(servers, rows): the page's server names (the model's, then any other a task names, in
    order) and a generator of the tasks as the page's arrays, one at a time."""
    servers = [s['name'] for s in model['servers']]
    index = dict((name, i) for i, name in enumerate(servers))
    for task in model['tasks']:
        name = task.get('server')
        if name not in index:
            index[name] = len(servers)
            servers.append(name)
    types = dict((t, i) for i, t in enumerate(TASK_TYPES))
    server_at, type_at, messages_at = (HTML_COLUMNS.index('server'), HTML_COLUMNS.index('type'),
                                       HTML_COLUMNS.index('messages'))
    active_at = HTML_COLUMNS.index('active')

    def rows():
        for task in model['tasks']:
            row = [task.get(key) for key in HTML_COLUMNS]
            row[server_at] = index[row[server_at]]
            row[type_at] = types.get(row[type_at], 0)
            row[active_at] = 1 if row[active_at] else 0
            messages = row[messages_at]
            if messages is not None:
                row[messages_at] = [[m.get('time'), m.get('msgno'), m.get('severity'), m.get('message')]
                                    for m in messages]
            yield row
    return servers, rows()


def _page_document(model, servers, rows):
    """The compact document the page's script reads: servers once, tasks as arrays (`rows`, from
    _page_rows)."""
    return {'servers': servers, 'types': list(TASK_TYPES), 'columns': list(HTML_COLUMNS), 'rows': rows,
            'activity_log': bool(model['parameters'].get('activity_log', True)),
            'summary': model['summary']}


def page_data(model):
    """The page's document with its rows as a list."""
    servers, rows = _page_rows(model)
    return _page_document(model, servers, list(rows))


def _write_page_data(model, handle):
    """_script_json(page_data(model)) written piece by piece: the rows one at a time."""
    servers, rows = _page_rows(model)
    _write_streamed(_page_document(model, servers, rows), 'rows', handle, _script_json)


def _asset(name):
    with open(os.path.join(ASSETS, name), encoding='utf-8') as handle:
        return handle.read()


def _e(value):
    return html.escape('' if value is None else str(value))


def _count_button(key, label, value, cls=None, title=None):
    return ('<button type="button" class="count %s" data-count="%s" aria-pressed="false"%s>'
            '<span class="n">%d</span><span class="l">%s</span></button>'
            % (cls or key, key, ' title="%s"' % _e(title) if title else '', value, _e(label)))


def _header_counts(summary):
    out = ['<div class="counts" role="group" aria-label="Header counts: select one to filter the table">']
    out.append(_count_button('successful', 'Successful', summary['successful'],
                             title='Jobs and processes that completed successfully'))
    out.append(_count_button('warning', 'Warning', summary['warning'], title='Completed with a warning'))
    out.append(_count_button('failed', 'Failed', summary['failed'], title='Did not complete (terminated jobs included)'))
    if summary['unknown']:
        out.append(_count_button('unknown', 'Unknown', summary['unknown'],
                                 title='The outcome could not be decided: never counted as successful'))
    active = summary['active']
    out.append('<span class="sep" aria-hidden="true"></span>')
    out.append(_count_button('active', 'Active', sum(active.values()), cls='active-count',
                             title='%d sessions, %d processes, %d jobs' % (active['session'], active['process'], active['job'])))
    out.append('<span class="active-detail" data-active="1">%d sessions &middot; %d processes &middot; %d jobs</span>'
               % (active['session'], active['process'], active['job']))
    out.append('</div>')
    return '\n'.join(out)


def _servers_table(model):
    rows = []
    for server in model['servers']:
        counts = server['summary']
        if not server['read']:
            status = '<span class="badge b-failed">not read</span>'
        elif server['errors']:
            status = '<span class="badge b-warning">read with errors</span>'
        elif counts.get('complete') is False or counts.get('unverified'):
            status = '<span class="badge b-warning">incomplete</span>'
        else:
            status = '<span class="badge b-successful">read</span>'
        note = restriction(server)
        notes = []
        if note:
            notes.append('<span class="restriction">%s</span>' % _e(note))
        if counts.get('unverified'):
            notes.append('%d outcome%s unverified' % (counts['unverified'], '' if counts['unverified'] == 1 else 's'))
        for error in error_lines(server):
            notes.append('<span class="error">%s</span>' % _e(error))
        active = counts['active']
        numbers = [counts['successful'], counts['warning'], counts['failed'], counts['unknown'],
                   active['session'], active['process'], active['job']]
        # a server that was not read has no counts: a dash, never a zero that reads as "all well"
        cells = ''.join('<td class="num">%s</td>' % ('%d' % n if server['read'] else '\u2014') for n in numbers)
        rows.append(
            '<tr data-server="%s"><th scope="row"><button type="button" class="link" data-server-filter="%s" '
            'title="Show this server\'s tasks">%s</button></th><td>%s</td><td>%s</td>%s<td>%s</td></tr>' % (
                _e(server['name']), _e(server['name']), _e(server['name']), _e(server.get('version') or '\u2014'), status,
                cells, '<br>'.join(notes)))
    return ('<table class="servers"><caption class="sr-only">Header counts per server</caption><thead><tr>'
            '<th scope="col">Server</th><th scope="col">Version</th><th scope="col">Read</th>'
            '<th scope="col" class="num">Successful</th><th scope="col" class="num">Warning</th>'
            '<th scope="col" class="num">Failed</th><th scope="col" class="num">Unknown</th>'
            '<th scope="col" class="num">Active sessions</th><th scope="col" class="num">Active processes</th>'
            '<th scope="col" class="num">Active jobs</th><th scope="col">Notes</th></tr></thead><tbody>'
            + ''.join(rows) + '</tbody></table>')


def _alerts(model):
    out = []
    broken = [s for s in model['servers'] if not s['read']]
    if broken:
        items = ''.join('<li><strong>%s</strong>: %s</li>' % (_e(s['name']), _e(' / '.join(error_lines(s))))
                        for s in broken)
        out.append('<section class="alert alert-failed" role="alert" aria-labelledby="unreachable-h">'
                   '<h2 id="unreachable-h">%d server%s could not be read</h2><ul>%s</ul>'
                   '<p>The report covers the other servers.</p></section>'
                   % (len(broken), '' if len(broken) == 1 else 's', items))
    partial = [s for s in model['servers'] if s['read'] and s['errors']]
    if partial:
        items = ''.join('<li><strong>%s</strong>: %s</li>' % (_e(s['name']), _e(' / '.join(error_lines(s)))) for s in partial)
        out.append('<section class="alert alert-warning" aria-labelledby="partial-h"><h2 id="partial-h">'
                   'Read with errors</h2><ul>%s</ul></section>' % items)
    summary = model['summary']
    if not summary['complete']:
        out.append('<p class="incomplete" id="incomplete"><strong>Counts incomplete:</strong> %s.</p>'
                   % _e('; '.join(summary['incomplete_reasons'])))
    exceeded = threshold_message(model)
    if exceeded:
        out.append('<p class="alert alert-failed threshold" role="alert">%s</p>' % _e(exceeded))
    return '\n'.join(out)


def to_html(model, windows=None):
    out = io.StringIO()
    _write_html(model, out, windows)
    return out.getvalue()


def _write_html(model, handle, windows=None):
    """The page written piece by piece: its data one task at a time (to_html is this into a
    string)."""
    before, after = _html_frame(model, windows)
    handle.write(before)
    _write_page_data(model, handle)
    handle.write(after)


def _html_frame(model, windows=None):
    """The page before and after its data document (the one @@DATA@@ of report.html)."""
    params = model['parameters']
    where = ('through hub %s' % params['hub']) if params.get('hub') else 'per server'
    subtitle = '%s &middot; %d server%s read %s &middot; generated %s &middot; times are server time' % (
        _e(since_text(params).capitalize()), model['summary']['servers'],
        '' if model['summary']['servers'] == 1 else 's', _e(where), _e(model['generated_at']))
    svg = timeline_svg(model, windows)
    timeline = ('<p class="muted">No processes or jobs in this period.</p>' if not svg else
                '<div class="timeline-wrap" tabindex="0" role="region" aria-label="Timeline, scrollable">%s</div>'
                '<ul class="legend" aria-label="Timeline legend">'
                '<li><span class="sw b-running"></span>Running</li><li><span class="sw b-successful"></span>Successful</li>'
                '<li><span class="sw b-warning"></span>Warning</li><li><span class="sw b-failed"></span>Failed or terminated</li>'
                '<li><span class="sw b-unknown"></span>Unknown</li><li><span class="sw b-sleeping"></span>Sleeping job</li>'
                '<li><span class="sw b-interrupted"></span>Interrupted job</li>'
                '<li><span class="sw job"></span>Job (full height); processes are narrower</li></ul>' % svg)
    replacements = {
        '@@TITLE@@': _e(model['title']),
        '@@SUBTITLE@@': subtitle,
        '@@CSS@@': _asset('report.css'),
        '@@JS@@': _asset('report.js'),
        '@@COUNTS@@': _header_counts(model['summary']),
        '@@ALERTS@@': _alerts(model),
        '@@SERVERS@@': _servers_table(model),
        '@@TIMELINE@@': timeline,
        '@@GENERATOR@@': _e('%s, report schema %s' % (model['generator'], model['schema_version'])),
    }
    before, after = _asset('report.html').split('@@DATA@@')
    # one pass over each part, so nothing inserted is ever read again as a placeholder
    return tuple(re.sub(r'@@[A-Z]+@@', lambda m: replacements.get(m.group(0), m.group(0)), part)
                 for part in (before, after))


# --- writing -----------------------------------------------------------------------------------

RENDERERS = {
    'json': lambda model, options: to_json(model),
    'csv': lambda model, options: to_csv(model),
    'markdown': lambda model, options: to_markdown(model, full=options.get('markdown_full', False),
                                                   limit=options.get('markdown_limit', 50)),
    'html': lambda model, options: to_html(model, windows=options.get('timeline_windows')),
}


# Formats written to the file piece by piece (a 100,000-task report is never one string in memory).
WRITERS = {
    'json': lambda model, handle, options: _write_json(model, handle),
    'csv': lambda model, handle, options: _write_csv(model, handle),
    'html': lambda model, handle, options: _write_html(model, handle, windows=options.get('timeline_windows')),
}


def _check_format(fmt):
    if fmt not in RENDERERS:
        raise ReportError('unknown format %r; formats: %s' % (fmt, ', '.join(FORMATS)))


def render(model, fmt, options=None):
    _check_format(fmt)
    return RENDERERS[fmt](model, options or {})


def write(model, dest, basename, formats, options=None, mode=None, timings=None):
    """Write every format into ``dest`` (created when missing), each file atomically.

    Returns {format: path}; ``timings``, a dict, gets the seconds each format took."""
    if not basename or os.path.basename(basename) != basename or basename in ('.', '..'):
        raise ReportError('basename must be a file name without a folder, got %r' % (basename,))
    os.makedirs(dest, exist_ok=True)
    paths = {}
    for fmt in formats:
        started = time.time()
        _check_format(fmt)
        path = os.path.join(dest, '%s.%s' % (basename, EXTENSIONS[fmt]))
        temp = '%s.tmp%d' % (path, os.getpid())
        newline = '' if fmt == 'csv' else None
        try:
            with open(temp, 'w', encoding='utf-8', newline=newline) as handle:
                if fmt in WRITERS:
                    WRITERS[fmt](model, handle, options or {})
                else:
                    handle.write(render(model, fmt, options))
            if mode is not None:
                os.chmod(temp, mode)
            os.replace(temp, path)
        finally:
            if os.path.exists(temp):
                os.unlink(temp)
        paths[fmt] = path
        if timings is not None:
            timings[fmt] = round(time.time() - started, 3)
    return paths
