"""`create_*` methods that insert under their own guard, read as written (CPython's parser, never
imported): a method whose insert sits in a `try` with an `except IntegrityError` handler that
does not raise again, or one that hands every call to a function doing so (sentry's
`BaseManager.create_or_update(**kwargs)` returns `create_or_update(self.model, **kwargs)`,
whose `objects.create(…)` runs in a savepoint and whose handler updates the row the other
request inserted). A caller of such a method cannot get an IntegrityError from it.
"""

from __future__ import annotations

import ast

from integrity_lsp.syntax.source import cpython_tree, module_classes


def catches_integrity_error(function: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    """Does a `try` of the function catch IntegrityError around an insert (a `create` call)
    and not raise again?"""
    for node in ast.walk(function):
        if not isinstance(node, ast.Try):
            continue
        if not any(_inserts(statement) for statement in node.body):
            continue
        for handler in node.handlers:
            if _names_integrity_error(handler.type) and not any(
                isinstance(inner, ast.Raise) for inner in ast.walk(handler)
            ):
                return True
    return False


def delegated_function(function: ast.FunctionDef | ast.AsyncFunctionDef) -> str | None:
    """The plain function a method's body only returns the call of (`return f(self.model, …)`),
    after an optional docstring; None for anything else."""
    body = list(function.body)
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
        body = body[1:]
    if len(body) != 1 or not isinstance(body[0], ast.Return):
        return None
    call = body[0].value
    if isinstance(call, ast.Call) and isinstance(call.func, ast.Name):
        return call.func.id
    return None


def catching_functions(source: str) -> frozenset[str]:
    """The module-level functions of a module's text that catch IntegrityError around their
    insert (`catches_integrity_error`); read once per file version, when the index scans it."""
    tree = cpython_tree(source) if "IntegrityError" in source else None
    if tree is None:
        return frozenset()
    return frozenset(
        node.name
        for node in tree.body
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
        and catches_integrity_error(node)
    )


def creator_methods(source: str) -> tuple[tuple[str, str, bool, str | None], ...]:
    """(class, method, guards itself, the function it only hands on to) for every `create_*`
    method of the module's classes; read once per file version, when the index scans it."""
    found = []
    for node in module_classes(source, "def create_"):
        for method in node.body:
            if not isinstance(method, (ast.FunctionDef, ast.AsyncFunctionDef)):
                continue
            if not method.name.startswith("create_"):
                continue
            guarded = catches_integrity_error(method)
            delegate = None if guarded else delegated_function(method)
            found.append((node.name, method.name, guarded, delegate))
    return tuple(found)


def _inserts(statement: ast.stmt) -> bool:
    return any(
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr in ("create", "acreate", "save", "asave", "bulk_create")
        for node in ast.walk(statement)
    )


def _names_integrity_error(handled: ast.expr | None) -> bool:
    if handled is None:
        return False  # a bare `except:`: too broad to say what the code means by it
    names = handled.elts if isinstance(handled, ast.Tuple) else [handled]
    return any(
        (isinstance(name, ast.Name) and name.id == "IntegrityError")
        or (isinstance(name, ast.Attribute) and name.attr == "IntegrityError")
        for name in names
    )
