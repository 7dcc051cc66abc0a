# -*- coding: utf-8 -*-
# Copyright: (c) 2025, spectrum_protect.operations contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The one way the collection runs IBM Spectrum Protect's administrative client, dsmadmc.

PRIVATE to the spectrum_protect.operations collection: the interface may change in any release.

- connection_argument_spec() / module_kwargs(): the connection options every module shares.
- Dsmadmc: builds the argv, runs it without a shell (LC_ALL=C, password on stdin, a timeout that
  kills the whole process group), classifies the outcome and parses the output by mode.
- DsmadmcError: a failure a person can act on, with server, rc, kind and message IDs.
- server_name_arg(), int_arg(), sql_string(), pattern_arg(), route(): build server commands from
  user values so that nothing can be injected.
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import atexit
import binascii
import contextlib
import errno
import os
import re
import select
import selectors
import signal
import stat
import subprocess
import threading
import time
from collections import namedtuple

from ansible.module_utils.errors import AnsibleFallbackNotFound

from ansible_collections.spectrum_protect.operations.plugins.module_utils._parse import (
    ParseError,
    after_lines,
    message_at,
    parse_messages,
    parse_output,
    reported_rc,
    split_routed,
    to_int,
)

DEFAULT_TIMEOUT = 300
MAX_TIMEOUT = 86400          # one day: a longer single dsmadmc call is a mistake
TOTAL_TIMEOUT_CALLS = 4      # total_timeout defaults to this many times timeout
PASSWORD_TRANSPORTS = ('stdin', 'argv')
MAX_PARALLEL_CALLS = 8       # dsmadmc processes at once when routed targets are asked one by one
MASK = '********'
MODE_FLAGS = {'list': '-displaymode=list', 'table': '-displaymode=table', 'comma': '-comma', 'tab': '-tab'}
# Secrets the module may have read from the environment; the client never needs them.
SECRET_ENV = ('SP_ADMIN_PASSWORD', 'STORAGE_PROTECT_PASSWORD')

OK_KINDS = ('ok', 'empty')
NO_MATCH_IDS = frozenset(['ANR2034E', 'ANR0944E'])
# Messages that frame an answer (client command echo and rc, routing status) but explain nothing.
_FRAMING_IDS = frozenset(['ANS8000I', 'ANS8001I', 'ANS8002I', 'ANR1694I', 'ANR1695W', 'ANR1696E'])
# Message IDs that name a failure of the connection itself, checked in this order: the client's
# own, and the hub's when it routes a command to a target (ANR8214E connection refused,
# ANR0425W administrator refused - invalid password).
_CONNECTION_KINDS = (
    ('options_file', frozenset(['ANS1035S'])),
    ('unreachable', frozenset(['ANS1017E', 'ANR8214E'])),
    ('unknown_server', frozenset(['ANS1217E'])),
    ('auth_failed', frozenset(['ANS1051I', 'ANS8023E', 'ANR0425W'])),
)
RC_NAMES = {
    2: 'unknown command', 3: 'syntax error', 4: 'error', 5: 'out of memory', 8: 'out of storage',
    9: 'not authorized', 10: 'already exists', 11: 'nothing found', 12: 'in use', 13: 'is referenced',
    14: 'not available', 15: 'I/O error', 17: 'lock conflict',
}
_KIND_TEXT = {
    'unreachable': ('dsmadmc could not reach server {server}',
                    'Check that the server runs and that its dsm.sys stanza (TCPServeraddress, TCPPort) is right.'),
    'unknown_server': ('server {server} is not a stanza of the client system options file (dsm.sys)',
                       'Check the server option, and DSM_DIR, DSM_CONFIG or optfile.'),
    'auth_failed': ('dsmadmc could not log on to server {server} as {admin}',
                    'Check admin_id and password, or credentials_file.'),
    'not_authorized': ('administrator {admin} may not run "{command}" on server {server}',
                       'Grant the administrator the privilege class the command needs.'),
    'timeout': ('dsmadmc did not finish "{command}" on server {server} within {timeout} seconds; its process group was killed',
                'Raise timeout, or check the server.'),
    'garbled': ('the output of "{command}" from server {server} could not be parsed', ''),
    'client_missing': ('dsmadmc could not be started ({path})',
                       'Install the administrative client, or set dsmadmc_path (SP_DSMADMC).'),
    'options_file': ('dsmadmc could not read its options or credentials file{files}',
                     'Check that the file exists and that the user running the module may read it.'),
    'not_client': ('{path} did not answer as the administrative client dsmadmc',
                   'Set dsmadmc_path (SP_DSMADMC) to the IBM Storage Protect administrative client.'),
    'command_too_long': ('the dsmadmc command line is too long to start ({detail_size} bytes)',
                         'Route to fewer servers at once, or use a server group name.'),
    'password_not_read': ('dsmadmc did not take the password from its standard input and could not log on '
                          'to server {server} as {admin}',
                          'This client reads the password only from a terminal. Use credentials_file '
                          '(-credentialsfile=, client 8.1.20 and later; recommended), or set '
                          'password_transport: argv to pass -password= on the command line (visible to other '
                          'local users in the process list).'),
    'error': ('"{command}" failed on server {server}', ''),
}
# Hints for a target reached through command routing, where the hub makes the connection.
_ROUTED_HINTS = {
    'unreachable': 'Check that the server runs and that the hub can reach it (QUERY SERVER on the hub).',
    'auth_failed': 'Command routing needs the same administrator ID and password on every target server.',
}

SERVER_NAME_RE = re.compile(r'^[A-Za-z0-9][A-Za-z0-9_.\-]{0,63}\Z')
_PLAIN_PATTERN_RE = re.compile(r'^[A-Za-z0-9_.*?/\-]+\Z')
_SAFE_PATTERN_RE = re.compile(r'^[A-Za-z0-9_.*?/\-+& ]{1,128}\Z')
MAX_ROUTE_TARGETS = 1000
_CONTROL_RE = re.compile('[\x00-\x1f\x7f]')
_CHUNK_RC_RE = re.compile(r'^ANS8001I\s+Return\s+code\s+(-?\d+)', re.MULTILINE)
_PIPE_CHUNK = select.PIPE_BUF     # bytes written to the client's input at a time: a write never blocks
_READ_CHUNK = 1 << 20     # bytes read from its output at a time
_DRAIN_SECONDS = 5      # what a client that was killed or told to QUIT may still print, read this long
_ECHO_LINES = 64        # lines looked at for an echo's end first (more when it fills them)
_PASSWORD_PROMPT_RE = re.compile(r'Enter your password', re.IGNORECASE)
_TERMINAL_RE = re.compile(r'\b(?:tty|terminal|console)\b', re.IGNORECASE)


# --- connection options ------------------------------------------------------------------------

def env_value(*names):
    """The first of the environment variables that is set and not empty (an option's fallback).
    An empty variable counts as unset: AWX injects an empty string for a credential input left
    empty, and that must not count as given (say, an empty SP_CREDENTIALS_FILE beside a password)."""
    for name in names:
        value = os.environ.get(name)
        if value:
            return value
    raise AnsibleFallbackNotFound


