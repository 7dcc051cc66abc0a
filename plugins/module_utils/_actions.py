# -*- coding: utf-8 -*-
# Copyright: spectrum_protect.operations contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The Tasks page's actions as one table, and the plan that decides what to do with one task.

PRIVATE to the spectrum_protect.operations collection: the interface may change in any release.

ACTIONS is keyed by (task type, action). Each entry says which server command does it, where
that command comes from (a source, or [DECIDED] where no public source settles it: a correction
is one line here), the states it may start from, the states that mean it is already done, the
states that mean the server is already doing it (wait for them, send nothing), and the state to
wait for. States are the Tasks page's names for sessions and processes and the server's status
words for jobs (the page shows INTERRUPTING and TERMINATING as Running, but they differ here).

plan(action, task, ...) reads only the state: nothing to do | act | impossible (with a reason
that names the task, its state and why). Idempotency is decided by the state read from the
server, never by the message IDs a command answers with.
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

from collections import namedtuple

ENDED = 'ended'                 # the task is no longer listed
NONE, ACT, IMPOSSIBLE = 'none', 'act', 'impossible'

Action = namedtuple('Action', [
    'task_type', 'action', 'command', 'source', 'start', 'done', 'underway', 'pending_in',
    'wait_for', 'children_end', 'retention_only',
])
Plan = namedtuple('Plan', ['decision', 'reason', 'command', 'underway'])

ACTIVE_SESSION_STATES = ('Starting', 'Running', 'Idle wait', 'Media wait', 'Receive wait', 'Send wait',
                         'SSL wait')

ACTIONS = {
    ('session', 'cancel'): Action(
        'session', 'cancel', 'CANCEL SESSION {id}',
        'server-facts §2: CANcel SEssion session_number (docs/8.1.10/r_cmd_session_cancel)',
        start=ACTIVE_SESSION_STATES, done=(ENDED,), underway=('Ending',),
        pending_in=('Running', 'Media wait'), wait_for=ENDED, children_end=False, retention_only=False),
    ('session', 'cancel_all'): Action(
        'session', 'cancel_all', 'CANCEL SESSION ALL',
        'server-facts §2: CANcel SEssion ALl cancels client node sessions only',
        start=ACTIVE_SESSION_STATES, done=(ENDED,), underway=('Ending',),
        pending_in=('Running', 'Media wait'), wait_for=ENDED, children_end=False, retention_only=False),
    ('process', 'cancel'): Action(
        'process', 'cancel', 'CANCEL PROCESS {id}',
        'server-facts §3: CANcel PRocess process_number (docs/8.1.15/r_cmd_process_cancel)',
        start=('Running',), done=(ENDED,), underway=(),
        pending_in=('Running',), wait_for=ENDED, children_end=False, retention_only=False),
    ('request', 'cancel'): Action(
        'request', 'cancel', 'CANCEL REQUEST {id}',
        '[DECIDED] syntax CANCEL REQUEST request_number (server-facts §3 names the command)',
        start=('outstanding',), done=(ENDED,), underway=(),
        pending_in=(), wait_for=ENDED, children_end=False, retention_only=False),
    ('job', 'interrupt'): Action(
        'job', 'interrupt', 'INTERRUPT JOB {id}',
        '[DECIDED] syntax INTERRUPT JOB job_id (server-facts §4); the page: Interrupt retention jobs '
        'that are Running or Sleeping',
        start=('RUNNING', 'SLEEPING'), done=('INTERRUPTED',), underway=('INTERRUPTING',),
        pending_in=(), wait_for='INTERRUPTED', children_end=True, retention_only=True),
    ('job', 'resume'): Action(
        'job', 'resume', 'RESUME JOB {id}',
        'server-facts §4: RESUme JOb job_id (8.2.2 docs, resume-job); INTERRUPTED -> SLEEPING, '
        'not valid for storage-rule jobs',
        start=('INTERRUPTED',), done=('SLEEPING', 'RUNNING'), underway=(),
        pending_in=(), wait_for='SLEEPING', children_end=False, retention_only=True),
    ('job', 'terminate'): Action(
        'job', 'terminate', 'TERMINATE JOB {id}',
        '[DECIDED] syntax TERMINATE JOB job_id (server-facts §4); the page terminates Retention Set '
        'jobs (from its Retention Sets page, whose command is not documented publicly)',
        start=('RUNNING', 'SLEEPING', 'INTERRUPTED', 'INTERRUPTING'), done=('TERMINATED',),
        underway=('TERMINATING',), pending_in=(), wait_for='TERMINATED', children_end=True,
        retention_only=True),
}

