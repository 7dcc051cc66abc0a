#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: spectrum_protect.operations contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

DOCUMENTATION = r'''
---
module: sp_process
short_description: Cancel server processes of Spectrum Protect servers, as the Operations Center Tasks page does
version_added: 0.2.0
description:
  - Cancels server processes of one IBM Spectrum Protect (IBM Storage Protect) server, or of servers
    reached through command routing from a hub, selected by number or by description, job or parent
    process, with C(CANCEL PROCESS).
  - Safe to run twice. A process that already ended is the goal reached, not an error; a process
    whose cancel is already under way is not cancelled again.
  - "The Tasks page's rules: cancelling a process that a retention job manages interrupts the job (a
    warning, and the job in RV(interrupted_jobs)); it stays Interrupted until it is resumed with
    M(spectrum_protect.operations.sp_job). A process of another job type is cancelled and its job goes on."
  - A process waiting for a tape mount ends only once its mount request is answered, cancelled or
    times out. With O(cancel_mount_request) (the default) the module cancels, with C(CANCEL REQUEST), a
    pending mount request that still holds a cancelled process (C(QUERY REQUEST) lists them). A volume
    that is being mounted is waited for; the process ends when the mount completes.
author:
  - spectrum_protect.operations contributors (@spectrum-protect-operations)
extends_documentation_fragment:
  - spectrum_protect.operations.connection
  - spectrum_protect.operations.fleet
  - spectrum_protect.operations.actions
  - spectrum_protect.operations.attributes
  - spectrum_protect.operations.attributes.action_module
options:
  state:
    description: V(cancelled) cancels the selected processes.
    type: str
    choices: [cancelled]
    default: cancelled
  id:
    description: The process number. With O(route_to), the process of that number on every target.
    type: int
  ids:
    description: Process numbers (per server, as O(id)).
    type: list
    elements: int
  description:
    description:
      - Only processes whose description matches, for example V(Space Reclamation) or V(Retention*);
        C(*) and C(?) wildcards, case-insensitive.
    type: str
  job_id:
    description: Only the processes that this job manages (servers V8.1.12 and later).
    type: int
  parent_process:
    description: Only the processes that this process started (servers V8.1.12 and later).
    type: int
  cancel_mount_request:
    description:
      - Cancel (C(CANCEL REQUEST)) a pending mount request that still holds a cancelled process, so that
        it can end. A request that needs no operator reply is cancelled by the server with the process.
      - With V(false), such a process ends only when the request is answered or times out; it is
        listed in RV(pending).
    type: bool
    default: true
notes:
  - At least one selector (O(id), O(ids), O(description), O(job_id) or O(parent_process)) is required.
  - Process numbers are per server. With O(route_to) and O(id), every target's process of that
    number is selected; route to one server to cancel one process.
seealso:
  - module: spectrum_protect.operations.sp_task_info
  - module: spectrum_protect.operations.sp_job
  - name: Operations Center Tasks page
    description: The page whose Cancel action this module brings to Ansible.
    link: https://www.ibm.com/docs/en/storage-protect
'''

EXAMPLES = r'''
- name: Cancel a runaway reclamation and wait until it has stopped
  spectrum_protect.operations.sp_process:
    server: SPOKE1
    description: Space Reclamation
    state: cancelled
    wait: true
    wait_timeout: 600

- name: Cancel process 505 on the hub through routing, but leave its tape mount request to the operator
  spectrum_protect.operations.sp_process:
    server: HUB
    route_to: [HUB]
    id: 505
    cancel_mount_request: false

- name: Cancel the copy processes of retention job 7 (this interrupts the job)
  spectrum_protect.operations.sp_process:
    server: HUB
    job_id: 7
  register: cancelled

- name: Show the jobs that the cancel interrupted
  ansible.builtin.debug:
    var: cancelled.interrupted_jobs
'''

RETURN = r'''
cancelled:
  description: The processes this run cancelled; in check mode, those it would cancel.
  returned: always
  type: list
  elements: dict
  sample:
    - {server: HUB1, id: 505, state: Running, description: Space Reclamation, command: CANCEL PROCESS 505}
pending:
  description: Processes whose cancel is still under way when the module returns, with C(state) and C(reason).
  returned: always
  type: list
  elements: dict
not_found:
  description: Numbers of O(id)/O(ids) that no server lists (the process ended already, or never existed).
  returned: always
  type: list
  elements: int
interrupted_jobs:
  description:
    - Jobs that the cancel interrupts - retention jobs whose process was cancelled (the page's rule) and
      any job the server shows interrupted since - with C(server), C(id), C(job_name), C(job_type),
      C(state) (as read back) and C(by_process).
  returned: always
  type: list
  elements: dict
  sample:
    - {server: HUB1, id: 7, job_name: RETSET_41_COPY, job_type: RETENTION, state: Interrupted, by_process: 510}
mount_requests:
  description:
    - Mount requests of the selected processes (C(QUERY REQUEST)) - C(server), C(id), C(volume),
      C(process), C(needs_reply), C(cancelled) (this run cancelled it; in check mode, would).
  returned: always
  type: list
  elements: dict
tasks:
  description:
    - Every selected process as read before acting, with C(state_before), C(state_after) (V(ended) when it
      is no longer listed), C(plan), C(reason), C(notes) and C(error).
  returned: always
  type: list
  elements: dict
diff:
  description: Per server, each selected process's state before and after.
  returned: always
  type: dict
servers:
  description: Per server - C(name), C(version), C(jobs_supported), C(reachable), C(error).
  returned: always
  type: list
  elements: dict
waited:
  description: With O(wait) - C(seconds) waited and C(polls).
  returned: when O(wait=true) and not in check mode
  type: dict
commands:
  description:
    - The server commands that ran, in order.
    - The marks that end each exchange of the run's one client session, C(SELECT 'SPOPS' || 'token' AS MARK FROM STATUS), are not listed.
  returned: always
  type: list
  elements: str
msg:
  description: One line - how many processes matched, were cancelled, are still pending.
  returned: always
  type: str
'''

from ansible_collections.spectrum_protect.operations.plugins.module_utils._flow import ProcessFlow
from ansible_collections.spectrum_protect.operations.plugins.module_utils._module import (
    SpModule,
    action_argument_spec,
)


def main():
    argument_spec = action_argument_spec(dict(
        state=dict(type='str', choices=['cancelled'], default='cancelled'),
        id=dict(type='int'),
        ids=dict(type='list', elements='int'),
        description=dict(type='str'),
        job_id=dict(type='int'),
        parent_process=dict(type='int'),
        cancel_mount_request=dict(type='bool', default=True),
    ))
    module = SpModule(argument_spec, mutually_exclusive=[['id', 'ids']])
    module.run_flow(ProcessFlow)


if __name__ == '__main__':
    main()
