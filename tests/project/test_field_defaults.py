"""`FieldRecord.filled_when_omitted` (the one answer for IL203 and `explain`) == what real
Django sends for a field a write leaves out (`Field.get_default()`), checked in a separate
process that configures Django with SQLite (test code of ours, never a user's project)."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from dataclasses import replace
from pathlib import Path

import pytest

from integrity_lsp.findings import Span
from integrity_lsp.project.records import FieldRecord, SourceRef

pytest.importorskip("django")

# (Django field class, its nearest Django ancestor for a project subclass, keyword arguments)
CASES: list[tuple[str, str | None, dict[str, str]]] = [
    ("CharField", None, {"max_length": "3"}),
    ("CharField", None, {"max_length": "3", "null": "True"}),
    ("CharField", None, {"max_length": "3", "default": "None"}),
    ("CharField", None, {"max_length": "3", "default": "'x'"}),
    ("TextField", None, {}),
    ("SlugField", None, {}),
    ("IntegerField", None, {}),
    ("IntegerField", None, {"default": "0"}),
    ("BooleanField", None, {}),
    ("DateTimeField", None, {}),
    ("UUIDField", None, {}),
    ("JSONField", None, {}),
    ("DecimalField", None, {"max_digits": "5", "decimal_places": "2"}),
    ("LowerCaseCharField", "CharField", {"max_length": "3"}),
    ("CountField", "PositiveIntegerField", {}),
]


def _django_sends_null() -> list[bool]:
    script = textwrap.dedent(
        """
        import json, sys
        import django
        from django.conf import settings
        settings.configure(DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3",
                                                  "NAME": ":memory:"}})
        django.setup()
        from django.db import models
        answers = []
        for field_class, ancestor, options in json.loads(sys.argv[1]):
            base = getattr(models, ancestor or field_class)
            cls = type(field_class, (base,), {"__module__": "p"}) if ancestor else base
            field = cls(**{k: eval(v) for k, v in options.items()})
            answers.append(field.get_default() is None)
        print(json.dumps(answers))
        """
    )
    out = subprocess.run(
        [sys.executable, "-c", script, json.dumps(CASES)],
        capture_output=True,
        text=True,
        check=True,
    )
    return list(json.loads(out.stdout))


def _record(field_class: str, ancestor: str | None, options: dict[str, str]) -> FieldRecord:
    return FieldRecord(
        name="f",
        field_class=field_class,
        ref=SourceRef(Path("models.py"), Span(1, 0, 1, 1)),
        null=options.get("null") == "True",
        default=options.get("default"),
        options=tuple(options.items()),
        django_class=ancestor,
    )


def test_filled_when_omitted_agrees_with_django_get_default() -> None:
    expected = _django_sends_null()
    ours = [_record(*case).filled_when_omitted() is None for case in CASES]
    disagreements = [case for case, a, b in zip(CASES, ours, expected, strict=True) if a != b]
    assert disagreements == []


def test_unknown_third_party_field_class_is_taken_as_filling_itself() -> None:
    assert _record("MoneyField", None, {}).filled_when_omitted() is not None


def test_what_fills_is_named_for_explain() -> None:
    assert _record("CharField", None, {"default": "'x'"}).filled_when_omitted() == "default"
    assert _record("LowerCaseCharField", "CharField", {}).filled_when_omitted() == 'Django\'s ""'


def test_a_class_with_its_own_pre_save_fills_the_column_unless_nullable() -> None:
    stamp = replace(_record("StampField", "DateTimeField", {}), fills_itself=True)
    assert stamp.filled_when_omitted() == "StampField.pre_save"
    assert replace(stamp, null=True).filled_when_omitted() is None
