"""Job templates run the way AWX / Automation Platform runs them, against the emulated fleet.

AWX turns a job template launch into an ansible-runner private data directory (project,
inventory, env/envvars with the credentials' env injectors, env/extravars with the survey answers
and its own awx_* variables), streams it to an execution node with `ansible-runner transmit`,
runs it there with `ansible-runner worker` and reads events and artifacts back with
`ansible-runner process`. These tests do the same, with the credential types of
extensions/awx/ rendered exactly as AWX renders injectors (awx/main/models/credential.py,
CredentialType.inject_credential: a Jinja sandbox; inputs left empty are not in the namespace and
render as empty strings; secret inputs are masked in the job environment AWX stores).

The administrator's password is a canary that no other test uses; after each job every file of
the runner's artifacts is searched for it.
"""
import glob
import importlib.util
import json
import os
import shutil
import subprocess
import types

import pytest
import yaml
from jinja2.sandbox import ImmutableSandboxedEnvironment

import expected

# The harness (conftest.py) by its path: "conftest" names several modules in one pytest session.
_SPEC = importlib.util.spec_from_file_location(
    "sp_integration_harness", os.path.join(os.path.dirname(os.path.abspath(__file__)), "conftest.py"))
harness = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(harness)
BIN = harness.BIN
COLLECTIONS = harness.COLLECTIONS
DEMO_FLEET = harness.DEMO_FLEET
ROOT = harness.ROOT
make_fleet = harness.make_fleet

CANARY = "Canary-4f9e2b7c-SpAdmin"
HIDDEN = "**********"            # what AWX stores instead of a secret (HIDDEN_PASSWORD)
AWX_DIR = os.path.join(ROOT, "extensions", "awx")


def credential_type(name):
    with open(os.path.join(AWX_DIR, name)) as handle:
        return yaml.safe_load(handle)


def awx_inject(ctype, inputs):
    """(env, safe_env, extra_vars) of one credential, as AWX computes them from its type."""
    assert set(ctype["injectors"]) <= {"env", "extra_vars"}, "file injectors: extend this harness"
    fields = ctype["inputs"]["fields"]
    known = {field["id"] for field in fields}
    assert set(inputs) <= known and set(ctype["inputs"].get("required", [])) <= set(inputs)
    secret = {field["id"] for field in fields if field.get("secret")}
    tower = types.SimpleNamespace()
    namespace, safe_namespace = {"tower": tower}, {"tower": tower}
    for key, value in inputs.items():
        if key in secret:
            safe_namespace[key] = HIDDEN
        elif value:
            safe_namespace[key] = value
        if value:
            namespace[key] = value
    sandbox = ImmutableSandboxedEnvironment()
    env, safe_env = {}, {}
    for var, template in ctype["injectors"].get("env", {}).items():
        assert not var.startswith("ANSIBLE_"), "AWX refuses env injectors named ANSIBLE_*: %s" % var
        env[var] = sandbox.from_string(template).render(**namespace)
        safe_env[var] = sandbox.from_string(template).render(**safe_namespace)
    extra_vars = dict((key, sandbox.from_string(value).render(**namespace))
                      for key, value in ctype["injectors"].get("extra_vars", {}).items())
    return env, safe_env, extra_vars


