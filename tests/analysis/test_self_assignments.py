"""What model methods assign on `self`: CPython's reading equals the parso tree's."""

from __future__ import annotations

from pathlib import Path

import pytest

from integrity_lsp.analysis.required import _self_assignments, _self_assignments_read_by_cpython
from integrity_lsp.syntax.source import SourceFile
from tests.robustness.support import corpus

SNIPPETS = [
    "class A:\n    def save(self):\n        self.slug = 1\n        self.a = self.b = 2\n",
    "class A:\n    def save(self):\n        self.n += 1\n        self.x: int = 3\n",
    "class A:\n    def f(self):\n        self.a.b = 1\n        self.c, self.d = 1, 2\n",
    "if True:\n    class A:\n        def f(self):\n            self.z = 1\n",
    "def make():\n    class Hidden:\n        def f(self):\n            self.h = 1\n",
    "class A:\n    class Meta:\n        pass\n    def f(s):\n        s.q = 1\n",
    "class A:\n    def f(self):\n        self.a = 1\n\n"
    "class A:\n    def g(self):\n        self.b = 2\n",
]


@pytest.mark.parametrize("text", SNIPPETS)
def test_snippets(text: str) -> None:
    expected = _self_assignments(SourceFile(Path("models.py"), text))
    assert _self_assignments_read_by_cpython(text) == expected


def test_every_corpus_file() -> None:
    compared = 0
    for _, path in corpus():
        text = path.read_text(encoding="utf-8", errors="replace")
        read = _self_assignments_read_by_cpython(text)
        if read is None:
            continue  # not Python CPython accepts: the parso reading is used
        assert read == _self_assignments(SourceFile(path, text)), path
        compared += any(read.values())
    assert compared >= 1  # few models assign on self: the snippets cover the shapes


def test_text_cpython_rejects_is_left_to_parso() -> None:
    assert _self_assignments_read_by_cpython("class A(:\n") is None
