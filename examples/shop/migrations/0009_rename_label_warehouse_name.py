from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("shop", "0008_warehouse_stocklevel"),
    ]

    operations = [
        migrations.RenameField(
            model_name="warehouse",
            old_name="label",
            new_name="name",
        ),
    ]