class Job:
    """One job template launch: private data dir, transmit | worker | process, what came back."""

    counter = 0

    def __init__(self, fleet, workdir, playbook, survey, ctype, inputs):
        Job.counter += 1
        self.ident = "job%d" % Job.counter
        self.fleet = fleet
        self.pdd = os.path.join(str(workdir), self.ident)
        self.node = os.path.join(str(workdir), self.ident + "-node")   # the execution node's copy
        self.playbook = playbook
        self.env, self.safe_env, cred_vars = awx_inject(ctype, inputs)
        self.extra_vars = {"awx_job_id": Job.counter, "awx_job_template_name": playbook,
                           "awx_user_name": "alice", "awx_job_launch_type": "manual"}
        self.extra_vars.update(survey)
        self.extra_vars.update(cred_vars)

    def _write(self):
        project = os.path.join(self.pdd, "project")
        shutil.copytree(os.path.join(ROOT, "playbooks"), project)       # the project's playbooks
        shutil.copy(os.path.join(ROOT, "docs", "examples", "fleet_summary.yml"), project)
        os.makedirs(os.path.join(self.pdd, "inventory"))
        with open(os.path.join(self.pdd, "inventory", "hosts"), "w") as handle:
            handle.write("localhost ansible_connection=local "
                         "ansible_python_interpreter='{{ ansible_playbook_python }}'\n")
        os.makedirs(os.path.join(self.pdd, "env"))
        with open(os.path.join(self.pdd, "env", "envvars"), "w") as handle:
            json.dump(dict(self.env, JOB_ID=str(Job.counter)), handle)
        with open(os.path.join(self.pdd, "env", "extravars"), "w") as handle:
            json.dump(self.extra_vars, handle)

    def node_environment(self):
        """The execution environment's own variables: where the image has the client, its
        dsm.sys and the collection (here: the emulated fleet and this checkout)."""
        home = os.path.join(self.pdd + "-home")
        os.makedirs(home, exist_ok=True)
        env = {key: self.fleet.env[key] for key in ("SPEMU_HOME", "DSM_DIR", "DSM_CONFIG")}
        env.update({
            "PATH": BIN + os.pathsep + "/usr/bin:/bin",
            "HOME": home,
            "LANG": "C.UTF-8",
            "ANSIBLE_COLLECTIONS_PATH": COLLECTIONS,
            "ANSIBLE_COLLECTIONS_SCAN_SYS_PATH": "false",
            "ANSIBLE_HOME": os.path.join(home, ".ansible"),
            "ANSIBLE_LOCAL_TEMP": os.path.join(home, "tmp"),
            "ANSIBLE_NOCOLOR": "1",
        })
        return env

    def run(self, check=False):
        """Launch; ``check`` is the job template's job type Check (ansible-playbook --check)."""
        self._write()
        runner = os.path.join(BIN, "ansible-runner")
        env = self.node_environment()
        argv = [runner, "transmit", self.pdd, "-p", self.playbook, "--ident", self.ident]
        if check:
            argv.append("--cmdline=--check")
        transmit = subprocess.run(argv, env=env, capture_output=True, timeout=120, check=True)
        worker = subprocess.run([runner, "worker", "--private-data-dir", self.node], input=transmit.stdout,
                                env=env, capture_output=True, timeout=600, check=False)
        # The worker exits with ansible-playbook's status; the job's status travels in the stream.
        assert worker.stdout.rstrip().endswith(b'{"eof": true}'), worker.stderr.decode()
        process = subprocess.run([runner, "process", self.pdd, "--ident", self.ident], input=worker.stdout,
                                 env=env, capture_output=True, timeout=120, check=False)
        self.output = process.stdout.decode() + process.stderr.decode()
        self.artifacts = os.path.join(self.pdd, "artifacts", self.ident)
        with open(os.path.join(self.artifacts, "status")) as handle:
            self.status = handle.read().strip()
        with open(os.path.join(self.artifacts, "rc")) as handle:
            self.rc = int(handle.read().strip())
        self.events = []
        for path in glob.glob(os.path.join(self.artifacts, "job_events", "*.json")):
            with open(path) as handle:
                self.events.append(json.load(handle))
        self.events.sort(key=lambda event: event["counter"])
        stats = [e for e in self.events if e["event"] == "playbook_on_stats"]
        assert len(stats) == 1, [e["event"] for e in self.events]
        self.stats = stats[0]["event_data"].get("artifact_data", {})
        return self

    def results(self, task_name):
        """The module results of a task, from the runner_on_ok / runner_on_failed events."""
        return [e["event_data"]["res"] for e in self.events
                if e["event"] in ("runner_on_ok", "runner_on_failed") and e["event_data"].get("task") == task_name]

    def files_holding(self, secret):
        """Every artifact file (relative to the private data dir) whose bytes hold ``secret``."""
        found = []
        for folder, dummy, files in os.walk(os.path.join(self.pdd, "artifacts")):
            for name in files:
                path = os.path.join(folder, name)
                with open(path, "rb") as handle:
                    if secret.encode() in handle.read():
                        found.append(os.path.relpath(path, self.pdd))
        return sorted(found)

    def stored_job_env(self):
        """The job environment AWX keeps in its database: the runner's, with the safe values."""
        with open(os.path.join(self.artifacts, "command")) as handle:
            env = dict(json.load(handle)["env"])
        env.update(self.safe_env)
        return env


