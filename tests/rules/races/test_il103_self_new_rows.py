"""IL103 stays silent on a method's get → change → save … except DoesNotExist → create keyed on
`self.pk` when every call of the method is on a row its caller has just inserted (tendenci
bills a registration right after creating it): no other request holds that row. A call on an
existing row, or a method handed on as a value, still reports."""

from __future__ import annotations

from pathlib import Path

import pytest

from integrity_lsp.checker import check_source
from tests.helpers import environment, write_app

MODELS = """\
from django.db import models


class Order(models.Model):
    number = models.CharField(max_length=20)

    def bill(self, total):
        try:
            invoice = Invoice.objects.get(order_id=self.pk)
            invoice.total = total
            invoice.save()
        except Invoice.DoesNotExist:
            Invoice.objects.create(order_id=self.pk, total=total)


class Invoice(models.Model):
    order_id = models.IntegerField(unique=True)
    total = models.IntegerField(default=0)
"""
CHECKOUT = """\
from club.models import Order


def checkout(request):
    order = Order.objects.create(number=request.POST["number"])
    order.bill(10)
"""
REBILL = """\
from club.models import Order


def rebill(request, pk):
    order = Order.objects.get(pk=pk)
    order.bill(20)
"""
HANDED = """\
from club.models import Order

BILLING = [Order.bill]
"""


@pytest.mark.parametrize(
    ("extra", "reported"),
    [
        ({}, False),  # the only caller bills the order it has just created
        ({"rebill.py": REBILL}, True),  # an existing order: two rebills may race
        ({"tasks.py": HANDED}, True),  # handed on as a value: callers unknown
    ],
)
def test_a_method_called_only_on_rows_just_inserted(
    tmp_path: Path, extra: dict[str, str], reported: bool
) -> None:
    write_app(tmp_path, "club", {"models.py": MODELS, "views.py": CHECKOUT, **extra})
    path = tmp_path / "club" / "models.py"
    findings = check_source(path.read_text(encoding="utf-8"), path, environment(tmp_path))
    assert [f.span.start_line for f in findings if f.code == "IL103"] == ([13] if reported else [])
