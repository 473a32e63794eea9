"""What a `try` statement's handlers catch, read structurally: the exception names of each
`except` clause (a name imported from `django.db` under an alias read as the name it stands
for), whether one of them meets an IntegrityError, and whether a `with` expression is
`transaction.atomic` (and takes a savepoint)."""

from __future__ import annotations

from integrity_lsp.analysis.db_exception_aliases import unaliased
from integrity_lsp.syntax.nodes import Node, code, normalised

# an `except` naming one of these meets an IntegrityError
INTEGRITY_ERROR_CATCHERS = frozenset(
    {"IntegrityError", "DatabaseError", "Error", "Exception", "BaseException"}
)


def is_atomic_expression(node: Node) -> tuple[bool, bool]:
    """(is `transaction.atomic(…)`/`atomic(…)`/bare `atomic`, takes a savepoint)."""
    text = normalised(node)
    head = text.split("(", 1)[0]
    if head not in ("transaction.atomic", "atomic", "django.db.transaction.atomic"):
        return False, False
    return True, "savepoint=False" not in text


def handler_names(except_clause: Node) -> list[str]:
    """The exception class names an `except` clause catches (last dotted part; a bare name
    imported from `django.db` under an alias as the name it stands for); [] for bare."""
    if except_clause.type == "keyword":  # bare `except:`
        return ["BaseException"]
    if len(except_clause.children) < 2:
        return ["BaseException"]
    target = except_clause.children[1]
    items = target.children[1:-1] if target.type == "atom" else [target]
    names: list[str] = []
    for item in items:
        parts = item.children if item.type == "testlist_comp" else [item]
        for part in parts:
            if part.type == "operator":
                continue
            dotted = code(part).strip()
            names.append(dotted.rsplit(".", 1)[-1] if "." in dotted else unaliased(dotted, part))
    return names


def except_clauses(try_stmt: Node) -> list[tuple[Node, Node]]:
    """(except clause, its block) pairs of a try statement."""
    pairs = []
    children = try_stmt.children
    for index, child in enumerate(children):
        is_clause = child.type == "except_clause" or (
            child.type == "keyword" and child.value == "except"
        )
        if is_clause:
            pairs.append((child, children[index + 2]))
    return pairs


def catches_integrity_error(try_stmt: Node) -> bool:
    return any(
        INTEGRITY_ERROR_CATCHERS & set(handler_names(clause))
        for clause, _ in except_clauses(try_stmt)
    )
