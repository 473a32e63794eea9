"""Fixes of the batch races (a value `not in` the rows read, then inserted): `bulk_create`
skips conflicts (unsafe), a `create()` per missing value is wrapped in `try: with atomic()` …
`except IntegrityError` (safe where a unique constraint covers the value tested)."""

from __future__ import annotations

from pathlib import Path

from integrity_lsp.findings import Applicability
from tests.helpers import check_fixed, findings_in

HEADER = (
    "from django.db import IntegrityError, transaction\n\n"
    "from shop.models import Account, Product, Widget\n"
)


def test_bulk_create_of_the_missing_rows_skips_conflicts(tmp_path: Path) -> None:
    findings = check_fixed(
        HEADER
        + """

def add_widgets(serials):
    known = set(Widget.objects.filter(serial__in=serials).values_list("serial", flat=True))
    missing = [Widget(serial=serial) for serial in serials if serial not in known]
    Widget.objects.bulk_create(missing, batch_size=100)
""",
        HEADER
        + """

def add_widgets(serials):
    known = set(Widget.objects.filter(serial__in=serials).values_list("serial", flat=True))
    missing = [Widget(serial=serial) for serial in serials if serial not in known]
    Widget.objects.bulk_create(missing, batch_size=100, ignore_conflicts=True)
""",
        filename="cases/batch.py",
        project="races",
        tmp_path=tmp_path,
        code="IL101",
        unsafe=True,
    )
    (fix,) = findings[0].fixes
    assert fix.applicability is Applicability.UNSAFE
    assert "no primary key" in fix.title


def test_a_one_per_line_bulk_create_keeps_its_trailing_comma(tmp_path: Path) -> None:
    check_fixed(
        HEADER
        + """

def add_widgets(serials):
    known = {widget.serial for widget in Widget.objects.filter(serial__in=serials)}
    missing = [Widget(serial=serial) for serial in serials if serial not in known]
    Widget.objects.bulk_create(
        missing,
    )
""",
        HEADER
        + """

def add_widgets(serials):
    known = {widget.serial for widget in Widget.objects.filter(serial__in=serials)}
    missing = [Widget(serial=serial) for serial in serials if serial not in known]
    Widget.objects.bulk_create(
        missing, ignore_conflicts=True,
    )
""",
        filename="cases/batch.py",
        project="races",
        tmp_path=tmp_path,
        code="IL101",
        unsafe=True,
    )


def test_a_create_per_missing_value_skips_the_row_the_winner_inserted(tmp_path: Path) -> None:
    findings = check_fixed(
        HEADER
        + """

def add_products(skus):
    known = {p.sku for p in Product.objects.filter(sku__in=skus)}
    for sku in skus:
        if sku not in known:
            Product.objects.create(sku=sku, name=sku)
""",
        HEADER
        + """

def add_products(skus):
    known = {p.sku for p in Product.objects.filter(sku__in=skus)}
    for sku in skus:
        if sku not in known:
            try:
                with transaction.atomic():
                    Product.objects.create(sku=sku, name=sku)
            except IntegrityError:
                pass
""",
        filename="cases/batch.py",
        project="races",
        tmp_path=tmp_path,
        code="IL101",
    )
    assert findings[0].fixes[0].applicability is Applicability.SAFE


def test_a_bound_create_re_gets_the_row_with_the_querys_own_keys(tmp_path: Path) -> None:
    check_fixed(
        HEADER
        + """

def invite_all(team, emails):
    known = set(Account.objects.filter(team=team).values_list("email", flat=True))
    added = []
    for email in emails:
        if email not in known:
            account = Account.objects.create(team=team, email=email)
            added.append(account)
    return added
""",
        HEADER
        + """

def invite_all(team, emails):
    known = set(Account.objects.filter(team=team).values_list("email", flat=True))
    added = []
    for email in emails:
        if email not in known:
            try:
                with transaction.atomic():
                    account = Account.objects.create(team=team, email=email)
            except IntegrityError:
                account = Account.objects.get(email=email, team=team)
            added.append(account)
    return added
""",
        filename="cases/batch.py",
        project="races",
        tmp_path=tmp_path,
        code="IL101",
    )


def test_an_update_or_create_by_batch_loses_the_losers_values_unsafe(tmp_path: Path) -> None:
    source = (
        HEADER
        + """

def set_prices(prices):
    current = {p.sku: p for p in Product.objects.filter(sku__in=list(prices))}
    for sku, price in prices.items():
        if sku in current:
            product = current[sku]
            product.price = price
            product.save()
        else:
            Product.objects.create(sku=sku, name=sku, price=price)
"""
    )
    (finding,) = findings_in(source, tmp_path, "IL103", project="races", filename="cases/b.py")
    (fix,) = finding.fixes
    assert fix.applicability is Applicability.UNSAFE


def test_an_async_create_per_missing_value_gets_no_fix(tmp_path: Path) -> None:
    source = (
        HEADER
        + """

async def add_products(skus):
    known = {p.sku async for p in Product.objects.filter(sku__in=skus)}
    for sku in skus:
        if sku not in known:
            await Product.objects.acreate(sku=sku, name=sku)
"""
    )
    for finding in findings_in(source, tmp_path, "IL101", project="races", filename="cases/b.py"):
        assert finding.fixes == ()


def test_no_conflict_skipping_where_code_reads_the_new_rows(tmp_path: Path) -> None:
    source = (
        HEADER
        + """

def add_widgets(serials):
    known = set(Widget.objects.filter(serial__in=serials).values_list("serial", flat=True))
    missing = [Widget(serial=serial) for serial in serials if serial not in known]
    if missing:
        Widget.objects.bulk_create(missing)
    return [widget.pk for widget in missing]


def add_widgets_by_name(serials):
    known = {widget.serial for widget in Widget.objects.filter(serial__in=serials)}
    missing = [Widget(serial=serial) for serial in serials if serial not in known]
    created = Widget.objects.bulk_create(missing)
    return created


def add_widgets_shared(serials):
    known = {widget.serial for widget in Widget.objects.filter(serial__in=serials)}
    missing, every = [], []
    for serial in serials:
        if serial not in known:
            widget = Widget(serial=serial)
            missing.append(widget)
            every.append(widget)
    Widget.objects.bulk_create(missing)
    return every
"""
    )
    findings = findings_in(source, tmp_path, "IL101", project="races", filename="cases/b.py")
    assert len(findings) == 3
    assert all(finding.fixes == () for finding in findings)
