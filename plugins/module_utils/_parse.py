# -*- coding: utf-8 -*-
# Copyright: (c) 2025, spectrum_protect.operations contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Parsers for the output of IBM Spectrum Protect's dsmadmc, one per output mode.

PRIVATE to the spectrum_protect.operations collection: the interface may change in any release.

Every parser returns ``Parsed(rows, messages)``: the data and the ANR/ANS messages that the
client interleaves with it on stdout. Parsers work by field name, keep fields they do not know,
drop the client's banner and password prompts, and raise ParseError on output they cannot read
rather than return rubbish.
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import csv
import datetime
import re
from collections import namedtuple

Parsed = namedtuple('Parsed', ['rows', 'messages'])
RoutedOutput = namedtuple('RoutedOutput', ['routed', 'sections', 'summary', 'messages'])

MODES = ('list', 'table', 'comma', 'tab')

MESSAGE_RE = re.compile(r'^(?P<id>[A-Z]{3}\d{4}(?P<severity>[IWESK]))(?:\s+(?P<text>.*?))?\s*$')
RC_RE = re.compile(r'(?:Return code|Highest return code was)\s+(-?\d+)')

# Lines the client prints before any data when -dataonly is not YES, and its prompts.
_BANNER_RE = re.compile(
    r'^(?:IBM (?:Storage Protect|Spectrum Protect|Tivoli Storage Manager)\b'
    r'|Command Line Administrative Interface\b'
    r'|\(c\) Copyright by IBM'
    r'|Session established with server\b'
    r'|\s+Server Version \d'
    r'|\s+Server date/time:)'
)
_PROMPT_RE = re.compile(r'^\s*Enter your (?:user id|password):\s*')
_PAGER_RE = re.compile(r'^more\.\.\.\s+\(<ENTER> to continue')
# The title QUERY STATUS prints above its fields ("IBM Spectrum Protect Server for Linux/x86_64 -
# Version 8, Release 1, Level 12.000"; "Server Version 8, ..."): not data in any mode.
_TITLE_RE = re.compile(r'^\s*(?:[^:]*\s)?Version \d+, Release \d+, Level \d+(?:\.\d+)?\s*$')
_CONTROL_RE = re.compile('[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]')
_DASHES_RE = re.compile(r'^\s*-+(?:\s+-+)*\s*$')


class ParseError(ValueError):
    """Output that does not have the shape its mode promises (garbled or cut off)."""

    def __init__(self, reason, lineno=None, line=None):
        self.reason = reason
        self.lineno = lineno
        self.line = line
        where = ''
        if lineno is not None:
            shown = line if len(line) <= 120 else line[:117] + '...'
            where = ' at line %d: %r' % (lineno, shown)
        super(ParseError, self).__init__(reason + where)


# --- messages ----------------------------------------------------------------------------------

def match_message(line):
    """Return {'id', 'severity', 'text'} when the line is an ANR/ANS message, else None."""
    match = MESSAGE_RE.match(line)
    if match is None:
        return None
    return {'id': match.group('id'), 'severity': match.group('severity'), 'text': match.group('text') or ''}


def parse_messages(text):
    """All ANR/ANS message lines of the text, in order, as dicts (id, severity, text)."""
    return [entry[3] for entry in _scan(text, strict=False) if entry[1] == 'message']


def reported_rc(messages):
    """The highest return code the client reported (ANS8001I / ANS8002I), or None."""
    codes = [int(match.group(1)) for match in
             (RC_RE.search(msg['text']) for msg in messages if msg['id'] in ('ANS8001I', 'ANS8002I'))
             if match]
    return max(codes) if codes else None


