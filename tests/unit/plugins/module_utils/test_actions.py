"""The action table and the plan: every (task type, action, state) pair, as a table.

Each row: task type, action, state (the page's state for sessions and processes, the status word
for jobs, 'ended' for a task no longer listed), kind (retention or storage-rule job, node or admin
session), whether a cancel is already recorded in the command log, and what the plan decides.
"""
import pytest

from ansible_collections.spectrum_protect.operations.plugins.module_utils import _actions as actions
from ansible_collections.spectrum_protect.operations.plugins.module_utils._actions import (
    ACT, ACTIONS, ENDED, IMPOSSIBLE, NONE)

SESSION = ['Starting', 'Running', 'Ending', 'Idle wait', 'Media wait', 'Receive wait', 'Send wait', 'SSL wait']
JOB = ['RUNNING', 'INTERRUPTING', 'TERMINATING', 'SLEEPING', 'INTERRUPTED', 'COMPLETED', 'TERMINATED']
R, S = 'retention', 'storage-rule'
U = 'underway'     # nothing to send, the server is already doing it (waited for with `wait`)

# (type, action, state, kind, cancel already requested) -> decision
PLAN_TABLE = [
    # sessions: CANCEL SESSION n
    ('session', 'cancel', 'Starting', None, False, ACT),
    ('session', 'cancel', 'Running', None, False, ACT),
    ('session', 'cancel', 'Running', None, True, U),        # ends only at its next wait state
    ('session', 'cancel', 'Ending', None, False, U),
    ('session', 'cancel', 'Idle wait', None, False, ACT),
    ('session', 'cancel', 'Idle wait', None, True, ACT),     # a cancel ends it at once: a new one is due
    ('session', 'cancel', 'Media wait', None, False, ACT),
    ('session', 'cancel', 'Media wait', None, True, U),      # held by a mount request needing a reply
    ('session', 'cancel', 'Receive wait', None, False, ACT),
    ('session', 'cancel', 'Send wait', None, False, ACT),
    ('session', 'cancel', 'SSL wait', None, False, ACT),
    ('session', 'cancel', ENDED, None, False, NONE),
    # sessions: CANCEL SESSION ALL (node sessions)
    ('session', 'cancel_all', 'Starting', None, False, ACT),
    ('session', 'cancel_all', 'Running', None, False, ACT),
    ('session', 'cancel_all', 'Running', None, True, U),
    ('session', 'cancel_all', 'Ending', None, False, U),
    ('session', 'cancel_all', 'Idle wait', None, False, ACT),
    ('session', 'cancel_all', 'Media wait', None, False, ACT),
    ('session', 'cancel_all', 'Media wait', None, True, U),
    ('session', 'cancel_all', 'Receive wait', None, False, ACT),
    ('session', 'cancel_all', 'Send wait', None, False, ACT),
    ('session', 'cancel_all', 'SSL wait', None, False, ACT),
    ('session', 'cancel_all', ENDED, None, False, NONE),
    # processes: CANCEL PROCESS n (every active process is Running on the page)
    ('process', 'cancel', 'Running', None, False, ACT),
    ('process', 'cancel', 'Running', None, True, U),
    ('process', 'cancel', ENDED, None, False, NONE),
    # mount requests: CANCEL REQUEST n
    ('request', 'cancel', 'outstanding', None, False, ACT),
    ('request', 'cancel', ENDED, None, False, NONE),
    # jobs: INTERRUPT JOB n
    ('job', 'interrupt', 'RUNNING', R, False, ACT),
    ('job', 'interrupt', 'SLEEPING', R, False, ACT),
    ('job', 'interrupt', 'INTERRUPTING', R, False, U),
    ('job', 'interrupt', 'INTERRUPTED', R, False, NONE),
    ('job', 'interrupt', 'TERMINATING', R, False, IMPOSSIBLE),
    ('job', 'interrupt', 'COMPLETED', R, False, IMPOSSIBLE),
    ('job', 'interrupt', 'TERMINATED', R, False, IMPOSSIBLE),
    ('job', 'interrupt', ENDED, R, False, NONE),
    ('job', 'interrupt', 'RUNNING', S, False, IMPOSSIBLE),
    ('job', 'interrupt', 'SLEEPING', S, False, IMPOSSIBLE),
    ('job', 'interrupt', 'INTERRUPTING', S, False, U),
    ('job', 'interrupt', 'INTERRUPTED', S, False, NONE),
    ('job', 'interrupt', 'TERMINATING', S, False, IMPOSSIBLE),
    ('job', 'interrupt', 'COMPLETED', S, False, IMPOSSIBLE),
    ('job', 'interrupt', 'TERMINATED', S, False, IMPOSSIBLE),
    ('job', 'interrupt', ENDED, S, False, NONE),
    # jobs: RESUME JOB n
    ('job', 'resume', 'RUNNING', R, False, NONE),
    ('job', 'resume', 'SLEEPING', R, False, NONE),
    ('job', 'resume', 'INTERRUPTING', R, False, IMPOSSIBLE),
    ('job', 'resume', 'INTERRUPTED', R, False, ACT),
    ('job', 'resume', 'TERMINATING', R, False, IMPOSSIBLE),
    ('job', 'resume', 'COMPLETED', R, False, IMPOSSIBLE),
    ('job', 'resume', 'TERMINATED', R, False, IMPOSSIBLE),
    ('job', 'resume', ENDED, R, False, NONE),
    ('job', 'resume', 'RUNNING', S, False, NONE),
    ('job', 'resume', 'SLEEPING', S, False, NONE),
    ('job', 'resume', 'INTERRUPTING', S, False, IMPOSSIBLE),
    ('job', 'resume', 'INTERRUPTED', S, False, IMPOSSIBLE),
    ('job', 'resume', 'TERMINATING', S, False, IMPOSSIBLE),
    ('job', 'resume', 'COMPLETED', S, False, IMPOSSIBLE),
    ('job', 'resume', 'TERMINATED', S, False, IMPOSSIBLE),
    ('job', 'resume', ENDED, S, False, NONE),
    # jobs: TERMINATE JOB n (final)
    ('job', 'terminate', 'RUNNING', R, False, ACT),
    ('job', 'terminate', 'SLEEPING', R, False, ACT),
    ('job', 'terminate', 'INTERRUPTING', R, False, ACT),
    ('job', 'terminate', 'INTERRUPTED', R, False, ACT),
    ('job', 'terminate', 'TERMINATING', R, False, U),
    ('job', 'terminate', 'COMPLETED', R, False, IMPOSSIBLE),
    ('job', 'terminate', 'TERMINATED', R, False, NONE),
    ('job', 'terminate', ENDED, R, False, NONE),
    ('job', 'terminate', 'RUNNING', S, False, IMPOSSIBLE),
    ('job', 'terminate', 'SLEEPING', S, False, IMPOSSIBLE),
    ('job', 'terminate', 'INTERRUPTING', S, False, IMPOSSIBLE),
    ('job', 'terminate', 'INTERRUPTED', S, False, IMPOSSIBLE),
    ('job', 'terminate', 'TERMINATING', S, False, U),
    ('job', 'terminate', 'COMPLETED', S, False, IMPOSSIBLE),
    ('job', 'terminate', 'TERMINATED', S, False, NONE),
    ('job', 'terminate', ENDED, S, False, NONE),
]

