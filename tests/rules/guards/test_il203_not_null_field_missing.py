"""IL203: a create that leaves a NOT NULL field unset -- its message, and the fields Django, the
field class, a manager, a receiver or a GenericForeignKey fill; what model methods assign on
`self` (CPython's reading equals the parso tree's)."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from integrity_lsp.checker import check_paths, check_source
from integrity_lsp.findings import Applicability
from integrity_lsp.rules.guards.required import _self_assignments, _self_assignments_read_by_cpython
from integrity_lsp.syntax.source import SourceFile
from tests.helpers import (
    environment,
    findings_in,
    write_app,
)
from tests.robustness.support import corpus


def test_il203_names_every_missing_field_and_the_first_column(tmp_path: Path) -> None:
    (finding,) = findings_in(
        """\
        from store.models import DigitalItem


        def add(code, license):
            DigitalItem.objects.create(code=code, license=license)
        """,
        tmp_path,
        "IL203",
    )
    assert "`category`, `price`, `weight`, `ip`" in finding.message
    assert "NOT NULL constraint failed: shop_item.category_id" in finding.message
    (fix,) = finding.fixes
    assert fix.applicability is Applicability.DISPLAY_ONLY
    assert fix.title == "Pass category=…, price=…, weight=…, ip=… (or give a default)"
    messages = {location.message for location in finding.related}
    assert "weight = PositiveSmallIntegerField(…)" in messages


def test_il203_in_a_view_mentions_the_500(tmp_path: Path) -> None:
    (finding,) = findings_in(
        """\
        from store.models import Category


        def add(request):
            Category.objects.create(slug=request.POST["slug"])
        """,
        tmp_path,
        "IL203",
    )
    assert finding.message.endswith(
        "`IntegrityError: NOT NULL constraint failed: shop_category.position` → HTTP 500"
    )


WAGTAIL_LIKE_MODELS = """\
import django_filters
from django.db import models
from wagtail.fields import StreamField


class ScoreField(models.IntegerField):
    pass


class Photo(models.Model):
    file = models.ImageField(upload_to="photos", width_field="width", height_field="height")
    width = models.IntegerField()
    height = models.IntegerField()
    body = StreamField([])
    score = ScoreField()


class PermissionManager(models.Manager):
    def create(self, **kwargs):
        kwargs.setdefault("kind", 1)
        return super().create(**kwargs)


class Permission(models.Model):
    kind = models.IntegerField()
    objects = PermissionManager()


class PhotoFilter(django_filters.ModelChoiceFilter):
    pass
"""


WAGTAIL_LIKE_SERVICES = """\
from gallery.models import Permission, Photo


def upload(image):
    Photo.objects.create(file=image)


def upload_scored(image):
    Photo.objects.create(file=image, score=1)


def placeholder():
    Photo.objects.create(score=1)


def grant():
    Permission.objects.create()
"""


def test_what_django_or_the_class_fills_is_not_missing(tmp_path: Path) -> None:
    """Found in wagtail 6.3: an ImageField's width_field/height_field (filled from the image),
    a manager's own create(), a third-party field class (StreamField: Django sends "" unless
    the class says otherwise), and django_filters' ModelChoiceFilter taken for a model (IL304).
    A project subclass of IntegerField still counts as an IntegerField."""
    write_app(
        tmp_path,
        "gallery",
        {"models.py": WAGTAIL_LIKE_MODELS, "services.py": WAGTAIL_LIKE_SERVICES},
    )
    report = check_paths([tmp_path], environment(tmp_path))
    found = [(f.path.name, f.span.start_line, f.code, f.message) for f in report.findings]
    assert [(name, line, code) for name, line, code, _ in found] == [
        ("services.py", 5, "IL203"),
        ("services.py", 13, "IL203"),
    ]
    assert "leaves `score` unset" in found[0][3]
    assert "leaves `width`, `height` unset" in found[1][3]


def test_a_project_class_deriving_from_a_packages_field_named_like_djangos(
    tmp_path: Path,
) -> None:
    """shuup's `TaggedJSONField(JSONField)` derives from `jsonfield.fields.JSONField`, a
    TextField that sends "" for an omitted value, not from Django's JSONField (NULL): its
    create without the field does not fail. The twin deriving from Django's JSONField does."""
    write_app(
        tmp_path,
        "basket",
        {
            "fields.py": """
                from django.db import models
                from jsonfield.fields import JSONField

                class TaggedJSONField(JSONField):
                    def __init__(self, *args, **kwargs):
                        kwargs.setdefault("dump_kwargs", {})
                        super().__init__(*args, **kwargs)

                class TaggedDjangoJSONField(models.JSONField):
                    def __init__(self, *args, **kwargs):
                        kwargs.setdefault("encoder", None)
                        super().__init__(*args, **kwargs)
            """,
            "models.py": """
                from django.db import models
                from basket.fields import TaggedDjangoJSONField, TaggedJSONField

                class Basket(models.Model):
                    data = TaggedJSONField()

                class Cart(models.Model):
                    data = TaggedDjangoJSONField()
            """,
            "services.py": """
                from basket.models import Basket, Cart

                def new_basket():
                    return Basket.objects.create()

                def new_cart():
                    return Cart.objects.create()
            """,
        },
    )
    report = check_paths([tmp_path], environment(tmp_path))
    found = [(f.path.name, f.span.start_line, f.code) for f in report.findings]
    assert found == [("services.py", 8, "IL203")]


