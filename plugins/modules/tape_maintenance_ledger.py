#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, spectrum_protect.operations contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

DOCUMENTATION = r'''
module: tape_maintenance_ledger
short_description: The ledger of the tape_maintenance role
description:
  - Keeps the record of the retention jobs that the C(begin) entry point of the role
    C(spectrum_protect.operations.tape_maintenance) interrupted, so that its C(end) entry point
    resumes exactly those.
  - The ledger is one JSON file, written atomically (a temporary file in the same directory,
    flushed to disk, then renamed over the ledger) after every change, so a crash at any point
    leaves either the previous or the new ledger, never a partial one.
  - A finished ledger (every entry resumed or reported changed) is moved to the C(archive)
    directory beside it, under a name that carries its start, identifier and outcome.
  - The role is the way to use it; its options may change with the role.
version_added: 0.2.0
author:
  - spectrum_protect.operations contributors (@spectrum-protect-operations)
extends_documentation_fragment:
  - spectrum_protect.operations.attributes
options:
  path:
    description:
      - The ledger file on the host the module runs on (use C(delegate_to) to keep it on another
        host). Its directory is created (mode 0700) when missing.
    type: path
    required: true
  state:
    description:
      - V(read) returns the ledger, if any.
      - V(open) starts a ledger for a maintenance (C(begin)). When an unfinished ledger exists
        and its last maintenance has the same C(reason), C(servers) and C(selection), this is the
        same maintenance run again (after a crash, say) and the ledger is kept as it is. Otherwise
        it fails unless O(force) is set; then the new maintenance joins that ledger, so no job
        recorded there is forgotten.
      - V(record) adds or updates the entries in O(entries), keyed by server and job ID.
      - V(import) writes O(ledger) (handed over by C(set_stats) in a workflow) when no ledger file
        exists and O(ledger) is not finished; when one exists, it is kept and returned.
      - V(close) archives the ledger when no entry is left to resume and returns its outcome;
        otherwise the ledger stays and RV(pending) names the entries left.
    type: str
    choices: [read, open, record, import, close]
    default: read
  maintenance:
    description: For O(state=open), what this maintenance is - C(reason), C(who), C(servers), C(selection).
    type: dict
  entries:
    description:
      - For O(state=record), the entries to add or update. Each needs C(server) and C(job_id);
        every other key is stored as given. C(status) is one of C(interrupting) (recorded before
        the interrupt command is sent), C(interrupted) (waiting to be resumed), C(resumed),
        C(changed) (terminated, resumed by someone else or gone, so not resumed) or C(pending)
        (its server could not be reached, or the job is still on its way; still to do).
    type: list
    elements: dict
  ledger:
    description: For O(state=import), the ledger as C(begin) published it.
    type: dict
  force:
    description: For O(state=open), join an unfinished ledger instead of refusing to begin.
    type: bool
    default: false
attributes:
  check_mode:
    description: Can run in check_mode and return changed status prediction without modifying target.
    support: full
    details: In check mode nothing is written; the result shows the ledger as it would be.
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in check_mode), when in diff mode.
    support: none
seealso:
  - module: spectrum_protect.operations.sp_job
'''

EXAMPLES = r'''
- name: Refuse to begin while an unfinished maintenance exists
  spectrum_protect.operations.tape_maintenance_ledger:
    path: /var/lib/sp/tape_maintenance/ledger.json
    state: open
    maintenance: {reason: LTO drive 3 replaced, who: alice, servers: [HUB1, SPOKE1]}
'''

RETURN = r'''
ledger:
  description: The ledger after the operation (C(null) when there is none).
  returned: always
  type: dict
unfinished:
  description: Whether a ledger exists with entries not yet resumed or reported changed.
  returned: always
  type: bool
pending:
  description: The entries still to resume (status C(interrupting), C(interrupted) or C(pending)).
  returned: always
  type: list
  elements: dict
archived:
  description: Where O(state=close) archived the ledger.
  returned: when archived
  type: str
outcome:
  description: >-
    For O(state=close): C(resumed) (every job resumed), C(resumed_with_changes) (some changed
    meanwhile and were not resumed), C(empty) (nothing was interrupted), or C(unfinished).
  returned: when O(state=close)
  type: str
'''

