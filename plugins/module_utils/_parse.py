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
# Prompts, printed with or without a newline after them (so data may follow on the same line).
_PROMPT_RE = re.compile(r'^(?:\s*Enter your (?:user id|password):[ \t]?)+', re.IGNORECASE)
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


def message_lines(text):
    """(lineno, message, lines) per ANR/ANS message of the text: the line it starts on (1-based),
    the message, and how many physical lines it spans (the client may wrap it)."""
    return [(entry[0], entry[3], entry[2].count('\n') + 1) for entry in _scan(text, strict=False)
            if entry[1] == 'message']


def reported_rc(messages):
    """The highest return code the client reported (ANS8001I / ANS8002I), or None."""
    codes = [int(match.group(1)) for match in
             (RC_RE.search(msg['text']) for msg in messages if msg['id'] in ('ANS8001I', 'ANS8002I'))
             if match]
    return max(codes) if codes else None


def _scan(text, strict=True):
    """Split text into (lineno, kind, line, message) with kind 'blank', 'message' or 'data'.

    Drops the banner (only before the first data line), password and pager prompts and carriage
    returns; a version title line counts as blank. A prompt printed without a newline is blanked
    out in place, so the data after it keeps its columns. A message the client wrapped at its
    console width is joined with its continuation lines (see _message_continues); its entry's
    line then holds every physical line. With strict, control characters raise ParseError.
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
    prompts = 'nter your ' in text or 'NTER YOUR ' in text
    lines = text.split('\n')
    width = None
    title_lines = _wrapped_titles(lines) if 'Version' in text else ()
    open_index = None      # the last message entry, while its text may continue on the next line
    previous = None        # and the physical line it ends with
    for lineno, line in enumerate(lines, 1):
        line = line.rstrip('\r')
        if prompts:
            match = _PROMPT_RE.match(line)
            if match is not None:
                rest = line[match.end():]
                bare = rest.lstrip()
                if _BANNER_RE.match(bare) or (bare[3:7].isdigit() and match_message(bare)):
                    line = bare
                else:   # data keeps its columns
                    line = ' ' * match.end() + rest
        if not line.strip() or lineno in title_lines or ('Version ' in line and _TITLE_RE.match(line)):
            entries.append((lineno, 'blank', line, None))
            open_index = None
            continue
        if line.startswith('more...') and _PAGER_RE.match(line):
            continue
        if leading and _BANNER_RE.match(line):
            banner_detail = line[0].isspace()
            if not banner_detail or session_seen:
                session_seen = session_seen or line.startswith('Session established')
                continue
        message = match_message(line) if line[3:7].isdigit() else None
        if message is None and open_index is not None:
            if width is None:
                width = max(len(physical.rstrip('\r')) for physical in lines)
            entry_lineno, entry_line, entry_message = entries[open_index][0], entries[open_index][2], entries[open_index][3]
            entry_message['text'] = (entry_message['text'] + glue(previous, line, width) + line.strip()).strip()
            entries[open_index] = (entry_lineno, 'message', entry_line + '\n' + line, entry_message)
            previous = line
            if not _message_continues(entry_message, line):
                open_index = None
            continue
        if message is not None:
            entries.append((lineno, 'message', line, message))
            open_index, previous = (len(entries) - 1, line) if _message_continues(message, line) else (None, None)
            continue
        open_index = None
        leading = False
        entries.append((lineno, 'data', line, None))
    return entries


_TITLE_TIGHT_RE = re.compile(r'^[^:]*Version\d+,Release\d+,Level\d+(?:\.\d+)?$')


def _wrapped_titles(lines):
    """Line numbers (1-based) of a version title the client wrapped over several lines
    ('Storage Management Server for' / ' Linux/x86_64 - Version 8,' / ' Release 1, Level 21.000'):
    blanks, like the title on one line."""
    found = set()
    for index, line in enumerate(lines):
        if 'Version' not in line or index + 1 in found:
            continue
        for first in range(max(0, index - 3), index + 1):
            pieces = lines[first:index + 4]
            joined = ''
            for span, piece in enumerate(pieces):
                if not piece.strip() or match_message(piece.strip()) is not None:
                    break
                joined += re.sub(r'\s+', '', piece)
                if first + span >= index and _TITLE_TIGHT_RE.match(joined):
                    found.update(range(first + 1, first + span + 2))
                    break
            if index + 1 in found:
                break
    return found


def glue(previous, following, width, column=None):
    """What joins a line the client wrapped to its continuation: ' ' or ''.

    The client breaks a long line at a blank and starts the next line with it (the real table
    capture: ' x86-64' under 'Linux'), or cuts a word that does not fit at the console width.
    A blank at the end of the first line or at the start of the continuation (past `column`, where
    the continuation is meant to start) was a blank. A word that starts after punctuation ('23,' +
    'Moved'), or a line shorter than the widest line of the output (a break at a blank the client
    dropped), also continues after a blank. A line that fills the width was cut ('14:' + '05').
    """
    start = len(following) - len(following.lstrip())
    if previous[-1:].isspace() or (column is not None and start > column) or (column is None and start > 0):
        return ' '
    last, first = previous.rstrip()[-1:], following.strip()[:1]
    if first.isalpha() and (last in ',;:)!?' or (last == '.' and first.isupper())):
        return ' '     # a new word after punctuation; not '14:' + '05' or '127.' + '0', cut inside a value
    if len(previous.rstrip()) < width:
        return ' '
    return ''


# Routing messages (and the client's command echo) are complete only with their whole text;
# checked without blanks, since a wrap may fall anywhere, even inside a server name.
_ROUTING_COMPLETE = {
    'ANR1687I': re.compile(r"follows:?$"),
    'ANR1688I': re.compile(r"completed\.?$"),
    'ANR1694I': re.compile(r"\.$"),
    'ANR1695W': re.compile(r"\.$"),
    'ANR1696E': re.compile(r"\.$"),
    'ANR1697I': re.compile(r"witherrors\.?$"),
    'ANR1699I': re.compile(r"server\(s\)\.?$"),
    'ANS8000I': re.compile(r"'\.$"),     # the client's command echo: "Server command: '...'."
}
_WRAP_MIN = 0    # [DECIDED] any message line without closing punctuation goes on: real texts end with one


def _message_continues(message, line):
    """True when a message's text goes on on the next line: a routing message whose text is not
    yet whole, or a long message line that stops without closing punctuation."""
    complete = _ROUTING_COMPLETE.get(message['id'])
    if complete is not None:
        return complete.search(re.sub(r'\s+', '', message['text'])) is None
    text = message['text'].rstrip()
    return len(line.rstrip()) >= _WRAP_MIN and text[-1:] not in ('.', ':', '!', '?', ')', "'", '"', '')


# --- list mode ---------------------------------------------------------------------------------

def _entries(text, entries):
    """The scanned lines of a text: `entries` when a caller scanned them already (a routed
    section), checked for control characters like a fresh strict scan; else _scan(text)."""
    if entries is None:
        return _scan(text)
    if _CONTROL_RE.search(text.replace('\r', '')) is not None:
        return _scan(text)      # raises ParseError on the garbled line
    return entries


def parse_list(text, entries=None):
    """Parse -displaymode=list output: records of right-aligned 'Label: value' lines.

    Records are separated by blank lines, messages, or a label repeating. A line indented past the
    colon of the label above continues that label's value; see glue() for the blank between the
    pieces (a blank where the client broke the line at one, none where it cut a word). Labels and
    values are kept as printed (stripped), in order, unknown labels included.
    """
    rows = []
    messages = []
    labels = {}
    record = None
    last_label = None
    colon_col = value_col = None
    previous = None
    width = None
    for lineno, kind, line, message in _entries(text, entries):
        if kind == 'blank' and last_label is not None and line and len(line) > value_col:
            previous = line     # only the blank the value was broken at (a console narrower than the labels)
            continue
        if kind != 'data':
            if message is not None:
                messages.append(message)
            record = last_label = None
            continue
        if last_label is not None and len(line) - len(line.lstrip()) > colon_col:
            if width is None:
                width = max(len(physical.rstrip('\r')) for physical in text.split('\n'))
            joint = glue(previous, line, width, value_col) if record[last_label] else ''
            record[last_label] = record[last_label] + joint + line.strip()
            previous = line
            continue
        head, colon, value = line.partition(':')
        label = labels.setdefault(head, head.strip())     # one string per label, shared by every row
        if not colon or not label:
            raise ParseError('not a "Label: value" line in list output', lineno, line)
        if record is None or label in record:
            record = {}
            rows.append(record)
        stripped = value.strip()
        record[label] = stripped
        last_label = label
        colon_col = len(head)
        value_col = colon_col + 1 + (len(value) - len(value.lstrip()) if stripped else 1)
        previous = line
    return Parsed(rows, messages)


# --- comma / tab -------------------------------------------------------------------------------

def parse_delimited(text, delimiter, columns=None, entries=None):
    """Parse -comma (CSV quoting, e.g. "2,096,671.99") or -tab output.

    Rows are lists of stripped strings, or dicts when column names are given (-dataonly=yes prints
    no header). Every row must have the same number of fields, else ParseError.
    """
    messages = []
    data = []
    for lineno, kind, line, message in _entries(text, entries):
        if kind == 'message':
            messages.append(message)
        elif kind == 'data':
            data.append((lineno, line))
    if delimiter == '\t':
        split = [line.split('\t') for lineno, line in data]
    else:
        split = _csv_rows(data, delimiter)
    rows = []
    width = len(columns) if columns else None
    for (lineno, line), fields in zip(data, split):
        fields = [field.strip() for field in fields]
        if width is None:
            width = len(fields)
        if len(fields) != width:
            raise ParseError('%d fields where %d were expected' % (len(fields), width), lineno, line)
        rows.append(dict(zip(columns, fields)) if columns else fields)
    return Parsed(rows, messages)


def _csv_rows(data, delimiter):
    """One csv.reader over all the data lines (one reader, not one per line: 2x faster), holding
    each record to its own line: a quote left open (a garbled line) is an error, never a record
    that swallows the lines after it."""
    reader = csv.reader([line for lineno, line in data], delimiter=delimiter, strict=True)
    out = []
    try:
        for fields in reader:
            if reader.line_num != len(out) + 1:
                lineno, line = data[len(out)]
                raise ParseError('bad CSV quoting (a quoted field runs past its line)', lineno, line)
            out.append(fields)
    except csv.Error as exc:
        lineno, line = data[min(max(reader.line_num, 1), len(data)) - 1]
        raise ParseError('bad CSV quoting (%s)' % exc, lineno, line)
    return out


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


def parse_table(text, entries=None):
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
    entries = _entries(text, entries)
    if not any(entry[1] == 'data' and _DASHES_RE.match(entry[2]) for entry in entries):
        return parse_list(text, entries)
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


def parse_output(text, mode, columns=None, checks=None, entries=None):
    """Parse with the parser of an output mode: list, table, comma or tab.

    checks: {field: helper} (field = label, column name, or index for rows without columns);
    every non-empty value of that field must read with the helper (to_int, parse_wait,
    parse_timestamp ...), else ParseError: a value that is not of its field's type is garbled
    output even when the line keeps its shape. Rows are returned as printed.
    """
    if mode == 'list':
        parsed = parse_list(text, entries)
    elif mode == 'table':
        parsed = parse_table(text, entries)
    elif mode in ('comma', 'tab'):
        parsed = parse_delimited(text, ',' if mode == 'comma' else '\t', columns, entries)
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
# The same lines with every blank removed: a line wrapped (or a word cut) anywhere still reads.
_FOLLOWS_TIGHT_RE = re.compile(r"^Outputforcommand'(?P<command>.*)'issuedagainstserver(?P<server>\S+?)follows:?$")
_STATUS_RE = re.compile(r'^Server (?P<server>[^\s,]+)')
_SUMMARY_RE = re.compile(r'processedby(\d+)server\(s\):(\d+)successful,(\d+)withwarnings,?and(\d+)witherrors')


def _tight(text):
    return re.sub(r'\s+', '', text)


def _follows(text):
    """(server, command) of an ANR1687I text, or None."""
    match = _FOLLOWS_RE.match(text)
    if match is not None:
        return match.group('server'), match.group('command')
    match = _FOLLOWS_TIGHT_RE.match(_tight(text))
    if match is not None:   # wrapped: the name is exact, the command may have lost a blank
        command = text[text.find("'") + 1:text.rfind("'")] if text.count("'") >= 2 else match.group('command')
        return match.group('server'), command
    return None


def _status_server(text, known):
    """The server an ANR1694I/ANR1695W/ANR1696E text names: its first word, or, when a wrap split
    the name, the longest known target name the text starts with once blanks are removed."""
    match = _STATUS_RE.match(text)
    if match is None:
        return None
    if match.group('server').upper() in known:
        return match.group('server')
    tight = _tight(text).upper()
    for name in sorted(known, key=len, reverse=True):
        if tight.startswith('SERVER' + name):
            return name
    return match.group('server')


def _routed_summary(text):
    match = _SUMMARY_RE.search(_tight(text))
    if match is None:
        return None
    return dict(zip(('servers', 'successful', 'warnings', 'errors'), (int(g) for g in match.groups())))


class RoutedSection(dict):
    """One target's section of routed output (see split_routed). Its `text` is cut from the whole
    output only when asked (section['text']), and not kept: a fleet's answer is held once, not once
    whole and once again in pieces."""

    def __init__(self, *args, **kwargs):
        super(RoutedSection, self).__init__(*args, **kwargs)
        self.source, self.span = '', None

    def __missing__(self, key):
        if key == 'text' and self.span is not None:
            return self.source[self.span[0]:self.span[1]]
        raise KeyError(key)


def after_lines(text, offset, count):
    """The offset `count` lines after `offset` (or the end of the text)."""
    for _index in range(count):
        found = text.find('\n', offset)
        if found == -1:
            return len(text)
        offset = found + 1
    return offset


def message_at(text, offset, size=4, limit=None):
    """(message, end) of the ANR/ANS message that starts at `offset` (a line start), `end` being
    the offset after its last line (the client may have wrapped it over several), or (None,
    offset) when no message starts there. Only the lines of the message are scanned, and none
    at or after `limit`."""
    limit = len(text) if limit is None else limit
    while True:
        end = min(after_lines(text, offset, size), limit)
        found = message_lines(text[offset:end])
        if not (found and found[0][0] == 1):
            return None, offset
        if found[0][2] < size or end >= limit:
            return found[0][1], min(after_lines(text, offset, found[0][2]), limit)
        size *= 4       # a long message (a command routed to many servers) wrapped over more lines


_ROUTING_LINE_RE = re.compile(r'^ANR16(?:87I|88I|94I|95W|96E|97I|99I)(?:[ \t]|\r?$)', re.M)
_SECTION_START_RE = re.compile(r'^ANR1687I(?:[ \t]|\r?$)', re.M)
_SECTION_END_RE = re.compile(r'^ANR1688I(?:[ \t]|\r?$)', re.M)
_MESSAGE_START_RE = re.compile(r'^[A-Z]{3}\d{4}[IWESK](?:[ \t]|\r?$)', re.M)
# A prompt the client printed without a newline, right before a routing message on that line.
_PROMPTED_ROUTING_RE = re.compile(r'nter your (?:user id|password):[ \t]*ANR16\d\d', re.I)


def split_routed(text, servers=None, span=None):
    """Split routed output (`A,B: command`) into one section per target server.

    Each section: server, command, status ('successful', 'warning', 'failed' or None), text (the
    lines between ANR1687I and ANR1688I, to parse with the mode's parser) and messages (those in
    the text, the status line, and error lines outside any section that name the server; the
    names in `servers` are recognised even when a target printed no section at all). Text with no
    routing framing is one section with server None. Garbled data inside a section is left for the
    section's parser, so one bad target does not spoil the others.

    The output of a whole fleet can be large: only the lines outside the sections are scanned
    line by line; a section's end is found by searching (ANR1688I at a line start), its messages
    by the lines that start like one, and its text is cut out only when asked (RoutedSection).
    span: the (start, end) of the answer in `text` (one answer of a session's output), else all
    of it; the sections are places in `text`.
    """
    text = text or ''
    first, last = span if span is not None else (0, len(text))
    if _ROUTING_LINE_RE.search(text, first, last) is None or _PROMPTED_ROUTING_RE.search(text, first, last) is not None:
        return _split_routed_scanned(text[first:last] if span is not None else text, servers)
    sections, by_name, section_of = _sections(servers, _new_routed_section)
    state = {'top': [], 'summary': None, 'first': first}
    pos = first
    while pos < last:
        start = _SECTION_START_RE.search(text, pos, last)
        _top_lines(text, pos, last if start is None else start.start(), state, section_of, by_name)
        if start is None:
            break
        message, body = message_at(text, start.start(), limit=last)
        follows = _follows(message['text']) if message else None
        if follows is None:
            line = text[start.start():min(after_lines(text, start.start(), 1), last)].rstrip('\r\n')
            raise ParseError('unreadable ANR1687I routing line', text.count('\n', first, start.start()) + 1, line)
        current = section_of(*follows)
        end = _SECTION_END_RE.search(text, body, last)
        _close_span(current, text, body, last if end is None else end.start(), end is not None)
        if end is None:     # cut off before ANR1688I: keep what came
            break
        pos = message_at(text, end.start(), limit=last)[1]
    return RoutedOutput(True, sections, state['summary'], state['top'])


def _top_lines(text, start, end, state, section_of, by_name):
    """The lines of routed output outside any section (routing, status and error messages)."""
    if start >= end:
        return
    first = None
    for lineno, kind, line, message in _scan(text[start:end], strict=False):
        if kind == 'data' and not state['top'] and first is None:
            first = text.count('\n', state['first'], start)
        _outside(state, (first or 0) + lineno, kind, line, message, section_of, by_name)


def _outside(state, lineno, kind, line, message, section_of, by_name):
    """One scanned line outside any section of routed output: a target's status line, a routing
    message, an error naming a target (that target failed), or a message of the whole call."""
    top = state['top']
    if kind == 'blank':
        return
    if kind == 'data':
        if not top:
            raise ParseError('data outside any routed section', lineno, line)
        top[-1]['text'] = (top[-1]['text'] + ' ' + line.strip()).strip()   # a wrapped message
        return
    if message['id'] in _STATUS_BY_ID and _status_server(message['text'], by_name):
        section = section_of(_status_server(message['text'], by_name))
        section['status'] = _STATUS_BY_ID[message['id']]
        section['messages'].append(message)
    elif message['id'] in _ROUTING_IDS:
        if message['id'] == 'ANR1697I':
            state['summary'] = _routed_summary(message['text'])
        top.append(message)
    else:
        named = _named_server(message, by_name)
        if named is None:
            top.append(message)
            return
        section = section_of(named)
        section['messages'].append(message)
        if section['status'] is None:
            section['status'] = 'failed'


def _sections(servers, make):
    """(sections, by_name, section_of): the sections of routed output in the order met, by
    upper-case name (the names in `servers` known before any output names them), and the
    section of a name, made with make(name, command) on first use."""
    sections = []
    by_name = dict((name.upper(), None) for name in servers or ())

    def section_of(name, command=None):
        key = name.upper()
        if by_name.get(key) is None:
            by_name[key] = make(name, command)
            sections.append(by_name[key])
        return by_name[key]
    return sections, by_name, section_of


def _new_section(name, command):
    return {'server': name, 'command': command, 'status': None, 'text': '', 'messages': []}


def _new_routed_section(name, command):
    return RoutedSection(_new_section(name, command))


def _close_span(section, text, start, end, closed):
    """A section's place in the output, and the messages among its lines; `closed`: it ends at
    an ANR1688I line (else the output was cut off inside it)."""
    messages = []
    pos = start
    while True:
        found = _MESSAGE_START_RE.search(text, pos, end)
        if found is None:
            break
        message, after = message_at(text, found.start(), limit=end)
        if message is None:
            pos = found.end()
            continue
        messages.append(message)
        pos = min(after, end)
    if closed and end > start and text[end - 1] == '\n':     # the line break before ANR1688I is not the section's
        end -= 2 if end - 1 > start and text[end - 2] == '\r' else 1
    section.pop('text', None)
    section.source, section.span = text, (start, end)
    section['messages'] = messages + section['messages']


def _split_routed_scanned(text, servers=None):
    """split_routed by a scan of every line: output with no routing message at a line start, and
    output whose prompt runs into a routing message on the same line (a prompt printed without
    a newline)."""
    entries = _scan(text, strict=False)
    if not any(entry[3] and entry[3]['id'] in _ROUTING_IDS for entry in entries):
        section = {'server': None, 'command': None, 'status': None, 'text': text or '',
                   'messages': [entry[3] for entry in entries if entry[3]]}
        return RoutedOutput(False, [section], None, [])
    sections, by_name, section_of = _sections(servers, _new_section)
    state = {'top': [], 'summary': None}
    current = None
    body = []
    for lineno, kind, line, message in entries:
        if current is not None:
            if message is not None and message['id'] == 'ANR1688I':
                _close_section(current, body)
                current = None
            else:
                body.append((lineno, kind, line, message))
        elif message is not None and message['id'] == 'ANR1687I':
            follows = _follows(message['text'])
            if follows is None:
                raise ParseError('unreadable ANR1687I routing line', lineno, line)
            current = section_of(*follows)
            body = []
        else:
            _outside(state, lineno, kind, line, message, section_of, by_name)
    if current is not None:   # cut off before ANR1688I: keep what came
        _close_section(current, body)
    return RoutedOutput(True, sections, state['summary'], state['top'])


def _close_section(section, body):
    """A section's text, its scanned lines (`entries`, so its parser need not scan them again)
    and its messages."""
    section['text'] = '\n'.join(entry[2] for entry in body)
    section['entries'] = body
    section['messages'] = [entry[3] for entry in body if entry[3] is not None] + section['messages']


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
# Numbers and dates in QUERY output follow the server's or client's NUMBERFORMAT, DATEFORMAT and
# TIMEFORMAT (and the locale); SELECT output does not. Every documented form is read here.

_BYTE_UNITS = {'': 0, 'B': 0, 'K': 1, 'M': 2, 'G': 3, 'T': 4, 'P': 5, 'E': 6}
_WAIT_UNITS = {'': 1, 'S': 1, 'M': 60, 'H': 3600, 'D': 86400}
_SCALED_RE = re.compile(r'^(?P<number>-?\d[\d,. \'\u00a0\u202f]*)\s*(?P<unit>[A-Za-z]?)B?$')
# Thousands groups: 1,024  1.024  1 024  1'024 (NUMBERFORMAT 1-6) and the no-break spaces of locales.
_GROUPED_RE = re.compile('^-?\\d{1,3}(?:([,.\' \u00a0\u202f])\\d{3})(?:\\1\\d{3})*$')
_INT_RE = re.compile(r'^-?\d+$')


def _blank(value):
    return value is None or (not isinstance(value, (int, float)) and not str(value).strip())


def to_int(value):
    """'36,775', '36.775', '36 775', "36'775" -> 36775 (any NUMBERFORMAT's thousands separator);
    '' or None -> None. A decimal such as '1.5' is not an integer (ParseError)."""
    if _blank(value):
        return None
    if isinstance(value, bool):
        raise ParseError('not an integer: %r' % (value,))
    if isinstance(value, int):
        return value
    text = str(value).strip()
    if _INT_RE.match(text):
        return int(text)
    if _GROUPED_RE.match(text):
        return int(re.sub(r'[^\d-]', '', text))
    raise ParseError('not an integer: %r' % (value,))


def to_number(value):
    """A number in any NUMBERFORMAT -> float: '2,096,671.99' (1), '2.096.671,99' (5),
    '2 096 671,99' (3), "2'096'671,99" (6), '18,8' (a decimal comma).

    With both '.' and ',' the last one is the decimal mark. With one of them only, it groups
    thousands where three digits follow it ('1,024' is 1024) and is the decimal mark before the
    last group when fewer follow ('18,8'; NUMBERFORMAT 2 '2,096,671,99')."""
    if _blank(value):
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    text = re.sub('[ \'\u00a0\u202f]', '', str(value).strip())
    if not re.match(r'^-?\d[\d,.]*$', text) or text[-1] in ',.':
        raise ParseError('not a number: %r' % (value,))
    marks = [mark for mark in ',.' if mark in text]
    if len(marks) == 2:
        decimal = ',' if text.rfind(',') > text.rfind('.') else '.'
        whole, fraction = text.rsplit(decimal, 1)
        return float(whole.replace(',', '').replace('.', '') + '.' + fraction)
    if marks:
        mark = marks[0]
        parts = text.split(mark)
        if not all(len(part) == 3 for part in parts[1:-1]) or (len(parts) > 2 and len(parts[0]) > 3):
            raise ParseError('not a number: %r' % (value,))
        if len(parts[-1]) == 3:      # '1,024', '2.096.671': thousands
            return float(''.join(parts))
        # '18,8', '18.8', and NUMBERFORMAT 2's '2,096,671,99': the last mark is the decimal one
        return float(''.join(parts[:-1]) + '.' + parts[-1])
    return float(text)


def _scaled(value, units, what):
    if _blank(value):
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return int(round(value))
    match = _SCALED_RE.match(str(value).strip())
    unit = match.group('unit').upper() if match else None
    if match is None or unit not in units:
        raise ParseError('not %s: %r' % (what, value))
    try:
        number = to_number(match.group('number').strip())
    except ParseError:
        raise ParseError('not %s: %r' % (what, value))
    return int(round(number * units[unit]))


def parse_bytes(value):
    """'18.8 K' -> 19251 bytes (K, M, G, T, P = powers of 1024); '150' -> 150; '18,8 K' too."""
    return _scaled(value, dict((unit, 1024 ** power) for unit, power in _BYTE_UNITS.items()), 'a byte count')


def parse_wait(value):
    """'0 S' -> 0, '5 M' -> 300, '2 H' -> 7200 seconds."""
    return _scaled(value, _WAIT_UNITS, 'a wait time')


# Dates: three numbers split by '/', '-' or '.'; times: H M [S] split by ':', ',' or '.', with an
# optional AM/PM (TIMEFORMAT 4: '02:30:00 PM', 'A/P' forms). The SQL forms are ISO
# ('2008-11-21 11:26:03.000000') or DB2 ('2008-11-21-11.26.03.000000').
_STAMP_RE = re.compile(
    r'^(?P<a>\d{1,4})(?P<sep>[/.\-])(?P<b>\d{1,2})(?P=sep)(?P<c>\d{1,4})'
    r'(?:(?:[\sT]+|-)(?P<H>\d{1,2})[:.,](?P<M>\d{2})(?:[:.,](?P<S>\d{2})(?:\.\d+)?)?'
    r'(?:\s*(?P<ampm>[AaPp])\.?(?:[Mm]\.?)?)?)?$')
_AMPM_FIRST_RE = re.compile(r'^(?P<date>\S+)\s+(?P<ampm>[AaPp])\.?[Mm]?\.?\s+(?P<time>\S+)$')
# The orders a date can be printed in: DATEFORMAT 1 MM/DD/YYYY, 2 DD-MM-YYYY, 3 YYYY-MM-DD,
# 4 DD.MM.YYYY, 5 YYYY.MM.DD; locales also print DD/MM/YYYY and two-digit years (DD.MM.YY from
# Windows servers). So a year-first date is YMD; a year-last date with '.' or '-' is DMY; with
# '/' it is MDY or DMY, which only the other dates of the answer or the server's time can tell.
ORDERS = ('YMD', 'MDY', 'DMY')


def _year(text):
    year = int(text)
    if len(text) <= 2:
        year += 1900 if year >= 69 else 2000
    return year


def timestamp_candidates(value):
    """{order: 'YYYY-MM-DDTHH:MM:SS'} for every order (YMD, MDY, DMY) the value can be printed in
    (see ORDERS) and is a valid date in.

    Empty for a value of the right shape that is no date in any order ('13/45/2024');
    ParseError for a value that is not a timestamp at all. '' or None -> {}."""
    if _blank(value):
        return {}
    text = str(value).strip()
    ampm_first = _AMPM_FIRST_RE.match(text)
    if ampm_first is not None:   # TIMEFORMAT 5: 'A/P 12:00:00'
        text = '%s %s %s' % (ampm_first.group('date'), ampm_first.group('time'), ampm_first.group('ampm'))
    match = _STAMP_RE.match(text)
    if match is None or match.group('H') is None:
        raise ParseError('not a timestamp: %r' % (value,))
    a, b, c = match.group('a'), match.group('b'), match.group('c')
    hour, minute, second = int(match.group('H')), int(match.group('M')), int(match.group('S') or 0)
    ampm = (match.group('ampm') or '').upper()
    if ampm:
        if not 1 <= hour <= 12:
            return {}
        hour = hour % 12 + (12 if ampm == 'P' else 0)
    sep = match.group('sep')
    if len(a) == 4 and len(c) <= 2:                 # year first: YMD (DATEFORMAT 3 and 5, SQL)
        fields = {'YMD': (int(a), int(b), int(c))}
    elif len(c) in (2, 4) and len(a) <= 2:          # year last, four or two digits
        fields = {'DMY': (_year(c), int(b), int(a))}
        if sep == '/':                              # MM/DD (DATEFORMAT 1) or DD/MM (locales)
            fields['MDY'] = (_year(c), int(a), int(b))
    else:   # a two-digit year first is no documented form
        raise ParseError('not a timestamp: %r' % (value,))
    candidates = {}
    for order, (year, month, day) in fields.items():
        try:
            stamp = datetime.datetime(year, month, day, hour, minute, second)
        except ValueError:
            continue
        candidates[order] = stamp.strftime('%Y-%m-%dT%H:%M:%S')
    return candidates


def parse_timestamp(value):
    """A server timestamp -> ISO 8601 'YYYY-MM-DDTHH:MM:SS' (naive, server local time), when the
    value alone says which date it is: SQL and YYYY-first forms always; other forms when every
    order they could be in gives the same date ('22.04.2024', '12/31/99'). An ambiguous value
    ('05/11/2026': May or November?) raises AmbiguousTimestamp: read it with a DateReader, which
    resolves the order from the other dates of the answer and the server's time. '' -> None."""
    if _blank(value):
        return None
    results = set(timestamp_candidates(value).values())
    if not results:
        raise ParseError('not a timestamp: %r' % (value,))
    if len(results) > 1:
        raise AmbiguousTimestamp('ambiguous date: %r could be %s' % (value, ' or '.join(sorted(results))))
    return results.pop()


def check_timestamp(value):
    """A type check for parse_output: the value is a date and time in some printed form (its order
    may still be ambiguous on its own); ParseError otherwise."""
    if not _blank(value) and not timestamp_candidates(value):
        raise ParseError('not a timestamp: %r' % (value,))
    return value


class AmbiguousTimestamp(ParseError):
    """A date whose day and month (or year) cannot be told apart from the value alone."""


class DateReader(object):
    """Reads the dates of one server's answer, deciding the date order once for all of them.

    A server (or client) prints every date of an answer in one DATEFORMAT. The orders every value
    is a valid date in are kept; when `now` (the server's own time, read by SELECT) is known,
    orders that put a date more than a day after it are dropped. A value that still reads as
    different dates in the remaining orders is left empty (None) and noted in `problems`, never
    guessed; a value that is no date at all is left empty and noted too.
    """

    def __init__(self, values, now=None):
        self.problems = []
        self._cache = {}
        orders = set(ORDERS)
        parsed = []
        for value in values:
            if _blank(value):
                continue
            try:
                candidates = timestamp_candidates(value)
            except ParseError:
                continue
            if candidates:
                parsed.append(candidates)
                orders &= set(candidates)
        if not orders:   # no single order reads every date: judge each value on its own
            orders = set(ORDERS)
        if now is not None and parsed:
            limit = (now + datetime.timedelta(days=1)).strftime('%Y-%m-%dT%H:%M:%S')
            plausible = set(order for order in orders
                            if all(c.get(order, '') <= limit for c in parsed if order in c))
            orders = plausible or orders
        self.orders = orders

    def read(self, value, label='date'):
        """The ISO timestamp of a value, or None (empty, unreadable or ambiguous: see problems)."""
        if _blank(value):
            return None
        if value in self._cache:
            return self._cache[value]
        result = None
        try:
            candidates = timestamp_candidates(value)
        except ParseError:
            candidates = None
        if candidates is None or not candidates:
            self.problems.append('%s %r is not a date and time' % (label, value))
        else:
            results = set(iso for order, iso in candidates.items() if order in self.orders)
            if len(results) == 1:
                result = results.pop()
            else:
                results = results or set(candidates.values())
                self.problems.append('%s %r is ambiguous (%s): the day and month order of the server could '
                                     'not be told' % (label, value, ' or '.join(sorted(results))))
        self._cache[value] = result
        return result
