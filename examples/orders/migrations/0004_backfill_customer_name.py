from django.db import migrations


def name_from_email(apps, schema_editor):
    Customer = apps.get_model("sales", "Customer")
    for customer in Customer.objects.filter(name__isnull=True):
        customer.name = customer.email.partition("@")[0]
        customer.save(update_fields=["name"])


class Migration(migrations.Migration):

    dependencies = [
        ("sales", "0003_alter_orderline_unique_together"),
    ]

    operations = [
        migrations.RunPython(name_from_email, migrations.RunPython.noop),
    ]