def _scan(text, strict=True):
    """Split text into (lineno, kind, line, message) with kind 'blank', 'message' or 'data'.

    Drops the banner (only before the first data line), password and pager prompts and carriage
    returns; a version title line counts as blank. With strict, control characters raise
    ParseError (garbled output).
    """
    entries = []
    leading = True
    session_seen = False
    text = text or ''
    if strict:
        bad = _CONTROL_RE.search(text.replace('\r', ''))
        if bad is not None:   # find the line only when there is one (the common case has none)
            for lineno, line in enumerate(text.split('\n'), 1):
                if _CONTROL_RE.search(line.rstrip('\r')):
                    raise ParseError('control characters in the output (garbled)', lineno, line)
    prompts = 'Enter your ' in text
    for lineno, line in enumerate(text.split('\n'), 1):
        line = line.rstrip('\r')
        if prompts:
            line = _PROMPT_RE.sub('', line)
        if not line.strip() or ('Version ' in line and _TITLE_RE.match(line)):
            entries.append((lineno, 'blank', line, None))
            continue
        if line.startswith('more...') and _PAGER_RE.match(line):
            continue
        if leading and _BANNER_RE.match(line):
            banner_detail = line[0].isspace()
            if not banner_detail or session_seen:
                session_seen = session_seen or line.startswith('Session established')
                continue
        message = match_message(line) if line[3:7].isdigit() else None
        if message is not None:
            entries.append((lineno, 'message', line, message))
            continue
        leading = False
        entries.append((lineno, 'data', line, None))
    return entries


# --- list mode ---------------------------------------------------------------------------------

def parse_list(text):
    """Parse -displaymode=list output: records of right-aligned 'Label: value' lines.

    Records are separated by blank lines, messages, or a label repeating. A line indented past the
    colon of the label above continues that label's value (joined with one blank). Labels and
    values are kept as printed (stripped), in order, unknown labels included.
    """
    rows = []
    messages = []
    record = None
    last_label = None
    colon_col = None
    for lineno, kind, line, message in _scan(text):
        if kind != 'data':
            if message is not None:
                messages.append(message)
            record = last_label = None
            continue
        if last_label is not None and len(line) - len(line.lstrip()) > colon_col:
            record[last_label] = (record[last_label] + ' ' + line.strip()).strip()
            continue
        head, colon, value = line.partition(':')
        label = head.strip()
        if not colon or not label:
            raise ParseError('not a "Label: value" line in list output', lineno, line)
        if record is None or label in record:
            record = {}
            rows.append(record)
        record[label] = value.strip()
        last_label = label
        colon_col = len(head)
    return Parsed(rows, messages)


# --- comma / tab -------------------------------------------------------------------------------

def parse_delimited(text, delimiter, columns=None):
    """Parse -comma (CSV quoting, e.g. "2,096,671.99") or -tab output.

    Rows are lists of stripped strings, or dicts when column names are given (-dataonly=yes prints
    no header). Every row must have the same number of fields, else ParseError.
    """
    rows = []
    messages = []
    width = len(columns) if columns else None
    for lineno, kind, line, message in _scan(text):
        if kind == 'message':
            messages.append(message)
        if kind != 'data':
            continue
        if delimiter == '\t':
            fields = line.split('\t')
        else:
            try:
                fields = next(csv.reader([line], delimiter=delimiter, strict=True))
            except csv.Error as exc:
                raise ParseError('bad CSV quoting (%s)' % exc, lineno, line)
        fields = [field.strip() for field in fields]
        if width is None:
            width = len(fields)
        if len(fields) != width:
            raise ParseError('%d fields where %d were expected' % (len(fields), width), lineno, line)
        rows.append(dict(zip(columns, fields)) if columns else fields)
    return Parsed(rows, messages)


# --- standard table ----------------------------------------------------------------------------

def _spans(line):
    return [(m.start(), m.end()) for m in re.finditer(r'\S+', line)]


def _cells(line, columns, lineno):
    """{column index: (start, text)}: each word of a table line under the one column it overlaps,
    inner spacing kept."""
    placed = {}
    for start, end in _spans(line):
        hits = [index for index, (lo, hi) in enumerate(columns) if start < hi and end > lo]
        if len(hits) != 1:
            raise ParseError('text does not sit under one table column (garbled)', lineno, line)
        first, last = placed.get(hits[0], (start, end))
        placed[hits[0]] = (min(first, start), max(last, end))
    return dict((index, (lo, line[lo:hi])) for index, (lo, hi) in placed.items())


