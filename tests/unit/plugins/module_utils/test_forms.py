# -*- coding: utf-8 -*-
# Copyright: spectrum_protect.operations contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Issue 6: every form a real client prints, by class: dates, times, numbers, labels, wrapped lines,
prompts. Samples are hand-written in the real formats (tests/unit/fixtures/forms)."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import datetime
import os

import pytest

from ansible_collections.spectrum_protect.operations.plugins.module_utils import _tasks as model
from ansible_collections.spectrum_protect.operations.plugins.module_utils._parse import (
    DateReader,
    ParseError,
    parse_bytes,
    parse_list,
    parse_messages,
    split_routed,
    timestamp_candidates,
    to_int,
    to_number,
)

FORMS = os.path.join(os.path.dirname(__file__), '..', '..', 'fixtures', 'forms')
NOW = datetime.datetime(2026, 11, 25, 9, 0, 0)


def fixture(name):
    with open(os.path.join(FORMS, name)) as handle:
        return handle.read()


# --- dates and times -----------------------------------------------------------------------------

@pytest.mark.parametrize('value, expected', [
    # DATEFORMAT 1..5 with TIMEFORMAT 1..3, unambiguous days
    ('11/24/2026 14:30:05', '2026-11-24T14:30:05'),
    ('24-11-2026 14:30:05', '2026-11-24T14:30:05'),
    ('2026-11-24 14:30:05', '2026-11-24T14:30:05'),
    ('24.11.2026 14.30.05', '2026-11-24T14:30:05'),
    ('2026.11.24 14,30,05', '2026-11-24T14:30:05'),
    # two-digit years, blanks between date and time (Windows servers)
    ('25.11.26   02:30:00', '2026-11-25T02:30:00'),
    ('11/24/26   14:30:05', '2026-11-24T14:30:05'),
    # TIMEFORMAT 4 and the A/P-first form
    ('11/24/2026 02:30:05 PM', '2026-11-24T14:30:05'),
    ('11/24/2026 12:00:00 AM', '2026-11-24T00:00:00'),
    ('11/24/2026 P 02:30:05', '2026-11-24T14:30:05'),
    # SQL
    ('2026-11-24 14:30:05.000000', '2026-11-24T14:30:05'),
    ('2026-11-24-14.30.05.000000', '2026-11-24T14:30:05'),
])
def test_every_dateformat_and_timeformat(value, expected):
    assert DateReader([value], NOW).read(value) == expected


def test_the_other_dates_of_the_answer_settle_day_and_month():
    # 24/11 can only be DD/MM: then 05/11 is 5 November, not 11 May
    reader = DateReader(['05/11/2026 01:00:00', '24/11/2026 01:00:00'], NOW)
    assert reader.read('05/11/2026 01:00:00') == '2026-11-05T01:00:00'
    # 11/24 can only be MM/DD: then 05/11 is 11 May
    reader = DateReader(['05/11/2026 01:00:00', '11/24/2026 01:00:00'], NOW)
    assert reader.read('05/11/2026 01:00:00') == '2026-05-11T01:00:00'
    assert reader.problems == []


def test_the_server_time_settles_day_and_month():
    # read as DD/MM, 11/12 would be 11 December: after the server's own time, so it is MM/DD
    reader = DateReader(['11/12/2026 01:00:00', '11/05/2026 01:00:00'], NOW)
    assert reader.read('11/05/2026 01:00:00') == '2026-11-05T01:00:00'


def test_an_ambiguous_date_is_left_empty_with_a_reason_never_guessed():
    reader = DateReader(['05/11/2026 01:00:00'], NOW)
    assert reader.read('05/11/2026 01:00:00') is None
    [problem] = reader.problems
    assert '2026-05-11T01:00:00 or 2026-11-05T01:00:00' in problem


def test_a_day_and_month_that_are_equal_need_no_order():
    assert DateReader(['11/11/2026 01:00:00'], NOW).read('11/11/2026 01:00:00') == '2026-11-11T01:00:00'


@pytest.mark.parametrize('value', ['13/45/2024 09:38:27', '2026-02-30 10:00:00', 'yesterday', '26.11.25.1 1:00'])
def test_a_value_that_is_no_date_is_left_empty_with_a_reason(value):
    reader = DateReader([value, '11/24/2026 01:00:00'], NOW)
    assert reader.read(value) is None
    assert repr(value) in reader.problems[0]


