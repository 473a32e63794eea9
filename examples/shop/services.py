"""Catalogue and stock services (plain functions: not request handlers, so no IL201 here)."""

from decimal import Decimal

from django.utils.text import slugify

from shop.models import Category, DigitalProduct, Product, StockLevel, Warehouse


# IL101: two imports of the same SKU both see "no such product", both INSERT -> UNIQUE constraint
# failed: shop_product.sku.
def import_product(sku: str, name: str, category: Category, price: Decimal, weight: int):
    if not Product.objects.filter(sku=sku).exists():
        Product.objects.create(  # expect: IL101
            sku=sku, name=name, category=category, price=price, weight_grams=weight
        )


# Safe twin: one atomic get-or-insert on the unique sku.
def import_product_safe(sku: str, name: str, category: Category, price: Decimal, weight: int):
    Product.objects.get_or_create(
        sku=sku,
        defaults={"name": name, "category": category, "price": price, "weight_grams": weight},
    )


# IL101 (first() is None + Model(...).save()): UNIQUE constraint failed: shop_warehouse.code.
def ensure_warehouse(code: str, name: str) -> Warehouse:
    if Warehouse.objects.filter(code=code).first() is None:
        Warehouse(code=code, name=name).save()  # expect: IL101
    return Warehouse.objects.get(code=code)


# Safe twin.
def ensure_warehouse_safe(code: str, name: str) -> Warehouse:
    warehouse, _created = Warehouse.objects.get_or_create(code=code, defaults={"name": name})
    return warehouse


# IL103: a concurrent caller inserts between exists() and create() -> UNIQUE constraint failed:
# shop_stocklevel.product_id, shop_stocklevel.warehouse_id.
def set_stock(product: Product, warehouse: Warehouse, quantity: int) -> None:
    levels = StockLevel.objects.filter(product=product, warehouse=warehouse)
    if levels.exists():
        levels.update(quantity=quantity)
    else:
        StockLevel.objects.create(  # expect: IL103
            product=product, warehouse=warehouse, quantity=quantity
        )


# Safe twin: (product, warehouse) is covered by UniqueConstraint "unique_stock_per_warehouse".
def set_stock_safe(product: Product, warehouse: Warehouse, quantity: int) -> None:
    StockLevel.objects.update_or_create(
        product=product, warehouse=warehouse, defaults={"quantity": quantity}
    )


# IL104: Category.name is not unique: two concurrent calls (with different slugs) insert two
# "Books" rows, and every later get_or_create(name="Books") raises MultipleObjectsReturned.
def category_named(name: str, slug: str) -> Category:
    category, _created = Category.objects.get_or_create(  # expect: IL104
        name=name, defaults={"slug": slug, "position": 0}
    )
    return category


# No IL104: the slug is computed from the name, so both racers insert the same unique slug and
# the loser's get_or_create returns the winner's row.
def category_for(name: str) -> Category:
    category, _created = Category.objects.get_or_create(
        name=name, defaults={"slug": slugify(name), "position": 0}
    )
    return category


# Safe twin: look up by the unique slug.
def category_named_safe(name: str) -> Category:
    category, _created = Category.objects.get_or_create(
        slug=slugify(name), defaults={"name": name, "position": 0}
    )
    return category


# No IL104: sku is unique on the multi-table parent Product, which covers DigitalProduct.
def ebook(sku: str, category: Category, url: str, key: str) -> DigitalProduct:
    product, _created = DigitalProduct.objects.get_or_create(
        sku=sku,
        defaults={
            "name": "E-book",
            "category": category,
            "price": Decimal("9.99"),
            "weight_grams": 0,
            "download_url": url,
            "license_key": key,
        },
    )
    return product


# IL205: CHECK constraint failed: price_gte_0.
def create_gift_card(category: Category) -> Product:
    return Product.objects.create(
        sku="GIFT-CARD",
        name="Gift card",
        category=category,
        price=-1,  # expect: IL205
        weight_grams=0,
    )


# Safe twin: a free gift card satisfies price >= 0.
def create_gift_card_safe(category: Category) -> Product:
    return Product.objects.create(
        sku="GIFT-CARD", name="Gift card", category=category, price=0, weight_grams=0
    )


# IL205 in an UPDATE: -1 as a "withdrawn" marker → CHECK constraint failed: price_gte_0.
def withdraw_product(sku: str) -> int:
    return Product.objects.filter(sku=sku).update(is_active=False, price=-1)  # expect: IL205


# Safe twin: the flag says it; the price stays valid.
def withdraw_product_safe(sku: str) -> int:
    return Product.objects.filter(sku=sku).update(is_active=False)


def add_warehouse(code: str, name: str) -> Warehouse:
    """A plain insert: safe here, but a view calling it with request data must answer the
    duplicate (IL201 reports the view's call)."""
    return Warehouse.objects.create(code=code, name=name)
