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
    route,
    route_targets,
    sql_string,
)
from ansible_collections.spectrum_protect.operations.plugins.module_utils._parse import (
    DateReader,
    ParseError,
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
                    'terminated': 'Terminated', 'unknown': 'Unknown'}
# Words of a completed job's completion state (or of its status) and the outcome each proves.
# Anything else proves nothing: the outcome is then taken from the activity log, or unknown.
COMPLETION_WORDS = {
    'COMPLETED': 'successful', 'SUCCESS': 'successful', 'SUCCESSFUL': 'successful',
    'SUCCEEDED': 'successful', 'WARNING': 'warning', 'WARNINGS': 'warning',
    'COMPLETED WITH WARNINGS': 'warning', 'FAILED': 'failed', 'FAILURE': 'failed', 'ERROR': 'failed',
    'ERRORS': 'failed', 'TERMINATED': 'terminated',
}
# Every state name the page shows (and Unknown, for a completed task whose outcome no answer
# proves), for validating the `states` filter.
PAGE_STATES = sorted(set(SESSION_STATES.values()) | set(ACTIVE_JOB_STATES.values())
                     | {'Completed', 'Successful', 'Warning', 'Failed', 'Terminated', 'Unknown'})

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
    'number': ('NUMBER',),
    'server_name': ('SERVER_NAME', 'Server Name'),
}


# Label spellings differ between releases and clients ('Job Id' / 'Job ID', 'Sess Number' /
# 'Session Number', 'Bytes Recvd' / 'Bytes Received'): labels are compared by their words, lower
# case, with these abbreviations spelled out.
_WORD_SYNONYMS = {'sess': 'session', 'recvd': 'received', 'rcvd': 'received', 'recv': 'received',
                  'num': 'number', 'no': 'number', 'nbr': 'number', 'nr': 'number',
                  'desc': 'description', 'descr': 'description', 'proc': 'process', 'stat': 'status'}
_NORMAL = {}


def normal_label(label):
    """The comparable form of a field label: 'Sess Number' and 'SESSION NUMBER' -> 'sessionnumber'."""
    known = _NORMAL.get(label)
    if known is None:
        words = re.findall(r'[a-z0-9]+', str(label).lower())
        known = _NORMAL[label] = ''.join(_WORD_SYNONYMS.get(word, word) for word in words)
    return known


_FIELD_NORMALS = dict((name, tuple(normal_label(label) for label in labels)) for name, labels in FIELDS.items())


def field(record, name):
    """The first non-empty value of the record for one attribute, stripped, or None.

    The labels of FIELDS are tried as printed first, then any label of the record that reads the
    same once normalised (normal_label)."""
    for key in FIELDS[name]:
        value = record.get(key)
        if value is not None and str(value).strip() != '':
            return str(value).strip()
    wanted = _FIELD_NORMALS[name]
    for key, value in record.items():
        if value is not None and str(value).strip() != '' and normal_label(key) in wanted:
            return str(value).strip()
    return None


class RecordError(ValueError):
    """A record that cannot be a task (no usable number); names the labels it has."""


def _number(record, name, what):
    """The record's task number; RecordError when it has none or an unreadable one."""
    value = field(record, name)
    try:
        number = to_int(value)
    except ParseError:
        number = None
    if number is None:
        raise RecordError('a %s record without a usable %s (%r; labels seen: %s)'
                          % (what, ' / '.join(FIELDS[name]), value, ', '.join(sorted(record)) or 'none'))
    return number


def _int(value):
    return to_int(value) if value not in (None, '') else None


def _dt(value):
    """A server timestamp as a datetime, or None."""
    iso = parse_timestamp(value) if value else None
    return datetime.strptime(iso, '%Y-%m-%dT%H:%M:%S') if iso else None


def _iso(moment):
    return moment.strftime('%Y-%m-%dT%H:%M:%S') if moment else None


MAX_SINCE_SECONDS = 3650 * 86400     # ten years: far beyond any SUMMARYRETENTION or ACTLOGRETENTION


def parse_since(text):
    """'30m', '24h', '7d', '90s' or a number of seconds -> seconds (int), at most ten years.
    ValueError naming the option, the value and the range otherwise."""
    text = str(text)
    match = re.match(r'^\s*(\d{1,12})\s*([smhdw]?)\s*\Z', text.lower()) if len(text) <= 40 else None
    if not match:
        raise ValueError("since: %r is not a period such as 30m, 24h or 7d (a number with s, m, h, d or w)"
                         % (text if len(text) <= 40 else text[:37] + '...',))
    factor = {'': 1, 's': 1, 'm': 60, 'h': 3600, 'd': 86400, 'w': 604800}[match.group(2)]
    seconds = int(match.group(1)) * factor
    if seconds > MAX_SINCE_SECONDS:
        raise ValueError('since: %r is more than the 3650 days (ten years) this option accepts' % (text,))
    return seconds