def _header_names(header_lines, columns):
    names = [[] for column in columns]
    for lineno, line in header_lines:
        for index, (start, cell) in _cells(line, columns, lineno).items():
            names[index].append(cell)
    result = []
    for index, parts in enumerate(names):
        name = ' '.join(parts) or 'Column %d' % (index + 1)
        while name in result:
            name += ' (%d)' % (index + 1)
        result.append(name)
    return result


def parse_table(text):
    """Parse the standard table: header lines, a row of dashes giving the column widths, rows.

    Rows are dicts keyed by the header text joined over the header lines ("Sess Number").
    A row whose first column is empty continues the row above: each of its values is appended to
    the column it sits under. The client wraps a long value at a blank and starts the next line
    with that blank (' x86-64' under 'Linux' in the real capture), or cuts a word that does not
    fit: a piece that starts right at the column's start is glued on without a blank.
    Lines after a blank line are the header of a new table when a dashes line follows them, else
    more rows of the table above; a message ends a table.
    Needs the headers, so the client must run with -dataonly=no. The client prints a table too
    wide for its screen in list format; output without any dashes line is parsed as list.
    """
    entries = _scan(text)
    if not any(entry[1] == 'data' and _DASHES_RE.match(entry[2]) for entry in entries):
        return parse_list(text)
    rows = []
    messages = []
    table = None          # {'columns', 'names', 'last': the table's last row}
    pending = []          # lines that wait: a header if a dashes line follows, else rows
    held = False          # after a blank line, lines wait in pending
    for lineno, kind, line, message in entries + [(None, 'blank', '', None)]:
        if kind == 'data' and _DASHES_RE.match(line):
            columns = _spans(line)
            table = {'columns': columns, 'names': _header_names(pending, columns), 'last': None}
            pending, held = [], False
        elif kind == 'data':
            if table is None or held:
                pending.append((lineno, line))
            else:
                _table_rows(table, [(lineno, line)], rows)
        else:
            if pending and table is None:
                raise ParseError('data outside a table (no dashes line under it)', *pending[0])
            if pending:
                _table_rows(table, pending, rows)
            pending, held = [], table is not None
            if message is not None:
                messages.append(message)
                table = None
    return Parsed(rows, messages)


def _table_rows(table, lines, rows):
    """Add lines of a table as new rows, or as continuations of its last row."""
    columns, names = table['columns'], table['names']
    for lineno, line in lines:
        cells = _cells(line, columns, lineno)
        if 0 in cells or table['last'] is None:
            table['last'] = dict((name, cells[index][1] if index in cells else '') for index, name in enumerate(names))
            rows.append(table['last'])
            continue
        for index, (start, value) in cells.items():
            glue = '' if start == columns[index][0] else ' '
            table['last'][names[index]] = (table['last'][names[index]] + glue + value).strip()


def parse_output(text, mode, columns=None, checks=None):
    """Parse with the parser of an output mode: list, table, comma or tab.

    checks: {field: helper} (field = label, column name, or index for rows without columns);
    every non-empty value of that field must read with the helper (to_int, parse_wait,
    parse_timestamp ...), else ParseError: a value that is not of its field's type is garbled
    output even when the line keeps its shape. Rows are returned as printed.
    """
    if mode == 'list':
        parsed = parse_list(text)
    elif mode == 'table':
        parsed = parse_table(text)
    elif mode in ('comma', 'tab'):
        parsed = parse_delimited(text, ',' if mode == 'comma' else '\t', columns)
    else:
        raise ValueError('unknown output mode %r (one of %s)' % (mode, ', '.join(MODES)))
    for number, row in enumerate(parsed.rows, 1):
        for field, helper in (checks or {}).items():
            value = row.get(field) if isinstance(row, dict) else (row[field] if field < len(row) else None)
            try:
                helper(value)
            except ValueError as exc:
                raise ParseError('row %d, field %s: %s (garbled)' % (number, field, exc))
    return parsed


# --- command routing ---------------------------------------------------------------------------

