"""Running playbooks/task_report.yml against an emulated fleet and reading what it wrote.

Shared by tests/integration/test_task_report.py and tests/browser/. A `fleet` is the integration
harness's Fleet (tests/integration/conftest.py): its home, spec and environment.
"""
import csv
import json
import os
import re
import subprocess
import sys

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = os.path.dirname(sys.executable)
PLAYBOOK = os.path.join(ROOT, 'playbooks', 'task_report.yml')


class Run(object):
    def __init__(self, proc, dest):
        self.rc = proc.returncode
        self.output = proc.stdout + proc.stderr
        self.dest = dest

    def path(self, ext):
        return os.path.join(self.dest, 'task-report.' + ext)

    def text(self, ext):
        with open(self.path(ext), encoding='utf-8') as handle:
            return handle.read()

    @property
    def report(self):
        return json.loads(self.text('json'))

    def csv_rows(self):
        with open(self.path('csv'), newline='', encoding='utf-8') as handle:
            return list(csv.DictReader(handle))

    def stats(self):
        """What set_stats published (ANSIBLE_SHOW_CUSTOM_STATS prints it after the recap)."""
        match = re.search(r'CUSTOM STATS: \*+\s*\n\s*RUN: (\{.*\})', self.output)
        assert match, self.output[-3000:]
        return json.loads(match.group(1))['task_report']


def hub_of(fleet):
    return next(s['name'] for s in fleet.spec['servers'] if s.get('role') == 'hub')


def names(fleet):
    return [s['name'] for s in fleet.spec['servers']]


def run_report(fleet, name, hub=True, password='passw0rd', extra=None, check=False, expect_rc=0, verbose=False,
               aliases=False, playbook=PLAYBOOK, env=None):
    """Run playbooks/task_report.yml (or `playbook`); the connection goes in through the role's variables (a vars
    file, never the command line). Per server with `aliases`, the inventory hosts are named
    `sp-<name>` and each names its stanza with task_report_server (a template, as inventories do).
    `env`: more environment variables for ansible-playbook."""
    run_dir = os.path.join(fleet.home, name)
    os.makedirs(run_dir)
    dest = os.path.join(run_dir, 'report')
    variables = {'task_report_admin_id': 'ADMIN', 'task_report_password': password, 'task_report_dest': dest}
    if hub:
        variables.update(task_report_server=hub_of(fleet), task_report_route_to=names(fleet))
    else:
        variables['task_report_hosts'] = 'sp_servers'
    variables.update(extra or {})
    vars_file = os.path.join(run_dir, 'vars.yml')
    with os.fdopen(os.open(vars_file, os.O_WRONLY | os.O_CREAT, 0o600), 'w') as handle:
        yaml.safe_dump(variables, handle)
    inventory = os.path.join(run_dir, 'inventory.yml')
    with open(inventory, 'w') as handle:
        hosts = dict((n, {}) for n in names(fleet))
        if aliases:
            hosts = dict(('sp-' + n.lower(), {'stanza': n, 'task_report_server': '{{ stanza }}'}) for n in names(fleet))
        yaml.safe_dump({'sp_servers': {'hosts': hosts,
                                       'vars': {'ansible_connection': 'local',
                                                'ansible_python_interpreter': sys.executable}},
                        'ungrouped': {'hosts': {'localhost': {'ansible_connection': 'local',
                                                              'ansible_python_interpreter': sys.executable}}}},
                       handle)
    argv = [os.path.join(BIN, 'ansible-playbook'), '-i', inventory, playbook, '-e', '@' + vars_file]
    if check:
        argv.append('--check')
    if verbose:
        argv.append('-vvv')
    env = dict(fleet.env, ANSIBLE_SHOW_CUSTOM_STATS='true', **(env or {}))
    proc = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=600, check=False)
    run = Run(proc, dest)
    assert run.rc == expect_rc, run.output[-6000:]
    return run