FILLED_ELSEWHERE_MODELS = """\
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models


class Locale(models.Model):
    code = models.CharField(max_length=10)


class Translatable(models.Model):
    locale = models.ForeignKey(Locale, on_delete=models.PROTECT)

    class Meta:
        abstract = True


class Snippet(Translatable):
    title = models.CharField(max_length=10)


class Comment(models.Model):
    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE)
    object_id = models.PositiveIntegerField()
    content_object = GenericForeignKey("content_type", "object_id")


class Tag(models.Model):
    slug_id = models.IntegerField()
    weight = models.IntegerField()
"""


FILLED_ELSEWHERE_SIGNALS = """\
from django.db.models.signals import pre_save
from django.dispatch import receiver

from notes.models import Locale, Translatable


@receiver(pre_save)
def set_locale(sender, instance, **kwargs):
    if isinstance(instance, Translatable) and instance.locale_id is None:
        instance.locale = Locale.objects.first()


def number_tags(sender, instance, **kwargs):
    instance.slug_id = 1


pre_save.connect(number_tags, sender="notes.Tag")
"""


FILLED_ELSEWHERE_SERVICES = """\
from notes.models import Comment, Snippet, Tag


def add(title, target, content_type):
    Snippet.objects.create(title=title)
    Comment.objects.create(content_object=target)
    Comment.objects.create(content_type=content_type)
    Tag.objects.create(weight=1)
    Tag.objects.create()
"""


def _write_notes_project(root: Path) -> None:
    write_app(
        root,
        "notes",
        {
            "models.py": FILLED_ELSEWHERE_MODELS,
            "signals.py": FILLED_ELSEWHERE_SIGNALS,
            "services.py": FILLED_ELSEWHERE_SERVICES,
        },
    )


def test_fields_a_receiver_or_a_generic_foreign_key_fills(tmp_path: Path) -> None:
    """Found in wagtail 6.3: TranslatableMixin's `locale` (set by a pre_save receiver) and
    `content_type`/`object_id` set through `content_object=`. A receiver with a sender fills
    only that model's fields; a GenericForeignKey only when it is given."""
    _write_notes_project(tmp_path)
    report = check_paths([tmp_path], environment(tmp_path))
    found = [(f.span.start_line, f.message) for f in report.findings if f.code == "IL203"]
    assert [line for line, _ in found] == [7, 9]
    assert "leaves `object_id` unset" in found[0][1]
    assert "leaves `weight` unset" in found[1][1]


def test_an_edited_receiver_updates_the_index(tmp_path: Path) -> None:
    """As the server sees it: the receiver's file changes (unsaved), the index says so, and
    the create that relied on it is reported."""
    _write_notes_project(tmp_path)
    env = environment(tmp_path)
    services = tmp_path / "notes/services.py"
    text = services.read_text(encoding="utf-8")
    assert [f.span.start_line for f in check_source(text, services, env)] == [7, 9]
    generation = env.index.generation
    edited = FILLED_ELSEWHERE_SIGNALS.replace("instance.locale = ", "locale = ")
    assert env.index.update_file(tmp_path / "notes/signals.py", edited)
    assert env.index.generation > generation
    assert [f.span.start_line for f in check_source(text, services, env)] == [5, 7, 9]


SNIPPETS = [
    "class A:\n    def save(self):\n        self.slug = 1\n        self.a = self.b = 2\n",
    "class A:\n    def save(self):\n        self.n += 1\n        self.x: int = 3\n",
    "class A:\n    def f(self):\n        self.a.b = 1\n        self.c, self.d = 1, 2\n",
    "if True:\n    class A:\n        def f(self):\n            self.z = 1\n",
    "def make():\n    class Hidden:\n        def f(self):\n            self.h = 1\n",
    "class A:\n    class Meta:\n        pass\n    def f(s):\n        s.q = 1\n",
    "class A:\n    def f(self):\n        self.a = 1\n\n"
    "class A:\n    def g(self):\n        self.b = 2\n",
    "class A:\n    def save(self):\n        setattr(self, self.name_field, 1)\n"
    '        setattr(self, "slug", 2)\n        setattr(other, "x", 3)\n',
    "class A:\n    def update(self, **kw):\n        for k, v in kw.items():\n"
    '            setattr(self, k, v)\n        setattr(self, "done", True)\n',
]


@pytest.mark.parametrize("text", SNIPPETS)
def test_snippets(text: str) -> None:
    expected = _self_assignments(SourceFile(Path("models.py"), text))
    assert _self_assignments_read_by_cpython(text) == expected


