# -*- coding: utf-8 -*-
# Copyright: spectrum_protect.operations contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""_dsmadmc._gather: Popen.communicate for a client whose output may be a whole fleet's answers,
gathered in one growing buffer (issue 10, memory)."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import subprocess
import sys
import time

from ansible_collections.spectrum_protect.operations.plugins.module_utils import _dsmadmc

ECHO_BIG = r'''
import sys
data = sys.stdin.read()
sys.stderr.write("read %d\n" % len(data))
line = ("x" * 99 + "\n")
for _ in range(40000):
    sys.stdout.write(line)
sys.stdout.write(data)
'''

HANG = r'''
import sys, time
sys.stdout.write("first answer\n")
sys.stdout.flush()
time.sleep(60)
'''


def start(script):
    return subprocess.Popen([sys.executable, '-c', script], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, start_new_session=True)


def test_writes_the_input_and_reads_every_byte_of_a_large_output():
    commands = ''.join('QUERY SESSION %d\n' % n for n in range(3000)).encode()    # more than a pipe holds
    proc = start(ECHO_BIG)
    out, err, timed_out = _dsmadmc._gather(proc, commands, 60)
    assert timed_out is False and proc.returncode == 0
    assert isinstance(out, bytearray) and len(out) == 40000 * 100 + len(commands)
    assert out.endswith(commands) and err == b'read %d\n' % len(commands)


def test_a_client_that_hangs_is_killed_at_the_budget_and_keeps_what_it_printed():
    proc = start(HANG)
    started = time.monotonic()
    out, _err, timed_out = _dsmadmc._gather(proc, b'secret\n', 1.5)
    assert timed_out is True and proc.returncode is not None and proc.returncode < 0
    assert bytes(out) == b'first answer\n'
    assert time.monotonic() - started < 10


def test_no_input_closes_the_client_input_at_once():
    proc = start('import sys; sys.stdout.write(str(len(sys.stdin.read())))')
    out, _err, timed_out = _dsmadmc._gather(proc, None, 30)
    assert (bytes(out), timed_out, proc.returncode) == (b'0', False, 0)
