"""Issue 6 against the emulated server: sp_task_info reads every output form a real client prints,
and reports an outcome only on the server's evidence.

The forms fleet (tests/emulator/fleets/forms.yml) has a Windows spoke that prints DD.MM.YY dates,
HH.MM.SS times and 1.000,00 numbers, and completed jobs whose outcome only the activity log tells
(or nothing does: `outcome: unknown`). Client-wide forms (console width, label spellings, inline
prompts, date and number formats) are switched on in the environment of the client."""
import contextlib
import os

import pytest

from actions_support import harness

ROOT = harness.ROOT
make_fleet = harness.make_fleet

FORMS_FLEET = os.path.join(ROOT, "tests", "emulator", "fleets", "forms.yml")
SERVERS = ["FHUB", "FORMS1", "FORMS2"]
READ = """
- name: read the fleet
  spectrum_protect.operations.sp_task_info:
    server: FHUB
    route_to: [FHUB, FORMS1, FORMS2]
    admin_id: ADMIN
    password: passw0rd
  register: r_fleet
"""


@pytest.fixture(scope="module")
def forms(tmp_path_factory):
    return make_fleet(tmp_path_factory, FORMS_FLEET)


@contextlib.contextmanager
def client_env(fleet, **switches):
    saved = dict(fleet.env)
    fleet.env.update(switches)
    try:
        yield
    finally:
        fleet.env.clear()
        fleet.env.update(saved)


def read(fleet, tasks=READ):
    return fleet.playbook(tasks)["r_fleet"]


def comparable(result):
    """What must not depend on the form the client printed."""
    keep = ("server", "type", "id", "state", "active", "outcome", "outcome_verified", "start_time", "end_time",
            "duration_seconds", "job_id", "parent_process", "client_name", "description")
    return sorted((tuple(task.get(key) for key in keep) for task in result["tasks"]
                   if task["client_name"] != "ADMIN"), key=repr)     # not the module's own sessions


def expected_jobs(fleet):
    """{(server, job id): outcome} of the finished jobs, as the fleet file says their evidence shows."""
    return dict(((server["name"], job["id"]), job["outcome"]) for server in fleet.spec["servers"]
                for job in server.get("jobs", []) if "outcome" in job)


def test_job_outcomes_come_from_evidence_only(forms):
    result = read(forms)
    assert not result.get("failed"), result
    jobs = dict(((t["server"], t["id"]), t) for t in result["tasks"] if t["type"] == "job" and not t["active"])
    assert dict((key, job["outcome"]) for key, job in jobs.items()) == expected_jobs(forms)
    unknown = sorted(key for key, outcome in expected_jobs(forms).items() if outcome == "unknown")
    assert unknown and all(jobs[key]["state"] == "Unknown" for key in unknown)
    assert result["summary"]["unknown"] == len(unknown)
    assert sorted((t["server"], t["id"]) for t in result["summary"]["unknown_tasks"]) == unknown
    assert result["summary"]["complete"] is False
    # a server with no unknown outcome and every query answered is complete
    by_name = dict((server["name"], server) for server in result["servers"])
    assert by_name["FHUB"]["summary"]["complete"] is True
    assert by_name["FORMS1"]["summary"]["complete"] is False
    assert any("unknown" in str(w) and "FORMS1" in str(w) for w in result.get("warnings", []))


def test_the_windows_spoke_dates_and_numbers_read_as_the_others(forms):
    result = read(forms)
    forms1 = [t for t in result["tasks"] if t["server"] == "FORMS1" and t["type"] == "job"]
    assert sorted(t["id"] for t in forms1) == [70, 71, 72, 73, 74, 75]
    assert all(t["start_time"] and t["start_time"].startswith("20") for t in forms1)
    ended = [t for t in forms1 if not t["active"]]
    assert all(t["end_time"] > t["start_time"] and t["duration_seconds"] > 0 for t in ended)
    running = [t for t in forms1 if t["id"] == 70][0]
    assert running["state"] == "Running" and 2 * 3600 < running["duration_seconds"] <= 3 * 3600 + 60


@pytest.mark.parametrize("switches", [
    {"SPEMU_CONSOLE_WIDTH": "60"},
    {"SPEMU_CONSOLE_WIDTH": "33"},
    {"SPEMU_LABELS": "alt"},
    {"SPEMU_PROMPT": "inline"},
    {"SPEMU_DATEFORMAT": "2", "SPEMU_TIMEFORMAT": "4", "SPEMU_NUMBERFORMAT": "3"},
    {"SPEMU_DATEFORMAT": "DD/MM/YYYY", "SPEMU_NUMBERFORMAT": "6"},
    {"SPEMU_DATEFORMAT": "5", "SPEMU_TIMEFORMAT": "2", "SPEMU_NUMBERFORMAT": "2", "SPEMU_CONSOLE_WIDTH": "50",
     "SPEMU_LABELS": "alt", "SPEMU_PROMPT": "inline"},
], ids=["width60", "width33", "labels", "prompt", "formats-2-4-3", "ddmm-6", "everything"])
def test_every_form_the_client_prints_gives_the_same_answer(forms, switches):
    baseline = comparable(read(forms))
    with client_env(forms, **switches):
        result = read(forms)
    assert not result.get("failed"), result
    assert [server["read"] for server in result["servers"]] == [True, True, True], result["servers"]
    assert comparable(result) == baseline


def test_an_activity_log_that_cannot_be_read_leaves_outcomes_unverified(forms):
    forms.spemu("fault", "FORMS2", "refuse:ACTLOG")
    try:
        result = read(forms)
    finally:
        forms.spemu("fault", "FORMS2", "clear")
    by_name = dict((server["name"], server) for server in result["servers"])
    assert by_name["FORMS2"]["read"] is True
    assert [(e["query"], e["rc"]) for e in by_name["FORMS2"]["errors"]] == [("actlog", 4)]
    assert "ANR2032E" in by_name["FORMS2"]["errors"][0]["message_ids"]
    forms2 = [t for t in result["tasks"] if t["server"] == "FORMS2" and not t["active"]]
    # the process that completed with a warning is not turned into a success behind our back
    process = [t for t in forms2 if t["type"] == "process" and t["id"] == 3390][0]
    assert process["outcome_verified"] is False and process["outcome"] == "successful"
    assert all(not t["outcome_verified"] for t in forms2 if t["type"] == "job")
    assert by_name["FORMS2"]["summary"]["complete"] is False and by_name["FHUB"]["summary"]["complete"] is True
    others = [t for t in result["tasks"] if t["server"] != "FORMS2"]
    assert all(t["outcome_verified"] for t in others)
    warned = [str(w) for w in result.get("warnings", []) if "FORMS2" in str(w) and "activity log" in str(w)]
    assert len(warned) == 1


def test_a_client_that_reads_the_password_only_from_a_terminal(forms):
    tasks = READ.replace("    password: passw0rd\n", "    password: passw0rd\n    password_transport: \"{{ transport }}\"\n")
    with client_env(forms, SPEMU_PASSWORD_INPUT="tty"):
        stdin = forms.playbook(tasks, vars={"transport": "stdin"})["r_fleet"]
        argv = forms.playbook(tasks, vars={"transport": "argv"})["r_fleet"]
    assert stdin["failed"] is True and stdin["kind"] == "password_not_read"
    assert "credentials_file" in stdin["msg"] and "password_transport: argv" in stdin["msg"]
    assert not argv.get("failed"), argv
    assert "passw0rd" not in repr(argv) and "passw0rd" not in forms.last_output