def connection_argument_spec():
    """The argument_spec of the connection options every module of the collection takes."""
    return dict(
        server=dict(type='str'),
        admin_id=dict(type='str', aliases=['username'],
                      fallback=(env_value, ['SP_ADMIN_ID', 'STORAGE_PROTECT_USERNAME'])),
        password=dict(type='str', no_log=True,
                      fallback=(env_value, ['SP_ADMIN_PASSWORD', 'STORAGE_PROTECT_PASSWORD'])),
        credentials_file=dict(type='path', fallback=(env_value, ['SP_CREDENTIALS_FILE'])),
        dsmadmc_path=dict(type='str', default='dsmadmc', fallback=(env_value, ['SP_DSMADMC'])),
        optfile=dict(type='path'),
        timeout=dict(type='int', default=DEFAULT_TIMEOUT),
        total_timeout=dict(type='int'),
        password_transport=dict(type='str', default='stdin', choices=list(PASSWORD_TRANSPORTS), no_log=False,
                                fallback=(env_value, ['SP_PASSWORD_TRANSPORT'])),
        single_session=dict(type='bool', default=True, fallback=(env_value, ['SP_SINGLE_SESSION'])),
    )


CONNECTION_RULES = dict(
    mutually_exclusive=[['credentials_file', 'password']],
    required_one_of=[['password', 'credentials_file']],
    required_by={'password': ['admin_id']},
)


def module_kwargs(argument_spec=None, **kwargs):
    """Keyword arguments for AnsibleModule: a module's own options and rules plus the connection's."""
    result = dict(kwargs)
    result['argument_spec'] = connection_argument_spec()
    result['argument_spec'].update(argument_spec or {})
    for key in ('mutually_exclusive', 'required_one_of'):
        result[key] = list(CONNECTION_RULES[key]) + list(kwargs.get(key) or [])
    result['required_by'] = dict(CONNECTION_RULES['required_by'])
    result['required_by'].update(kwargs.get('required_by') or {})
    return result


# --- safe command building ---------------------------------------------------------------------

def _reject(option, value, why):
    raise ValueError('%s: %r %s' % (option, value, why))


def server_name_arg(value, option='server'):
    """A server (or dsm.sys stanza) name: letters, digits, '_', '.', '-'; else ValueError."""
    if not isinstance(value, str) or not SERVER_NAME_RE.match(value):
        _reject(option, value, 'is not a server name (letters, digits, "_", "." and "-", starting with a letter or digit)')
    return value


def int_arg(value, option):
    """A whole number >= 0 (session, process or job id) as command text; '36,775' is accepted."""
    try:
        number = to_int(value)
    except ValueError:
        number = None
    if number is None or number < 0:
        _reject(option, value, 'is not a whole number >= 0')
    return str(number)


def sql_string(value, option):
    """A SQL string literal for SELECT: single quotes doubled; control characters rejected."""
    value = str(value)
    if _CONTROL_RE.search(value):
        _reject(option, value, 'contains a line break or control character')
    return "'" + value.replace("'", "''") + "'"


def pattern_arg(value, option):
    """A wildcard pattern for a name or description (* and ? as the server accepts them), for a
    parameter such as DESCRIPTION= or a filter.

    Only what names and descriptions are made of is accepted: letters, digits, blanks and
    _ . - / + & * ?, at most 128 characters; quotes, line breaks, control characters, ':' ';' ','
    '=' '%' and parentheses (routing prefixes, SQL and command syntax) are refused. Double-quoted
    unless it is plain (letters, digits, _ . * ? / -).
    """
    value = str(value)
    if not value.strip() or not _SAFE_PATTERN_RE.match(value):
        _reject(option, value, 'is not a name or description pattern: letters, digits, blanks and _ . - / + & * ? '
                '(at most 128; no quotes, line breaks, ":", ";", ",", "=", "%" or parentheses)')
    return value if _PLAIN_PATTERN_RE.match(value) else '"%s"' % value


def route_targets(servers):
    """The checked target names of a routing list, duplicates (any case) dropped, order kept."""
    if isinstance(servers, str):
        servers = [servers]
    servers = list(servers or ())
    if len(servers) > MAX_ROUTE_TARGETS:
        raise ValueError('route_to: %d servers is more than the %d one routed command may name; split the fleet '
                         'or use a server group name' % (len(servers), MAX_ROUTE_TARGETS))
    names = []
    seen = set()
    for name in servers:
        server_name_arg(name, 'route_to')
        if name.upper() not in seen:
            seen.add(name.upper())
            names.append(name)
    if not names:
        raise ValueError('route_to: name at least one server to route the command to')
    return names


def route(servers, command):
    """The routing prefix: route(['A', 'B'], 'q sess') -> 'A,B: q sess' (names checked, no spaces)."""
    return '%s: %s' % (','.join(route_targets(servers)), command)


def _check_command(command):
    if not isinstance(command, str) or not command.strip():
        raise ValueError('command: an empty server command cannot be sent')
    if _CONTROL_RE.search(command):
        raise ValueError('command: %r contains a line break or control character' % (command,))
    if command.lstrip().startswith('-'):
        raise ValueError('command: %r starts with "-" and would be read as a dsmadmc option' % (command,))


# --- masking -----------------------------------------------------------------------------------

def mask_secrets(value, secrets):
    """Replace each secret by ******** in a string, or in every string of a list/tuple/dict."""
    secrets = [secret for secret in secrets if secret]
    if not secrets:
        return value
    if isinstance(value, str):
        for secret in secrets:
            value = value.replace(secret, MASK)
        return value
    if isinstance(value, dict):
        return dict((mask_secrets(key, secrets), mask_secrets(item, secrets)) for key, item in value.items())
    if isinstance(value, (list, tuple)):
        return [mask_secrets(item, secrets) for item in value]
    return value


# --- outcome classification --------------------------------------------------------------------

def _ids(messages):
    return set(message['id'] for message in messages)


def _connection_kind(ids):
    for kind, triggers in _CONNECTION_KINDS:
        if ids & triggers:
            return kind
    return None


def classify(rc, messages, timed_out=False):
    """The kind of a dsmadmc call's outcome from its return code and messages.

    ok, empty (rc 11 or a no-match message: not an error), unreachable, unknown_server,
    auth_failed (also rc 137), not_authorized (rc 9), timeout, or error.
    """
    ids = _ids(messages)
    if timed_out:
        return 'timeout'
    kind = _connection_kind(ids)
    if kind is None and rc == 137:
        kind = 'auth_failed'
    if kind is not None:
        return kind
    if rc == 0:
        return 'ok'
    if rc == 11 or ids & NO_MATCH_IDS:
        return 'empty'
    if rc == 9:
        return 'not_authorized'
    return 'error'


def classify_section(section):
    """The kind of one target's outcome in routed output (see _parse.split_routed).

    A no-match message makes it empty; a failed target that printed no output section at all
    could not be reached [DECIDED]; a failed one with output failed on its own (error).
    """
    ids = _ids(section['messages'])
    if ids & NO_MATCH_IDS:
        return 'empty'
    if section['status'] != 'failed':
        return 'ok'
    kind = _connection_kind(ids)
    if kind is not None:
        return kind
    return 'error' if section['command'] is not None else 'unreachable'


# --- results and errors ------------------------------------------------------------------------

class DsmadmcError(Exception):
    """A dsmadmc call (or one routed target) that failed; every field is already masked."""

    def __init__(self, msg, kind, server=None, rc=None, messages=None, command=None, argv=None):
        super(DsmadmcError, self).__init__(msg)
        self.msg = msg
        self.kind = kind
        self.server = server
        self.rc = rc
        self.messages = list(messages or [])
        self.command = command
        self.argv = list(argv or [])
        self.no_framing = False     # run_batch: the client echoed none of the commands

    @property
    def message_ids(self):
        return [message['id'] for message in self.messages]

    def to_dict(self):
        """For module results: module.fail_json(**error.to_dict())."""
        return dict(msg=self.msg, kind=self.kind, server=self.server, rc=self.rc, message_ids=self.message_ids,
                    messages=self.messages, command=self.command, argv=self.argv)


