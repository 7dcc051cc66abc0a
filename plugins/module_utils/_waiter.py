# -*- coding: utf-8 -*-
# Copyright: spectrum_protect.operations contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Waiting for a server to finish what a command started (the model: kubernetes.core's waiter).

PRIVATE to the spectrum_protect.operations collection: the interface may change in any release.

- WAIT_ARGUMENT_SPEC: the options every module that changes tasks takes (wait, wait_timeout,
  poll_interval).
- Waiter(timeout, interval).wait(poll, done, pending): poll until done, or raise WaitTimeout
  naming what is still pending.
- NoWaiter: one read, no waiting: for O(wait=false) and for check mode, where nothing was sent
  and so nothing can be waited for.
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import time

WAIT_ARGUMENT_SPEC = dict(
    wait=dict(type='bool', default=False),
    wait_timeout=dict(type='int', default=300),
    poll_interval=dict(type='int', default=5),
)


class WaitTimeout(Exception):
    """The wait ran out: `pending` describes what is still not done, `state` is the last read."""

    def __init__(self, msg, pending, state, seconds, polls):
        super(WaitTimeout, self).__init__(msg)
        self.msg = msg
        self.pending = pending
        self.state = state
        self.seconds = seconds
        self.polls = polls


class Waiter(object):
    """Reads again every `interval` seconds until `done(state)`, for at most `timeout` seconds."""

    waits = True

    def __init__(self, timeout, interval, sleep=time.sleep, clock=time.monotonic):
        self.timeout = timeout
        self.interval = interval
        self.sleep = sleep
        self.clock = clock
        self.seconds = 0
        self.polls = 0

    def wait(self, poll, done, pending):
        """poll() -> state; done(state) -> bool; pending(state) -> list of texts, one per thing
        not done yet. Returns the state that is done; raises WaitTimeout at the timeout."""
        start = self.clock()
        deadline = start + self.timeout
        state = poll()
        self.polls = 1
        while not done(state):
            remaining = deadline - self.clock()
            if remaining <= 0:
                self.seconds = int(round(self.clock() - start))
                still = pending(state)
                raise WaitTimeout('wait_timeout: after %d seconds %s still pending: %s'
                                  % (self.timeout, 'this is' if len(still) == 1 else 'these are',
                                     '; '.join(still)), still, state, self.seconds, self.polls)
            self.sleep(min(self.interval, remaining))
            state = poll()
            self.polls += 1
        self.seconds = int(round(self.clock() - start))
        return state


class NoWaiter(object):
    """No waiting: the state is read once (or not at all in check mode, where the flow stops
    before anything is sent)."""

    waits = False
    seconds = 0
    polls = 0

    def wait(self, poll, done, pending):
        self.polls = 1
        return poll()


def waiter_for(params, check_mode=False):
    """The waiter for a module's wait options; NoWaiter without `wait` and in check mode.

    Raises ValueError naming the option when wait_timeout or poll_interval is not positive."""
    for option in ('wait_timeout', 'poll_interval'):
        if params.get(option) is None or params[option] <= 0:
            raise ValueError('%s: %r is not a number of seconds > 0' % (option, params.get(option)))
    if check_mode or not params.get('wait'):
        return NoWaiter()
    return Waiter(params['wait_timeout'], params['poll_interval'])
