# -*- coding: utf-8 -*-
# Copyright: spectrum_protect.operations contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The activity log: the messages of a task (the Tasks page's activity log pane), the evidence
for outcomes, and the server's record of administrator commands.

PRIVATE to the spectrum_protect.operations collection: the interface may change in any release.

- ActivityLog(rows): ACTLOG rows of one server indexed by session, process and the job they name;
  the worst severity of a task's messages, the outcome a job's end message states, the messages
  of a task between its start and end.
- requested_cancels(rows, server): the CANCEL SESSION / CANCEL PROCESS commands the server's
  command log (ANR2017I, the record of every administrator command) shows, for a cancel that is
  still under way.
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import re

from ansible_collections.spectrum_protect.operations.plugins.module_utils._model import (
    COMPLETION_WORDS,
    int_or_none,
    iso_time,
    server_datetime,
)
from ansible_collections.spectrum_protect.operations.plugins.module_utils._parse import (
    ParseError,
    to_int,
)

_SEVERITY_RANK = {'W': 1, 'E': 2, 'S': 3}
_NO_JOBS = frozenset()     # shared by every message that names no job (most of a large log)
_SUCCESS_RE = re.compile(r'(?<!un)success', re.IGNORECASE)
_COMPLETION_RE = re.compile(r'completion state:?\s+([A-Za-z]+)', re.IGNORECASE)


class _Entry(object):
    """One activity-log message, read as entry['time'], entry['severity'] ... A log of a whole
    fleet holds hundreds of thousands: a slotted object is a quarter of a dict's size."""

    __slots__ = ('time', 'msgno', 'severity', 'message', 'session', 'process', 'jobs')

    def __init__(self, *values):
        for name, value in zip(self.__slots__, values):
            setattr(self, name, value)

    def __getitem__(self, name):
        return getattr(self, name)

    def get(self, name, default=None):
        return getattr(self, name, default)


class ActivityLog:
    """Activity-log rows of one server, indexed once by session, process and the job they name."""

    JOB_REF = re.compile(r'\bjob(?:\s+id)?\s*:?\s*(\d+)', re.IGNORECASE)

    def __init__(self, rows):
        self.rows = []
        self.by = {'session': {}, 'process': {}, 'job': {}}
        self.skipped = 0        # rows whose time could not be read
        for row in rows:
            try:
                moment = server_datetime(row.get('DATE_TIME'))
            except ParseError:
                moment = None
            if moment is None:
                self.skipped += 1
                continue
            message = (row.get('MESSAGE') or '').strip()
            entry = _Entry(moment, (row.get('MSGNO') or '').strip(), (row.get('SEVERITY') or '').strip().upper(), message,
                           int_or_none((row.get('SESSION') or '').strip()), int_or_none((row.get('PROCESS') or '').strip()),
                           frozenset(int(ref) for ref in self.JOB_REF.findall(message)) if 'ob' in message else _NO_JOBS)
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
        start, end = server_datetime(task['start_time']), server_datetime(task['end_time'])
        found = [{'time': iso_time(r['time']), 'msgno': r['msgno'], 'severity': r['severity'],
                  'message': r['message']}
                 for r in self._matches(task['type'], task['id'], start, end, job_processes)]
        return found[-limit:] if limit else found


# --- the command log --------------------------------------------------------------------------

# The server's record of administrator commands (ANR2017I, written for every command on every
# server): the one place that tells a cancel already under way [DECIDED]. Only CANCEL commands
# are read ('CAN' is the shortest abbreviation), over the last day and back to a minute before the
# start of the oldest task of the table named (SESSIONS or PROCESSES): the window is in the query,
# so that it can go into the same client session as the read of the tasks.
COMMAND_LOG_SQL = ("SELECT DATE_TIME, MESSAGE FROM ACTLOG WHERE MSGNO=2017"
                   " AND (DATE_TIME >= CURRENT_TIMESTAMP - 86400 SECONDS"
                   " OR DATE_TIME >= (SELECT MIN(START_TIME) FROM %s) - 60 SECONDS) AND UCASE(MESSAGE) LIKE '%%CAN%%'")
_ISSUED_RE = re.compile(r'issued command:\s*(?P<command>.*?)\s*(?:\((?:SESSION|PROCESS):[^)]*\))?\s*$',
                        re.IGNORECASE)
_ROUTED_RE = re.compile(r'^\s*(?:\((?P<paren>[^()\s]+)\)\s*|(?P<plain>[A-Za-z0-9_.\-]+(?:,[A-Za-z0-9_.\-]+)*):\s*)'
                        r'(?P<rest>.*)$')


def _keyword(word, full, shortest):
    """True when `word` abbreviates the server keyword `full` (at least `shortest` letters)."""
    word = word.upper()
    return len(word) >= shortest and full.startswith(word)


def parse_cancel(command):
    """('session'|'process', number or 'ALL') for a CANCEL SESSION / CANCEL PROCESS command as
    typed (keywords abbreviated as the server allows), else None."""
    words = command.split()
    if len(words) < 3 or not _keyword(words[0], 'CANCEL', 3):
        return None
    if _keyword(words[1], 'SESSION', 2):
        kind = 'session'
    elif _keyword(words[1], 'PROCESS', 2):
        kind = 'process'
    else:
        return None
    target = words[2].upper()
    if kind == 'session' and _keyword(target, 'ALL', 2):
        return kind, 'ALL'
    try:
        return kind, to_int(target)
    except ValueError:
        return None


def requested_cancels(rows, server):
    """Cancels recorded in one server's command log (rows of COMMAND_LOG_SQL):
    [(kind, number or 'ALL', when)].

    A routed command counts on the servers it names (the hub logs 'SPOKE1: CANCEL ...'; the
    target logs the bare command)."""
    found = []
    for row in rows:
        match = _ISSUED_RE.search(row.get('MESSAGE') or '')
        try:
            when = server_datetime(row.get('DATE_TIME'))
        except ParseError:
            when = None
        if not match or when is None:
            continue
        command = match.group('command')
        routed = _ROUTED_RE.match(command)
        if routed and routed.group('rest') and parse_cancel(routed.group('rest')):
            names = (routed.group('paren') or routed.group('plain')).upper().split(',')
            if server.upper() not in names:
                continue
            command = routed.group('rest')
        cancel = parse_cancel(command)
        if cancel:
            found.append((cancel[0], cancel[1], when))
    return found