def canary_fleet(tmp_path_factory, freeze=True):
    """The demo fleet with the canary as every administrator's password."""
    with open(DEMO_FLEET) as handle:
        spec = yaml.safe_load(handle)
    for admin in spec["defaults"]["admins"]:
        admin["password"] = CANARY
    path = tmp_path_factory.mktemp("canary") / "fleet.yml"
    path.write_text(yaml.safe_dump(spec, sort_keys=False))
    return make_fleet(tmp_path_factory, fleet_file=str(path), freeze=freeze)


@pytest.fixture(scope="module")
def fleet(tmp_path_factory):
    return canary_fleet(tmp_path_factory)


def password_credential(fleet):
    return credential_type("credential_type.yml"), {
        "admin_id": "ADMIN", "password": CANARY,
        "dsmadmc_path": os.path.join(fleet.home, "bin", "dsmadmc")}


def assert_password_only_in_the_runner_environment(job):
    """The canary is in no event, no output and no set_stats artifact. The one file that holds it
    is ansible-runner's record of the environment it started ansible-playbook with
    (artifacts/<ident>/command), as its SP_ADMIN_PASSWORD value: that is the injection itself.
    AWX stores that environment masked (job_env) and removes the private data directory after
    the job; the job's output and artifacts are clean."""
    assert CANARY not in job.output
    assert CANARY not in json.dumps(job.stats)
    assert job.files_holding(CANARY) == [os.path.join("artifacts", job.ident, "command")]
    with open(os.path.join(job.artifacts, "command")) as handle:
        command = json.load(handle)
    assert command["env"].pop("SP_ADMIN_PASSWORD") == CANARY
    assert CANARY not in json.dumps(command)
    stored = job.stored_job_env()
    assert stored["SP_ADMIN_PASSWORD"] == HIDDEN and CANARY not in json.dumps(stored)


def fleet_counts(spec, names):
    total = {"successful": 0, "warning": 0, "failed": 0}
    per_server = {}
    for srv in spec["servers"]:
        if srv["name"] in names:
            per_server[srv["name"]] = expected.header_counts(srv, since=86400)
            for key in total:
                total[key] += per_server[srv["name"]][key]
    return total, per_server


def test_credential_types_inject_only_what_the_modules_read():
    """Every variable an injector sets is one the modules fall back to, and no input is unused."""
    doc = open(os.path.join(ROOT, "plugins", "doc_fragments", "connection.py")).read()
    for name in ("credential_type.yml", "credential_type_credentials_file.yml"):
        ctype = credential_type(name)
        assert ctype["kind"] == "cloud"                      # what custom credential types may be
        env = ctype["injectors"]["env"]
        assert set(env) <= {"SP_ADMIN_ID", "SP_ADMIN_PASSWORD", "SP_CREDENTIALS_FILE", "SP_DSMADMC"}
        for var in env:
            assert "E(%s)" % var in doc, var
        fields = [field["id"] for field in ctype["inputs"]["fields"]]
        assert sorted(fields) == sorted(template.strip("{} ") for template in env.values())
    password_type = credential_type("credential_type.yml")
    assert [f for f in password_type["inputs"]["fields"] if f["id"] == "password"][0]["secret"] is True


def test_fleet_summary_job_template(fleet, tmp_path):
    """The report template: survey (hub, servers as a text answer, since), the password credential."""
    ctype, inputs = password_credential(fleet)
    survey = {"fleet_summary_hub": "HUB1", "fleet_summary_servers": "HUB1, SPOKE1 SPOKE2",
              "fleet_summary_since": "24h"}
    job = Job(fleet, tmp_path, "fleet_summary.yml", survey, ctype, inputs).run()
    assert (job.status, job.rc) == ("successful", 0), job.output
    # set_stats arrived in the runner's artifacts, with what the fleet file implies.
    total, per_server = fleet_counts(fleet.spec, ["HUB1", "SPOKE1", "SPOKE2"])
    assert set(job.stats) == {"sp_fleet_summary", "sp_fleet_servers", "sp_fleet_unreachable"}
    assert {key: job.stats["sp_fleet_summary"][key] for key in total} == total
    assert set(job.stats["sp_fleet_servers"]) == set(per_server)
    for name, counts in per_server.items():
        assert {key: job.stats["sp_fleet_servers"][name][key] for key in counts} == counts, name
    assert job.stats["sp_fleet_unreachable"] == []
    # The survey's servers were the ones read, through the hub, with the injected credential.
    [result] = job.results("Read every session, process and job of the fleet")
    assert sorted(s["name"] for s in result["servers"]) == ["HUB1", "SPOKE1", "SPOKE2"]
    assert result["invocation"]["module_args"]["password"] != CANARY
    assert_password_only_in_the_runner_environment(job)


