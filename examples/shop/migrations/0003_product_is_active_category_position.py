from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("shop", "0002_product_price_gte_0"),
    ]

    operations = [
        # Safe: the database fills existing rows with its own DEFAULT TRUE.
        migrations.AddField(
            model_name="product",
            name="is_active",
            field=models.BooleanField(db_default=True),
        ),
        # Safe: 0 fills existing rows once; the model keeps no default (preserve_default=False).
        migrations.AddField(
            model_name="category",
            name="position",
            field=models.PositiveIntegerField(default=0),
            preserve_default=False,
        ),
    ]
