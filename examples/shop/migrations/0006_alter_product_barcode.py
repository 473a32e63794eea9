from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("shop", "0005_product_barcode"),
    ]

    operations = [
        # IL302: no dedupe step before it: two products already sharing a barcode ->
        # UNIQUE constraint failed: shop_product.barcode while migrating.
        migrations.AlterField(  # expect: IL302
            model_name="product",
            name="barcode",
            field=models.CharField(blank=True, max_length=13, null=True, unique=True),
        ),
    ]