_ROUTING_IDS = ('ANR1687I', 'ANR1688I', 'ANR1694I', 'ANR1695W', 'ANR1696E', 'ANR1697I', 'ANR1699I')
_STATUS_BY_ID = {'ANR1694I': 'successful', 'ANR1695W': 'warning', 'ANR1696E': 'failed'}
_FOLLOWS_RE = re.compile(r"^Output for command '(?P<command>.*)' issued against server (?P<server>\S+) follows:?$")
_STATUS_RE = re.compile(r'^Server (?P<server>[^\s,]+)')
_SUMMARY_RE = re.compile(r'processed by (\d+) server\(s\):\s*(\d+) successful, (\d+) with warnings,? and (\d+) with errors')


def _routed_summary(text):
    match = _SUMMARY_RE.search(text)
    if match is None:
        return None
    return dict(zip(('servers', 'successful', 'warnings', 'errors'), (int(g) for g in match.groups())))


def split_routed(text, servers=None):
    """Split routed output (`A,B: command`) into one section per target server.

    Each section: server, command, status ('successful', 'warning', 'failed' or None), text (the
    lines between ANR1687I and ANR1688I, to parse with the mode's parser) and messages (those in
    the text, the status line, and error lines outside any section that name the server; the
    names in `servers` are recognised even when a target printed no section at all). Text with no
    routing framing is one section with server None. Garbled data inside a section is left for the
    section's parser, so one bad target does not spoil the others.
    """
    entries = _scan(text, strict=False)
    if not any(entry[3] and entry[3]['id'] in _ROUTING_IDS for entry in entries):
        section = {'server': None, 'command': None, 'status': None, 'text': text or '',
                   'messages': [entry[3] for entry in entries if entry[3]]}
        return RoutedOutput(False, [section], None, [])
    sections = []
    by_name = {}

    def section_of(name, command=None):
        key = name.upper()
        if by_name.get(key) is None:
            by_name[key] = {'server': name, 'command': command, 'status': None, 'text': '', 'messages': []}
            sections.append(by_name[key])
        return by_name[key]

    for name in servers or ():
        by_name.setdefault(name.upper(), None)
    top = []
    summary = None
    current = None
    body = []
    for lineno, kind, line, message in entries:
        if current is not None:
            if message is not None and message['id'] == 'ANR1688I':
                current['text'] = '\n'.join(body)
                current['messages'] = parse_messages(current['text']) + current['messages']
                current = None
            else:
                body.append(line)
            continue
        if kind == 'blank':
            continue
        if kind == 'data':
            if not top:
                raise ParseError('data outside any routed section', lineno, line)
            top[-1]['text'] = (top[-1]['text'] + ' ' + line.strip()).strip()   # a wrapped message
            continue
        if message['id'] == 'ANR1687I':
            follows = _FOLLOWS_RE.match(message['text'])
            if follows is None:
                raise ParseError('unreadable ANR1687I routing line', lineno, line)
            current = section_of(follows.group('server'), follows.group('command'))
            body = []
        elif message['id'] in _STATUS_BY_ID and _STATUS_RE.match(message['text']):
            section = section_of(_STATUS_RE.match(message['text']).group('server'))
            section['status'] = _STATUS_BY_ID[message['id']]
            section['messages'].append(message)
        elif message['id'] in _ROUTING_IDS:
            if message['id'] == 'ANR1697I':
                summary = _routed_summary(message['text'])
            top.append(message)
        else:
            named = _named_server(message, by_name)
            if named is None:
                top.append(message)
                continue
            section = section_of(named)
            section['messages'].append(message)
            if section['status'] is None:
                section['status'] = 'failed'
    if current is not None:   # cut off before ANR1688I: keep what came
        current['text'] = '\n'.join(body)
        current['messages'] = parse_messages(current['text']) + current['messages']
    return RoutedOutput(True, sections, summary, top)


def _named_server(message, by_name):
    """The known target an error/severe message outside the sections names, if any."""
    if message['severity'] not in ('E', 'S'):
        return None
    words = set(re.findall(r'[A-Za-z0-9][A-Za-z0-9_.\-]*', message['text']))
    for key, section in by_name.items():
        for word in words:
            if word.rstrip('.').upper() == key:
                return section['server'] if section else word.rstrip('.')
    return None


