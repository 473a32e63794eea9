"""IL104's `defaults` values computed only from the exact lookup's values (`defaults={"slug":
slugify(name)}`): two concurrent calls with one lookup insert the same such value, so a unique
constraint on it covers the call too."""

from __future__ import annotations

from integrity_lsp.analysis.context import Context
from integrity_lsp.syntax.nodes import Node, code, keyword_arguments, walk

BUILTINS = frozenset({"str", "int", "len", "min", "max", "abs", "round", "format"})


def derived_defaults(
    call: Node | None, lookup: dict[str, Node | None], ctx: Context
) -> dict[str, Node | None]:
    """`defaults` values computed only from exact lookup values (`slug=slugify(name)`).

    Two concurrent calls with the same exact lookup insert the same such value, so a unique
    constraint on it makes the second insert fail and `get_or_create` fetch the winner's row.
    (Not for `__iexact` and friends: "Ann" and "ann" match the same rows but insert different
    values — unless the value case-folds what it reads: `username__iexact=name` with
    `defaults={"username": name.lower()}` inserts "ann" for both, modoboa's LDAP login.)
    """
    defaults = keyword_arguments(call).get("defaults")
    if defaults is None or defaults.value.type != "atom" or defaults.value.children[0].value != "{":
        return {}
    exact_values = [value for key, value in lookup.items() if "__" not in key and value is not None]
    allowed = {leaf.value for value in exact_values for leaf in _names(value)}
    folded = {
        leaf.value
        for key, value in lookup.items()
        if key.endswith("__iexact") and value is not None
        for leaf in _names(value)
    }
    imports = ctx.env.resolver.import_table(ctx.file)
    derived: dict[str, Node | None] = {}
    items = defaults.value.children[1]
    entries = items.children if items.type == "dictorsetmaker" else []
    for position in range(0, len(entries) - 2, 4):
        key, colon, value = entries[position : position + 3]
        if key.type != "string" or colon.value != ":":
            continue
        names = {leaf.value for leaf in _names(value)}
        readable = allowed | folded if _case_folded(value) else allowed
        if (
            names
            and all(
                name in readable or imports.lookup(name) is not None or name in BUILTINS
                for name in names
            )
            and names & readable
        ):
            derived[key.value.strip("\"'")] = value
    return derived


def _case_folded(node: Node) -> bool:
    """`<expression>.lower()` (`.upper()`, `.casefold()`): one value for every casing."""
    children = getattr(node, "children", [])
    if node.type not in ("power", "atom_expr") or len(children) < 3:
        return False
    name, call = children[-2], children[-1]
    return (
        name.type == "trailer"
        and code(name).strip() in (".lower", ".upper", ".casefold")
        and call.type == "trailer"
        and code(call).strip() == "()"
    )


def _names(node: Node) -> list[Node]:
    """Name leaves read by an expression (not attribute names after a dot, not keywords)."""
    found = []
    for leaf in walk(node):
        if leaf.type != "name":
            continue
        previous = leaf.get_previous_leaf()
        following = leaf.get_next_leaf()
        if previous is not None and previous.value == ".":
            continue
        if following is not None and following.value == "=" and leaf.parent.type == "argument":
            continue
        found.append(leaf)
    return found
