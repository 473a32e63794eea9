from django.db import migrations


def suffix_duplicate_emails(apps, schema_editor):
    """Lower-case every email; make the 2nd, 3rd, ... holder of an address unique."""
    User = apps.get_model("accounts", "User")
    seen: set[str] = set()
    for user in User.objects.order_by("date_joined", "id"):
        email = (user.email or f"user{user.pk}@invalid.example").lower()
        if email in seen:
            local, _, domain = email.partition("@")
            email = f"{local}+dup{user.pk}@{domain}"
        seen.add(email)
        if email != user.email:
            User.objects.filter(pk=user.pk).update(email=email)


class Migration(migrations.Migration):

    dependencies = [
        ("accounts", "0003_profile_referral_code"),
    ]

    operations = [
        migrations.RunPython(suffix_duplicate_emails, migrations.RunPython.noop),
    ]
