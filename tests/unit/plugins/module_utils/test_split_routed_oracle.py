# -*- coding: utf-8 -*-
# Copyright: spectrum_protect.operations contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Issue 10 (memory): split_routed finds a section's end by searching and cuts its text only when
asked; the line-by-line scan it replaced (_split_routed_scanned, still used for output without
routing lines) is the oracle: on every routed output both give the same sections, statuses,
messages, summary and section texts, and the sections parse to the same rows."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import os

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ansible_collections.spectrum_protect.operations.plugins.module_utils import _parse
from ansible_collections.spectrum_protect.operations.plugins.module_utils._parse import (
    ParseError,
    parse_output,
    split_routed,
)

FIXTURES = os.path.join(os.path.dirname(__file__), '..', '..', 'fixtures')
SERVERS = ['SPOKE1', 'SPOKE2', 'SPOKE3', 'LONG_SPOKE_NAME_4']
LONG = ('ANR0944E QUERY PROCESS: No active processes found and this message goes on well past the width of '
        'the console so that the client wraps it')


def view(routed, mode):
    """What a caller can see of a split: every field, and each section's rows in `mode`."""
    sections = []
    for section in routed.sections:
        try:
            rows = parse_output(section['text'], mode).rows
        except ParseError as exc:
            rows = 'ParseError: %s' % exc.reason
        sections.append((section['server'], section['command'], section['status'], section['text'].replace('\r', ''),
                         [(m['id'], m['severity'], m['text']) for m in section['messages']], rows))
    return routed.routed, sections, routed.summary, [(m['id'], m['text']) for m in routed.messages]


def both(text, mode='list', servers=None):
    servers = SERVERS if servers is None else servers
    try:
        new = view(split_routed(text, servers), mode)
    except ParseError as exc:
        new = ('ParseError', exc.reason, exc.lineno)
    try:
        old = view(_parse._split_routed_scanned(text, servers), mode)
    except ParseError as exc:
        old = ('ParseError', exc.reason, exc.lineno)
    return new, old


def wrap(line, width):
    return '\n'.join(line[i:i + width] for i in range(0, len(line), width)) if width else line


LIST_RECORD = st.lists(st.tuples(st.sampled_from(['Sess Number', 'Comm. Method', 'Client Name', 'Sess State']),
                                 st.sampled_from(['1', '2,048', 'Tcp/Ip', 'NODE1', 'MediaW', ''])),
                       min_size=1, max_size=4)
BODY_PART = st.one_of(
    LIST_RECORD.map(lambda pairs: '\n'.join('%15s: %s' % pair for pair in pairs) + '\n'),
    st.sampled_from(['ANR2034E SELECT: No match found using this criteria.\n',
                     'ANR0944E QUERY PROCESS: No active processes found.\n', LONG[:80] + '\n' + LONG[80:] + '.\n',
                     '\n', '   \n', 'ANS8001I Return code 11.\n', '1,Migration,Running\n', 'x:y\n',
                     'ANR1687I in the data: not at a line start\n'.rjust(50)]))


@st.composite
def routed_output(draw):
    command = draw(st.sampled_from(['QUERY SESSION', 'SELECT * FROM PROCESSES WHERE X=1', 'Q ' + 'X' * 120]))
    width = draw(st.sampled_from([0, 0, 79, 61]))
    newline = draw(st.sampled_from(['\n', '\n', '\r\n']))
    out = [draw(st.sampled_from(['', 'IBM Spectrum Protect\nCommand Line Administrative Interface - Version 8\n'
                                 'Session established with server HUB1: Linux/x86_64\n']))]
    statuses = []
    for name in draw(st.lists(st.sampled_from(SERVERS), unique=True, max_size=4)):
        how = draw(st.sampled_from(['section', 'section', 'section', 'unreachable', 'cut']))
        if how == 'unreachable':
            out.append('ANR1696E Server %s could not be reached: ANR1698E Command routing failed.\n' % name)
            statuses.append(('ANR1696E', name))
            continue
        out.append("ANR1687I Output for command '%s' issued against server %s follows:\n" % (command, name))
        out.append(''.join(draw(st.lists(BODY_PART, max_size=5))))
        if how == 'cut':
            break
        out.append("ANR1688I Output for command '%s' issued against server %s completed.\n" % (command, name))
        statuses.append((draw(st.sampled_from(['ANR1694I', 'ANR1695W', 'ANR1696E'])), name))
    for message_id, name in statuses:
        out.append('%s Server %s processed the command.\n' % (message_id, name))
    out.append(draw(st.sampled_from(['', 'ANR1697I Command %s processed by %d server(s): 1 successful, 0 with '
                                     'warnings, and 0 with errors.\n' % (command, len(statuses)), 'stray data\n'])))
    # the client wraps every line at its console width, not only the routing messages
    text = '\n'.join(wrap(line, width) for line in ''.join(out).split('\n'))
    return text.replace('\n', newline)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(routed_output(), st.sampled_from(['list', 'comma']))
def test_the_search_splits_as_the_line_scan_did(text, mode):
    new, old = both(text, mode)
    assert new == old


def tight(seen):
    """A view with the blanks of message texts removed (where a wrapped line was glued)."""
    routed, sections, summary, top = seen
    return (routed, [section[:4] + ([(i, s, ''.join(t.split())) for i, s, t in section[4]],) + section[5:]
                     for section in sections], summary, [(i, ''.join(t.split())) for i, t in top])


def test_real_routed_captures_split_as_before():
    for folder, name in (('dsmadmc', 'routed_q_sched.txt'), ('forms', 'routed_wrapped.txt')):
        with open(os.path.join(FIXTURES, folder, name)) as handle:
            text = handle.read()
        new, old = both(text, servers=['HUB1', 'SPOKE1', 'SPOKE2'])
        assert new[0] is True and new[1], name     # routed, with sections
        assert tight(new) == tight(old), name
    # routed_wrapped.txt wraps its lines at two widths (95 and 115): the scan of the whole output
    # took the wider one for every message and glued a word cut at 95 with a blank ('SESSI ONS');
    # a message is now read with the width of its own lines
    statuses = [m[2] for section in new[1] for m in section[4] if m[0] == 'ANR1694I']
    assert statuses and all("FROM SESSIONS S'" in text for text in statuses)
    assert any("FROM SESSI ONS" in m[2] or "FROM SES SIONS" in m[2] for section in old[1] for m in section[4])


def test_a_section_text_is_cut_only_when_asked():
    text = ("ANR1687I Output for command 'Q' issued against server S1 follows:\nA: 1\n"
            "ANR1688I Output for command 'Q' issued against server S1 completed.\n")
    section = split_routed(text).sections[0]
    assert 'text' not in dict(section) and section.span is not None
    assert section['text'] == 'A: 1'
    assert parse_output(section['text'], 'list').rows == [{'A': '1'}]
