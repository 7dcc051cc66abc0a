# -*- coding: utf-8 -*-
# Copyright: spectrum_protect.operations contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type


class ModuleDocFragment(object):
    """Options shared by the modules that act on tasks: the breadth guard and the waiter."""

    DOCUMENTATION = r'''
options:
  max_tasks:
    description:
      - Refuse, before any command is sent, to act on more tasks than this. The error names how
        many tasks matched on each server. Raise it on purpose for a broad selection.
    type: int
    default: 50
  wait:
    description:
      - Wait until the server has finished what the command started (the task ended, the job
        reached the wanted state), reading the tasks again every O(poll_interval) seconds.
      - Without it the module returns once the commands are accepted; what is still under way is
        listed in RV(pending).
      - Never waits in check mode, where nothing is sent.
    type: bool
    default: false
  wait_timeout:
    description:
      - With O(wait), how many seconds to wait at most. At the timeout the module fails and names
        every task that is still pending, with its state.
    type: int
    default: 300
  poll_interval:
    description: With O(wait), seconds between two reads of the tasks.
    type: int
    default: 5
notes:
  - The module reads the tasks, decides for each one from its state alone whether there is nothing
    to do, an action to take, or an impossible transition, and only then sends commands. A task that
    already ended or is already in the wanted state is left alone (C(changed=false)); an impossible
    transition fails the module before any command is sent. Idempotency never depends on the message
    IDs a command answers with.
  - A cancel already requested earlier (by this module or anyone) and still under way is recognised
    from the server's command log (C(ANR2017I) records of C(CANCEL) commands issued after the task
    started) and is not sent again.
  - With O(route_to), a server that cannot be read or acted on is reported in RV(servers) and the others
    go on; the module then fails, with what was done elsewhere in the result.
'''
