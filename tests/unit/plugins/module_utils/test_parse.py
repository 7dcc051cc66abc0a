# -*- coding: utf-8 -*-
# Copyright: (c) 2025, spectrum_protect.operations contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Unit tests of _parse on the real captures of server-facts.md and on the forms the client prints."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import os

import pytest

from ansible_collections.spectrum_protect.operations.plugins.module_utils._parse import (
    AmbiguousTimestamp,
    ParseError,
    check_timestamp,
    parse_bytes,
    parse_delimited,
    parse_list,
    parse_messages,
    parse_output,
    parse_table,
    parse_timestamp,
    parse_wait,
    reported_rc,
    split_routed,
    timestamp_candidates,
    to_int,
)

FIXTURES = os.path.join(os.path.dirname(__file__), '..', '..', 'fixtures', 'dsmadmc')


def fixture(name):
    with open(os.path.join(FIXTURES, name)) as handle:
        return handle.read()


def ids(messages):
    return [message['id'] for message in messages]


# --- the real captures of server-facts.md ------------------------------------------------------

def test_banner_and_query_session_table_capture():
    rows, messages = parse_table(fixture('q_sess_banner_table.txt'))
    assert rows == [{
        'Sess Number': '16', 'Comm. Method': 'SSL', 'Sess State': 'Run', 'Wait Time': '0 S',
        'Bytes Sent': '150', 'Bytes Recvd': '247', 'Sess Type': 'Admin',
        'Platform': 'Linux x86-64', 'Client Name': 'DEMO',
    }]
    assert ids(messages) == ['ANS8000I', 'ANS8002I']
    assert messages[0]['text'] == "Server command: 'q sess'."
    assert reported_rc(messages) == 0


def test_table_column_names_equal_the_list_labels():
    table_rows = parse_table(fixture('q_sess_banner_table.txt')).rows
    list_rows = parse_list(fixture('q_sess_detailed_list.txt')).rows
    assert set(table_rows[0]) <= set(list_rows[0])


def test_tab_row_capture_with_thousands_separator_and_trailing_blank():
    rows, messages = parse_delimited(fixture('q_sess_tab.txt'), '\t')
    assert rows == [['36,775', 'Tcp/Ip', 'Run', '0 S', '127', '165', 'Admin', 'Linux86', 'ALEX']]
    assert messages == []
    assert to_int(rows[0][0]) == 36775
    assert parse_wait('0 S ') == 0


def test_tab_row_with_column_names():
    columns = ['SESSION_ID', 'COMMMETHOD', 'STATE', 'WAIT', 'SENT', 'RECEIVED', 'TYPE', 'PLATFORM', 'CLIENT_NAME']
    rows = parse_output(fixture('q_sess_tab.txt'), 'tab', columns).rows
    assert rows[0]['SESSION_ID'] == '36,775'
    assert rows[0]['CLIENT_NAME'] == 'ALEX'
    assert list(rows[0]) == columns


def test_comma_quoting_and_summary_row_capture():
    rows, messages = parse_delimited(fixture('summary_comma.txt'), ',')
    assert rows[0] == ['BACKUP', 'BCPDB-TEST_ENC', 'DAILY_BCPDB-TEST', '1340416600',
                       '2020-12-05 00:01:26.000000', '2020-12-05 01:01:26.000000']
    assert rows[1][2] == ''
    assert rows[1][3] == '2,096,671.99'
    assert parse_timestamp(rows[0][4]) == '2020-12-05T00:01:26'
    assert messages == []


def test_no_match_capture():
    text = fixture('no_match.txt')
    messages = parse_messages(text)
    assert messages == [
        {'id': 'ANR2034E', 'severity': 'E', 'text': 'SELECT: No match found using this criteria.'},
        {'id': 'ANS8001I', 'severity': 'I', 'text': 'Return code 11.'},
    ]
    assert reported_rc(messages) == 11
    for mode in ('list', 'table', 'comma', 'tab'):
        parsed = parse_output(text, mode)
        assert parsed.rows == []
        assert ids(parsed.messages) == ['ANR2034E', 'ANS8001I']


def test_no_active_processes_capture():
    messages = parse_messages(fixture('no_process.txt'))
    assert ids(messages) == ['ANR0944E', 'ANS8001I']
    assert messages[0]['text'] == 'QUERY PROCESS: No active processes found.'
    assert reported_rc(messages) == 11


def test_bad_credentials_capture():
    messages = parse_messages(fixture('auth_failed.txt'))
    assert ids(messages) == ['ANS1051I'] * 3 + ['ANS8023E', 'ANS8002I']
    assert messages[0]['text'] == 'Invalid user id or password'
    assert reported_rc(messages) == 137


