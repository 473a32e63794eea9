import secrets

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.contrib.auth.models import UserManager as DjangoUserManager
from django.db import models


def new_referral_code() -> str:
    return secrets.token_hex(6)


class UserManager(DjangoUserManager):
    """Emails are stored lower-cased, so `email=` lookups match what create_user wrote."""

    def create_user(self, username, email=None, password=None, **extra_fields):
        email = self.normalize_email(email).lower()
        return super().create_user(username, email, password, **extra_fields)


class User(AbstractUser):
    # AbstractUser.username is unique already; email becomes unique too (migration 0005).
    email = models.EmailField(unique=True)

    objects = UserManager()


class Profile(models.Model):
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    display_name = models.CharField(max_length=100)
    phone = models.CharField(max_length=20, blank=True)
    # A callable default is evaluated ONCE for all existing rows by AddField (see 0003).
    referral_code = models.CharField(max_length=12, unique=True, default=new_referral_code)

    def __str__(self) -> str:
        return self.display_name
