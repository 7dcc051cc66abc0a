"""The task model: records as the server prints them -> the Tasks page's tasks."""
import pytest

from ansible_collections.spectrum_protect.operations.plugins.module_utils import _tasks as model


SESSION_ROW = {  # a SESSIONS row (SELECT, list mode), with a column this model does not know
    'SESSION_ID': '36775', 'START_TIME': '2024-04-22 09:00:00.000000', 'COMMMETHOD': 'SSL',
    'STATE': 'IdleW', 'WAIT_SECONDS': '125', 'BYTES_SENT': '19251', 'BYTES_RECEIVED': '2048',
    'SESSION_TYPE': 'Node', 'CLIENT_PLATFORM': 'Linux x86-64', 'CLIENT_NAME': 'WEB01',
    'FAIL_OVER_MODE': 'No', 'SERVER_TIME': '2024-04-22 09:38:27.000000',
}
QSESS_RECORD = {  # QUERY SESSION F=D in list mode: labels, thousands separators, scaled values
    'Sess Number': '29,057', 'Comm. Method': 'Tcp/Ip', 'Sess State': 'MediaW', 'Wait Time': '5 M',
    'Bytes Sent': '18.8 K', 'Bytes Recvd': '1.5 M', 'Sess Type': 'Node', 'Platform': 'AIX',
    'Client Name': 'DB2PROD', 'Media Access Status': 'Waiting for mount of output volume',
}


def test_session_from_select_row_keeps_exact_numbers_and_unknown_fields():
    task = model.session_task('SPOKE1', SESSION_ROW)
    assert task['id'] == 36775
    assert task['state'] == 'Idle wait'
    assert task['active'] is True and task['outcome'] is None
    assert (task['wait_seconds'], task['bytes_sent'], task['bytes_received']) == (125, 19251, 2048)
    assert task['start_time'] == '2024-04-22T09:00:00'
    assert task['duration_seconds'] == 38 * 60 + 27
    assert task['raw']['FAIL_OVER_MODE'] == 'No'
    assert (task['client_name'], task['session_type'], task['comm_method']) == ('WEB01', 'Node', 'SSL')


def test_session_from_query_session_labels():
    task = model.session_task('HUB', QSESS_RECORD)
    assert task['id'] == 29057
    assert task['state'] == 'Media wait'
    assert task['wait_seconds'] == 300
    assert task['bytes_sent'] == int(18.8 * 1024)
    assert task['bytes_received'] == int(1.5 * 1024 * 1024)
    assert task['raw']['Media Access Status'].startswith('Waiting')


@pytest.mark.parametrize('code,name', sorted(model.SESSION_STATES.items()))
def test_every_session_state_code_has_the_page_name(code, name):
    assert model.session_task('S', {'SESSION_ID': '1', 'STATE': code.capitalize()})['state'] == name


def test_process_links_job_and_parent():
    task = model.process_task('SPOKE1', {
        'PROCESS_NUM': '41', 'PROCESS': 'Retention Set Copy', 'START_TIME': '2024-04-22 09:08:27.000000',
        'STATUS': 'Copied 12 of 40 files, 4,149,250,332 bytes', 'JOB_ID': '7', 'PARENT_PROCESS': '40',
        'SERVER_TIME': '2024-04-22 09:38:27.000000'})
    assert (task['id'], task['job_id'], task['parent_process']) == (41, 7, 40)
    assert task['state'] == 'Running' and task['duration_seconds'] == 1800
    assert task['status_text'].startswith('Copied 12')


def test_legacy_process_has_no_links():
    task = model.process_task('OLD', {'Process Number': '3', 'Process Description': 'EXPIRATION',
                                      'Process Status': 'Examined 10 objects'})
    assert task['job_id'] is None and task['parent_process'] is None


JOB = {'Job Id': '12', 'Peer Job Id': '', 'Job Type': 'Retention Set Copy', 'Job Name': 'RETPOOL',
       'Begin Date/Time': '04/22/2024 08:00:00', 'End Date/Time': '', 'Status': 'RUNNING'}


