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

from ansible_collections.spectrum_protect.operations.plugins.module_utils._actlog import ActivityLog
from ansible_collections.spectrum_protect.operations.plugins.module_utils._dsmadmc import DsmadmcError
from ansible_collections.spectrum_protect.operations.plugins.module_utils._filters import (
    FETCH_SQL,
    bounded_sql,
    in_list,
    like,
    parse_since,
    select,
    within,
)
from ansible_collections.spectrum_protect.operations.plugins.module_utils._fleet import FleetError
from ansible_collections.spectrum_protect.operations.plugins.module_utils._model import (
    NOT_TASKS,
    SESSION_ACTIVITIES,
    SESSION_STATES,
    TASK_TYPES,
    completed_task,
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
ACTLOG_SQL = ('SELECT DATE_TIME, MSGNO, SEVERITY, MESSAGE, ORIGINATOR, SESSION, PROCESS FROM ACTLOG'
              ' WHERE DATE_TIME >= CURRENT_TIMESTAMP - %d SECONDS')
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

    def read(self):
        params = self.params
        types = set(params['types'])
        scope = params['scope']
        since = self.since
        self.fleet.connect()
        ids = params.get('ids') or None
        sessions_only = params.get('client_name') or params.get('session_type')
        tasks = []
        if scope in ('active', 'all'):
            codes = [code for code, page in SESSION_STATES.items()
                     if self.wanted_states is None or page.lower() in self.wanted_states]
            if 'session' in types and codes and params.get('job_id') is None:
                state_filter = None if self.wanted_states is None else 'UPPER(S.STATE) IN (%s)' % ','.join(
                    "'%s'" % code for code in codes)
                tasks += self._tasks('sessions', bounded_sql(SESSIONS_SQL, [
                    in_list('S.SESSION_ID', ids), state_filter,
                    like('S.CLIENT_NAME', params.get('client_name'), 'client_name'),
                    "UPPER(S.SESSION_TYPE) = '%s'" % params['session_type'].upper() if params.get('session_type') else None,
                ], self.max_rows), session_task)
            if 'process' in types and self._wants('running') and not sessions_only:
                job_filter = None
                if params.get('job_id') is not None and all(self.servers[k]['jobs_supported'] for k in self.fleet.alive()):
                    job_filter = 'P.JOB_ID = %d' % params['job_id']
                tasks += self._tasks('processes', bounded_sql(PROCESSES_SQL, [
                    in_list('P.PROCESS_NUM', ids), like('P.PROCESS', params.get('description'), 'description'),
                    job_filter], self.max_rows), process_task)
        completed = []
        if scope in ('completed', 'all') and types & {'session', 'process'} and self._wants(*COMPLETED_PAGE_STATES):
            completed = self._rows('summary', bounded_sql(SUMMARY_SQL % since, [
                in_list('S.NUMBER', ids), like('S.ACTIVITY', params.get('description'), 'description'),
                like('S.ENTITY', params.get('client_name'), 'client_name')], self.max_rows))
        jobs = []
        if 'job' in types and not sessions_only and self._wants(*JOB_PAGE_STATES):
            jobs = self._jobs()
        tasks += jobs
        evidence = [job for job in jobs if job.get('evidence_needed')]
        logs = {}
        if completed or params['activity_log'] or evidence:
            # the log must reach back to the start of every task whose messages are read
            starts = [(key, server_datetime(row.get('START_TIME'))) for key, row in completed]
            starts += [(job['server'], server_datetime(job['start_time'])) for job in evidence]
            if params['activity_log']:
                starts += [(t['server'], server_datetime(t['start_time'])) for t in tasks]
            servers = set(key for key, row in completed) | set(job['server'] for job in evidence)
            logs = self._activity_log(starts, since, servers, evidence_only=not params['activity_log'],
                                      jobs=bool(evidence), completed=completed)
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
                        moment = server_datetime(stamp)
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
        capable = [key for key in self.fleet.alive() if self.servers[key]['jobs_supported'] is not False]
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
        answered = self.run(command, 'jobs', capable if self.fleet.routed else None)
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

    def _activity_log(self, starts, since, servers, evidence_only, jobs, completed=()):
        """One ACTLOG query over the window that covers `since` and every (server, start) given.
        {key: ActivityLog} for the servers that answered; a server whose read failed is absent.

        When only the outcomes of completed sessions and processes need the log (no activity_log,
        no job evidence), only their messages are fetched (SESSION / PROCESS numbers pushed down)."""
        window = since
        for key, start in starts:
            now = self.now.get(key)
            if start and now:
                window = max(window, int((now - start).total_seconds()) + 60)
        sql = ACTLOG_SQL % window
        if evidence_only:
            sql += ACTLOG_EVIDENCE if jobs else ACTLOG_PROBLEMS
        if evidence_only and not jobs and completed:
            numbers = {'session': set(), 'process': set()}
            for key, row in completed:
                activity = (row.get('ACTIVITY') or '').strip().upper()
                if activity in NOT_TASKS:
                    continue
                kind = 'session' if activity in SESSION_ACTIVITIES else 'process'
                number = row.get('NUMBER')
                if number and str(number).strip().isdigit():
                    numbers[kind].add(int(str(number).strip()))
            owners = [in_list('SESSION', numbers['session']), in_list('PROCESS', numbers['process'])]
            if all(owner is not None or not numbers[kind] for owner, kind in zip(owners, ('session', 'process'))):
                owners = [owner for owner in owners if owner]
                if owners:
                    sql += ' AND (%s)' % ' OR '.join(owners)
        sql += FETCH_SQL % (self.max_rows + 1)
        targets = None
        if self.fleet.routed and evidence_only:
            targets = [key for key in self.fleet.alive() if key in servers]
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
        raise FleetError('No server could be read. ' + ' '.join(errors), self.fleet.servers())


def _in_scope(task, scope):
    return scope == 'all' or (scope == 'active') == task['active']
