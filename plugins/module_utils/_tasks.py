# -*- coding: utf-8 -*-
# Copyright: spectrum_protect.operations contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The task model: sessions, processes and jobs as the Operations Center "Tasks" page shows them.

One place turns what a server prints (SELECT rows, QUERY output, SUMMARY rows, activity log)
into task dicts with the page's state names, outcomes and header counts. Records are read by
field name (SELECT column names or QUERY labels, whichever the server printed); every field
the server printed is kept under ``raw``.
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import fnmatch
import re
from datetime import datetime, timedelta

from ansible_collections.spectrum_protect.operations.plugins.module_utils._dsmadmc import (
    Dsmadmc,
    DsmadmcError,
    route_targets,
)
from ansible_collections.spectrum_protect.operations.plugins.module_utils._parse import (
    parse_bytes,
    parse_timestamp,
    parse_wait,
    to_int,
)

TASK_TYPES = ('session', 'process', 'job')

# Session state codes (SESSIONS.STATE / "Sess State") and the Tasks page's names.
SESSION_STATES = {
    'START': 'Starting',
    'RUN': 'Running',
    'END': 'Ending',
    'RECVW': 'Receive wait',
    'SENDW': 'Send wait',
    'IDLEW': 'Idle wait',
    'MEDIAW': 'Media wait',
    'SSLW': 'SSL wait',
}
# QUERY JOB status words and the page's names for active jobs. INTERRUPTING and TERMINATING
# are transitions of a job that is still running (STATUS=RUNNING matches them on the server).
ACTIVE_JOB_STATES = {
    'RUNNING': 'Running',
    'INTERRUPTING': 'Running',
    'TERMINATING': 'Running',
    'SLEEPING': 'Sleeping',
    'INTERRUPTED': 'Interrupted',
}
COMPLETED_STATES = {'successful': 'Successful', 'warning': 'Warning', 'failed': 'Failed',
                    'terminated': 'Terminated'}
# Every state name the page shows, for validating the `states` filter.
PAGE_STATES = sorted(set(SESSION_STATES.values()) | set(ACTIVE_JOB_STATES.values())
                     | {'Completed', 'Successful', 'Warning', 'Failed', 'Terminated'})

# SUMMARY activities that belong to client sessions; every other activity is a server process.
SESSION_ACTIVITIES = frozenset(['BACKUP', 'ARCHIVE', 'RESTORE', 'RETRIEVE', 'SESSION',
                                'CLIENT SESSION', 'ADMIN SESSION', 'NODE SESSION'])
# SUMMARY rows that record an event inside a task rather than a task of their own.
NOT_TASKS = frozenset(['TAPE MOUNT'])
PROBLEM_SEVERITIES = frozenset(['W', 'E', 'S'])

# Field names per attribute, SELECT column first, then the QUERY labels of the same value.
FIELDS = {
    'session_id': ('SESSION_ID', 'Sess Number'),
    'comm_method': ('COMMMETHOD', 'Comm. Method'),
    'session_state': ('STATE', 'Sess State'),
    'wait_seconds': ('WAIT_SECONDS',),
    'wait_time': ('Wait Time',),
    'bytes_sent': ('BYTES_SENT', 'Bytes Sent'),
    'bytes_received': ('BYTES_RECEIVED', 'Bytes Recvd'),
    'session_type': ('SESSION_TYPE', 'Sess Type'),
    'platform': ('CLIENT_PLATFORM', 'Platform'),
    'client_name': ('CLIENT_NAME', 'Client Name'),
    'start_time': ('START_TIME',),
    'process_num': ('PROCESS_NUM', 'Process Number'),
    'process': ('PROCESS', 'Process Description'),
    'status': ('STATUS', 'Process Status'),
    'job_id': ('JOB_ID', 'Job Id'),
    'parent_process': ('PARENT_PROCESS', 'Parent Process'),
    'job_type': ('JOB_TYPE', 'Job Type'),
    'job_name': ('JOB_NAME', 'Job Name'),
    'job_status': ('STATUS', 'Status'),
    'completion': ('COMPLETION_STATE', 'Completion State'),
    'begin': ('BEGIN_TIME', 'Begin Date/Time'),
    'end': ('END_TIME', 'End Date/Time'),
    'server_time': ('SERVER_TIME',),
}


