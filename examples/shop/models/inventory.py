from django.core.exceptions import ValidationError
from django.db import models

from .catalog import Product


class Warehouse(models.Model):
    code = models.CharField(max_length=10, unique=True)
    name = models.CharField(max_length=100)

    def __str__(self) -> str:
        return self.code


class StockLevel(models.Model):
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="stock_levels")
    warehouse = models.ForeignKey(Warehouse, on_delete=models.CASCADE)
    quantity = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["product", "warehouse"], name="unique_stock_per_warehouse"
            ),
        ]

    def clean(self) -> None:
        """Run by `full_clean()`, hence by `is_valid()` of a ModelForm over StockLevel."""
        if StockLevel.objects.filter(product=self.product, warehouse=self.warehouse).exists():
            raise ValidationError("This product already has a stock level there.")
