# -*- coding: utf-8 -*-
# Copyright: spectrum_protect.operations contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type


class ModuleDocFragment(object):
    """The per-server fan-out: one server, or a fleet reached by command routing from a hub."""

    DOCUMENTATION = r'''
options:
  route_to:
    description:
      - Server names to reach through command routing from O(server) (a hub), for example
        V([HUB, SPOKE1, SPOKE2]). Include the hub itself to work on its tasks too.
      - Without it the module works on O(server) alone, with no routing prefix.
      - "Every read is one routed command for the whole fleet. A command that changes a task is
        routed to the one server that holds the task (C(SPOKE1: CANCEL SESSION 2203))."
      - A target that cannot be reached or fails is reported in RV(servers) with its error and the
        others go on. A read that runs out of O(timeout) (a hanging target holds up the hub's answer)
        is sent again to each target on its own, so only the hanging target is reported; later reads
        go to each target on its own, and a target that timed out is not asked again. A command that
        changes something is never sent twice.
      - Command routing needs the same administrator ID and password on every target.
    type: list
    elements: str
'''
