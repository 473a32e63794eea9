"""Rows an app's data migrations insert with constant values, read statically.

A `RunPython` function (`def f(apps, schema_editor)`) that binds a model through
`apps.get_model("core", "Domain")` and inserts it with constants — `Domain(name="default", …)`
then `save()`, `Domain.objects.create(name="default")`, `get_or_create(name="default", …)` —
leaves that row in the table before the project serves its first request (pulpcore's default
`Domain`). Only the constant keyword values are kept; anything computed is not a fact here.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

from integrity_lsp.syntax.files import read_project_text

Constant = str | int | bool
_INSERTS = frozenset({"create", "get_or_create", "update_or_create"})
_MODEL_KEYWORDS = ("app_label", "model_name")


def seeded_values(
    migrations: Path, app_label: str, model: str, words: tuple[str, ...] = ()
) -> list[dict[str, Constant]]:
    """The constant keyword values of every insert of `app_label.model` in the migrations
    folder. `words`: texts a file must contain to be parsed at all (the constants sought)."""
    found: list[dict[str, Constant]] = []
    if not migrations.is_dir():
        return found
    for path in sorted(migrations.glob("*.py")):
        text = read_project_text(path, errors="replace")
        if text is None or model not in text or not all(word in text for word in words):
            continue
        try:
            tree = ast.parse(text)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            continue
        for function in ast.walk(tree):
            if isinstance(function, ast.FunctionDef) and _is_run_python(function):
                found.extend(_inserts(function, app_label.lower(), model.lower()))
    return found


def _is_run_python(function: ast.FunctionDef) -> bool:
    names = [argument.arg for argument in function.args.args]
    return len(names) >= 2 and names[-2:] == ["apps", "schema_editor"]


def _inserts(
    function: ast.FunctionDef, app_label: str, model: str
) -> Iterator[dict[str, Constant]]:
    bound = {
        target.id
        for node in ast.walk(function)
        if isinstance(node, ast.Assign) and _names_model(node.value, app_label, model)
        for target in node.targets
        if isinstance(target, ast.Name)
    }
    if not bound:
        return
    for node in ast.walk(function):
        if isinstance(node, ast.Call) and _inserts_bound(node.func, bound):
            yield {
                keyword.arg: keyword.value.value
                for keyword in node.keywords
                if keyword.arg is not None
                and isinstance(keyword.value, ast.Constant)
                and isinstance(keyword.value.value, (str, int, bool))
            }


def _names_model(value: ast.expr, app_label: str, model: str) -> bool:
    """`apps.get_model("core", "Domain")`, `get_model("core.Domain")`, or with keywords."""
    if not (
        isinstance(value, ast.Call)
        and isinstance(value.func, ast.Attribute)
        and value.func.attr == "get_model"
    ):
        return False
    texts: list[str] = []
    arguments = [*value.args, *(k.value for k in value.keywords if k.arg in _MODEL_KEYWORDS)]
    for argument in arguments:
        if not (isinstance(argument, ast.Constant) and isinstance(argument.value, str)):
            return False
        texts.append(argument.value.lower())
    return texts in ([app_label, model], [f"{app_label}.{model}"])


def _inserts_bound(func: ast.expr, bound: set[str]) -> bool:
    """`Domain(…)` or `Domain.objects.create(…)` (any manager) for a bound model name."""
    if isinstance(func, ast.Name):
        return func.id in bound
    return (
        isinstance(func, ast.Attribute)
        and func.attr in _INSERTS
        and isinstance(func.value, ast.Attribute)
        and isinstance(func.value.value, ast.Name)
        and func.value.value.id in bound
    )