class DsmadmcResult(object):
    """One answered call (or one routed target): rows parsed by mode, messages, what was sent,
    and text, the client's output (for a routed target, its section), masked."""

    def __init__(self, server, command, argv, rc, kind, rows, messages, error=None, text=''):
        self.server = server
        self.command = command
        self.argv = argv
        self.rc = rc
        self.kind = kind
        self.rows = rows
        self.messages = messages
        self.error = error
        self.text = text

    @property
    def ok(self):
        return self.error is None

    @property
    def message_ids(self):
        return [message['id'] for message in self.messages]

    def to_dict(self):
        """What ran and how it ended, for a module's result (never the password)."""
        result = dict(server=self.server, command=self.command, argv=self.argv, rc=self.rc, kind=self.kind,
                      message_ids=self.message_ids)
        if self.error is not None:
            result['error'] = self.error.msg
        return result


class _LazyResult(DsmadmcResult):
    """A routed target's result whose section is parsed only when its rows, kind, error (or
    anything but its server and command) are first asked for: a caller that takes the targets
    one by one holds one target's rows at a time, not the whole fleet's."""

    def __init__(self, server, command, resolve, args):   # pylint: disable=super-init-not-called
        self.server = server
        self.command = command
        self._pending = (resolve, args)

    def __getattr__(self, name):
        pending = self.__dict__.pop('_pending', None)
        if pending is None:
            raise AttributeError(name)
        self.__dict__.update(pending[0](*pending[1]).__dict__)
        return getattr(self, name)


_Run = namedtuple('_Run', ['argv', 'rc', 'stdout', 'stderr', 'timed_out'])


# --- no client outlives the module -------------------------------------------------------------
# Each client runs in a session of its own, so that a timeout kills it with everything it started.
# That also means nothing else ends it: so the module ends every running client's process group
# when it exits (atexit), when it is told to stop (SIGTERM, SIGINT, SIGHUP), when nobody reads its
# result any more (its stdout pipe closed: the controller gave up on the task, e.g. the task
# keyword `timeout`), and, on Linux, the kernel kills a client whose module died of SIGKILL (an
# async job's timeout kills the module's process group) through PR_SET_PDEATHSIG.

_LIVE_GROUPS = set()
_GUARD = {'installed': False}
_PR_SET_PDEATHSIG = 1


def _kill_group(pid):
    try:
        os.killpg(pid, signal.SIGKILL)
    except OSError:
        pass


def kill_children():
    """Kill the process group of every client still running."""
    for pid in list(_LIVE_GROUPS):
        _kill_group(pid)


def _on_signal(signum, frame):
    kill_children()
    signal.signal(signum, signal.SIG_DFL)
    os.kill(os.getpid(), signum)


def _watch_stdout(fd):
    """Poll the module's stdout pipe; when its reader is gone, end the clients and exit."""
    poller = select.poll()
    poller.register(fd, select.POLLERR | select.POLLHUP)
    while True:
        if poller.poll(500):
            kill_children()
            os._exit(1)


def guard_children():
    """Install the handlers above once per process (signals only from the main thread)."""
    if _GUARD['installed']:
        return
    _GUARD['installed'] = True
    atexit.register(kill_children)
    if threading.current_thread() is threading.main_thread():
        for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
            if signal.getsignal(signum) in (signal.SIG_DFL, signal.default_int_handler):
                signal.signal(signum, _on_signal)
    try:
        fd = 1
        if hasattr(select, 'poll') and stat.S_ISFIFO(os.fstat(fd).st_mode):
            watcher = threading.Thread(target=_watch_stdout, args=(fd,), name='dsmadmc-guard')
            watcher.daemon = True
            watcher.start()
    except (OSError, ValueError):
        pass


def _die_with_parent():
    """A preexec_fn that asks Linux to SIGKILL the client when the module's thread that started
    it dies; None where prctl is not available. prctl is looked up once, before any fork, so the
    child only makes two system calls. A module stopped between the fork and prctl (a task
    timeout under load) would leave a client nobody ends: the child checks its parent after
    prctl and ends itself when the module is already gone."""
    if 'prctl' not in _GUARD:
        try:
            import ctypes
            _GUARD['prctl'] = ctypes.CDLL(None, use_errno=True).prctl
        except (ImportError, OSError, AttributeError):
            _GUARD['prctl'] = None
    prctl = _GUARD['prctl']
    if prctl is None:
        return None
    parent = os.getpid()

    def preexec():
        prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        if os.getppid() != parent:      # the module died between the fork and prctl: no signal will come
            os._exit(1)
    return preexec


# --- the runner --------------------------------------------------------------------------------

