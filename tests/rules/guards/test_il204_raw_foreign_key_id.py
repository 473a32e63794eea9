"""IL204: a raw `<fk>_id` from request data; its fix fetches the parent."""

from __future__ import annotations

from pathlib import Path

from tests.helpers import (
    check_fixed,
)

FILENAME = "store/case.py"


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
