# -*- coding: utf-8 -*-
# Copyright: spectrum_protect.operations contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""sp_task_report: write the fleet task report from sp_task_info results, on the controller.

Runs entirely in the controller process (nothing is sent to a host): the model and the four
formats are built by plugins/plugin_utils/_report.py in one pass over the tasks, and each file is
written atomically into ``dest``. The documentation is plugins/modules/sp_task_report.py.
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import os
import re
import time

from collections.abc import Mapping

from ansible.errors import AnsibleActionFail
from ansible.plugins.action import ActionBase

from ansible_collections.spectrum_protect.operations.plugins.plugin_utils import _report

SINCE_RE = re.compile(r'^\s*(\d{1,9})\s*([smhdw]?)\s*\Z')
UNITS = {'': 1, 's': 1, 'm': 60, 'h': 3600, 'd': 86400, 'w': 604800}

ARGUMENT_SPEC = dict(
    results=dict(type='list', elements='raw'),
    hosts=dict(type='list', elements='str', default=[]),
    result_var=dict(type='str'),
    server_var=dict(type='str'),
    tasks_dir=dict(type='path'),
    dest=dict(type='path', required=True),
    basename=dict(type='str', default='task-report'),
    formats=dict(type='list', elements='str', choices=list(_report.FORMATS), default=list(_report.FORMATS)),
    title=dict(type='str', default='Spectrum Protect tasks'),
    since=dict(type='str'),
    types=dict(type='list', elements='str'),
    hub=dict(type='str'),
    activity_log=dict(type='bool', default=True),
    include_raw=dict(type='bool', default=False),
    markdown_full=dict(type='bool', default=False),
    markdown_limit=dict(type='int', default=50),
    max_failed=dict(type='int'),
    max_unknown=dict(type='int'),
    max_unreachable=dict(type='int'),
    fail_on_threshold=dict(type='bool', default=True),
    timeline_windows=dict(type='list', elements='dict', default=[]),
    mode=dict(type='raw'),
)


def _since_seconds(text):
    if text is None:
        return None
    match = SINCE_RE.match(str(text).lower())
    if not match:
        raise AnsibleActionFail('since must look like 30m, 24h or 7d, got %r' % (text,))
    return int(match.group(1)) * UNITS[match.group(2)]


def _routed_from(results):
    """The hub a result was read through (its module arguments name route_to), or None."""
    for result in results:
        args = ((result or {}).get('invocation') or {}).get('module_args') or {} if isinstance(result, dict) else {}
        if args.get('route_to'):
            return str(args.get('server') or 'the default server (dsm.opt)')
    return None


def _mode(value):
    if value is None:
        return None
    text = str(value)
    if not re.match(r'^0?[0-7]{3,4}\Z', text):
        raise AnsibleActionFail('mode must be an octal file mode such as 0644, got %r' % (value,))
    return int(text, 8)