class Dsmadmc(object):
    """Runs dsmadmc for one connection (server stanza, credentials, options file, timeout).

    With admin_id and password, the password is written to the client's stdin (it prompts for it
    when -password is not given); it never appears on the command line, in a result or an error.
    """

    def __init__(self, path='dsmadmc', server=None, admin_id=None, password=None, credentials_file=None,
                 optfile=None, timeout=DEFAULT_TIMEOUT, password_transport='stdin', total_timeout=None):
        if server is not None:
            server_name_arg(server)
        if admin_id is not None and (not admin_id or _CONTROL_RE.search(admin_id) or ' ' in admin_id):
            raise ValueError('admin_id: must be a name without blanks or control characters')
        if password is not None and ('\n' in password or '\r' in password):
            raise ValueError('password: must not contain a line break (it is sent as one line on stdin)')
        if password and credentials_file:
            raise ValueError('password and credentials_file are mutually exclusive')
        if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or not 0 < timeout <= MAX_TIMEOUT:
            raise ValueError('timeout: %r is not a number of seconds from 1 to %d' % (timeout, MAX_TIMEOUT))
        if total_timeout is None:
            total_timeout = TOTAL_TIMEOUT_CALLS * timeout
        if isinstance(total_timeout, bool) or not isinstance(total_timeout, (int, float)) or \
                not 0 < total_timeout <= TOTAL_TIMEOUT_CALLS * MAX_TIMEOUT:
            raise ValueError('total_timeout: %r is not a number of seconds from 1 to %d'
                             % (total_timeout, TOTAL_TIMEOUT_CALLS * MAX_TIMEOUT))
        if password_transport not in PASSWORD_TRANSPORTS:
            raise ValueError('password_transport: %r is not one of %s' % (password_transport, ', '.join(PASSWORD_TRANSPORTS)))
        self.path = path
        self.server = server or None
        self.admin_id = admin_id or None
        self.password = password or None
        self.credentials_file = credentials_file or None
        self.optfile = optfile or None
        self.timeout = timeout
        self.total_timeout = total_timeout
        self.deadline = time.monotonic() + total_timeout     # no call starts, or runs, past it
        self.per_target = set()     # routing lists whose routed call timed out: asked per target since
        self.password_transport = password_transport
        self._talk = None           # the open conversation (conversing), if any

    @classmethod
    def from_module(cls, module):
        """The runner for a module's connection options; fails the module when dsmadmc is not found."""
        params = module.params
        path = params.get('dsmadmc_path') or 'dsmadmc'
        if os.sep not in path:
            found = module.get_bin_path(path)
            if not found:
                module.fail_json(msg='dsmadmc_path: %r was not found on PATH. Install the administrative client, '
                                     'or set dsmadmc_path (SP_DSMADMC) to its full path.' % path, kind='client_missing')
            path = found
        try:
            return cls(path=path, server=params.get('server'), admin_id=params.get('admin_id'),
                       password=params.get('password'), credentials_file=params.get('credentials_file'),
                       optfile=params.get('optfile'), password_transport=params.get('password_transport') or 'stdin',
                       total_timeout=params.get('total_timeout'),
                       timeout=DEFAULT_TIMEOUT if params.get('timeout') is None else params['timeout'])
        except ValueError as exc:
            module.fail_json(msg=str(exc))

    # -- building and masking

    def argv(self, command, mode='list', dataonly=None):
        """The exact argument list for one command; the command is one element, never split.
        With command None, the list for a session that reads its commands from standard input.

        Table mode runs with -dataonly=no, because the column headings are the only names a
        standard table has; every other mode with -dataonly=yes [DECIDED], unless `dataonly`
        says otherwise (a batch needs the client's command echo, ANS8000I).
        """
        if mode not in MODE_FLAGS:
            raise ValueError('mode: %r is not one of %s' % (mode, ', '.join(sorted(MODE_FLAGS))))
        argv = [self.path]
        if self.server:
            argv.append('-se=' + self.server)
        if self.admin_id:
            argv.append('-id=' + self.admin_id)
        if self.password is not None and self.password_transport == 'argv':
            argv.append('-password=' + self.password)     # masked in every result (mask())
        if self.credentials_file:
            argv.append('-credentialsfile=' + self.credentials_file)
        if self.optfile:
            argv.append('-optfile=' + self.optfile)
        if dataonly is None:
            dataonly = mode != 'table'
        argv += ['-dataonly=' + ('yes' if dataonly else 'no'), '-noconfirm', MODE_FLAGS[mode]]
        return argv if command is None else argv + [command]

    def mask(self, value):
        """The value with the password replaced by ******** wherever it occurs."""
        return mask_secrets(value, [self.password])

    def mask_parsed(self, rows, text):
        """The rows parsed from `text`, masked: as they are when the password is nowhere in the
        text (nothing read from it can hold it), else a masked copy."""
        if not self.password or self.password not in (text or ''):
            return rows
        return self.mask(rows)

    def environment(self):
        """The child's environment: this one (DSM_DIR, DSM_CONFIG, PATH...) with LC_ALL=C, LANG=C."""
        env = dict(os.environ)
        for name in SECRET_ENV:
            env.pop(name, None)
        env.update(LC_ALL='C', LANG='C')
        return env

    # -- running

    def _execute(self, command, mode, commands=None):
        """Run the client once: for `command`, or, with `commands`, a session that reads them
        from standard input (after the password line when the password goes there)."""
        if commands is None:
            _check_command(command)
            argv = self.argv(command, mode)
        else:
            for each in commands:
                _check_command(each)
            argv = self.argv(None, mode, dataonly=False)
            command = ' | '.join(commands)      # what an error names
        stdin = None
        if self.password is not None and self.password_transport == 'stdin':
            stdin = (self.password + '\n').encode('utf-8')
        if commands is not None:
            stdin = (stdin or b'') + ('\n'.join(commands) + '\nQUIT\n').encode('utf-8')
        budget = self._budget(command, argv)
        proc = self._spawn(argv, command, stdin is not None)
        try:
            out, err, timed_out = _gather(proc, stdin, budget)
        finally:
            if proc.returncode is None:             # interrupted (a signal, an exception): end it
                _kill_group(proc.pid)
            _LIVE_GROUPS.discard(proc.pid)
        return self._finished(argv, proc.returncode, out, err, timed_out, budget)

    def _finished(self, argv, rc, out, err, timed_out, budget):
        """The _Run of a client that ended: its output decoded, its rc the highest it reported
        when its exit status says 0, a timeout 'total' when total_timeout cut the budget."""
        stdout = out.decode('utf-8', 'replace')
        reported = _reported_rc(stdout)
        if rc == 0 and reported:
            rc = reported
        if timed_out:
            timed_out = 'total' if budget < self.timeout else True
        return _Run(argv, rc, stdout, bytes(err).decode('utf-8', 'replace'), timed_out)

    def _budget(self, command, argv):
        """The seconds the next client may run: timeout, cut by what is left of total_timeout;
        raises the timeout error when nothing is left."""
        budget = min(self.timeout, self.deadline - time.monotonic())
        if budget <= 0:
            raise self._error('timeout', command, _Run(argv, None, '', '', True), [],
                              detail='the module ran out of total_timeout (%s seconds); nothing more is sent'
                              % self.total_timeout)
        return budget

    def _spawn(self, argv, command, stdin):
        """Start the client in a process group of its own that no module outlives (see above)."""
        guard_children()
        try:
            proc = subprocess.Popen(argv, stdin=subprocess.PIPE if stdin else subprocess.DEVNULL,
                                    stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=self.environment(),
                                    start_new_session=True, close_fds=True, preexec_fn=_die_with_parent())
        except OSError as exc:
            kind = 'command_too_long' if exc.errno == errno.E2BIG else 'client_missing'
            raise self._error(kind, command, _Run(argv, None, '', '', False), [], detail=exc.strerror or str(exc))
        _LIVE_GROUPS.add(proc.pid)
        return proc

    @contextlib.contextmanager
    def conversing(self, mode='list'):
        """Within it, every call in `mode` (run, run_routed, run_batch) is an exchange with ONE
        client that stays signed on (_Conversation): a module run that reads, acts and reads
        again signs on once. The client starts at the first call and ends (QUIT) on leaving.
        Yields the conversation (its `why` says why it ended early, `outside` how many calls
        then ran in a client of their own)."""
        talk = _Conversation(self, mode)
        self._talk = talk
        try:
            yield talk
        finally:
            self._talk = None
            talk.close()

    def _talking(self, mode):
        """The open conversation when a call in `mode` from this thread can be an exchange."""
        talk = self._talk
        return talk if talk is not None and talk.usable(mode) else None

    def _exchange(self, spec, text, mode):
        """One command as an exchange of the conversation (its outcome raised when an error)."""
        outcome = self._session([spec], [text], mode, lazy=False)[0]
        if isinstance(outcome, DsmadmcError):
            raise outcome
        return outcome

    def run(self, command, mode='list', columns=None, checks=None):
        """Run one command; return a DsmadmcResult (kind ok or empty) or raise DsmadmcError.

        columns: names for comma/tab fields; checks: {field: helper} type checks (see
        _parse.parse_output) that turn values of the wrong type into a 'garbled' error.
        """
        if columns is None and self._talking(mode):
            return self._exchange((command, None, checks), command, mode)
        run = self._execute(command, mode)
        messages = parse_messages(run.stdout)
        kind = self._password_kind(classify(run.rc, messages, run.timed_out), run, messages)
        if kind == 'error' and _not_the_client(run, messages):
            kind = 'not_client'
        if kind not in OK_KINDS:
            raise self._error(kind, command, run, messages)
        rows = []
        if kind == 'ok':
            try:
                rows, messages = parse_output(run.stdout, mode, columns, checks)
            except ParseError as exc:
                raise self._error('garbled', command, run, messages, detail=str(exc))
        return DsmadmcResult(self.server, self.mask(command), self.mask(run.argv), run.rc, kind,
                             self.mask_parsed(rows, run.stdout), self.mask(messages), text=self.mask(run.stdout))

    def run_batch(self, queries, mode='list', lazy=False, split_on_timeout=False, sent=None):
        """Run several commands in ONE client session (one sign-on), each split from the others by
        the client's own framing; per query the same outcome as run() or run_routed() would give.

        queries: a list of (command, targets) or (command, targets, checks): targets None for a
        command on this server, else the servers to route it to from this one (the hub); checks
        as for run(). Returns one entry per query: for a plain command a DsmadmcResult, or a
        DsmadmcError (not raised); for a routed one a list of DsmadmcResult per target (a failed
        target's result carries its error), or a DsmadmcError. Raises DsmadmcError only when the
        session itself failed (no sign-on, no client, a timeout before the first answer ended);
        an error whose `no_framing` is True says the client echoed none of the commands, so their
        answers cannot be told apart (run them one call each instead).

        lazy: an answered query's entry is a function that parses its answer when called (and
        returns what the entry would be), so that a caller taking the answers one by one never
        holds every parsed answer at once.

        The session gets one `timeout` in all. When it runs out, the commands whose answers had
        ended (a later command's echo began) keep them; the rest get a timeout error each.

        split_on_timeout (read-only commands routed to the same targets): as run_routed does, a
        session that ran out before its first answer ended is run again as one session per
        target, all at once, so only a hanging target ends as a timeout (its results carry it);
        the first timeout is raised when every target timed out. After any timeout of these
        targets, their later routed reads go to each target on its own (per_target).

        sent: a list the text of every command sent is appended to (the caller's record).

        Framing [DECIDED, see docs/connector.md]: the commands go to the client's standard input,
        one a line, then QUIT; the client runs with -dataonly=no, echoes each command as
        `ANS8000I Server command: '...'.` before its output and follows a failing one with
        `ANS8001I Return code N.` A command with no echo of its own (the client stopped early) is
        an error.
        """
        specs = [tuple(query) + (None,) * (3 - len(query)) for query in queries]
        texts = [command if targets is None else route(route_targets(targets), command)
                 for command, targets, _checks in specs]
        if sent is not None:
            sent.extend(self.mask(texts))
        targets = _shared_targets(specs) if split_on_timeout else None
        try:
            outcomes = self._session(specs, texts, mode, lazy)
        except DsmadmcError as error:
            if not (targets and error.kind == 'timeout' and len(targets) > 1):
                raise
            self.per_target.add(frozenset(name.upper() for name in targets))
            return self._session_each(specs, targets, mode, lazy, error, sent)
        if targets and any(isinstance(outcome, DsmadmcError) and outcome.kind == 'timeout' for outcome in outcomes):
            self.per_target.add(frozenset(name.upper() for name in targets))
        return outcomes

    def _session(self, specs, texts, mode, lazy):
        """One client session for the queries (run_batch), or one exchange of the conversation."""
        talk, asked, skip = self._talking(mode), None, 0
        if talk is not None:
            asked = talk.ask(texts)
        if asked is not None:
            run, skip = asked
        else:
            run = self._execute(None, mode, commands=texts)
        chunks = _echo_chunks(run.stdout)[skip:]
        # a session cut by its timeout: the command that was running has no complete answer
        answered = len(chunks) - 1 if run.timed_out else len(chunks)
        if answered <= 0:
            messages = parse_messages(run.stdout)
            kind = self._password_kind(classify(run.rc, messages, run.timed_out), run, messages)
            if kind == 'error' and _not_the_client(run, messages):
                kind = 'not_client'
            if kind in OK_KINDS:
                kind = 'error'
            error = self._error(kind, ' | '.join(texts), run, messages,
                                detail=None if kind != 'error' else 'the client echoed none of the commands (ANS8000I)')
            error.no_framing = kind == 'error' and not chunks and not run.timed_out
            raise error
        argv, timed_out, stub = run.argv, run.timed_out, _Run(run.argv, run.rc, '', run.stderr, False)
        stdout = run.stdout     # held once, by the answers not yet taken; each is a place in it
        del run

        def later(text, targets, checks, span):
            def resolve():
                rc = _chunk_rc(stdout, span)
                if targets is None:
                    return self._plain_outcome(text, _Run(argv, rc, stdout[span[0]:span[1]], '', False), mode, checks)
                try:
                    return self._routed_results(route_targets(targets), text, _Run(argv, rc, stdout, '', False), mode,
                                                None, checks, span)
                except DsmadmcError as error:
                    return error
            return resolve

        outcomes = []
        for index, ((_command, targets, checks), text) in enumerate(zip(specs, texts)):
            if index >= answered:
                if timed_out:
                    outcomes.append(self._error('timeout', text, _Run(argv, None, '', '', timed_out), []))
                else:
                    outcomes.append(self._error('error', text, stub, [], detail='the client ended before this command ran'))
                continue
            resolve = later(text, targets, checks, chunks[index])
            outcomes.append(resolve if lazy else resolve())
        return outcomes

    def _session_each(self, specs, targets, mode, lazy, timeout, sent):
        """The queries of a routed session that ran out of time, again in one session per target,
        all at once; one entry per query, its targets' results together (see run_batch)."""
        def one(name):
            return self.run_batch([(command, [name], checks) for command, _all, checks in specs], mode, lazy=True)
        answers = self._per_target(targets, one)
        if sent is not None:
            for name in targets:
                sent.extend(self.mask([route([name], command) for command, _all, _checks in specs]))
        if all(isinstance(answer, DsmadmcError) and answer.kind == 'timeout' for answer in answers):
            raise timeout

        def merged(index):
            def resolve():
                results = []
                for name, answer in zip(targets, answers):
                    outcome = answer if isinstance(answer, DsmadmcError) else answer[index]
                    outcome = outcome() if callable(outcome) else outcome
                    results += [_failed(name, outcome)] if isinstance(outcome, DsmadmcError) else outcome
                return results
            return resolve
        return [merged(index) if lazy else merged(index)() for index in range(len(specs))]

    def _plain_outcome(self, command, run, mode, checks=None):
        messages = parse_messages(run.stdout)
        kind = classify(run.rc, messages)
        if kind not in OK_KINDS:
            return self._error(kind, command, run, messages)
        rows = []
        if kind == 'ok':
            try:
                rows, messages = parse_output(run.stdout, mode, None, checks)
            except ParseError as exc:
                return self._error('garbled', command, run, messages, detail=str(exc))
        return DsmadmcResult(self.server, self.mask(command), self.mask(run.argv), run.rc, kind,
                             self.mask_parsed(rows, run.stdout), self.mask(messages), text=self.mask(run.stdout))

    def run_routed(self, servers, command, mode='list', columns=None, checks=None, split_on_timeout=False):
        """Route a command from this server (the hub) to others; one DsmadmcResult per target.

        A target that failed gets a result whose error is a DsmadmcError (not raised), so the
        others' rows still come back. Raises DsmadmcError only when the hub call itself failed.
        Targets are reported in output order; a requested name with no output is reported as an
        error unless the hub's ANR1697I count shows every target answered (a server group name).

        split_on_timeout (read-only commands only: the command is sent again): when the routed
        call times out, one hanging target may be holding up the answer of all. Each target is
        then asked on its own, all at once, so only the hanging one ends as a timeout, and later
        calls to the same targets go to each at once straight away (no second wait for the whole
        list). When every target times out (the hub itself hangs) the first timeout is raised.
        """
        targets = route_targets(servers)
        key = frozenset(name.upper() for name in targets)
        timeout = None
        if not (split_on_timeout and key in self.per_target):
            try:
                return self._routed(targets, command, mode, columns, checks)
            except DsmadmcError as error:
                if not (split_on_timeout and error.kind == 'timeout' and len(targets) > 1):
                    raise
                timeout = error
                self.per_target.add(key)    # the next read of these targets is not tried at once again
        results = []
        for name, outcome in zip(targets, self._per_target(
                targets, lambda name: self._routed([name], command, mode, columns, checks))):
            results += [_failed(name, outcome)] if isinstance(outcome, DsmadmcError) else outcome
        if all(result.kind == 'timeout' for result in results):
            raise timeout or results[0].error
        return results

    def _per_target(self, targets, call):
        """call(name) once per target, concurrently (at most MAX_PARALLEL_CALLS clients at a time);
        per target what it returned, or the DsmadmcError it raised."""
        from concurrent.futures import ThreadPoolExecutor   # only when a routed read timed out

        def one(name):
            try:
                return call(name)
            except DsmadmcError as error:
                return error
        with ThreadPoolExecutor(max_workers=min(len(targets), MAX_PARALLEL_CALLS)) as pool:
            return list(pool.map(one, targets))

    def _routed(self, targets, command, mode, columns, checks):
        routed_command = route(targets, command)
        if columns is None and self._talking(mode):
            return self._exchange((command, targets, checks), routed_command, mode)
        run = self._execute(routed_command, mode)
        if run.timed_out:
            raise self._error('timeout', routed_command, run, parse_messages(run.stdout))
        return self._routed_results(targets, routed_command, run, mode, columns, checks)

    def _routed_results(self, targets, routed_command, run, mode, columns, checks, span=None):
        """One DsmadmcResult per target from a routed command's output (see run_routed); `span`:
        the (start, end) of its answer in run.stdout (a session's output), else all of it."""
        try:
            split = split_routed(run.stdout, targets, span)
        except ParseError as exc:
            run = _within(run, span)
            raise self._error('garbled', routed_command, run, parse_messages(run.stdout), detail=str(exc))
        if not split.routed:
            run = _within(run, span)
            messages = split.sections[0]['messages']
            kind = self._password_kind(classify(run.rc, messages), run, messages)
            detail = None if kind not in OK_KINDS else 'the reply has no command routing messages (ANR1687I)'
            raise self._error('error' if kind in OK_KINDS else kind, routed_command, run, messages, detail=detail)
        results = [_LazyResult(section['server'], self.mask(routed_command), self._section_result,
                               (section, routed_command, run, mode, columns, checks))
                   for section in split.sections]
        answered = set(section['server'].upper() for section in split.sections)
        expected = split.summary['servers'] if split.summary else None
        for name in targets:
            if name.upper() not in answered and (expected is None or len(answered) < expected):
                error = self._error('error', routed_command, run, [], server=name,
                                    detail='the routed reply has no output for this server')
                results.append(DsmadmcResult(name, error.command, error.argv, run.rc, 'error', [], [], error))
        return results

    def _section_result(self, section, command, run, mode, columns, checks):
        kind = classify_section(section)
        rows, detail = [], None
        if kind == 'ok':
            try:
                rows = parse_output(section['text'], mode, columns, checks, section.get('entries')).rows
            except ParseError as exc:
                kind, detail = 'garbled', str(exc)
        error = None
        if kind not in OK_KINDS:
            error = self._error(kind, command, run, section['messages'], server=section['server'], detail=detail)
        rc = {'ok': 0, 'empty': 11}.get(kind, run.rc)
        return DsmadmcResult(section['server'], self.mask(command), self.mask(run.argv), rc, kind,
                             self.mask_parsed(rows, section['text']), self.mask(section['messages']), error,
                             self.mask(section['text']))

    def _password_kind(self, kind, run, messages):
        """'password_not_read' for a sign-on that failed although the password was written to the
        client's standard input, when the server never judged it: no ANS1051I (invalid user id or
        password), and the client printed its password prompt, said it could not establish the
        session, or complained about the terminal. A real wrong password stays auth_failed."""
        if self.password is None or self.password_transport != 'stdin' or kind in OK_KINDS or kind == 'timeout':
            return kind
        ids = _ids(messages)
        if 'ANS1051I' in ids or kind in ('unreachable', 'unknown_server', 'not_authorized', 'client_missing'):
            return kind
        prompted = _PASSWORD_PROMPT_RE.search(run.stdout or '') is not None
        terminal = _TERMINAL_RE.search(run.stderr or '') is not None or _TERMINAL_RE.search(run.stdout or '') is not None
        if prompted or terminal or 'ANS8023E' in ids:
            return 'password_not_read'
        return kind

    # -- errors

    def _error(self, kind, command, run, messages, server=None, detail=None):
        """A DsmadmcError with a message a person can act on; everything in it masked."""
        head, hint = _KIND_TEXT[kind]
        if server:
            hint = _ROUTED_HINTS.get(kind, hint)
        server = server or self.server
        files = [('optfile', self.optfile), ('credentials_file', self.credentials_file)]
        files = ', '.join('%s %s' % (name, path) for name, path in files if path)
        head = head.format(server=server or '(default stanza of dsm.opt)', command=_short(command), timeout=self.timeout,
                           admin=self.admin_id or 'the administrator of the credentials file', path=self.path,
                           files=' (%s)' % files if files else '',
                           detail_size=sum(len(arg) + 1 for arg in run.argv))
        where = []
        for message in messages:
            if message['id'] not in _FRAMING_IDS and message['id'] not in where:
                where.append(message['id'])
        if run.rc is not None:
            named = run.rc in RC_NAMES and kind in ('error', 'not_authorized')   # server return codes
            where.append('rc %s%s' % (run.rc, ', ' + RC_NAMES[run.rc] if named else ''))
        text = head + (' (%s)' % ', '.join(where) if where else '')
        if kind == 'timeout' and run.timed_out == 'total' and not detail:
            detail = 'the module ran out of total_timeout (%s seconds)' % self.total_timeout
        detail = detail or _detail(kind, messages, run.stderr)
        if detail:
            text += ': ' + detail + ('' if detail[-1] in '.!?' else '.')
        if hint:
            text += ' ' + hint
        return DsmadmcError(self.mask(text), kind, server=server, rc=run.rc, messages=self.mask(messages),
                            command=self.mask(command), argv=self.mask(run.argv))