def field(record, name):
    """The first non-empty value of the record for one attribute, stripped, or None."""
    for key in FIELDS[name]:
        value = record.get(key)
        if value is not None and str(value).strip() != '':
            return str(value).strip()
    return None


def _int(value):
    return to_int(value) if value not in (None, '') else None


def _dt(value):
    """A server timestamp as a datetime, or None."""
    iso = parse_timestamp(value) if value else None
    return datetime.strptime(iso, '%Y-%m-%dT%H:%M:%S') if iso else None


def _iso(moment):
    return moment.strftime('%Y-%m-%dT%H:%M:%S') if moment else None


def parse_since(text):
    """'30m', '24h', '7d', '90s' or a number of seconds -> seconds (int). ValueError otherwise."""
    match = re.match(r'^\s*(\d+)\s*([smhdw]?)\s*$', str(text).lower())
    if not match:
        raise ValueError("since must look like 30m, 24h or 7d, got %r" % (text,))
    factor = {'': 1, 's': 1, 'm': 60, 'h': 3600, 'd': 86400, 'w': 604800}[match.group(2)]
    return int(match.group(1)) * factor


def new_task(server, task_type, task_id, raw):
    return {
        'server': server, 'type': task_type, 'id': task_id, 'state': None, 'active': True,
        'outcome': None, 'start_time': None, 'end_time': None, 'duration_seconds': None,
        'description': None, 'client_name': None, 'session_type': None, 'platform': None,
        'comm_method': None, 'wait_seconds': None, 'bytes_sent': None, 'bytes_received': None,
        'job_id': None, 'job_name': None, 'job_type': None, 'parent_process': None,
        'status_text': None, 'raw': dict(raw),
    }


def _times(task, start, end, now):
    task['start_time'] = _iso(start)
    task['end_time'] = _iso(end)
    stop = end or now
    if start and stop:
        task['duration_seconds'] = max(0, int((stop - start).total_seconds()))


def session_task(server, record, now=None):
    """An active session from a SESSIONS row or a QUERY SESSION record."""
    task = new_task(server, 'session', _int(field(record, 'session_id')), record)
    code = field(record, 'session_state') or ''
    task['state'] = SESSION_STATES.get(code.upper(), code)
    wait = field(record, 'wait_seconds')
    task['wait_seconds'] = _int(wait) if wait is not None else _opt(parse_wait, field(record, 'wait_time'))
    task['bytes_sent'] = _opt(parse_bytes, field(record, 'bytes_sent'))
    task['bytes_received'] = _opt(parse_bytes, field(record, 'bytes_received'))
    for key in ('comm_method', 'session_type', 'platform', 'client_name'):
        task[key] = field(record, key)
    task['description'] = '%s session' % (task['session_type'] or 'Client')
    _times(task, _dt(field(record, 'start_time')), None, now or _dt(field(record, 'server_time')))
    return task


def process_task(server, record, now=None):
    """An active process from a PROCESSES row or a QUERY PROCESS record."""
    task = new_task(server, 'process', _int(field(record, 'process_num')), record)
    task['state'] = 'Running'  # the page shows Running for every active process, even an idle one
    task['description'] = field(record, 'process')
    task['status_text'] = field(record, 'status')
    task['job_id'] = _int(field(record, 'job_id'))
    task['parent_process'] = _int(field(record, 'parent_process'))
    _times(task, _dt(field(record, 'start_time')), None, now or _dt(field(record, 'server_time')))
    return task


def job_task(server, record, now=None):
    """A job from a QUERY JOB record, active or completed."""
    task = new_task(server, 'job', _int(field(record, 'job_id')), record)
    status = (field(record, 'job_status') or '').upper()
    task['status_text'] = status
    task['job_id'] = task['id']
    task['job_type'] = field(record, 'job_type')
    task['job_name'] = field(record, 'job_name')
    task['description'] = ' '.join(p for p in (task['job_type'], task['job_name']) if p) or None
    if status in ACTIVE_JOB_STATES:
        task['state'] = ACTIVE_JOB_STATES[status]
    else:
        task['active'] = False
        if status == 'TERMINATED':
            task['outcome'] = 'terminated'
        else:
            completion = (field(record, 'completion') or 'Completed').lower()
            task['outcome'] = ('warning' if completion.startswith('warn')
                               else 'failed' if completion.startswith('fail') else 'successful')
        task['state'] = 'Completed' if task['outcome'] == 'successful' else COMPLETED_STATES[task['outcome']]
    end = _dt(field(record, 'end')) if not task['active'] else None
    _times(task, _dt(field(record, 'begin')), end, now)
    return task


