# -*- coding: utf-8 -*-
# Copyright: spectrum_protect.operations contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Reading the tasks of a server or a fleet: the queries, and TaskReader (sp_task_info's read).

PRIVATE to the spectrum_protect.operations collection: the interface may change in any release.

The queries here are the one place the collection reads sessions, processes, jobs, completed tasks
and the activity log; the acting modules read active tasks with the same SESSIONS_SQL,
PROCESSES_SQL and JOBS_COMMAND (_flow.py).
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import datetime

from ansible_collections.spectrum_protect.operations.plugins.module_utils._actlog import ActivityLog
from ansible_collections.spectrum_protect.operations.plugins.module_utils._dsmadmc import DsmadmcError
from ansible_collections.spectrum_protect.operations.plugins.module_utils._filters import (
    FETCH_SQL,
    bounded_sql,
    in_list,
    like,
    parse_since,
    select,
    where,
    within,
)
from ansible_collections.spectrum_protect.operations.plugins.module_utils._fleet import (
    STATUS_COMMAND,
    FleetError,
)
from ansible_collections.spectrum_protect.operations.plugins.module_utils._model import (
    NOT_TASKS,
    SESSION_STATES,
    TASK_TYPES,
    completed_record,
    decide_completed,
    decide_job_outcome,
    field,
    job_task,
    process_task,
    server_datetime,
    session_task,
    summarize,
    visible,
)
from ansible_collections.spectrum_protect.operations.plugins.module_utils._parse import (
    DateReader,
    ParseError,
)

DEFAULT_MAX_ROWS = 100000
SESSIONS_SQL = 'SELECT S.*, CURRENT_TIMESTAMP AS SERVER_TIME FROM SESSIONS S'
PROCESSES_SQL = 'SELECT P.*, CURRENT_TIMESTAMP AS SERVER_TIME FROM PROCESSES P'
SUMMARY_SQL = ('SELECT S.*, CURRENT_TIMESTAMP AS SERVER_TIME FROM SUMMARY_EXTENDED S'
               ' WHERE S.END_TIME >= CURRENT_TIMESTAMP - %d SECONDS')
ACTLOG_COLUMNS = 'SELECT DATE_TIME, MSGNO, SEVERITY, MESSAGE, ORIGINATOR, SESSION, PROCESS FROM ACTLOG'
# Without activity_log only what decides outcomes: problems, and messages that may name a job.
ACTLOG_PROBLEMS = " AND SEVERITY IN ('W','E','S')"
ACTLOG_EVIDENCE = " AND (SEVERITY IN ('W','E','S') OR UPPER(MESSAGE) LIKE '%JOB%')"
JOBS_COMMAND = 'QUERY JOB STATUS=ANY'
TIME_SQL = 'SELECT CURRENT_TIMESTAMP AS SERVER_TIME FROM STATUS'
JOB_PAGE_STATES = frozenset(['running', 'sleeping', 'interrupted', 'completed', 'warning', 'failed',
                             'terminated', 'unknown'])
COMPLETED_PAGE_STATES = frozenset(['successful', 'warning', 'failed', 'unknown'])


