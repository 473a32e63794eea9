"""IL201 and a ModelForm whose save() sets the primary key to None before the insert: Django's
idiom for saving a copy under a new automatic key, not a key taken from the code (a form that
saves a changed copy of a venue chosen from a list)."""

from __future__ import annotations

from pathlib import Path

import pytest

from integrity_lsp.checker import check_source
from tests.helpers import environment, write_app

MODELS = """\
from django.db import models


class Venue(models.Model):
    name = models.CharField(max_length=50)
    city = models.CharField(max_length=50)
"""

FORMS = """\
from django import forms

from venues.models import Venue


class VenueForm(forms.ModelForm):
    venue = forms.ChoiceField(required=False, choices=[])

    class Meta:
        model = Venue
        exclude = ()

    def save(self, *args, **kwargs):
        commit = kwargs.pop("commit", True)
        venue = super().save(commit=False)
        if self.cleaned_data.get("venue"):
            chosen = Venue.objects.get(pk=self.cleaned_data.get("venue"))
            if chosen.name != venue.name:
                venue.{key} = {value}
                if commit:
                    venue.save()
            else:
                venue = chosen
        elif commit:
            venue.save()
        return venue
"""

VIEWS = """\
from django.http import HttpResponse

from venues.forms import VenueForm


def add(request):
    form = VenueForm(request.POST, prefix="venue")
    if form.is_valid():
        venue = form.save()
        return HttpResponse(str(venue.pk))
    return HttpResponse("bad")
"""


@pytest.mark.parametrize(
    ("key", "value", "reported"),
    [
        ("pk", "None", False),  # a copy under a new automatic key
        ("id", "None", False),
        ("pk", 'int(self.data["code"])', True),  # a key the code chose: two submits insert it
        pytest.param(
            "pk",
            "chosen.pk",
            False,  # the key of a row that exists: save() UPDATEs that row
            marks=pytest.mark.xfail(
                strict=True,
                reason="known gap: analysis/row_keys reads a key copied in the handler, not one "
                "copied inside the form's own save() override",
            ),
        ),
    ],
)
def test_a_primary_key_reset_to_none_is_not_set_by_the_code(
    tmp_path: Path, key: str, value: str, reported: bool
) -> None:
    forms = FORMS.replace("{key}", key).replace("{value}", value)
    write_app(tmp_path, "venues", {"models.py": MODELS, "forms.py": forms, "views.py": VIEWS})
    path = tmp_path / "venues" / "views.py"
    findings = check_source(VIEWS, path, environment(tmp_path))
    assert [f.code for f in findings] == (["IL201"] if reported else [])
