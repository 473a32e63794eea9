from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("accounts", "0004_dedupe_user_emails"),
    ]

    operations = [
        # Safe: 0004 removed the duplicates (and the empty emails) first.
        migrations.AlterField(
            model_name="user",
            name="email",
            field=models.EmailField(max_length=254, unique=True),
        ),
    ]
