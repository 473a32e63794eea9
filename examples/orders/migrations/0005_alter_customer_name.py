from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("sales", "0004_backfill_customer_name"),
    ]

    operations = [
        # Safe: 0004 filled every NULL name first.
        migrations.AlterField(
            model_name="customer",
            name="name",
            field=models.CharField(max_length=100),
        ),
    ]
