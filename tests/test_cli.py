"""The command line as a user runs it: exit codes, output formats, fixes, bad input."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from integrity_lsp.analysis.edits import compiles
from tests.helpers import EXAMPLES, copy_project, expected_in


def run(
    *args: str, cwd: Path | None = None, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "integrity_lsp", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        input=stdin,
        timeout=300,
        check=False,
    )


def test_json_reports_the_race_rules_where_examples_promise(tmp_path: Path) -> None:
    result = run("check", "--format", "json", "--select", "IL1", str(EXAMPLES))
    assert result.returncode == 1, result.stderr
    findings = json.loads(result.stdout)
    got = {(Path(f["filename"]).resolve(), f["location"]["row"], f["code"]) for f in findings}
    expected = {
        (path.resolve(), line, code)
        for path in EXAMPLES.rglob("*.py")
        for line, code in expected_in(path)
        if code.startswith("IL1")
    }
    assert got == expected
    first = findings[0]
    assert set(first) >= {"code", "message", "filename", "location", "end_location", "fix", "url"}
    assert first["location"]["column"] >= 1


def test_fix_on_a_copy_of_examples_removes_the_fixed_race_findings(tmp_path: Path) -> None:
    root = copy_project("examples", tmp_path)
    before = json.loads(run("check", "--format", "json", "--select", "IL1", str(root)).stdout)
    fixable = [f for f in before if f["fix"] and f["fix"]["applicability"] == "safe"]
    assert fixable, "examples/ should have safely fixable races"
    result = run("check", "--fix", "--select", "IL1", str(root))
    assert "Fixed" in result.stderr
    for path in root.rglob("*.py"):
        assert compiles(path.read_text(encoding="utf-8")), path
    after = json.loads(run("check", "--format", "json", "--select", "IL1", str(root)).stdout)
    remaining = {(f["filename"], f["code"], f["message"]) for f in after}
    for finding in fixable:
        assert (finding["filename"], finding["code"], finding["message"]) not in remaining


def test_diff_prints_without_writing(tmp_path: Path) -> None:
    root = copy_project("examples", tmp_path)
    services = root / "shop" / "services.py"
    original = services.read_text()
    result = run("check", "--diff", "--select", "IL101", str(root))
    assert result.returncode == 1
    assert "+++ b/" in result.stdout and "get_or_create" in result.stdout
    assert services.read_text() == original


def test_missing_path_is_a_clear_error() -> None:
    result = run("check", "/no/such/place")
    assert result.returncode == 2
    assert "no such file or folder" in result.stderr
    assert "Traceback" not in result.stderr


def test_broken_config_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.integrity-lsp\nselect = ")
    (tmp_path / "views.py").write_text("x = 1\n")
    result = run("check", str(tmp_path))
    assert result.returncode == 2
    assert "cannot read configuration" in result.stderr
    assert "Traceback" not in result.stderr


def test_bad_values_in_config_warn_and_use_defaults(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.integrity-lsp]\nselect = 3\nbogus = "x"\n')
    (tmp_path / "views.py").write_text("x = 1\n")
    result = run("check", str(tmp_path))
    assert result.returncode == 0, result.stderr
    assert "`select` must be a list" in result.stderr
    assert "unknown setting `bogus`" in result.stderr


def test_undecodable_file_is_named_and_the_rest_is_checked(tmp_path: Path) -> None:
    root = copy_project("examples", tmp_path)
    (root / "shop" / "latin1.py").write_bytes(b"# caf\xe9\nx = 1\n")
    result = run("check", "--select", "IL101", str(root))
    assert result.returncode == 1
    assert "latin1.py: not valid UTF-8" in result.stderr
    assert "IL101" in result.stdout


def test_noqa_and_file_level_noqa(tmp_path: Path) -> None:
    root = copy_project("examples", tmp_path)
    services = root / "shop" / "services.py"
    text = services.read_text()
    services.write_text(text.replace("# expect: IL101", "# noqa: IL101 -- reviewed", 1))
    first = json.loads(run("check", "--format", "json", "--select", "IL101", str(services)).stdout)
    assert (
        len(first)
        == sum(1 for _, code in expected_in(EXAMPLES / "shop" / "services.py") if code == "IL101")
        - 1
    )
    services.write_text("# integrity-lsp: noqa: IL101\n" + text)
    result = run("check", "--format", "json", "--select", "IL101", str(services))
    assert json.loads(result.stdout) == []
    assert result.returncode == 0


def test_other_formats(tmp_path: Path) -> None:
    sarif = run("check", "--format", "sarif", "--select", "IL1", str(EXAMPLES))
    document = json.loads(sarif.stdout)
    assert document["version"] == "2.1.0"
    assert document["runs"][0]["results"]
    github = run("check", "--format", "github", "--select", "IL1", str(EXAMPLES))
    assert github.stdout.startswith("::warning title=integrity-lsp (IL1")
    text = run("check", "--select", "IL1", str(EXAMPLES))
    assert "Found" in text.stdout and "IL101" in text.stdout
    assert run("check", "--exit-zero", "--select", "IL1", str(EXAMPLES)).returncode == 0


def test_rule_docs() -> None:
    result = run("rule", "IL101")
    assert result.returncode == 0
    assert "## What it does" in result.stdout and "## Fix safety" in result.stdout
    listing = run("rules")
    assert "IL104" in listing.stdout
    assert run("rule", "IL999").returncode == 2
