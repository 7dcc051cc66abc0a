"""What the Tasks page must show for a fleet file, computed from the fleet file alone.

Integration tests compare the modules' results with this, never with numbers typed into a test.
"""
import re

SESSION_STATES = {'Start': 'Starting', 'Run': 'Running', 'End': 'Ending', 'RecvW': 'Receive wait',
                  'SendW': 'Send wait', 'IdleW': 'Idle wait', 'MediaW': 'Media wait', 'SSLW': 'SSL wait'}
JOB_ACTIVE = {'RUNNING': 'Running', 'SLEEPING': 'Sleeping', 'INTERRUPTED': 'Interrupted'}
COMPLETED_STATE = {('process', 'successful'): 'Successful', ('job', 'successful'): 'Completed',
                   'warning': 'Warning', 'failed': 'Failed', 'terminated': 'Terminated'}
UNITS = {'s': 1, 'm': 60, 'h': 3600, 'd': 86400, 'w': 604800}


def offset(text):
    """'-2h' -> -7200, '+30m' -> 1800, '-1h30m' -> -5400."""
    text = str(text).strip()
    sign = -1 if text.startswith('-') else 1
    parts = re.findall(r'(\d+)\s*([smhdw])', text)
    assert parts, 'not an offset: %r' % text
    return sign * sum(int(n) * UNITS[u] for n, u in parts)


def version_tuple(version):
    return tuple(int(p) for p in str(version).split('.')[:3])


def jobs_supported(server):
    return version_tuple(server['version']) >= (8, 1, 12)


def servers(spec):
    return spec['servers']


def server(spec, name):
    return next(s for s in spec['servers'] if s['name'] == name)


def active_sessions(srv):
    """{id: page state} of the seeded active sessions."""
    return dict((s['id'], SESSION_STATES[s['state']]) for s in srv.get('sessions', []))


def active_processes(srv):
    return dict((p['id'], p) for p in srv.get('processes', []))


def job_outcome(job):
    if job['status'] == 'TERMINATED':
        return 'terminated'
    if job['status'] == 'COMPLETED':
        return job.get('outcome', 'successful')
    return None


def job_state(job):
    outcome = job_outcome(job)
    if outcome is None:
        return JOB_ACTIVE[job['status']]
    return COMPLETED_STATE.get(('job', outcome)) or COMPLETED_STATE[outcome]


def jobs(srv, since=None):
    """{id: page state} of the jobs a server shows (none before V8.1.12)."""
    if not jobs_supported(srv):
        return {}
    return dict((j['id'], job_state(j)) for j in srv.get('jobs', [])
                if job_outcome(j) is None or since is None or -offset(j['end']) <= since)


def completed(srv, since=None):
    """{(type, number): page state} of completed sessions and processes the page shows."""
    out = {}
    for c in srv.get('completed', []):
        if since is not None and -offset(c['ended']) > since:
            continue
        if c['kind'] == 'session' and c['outcome'] == 'successful':
            continue   # sessions that completed successfully are not shown
        out[(c['kind'], c['number'])] = (COMPLETED_STATE.get((c['kind'], c['outcome']))
                                         or COMPLETED_STATE[c['outcome']])
    return out


def header_counts(srv, since=None):
    """The page's Successful / Warning / Failed counts for one server."""
    counts = {'successful': 0, 'warning': 0, 'failed': 0}
    for c in srv.get('completed', []):
        if since is not None and -offset(c['ended']) > since:
            continue
        if c['kind'] == 'session' and c['outcome'] == 'successful':
            continue
        counts[c['outcome']] += 1
    if jobs_supported(srv):
        for j in srv.get('jobs', []):
            outcome = job_outcome(j)
            if outcome is None or (since is not None and -offset(j['end']) > since):
                continue
            counts['failed' if outcome == 'terminated' else outcome] += 1
    return counts


def durations(srv):
    """{(type, id): seconds} for completed tasks with a known start and end."""
    out = {}
    for c in srv.get('completed', []):
        out[(c['kind'], c['number'])] = offset(c['ended']) - offset(c['started'])
    if jobs_supported(srv):
        for j in srv.get('jobs', []):
            if job_outcome(j) is not None:
                out[('job', j['id'])] = offset(j['end']) - offset(j['begin'])
    return out
