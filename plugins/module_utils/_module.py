# -*- coding: utf-8 -*-
# Copyright: spectrum_protect.operations contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The module base every module of the collection is built on (the model: community.hashi_vault).

PRIVATE to the spectrum_protect.operations collection: the interface may change in any release.

SpModule is the module layer, the one place that reports: the merged argument spec (connection
options plus the module's own), the dsmadmc client, the per-server fan-out, the `commands` list,
warnings, and one way to turn every error the module_utils below it raise (ValueError for bad
input, DsmadmcError, FleetError, FlowError) into fail_json. Nothing below it calls fail_json,
exit_json or warn.
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.spectrum_protect.operations.plugins.module_utils._dsmadmc import (
    Dsmadmc,
    DsmadmcError,
    module_kwargs,
)
from ansible_collections.spectrum_protect.operations.plugins.module_utils._fleet import (
    DEFAULT_MAX_TASKS,
    Fleet,
    FleetError,
    FlowError,
)
from ansible_collections.spectrum_protect.operations.plugins.module_utils._waiter import (
    WAIT_ARGUMENT_SPEC,
    waiter_for,
)

# Options of the per-server fan-out, shared by every module.
FLEET_ARGUMENT_SPEC = dict(
    route_to=dict(type='list', elements='str'),
)
# Options of every module that acts on tasks (sp_session, sp_process, sp_job).
ACTION_ARGUMENT_SPEC = dict(
    max_tasks=dict(type='int', default=DEFAULT_MAX_TASKS),
)
ACTION_ARGUMENT_SPEC.update(FLEET_ARGUMENT_SPEC)
ACTION_ARGUMENT_SPEC.update(WAIT_ARGUMENT_SPEC)


def action_argument_spec(own):
    """The argument spec of an acting module: the shared action options plus its own."""
    spec = dict(ACTION_ARGUMENT_SPEC)
    spec.update(own)
    return spec


class SpModule(AnsibleModule):
    """An AnsibleModule with the collection's connection options, client, fan-out and reporting."""

    def __init__(self, argument_spec=None, **kwargs):
        kwargs.setdefault('supports_check_mode', True)
        super(SpModule, self).__init__(**module_kwargs(argument_spec, **kwargs))
        self._client = None
        self.fleet = None
        self.sp_warnings = []

    # -- the client and the fan-out

    @property
    def client(self):
        """The dsmadmc runner for the connection options (fails the module when it cannot run)."""
        if self._client is None:
            self._client = Dsmadmc.from_module(self)
        return self._client

    def make_fleet(self):
        """The servers of this call: `server`, or those of `route_to` through it (a hub)."""
        try:
            self.fleet = Fleet(self.client, route_to=self.params.get('route_to'), server=self.params.get('server'),
                               single_session=self.params.get('single_session', True) is not False)
        except ValueError as exc:
            self.fail(str(exc))
        return self.fleet

    @property
    def commands(self):
        return list(self.fleet.commands) if self.fleet is not None else []

    # -- reporting

    def add_warnings(self, warnings):
        for text in warnings or ():
            if text not in self.sp_warnings:
                self.sp_warnings.append(text)

    def _report_warnings(self):
        if self.fleet is not None:
            self.add_warnings(self.fleet.warnings)
        for text in self.sp_warnings:
            self.warn(text)
        self.sp_warnings = []

    def fail(self, msg, **fields):
        """fail_json with the commands that ran and the warnings collected so far."""
        self._report_warnings()
        fields.setdefault('commands', self.commands)
        fields.pop('msg', None)
        self.fail_json(msg=msg, **fields)

    def fail_error(self, error, **fields):
        """A DsmadmcError as fail_json: its message (server, rc, message IDs), kind, rc and IDs."""
        details = error.to_dict()
        details.pop('msg')
        details.update(fields)
        self.fail(error.msg, **details)

    def finish(self, **result):
        """exit_json with the commands that ran and the warnings collected."""
        self._report_warnings()
        result.setdefault('commands', self.commands)
        result.setdefault('changed', False)
        self.exit_json(**result)

    def run_guarded(self, work, warnings=None):
        """Run work() -> result dict and report it; every error below becomes fail_json.
        `warnings`: a list the work fills, reported on success and on failure."""
        try:
            result = work()
        except (FlowError, FleetError, DsmadmcError, ValueError) as error:
            self.add_warnings(warnings)
            self.fail_from(error)
        self.add_warnings(warnings)
        self.finish(**result)

    def fail_from(self, error):
        """fail_json for any error the module_utils raise."""
        if isinstance(error, FlowError):
            self.add_warnings(error.warnings)
            fields = dict(error.result)
            fields.pop('msg', None)
            self.fail(error.msg, **fields)
        elif isinstance(error, FleetError):
            self.fail(error.msg, servers=error.servers)
        elif isinstance(error, DsmadmcError):
            self.fail_error(error)
        self.fail(str(error))

    # -- acting modules

    def run_flow(self, flow_class):
        """The one flow of the acting modules: read, plan, (check mode stops), act, wait, read again."""
        def work():
            waiter = waiter_for(self.params, self.check_mode)
            flow = flow_class(self.make_fleet(), self.params, self.check_mode, waiter,
                              admin_id=self.params.get('admin_id'))
            try:
                return flow.run()
            finally:
                self.add_warnings(flow.warnings)
        self.run_guarded(work)
