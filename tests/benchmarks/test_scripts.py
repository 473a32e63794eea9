"""The benchmark scripts' plumbing on the small project. No timing is asserted."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from benchmarks import check_throughput, explain_latency, huge_module, lsp_latency, run_all
from benchmarks.generate import generate
from benchmarks.measure import measure, run_once
from benchmarks.parse_only import main as parse_only_main


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return generate(tmp_path_factory.mktemp("bench") / "small", "small", seed=0).root


def test_run_once_reports_exit_code_and_memory() -> None:
    run = run_once([sys.executable, "-c", "import sys; x = bytearray(30_000_000); sys.exit(3)"])
    assert run.returncode == 3
    assert run.peak_rss_kib > 25_000
    assert run.wall > 0
    summary = measure([sys.executable, "-c", "pass"], 2)
    assert len(summary.runs) == 2 and summary.ok


def test_parse_only_counts_every_file(small: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert parse_only_main(["ast", str(small)]) == 0
    count = int(capsys.readouterr().out)
    assert count == len(list(small.rglob("*.py")))


def test_throughput_rows_without_peers(small: Path) -> None:
    rows = check_throughput.run(small, runs=1, peers=False, log=False)
    names = [row["tool"] for row in rows]
    assert names[:3] == [check_throughput.FLOOR, "parso.parse", check_throughput.COLD]
    assert check_throughput.WARM in names
    assert all(row["ok"] for row in rows), rows
    assert all(row["files"] == len(list(small.rglob("*.py"))) for row in rows)
    assert "| tool |" in check_throughput.markdown(rows)
    assert not (small / ".integrity-lsp-cache").exists()  # the benchmark's cache lives elsewhere


def test_settings_module_is_read_from_manage_py(small: Path) -> None:
    assert check_throughput.settings_module(small) == "config.settings"


def test_percentile_is_nearest_rank() -> None:
    values = [float(v) for v in range(1, 101)]
    assert lsp_latency.percentile(values, 0.95) == 95.0
    assert lsp_latency.percentile(values, 0.5) == 50.0
    assert lsp_latency.percentile([7.0], 0.95) == 7.0


def test_lsp_latency_round_trip(small: Path) -> None:
    # Every edit must be answered; the per-edit budget is the benchmark's, not this test's.
    result = lsp_latency.run(small, edits=3, hovers=2, edit_timeout=300.0)
    assert result.error == "", result.notes
    assert result.initial_diagnostics > 0
    assert result.edits == 3 and result.edit_timeouts == 0
    assert result.edit_p95_ms is not None
    assert result.hover_p50_ms is not None
    assert result.hwm_after_index_mib is not None


def test_run_all_writes_results(tmp_path: Path) -> None:
    out = tmp_path / "RESULTS.md"
    run_all.main(["--sizes", "small", "--runs", "1", "--no-peers", "--no-lsp", "--out", str(out)])
    text = out.read_text(encoding="utf-8")
    for heading in ("## Machine", "## Targets (issue 9)", "## `check` throughput", "CPU:"):
        assert heading in text
    assert "≤ 3× the `ast.parse` floor" in text


def test_explain_latency_measures_cold_and_warm_and_keeps_its_section(small: Path) -> None:
    target = explain_latency.Target("small", small, explain_latency.generated_message(small))
    result = explain_latency.run(target, runs=1)
    assert result.cold.ok and result.warm.ok
    section = explain_latency.render([result], 1, "python -m benchmarks.explain_latency")
    assert "| small |" in section
    document = "# Speed\n\nrows\n"
    once = explain_latency.with_section(document, section)
    assert once.startswith(document) and section in once
    assert explain_latency.with_section(once, "new\n") == explain_latency.with_section(
        document, "new\n"
    )  # replaced, not appended again


def test_huge_module_benchmark_plumbing(capsys: pytest.CaptureFixture[str]) -> None:
    # A small "huge" module: the report is complete and check found exactly its races.
    # The per-edit budget is generous: this asserts that every edit is answered, not how fast.
    assert huge_module.main(["--lines", "600", "--edits", "2", "--hovers", "2"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["check_findings_ok"] is True
    assert report["edits"] == 2 and report["edit_timeouts"] == 0
    assert report["initial_diagnostics"] == len(huge_module.huge_module(600)[1])
