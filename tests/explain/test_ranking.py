"""Ranking of write sites on a small realistic project (rankproj): the culprit in the top three.

rankproj has a handful of production writes of `blog.Post` and 25 test functions that create
posts; the culprit of each message must come before all of them.
"""

from __future__ import annotations

import io
from functools import cache
from pathlib import Path

from integrity_lsp.config import Settings
from integrity_lsp.explain import Explanation, explain_text, render_text, run_explain
from integrity_lsp.explain.sites import is_test_path
from integrity_lsp.explain.tracebacks import called_names
from integrity_lsp.project.index import ProjectIndex

RANKPROJ = Path(__file__).parent / "fixtures" / "rankproj"
SERVICES = RANKPROJ / "blog" / "services.py"
VIEWS = RANKPROJ / "blog" / "views.py"


@cache
def _index() -> ProjectIndex:
    return ProjectIndex.build(RANKPROJ, Settings())


def explain(text: str) -> Explanation:
    explanation = explain_text(text, _index(), settings=Settings())
    assert explanation is not None
    return explanation


def line_of(path: Path, needle: str) -> int:
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        if needle in line:
            return number
    raise AssertionError(f"{needle!r} not in {path}")


def rank_of(explanation: Explanation, path: Path, line: int) -> int:
    for rank, site in enumerate(explanation.write_sites, start=1):
        if site.path == path and site.span.start_line <= line <= site.span.end_line:
            return rank
    raise AssertionError(f"no site at {path}:{line}")


def test_production_writes_come_before_tests() -> None:
    explanation = explain("UNIQUE constraint failed: blog_post.slug")
    tests = [site.test for site in explanation.write_sites]
    assert tests.count(True) == 25
    assert tests == sorted(tests)  # every production site before every test site
    assert rank_of(explanation, SERVICES, line_of(SERVICES, "Post.objects.create(")) == 1


def test_in_memory_objects_come_after_writes_that_reach_the_database() -> None:
    explanation = explain("UNIQUE constraint failed: blog_post.slug")
    production = [site for site in explanation.write_sites if not site.test]
    kinds = [site.kind for site in production]
    assert kinds[-1] == "constructor"
    assert {"create", "save"} <= set(kinds[:-1])


def test_not_null_with_a_default_puts_the_explicit_computed_value_first() -> None:
    explanation = explain("NOT NULL constraint failed: blog_post.word_count")
    first = explanation.write_sites[0]
    assert first.value_of("word_count") == "data"
    assert first.path == SERVICES and first.function == "publish"


def test_traceback_frame_that_calls_a_helper_points_at_the_helpers_write() -> None:
    line = line_of(VIEWS, "services.import_post(")
    text = (
        "Traceback (most recent call last):\n"
        f'  File "/srv/app/blog/views.py", line {line}, in import_view\n'
        "    services.import_post(author, row)\n"
        '  File "/venv/lib/python3.12/site-packages/django/db/models/base.py", line 822, in save\n'
        "django.db.utils.IntegrityError: UNIQUE constraint failed: blog_post.slug\n"
    )
    explanation = explain(text)
    first = explanation.write_sites[0]
    assert first.traceback == "helper"
    assert (first.path, first.function, first.kind) == (SERVICES, "_store", "save")
    assert [site.traceback for site in explanation.write_sites[1:]] == [""] * (
        len(explanation.write_sites) - 1
    )
    assert "called from the traceback's line" in render_text(explanation, RANKPROJ)


def test_output_is_capped_unless_all_is_asked() -> None:
    message = "UNIQUE constraint failed: blog_post.slug"
    capped, everything = io.StringIO(), io.StringIO()
    assert run_explain(message, RANKPROJ, "text", capped) == 0
    assert run_explain(message, RANKPROJ, "text", everything, show_all=True) == 0
    total = len(explain(message).write_sites)
    assert f"… and {total - 10} more write sites (--all lists them)" in capped.getvalue()
    assert "more write site" not in everything.getvalue()
    assert everything.getvalue().count("tests/posts.py:") == 25


def test_test_paths() -> None:
    root = Path("/p")
    assert is_test_path(root / "blog" / "tests" / "test_x.py", root)
    assert is_test_path(root / "blog" / "tests.py", root)
    assert is_test_path(root / "test_models.py", root)
    assert is_test_path(root / "conftest.py", root)
    assert not is_test_path(root / "blog" / "services.py", root)
    assert not is_test_path(root / "contests" / "models.py", root)


def test_called_names() -> None:
    assert called_names("services.import_post(author, row)") == {"import_post"}
    assert called_names("if helper(x) and self.svc.add(y):") == {"helper", "add"}
    assert {"save", "create", "update"} <= called_names("serializer.save()")