STATES = {'session': SESSION + [ENDED], 'process': ['Running', ENDED], 'request': ['outstanding', ENDED],
          'job': JOB + [ENDED]}


def make_task(task_type, state, kind, number=7):
    if state == ENDED:
        return None
    task = {'server': 'SPOKE1', 'type': task_type, 'id': number, 'state': state, 'active': True,
            'client_name': 'WEB01', 'session_type': 'Node', 'description': 'Migration', 'job_name': None,
            'job_type': None, 'status_text': None}
    if task_type == 'job':
        task.update(status_text=state, job_name='RETSET_41_COPY' if kind == R else 'REPL_RULE',
                    job_type='RETENTION' if kind == R else 'COPY',
                    active=state not in ('COMPLETED', 'TERMINATED'),
                    state={'RUNNING': 'Running', 'INTERRUPTING': 'Running', 'TERMINATING': 'Running',
                           'SLEEPING': 'Sleeping', 'INTERRUPTED': 'Interrupted', 'COMPLETED': 'Completed',
                           'TERMINATED': 'Terminated'}[state])
    return task


def test_the_table_covers_every_type_action_and_state():
    covered = set((t, a, s, k) for t, a, s, k, _c, _d in PLAN_TABLE)
    for (task_type, action), _entry in ACTIONS.items():
        kinds = (R, S) if task_type == 'job' else (None,)
        for state in STATES[task_type]:
            for kind in kinds:
                assert (task_type, action, state, kind) in covered, (task_type, action, state, kind)


@pytest.mark.parametrize('task_type,action,state,kind,requested,expected', PLAN_TABLE)
def test_plan(task_type, action, state, kind, requested, expected):
    entry = ACTIONS[(task_type, action)]
    task = make_task(task_type, state, kind)
    result = actions.plan(entry, task, cancel_requested=requested)
    if expected == U:
        assert (result.decision, result.underway) == (NONE, True), result
    else:
        assert (result.decision, result.underway) == (expected, False), result
    assert result.reason
    if expected == ACT:
        assert result.command == entry.command.format(id=7)
    else:
        assert result.command is None
    if expected == IMPOSSIBLE:     # names the job, its state and why
        assert 'job 7' in result.reason and 'SPOKE1' in result.reason
        assert task['state'] in result.reason or state.lower() in result.reason.lower()


