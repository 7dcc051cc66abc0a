"""The tape maintenance ledger (plugins/modules/tape_maintenance_ledger.py): its operations
through main(), as the role calls them, on real files in a temporary directory."""
import json
import os

import pytest
from ansible_collections.spectrum_protect.operations.tests.unit.compat import patch_module_args

from ansible_collections.spectrum_protect.operations.plugins.modules import (
    tape_maintenance_ledger as ledger_module,
)


def call(capfd, **args):
    with patch_module_args(args):
        with pytest.raises(SystemExit):
            ledger_module.main()
    out = capfd.readouterr()[0]
    return json.loads(out)


def entry(server, job_id, **more):
    data = {"server": server, "job_id": job_id, "job_name": "RETSET_%d_COPY" % job_id,
            "state_before": "Running", "reason": "drive 3", "who": "alice"}
    data.update(more)
    return data


@pytest.fixture
def path(tmp_path):
    return str(tmp_path / "ledgers" / "ledger.json")


def on_disk(path):
    with open(path) as handle:
        return json.load(handle)


def test_open_record_close_archives_with_outcome(path, capfd):
    opened = call(capfd, path=path, state="open", maintenance={"reason": "drive 3", "who": "alice"})
    assert opened["changed"] and not opened["ledger"]["entries"] and opened["unfinished"]
    assert oct(os.stat(os.path.dirname(path)).st_mode & 0o777) == "0o700"
    assert oct(os.stat(path).st_mode & 0o777) == "0o600"
    for job_id in (7, 21):
        recorded = call(capfd, path=path, state="record", entries=[entry("HUB1", job_id)])
        assert recorded["changed"]
    ledger = on_disk(path)
    assert [(e["server"], e["job_id"], e["status"]) for e in ledger["entries"]] == [
        ("HUB1", 7, "interrupted"), ("HUB1", 21, "interrupted")]
    assert ledger["entries"][0]["who"] == "alice" and ledger["entries"][0]["state_before"] == "Running"
    not_yet = call(capfd, path=path, state="close")
    assert not not_yet["changed"] and not_yet["outcome"] == "unfinished" and len(not_yet["pending"]) == 2
    assert os.path.exists(path)
    call(capfd, path=path, state="record", entries=[
        {"server": "hub1", "job_id": "7", "status": "resumed"},
        {"server": "HUB1", "job_id": 21, "status": "changed", "note": "terminated meanwhile"}])
    closed = call(capfd, path=path, state="close")
    assert closed["changed"] and closed["outcome"] == "resumed_with_changes"
    assert not os.path.exists(path)
    archived = on_disk(closed["archived"])
    assert os.path.dirname(closed["archived"]) == os.path.join(os.path.dirname(path), "archive")
    assert closed["archived"].endswith("-%s-resumed_with_changes.json" % archived["id"])
    assert archived["status"] == "finished" and archived["outcome"] == "resumed_with_changes"
    assert [h["status"] for h in archived["entries"][1]["history"]] == ["interrupted", "changed"]
    # Nothing left: a new maintenance may begin.
    assert call(capfd, path=path, state="read")["ledger"] is None
    assert call(capfd, path=path, state="open", maintenance={"reason": "next"})["changed"]


def test_refuses_to_begin_over_an_unfinished_ledger_unless_forced(path, capfd):
    call(capfd, path=path, state="open", maintenance={"reason": "drive 3", "who": "alice"})
    call(capfd, path=path, state="record", entries=[entry("SPOKE1", 21)])
    before = on_disk(path)
    refused = call(capfd, path=path, state="open", maintenance={"reason": "library firmware", "who": "bob"})
    assert refused["failed"] and "unfinished tape maintenance ledger" in refused["msg"]
    assert "SPOKE1 job 21" in refused["msg"] and "tape_maintenance_force" in refused["msg"]
    assert on_disk(path) == before
    joined = call(capfd, path=path, state="open", force=True, maintenance={"reason": "library firmware", "who": "bob"})
    assert joined["changed"]
    after = on_disk(path)
    assert after["id"] == before["id"] and after["entries"] == before["entries"]
    assert [m["reason"] for m in after["maintenances"]] == ["drive 3", "library firmware"]