def test_every_corpus_file() -> None:
    compared = 0
    for _, path in corpus():
        text = path.read_text(encoding="utf-8", errors="replace")
        read = _self_assignments_read_by_cpython(text)
        if read is None:
            continue  # not Python CPython accepts: the parso reading is used
        assert read == _self_assignments(SourceFile(path, text)), path
        compared += any(read.values())
    assert compared >= 1  # few models assign on self: the snippets cover the shapes


def test_text_cpython_rejects_is_left_to_parso() -> None:
    assert _self_assignments_read_by_cpython("class A(:\n") is None


STAMPS = """
    from django.db import models
    from django.utils import timezone

    class StampField(models.DateTimeField):
        def pre_save(self, model_instance, add):
            value = getattr(model_instance, self.attname)
            if value is None:
                value = timezone.now()
                setattr(model_instance, self.attname, value)
            return value

    class LaterStampField(StampField):
        pass

    class PlainStampField(models.DateTimeField):
        def deconstruct(self):
            return super().deconstruct()
"""


def _write_stamped_project(root: Path) -> None:
    write_app(
        root,
        "notes",
        {
            "fields/__init__.py": """
                from notes.fields.json import JSONField
                from notes.fields.stamps import LaterStampField, PlainStampField, StampField
            """,
            "fields/json.py": """
                import json
                from django.db import models

                class JSONField(models.TextField):
                    def pre_save(self, model_instance, add):
                        return json.dumps(getattr(model_instance, self.attname, None) or {})
            """,
            "fields/stamps.py": STAMPS,
            "models.py": """
                from django.db import models
                from notes.fields import JSONField, LaterStampField, PlainStampField, StampField

                class Note(models.Model):
                    data = JSONField()
                    stamp = StampField()
                    later = LaterStampField()

                class Draft(models.Model):
                    stamp = PlainStampField()

                class Sheet(models.Model):
                    data = models.JSONField()
            """,
            "services.py": """
                from notes.models import Draft, Note, Sheet

                def new_note():
                    return Note.objects.create()

                def new_draft():
                    return Draft.objects.create()

                def new_sheet():
                    return Sheet.objects.create()
            """,
        },
    )


def test_a_field_class_whose_pre_save_gives_the_value_fills_itself(tmp_path: Path) -> None:
    """Found in djblets 6.1: a project `JSONField(TextField)` (named like Django's) whose
    `pre_save` returns the dumped value, and a `DateTimeField` subclass whose `pre_save` sets
    `now()` when the value is None: Django asks `pre_save` for every inserted value, so an
    omitted field is not NULL. Also through a re-export and a subclass; the twins without a
    `pre_save` of their own (a plain subclass, Django's JSONField) still report."""
    _write_stamped_project(tmp_path)
    report = check_paths([tmp_path], environment(tmp_path))
    found = [(f.path.name, f.span.start_line, f.code) for f in report.findings]
    assert found == [("services.py", 8, "IL203"), ("services.py", 11, "IL203")]


def test_a_field_class_losing_its_pre_save_updates_the_index(tmp_path: Path) -> None:
    """As the server sees it: `pre_save` leaves the field class (unsaved edit), the create
    that relied on it is reported."""
    _write_stamped_project(tmp_path)
    env = environment(tmp_path)
    services = tmp_path / "notes/services.py"
    text = services.read_text(encoding="utf-8")
    assert [f.span.start_line for f in check_source(text, services, env)] == [8, 11]
    edited = STAMPS.replace("def pre_save(", "def value_for(")
    assert env.index.update_file(tmp_path / "notes/fields/stamps.py", textwrap.dedent(edited))
    assert [f.span.start_line for f in check_source(text, services, env)] == [5, 8, 11]


ORDERED = """
    from django.db import models

    class Ordered(models.Model):
        position_field = "position"
        position = models.PositiveIntegerField(editable=False)

        class Meta:
            abstract = True

        def save(self, *args, **kwargs):
            if getattr(self, self.position_field) is None:
                setattr(self, self.position_field, self.next_position())
            super().save(*args, **kwargs)

    class Step(Ordered):
        title = models.CharField(max_length=20)

    class Task(models.Model):
        title = models.CharField(max_length=20)
        rank = models.IntegerField()
        done = models.IntegerField()

        def update(self, **values):
            for name, value in values.items():
                setattr(self, name, value)
            setattr(self, "done", 1)
"""


def test_a_save_that_sets_an_attribute_named_at_run_time_may_fill_any_field(
    tmp_path: Path,
) -> None:
    """django-ordered-model (django-plans' Plan): `save()` fills the NOT NULL `order` with
    `setattr(self, self.order_field_name, …)`: which field it sets is not known, so none is
    missing. A computed setattr outside `save()` fills nothing; a literal one fills its field."""
    services = """\
        from jobs.models import Step, Task


        def add(title):
            Step.objects.create(title=title)
            Task.objects.create(title=title)
        """
    write_app(tmp_path, "jobs", {"models.py": ORDERED, "services.py": services})
    report = check_paths([tmp_path], environment(tmp_path))
    found = [(f.span.start_line, f.message) for f in report.findings if f.code == "IL203"]
    assert [line for line, _ in found] == [6]
    assert "leaves `rank` unset" in found[0][1]