@pytest.mark.parametrize('name, message_id, severity, text', [
    ('unreachable.txt', 'ANS1017E', 'E', 'Session rejected: TCP/IP connection failure.'),
    ('unknown_stanza.txt', 'ANS1217E', 'E', 'Server name not found in System Options File'),
    ('quotes_not_matched.txt', 'ANS1043S', 'S', 'Quotes are not matched'),
])
def test_client_error_captures(name, message_id, severity, text):
    messages = parse_messages(fixture(name))
    assert messages == [{'id': message_id, 'severity': severity, 'text': text}]
    assert reported_rc(messages) is None


def test_routing_capture():
    routed = split_routed(fixture('routed_q_sched.txt'))
    assert routed.routed is True
    assert ids(routed.messages) == ['ANR1699I', 'ANR1697I']
    assert routed.summary == {'servers': 1, 'successful': 1, 'warnings': 0, 'errors': 0}
    [section] = routed.sections
    assert section['server'] == 'ISP124'
    assert section['command'] == 'QUERY SCHEDULE TYPE=a FORMAT=detailed'
    assert section['status'] == 'successful'
    assert ids(section['messages']) == ['ANR1694I']
    rows = parse_list(section['text']).rows
    assert rows == [{
        'Schedule Name': 'DAILY_DBB', 'Description': 'Daily database backup',
        'Command': 'backup db devclass=file type=full', 'Priority': '5',
        'Start Date/Time': '01/15/2024 08:00:00', 'Last Update Date/Time': '01/15/2024 07:59:12',
    }]


# --- routing beyond the capture ----------------------------------------------------------------

ROUTED_TWO_TABS = '\n'.join([
    "ANR1699I Resolved SPOKE1,SPOKE2,SPOKE3 to 3 server(s) - issuing command Q PROCESS against server(s).",
    "ANR1687I Output for command 'Q PROCESS' issued against server SPOKE1 follows:",
    "8\tMigration\t\tRunning\t",
    "ANR1688I Output for command 'Q PROCESS' issued against server SPOKE1 completed.",
    "ANR1694I Server SPOKE1 processed command 'Q PROCESS' and completed successfully.",
    "ANR1687I Output for command 'Q PROCESS' issued against server SPOKE2 follows:",
    "ANR0944E QUERY PROCESS: No active processes found.",
    "ANR1688I Output for command 'Q PROCESS' issued against server SPOKE2 completed.",
    "ANR1695W Server SPOKE2 processed command 'Q PROCESS' but completed with warnings.",
    "ANR4373E Session rejected by target server SPOKE3, reason: Communication Failure.",
    "ANR1697I Command 'Q PROCESS' processed by 3 server(s):  1 successful, 1 with warnings, and 1 with errors.",
    "ANS8001I Return code 4.",
    "",
])


def test_routed_sections_each_with_their_own_status():
    routed = split_routed(ROUTED_TWO_TABS, ['spoke1', 'spoke2', 'spoke3'])
    by_server = dict((section['server'], section) for section in routed.sections)
    assert list(by_server) == ['SPOKE1', 'SPOKE2', 'SPOKE3']
    assert [by_server[name]['status'] for name in by_server] == ['successful', 'warning', 'failed']
    assert parse_delimited(by_server['SPOKE1']['text'], '\t').rows == [['8', 'Migration', '', 'Running', '']]
    assert ids(by_server['SPOKE2']['messages']) == ['ANR0944E', 'ANR1695W']
    assert by_server['SPOKE3']['command'] is None
    assert ids(by_server['SPOKE3']['messages']) == ['ANR4373E']
    assert routed.summary == {'servers': 3, 'successful': 1, 'warnings': 1, 'errors': 1}
    assert ids(routed.messages) == ['ANR1699I', 'ANR1697I', 'ANS8001I']


def test_routed_error_line_naming_an_unexpected_server_stays_on_top():
    routed = split_routed(ROUTED_TWO_TABS)
    assert [section['server'] for section in routed.sections] == ['SPOKE1', 'SPOKE2']
    assert 'ANR4373E' in ids(routed.messages)


def test_unrouted_text_is_one_section():
    routed = split_routed(fixture('unreachable.txt'))
    assert routed.routed is False
    assert routed.summary is None
    [section] = routed.sections
    assert section['server'] is None
    assert ids(section['messages']) == ['ANS1017E']