def _gather(proc, data, budget):
    """Popen.communicate(data, timeout=budget) for a client whose output may be a whole fleet's
    answers: the output is gathered in one growing buffer, where communicate keeps a list of
    pieces and joins them, holding the output twice at the end. When the budget runs out the
    client's process group is killed and what it printed is read for up to _DRAIN_SECONDS more (a
    descendant that left the group may hold the pipes). -> (stdout bytearray, stderr bytes,
    timed_out)."""
    pipes = _Pipes(proc, data or b'')
    if proc.stdin is not None and not data:
        proc.stdin.close()
    deadline = time.monotonic() + budget
    pipes.pump(lambda: None, deadline, close=True)
    timed_out = pipes.expired
    if timed_out:
        _kill_group(proc.pid)
        deadline = time.monotonic() + _DRAIN_SECONDS
    pipes.drain(deadline)
    if pipes.reap(deadline):       # its output ended, but it ran on past the budget
        timed_out = True
    return pipes.out, bytes(pipes.err), timed_out


class _Pipes(object):
    """The pipes of a running client: what is still to be written to its input (`pending`, in
    chunks that never block), and what it wrote (`out`, `err`), read as it comes."""

    def __init__(self, proc, pending=b''):
        self.proc = proc
        self.pending = pending
        self.out = bytearray()
        self.err = bytearray()
        self.reading = [proc.stdout, proc.stderr]
        self.expired = False

    def pump(self, done, deadline, close=False):
        """Write what is pending, read what comes, until done() returns something (returned), or
        else None: the client's output ended, or the deadline passed (`expired`). close: its
        input is closed once everything pending is written."""
        proc, self.expired = self.proc, False
        selector = selectors.DefaultSelector()
        try:
            for stream in self.reading:
                selector.register(stream, selectors.EVENT_READ)
            if proc.stdin is not None and not proc.stdin.closed and (self.pending or close):
                selector.register(proc.stdin, selectors.EVENT_WRITE)
            while True:
                found = done()
                if found is not None or proc.stdout not in self.reading:
                    return found
                left = deadline - time.monotonic()
                if left <= 0:
                    self.expired = True
                    return None
                for key, _events in selector.select(left):
                    stream = key.fileobj
                    if stream is proc.stdin:
                        try:
                            written = os.write(stream.fileno(), self.pending[:_PIPE_CHUNK])
                        except OSError:     # the client stopped reading: it is its answer
                            written = len(self.pending)
                        self.pending = self.pending[written:]
                        if not self.pending:
                            selector.unregister(stream)
                            if close:
                                stream.close()
                    elif not self._read(stream):
                        selector.unregister(stream)
        finally:
            selector.close()

    def _read(self, stream):
        """One read from `stream` into its buffer; False (and the stream closed) at its end."""
        piece = os.read(stream.fileno(), _READ_CHUNK)
        if piece:
            (self.out if stream is self.proc.stdout else self.err).extend(piece)
            return True
        self.reading.remove(stream)
        stream.close()
        return False

    def drain(self, deadline):
        """Read what the client still writes until its pipes close or the deadline passes."""
        while self.reading and time.monotonic() < deadline:
            for stream in select.select(self.reading, [], [], max(deadline - time.monotonic(), 0))[0]:
                self._read(stream)

    def reap(self, deadline):
        """Wait for the client to end until the deadline, else kill its group; True when it had to
        be killed. Its pipes are closed either way."""
        killed = False
        try:
            self.proc.wait(timeout=max(deadline - time.monotonic(), 0.01))
        except subprocess.TimeoutExpired:
            killed = True
            _kill_group(self.proc.pid)
            self.proc.wait()
        for stream in self.reading + ([self.proc.stdin] if self.proc.stdin is not None else []):
            try:
                stream.close()
            except OSError:     # the input's last write, to a client that is gone
                pass
        self.reading = []
        return killed


