from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("shop", "0010_dedupe_stocklevel"),
    ]

    operations = [
        # Safe: 0010 merged the duplicates first (in its own migration, as PostgreSQL requires).
        migrations.AddConstraint(
            model_name="stocklevel",
            constraint=models.UniqueConstraint(
                fields=("product", "warehouse"), name="unique_stock_per_warehouse"
            ),
        ),
    ]