def test_demo_playbook_as_a_job_template(fleet, tmp_path):
    """playbooks/demo.yml with its variables as survey answers (a list from a multi-select)."""
    ctype, inputs = password_credential(fleet)
    survey = {"demo_hub": "HUB1", "demo_servers": ["HUB1", "SPOKE3"]}
    job = Job(fleet, tmp_path, "demo.yml", survey, ctype, inputs).run()
    assert (job.status, job.rc) == ("successful", 0), job.output
    [result] = job.results("Read every session, process and job of the fleet")
    assert sorted(s["name"] for s in result["servers"]) == ["HUB1", "SPOKE3"]
    assert_password_only_in_the_runner_environment(job)


def test_credentials_file_credential_type(fleet, tmp_path):
    """The credentials-file type injects a path: the password is in no artifact at all."""
    cred = tmp_path / "admin.cred"
    cred.write_text("id=ADMIN\npassword=%s\n" % CANARY)      # the emulated client's format
    cred.chmod(0o600)
    ctype = credential_type("credential_type_credentials_file.yml")
    inputs = {"credentials_file": str(cred), "dsmadmc_path": os.path.join(fleet.home, "bin", "dsmadmc")}
    job = Job(fleet, tmp_path, "fleet_summary.yml", {"fleet_summary_hub": "HUB1"}, ctype, inputs).run()
    assert (job.status, job.rc) == ("successful", 0), job.output
    assert sorted(job.env) == ["SP_CREDENTIALS_FILE", "SP_DSMADMC"]
    total = fleet_counts(fleet.spec, ["HUB1"])[0]
    assert {key: job.stats["sp_fleet_summary"][key] for key in total} == total
    assert job.files_holding(CANARY) == []
    assert CANARY not in job.output


def test_failed_job_still_publishes_what_it_read(tmp_path_factory, tmp_path):
    """A spoke down: the job fails (what AWX notifies on), naming it, after set_stats published
    the others' counts and the unreachable server."""
    fleet = canary_fleet(tmp_path_factory)
    fleet.spemu("fault", "SPOKE2", "down")
    ctype, inputs = password_credential(fleet)
    survey = {"fleet_summary_hub": "HUB1", "fleet_summary_servers": ["HUB1", "SPOKE1", "SPOKE2"]}
    job = Job(fleet, tmp_path, "fleet_summary.yml", survey, ctype, inputs).run()
    assert (job.status, job.rc) == ("failed", 2), job.output
    assert job.stats["sp_fleet_unreachable"] == ["SPOKE2"]
    assert set(job.stats["sp_fleet_servers"]) == {"HUB1", "SPOKE1", "SPOKE2"}
    assert "Not read: SPOKE2" in job.output
    assert_password_only_in_the_runner_environment(job)


def job_states(fleet, servers=("HUB1", "SPOKE1", "SPOKE2")):
    """{"SERVER job ID": STATUS} from the emulated servers themselves."""
    states = {}
    for server in servers:
        rc, out = fleet.dsmadmc("SELECT JOB_ID, STATUS FROM JOBS", server=server, password=CANARY, mode=None,
                                extra=["-comma"])
        assert rc == 0, out
        for line in out.splitlines():
            job_id, dummy, status = line.partition(",")
            states["%s job %s" % (server, job_id.strip())] = status.strip()
    return states


