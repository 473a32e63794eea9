"""IL104 and singleton models: a `save()` in the model's MRO that gives every row the same
primary key (django-solo's `SingletonModel`, a hand-written `self.pk = 1`) leaves at most one
row, so `get_or_create()` on it cannot store a duplicate; look-alikes whose key is computed,
conditional or skipped by an override still report."""

from __future__ import annotations

from pathlib import Path

from tests.helpers import lines_reported

SINGLETONS = """from django.db import models

DEFAULT_ID = 1


class SingletonBase(models.Model):
    singleton_instance_id = DEFAULT_ID

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        self.pk = self.singleton_instance_id
        super().save(*args, **kwargs)


class SiteSettings(SingletonBase):
    title = models.CharField(max_length=50)


class Branding(SingletonBase):
    colour = models.CharField(max_length=20)

    def save(self, *args, **kwargs):
        self.colour = self.colour.lower()
        super().save(*args, **kwargs)


class Maintenance(models.Model):
    active = models.BooleanField(default=False)

    def save(self, *args, **kwargs):
        self.pk = 1
        return super().save(*args, **kwargs)


class Overridden(SingletonBase):
    note = models.CharField(max_length=20)

    def save(self, *args, **kwargs):
        models.Model.save(self, *args, **kwargs)


class Numbered(models.Model):
    label = models.CharField(max_length=20)

    def save(self, *args, **kwargs):
        self.pk = self.next_number()
        super().save(*args, **kwargs)


class Conditional(models.Model):
    label = models.CharField(max_length=20)

    def save(self, *args, **kwargs):
        if not self.label:
            self.pk = 1
        super().save(*args, **kwargs)
"""

CALLS = """from shop.singletons import (
    Branding, Conditional, Maintenance, Numbered, Overridden, SiteSettings,
)


def site_settings():
    return SiteSettings.objects.get_or_create()


def branding(colour):
    return Branding.objects.get_or_create(colour=colour)


def maintenance():
    return Maintenance.objects.get_or_create(active=False)


def overridden(note):
    return Overridden.objects.get_or_create(note=note)


def numbered(label):
    return Numbered.objects.get_or_create(label=label)


def conditional(label):
    return Conditional.objects.get_or_create(label=label)
"""


def test_singletons_are_quiet_and_their_look_alikes_report(tmp_path: Path) -> None:
    files = {"shop/singletons.py": SINGLETONS, "shop/singleton_calls.py": CALLS}
    lines = lines_reported(tmp_path, files, "shop/singleton_calls.py", "IL104")
    reported = {line.split(".objects")[0] for line in lines}
    # SiteSettings and Branding (a save() that calls super()) inherit the fixed key, Maintenance
    # fixes it itself; Overridden skips the base's save(), Numbered computes its key, and
    # Conditional fixes it only on one branch.
    assert reported == {"return Overridden", "return Numbered", "return Conditional"}
