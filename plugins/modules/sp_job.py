#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: spectrum_protect.operations contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

DOCUMENTATION = r'''
---
module: sp_job
short_description: Interrupt, resume and terminate retention jobs of Spectrum Protect servers
version_added: 0.2.0
description:
  - Interrupts, resumes or terminates the retention jobs of one IBM Spectrum Protect (IBM Storage
    Protect) server V8.1.12 or later, or of servers reached through command routing from a hub, as
    the Operations Center Tasks page does (C(INTERRUPT JOB), C(RESUME JOB), C(TERMINATE JOB)).
  - V(interrupted) - Running or Sleeping retention jobs. The job is INTERRUPTING while its processes
    stop, then Interrupted; with O(wait) the module waits for both and returns the processes that
    stopped. An interrupted job stays Interrupted until it is resumed.
  - V(resumed) - Interrupted retention jobs only. The job becomes Sleeping and runs again when its
    storage rule next starts processing (not at once).
  - V(terminated) - final, nothing can restart a terminated job, so it needs O(confirm_terminate=true).
  - A job already in the wanted state is left alone (C(changed=false)). An impossible transition
    (resume a Terminated or Completed job, interrupt a finished one, any of these on a storage-rule
    job) fails the module before any command is sent, naming the job, its state and why.
  - Servers before V8.1.12 have no jobs; the module reports such a server as failed (decided from the
    version C(QUERY STATUS) reports) and sends it nothing.
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
    description: The state the selected jobs should reach.
    type: str
    choices: [interrupted, resumed, terminated]
    required: true
  id:
    description: The job ID. With O(route_to), the job of that ID on every target. Finished jobs are selected too.
    type: int
  ids:
    description: Job IDs (per server, as O(id)).
    type: list
    elements: int
  name:
    description: Only jobs whose name matches (the retention set or storage rule); C(*) and C(?) wildcards.
    type: str
  job_type:
    description: Only jobs of this type, for example V(RETENTION); C(*) and C(?) wildcards, case-insensitive.
    type: str
  states:
    description:
      - Only jobs in these states, by the Tasks page's names (V(Running), V(Sleeping), V(Interrupted),
        V(Completed), V(Warning), V(Failed), V(Terminated)).
      - Selected by O(name), O(job_type) or O(states), only active jobs are considered unless O(states)
        names a finished state.
    type: list
    elements: str
  confirm_terminate:
    description:
      - Must be V(true) with O(state=terminated). C(TERMINATE JOB) is final; nothing can restart the job.
    type: bool
    default: false
notes:
  - At least one selector (O(id), O(ids), O(name), O(job_type) or O(states)) is required.
  - "[DECIDED] command syntax: C(INTERRUPT JOB job_id) and C(TERMINATE JOB job_id) are named but not
    documented publicly; C(RESUME JOB job_id) is documented (8.2.2). The Tasks page terminates Retention
    Set jobs from its Retention Sets page with a command that is not documented publicly."
seealso:
  - module: spectrum_protect.operations.sp_task_info
  - module: spectrum_protect.operations.sp_process
  - name: Operations Center Tasks page
    description: The page whose Interrupt, Resume and Terminate actions this module brings to Ansible.
    link: https://www.ibm.com/docs/en/storage-protect
'''

EXAMPLES = r'''
- name: Interrupt all retention jobs of one spoke before tape maintenance, and wait for their processes
  spectrum_protect.operations.sp_job:
    server: HUB
    route_to: [SPOKE1]
    job_type: RETENTION
    state: interrupted
    wait: true
    wait_timeout: 600
  register: paused

- name: Resume exactly the jobs that were interrupted above
  spectrum_protect.operations.sp_job:
    server: HUB
    route_to: [SPOKE1]
    ids: "{{ paused.interrupted | map(attribute='id') | list }}"
    state: resumed
  when: paused.interrupted | length > 0

- name: Resume every interrupted retention job of the fleet
  spectrum_protect.operations.sp_job:
    server: HUB
    route_to: [HUB, SPOKE1, SPOKE2]
    job_type: RETENTION
    states: [Interrupted]
    state: resumed

- name: Terminate a retention job that can never complete
  spectrum_protect.operations.sp_job:
    server: SPOKE2
    id: 32
    state: terminated
    confirm_terminate: true
'''

RETURN = r'''
interrupted:
  description: With O(state=interrupted), the jobs this run interrupted (in check mode, would interrupt).
  returned: when O(state=interrupted)
  type: list
  elements: dict
  sample:
    - {server: SPOKE1, id: 21, state: Running, job_name: RETSET_7_COPY, job_type: RETENTION,
       command: INTERRUPT JOB 21}
resumed:
  description: With O(state=resumed), the jobs this run resumed (in check mode, would resume).
  returned: when O(state=resumed)
  type: list
  elements: dict
terminated:
  description: With O(state=terminated), the jobs this run terminated (in check mode, would terminate).
  returned: when O(state=terminated)
  type: list
  elements: dict
pending:
  description:
    - Jobs still on their way when the module returns (INTERRUPTING, TERMINATING, or processes still
      running), with C(state) and C(reason).
  returned: always
  type: list
  elements: dict
stopped_processes:
  description: The processes of the acted-on jobs that stopped (listed before, gone after), C(server), C(id), C(job_id), C(description).
  returned: always
  type: list
  elements: dict
not_found:
  description: IDs of O(id)/O(ids) that no server lists.
  returned: always
  type: list
  elements: int
tasks:
  description:
    - Every selected job as read before acting, with C(state_before), C(state_after), C(plan), C(reason),
      C(notes) and C(error).
  returned: always
  type: list
  elements: dict
diff:
  description: Per server, each selected job's state before and after.
  returned: always
  type: dict
  sample:
    before: {SPOKE1: {job 21: Running}}
    after: {SPOKE1: {job 21: Interrupted}}
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
  description: One line - how many jobs matched, were acted on, are still pending.
  returned: always
  type: str
'''

from ansible_collections.spectrum_protect.operations.plugins.module_utils._flow import JobFlow
from ansible_collections.spectrum_protect.operations.plugins.module_utils._module import (
    SpModule,
    action_argument_spec,
)


def main():
    argument_spec = action_argument_spec(dict(
        state=dict(type='str', choices=['interrupted', 'resumed', 'terminated'], required=True),
        id=dict(type='int'),
        ids=dict(type='list', elements='int'),
        name=dict(type='str'),
        job_type=dict(type='str'),
        states=dict(type='list', elements='str'),
        confirm_terminate=dict(type='bool', default=False),
    ))
    module = SpModule(argument_spec, mutually_exclusive=[['id', 'ids']])
    module.run_flow(JobFlow)


if __name__ == '__main__':
    main()