def new_task(server, task_type, task_id, raw):
    return {
        'server': server, 'type': task_type, 'id': task_id, 'state': None, 'active': True,
        'outcome': None, 'start_time': None, 'end_time': None, 'duration_seconds': None,
        'description': None, 'client_name': None, 'session_type': None, 'platform': None,
        'comm_method': None, 'wait_seconds': None, 'bytes_sent': None, 'bytes_received': None,
        'job_id': None, 'job_name': None, 'job_type': None, 'parent_process': None,
        'status_text': None, 'outcome_verified': True, 'raw': dict(raw),
    }


def _times(task, start, end, now):
    task['start_time'] = _iso(start)
    task['end_time'] = _iso(end)
    stop = end or now
    if start and stop:
        task['duration_seconds'] = max(0, int((stop - start).total_seconds()))


def session_task(server, record, now=None):
    """An active session from a SESSIONS row or a QUERY SESSION record."""
    task = new_task(server, 'session', _number(record, 'session_id', 'session'), record)
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
    task = new_task(server, 'process', _number(record, 'process_num', 'process'), record)
    task['state'] = 'Running'  # the page shows Running for every active process, even an idle one
    task['description'] = field(record, 'process')
    task['status_text'] = field(record, 'status')
    task['job_id'] = _int(field(record, 'job_id'))
    task['parent_process'] = _int(field(record, 'parent_process'))
    _times(task, _dt(field(record, 'start_time')), None, now or _dt(field(record, 'server_time')))
    return task


def job_task(server, record, now=None, dates=None):
    """A job from a QUERY JOB record, active or completed.

    Its dates are read by `dates`, the DateReader of the whole answer (one is made for the record
    when none is given); a date that cannot be read for sure is left None. A completed job's
    outcome comes from a completion word it carries (COMPLETION_WORDS); a job that only says
    COMPLETED, or a status word nobody knows, has outcome None and `evidence_needed`: the reader
    then decides it from the activity log (decide_job_outcome), never by assuming success.
    """
    task = new_task(server, 'job', _number(record, 'job_id', 'job'), record)
    status = (field(record, 'job_status') or '').upper()
    task['status_text'] = status or None
    task['job_id'] = task['id']
    task['job_type'] = field(record, 'job_type')
    task['job_name'] = field(record, 'job_name')
    task['description'] = ' '.join(p for p in (task['job_type'], task['job_name']) if p) or None
    if dates is None:
        dates = DateReader([field(record, 'begin'), field(record, 'end')], now)
    begin = _moment(dates.read(field(record, 'begin'), 'job %s begin date' % task['id']))
    if status in ACTIVE_JOB_STATES:
        task['state'] = ACTIVE_JOB_STATES[status]
        _times(task, begin, None, now)
        return task
    task['active'] = False
    completion = (field(record, 'completion') or '').upper()
    if status == 'TERMINATED':
        task['outcome'] = 'terminated'
    elif status != 'COMPLETED' and status in COMPLETION_WORDS:
        task['outcome'] = COMPLETION_WORDS[status]
    elif completion in COMPLETION_WORDS:
        task['outcome'] = COMPLETION_WORDS[completion]
    if task['outcome'] is None:
        task['evidence_needed'] = True
    else:
        task['state'] = completed_state(task)
    end = _moment(dates.read(field(record, 'end'), 'job %s end date' % task['id']))
    _times(task, begin, end, now)
    return task


def completed_state(task):
    """The page's state of a completed task from its outcome (a job's success is 'Completed')."""
    if task['type'] == 'job' and task['outcome'] == 'successful':
        return 'Completed'
    return COMPLETED_STATES[task['outcome']]


def decide_job_outcome(task, log, job_processes=()):
    """A completed job's outcome from the activity log, for a job whose own fields prove none:
    an E or S message of the job or its processes: failed; else a W: warning; else the outcome the
    job's own end message states ('completion state Completed', 'completed successfully'); else
    unknown. `log` None (the read failed): unknown and
    not verified."""
    task.pop('evidence_needed', None)
    if log is None:
        task['outcome'], task['outcome_verified'] = 'unknown', False
    else:
        worst = log.worst('job', task['id'], _dt(task['start_time']), _dt(task['end_time']), job_processes)
        if worst in ('E', 'S'):
            task['outcome'] = 'failed'
        elif worst == 'W':
            task['outcome'] = 'warning'
        else:
            task['outcome'] = log.job_end(task['id'], _dt(task['start_time']), _dt(task['end_time'])) or 'unknown'
    task['state'] = completed_state(task)
    return task


