"""The walk does not visit statements that follow a `return`/`raise`/`continue`/`break` of
the same block: they never run (a view that now redirects first and keeps its old body)."""

from __future__ import annotations

from pathlib import Path

import pytest

from integrity_lsp.checker import check_source
from tests.helpers import environment, write_app

MODELS = """\
from django.db import models


class Member(models.Model):
    handle = models.CharField(max_length=30, unique=True)
"""

VIEWS = """\
from django.http import HttpResponse
from django.shortcuts import redirect

from club.models import Member


def join(request):
    {exit}
    Member.objects.create(handle=request.POST["handle"])
    return HttpResponse("ok")
"""


@pytest.mark.parametrize(
    ("exit_statement", "reported"),
    [
        ('return redirect("/members/new/")', False),
        ("return", False),
        ("raise ValueError", False),
        ("pass", True),  # the twin: the insert runs
        ('if request.GET.get("old"):\n        return redirect("/")', True),  # only sometimes
    ],
)
def test_statements_after_an_exit_of_the_block_are_not_checked(
    tmp_path: Path, exit_statement: str, reported: bool
) -> None:
    views = VIEWS.replace("{exit}", exit_statement)
    write_app(tmp_path, "club", {"models.py": MODELS, "views.py": views})
    path = tmp_path / "club" / "views.py"
    codes = [f.code for f in check_source(views, path, environment(tmp_path))]
    assert codes == (["IL201"] if reported else [])
