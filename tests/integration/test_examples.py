"""Issue 11: every EXAMPLE of every module runs, as documented, against an emulated fleet whose
servers have the examples' names (HUB, SPOKE1, SPOKE2, SPOKE3). The read-only module runs for real;
the acting modules run in check mode (nothing changes; a chained example sees its predecessor's
prediction). A credentials file named in an example is swapped for a real one; every other option
stays as written."""
import json
import os
import subprocess

import yaml

from actions_support import harness

BIN = harness.BIN
DEMO_FLEET = harness.DEMO_FLEET
ROOT = harness.ROOT
Fleet = harness.Fleet

PASSWORD = "passw0rd"
MODULES = ("sp_task_info", "sp_session", "sp_process", "sp_job")
ACTING = ("sp_session", "sp_process", "sp_job")


def examples(module):
    src = open(os.path.join(ROOT, "plugins", "modules", module + ".py")).read()
    text = src[src.index("EXAMPLES = r'''") + len("EXAMPLES = r'''"):src.index("RETURN = r'''")]
    return yaml.safe_load(text[:text.rindex("'''")])


def example_fleet(tmp_path_factory):
    with open(DEMO_FLEET) as handle:
        spec = yaml.safe_load(handle)
    for server in spec["servers"]:
        if server.get("role") == "hub":
            server["name"] = "HUB"
    home = tmp_path_factory.mktemp("examples")
    path = os.path.join(str(home), "examples.yml")
    with open(path, "w") as handle:
        yaml.safe_dump(spec, handle)
    fleet = Fleet(os.path.join(str(home), "fleet"), path)
    fleet.spemu("init", "--fleet", path, "--home", fleet.home, "--frozen")
    creds = os.path.join(str(home), "admin.cred")
    with open(creds, "w") as handle:
        handle.write("id=ADMIN\npassword=%s\n" % PASSWORD)
    os.chmod(creds, 0o600)
    return fleet, creds


def test_every_example_of_every_module_runs(tmp_path_factory):
    fleet, creds = example_fleet(tmp_path_factory)
    tasks, gates = [], []
    for module in MODULES:
        for number, task in enumerate(examples(module)):
            fqcn = "spectrum_protect.operations." + module
            if fqcn in task:
                args = task[fqcn]
                if "credentials_file" in args:
                    args["credentials_file"] = creds
                else:
                    args.setdefault("admin_id", "ADMIN")
                    args.setdefault("password", PASSWORD)
                if module in ACTING:
                    task["check_mode"] = True
            register = task.get("register") or "r_%s_%d" % (module, number)
            task["register"] = register
            if "ansible.builtin.assert" in task:     # a gate: the demo fleet has failed tasks, so it closes
                task["ignore_errors"] = True
                gates.append(register)
            tasks.append(task)
    # the gates' verdicts, saved: each must have judged the counts, not failed to template
    tasks.append({"name": "save the gates' verdicts", "spops_save_results": {"dest": fleet.home, "names": gates}})
    path = os.path.join(fleet.home, "examples.yml")
    with open(path, "w") as handle:
        json.dump([{"hosts": "localhost", "gather_facts": False, "tasks": tasks}], handle)
    proc = subprocess.run([os.path.join(BIN, "ansible-playbook"), "-i", "localhost,", "-c", "local", path],
                          env=fleet.env, capture_output=True, text=True, timeout=900, check=False)
    output = proc.stdout + proc.stderr
    assert proc.returncode == 0, output[-6000:]
    assert PASSWORD not in output
    assert gates
    for gate in gates:
        with open(os.path.join(fleet.home, gate + ".json")) as handle:
            verdict = json.load(handle)
        assert verdict["failed"] is True and verdict["assertion"] == "fleet.summary.failed == 0", verdict
        assert verdict["msg"].split(" ")[1:3] == ["task(s)", "failed,"], verdict["msg"]
