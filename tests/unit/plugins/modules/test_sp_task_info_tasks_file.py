"""sp_task_info tasks_file: the tasks go to a JSON Lines file on the managed node, the result keeps none.

Against the stand-in dsmadmc of test_sp_task_info.py (canned 8.1.21 output). The file must hold
exactly the tasks the inline result holds, one per line, with mode 0600, written atomically (no
half file, no temporary file left), also in check mode; a path that cannot be written fails before
anything is sent, naming the option and the value.
"""
import hashlib
import json
import os
import stat
import sys

import pytest
from ansible_collections.spectrum_protect.operations.tests.unit.plugins.modules.test_sp_task_info import (  # noqa: F401 pylint: disable=unused-import
    fake,
    run,
)

from ansible_collections.spectrum_protect.operations.plugins.modules import sp_task_info

PASSWORD = "s3cret-Pa55"


def args_for(fake_client, **more):
    args = {"dsmadmc_path": fake_client["path"], "admin_id": "ADMIN", "password": PASSWORD, "server": "TSM8",
            "activity_log": True}
    args.update(more)
    return args


def lines_of(path):
    with open(path, "rb") as handle:
        data = handle.read()
    assert data.endswith(b"\n")
    return [json.loads(line) for line in data.decode("utf-8").splitlines()]


def test_the_file_holds_exactly_the_tasks_of_the_inline_result(fake, capfd, tmp_path):
    inline = run(capfd, args_for(fake))
    assert len(inline["tasks"]) == 4, inline
    path = tmp_path / "out" / "tasks.jsonl"
    path.parent.mkdir()
    result = run(capfd, args_for(fake, tasks_file=str(path)))
    assert not result.get("failed"), result
    assert result["tasks"] == []
    assert result["tasks_file"] == str(path) and result["task_count"] == 4
    assert result["tasks_checksum"] == hashlib.sha1(path.read_bytes()).hexdigest()    # as stat and fetch give it
    assert lines_of(path) == inline["tasks"]                 # the same dicts, in the same order
    for key in ("summary", "servers", "commands"):
        assert result[key] == inline[key], key
    assert result["changed"] is False
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert os.listdir(path.parent) == ["tasks.jsonl"]        # no temporary file left beside it
    assert PASSWORD not in path.read_text(encoding="utf-8")


def test_an_existing_file_is_replaced_and_check_mode_writes_it_too(fake, capfd, tmp_path):
    (tmp_path / "out").mkdir()
    path = tmp_path / "out" / "tasks.jsonl"
    path.write_text("what ansible.builtin.tempfile or an earlier run left\n" * 10)
    path.chmod(0o644)
    result = run(capfd, args_for(fake, tasks_file=str(path), _ansible_check_mode=True))
    assert not result.get("failed"), result
    assert result["changed"] is False and result["task_count"] == 4
    assert [task["id"] for task in lines_of(path)] == [36775, 36700, 1, 12]
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert os.listdir(str(path.parent)) == ["tasks.jsonl"]


@pytest.mark.parametrize("where,words", [
    ("missing/tasks.jsonl", ["tasks_file", "missing/tasks.jsonl", "does not exist"]),
    (".", ["tasks_file", "is a folder"]),
])
def test_a_path_that_cannot_be_written_fails_before_anything_is_sent(fake, capfd, tmp_path, where, words):
    path = os.path.join(str(tmp_path), where)
    result = run(capfd, args_for(fake, tasks_file=path))
    assert result["failed"] is True
    for word in words:
        assert word in result["msg"], result["msg"]
    assert str(tmp_path) in result["msg"]
    assert not fake["log"].exists()                          # no dsmadmc call
    assert not os.path.exists(os.path.join(str(tmp_path), "missing"))


def test_a_failed_read_writes_nothing(capfd, tmp_path):
    client = tmp_path / "dsmadmc"
    client.write_text("#!%s\nimport sys\nsys.stdin.read()\n"
                      "print('ANS1017E Session rejected: TCP/IP connection failure.')\nsys.exit(2)\n" % sys.executable)
    client.chmod(0o755)
    folder = tmp_path / "out"
    folder.mkdir()
    result = run(capfd, args_for({"path": str(client)}, tasks_file=str(folder / "tasks.jsonl")))
    assert result["failed"] is True and "ANS1017E" in json.dumps(result)
    assert "tasks_file" not in result and "task_count" not in result
    assert os.listdir(str(folder)) == []


def test_a_write_that_fails_leaves_no_half_file_and_names_the_option(fake, capfd, tmp_path, monkeypatch):
    (tmp_path / "out").mkdir()
    path = tmp_path / "out" / "tasks.jsonl"

    def refuse(src, dst):
        raise OSError(28, "No space left on device")
    monkeypatch.setattr(sp_task_info.os, "replace", refuse)
    result = run(capfd, args_for(fake, tasks_file=str(path)))
    assert result["failed"] is True
    assert "tasks_file" in result["msg"] and str(path) in result["msg"] and "No space left" in result["msg"]
    assert os.listdir(str(path.parent)) == []                # the temporary file is gone as well


def test_write_tasks_stops_cleanly_on_a_task_that_is_not_json(tmp_path):
    path = tmp_path / "tasks.jsonl"
    with pytest.raises(TypeError):
        sp_task_info.write_tasks(str(path), [{"id": 1}, {"id": object()}])
    assert os.listdir(str(tmp_path)) == []


def test_write_tasks_masks_a_secret_as_exit_json_would_and_keeps_odd_text_readable(tmp_path):
    path = tmp_path / "tasks.jsonl"
    tasks = [
        {"id": 1, "description": "ordinary", "messages": [{"message": "ANR0403I Session 1 ended."}]},
        {"id": 2, "description": 'a "quoted" %s leak' % PASSWORD},
        {"id": 3, "description": "Gr\u00fc\u00dfe \u2014 caf\u00e9"},
        {"id": 4, "description": "undecodable \udcff byte"},
    ]
    count, checksum = sp_task_info.write_tasks(str(path), tasks, secrets={PASSWORD})
    assert count == 4
    raw = path.read_bytes()
    assert checksum == hashlib.sha1(raw).hexdigest()
    assert PASSWORD.encode() not in raw
    written = lines_of(path)
    assert written[0] == tasks[0]
    assert written[1]["description"] == 'a "quoted" ******** leak'
    assert written[2]["description"] == "Gr\u00fc\u00dfe \u2014 caf\u00e9"
    assert "Gr\u00fc\u00dfe".encode("utf-8") in raw            # UTF-8, not escaped
    assert written[3]["description"] == "undecodable \udcff byte"
    assert len(raw.splitlines()) == 4
