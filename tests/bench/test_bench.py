"""Every benchmark once at a tiny size, so none can rot (make unit runs this): each runs, measures
something, and reports sane numbers. Never a timing assertion: ratios are printed by make bench."""
import math
import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import benchlib  # noqa: E402  pylint: disable=wrong-import-position
import benchmarks  # noqa: E402  pylint: disable=wrong-import-position
import perfdoc  # noqa: E402  pylint: disable=wrong-import-position
import run  # noqa: E402  pylint: disable=wrong-import-position

TINY = run.SIZES["tiny"]


@pytest.fixture
def work(tmp_path):
    return str(tmp_path)


def sane(result):
    assert result["measured"] >= 0 and result["baseline"] > 0, result
    assert math.isfinite(result["ratio"]), result
    assert isinstance(result["ok"], bool)


def test_parsing_reads_every_row_of_every_form(work):
    results = benchmarks.bench_parsing(TINY, work)
    assert [r["key"] for r in results] == ["a-list", "a-comma", "a-tab", "a-routed"]
    for result in results:
        sane(result)
        assert result["extra"]["rows"] == TINY["parse_rows"] and result["measured"] > 0


def test_answers_are_what_the_emulated_client_prints(work):
    texts, names = benchmarks.answers(work, 10, targets=2)
    assert texts["comma"].count("\n") == 10 and texts["tab"].count("\t") == 10 * texts["tab"].splitlines()[0].count("\t")
    assert texts["list"].count("SESSION_ID: ") == 10
    assert texts["routed"].count("ANR1687I") == 2 and names == ["GEN001", "GEN002"]


def test_module_against_its_bare_replay_counts_processes(work):
    results = benchmarks.bench_module(TINY, work)
    keys = ["b-module", "b-module-per-query", "b-module-ansiballz", "b-floor", "b-sessions"]
    assert [r["key"] for r in results] == keys
    one, many, ansiballz, floor, versus = results
    for result in results:
        sane(result)
        assert result["wall"][0] > 0 and result["wall"][1] > 0
    # the AnsiballZ payload is the module as Ansible runs it: one session too, and dearer than an empty module
    assert ansiballz["extra"]["processes"] == ansiballz["extra"]["signons"] == 1
    assert 0 < floor["extra"]["empty_cpu"] < ansiballz["measured"]
    assert floor["baseline"] == ansiballz["baseline"] and floor["measured"] > floor["baseline"]
    # one client session for the whole read; one process per query with single_session: false
    assert one["extra"]["processes"] == one["extra"]["signons"] == 1 and one["extra"]["commands"] >= 6
    assert many["extra"]["processes"] == many["extra"]["signons"] == many["extra"]["commands"] >= 6
    assert one["extra"]["tasks"] == many["extra"]["tasks"] > 10


def test_report_role_and_its_memory(work):
    timing, memory = benchmarks.bench_report(TINY, work)
    sane(timing)
    sane(memory)
    servers, per_server = TINY["report"]
    assert timing["extra"]["servers"] == servers and 0 < timing["extra"]["tasks"] <= servers * per_server
    assert 10 * 1024 < timing["extra"]["peak_kib"] < 1024 * 1024 * 8     # a process of 10 MiB .. 8 GiB
    assert "ansible-playbook (controller, workers)" in timing["extra"]["peaks"]


def test_growth_rows_and_curve(work, tmp_path, monkeypatch):
    results, points = benchmarks.bench_growth(TINY, work)
    assert sorted((p["servers"], p["per_server"]) for p in points) == sorted(TINY["growth"])
    assert {r["key"] for r in results} >= {"d-servers-40-time", "d-per_server-2-memory"}
    for result in results:
        sane(result)
        assert math.isfinite(result["extra"]["exponent"])
    assert "2 x 40" in perfdoc.curve_text(points)
    monkeypatch.setattr(perfdoc, "DOC", str(tmp_path / "performance.md"))
    monkeypatch.setattr(perfdoc, "SVG", str(tmp_path / "growth.svg"))
    machine = dict(benchlib.machine(), load_end="0 0 0", seconds=1)
    perfdoc.write(results, machine, points, growth=True, size="tiny")
    perfdoc.write([], machine, [], growth=False, size="tiny")
    text = (tmp_path / "performance.md").read_text()
    assert "bench:growth:start" in text and "bench:standard:start" in text and "cores" in text
    assert (tmp_path / "growth.svg").read_text().count("<polyline") == 4


def test_pushdown_counts_rows_fetched_and_returned(work):
    results = benchmarks.bench_pushdown(TINY, work)
    assert [r["key"] for r in results] == ["e-one-client", "e-one-job", "e-one-state"]
    for result in results:
        sane(result)
        small, large = result["extra"]["small"], result["extra"]["large"]
        assert large["table"] > small["table"]
        for case in (small, large):
            assert case["fetched"] >= case["returned"] >= 1 and case["commands"]


def test_an_acting_run_is_one_client_and_one_sign_on(work):
    [result] = benchmarks.bench_action(TINY, work)
    sane(result)
    assert result["key"] == "f-action" and result["extra"]["changes"] >= 1
    assert result["extra"]["processes"] == result["extra"]["signons"] == 1
    # one call per command: the plan's reads, each change and the read-back each signed on
    assert result["extra"]["processes_per_query"] == result["extra"]["signons_per_query"] >= 4 + result["extra"]["changes"]
