"""Each rule's documented Example is reported by that rule, and its "Use instead" is not.

The snippets are checked inside a copy of examples/, whose models they use: code snippets in a
module with the models imported, migration operations in place of the example migration that shows
the same rule on the same model (same dependencies, so the same state).
"""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import pytest

from integrity_lsp.checker import check_source
from integrity_lsp.rules import load_rules
from tests.helpers import EXAMPLES, copy_project, environment, expected_in

HEADER = """\
from django.db import IntegrityError, migrations, models, transaction
from django.db.models import Q
from django.http import JsonResponse
from django.shortcuts import get_object_or_404

from orders.models import Customer, Order, OrderLine
from shop.models import Category, Product, StockLevel, Warehouse


"""
BLOCK = re.compile(r"```python\n(.*?)```", re.S)


def _section(doc: str, heading: str) -> str:
    match = re.search(rf"## {re.escape(heading)}\n(.*?)(?=\n## |\Z)", doc, re.S)
    return match.group(1) if match else ""


def _code(doc: str, heading: str) -> str:
    """The section's Python blocks, without model class definitions (those belong in models.py)."""
    kept: list[str] = []
    for block in BLOCK.findall(_section(doc, heading)):
        lines = textwrap.dedent(block).splitlines()
        in_model = False
        for line in lines:
            if re.match(r"class \w+\((models\.)?Model\)", line):
                in_model = True
                continue
            if in_model and (line.startswith((" ", "\t")) or not line.strip()):
                continue
            in_model = False
            kept.append(line)
    return "\n".join(kept).strip()


def _example_migration(code: str, model: str) -> Path | None:
    """The migration of examples/ that shows `code` on the same model."""
    for path in sorted(EXAMPLES.glob("*/migrations/*.py")):
        text = path.read_text(encoding="utf-8")
        if any(found == code for _, found in expected_in(path)) and f'model_name="{model}"' in text:
            return path
    return None


def _placed(code: str, snippet: str, root: Path) -> tuple[Path, str] | None:
    if not code.startswith("IL3"):
        return root / "shop" / "doc_example.py", HEADER + snippet + "\n"
    if not snippet.startswith("migrations."):
        return None  # a whole migration or an instruction: nothing to place
    model = re.search(r'model_name="(\w+)"', snippet)
    example = _example_migration(code, model.group(1)) if model else None
    if example is None:
        return None  # about a model no example migration of this rule touches
    text = example.read_text(encoding="utf-8")
    dependencies = re.search(r"dependencies = \[.*?\]\n", text, re.S)
    assert dependencies is not None
    operations = textwrap.indent(snippet, " " * 8)
    migration = (
        "from django.db import migrations, models\n\n\n"
        "class Migration(migrations.Migration):\n"
        f"    {dependencies.group(0)}"
        f"    operations = [\n{operations},\n    ]\n"
    )
    # In place of the example migration: same name, same dependencies, so the graph stays linear
    # (Django refuses an app with two leaf migrations) and the state before it is the same.
    return root / example.relative_to(EXAMPLES), migration


CODES = sorted(load_rules())


@pytest.mark.parametrize("code", CODES)
def test_documented_example_and_its_safe_form(code: str, tmp_path: Path) -> None:
    doc = load_rules()[code].doc
    example = _code(doc, "Example")
    if not example:
        pytest.skip(f"{code}'s example is a model definition only (checked by its fixtures)")
    root = copy_project("examples", tmp_path)
    env = environment(root)
    placed = _placed(code, example, root)
    assert placed is not None, f"{code}: cannot place its example"
    path, text = placed
    path.write_text(text, encoding="utf-8")
    assert code in {f.code for f in check_source(text, path, env)}, text

    safe = _code(doc, "Use instead")
    placed = _placed(code, safe, root) if safe else None
    if placed is None:
        return
    path, text = placed
    path.write_text(text, encoding="utf-8")
    assert code not in {f.code for f in check_source(text, path, environment(root))}, text
