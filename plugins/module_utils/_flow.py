# -*- coding: utf-8 -*-
# Copyright: spectrum_protect.operations contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""One flow for every module that acts on tasks (sp_session, sp_process, sp_job).

PRIVATE to the spectrum_protect.operations collection: the interface may change in any release.

    read -> select -> plan (nothing to do | act | impossible) -> refuse (impossible, max_tasks)
         -> in check mode stop here -> act -> wait -> read again -> result with diff

Everything here raises (ValueError for bad input, FlowError for a run that did not reach its
goal, with the partial result) and returns warnings; only the module layer (_module.py) reports.
A server that fails is reported and the others go on; the run then ends failed, with what was
done elsewhere in the result.
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

from ansible_collections.spectrum_protect.operations.plugins.module_utils._actions import (
    ACT,
    ACTIONS,
    ENDED,
    IMPOSSIBLE,
    NONE,
    STATE_ACTIONS,
    command_for,
    describe,
    goal_met,
    is_retention,
    plan,
    process_notes,
    session_notes,
    state_of,
    state_words,
)
from ansible_collections.spectrum_protect.operations.plugins.module_utils._actlog import (
    COMMAND_LOG_SQL,
    requested_cancels,
)
from ansible_collections.spectrum_protect.operations.plugins.module_utils._dsmadmc import (
    DsmadmcError,
    pattern_arg,
)
from ansible_collections.spectrum_protect.operations.plugins.module_utils._filters import (
    check_states,
    select,
)
from ansible_collections.spectrum_protect.operations.plugins.module_utils._fleet import (  # noqa: F401 pylint: disable=unused-import
    DEFAULT_MAX_TASKS,
    STATUS_COMMAND,
    FlowError,
)
from ansible_collections.spectrum_protect.operations.plugins.module_utils._mounts import (
    MOUNTING_NOTE,
    REQUEST_CANCEL_NOTE,
    REQUEST_PLAIN_NOTE,
    REQUESTS_COMMAND,
    REQUEST_REPLY_NOTE,
    mount_state,
    read_requests,
    task_volumes,
)
from ansible_collections.spectrum_protect.operations.plugins.module_utils._model import (
    SESSION_STATES,
    field,
    from_iso,
    job_task,
    process_task,
    server_datetime,
    session_task,
)
from ansible_collections.spectrum_protect.operations.plugins.module_utils._parse import (
    DateReader,
    parse_timestamp,
    to_int,
)
from ansible_collections.spectrum_protect.operations.plugins.module_utils._reader import (
    JOBS_COMMAND,
    PROCESSES_SQL,
    SESSIONS_SQL,
)
from ansible_collections.spectrum_protect.operations.plugins.module_utils._waiter import (
    WaitTimeout,
)

CHECK, REFUSED, FINAL = 'check', 'refused', 'final'     # the stages a result is made at
PLURALS = {'session': 'sessions', 'process': 'processes', 'job': 'jobs'}
# Typed columns of what the flows read: a value that does not read as its type makes that
# server's answer 'garbled' (reported), so a damaged line can never become a wrong id to act on.
SESSION_CHECKS = {'SESSION_ID': to_int, 'WAIT_SECONDS': to_int, 'BYTES_SENT': to_int, 'BYTES_RECEIVED': to_int,
                  'START_TIME': parse_timestamp, 'SERVER_TIME': parse_timestamp}
PROCESS_CHECKS = {'PROCESS_NUM': to_int, 'JOB_ID': to_int, 'PARENT_PROCESS': to_int,
                  'START_TIME': parse_timestamp, 'SERVER_TIME': parse_timestamp}
JOB_CHECKS = {'Job Id': to_int}
OWN_SESSION_SECONDS = 5


# --- small helpers ----------------------------------------------------------------------------

def _given(value):
    return value not in (None, [], False, '')


def require_selector(params, names):
    """At least one selector, so that no task selects every task of a server by accident."""
    if not any(_given(params.get(name)) for name in names):
        raise ValueError('one of these options is required to select what to act on: %s' % ', '.join(names))


def command_text(error):
    return '"%s"' % error.command if error.command else 'the command'


def _brief(task, **extra):
    out = {'server': task['server'], 'id': task['id'], 'state': state_words(task)}
    for key in ('client_name', 'session_type', 'description', 'job_id', 'job_name', 'job_type'):
        if task.get(key) is not None:
            out[key] = task[key]
    out.update(extra)
    return out


# --- the flow ---------------------------------------------------------------------------------