def test_routed_wrapped_message_line_is_joined_and_data_outside_sections_rejected():
    wrapped = ROUTED_TWO_TABS.replace("issuing command Q PROCESS against server(s).",
                                      "issuing command Q PROCESS\n   against server(s).")
    routed = split_routed(wrapped)
    assert routed.messages[0]['text'].endswith('issuing command Q PROCESS against server(s).')
    with pytest.raises(ParseError, match='outside any routed section'):
        split_routed('garbage line\n' + ROUTED_TWO_TABS)


def test_routed_section_cut_off_before_its_end_keeps_its_data():
    text = ("ANR1687I Output for command 'Q PROC' issued against server A follows:\n"
            "8\tMigration\n")
    [section] = split_routed(text).sections
    assert section['server'] == 'A'
    assert section['status'] is None
    assert parse_delimited(section['text'], '\t').rows == [['8', 'Migration']]


# --- list mode ---------------------------------------------------------------------------------

def test_list_detailed_sessions_keep_unknown_fields_and_order():
    rows, messages = parse_list(fixture('q_sess_detailed_list.txt'))
    assert len(rows) == 2
    first, second = rows
    assert list(first)[:3] == ['Sess Number', 'Comm. Method', 'Sess State']
    assert first['Sess Number'] == '29,057'
    assert first['Media Access Status'] == ''
    assert first['Date/Time First Data Sent'] == '02/03/23   10:52:07'
    assert first['Future Field (9.1.0)'] == 'something: new'
    assert second['Platform'] == 'Linux x86-64'
    assert second['Date/Time First Data Sent'] == ''
    assert ids(messages) == ['ANS8001I']
    assert (to_int(first['Sess Number']), parse_wait(first['Wait Time']), parse_bytes(first['Bytes Sent'])) == (29057, 300, 19251)
    # 02/03/23 alone may be 3 February or 2 March: only the answer's other dates can tell
    assert timestamp_candidates(first['Date/Time First Data Sent']) == {
        'MDY': '2023-02-03T10:52:07', 'DMY': '2023-03-02T10:52:07'}


def test_list_continuation_lines_with_colons_belong_to_the_value():
    rows = parse_list(fixture('q_proc_list.txt')).rows
    assert [row['Process Number'] for row in rows] == ['8', '40']
    assert rows[0]['Process Status'] == (
        'Offsite Volume(s) (storage pool LTO3POOL_COPY), Moved Files: 23, Moved Bytes: 4,149,250,332, '
        'Unreadable Files: 0, Unreadable Bytes: 0. Current Physical File (bytes): 1,234')
    assert 'Moved Bytes' not in rows[0]
    assert rows[0]['Parent Process'] == ''
    assert rows[1]['Job Id'] == '7'


def test_list_banner_prompt_and_crlf_are_dropped():
    text = ('Enter your password:  IBM Spectrum Protect\r\n'
            'Command Line Administrative Interface - Version 8, Release 1, Level 10.0\r\n'
            '(c) Copyright by IBM Corporation and other(s) 1990, 2020. All Rights Reserved.\r\n\r\n'
            'Session established with server SPOKE3: Linux/x86_64\r\n'
            '  Server Version 8, Release 1, Level 10.000\r\n'
            '  Server date/time: 04/22/2024 09:38:27  Last access: 04/22/2024 09:36:23\r\n\r\n'
            "ANS8000I Server command: 'q proc'.\r\n\r\n"
            ' Process Number: 1\r\n'
            'more...   (<ENTER> to continue, \'C\' to cancel)\r\n'
            'Process Description: EXPIRATION\r\n')
    rows, messages = parse_list(text)
    assert rows == [{'Process Number': '1', 'Process Description': 'EXPIRATION'}]
    assert ids(messages) == ['ANS8000I']


def test_older_banner_without_session_keeps_the_messages():
    text = ('IBM Tivoli Storage Manager\n'
            'Command Line Administrative Interface - Version 7, Release 1, Level 0.0\n'
            '(c) Copyright by IBM Corporation and other(s) 1990, 2013. All Rights Reserved.\n\n'
            + fixture('auth_failed.txt'))
    parsed = parse_list(text)
    assert parsed.rows == []
    assert ids(parsed.messages)[-2:] == ['ANS8023E', 'ANS8002I']


@pytest.mark.parametrize('title', [
    'Server Version 8, Release 1, Level 12.000',
    'IBM Spectrum Protect Server for Linux/x86_64 - Version 8, Release 1, Level 12.000',
    'Storage Management Server for AIX - Version 7, Release 1, Level 7.000',
])
def test_query_status_version_title_is_not_data(title):
    text = ('\n' + title + '\n\n'
            '                   Server Name: SPOKE1\n'
            'Server host name or IP address: 10.0.0.1\n')
    rows = parse_list(text).rows
    assert rows == [{'Server Name': 'SPOKE1', 'Server host name or IP address': '10.0.0.1'}]
    assert parse_delimited(title + '\nSPOKE1,10.0.0.1\n', ',').rows == [['SPOKE1', '10.0.0.1']]


