from __future__ import annotations

from pathlib import Path

from integrity_lsp.analysis.edits import apply_edits, compiles
from integrity_lsp.analysis.try_atomic import wrap_in_try_atomic
from integrity_lsp.syntax.nodes import walk
from integrity_lsp.syntax.source import SourceFile

PATH = Path("views.py")


def _wrapped(text: str, handler: tuple[str, ...], *, split_long_calls: bool = False) -> str:
    """`text` with its first statement that calls `create` wrapped."""
    source = SourceFile(PATH, text)
    statement = next(
        node
        for node in walk(source.tree)
        if node.type == "simple_stmt" and ".create(" in node.get_code()
    )
    edits = wrap_in_try_atomic(source, statement, handler, split_long_calls=split_long_calls)
    fixed = apply_edits(text, edits)
    assert compiles(fixed)
    return fixed


def test_wrap_adds_one_import_line_and_keeps_the_trailing_comment_on_the_statement() -> None:
    text = "import os\n\n\ndef f(x):\n    obj = M.objects.create(a=x)  # note\n    return obj\n"
    assert _wrapped(text, ("obj = M.objects.get(a=x)",)) == (
        "import os\n"
        "from django.db import IntegrityError, transaction\n\n\n"
        "def f(x):\n"
        "    try:\n"
        "        with transaction.atomic():\n"
        "            obj = M.objects.create(a=x)  # note\n"
        "    except IntegrityError:\n"
        "        obj = M.objects.get(a=x)\n"
        "    return obj\n"
    )


def test_wrap_indents_with_tabs_reuses_aliases_and_writes_pass_for_no_handler() -> None:
    text = (
        "from django import db\n\n\ndef f(x):\n\tif x:\n\t\tM.objects.create(\n\t\t\ta=x,\n\t\t)\n"
    )
    assert _wrapped(text, ()) == (
        "from django import db\n\n\n"
        "def f(x):\n"
        "\tif x:\n"
        "\t\ttry:\n"
        "\t\t\twith db.transaction.atomic():\n"
        "\t\t\t\tM.objects.create(\n"
        "\t\t\t\t\ta=x,\n"
        "\t\t\t\t)\n"
        "\t\texcept db.IntegrityError:\n"
        "\t\t\tpass\n"
    )


def test_wrap_leaves_no_trailing_whitespace() -> None:
    text = "from django.db import IntegrityError, transaction\n\n\ndef f(x):\n"
    text += "    M.objects.create(a=x)   \n"
    fixed = _wrapped(text, ("a()", "", "b()"))
    assert fixed.endswith("    except IntegrityError:\n        a()\n\n        b()\n")
    assert fixed.count("   \n") == 1  # the statement's own, moved into the block


def test_wrap_splits_a_long_call_only_when_asked() -> None:
    text = "def f(x):\n    M.objects.create(a=x)\n"
    long_line = f'return Response({{"detail": "{"y" * 90}"}}, status=409)'
    assert f"        {long_line}\n" in _wrapped(text, (long_line,))
    assert (
        f'        return Response(\n            {{"detail": "{"y" * 90}"}},\n'
        "            status=409,\n        )\n"
    ) in _wrapped(text, (long_line,), split_long_calls=True)
