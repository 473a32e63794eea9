"""IL201 and a primary key taken from an existing row of the same model: `save()` UPDATEs the
row with that key (Django tries an UPDATE first when the key is set), so the key cannot
collide. A key taken from a row of another model (a shared primary key), or one whose field
has a default (Django then forces an INSERT), is still a key set by the code."""

from __future__ import annotations

from pathlib import Path

import pytest

from integrity_lsp.checker import check_source
from tests.helpers import environment, write_app

MODELS = """\
import uuid

from django.db import models


class Member(models.Model):
    name = models.CharField(max_length=50)


class Survey(models.Model):
    member = models.OneToOneField(Member, related_name="survey", on_delete=models.CASCADE)
    answer = models.CharField(max_length=50)


class Note(models.Model):
    {note_key}
    text = models.CharField(max_length=50)
"""

FORMS = """\
from django import forms

from polls.models import Note, Survey


class SurveyForm(forms.ModelForm):
    class Meta:
        model = Survey
        fields = ["answer"]


class NoteForm(forms.ModelForm):
    class Meta:
        model = Note
        fields = ["text"]
"""

VIEWS = """\
from django.http import HttpResponse

from polls.forms import NoteForm, SurveyForm
from polls.models import Member, Note


def answer(request):
    member = Member.objects.create(name=request.POST["name"])  # new: its survey cannot clash
    form = SurveyForm(request.POST)
    if form.is_valid():
        survey = form.save(commit=False)
        if hasattr(member, "survey"):
            survey.pk = {survey_key}
        survey.member_id = member.pk
        survey.save()
    return HttpResponse("ok")


def note(request, note_id):
    existing = Note.objects.get(pk=note_id)
    other = Member.objects.get(pk=note_id)
    form = NoteForm(request.POST)
    if form.is_valid():
        note = form.save(commit=False)
        note.pk = {note_value}
        note.save()
    return HttpResponse("ok")
"""


def _lines(tmp_path: Path, note_key: str, survey_key: str, note_value: str) -> list[int]:
    views = VIEWS.replace("{survey_key}", survey_key).replace("{note_value}", note_value)
    write_app(
        tmp_path,
        "polls",
        {
            "models.py": MODELS.replace("{note_key}", note_key),
            "forms.py": FORMS,
            "views.py": views,
        },
    )
    path = tmp_path / "polls" / "views.py"
    return [
        f.span.start_line
        for f in check_source(views, path, environment(tmp_path))
        if f.code == "IL201"
    ]


PLAIN_KEY = "id = models.AutoField(primary_key=True)"


def test_a_key_read_from_a_row_of_the_same_model_is_an_update(tmp_path: Path) -> None:
    # `member.survey` is the reverse one-to-one accessor to Survey; `existing` is a Note row
    assert _lines(tmp_path, PLAIN_KEY, "member.survey.pk", "existing.pk") == []


@pytest.mark.parametrize(
    ("note_key", "survey_key", "note_value"),
    [
        (PLAIN_KEY, "member.survey.pk", "other.pk"),  # a Member's key on a Note: shared key
        ("id = models.UUIDField(primary_key=True, default=uuid.uuid4)", "member.survey.pk",
         "existing.pk"),  # a key with a default: Django forces the INSERT
    ],
)  # fmt: skip
def test_a_key_of_another_model_or_with_a_default_is_set_by_the_code(
    tmp_path: Path, note_key: str, survey_key: str, note_value: str
) -> None:
    assert _lines(tmp_path, note_key, survey_key, note_value) == [26]  # note.save()
