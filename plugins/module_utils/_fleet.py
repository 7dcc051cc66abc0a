# -*- coding: utf-8 -*-
# Copyright: spectrum_protect.operations contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The per-server fan-out every module uses: one server, or a fleet reached through a hub.

PRIVATE to the spectrum_protect.operations collection: the interface may change in any release.

A Fleet runs each query once per server (one dsmadmc call), or once for the whole fleet (one
routed call from the hub), and hands back the answers per server. A target that fails is
recorded in its report and left out of later queries once it cannot be reached; the others go
on. Only the first query (QUERY STATUS, which decides whether anything can be read at all)
raises. Changing commands go to one server at a time (`act`), routed to the target that holds
the task, and are never sent twice.

One sign-on for a run that acts: within `conversation`, every call goes to one client that stays
signed on (Dsmadmc.conversing), changes and the reads after them included.

Many reads, one sign-on: `prefetch` sends the read-only queries a module knows it will make in
ONE client session (Dsmadmc.run_batch) before the first of them is asked; `query` then answers
from what came back and runs only the queries that were not prefetched (or whose answer is
unusable: a routed session that ran out of time is asked again, target by target). With
single_session false, or a client that does not echo its commands (no ANS8000I), every query
is one call of its own.

Server reports: name, version, jobs_supported, reachable, read (its tasks were read), error
(one line), errors (every failed query: query, kind, rc, message_ids, msg), plus any fields the
caller adds (report_defaults).
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import contextlib
import copy
import re

from ansible_collections.spectrum_protect.operations.plugins.module_utils._dsmadmc import (
    DsmadmcError,
    route,
    route_targets,
)
from ansible_collections.spectrum_protect.operations.plugins.module_utils._model import field

JOBS_SINCE = (8, 1, 12)
VERSION_RE = re.compile(r'Version\s+(\d+),\s*Release\s+(\d+),\s*Level\s+(\d+)(?:\.(\d+))?')
_VERSION_TIGHT_RE = re.compile(r'Version(\d+),Release(\d+),Level(\d+)')
STATUS_COMMAND = 'QUERY STATUS'
# A target that fails like this cannot be read at all; it is left out of later queries.
LOST_KINDS = ('unreachable', 'auth_failed', 'unknown_server', 'timeout', 'client_missing', 'password_not_read')
# Queries whose failure leaves the server's tasks read (only outcomes unverified, or a window unsure).
SIDE_QUERIES = ('actlog', 'time')


def server_version(text):
    """'8.1.12' from any 'Version 8, Release 1, Level 12.000' in the text, or None."""
    match = VERSION_RE.search(text or '')
    if match is None and text:      # a title the client wrapped inside a word: read it without blanks
        match = _VERSION_TIGHT_RE.search(re.sub(r'\s+', '', text))
    return '%s.%s.%s' % match.group(1, 2, 3) if match else None


def version_tuple(version):
    return tuple(int(part) for part in version.split('.')[:3]) if version else None


def version_field(rows):
    """The version from a QUERY STATUS field whose label names it, when the title line is missing."""
    for row in rows:
        for label, value in row.items():
            if 'version' in label.lower():
                found = server_version(value) or (value if re.match(r'^\d+\.\d+\.\d+', value or '') else None)
                if found:
                    return '.'.join(found.split('.')[:3])
    return None


# The most tasks one run of an acting module changes, unless max_tasks says otherwise.
DEFAULT_MAX_TASKS = 50


class FlowError(Exception):
    """An acting module's run did not reach its goal (_flow.py); `result` holds what was read and
    done (for fail_json). Defined here, with FleetError, so that the module layer can report it
    without importing the flow (sp_task_info never loads it)."""

    def __init__(self, msg, result=None, warnings=None):
        super(FlowError, self).__init__(msg)
        self.msg = msg
        self.result = result or {}
        self.warnings = list(warnings or [])


class FleetError(Exception):
    """Nothing could be read: every server (or the hub) failed."""

    def __init__(self, msg, servers):
        super(FleetError, self).__init__(msg)
        self.msg = msg
        self.servers = servers


