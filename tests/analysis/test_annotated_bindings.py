"""A name bound by an annotated assignment (`order: Order = form.save(commit=False)`) is bound
like a plain one: the rules follow it from where it is built to where it is saved, and read
the row it holds (`team: Team = Team.objects.create(…)`) as one this function inserted."""

from __future__ import annotations

from pathlib import Path

from integrity_lsp.checker import check_source
from tests.helpers import environment, write_app

MODELS = """\
from django.db import models


class Order(models.Model):
    number = models.CharField(max_length=20, unique=True)
    note = models.CharField(max_length=50)


class Team(models.Model):
    name = models.CharField(max_length=50)


class Seat(models.Model):
    team = models.ForeignKey(Team, on_delete=models.CASCADE)
    label = models.CharField(max_length=20)
"""
FORMS = """\
from django import forms

from desk.models import Order


class OrderForm(forms.ModelForm):
    class Meta:
        model = Order
        fields = ["number", "note"]
"""
VIEWS = """\
from desk.forms import OrderForm
from desk.models import Order, Seat, Team


def place_order(request):
    form = OrderForm(request.POST)
    if form.is_valid():
        order: Order = form.save(commit=False)
        order.note = "web"
        order.save()


def found_team(request):
    team: Team = Team.objects.create(name=request.POST["name"])
    Seat.objects.get_or_create(team=team, label="captain")


def join_team(request, pk):
    team: Team = Team.objects.get(pk=pk)
    Seat.objects.get_or_create(team=team, label="captain")
"""


def test_annotated_assignments_bind_like_plain_ones(tmp_path: Path) -> None:
    write_app(tmp_path, "desk", {"models.py": MODELS, "forms.py": FORMS, "views.py": VIEWS})
    env = environment(tmp_path)
    path = tmp_path / "desk" / "views.py"
    found = {(f.span.start_line, f.code) for f in check_source(VIEWS, path, env)}
    assert (10, "IL201") in found  # the form's unsaved instance, annotated, inserted
    assert (15, "IL104") not in found  # the team this request has just inserted
    assert (20, "IL104") in found  # a team read from the table: others can join it too
