from __future__ import annotations

from pathlib import Path

import pytest

from integrity_lsp.analysis.edits import EditConflict, apply_edits, ensure_import
from integrity_lsp.findings import Edit, Span
from integrity_lsp.syntax.source import SourceFile

PATH = Path("views.py")


def test_apply_edits_in_any_order_and_reject_overlaps() -> None:
    text = "a = 1\nb = 2\n"
    edits = [Edit(PATH, Span(2, 4, 2, 5), "3"), Edit(PATH, Span(1, 0, 1, 1), "x")]
    assert apply_edits(text, edits) == "x = 1\nb = 3\n"
    with pytest.raises(EditConflict):
        apply_edits(text, [Edit(PATH, Span(1, 0, 1, 3), ""), Edit(PATH, Span(1, 2, 1, 4), "")])
    with pytest.raises(EditConflict):
        apply_edits(text, [Edit(PATH, Span(9, 0, 9, 0), "")])


def test_apply_edits_with_crlf_and_astral_characters() -> None:
    text = "s = '😀'\r\nt = 1\r\n"
    assert apply_edits(text, [Edit(PATH, Span(1, 5, 1, 6), "x")]) == "s = 'x'\r\nt = 1\r\n"
    assert apply_edits(text, [Edit(PATH, Span(2, 4, 2, 5), "2")]) == "s = '😀'\r\nt = 2\r\n"


def _import(text: str, module: str, name: str) -> tuple[str, str]:
    source = SourceFile(PATH, text)
    reference, edit = ensure_import(source, module, name)
    return reference, apply_edits(text, [edit]) if edit else text


def test_ensure_import_reuses_existing_imports() -> None:
    assert (
        _import("from django.db import transaction\n", "django.db", "transaction")[0]
        == "transaction"
    )
    assert (
        _import("from django.db import models\n", "django.db.models", "UniqueConstraint")[0]
        == "models.UniqueConstraint"
    )
    assert (
        _import("import django.db\n", "django.db", "IntegrityError")[0]
        == "django.db.IntegrityError"
    )
    assert (
        _import("from django.db import transaction as tx\n", "django.db", "transaction")[0] == "tx"
    )


def test_ensure_import_adds_after_the_last_import() -> None:
    reference, text = _import('"""Doc."""\nimport os\n\nx = 1\n', "django.db", "IntegrityError")
    assert reference == "IntegrityError"
    assert text == '"""Doc."""\nimport os\nfrom django.db import IntegrityError\n\nx = 1\n'
    _, text = _import('"""Doc."""\nx = 1\n', "django.db", "IntegrityError")
    assert text == '"""Doc."""\nfrom django.db import IntegrityError\nx = 1\n'


def test_half_typed_call_chains_do_not_crash_the_checker(tmp_path: Path) -> None:
    from integrity_lsp.checker import check_source
    from tests.helpers import EXAMPLES, environment

    env = environment(EXAMPLES)
    for text in (
        "x = Item(.save()\n",
        "Product.objects.create(sku=(\n",
        "Item(price=-1)[\n.save(\n",
    ):
        check_source(text, EXAMPLES / "shop" / "half_typed.py", env)