# --- a conversation: one client for a whole module run ------------------------------------------

CONVERSE_PROBE = 10     # seconds the first exchange waits for the client to answer while it runs [DECIDED]
_MARK_PREFIX = 'SPOPS'


class _Mark(object):
    """The end of an exchange: a read-only command whose answer only this conversation can know,
    `SELECT 'SPOPS' || 'TOKEN' AS MARK FROM STATUS`. The client's echo of it holds 'TOKEN' in
    quotes, its answer the joined value SPOPSTOKEN, which no echo holds and no other answer can
    hold by chance (the token is random for each run and numbered for each mark). So the answers
    before it are complete once its echo has come, and its own answer ends at the line that
    holds the value (or at its ANS8001I, should a server refuse the SELECT). The answer line
    (`MARK: SPOPS` and 10 more characters) is short, so that even a narrow console does not
    wrap it."""

    def __init__(self, token):
        self.command = "SELECT '%s' || '%s' AS MARK FROM STATUS" % (_MARK_PREFIX, token)
        self.echo = ("'%s'" % token).encode('ascii')
        self.value = (_MARK_PREFIX + token).encode('ascii')
        self.echo_at = None         # where its echo holds the token
        self.body = None            # the end of that line: its answer follows
        self.scanned = 0            # what was looked at already

    def find(self, out):
        """(cut, end, echoed) once the mark's answer is complete in `out` (what the client wrote
        since the last exchange), else None. cut: where the answers before the mark end (the
        start of its echo's line); end: the offset after its answer; echoed: whether the client
        echoed it (a client that echoes nothing cannot be split, see run_batch). Each call looks
        only at what came since the last one."""
        if self.echo_at is None:
            since = max(0, self.scanned - len(self.value))
            self.scanned = len(out)
            echo, value = out.find(self.echo, since), out.find(self.value, since)
            if value != -1 and (echo == -1 or value < echo):    # an answer with no echo before it
                line_end = out.find(b'\n', value)
                if line_end == -1:
                    self.scanned = value
                    return None
                return out.rfind(b'\n', 0, value) + 1, line_end + 1, False
            if echo == -1:
                return None
            self.echo_at = echo
        if self.body is None:
            body = out.find(b'\n', self.echo_at)
            if body == -1:
                return None
            self.body = self.scanned = body
        # its answer ends at the line that holds the value, or at its ANS8001I
        since = max(self.body, self.scanned - len(self.value))
        self.scanned = len(out)
        hits = [at for at in (out.find(self.value, since), out.find(b'\nANS8001I', since)) if at != -1]
        if not hits:
            return None
        line_end = out.find(b'\n', min(hits) + 1)
        if line_end == -1:
            self.scanned = min(hits)
            return None
        echo_line = out.rfind(b'ANS8000I', 0, self.echo_at)
        return out.rfind(b'\n', 0, echo_line if echo_line != -1 else self.echo_at) + 1, line_end + 1, True