class Fleet(object):
    """The servers of one module call and what each answered.

    client: a Dsmadmc for the server (or hub) of the connection options.
    route_to: names of servers to reach by command routing from that server, or None for the
    server itself (one dsmadmc call per query, no routing prefix).
    server: the stanza, naming the one server when its QUERY STATUS names none.
    report_defaults: more fields for every server report (copied).
    """

    def __init__(self, client, route_to=None, server=None, report_defaults=None, single_session=True):
        self.client = client
        self.single_session = single_session
        self.prefetched = {}        # (command, mode) -> (targets or None, outcome of run_batch)
        self.warnings = []
        self.routed = bool(route_to)
        self.targets = [name.upper() for name in route_targets(route_to)] if route_to else []
        self.server = server
        self.report_defaults = report_defaults or {}
        self.reports = {}
        self.order = []
        self.commands = []

    # -- reports

    def report(self, key):
        """The report of one server (created on first use, in the order servers are met)."""
        if key not in self.reports:
            report = {'name': key, 'version': None, 'jobs_supported': None, 'reachable': True, 'read': True,
                      'error': None, 'errors': []}
            report.update(copy.deepcopy(self.report_defaults))
            self.reports[key] = report
            self.order.append(key)
        return self.reports[key]

    def fail(self, key, error, query=None, lost=False, partial=False):
        """Record a failed query of a server (a DsmadmcError, or a text). Every failure is kept
        under `errors`; a server that cannot be reached (or fails the first query: `lost`) is left
        out of later queries; one whose task query failed is not read, unless only part of its
        answer was unreadable (`partial`) or the query is a side query (SIDE_QUERIES)."""
        if not isinstance(error, DsmadmcError):
            error = DsmadmcError(str(error), 'error', server=key)
        report = self.report(key)
        report['errors'].append({'query': query, 'kind': error.kind, 'rc': error.rc,
                                 'message_ids': error.message_ids, 'msg': error.msg})
        if len(report['errors']) == 1:
            report['error'] = error.msg
        else:
            report['error'] = ' | '.join('%s: %s' % (entry['query'], entry['msg']) if entry['query'] else entry['msg']
                                         for entry in report['errors'])
        if query not in SIDE_QUERIES and not partial:
            report['read'] = False
        if lost or error.kind in LOST_KINDS:
            report['reachable'] = False

    def alive(self):
        """The servers that answered and are still read."""
        return [key for key in self.order if self.reports[key]['reachable']]

    def servers(self):
        return [self.reports[key] for key in self.order]

    def failed(self):
        return [key for key in self.order if self.reports[key]['error']]

    def jobs_supported(self, key):
        """True (V8.1.12 or later), False (older) or None (version unknown)."""
        return self.reports[key]['jobs_supported']

    # -- queries

    @contextlib.contextmanager
    def conversation(self):
        """Within it, with single_session, every query and change of this run goes to ONE client
        that stays signed on (Dsmadmc.conversing): the acting modules sign on once per run. A
        client that does not answer while it runs ends it early, with a warning when later
        calls then needed sign-ons of their own."""
        if not self.single_session:
            yield
            return
        with self.client.conversing() as talk:
            try:
                yield
            finally:
                if talk.why and talk.outside:
                    self.warnings.append(talk.why)

    def connect(self):
        """QUERY STATUS on every server: names, versions, which servers can be read at all.

        Raises DsmadmcError when the call itself failed (the server, or the hub), FleetError when
        no target answered."""
        if self.routed:
            for name in self.targets:
                self.report(name)
            answered = self.query(STATUS_COMMAND, self.targets, first=True, query='status')
        else:
            answered = self.query(STATUS_COMMAND, first=True, query='status')
        for key, result in answered.items():
            report = self.report(key)
            report['version'] = server_version(result.text) or version_field(result.rows)
            if report['version'] is None and not any(field(row, 'server_name') for row in result.rows):
                # an answer with neither: no server spoke (say, dsmadmc_path is /bin/true)
                self.fail(key, DsmadmcError(
                    'the answer to QUERY STATUS from %s names no server and no version: is %s the administrative '
                    'client dsmadmc?' % (key, getattr(self.client, 'path', 'it')), 'not_client', server=key),
                    'status', lost=True)
            if report['version']:
                report['jobs_supported'] = version_tuple(report['version']) >= JOBS_SINCE
        if not self.alive():
            raise FleetError('No server could be read. ' + ' '.join(
                '%s: %s' % (key, self.reports[key]['error']) for key in self.failed()), self.servers())
        return answered

    def _single_key(self, result):
        """The name of the one server: its QUERY STATUS name, else the stanza, else DEFAULT."""
        if self.order:
            return self.order[0]
        names = [field(row, 'server_name') for row in result.rows if field(row, 'server_name')]
        return (names[0] if names else self.server or 'default').upper()

    def prefetch(self, queries, mode='list'):
        """Send read-only queries in one client session, ahead of the `query` calls that use
        them. queries: (command, checks) pairs; routed, each goes to every target. Nothing is
        raised: a session that failed is the answer of every query in it (so a failed sign-on is
        not tried again). A routed session that ran out of time before its first answer is sent
        again as one session per target, all at once (Dsmadmc.run_batch split_on_timeout); the
        queries a session did not reach are asked again on their own, each target on its own."""
        if not self.single_session or not queries:
            return
        targets = (self.alive() or self.targets) if self.routed else None
        if self.routed and not targets:
            return
        batch = []
        for command, checks in queries:
            if (command, mode) not in self.prefetched and (command, mode) not in [(q[0], mode) for q in batch]:
                batch.append((command, targets, checks))
        if not batch:
            return
        try:
            outcomes = self.client.run_batch(batch, mode=mode, lazy=True, split_on_timeout=self.routed,
                                             sent=self.commands)
            again = True        # a query the session did not reach (timeout) may be asked again
        except DsmadmcError as error:
            if error.no_framing:
                self.single_session = False
                self.warnings.append('The client did not echo the commands of a session (ANS8000I), so their answers '
                                     'cannot be told apart: every query ran as a dsmadmc call of its own '
                                     '(single_session: false does this from the start).')
                return
            outcomes, again = [error] * len(batch), False     # the session failed: not tried again
        for (command, _targets, _checks), outcome in zip(batch, outcomes):
            self.prefetched[(command, mode)] = (targets, outcome, again)

    def _take(self, command, mode, names):
        """The prefetched outcome of a query for `names`, or None (then it runs on its own).
        Used once: a later query of the same command (a poll) is sent again."""
        entry = self.prefetched.get((command, mode))
        if entry is None:
            return None
        targets, outcome, again = entry
        if callable(outcome):       # parsed only now, when asked (run_batch lazy)
            outcome = outcome()
        if self.routed:
            wanted = set(name.upper() for name in names)
            if not wanted <= set(name.upper() for name in targets):
                return None
            if isinstance(outcome, DsmadmcError):
                if outcome.kind == 'timeout' and again:
                    # a query the session did not reach: asked again, each target on its own
                    del self.prefetched[(command, mode)]
                    return None
            else:
                outcome = [result for result in outcome if result.server.upper() in wanted]
        del self.prefetched[(command, mode)]
        return ('error', outcome) if isinstance(outcome, DsmadmcError) else ('results', outcome)

    def query(self, command, targets=None, first=False, checks=None, columns=None, mode='list', query=None):
        """Run a read-only command on every live server (or on `targets`); return {key: result}
        of those that answered (from a prefetched session when it holds the answer). A routed
        call that times out is sent to each target on its own. Failures are recorded per server
        under the `query` name; only the `first` query raises (DsmadmcError) when the call itself
        fails."""
        return dict(self.query_each(command, targets, first, checks, columns, mode, query))

    def query_each(self, command, targets=None, first=False, checks=None, columns=None, mode='list', query=None):
        """query() one server at a time: (key, result) of each server that answered, in output
        order. A routed answer's targets are parsed one by one as they are taken, and the Fleet
        keeps none of them: a caller that turns each into tasks before taking the next holds one
        server's rows at a time. A target's failure is recorded when its turn comes."""
        if self.routed:
            names = list(targets) if targets is not None else self.alive()
        else:
            names = [self.order[0]] if self.order else [None]
            if targets is not None and self.order and self.order[0] not in targets:
                names = []
        if not names:
            return
        taken = self._take(command, mode, names) if columns is None else None
        try:
            if taken is not None:
                if taken[0] == 'error':
                    raise taken[1]
                results = taken[1] if self.routed else [taken[1]]
            else:
                self.commands.append(route(names, command) if self.routed else command)
                if self.routed:
                    results = self.client.run_routed(names, command, mode=mode, columns=columns, checks=checks,
                                                     split_on_timeout=True)
                else:
                    results = [self.client.run(command, mode=mode, columns=columns, checks=checks)]
        except DsmadmcError as error:      # the call itself failed (the hub, or the one server)
            if first:
                raise
            for key in (names if self.routed else self.order):
                self.fail(key, error, query)
            return
        for result in results if taken is None else ():     # a routed call that timed out was sent again to each target
            if self.routed and result.command and result.command not in self.commands:
                self.commands.append(result.command)
        for index, result in enumerate(results):
            results[index] = None       # from here on only the caller holds it
            key = result.server.upper() if self.routed else self._single_key(result)
            if result.error is not None:
                self.fail(key, result.error, query, lost=first)
            else:
                self.report(key)
                yield key, result

    def act(self, key, command):
        """Send one changing command to one server (routed to it through the hub in a fleet).

        Returns the DsmadmcResult (kind ok, or empty when the server found nothing to act on);
        raises DsmadmcError when it failed. Never sent twice: a routed call that times out is
        not split and resent, because the command may have run. What was prefetched is
        forgotten: a read after a change asks the server again."""
        self.prefetched.clear()
        self.commands.append(route([key], command) if self.routed else command)
        if not self.routed:
            return self.client.run(command)
        results = self.client.run_routed([key], command)
        for result in results:
            if result.server.upper() == key.upper():
                if result.error is not None:
                    raise result.error
                return result
        raise DsmadmcError('the routed reply has no output for server %s' % key, 'error', server=key,
                           command=route([key], command))