# --- values ------------------------------------------------------------------------------------

_NUMBER_RE = re.compile(r'^-?\d+(?:\.\d+)?$')
_BYTE_UNITS = {'': 0, 'B': 0, 'K': 1, 'M': 2, 'G': 3, 'T': 4, 'P': 5, 'E': 6}
_WAIT_UNITS = {'': 1, 'S': 1, 'M': 60, 'H': 3600, 'D': 86400}
_SCALED_RE = re.compile(r'^(?P<number>-?[\d,]+(?:\.\d+)?)\s*(?P<unit>[A-Za-z]?)B?$')


def _blank(value):
    return value is None or (not isinstance(value, (int, float)) and not str(value).strip())


def to_int(value):
    """'36,775' -> 36775 (thousands separators dropped); '' or None -> None."""
    if _blank(value):
        return None
    if isinstance(value, bool):
        raise ParseError('not an integer: %r' % (value,))
    if isinstance(value, int):
        return value
    text = str(value).strip().replace(',', '')
    if not re.match(r'^-?\d+$', text):
        raise ParseError('not an integer: %r' % (value,))
    return int(text)


def _scaled(value, units, what):
    if _blank(value):
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return int(round(value))
    match = _SCALED_RE.match(str(value).strip())
    unit = match.group('unit').upper() if match else None
    if match is None or unit not in units:
        raise ParseError('not %s: %r' % (what, value))
    return int(round(float(match.group('number').replace(',', '')) * units[unit]))


def parse_bytes(value):
    """'18.8 K' -> 19251 bytes (K, M, G, T, P = powers of 1024); '150' -> 150."""
    return _scaled(value, dict((unit, 1024 ** power) for unit, power in _BYTE_UNITS.items()), 'a byte count')


def parse_wait(value):
    """'0 S' -> 0, '5 M' -> 300, '2 H' -> 7200 seconds."""
    return _scaled(value, _WAIT_UNITS, 'a wait time')


# The date formats of the server and client (DATEFORMAT 1-5, SQL); the time part follows.
_DATE_FORMATS = (
    r'(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})',
    r'(?P<m>\d{1,2})/(?P<d>\d{1,2})/(?P<y>\d{4}|\d{2})',
    r'(?P<d>\d{1,2})\.(?P<m>\d{1,2})\.(?P<y>\d{4})',
    r'(?P<y>\d{4})\.(?P<m>\d{1,2})\.(?P<d>\d{1,2})',
    r'(?P<d>\d{1,2})-(?P<m>\d{1,2})-(?P<y>\d{4})',
)
_TIMESTAMP_RES = [re.compile(r'^' + date + r'(?:[\sT]+|-)(?P<H>\d{1,2})[:.](?P<M>\d{2})(?:[:.](?P<S>\d{2})(?:\.\d+)?)?$')
                  for date in _DATE_FORMATS]


def parse_timestamp(value):
    """Server timestamps -> ISO 8601 'YYYY-MM-DDTHH:MM:SS' (naive, server local time).

    Accepts SQL '2008-11-21 11:26:03.000000' (also DB2 '2008-11-21-11.26.03.000000'), and the
    client's date formats: '02/03/23   10:52:07', '04/22/2024 09:38:27', DD.MM.YYYY, YYYY.MM.DD,
    DD-MM-YYYY. Two-digit years: 69-99 are 19xx, 00-68 are 20xx. '' or None -> None.
    """
    if _blank(value):
        return None
    text = str(value).strip()
    for pattern in _TIMESTAMP_RES:
        match = pattern.match(text)
        if match is None:
            continue
        year = int(match.group('y'))
        if len(match.group('y')) == 2:
            year += 1900 if year >= 69 else 2000
        try:
            stamp = datetime.datetime(year, int(match.group('m')), int(match.group('d')),
                                      int(match.group('H')), int(match.group('M')), int(match.group('S') or 0))
        except ValueError:
            break
        return stamp.strftime('%Y-%m-%dT%H:%M:%S')
    raise ParseError('not a timestamp: %r' % (value,))
