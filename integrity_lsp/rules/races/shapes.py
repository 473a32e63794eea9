"""Check-then-act shapes shared by IL101–IL103: existence checks, the writes they guard, and
`try: get() except DoesNotExist: create()`.

An existence check is a query whose truth says "a row with this lookup exists"; a write is a
create on the same model with the same lookup values. Matching is by source text of the model
expression and of each lookup value (whitespace-insensitive), so it works without resolution.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from integrity_lsp.analysis.block_inserts import writes_in
from integrity_lsp.analysis.django import DOES_NOT_EXIST, OrmCall, parse_orm_call
from integrity_lsp.analysis.exception_handlers import (
    catches_integrity_error,
    except_clauses,
    handler_names,
)
from integrity_lsp.analysis.writes import WriteSite
from integrity_lsp.syntax.nodes import (
    CALL_CHAIN_TYPES,
    Argument,
    Node,
    assignment_target,
    chain_parts,
    code,
    expression_of,
    is_return,
    links,
    normalised,
    statements,
)

if TYPE_CHECKING:
    from integrity_lsp.project.index import ProjectIndex

ABSENT_COMPARISONS = {("==", "0"), ("<", "1"), ("<=", "0")}
PRESENT_COMPARISONS = {(">", "0"), (">=", "1"), ("!=", "0")}


@dataclass(frozen=True)
class Query:
    """A queryset expression with a plain keyword lookup, and the text of its model."""

    node: Node
    model_text: str
    receiver: str
    lookup: dict[str, Argument]
    orm: OrmCall | None


@dataclass(frozen=True)
class ExistenceCheck:
    query: Query
    truthy_means_exists: bool


def query_of(node: Node, bindings: dict[str, Query], index: ProjectIndex | None) -> Query | None:
    """`M.objects.filter(k=v)` or a name bound to one, minus a trailing exists/count/first/last."""
    if node.type == "name" and node.value in bindings:
        return bindings[node.value]
    if node.type not in CALL_CHAIN_TYPES:
        return None
    orm = parse_orm_call(node, index)
    if orm is not None:
        lookup = orm.lookup()
        if lookup is None or orm.methods[0].name not in (
            "filter",
            "all",
            "exists",
            "count",
            "first",
            "last",
            "get",
        ):
            return None
        return Query(node, orm.model_text, orm.receiver, lookup, orm)
    base, trailers = chain_parts(node)
    if base.type == "name" and base.value in bindings:
        chain = links(trailers)
        if chain and all(link.name in ("exists", "count", "first", "last") for link in chain):
            return bindings[base.value]
    return None


def _terminal(node: Node) -> str | None:
    if node.type not in CALL_CHAIN_TYPES:
        return None
    chain = links(chain_parts(node)[1])
    return chain[-1].name if chain else None


def existence_check(
    test: Node, bindings: dict[str, Query], index: ProjectIndex | None
) -> ExistenceCheck | None:
    """Recognise the condition shapes of SPEC's IL101 row."""
    if test.type == "not_test":
        inner = existence_check(test.children[1], bindings, index)
        return None if inner is None else ExistenceCheck(inner.query, not inner.truthy_means_exists)
    if test.type == "atom" and test.children[0].value == "(" and len(test.children) == 3:
        return existence_check(test.children[1], bindings, index)
    if test.type == "comparison" and len(test.children) == 3:
        left, operator, right = test.children
        op = normalised(operator)
        query = query_of(left, bindings, index)
        if query is None:
            return None
        terminal = _terminal(left)
        literal = normalised(right)
        if terminal == "count":
            if (op, literal) in ABSENT_COMPARISONS:
                return ExistenceCheck(query, False)
            if (op, literal) in PRESENT_COMPARISONS:
                return ExistenceCheck(query, True)
            return None
        is_none_test = literal == "None" and op in ("is", "==", "isnot", "!=")
        if is_none_test and (terminal in ("first", "last") or left.type == "name"):
            return ExistenceCheck(query, op in ("isnot", "!="))
        return None
    query = query_of(test, bindings, index)
    if query is None:
        return None
    return ExistenceCheck(query, True)


def bindings_before(statement: Node, index: ProjectIndex | None) -> dict[str, Query]:
    """Names bound to a query or a `.first()` by earlier statements of the same block."""
    found: dict[str, Query] = {}
    suite = statement.parent
    if suite is None:
        return found
    for sibling in suite.children:
        if sibling is statement:
            break
        if sibling.type != "simple_stmt":
            continue
        target = assignment_target(sibling)
        if target is None or target.type != "name":
            continue
        value = expression_of(sibling)
        query = query_of(value, {}, index)
        if query is not None and _terminal(value) not in ("exists", "count"):
            found[target.value] = query
        else:
            found.pop(target.value, None)
    return found


def same_subject(write: WriteSite, query: Query) -> bool:
    """Same model expression and every lookup value passed unchanged to the write."""
    if normalised_text(write.model_text) != normalised_text(query.model_text) and normalised_text(
        write.receiver
    ) != normalised_text(query.receiver):
        return False
    if not query.lookup:
        return False
    kwargs = write.kwargs
    positional = [normalised(arg.value) for arg in write.positional]
    for key, arg in query.lookup.items():
        name = key.removesuffix("__exact")
        candidates = [name, f"{name}_id", name.removesuffix("_id")]
        value = normalised(arg.value)
        if any(c in kwargs and normalised(kwargs[c].value) == value for c in candidates):
            continue
        if write.method.startswith("create_") and value in positional:
            continue
        return False
    return True


def guarded_within(write: WriteSite, container: Node) -> bool:
    """Is the write inside a `try … except IntegrityError` that lies within `container`?"""
    parent = write.statement.parent
    while parent is not None and parent is not container:
        if parent.type == "try_stmt" and catches_integrity_error(parent):
            return True
        parent = parent.parent
    return False


def normalised_text(text: str) -> str:
    return "".join(text.split())


@dataclass(frozen=True)
class GetExceptCreate:
    """`try: x = M.objects.get(L) … except M.DoesNotExist: … create(L, …)`."""

    try_stmt: Node
    get_statement: Node
    query: Query
    target: Node | None
    body: list[Node]  # statements of the try block after the get
    handler_body: Node
    write: WriteSite

    @property
    def returned(self) -> bool:
        return is_return(self.get_statement)


def get_except_create(try_stmt: Node, index: ProjectIndex | None) -> GetExceptCreate | None:
    body = statements(try_stmt.children[2])
    if not body:
        return None
    first = body[0]
    if first.type != "simple_stmt":
        return None
    expression = expression_of(first)
    orm = parse_orm_call(expression, index) if expression.type in CALL_CHAIN_TYPES else None
    if orm is None or orm.method != "get":
        return None
    query = query_of(expression, {}, index)
    if query is None:
        return None
    for clause, handler_body in except_clauses(try_stmt):
        if not DOES_NOT_EXIST & set(handler_names(clause)):
            continue
        for write in writes_in(handler_body, index):
            if same_subject(write, query) and not guarded_within(write, try_stmt):
                return GetExceptCreate(
                    try_stmt, first, query, assignment_target(first), body[1:], handler_body, write
                )
    return None


def lookup_source(lookup: dict[str, Argument]) -> str:
    """`k=v, …`; a `**name` of the lookup (`views.query_of`) as written."""
    return ", ".join(
        f"**{code(arg.value)}" if arg.star == "**" else f"{key}={code(arg.value)}"
        for key, arg in lookup.items()
    )
