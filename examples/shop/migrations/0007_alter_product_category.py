import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("shop", "0006_alter_product_barcode"),
    ]

    operations = [
        # IL303: products without a category still exist ->
        # NOT NULL constraint failed: shop_product.category_id while migrating.
        migrations.AlterField(  # expect: IL303
            model_name="product",
            name="category",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="products",
                to="shop.category",
            ),
        ),
    ]