def completed_task(server, record, problems):
    """A completed session or process from a SUMMARY / SUMMARY_EXTENDED row.

    ``problems`` is the server's ActivityLog, or None when it could not be read. SUCCESSFUL=NO
    is Failed. SUCCESSFUL=YES is Warning when the task logged a W/E/S message between its start
    and end, else Successful; without the log it stays Successful but not verified
    (outcome_verified false), since a warning could not be looked for. A row without a
    SUCCESSFUL word is Failed or Warning on the log's evidence, else unknown.
    """
    activity = (record.get('ACTIVITY') or '').strip()
    task_type = 'session' if activity.upper() in SESSION_ACTIVITIES else 'process'
    task = new_task(server, task_type, _number(record, 'number', task_type), record)
    task['active'] = False
    task['description'] = activity
    if task_type == 'session':
        task['client_name'] = (record.get('ENTITY') or '').strip() or None
    for key in ('job_id', 'parent_process'):
        task[key] = _opt_int(field(record, key))
    start, end = _dt(record.get('START_TIME')), _dt(record.get('END_TIME'))
    _times(task, start, end, None)
    successful = (record.get('SUCCESSFUL') or '').strip().upper()
    if successful == 'NO':
        task['outcome'] = 'failed'
    elif problems is None:
        task['outcome'] = 'successful' if successful == 'YES' else 'unknown'
        task['outcome_verified'] = False
    else:
        worst = problems.worst(task_type, task['id'], start, end) if hasattr(problems, 'worst') else (
            'W' if problems.has_problem(task_type, task['id'], start, end) else None)
        if successful == 'YES':
            task['outcome'] = 'warning' if worst else 'successful'
        else:
            task['outcome'] = {'E': 'failed', 'S': 'failed', 'W': 'warning'}.get(worst, 'unknown')
    task['state'] = COMPLETED_STATES[task['outcome']]
    return task


def _opt(func, value):
    return func(value) if value not in (None, '') else None


def _opt_int(value):
    try:
        return to_int(value)
    except ParseError:
        return None


def _moment(iso):
    return datetime.strptime(iso, '%Y-%m-%dT%H:%M:%S') if iso else None


_SEVERITY_RANK = {'W': 1, 'E': 2, 'S': 3}
_SUCCESS_RE = re.compile(r'(?<!un)success', re.IGNORECASE)
_COMPLETION_RE = re.compile(r'completion state:?\s+([A-Za-z]+)', re.IGNORECASE)


class ActivityLog:
    """Activity-log rows of one server, indexed once by session, process and the job they name."""

    JOB_REF = re.compile(r'\bjob(?:\s+id)?\s*:?\s*(\d+)', re.IGNORECASE)

    def __init__(self, rows):
        self.rows = []
        self.by = {'session': {}, 'process': {}, 'job': {}}
        self.skipped = 0        # rows whose time could not be read
        for row in rows:
            try:
                moment = _dt(row.get('DATE_TIME'))
            except ParseError:
                moment = None
            if moment is None:
                self.skipped += 1
                continue
            message = (row.get('MESSAGE') or '').strip()
            entry = {
                'time': moment,
                'msgno': (row.get('MSGNO') or '').strip(),
                'severity': (row.get('SEVERITY') or '').strip().upper(),
                'message': message,
                'session': _opt_int((row.get('SESSION') or '').strip()),
                'process': _opt_int((row.get('PROCESS') or '').strip()),
                'jobs': set(int(ref) for ref in self.JOB_REF.findall(message)) if 'ob' in message else set(),
            }
            self.rows.append(entry)
            for kind in ('session', 'process'):
                if entry[kind] is not None:
                    self.by[kind].setdefault(entry[kind], []).append(entry)
            for job in entry['jobs']:
                self.by['job'].setdefault(job, []).append(entry)
        for index in self.by.values():
            for entries in index.values():
                entries.sort(key=lambda r: r['time'])

    def _matches(self, task_type, number, start, end, job_processes=()):
        found = list(self.by[task_type].get(number, ()))
        if task_type == 'job':
            seen = set(id(row) for row in found)
            for process in job_processes:
                found += [row for row in self.by['process'].get(process, ()) if id(row) not in seen]
            found.sort(key=lambda r: r['time'])
        return [row for row in found if not ((start and row['time'] < start) or (end and row['time'] > end))]

    def worst(self, task_type, number, start, end, job_processes=()):
        """The most severe of W, E, S among the task's messages in its window, or None."""
        worst = None
        for row in self._matches(task_type, number, start, end, job_processes):
            if _SEVERITY_RANK.get(row['severity'], 0) > _SEVERITY_RANK.get(worst, 0):
                worst = row['severity']
        return worst

    def has_problem(self, task_type, number, start, end):
        return self.worst(task_type, number, start, end) is not None

    def job_end(self, number, start, end):
        """The outcome a message naming the job states: its 'completion state WORD' read by
        COMPLETION_WORDS, else an I message saying it succeeded; None when none says."""
        stated = None
        for row in self._matches('job', number, start, end):
            completion = _COMPLETION_RE.search(row['message'])
            if completion is not None and completion.group(1).upper() in COMPLETION_WORDS:
                stated = COMPLETION_WORDS[completion.group(1).upper()]
            elif stated is None and row['severity'] == 'I' and _SUCCESS_RE.search(row['message']):
                stated = 'successful'
        return stated

    def messages_for(self, task, job_processes=(), limit=None):
        start, end = _dt(task['start_time']), _dt(task['end_time'])
        found = [{'time': _iso(r['time']), 'msgno': r['msgno'], 'severity': r['severity'],
                  'message': r['message']}
                 for r in self._matches(task['type'], task['id'], start, end, job_processes)]
        return found[-limit:] if limit else found


