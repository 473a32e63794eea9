"""IL202 and a model whose `save()` is decorated `@transaction.atomic` (django-lifecycle's
`LifecycleModelMixin`, under every pulpcore model): the failed insert rolls back that savepoint
only, so the caller's block stays usable and the `except IntegrityError` may query again.
A `save()` whose only write is `super().save(…)` hands on to the next one of the MRO.
`@transaction.atomic(savepoint=False)` takes none: still reported."""

from __future__ import annotations

from pathlib import Path

from integrity_lsp.checker import check_source
from tests.helpers import SITE_SETTINGS, environment, write_files

MODELS = """\
from django.db import models, transaction


class Tracked:
    @transaction.atomic
    def save(self, *args, **kwargs):
        super().save(*args, **kwargs)


class Flat:
    @transaction.atomic(savepoint=False)
    def save(self, *args, **kwargs):
        super().save(*args, **kwargs)


class Closing:
    def save(self, *args, **kwargs):
        try:
            super().save(*args, **kwargs)
        finally:
            self.close()


class Crate(Tracked, models.Model):
    code = models.CharField(max_length=20, unique=True)


class Pallet(Flat, models.Model):
    code = models.CharField(max_length=20, unique=True)


class Parcel(Closing, Tracked, models.Model):
    code = models.CharField(max_length=20, unique=True)
"""

SERVICES = """\
from django.db import IntegrityError, transaction

from depot.models import Crate, Pallet, Parcel


def store_crate(code):
    with transaction.atomic():
        try:
            crate = Crate(code=code)
            crate.save()
        except IntegrityError:
            crate = Crate.objects.get(code=code)
    return crate


def store_pallet(code):
    with transaction.atomic():
        try:
            pallet = Pallet(code=code)
            pallet.save()
        except IntegrityError:
            pallet = Pallet.objects.get(code=code)
    return pallet


def store_parcel(code):
    with transaction.atomic():
        try:
            parcel = Parcel(code=code)
            parcel.save()
        except IntegrityError:
            parcel = Parcel.objects.get(code=code)
    return parcel
"""


def _il202_lines(tmp_path: Path, services: str, models: str | None = None) -> list[int]:
    """The lines IL202 reports in app `depot`'s services.py (and models.py, when given)."""
    files = {
        "site_settings.py": SITE_SETTINGS.replace('"library", "people"', '"depot"'),
        "depot/__init__.py": "",
        "depot/services.py": services,
    }
    if models is not None:
        files["depot/models.py"] = models
    write_files(tmp_path, files)
    path = tmp_path / "depot/services.py"
    found = check_source(services, path, environment(tmp_path))
    return [f.span.start_line for f in found if f.code == "IL202"]


def test_a_save_decorated_atomic_is_its_own_savepoint(tmp_path: Path) -> None:
    found = _il202_lines(tmp_path, SERVICES, MODELS)
    assert found == [21]  # the Pallet's: savepoint=False


FACTORY_MODELS = """\
from django.db import models, transaction


class Tracked:
    @transaction.atomic
    def save(self, *args, **kwargs):
        super().save(*args, **kwargs)

    @classmethod
    def blank(cls, code):
        return cls(code=code)


class Crate(Tracked, models.Model):
    code = models.CharField(max_length=20, unique=True)

    @staticmethod
    def from_label(label):
        if not label:
            raise ValueError(label)
        return Crate(code=label.upper())

    @staticmethod
    def from_label_or_none(label):
        if not label:
            return None
        return Crate(code=label.upper())

    def twin(self):
        return Crate(code=self.code)


class Pallet(models.Model):
    code = models.CharField(max_length=20, unique=True)

    @classmethod
    def blank(cls, code):
        return cls(code=code)
"""

FACTORY_SERVICES = """\
from django.db import IntegrityError, transaction

from depot import models


def store_labelled(label):
    with transaction.atomic():
        try:
            crate = models.Crate.from_label(label)
            crate.save()
        except IntegrityError:
            crate = models.Crate.objects.get(code=label.upper())
    return crate


def store_blank(code):
    with transaction.atomic():
        try:
            crate = models.Crate.blank(code)
            crate.save()
        except IntegrityError:
            crate = models.Crate.objects.get(code=code)
    return crate


def store_maybe(label):
    with transaction.atomic():
        try:
            crate = models.Crate.from_label_or_none(label)
            crate.save()
        except IntegrityError:
            crate = models.Crate.objects.get(code=label.upper())
    return crate


def store_pallet(code):
    with transaction.atomic():
        try:
            pallet = models.Pallet.blank(code)
            pallet.save()
        except IntegrityError:
            pallet = models.Pallet.objects.get(code=code)
    return pallet
"""


def test_an_instance_a_factory_method_builds_saves_like_the_model(tmp_path: Path) -> None:
    """`Crate.from_label(…)` returning `Crate(…)`, `Crate.blank(…)` returning `cls(…)`: a
    Crate, whose `save()` takes its own savepoint (pulpcore's `Artifact.init_and_validate()`).
    A factory that may return something else, or a model without such a `save()`: reported."""
    found = _il202_lines(tmp_path, FACTORY_SERVICES, FACTORY_MODELS)
    assert found == [31, 41]


UNREAD_SERVICES = """\
from django import forms
from django.db import IntegrityError, transaction

from not_installed_pkg.models import Artifact, Content


class Blob(Content):
    pass


class CrateForm(forms.ModelForm):
    pass


def store_artifact(upload):
    with transaction.atomic():
        try:
            artifact = Artifact.init_and_validate(upload)
            artifact.save()
        except IntegrityError:
            artifact = Artifact.objects.get(sha256=upload.sha256)
        artifact.touch()


def store_blob(digest):
    with transaction.atomic():
        try:
            blob = Blob(digest=digest)
            blob.save()
        except IntegrityError:
            blob = Blob.objects.get(digest=digest)
        blob.touch()


def store_form(data):
    with transaction.atomic():
        try:
            form = CrateForm(data)
            form.save()
        except IntegrityError:
            pass
        form.touch()
"""


def test_a_save_of_a_class_from_a_package_not_installed_is_unknown(tmp_path: Path) -> None:
    """pulp-container checked without pulpcore installed (a pre-commit hook's own env): whether
    `Artifact.save()` / a subclass of pulpcore's `Content` takes its own savepoint cannot be
    read (pulpcore's does), so nothing is said. A form of Django's (installed) still reports."""
    found = _il202_lines(tmp_path, UNREAD_SERVICES)
    assert found == [40]  # the form's
