"""The import table read with CPython's parser equals the one read from parso's tree."""

from __future__ import annotations

import pytest

from integrity_lsp.project.imports import build_import_table, import_table_of_text
from integrity_lsp.syntax.source import parse
from tests.robustness.support import corpus

SNIPPETS = [
    "import a.b\nimport a.b as c\nfrom . import models as m\nfrom .x import *\n",
    "from ..pkg.sub import (one, two as deux)\nfrom ... import far\n",
    "def view(request):\n    from .models import Product\n    import json\n\nimport json as j\n",
    "class A:\n    from .models import Hidden\n\nif True:\n    from .models import Shown\n",
    "try:\n    import ujson as json\nexcept ImportError:\n    import json\n",
    "from __future__ import annotations\nfrom .a import x\nfrom .b import x\n",
    "from .a import *\nfrom .b import *\nfrom .a import *\n",
    "x = (\n",  # a syntax error: parso's reading
]


@pytest.mark.parametrize("text", SNIPPETS)
@pytest.mark.parametrize("is_package", [False, True])
def test_snippets(text: str, is_package: bool) -> None:
    module = "shop.views.detail"
    expected = build_import_table(parse(text), module, is_package=is_package)
    assert import_table_of_text(text, module, is_package=is_package) == expected


def test_every_corpus_file() -> None:
    compared = 0
    for root, path in corpus():
        text = path.read_text(encoding="utf-8", errors="replace")
        parts = path.relative_to(root).with_suffix("").parts
        is_package = parts[-1] == "__init__"
        module = ".".join(parts[:-1] if is_package else parts)
        expected = build_import_table(parse(text), module, is_package=is_package)
        actual = import_table_of_text(text, module, is_package=is_package)
        assert actual == expected, path
        compared += bool(expected.names)
    assert compared > 50


def test_relative_import_beyond_the_top_is_dropped() -> None:
    assert import_table_of_text("from .. import x\n", "a.b", is_package=False).lookup("x") is None
    table = import_table_of_text("from .. import x\n", "a.b.c", is_package=False)
    assert table.lookup("x") == ("a", "x")


def test_unknown_module_name_drops_relative_imports() -> None:
    table = import_table_of_text("from . import x\nimport y\n", None, is_package=False)
    assert table.lookup("x") is None
    assert table.lookup("y") == ("y", None)
