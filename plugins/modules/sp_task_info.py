#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: spectrum_protect.operations contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

DOCUMENTATION = r'''
---
module: sp_task_info
short_description: Sessions, processes and jobs of Spectrum Protect servers, as the Operations Center Tasks page shows them
version_added: 0.1.0
description:
  - Reads every active and completed session, process and job of one IBM Spectrum Protect
    (IBM Storage Protect) server, or of a fleet reached through command routing from a hub,
    and returns them with the states, outcomes, Job ID and Parent Process links, durations and
    Successful / Warning / Failed header counts of the Operations Center C(Tasks) page.
  - Runs C(dsmadmc) with C(-dataonly=yes) in list mode and reads every record by field name;
    fields it does not know are kept under C(raw).
  - Per server it issues C(QUERY STATUS), one C(SELECT) over C(SESSIONS), one over C(PROCESSES),
    one over C(SUMMARY_EXTENDED) (completed sessions and processes), C(QUERY JOB) (servers
    V8.1.12 and later) and one C(SELECT) over C(ACTLOG) (warnings of completed tasks, and every
    message when O(activity_log=true)); with O(route_to) each of these is one routed command.
  - Servers before V8.1.12 have no jobs. Their sessions and processes are reported, C(jobs_supported)
    is false and a warning says so, as the page's Restriction does.
  - This module is read-only; it never changes a server.
author:
  - spectrum_protect.operations contributors (@spectrum-protect-operations)
extends_documentation_fragment:
  - spectrum_protect.operations.connection
  - spectrum_protect.operations.attributes
  - spectrum_protect.operations.attributes.info_module
options:
  types:
    description: Which kinds of task to read.
    type: list
    elements: str
    choices: [session, process, job]
    default: [session, process, job]
  scope:
    description:
      - V(active) for running tasks, V(completed) for finished ones, V(all) for both.
    type: str
    choices: [active, completed, all]
    default: all
  since:
    description:
      - How far back completed tasks go, as a number with a unit C(s), C(m), C(h), C(d) or C(w)
        (V(30m), V(24h), V(7d)). Active tasks are always reported.
    type: str
    default: 24h
  route_to:
    description:
      - Server names to read through command routing from O(server) (a hub), for example
        V([HUB, SPOKE1, SPOKE2]). Include the hub itself to read its tasks too.
      - A target that cannot be reached or fails is reported in RV(servers) with its error and
        the others' tasks still come back; the module fails only when no server could be read.
      - A routed call that runs out of O(timeout) (a target that hangs holds up the hub's answer)
        is sent again to each target on its own, all at once, so only the hanging target is
        reported with a timeout; later queries go to each target on its own, and a target that
        timed out is not asked again. The whole read stays within O(total_timeout).
    type: list
    elements: str
  ids:
    description: Only tasks with these numbers (session, process or job numbers).
    type: list
    elements: int
  states:
    description:
      - Only tasks in these states, by the Tasks page's names, for example V(Running),
        V(Idle wait), V(Interrupted), V(Warning), V(Failed).
    type: list
    elements: str
  client_name:
    description: Only sessions of this client; C(*) and C(?) wildcards as the server accepts them.
    type: str
  session_type:
    description: Only sessions of this type.
    type: str
    choices: [Admin, Node, Server]
  description:
    description: Only tasks whose description matches; C(*) and C(?) wildcards.
    type: str
  job_id:
    description: Only the job with this ID and the processes it manages.
    type: int
  activity_log:
    description:
      - Attach to each task the activity-log messages issued between its start and end, like
        the page's activity log pane (a session's or process's messages; a job's and its processes').
    type: bool
    default: false
  activity_log_limit:
    description: At most this many messages per task (the latest ones); V(0) for no limit.
    type: int
    default: 50
  max_rows:
    description:
      - At most this many rows per query and server (C(FETCH FIRST) in every C(SELECT)), from 1 to
        10,000,000. An answer that has more is cut, flagged in RV(servers[].truncated) with a
        warning, and makes the counts incomplete (C(complete=false)); it is never cut silently.
      - The module's filters (O(ids), O(states), O(client_name), O(session_type), O(description),
        O(job_id), O(since)) are also pushed into the queries where the server can apply them,
        so a narrow read fetches few rows.
    type: int
    default: 100000
  include_raw:
    description:
      - Return every field as the server printed it under RV(tasks[].raw), unknown fields included.
      - V(false) leaves RV(tasks[].raw) out, which is about half of a large result; the task
        report role passes its own C(task_report_include_raw) here.
    type: bool
    default: true
  tasks_file:
    description:
      - Write the tasks to this file on the managed node instead of into the result, as JSON Lines
        (one task per line, UTF-8, each exactly the dict RV(tasks) would hold), with mode C(0600).
        RV(tasks) is then empty and RV(tasks_file), RV(task_count) and RV(tasks_checksum) say where
        the tasks are, how many there are and the file's SHA-1; RV(summary), RV(servers) and RV(commands) are returned as always.
      - For large fleets. A result of 100,000 tasks costs several times its size in every Ansible
        process it passes through (the module's JSON, the worker, the controller's registered
        variable); a file costs nothing there. Bring it to the controller with M(ansible.builtin.fetch)
        and hand it to M(spectrum_protect.operations.sp_task_report) (its O(spectrum_protect.operations.sp_task_report#module:tasks_dir)).
        The task_report role does this by default.
      - The file is written to a temporary file in the same folder and renamed into place, so it is
        either complete or absent; an existing file is replaced. The folder must exist.
      - The file is the module's output, like a registered result, so it is written in check mode
        too, and C(changed) stays V(false).
      - Nothing is written when the read fails.
    type: path
notes:
  - Times are the server's local time, in ISO 8601 without a time zone, as the server prints them.
  - "Outcomes come only from evidence: a completed job's completion word, else its activity-log
    messages; else its outcome is V(unknown) (state C(Unknown)), with a warning, counted under
    RV(summary.unknown) and never as successful."
  - "When the activity log cannot be read, the outcomes it would have checked are kept but marked
    C(outcome_verified=false) (a successful session is then shown, not hidden), and the counts say
    C(complete=false)."
  - Dates of C(QUERY) output are read in every DATEFORMAT; a day/month order that neither the other
    dates of the answer nor the server's time settle leaves the field empty, with a warning.
  - Sessions that completed successfully are neither returned nor counted, as on the Tasks page.
seealso:
  - name: Operations Center Tasks page
    description: The page this module brings to Ansible.
    link: https://www.ibm.com/docs/en/storage-protect
'''

