"""The collection as users get it: `ansible-galaxy collection build`, installed into a clean
directory, and the demo playbook run from there (by its FQCN) against the emulated fleet.

Nothing of the checkout is reachable from that run: ANSIBLE_COLLECTIONS_PATH names the clean
directory alone and the Python path is not scanned for collections.
"""
import json
import os
import re
import subprocess
import tarfile

import pytest

import expected
from actions_support import harness

BIN = harness.BIN
ROOT = harness.ROOT
make_fleet = harness.make_fleet

VERSION = harness.VERSION
ARTIFACT = harness.ARTIFACT


def galaxy(*args, env, cwd):
    proc = subprocess.run([os.path.join(BIN, "ansible-galaxy")] + list(args), env=env, cwd=cwd,
                          capture_output=True, text=True, timeout=300, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc.stdout


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """Build the artifact, install it into a clean directory; return (artifact, collections dir, env)."""
    work = tmp_path_factory.mktemp("galaxy")
    clean = work / "clean"
    clean.mkdir()
    env = dict(os.environ)
    env.update({
        "HOME": str(work),                       # nothing from the user's ~/.ansible
        "ANSIBLE_HOME": str(work / "ansible-home"),
        "ANSIBLE_LOCAL_TEMP": str(work / "tmp"),
        "ANSIBLE_COLLECTIONS_PATH": str(clean / "collections"),
        "ANSIBLE_COLLECTIONS_SCAN_SYS_PATH": "false",
        "ANSIBLE_NOCOLOR": "1",
    })
    source = harness.snapshot(str(work / "source"))
    galaxy("collection", "build", "--output-path", str(work), source, env=env, cwd=str(work))
    artifact = work / ARTIFACT
    assert artifact.is_file(), os.listdir(str(work))
    galaxy("collection", "install", "--offline", "-p", str(clean / "collections"), str(artifact),
           env=env, cwd=str(clean))
    return artifact, clean / "collections", env


def test_artifact_holds_what_users_need_and_nothing_else(installed):
    artifact = installed[0]
    with tarfile.open(str(artifact)) as tar:
        names = set(tar.getnames())
        manifest = json.load(tar.extractfile("MANIFEST.json"))
        license_text = tar.extractfile("LICENSE").read().decode()
    for needed in ("LICENSE", "README.md", "meta/runtime.yml", "meta/execution-environment.yml",
                   "plugins/modules/sp_task_info.py", "plugins/module_utils/_dsmadmc.py",
                   "playbooks/demo.yml", "playbooks/templates/demo_report.j2",
                   "extensions/awx/credential_type.yml"):
        assert needed in names, needed
    for name in names:
        top = name.split("/")[0]
        assert top not in (".venv", "build", "tools", ".ci", ".git", ".pytest_cache"), name
        assert "__pycache__" not in name and not name.endswith(".egg-info"), name
    assert "GNU GENERAL PUBLIC LICENSE" in license_text and "Version 3, 29 June 2007" in license_text
    info = manifest["collection_info"]
    assert info["license"] == ["GPL-3.0-or-later"]
    assert info["authors"]
    for key in ("repository", "documentation", "issues", "homepage"):
        assert not info.get(key) or "example" not in info[key], (key, info[key])


def test_installed_copy_is_the_one_ansible_sees(installed):
    collections, env = installed[1:]
    root = collections / "ansible_collections" / "spectrum_protect" / "operations"
    assert (root / "MANIFEST.json").is_file() and not (root / "galaxy.yml").exists()
    listing = galaxy("collection", "list", "spectrum_protect.operations", "--format", "json",
                     env=env, cwd=str(collections))
    found = json.loads(listing)
    assert list(found) == [str(collections / "ansible_collections")], found
    assert found[str(collections / "ansible_collections")]["spectrum_protect.operations"]["version"] == VERSION


def test_demo_runs_from_the_installed_artifact(installed, tmp_path_factory):
    collections, env = installed[1:]
    fleet = make_fleet(tmp_path_factory)
    run_env = dict(fleet.env)
    run_env.update({key: env[key] for key in ("HOME", "ANSIBLE_HOME", "ANSIBLE_COLLECTIONS_PATH",
                                              "ANSIBLE_COLLECTIONS_SCAN_SYS_PATH")})
    run_env.update({"SP_ADMIN_ID": "ADMIN", "SP_ADMIN_PASSWORD": "passw0rd"})
    proc = subprocess.run([os.path.join(BIN, "ansible-playbook"), "-i", "localhost,", "-c", "local",
                           "spectrum_protect.operations.demo"],
                          env=run_env, cwd=str(collections.parent), capture_output=True, text=True,
                          timeout=600, check=False)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out
    assert "passw0rd" not in out
    # One header line per server of the fleet, with the counts the fleet file implies.
    for srv in fleet.spec["servers"]:
        want = expected.header_counts(srv, since=86400)
        line = re.search(r'"%s \(V[^"]*\): Successful (\d+) \| Warning (\d+) \| Failed (\d+)' % srv["name"], out)
        assert line, (srv["name"], out)
        assert tuple(int(n) for n in line.groups()) == (want["successful"], want["warning"], want["failed"])
