"""The execution environment: docs/examples/execution-environment.yml through `ansible-builder
create` (offline: it writes the build context, it builds no image), and the collection's own
meta/execution-environment.yml read by ansible-builder's introspection the way an image build does.
"""
import os
import shutil
import subprocess

import pytest
import yaml

from actions_support import harness

BIN = harness.BIN
ROOT = harness.ROOT

EXAMPLE = os.path.join(ROOT, "docs", "examples", "execution-environment.yml")
VERSION = harness.VERSION
ARTIFACT = harness.ARTIFACT
IBM_PACKAGES = ("gskcrypt64-8.0.55.31.linux.x86_64.rpm", "gskssl64-8.0.55.31.linux.x86_64.rpm",
                "TIVsm-API64.x86_64.rpm", "TIVsm-BA.x86_64.rpm")


def run(argv, cwd, env=None):
    proc = subprocess.run(argv, cwd=str(cwd), env=env, capture_output=True, text=True, timeout=300,
                          check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc.stdout + proc.stderr


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """The build directory the example expects: the collection artifact and an ibm-client folder."""
    work = tmp_path_factory.mktemp("ee")
    env = dict(os.environ, HOME=str(work), ANSIBLE_HOME=str(work / "ansible-home"))
    source = harness.snapshot(str(work / "source"))
    run([os.path.join(BIN, "ansible-galaxy"), "collection", "build", "--output-path", str(work), source],
        cwd=work, env=env)
    shutil.copy(EXAMPLE, str(work / "execution-environment.yml"))
    client = work / "ibm-client"
    client.mkdir()
    for name in IBM_PACKAGES:       # stand-ins: IBM's packages are not public
        (client / name).write_text("stand-in for IBM's %s\n" % name)
    (client / "dsm.sys").write_text("SErvername HUB1\n   COMMMethod TCPip\n   TCPServeraddress hub1\n")
    (client / "dsm.opt").write_text("SErvername HUB1\n")
    out = run([os.path.join(BIN, "ansible-builder"), "create", "-f", "execution-environment.yml",
               "-c", "context", "--output-filename", "Containerfile"], cwd=work, env=env)
    return work, out


def test_example_names_the_artifact_of_this_version(built):
    with open(EXAMPLE) as handle:
        definition = yaml.safe_load(handle)
    assert definition["version"] == 3
    sources = [entry["src"] for entry in definition["additional_build_files"]]
    assert ARTIFACT in sources
    assert definition["dependencies"]["galaxy"]["collections"] == [
        {"name": "/build/collections/" + ARTIFACT, "type": "file"}]


def test_create_writes_a_complete_build_context(built):
    work, out = built
    context = work / "context"
    assert "Complete!" in out
    containerfile = (context / "Containerfile").read_text()
    lines = containerfile.splitlines()
    # The base image, the collection installed from the copied artifact, the IBM client added in
    # the final stage, which ansible-builder closes as the unprivileged user.
    assert 'ARG EE_BASE_IMAGE="quay.io/ansible/awx-ee:24.6.1"' in lines
    galaxy_copy = lines.index("COPY _build/collections/ /build/collections/")
    galaxy_install = next(i for i, line in enumerate(lines) if "ansible-galaxy collection install" in line)
    assert galaxy_copy < galaxy_install
    final = max(i for i, line in enumerate(lines) if line.startswith("FROM base AS final"))
    client_copy = lines.index("COPY _build/ibm-client/ /tmp/ibm-client/")
    install = next(i for i, line in enumerate(lines) if line.startswith("RUN $PKGMGR install -y /tmp/ibm-client/"))
    assert final < client_copy < install
    for package in ("gskcrypt64-*.rpm", "gskssl64-*.rpm", "TIVsm-API64-*.rpm", "TIVsm-BA-*.rpm"):
        assert "/tmp/ibm-client/" + package in lines[install]
    assert "ENV DSM_LOG=/tmp SP_DSMADMC=/opt/tivoli/tsm/client/ba/bin/dsmadmc" in lines
    assert [line for line in lines if line.startswith("USER ")][-1] == "USER 1000"
    assert not [line for line in lines[:final] if "ibm-client" in line]
    # The files the build needs are in the context, byte for byte.
    build = context / "_build"
    assert (build / "collections" / ARTIFACT).read_bytes() == (work / ARTIFACT).read_bytes()
    for name in IBM_PACKAGES + ("dsm.sys", "dsm.opt"):
        assert (build / "ibm-client" / name).read_bytes() == (work / "ibm-client" / name).read_bytes()
    requirements = yaml.safe_load((build / "requirements.yml").read_text())
    assert requirements == {"collections": [{"name": "/build/collections/" + ARTIFACT, "type": "file"}]}
    assert (build / "scripts" / "introspect.py").is_file()
    assert not (build / "requirements.txt").exists() and not (build / "bindep.txt").exists()


def test_introspection_of_the_installed_collection_finds_no_extra_dependencies(built):
    """What the image build's builder stage runs over the installed collections."""
    work = built[0]
    target = work / "installed"
    # Only the target is a collections path: ansible-core 2.15 skips an install it finds elsewhere.
    env = dict(os.environ, HOME=str(work), ANSIBLE_HOME=str(work / "ansible-home"),
               ANSIBLE_COLLECTIONS_PATH=str(target), ANSIBLE_COLLECTIONS_SCAN_SYS_PATH="false")
    # --force: the collection is already on ANSIBLE_COLLECTIONS_PATH (this checkout), and without
    # it ansible-galaxy may find it "already installed" there and install nothing into `target`
    run([os.path.join(BIN, "ansible-galaxy"), "collection", "install", "--offline", "--force", "-p", str(target),
         str(work / ARTIFACT)], cwd=work, env=env)
    meta = target / "ansible_collections" / "spectrum_protect" / "operations" / "meta" / "execution-environment.yml"
    assert yaml.safe_load(meta.read_text()) == {"version": 1, "dependencies": {}}
    out = run([os.path.join(BIN, "ansible-builder"), "introspect", "--sanitize", str(target)], cwd=work, env=env)
    assert yaml.safe_load(out[out.index("---"):]) == {"python": [], "system": []}, out
