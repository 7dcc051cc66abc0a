#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: spectrum_protect.operations contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

DOCUMENTATION = r'''
---
module: sp_session
short_description: Cancel sessions of Spectrum Protect servers, as the Operations Center Tasks page does
version_added: 0.2.0
description:
  - Cancels client sessions of one IBM Spectrum Protect (IBM Storage Protect) server, or of servers
    reached through command routing from a hub, selected by number or by the filters of
    M(spectrum_protect.operations.sp_task_info), with C(CANCEL SESSION).
  - Safe to run twice. A session that already ended is the goal reached, not an error; a session
    whose cancel is already under way is not cancelled again.
  - "The Tasks page's rules, each shown with the session it applies to in RV(tasks) (C(notes)) and,
    for what is still under way, in RV(pending): a Running session ends only when it next enters
    Send wait, SSL wait, Receive wait or Idle wait; an Idle wait session is re-established under a
    new number when its client sends again (a warning, and RV(reestablished) when it happens while
    the module waits); a Media wait session's mount request is cancelled with it, but a request that
    needs an operator reply holds the session until it is answered, cancelled or times out; a
    cancelled backup or archive is rolled back, which takes time (the session shows Ending)."
  - The module never cancels the administrative session of its own read.
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
    description: V(cancelled) cancels the selected sessions.
    type: str
    choices: [cancelled]
    default: cancelled
  id:
    description: The session number. With O(route_to), the session of that number on every target.
    type: int
  ids:
    description: Session numbers (per server, as O(id)).
    type: list
    elements: int
  all_node_sessions:
    description:
      - Cancel every client node session with one C(CANCEL SESSION ALL) per server (node sessions
        only; administrative and server-to-server sessions go on).
      - Counts against O(max_tasks) like single sessions. Cannot be combined with the other selectors.
    type: bool
  client_name:
    description: Only sessions of this client (node or administrator); C(*) and C(?) wildcards, case-insensitive.
    type: str
  session_type:
    description: Only sessions of this type.
    type: str
    choices: [Admin, Node, Server]
  states:
    description:
      - Only sessions in these states, by the Tasks page's names (case-insensitive) - V(Starting),
        V(Running), V(Ending), V(Idle wait), V(Media wait), V(Receive wait), V(Send wait), V(SSL wait).
    type: list
    elements: str
  min_wait_seconds:
    description: Only sessions that have been in their current state for at least this many seconds.
    type: int
notes:
  - At least one selector (O(id), O(ids), O(all_node_sessions), O(client_name), O(session_type),
    O(states) or O(min_wait_seconds)) is required, so that no task can select every session by accident.
  - Session numbers are per server. With O(route_to) and O(id), every target's session of that
    number is selected; route to one server to cancel one session.
seealso:
  - module: spectrum_protect.operations.sp_task_info
  - module: spectrum_protect.operations.sp_process
  - name: Operations Center Tasks page
    description: The page whose Cancel action this module brings to Ansible.
    link: https://www.ibm.com/docs/en/storage-protect
'''

EXAMPLES = r'''
- name: Cancel every Media-wait session waiting for more than an hour, on all spokes
  spectrum_protect.operations.sp_session:
    server: HUB
    route_to: [SPOKE1, SPOKE2, SPOKE3]
    states: [Media wait]
    min_wait_seconds: 3600
    state: cancelled
  register: stuck

- name: Cancel one session on one spoke and wait until it has ended
  spectrum_protect.operations.sp_session:
    server: HUB
    route_to: [SPOKE1]
    id: 2203
    wait: true
    wait_timeout: 120
    poll_interval: 5

- name: Cancel the idle sessions of the laptops
  spectrum_protect.operations.sp_session:
    server: SPOKE1
    session_type: Node
    client_name: LAPTOP*
    states: [Idle wait]

- name: Cancel every client node session of a server before maintenance (more than 50 on purpose)
  spectrum_protect.operations.sp_session:
    server: SPOKE2
    all_node_sessions: true
    max_tasks: 500
    wait: true
'''

RETURN = r'''
cancelled:
  description:
    - The sessions this run cancelled (the server accepted C(CANCEL SESSION)); in check mode, those
      it would cancel.
  returned: always
  type: list
  elements: dict
  sample:
    - {server: SPOKE1, id: 2203, state: Idle wait, client_name: LAPTOP17, session_type: Node,
       command: CANCEL SESSION 2203}
pending:
  description:
    - Sessions whose cancel (by this run or earlier) is still under way when the module returns,
      with their state and the rule that holds them (C(reason)).
  returned: always
  type: list
  elements: dict
  sample:
    - server: HUB1
      id: 1101
      state: Running
      reason: "Running: the session ends only when it next enters Send wait, SSL wait, Receive wait or Idle wait"
not_found:
  description: Numbers of O(id)/O(ids) that no server lists (the session ended already, or never existed).
  returned: always
  type: list
  elements: int
reestablished:
  description:
    - Sessions that a client re-established while the module waited, after it cancelled them in Idle
      wait - C(server), the new C(id), C(replaces) (the cancelled number), C(client_name), C(state).
  returned: always
  type: list
  elements: dict
tasks:
  description:
    - Every selected session as read before acting (the keys of M(spectrum_protect.operations.sp_task_info)'s
      tasks), with C(state_before), C(state_after) (V(ended) when it is no longer listed; in check mode the
      predicted state), C(plan) (V(none), V(act) or V(impossible)), C(reason), C(notes) (the page's rules
      that apply to it) and C(error).
  returned: always
  type: list
  elements: dict
diff:
  description: Per server, each selected session's state before and after (in check mode, the predicted state).
  returned: always
  type: dict
  sample:
    before: {SPOKE1: {session 2203: Idle wait}}
    after: {SPOKE1: {session 2203: ended}}
servers:
  description: Per server - C(name), C(version), C(jobs_supported), C(reachable), C(error).
  returned: always
  type: list
  elements: dict
waited:
  description: With O(wait) - C(seconds) waited and C(polls), the number of reads.
  returned: when O(wait=true) and not in check mode
  type: dict
commands:
  description:
    - The server commands that ran (reads and actions, routed ones with their prefix), in order.
    - The marks that end each exchange of the run's one client session, C(SELECT 'SPOPS' || 'token' AS MARK FROM STATUS), are not listed.
  returned: always
  type: list
  elements: str
msg:
  description: One line - how many sessions matched, were cancelled, are still pending.
  returned: always
  type: str
'''

from ansible_collections.spectrum_protect.operations.plugins.module_utils._flow import SessionFlow
from ansible_collections.spectrum_protect.operations.plugins.module_utils._module import (
    SpModule,
    action_argument_spec,
)


def main():
    argument_spec = action_argument_spec(dict(
        state=dict(type='str', choices=['cancelled'], default='cancelled'),
        id=dict(type='int'),
        ids=dict(type='list', elements='int'),
        all_node_sessions=dict(type='bool'),
        client_name=dict(type='str'),
        session_type=dict(type='str', choices=['Admin', 'Node', 'Server']),
        states=dict(type='list', elements='str'),
        min_wait_seconds=dict(type='int'),
    ))
    module = SpModule(argument_spec, mutually_exclusive=[['id', 'ids']])
    module.run_flow(SessionFlow)


if __name__ == '__main__':
    main()