class ActionFlow(object):
    """The flow; subclasses say how their tasks are read, selected and described."""

    task_type = None
    acted_key = None           # the result list of tasks this run acted on

    def __init__(self, fleet, params, check_mode, waiter, admin_id=None):
        self.fleet = fleet
        self.params = params
        self.check_mode = check_mode
        self.waiter = waiter
        self.admin_id = admin_id
        self.action = ACTIONS[(self.task_type, self.action_name())]
        self.warnings = []
        self.entries = []         # one per selected task: task, plan, notes, sent, error, after
        self.not_found = []
        self.before_ids = {}      # server -> ids of every task read before acting
        self.last = {}            # server -> {id: task} of the latest read
        self.requests = {}        # server -> outstanding mount requests read before acting
        self.cancelled_requests = {}   # (server, request) -> True once this run cancelled it
        self.max_tasks = DEFAULT_MAX_TASKS if params.get('max_tasks') is None else params['max_tasks']
        if self.max_tasks < 1:
            raise ValueError('max_tasks: %r must be 1 or more' % (params.get('max_tasks'),))

    # -- hooks

    def action_name(self):
        return STATE_ACTIONS[self.params['state']]

    def validate(self):
        """Check the options before anything is sent; raise ValueError naming the option."""

    def targets(self):
        """The servers to work on (after QUERY STATUS)."""
        return self.fleet.alive()

    def prefetch_queries(self):
        """(command, checks) of the reads this flow may make before it acts, sent with QUERY STATUS
        in one client session (Fleet.prefetch). They must be the very texts the reads send."""
        return []

    def read(self, targets):
        """{server: [task]} of the tasks of this type on `targets` (failures recorded in the fleet)."""
        raise NotImplementedError

    def filter(self, tasks):
        """The tasks the options select (ids handled by the flow)."""
        raise NotImplementedError

    def context(self, selected):
        """Read what the plan and the notes need beyond the tasks (before planning)."""

    def cancel_requested(self, task):
        return False

    def notes(self, entry):
        return []

    def act(self, entries):
        """Send the commands; entries of one server in order."""
        for entry in entries:
            self.send(entry, entry['plan'].command)

    def after_act(self, watched):
        """Anything to send after the action itself for the tasks sent now or earlier and still
        under way (e.g. cancel a mount request that holds them)."""

    def after_read(self, state):
        """Hook for reads that come after the wait (e.g. the jobs a cancel interrupted)."""

    def extra_result(self, stage):
        return {}

    def predicted(self, entry):
        """The state a task would reach once the command is sent (check mode), as words."""
        return ENDED if self.action.wait_for == ENDED else self.action.wait_for.capitalize()

    def children(self, task, state):
        return ()

    # -- mount requests (sessions in Media wait, processes waiting for a mount)

    def read_mounts(self, selected):
        """QUERY REQUEST on the servers of tasks that wait for a volume."""
        keys = set(t['server'] for t in selected if task_volumes(t))
        self.requests = read_requests(self.fleet, keys) if keys else {}

    def mount_notes(self, task, reply_note):
        holding, mounting = mount_state(task, self.requests.get(task['server'], []))
        notes = []
        for request in holding:
            note = reply_note if request['needs_reply'] else REQUEST_PLAIN_NOTE
            notes.append(note.format(**request))
        for volume in mounting:
            notes.append(MOUNTING_NOTE.format(volume=volume, kind=task['type']))
        return notes

    def mount_requests(self, stage):
        """The mount requests that hold the selected tasks, and what became of them."""
        out = []
        for entry in self.entries:
            task = entry['task']
            holding, _mounting = mount_state(task, self.requests.get(task['server'], []))
            for request in holding:
                record = {'server': task['server'], 'id': request['id'], 'volume': request['volume'],
                          task['type']: task['id'], 'needs_reply': request['needs_reply'],
                          'cancelled': False, 'text': request['text']}
                done = self.cancelled_requests.get((task['server'], request['id']))
                if stage == CHECK:
                    record['cancelled'] = self.will_cancel_request(entry, request)
                elif done is not None:
                    record['cancelled'] = done
                out.append(record)
        return out

    def will_cancel_request(self, entry, request):
        return False

    # -- the flow

    def run(self):
        """The whole flow, in one client session that stays signed on (Fleet.conversation)."""
        with self.fleet.conversation():
            return self._run()

    def _run(self):
        self.validate()
        self.ids()
        for option in ('job_id', 'parent_process', 'min_wait_seconds'):
            value = self.params.get(option)
            if value is not None and value < 0:
                raise ValueError('%s: %r is not a whole number >= 0' % (option, value))
        # every read before the act, in one client session (single_session)
        self.fleet.prefetch([(STATUS_COMMAND, None)] + self.prefetch_queries())
        self.fleet.connect()
        targets = self.targets()
        before = self.read(targets) if targets else {}
        for key, tasks in before.items():
            self.before_ids[key] = set(t['id'] for t in tasks)
            self.last[key] = dict((t['id'], t) for t in tasks)
        selected = self.choose(before)
        self.context(selected)
        for task in selected:
            entry = {'task': task, 'plan': plan(self.action, task, self.cancel_requested(task)),
                     'sent': False, 'result': None, 'error': None, 'after': task, 'notes': []}
            entry['notes'] = self.notes(entry)
            self.entries.append(entry)
        self.refuse()
        if self.check_mode:
            return self.finish(CHECK)
        acting = [e for e in self.entries if e['plan'].decision == ACT]
        by_server = {}
        for entry in acting:
            by_server.setdefault(entry['task']['server'], []).append(entry)
        for key in self.fleet.order:
            if key in by_server:
                self.act(by_server[key])
        self.after_act(self.watched())
        if self.watched():
            self.wait()
        return self.finish(FINAL)

    def choose(self, before):
        tasks = [task for key in self.fleet.order for task in before.get(key, [])]
        ids = self.ids()
        if ids:
            found = [t for t in tasks if t['id'] in ids]
            self.not_found = [i for i in ids if i not in set(t['id'] for t in found)]
            tasks = found
        return self.filter(tasks)

    def ids(self):
        ids = []
        if self.params.get('id') is not None:
            if self.params['id'] < 0:
                raise ValueError('id: %r is not a whole number >= 0' % (self.params['id'],))
            ids.append(self.params['id'])
        for value in self.params.get('ids') or []:
            if value < 0:
                raise ValueError('ids: %r is not a whole number >= 0' % (value,))
            ids.append(value)
        return ids

    def refuse(self):
        """Fail before any command: impossible plans, or more tasks than max_tasks."""
        impossible = [e for e in self.entries if e['plan'].decision == IMPOSSIBLE]
        if impossible:
            raise FlowError('Nothing was sent: %s' % '; '.join(e['plan'].reason for e in impossible),
                            self.result(REFUSED), self.warnings)
        acting = self.count_acting()
        if acting > self.max_tasks:
            per = {}
            for entry in self.entries:
                per[entry['task']['server']] = per.get(entry['task']['server'], 0) + 1
            raise FlowError(
                'max_tasks: %s match (%s) and %d would be acted on, more than max_tasks=%d. Nothing was '
                'sent. Narrow the selection, or raise max_tasks on purpose.' % (
                    self.count(len(self.entries)), ', '.join('%s %d' % (k, per[k]) for k in self.fleet.order
                                                             if k in per),
                    acting, self.max_tasks), self.result(REFUSED), self.warnings)

    def count_acting(self):
        return sum(1 for e in self.entries if e['plan'].decision == ACT)

    def send(self, entry, command, key=None):
        """Send one changing command for an entry; an error is recorded, the others go on."""
        key = key or entry['task']['server']
        try:
            result = self.fleet.act(key, command)
        except DsmadmcError as error:
            if error.kind == 'error' and self.overtaken(entry, key, error):
                return None
            entry['error'] = error.msg
            self.fleet.fail(key, error)
            return None
        entry['result'] = result
        entry['sent'] = result.kind == 'ok'
        if result.kind == 'empty':    # rc 11: the server found nothing to act on - it had ended
            entry['after'] = None
        return result

    def overtaken(self, entry, key, error):
        """After the server refused a command: read the task again; when its state now means the
        goal is reached or under way (another administrator, or another run at the same time,
        acted between our read and our command), that is no error and no change of ours."""
        if entry['task']['type'] not in ('session', 'process', 'job'):
            return False
        try:
            state = self.read([key])
        except (DsmadmcError, ValueError):
            return False
        now = dict((t['id'], t) for t in state.get(key, [])).get(entry['task']['id'])
        again = plan(self.action, now, self.cancel_requested(now) if now is not None else False)
        if again.decision != NONE:
            return False
        entry['plan'] = again
        entry['after'] = now
        entry['notes'].append('the server refused %s (%s): meanwhile it was %s, so nothing of ours changed it'
                              % (command_text(error), ', '.join(error.message_ids) or 'rc %s' % error.rc,
                                 state_words(now) if now is not None else 'no longer listed'))
        return True

    def watched(self):
        """Entries whose goal the server is still working towards (sent now or earlier)."""
        return [e for e in self.entries if (e['sent'] or e['plan'].underway) and not e['error']]

    def poll(self):
        keys = sorted(set(e['task']['server'] for e in self.watched()), key=self.fleet.order.index)
        keys = [k for k in keys if k in self.fleet.alive()]
        state = self.read(keys) if keys else {}
        for key in keys:
            if key in state:
                self.last[key] = dict((t['id'], t) for t in state[key])
        for entry in self.entries:
            key = entry['task']['server']
            if key in state:
                entry['after'] = self.last[key].get(entry['task']['id'])
                entry['unknown'] = False
            elif key in keys:
                entry['unknown'] = True
        self.observe(state)
        return state

    def observe(self, state):
        """Hook: look at each read while waiting (e.g. re-established sessions)."""

    def reached(self, entry):
        return goal_met(self.action, entry['after'], self.children(entry['after'], None))

    def done(self, _state=None):
        return all(self.reached(e) or e.get('unknown') for e in self.watched())

    def pending_texts(self, _state=None):
        texts = []
        for entry in self.watched():
            if not self.reached(entry) and not entry.get('unknown'):
                texts.append(self.pending_text(entry))
        return texts

    def pending_text(self, entry):
        task = entry['after'] or entry['task']
        text = '%s (%s)' % (describe(entry['task']), state_words(task) if entry['after'] else ENDED)
        children = self.children(entry['after'], None) if entry['after'] else ()
        if children:
            text += ' with processes %s still running' % ', '.join(str(c) for c in children)
        return text

    def wait(self):
        try:
            self.waiter.wait(self.poll, self.done, self.pending_texts)
        except WaitTimeout as exc:
            self.after_read(None)
            raise FlowError(exc.msg + '.', self.result(FINAL), self.warnings)
        self.after_read(None)

    # -- the result

    def finish(self, stage):
        result = self.result(stage)
        errors = []
        for key in self.fleet.failed():
            errors.append('%s: %s' % (key, self.fleet.reports[key]['error']))
        for entry in self.entries:
            if entry['error'] and entry['task']['server'] not in self.fleet.failed():
                errors.append(entry['error'])
        if errors:
            raise FlowError('Not every server could be worked on. ' + ' '.join(errors), result, self.warnings)
        return result

    def after_words(self, entry, stage):
        if stage == REFUSED:
            return state_words(entry['task'])
        if stage == CHECK:
            return self.predicted(entry) if entry['plan'].decision == ACT else state_words(entry['task'])
        if entry.get('unknown'):
            return 'unknown (the server could not be read again)'
        task = entry['after']
        return state_words(task) if task is not None else ENDED

    def count(self, number):
        return '%d %s' % (number, PLURALS[self.task_type] if number != 1 else self.task_type)

    def result(self, stage):
        """The module's result at a stage: CHECK (predicted), REFUSED (nothing sent), FINAL (read back)."""
        final = stage == FINAL
        if self.check_mode:
            changed = any(e['plan'].decision == ACT for e in self.entries) or any(
                r['cancelled'] for r in self.mount_requests(CHECK))
        else:
            changed = any(e['sent'] for e in self.entries) or any(self.cancelled_requests.values())
        tasks, before, after = [], {}, {}
        acted, pending = [], []
        for entry in self.entries:
            task = entry['task']
            words_after = self.after_words(entry, stage)
            record = dict(task)
            record.update(state_before=state_words(task), state_after=words_after, plan=entry['plan'].decision,
                          reason=entry['plan'].reason, notes=entry['notes'], error=entry['error'])
            tasks.append(record)
            label = '%s %s' % (task['type'], task['id'])
            before.setdefault(task['server'], {})[label] = state_words(task)
            after.setdefault(task['server'], {})[label] = words_after
            if entry['sent'] or (self.check_mode and entry['plan'].decision == ACT):
                acted.append(_brief(task, command=entry['plan'].command or self.action.command))
            if final and (entry['sent'] or entry['plan'].underway) and not entry['error'] \
                    and not entry.get('unknown') and not self.reached(entry):
                pending.append(_brief(task, state=words_after, reason=self.pending_reason(entry)))
            elif stage == CHECK and entry['plan'].underway:
                pending.append(_brief(task, reason=entry['plan'].reason))
        found = len(self.entries)
        result = {
            'changed': changed,
            self.acted_key: acted,
            'pending': pending,
            'not_found': self.not_found,
            'tasks': tasks,
            'diff': {'before': before, 'after': after},
            'servers': self.fleet.servers(),
            'commands': self.fleet.commands,
            'msg': self.summary(found, acted, pending),
        }
        if final and self.waiter.waits:
            result['waited'] = {'seconds': self.waiter.seconds, 'polls': self.waiter.polls}
        result.update(self.extra_result(stage))
        return result

    def pending_reason(self, entry):
        if entry['notes']:
            return entry['notes'][0]
        if entry['sent']:
            return 'the server accepted the command and is still carrying it out'
        return entry['plan'].reason

    def summary(self, found, acted, pending):
        verb = self.acted_key
        if not found:
            return 'Nothing found: no %s matched%s.' % (self.task_type, (
                ' (not found: %s)' % ', '.join(str(i) for i in self.not_found)) if self.not_found else '')
        text = '%s matched; %s %d' % (self.count(found), 'would have ' + verb if self.check_mode else verb,
                                      len(acted))
        if pending:
            text += '; %d still pending' % len(pending)
        return text + '.'


