"""The server's incremental checking gives exactly what a check from scratch gives.

Every file of the corpus (examples/ and the fixture projects) is put through a seeded sequence
of editor-like edits -- typing and deleting characters, deleting, duplicating, swapping and
blanking lines, reverting to an earlier state -- and after every edit the findings of
`check_source` with `OpenDocuments` (diff-parsed tree, reused statement results) are compared
with those of a plain `check_source` of the same text.
"""

from __future__ import annotations

import random
from dataclasses import replace
from pathlib import Path

import pytest

from integrity_lsp.analysis.incremental import OpenDocuments
from integrity_lsp.checker import check_source
from integrity_lsp.syntax.source import SourceFile, parse
from tests.helpers import FIXTURES
from tests.robustness.support import corpus, environment_for

EDITS_PER_FILE = 16
SEED = 20261124


def _edited(lines: list[str], rng: random.Random) -> list[str]:
    lines = list(lines)
    if not lines:
        return ["x = 1\n"]
    at = rng.randrange(len(lines))
    line = lines[at]
    operation = rng.randrange(7)
    if operation == 0:  # type a character
        column = rng.randrange(len(line.rstrip("\n")) + 1)
        lines[at] = line[:column] + rng.choice("x (:)'#,=") + line[column:]
    elif operation == 1 and len(line.rstrip("\n")) > 0:  # delete a character
        column = rng.randrange(len(line.rstrip("\n")))
        lines[at] = line[:column] + line[column + 1 :]
    elif operation == 2:
        del lines[at]
    elif operation == 3:
        lines.insert(at, line)
    elif operation == 4:
        lines.insert(at, "\n")
    elif operation == 5:
        indent = line[: len(line) - len(line.lstrip())]
        lines[at] = f"{indent}pass\n"
    elif at + 1 < len(lines):
        lines[at], lines[at + 1] = lines[at + 1], lines[at]
    return lines


def _cases() -> list[tuple[Path, Path]]:
    return [
        (root, path)
        for root, path in corpus()
        if path.parent.name != "migrations" and path.stat().st_size > 200
    ]


@pytest.mark.parametrize(
    ("root", "path"), _cases(), ids=lambda value: value.name if isinstance(value, Path) else ""
)
def test_incremental_check_equals_a_check_from_scratch(root: Path, path: Path) -> None:
    env = environment_for(root, path)
    documents = OpenDocuments(keep=lambda _: True)
    incremental = replace(env, open_documents=documents)
    rng = random.Random(f"{SEED}:{path.relative_to(root)}")
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    history = [lines]
    for step in range(EDITS_PER_FILE):
        if rng.random() < 0.15 and len(history) > 1:
            lines = rng.choice(history)  # undo: back to an earlier state
        else:
            lines = _edited(lines, rng)
        history.append(lines)
        text = "".join(lines)
        expected = check_source(text, path, env)
        assert check_source(text, path, incremental) == expected, f"after edit {step}:\n{text}"


def test_a_diff_parsed_tree_round_trips_the_new_text(tmp_path: Path) -> None:
    documents = OpenDocuments(keep=lambda _: True)
    path = tmp_path / "views.py"
    first = "def a():\n    return 1\n\n\ndef b():\n    return 2\n"
    tree = documents.parse(path, first)
    second = first.replace("return 2", "return (2 +")
    updated = documents.parse(path, second)
    assert updated is tree  # parso updated the same module in place
    assert updated.get_code() == second
    assert [child.type for child in updated.children] == [
        child.type for child in parse(second).children
    ]


def _reused_statements(documents: OpenDocuments, path: Path, text: str) -> list[bool]:
    """Per reusable top-level statement of `text`: was its result kept from the last check?
    (Each is then stored, as a check does.)"""
    source = SourceFile(path, text, None, documents)
    results = documents.statement_results(source, salt="same settings")
    assert results is not None
    flags = []
    for child in source.tree.children:
        if results.is_reusable(child):
            key = results.key(child)
            flags.append(results.lookup(key) is not None)
            results.store(key, [])
    return flags