def test_list_repeated_label_starts_a_new_record_without_blank_line():
    rows = parse_list('Job Id: 1\nStatus: RUNNING\nJob Id: 2\nStatus: SLEEPING\n').rows
    assert rows == [{'Job Id': '1', 'Status': 'RUNNING'}, {'Job Id': '2', 'Status': 'SLEEPING'}]


def test_list_message_between_records_is_kept_apart():
    rows, messages = parse_list(' Job Id: 1\nANR9999W Something odd.\n Job Id: 2\n')
    assert rows == [{'Job Id': '1'}, {'Job Id': '2'}]
    assert messages == [{'id': 'ANR9999W', 'severity': 'W', 'text': 'Something odd.'}]


@pytest.mark.parametrize('text, reason', [
    (' Sess Number: 1\n Sess State: Run\nx86-64\n', 'not a "Label: value" line'),
    (' Sess Number: 1\n Sess\x1b[0m State: Run\n', 'control characters'),
    (': no label\n', 'not a "Label: value" line'),
])
def test_list_garbled_lines_raise(text, reason):
    with pytest.raises(ParseError, match=reason) as error:
        parse_list(text)
    assert error.value.lineno is not None


# --- delimited ---------------------------------------------------------------------------------

def test_comma_messages_are_separated_from_rows():
    rows, messages = parse_delimited('1,Run\nANR0123W Look out.\n2,IdleW\n', ',', ['ID', 'STATE'])
    assert rows == [{'ID': '1', 'STATE': 'Run'}, {'ID': '2', 'STATE': 'IdleW'}]
    assert ids(messages) == ['ANR0123W']


@pytest.mark.parametrize('text, delimiter, columns, reason', [
    ('1,"unterminated\n', ',', None, 'bad CSV quoting'),
    ('1,a\n2,b,c\n', ',', None, '3 fields where 2 were expected'),
    ('1\ta\tb\n', '\t', ['ID', 'X'], '3 fields where 2 were expected'),
    ('1,\x00\x07\n', ',', None, 'control characters'),
])
def test_delimited_garbled_rows_raise(text, delimiter, columns, reason):
    with pytest.raises(ParseError, match=reason):
        parse_delimited(text, delimiter, columns)


# --- table -------------------------------------------------------------------------------------

PROCESS_TABLE = '\n'.join([
    'Process      Process Description      Process Status',
    ' Number',
    '--------     --------------------     -------------------------',
    '     8       Local to Cloud           Transferring 23 files,',
    '              Transfer                 4,149 bytes.',
    '    40       EXPIRATION               Examined 10 objects.',
    '',
    'ANS8002I Highest return code was 0.',
    '',
])


def test_table_wrapped_values_join_their_column():
    rows, messages = parse_table(PROCESS_TABLE)
    assert rows == [
        {'Process Number': '8', 'Process Description': 'Local to Cloud Transfer',
         'Process Status': 'Transferring 23 files, 4,149 bytes.'},
        {'Process Number': '40', 'Process Description': 'EXPIRATION', 'Process Status': 'Examined 10 objects.'},
    ]
    assert ids(messages) == ['ANS8002I']


def test_table_value_cut_inside_a_word_is_glued_back():
    text = '\n'.join([
        'Job Id     Job Name',
        '------     --------',
        '     7     RETCOPY_',
        '           LTO_DAIL',
        '           Y',
        ''])
    assert parse_table(text).rows == [{'Job Id': '7', 'Job Name': 'RETCOPY_LTO_DAILY'}]


def test_blank_line_inside_a_table_does_not_end_it():
    text = PROCESS_TABLE.replace("    40       EXPIRATION", "\n    40       EXPIRATION")
    assert parse_table(text).rows == parse_table(PROCESS_TABLE).rows


def test_first_row_of_a_second_table_never_continues_the_first():
    second = PROCESS_TABLE.replace('     8       Local to Cloud', '             Local to Cloud')
    rows = parse_table(PROCESS_TABLE + second).rows
    assert [row['Process Number'] for row in rows] == ['8', '40', '', '40']
    assert rows[2]['Process Description'] == 'Local to Cloud Transfer'


def test_two_tables_in_one_output():
    rows = parse_table(PROCESS_TABLE + '\n' + PROCESS_TABLE).rows
    assert [row['Process Number'] for row in rows] == ['8', '40', '8', '40']