# --- sessions ---------------------------------------------------------------------------------

class SessionFlow(ActionFlow):
    task_type = 'session'
    acted_key = 'cancelled'

    def __init__(self, *args, **kwargs):
        super(SessionFlow, self).__init__(*args, **kwargs)
        self.requested = {}
        self.reestablished = []
        self.own_sessions = set()   # (server, session number) of the module's own sessions

    def action_name(self):
        return 'cancel_all' if self.params.get('all_node_sessions') else 'cancel'

    SELECTORS = ('id', 'ids', 'all_node_sessions', 'client_name', 'session_type', 'states', 'min_wait_seconds')

    def validate(self):
        require_selector(self.params, self.SELECTORS)
        if self.params.get('all_node_sessions'):
            others = [name for name in self.SELECTORS[3:] + self.SELECTORS[:2] if _given(self.params.get(name))]
            if others:
                raise ValueError('all_node_sessions: cancels every node session with CANCEL SESSION ALL and cannot '
                                 'be combined with %s' % ', '.join(others))
        check_states(self.params.get('states'), sorted(SESSION_STATES.values()), 'states',
                     'the session states of the Tasks page')
        if self.params.get('client_name'):
            pattern_arg(self.params['client_name'], 'client_name')
        if (self.params.get('min_wait_seconds') or 0) < 0:
            raise ValueError('min_wait_seconds: %r must be 0 or more' % (self.params['min_wait_seconds'],))

    def prefetch_queries(self):
        return [(SESSIONS_SQL, SESSION_CHECKS), (COMMAND_LOG_SQL % 'SESSIONS', None), (REQUESTS_COMMAND, None)]

    def read(self, targets):
        tasks = read_tasks(self.fleet, targets, SESSIONS_SQL, SESSION_CHECKS, 'sessions', sessions_of)
        return dict((key, [task for task in found if not self.own(task)]) for key, found in tasks.items())

    def own(self, task):
        """The administrative session of the module's own read, which must never be acted on
        [DECIDED]: an Admin session, Running, of the module's administrator (when known), that
        started at most a few seconds before the read's server time. The session stays the
        module's for the whole run (its client stays signed on, Fleet.conversation): once seen,
        it is its own in every later read too, however long ago it started."""
        key = (task['server'], task['id'])
        if key in self.own_sessions:
            return True
        if self._own(task):
            self.own_sessions.add(key)
            return True
        return False

    def _own(self, task):
        if (task.get('session_type') or '').lower() != 'admin' or task['state'] != 'Running':
            return False
        if self.admin_id and (task.get('client_name') or '').upper() != self.admin_id.upper():
            return False
        start, now = from_iso(task['start_time']), server_datetime(task['raw'].get('SERVER_TIME'))
        return bool(start and now and (now - start).total_seconds() <= OWN_SESSION_SECONDS)

    def filter(self, tasks):
        params = self.params
        if params.get('all_node_sessions'):
            tasks = [t for t in tasks if (t['session_type'] or '').lower() == 'node']
        return select(tasks, states=params.get('states'), client_name=params.get('client_name'),
                      session_type=params.get('session_type'), min_wait_seconds=params.get('min_wait_seconds'))

    def context(self, selected):
        candidates = [t for t in selected if t['state'] in self.action.pending_in]
        self.requested = read_requested_cancels(self.fleet, candidates, 'SESSIONS')
        self.read_mounts(selected)

    def cancel_requested(self, task):
        for kind, number, when in self.requested.get(task['server'], ()):
            start = from_iso(task['start_time'])
            if kind != 'session' or (start and when < start):
                continue
            if number == task['id'] or (number == 'ALL' and (task['session_type'] or '').lower() == 'node'):
                return True
        return False

    def notes(self, entry):
        mounts = self.mount_notes(entry['task'], REQUEST_REPLY_NOTE)
        if any('operator reply' in note or 'being mounted' in note for note in mounts):
            return mounts + session_notes(entry['task'], self.action)     # what holds it comes first
        return session_notes(entry['task'], self.action) + mounts

    def act(self, entries):
        if self.action.action != 'cancel_all':
            return super(SessionFlow, self).act(entries)
        first = entries[0]
        self.send(first, self.action.command)
        for entry in entries[1:]:
            for key in ('sent', 'result', 'error'):
                entry[key] = first[key]

    def observe(self, state):
        """A cancelled Idle-wait session whose client sends again comes back under a new number."""
        for entry in self.entries:
            task = entry['task']
            if task['state'] != 'Idle wait' or not entry['sent'] or entry['after'] is not None:
                continue
            for new in state.get(task['server'], ()):
                if new['id'] in self.before_ids.get(task['server'], ()) or new['client_name'] != task['client_name']:
                    continue
                if new['session_type'] != task['session_type']:
                    continue
                known = [r for r in self.reestablished if r['server'] == new['server'] and r['id'] == new['id']]
                if not known:
                    self.reestablished.append({'server': new['server'], 'id': new['id'], 'replaces': task['id'],
                                               'client_name': new['client_name'], 'state': new['state']})
                    self.warnings.append(
                        'Session %s of %s on %s was cancelled in Idle wait and re-established by its client '
                        'as session %s (the Tasks page rule).' % (task['id'], task['client_name'],
                                                                  task['server'], new['id']))

    def predicted(self, entry):
        state = entry['task']['state']
        if state in ('Running', 'Media wait'):
            return '%s (cancel requested)' % state
        return 'Ending' if state == 'Ending' else ENDED

    def extra_result(self, stage):
        return {'reestablished': self.reestablished, 'mount_requests': self.mount_requests(stage)}


