"""Inserts, guards and locks as `analysis.absence` sees them, built on the one write-site model
(`analysis.writes`): the inserts one statement performs, the instances it builds, whether a
`try … except IntegrityError` protects an insert, what takes a lock, and which of the three
views (IL101–IL103) a race belongs to."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import replace
from typing import TYPE_CHECKING

from integrity_lsp.analysis.absence_managers import own_create
from integrity_lsp.analysis.bulk_objects import bulk_objects
from integrity_lsp.analysis.django import constructor_call, parse_orm_call
from integrity_lsp.analysis.sql_locks import takes_advisory_lock
from integrity_lsp.analysis.writes import WriteSite, call_values, orm_write
from integrity_lsp.syntax.nodes import (
    CALL_CHAIN_TYPES,
    Argument,
    Node,
    assignment_target,
    chain_parts,
    code,
    expression_of,
    is_return,
    keyword_arguments,
    links,
    statement_of,
    statements,
    walk,
)
from integrity_lsp.syntax.source import parse_expression

if TYPE_CHECKING:
    from integrity_lsp.analysis.absence import Absence, CallFollower, State
    from integrity_lsp.analysis.context import Context
    from integrity_lsp.project.records import ModelRecord

SAVE_METHODS = ("save", "asave")
CONFLICT_OPTIONS = ("ignore_conflicts", "update_conflicts")
UPDATE_OPTIONS = ("update_fields", "force_update")
LOCK_METHODS = frozenset({"lock", "acquire", "acquire_lock", "advisory_lock", "lock_for_update"})
_LOCK_WORD = re.compile(r"(^|[._(])(\w*_)?lock(_\w*)?\b|Lock\b", re.I)
_NOT_DESCENDED = ("funcdef", "classdef", "lambdef")


def inserts_in(
    node: Node,
    state: State,
    ctx: Context,
    calls: CallFollower | None,
    managed: ModelRecord | None = None,
) -> Iterator[tuple[WriteSite, Node | None]]:
    """The inserts a small statement performs (with the call that reaches each one, for an
    insert in another function; `managed`: in a manager's method, `self.create(…)` too)."""
    for chain in call_chains(node):
        site = _insert(chain, state, ctx)
        if site is None and managed is not None:
            site = own_create(chain, managed)
        if site is not None:
            yield _bound(site, chain), None
        elif calls is not None and state.absent:
            for inner in calls.inserts_through(chain, ctx):
                yield inner, chain


def _bound(site: WriteSite, chain: Node) -> WriteSite:
    """The name the insert's result is bound to, and whether it is returned."""
    statement = statement_of(chain)
    value = expression_of(statement)
    if value is not chain:
        return replace(site, target=None, returned=False)
    base, trailers = chain_parts(chain)
    if site.method in SAVE_METHODS and base.type == "name" and len(trailers) == 2:
        return replace(site, target=base, returned=False)  # `obj.save()`: the instance is `obj`
    return replace(site, target=assignment_target(statement), returned=is_return(statement))


def call_chains(node: Node) -> list[Node]:
    """The call chains of `node`, nested ones included (not those of nested definitions)."""
    found: list[Node] = []
    stack = [node]
    while stack:
        current = stack.pop()
        if current.type in _NOT_DESCENDED:
            continue
        if current.type in CALL_CHAIN_TYPES:
            found.append(current)
        stack.extend(reversed(getattr(current, "children", ())))
    return found


def _insert(chain: Node, state: State, ctx: Context) -> WriteSite | None:
    index = ctx.env.index
    site = orm_write(chain, index)
    if site is not None and site.kind == "create":
        return site
    if site is not None and site.kind == "bulk_create":
        if any(option in site.kwargs for option in CONFLICT_OPTIONS):
            return None
        objects = bulk_objects(site, ctx)
        if objects is None:
            return None
        return replace(
            objects, node=site.node, kind="bulk_create", method="bulk_create",
            manager=site.manager, receiver=site.receiver,
        )  # fmt: skip
    return _save(chain, state)


def _save(chain: Node, state: State) -> WriteSite | None:
    """`M(…).save()` / `obj.save()` (`asave`) of an instance built in this function."""
    base, trailers = chain_parts(chain)
    chain_links = links(trailers)
    if not chain_links or chain_links[-1].name not in SAVE_METHODS or chain_links[-1].call is None:
        return None
    if trailers[-1] is not chain_links[-1].call:
        return None
    options = keyword_arguments(chain_links[-1].call)
    if any(option in options for option in UPDATE_OPTIONS):
        return None  # an UPDATE of an existing row
    if "commit" in options and code(options["commit"].value) == "False":
        return None  # a form's `save(commit=False)`: nothing written yet
    if base.type == "name" and len(trailers) == 2:
        site = state.instance(base.value)
        return None if site is None else replace(site, node=chain, method=chain_links[-1].name)
    if base.type == "name" and base.value == "super" and len(trailers) == 3:
        site = state.instance("self")  # `super().save()` in a model's `save()`: see saved_self
        return None if site is None else replace(site, node=chain, method=chain_links[-1].name)
    if base.type == "name" and all(t.children[0].value == "." for t in trailers[:-2]):
        owner = "".join(code(part).strip() for part in (base, *trailers[:-2]))
        site = state.instance(owner)  # `self.token.save()` after its keys were set
        if site is not None:
            return replace(site, node=chain, method=chain_links[-1].name)
    prefix = trailers[:-2]
    if not prefix or prefix[-1].children[0].value != "(":
        return None
    names = [base, *(t.children[1] for t in prefix[:-1] if t.children[0].value == ".")]
    if len(names) != len(prefix) or any(n.type != "name" for n in names):
        return None
    if not names[-1].value[:1].isupper():
        return None
    text = ".".join(n.value for n in names)
    values, complete = call_values(prefix[-1], "")
    return WriteSite(
        chain, "save", chain_links[-1].name, text, names[-1], prefix[-1], values, complete,
        receiver=text,
    )  # fmt: skip


def constructed(
    value: Node, ctx: Context, models: frozenset[str] = frozenset()
) -> WriteSite | None:
    """`M(…)` assigned to a name: an instance a later `save()` inserts. `models`: lower-case
    names the function also queries as models (`model = load_model(…)`; `model(…)`)."""
    if value.type not in CALL_CHAIN_TYPES or parse_orm_call(value, ctx.env.index) is not None:
        return None
    found = constructor_call(value)
    base, trailers = chain_parts(value)
    if found is None and base.type == "name" and base.value in models and len(trailers) == 1:
        found = (base.value, base, trailers[0])
    if found is None:
        return None
    text, leaf, call = found
    values, complete = call_values(call, "")
    return WriteSite(value, "save", "save", text, leaf, call, values, complete, receiver=text)


def saved_self(function: Node, ctx: Context) -> WriteSite | None:
    """The instance a concrete model's own `save()` saves by `super().save()`: `self`, each
    field's value `self.<field>` as far as the method does not set it (`absence_walk`'s
    attribute assignments do). It inserts only where `self` is new, which the code decides:
    a check in `save()` that finds its own row on an update (`filter(document=self.document)`)
    is absent only for a new row or a changed key, and both race."""
    if function.type != "funcdef" or function.name.value not in SAVE_METHODS:
        return None
    classdef = function.parent.parent if function.parent.type == "suite" else None
    if classdef is None or classdef.type != "classdef":
        return None
    index = ctx.env.index
    module = ctx.file.module_name or index.module_name(ctx.file.path)
    model = index.model_for_class(module, str(classdef.name.value)) if module else None
    if model is None or model.abstract:
        return None
    values = {
        name: Argument(name, parse_expression(f"self.{name}"), "", None)
        for name in index.all_fields(model)
    }
    return WriteSite(
        function, "save", "save", model.name, None, None, values, False,
        receiver=model.name, model=model,
    )  # fmt: skip


def unknown_instance(target: Node) -> WriteSite:
    """An object from elsewhere (`self.token`) whose fields the code sets: its model is not
    known, so it can only match a lookup whose every key it sets (`absence_match`)."""
    return WriteSite(target, "save", "save", "", None, target, {}, False)


def with_attribute(site: WriteSite, name_leaf: Node, statement: Node) -> WriteSite:
    values = dict(site.values)
    values[name_leaf.value] = Argument(name_leaf.value, expression_of(statement), "", statement)
    return replace(site, values=values)


def is_lock_call(chain: Node) -> bool:
    """A call that takes a lock every competitor takes too: `select_for_update()…get()`, a
    `lock()`/`acquire()`-style method, or raw SQL taking an advisory lock (`sql_locks`)."""
    _, trailers = chain_parts(chain)
    chain_links = links(trailers)
    names = [link.name for link in chain_links]
    if "select_for_update" in names:
        # `row = (qs.select_for_update().first())` is a read whose row may be missing (a lock
        # on no row locks nothing); a statement of its own locks the rows it finds
        parent = chain.parent
        while parent is not None and parent.type == "atom" and parent.children[0].value == "(":
            parent = parent.parent
        return names[-1] in ("get", "aget", "select_for_update") or (
            parent is not None and parent.type != "expr_stmt"
        )
    if not chain_links or chain_links[-1].call is None:
        return False
    if names[-1] == "execute":  # raw SQL: `cursor.execute("SELECT pg_advisory_xact_lock(%s)", …)`
        return takes_advisory_lock(chain_links[-1].call)
    return names[-1] in LOCK_METHODS


def is_lock_expression(node: Node) -> bool:
    """`with advisory_lock(…)`, `with cache.lock(…)`, `with self._lock:` (not `atomic()`)."""
    return bool(_LOCK_WORD.search(code(node)))


def locked_before(node: Node, function: Node, locks: Callable[[Node], bool] | None = None) -> bool:
    """Does the path to `node` take a lock first, as the race walk sees one: a statement
    before it in an enclosing block of `function` that calls `select_for_update()…get()` (or
    a `lock()`-style method, or — `locks` — a project helper that takes one:
    `lock_helpers.calls_lock_helper`), or an enclosing `with advisory_lock(…)`? The competitors
    then queue on it (pretalx's signup: the submission row locked, then its signup inserted)."""
    current = node
    while current is not None and current is not function and current.type not in _NOT_DESCENDED:
        parent = current.parent
        if parent is None:
            return False
        if parent.type == "with_stmt" and current is parent.children[-1]:
            items = parent.children[1:-2]
            if any(is_lock_expression(_with_expression(item)) for item in items):
                return True
        for sibling in parent.children:
            if sibling is current:
                break
            if sibling.type in ("simple_stmt", "expr_stmt") and (
                any(is_lock_call(call) for call in call_chains(sibling))
                or (locks is not None and locks(sibling))
            ):
                return True
        current = parent
    return False


def key_row_locked(
    keys: tuple[Argument, ...], function: Node, returns_lock: Callable[[Node], bool] | None = None
) -> bool:
    """Does a key of the lookup name a row this function read with `select_for_update()`: a name
    every assignment of `function` binds to such a read (or — `returns_lock` — to a call of a
    project helper returning one: `locked_returns`), or to None? The competitors that run
    this code queue on that row's lock before they look, and a key left None is NULL, which a
    unique column never matches (django-oauth-toolkit locks the access token on one branch,
    sets None on the other, then inserts the refresh token keyed on it)."""
    for key in keys:
        value = unwrapped(key.value)
        if value.type != "name":
            continue
        bound = assigned_values(function, value.value)
        locking = [
            v for v in bound if locking_read(v) or (returns_lock is not None and returns_lock(v))
        ]
        if locking and all(
            v in locking or (v.type == "keyword" and v.value == "None") for v in bound
        ):
            return True
    return False


def assigned_values(function: Node, name: str) -> list[Node]:
    """The values `name = value` assigns in `function`; empty when another binding (a
    parameter, a loop, `as`, unpacking) may give it a value, since that one is unknown."""
    values: list[Node] = []
    for leaf in walk(function):
        if leaf.type != "name" or leaf.value != name or not leaf.is_definition():
            continue
        statement = leaf.parent
        if statement.type != "expr_stmt" or statement.children[0] is not leaf:
            return []
        if len(statement.children) != 3 or statement.children[1].value != "=":
            return []
        values.append(unwrapped(statement.children[2]))
    return values


def unwrapped(node: Node) -> Node:
    while node.type == "atom" and node.children[0].value == "(" and len(node.children) == 3:
        node = node.children[1]
    return node


def locking_read(value: Node) -> bool:
    if value.type not in CALL_CHAIN_TYPES:
        return False
    _, trailers = chain_parts(value)
    return any(link.name == "select_for_update" for link in links(trailers))


def _with_expression(item: Node) -> Node:
    return item.children[0] if item.type == "with_item" else item


def race_code(absence: Absence, write: WriteSite, through: Node | None) -> str:
    """Which view reports the race: IL103 when the path that found the row updates it, IL102
    for a failed `get()`, IL101 for the other checks."""
    origin = absence.origin
    if absence.via == "update":
        return "IL103"
    site = through or write.node
    if origin.type == "try_stmt" and absence.via == "get":
        body = statements(origin.children[2])
        target = assignment_target(body[0]) if body else None
        if target is not None and target.type == "name":
            saved = re.compile(rf"\b{re.escape(target.value)}\.a?save\(")
            if any(saved.search(code(statement)) for statement in body[1:]):
                return "IL103"  # the row found is changed and saved: an update-or-create
        return "IL102"
    if origin.type == "if_stmt":
        for block in origin.children:
            if block.type not in ("suite", "simple_stmt"):
                continue
            inside = block.start_pos <= site.start_pos <= block.end_pos
            if not inside and _updates(block):
                return "IL103"
    return "IL102" if absence.via == "get" else "IL101"


def _updates(block: Node) -> bool:
    text = code(block)
    return ".update(" in text or ".save(" in text or ".asave(" in text or ".aupdate(" in text
