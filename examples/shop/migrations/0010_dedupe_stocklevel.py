from django.db import migrations
from django.db.models import Count, Min


def merge_duplicate_stock_levels(apps, schema_editor):
    """Keep one row per (product, warehouse), summing the quantities of its duplicates."""
    StockLevel = apps.get_model("shop", "StockLevel")
    duplicates = (
        StockLevel.objects.values("product_id", "warehouse_id")
        .annotate(rows=Count("id"), keep=Min("id"))
        .filter(rows__gt=1)
    )
    for group in duplicates:
        rows = StockLevel.objects.filter(
            product_id=group["product_id"], warehouse_id=group["warehouse_id"]
        )
        total = sum(row.quantity for row in rows)
        rows.exclude(id=group["keep"]).delete()
        StockLevel.objects.filter(id=group["keep"]).update(quantity=total)


class Migration(migrations.Migration):

    dependencies = [
        ("shop", "0009_rename_label_warehouse_name"),
    ]

    operations = [
        migrations.RunPython(merge_duplicate_stock_levels, migrations.RunPython.noop),
    ]
