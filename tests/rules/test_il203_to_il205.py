"""IL203 and IL205 (display-only: their messages and fix titles) and the IL204 fix."""

from __future__ import annotations

import textwrap
from pathlib import Path

from integrity_lsp.checker import check_source
from integrity_lsp.findings import Applicability, Finding
from tests.helpers import check_fixed, copy_project, environment

FILENAME = "store/case.py"


def findings_for(source: str, tmp_path: Path, code: str) -> list[Finding]:
    root = copy_project("guards", tmp_path)
    path = root / FILENAME
    text = textwrap.dedent(source)
    path.write_text(text, encoding="utf-8")
    return [f for f in check_source(text, path, environment(root)) if f.code == code]


def test_il203_names_every_missing_field_and_the_first_column(tmp_path: Path) -> None:
    (finding,) = findings_for(
        """\
        from store.models import DigitalItem


        def add(code, license):
            DigitalItem.objects.create(code=code, license=license)
        """,
        tmp_path,
        "IL203",
    )
    assert "`category`, `price`, `weight`, `ip`" in finding.message
    assert "NOT NULL constraint failed: shop_item.category_id" in finding.message
    (fix,) = finding.fixes
    assert fix.applicability is Applicability.DISPLAY_ONLY
    assert fix.title == "Pass category=…, price=…, weight=…, ip=… (or give a default)"
    messages = {location.message for location in finding.related}
    assert "weight = PositiveSmallIntegerField(…)" in messages


def test_il203_in_a_view_mentions_the_500(tmp_path: Path) -> None:
    (finding,) = findings_for(
        """\
        from store.models import Category


        def add(request):
            Category.objects.create(slug=request.POST["slug"])
        """,
        tmp_path,
        "IL203",
    )
    assert finding.message.endswith(
        "`IntegrityError: NOT NULL constraint failed: shop_category.position` → HTTP 500"
    )


def test_il204_fetches_the_parent_and_imports_what_it_needs(tmp_path: Path) -> None:
    findings = check_fixed(
        """\
        from store.models import Note


        def add_note(request):
            Note.objects.create(team_id=request.POST["team"], body="hi")
        """,
        """\
        from store.models import Note
        from django.shortcuts import get_object_or_404
        from store.models.stock import Team


        def add_note(request):
            Note.objects.create(team=get_object_or_404(Team, pk=request.POST["team"]), body="hi")
        """,
        filename=FILENAME,
        project="guards",
        tmp_path=tmp_path,
        code="IL204",
        unsafe=True,
    )
    message = findings[0].message
    assert "FOREIGN KEY constraint failed` (shop_note.team_id → shop_team.id)" in message
    assert "HTTP 500" in message
    assert "at COMMIT, past any try/except" in message


def test_il204_reuses_the_imported_parent_and_its_to_field(tmp_path: Path) -> None:
    check_fixed(
        """\
        from django.shortcuts import get_object_or_404

        from store.models import Bin, Item, Shipment


        def ship(request, bin_id):
            bin_ = get_object_or_404(Bin, pk=bin_id)
            Shipment.objects.create(
                number="S-1",
                item_id=request.POST["item"],
                bin=bin_,
                quantity=1,
            )
        """,
        """\
        from django.shortcuts import get_object_or_404

        from store.models import Bin, Item, Shipment


        def ship(request, bin_id):
            bin_ = get_object_or_404(Bin, pk=bin_id)
            Shipment.objects.create(
                number="S-1",
                item=get_object_or_404(Item, code=request.POST["item"]),
                bin=bin_,
                quantity=1,
            )
        """,
        filename=FILENAME,
        project="guards",
        tmp_path=tmp_path,
        code="IL204",
        unsafe=True,
    )


def test_il205_check_constraint_message_quotes_the_runtime_error(tmp_path: Path) -> None:
    (finding,) = findings_for(
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
    findings = findings_for(
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
    (finding,) = findings_for(
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
    (finding,) = findings_for(
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
