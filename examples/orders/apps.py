from django.apps import AppConfig


class OrdersConfig(AppConfig):
    """The package is `orders`, the app label is `sales` (tables: sales_order, ...)."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "orders"
    label = "sales"
    verbose_name = "Sales"