class ActionModule(ActionBase):

    TRANSFERS_FILES = False
    _requires_connection = False

    def run(self, tmp=None, task_vars=None):
        result = super(ActionModule, self).run(tmp, task_vars)
        del tmp
        try:
            return self._report(result, task_vars)
        except AnsibleActionFail as exc:
            # a failed result, not an exception: an exception would pass over the task's failed_when
            result.update(failed=True, msg=getattr(exc, 'message', None) or str(exc))
            return result

    def _report(self, result, task_vars):
        started = time.time()
        timings = {}
        validation, args = self.validate_argument_spec(
            argument_spec=ARGUMENT_SPEC, required_one_of=[['results', 'result_var']],
            mutually_exclusive=[['results', 'result_var']], required_by={'result_var': 'hosts'})
        del validation
        inventory_hosts = list(args['hosts'])    # the local copies of tasks files are named after these
        if args['result_var']:
            args['results'], args['hosts'] = self._from_hosts(task_vars or {}, args['hosts'], args['result_var'],
                                                              args['server_var'])
        tasks_files = _report.local_copies(args['results'], inventory_hosts, args['tasks_dir'])
        timings['arguments'] = round(time.time() - started, 3)
        for key in ('max_failed', 'max_unknown', 'max_unreachable', 'markdown_limit'):
            if args[key] is not None and args[key] < 0:
                raise AnsibleActionFail('%s must be 0 or more, got %d' % (key, args[key]))
        if not args['formats']:
            raise AnsibleActionFail('formats must name at least one of: %s' % ', '.join(_report.FORMATS))
        since_seconds = _since_seconds(args['since'])
        mode = _mode(args['mode'])
        dest = os.path.abspath(os.path.expanduser(args['dest']))
        hub = args['hub'] or _routed_from(args['results'])
        parameters = {
            'since': args['since'],
            'since_seconds': since_seconds,
            'types': args['types'],
            'hub': hub,
            'mode': 'hub' if hub else 'per_server',
            'activity_log': args['activity_log'],
            'formats': list(args['formats']),
        }
        thresholds = {'failed': args['max_failed'], 'unknown': args['max_unknown'],
                      'unreachable': args['max_unreachable']}
        try:
            begun = time.time()
            model = _report.build(args['results'], hosts=args['hosts'], title=args['title'],
                                  parameters=parameters, include_raw=args['include_raw'],
                                  include_messages=args['activity_log'], thresholds=thresholds,
                                  tasks_files=tasks_files)
            timings['model'] = round(time.time() - begun, 3)
            options = {'markdown_full': args['markdown_full'], 'markdown_limit': args['markdown_limit'],
                       'timeline_windows': args['timeline_windows']}
            if self._task.check_mode:
                paths = dict((fmt, os.path.join(dest, '%s.%s' % (args['basename'], _report.EXTENSIONS[fmt])))
                             for fmt in args['formats'])
                for fmt in args['formats']:   # render anyway: check mode finds what a real run would fail on
                    _report.render(model, fmt, options)
            else:
                paths = _report.write(model, dest, args['basename'], args['formats'], options, mode=mode,
                                      timings=timings)
        except _report.ReportError as exc:
            raise AnsibleActionFail(str(exc))
        except OSError as exc:
            raise AnsibleActionFail('could not write the report into %s: %s' % (dest, exc))

        summary = model['summary']
        servers = [dict((k, s.get(k)) for k in ('name', 'version', 'reachable', 'read', 'error', 'errors', 'summary'))
                   for s in model['servers']]
        message = _report.threshold_message(model, paths)
        exceeded = [key for key, check in model['thresholds'].items() if check['exceeded']]
        result.update({
            'changed': True,
            'paths': paths,
            'summary': summary,
            'servers': servers,
            'thresholds': model['thresholds'],
            'thresholds_exceeded': exceeded,
            'threshold_message': message,
            'stats': {
                'summary': summary,
                'paths': paths,
                'servers_unreachable': [s['name'] for s in model['servers'] if not s['read']],
                'thresholds_exceeded': exceeded,
            },
            'lines': self._lines(model, paths, message),
            'timings': timings,
        })
        timings['total'] = round(time.time() - started, 3)
        if self._task.check_mode:
            result['msg'] = 'check mode: the report was built but not written'
        if message and args['fail_on_threshold']:
            result['failed'] = True
            result['msg'] = message
        return result

    def _from_hosts(self, task_vars, hosts, result_var, server_var):
        """Each host's registered read and the server it stands for (server_var, else its name).

        Taken as registered, not through the templating engine: a registered result holds no
        template, and templating 100,000 tasks (as task arguments or through hostvars[...]) costs
        far more than rendering them. A host that never ran the read simply has no result."""
        hostvars = task_vars.get('hostvars')
        current = task_vars.get('inventory_hostname')
        results, names = [], []
        for host in hosts:
            own = task_vars if host == current else None
            if own is None and hostvars is not None:
                try:
                    own = hostvars.raw_get(host)
                except (AttributeError, KeyError):
                    own = None
            if not isinstance(own, Mapping):   # an unknown host: an undefined marker
                own = {}
            result = own.get(result_var)
            results.append(result if isinstance(result, Mapping) else {})
            server = None
            if server_var and server_var in own:
                try:   # one small variable, templated: it may be written as a template
                    if own is task_vars:   # this host: role and play variables are here, not in hostvars
                        server = self._templar.template(own[server_var])
                    elif hostvars is not None:
                        server = hostvars[host].get(server_var)
                except Exception:  # pylint: disable=broad-except
                    # undefined or broken: the host's name stands in
                    server = None
            names.append(str(server) if server else str(host))
        return results, names

    @staticmethod
    def _lines(model, paths, message):
        """What a person reads in the play's output."""
        summary = model['summary']
        active = summary['active']
        lines = ['Successful %d, Warning %d, Failed %d%s; active: %d sessions, %d processes, %d jobs'
                 % (summary['successful'], summary['warning'], summary['failed'],
                    ', Unknown %d' % summary['unknown'] if summary['unknown'] else '',
                    active['session'], active['process'], active['job'])]
        if not summary['complete']:
            lines.append('Counts incomplete: %s' % '; '.join(summary['incomplete_reasons']))
        for server in model['servers']:
            if not server['read']:
                lines.append('%s could not be read: %s' % (server['name'], ' / '.join(_report.error_lines(server))))
        if message:
            lines.append(message)
        for fmt in _report.FORMATS:
            if fmt in paths:
                lines.append('%s: %s' % (fmt.upper() if fmt != 'markdown' else 'Markdown', paths[fmt]))
        return lines
