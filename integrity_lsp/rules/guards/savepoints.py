"""Writes that run without a savepoint of their own, and the fix that gives them one.

A failed write inside `atomic()` marks the transaction for rollback unless a nested
`atomic()` (a savepoint) around it is rolled back instead. `get_or_create()` and
`update_or_create()` take their own savepoint for the insert, and so does `obj.save()` of a
model whose `save()` runs all its writes inside its own `with transaction.atomic():`
(`obj` bound to `Model(…)` in the function; the override read from the class or its bases,
the project's or an installed package's): nothing in that `save()` outside the block writes
(`save()`, `delete()`, an ORM write, `super().save(…)`), or the whole `save()` is decorated
`@transaction.atomic` (django-lifecycle's `LifecycleModelMixin`). What its helpers do is not
followed.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

from integrity_lsp.analysis.absence_calls import count_body_read
from integrity_lsp.analysis.bindings import last_binding
from integrity_lsp.analysis.class_methods import method_of
from integrity_lsp.analysis.django import constructor_call, parse_orm_call
from integrity_lsp.analysis.edits import ensure_import, offset_of, shift_block, statement_span
from integrity_lsp.analysis.exception_handlers import is_atomic_expression
from integrity_lsp.analysis.factory_methods import factory_model
from integrity_lsp.analysis.handlers import (
    base_definitions,
    class_definition,
    decorators_of,
)
from integrity_lsp.analysis.mro_methods import mro_definitions
from integrity_lsp.findings import Edit, Span
from integrity_lsp.project.records import ModelRecord
from integrity_lsp.syntax.nodes import (
    CALL_CHAIN_TYPES,
    Node,
    chain_parts,
    expression_of,
    indent_of,
    indent_unit,
    links,
    statement_of,
    walk,
)
from integrity_lsp.syntax.nodes import statements as block_statements
from integrity_lsp.syntax.source import SourceFile

if TYPE_CHECKING:
    from integrity_lsp.analysis.context import Context

ORM_WRITES = frozenset({"create", "bulk_create", "bulk_update", "update", "delete"})
SELF_SAVEPOINT = frozenset({"get_or_create", "update_or_create"})
MAX_BASE_DEPTH = 8  # project base classes followed for an unread one
SCOPES = ("funcdef", "classdef", "lambdef", "async_funcdef", "decorated")


def unprotected_writes(body: Node, ctx: Context, follow: bool = True) -> list[tuple[Node, str]]:
    """ORM writes in the `try` body, outside nested defs and savepoint `atomic()` blocks
    (`follow`: and `obj.save()` calls of a model whose `save()` takes its own savepoint)."""
    found: list[tuple[Node, str]] = []
    stack = [body]
    while stack:
        node = stack.pop()
        if node.type in SCOPES or (node.type == "with_stmt" and _is_savepoint(node)):
            continue
        if node.type in CALL_CHAIN_TYPES:
            method = write_method(node, ctx)
            # a save whose own savepoint is unknown (its class's save() cannot be read) is silent
            if method is not None and not (
                follow and method == "save" and _saves_in_savepoint(node, ctx) is not False
            ):
                found.append((node, method))
        stack.extend(reversed(getattr(node, "children", [])))
    return found


def _saves_in_savepoint(node: Node, ctx: Context) -> bool | None:
    """`obj.save(…)` whose `save()` takes its own savepoint: `obj` an instance of a model whose
    MRO's `save()` does (`_model_save`; also bound to what a factory method of the model
    builds, `Artifact.init_and_validate(…)`), or bound to `Cls(…)` of a project class whose
    `save()` writes only inside its own `with transaction.atomic():`. None when that cannot be
    read: a class of the model's MRO, a base of the project class, or the imported class the
    object is built from (a package not installed: pulpcore's `Artifact` under pre-commit)."""
    head, trailers = chain_parts(node)
    function = ctx.function
    if function is None or head.type != "name" or len(trailers) != 2:
        return False
    model = ctx.env.resolver.resolve_instance(ctx.file, head, use_jedi=False)
    if model is not None:
        return _model_save(model, ctx)
    binding = last_binding(function, str(head.value), statement_of(node))
    if binding is None:
        return False
    expression = expression_of(binding)
    built_model = factory_model(expression, ctx)
    if built_model is not None:
        return _model_save(built_model, ctx)
    built = constructor_call(expression)
    found = class_definition(built[0], ctx.file, ctx) if built is not None else None
    if found is None:
        return None if _built_from_unread_import(expression, ctx) else False
    method = method_of(found[0], found[1], "save", ctx)
    if method is None:
        return None if _unread_base(found[0], found[1], ctx) else False
    count_body_read()  # the finding now depends on another class's body (analysis.walker)
    return _own_savepoint(method[0], ctx) == "savepoint"


def _built_from_unread_import(expression: Node, ctx: Context) -> bool:
    """`Artifact(…)` / `Artifact.init_and_validate(…)`: a class (capitalised) imported from a
    package that cannot be read (`_unread_name`)."""
    head, trailers = chain_parts(expression)
    if head.type != "name" or not str(head.value)[:1].isupper() or not trailers:
        return False
    if trailers[-1].children[0].value != "(":
        return False
    return _unread_name(str(head.value), ctx.file, ctx)


def _unread_base(classdef: Node, source: SourceFile, ctx: Context, depth: int = 0) -> bool:
    """A base of the project class, or of its project bases, that cannot be read (whose
    `save()` may be anything)."""
    if depth > MAX_BASE_DEPTH:
        return True
    for base, found in base_definitions(classdef, source, ctx):
        if found is None:
            if _unread_name(base, source, ctx):
                return True
        elif _unread_base(found[0], found[1], ctx, depth + 1):
            return True
    return False


def _unread_name(name: str, source: SourceFile, ctx: Context) -> bool:
    """`name` (`Gadget`, `pkg.Gadget`) is imported from a package that is neither the
    project's, nor installed, nor the standard library's: what it defines cannot be read."""
    imported = ctx.env.resolver.import_table(source).lookup(name.split(".", 1)[0])
    if imported is None:
        return False
    module = imported[0]
    top = module.split(".", 1)[0]
    if not top or top in sys.stdlib_module_names:
        return False
    index = ctx.env.index
    if index.path_for_module(module) is not None or index.path_for_module(top) is not None:
        return False
    return not index.libraries.has_package(top)


def _model_save(model: ModelRecord, ctx: Context) -> bool | None:
    """The `save()` a model instance runs takes its own savepoint: the first `save()` of its
    MRO (read from the project or an installed package) does, or hands on to the next one
    with `super().save(…)` as its only write outside a savepoint and that one does. None when
    a class of the MRO cannot be read."""
    for definition in mro_definitions(model, "save", ctx):
        if definition is None:
            return None  # a class nobody can read may define save()
        verdict = _own_savepoint(definition.method, ctx)
        if verdict != "super":
            return verdict == "savepoint"
    return False  # Django's own save() takes no savepoint


def _own_savepoint(save: Node, ctx: Context) -> str:
    """ "savepoint" when a `save()` runs its writes in its own savepoint (decorated
    `@transaction.atomic`, or every write inside `with transaction.atomic():`), "super" when
    its only write outside one is `super().save(…)`, else "no"."""
    if any(_is_savepoint_decorator(decorator) for decorator in decorators_of(save)):
        return "savepoint"
    body = save.children[-1]
    outside = unprotected_writes(body, ctx, follow=False)
    if not outside:
        savepoints = [
            statement
            for statement in block_statements(body)
            if statement.type == "with_stmt" and _is_savepoint(statement)
        ]
        return "savepoint" if savepoints else "no"
    if all(method == "save" and _is_super_call(write) for write, method in outside):
        return "super"
    return "no"


def _is_super_call(node: Node) -> bool:
    head, _trailers = chain_parts(node)
    return bool(head.type == "name" and head.value == "super")


def _is_savepoint_decorator(decorator: Node) -> bool:
    is_atomic, savepoint = is_atomic_expression(decorator.children[1])
    return is_atomic and savepoint


def _is_savepoint(with_stmt: Node) -> bool:
    for item in with_stmt.children[1:-2]:
        expression = item.children[0] if item.type == "with_item" else item
        is_atomic, savepoint = is_atomic_expression(expression)
        if is_atomic and savepoint:
            return True
    return False


def write_method(node: Node, ctx: Context) -> str | None:
    orm = parse_orm_call(node, ctx.env.index)
    if orm is not None:
        names = [link.name for link in orm.methods]
        hit = next((n for n in names if n in ORM_WRITES | SELF_SAVEPOINT), None)
        return hit or next((n for n in names if n.startswith("create_")), None)
    chain = links(chain_parts(node)[1])
    if chain and chain[-1].call is not None and chain[-1].name in ("save", "delete"):
        return chain[-1].name
    return None


def wrap_body_in_atomic(source: SourceFile, body: Node) -> list[Edit]:
    """`with transaction.atomic():` around a block's statements (none for a one-line body or
    one holding a multi-line string, which re-indenting would change)."""
    statements = block_statements(body)
    if body.type != "suite" or not statements:
        return []
    if any(n.type in ("string", "fstring_string") and "\n" in n.value for n in walk(body)):
        return []  # re-indenting would change a multi-line string
    start = statement_span(statements[0])
    end = statement_span(statements[-1])
    lines = source.lines
    begin = offset_of(lines, start.start_line, start.start_column)
    text = source.text[begin : offset_of(lines, end.end_line, end.end_column)]
    indent = indent_of(statements[0])  # tabs stay tabs
    step = indent_unit(source.lines)
    transaction, import_edit = ensure_import(source, "django.db", "transaction")
    content = f"with {transaction}.atomic():\n" + shift_block(text, indent, indent + step)
    span = Span(start.start_line, start.start_column, end.end_line, end.end_column)
    edits = [Edit(source.path, span, content)]
    if import_edit is not None:
        edits.append(import_edit)
    return edits