def test_statement_results_are_reused_only_while_nothing_else_changed(tmp_path: Path) -> None:
    path = tmp_path / "views.py"
    text = (
        "import x\n\n\ndef a():\n    y = 1\n    return y\n\n\ndef b():\n    y = 2\n    return y\n"
    )
    documents = OpenDocuments(keep=lambda _: True)

    def reusable(source_text: str) -> list[bool]:
        return _reused_statements(documents, path, source_text)

    assert reusable(text) == [False, False]
    edited_body = text.replace("y = 2", "y = 3")
    assert reusable(edited_body) == [True, False]  # only the edited function is walked again
    documents.note_change(path)  # the document's own edits keep what is reusable
    assert reusable(edited_body) == [True, True]
    documents.note_change(tmp_path / "base.py")  # another document changed: walk everything
    assert reusable(edited_body) == [False, False]
    assert reusable(edited_body.replace("import x", "import y")) == [False, False]  # skeleton


def test_an_edit_of_a_function_that_only_returns_reaches_every_statement(tmp_path: Path) -> None:
    """`def load_shop_model(name): return load_model("shop", name)` is read as a value by the
    module's other statements (a forwarding model loader): its body is part of the skeleton."""
    path = tmp_path / "views.py"
    text = (
        'def loader(name):\n    """Doc."""\n    return load("shop", name)\n\n\n'
        "def view():\n    y = 1\n    return y\n"
    )
    documents = OpenDocuments(keep=lambda _: True)

    def reusable(source_text: str) -> list[bool]:
        return _reused_statements(documents, path, source_text)

    assert reusable(text) == [False, False]
    assert reusable(text.replace("y = 1", "y = 2")) == [True, False]
    assert reusable(text.replace('"shop"', '"store"')) == [False, False]


def test_files_defining_models_are_never_reused(tmp_path: Path) -> None:
    documents = OpenDocuments(keep=lambda _: True)
    source = SourceFile(tmp_path / "models.py", "class A:\n    pass\n", None, documents)
    assert documents.statement_results(source, salt=None) is None


def test_a_callers_race_follows_an_edit_of_the_helper_it_calls() -> None:
    """The race analysis reads a helper's body: the caller's findings are never reused, so
    editing only the helper changes what the caller reports."""
    root = FIXTURES / "races"
    path = root / "cases" / "incremental_helper.py"
    env = environment_for(root, path)
    incremental = replace(env, open_documents=OpenDocuments(keep=lambda _: True))
    checking = (
        "from shop.models import Product\n\n\n"
        "def _known(sku):\n    return Product.objects.filter(sku=sku).exists()\n\n\n"
        "def add(sku):\n    if not _known(sku):\n        Product.objects.create(sku=sku)\n"
    )
    not_checking = checking.replace("return Product.objects.filter(sku=sku).exists()", "return 1")
    for text, expected in ((checking, ["IL101"]), (not_checking, []), (checking, ["IL101"])):
        found = [f.code for f in check_source(text, path, incremental) if f.code == "IL101"]
        assert found == expected
        assert check_source(text, path, incremental) == check_source(text, path, env)


def test_a_views_il201_follows_an_edit_of_the_helper_it_calls() -> None:
    """IL201 reads the body of a helper the view calls: guarding the insert in the helper
    (the only edit, below the unchanged view) silences the view's finding, unguarding it
    brings it back — the view's findings are never reused from before the edit."""
    root = FIXTURES / "guards"
    path = root / "cases" / "incremental_helper_view.py"
    env = environment_for(root, path)
    incremental = replace(env, open_documents=OpenDocuments(keep=lambda _: True))
    unguarded = (
        "from django.db import IntegrityError\nfrom django.http import HttpResponse\n\n"
        "from store.models import Supplier\n\n\n"
        "def new_supplier(request):\n    Suppliers.add(request.POST['email'])\n"
        "    return HttpResponse(status=201)\n\n\n"
        "class Suppliers:\n    @staticmethod\n    def add(email):\n"
        "        Supplier.objects.create(email=email)\n"
    )
    guarded = unguarded.replace(
        "        Supplier.objects.create(email=email)\n",
        "        try:\n            Supplier.objects.create(email=email)\n"
        "        except IntegrityError:\n            pass\n",
    )
    for text, expected in ((unguarded, ["IL201"]), (guarded, []), (unguarded, ["IL201"])):
        found = [f.code for f in check_source(text, path, incremental) if f.code == "IL201"]
        assert found == expected
        assert check_source(text, path, incremental) == check_source(text, path, env)