EXAMPLES = r'''
- name: Every task of the fleet in the last 24 hours, through the hub
  spectrum_protect.operations.sp_task_info:
    server: HUB
    route_to: [HUB, SPOKE1, SPOKE2, SPOKE3]
    credentials_file: /etc/sp/admin.cred
  register: fleet

- name: Fail the maintenance window when anything failed, or when the counts are not complete
  ansible.builtin.assert:
    that:
      - fleet.summary.failed == 0
      - fleet.summary.complete
    fail_msg: >-
      {{ fleet.summary.failed }} task(s) failed, {{ fleet.summary.unknown }} unknown, counts complete:
      {{ fleet.summary.complete }}: {{ fleet.tasks | selectattr('outcome', 'eq', 'failed')
      | map(attribute='description') | join(', ') }}

- name: Interrupted retention jobs and the processes of job 12
  spectrum_protect.operations.sp_task_info:
    server: SPOKE1
    types: [job, process]
    scope: active
    job_id: 12
  register: job12

- name: Idle node sessions of clients named WEB*, with their activity log
  spectrum_protect.operations.sp_task_info:
    server: SPOKE2
    types: [session]
    states: [Idle wait]
    session_type: Node
    client_name: WEB*
    activity_log: true

- name: A large fleet - the tasks go to a file on the managed node, the result stays small
  spectrum_protect.operations.sp_task_info:
    server: HUB
    route_to: [HUB, SPOKE1, SPOKE2, SPOKE3]
    tasks_file: /var/tmp/sp-tasks.jsonl
  register: large

- name: The result says where the tasks are and how many (fetch the file, or hand it to sp_task_report)
  ansible.builtin.debug:
    msg: "{{ large.task_count }} tasks in {{ large.tasks_file }}; {{ large.summary.failed }} failed"

- name: Remove the file when done
  ansible.builtin.file:
    path: /var/tmp/sp-tasks.jsonl
    state: absent
'''

