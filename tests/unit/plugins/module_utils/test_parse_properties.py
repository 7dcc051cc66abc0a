# -*- coding: utf-8 -*-
# Copyright: spectrum_protect.operations contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Issue 11: every parser, fed arbitrary and mutated real outputs, returns records or raises a
classified error (ParseError, a ValueError) - never any other exception."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import os

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ansible_collections.spectrum_protect.operations.plugins.module_utils import _tasks as model
from ansible_collections.spectrum_protect.operations.plugins.module_utils._parse import (
    DateReader,
    ParseError,
    parse_bytes,
    parse_messages,
    parse_output,
    parse_timestamp,
    parse_wait,
    split_routed,
    timestamp_candidates,
    to_int,
    to_number,
)

FIXTURES = os.path.join(os.path.dirname(__file__), '..', '..', 'fixtures')
SAMPLES = []
for folder in ('dsmadmc', 'forms'):
    for name in sorted(os.listdir(os.path.join(FIXTURES, folder))):
        with open(os.path.join(FIXTURES, folder, name)) as handle:
            SAMPLES.append(handle.read())

SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
# Text made of the pieces real output is made of, so mutations reach deep into each parser.
PIECES = st.sampled_from(['ANR1687I ', 'ANR1688I ', 'ANR1694I Server ', 'ANR1697I ', 'ANS8001I Return code 11.',
                          "Output for command 'Q' issued against server ", 'follows:', 'completed.', 'SPOKE1',
                          ': ', ':', '\n', '\n\n', '   ', '\t', ',', '"', '-----  ----', 'Sess Number', 'Job Id',
                          'Enter your password: ', 'more...   (<ENTER> to continue', '\r', 'Version 8, Release 1, Level 21.000',
                          '05/11/2026 01:00:00', '25.11.26   02.30.00', '1.024', '18,8 K', '\x1b', 'x'])
TEXT = st.one_of(st.text(max_size=400), st.lists(PIECES, max_size=60).map(''.join))


def mutate(sample, data):
    """A real sample with a slice cut out, repeated, or replaced by arbitrary text."""
    if not sample:
        return sample
    start = data.draw(st.integers(0, len(sample) - 1))
    end = data.draw(st.integers(start, min(len(sample), start + 80)))
    how = data.draw(st.sampled_from(['cut', 'repeat', 'replace']))
    if how == 'cut':
        return sample[:start] + sample[end:]
    if how == 'repeat':
        return sample[:end] + sample[start:end] + sample[end:]
    return sample[:start] + data.draw(TEXT) + sample[end:]


def every_parser(text):
    for mode in ('list', 'table', 'comma', 'tab'):
        try:
            parse_output(text, mode)
        except ParseError:
            pass
    try:
        routed = split_routed(text, ['SPOKE1', 'SPOKE2'])
    except ParseError:
        routed = None
    if routed is not None:
        for section in routed.sections:
            try:
                parse_output(section['text'], 'list', entries=section.get('entries'))
            except ParseError:
                pass
    parse_messages(text)


@SETTINGS
@given(TEXT)
def test_arbitrary_text(text):
    every_parser(text)


@SETTINGS
@given(st.sampled_from(SAMPLES), st.data())
def test_mutated_real_outputs(sample, data):
    every_parser(mutate(sample, data))


@SETTINGS
@given(st.text(max_size=40))
def test_value_readers_classify_everything(value):
    for reader in (to_int, to_number, parse_bytes, parse_wait, parse_timestamp, timestamp_candidates):
        try:
            reader(value)
        except ParseError:
            pass
    reader = DateReader([value])
    reader.read(value)      # never raises: an unreadable date is None with a reason


@SETTINGS
@given(st.dictionaries(st.sampled_from(['Job Id', 'JOB ID', 'Status', 'Begin Date/Time', 'End Date/Time',
                                        'Completion State', 'Job Type', 'x']), st.text(max_size=30), max_size=8))
def test_job_records_become_tasks_or_a_record_error(record):
    try:
        task = model.job_task('S', record)
    except model.RecordError:
        return
    assert isinstance(task['id'], int)
