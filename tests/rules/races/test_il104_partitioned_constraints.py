"""IL104 and partial unique constraints that together cover every row: the same fields unique
where `draft_of` is NULL and where it is not (or where a non-null flag is True and where it is
False). Two concurrent inserts of one call fall under the same one whatever `defaults` writes,
so the loser fails and `get_or_create` fetches the winner's row. Conditions that leave rows out
(two values of a char field, True/False of a nullable flag) still report."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import lines_reported

MODELS = """from django.db import models
from django.db.models import Q


class Slot(models.Model):
    position = models.IntegerField()
    board = models.IntegerField()
    draft_of = models.ForeignKey("self", null=True, blank=True, on_delete=models.CASCADE)

    class Meta:
        constraints = [
            models.UniqueConstraint("position", condition=Q(draft_of__isnull=True), name="live"),
            models.UniqueConstraint(
                fields=["position"], condition=Q(draft_of__isnull=False), name="draft"
            ),
        ]


class Seat(models.Model):
    number = models.IntegerField()
    sold = models.BooleanField({sold})

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["number"], condition=Q(sold=True), name="sold"),
            models.UniqueConstraint(fields=["number"], condition=Q(sold=False), name="free"),
        ]


class Badge(models.Model):
    code = models.IntegerField()
    kind = models.CharField(max_length=10)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["code"], condition=Q(kind="a"), name="kind_a"),
            models.UniqueConstraint(fields=["code"], condition=Q(kind="b"), name="kind_b"),
        ]
"""

CALLS = """from shop.partitioned import Badge, Seat, Slot


def place(data):
    return Slot.objects.update_or_create(position=data["position"], board=1, defaults=data)


def place_anywhere(data):
    return Slot.objects.update_or_create(board=data["board"], defaults=data)


def seat(number, data):
    return Seat.objects.get_or_create(number=number, defaults=data)


def badge(code, data):
    return Badge.objects.get_or_create(code=code, defaults=data)
"""


@pytest.mark.parametrize(
    ("sold", "seat_reported"),
    [("default=False", False), ("null=True", True)],  # True/False leave the NULL rows out
)
def test_partial_constraints_covering_every_row_cover_the_insert(
    tmp_path: Path, sold: str, seat_reported: bool
) -> None:
    files = {"shop/partitioned.py": MODELS.format(sold=sold), "shop/partitioned_calls.py": CALLS}
    seat = ["return Seat.objects.get_or_create(number=number, defaults=data)"]
    assert lines_reported(tmp_path, files, "shop/partitioned_calls.py", "IL104") == [
        "return Badge.objects.get_or_create(code=code, defaults=data)",
        *(seat if seat_reported else []),
        'return Slot.objects.update_or_create(board=data["board"], defaults=data)',
    ]