class _Conversation(object):
    """One client kept running through a module run (Dsmadmc.conversing): one process and one
    sign-on, however many exchanges. Each exchange writes its commands and a _Mark to the
    client's standard input and reads until the mark's answer has come; the answers before it
    are split as a batch's are (run_batch). [DECIDED, see docs/connector.md]

    The first exchange proves that the client writes its answers while it runs: it sends the
    mark alone first and waits up to CONVERSE_PROBE seconds for it. When the mark does not come
    (a client that holds its output until it ends, or a slow sign-on), or comes without an echo,
    the exchange's commands are sent with QUIT and read to the end, as one batch session: the
    answers are the same, the conversation ends, and later calls run each in a client of their
    own (`why` says so). A conversation that timed out, or whose client ended, ends too. So no
    command is written to a client that has not shown it answers while it runs, and none twice."""

    def __init__(self, client, mode):
        self.client = client
        self.mode = mode
        self.thread = threading.get_ident()
        self.token = binascii.hexlify(os.urandom(4)).decode('ascii').upper()
        self.marks = 0
        self.proc = None
        self.argv = client.argv(None, mode, dataonly=False)
        self.pipes = None           # the client's (_Pipes); its `out` holds what no exchange has taken yet
        self.ended = False
        self.timed_out = False
        self.exchanges = 0
        self.why = None             # why it ended before the run did
        self.outside = 0            # calls that ran in a client of their own after it ended

    def usable(self, mode):
        """True when a call can be an exchange (the same output mode, the thread that opened it)."""
        if self.ended:
            self.outside += 1
            return False
        return mode == self.mode and threading.get_ident() == self.thread

    def _mark(self):
        self.marks += 1
        return _Mark('%s%dZ' % (self.token, self.marks))

    def _start(self, command):
        client = self.client
        try:
            self.proc = client._spawn(self.argv, command, True)
        except DsmadmcError:
            self.ended = True
            raise
        self.pipes = _Pipes(self.proc)
        if client.password is not None and client.password_transport == 'stdin':
            self.pipes.pending += (client.password + '\n').encode('utf-8')

    def ask(self, texts):
        """One exchange -> (_Run of its output, answers to skip at its start), or None when the
        conversation cannot carry it (it has ended; nothing was written, the caller runs a client
        of its own). Raises DsmadmcError when the client cannot start or no time is left."""
        if self.ended:
            return None
        if self.proc is not None and self.proc.poll() is not None:
            self._end()             # the client ended between exchanges: nothing was written to it
            self.outside += 1
            return None
        for text in texts:
            _check_command(text)
        command = ' | '.join(texts)
        budget = self.client._budget(command, self.argv)
        deadline = time.monotonic() + budget
        lines = ('\n'.join(texts) + '\n').encode('utf-8')
        if self.proc is None:
            self._start(command)
            probe = self._mark()
            self.pipes.pending += (probe.command + '\n').encode('ascii')
            found = self._pump(lambda: probe.find(self.pipes.out),
                               min(deadline, time.monotonic() + CONVERSE_PROBE), soft=True)
            if found is None or not found[2]:
                # no answer while it runs, or none echoed: the commands as one batch session
                running = not self.ended
                if running:
                    self.pipes.pending += lines + b'QUIT\n'
                    self._pump(lambda: None, deadline, close=True)
                if found is None and running and not self.timed_out:
                    self.why = ('The client wrote no answer within %d seconds while its input was open (a client '
                                'that holds its output until it ends, or a slow sign-on): the reads before any '
                                'change ran as one session, and each later command in a dsmadmc call of its own, '
                                'with a sign-on each.' % CONVERSE_PROBE)
                return self._leftover(budget, 1 if probe.echo in self.pipes.out else 0)
            del self.pipes.out[:found[1]]     # the banner and the probe
        mark = self._mark()
        self.pipes.pending += lines + (mark.command + '\n').encode('ascii')
        found = self._pump(lambda: mark.find(self.pipes.out), deadline)
        if found is None:
            return self._leftover(budget, 0)
        cut, end, _echoed = found
        out = self.pipes.out
        with memoryview(out) as whole, whole[:cut] as answers:
            text = str(answers, 'utf-8', 'replace')     # decoded in place: the output is not copied first
        del out[:end]
        self.exchanges += 1
        return _Run(self.argv, 0, text, '', False), 0

    def _pump(self, done, deadline, close=False, soft=False):
        """_Pipes.pump; when it found nothing the client is ended (killed after a deadline),
        unless only a `soft` deadline passed and it still runs."""
        found = self.pipes.pump(done, deadline, close)
        if found is None and not (soft and self.pipes.expired):
            self.timed_out = self.pipes.expired
            self._end()
        return found

    def _leftover(self, budget, skip):
        """An exchange whose mark did not come: all the client wrote since the last one (it has
        ended), as a batch session's output."""
        pipes = self.pipes
        run = self.client._finished(self.argv, self.proc.returncode, pipes.out, pipes.err, self.timed_out, budget)
        del pipes.out[:]
        return run, skip

    def _end(self):
        """The client's end: killed (with its group) after a timeout, else its input is closed,
        which ends it as QUIT does. What it still writes is read for up to _DRAIN_SECONDS; one
        that has not ended by then is killed."""
        if self.ended:
            return
        self.ended = True
        proc = self.proc
        if proc is None:
            return
        if self.timed_out:
            _kill_group(proc.pid)
        elif not proc.stdin.closed:
            try:
                proc.stdin.close()
            except OSError:
                pass
        deadline = time.monotonic() + _DRAIN_SECONDS
        self.pipes.drain(deadline)
        self.pipes.reap(deadline)
        _LIVE_GROUPS.discard(proc.pid)

    def close(self):
        """The run is over: QUIT, and the client ends (killed when it has not within 5 seconds)."""
        if self.ended or self.proc is None:
            self.ended = True
            return
        self.pipes.pending += b'QUIT\n'
        self._pump(lambda: None, time.monotonic() + _DRAIN_SECONDS, close=True)


