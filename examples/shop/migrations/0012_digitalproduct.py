import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("shop", "0011_stocklevel_unique_stock_per_warehouse"),
    ]

    operations = [
        migrations.CreateModel(
            name="DigitalProduct",
            fields=[
                (
                    "product_ptr",
                    models.OneToOneField(
                        auto_created=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        parent_link=True,
                        primary_key=True,
                        serialize=False,
                        to="shop.product",
                    ),
                ),
                ("download_url", models.URLField()),
                ("license_key", models.CharField(max_length=64, unique=True)),
            ],
            bases=("shop.product",),
        ),
    ]