import json
import os
import tempfile
import time
import uuid

from ansible.module_utils.basic import AnsibleModule

FORMAT = 1
OPEN_STATUSES = ('interrupting', 'interrupted', 'pending')
SAME_MAINTENANCE = ('reason', 'servers', 'selection')   # what makes a begin a run of the same maintenance
STATUSES = OPEN_STATUSES + ('resumed', 'changed')


def now():
    return time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime())


class LedgerError(Exception):
    pass


def key(entry):
    try:
        return (str(entry['server']).upper(), int(entry['job_id']))
    except (KeyError, TypeError, ValueError):
        raise LedgerError('a ledger entry needs server and a numeric job_id: %r' % (entry,))


def pending(ledger):
    if not ledger:
        return []
    return [e for e in ledger.get('entries', []) if e.get('status') in OPEN_STATUSES]


def is_unfinished(ledger):
    return bool(ledger) and ledger.get('status') != 'finished'


def load(path):
    """The ledger at path, or None. A ledger that is not valid JSON is an error, never ignored."""
    try:
        with open(path) as handle:
            data = json.load(handle)
    except (IOError, OSError) as exc:
        if not os.path.exists(path):
            return None
        raise LedgerError('cannot read the ledger %s: %s' % (path, exc))
    except ValueError as exc:
        raise LedgerError('the ledger %s is not valid JSON (%s); it is kept as it is: look at it, '
                          'then move it away to begin again' % (path, exc))
    if not isinstance(data, dict) or data.get('format') != FORMAT:
        raise LedgerError('%s is not a tape maintenance ledger of format %d' % (path, FORMAT))
    return data