def _failed(name, error):
    """A routed target's result that carries its error (not raised)."""
    return DsmadmcResult(name, error.command, error.argv, error.rc, error.kind, [], [], error)


def _shared_targets(specs):
    """The targets every query of a batch is routed to, when they all go to the same ones."""
    lists = set(tuple(route_targets(targets)) if targets is not None else None for _command, targets, _checks in specs)
    return list(lists.pop()) if len(lists) == 1 and None not in lists else None


def _echo_chunks(stdout):
    """A batch's output cut at the client's command echoes (ANS8000I): per command the (start,
    end) of its answer in the output, in order. The banner before the first echo and the
    session's closing ANS8002I are left out.

    Only the places that hold 'ANS8000I' are looked at closely (the message scanner runs on a few
    lines from each, to see whether an echo starts there and over how many lines the client wrapped
    it). The answers are places in the output, not copies of it: a large answer is neither scanned
    twice, nor split into a list of lines, nor held twice."""
    text = stdout or ''
    starts = []         # (offset of the echo's first line, offset of the answer after it)
    pos = text.find('ANS8000I')
    while pos != -1:
        line = text.rfind('\n', 0, pos) + 1
        body = _echo_end(text, line)
        if body is not None:
            starts.append((line, body))
        pos = text.find('ANS8000I', max(body or 0, pos + 8))
    spans = [(body, starts[number + 1][0] if number + 1 < len(starts) else len(text))
             for number, (_line, body) in enumerate(starts)]
    if spans:       # the session's closing ANS8002I lines end the last answer
        start, end = spans[-1]
        closing = _CLOSING_RE.search(text, start, end)
        if closing is not None:
            spans[-1] = (start, closing.start())
    return spans


_CLOSING_RE = re.compile(r'^ANS8002I\b(?:.*\n?)(?:(?:ANS8002I\b.*|[ \t\r]*)(?:\n|$))*\Z', re.MULTILINE)


def _echo_end(text, line):
    """Where the answer after an echo that starts at offset `line` begins, or None when no echo
    (ANS8000I as a message of its own) starts there. The echo of a command routed to many
    servers may be wrapped over many lines."""
    message, end = message_at(text, line, _ECHO_LINES)
    return end if message is not None and message['id'] == 'ANS8000I' else None


def _reported_rc(stdout):
    """The highest return code the client reported (ANS8001I / ANS8002I), or None. Only the few
    lines at each such message are scanned, not the whole output (a session's output holds the
    answers of all its commands)."""
    codes = []
    for marker in ('ANS8001I', 'ANS8002I'):
        pos = stdout.find(marker)
        while pos != -1:
            line = stdout.rfind('\n', 0, pos) + 1
            found = reported_rc(parse_messages(stdout[line:after_lines(stdout, line, 4)]))
            if found is not None:
                codes.append(found)
            pos = stdout.find(marker, pos + len(marker))
    return max(codes) if codes else None


def _within(run, span):
    """The run with only its answer at `span` as output (a session's output is many answers)."""
    return run if span is None else run._replace(stdout=run.stdout[span[0]:span[1]])


def _chunk_rc(text, span):
    """The return code of one command of a batch, whose answer is at `span` in the session's
    output: its ANS8001I, else 0."""
    codes = _CHUNK_RC_RE.findall(text or '', span[0], span[1])
    return int(codes[-1]) if codes else 0


def _not_the_client(run, messages):
    """True for a program that failed without a word of the client's: no ANS/ANR message, no
    output, and a complaint on stderr that does not come from dsmadmc (say, /bin/sh's
    'Illegal option -s')."""
    err = (run.stderr or '').strip()
    return bool(not messages and not (run.stdout or '').strip() and err and 'dsm' not in err.lower()
                and 'ANS' not in err)


def _short(command, limit=200):
    """A command as an error message shows it: a routed command to many servers is cut, so that
    one error per target does not repeat the whole list (the full command is in `command`)."""
    return command if len(command) <= limit else command[:limit - 3] + '...'


def _detail(kind, messages, stderr):
    """The most telling text for an error: the message that decided its kind, else an error
    message, else a warning, else any message, else the last line of stderr."""
    triggers = dict(_CONNECTION_KINDS).get(kind, frozenset())
    tests = (lambda msg: msg['id'] in triggers, lambda msg: msg['severity'] in ('S', 'E'),
             lambda msg: msg['severity'] == 'W', lambda msg: True)
    for test in tests:
        for message in messages:
            if message['id'] not in _FRAMING_IDS and test(message):
                return message['text']
    lines = [line.strip() for line in (stderr or '').splitlines() if line.strip()]
    return lines[-1] if lines else ''
