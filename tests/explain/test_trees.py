"""explain's parso trees from parso's disk cache: never a tree of other text than was read."""

from __future__ import annotations

import os
from pathlib import Path

from integrity_lsp.explain.trees import DiskTrees


def test_a_cached_tree_is_used_only_for_the_same_text(tmp_path: Path) -> None:
    module = tmp_path / "services.py"
    first = "def add():\n    return Product.objects.create(sku=1)\n"
    module.write_text(first)
    trees = DiskTrees()
    assert trees.parse(module, first).get_code() == first
    stamp = module.stat()
    # Same size, same modification time, other content: parso's cache cannot tell.
    second = first.replace("sku=1", "sku=2")
    module.write_text(second)
    os.utime(module, ns=(stamp.st_atime_ns, stamp.st_mtime_ns))
    assert trees.parse(module, second).get_code() == second


def test_a_file_that_is_gone_still_parses(tmp_path: Path) -> None:
    text = "x = 1\n"
    assert DiskTrees().parse(tmp_path / "missing.py", text).get_code() == text
