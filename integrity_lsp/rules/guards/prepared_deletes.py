"""`delete()` calls whose failure an `except IntegrityError` cannot meet inside an atomic block.

Django's deletion collector applies `on_delete` in Python before it deletes: CASCADE deletes
the children first, SET_NULL / SET_DEFAULT update them, PROTECT and RESTRICT raise
`ProtectedError` / `RestrictedError` (subclasses of `IntegrityError`) after only SELECTs, before
any write, so the transaction is not marked for rollback: `except IntegrityError` around a delete
is the usual way to catch them, and the block stays usable. What the collector leaves is a child
whose foreign key says DO_NOTHING (and that the database enforces): the database refuses that
delete (MySQL at the statement; PostgreSQL, SQLite and Oracle, whose foreign keys Django creates
deferred, at the outermost commit, past the `try`). Otherwise a delete fails only on a database
error (a lock timeout, a deadlock), which a handler means to catch only when it names
`DatabaseError`.

So a delete is prepared when its model is resolved (a queryset's, or an instance's read from the
code), no enforced DO_NOTHING foreign key points at it or at a multi-table parent
(`analysis.related_writes.unprepared_children`), and, for an instance, every `delete()` of its
MRO before Django's writes only deletes outside a savepoint (arches' `Resource.delete()`:
related rows, then `super().delete()`), every class of the MRO read. What `pre_delete` /
`post_delete` receivers write is not followed (as for every other write); a child inserted by
another transaction after the collector looked is a race on MySQL only, not this rule's.
"""

from __future__ import annotations

from integrity_lsp.analysis.context import Context
from integrity_lsp.analysis.django import model_of, parse_orm_call, related_model_of
from integrity_lsp.analysis.mro_methods import mro_definitions
from integrity_lsp.analysis.related_writes import unprepared_children
from integrity_lsp.project.records import ModelRecord
from integrity_lsp.rules.guards.savepoints import unprotected_writes
from integrity_lsp.syntax.nodes import Node, chain_parts

# Queryset methods that return one row: a `delete()` after them is the instance's.
_ROW_GETTERS = frozenset({"get", "first", "last", "earliest", "latest"})


def prepared_delete(node: Node, ctx: Context) -> bool:
    """`node` (a call chain ending in `.delete(…)`) deletes rows of a known model whose delete
    the collector prepares in full (see the module docstring)."""
    found = _deleted_model(node, ctx)
    if found is None:
        return False
    model, instance = found
    if unprepared_children(ctx.env.index, model):
        return False
    return not instance or _deletes_only(model, ctx)


def _deleted_model(node: Node, ctx: Context) -> tuple[ModelRecord, bool] | None:
    """The model whose rows the delete removes, and whether it is an instance's `delete()`."""
    orm = parse_orm_call(node, ctx.env.index)
    if orm is not None:
        names = [link.name for link in orm.methods]
        if names[-1:] != ["delete"]:
            return None
        model = model_of(orm, ctx) or related_model_of(orm, ctx)
        return (model, bool(_ROW_GETTERS & set(names[:-1]))) if model is not None else None
    head, trailers = chain_parts(node)
    if head.type != "name" or len(trailers) != 2 or ctx.function is None:
        return None
    model = ctx.env.resolver.resolve_instance(ctx.file, head, use_jedi=False)
    return (model, True) if model is not None else None


def _deletes_only(model: ModelRecord, ctx: Context) -> bool:
    """No class of the model's MRO before Django's `Model` has a `delete()` that writes anything
    but deletes outside a savepoint; all of them are read."""
    for definition in mro_definitions(model, "delete", ctx):
        if definition is None:
            return False
        writes = unprotected_writes(definition.method.children[-1], ctx, follow=False)
        if any(method != "delete" for _, method in writes):
            return False
    return True
