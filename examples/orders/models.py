import secrets

from django.conf import settings
from django.db import models

from shop.models import Product
from shop.models.base import TimeStamped


def new_order_number() -> str:
    return "ORD-" + secrets.token_hex(4).upper()


class Customer(TimeStamped):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    email = models.EmailField(unique=True)
    name = models.CharField(max_length=100)  # was null=True until 0005 (backfilled in 0004)

    def __str__(self) -> str:
        return self.email


class Coupon(models.Model):
    # Drift: models.py says unique, but 0006 created the column without it (no migration since).
    code = models.CharField(max_length=20, unique=True)  # expect: IL304
    discount_percent = models.PositiveSmallIntegerField()

    class Meta:
        # Drift: this constraint was never migrated, so the database accepts 150 %.
        constraints = [
            models.CheckConstraint(  # expect: IL304
                condition=models.Q(discount_percent__lte=100), name="discount_lte_100"
            ),
        ]


class Order(TimeStamped):
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="orders")
    number = models.CharField(max_length=20, unique=True, default=new_order_number)
    status = models.CharField(max_length=20, default="new")
    coupon = models.ForeignKey(Coupon, null=True, blank=True, on_delete=models.SET_NULL)

    def __str__(self) -> str:
        return self.number


class OrderLine(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    product = models.ForeignKey(Product, on_delete=models.PROTECT)
    quantity = models.PositiveIntegerField()  # NOT NULL, no default, CHECK (quantity >= 0)
    unit_price = models.DecimalField(max_digits=10, decimal_places=2)

    class Meta:
        unique_together = [("order", "product")]