def test_tape_maintenance_workflow_with_the_ledger_passed_by_set_stats(tmp_path_factory, tmp_path):
    """begin -> end as workflow nodes: each job has its own, discarded home (the default ledger
    path is in it), so the ledger reaches end only as begin's set_stats, passed on by AWX as an
    extra variable. A Check job first shows the plan and changes nothing."""
    fleet = canary_fleet(tmp_path_factory, freeze=False)       # interrupts take time to finish
    ctype, inputs = password_credential(fleet)
    survey = {"tape_maintenance_server": "HUB1", "tape_maintenance_targets": ["HUB1", "SPOKE1"],
              "tape_maintenance_reason": "LTO drive 3 replaced", "tape_maintenance_poll_interval": 1}
    before = job_states(fleet)

    check = Job(fleet, tmp_path, "tape_maintenance_begin.yml", survey, ctype, inputs).run(check=True)
    assert (check.status, check.rc) == ("successful", 0), check.output
    assert "Would interrupt 3 retention job(s)" in check.output
    assert job_states(fleet) == before
    assert check.stats["tape_maintenance_planned"] == ["HUB1 job 7", "HUB1 job 8", "SPOKE1 job 21"]
    assert not check.stats["tape_maintenance_ledger"]     # no ledger written (None; '' before ansible-core 2.19)

    begin = Job(fleet, tmp_path, "tape_maintenance_begin.yml", survey, ctype, inputs).run()
    assert (begin.status, begin.rc) == ("successful", 0), begin.output
    ledger = begin.stats["tape_maintenance_ledger"]
    assert [(e["server"], e["job_id"], e["status"], e["who"]) for e in ledger["entries"]] == [
        ("HUB1", 7, "interrupted", "alice"), ("HUB1", 8, "interrupted", "alice"),
        ("SPOKE1", 21, "interrupted", "alice")]
    states = job_states(fleet)
    assert [states[k] for k in ("HUB1 job 7", "HUB1 job 8", "SPOKE1 job 21", "HUB1 job 9")] == ["INTERRUPTED"] * 4
    assert_password_only_in_the_runner_environment(begin)

    # The workflow's next node: AWX passes the artifacts of the nodes before as extra variables.
    end = Job(fleet, tmp_path, "tape_maintenance_end.yml",
              dict(begin.stats, tape_maintenance_server="HUB1", tape_maintenance_poll_interval=1), ctype, inputs).run()
    assert (end.status, end.rc) == ("successful", 0), end.output
    assert end.stats["tape_maintenance_outcome"] == "resumed"
    assert [e["status"] for e in end.stats["tape_maintenance_ledger"]["entries"]] == ["resumed"] * 3
    assert end.stats["tape_maintenance_archived"].startswith(os.path.join(end.pdd + "-home", ".local", "state"))
    states = job_states(fleet)
    assert [states[k] for k in ("HUB1 job 7", "HUB1 job 8", "SPOKE1 job 21")] == ["SLEEPING"] * 3
    assert states["HUB1 job 9"] == "INTERRUPTED" and states["SPOKE2 job 32"] == "INTERRUPTED"
    assert_password_only_in_the_runner_environment(end)


def test_task_report_job_template(fleet, tmp_path):
    """playbooks/task_report.yml (the task_report role) as the report template: survey answers,
    the password credential, the report's files written where the template says, its summary in
    the artifacts."""
    ctype, inputs = password_credential(fleet)
    dest = tmp_path / "reports"
    survey = {"task_report_server": "HUB1", "task_report_route_to": ["HUB1", "SPOKE1", "SPOKE2", "SPOKE3"],
              "task_report_dest": str(dest), "task_report_since": "24h"}
    job = Job(fleet, tmp_path, "task_report.yml", survey, ctype, inputs).run()
    assert (job.status, job.rc) == ("successful", 0), job.output
    report = job.stats["task_report"]
    assert report["servers_unreachable"] == []
    total = fleet_counts(fleet.spec, [s["name"] for s in fleet.spec["servers"]])[0]
    assert {key: report["summary"][key] for key in total} == total
    written = sorted(os.listdir(str(dest)))
    assert written and all(os.path.join(str(dest), name) in report["paths"].values() for name in written)
    for name in written:
        assert CANARY not in (dest / name).read_text(), name
    assert_password_only_in_the_runner_environment(job)
