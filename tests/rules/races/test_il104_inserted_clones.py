"""IL104 stays silent on a lookup keyed on a row the same function inserted just before the
call: a clone of a stored row whose pk was cleared before its `save()` (geonode copies a
resource, then links the copy), or a row built and saved there. A clone saved with its pk
kept is an UPDATE of the stored row, which other requests do hold: it still reports."""

from __future__ import annotations

from pathlib import Path

import pytest

from integrity_lsp.checker import check_source
from tests.helpers import environment, write_app

MODELS = """\
from django.db import models


class Sheet(models.Model):
    title = models.CharField(max_length=50)


class Relation(models.Model):
    source = models.ForeignKey(Sheet, on_delete=models.CASCADE, related_name="+")
    target = models.ForeignKey(Sheet, on_delete=models.CASCADE, related_name="+")
"""
VIEWS = """\
import copy

from django.db import transaction

from notes.models import Relation, Sheet


def duplicate(request, pk):
    original = Sheet.objects.get(pk=pk)
    with transaction.atomic():
        clone = copy.copy(original)
{clear}        clone.save()
        for other in Sheet.objects.filter(title=original.title):
            Relation.objects.get_or_create(source_id=clone.pk, target_id=other.pk)
    return clone
"""


@pytest.mark.parametrize(
    ("clear", "reported"),
    [
        ("        clone.pk = clone.id = None\n", False),  # a new row: only this call knows it
        ("        clone.pk = None\n", False),
        ("        clone.title = 'copy'\n", True),  # pk kept: save() updates the stored sheet
        ("", True),
    ],
)
def test_a_clone_inserted_before_the_lookup(tmp_path: Path, clear: str, reported: bool) -> None:
    write_app(tmp_path, "notes", {"models.py": MODELS, "views.py": VIEWS.format(clear=clear)})
    path = tmp_path / "notes" / "views.py"
    findings = check_source(path.read_text(encoding="utf-8"), path, environment(tmp_path))
    lines = [f.span.start_line for f in findings if f.code == "IL104"]
    assert lines == ([15 - (not clear)] if reported else [])


def test_a_row_built_and_saved_before_the_lookup(tmp_path: Path) -> None:
    views = """\
from notes.models import Relation, Sheet


def start(request):
    sheet = Sheet(title=request.POST["title"])
    sheet.save()
    Relation.objects.get_or_create(source=sheet, target_id=request.POST["target"])
    return sheet
"""
    write_app(tmp_path, "notes", {"models.py": MODELS, "views.py": views})
    path = tmp_path / "notes" / "views.py"
    findings = check_source(path.read_text(encoding="utf-8"), path, environment(tmp_path))
    assert [f.code for f in findings if f.code == "IL104"] == []


UNIQUE_MODELS = MODELS.replace(
    '    target = models.ForeignKey(Sheet, on_delete=models.CASCADE, related_name="+")\n',
    '    target = models.ForeignKey(Sheet, on_delete=models.CASCADE, related_name="+")\n\n'
    "    class Meta:\n"
    '        unique_together = [("source", "target")]\n',
)
CHECKED = """\
import copy

from notes.models import Relation, Sheet


def duplicate(request, pk):
    original = Sheet.objects.get(pk=pk)
    clone = copy.copy(original)
{clear}    clone.save()
    target = Sheet.objects.get(pk=request.POST["target"])
    if not Relation.objects.filter(source=clone, target=target).exists():
        Relation.objects.create(source=clone, target=target)
"""


@pytest.mark.parametrize(
    ("clear", "reported"),
    [("    clone.pk = None\n", False), ("    clone.title = 'copy'\n", True)],
)
def test_a_check_keyed_on_a_clone(tmp_path: Path, clear: str, reported: bool) -> None:
    """IL101 reads the same model (`analysis.bindings.inserted_before`): a clone saved with its
    pk kept is a stored row, so two requests may both pass the check."""
    write_app(
        tmp_path, "notes", {"models.py": UNIQUE_MODELS, "views.py": CHECKED.format(clear=clear)}
    )
    path = tmp_path / "notes" / "views.py"
    findings = check_source(path.read_text(encoding="utf-8"), path, environment(tmp_path))
    assert [f.span.start_line for f in findings if f.code == "IL101"] == ([13] if reported else [])
