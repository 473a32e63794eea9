"""IL101: an existence check then a create; before/after tests of its fixes on a copy of
examples/ (its models resolve)."""

from __future__ import annotations

from pathlib import Path

from integrity_lsp.findings import Applicability
from tests.helpers import (
    check_fixed,
)

HEADER = "from shop.models import Product, StockLevel, Warehouse, Category\n\n\n"


def test_il101_exists_then_create_becomes_get_or_create(tmp_path: Path) -> None:
    findings = check_fixed(
        HEADER
        + """\
def add(sku, name):
    # make sure it exists
    if not Product.objects.filter(sku=sku).exists():
        Product.objects.create(sku=sku, name=name)  # the write
""",
        HEADER
        + """\
def add(sku, name):
    # make sure it exists
    Product.objects.get_or_create(sku=sku, defaults={"name": name})  # the write
""",
        filename="shop/fixture_case.py",
        project="examples",
        tmp_path=tmp_path,
        code="IL101",
    )
    assert findings[0].fixes[0].applicability is Applicability.SAFE
    assert "UNIQUE constraint failed: shop_product.sku" in findings[0].message


def test_il101_assigned_create_keeps_the_name(tmp_path: Path) -> None:
    check_fixed(
        HEADER
        + """\
def add(code, name):
    if Warehouse.objects.filter(code=code).first() is None:
        warehouse = Warehouse.objects.create(code=code, name=name)
""",
        HEADER
        + """\
def add(code, name):
    warehouse, _created = Warehouse.objects.get_or_create(code=code, defaults={"name": name})
""",
        filename="shop/fixture_case.py",
        project="examples",
        tmp_path=tmp_path,
        code="IL101",
    )


def test_il101_early_return_becomes_try_atomic_with_the_same_exit(tmp_path: Path) -> None:
    check_fixed(
        HEADER
        + """\
def add(sku, name):
    if Product.objects.filter(sku=sku).exists():
        return None
    product = Product.objects.create(sku=sku, name=name)
    return product
""",
        "from shop.models import Product, StockLevel, Warehouse, Category\n"
        "from django.db import IntegrityError, transaction\n\n\n"
        """\
def add(sku, name):
    if Product.objects.filter(sku=sku).exists():
        return None
    try:
        with transaction.atomic():
            product = Product.objects.create(sku=sku, name=name)
    except IntegrityError:
        return None
    return product
""",
        filename="shop/fixture_case.py",
        project="examples",
        tmp_path=tmp_path,
        code="IL101",
    )


def test_il101_uncovered_lookup_offers_only_an_unsafe_fix(tmp_path: Path) -> None:
    findings = check_fixed(
        HEADER
        + """\
def add(name, slug):
    if not Category.objects.filter(name=name).exists():
        Category.objects.create(name=name, slug=slug, position=1)
""",
        "from shop.models import Product, StockLevel, Warehouse, Category\n"
        "from django.db import IntegrityError, transaction\n\n\n"
        """\
def add(name, slug):
    if not Category.objects.filter(name=name).exists():
        try:
            with transaction.atomic():
                Category.objects.create(name=name, slug=slug, position=1)
        except IntegrityError:
            pass
""",
        filename="shop/fixture_case.py",
        project="examples",
        tmp_path=tmp_path,
        code="IL101",
        unsafe=True,
    )
    assert [fix.applicability for fix in findings[0].fixes] == [Applicability.UNSAFE]
    assert "MultipleObjectsReturned" in findings[0].message


def test_il101_manager_create_keeps_its_trailing_comment_and_returns_the_winner(
    tmp_path: Path,
) -> None:
    check_fixed(
        """\
        from accounts.models import User


        def ensure(username, email):
            if User.objects.filter(email=email).count() == 0:
                return User.objects.create_user(username=username, email=email)  # keep me
            return User.objects.get(email=email)
        """,
        """\
        from accounts.models import User
        from django.db import IntegrityError, transaction


        def ensure(username, email):
            if User.objects.filter(email=email).count() == 0:
                try:
                    with transaction.atomic():
                        return User.objects.create_user(username=username, email=email)  # keep me
                except IntegrityError:
                    return User.objects.get(email=email)
            return User.objects.get(email=email)
        """,
        filename="accounts/fixture_case.py",
        project="examples",
        tmp_path=tmp_path,
        code="IL101",
    )
