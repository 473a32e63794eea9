from django.db import migrations, models

import accounts.models


class Migration(migrations.Migration):

    dependencies = [
        ("accounts", "0002_profile"),
    ]

    operations = [
        # IL302: the callable default is evaluated ONCE, so every existing profile gets the same
        # code -> UNIQUE constraint failed: accounts_profile.referral_code with two or more rows.
        migrations.AddField(  # expect: IL302
            model_name="profile",
            name="referral_code",
            field=models.CharField(default=accounts.models.new_referral_code, max_length=12, unique=True),
        ),
    ]
