"""The waiter: polls until done, a timeout error that names what is pending, no waiting in check mode."""
import pytest

from ansible_collections.spectrum_protect.operations.plugins.module_utils._waiter import (
    NoWaiter, WaitTimeout, Waiter, waiter_for)


class Clock:
    def __init__(self):
        self.now = 100.0
        self.slept = []

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.slept.append(seconds)
        self.now += seconds


def test_polls_until_done_and_counts():
    clock = Clock()
    states = iter(['Running', 'Running', 'ended'])
    waiter = Waiter(timeout=60, interval=5, sleep=clock.sleep, clock=clock)
    assert waiter.wait(lambda: next(states), lambda s: s == 'ended', lambda s: [s]) == 'ended'
    assert clock.slept == [5, 5]
    assert (waiter.polls, waiter.seconds) == (3, 10)


def test_timeout_names_what_is_pending_and_keeps_the_last_state():
    clock = Clock()
    waiter = Waiter(timeout=12, interval=5, sleep=clock.sleep, clock=clock)
    with pytest.raises(WaitTimeout) as info:
        waiter.wait(lambda: 'Running', lambda s: False,
                    lambda s: ['session 1101 on HUB1 (%s)' % s, 'session 4401 on SPOKE3 (Media wait)'])
    error = info.value
    assert clock.slept == [5, 5, 2]          # never sleeps past the deadline
    assert 'wait_timeout: after 12 seconds these are still pending' in error.msg
    assert 'session 1101 on HUB1 (Running)' in error.msg and 'SPOKE3' in error.msg
    assert error.state == 'Running' and error.polls == 4 and error.seconds == 12


def test_done_at_once_does_not_sleep():
    clock = Clock()
    waiter = Waiter(timeout=60, interval=5, sleep=clock.sleep, clock=clock)
    assert waiter.wait(lambda: 'x', lambda s: True, lambda s: []) == 'x'
    assert clock.slept == [] and waiter.polls == 1


def test_no_waiter_reads_once():
    calls = []
    waiter = NoWaiter()
    assert waiter.wait(lambda: calls.append(1) or 'Running', lambda s: False, lambda s: ['x']) == 'Running'
    assert calls == [1] and waiter.waits is False


@pytest.mark.parametrize('params,check,kind', [
    ({'wait': True, 'wait_timeout': 30, 'poll_interval': 2}, False, Waiter),
    ({'wait': True, 'wait_timeout': 30, 'poll_interval': 2}, True, NoWaiter),     # check mode never waits
    ({'wait': False, 'wait_timeout': 30, 'poll_interval': 2}, False, NoWaiter),
])
def test_waiter_for(params, check, kind):
    assert isinstance(waiter_for(params, check), kind)


@pytest.mark.parametrize('option,value', [('wait_timeout', 0), ('poll_interval', -1), ('wait_timeout', None)])
def test_waiter_for_rejects_bad_numbers_naming_the_option(option, value):
    params = {'wait': True, 'wait_timeout': 30, 'poll_interval': 2}
    params[option] = value
    with pytest.raises(ValueError) as info:
        waiter_for(params)
    assert option in str(info.value) and repr(value) in str(info.value)