def summarize(tasks):
    """The page's header counts: Successful (jobs and processes), Warning, Failed; plus active
    counts, Unknown (completed tasks whose outcome no answer proves: never counted Successful)
    and unverified (tasks whose outcome could not be checked against the activity log).

    Sessions that completed successfully are neither shown nor counted (unless unverified: they
    might have been Warning); a terminated job counts as Failed (it did not complete)."""
    counts = {'successful': 0, 'warning': 0, 'failed': 0, 'unknown': 0, 'unverified': 0,
              'active': dict((t, 0) for t in TASK_TYPES), 'unknown_tasks': []}
    for task in tasks:
        if not task.get('outcome_verified', True):
            counts['unverified'] += 1
        if task['active']:
            counts['active'][task['type']] += 1
        elif task['outcome'] == 'successful':
            if task['type'] != 'session':
                counts['successful'] += 1
        elif task['outcome'] in ('warning', 'failed', 'unknown'):
            counts[task['outcome']] += 1
            if task['outcome'] == 'unknown':
                counts['unknown_tasks'].append({'server': task['server'], 'type': task['type'], 'id': task['id']})
        elif task['outcome'] == 'terminated':
            counts['failed'] += 1
    return counts


def visible(task):
    """False for tasks the page hides: sessions that completed successfully (and were checked)."""
    return not (task['type'] == 'session' and task['outcome'] == 'successful'
                and task.get('outcome_verified', True))


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
_VERSION_TIGHT_RE = re.compile(r'Version(\d+),Release(\d+),Level(\d+)')
DEFAULT_MAX_ROWS = 100000
SESSIONS_SQL = 'SELECT S.*, CURRENT_TIMESTAMP AS SERVER_TIME FROM SESSIONS S'
PROCESSES_SQL = 'SELECT P.*, CURRENT_TIMESTAMP AS SERVER_TIME FROM PROCESSES P'
SUMMARY_SQL = ('SELECT S.*, CURRENT_TIMESTAMP AS SERVER_TIME FROM SUMMARY_EXTENDED S'
               ' WHERE S.END_TIME >= CURRENT_TIMESTAMP - %d SECONDS')
ACTLOG_SQL = ('SELECT DATE_TIME, MSGNO, SEVERITY, MESSAGE, ORIGINATOR, SESSION, PROCESS FROM ACTLOG'
              ' WHERE DATE_TIME >= CURRENT_TIMESTAMP - %d SECONDS')
# Without activity_log only what decides outcomes: problems, and messages that may name a job.
ACTLOG_PROBLEMS = " AND SEVERITY IN ('W','E','S')"
ACTLOG_EVIDENCE = " AND (SEVERITY IN ('W','E','S') OR UPPER(MESSAGE) LIKE '%JOB%')"
FETCH_SQL = ' FETCH FIRST %d ROWS ONLY'
JOBS_COMMAND = 'QUERY JOB STATUS=ANY'
TIME_SQL = 'SELECT CURRENT_TIMESTAMP AS SERVER_TIME FROM STATUS'
# Queries whose failure means the server's tasks were not read (an ACTLOG or TIME failure only
# leaves outcomes unverified).
TASK_QUERIES = ('status', 'sessions', 'processes', 'summary', 'jobs')
MAX_PUSHED_IDS = 1000
JOB_PAGE_STATES = frozenset(['running', 'sleeping', 'interrupted', 'completed', 'warning', 'failed',
                             'terminated', 'unknown'])