def test_candidates_follow_the_documented_orders():
    assert set(timestamp_candidates('05.11.2026 01:00:00')) == {'DMY'}     # DATEFORMAT 4
    assert set(timestamp_candidates('05-11-2026 01:00:00')) == {'DMY'}     # DATEFORMAT 2
    assert set(timestamp_candidates('05/11/2026 01:00:00')) == {'DMY', 'MDY'}
    with pytest.raises(ParseError):
        timestamp_candidates('26.11.05 01:00:00 extra')


# --- numbers -------------------------------------------------------------------------------------

@pytest.mark.parametrize('value, expected', [
    ('1,024', 1024), ('1.024', 1024), ('1 024', 1024), ("1'024", 1024), ('1\u00a0024', 1024),
    ('2,096,671', 2096671), ('2.096.671', 2096671), ('36775', 36775),
])
def test_integers_in_every_numberformat(value, expected):
    assert to_int(value) == expected


@pytest.mark.parametrize('value', ['1.5', '1,02', '1.024,5', '1,024.024.1'])
def test_a_decimal_or_a_broken_group_is_no_integer(value):
    with pytest.raises(ParseError):
        to_int(value)


@pytest.mark.parametrize('value, expected', [
    ('2,096,671.99', 2096671.99), ('2,096,671,99', None), ('2 096 671,99', 2096671.99),
    ('2 096 671.99', 2096671.99), ('2.096.671,99', 2096671.99), ("2'096'671,99", 2096671.99),
    ('18,8', 18.8), ('18.8', 18.8),
])
def test_decimals_in_every_numberformat(value, expected):
    if expected is None:          # NUMBERFORMAT 2 (1,000,00): the last comma is the decimal mark
        assert to_number(value) == 2096671.99
    else:
        assert to_number(value) == expected


def test_scaled_byte_counts_in_every_numberformat():
    assert parse_bytes('18,8 K') == parse_bytes('18.8 K') == 19251
    assert parse_bytes('1.024,5 M') == parse_bytes('1,024.5 M') == parse_bytes('1 024,5 M') == int(round(1024.5 * 1024 ** 2))


# --- labels --------------------------------------------------------------------------------------

@pytest.mark.parametrize('a, b', [
    ('Job Id', 'Job ID'), ('Job Id', 'JOB ID'), ('Sess Number', 'Session Number'), ('Bytes Recvd', 'Bytes Received'),
    ('Process Number', 'PROCESS NUMBER'), ('Process Number', 'Process No.'), ('Sess State', 'Session State'),
])
def test_label_spellings_read_the_same(a, b):
    assert model.normal_label(a) == model.normal_label(b)


def test_jobs_with_other_label_spellings_and_status_words():
    rows = parse_list(fixture('q_job_labels_alt.txt')).rows
    jobs = [model.job_task('S', row, NOW) for row in rows]
    assert [job['id'] for job in jobs] == [7, 8]
    assert jobs[0]['outcome'] == 'failed' and jobs[0]['state'] == 'Failed'          # a FAILED status word
    assert jobs[0]['duration_seconds'] == 3600
    assert jobs[1]['outcome'] is None and jobs[1]['evidence_needed'] is True        # COMPLETED proves nothing alone


def test_a_record_without_a_usable_id_is_an_error_naming_its_labels():
    rows = parse_list(fixture('q_job_no_id.txt')).rows
    with pytest.raises(model.RecordError) as caught:
        model.job_task('S', rows[0], NOW)
    assert 'Job Type' in str(caught.value) and 'Status' in str(caught.value)
    assert model.job_task('S', rows[1], NOW)['id'] == 9


def test_two_digit_year_jobs_with_grouped_ids():
    rows = parse_list(fixture('q_job_ddmmyy.txt')).rows
    reader = DateReader([model.field(row, name) for row in rows for name in ('begin', 'end')], NOW)
    jobs = [model.job_task('WIN1', row, NOW, reader) for row in rows]
    assert [job['id'] for job in jobs] == [1024, 1025]
    assert (jobs[0]['start_time'], jobs[0]['end_time']) == ('2026-11-25T02:30:00', '2026-11-25T03:10:00')
    assert jobs[0]['outcome'] == 'successful' and jobs[0]['state'] == 'Completed'
    assert jobs[1]['start_time'] == '2026-11-24T22:00:00' and jobs[1]['state'] == 'Sleeping'