@pytest.mark.parametrize('status,completion,state,active,outcome', [
    ('RUNNING', '', 'Running', True, None),
    ('INTERRUPTING', '', 'Running', True, None),
    ('SLEEPING', '', 'Sleeping', True, None),
    ('INTERRUPTED', '', 'Interrupted', True, None),
    ('COMPLETED', 'Completed', 'Completed', False, 'successful'),
    ('COMPLETED', 'Warning', 'Warning', False, 'warning'),
    ('COMPLETED', 'Failed', 'Failed', False, 'failed'),
    ('TERMINATED', '', 'Terminated', False, 'terminated'),
])
def test_job_states(status, completion, state, active, outcome):
    record = dict(JOB, **{'Status': status, 'Completion State': completion})
    if not active:
        record['End Date/Time'] = '04/22/2024 09:00:00'
    task = model.job_task('HUB', record)
    assert (task['state'], task['active'], task['outcome']) == (state, active, outcome)
    assert task['job_id'] == 12 and task['job_name'] == 'RETPOOL'
    if not active:
        assert task['duration_seconds'] == 3600


class Log(object):
    def __init__(self, problem):
        self.problem = problem

    def has_problem(self, *args):
        return self.problem


@pytest.mark.parametrize('activity,successful,problem,task_type,outcome', [
    ('BACKUP', 'YES', False, 'session', 'successful'),
    ('BACKUP', 'YES', True, 'session', 'warning'),
    ('ARCHIVE', 'NO', False, 'session', 'failed'),
    ('EXPIRATION', 'YES', False, 'process', 'successful'),
    ('MIGRATION', 'YES', True, 'process', 'warning'),
    ('RECLAMATION', 'NO', True, 'process', 'failed'),
])
def test_completed_outcomes(activity, successful, problem, task_type, outcome):
    row = {'ACTIVITY': activity, 'NUMBER': '88', 'ENTITY': 'NODE1', 'SUCCESSFUL': successful,
           'START_TIME': '2024-04-22 01:00:00.000000', 'END_TIME': '2024-04-22 01:30:00.000000'}
    task = model.completed_task('SPOKE2', row, Log(problem))
    assert (task['type'], task['outcome'], task['active']) == (task_type, outcome, False)
    assert task['duration_seconds'] == 1800
    assert task['state'] == {'successful': 'Successful', 'warning': 'Warning', 'failed': 'Failed'}[outcome]


def test_activity_log_matches_by_number_and_window():
    log = model.ActivityLog([
        {'DATE_TIME': '2024-04-22 01:10:00.000000', 'MSGNO': '1234', 'SEVERITY': 'W',
         'MESSAGE': 'ANR1234W careful (PROCESS: 88)', 'PROCESS': '88', 'SESSION': ''},
        {'DATE_TIME': '2024-04-22 03:00:00.000000', 'MSGNO': '4321', 'SEVERITY': 'E',
         'MESSAGE': 'ANR4321E later', 'PROCESS': '88', 'SESSION': ''},
        {'DATE_TIME': '2024-04-22 01:05:00.000000', 'MSGNO': '0406', 'SEVERITY': 'I',
         'MESSAGE': 'ANR0406I Session 88 started', 'PROCESS': '', 'SESSION': '88'},
    ])
    start, end = model._dt('2024-04-22 01:00:00'), model._dt('2024-04-22 01:30:00')
    assert log.has_problem('process', 88, start, end) is True
    assert log.has_problem('session', 88, start, end) is False
    task = {'type': 'process', 'id': 88, 'start_time': '2024-04-22T01:00:00', 'end_time': None}
    assert [m['msgno'] for m in log.messages_for(task)] == ['1234', '4321']
    assert [m['msgno'] for m in log.messages_for(task, limit=1)] == ['4321']
    job = {'type': 'job', 'id': 7, 'start_time': '2024-04-22T00:00:00', 'end_time': None}
    assert [m['msgno'] for m in log.messages_for(job, job_processes={88})] == ['1234', '4321']