# --- processes --------------------------------------------------------------------------------

class ProcessFlow(ActionFlow):
    task_type = 'process'
    acted_key = 'cancelled'

    def __init__(self, *args, **kwargs):
        super(ProcessFlow, self).__init__(*args, **kwargs)
        self.requested = {}
        self.jobs = {}              # server -> {job id: job} read before
        self.jobs_after = {}

    SELECTORS = ('id', 'ids', 'description', 'job_id', 'parent_process')

    def validate(self):
        require_selector(self.params, self.SELECTORS)
        if self.params.get('description'):
            pattern_arg(self.params['description'], 'description')

    def prefetch_queries(self):
        return [(PROCESSES_SQL, PROCESS_CHECKS), (COMMAND_LOG_SQL % 'PROCESSES', None), (REQUESTS_COMMAND, None),
                (JOBS_COMMAND, JOB_CHECKS)]

    def read(self, targets):
        return read_tasks(self.fleet, targets, PROCESSES_SQL, PROCESS_CHECKS, 'processes', processes_of)

    def filter(self, tasks):
        params = self.params
        return select(tasks, description=params.get('description'), job_id=params.get('job_id'),
                      parent_process=params.get('parent_process'))

    def read_jobs(self, keys):
        keys = [k for k in keys if k in self.fleet.alive() and self.fleet.jobs_supported(k) is not False]
        return read_jobs(self.fleet, keys) if keys else {}

    def context(self, selected):
        self.requested = read_requested_cancels(self.fleet, selected, 'PROCESSES')
        self.read_mounts(selected)
        keys = sorted(set(t['server'] for t in selected if t['job_id'] is not None), key=self.fleet.order.index)
        self.jobs = dict((key, dict((j['id'], j) for j in jobs)) for key, jobs in self.read_jobs(keys).items())

    def refuse(self):
        super(ProcessFlow, self).refuse()
        self.warn_jobs()

    def cancel_requested(self, task):
        for kind, number, when in self.requested.get(task['server'], ()):
            start = from_iso(task['start_time'])
            if kind == 'process' and number == task['id'] and not (start and when < start):
                return True
        return False

    def job_of(self, task):
        if task['job_id'] is None:
            return None
        return self.jobs.get(task['server'], {}).get(task['job_id'])

    def notes(self, entry):
        reply = REQUEST_CANCEL_NOTE if self.params.get('cancel_mount_request', True) else REQUEST_REPLY_NOTE
        return self.mount_notes(entry['task'], reply) + process_notes(entry['task'], self.job_of(entry['task']))

    def will_cancel_request(self, entry, request):
        return bool(self.params.get('cancel_mount_request', True) and request['needs_reply']
                    and (entry['plan'].decision == ACT or entry['plan'].underway))

    def after_act(self, watched):
        """A mount request that still holds a cancelled process once the cancel is in (one that
        needs an operator reply) is cancelled, so that the process can end (cancel_mount_request).
        This holds for a process cancelled now and for one whose earlier cancel is still under way."""
        if not self.params.get('cancel_mount_request', True):
            return
        held = [e for e in watched if mount_state(e['task'], self.requests.get(e['task']['server'], []))[0]]
        if not held:
            return
        now = read_requests(self.fleet, set(e['task']['server'] for e in held))
        for entry in held:
            key = entry['task']['server']
            for request in mount_state(entry['task'], now.get(key, []))[0]:
                if (key, request['id']) in self.cancelled_requests:
                    continue
                command = command_for(ACTIONS[('request', 'cancel')], request['id'])
                try:
                    result = self.fleet.act(key, command)
                except DsmadmcError as error:
                    entry['error'] = error.msg
                    self.fleet.fail(key, error)
                    continue
                self.cancelled_requests[(key, request['id'])] = result.kind == 'ok'

    def after_read(self, _state):
        """The jobs of the cancelled processes, as the server shows them now."""
        keys = sorted(set(e['task']['server'] for e in self.entries if e['sent'] and self.job_of(e['task'])),
                      key=self.fleet.order.index)
        if keys:
            self.jobs_after = dict((key, dict((j['id'], j) for j in jobs))
                                   for key, jobs in self.read_jobs(keys).items())

    def warn_jobs(self):
        """The page's rule, said before anything is sent: a retention job's process, cancelled,
        interrupts the job."""
        by_job = {}
        for entry in self.entries:
            job = self.job_of(entry['task'])
            if entry['plan'].decision == ACT and job is not None and is_retention(job):
                by_job.setdefault((job['server'], job['id']), (job, []))[1].append(str(entry['task']['id']))
        for (key, _number), (job, processes) in sorted(by_job.items()):
            self.warnings.append(
                'Cancelling process%s %s on %s interrupts retention job %s (%s), which it manages (the Tasks page '
                'rule): the job stays Interrupted until it is resumed (sp_job state=resumed).'
                % ('es' if len(processes) > 1 else '', ', '.join(processes), key, job['id'], job.get('job_name')))

    def interrupted_jobs(self, stage):
        """Jobs that the cancel interrupts: retention jobs of cancelled processes (the page's rule),
        and any job the server shows interrupted since (the state read back)."""
        if stage == REFUSED:
            return []
        final = stage == FINAL
        out, seen = [], set()
        for entry in self.entries:
            job = self.job_of(entry['task'])
            acted = entry['sent'] if final else entry['plan'].decision == ACT
            if not acted or job is None or (job['server'], job['id']) in seen:
                continue
            now = self.jobs_after.get(job['server'], {}).get(job['id']) if final else None
            stopping = ('INTERRUPTING', 'INTERRUPTED')
            by_state = now is not None and state_of(now) in stopping and state_of(job) not in stopping
            if not by_state and not (is_retention(job) and state_of(job) == 'RUNNING'):
                continue
            seen.add((job['server'], job['id']))
            if by_state:
                words = state_words(now)
            else:
                words = 'Running: interrupted when process %s ends' % entry['task']['id']
            out.append(_brief(now or job, state=words, by_process=entry['task']['id']))
        return out

    def extra_result(self, stage):
        return {'interrupted_jobs': self.interrupted_jobs(stage), 'mount_requests': self.mount_requests(stage)}