RETURN = r'''
tasks:
  description:
    - One dict per task, the page's table.
    - Empty with O(tasks_file); the tasks are then that file's lines.
  returned: success
  type: list
  elements: dict
  contains:
    server:
      description: Server the task runs on.
      type: str
    type:
      description: V(session), V(process) or V(job).
      type: str
    id:
      description: Session, process or job number.
      type: int
    state:
      description:
        - "The Tasks page's state. Active sessions: Starting, Running, Ending, Idle wait, Media wait,
          Receive wait, Send wait, SSL wait. Active processes: Running. Active jobs: Running, Sleeping,
          Interrupted."
        - "Completed: Successful (processes), Completed (jobs), Warning, Failed, Terminated (jobs)."
      type: str
    active:
      description: True while the task runs.
      type: bool
    outcome:
      description:
        - V(null) while active; else V(successful), V(warning), V(failed), V(terminated), or V(unknown)
          when no answer of the server proves how the task ended.
      type: str
    start_time:
      description: Start, ISO 8601, server time.
      type: str
    end_time:
      description: End of a completed task, ISO 8601, server time.
      type: str
    duration_seconds:
      description: Seconds from start to end; while active, to the server's current time.
      type: int
    description:
      description: Process description; job type and name; session type; or the completed activity.
      type: str
    client_name:
      description: Session client (node or administrator).
      type: str
    session_type:
      description: "Session type: Admin, Node or Server."
      type: str
    platform:
      description: Client platform.
      type: str
    comm_method:
      description: Communication method.
      type: str
    wait_seconds:
      description: Seconds in the current session state.
      type: int
    bytes_sent:
      description: Bytes the server sent in the session.
      type: int
    bytes_received:
      description: Bytes the server received in the session.
      type: int
    job_id:
      description: The job that manages the process; for a job, its own ID.
      type: int
    job_name:
      description: Job name (its storage rule or retention set).
      type: str
    job_type:
      description: Job type.
      type: str
    parent_process:
      description: Process that started this process.
      type: int
    status_text:
      description: Process status text; for a job, the status word as the server printed it.
      type: str
    outcome_verified:
      description:
        - False when the outcome could not be checked because a supporting read (the activity log)
          failed; the outcome shown is then the best known one.
      type: bool
    messages:
      description: Activity-log messages of the task (only with O(activity_log=true)).
      type: list
      elements: dict
    raw:
      description: Every field as the server printed it, unknown fields included (not with O(include_raw=false)).
      type: dict
  sample:
    - server: SPOKE1
      type: process
      id: 41
      state: Running
      active: true
      outcome: null
      description: Retention Set Copy
      job_id: 7
      parent_process: 40
      duration_seconds: 1820
summary:
  description:
    - The page's header counts over the returned tasks, and active counts per type.
    - C(unknown) counts completed tasks whose outcome is unknown (never counted as successful),
      and C(unknown_tasks) lists them (C(server), C(type), C(id)); C(unverified) counts tasks whose
      outcome could not be checked.
    - C(complete) is true only when every server was read in full (no failed or truncated query,
      no unknown or unverified outcome); false means the counts are a lower bound.
  returned: success
  type: dict
  contains:
    unknown:
      description: Completed tasks whose outcome is unknown.
      type: int
    complete:
      description: True only when every server was read in full.
      type: bool
  sample:
    successful: 12
    warning: 2
    failed: 1
    unknown: 0
    unknown_tasks: []
    unverified: 0
    complete: true
    active:
      session: 9
      process: 4
      job: 3
servers:
  description:
    - Per server, what could be read - C(name), C(version), C(jobs_supported), C(reachable),
      C(read) (false when a query of its tasks failed), C(error) (all failures in one text),
      C(errors) (one dict per failed query - C(query), C(kind), C(rc), C(message_ids), C(msg)),
      C(truncated) (queries cut at O(max_rows)), C(unverified) (the outcomes whose counts could not
      be checked) - and C(summary), the header counts of that server's returned tasks with their
      own C(complete).
  returned: success
  type: list
  elements: dict
  contains:
    truncated:
      description: The queries whose answer was cut at O(max_rows).
      type: list
      elements: str
  sample:
    - name: SPOKE3
      version: 8.1.10
      jobs_supported: false
      reachable: true
      error: null
    - name: SPOKE2
      version: null
      jobs_supported: null
      reachable: false
      error: "dsmadmc could not reach server SPOKE2 (ANS1017E, rc -50)"
commands:
  description: The server commands that ran (no credentials), in order.
  returned: always
  type: list
  elements: str
tasks_file:
  description: The file the tasks were written to (O(tasks_file)), one JSON object per line.
  returned: success, with O(tasks_file)
  type: str
  sample: /var/tmp/sp-tasks.jsonl
task_count:
  description: How many tasks (lines) O(tasks_file) holds.
  returned: success, with O(tasks_file)
  type: int
  sample: 27261
tasks_checksum:
  description:
    - The SHA-1 of O(tasks_file) as written (hex, the checksum M(ansible.builtin.stat) and
      M(ansible.builtin.fetch) use), so a copy of it can be told from another file of the same
      length; M(spectrum_protect.operations.sp_task_report) checks its local copy against it.
  returned: success, with O(tasks_file)
  type: str
  sample: 0b4f1e7f5c1d2a6b1c7e3f4a5b6c7d8e9f0a1b2c
'''

