# -*- coding: utf-8 -*-
# Copyright: spectrum_protect.operations contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Tape mount requests: which outstanding request holds a session or process, and which volume
is being mounted for it (the Tasks page's cancel rules).

PRIVATE to the spectrum_protect.operations collection: the interface may change in any release.

QUERY REQUEST lists the outstanding requests as messages ('001: Insert LTO volume ... issue
REPLY ...'); a task names the volume it waits for (a session's volume-wait and mount-wait
columns, a process's status). A volume a task waits for that no outstanding request names is
being mounted. Nothing here depends on message IDs.
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import re

REQUESTS_COMMAND = 'QUERY REQUEST'
_REQUEST_RE = re.compile(r'^\s*(\d+):\s*(.*)$')
_VOLUME_RE = re.compile(r'\bvolume\s+([A-Za-z0-9][A-Za-z0-9_.\-]*[A-Za-z0-9])', re.IGNORECASE)
_REPLY_RE = re.compile(r'\bREPLY\b', re.IGNORECASE)
_MOUNT_WAIT_RE = re.compile(r'waiting for (?:the )?mount', re.IGNORECASE)
REQUEST_REPLY_NOTE = ('waits for mount request {id} (volume {volume}), which needs an operator reply: it ends when the '
                      'request is answered (REPLY {id}), cancelled (CANCEL REQUEST {id}) or times out')
REQUEST_PLAIN_NOTE = 'its mount request {id} (volume {volume}) is cancelled with it'
REQUEST_CANCEL_NOTE = ('waits for mount request {id} (volume {volume}), which needs an operator reply: the module '
                       'cancels the request (CANCEL REQUEST {id}) so that the process can end')
MOUNTING_NOTE = 'volume {volume} is being mounted: the {kind} ends once the mount is complete (the Tasks page rule)'


def parse_requests(messages):
    """Outstanding mount requests from QUERY REQUEST's messages: [{id, volume, needs_reply, text}].

    A request is a message whose text starts with its number ('001: Insert LTO volume ...'); one
    that asks for a REPLY needs an operator's reply [DECIDED: read from the text, as the operator
    reads it]. Message IDs are not used."""
    out = []
    for message in messages:
        match = _REQUEST_RE.match(message.get('text') or '')
        if not match:
            continue
        text = match.group(2)
        volume = _VOLUME_RE.search(text)
        out.append({'id': int(match.group(1)), 'volume': volume.group(1).upper() if volume else None,
                    'needs_reply': bool(_REPLY_RE.search(text)), 'text': text})
    return out


def read_requests(fleet, keys):
    """{server: [request]} from QUERY REQUEST on `keys` (no request outstanding: [])."""
    keys = [k for k in fleet.order if k in keys and k in fleet.alive()]
    if not keys:
        return {}
    return dict((key, parse_requests(result.messages))
                for key, result in fleet.query(REQUESTS_COMMAND, keys, query='requests').items())


def task_volumes(task):
    """The volumes a task waits for: a session's volume-wait and mount-wait columns, or the volume
    a process's status says it waits for."""
    raw = task.get('raw') or {}
    found = set()
    if task['type'] == 'session':
        for column in ('INPUT_VOL_WAIT', 'OUTPUT_VOL_WAIT', 'INPUT_MOUNT_WAIT', 'OUTPUT_MOUNT_WAIT'):
            if (raw.get(column) or '').strip():
                found.add(raw[column].strip().upper())
    else:
        status = task.get('status_text') or ''
        if _MOUNT_WAIT_RE.search(status):
            volume = _VOLUME_RE.search(status)
            if volume:
                found.add(volume.group(1).upper())
    return found


def mount_state(task, requests):
    """(requests that hold the task, volumes being mounted for it) from the outstanding requests."""
    volumes = task_volumes(task)
    holding = [r for r in requests if r['volume'] in volumes]
    mounting = sorted(volumes - set(r['volume'] for r in holding))
    return holding, mounting
