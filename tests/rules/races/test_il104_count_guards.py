"""IL104 under a `count() < 2` guard: code that runs `get_or_create()` only while at most one
row matches (the guard filters the same model and manager on the call's own keywords, with the
same values, or the call looks up `value or fallback` of the guard's value; also through a
queryset bound to a local name first) expects duplicates and skips them, so that call never
raises `MultipleObjectsReturned`. Guards that count fewer rows than the call can find still
report."""

from __future__ import annotations

from pathlib import Path

from tests.helpers import copy_project, environment

CASES = """from shop.models import Category, Product


def bounded(name):
    if Category.objects.filter(name=name).count() < 2:
        Category.objects.get_or_create(name=name)


def bounded_over_lines(name, position):
    if (
        Category.objects.filter(name=name).count()
        <= 1
    ):
        Category.objects.update_or_create(name=name, defaults={"position": position})


def mirrored(name):
    if 2 > Category.objects.filter(name=name).count():
        Category.objects.get_or_create(name=name, defaults={"position": 1})


def bound_queryset(names, position):
    named = Category.objects.filter(position=position)
    for name in names:
        if named.filter(name=name).count() < 2:
            Category.objects.get_or_create(position=position, name=name)


def bound_to_a_get(name, position):
    named = Category.objects.get(position=position)
    if named.filter(name=name).count() < 2:
        Category.objects.get_or_create(name=name)


def bound_narrower(names, position):
    named = Category.objects.filter(position=position)
    for name in names:
        if named.filter(name=name).count() < 2:
            Category.objects.get_or_create(name=name)


def other_value(name, other):
    if Category.objects.filter(name=other).count() < 2:
        Category.objects.get_or_create(name=name)


def three_allowed(name):
    if Category.objects.filter(name=name).count() < 3:
        Category.objects.get_or_create(name=name)


def narrower_guard(name):
    if Category.objects.filter(name=name, position=1).count() < 2:
        Category.objects.get_or_create(name=name)


def in_the_else(name):
    if Category.objects.filter(name=name).count() < 2:
        pass
    else:
        Category.objects.get_or_create(name=name)


def fallback_in_the_call(name, other):
    if Category.objects.filter(name=name).count() < 2:
        Category.objects.get_or_create(name=name or other)


def fallback_in_the_guard(name, other):
    if Category.objects.filter(name=name or other).count() < 2:
        Category.objects.get_or_create(name=name)


def other_model(name):
    if Product.objects.filter(name=name).count() < 2:
        Category.objects.get_or_create(name=name)
"""


def test_il104_is_silent_under_a_count_guard_of_the_same_lookup(tmp_path: Path) -> None:
    from integrity_lsp.checker import check_source

    root = copy_project("examples", tmp_path)
    path = root / "shop" / "fixture_case.py"
    path.write_text(CASES)
    findings = [
        f for f in check_source(path.read_text(), path, environment(root)) if f.code == "IL104"
    ]
    lines = CASES.splitlines()
    functions = sorted(
        next(
            line.split("(")[0].removeprefix("def ")
            for line in reversed(lines[: f.span.start_line - 1])
            if line.startswith("def ")
        )
        for f in findings
    )
    assert functions == [
        "bound_narrower",
        "bound_to_a_get",
        "fallback_in_the_guard",
        "in_the_else",
        "narrower_guard",
        "other_model",
        "other_value",
        "three_allowed",
    ]
