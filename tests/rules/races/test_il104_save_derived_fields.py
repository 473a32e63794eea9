"""IL104 and fields a model's `save()` computes before the insert: a unique field filled from
looked-up fields alone (`self.key_hash = digest(self.key)`) is the same for two concurrent
calls with one lookup, so the second insert fails on the constraint and `get_or_create` reads
the winner's row; look-alikes whose value is fresh, read from an unpinned field, computed
after the insert or on an unknown branch still report."""

from __future__ import annotations

from pathlib import Path

from tests.helpers import lines_reported

MODELS = """import hashlib
import uuid

from django.db import models

NAMESPACE = uuid.UUID("6ba7b810-9dad-11d1-80b4-00c04fd430c8")


def digest(text):
    return hashlib.sha256(text.encode()).hexdigest()


class Snippet(models.Model):
    owner = models.ForeignKey("auth.User", on_delete=models.CASCADE)
    key = models.TextField()
    key_hash = models.CharField(max_length=64)

    class Meta:
        unique_together = [("owner", "key_hash")]

    def save(self, *args, **kwargs):
        if self.key and self.key_hash is None:
            self.key_hash = self.hash_of(self.key)
        return super().save(*args, **kwargs)

    @classmethod
    def hash_of(cls, key):
        return uuid.uuid5(NAMESPACE, key).hex


class Label(models.Model):
    text = models.TextField()
    digest = models.CharField(max_length=64, unique=True)

    def save(self, *args, **kwargs):
        self.digest = digest(self.text)
        super().save(*args, **kwargs)


class LabelChild(Label):
    colour = models.CharField(max_length=20)

    def save(self, *args, **kwargs):
        self.colour = self.colour.lower()
        super().save(*args, **kwargs)


class Ticket(models.Model):
    title = models.TextField()
    code = models.CharField(max_length=32, unique=True)

    def save(self, *args, **kwargs):
        if not self.code:
            self.code = str(uuid.uuid4())
        super().save(*args, **kwargs)


class Badge(models.Model):
    name = models.TextField()
    team = models.TextField()
    slug = models.CharField(max_length=64, unique=True)

    def save(self, *args, **kwargs):
        self.slug = digest(self.name + self.team)
        super().save(*args, **kwargs)


class Late(models.Model):
    text = models.TextField()
    digest = models.CharField(max_length=64, unique=True)

    def save(self, *args, **kwargs):
        super().save(*args, **kwargs)
        self.digest = digest(self.text)


class Branchy(models.Model):
    text = models.TextField()
    digest = models.CharField(max_length=64, unique=True)

    def save(self, *args, **kwargs):
        if self.pk:
            self.digest = digest(self.text)
        super().save(*args, **kwargs)
"""

CALLS = """from shop.derived import Badge, Branchy, Label, LabelChild, Late, Snippet, Ticket


def snippet(user, key):
    return Snippet.objects.get_or_create(owner=user, key=key)


def label(text):
    return Label.objects.get_or_create(text=text)


def label_child(text):
    return LabelChild.objects.get_or_create(text=text, colour="red")


def ticket(title):
    return Ticket.objects.get_or_create(title=title)


def badge(name):
    return Badge.objects.get_or_create(name=name)


def late(text):
    return Late.objects.get_or_create(text=text)


def branchy(text):
    return Branchy.objects.get_or_create(text=text)
"""


def test_fields_save_derives_from_the_lookup_cover_it(tmp_path: Path) -> None:
    files = {"shop/derived.py": MODELS, "shop/derived_calls.py": CALLS}
    lines = lines_reported(tmp_path, files, "shop/derived_calls.py", "IL104")
    reported = {line.split(".objects")[0] for line in lines}
    # Snippet fills key_hash from the looked-up key (a classmethod of uuid5), Label its digest
    # from text (a module function), LabelChild inherits Label's save through super(). Ticket's
    # code is a fresh uuid4, Badge's slug also reads the unpinned team, Late computes after
    # the insert, Branchy only on an update.
    assert reported == {"return Ticket", "return Badge", "return Late", "return Branchy"}
