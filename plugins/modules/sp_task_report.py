#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: spectrum_protect.operations contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

# The work is done by the action plugin of the same name (plugins/action/sp_task_report.py), on the
# controller; this file only documents it.

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

DOCUMENTATION = r'''
---
module: sp_task_report
short_description: Write the fleet task report (HTML, JSON, CSV, Markdown) from sp_task_info results
version_added: 0.2.0
description:
  - Builds the Operations Center C(Tasks) picture of a fleet from one or more
    M(spectrum_protect.operations.sp_task_info) results and writes it on the controller as a
    self-contained HTML page, a JSON document with a versioned schema, a CSV file and a Markdown
    summary for tickets. See docs/task-report.md for every field.
  - A result without C(tasks) (a failed read) becomes a server that could not be read, with its
    error; it never stops the report.
  - Rendering is Python, linear in the number of tasks; 100,000 tasks take a few seconds.
  - The role P(spectrum_protect.operations.task_report#role) reads the fleet and calls this action;
    use the action directly to render results you already have.
  - Thresholds (O(max_failed), O(max_unknown), O(max_unreachable)) are checked after the files are
    written; with O(fail_on_threshold=true) the task then fails with a message naming the counts.
author:
  - spectrum_protect.operations contributors (@spectrum-protect-operations)
options:
  results:
    description:
      - Registered results of M(spectrum_protect.operations.sp_task_info) - one routed read of a
        fleet, or one per server. Failed reads are welcome (register them with C(failed_when) set to V(false)).
      - Either this or O(result_var).
    type: list
    elements: raw
  hosts:
    description:
      - Names that go with O(results), one each, used to name a server whose read failed before it
        could name itself.
      - With O(result_var), the inventory hosts whose reads make the report.
    type: list
    elements: str
    default: []
  result_var:
    description:
      - Take the results from the variable of this name of each host in O(hosts) (a per-server read
        registered on every host), instead of O(results). A host without it (it never ran the read)
        is reported as a server that could not be read.
    type: str
  server_var:
    description:
      - With O(result_var), the host variable that names the server a host stands for (its dsm.sys
        stanza); a host without it is named by its inventory name.
    type: str
  tasks_dir:
    description:
      - Folder on the controller with the local copies of the tasks files of reads that wrote their
        tasks to a file (M(spectrum_protect.operations.sp_task_info) O(spectrum_protect.operations.sp_task_info#module:tasks_file)),
        one per read, named C(HOST.jsonl) after the read's host - its entry in O(hosts) (with
        O(result_var), the inventory host that registered it). Bring them there with
        M(ansible.builtin.fetch) (C(flat=true)).
      - Each copy is read one line at a time, straight into the report, so the fleet's tasks are
        held once on the controller.
      - A read that wrote its tasks to a file whose copy is missing, unreadable, not JSON Lines,
        holds another number of tasks than the read's C(task_count), or is not the file the read
        wrote (its SHA-1 is not the read's C(tasks_checksum), as with a stale copy left from another run)
        makes its servers servers that could not be read, with that error, as does such a read
        without this option; it never reports them empty.
      - Results with their tasks inline need nothing here; both kinds may be mixed.
    type: path
  dest:
    description:
      - Folder on the controller to write into; created when missing. A relative path is relative to
        the directory C(ansible-playbook) runs in.
    type: path
    required: true
  basename:
    description: File name without extension; the files are C(BASENAME.html), C(.json), C(.csv), C(.md).
    type: str
    default: task-report
  formats:
    description: Which files to write.
    type: list
    elements: str
    choices: [html, json, csv, markdown]
    default: [html, json, csv, markdown]
  title:
    description: Title of the report.
    type: str
    default: Spectrum Protect tasks
  since:
    description:
      - The period the results cover (the V(since) given to sp_task_info), shown in the report and
        used to bound the timeline.
    type: str
  types:
    description: The task types read, recorded in the report's parameters.
    type: list
    elements: str
  hub:
    description: The hub the fleet was read through, if any; shown in the report.
    type: str
  activity_log:
    description: Include the tasks' activity-log messages (when the results carry them).
    type: bool
    default: true
  include_raw:
    description: Keep every task's C(raw) fields in the JSON report.
    type: bool
    default: false
  markdown_full:
    description: List every task in the Markdown report, not only failed, warning and unknown ones.
    type: bool
    default: false
  markdown_limit:
    description: At most this many tasks per section of the Markdown report; V(0) for no limit.
    type: int
    default: 50
  max_failed:
    description: Threshold - more failed tasks than this (terminated jobs included) exceeds it.
    type: int
  max_unknown:
    description: Threshold - more tasks with an unknown outcome than this exceeds it.
    type: int
  max_unreachable:
    description: Threshold - more servers that could not be read than this exceeds it.
    type: int
  fail_on_threshold:
    description: Fail the task, after writing the files, when a threshold is exceeded.
    type: bool
    default: true
  timeline_windows:
    description:
      - Daily windows shaded on the timeline, in server time, each a dict with C(name), C(start) and
        C(end) as V(HH:MM); a window that ends before it starts runs past midnight.
    type: list
    elements: dict
    default: []
  mode:
    description: File mode of the written files, as an octal string such as V("0640"); by default the umask decides.
    type: raw
attributes:
  action:
    description: Indicates this has a corresponding action plugin so some parts of the options can be executed on the controller.
    support: full
  check_mode:
    description: Can run in check_mode and return changed status prediction without modifying target.
    support: full
    details: Check mode builds and renders the report, returns the paths, and writes nothing.
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in check_mode), when in diff mode.
    support: none
  platform:
    description: Target OS/families that can be operated against.
    support: N/A
    platforms: posix
notes:
  - Runs on the controller only; the hosts of the play are not contacted.
  - The report never holds credentials - sp_task_info returns none.
seealso:
  - module: spectrum_protect.operations.sp_task_info
  - name: The task report
    description: docs/task-report.md in the collection - every field of the JSON schema, the CSV columns and the page.
    link: https://example.invalid/spectrum_protect/operations/docs/task-report.md
'''

