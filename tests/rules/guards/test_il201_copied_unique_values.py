"""IL201 and a nullable unique value copied from another row of the same model: the copy of a
speaker onto a new event writes `user=speaker.user`, which collides with `speaker` itself
unless it is NULL. It is NULL or the insert fails every time, never by a race of two requests:
not the hazard IL201 names. A copy of a NOT NULL unique field, a copy from a row of another
model, or a unique field set from the request, still reports."""

from __future__ import annotations

from pathlib import Path

import pytest

from integrity_lsp.checker import check_source
from tests.helpers import environment, write_app

MODELS = """\
from django.conf import settings
from django.db import models


class Event(models.Model):
    title = models.CharField(max_length=50)


class Speaker(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE
    )
    badge = models.CharField(max_length=20, unique=True)
    nickname = models.CharField(max_length=20, unique=True, null=True)
    events = models.ManyToManyField(Event)


class Track(models.Model):
    title = models.CharField(max_length=50)


class Talk(models.Model):  # `track.speaker_set` too, but a Talk has no `user` nor `nickname`
    track = models.ForeignKey(Track, related_name="speaker_set", on_delete=models.CASCADE)


class Host(models.Model):
    nickname = models.CharField(max_length=20, null=True)
"""

VIEWS = """\
from django.http import HttpResponse

from events.models import Event, Host, Speaker


def copy(request, pk):
    event = Event.objects.get(pk=pk)
    new_event = Event.objects.create(title=event.title)
    host = Host.objects.get(pk=pk)
    for speaker in event.speaker_set.all():
        copied = Speaker.objects.create({values})
        copied.events.add(new_event)
    return HttpResponse("ok")


def copy_speakers(event, new_event):
    for speaker in event.speaker_set.all():
        copied = Speaker.objects.create({values})
        copied.events.add(new_event)


def copy_again(request, pk):
    event = Event.objects.get(pk=pk)
    copy_speakers(event, Event.objects.create(title=event.title))
    return HttpResponse("ok")
"""


def _lines(tmp_path: Path, values: str) -> list[int]:
    views = VIEWS.replace("{values}", values)
    write_app(tmp_path, "events", {"models.py": MODELS, "views.py": views})
    path = tmp_path / "events" / "views.py"
    return [
        f.span.start_line
        for f in check_source(views, path, environment(tmp_path))
        if f.code == "IL201"
    ]


@pytest.mark.parametrize(
    "values",
    [
        "user=speaker.user",
        "user_id=speaker.user_id",
        "nickname=speaker.nickname",
        "user=speaker.user, nickname=speaker.nickname",
    ],
)
def test_a_nullable_unique_value_copied_from_a_row_of_the_model_is_null(
    tmp_path: Path, values: str
) -> None:
    assert _lines(tmp_path, values) == []


@pytest.mark.parametrize(
    "values",
    [
        "badge=speaker.badge",  # NOT NULL: a copy collides with its source
        "nickname=host.nickname",  # another model's value (not in copy_speakers: no host)
        'nickname=request.POST["nickname"]',
        "user=request.user",
    ],
)
def test_other_unique_values_still_report(tmp_path: Path, values: str) -> None:
    assert _lines(tmp_path, values) == [11, 24]