# The module option `state` -> the action that reaches it.
STATE_ACTIONS = {'cancelled': 'cancel', 'interrupted': 'interrupt', 'resumed': 'resume',
                 'terminated': 'terminate'}

JOB_WORDS = {'RUNNING': 'Running', 'INTERRUPTING': 'being interrupted (INTERRUPTING)',
             'TERMINATING': 'being terminated (TERMINATING)', 'SLEEPING': 'Sleeping',
             'INTERRUPTED': 'Interrupted', 'TERMINATED': 'Terminated'}
# Why a job action cannot start from a state: (action, status) -> reason.
IMPOSSIBLE_REASONS = {
    ('interrupt', 'COMPLETED'): 'a finished job cannot be interrupted',
    ('interrupt', 'TERMINATED'): 'a terminated job is final: there is nothing to interrupt',
    ('interrupt', 'TERMINATING'): 'it is being terminated, which is final',
    ('resume', 'COMPLETED'): 'a finished job cannot be resumed',
    ('resume', 'TERMINATED'): 'a terminated job is final: nothing can restart it',
    ('resume', 'TERMINATING'): 'it is being terminated, which is final: nothing can restart it',
    ('resume', 'INTERRUPTING'): 'it is still being interrupted: resume it once it is Interrupted',
    ('terminate', 'COMPLETED'): 'a finished job cannot be terminated',
}
STORAGE_RULE_REASONS = {
    'interrupt': 'the Tasks page interrupts retention jobs only; cancel the processes of a storage-rule '
                 'job with sp_process instead',
    'resume': 'RESUME JOB is not valid for storage-rule jobs (server-facts §4); the storage rule starts '
              'the job again at its next window',
    'terminate': 'the Tasks page terminates Retention Set jobs only; for other jobs cancel their '
                 'processes with sp_process',
}

# The page's rules for cancelling a task, shown with each task they apply to.
SESSION_NOTES = {
    'Running': 'Running: the session ends only when it next enters Send wait, SSL wait, Receive wait '
               'or Idle wait (the Tasks page rule); until then it stays listed as Running',
    'Idle wait': 'Idle wait: the session ends, but the server re-establishes it under a new number '
                 'when its client sends data again (the Tasks page rule)',
    'Media wait': 'Media wait: its mount request is cancelled with it; a request that needs an operator '
                  'reply holds the session until the request is answered, cancelled or times out',
    'Ending': 'Ending: the session is releasing its resources; a cancelled backup or archive is rolled '
              'back first, which can take some time',
}
ROLLBACK_NOTE = ('a backup or archive in progress is rolled back (uncommitted changes are undone), '
                 'which can take some time: the session shows Ending meanwhile')
RETENTION_CHILD_NOTE = ('managed by retention job {job} ({name}): cancelling the process interrupts the job '
                        '(the Tasks page rule); it stays Interrupted until it is resumed '
                        '(sp_job state=resumed)')
OTHER_CHILD_NOTE = 'managed by {kind} job {job} ({name}): the process is cancelled, the job goes on'


def state_of(task):
    """The state an action is decided on: the status word of a job, the page's state otherwise,
    ENDED for a task that is no longer listed (None)."""
    if task is None:
        return ENDED
    if task['type'] == 'job':
        return (task.get('status_text') or '').upper() or None
    return task['state']


def is_retention(task):
    """A retention(-set) job, as opposed to a storage-rule job (COPY, TIERING, REPLICATION).

    [DECIDED] by its job type naming retention (RETENTION, Retention Set Copy, RETSET...)."""
    kind = (task.get('job_type') or '').upper()
    return 'RETENTION' in kind or 'RETSET' in kind


