from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("shop", "0003_product_is_active_category_position"),
    ]

    operations = [
        # IL301: NOT NULL, no default: on a table with products ->
        # NOT NULL constraint failed: shop_product.weight_grams (fine on an empty table).
        migrations.AddField(  # expect: IL301
            model_name="product",
            name="weight_grams",
            field=models.PositiveIntegerField(),
        ),
        # Safe: a blank=True text column is filled with "" by the schema editor.
        migrations.AddField(
            model_name="product",
            name="description",
            field=models.TextField(blank=True),
        ),
    ]