@pytest.mark.parametrize('action,state,words', [
    ('resume', 'TERMINATED', 'nothing can restart it'),
    ('resume', 'COMPLETED', 'finished job cannot be resumed'),
    ('interrupt', 'COMPLETED', 'finished job cannot be interrupted'),
    ('resume', 'INTERRUPTING', 'once it is Interrupted'),
    ('terminate', 'COMPLETED', 'finished job cannot be terminated'),
])
def test_impossible_reasons_say_why(action, state, words):
    result = actions.plan(ACTIONS[('job', action)], make_task('job', state, R))
    assert result.decision == IMPOSSIBLE and words in result.reason


def test_a_finished_job_with_another_status_word_is_finished():
    task = make_task('job', 'COMPLETED', R)
    task.update(status_text='FAILED', state='Failed')
    result = actions.plan(ACTIONS[('job', 'resume')], task)
    assert result.decision == IMPOSSIBLE and 'finished job cannot be resumed' in result.reason


def test_storage_rule_jobs_are_refused_with_the_rule():
    result = actions.plan(ACTIONS[('job', 'resume')], make_task('job', 'INTERRUPTED', S))
    assert result.decision == IMPOSSIBLE
    assert 'COPY storage-rule job' in result.reason and 'RESUME JOB is not valid' in result.reason


@pytest.mark.parametrize('job_type,retention', [
    ('RETENTION', True), ('Retention Set Copy', True), ('RETSETCOPY', True), ('COPY', False),
    ('TIERING', False), ('REPLICATION', False), (None, False)])
def test_retention_jobs_by_their_type(job_type, retention):
    assert actions.is_retention({'job_type': job_type}) is retention


def test_every_command_has_a_source_and_decided_ones_say_so():
    for key, entry in ACTIONS.items():
        assert entry.source, key
    assert '[DECIDED]' in ACTIONS[('job', 'interrupt')].source
    assert '[DECIDED]' in ACTIONS[('job', 'terminate')].source
    assert '[DECIDED]' not in ACTIONS[('job', 'resume')].source


@pytest.mark.parametrize('bad', ['7; CANCEL SESSION ALL', -1, 1.5, None, True, '7'])
def test_commands_take_whole_numbers_only(bad):
    with pytest.raises(ValueError) as info:
        actions.command_for(ACTIONS[('process', 'cancel')], bad)
    assert 'id' in str(info.value)


def test_goal_met_needs_the_children_gone_for_interrupt_and_terminate():
    interrupt = ACTIONS[('job', 'interrupt')]
    done = make_task('job', 'INTERRUPTED', R)
    assert actions.goal_met(interrupt, done) is True
    assert actions.goal_met(interrupt, done, children=[510]) is False
    assert actions.goal_met(interrupt, make_task('job', 'INTERRUPTING', R)) is False
    resume = ACTIONS[('job', 'resume')]
    assert actions.goal_met(resume, make_task('job', 'SLEEPING', R), children=[1]) is True
    cancel = ACTIONS[('session', 'cancel')]
    assert actions.goal_met(cancel, None) is True
    assert actions.goal_met(cancel, make_task('session', 'Ending', None)) is False


def test_session_notes_are_the_page_rules():
    running = actions.session_notes(make_task('session', 'Running', None), ACTIONS[('session', 'cancel')])
    assert any('Send wait, SSL wait, Receive wait or Idle wait' in n for n in running)
    assert any('rolled back' in n for n in running)            # a node session: backup/archive rollback
    idle = actions.session_notes(make_task('session', 'Idle wait', None), ACTIONS[('session', 'cancel')])
    assert any('new number' in n for n in idle)
    media = actions.session_notes(make_task('session', 'Media wait', None), ACTIONS[('session', 'cancel')])
    assert any('operator reply' in n for n in media)
    admin = make_task('session', 'Send wait', None)
    admin['session_type'] = 'Admin'
    assert actions.session_notes(admin, ACTIONS[('session', 'cancel')]) == []


def test_process_notes_name_the_job_rule():
    job = make_task('job', 'RUNNING', R)
    notes = actions.process_notes(make_task('process', 'Running', None), job)
    assert 'interrupts the job' in notes[0] and 'RETSET_41_COPY' in notes[0]
    rule_job = make_task('job', 'RUNNING', S)
    assert 'the job goes on' in actions.process_notes(make_task('process', 'Running', None), rule_job)[0]
    assert actions.process_notes(make_task('process', 'Running', None), None) == []
