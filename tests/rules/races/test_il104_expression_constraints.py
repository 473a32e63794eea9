"""IL104 and `UniqueConstraint(*expressions)`: a constraint given field names positionally
(`UniqueConstraint("slot", condition=…)`, Django turns each into `F("slot")`) is the same as
`fields=[…]` and covers a lookup of them. A functional one (`Lower("name")`, a `Case` over two
columns) does not: the lookup may miss the row its key collides with. A lookup missing a field
reports too."""

from __future__ import annotations

from pathlib import Path

from tests.helpers import lines_reported

MODELS = """from django.db import models
from django.db.models import Case, F, Q, Value, When
from django.db.models.functions import Concat, Lower

SHARED = Lower("label")


class Placement(models.Model):
    slot = models.IntegerField()
    board = models.IntegerField()
    note = models.CharField(max_length=20, blank=True)
    draft_of = models.ForeignKey("self", null=True, blank=True, on_delete=models.CASCADE)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                "slot", condition=Q(draft_of__isnull=True), name="one_live_slot"
            ),
            models.UniqueConstraint(
                "slot", condition=Q(draft_of__isnull=False), name="one_draft_slot"
            ),
        ]


class Link(models.Model):
    left = models.IntegerField()
    right = models.IntegerField()
    kind = models.CharField(max_length=10)
    flipped = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                Case(
                    When(flipped=True, then=Concat(F("right"), Value(","), F("left"))),
                    default=Concat(F("left"), Value(","), F("right")),
                    output_field=models.TextField(),
                ),
                "kind",
                name="one_link",
            ),
        ]


class Tag(models.Model):
    name = models.CharField(max_length=20)
    team = models.IntegerField()

    class Meta:
        constraints = [models.UniqueConstraint(Lower("name"), "team", name="one_tag")]


class Label(models.Model):
    label = models.CharField(max_length=20)

    class Meta:
        constraints = [models.UniqueConstraint(SHARED, name="one_label")]
"""

CALLS = """from shop.expressions import Label, Link, Placement, Tag


def place(slot, board, note):
    return Placement.objects.update_or_create(slot=slot, board=board, defaults={"note": note})


def place_elsewhere(board):
    return Placement.objects.get_or_create(board=board)


def link(a, b, kind):
    return Link.objects.get_or_create(left=a, right=b, kind=kind, flipped=False)


def link_any_way(a, b, kind):
    return Link.objects.get_or_create(left=a, right=b, kind=kind)


def tag(name, team):
    return Tag.objects.get_or_create(name=name, team=team)


def tag_anywhere(name):
    return Tag.objects.get_or_create(name=name)


def label(text):
    return Label.objects.get_or_create(label=text)
"""


def test_positional_field_names_cover_and_functional_expressions_do_not(
    tmp_path: Path,
) -> None:
    files = {"shop/expressions.py": MODELS, "shop/expression_calls.py": CALLS}
    # place: "slot" given positionally is `fields=["slot"]`, unique among live rows, and the
    # insert leaves draft_of NULL. The functional ones (link, tag, label) do not cover a lookup:
    # a get() of the fields misses the row the computed key collides with.
    assert lines_reported(tmp_path, files, "shop/expression_calls.py", "IL104") == [
        "return Label.objects.get_or_create(label=text)",
        "return Link.objects.get_or_create(left=a, right=b, kind=kind)",
        "return Link.objects.get_or_create(left=a, right=b, kind=kind, flipped=False)",
        "return Placement.objects.get_or_create(board=board)",
        "return Tag.objects.get_or_create(name=name)",
        "return Tag.objects.get_or_create(name=name, team=team)",
    ]
