"""A class is a field because it derives from a Django field class, whatever its name: a
project's `Keeper(models.OneToOneField)` makes a unique relation column (the index resolves the
class through the project's files); a class that does not resolve to a field class stays out."""

from __future__ import annotations

from pathlib import Path

from integrity_lsp.checker import check_source
from integrity_lsp.config import Settings
from integrity_lsp.project.index import ProjectIndex
from tests.helpers import environment, initial_migration, write_app

FIELDS = """
from django.db import models


class Keeper(models.OneToOneField):
    \"\"\"One row per owner, saved lazily: the name does not say "field".\"\"\"


class Handle(models.SlugField):
    def __init__(self, *args, **kwargs):
        kwargs["unique"] = True
        super().__init__(*args, **kwargs)


class Widget:  # not a field class
    def __init__(self, *args, **kwargs):
        pass
"""

MODELS = """
from django.db import models

from club.fields import Handle, Keeper, Widget


class Member(models.Model):
    name = models.CharField(max_length=30)


class Card(models.Model):
    member = Keeper(Member, on_delete=models.CASCADE, related_name="card")
    handle = Handle(max_length=20)
    note = models.CharField(max_length=20)
    gadget = Widget(Member)
"""

VIEWS = """
from club.models import Card, Member


def card_of(member):
    card, _ = Card.objects.get_or_create(member=member)
    return card


def card_by_note(note):
    card, _ = Card.objects.get_or_create(note=note)  # twin: no unique column
    return card


def card_by_handle(handle):
    card, _ = Card.objects.get_or_create(handle=handle)
    return card
"""

MIGRATION = initial_migration(
    ("Member", '("name", models.CharField(max_length=30))'),
    (
        "Card",
        '("member", club.fields.Keeper(on_delete=models.CASCADE, related_name="card",'
        ' to="club.member")), ("handle", club.fields.Handle(max_length=20, unique=True)),'
        ' ("note", models.CharField(max_length=20))',
    ),
).replace("from django.db import", "import club.fields\nfrom django.db import")


def _project(root: Path) -> None:
    write_app(
        root,
        "club",
        {
            "fields.py": FIELDS,
            "models.py": MODELS,
            "views.py": VIEWS,
            "migrations/0001_initial.py": MIGRATION,
        },
    )


def test_a_field_class_is_known_by_what_it_derives_from(tmp_path: Path) -> None:
    _project(tmp_path)
    index = ProjectIndex.build(tmp_path, Settings())
    card = index.get_model("club.Card")
    assert card is not None
    member = index.field(card, "member")
    assert member is not None
    assert (member.known_class, member.related_model, member.is_unique) == (
        "OneToOneField",
        "club.Member",
        True,
    )
    assert member.attname == "member_id"
    handle = index.field(card, "handle")
    assert handle is not None and handle.is_unique
    assert index.field(card, "gadget") is None  # resolves to no field class: not a field
    assert "card" in index.reverse_relations(index.get_model("club.Member"))  # type: ignore[arg-type]


def test_rules_see_the_unique_column_and_the_migration_agrees(tmp_path: Path) -> None:
    _project(tmp_path)
    env = environment(tmp_path)
    views = tmp_path / "club/views.py"
    found = check_source(views.read_text(encoding="utf-8"), views, env)
    assert [(f.span.start_line, f.code) for f in found] == [(11, "IL104")]  # the twin only
    models = tmp_path / "club/models.py"
    drift = check_source(models.read_text(encoding="utf-8"), models, env)
    assert [f.code for f in drift if f.code == "IL304"] == []
