"""Synthetic sp_task_info results of any size, shaped exactly like the module's (for the 100,000-task
report tests): every type, active and completed states, every outcome, Job ID and Parent Process
links, activity-log messages. Deterministic for a given seed."""
import datetime
import random

SESSION_STATES = ['Running', 'Idle wait', 'Send wait', 'Receive wait', 'Media wait', 'Starting', 'Ending', 'SSL wait']
PROCESSES = ['Migration', 'EXPIRATION', 'Backup Storage Pool', 'Space Reclamation', 'Replicate Node',
             'Retention Set Copy', 'DATABASE BACKUP']
CLIENTS = ['FILESRV%02d', 'DBSRV%02d', 'WEB%02d', 'MAIL%02d', 'LAPTOP%02d']
NOW = datetime.datetime(2025, 3, 14, 12, 0, 0)


def _iso(moment):
    return moment.strftime('%Y-%m-%dT%H:%M:%S')


def _task(server, task_type, number, **values):
    task = {
        'server': server, 'type': task_type, 'id': number, 'state': None, 'active': True, 'outcome': None,
        'outcome_verified': True, 'start_time': None, 'end_time': None, 'duration_seconds': None,
        'description': None, 'client_name': None, 'session_type': None, 'platform': None, 'comm_method': None,
        'wait_seconds': None, 'bytes_sent': None, 'bytes_received': None, 'job_id': None, 'job_name': None,
        'job_type': None, 'parent_process': None, 'status_text': None, 'raw': {},
    }
    task.update(values)
    return task


def _times(rng, active):
    start = NOW - datetime.timedelta(seconds=rng.randint(60, 23 * 3600))
    if active:
        return _iso(start), None, int((NOW - start).total_seconds())
    length = rng.randint(30, 4 * 3600)
    end = min(NOW, start + datetime.timedelta(seconds=length))
    return _iso(start), _iso(end), int((end - start).total_seconds())


def _outcome(rng):
    roll = rng.random()
    return 'failed' if roll < 0.08 else 'warning' if roll < 0.2 else 'unknown' if roll < 0.22 else 'successful'


def _messages(rng, task, count):
    out = []
    for n in range(count):
        severity = 'I'
        if n == count - 1 and task['outcome'] in ('failed', 'warning'):
            severity = 'E' if task['outcome'] == 'failed' else 'W'
        out.append({'time': task['start_time'], 'msgno': str(400 + n), 'severity': severity,
                    'message': 'ANR%04d%s %s %d: step %d of the task on %s.' % (
                        400 + n, severity, task['type'].capitalize(), task['id'], n, task['server'])})
    return out


def server_result(name, tasks_per_server, seed=0, messages=3, version='8.1.21'):
    """One server's part: (server entry, tasks)."""
    rng = random.Random('%s-%d' % (name, seed))
    tasks = []
    jobs = max(1, tasks_per_server // 20)
    number = {'session': 1000, 'process': 100, 'job': 1}
    for j in range(jobs):
        active = rng.random() < 0.4
        start, end, duration = _times(rng, active)
        outcome = None if active else rng.choice(['successful', 'successful', 'warning', 'failed', 'terminated'])
        state = rng.choice(['Running', 'Sleeping', 'Interrupted']) if active else \
            {'successful': 'Completed', 'warning': 'Warning', 'failed': 'Failed', 'terminated': 'Terminated'}[outcome]
        tasks.append(_task(name, 'job', number['job'], state=state, active=active, outcome=outcome,
                           start_time=start, end_time=end, duration_seconds=duration, job_id=number['job'],
                           job_type='RETENTION', job_name='RETSET_%d_COPY' % j,
                           description='RETENTION RETSET_%d_COPY' % j, status_text=state.upper()))
        number['job'] += 1
    while len(tasks) < tasks_per_server:
        kind = 'session' if rng.random() < 0.55 else 'process'
        active = rng.random() < 0.35
        start, end, duration = _times(rng, active)
        number[kind] += 1
        if kind == 'session':
            outcome = None if active else rng.choice(['warning', 'failed', 'failed', 'warning', 'unknown'])
            state = rng.choice(SESSION_STATES) if active else outcome.capitalize()
            task = _task(name, 'session', number['session'], state=state, active=active, outcome=outcome,
                         start_time=start, end_time=end, duration_seconds=duration, session_type='Node',
                         client_name=rng.choice(CLIENTS) % rng.randint(1, 60), description='BACKUP',
                         platform='Linux x86-64', bytes_sent=rng.randint(0, 10 ** 9), wait_seconds=rng.randint(0, 600))
        else:
            outcome = None if active else _outcome(rng)
            state = 'Running' if active else outcome.capitalize()
            job = rng.randint(1, jobs) if rng.random() < 0.3 else None
            parent = number['process'] - 1 if (rng.random() < 0.2 and number['process'] > 101) else None
            task = _task(name, 'process', number['process'], state=state, active=active, outcome=outcome,
                         start_time=start, end_time=end, duration_seconds=duration,
                         description=rng.choice(PROCESSES), job_id=job, parent_process=parent,
                         status_text='Moved Files: %d, Moved Bytes: %d.' % (rng.randint(0, 9999), rng.randint(0, 10 ** 10)))
        if not active and rng.random() < 0.03:
            task['outcome_verified'] = False
        tasks.append(task)
    for task in tasks:
        task['messages'] = _messages(rng, task, messages)
    summary = summarize(tasks)
    entry = {'name': name, 'version': version, 'jobs_supported': True, 'reachable': True, 'error': None,
             'errors': [], 'summary': summary}
    return entry, tasks


def summarize(tasks):
    counts = {'successful': 0, 'warning': 0, 'failed': 0, 'unknown': 0,
              'active': {'session': 0, 'process': 0, 'job': 0}}
    for task in tasks:
        if task['active']:
            counts['active'][task['type']] += 1
        elif task['outcome'] == 'successful':
            if task['type'] != 'session':
                counts['successful'] += 1
        elif task['outcome'] in ('warning', 'failed', 'unknown'):
            counts[task['outcome']] += 1
        elif task['outcome'] == 'terminated':
            counts['failed'] += 1
    counts['complete'] = not any(t.get('outcome_verified') is False for t in tasks)
    return counts


def fleet_result(servers=10, tasks_per_server=100, seed=0, messages=3, down=()):
    """One routed sp_task_info result over `servers` servers (names SP001...); `down` are unreachable."""
    entries, tasks = [], []
    for n in range(servers):
        name = 'SP%03d' % (n + 1)
        if name in down:
            entries.append({'name': name, 'version': None, 'jobs_supported': None, 'reachable': False,
                            'error': 'dsmadmc could not reach server %s (ANR8214E, rc 4)' % name,
                            'errors': ['dsmadmc could not reach server %s (ANR8214E, rc 4)' % name],
                            'summary': summarize([])})
            continue
        entry, own = server_result(name, tasks_per_server, seed, messages)
        entries.append(entry)
        tasks.extend(own)
    summary = summarize(tasks)
    summary['complete'] = all(e['summary']['complete'] for e in entries if e['reachable'])
    return {'changed': False, 'failed': False, 'tasks': tasks, 'summary': summary, 'servers': entries,
            'commands': ['QUERY STATUS'], 'invocation': {'module_args': {'server': 'SP001', 'route_to': [
                e['name'] for e in entries]}}}
