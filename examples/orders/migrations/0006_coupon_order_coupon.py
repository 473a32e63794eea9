import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("sales", "0005_alter_customer_name"),
    ]

    operations = [
        # Coupon.code is NOT unique here and there is no discount check: see IL304 in models.py.
        migrations.CreateModel(
            name="Coupon",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("code", models.CharField(max_length=20)),
                ("discount_percent", models.PositiveSmallIntegerField()),
            ],
        ),
        # Safe: a nullable foreign key.
        migrations.AddField(
            model_name="order",
            name="coupon",
            field=models.ForeignKey(
                blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, to="sales.coupon"
            ),
        ),
    ]
