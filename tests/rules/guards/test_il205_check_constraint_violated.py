"""IL205: a write that violates a CheckConstraint (display-only: its messages and fix titles),
and the evaluator behind it: SQL's three-valued logic over Q expressions."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from integrity_lsp.analysis.conditions import UNKNOWN, constraint_name, evaluate, literal_value
from integrity_lsp.findings import Applicability
from integrity_lsp.syntax.source import parse
from tests.helpers import (
    findings_in,
)


def test_il205_check_constraint_message_quotes_the_runtime_error(tmp_path: Path) -> None:
    (finding,) = findings_in(
        """\
        from store.models import Bin


        def add():
            Bin.objects.create(label="A", slot=0)
        """,
        tmp_path,
        "IL205",
    )
    assert finding.message == (
        "`slot=0` violates the CheckConstraint `bin_slot_range` (`Q(slot__range=(1, 99))`) of "
        "shop.Bin: the insert raises `IntegrityError: CHECK constraint failed: bin_slot_range`"
    )
    assert (finding.span.start_line, finding.span.start_column) == (5, 34)
    assert finding.fixes[0].applicability is Applicability.DISPLAY_ONLY


def test_il205_an_update_names_the_update(tmp_path: Path) -> None:
    """An UPDATE is judged on the columns it sets; the message says it is the update."""
    findings = findings_in(
        """\
        from store.models import Bin


        def move(label):
            Bin.objects.filter(label=label).update(slot=0)
            Bin.objects.filter(label=label).update(slot=5)
        """,
        tmp_path,
        "IL205",
    )
    assert [f.message for f in findings] == [
        "`slot=0` violates the CheckConstraint `bin_slot_range` (`Q(slot__range=(1, 99))`) of "
        "shop.Bin: the update raises `IntegrityError: CHECK constraint failed: bin_slot_range`"
    ]
    assert (findings[0].span.start_line, findings[0].span.start_column) == (5, 43)


def test_il205_interpolates_generated_constraint_names(tmp_path: Path) -> None:
    (finding,) = findings_in(
        """\
        from store.models import Item


        def add(category):
            Item(code="x", category=category, price=5, sale_price=5, weight=1, ip="::1").save()
        """,
        tmp_path,
        "IL205",
    )
    assert "`sale_price=5` violates the CheckConstraint `shop_item_sale_below_price`" in (
        finding.message
    )


def test_il205_positive_field_quotes_sqlite_and_postgresql(tmp_path: Path) -> None:
    (finding,) = findings_in(
        """\
        from store.models import Shipment


        def ship(item, bin_):
            Shipment.objects.create(number="S", item=item, bin=bin_, quantity=-2)
        """,
        tmp_path,
        "IL205",
    )
    assert "CHECK constraint failed: quantity`" in finding.message
    assert 'violates check constraint "shop_shipment_quantity_check"' in finding.message


def same(name: str) -> str:
    return name


@pytest.mark.parametrize(
    ("condition", "values", "expected"),
    [
        ("Q(price__gte=0)", {"price": -1}, False),
        ("models.Q(price__gte=0)", {"price": Decimal("0")}, True),
        ("Q(price__gt=0)", {}, None),  # no literal value: unknown
        ("Q(price__gt=0)", {"price": None}, None),  # NULL passes a CHECK
        ("Q(a__lt=1) & Q(b__lte=2)", {"a": 0, "b": 3}, False),
        ("Q(a__lt=1) | Q(b__lte=2)", {"a": 5, "b": 3}, False),
        ("Q(a__lt=1) | Q(b__lte=2)", {"a": 5}, None),
        ("Q(a__lt=1) | Q(b__lte=2)", {"a": 0}, True),
        ("~Q(name='')", {"name": ""}, False),
        ("Q(kind__in=['a', 'b'])", {"kind": "c"}, False),
        ("Q(slot__range=(1, 99))", {"slot": 99}, True),
        ("Q(x__isnull=False)", {"x": None}, False),
        ("Q(x=None)", {"x": None}, True),
        ("Q(end__gt=F('start'))", {"end": 1, "start": 2}, False),
        ("Q(Q(a=1), Q(b=1), _connector=Q.OR)", {"a": 2, "b": 2}, False),
        ("Q(a=1, _negated=True)", {"a": 1}, False),
        ("Q(a=1) ^ Q(b=1)", {"a": 1, "b": 1}, False),
        ("Q(name__startswith='X')", {"name": "Y"}, False),
        ("Q(name__iexact='x')", {"name": "X"}, True),
        ("Q(a__gt='1')", {"a": 2}, None),  # different types: not modelled
        ("Q(a__year__gt=2000)", {"a": 1}, None),  # transforms: not modelled
        ("GreaterThan(F('a'), 0)", {"a": -1}, None),
        ("Q(", {"a": 1}, None),
        # as a migration writes it (Django's deconstructed Q)
        ("models.Q(('price__gte', 0), ('kind', 'a'), _connector='OR')", {"price": -1}, None),
        ("models.Q(('price__gte', 0), ('kind', 'a'), _connector='OR')", {"price": 1}, True),
        ("models.Q(('code', ''), _negated=True)", {"code": ""}, False),
        # written over lines inside `CheckConstraint(condition=…)`, as formatters do
        ('Q(part="NONE")\n    | Q(start=1)', {"part": "DAY", "start": 1}, True),
        ('Q(part="NONE")  # undated\n    | Q(start=1)', {"part": "DAY", "start": 5}, False),
    ],
)
def test_evaluate(condition: str, values: dict[str, Any], expected: bool | None) -> None:
    assert evaluate(condition, values, same) is expected


def test_field_names_go_through_the_resolver() -> None:
    assert evaluate("Q(team_id__gt=0)", {"team": -1}, lambda n: n.removesuffix("_id")) is False


def test_literal_values() -> None:
    def value(text: str) -> Any:
        node = parse(text + "\n").children[0]
        return literal_value(node.children[0])

    assert value("-1") == -1
    assert value('Decimal("9.99")') == Decimal("9.99")
    assert value("(1, 'a')") == (1, "a")
    assert value("price") is UNKNOWN
    assert value('Decimal("x")') is UNKNOWN


def test_constraint_name_interpolation() -> None:
    assert constraint_name("%(app_label)s_%(class)s_ok", "Shop", "Item") == "shop_item_ok"
    assert constraint_name("50%_off", "shop", "Item") == "50%_off"
