"""IL104 inside a `try` whose broad handler answers duplicates: the handler reads the call's
rows again (`filter()` on the same model and manager, the call's keywords among its own with the
same values) and updates or deletes every one of them, or takes one. The `MultipleObjectsReturned`
the call raises once two rows match is the case the handler is written for. A handler that
only logs, reads other rows, or a narrower handler (`except KeyError`) still reports."""

from __future__ import annotations

from pathlib import Path

from tests.helpers import copy_project, environment

CASES = """import logging

from shop.models import Category, Product

log = logging.getLogger(__name__)


def updates_all(name, position):
    try:
        Category.objects.get_or_create(name=name, defaults={"position": position})
    except Exception:
        Category.objects.filter(name=name, position__gte=0).update(position=position)


def takes_one(name):
    try:
        category, _ = Category.objects.get_or_create(name=name, defaults={"position": 1})
    except:
        category = Category.objects.filter(name=name).first()
    return category


def logs_only(name):
    try:
        Category.objects.get_or_create(name=name, defaults={"position": 1})
    except Exception:
        log.exception("no category %s", name)


def other_rows(name, other):
    try:
        Category.objects.get_or_create(name=name, defaults={"position": 1})
    except Exception:
        Category.objects.filter(name=other).update(position=0)


def other_model(name):
    try:
        Category.objects.get_or_create(name=name, defaults={"position": 1})
    except Exception:
        Product.objects.filter(name=name).update(description="")


def narrow_handler(name):
    try:
        Category.objects.get_or_create(name=name, defaults={"position": 1})
    except KeyError:
        Category.objects.filter(name=name).update(position=0)


def in_the_handler(name):
    try:
        log.info("creating %s", name)
    except Exception:
        Category.objects.get_or_create(name=name, defaults={"position": 1})
        Category.objects.filter(name=name).update(position=0)
"""


def test_il104_is_silent_where_a_broad_handler_answers_duplicates(tmp_path: Path) -> None:
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
        "in_the_handler",
        "logs_only",
        "narrow_handler",
        "other_model",
        "other_rows",
    ]