def describe(task):
    """'job 7 (RETSET_41_COPY) on HUB1' / 'session 2203 of LAPTOP17 on SPOKE1' / 'process 505 on HUB1'."""
    what = '%s %s' % (task['type'], task['id'])
    if task['type'] == 'job' and task.get('job_name'):
        what += ' (%s)' % task['job_name']
    elif task['type'] == 'session' and task.get('client_name'):
        what += ' of %s' % task['client_name']
    elif task['type'] == 'process' and task.get('description'):
        what += ' (%s)' % task['description']
    return '%s on %s' % (what, task['server'])


def state_words(task):
    """The state as a person reads it: the page's state, and the status word where it differs."""
    if task['type'] == 'job':
        status = state_of(task)
        if status in JOB_WORDS:
            return JOB_WORDS[status]
        return task['state'] or status
    return task['state']


def command_for(action, task_id=None):
    """The server command of an action for one task; ids are whole numbers, never text."""
    if '{id}' in action.command:
        if not isinstance(task_id, int) or isinstance(task_id, bool) or task_id < 0:
            raise ValueError('id: %r is not a whole number >= 0' % (task_id,))
        return action.command.format(id=task_id)
    return action.command


def plan(action, task, cancel_requested=False):
    """What to do with one task for one action, from its state alone.

    task: the task as read (None when it is no longer listed). cancel_requested: the server's
    command log shows a cancel of this task issued after it started (a cancel still under way).
    """
    if task is None:
        return Plan(NONE, 'not listed: it has ended (or never existed)', None, False)
    state = state_of(task)
    if state in action.done:
        return Plan(NONE, 'already %s' % state_words(task), None, False)
    if state in action.underway:
        return Plan(NONE, '%s: the server is already doing it' % state_words(task), None, True)
    if cancel_requested and state in action.pending_in:
        return Plan(NONE, '%s: a cancel was already requested and is under way' % state_words(task), None, True)
    if action.retention_only and not is_retention(task):
        return Plan(IMPOSSIBLE, '%s is a %s storage-rule job, %s: %s' % (
            describe(task), task.get('job_type') or 'non-retention', state_words(task),
            STORAGE_RULE_REASONS[action.action]), None, False)
    if state in action.start:
        return Plan(ACT, 'will %s it (%s)' % (action.action.replace('_', ' '), state_words(task)),
                    command_for(action, task['id']), False)
    why = IMPOSSIBLE_REASONS.get((action.action, state))
    if why is None and task['type'] == 'job' and not task.get('active', True):
        why = IMPOSSIBLE_REASONS.get((action.action, 'COMPLETED'))     # any other finished status word
    if why is None:
        why = 'the action starts only from %s' % ', '.join(
            JOB_WORDS.get(s, s) for s in action.start)
    return Plan(IMPOSSIBLE, '%s is %s: %s' % (describe(task), state_words(task), why), None, False)


def goal_met(action, task, children=()):
    """True when the task has reached the action's goal: ended, or the wanted job status (and,
    for interrupt and terminate, no child process left)."""
    state = state_of(task)
    if action.wait_for == ENDED:
        return state == ENDED
    if state not in action.done:
        return False
    return not (action.children_end and children)


def session_notes(task, action):
    """The page's rules that apply to cancelling this session, as texts for the result."""
    notes = []
    if task['state'] in SESSION_NOTES:
        notes.append(SESSION_NOTES[task['state']])
    if (task.get('session_type') or '').lower() == 'node' and task['state'] != 'Ending':
        notes.append(ROLLBACK_NOTE)
    return notes


def process_notes(task, job):
    """Notes for cancelling a process: what happens to the job that manages it."""
    if job is None:
        return []
    values = dict(job=job['id'], name=job.get('job_name') or '', kind=job.get('job_type') or 'storage-rule')
    if is_retention(job):
        return [RETENTION_CHILD_NOTE.format(**values)]
    return [OTHER_CHILD_NOTE.format(**values)]