def completed_task(server, record, problems):
    """A completed session or process from a SUMMARY / SUMMARY_EXTENDED row.

    ``problems`` is an ActivityLog: the task is Warning when it logged a W/E/S message between
    its start and end, Failed when SUCCESSFUL is NO.
    """
    activity = (record.get('ACTIVITY') or '').strip()
    task_type = 'session' if activity.upper() in SESSION_ACTIVITIES else 'process'
    task = new_task(server, task_type, _int(record.get('NUMBER')), record)
    task['active'] = False
    task['description'] = activity
    if task_type == 'session':
        task['client_name'] = (record.get('ENTITY') or '').strip() or None
    for key in ('job_id', 'parent_process'):
        task[key] = _int(field(record, key))
    start, end = _dt(record.get('START_TIME')), _dt(record.get('END_TIME'))
    _times(task, start, end, None)
    if (record.get('SUCCESSFUL') or '').strip().upper() == 'NO':
        task['outcome'] = 'failed'
    elif problems.has_problem(task_type, task['id'], start, end):
        task['outcome'] = 'warning'
    else:
        task['outcome'] = 'successful'
    task['state'] = COMPLETED_STATES[task['outcome']]
    return task


def _opt(func, value):
    return func(value) if value not in (None, '') else None


class ActivityLog:
    """Activity-log rows of one server, indexed by session and process number."""

    JOB_REF = re.compile(r'\bjob(?:\s+id)?\s*:?\s*(\d+)', re.IGNORECASE)

    def __init__(self, rows):
        self.rows = []
        for row in rows:
            moment = _dt(row.get('DATE_TIME'))
            if moment is None:
                continue
            self.rows.append({
                'time': moment,
                'msgno': (row.get('MSGNO') or '').strip(),
                'severity': (row.get('SEVERITY') or '').strip().upper(),
                'message': (row.get('MESSAGE') or '').strip(),
                'session': _int((row.get('SESSION') or '').strip()),
                'process': _int((row.get('PROCESS') or '').strip()),
            })
        self.rows.sort(key=lambda r: r['time'])

    def _matches(self, task_type, number, start, end, job_processes=()):
        for row in self.rows:
            if (start and row['time'] < start) or (end and row['time'] > end):
                continue
            if task_type == 'session' and row['session'] == number:
                yield row
            elif task_type == 'process' and row['process'] == number:
                yield row
            elif task_type == 'job' and (row['process'] in job_processes or any(
                    int(ref) == number for ref in self.JOB_REF.findall(row['message']))):
                yield row

    def has_problem(self, task_type, number, start, end):
        return any(row['severity'] in PROBLEM_SEVERITIES
                   for row in self._matches(task_type, number, start, end))

    def messages_for(self, task, job_processes=(), limit=None):
        start, end = _dt(task['start_time']), _dt(task['end_time'])
        found = [{'time': _iso(r['time']), 'msgno': r['msgno'], 'severity': r['severity'],
                  'message': r['message']}
                 for r in self._matches(task['type'], task['id'], start, end, job_processes)]
        return found[-limit:] if limit else found


def summarize(tasks):
    """The page's header counts: Successful (jobs and processes), Warning, Failed; plus active counts.

    Sessions that completed successfully are neither shown nor counted; a terminated job counts
    as Failed (it did not complete)."""
    counts = {'successful': 0, 'warning': 0, 'failed': 0,
              'active': dict((t, 0) for t in TASK_TYPES)}
    for task in tasks:
        if task['active']:
            counts['active'][task['type']] += 1
        elif task['outcome'] == 'successful':
            if task['type'] != 'session':
                counts['successful'] += 1
        elif task['outcome'] in ('warning', 'failed'):
            counts[task['outcome']] += 1
        elif task['outcome'] == 'terminated':
            counts['failed'] += 1
    return counts


def visible(task):
    """False for tasks the page hides: sessions that completed successfully."""
    return not (task['type'] == 'session' and task['outcome'] == 'successful')


def wildcard_match(pattern, value):
    """Server-style wildcard match (* any string, ? one character), case-insensitive."""
    if value is None:
        return False
    return fnmatch.fnmatchcase(str(value).upper(), str(pattern).upper().replace('[', '[[]'))