def test_the_same_maintenance_run_again_carries_on(path, capfd):
    maintenance = {"reason": "drive 3", "who": "alice", "servers": ["HUB1"], "selection": {"job_names": []}}
    call(capfd, path=path, state="open", maintenance=maintenance)
    call(capfd, path=path, state="record", entries=[entry("HUB1", 7)])
    before = on_disk(path)
    again = call(capfd, path=path, state="open", maintenance=dict(maintenance, who="bob"))
    assert not again["changed"] and on_disk(path) == before and len(again["pending"]) == 1
    other = call(capfd, path=path, state="open", maintenance=dict(maintenance, servers=["HUB1", "SPOKE1"]))
    assert other["failed"] and on_disk(path) == before


def test_recording_the_same_job_again_changes_nothing(path, capfd):
    call(capfd, path=path, state="open", maintenance={"reason": "r"})
    call(capfd, path=path, state="record", entries=[entry("HUB1", 7)])
    before = on_disk(path)
    again = call(capfd, path=path, state="record", entries=[entry("HUB1", 7)])
    assert not again["changed"] and on_disk(path) == before


def test_check_mode_writes_nothing(path, capfd):
    result = call(capfd, path=path, state="open", maintenance={"reason": "r"}, _ansible_check_mode=True)
    assert result["changed"] and not os.path.exists(path)
    call(capfd, path=path, state="open", maintenance={"reason": "r"})
    call(capfd, path=path, state="record", entries=[entry("HUB1", 7, status="resumed")])
    before = on_disk(path)
    closed = call(capfd, path=path, state="close", _ansible_check_mode=True)
    assert closed["changed"] and closed["outcome"] == "resumed"
    assert on_disk(path) == before and not os.path.exists(closed["archived"])


def test_a_crash_while_writing_leaves_the_previous_ledger(path, capfd, monkeypatch):
    call(capfd, path=path, state="open", maintenance={"reason": "r"})
    call(capfd, path=path, state="record", entries=[entry("HUB1", 7)])
    before = on_disk(path)

    def crash(src, dst):
        raise OSError(28, "No space left on device")
    monkeypatch.setattr(ledger_module.os, "rename", crash)
    failed = call(capfd, path=path, state="record", entries=[entry("HUB1", 8)])
    assert failed["failed"] and "No space left on device" in failed["msg"]
    assert on_disk(path) == before
    assert os.listdir(os.path.dirname(path)) == ["ledger.json"]          # no temporary file left


def test_import_writes_a_handed_over_ledger_only_when_none_exists(path, capfd, tmp_path):
    other = str(tmp_path / "elsewhere" / "ledger.json")
    call(capfd, path=other, state="open", maintenance={"reason": "r"})
    published = call(capfd, path=other, state="record", entries=[entry("HUB1", 7)])["ledger"]
    imported = call(capfd, path=path, state="import", ledger=published)
    assert imported["changed"] and on_disk(path) == published
    call(capfd, path=path, state="record", entries=[{"server": "HUB1", "job_id": 7, "status": "resumed"}])
    kept = call(capfd, path=path, state="import", ledger=published)
    assert not kept["changed"] and kept["ledger"]["entries"][0]["status"] == "resumed"
    bad = call(capfd, path=str(tmp_path / "x.json"), state="import", ledger={"entries": "no"})
    assert bad["failed"] and "not a tape maintenance ledger" in bad["msg"]


def test_a_damaged_ledger_is_reported_and_kept(path, capfd):
    os.makedirs(os.path.dirname(path))
    with open(path, "w") as handle:
        handle.write('{"format": 1, "entries": [')
    result = call(capfd, path=path, state="open", maintenance={"reason": "r"})
    assert result["failed"] and "not valid JSON" in result["msg"]
    with open(path) as handle:
        assert handle.read() == '{"format": 1, "entries": ['


def test_bad_entries_are_refused(path, capfd):
    call(capfd, path=path, state="open", maintenance={"reason": "r"})
    no_id = call(capfd, path=path, state="record", entries=[{"server": "HUB1"}])
    assert no_id["failed"] and "numeric job_id" in no_id["msg"]
    bad_status = call(capfd, path=path, state="record", entries=[entry("HUB1", 7, status="done")])
    assert bad_status["failed"] and "is not one of" in bad_status["msg"]
    record_without_ledger = call(capfd, path=path + ".none", state="record", entries=[entry("HUB1", 7)])
    assert record_without_ledger["failed"] and "no ledger" in record_without_ledger["msg"]