# --- wrapped lines and prompts -------------------------------------------------------------------

def test_routing_lines_wrapped_anywhere_still_frame_each_server():
    routed = split_routed(fixture('routed_wrapped.txt'), ['HUB1', 'SPOKE1'])
    assert routed.routed is True
    assert [section['server'] for section in routed.sections] == ['HUB1', 'SPOKE1']
    assert [section['status'] for section in routed.sections] == ['successful', 'successful']
    assert routed.summary == {'servers': 2, 'successful': 2, 'warnings': 0, 'errors': 0}
    rows = [parse_list(section['text']).rows for section in routed.sections]
    assert [r[0]['SESSION_ID'] for r in rows] == ['12', '1,024']
    assert routed.sections[0]['command'] == 'SELECT S.*, CURRENT_TIMESTAMP AS SERVER_TIME FROM SESSIONS S'


def test_a_long_message_wrapped_by_the_console_is_one_message():
    text = ('ANR0985I Process 12 for SPACE RECLAMATION running in the BACKGROUND completed with\n'
            ' completion state SUCCESS at 09:12:44.\n'
            'ANS8001I Return code 0.\n')
    messages = parse_messages(text)
    assert [m['id'] for m in messages] == ['ANR0985I', 'ANS8001I']
    assert messages[0]['text'].endswith('completed with completion state SUCCESS at 09:12:44.')


def test_a_prompt_without_newline_never_becomes_part_of_a_value():
    [row] = parse_list(fixture('q_proc_inline_prompt.txt')).rows
    assert row['Process Number'] == '8'
    assert list(row) == ['Process Number', 'Process Description', 'Process Status']
    # cut inside a word at the console width: glued back without a blank
    assert row['Process Status'].endswith('Moved Bytes: 4.149.250.332, Unreadable Files: 0')


@pytest.mark.parametrize('text, expected', [
    # broken at a blank, the blank starts the continuation
    ('   Status: Moved Files: 23, Moved\n            Bytes: 5\n', 'Moved Files: 23, Moved Bytes: 5'),
    # broken at a blank kept at the end of the line
    ('   Status: Moved Files: 23, Moved \n           Bytes: 5\n', 'Moved Files: 23, Moved Bytes: 5'),
    # a word cut at the width (the widest line), continued right at the value's column
    ('   Status: Moved Files: 23, Moved By\n           tes: 5\n', 'Moved Files: 23, Moved Bytes: 5'),
    # broken after punctuation, continued at the value's column
    ('   Status: Moved Files: 23,\n           Moved Bytes: 5 and more text\n', 'Moved Files: 23, Moved Bytes: 5 and more text'),
])
def test_list_values_wrapped_keep_exactly_their_blanks(text, expected):
    assert parse_list(text).rows == [{'Status': expected}]


@pytest.mark.parametrize('title', [
    'Storage Management Server for Linux/x86_64 - Version 8,\n Release 1, Level 21.000',
    'Storage Management Server for\n Linux/x86_64 - Version 8,\n Release 1, Level 21.000',
    'Storage Management Server for Linux/x86_64 -\n Version 8, Release 1, Level 21.000',
    'Storage Management Server for Linux/x86_64 - Version 8, Rel\nease 1, Level 21.000',
])
def test_a_wrapped_version_title_is_no_data_and_still_gives_the_version(title):
    text = title + '\n\n                      Server name: FHUB\n'
    assert parse_list(text).rows == [{'Server name': 'FHUB'}]
    assert model.server_version(text) == '8.1.21'
    assert model.field(parse_list(text).rows[0], 'server_name') == 'FHUB'


def test_a_console_narrower_than_the_labels_still_gives_each_value():
    # each character on a line of its own; the blank between date and time on a line of its own
    lines = ['         Server Restart Date/Time: 1'] + ['                                   ' + c for c in '0/26/2026']
    lines += ['                                    '] + ['                                   ' + c for c in '14:05:50']
    lines += ['                     Availability: E'] + ['                                   ' + c for c in 'nabled']
    [row] = parse_list('\n'.join(lines) + '\n').rows
    assert row == {'Server Restart Date/Time': '10/26/2026 14:05:50', 'Availability': 'Enabled'}
