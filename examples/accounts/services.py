from django.core.exceptions import ObjectDoesNotExist
from django.db import IntegrityError, transaction

from accounts.models import Profile, User


# IL101 (count() == 0 + manager create_user): UNIQUE constraint failed: accounts_user.email.
def ensure_user(username: str, email: str) -> User:
    if User.objects.filter(email=email).count() == 0:
        return User.objects.create_user(username=username, email=email)  # expect: IL101
    return User.objects.get(email=email)


# Safe twin: try the insert, fall back to the row that won the race.
def ensure_user_safe(username: str, email: str) -> User:
    try:
        with transaction.atomic():
            return User.objects.create_user(username=username, email=email)
    except IntegrityError:
        return User.objects.get(email=email)


# IL103 (get -> modify -> save, except DoesNotExist -> create): the losing request gets
# UNIQUE constraint failed: accounts_profile.user_id.
def set_display_name(user: User, display_name: str) -> None:
    try:
        profile = Profile.objects.get(user=user)
        profile.display_name = display_name
        profile.save()
    except Profile.DoesNotExist:
        Profile.objects.create(user=user, display_name=display_name)  # expect: IL103


# Safe twin: user is a OneToOneField, so update_or_create is race-free.
def set_display_name_safe(user: User, display_name: str) -> None:
    Profile.objects.update_or_create(user=user, defaults={"display_name": display_name})


# IL101 across methods: a helper answers the check by reading the reverse one-to-one accessor
# (None where the profile is missing), another method inserts it: the losing request gets
# UNIQUE constraint failed: accounts_profile.user_id.
class ProfileDesk:
    def display_name_of(self, user: User) -> str | None:
        try:
            return user.profile.display_name
        except ObjectDoesNotExist:
            return None

    def ensure_profile(self, user: User, display_name: str) -> str | Profile:
        name = self.display_name_of(user)
        if name:
            return name
        return self.add_profile(user, display_name)  # expect: IL101

    def add_profile(self, user: User, display_name: str) -> Profile:
        return Profile.objects.create(user=user, display_name=display_name)
