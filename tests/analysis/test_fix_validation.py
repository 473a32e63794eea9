"""A fix is offered only when the code it edits keeps parsing (or, already broken, gets no
more parse errors) -- asked of the run of top-level statements it touches."""

from __future__ import annotations

from pathlib import Path

from integrity_lsp.analysis.edits import apply_edits, compiles
from integrity_lsp.analysis.fix_validation import FixValidator
from integrity_lsp.checker import build_environment
from integrity_lsp.config import Settings
from integrity_lsp.findings import Applicability, Edit, Fix, Span
from integrity_lsp.syntax.source import SourceFile

GOOD = "import os\n\n\ndef a():\n    return 1\n\n\n@decorated\ndef b():\n    return 2\n"
BROKEN = GOOD.replace("return 1", "return (1 +")


def _fix(path: Path, line: int, column: int, end_column: int, content: str) -> Fix:
    edit = Edit(path, Span(line, column, line, end_column), content)
    return Fix("test", Applicability.SAFE, (edit,))


def _validator(tmp_path: Path, text: str) -> FixValidator:
    path = tmp_path / "views.py"
    path.write_text(text)
    env = build_environment(tmp_path, Settings())
    return FixValidator(SourceFile(path, text), env.read_text)


def test_a_fix_that_keeps_the_file_parsing_is_offered(tmp_path: Path) -> None:
    validator = _validator(tmp_path, GOOD)
    fix = _fix(tmp_path / "views.py", 10, 11, 12, "3")
    assert validator.keeps_code_valid(fix)
    assert compiles(apply_edits(GOOD, fix.edits))


def test_a_fix_that_breaks_its_statement_is_not(tmp_path: Path) -> None:
    validator = _validator(tmp_path, GOOD)
    assert not validator.keeps_code_valid(_fix(tmp_path / "views.py", 10, 11, 12, "(3"))
    assert not validator.keeps_code_valid(_fix(tmp_path / "views.py", 8, 0, 0, "    "))


def test_in_a_half_typed_file_fixes_elsewhere_are_still_judged(tmp_path: Path) -> None:
    validator = _validator(tmp_path, BROKEN)
    assert validator.keeps_code_valid(_fix(tmp_path / "views.py", 10, 11, 12, "3"))
    assert not validator.keeps_code_valid(_fix(tmp_path / "views.py", 10, 11, 12, "(3"))


def test_in_the_broken_statement_a_fix_must_not_add_errors(tmp_path: Path) -> None:
    validator = _validator(tmp_path, BROKEN)
    path = tmp_path / "views.py"
    assert validator.keeps_code_valid(_fix(path, 5, 11, 15, "(1)"))  # repairs it
    assert not validator.keeps_code_valid(_fix(path, 4, 0, 3, "de f"))  # more errors


def test_a_fix_editing_another_file_is_judged_on_that_file(tmp_path: Path) -> None:
    validator = _validator(tmp_path, GOOD)
    models = tmp_path / "models.py"
    models.write_text("class P:\n    sku = 1\n\n\nclass Q:\n    pass\n")
    assert validator.keeps_code_valid(_fix(models, 2, 10, 11, "2"))
    assert not validator.keeps_code_valid(_fix(models, 2, 10, 11, "2)"))
    created = tmp_path / "new.py"  # a fix may create a file
    assert validator.keeps_code_valid(_fix(created, 1, 0, 0, "x = 1\n"))


def test_verdicts_are_kept_between_checks_of_a_document(tmp_path: Path) -> None:
    path = tmp_path / "views.py"
    path.write_text(GOOD)
    env = build_environment(tmp_path, Settings())
    verdicts: dict[tuple[tuple[Edit, ...], str], bool] = {}
    fix = _fix(path, 10, 11, 12, "3")
    assert FixValidator(SourceFile(path, GOOD), env.read_text, verdicts).keeps_code_valid(fix)
    assert list(verdicts.values()) == [True]
    key = next(iter(verdicts))
    assert key[1].startswith("@decorated\n")  # the run: the decorated function only
    verdicts[key] = False  # a remembered answer is not asked again
    assert not FixValidator(SourceFile(path, GOOD), env.read_text, verdicts).keeps_code_valid(fix)


def test_a_kept_verdict_is_for_the_edit_where_it_falls_in_its_run(tmp_path: Path) -> None:
    """The same run of statements one line further down, with the same edit: an insertion at
    line 4 is after the class in a 3-line file and inside it in a 4-line file."""
    path = tmp_path / "views.py"
    after_the_class = "x = 1\nclass A:\n    pass\n"
    inside_the_class = "x = 1\ny = 2\nclass A:\n    pass\n"
    path.write_text(after_the_class)
    env = build_environment(tmp_path, Settings())
    verdicts: dict[tuple[tuple[Edit, ...], str], bool] = {}
    fix = _fix(path, 4, 0, 0, "z = 3\n")
    first = FixValidator(SourceFile(path, after_the_class), env.read_text, verdicts)
    assert first.keeps_code_valid(fix)
    second = FixValidator(SourceFile(path, inside_the_class), env.read_text, verdicts)
    assert not second.keeps_code_valid(fix)
    assert not compiles(apply_edits(inside_the_class, fix.edits))
