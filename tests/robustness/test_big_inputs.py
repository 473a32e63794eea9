"""Big and slow inputs (issue 17, items 10 and 13): a file over the size cap is reported by
name, never silently dropped, and costs nothing; one big open document does not keep the
server from the others; a 3,000-deep model inheritance chain is checked, and correctly, in a
bounded time. Runs are subprocesses with a bounded wait: a run that takes minutes fails.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from benchmarks.huge_module import huge_module
from integrity_lsp.syntax.files import MAX_FILE_BYTES
from tests.robustness.processes import run_cli
from tests.robustness.raw_lsp import raw_server
from tests.robustness.support import write_tree
from tests.robustness.test_fix_writes import PROJECT

MODELS = PROJECT["shop/models.py"]


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return write_tree(tmp_path / "proj", PROJECT)


def _padding(size: int) -> str:
    line = "# " + "x" * 76 + "\n"
    return line * (size // len(line) + 1)


def test_a_models_file_over_the_size_cap_is_reported(root: Path) -> None:
    models = root / "shop" / "models.py"
    models.write_text(MODELS + _padding(MAX_FILE_BYTES + 500_000), encoding="utf-8")
    done = run_cli(["check", str(root)], cwd=root, timeout=120)
    assert done.returncode == 1, done.stderr
    assert "shop/models.py" in done.stderr and "size cap" in done.stderr, done.stderr


def test_a_20_mb_module_is_skipped_with_a_warning(root: Path) -> None:
    text, _expected = huge_module(880_000)
    assert len(text) > 20_000_000
    (root / "shop" / "generated.py").write_text(text, encoding="utf-8")
    done = run_cli(["check", str(root)], cwd=root, timeout=120)
    assert done.returncode == 1, done.stderr
    assert "services.py" in done.stdout  # the rest of the project is checked
    assert "generated.py" in done.stderr and "size cap" in done.stderr, done.stderr


def test_a_big_open_document_does_not_keep_the_server_from_the_others(root: Path) -> None:
    text, _expected = huge_module(880_000)
    with raw_server(root) as server:
        server.initialize(root)
        huge = server.open(root / "shop" / "huge.py", text=text)
        uri = server.open(root / "shop" / "services.py")
        assert any(d["code"] == "IL101" for d in server.pull(uri, timeout=60))
        assert server.pull(huge, timeout=60) == []  # not checked: over the size cap, and said
        assert any("huge.py" in line and "size cap" in line for line in server.logged())


def _chain(depth: int, abstract: bool) -> dict[str, str]:
    lines = [
        "from django.db import models",
        "",
        "",
        "class M0(models.Model):",
        "    sku = models.CharField(max_length=10, unique=True)",
    ]
    for level in range(1, depth):
        lines += ["", "", f"class M{level}(M{level - 1}):", f"    f{level} = models.IntegerField()"]
        if abstract and level < depth - 1:
            lines += ["", "    class Meta:", "        abstract = True"]
    leaf = f"M{depth - 1}"
    return {
        "manage.py": "",
        "shop/__init__.py": "",
        "shop/models.py": "\n".join(lines) + "\n",
        "shop/services.py": (
            f"from shop.models import {leaf}\n\n\ndef add(sku):\n"
            f"    if not {leaf}.objects.filter(sku=sku).exists():\n"
            f"        {leaf}.objects.create(sku=sku)\n"
        ),
    }


@pytest.mark.parametrize("abstract", [False, True], ids=["multi-table", "abstract"])
def test_a_3000_deep_model_inheritance_chain(tmp_path: Path, abstract: bool) -> None:
    root = write_tree(tmp_path / "deep", _chain(3000, abstract))
    done = run_cli(["check", "--no-cache", str(root)], cwd=root, timeout=120)
    assert done.returncode == 1, done.stderr
    # the unique field three thousand classes up is found: the race loses with an error
    assert "IL101" in done.stdout and "UNIQUE constraint failed" in done.stdout, done.stdout
