# -*- coding: utf-8 -*-
# Copyright: spectrum_protect.operations contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The filters every module selects tasks with, and their pushdown into the server's queries.

PRIVATE to the spectrum_protect.operations collection: the interface may change in any release.

- select(tasks, ...): the tasks every given filter matches (ids, the page's states, client and
  session type, description, job and parent process, wait time, job name and type).
- check_states(values, allowed, option): the page's state names a module accepts.
- parse_since(text): a period such as 24h as seconds; within(task, since, now).
- like_pattern / where / in_list / like / bounded_sql: the same filters as SQL conditions, so the
  server sends only what matches (the filters run again on what comes back).
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import fnmatch
import re
from datetime import timedelta

from ansible_collections.spectrum_protect.operations.plugins.module_utils._dsmadmc import (
    sql_string,
)
from ansible_collections.spectrum_protect.operations.plugins.module_utils._model import (
    server_datetime,
)

MAX_SINCE_SECONDS = 3650 * 86400     # ten years: far beyond any SUMMARYRETENTION or ACTLOGRETENTION
MAX_PUSHED_IDS = 1000
FETCH_SQL = ' FETCH FIRST %d ROWS ONLY'


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


def check_states(values, allowed, option='states', what='the Tasks page states'):
    """ValueError naming the option and every value that is not one of `allowed` (case-insensitive)."""
    known = dict((state.lower(), state) for state in allowed)
    bad = [value for value in values or [] if str(value).lower() not in known]
    if bad:
        raise ValueError('%s: unknown state %s; %s are: %s'
                         % (option, ', '.join(repr(value) for value in bad), what, ', '.join(allowed)))


def wildcard_match(pattern, value):
    """Server-style wildcard match (* any string, ? one character), case-insensitive."""
    if value is None:
        return False
    return fnmatch.fnmatchcase(str(value).upper(), str(pattern).upper().replace('[', '[[]'))


def select(tasks, ids=None, states=None, client_name=None, session_type=None, description=None,
           job_id=None, parent_process=None, min_wait_seconds=None, job_name=None, job_type=None):
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
        if parent_process is not None and task['parent_process'] != parent_process:
            continue
        if min_wait_seconds and (task['wait_seconds'] or 0) < min_wait_seconds:
            continue
        if job_name and not wildcard_match(job_name, task['job_name']):
            continue
        if job_type and not wildcard_match(job_type, task['job_type']):
            continue
        out.append(task)
    return out


def within(task, since_seconds, now):
    """True for active tasks and for completed ones that ended in the last since_seconds."""
    if task['active'] or now is None:
        return True
    end = server_datetime(task['end_time'])
    return end is None or end >= now - timedelta(seconds=since_seconds)


# --- the same filters as SQL conditions ---------------------------------------------------------

def like_pattern(pattern):
    """A server wildcard (* and ?) as an upper-case SQL LIKE pattern, or None when the pattern
    holds % or _ (which LIKE would read as wildcards: the filter is then applied after reading)."""
    if pattern is None or '%' in pattern or '_' in pattern:
        return None
    return pattern.upper().replace('*', '%').replace('?', '_')


def where(conditions):
    return ''.join(' AND ' + condition for condition in conditions if condition)


def in_list(column, numbers):
    if not numbers or len(numbers) > MAX_PUSHED_IDS:
        return None
    return '%s IN (%s)' % (column, ','.join(str(int(number)) for number in sorted(set(numbers))))


def like(column, pattern, option):
    pattern = like_pattern(pattern)
    return None if pattern is None else 'UPPER(%s) LIKE %s' % (column, sql_string(pattern, option))


def bounded_sql(base, conditions, max_rows):
    """The SELECT with the conditions that apply and a FETCH FIRST bound one past max_rows (so a
    cut answer shows)."""
    clause = where(conditions)
    if clause and ' WHERE ' not in base:
        clause = ' WHERE ' + clause[len(' AND '):]
    return base + clause + FETCH_SQL % (max_rows + 1)
