"""IL202 and `delete()`: Django's collector applies `on_delete` in Python before it deletes, and
PROTECT raises `ProtectedError` (an IntegrityError) after only SELECTs, so `except
IntegrityError` around a delete catches it with the transaction still usable (arches' tile view:
`Resource.objects.get(…).delete(user)`, whose override deletes related rows, then
`super().delete()`). Reported: a model an enforced DO_NOTHING foreign key points at (the database
refuses the delete), an instance whose `delete()` override writes something else, a model that
cannot be resolved, and any delete under a handler naming `DatabaseError`."""

from __future__ import annotations

from pathlib import Path

from integrity_lsp.checker import check_source
from tests.helpers import SITE_SETTINGS, environment, write_files

MODELS = """\
from django.db import models


class Shelf(models.Model):
    code = models.CharField(max_length=20, unique=True)


class Book(models.Model):
    shelf = models.ForeignKey(Shelf, on_delete=models.PROTECT)


class Loan(models.Model):
    code = models.CharField(max_length=20, unique=True)


class LoanNote(models.Model):
    loan = models.ForeignKey(Loan, on_delete=models.DO_NOTHING)


class Desk(models.Model):
    code = models.CharField(max_length=20, unique=True)


class DeskView(models.Model):
    desk = models.ForeignKey(Desk, on_delete=models.DO_NOTHING)

    class Meta:
        managed = False


class Cart(models.Model):
    code = models.CharField(max_length=20, unique=True)

    def delete(self, *args, **kwargs):
        self.items.all().delete()
        return super().delete(*args, **kwargs)


class Tape(models.Model):
    code = models.CharField(max_length=20, unique=True)

    def delete(self, *args, **kwargs):
        Shelf.objects.create(code=self.code)
        return super().delete(*args, **kwargs)


class CartItem(models.Model):
    cart = models.ForeignKey(Cart, on_delete=models.CASCADE, related_name="items")
"""

SERVICES = """\
from django.db import DatabaseError, IntegrityError, transaction

from depot.models import Cart, Desk, Loan, Shelf, Tape


def drop_shelf(pk):
    with transaction.atomic():
        try:
            Shelf.objects.filter(pk=pk).delete()
        except IntegrityError:
            return Shelf.objects.filter(pk=pk).count()
    return 0


def drop_cart(pk):
    with transaction.atomic():
        try:
            Cart.objects.get(pk=pk).delete()
        except Exception:
            return Cart.objects.filter(pk=pk).count()
    return 0


def drop_desk(pk):
    with transaction.atomic():
        try:
            desk = Desk.objects.get(pk=pk)
            desk.delete()
        except IntegrityError:
            return Desk.objects.filter(pk=pk).count()
    return 0


def drop_loan(pk):
    with transaction.atomic():
        try:
            Loan.objects.filter(pk=pk).delete()
        except IntegrityError:
            return Loan.objects.filter(pk=pk).count()
    return 0


def drop_tape(pk):
    with transaction.atomic():
        try:
            Tape.objects.get(pk=pk).delete()
        except IntegrityError:
            return Tape.objects.filter(pk=pk).count()
    return 0


def drop_shelf_or_time_out(pk):
    with transaction.atomic():
        try:
            Shelf.objects.filter(pk=pk).delete()
        except DatabaseError:
            return Shelf.objects.filter(pk=pk).count()
    return 0


def drop_anything(thing):
    with transaction.atomic():
        try:
            thing.delete()
        except IntegrityError:
            return Shelf.objects.count()
    return 0
"""


def test_a_delete_django_prepares_cannot_break_the_block(tmp_path: Path) -> None:
    write_files(
        tmp_path,
        {
            "site_settings.py": SITE_SETTINGS.replace('"library", "people"', '"depot"'),
            "depot/__init__.py": "",
            "depot/models.py": MODELS,
            "depot/services.py": SERVICES,
        },
    )
    path = tmp_path / "depot/services.py"
    found = [
        f.span.start_line
        for f in check_source(SERVICES, path, environment(tmp_path))
        if f.code == "IL202"
    ]
    lines = SERVICES.splitlines()
    functions = [
        next(line for line in reversed(lines[:number]) if line.startswith("def "))
        for number in found
    ]
    assert functions == [
        "def drop_loan(pk):",  # LoanNote.loan: DO_NOTHING, enforced by the database
        "def drop_tape(pk):",  # Tape.delete() inserts a Shelf
        "def drop_shelf_or_time_out(pk):",  # a lock timeout breaks the block too
        "def drop_anything(thing):",  # unknown model
    ]