COMPLETED_PAGE_STATES = frozenset(['successful', 'warning', 'failed', 'unknown'])


class TaskReadError(Exception):
    """Nothing could be read: the module fails with msg and the fields (servers, commands...)."""

    def __init__(self, msg, **fields):
        super(TaskReadError, self).__init__(msg)
        self.msg = msg
        self.fields = fields


def server_version(text):
    """'8.1.12' from any 'Version 8, Release 1, Level 12.000' in the text, or None."""
    match = VERSION_RE.search(text or '')
    if match is None and text:      # a title the client wrapped inside a word: read it without blanks
        match = _VERSION_TIGHT_RE.search(re.sub(r'\s+', '', text))
    return '%s.%s.%s' % match.group(1, 2, 3) if match else None


def version_tuple(version):
    return tuple(int(part) for part in version.split('.')[:3]) if version else None


def like_pattern(pattern):
    """A server wildcard (* and ?) as an upper-case SQL LIKE pattern, or None when the pattern
    holds % or _ (which LIKE would read as wildcards: the filter is then applied after reading)."""
    if pattern is None or '%' in pattern or '_' in pattern:
        return None
    return pattern.upper().replace('*', '%').replace('?', '_')


def _where(conditions):
    return ''.join(' AND ' + condition for condition in conditions if condition)


def _in(column, numbers):
    if not numbers or len(numbers) > MAX_PUSHED_IDS:
        return None
    return '%s IN (%s)' % (column, ','.join(str(int(number)) for number in sorted(set(numbers))))


def _like(column, pattern, option):
    like = like_pattern(pattern)
    return None if like is None else 'UPPER(%s) LIKE %s' % (column, sql_string(like, option))


def _sql(base, conditions, max_rows):
    where = _where(conditions)
    if where and ' WHERE ' not in base:
        where = ' WHERE ' + where[len(' AND '):]
    return base + where + FETCH_SQL % (max_rows + 1)


