from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("shop", "0004_product_weight_grams_description"),
    ]

    operations = [
        # Safe: nullable, existing rows get NULL.
        migrations.AddField(
            model_name="product",
            name="barcode",
            field=models.CharField(blank=True, max_length=13, null=True),
        ),
    ]
