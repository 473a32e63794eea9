"""Small parso helpers for walking and editing code: call chains, arguments, statements, their
source text and indentation (`syntax.declarations` reads declared values statically)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

Node = Any

CALL_CHAIN_TYPES = ("atom_expr", "power")


@dataclass(frozen=True)
class Argument:
    keyword: str | None  # None for positional and starred arguments
    value: Node
    star: str = ""  # "", "*" or "**"
    node: Node = None  # the whole argument node (keyword included)


@dataclass(frozen=True)
class Link:
    """One step of a call chain: `.name` optionally followed by a call `( … )`."""

    name: str
    name_leaf: Node
    call: Node | None  # the `( … )` trailer, None for a bare attribute


def code(node: Node) -> str:
    """The node's source without its leading whitespace and comments."""
    return str(node.get_code(include_prefix=False))


def normalised(node: Node) -> str:
    """Source text with all whitespace removed: compares `f(a, b)` with `f(a,b)`."""
    return "".join(code(node).split())


def chain_parts(node: Node) -> tuple[Node, list[Node]]:
    """`Product.objects.create(x)` -> (Name Product, [trailers])."""
    if node.type in CALL_CHAIN_TYPES:
        children = [child for child in node.children if child.type != "keyword"]
        if children and children[0].type == "operator" and children[0].value == "await":
            children = children[1:]
        trailers = []
        for child in children[1:]:
            if child.type != "trailer":  # error recovery in half-typed code: stop the chain
                break
            trailers.append(child)
        return children[0], trailers
    return node, []


def links(trailers: list[Node]) -> list[Link]:
    """Attribute trailers, each with the call trailer that follows it, if any."""
    result: list[Link] = []
    index = 0
    while index < len(trailers):
        trailer = trailers[index]
        first = trailer.children[0]
        if first.type == "operator" and first.value == ".":
            name_leaf = trailer.children[1]
            call = None
            if index + 1 < len(trailers) and trailers[index + 1].children[0].value == "(":
                call = trailers[index + 1]
                index += 1
            result.append(Link(name_leaf.value, name_leaf, call))
        index += 1
    return result


def arguments(call_trailer: Node | None) -> list[Argument]:
    """The arguments of a `( … )` trailer."""
    if call_trailer is None or len(call_trailer.children) < 3:
        return []
    inner = call_trailer.children[1]
    items = inner.children if inner.type == "arglist" else [inner]
    result: list[Argument] = []
    for item in items:
        if item.type == "operator":
            continue
        if item.type == "argument":
            first = item.children[0]
            if first.type == "operator" and first.value in ("*", "**"):
                result.append(Argument(None, item.children[1], first.value, item))
            elif len(item.children) >= 3 and item.children[1].value == "=":
                result.append(Argument(first.value, item.children[2], "", item))
            else:  # a generator expression argument
                result.append(Argument(None, item, "", item))
        else:
            result.append(Argument(None, item, "", item))
    return result


def keyword_arguments(call_trailer: Node | None) -> dict[str, Argument]:
    return {arg.keyword: arg for arg in arguments(call_trailer) if arg.keyword is not None}


def has_star_kwargs(call_trailer: Node | None) -> bool:
    return any(arg.star == "**" for arg in arguments(call_trailer))


def walk(node: Node) -> Iterator[Node]:
    """Every node below `node` (pre-order), without recursion."""
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        children = getattr(current, "children", None)
        if children:
            stack.extend(reversed(children))


def statements(suite: Node) -> list[Node]:
    """The statements of a block: a `suite` or a one-line body."""
    if suite.type == "suite":
        return [child for child in suite.children if child.type not in ("newline", "endmarker")]
    return [suite]


def expression_of(statement: Node) -> Node:
    """The expression of a simple one-expression statement (`x = call()` gives `call()`, and
    so does `x: T = call()`)."""
    node = statement
    if node.type == "simple_stmt":
        node = node.children[0]
    if node.type == "expr_stmt" or (node.type == "return_stmt" and len(node.children) == 2):
        node = node.children[-1]
    if node.type == "annassign" and len(node.children) == 4:
        node = node.children[3]  # `: T = value`
    return node


def is_return(statement: Node) -> bool:
    node = statement.children[0] if statement.type == "simple_stmt" else statement
    return bool(node.type == "return_stmt")


def assignment_target(statement: Node) -> Node | None:
    """`x` in `x = value` (a simple statement with one assignment), else None."""
    node = statement.children[0] if statement.type == "simple_stmt" else statement
    if node.type == "expr_stmt" and len(node.children) == 3 and node.children[1].value == "=":
        return node.children[0]
    return None


def binding_target(statement: Node) -> Node | None:
    """`x` in `x = value` or in the annotated `x: T = value` (a simple statement with one
    assignment), else None: a name's binding, whatever its annotation says."""
    node = statement.children[0] if statement.type == "simple_stmt" else statement
    last = node.children[-1] if node.type == "expr_stmt" else None
    if last is not None and len(node.children) == 2 and last.type == "annassign":
        return node.children[0] if len(last.children) == 4 else None
    return assignment_target(statement)


def bound_name(value: Node) -> str | None:
    """`x` when `value` is the right-hand side of `x = value` (the first target of a chained
    assignment), else None."""
    statement = value.parent
    if statement is None or statement.type != "expr_stmt" or statement.children[-1] is not value:
        return None
    first = statement.children[0]
    return str(first.value) if first.type == "name" else None


def is_simple_exit(statement: Node) -> bool:
    """A statement that leaves the block: return, raise, continue, break."""
    node = statement.children[0] if statement.type == "simple_stmt" else statement
    return node.type in ("return_stmt", "raise_stmt") or (
        node.type == "keyword" and node.value in ("continue", "break")
    )


def block_exits(suite: Node) -> bool:
    body = statements(suite)
    return bool(body) and is_simple_exit(body[-1])


def indent_of(node: Node) -> str:
    """The indentation of the line where `node` starts."""
    leaf = node.get_first_leaf()
    last: str = leaf.prefix.split("\n")[-1]
    return last if not last.strip() else " " * leaf.start_pos[1]


def indent_unit(lines: list[str]) -> str:
    """One level of indentation as the file writes it: a tab, or the first indent's spaces."""
    for line in lines:
        if line[:1] == "\t":
            return "\t"
        if line[:1] == " " and line.strip():
            width = len(line) - len(line.lstrip(" "))
            return " " * (width if width <= 8 else 4)
    return "    "


def comments_in(node: Node) -> list[str]:
    """Comments inside a node, in order: not its own leading prefix, and not the comment that
    ends its last line (that one stays where it is, after the replacement)."""
    found: list[str] = []
    first = node.get_first_leaf()
    leaf = first.get_next_leaf()
    last = node.get_last_leaf()
    if last.type == "newline" and last is not first:
        last = last.get_previous_leaf()
    while leaf is not None:
        for line in leaf.prefix.splitlines():
            stripped = line.strip()
            if stripped.startswith("#"):
                found.append(stripped)
        if leaf is last:
            break
        leaf = leaf.get_next_leaf()
    return found


def enclosing(node: Node, *types: str) -> Node | None:
    parent = node.parent
    while parent is not None:
        if parent.type in types:
            return parent
        parent = parent.parent
    return None


def suite_of_statement(statement: Node) -> Node | None:
    """The block (suite or file) directly containing a statement."""
    return statement.parent


def statement_of(node: Node) -> Node:
    """The simple or compound statement containing `node`."""
    current = node
    while current.parent is not None and current.parent.type not in ("suite", "file_input"):
        current = current.parent
    return current