import hashlib
import json
import os
import tempfile

from ansible.module_utils.common.parameters import remove_values

from ansible_collections.spectrum_protect.operations.plugins.module_utils._dsmadmc import (
    pattern_arg,
)
from ansible_collections.spectrum_protect.operations.plugins.module_utils._filters import (
    check_states,
    parse_since,
)
from ansible_collections.spectrum_protect.operations.plugins.module_utils._model import (
    PAGE_STATES,
    TASK_TYPES,
)
from ansible_collections.spectrum_protect.operations.plugins.module_utils._module import (
    FLEET_ARGUMENT_SPEC,
    SpModule,
)
from ansible_collections.spectrum_protect.operations.plugins.module_utils._reader import (
    DEFAULT_MAX_ROWS,
    TaskReader,
)

MAX_ROWS = 10000000


def check_options(params):
    """Bad input fails before anything is sent, naming the option and the value (ValueError).
    Returns `since` in seconds: it is parsed here once."""
    check_states(params['states'], PAGE_STATES)
    since = parse_since(params['since'])
    if params['activity_log_limit'] < 0:
        raise ValueError('activity_log_limit must be 0 or more, got %d' % params['activity_log_limit'])
    if not 1 <= params['max_rows'] <= MAX_ROWS:
        raise ValueError('max_rows: %d is not from 1 to %d' % (params['max_rows'], MAX_ROWS))
    if params['activity_log_limit'] > MAX_ROWS:
        raise ValueError('activity_log_limit: %d is more than %d' % (params['activity_log_limit'], MAX_ROWS))
    for option in ('client_name', 'description'):
        if params[option] is not None:
            pattern_arg(params[option], option)
    for option in ('ids', 'job_id'):
        values = params[option] if isinstance(params[option], list) else [params[option]]
        if any(value is not None and value < 0 for value in values):
            raise ValueError('%s: %r is not a whole number >= 0' % (option, params[option]))
    if params.get('tasks_file') is not None:
        check_tasks_file(params['tasks_file'])
    return since


def check_tasks_file(path):
    """A tasks_file that cannot be written fails before anything is sent (ValueError)."""
    if not path or not path.strip():
        raise ValueError('tasks_file: %r is not a file path' % (path,))
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        raise ValueError('tasks_file: %r: its folder %s does not exist' % (path, folder))
    if os.path.isdir(path):
        raise ValueError('tasks_file: %r is a folder, not a file' % (path,))