# --- jobs -------------------------------------------------------------------------------------

JOB_STATE_NAMES = ('Running', 'Sleeping', 'Interrupted', 'Completed', 'Warning', 'Failed', 'Terminated', 'Unknown')


class JobFlow(ActionFlow):
    task_type = 'job'

    def __init__(self, *args, **kwargs):
        super(JobFlow, self).__init__(*args, **kwargs)
        self.acted_key = self.params['state']
        self.processes = {}        # server -> [process] of the latest read
        self.processes_before = None

    SELECTORS = ('id', 'ids', 'name', 'job_type', 'states')

    def validate(self):
        require_selector(self.params, self.SELECTORS)
        check_states(self.params.get('states'), JOB_STATE_NAMES, 'states', 'the job states of the Tasks page')
        for option in ('name', 'job_type'):
            if self.params.get(option):
                pattern_arg(self.params[option], option)
        if self.params['state'] == 'terminated' and not self.params.get('confirm_terminate'):
            raise ValueError('confirm_terminate: state=terminated needs confirm_terminate: true. TERMINATE JOB '
                             'is final: nothing can restart a terminated job. Nothing was sent.')

    def targets(self):
        """Servers before V8.1.12 have no jobs (decided from the version QUERY STATUS reports)."""
        keys = []
        for key in self.fleet.alive():
            report = self.fleet.reports[key]
            if report['jobs_supported'] is False:
                self.fleet.fail(key, 'Server %s runs V%s: jobs exist only on V8.1.12 and later (no QUERY, '
                                     'INTERRUPT, RESUME or TERMINATE JOB there); nothing was sent to it.'
                                % (key, report['version']))
            else:
                keys.append(key)
        return keys

    def prefetch_queries(self):
        return [(JOBS_COMMAND, JOB_CHECKS)] + ([(PROCESSES_SQL, PROCESS_CHECKS)] if self.action.children_end else [])

    def read(self, targets):
        out = read_tasks(self.fleet, targets, JOBS_COMMAND, JOB_CHECKS, 'jobs', jobs_of)
        if self.action.children_end and out:
            self.processes.update(read_tasks(self.fleet, list(out), PROCESSES_SQL, PROCESS_CHECKS, 'processes',
                                             processes_of))
        if self.processes_before is None:
            self.processes_before = dict((k, list(v)) for k, v in self.processes.items())
        return out

    def filter(self, tasks):
        params = self.params
        if not self.ids():
            wanted = set(s.lower() for s in params.get('states') or [])
            completed = wanted & set(['completed', 'warning', 'failed', 'terminated', 'unknown'])
            if not completed:   # by filters: the active jobs, unless states names finished ones
                tasks = [t for t in tasks if t['active']]
        return select(tasks, states=params.get('states'), job_name=params.get('name'),
                      job_type=params.get('job_type'))

    def children(self, task, _state):
        if task is None:
            return ()
        return [p['id'] for p in self.processes.get(task['server'], ()) if p['job_id'] == task['id']]

    def notes(self, entry):
        task, notes = entry['task'], []
        kids = self.children(task, None)
        if self.action.action in ('interrupt', 'terminate') and kids and entry['plan'].decision == ACT:
            notes.append('its processes %s stop with it' % ', '.join(str(k) for k in kids))
        if self.action.action == 'resume':
            notes.append('a resumed job sleeps until its storage rule next starts processing, then runs '
                         '(the Tasks page rule)')
        return notes

    def stopped(self):
        out = []
        for entry in self.entries:
            if not entry['sent']:
                continue
            key = entry['task']['server']
            before = [p for p in self.processes_before.get(key, ()) if p['job_id'] == entry['task']['id']]
            now = set(p['id'] for p in self.processes.get(key, ()))
            for process in before:
                if process['id'] not in now:
                    out.append({'server': key, 'id': process['id'], 'job_id': process['job_id'],
                                'description': process['description']})
        return out

    def extra_result(self, stage):
        return {'stopped_processes': self.stopped() if stage == FINAL else []}

    def predicted(self, entry):
        return {'INTERRUPTED': 'Interrupted', 'SLEEPING': 'Sleeping', 'TERMINATED': 'Terminated'}[
            self.action.wait_for]