def _task(task_type, active, outcome):
    task = model.new_task('S', task_type, 1, {})
    task.update(active=active, outcome=outcome)
    return task


def test_summary_follows_the_page_rules():
    tasks = [_task('session', True, None), _task('process', True, None), _task('job', True, None),
             _task('process', False, 'successful'), _task('job', False, 'successful'),
             _task('session', False, 'successful'),            # not counted
             _task('session', False, 'warning'), _task('process', False, 'failed'),
             _task('job', False, 'terminated')]
    assert model.summarize(tasks) == {'successful': 2, 'warning': 1, 'failed': 2, 'unknown': 0, 'unverified': 0, 'unknown_tasks': [],
                                      'active': {'session': 1, 'process': 1, 'job': 1}}
    assert [model.visible(t) for t in tasks].count(False) == 1


def test_filters():
    a = model.session_task('S', dict(SESSION_ROW))
    b = model.process_task('S', {'PROCESS_NUM': '5', 'PROCESS': 'Space Reclamation', 'JOB_ID': '7'})
    assert model.select([a, b], states=['idle WAIT']) == [a]
    assert model.select([a, b], client_name='web*') == [a]
    assert model.select([a, b], client_name='web?1') == [a]
    assert model.select([a, b], description='space*') == [b]
    assert model.select([a, b], job_id=7) == [b]
    assert model.select([a, b], ids=[36775, 5]) == [a, b]
    assert model.select([a, b], session_type='node') == [a]


@pytest.mark.parametrize('text,seconds', [('30m', 1800), ('24h', 86400), ('7d', 604800), ('90', 90),
                                          ('2w', 1209600), (' 15 s ', 15)])
def test_since(text, seconds):
    assert model.parse_since(text) == seconds


@pytest.mark.parametrize('text', ['', 'yesterday', '-1h', '1y', '1h30m'])
def test_since_rejects(text):
    with pytest.raises(ValueError, match='since'):
        model.parse_since(text)


def test_server_version():
    assert model.server_version('Storage Management Server for Linux/x86_64 - Version 8, Release 1, '
                                'Level 10.000') == '8.1.10'
    assert model.server_version('  Server Version 8, Release 1, Level 21.000') == '8.1.21'
    assert model.server_version('nothing here') is None
    assert model.version_tuple('8.1.12') >= model.JOBS_SINCE > model.version_tuple('8.1.10')


def test_the_sql_that_finds_a_jobs_messages_matches_what_the_activity_log_reads_as_that_job():
    """job_named(12) selects the messages ActivityLog counts as job 12's, and not job 120's; checked
    by running the condition in SQLite (LIKE is case-insensitive there, as UPPER makes it here)."""
    import sqlite3
    from ansible_collections.spectrum_protect.operations.plugins.module_utils._reader import job_named
    messages = ['ANR3855E Job 12 failed.', 'ANR0985I Process 7 for job 12 (RETSET) ended.', 'Job ID: 12', 'job: 12',
                'Job 12, copy', 'job 12', 'Job 120 failed.', 'Job 212 ended.', 'job 1 of 12', 'Process 12 ended.']
    conn = sqlite3.connect(':memory:')
    conn.execute('CREATE TABLE ACTLOG (MESSAGE TEXT)')
    conn.executemany('INSERT INTO ACTLOG VALUES (?)', [(m,) for m in messages])
    found = [row[0] for row in conn.execute('SELECT MESSAGE FROM ACTLOG WHERE ' + job_named(12))]
    assert found == [m for m in messages if 12 in model.ActivityLog.JOB_REF.findall(m) or
                     '12' in model.ActivityLog.JOB_REF.findall(m)]
    assert found == messages[:6]