def test_table_too_wide_for_the_screen_comes_as_list():
    assert parse_table(fixture('q_proc_list.txt')).rows == parse_list(fixture('q_proc_list.txt')).rows


@pytest.mark.parametrize('text, reason', [
    (PROCESS_TABLE.replace('    40       EXPIRATION', '    40   XX  EXPIRATION'), 'does not sit under one table column'),
    ('Stray header\n\n' + PROCESS_TABLE, 'data outside a table'),
    (PROCESS_TABLE + 'Trailing header\n', 'data outside a table'),
])
def test_table_garbled_raises(text, reason):
    with pytest.raises(ParseError, match=reason):
        parse_table(text)


def test_type_checks_catch_values_garbled_in_place():
    garbled = '"3,301",SSL,SSLW,4.3 ~#~DRPPAS,XIA,edoN,0,0, M\n'
    assert len(parse_output(garbled, 'comma').rows[0]) == 9
    with pytest.raises(ParseError, match="row 1, field 3: not a wait time: '4.3 ~#~DRPPAS'"):
        parse_output(garbled, 'comma', checks={0: to_int, 3: parse_wait})
    with pytest.raises(ParseError, match="row 1, field ID: not an integer: '3301~#~WLSS'"):
        parse_output('3301~#~WLSS,\n', 'comma', ['ID', 'STATE'], {'ID': to_int})


def test_type_checks_pass_good_and_empty_values():
    rows = parse_output(fixture('q_sess_detailed_list.txt'), 'list', checks={
        'Sess Number': to_int, 'Wait Time': parse_wait, 'Bytes Sent': parse_bytes,
        'Date/Time First Data Sent': check_timestamp}).rows
    assert rows[1]['Date/Time First Data Sent'] == ''
    records = parse_output(' Job Id: 1\n\n Job Id: 2\n Parent: 5\n', 'list', checks={'Parent': to_int}).rows
    assert records == [{'Job Id': '1'}, {'Job Id': '2', 'Parent': '5'}]
    assert parse_output(fixture('q_sess_tab.txt'), 'tab', checks={0: to_int, 9: to_int}).rows[0][0] == '36,775'


def test_unknown_mode_is_refused():
    with pytest.raises(ValueError, match='unknown output mode'):
        parse_output('', 'xml')


# --- values ------------------------------------------------------------------------------------

@pytest.mark.parametrize('value, expected', [
    ('36,775', 36775), (' 16 ', 16), ('-50', -50), (7, 7), ('', None), (None, None),
])
def test_to_int(value, expected):
    assert to_int(value) == expected


@pytest.mark.parametrize('value, expected', [
    ('18.8 K', 19251), ('150', 150), ('2.1 M', 2202010), ('1 G', 1073741824), ('1,024 KB', 1048576),
    ('0', 0), ('', None),
])
def test_parse_bytes(value, expected):
    assert parse_bytes(value) == expected


@pytest.mark.parametrize('value, expected', [
    ('0 S', 0), ('0 S ', 0), ('5 M', 300), ('2 H', 7200), ('45', 45), (None, None),
])
def test_parse_wait(value, expected):
    assert parse_wait(value) == expected


@pytest.mark.parametrize('value, expected', [
    ('2008-11-21 11:26:03.000000', '2008-11-21T11:26:03'),
    ('2008-11-21-11.26.03.000000', '2008-11-21T11:26:03'),
    ('04/22/2024 09:38:27', '2024-04-22T09:38:27'),
    ('12/31/99 23:59:59', '1999-12-31T23:59:59'),
    ('22.04.2024 09:38:27', '2024-04-22T09:38:27'),
    ('', None),
])
def test_parse_timestamp(value, expected):
    assert parse_timestamp(value) == expected


def test_parse_timestamp_refuses_to_guess_the_day_and_month():
    with pytest.raises(AmbiguousTimestamp, match='2023-02-03T10:52:07 or 2023-03-02T10:52:07'):
        parse_timestamp('02/03/23   10:52:07')


@pytest.mark.parametrize('helper, value', [
    (to_int, '12a'), (to_int, True), (to_int, '1.5'), (parse_bytes, '3 Q'), (parse_bytes, 'lots'),
    (parse_wait, '5 Y'), (parse_timestamp, '13/45/2024 09:38:27'), (parse_timestamp, 'yesterday'),
])
def test_value_helpers_reject_rubbish(helper, value):
    with pytest.raises(ValueError) as error:
        helper(value)
    assert isinstance(error.value, ParseError)
    assert repr(value) in str(error.value)
