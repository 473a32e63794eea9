from django.db import migrations


class Migration(migrations.Migration):

    # Written before the squash, so it still names the last replaced migration; Django maps it
    # to 0001_squashed_0002_orderline.
    dependencies = [
        ("sales", "0002_orderline"),
    ]

    operations = [
        # IL302: orders that already have the same product on two lines ->
        # UNIQUE constraint failed: sales_orderline.order_id, sales_orderline.product_id.
        migrations.AlterUniqueTogether(  # expect: IL302
            name="orderline",
            unique_together={("order", "product")},
        ),
    ]