# --- shared reads -----------------------------------------------------------------------------

def read_tasks(fleet, targets, command, checks, query, make):
    """{server: [task]} of one read on `targets`: make(server, rows) builds the tasks of one
    server's answer; an answer it cannot understand (a record without a usable number, say) is
    that server's error, and the other servers are still read."""
    out = {}
    for key, result in fleet.query(command, targets, checks=checks, query=query).items():
        try:
            out[key] = make(key, result.rows)
        except ValueError as exc:
            fleet.fail(key, 'the %s read from %s could not be understood: %s' % (query, key, exc))
    return out


def sessions_of(key, rows):
    return [session_task(key, row) for row in rows]


def processes_of(key, rows):
    return [process_task(key, row) for row in rows]


def jobs_of(key, rows):
    """The jobs of one answer; their dates read together (DateReader), so that the other dates
    of the answer settle the day/month order of an ambiguous one."""
    dates = DateReader([field(row, name) for row in rows for name in ('begin', 'end')])
    return [job_task(key, row, None, dates) for row in rows]


def read_jobs(fleet, keys):
    """{server: [job]} from QUERY JOB STATUS=ANY on `keys` (servers V8.1.12 and later)."""
    return read_tasks(fleet, keys, JOBS_COMMAND, JOB_CHECKS, 'jobs', jobs_of)


def read_requested_cancels(fleet, candidates, table):
    """{server: [(kind, number, when)]} of cancels in the command log (COMMAND_LOG_SQL over the
    tasks of `table`, SESSIONS or PROCESSES): one ACTLOG query for every server that has candidates."""
    servers = set(task['server'] for task in candidates)
    keys = [k for k in fleet.order if k in servers]
    if not keys:
        return {}
    out = {}
    for key, result in fleet.query(COMMAND_LOG_SQL % table, keys, query='command log').items():
        out[key] = requested_cancels(result.rows, key)
    return out
