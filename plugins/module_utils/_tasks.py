# -*- coding: utf-8 -*-
# Copyright: spectrum_protect.operations contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The names the task model had before it was split, kept for the tests that import them from here.

PRIVATE to the spectrum_protect.operations collection: the interface may change in any release.

Nothing is defined here, and plugins import from the pieces themselves:
- _model.py: the task model (page states, field reading, session/process/job/completed tasks,
  outcomes, header counts);
- _actlog.py: the activity log (ActivityLog, the command log);
- _filters.py: the filters (select, wildcards, since) and their pushdown into SQL;
- _reader.py: the queries and TaskReader (sp_task_info's read of a server or a fleet);
- _fleet.py: the per-server fan-out (server versions, Fleet).
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

# pylint: disable=unused-import
from ansible_collections.spectrum_protect.operations.plugins.module_utils._actlog import ActivityLog  # noqa: F401
from ansible_collections.spectrum_protect.operations.plugins.module_utils._filters import (  # noqa: F401
    parse_since,
    select,
)
from ansible_collections.spectrum_protect.operations.plugins.module_utils._fleet import (  # noqa: F401
    JOBS_SINCE,
    server_version,
    version_tuple,
)
from ansible_collections.spectrum_protect.operations.plugins.module_utils._model import (  # noqa: F401
    SESSION_STATES,
    RecordError,
    completed_task,
    field,
    job_task,
    new_task,
    normal_label,
    process_task,
    server_datetime as _dt,
    session_task,
    summarize,
    visible,
)