class TaskReader(object):
    """Reads the tasks of one server, or of the servers reached by routing from it, for sp_task_info.

    Built on the per-server fan-out (_fleet.Fleet): one dsmadmc call per query and server, or one
    routed call for the whole fleet. The module's filters are pushed into the queries where the
    server can apply them (the same filters run again on what comes back), and every SELECT is
    bounded by max_rows. A target that fails a query is reported in `servers` with every failed
    query under `errors`, and is left out of later queries once it cannot be reached. Nothing
    readable at all raises FleetError (or the DsmadmcError of the first call); what the user should
    know is collected in `warnings`.
    """

    def __init__(self, fleet, params, since_seconds=None):
        self.fleet = fleet
        self.params = params
        self.since = parse_since(params['since']) if since_seconds is None else since_seconds
        self.max_rows = params.get('max_rows') or DEFAULT_MAX_ROWS
        self.warnings = []
        self.now = {}          # key -> server time (datetime) seen in a SELECT
        self.wanted_states = set(s.lower() for s in params.get('states') or []) or None
        fleet.report_defaults.update(truncated=[], unverified=[])

    @property
    def commands(self):
        return self.fleet.commands

    @property
    def servers(self):
        return self.fleet.reports

    @property
    def order(self):
        return self.fleet.order

    # -- running queries

    def _record_problem(self, key, query, msg):
        """Part of a server's answer could not be read (garbled records or values)."""
        self.fleet.fail(key, DsmadmcError(msg, 'garbled', server=key), query, partial=True)

    def run(self, command, query, targets=None):
        """Run a query on every live target (or on `targets`); {server key: DsmadmcResult} of
        those that answered; a failed server is recorded in its report (see Fleet.query)."""
        return self.fleet.query(command, targets, query=query)

    def _bounded(self, key, query, rows):
        """The rows, cut to max_rows; a cut answer is flagged truncated with a warning."""
        if len(rows) <= self.max_rows:
            return rows
        report = self.fleet.report(key)
        if query not in report['truncated']:
            report['truncated'].append(query)
            self.warnings.append('Server %s: the %s answer has more than max_rows=%d rows; only the first %d '
                                 'are reported (truncated). Narrow the filters or raise max_rows.'
                                 % (key, query, self.max_rows, self.max_rows))
        return rows[:self.max_rows]

    # -- the steps

    def _wants(self, *states):
        return self.wanted_states is None or bool(self.wanted_states & set(states))

    # -- the queries: the same text for the prefetch and for the read

    def _sessions_only(self):
        return bool(self.params.get('client_name') or self.params.get('session_type'))

    def _active(self):
        return self.params['scope'] in ('active', 'all')

    def _sessions_sql(self):
        params = self.params
        codes = [code for code, page in SESSION_STATES.items()
                 if self.wanted_states is None or page.lower() in self.wanted_states]
        if not (self._active() and 'session' in params['types'] and codes and params.get('job_id') is None):
            return None
        state_filter = None if self.wanted_states is None else 'UPPER(S.STATE) IN (%s)' % ','.join(
            "'%s'" % code for code in codes)
        return bounded_sql(SESSIONS_SQL, [
            in_list('S.SESSION_ID', params.get('ids') or None), state_filter,
            like('S.CLIENT_NAME', params.get('client_name'), 'client_name'),
            "UPPER(S.SESSION_TYPE) = '%s'" % params['session_type'].upper() if params.get('session_type') else None,
        ], self.max_rows)

    def _job_column(self):
        """Every server read has PROCESSES.JOB_ID (V8.1.12 and later): a job_id can go into SQL."""
        return all(self.servers[key]['jobs_supported'] for key in self.fleet.alive())

    def _processes_sql(self, job_column=True):
        """job_column: every server read has PROCESSES.JOB_ID (V8.1.12 and later), so a job_id
        filter can go into the query."""
        params = self.params
        if not (self._active() and 'process' in params['types'] and self._wants('running')
                and not self._sessions_only()):
            return None
        job_filter = 'P.JOB_ID = %d' % params['job_id'] if params.get('job_id') is not None and job_column else None
        return bounded_sql(PROCESSES_SQL, [
            in_list('P.PROCESS_NUM', params.get('ids') or None), like('P.PROCESS', params.get('description'), 'description'),
            job_filter], self.max_rows)

    def _summary_conditions(self):
        params = self.params
        return [in_list('S.NUMBER', params.get('ids') or None), like('S.ACTIVITY', params.get('description'), 'description'),
                like('S.ENTITY', params.get('client_name'), 'client_name')]

    def _summary_sql(self):
        """Completed sessions and processes; none with job_id, because SUMMARY carries no job
        (server-facts §5): a completed task never matches one job."""
        params = self.params
        if not (params['scope'] in ('completed', 'all') and set(params['types']) & {'session', 'process'}
                and self._wants(*COMPLETED_PAGE_STATES)) or params.get('job_id') is not None:
            return None
        return bounded_sql(SUMMARY_SQL % self.since, self._summary_conditions(), self.max_rows)

    def _jobs_wanted(self):
        return 'job' in self.params['types'] and not self._sessions_only() and self._wants(*JOB_PAGE_STATES)

    def _jobs_command(self):
        params = self.params
        single = params.get('job_id')
        if single is None and params.get('ids') and len(params['ids']) == 1:
            single = params['ids'][0]
        return JOBS_COMMAND if single is None else 'QUERY JOB %d STATUS=ANY' % int(single)

    def _actlog_sql(self, seconds=None, job_column=True):
        """The activity-log query, or None when no answer can need it.

        Its window reaches back `since`, and (in the query itself, so that it can go into the same
        session as the reads it depends on) to a minute before the start of every completed task,
        and with activity_log of every active session and process. A job's start is known only
        from QUERY JOB: a job whose messages reach back further gets a query of its own
        (`seconds`: a fixed window of that many seconds).

        Without activity_log only what decides outcomes is fetched: problems, plus messages that
        may name a job when jobs are read; when only completed sessions and processes need it,
        only their messages (their numbers, by subquery). With job_id only the messages that may
        name the job, and with activity_log those of its processes (by subquery, when every server
        has PROCESSES.JOB_ID: `job_column`)."""
        params = self.params
        summary = self._summary_sql() is not None
        # a job's outcome may need the log only once it has ended
        jobs = self._jobs_wanted() and params['scope'] in ('completed', 'all')
        if not (params['activity_log'] or summary or jobs):
            return None
        if seconds is not None:
            window = 'DATE_TIME >= CURRENT_TIMESTAMP - %d SECONDS' % seconds
        else:
            reach = ['DATE_TIME >= CURRENT_TIMESTAMP - %d SECONDS' % self.since]
            if summary:
                reach.append('DATE_TIME >= (SELECT MIN(S.START_TIME) FROM SUMMARY_EXTENDED S WHERE S.END_TIME >= '
                             'CURRENT_TIMESTAMP - %d SECONDS) - 60 SECONDS' % self.since)
            if params['activity_log'] and self._active():
                reach += ['DATE_TIME >= (SELECT MIN(START_TIME) FROM SESSIONS) - 60 SECONDS',
                          'DATE_TIME >= (SELECT MIN(START_TIME) FROM PROCESSES) - 60 SECONDS']
            window = reach[0] if len(reach) == 1 else '(%s)' % ' OR '.join(reach)
        sql = ACTLOG_COLUMNS + ' WHERE ' + window
        if params.get('job_id') is not None:
            number = int(params['job_id'])
            own = job_named(number)
            if params['activity_log'] and job_column:
                own += ' OR PROCESS IN (SELECT P.PROCESS_NUM FROM PROCESSES P WHERE P.JOB_ID = %d)' % number
            sql += ' AND (%s)' % own
        elif not params['activity_log']:
            sql += ACTLOG_EVIDENCE if jobs else ACTLOG_PROBLEMS
            if not jobs and summary:
                numbers = 'SELECT S.NUMBER FROM SUMMARY_EXTENDED S WHERE S.END_TIME >= CURRENT_TIMESTAMP - %d SECONDS%s' % (
                    self.since, where(self._summary_conditions()))
                sql += ' AND (SESSION IN (%s) OR PROCESS IN (%s))' % (numbers, numbers)
        return sql + FETCH_SQL % (self.max_rows + 1)

    def prefetch(self):
        """Every query this read may need, in one client session per server (or hub)."""
        queries = [(STATUS_COMMAND, None)]
        for sql in (self._sessions_sql(), self._processes_sql(), self._summary_sql()):
            if sql:
                queries.append((sql, None))
        if self._jobs_wanted():
            queries += [(self._jobs_command(), None), (TIME_SQL, None)]
        actlog = self._actlog_sql()
        if actlog:
            queries.append((actlog, None))
        self.fleet.prefetch(queries)

    # -- the steps

    def _wants(self, *states):
        return self.wanted_states is None or bool(self.wanted_states & set(states))

    def read(self):
        params = self.params
        types = set(params['types'])
        scope = params['scope']
        since = self.since
        self.prefetch()
        self.fleet.connect()
        tasks = []
        sql = self._sessions_sql()
        if sql:
            tasks += self._tasks('sessions', sql, session_task)
        sql = self._processes_sql(self._job_column())
        if sql:
            tasks += self._tasks('processes', sql, process_task)
        completed = []      # completed sessions and processes, decided once the log is read
        sql = self._summary_sql()
        if sql:
            completed = self._tasks('summary', sql, completed_record,
                                    keep=lambda row: (row.get('ACTIVITY') or '').strip().upper() not in NOT_TASKS)
        jobs = []
        if self._jobs_wanted():
            jobs = self._jobs()
        tasks += jobs
        evidence = [job for job in jobs if job.get('evidence_needed')]
        logs = {}
        if completed or params['activity_log'] or evidence:
            # the log must reach back to the start of every task whose messages are read
            reached = {}
            for task in completed:
                self._reach(reached, task['server'], task['_pending'][1])
            if params['activity_log']:
                for task in tasks:
                    if task['type'] != 'job':
                        self._reach(reached, task['server'], server_datetime(task['start_time']))
            needed = list(jobs if params['activity_log'] else evidence)
            servers = set(task['server'] for task in completed) | set(job['server'] for job in evidence)
            logs = self._activity_log(servers, evidence_only=not params['activity_log'])
            self._reach_back(logs, reached, needed)
        for task in completed:
            decide_completed(task, logs.get(task['server']))
        tasks += [task for task in completed if task['type'] in types]
        del completed
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
        raw = self.params.get('include_raw') is not False
        for row in rows:
            try:
                task = make(row)
            except ValueError as exc:
                bad.append(str(exc))
                continue
            if not raw:
                task.pop('raw', None)
            out.append(task)
        if bad:
            self._record_problem(key, query, 'the output of the %s query from server %s could not be read '
                                 'for %d record(s): %s' % (query, key, len(bad), '; '.join(bad[:3])))
        return out

    def _answers(self, query, sql, targets=None, times=True):
        """(key, rows) of a SELECT, one server at a time as the Fleet takes them (query_each),
        each answer bounded by max_rows. Notes the server time of rows that carry SERVER_TIME
        (unless `times` is false: a query that selects none)."""
        if targets is not None and not targets:
            return
        for key, result in self.fleet.query_each(sql, targets, query=query):
            rows = self._bounded(key, query, result.rows)
            del result
            for row in rows if times else ():
                stamp = row.get('SERVER_TIME')
                if stamp:
                    try:
                        moment = server_datetime(stamp)
                    except ParseError:
                        moment = None
                    if moment and (key not in self.now or moment > self.now[key]):
                        self.now[key] = moment
            yield key, rows

    def _rows(self, query, sql, targets=None):
        """(key, row) pairs of a SELECT on every live server (or `targets`), see _answers."""
        return [(key, row) for key, rows in self._answers(query, sql, targets) for row in rows]

    def _tasks(self, query, sql, make, keep=None):
        """make(key, row) of every row (those `keep` accepts) of a SELECT, each server's rows
        turned into tasks before the next server's are parsed; without include_raw a task drops
        its row at once."""
        out = []
        for key, rows in self._answers(query, sql):
            if keep is not None:
                rows = [row for row in rows if keep(row)]
            out += self._convert(key, query, rows, lambda row: make(key, row))
        return out

    def _jobs(self):
        capable = [key for key in self.fleet.alive() if self.servers[key]['jobs_supported'] is not False]
        self._warn_old_servers()
        if not capable:
            return []
        answered = self.run(self._jobs_command(), 'jobs', capable if self.fleet.routed else None)
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
        for key in self.fleet.alive():
            report = self.servers[key]
            if report['jobs_supported'] is False:
                self.warnings.append('Server %s runs V%s: jobs are shown only for servers at V8.1.12 or later '
                                     '(the Tasks page restriction); its sessions and processes are reported.'
                                     % (key, report['version'] or 'before 8.1.12'))

    @staticmethod
    def _reach(reached, key, start):
        """Note that the activity-log query reaches back to a minute before `start` on `key`."""
        if start is not None and (key not in reached or start < reached[key]):
            reached[key] = start

    def _activity_log(self, servers, evidence_only, seconds=None, targets=None):
        """The ACTLOG query (_actlog_sql) on every live server, or only on those with completed
        tasks or job evidence (`servers`) when only outcomes need it, or on `targets`.
        {key: ActivityLog} for the servers that answered; a server whose read failed is absent."""
        if targets is None and self.fleet.routed and evidence_only:
            targets = [key for key in self.fleet.alive() if key in servers]
        logs = {}
        for key, rows in self._answers('actlog', self._actlog_sql(seconds, self._job_column()), targets, times=False):
            logs[key] = ActivityLog(rows)
            del rows
            if logs[key].skipped:
                self._record_problem(key, 'actlog', 'the time of %d activity-log message(s) of server %s could not '
                                     'be read; those messages were left out' % (logs[key].skipped, key))
        return logs

    def _reach_back(self, logs, reached, jobs):
        """Jobs whose messages are read and that started before what the query reached (see
        _actlog_sql): their servers' logs are read again over a window that covers them (one more
        query, on those servers only)."""
        windows = {}
        for job in jobs:
            key, start, now = job['server'], server_datetime(job['start_time']), self.now.get(job['server'])
            if key not in logs or start is None or now is None:
                continue
            covered = min([now - datetime.timedelta(seconds=self.since)]
                          + ([reached[key] - datetime.timedelta(seconds=60)] if key in reached else []))
            if start < covered:
                windows[key] = max(windows.get(key, 0), int((now - start).total_seconds()) + 60)
        if windows:
            keys = [key for key in self.order if key in windows]
            again = self._activity_log((), not self.params['activity_log'], max(windows.values()), targets=keys)
            for key in keys:
                if key in again:
                    logs[key] = again[key]
                else:
                    logs.pop(key, None)     # its log is not complete: the failed read is recorded

    def _attach_messages(self, tasks, logs, children):
        limit = self.params['activity_log_limit'] or None
        for task in tasks:
            log = logs.get(task['server']) or ActivityLog([])
            task['messages'] = log.messages_for(task, children.get((task['server'], task['id']), ()), limit)

    def _fail_all(self):
        errors = ['%s: %s' % (key, self.servers[key]['error']) for key in self.order if self.servers[key]['error']]
        raise FleetError('No server could be read. ' + ' '.join(errors), self.fleet.servers())


# How a message names a job (ActivityLog.JOB_REF: 'job 12', 'Job ID: 12', 'job: 12'), and what may
# follow the number: LIKE has no character classes, so each form with each ending (or at the end).
_JOB_FORMS = ('JOB %d', 'JOB: %d', 'JOB ID %d', 'JOB ID: %d')
_JOB_ENDINGS = (' ', ')', '(', '.', ',', ':', ';', '/', '-')


def job_named(number):
    """The SQL condition of the messages that name job `number` (not job 12X when it is 12)."""
    likes = []
    for form in _JOB_FORMS:
        text = form % number
        likes.append("UPPER(MESSAGE) LIKE '%" + text + "'")
        likes += ["UPPER(MESSAGE) LIKE '%" + text + ending + "%'" for ending in _JOB_ENDINGS]
    return '(%s)' % ' OR '.join(likes)


def _in_scope(task, scope):
    return scope == 'all' or (scope == 'active') == task['active']
