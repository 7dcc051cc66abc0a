# -*- coding: utf-8 -*-
# Copyright: spectrum_protect.operations contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The task model: sessions, processes and jobs as the Operations Center "Tasks" page shows them.

PRIVATE to the spectrum_protect.operations collection: the interface may change in any release.

One place turns what a server prints (SELECT rows, QUERY output, SUMMARY rows) into task dicts
with the page's state names, outcomes and header counts. Records are read by field name (SELECT
column names or QUERY labels, whichever the server printed, in any spelling of the label); every
field the server printed is kept under ``raw``. The activity log that decides some outcomes is
_actlog.ActivityLog; the filters are in _filters; reading a fleet is _reader.
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import re
from datetime import datetime

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


def server_datetime(value):
    """A server timestamp (any form the server prints) as a datetime, or None."""
    iso = parse_timestamp(value) if value else None
    return datetime.strptime(iso, '%Y-%m-%dT%H:%M:%S') if iso else None


def iso_time(moment):
    return moment.strftime('%Y-%m-%dT%H:%M:%S') if moment else None


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
    task['start_time'] = iso_time(start)
    task['end_time'] = iso_time(end)
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
    _times(task, server_datetime(field(record, 'start_time')), None, now or server_datetime(field(record, 'server_time')))
    return task


def process_task(server, record, now=None):
    """An active process from a PROCESSES row or a QUERY PROCESS record."""
    task = new_task(server, 'process', _number(record, 'process_num', 'process'), record)
    task['state'] = 'Running'  # the page shows Running for every active process, even an idle one
    task['description'] = field(record, 'process')
    task['status_text'] = field(record, 'status')
    task['job_id'] = _int(field(record, 'job_id'))
    task['parent_process'] = _int(field(record, 'parent_process'))
    _times(task, server_datetime(field(record, 'start_time')), None, now or server_datetime(field(record, 'server_time')))
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
    begin = from_iso(dates.read(field(record, 'begin'), 'job %s begin date' % task['id']))
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
    end = from_iso(dates.read(field(record, 'end'), 'job %s end date' % task['id']))
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
        worst = log.worst('job', task['id'], server_datetime(task['start_time']), server_datetime(task['end_time']), job_processes)
        if worst in ('E', 'S'):
            task['outcome'] = 'failed'
        elif worst == 'W':
            task['outcome'] = 'warning'
        else:
            task['outcome'] = log.job_end(task['id'], server_datetime(task['start_time']), server_datetime(task['end_time'])) or 'unknown'
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
    return decide_completed(completed_record(server, record), problems)


def completed_record(server, record):
    """completed_task in two steps, for a reader that turns the rows into tasks before the
    activity log is read: the task without its outcome (what decides it is kept under
    '_pending'), then decide_completed."""
    activity = (record.get('ACTIVITY') or '').strip()
    task_type = 'session' if activity.upper() in SESSION_ACTIVITIES else 'process'
    task = new_task(server, task_type, _number(record, 'number', task_type), record)
    task['active'] = False
    task['description'] = activity
    if task_type == 'session':
        task['client_name'] = (record.get('ENTITY') or '').strip() or None
    for key in ('job_id', 'parent_process'):
        task[key] = int_or_none(field(record, key))
    start, end = server_datetime(record.get('START_TIME')), server_datetime(record.get('END_TIME'))
    _times(task, start, end, None)
    task['_pending'] = ((record.get('SUCCESSFUL') or '').strip().upper(), start, end)
    return task


def decide_completed(task, problems):
    """The outcome and state of a task from completed_record (see completed_task)."""
    successful, start, end = task.pop('_pending')
    if successful == 'NO':
        task['outcome'] = 'failed'
    elif problems is None:
        task['outcome'] = 'successful' if successful == 'YES' else 'unknown'
        task['outcome_verified'] = False
    else:
        worst = problems.worst(task['type'], task['id'], start, end) if hasattr(problems, 'worst') else (
            'W' if problems.has_problem(task['type'], task['id'], start, end) else None)
        if successful == 'YES':
            task['outcome'] = 'warning' if worst else 'successful'
        else:
            task['outcome'] = {'E': 'failed', 'S': 'failed', 'W': 'warning'}.get(worst, 'unknown')
    task['state'] = COMPLETED_STATES[task['outcome']]
    return task


def _opt(func, value):
    return func(value) if value not in (None, '') else None


def int_or_none(value):
    """A whole number, or None for an empty or unreadable value."""
    try:
        return to_int(value)
    except ParseError:
        return None


def from_iso(iso):
    """A task's ISO time (as the model writes it) as a datetime, or None."""
    return datetime.strptime(iso, '%Y-%m-%dT%H:%M:%S') if iso else None


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