def select(tasks, ids=None, states=None, client_name=None, session_type=None, description=None,
           job_id=None):
    """Apply the module's filters; each given filter must match."""
    wanted_states = set(s.lower() for s in states) if states else None
    out = []
    for task in tasks:
        if ids and task['id'] not in ids:
            continue
        if wanted_states is not None and (task['state'] or '').lower() not in wanted_states:
            continue
        if client_name and not wildcard_match(client_name, task['client_name']):
            continue
        if session_type and (task['session_type'] or '').lower() != session_type.lower():
            continue
        if description and not wildcard_match(description, task['description']):
            continue
        if job_id is not None and task['job_id'] != job_id:
            continue
        out.append(task)
    return out


def within(task, since_seconds, now):
    """True for active tasks and for completed ones that ended in the last since_seconds."""
    if task['active'] or now is None:
        return True
    end = _dt(task['end_time'])
    return end is None or end >= now - timedelta(seconds=since_seconds)


# --- reading a fleet ---------------------------------------------------------------------------

JOBS_SINCE = (8, 1, 12)
VERSION_RE = re.compile(r'Version\s+(\d+),\s*Release\s+(\d+),\s*Level\s+(\d+)(?:\.(\d+))?')
SESSIONS_SQL = 'SELECT S.*, CURRENT_TIMESTAMP AS SERVER_TIME FROM SESSIONS S'
PROCESSES_SQL = 'SELECT P.*, CURRENT_TIMESTAMP AS SERVER_TIME FROM PROCESSES P'
SUMMARY_SQL = ('SELECT S.*, CURRENT_TIMESTAMP AS SERVER_TIME FROM SUMMARY_EXTENDED S'
               ' WHERE S.END_TIME >= CURRENT_TIMESTAMP - %d SECONDS')
ACTLOG_SQL = ('SELECT DATE_TIME, MSGNO, SEVERITY, MESSAGE, ORIGINATOR, SESSION, PROCESS FROM ACTLOG'
              ' WHERE DATE_TIME >= CURRENT_TIMESTAMP - %d SECONDS')
ACTLOG_PROBLEMS = " AND SEVERITY IN ('W','E','S')"
JOBS_COMMAND = 'QUERY JOB STATUS=ANY'
TIME_SQL = 'SELECT CURRENT_TIMESTAMP AS SERVER_TIME FROM STATUS'


def server_version(text):
    """'8.1.12' from any 'Version 8, Release 1, Level 12.000' in the text, or None."""
    match = VERSION_RE.search(text or '')
    return '%s.%s.%s' % match.group(1, 2, 3) if match else None


def version_tuple(version):
    return tuple(int(part) for part in version.split('.')[:3]) if version else None


