"""IL201 through calls: a unique tuple holding a row that a function between the handler and the
insert inserted before calling on (a save helper saves the new board, then a second helper
writes its columns) cannot collide with another request's rows: only this request knows the
board. A row the helper fetched instead still reports."""

from __future__ import annotations

from pathlib import Path

import pytest

from integrity_lsp.checker import check_source
from tests.helpers import environment, write_app

MODELS = """\
from django.db import models


class Board(models.Model):
    title = models.CharField(max_length=50)


class Column(models.Model):
    board = models.ForeignKey(Board, on_delete=models.CASCADE)
    name = models.CharField(max_length=50)

    class Meta:
        unique_together = [("board", "name")]
"""
SERVICES = """\
from boards.models import Board, Column


def add_columns(board, names):
{write}


def save_board(title, names):
{bind}
    add_columns(board, names)
    return board
"""
VIEWS = """\
from django.http import JsonResponse

from boards.services import save_board


def new_board(request):
    board = save_board(request.POST["title"], request.POST.getlist("columns"))
    return JsonResponse({"id": board.pk}, status=201)
"""


LOOP = "    for name in names:\n        Column.objects.create(board=board, name=name)"
BULK = "    Column.objects.bulk_create(Column(board=board, name=name) for name in names)"


@pytest.mark.parametrize("write", [LOOP, BULK])  # a bare generator's constructor is read too
@pytest.mark.parametrize(
    ("bind", "reported"),
    [
        ("    board = Board.objects.create(title=title)", False),  # a new board: only ours
        ("    board = Board(title=title)\n    board.save()", False),
        ("    board = Board.add_root(title=title)", False),  # django-treebeard's new node
        ("    board = Board.objects.get(title=title)", True),  # a stored board: others hold it
    ],
)
def test_a_row_a_helper_inserted_before_calling_on(
    tmp_path: Path, write: str, bind: str, reported: bool
) -> None:
    services = SERVICES.format(write=write, bind=bind)
    files = {"models.py": MODELS, "services.py": services, "views.py": VIEWS}
    write_app(tmp_path, "boards", files)
    path = tmp_path / "boards" / "views.py"
    findings = check_source(path.read_text(encoding="utf-8"), path, environment(tmp_path))
    assert [f.span.start_line for f in findings if f.code == "IL201"] == ([7] if reported else [])


FACTORIES = """\
from boards.models import Board


def create_board(title, template=None):
{body}
"""
NEW_EVERY_TIME = """\
    board = Board.objects.create(title=title)
    return board"""
MAYBE_STORED = """\
    if template:
        return Board.objects.get(title=template)
    board = Board.objects.create(title=title)
    return board"""
FETCHED = """\
    return Board.objects.filter(title=title).first()"""


@pytest.mark.parametrize(
    ("body", "call", "reported"),
    [
        (NEW_EVERY_TIME, "create_board(title)", False),  # sentry's create_snuba_query
        (MAYBE_STORED, "create_board(title)", False),  # template is None: that branch never runs
        (MAYBE_STORED, "create_board(title, template=title)", True),  # may return a stored one
        (FETCHED, "create_board(title)", True),  # named "create", returns a stored row
    ],
)
def test_a_row_a_creating_helper_returned(
    tmp_path: Path, body: str, call: str, reported: bool
) -> None:
    bind = f"    from boards.factories import create_board\n\n    board = {call}"
    services = SERVICES.format(write=LOOP, bind=bind)
    files = {
        "models.py": MODELS,
        "factories.py": FACTORIES.format(body=body),
        "services.py": services,
        "views.py": VIEWS,
    }
    write_app(tmp_path, "boards", files)
    path = tmp_path / "boards" / "views.py"
    findings = check_source(path.read_text(encoding="utf-8"), path, environment(tmp_path))
    assert [f.span.start_line for f in findings if f.code == "IL201"] == ([7] if reported else [])