class TaskReader:
    """Reads the tasks of one server, or of the servers reached by routing from it, for sp_task_info.

    One dsmadmc call per query and server (a routed call covers every target at once). The
    module's filters are pushed into the queries where the server can apply them (the same
    filters run again on what comes back), and every SELECT is bounded by max_rows. A target
    that fails a query is reported in `servers` with every failed query under `errors`, and is
    left out of later queries once it cannot be reached. Module-level problems are raised as
    TaskReadError; what the user should know is collected in `warnings`.
    """

    def __init__(self, module, client=None):
        self.module = module
        self.params = module.params
        self.client = client or Dsmadmc.from_module(module)
        self.route_to = self.params.get('route_to') or None
        self.max_rows = self.params.get('max_rows') or DEFAULT_MAX_ROWS
        self.commands = []
        self.warnings = []
        self.servers = {}      # key -> server report
        self.order = []
        self.now = {}          # key -> server time (datetime) seen in a SELECT
        self.wanted_states = set(s.lower() for s in self.params.get('states') or []) or None

    # -- running queries

    def _report(self, key):
        if key not in self.servers:
            self.servers[key] = {'name': key, 'version': None, 'jobs_supported': None,
                                 'reachable': True, 'read': True, 'error': None, 'errors': [],
                                 'truncated': [], 'unverified': []}
            self.order.append(key)
        return self.servers[key]

    def _fail(self, key, error, query, first=False, partial=False):
        """Record a failed query of a server: every failure is kept under `errors`. A server
        that fails the first query (or cannot be reached) is left out of the later ones; one
        whose task query failed is not read (`read` false), unless only some records of its
        answer were unreadable (`partial`)."""
        report = self._report(key)
        report['errors'].append({'query': query, 'kind': error.kind, 'rc': error.rc,
                                 'message_ids': error.message_ids, 'msg': error.msg})
        report['error'] = report['errors'][0]['msg'] if len(report['errors']) == 1 else ' | '.join(
            '%s: %s' % (entry['query'], entry['msg']) for entry in report['errors'])
        if query in TASK_QUERIES and not partial:
            report['read'] = False
        if first or error.kind in ('unreachable', 'auth_failed', 'unknown_server', 'timeout', 'client_missing',
                                   'password_not_read'):
            report['reachable'] = False

    def _record_problem(self, key, query, msg):
        """Part of a server's answer could not be read (garbled records or values)."""
        self._fail(key, DsmadmcError(msg, 'garbled', server=key), query, partial=True)

    def _alive(self):
        return [key for key in self.order if self.servers[key]['reachable']]

    def run(self, command, query, targets=None, first=False):
        """Run a query on every live target (or on `targets`); return {server key: DsmadmcResult}
        of those that answered. A failed server is recorded in its report; only the `first` query
        (the one that decides whether anything can be read) raises DsmadmcError."""
        answered = {}
        names = [None] if self.route_to is None else (targets if targets is not None else self._alive())
        if not names:
            return answered
        self.commands.append(command if self.route_to is None else route(names, command))
        try:
            if self.route_to is None:
                results = [self.client.run(command)]
            else:
                results = self.client.run_routed(names, command, split_on_timeout=True)
        except DsmadmcError as error:   # the call itself failed (hub or single server)
            if first:
                raise
            for key in (self.order if self.route_to is None else names):
                self._fail(key, error, query)
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
                self._fail(key, result.error, query, first)
            else:
                answered[key] = result
        return answered

    def _bounded(self, key, query, rows):
        """The rows, cut to max_rows; a cut answer is flagged truncated with a warning."""
        if len(rows) <= self.max_rows:
            return rows
        report = self._report(key)
        if query not in report['truncated']:
            report['truncated'].append(query)
            self.warnings.append('Server %s: the %s answer has more than max_rows=%d rows; only the first %d '
                                 'are reported (truncated). Narrow the filters or raise max_rows.'
                                 % (key, query, self.max_rows, self.max_rows))
        return rows[:self.max_rows]

    # -- the steps

    def read_status(self):
        """QUERY STATUS on every server: names, versions, and which servers can be read at all."""
        try:
            if self.route_to is None:
                result = self.run('QUERY STATUS', 'status', first=True)[None]
                names = [field(row, 'server_name') for row in result.rows if field(row, 'server_name')]
                answered = {(names[0] if names else self.params.get('server') or 'default').upper(): result}
            else:
                targets = [name.upper() for name in route_targets(self.route_to)]
                for name in targets:
                    self._report(name)
                answered = self.run('QUERY STATUS', 'status', targets, first=True)
        except DsmadmcError as error:
            fields = dict((name, value) for name, value in error.to_dict().items() if name != 'msg')
            raise TaskReadError(error.msg, commands=self.commands, **fields)
        for key, result in answered.items():
            self._report(key)
            self._status(key, result)

    def _status(self, key, result):
        report = self.servers[key]
        report['version'] = server_version(getattr(result, 'text', '')) or _version_field(result.rows)
        if report['version'] is None and not any(field(row, 'server_name') for row in result.rows):
            # an answer with neither: no server spoke (say, dsmadmc_path is /bin/true)
            self._fail(key, DsmadmcError('the answer to QUERY STATUS from %s names no server and no version: is %s '
                                         'the administrative client dsmadmc?' % (key, self.client.path), 'not_client',
                                         server=key), 'status', first=True)
        if report['version']:
            report['jobs_supported'] = version_tuple(report['version']) >= JOBS_SINCE

    def _wants(self, *states):
        return self.wanted_states is None or bool(self.wanted_states & set(states))

    def read(self):
        params = self.params
        types = set(params['types'])
        scope = params['scope']
        since = parse_since(params['since'])
        self.read_status()
        if not self._alive():
            self._fail_all()
        ids = params.get('ids') or None
        sessions_only = params.get('client_name') or params.get('session_type')
        tasks = []
        if scope in ('active', 'all'):
            codes = [code for code, page in SESSION_STATES.items()
                     if self.wanted_states is None or page.lower() in self.wanted_states]
            if 'session' in types and codes and params.get('job_id') is None:
                state_filter = None if self.wanted_states is None else 'UPPER(S.STATE) IN (%s)' % ','.join(
                    "'%s'" % code for code in codes)
                tasks += self._tasks('sessions', _sql(SESSIONS_SQL, [
                    _in('S.SESSION_ID', ids), state_filter,
                    _like('S.CLIENT_NAME', params.get('client_name'), 'client_name'),
                    "UPPER(S.SESSION_TYPE) = '%s'" % params['session_type'].upper() if params.get('session_type') else None,
                ], self.max_rows), session_task)
            if 'process' in types and self._wants('running') and not sessions_only:
                job_filter = None
                if params.get('job_id') is not None and all(self.servers[k]['jobs_supported'] for k in self._alive()):
                    job_filter = 'P.JOB_ID = %d' % params['job_id']
                tasks += self._tasks('processes', _sql(PROCESSES_SQL, [
                    _in('P.PROCESS_NUM', ids), _like('P.PROCESS', params.get('description'), 'description'),
                    job_filter], self.max_rows), process_task)
        completed = []
        if scope in ('completed', 'all') and types & {'session', 'process'} and self._wants(*COMPLETED_PAGE_STATES):
            completed = self._rows('summary', _sql(SUMMARY_SQL % since, [
                _in('S.NUMBER', ids), _like('S.ACTIVITY', params.get('description'), 'description'),
                _like('S.ENTITY', params.get('client_name'), 'client_name')], self.max_rows))
        jobs = []
        if 'job' in types and not sessions_only and self._wants(*JOB_PAGE_STATES):
            jobs = self._jobs()
        tasks += jobs
        evidence = [job for job in jobs if job.get('evidence_needed')]
        logs = {}
        if completed or params['activity_log'] or evidence:
            # the log must reach back to the start of every task whose messages are read
            starts = [(key, _dt(row.get('START_TIME'))) for key, row in completed]
            starts += [(job['server'], _dt(job['start_time'])) for job in evidence]
            if params['activity_log']:
                starts += [(t['server'], _dt(t['start_time'])) for t in tasks]
            servers = set(key for key, row in completed) | set(job['server'] for job in evidence)
            logs = self._activity_log(starts, since, servers, evidence_only=not params['activity_log'],
                                      jobs=bool(evidence))
        for key, row in completed:
            if (row.get('ACTIVITY') or '').strip().upper() in NOT_TASKS:
                continue
            tasks += [task for task in self._convert(key, 'summary', [row],
                                                     lambda row: completed_task(key, row, logs.get(key)))
                      if task['type'] in types]
        children = {}   # (server, job) -> its processes, for a job's activity log
        for task in tasks:
            if task['type'] == 'process' and task['job_id'] is not None:
                children.setdefault((task['server'], task['job_id']), set()).add(task['id'])
        for job in evidence:
            decide_job_outcome(job, logs.get(job['server']), children.get((job['server'], job['id']), ()))
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
        self._conclude(tasks)
        if not any(self.servers[key]['read'] for key in self.order):
            self._fail_all()
        return {'tasks': tasks, 'summary': self._fleet_summary(tasks),
                'servers': [self.servers[key] for key in self.order], 'commands': self.commands}

    def _conclude(self, tasks):
        """Per server: its header counts, whether they are complete, and warnings for every task
        whose outcome is unknown or unverified."""
        for key in self.order:
            report = self.servers[key]
            mine = [t for t in tasks if t['server'] == key]
            summary = summarize(mine)
            unknown = [t for t in mine if t['outcome'] == 'unknown']
            unverified = [t for t in mine if not t['outcome_verified']]
            report['unverified'] = sorted(set(t['outcome'] for t in unverified if t['outcome']))
            summary['complete'] = bool(report['reachable'] and report['read'] and not report['errors']
                                       and not report['truncated'] and not unknown and not unverified)
            report['summary'] = summary
            unproved = [t for t in unknown if t['outcome_verified']]    # the others: the failed read says why
            if unproved:
                self.warnings.append('Server %s: the outcome of %s is unknown: neither a completion word nor the '
                                     'activity log shows how it ended; it is counted under unknown, never as '
                                     'successful.' % (key, ', '.join('%s %s' % (t['type'], t['id']) for t in unproved)))
            if unverified:
                failed = [entry['query'] for entry in report['errors'] if entry['query'] == 'actlog']
                self.warnings.append('Server %s: %d completed task(s) could not be checked against the activity log%s; '
                                     'their outcomes (%s) are not verified and its counts are incomplete.'
                                     % (key, len(unverified), ' (the ACTLOG read failed)' if failed else '',
                                        ', '.join(report['unverified'])))

    def _fleet_summary(self, tasks):
        summary = summarize(tasks)
        summary['complete'] = all(self.servers[key]['summary']['complete'] for key in self.order)
        return summary

    def _convert(self, key, query, rows, make):
        """make(row) for each row of one server's answer. A record that cannot be a task (no
        usable number) or whose values do not read is that server's error; the other records
        are still returned."""
        out = []
        bad = []
        for row in rows:
            try:
                out.append(make(row))
            except ValueError as exc:
                bad.append(str(exc))
        if bad:
            self._record_problem(key, query, 'the output of the %s query from server %s could not be read '
                                 'for %d record(s): %s' % (query, key, len(bad), '; '.join(bad[:3])))
        return out

    def _rows(self, query, sql, targets=None):
        """(key, row) pairs of a SELECT on every live server (or `targets`), each answer bounded
        by max_rows. Notes the server time of rows that carry SERVER_TIME."""
        out = []
        if targets is not None and not targets:
            return out
        for key, result in self.run(sql, query, targets).items():
            rows = self._bounded(key, query, result.rows)
            for row in rows:
                stamp = row.get('SERVER_TIME')
                if stamp:
                    try:
                        moment = _dt(stamp)
                    except ParseError:
                        moment = None
                    if moment and (key not in self.now or moment > self.now[key]):
                        self.now[key] = moment
            out += [(key, row) for row in rows]
        return out

    def _tasks(self, query, sql, make):
        pairs = self._rows(query, sql)
        out = []
        by_key = {}
        for key, row in pairs:
            by_key.setdefault(key, []).append(row)
        for key, rows in by_key.items():
            out += self._convert(key, query, rows, lambda row: make(key, row))
        return out

    def _jobs(self):
        capable = [key for key in self._alive() if self.servers[key]['jobs_supported'] is not False]
        self._warn_old_servers()
        if not capable:
            return []
        params = self.params
        command = JOBS_COMMAND
        single = params.get('job_id')
        if single is None and params.get('ids') and len(params['ids']) == 1:
            single = params['ids'][0]
        if single is not None:
            command = 'QUERY JOB %d STATUS=ANY' % int(single)
        answered = self.run(command, 'jobs', None if self.route_to is None else capable)
        for key in answered:
            if self.servers[key]['jobs_supported'] is None:
                self.servers[key]['jobs_supported'] = True
        # the server's own time dates a job's duration and settles the day/month order of its dates
        self._rows('time', TIME_SQL, [key for key in answered if key not in self.now])
        tasks = []
        for key, result in answered.items():
            rows = self._bounded(key, 'jobs', result.rows)
            dates = DateReader([field(row, name) for row in rows for name in ('begin', 'end')], self.now.get(key))
            tasks += self._convert(key, 'jobs', rows, lambda row: job_task(key, row, self.now.get(key), dates))
            for problem in dates.problems:
                self.warnings.append('Server %s: %s; the field is left empty.' % (key, problem))
        return tasks

    def _warn_old_servers(self):
        for key in self._alive():
            report = self.servers[key]
            if report['jobs_supported'] is False:
                self.warnings.append('Server %s runs V%s: jobs are shown only for servers at V8.1.12 or later '
                                     '(the Tasks page restriction); its sessions and processes are reported.'
                                     % (key, report['version'] or 'before 8.1.12'))

    def _activity_log(self, starts, since, servers, evidence_only, jobs):
        """One ACTLOG query over the window that covers `since` and every (server, start) given.
        {key: ActivityLog} for the servers that answered; a server whose read failed is absent."""
        window = since
        for key, start in starts:
            now = self.now.get(key)
            if start and now:
                window = max(window, int((now - start).total_seconds()) + 60)
        sql = ACTLOG_SQL % window
        if evidence_only:
            sql += ACTLOG_EVIDENCE if jobs else ACTLOG_PROBLEMS
        sql += FETCH_SQL % (self.max_rows + 1)
        targets = None
        if self.route_to is not None and evidence_only:
            targets = [key for key in self._alive() if key in servers]
        logs = {}
        for key, result in self.run(sql, 'actlog', targets).items():
            logs[key] = ActivityLog(self._bounded(key, 'actlog', result.rows))
            if logs[key].skipped:
                self._record_problem(key, 'actlog', 'the time of %d activity-log message(s) of server %s could not '
                                     'be read; those messages were left out' % (logs[key].skipped, key))
        return logs

    def _attach_messages(self, tasks, logs, children):
        limit = self.params['activity_log_limit'] or None
        for task in tasks:
            log = logs.get(task['server']) or ActivityLog([])
            task['messages'] = log.messages_for(task, children.get((task['server'], task['id']), ()), limit)

    def _fail_all(self):
        errors = ['%s: %s' % (key, self.servers[key]['error']) for key in self.order if self.servers[key]['error']]
        raise TaskReadError('No server could be read. ' + ' '.join(errors),
                            servers=[self.servers[key] for key in self.order], commands=self.commands)


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