EXAMPLES = r'''
- name: Read the fleet through the hub
  spectrum_protect.operations.sp_task_info:
    server: HUB1
    route_to: [HUB1, SPOKE1, SPOKE2]
    activity_log: true
  register: fleet
  failed_when: false

- name: Write the report and fail when anything failed
  spectrum_protect.operations.sp_task_report:
    results: ["{{ fleet }}"]
    hub: HUB1
    since: 24h
    dest: /var/tmp/sp-report
    max_failed: 0

- name: A large fleet - the read writes its tasks to a file on the managed node
  spectrum_protect.operations.sp_task_info:
    server: HUB1
    route_to: [HUB1, SPOKE1, SPOKE2]
    activity_log: true
    tasks_file: /var/tmp/sp-tasks.jsonl
  register: fleet
  failed_when: false

- name: Bring the tasks file to the controller, named after the host that read it
  ansible.builtin.fetch:
    src: /var/tmp/sp-tasks.jsonl
    dest: /var/tmp/sp-tasks/{{ inventory_hostname }}.jsonl
    flat: true
  when: fleet.tasks_file is defined

- name: Write the report from it
  spectrum_protect.operations.sp_task_report:
    hosts: ["{{ inventory_hostname }}"]
    result_var: fleet
    tasks_dir: /var/tmp/sp-tasks
    hub: HUB1
    dest: /var/tmp/sp-report
'''

RETURN = r'''
paths:
  description: The files written (in check mode, that would be written), by format.
  returned: always
  type: dict
  sample:
    html: /var/tmp/sp-report/task-report.html
    json: /var/tmp/sp-report/task-report.json
    csv: /var/tmp/sp-report/task-report.csv
    markdown: /var/tmp/sp-report/task-report.md
summary:
  description:
    - The fleet's header counts (the sp_task_info summaries added up) - C(successful), C(warning),
      C(failed), C(unknown), C(active) per type - and what they cover - C(complete),
      C(incomplete_reasons), C(unverified), C(tasks), C(servers), C(servers_unreachable),
      C(servers_with_errors).
  returned: always
  type: dict
servers:
  description: Per server C(name), C(version), C(reachable), C(error), C(errors) and C(summary).
  returned: always
  type: list
  elements: dict
thresholds:
  description: Per threshold set, C(limit), C(value) and C(exceeded).
  returned: always
  type: dict
thresholds_exceeded:
  description: Names of the thresholds exceeded (V(failed), V(unknown), V(unreachable)).
  returned: always
  type: list
  elements: str
threshold_message:
  description: One sentence naming every exceeded threshold with its count, or null.
  returned: always
  type: str
stats:
  description: What the role publishes with C(set_stats) - summary, paths, unreachable servers, thresholds exceeded.
  returned: always
  type: dict
lines:
  description: The summary as lines of text for the play's output.
  returned: always
  type: list
  elements: str
timings:
  description: Seconds spent in the action - C(arguments), C(model), one per format written, C(total).
  returned: always
  type: dict
'''
