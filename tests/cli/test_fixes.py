"""`--fix`, `--unsafe-fixes`, `--show-fixes`, `--add-noqa` as ruff's."""

from __future__ import annotations

import ast
from pathlib import Path

from tests.cli.support import SERVICE, run, shop
from tests.helpers import copy_project


def snapshot(root: Path) -> dict[Path, bytes]:
    return {path: path.read_bytes() for path in sorted(root.rglob("*")) if path.is_file()}


def test_unsafe_fixes_alone_writes_nothing(tmp_path: Path) -> None:
    root = copy_project("examples", tmp_path)
    before = snapshot(root)
    done = run("check", "--unsafe-fixes", "--no-cache", str(root))
    assert done.code == 1
    assert snapshot(root) == before
    assert "Fixed" not in done.err
    # ... but it counts the unsafe fixes as what `--fix` would apply, and marks them so.
    assert "fixable with the `--fix` option." in done.out and "hidden" not in done.out


def test_the_summary_counts_hidden_unsafe_fixes(tmp_path: Path) -> None:
    root = copy_project("examples", tmp_path)
    done = run("check", "--no-cache", str(root))
    assert "[unsafe fix]" in done.out
    assert "hidden fixes can be enabled with the `--unsafe-fixes` option" in done.out
    only_unsafe = run("check", "--no-cache", "--select", "IL204", str(root))
    assert "No fixes available (1 hidden fix can be enabled with the `--unsafe-fixes` option)." in (
        only_unsafe.out
    )


def test_fix_with_unsafe_fixes_writes_and_show_fixes_lists_them(tmp_path: Path) -> None:
    root = copy_project("examples", tmp_path)
    done = run(
        "check", "--fix", "--unsafe-fixes", "--show-fixes", "--select", "IL204", "--no-cache",
        str(root),
    )  # fmt: skip
    assert "Fixed 1 finding(s) in 1 file(s)." in done.err
    assert "- orders/views.py:" in done.err or "views.py:" in done.err
    assert "1 × IL204" in done.err
    assert done.code == 0 and "All checks passed!" in done.out


def test_exit_non_zero_on_fix(tmp_path: Path) -> None:
    shop(tmp_path)
    assert run("check", "--fix", "--exit-non-zero-on-fix", str(tmp_path)).code == 1
    assert run("check", "--fix", "--exit-non-zero-on-fix", str(tmp_path)).code == 0


def test_add_noqa_silences_every_finding_and_changes_no_code(tmp_path: Path) -> None:
    root = copy_project("examples", tmp_path)
    texts = {path: path.read_text(encoding="utf-8") for path in root.rglob("*.py")}
    done = run("check", "--add-noqa", "--no-cache", str(root))
    assert done.code == 0, done.err
    assert "noqa directive(s)" in done.err
    changed = [path for path, text in texts.items() if path.read_text(encoding="utf-8") != text]
    assert changed
    for path in changed:
        after = path.read_text(encoding="utf-8")
        assert ast.dump(ast.parse(after)) == ast.dump(ast.parse(texts[path])), path
    again = run("check", "--no-cache", str(root))
    assert again.code == 0 and "All checks passed!" in again.out, again.out


def test_add_noqa_extends_an_existing_noqa_and_skips_strings(tmp_path: Path) -> None:
    service = SERVICE.replace(
        "        Coupon.objects.create(code=code)",
        "        Coupon.objects.create(code=code)  # noqa: E501",
    )
    shop(tmp_path, {"shop/services.py": service})
    run("check", "--add-noqa", str(tmp_path))
    text = (tmp_path / "shop" / "services.py").read_text(encoding="utf-8")
    assert "# noqa: E501, IL101" in text
    assert run("check", "--add-noqa", "--fix", str(tmp_path)).code == 2  # a usage error
