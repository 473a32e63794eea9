"""benchmarks.speed_real on a small project: every tool runs, the files parso parsed for the
check are counted, and the report names each target met or missed (no timing is asserted)."""

from __future__ import annotations

import contextlib
import io
import json
from pathlib import Path

from benchmarks import speed_real
from benchmarks.counted_check import read_stats
from tests.cli.support import shop


def test_one_round_reports_every_tool_and_the_parsed_files(tmp_path: Path) -> None:
    root = shop(tmp_path / "shop", {"shop/util.py": "def helper(items):\n    return items\n"})
    rows = tmp_path / "rows.json"
    out = tmp_path / "out.md"
    argv = [str(root), "--runs", "1", "--no-pylint", "--json", str(rows)]
    text = io.StringIO()
    with contextlib.redirect_stdout(text), contextlib.redirect_stderr(io.StringIO()):
        assert speed_real.main(argv) == 0
    out.write_text(text.getvalue(), encoding="utf-8")
    [row] = json.loads(rows.read_text(encoding="utf-8"))
    assert row["files"] == 5
    assert set(row["tools"]) == {"ast floor", "parso floor", "cold", "warm"}
    assert all(not tool["error"] for tool in row["tools"].values())
    # only services.py holds a word of a rule that reads function bodies (its create())
    assert row["parsed_files"] == 1
    report = out.read_text(encoding="utf-8")
    assert "| shop (cpu) | 5 |" in report
    assert "cold ÷ ast floor (cpu)" in report and "peak RSS of the cold check" in report


def test_read_stats_counts_files_once_and_sums_lines(tmp_path: Path) -> None:
    stats = tmp_path / "parsed.tsv"
    stats.write_text("3\t/a.py\n4\t/b.py\n2\t/a.py\n", encoding="utf-8")
    assert read_stats(str(stats)) == (2, 9)
    assert read_stats(str(tmp_path / "missing.tsv")) == (0, 0)
