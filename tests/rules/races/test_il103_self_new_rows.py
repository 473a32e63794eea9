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


OTHER_MODELS = (
    MODELS
    + """

class Subscription(models.Model):
    plan = models.CharField(max_length=20)

    def bill(self, *, status="open"):
        return status

    def renew(self):
        self.bill(status="renewed")
"""
)
OTHER_CALLS = """\
from club.models import Subscription


def resubscribe(request, pk):
    subscription = Subscription.objects.get(pk=pk)
    subscription.bill(status="due")


def remind(request, account):
    account.bill()
"""


@pytest.mark.parametrize(
    ("calls", "reported"),
    [
        (OTHER_CALLS, False),  # another model's `bill`, and calls Order.bill(total) cannot bind
        (OTHER_CALLS + "\n\ndef again(request, pk):\n    Order.objects.get(pk=pk).bill(5)\n", True),
        (OTHER_CALLS + "\n\ndef later(request, order):\n    order.bill(total=5)\n", True),
    ],
)
def test_calls_of_another_class_method_of_the_same_name(
    tmp_path: Path, calls: str, reported: bool
) -> None:
    """Several classes define `bill`: a call that surely runs another one (its receiver resolves
    to an unrelated model, or its arguments cannot bind to `Order.bill(self, total)`) is not
    a caller to prove; one that may run it still is."""
    calls = "from club.models import Order\n" + calls
    files = {"models.py": OTHER_MODELS, "views.py": CHECKOUT, "subscriptions.py": calls}
    write_app(tmp_path, "club", files)
    path = tmp_path / "club" / "models.py"
    findings = check_source(path.read_text(encoding="utf-8"), path, environment(tmp_path))
    assert [f.span.start_line for f in findings if f.code == "IL103"] == ([13] if reported else [])