def _secret_forms(secrets):
    """Each no_log value as it may stand in a JSON line: as is and JSON-escaped."""
    forms = set()
    for secret in secrets or ():
        if secret:
            forms.add(secret)
            forms.add(json.dumps(secret, ensure_ascii=False)[1:-1])
            forms.add(json.dumps(secret)[1:-1])
    return [form for form in forms if form]


def _task_line(task, secrets, forms):
    """One task as one line of UTF-8 JSON, masked as exit_json would mask it."""
    text = json.dumps(task, ensure_ascii=False)
    if any(form in text for form in forms):     # never expected: the client's rows are masked already
        task = remove_values(task, secrets)
        text = json.dumps(task, ensure_ascii=False)
    try:
        return text.encode('utf-8') + b'\n'
    except UnicodeEncodeError:     # a lone surrogate from undecodable output: escaped, as exit_json does
        return json.dumps(task).encode('ascii') + b'\n'


def write_tasks(path, tasks, secrets=()):
    """Write `tasks` to `path` as JSON Lines, mode 0600, atomically (a temporary file in the same
    folder, renamed into place; removed on any error). One line at a time. Returns (count, the
    SHA-1 hex of the bytes written). Errors are ValueError naming the option and the path."""
    folder = os.path.dirname(os.path.abspath(path))
    forms = _secret_forms(secrets)
    try:
        handle, temporary = tempfile.mkstemp(dir=folder, prefix='.%s.' % os.path.basename(path), suffix='.tmp')
    except OSError as exc:
        raise ValueError('tasks_file: %r: cannot write into %s: %s' % (path, folder, exc.strerror or exc))
    count = 0
    digest = hashlib.sha1()     # the checksum stat and fetch give a file; it guards against a stale copy
    done = False
    try:
        with os.fdopen(handle, 'wb') as out:
            os.fchmod(out.fileno(), 0o600)
            for task in tasks:
                line = _task_line(task, secrets, forms)
                digest.update(line)
                out.write(line)
                count += 1
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, path)
        done = True
    except OSError as exc:
        raise ValueError('tasks_file: %r could not be written: %s' % (path, exc.strerror or exc))
    finally:
        if not done:    # no half file: the temporary one goes, whatever stopped the writing
            try:
                os.unlink(temporary)
            except OSError:
                pass
    return count, digest.hexdigest()


def read_to_file(read, path, secrets=()):
    """work() for run_guarded: read(), then its tasks go to `path` and the result keeps none."""
    def work():
        result = read()
        tasks = result['tasks']
        result['tasks'] = []
        result['task_count'], result['tasks_checksum'] = write_tasks(path, tasks, secrets)
        result['tasks_file'] = path
        return result
    return work


def main():
    argument_spec = dict(
        types=dict(type='list', elements='str', choices=list(TASK_TYPES), default=list(TASK_TYPES)),
        scope=dict(type='str', choices=['active', 'completed', 'all'], default='all'),
        since=dict(type='str', default='24h'),
        ids=dict(type='list', elements='int'),
        states=dict(type='list', elements='str'),
        client_name=dict(type='str'),
        session_type=dict(type='str', choices=['Admin', 'Node', 'Server']),
        description=dict(type='str'),
        job_id=dict(type='int'),
        activity_log=dict(type='bool', default=False),
        activity_log_limit=dict(type='int', default=50),
        max_rows=dict(type='int', default=DEFAULT_MAX_ROWS),
        include_raw=dict(type='bool', default=True),
        tasks_file=dict(type='path'),
    )
    argument_spec.update(FLEET_ARGUMENT_SPEC)
    module = SpModule(argument_spec)
    try:
        since = check_options(module.params)
    except ValueError as exc:
        module.fail(str(exc))
    reader = TaskReader(module.make_fleet(), module.params, since)
    work = reader.read
    if module.params['tasks_file'] is not None:
        work = read_to_file(reader.read, module.params['tasks_file'], module.no_log_values)
    module.run_guarded(work, warnings=reader.warnings)


if __name__ == '__main__':
    main()
