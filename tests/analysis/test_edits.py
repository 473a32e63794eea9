from __future__ import annotations

from pathlib import Path

import pytest

from integrity_lsp.analysis.edits import EditConflict, apply_edits, ensure_import, ensure_imports
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


@pytest.mark.parametrize(
    ("before", "after"),
    [
        (
            "from django.db import models\n",
            "from django.db import IntegrityError, models, transaction\n",
        ),
        (
            "from django.db import models as m, connection\n",
            "from django.db import IntegrityError, connection, models as m, transaction\n",
        ),
        (
            "from django.db import (\n    models,\n    connection,\n)\n",
            "from django.db import (\n    IntegrityError,\n    connection,\n    models,\n"
            "    transaction,\n)\n",
        ),
        (  # a comment in the list stays: a new line instead
            "from django.db import (\n    models,  # keep\n)\n",
            "from django.db import (\n    models,  # keep\n)\n"
            "from django.db import IntegrityError, transaction\n",
        ),
        (  # half-typed: a new line, the broken one untouched
            "import os\nfrom django.db import\n",
            "import os\nfrom django.db import IntegrityError, transaction\nfrom django.db import\n",
        ),
    ],
)
def test_ensure_imports_merges_into_the_modules_import_line(before: str, after: str) -> None:
    source = SourceFile(Path("m.py"), before, "m")
    references, edit = ensure_imports(source, "django.db", ("transaction", "IntegrityError"))
    assert references == {"transaction": "transaction", "IntegrityError": "IntegrityError"}
    assert edit is not None
    assert apply_edits(before, [edit]) == after


def test_ensure_imports_reuses_what_is_imported_and_adds_the_rest_once() -> None:
    text = "from rest_framework import status as http\nimport os\n"
    source = SourceFile(Path("m.py"), text, "m")
    references, edit = ensure_imports(source, "rest_framework", ("status", "serializers"))
    assert references == {"status": "http", "serializers": "serializers"}
    assert edit is not None
    assert apply_edits(text, [edit]) == (
        "from rest_framework import serializers, status as http\nimport os\n"
    )


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