class TaskReader:
    """Reads the tasks of one server, or of the servers reached by routing from it, for sp_task_info.

    One dsmadmc call per query and server (a routed call covers every target at once); a target
    that fails is reported in `servers` and left out of later queries.
    """

    def __init__(self, module, client=None):
        self.module = module
        self.params = module.params
        self.client = client or Dsmadmc.from_module(module)
        self.route_to = self.params.get('route_to') or None
        self.commands = []
        self.servers = {}      # key -> server report
        self.order = []
        self.now = {}          # key -> server time (datetime) seen in a SELECT

    # -- running queries

    def _report(self, key):
        if key not in self.servers:
            self.servers[key] = {'name': key, 'version': None, 'jobs_supported': None,
                                 'reachable': True, 'error': None}
            self.order.append(key)
        return self.servers[key]

    def _fail(self, key, error, first=False):
        """Record a server's error; a server that fails the first query (or cannot be reached) is
        left out of the later ones."""
        report = self._report(key)
        report['error'] = error.msg
        if first or error.kind in ('unreachable', 'auth_failed', 'unknown_server', 'timeout', 'client_missing'):
            report['reachable'] = False

    def _alive(self):
        return [key for key in self.order if self.servers[key]['reachable']]

    def run(self, command, targets=None, first=False):
        """Run a query on every live target (or on `targets`); return {server key: DsmadmcResult}
        of those that answered. A failed server is recorded in its report and left out; only the
        `first` query (the one that decides whether anything can be read) raises DsmadmcError."""
        answered = {}
        names = [None] if self.route_to is None else (targets if targets is not None else self._alive())
        if not names:
            return answered
        self.commands.append(command if self.route_to is None else '%s: %s' % (','.join(names), command))
        try:
            if self.route_to is None:
                results = [self.client.run(command)]
            else:
                results = self.client.run_routed(names, command, split_on_timeout=True)
        except DsmadmcError as error:   # the call itself failed (hub or single server)
            if first:
                raise
            for key in (self.order if self.route_to is None else names):
                self._fail(key, error)
            return answered
        for result in results:   # a routed call that timed out was sent again to each target
            if result.command and result.command not in self.commands:
                self.commands.append(result.command)
        for result in results:
            if self.route_to is None:   # one server, named by its QUERY STATUS once known
                key = self.order[0] if self.order else None
            else:
                key = result.server.upper()
            if result.error is not None:
                self._fail(key, result.error, first)
            else:
                answered[key] = result
        return answered

    # -- the steps

    def read_status(self):
        """QUERY STATUS on every server: names, versions, and which servers can be read at all."""
        try:
            if self.route_to is None:
                result = self.run('QUERY STATUS', first=True)[None]
                names = [row.get('Server Name') for row in result.rows if row.get('Server Name')]
                answered = {(names[0] if names else self.params.get('server') or 'default').upper(): result}
            else:
                targets = [name.upper() for name in route_targets(self.route_to)]
                for name in targets:
                    self._report(name)
                answered = self.run('QUERY STATUS', targets, first=True)
        except ValueError as exc:
            self.module.fail_json(msg=str(exc))
        except DsmadmcError as error:
            self.module.fail_json(msg=error.msg, commands=self.commands, **_error_fields(error))
        for key, result in answered.items():
            self._report(key)
            self._status(key, result)

    def _status(self, key, result):
        report = self.servers[key]
        report['version'] = server_version(getattr(result, 'text', '')) or _version_field(result.rows)
        if report['version']:
            report['jobs_supported'] = version_tuple(report['version']) >= JOBS_SINCE

    def read(self):
        params = self.params
        types = set(params['types'])
        scope = params['scope']
        since = parse_since(params['since'])
        self.read_status()
        if not self._alive():
            self._fail_all()
        tasks = []
        if scope in ('active', 'all'):
            if 'session' in types:
                tasks += self._rows(SESSIONS_SQL, session_task)
            if 'process' in types:
                tasks += self._rows(PROCESSES_SQL, process_task)
        completed = []
        if scope in ('completed', 'all') and types & {'session', 'process'}:
            completed = self._rows(SUMMARY_SQL % since, None)
        if 'job' in types:
            tasks += self._jobs()
        logs = {}
        if completed or params['activity_log']:
            # the log must reach back to the start of every task whose messages are read
            starts = [(key, _dt(row.get('START_TIME'))) for key, row in completed]
            if params['activity_log']:
                starts += [(t['server'], _dt(t['start_time'])) for t in tasks]
            logs = self._activity_log(starts, since, problems_only=not params['activity_log'])
        for key, row in completed:
            if (row.get('ACTIVITY') or '').strip().upper() in NOT_TASKS:
                continue
            tasks += [task for task in self._convert(
                key, 'SELECT ... FROM SUMMARY_EXTENDED',
                lambda: [completed_task(key, row, logs.get(key) or ActivityLog([]))]) if task['type'] in types]
        children = {}   # (server, job) -> its processes, for a job's activity log
        for task in tasks:
            if task['type'] == 'process' and task['job_id'] is not None:
                children.setdefault((task['server'], task['job_id']), set()).add(task['id'])
        tasks = [t for t in tasks if visible(t) and _in_scope(t, scope)
                 and within(t, since, self.now.get(t['server']))]
        tasks = select(tasks, ids=params['ids'], states=params['states'], client_name=params['client_name'],
                       session_type=params['session_type'], description=params['description'],
                       job_id=params['job_id'])
        if params['activity_log']:
            self._attach_messages(tasks, logs, children)
        order = dict((key, i) for i, key in enumerate(self.order))
        tasks.sort(key=lambda t: (order.get(t['server'], 0), TASK_TYPES.index(t['type']),
                                  t['active'] is False, t['id'] if t['id'] is not None else -1))
        for key in self.order:
            self.servers[key]['summary'] = summarize([t for t in tasks if t['server'] == key])
        return {'tasks': tasks, 'summary': summarize(tasks),
                'servers': [self.servers[key] for key in self.order], 'commands': self.commands}

    def _convert(self, key, command, build):
        """build() for one server's answer; output that does not read as the server's (a garbled
        number or time) becomes that server's error instead of failing the whole module."""
        try:
            return build()
        except ValueError as exc:
            report = self._report(key)
            report['error'] = 'the output of "%s" from server %s could not be read: %s' % (command, key, exc)
            return []

    def _rows(self, sql, make, targets=None):
        """Rows of a SELECT per server (every live one, or `targets`); with `make`, tasks built
        from them, else (key, row) pairs. Notes the server time of rows that carry SERVER_TIME."""
        out = []
        if targets is not None and not targets:
            return out
        for key, result in self.run(sql, targets).items():
            for row in result.rows:
                moment = _dt(row.get('SERVER_TIME')) if row.get('SERVER_TIME') else None
                if moment and (key not in self.now or moment > self.now[key]):
                    self.now[key] = moment
            if make:
                out += self._convert(key, sql, lambda: [make(key, row) for row in result.rows])
            else:
                out += [(key, row) for row in result.rows]
        return out

    def _jobs(self):
        capable = [key for key in self._alive() if self.servers[key]['jobs_supported'] is not False]
        if not capable:
            self._warn_old_servers()
            return []
        if self.route_to is None:
            answered = self.run(JOBS_COMMAND)
        else:
            answered = self.run(JOBS_COMMAND, capable)
        # A server whose version could not be read but which does not know QUERY JOB is a
        # pre-8.1.12 server, not a failure.
        for key in capable:
            report = self.servers[key]
            if key not in answered and report['error'] and 'ANR2000E' in report['error']:
                report.update(error=None, reachable=True, jobs_supported=False)
            elif key in answered and report['jobs_supported'] is None:
                report['jobs_supported'] = True
        self._warn_old_servers()
        if self.params['scope'] != 'active':   # completed jobs are kept for `since` of server time
            self._rows(TIME_SQL, None, [key for key in answered if key not in self.now])
        tasks = []
        for key, result in answered.items():
            tasks += self._convert(key, JOBS_COMMAND,
                                   lambda: [job_task(key, row, self.now.get(key)) for row in result.rows])
        return tasks

    def _warn_old_servers(self):
        for key in self._alive():
            report = self.servers[key]
            if report['jobs_supported'] is False:
                self.module.warn('Server %s runs V%s: jobs are shown only for servers at V8.1.12 or later '
                                 '(the Tasks page restriction); its sessions and processes are reported.'
                                 % (key, report['version'] or 'before 8.1.12'))

    def _activity_log(self, starts, since, problems_only):
        """One ACTLOG query over the window that covers `since` and every (server, start) given."""
        window = since
        for key, start in starts:
            now = self.now.get(key)
            if start and now:
                window = max(window, int((now - start).total_seconds()) + 60)
        sql = ACTLOG_SQL % window + (ACTLOG_PROBLEMS if problems_only else '')
        logs = {}
        for key, result in self.run(sql).items():
            logs[key] = self._convert(key, sql, lambda: ActivityLog(result.rows)) or ActivityLog([])
        return logs

    def _attach_messages(self, tasks, logs, children):
        limit = self.params['activity_log_limit'] or None
        for task in tasks:
            log = logs.get(task['server']) or ActivityLog([])
            task['messages'] = log.messages_for(task, children.get((task['server'], task['id']), ()), limit)

    def _fail_all(self):
        errors = ['%s: %s' % (key, self.servers[key]['error']) for key in self.order if self.servers[key]['error']]
        self.module.fail_json(msg='No server could be read. ' + ' '.join(errors),
                              servers=[self.servers[key] for key in self.order], commands=self.commands)


def _error_fields(error):
    fields = error.to_dict()
    fields.pop('msg', None)
    return fields


def _version_field(rows):
    for row in rows:
        for label, value in row.items():
            if 'version' in label.lower():
                found = server_version(value) or (value if re.match(r'^\d+\.\d+\.\d+', value or '') else None)
                if found:
                    return '.'.join(found.split('.')[:3])
    return None


def _in_scope(task, scope):
    return scope == 'all' or (scope == 'active') == task['active']
