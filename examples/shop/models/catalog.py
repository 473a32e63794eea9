from django.db import models
from django.db.models import Q

from .base import TimeStamped


class Category(TimeStamped):
    name = models.CharField(max_length=100)  # NOT unique: get_or_create(name=...) races
    slug = models.SlugField(unique=True)
    position = models.PositiveIntegerField()  # NOT NULL, no default (migration 0003 used one once)

    class Meta:
        verbose_name_plural = "categories"

    def __str__(self) -> str:
        return self.name


class Product(TimeStamped):
    sku = models.CharField(max_length=32, unique=True)
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="products")
    price = models.DecimalField(max_digits=10, decimal_places=2)
    weight_grams = models.PositiveIntegerField()  # NOT NULL, no default: every insert must set it
    barcode = models.CharField(max_length=13, unique=True, null=True, blank=True)
    is_active = models.BooleanField(db_default=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(price__gte=0), name="price_gte_0"),
        ]

    def __str__(self) -> str:
        return f"{self.sku} {self.name}"

    def stock_in(self, warehouse: models.Model, quantity: int) -> None:
        """A stock level of this product in `warehouse`. Its caller in shop/restock.py looks
        for one first: the race is reported here, where one fix guards every caller."""
        self.stock_levels.create(warehouse=warehouse, quantity=quantity)  # expect: IL101


class DigitalProduct(Product):
    """Multi-table inheritance: a shop_digitalproduct row points at its shop_product row."""

    download_url = models.URLField()
    license_key = models.CharField(max_length=64, unique=True)