def write_atomically(path, data):
    """Write data as JSON: a temporary file in the same directory, fsync, rename, fsync the directory."""
    directory = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(directory):
        os.makedirs(directory, 0o700)
    handle, tmp = tempfile.mkstemp(prefix='.ledger-', suffix='.tmp', dir=directory)
    try:
        with os.fdopen(handle, 'w') as out:
            json.dump(data, out, indent=2, sort_keys=True)
            out.write('\n')
            out.flush()
            os.fsync(out.fileno())
        os.chmod(tmp, 0o600)
        os.rename(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def open_ledger(current, maintenance, force):
    """(ledger, changed) for a maintenance that begins."""
    maintenance = dict(maintenance or {})
    maintenance.setdefault('began', now())
    if current is not None and is_unfinished(current):
        last = (current.get('maintenances') or [{}])[-1]
        if all(last.get(k) == maintenance.get(k) for k in SAME_MAINTENANCE):
            return current, False           # the same maintenance run again: carry on with it
        if not force:
            left = pending(current)
            raise LedgerError(
                'an unfinished tape maintenance ledger exists (%s, begun %s by %s, reason: %s) with %d job(s) '
                'still to resume: %s. Run the end entry point first, or set tape_maintenance_force: true '
                'to add this maintenance to that ledger.' % (
                    current.get('id'), current.get('began'), current.get('who'), current.get('reason'),
                    len(left), ', '.join('%s job %s' % (e['server'], e['job_id']) for e in left) or 'none'))
        ledger = dict(current)
        ledger['maintenances'] = list(current.get('maintenances', [])) + [maintenance]
        return ledger, True
    ledger = {
        'format': FORMAT,
        'id': uuid.uuid4().hex[:12],
        'status': 'open',
        'began': maintenance['began'],
        'reason': maintenance.get('reason'),
        'who': maintenance.get('who'),
        'maintenances': [maintenance],
        'entries': [],
    }
    return ledger, True


def record(current, entries):
    if current is None:
        raise LedgerError('no ledger to record in: the begin entry point opens one first')
    ledger = dict(current)
    ledger['entries'] = [dict(e) for e in current.get('entries', [])]
    index = dict((key(e), i) for i, e in enumerate(ledger['entries']))
    changed = False
    for entry in entries or []:
        k = key(entry)
        status = entry.get('status')
        if status is not None and status not in STATUSES:
            raise LedgerError('status %r of %s job %s is not one of %s' % (status, k[0], k[1], ', '.join(STATUSES)))
        if k in index:
            merged = dict(ledger['entries'][index[k]])
            merged.update(entry)
            merged['server'], merged['job_id'] = k
            if merged != ledger['entries'][index[k]]:
                history = list(merged.get('history', []))
                if entry.get('status') and entry.get('status') != ledger['entries'][index[k]].get('status'):
                    history.append({'at': now(), 'status': entry['status'], 'note': entry.get('note')})
                merged['history'] = history
                ledger['entries'][index[k]] = merged
                changed = True
        else:
            new = dict(entry)
            new['server'] = k[0]
            new['job_id'] = k[1]
            new.setdefault('status', 'interrupted')
            new.setdefault('history', [{'at': now(), 'status': new['status'], 'note': new.get('note')}])
            ledger['entries'].append(new)
            index[k] = len(ledger['entries']) - 1
            changed = True
    if changed:
        ledger['updated'] = now()
    return ledger, changed


def outcome_of(ledger):
    if pending(ledger):
        return 'unfinished'
    statuses = set(e.get('status') for e in ledger.get('entries', []))
    if not statuses:
        return 'empty'
    return 'resumed_with_changes' if 'changed' in statuses else 'resumed'


def archive_path(path, ledger, outcome):
    directory = os.path.join(os.path.dirname(os.path.abspath(path)), 'archive')
    stamp = str(ledger.get('began', '')).replace(':', '').replace('-', '')
    return os.path.join(directory, '%s-%s-%s.json' % (stamp, ledger.get('id'), outcome))


def main():
    module = AnsibleModule(
        argument_spec=dict(
            path=dict(type='path', required=True),
            state=dict(type='str', default='read', choices=['read', 'open', 'record', 'import', 'close']),
            maintenance=dict(type='dict'),
            entries=dict(type='list', elements='dict'),
            ledger=dict(type='dict'),
            force=dict(type='bool', default=False),
        ),
        required_if=[('state', 'record', ['entries']), ('state', 'import', ['ledger'])],
        supports_check_mode=True,
    )
    path = module.params['path']
    state = module.params['state']
    result = dict(changed=False, path=path)
    try:
        current = load(path)
        ledger, changed = current, False
        if state == 'open':
            ledger, changed = open_ledger(current, module.params['maintenance'], module.params['force'])
        elif state == 'record':
            ledger, changed = record(current, module.params['entries'])
        elif state == 'import':
            if current is None and module.params['ledger'].get('status') != 'finished':
                ledger = module.params['ledger']
                if ledger.get('format') != FORMAT or not isinstance(ledger.get('entries'), list):
                    raise LedgerError('the ledger handed over is not a tape maintenance ledger of format %d' % FORMAT)
                changed = True
        elif state == 'close':
            result['outcome'] = outcome_of(current) if current is not None else 'empty'
            if current is not None and result['outcome'] != 'unfinished':
                ledger = dict(current, status='finished', outcome=result['outcome'], ended=now())
                result['archived'] = archive_path(path, ledger, result['outcome'])
                if not module.check_mode:
                    write_atomically(result['archived'], ledger)
                    os.unlink(path)
                result.update(changed=True, ledger=ledger, unfinished=False, pending=[])
                module.exit_json(**result)
        if changed and not module.check_mode:
            write_atomically(path, ledger)
    except LedgerError as exc:
        module.fail_json(msg=str(exc), **result)
    except (IOError, OSError) as exc:
        module.fail_json(msg='ledger %s: %s' % (path, exc), **result)
    result.update(changed=changed, ledger=ledger, unfinished=is_unfinished(ledger), pending=pending(ledger))
    module.exit_json(**result)


if __name__ == '__main__':
    main()
