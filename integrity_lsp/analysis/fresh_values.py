"""Values no other request can produce: a call of a random generator anywhere in the value
(`uuid4()`, `secrets.token_urlsafe()`, `get_random_string(32)`, `"%016x" %
random.getrandbits(64)`), or a call of a project function every `return` of which is such a
value (askbot's `generate_random_key()`), followed two calls deep through the module's own
definitions and its imports from project modules; or a local name the function binds once,
before the value, to such a value (`raw = generate_key()`, then `hash_token(raw)`), in the
handler or in a helper it follows (sentry's `generate_token()` returning an f-string of a local
`secret = b64encode(secrets.token_bytes(32))`): reading a local costs no depth. A write
keyed on one cannot repeat another request's row.
"""

from __future__ import annotations

from integrity_lsp.analysis.absence_attached import defined_or_imported, module_source
from integrity_lsp.analysis.context import Context
from integrity_lsp.analysis.mro_methods import mro_definitions
from integrity_lsp.syntax.nodes import Node, enclosing, walk
from integrity_lsp.syntax.source import SourceFile

FRESH_CALLS = frozenset(
    {
        "uuid4", "uuid1", "token_urlsafe", "token_hex", "token_bytes", "get_random_string",
        "urandom", "getrandbits", "randbytes",
    }
)  # fmt: skip
DEPTH = 2  # project functions followed: a helper, and the helper it returns from


def is_fresh_value(value: Node, ctx: Context | None = None, depth: int = DEPTH) -> bool:
    """A value no other request can produce. Without `ctx` (or for a value outside
    `ctx.file`) only the generators named in the value count."""
    for leaf in walk(value):
        if leaf.type != "name":
            continue
        if not _is_called(leaf):
            if ctx is not None and _bound_fresh(leaf, value, ctx, depth):
                return True
            continue
        if leaf.value in FRESH_CALLS:
            return True
        if ctx is not None and depth > 0 and _returns_fresh(leaf, value, ctx, depth):
            return True
    return False


def _bound_fresh(leaf: Node, value: Node, ctx: Context, depth: int) -> bool:
    """`leaf` reads a local name the function binds once, `name = <fresh value>`, before
    `value` (django-crm's `raw = generate_pat_raw()`, then `token_hash=cls.hash_token(raw)`)."""
    function = ctx.function
    if function is None or function.type != "funcdef" or value.get_root_node() is not ctx.file.tree:
        return False
    previous = leaf.get_previous_leaf()
    if previous is not None and previous.value == ".":
        return False  # `obj.name`: an attribute, not the local
    if not (function.start_pos <= value.start_pos < function.end_pos):
        return False
    name = leaf.value
    bindings = [
        node
        for node in walk(function)
        if node.type == "name" and node.value == name and node.is_definition()
    ]
    if len(bindings) != 1:
        return False  # a parameter, or bound twice (a loop, a branch): the value may differ
    target = bindings[0]
    statement = target.parent
    if statement is None or statement.type != "expr_stmt" or len(statement.children) != 3:
        return False
    if statement.children[0] is not target or statement.children[1].value != "=":
        return False
    if enclosing(statement, "funcdef") is not function or statement.end_pos > value.start_pos:
        return False
    # Same depth: a binding is read in the same function, always earlier, so this ends.
    return is_fresh_value(statement.children[2], ctx, depth)


def _is_called(leaf: Node) -> bool:
    holder = leaf.parent if leaf.parent is not None and leaf.parent.type == "trailer" else leaf
    following = holder.get_next_sibling()
    return bool(
        following is not None and following.type == "trailer" and following.children[0].value == "("
    )


def _returns_fresh(leaf: Node, value: Node, ctx: Context, depth: int) -> bool:
    """`leaf` names a project function (called by its bare name), or a method of the model an
    instance read from the code belongs to (`om.generate_token()`, `om = OrganizationMember(…)`),
    whose every `return` gives a fresh value."""
    if leaf.parent is None or value.get_root_node() is not ctx.file.tree:
        return False
    if leaf.parent.type == "trailer":
        found = _model_method(leaf, ctx)
    else:
        found = defined_or_imported(ctx.file, "funcdef", str(leaf.value), ctx, module_source)
    if found is None:
        return False
    function, source = found
    returned = list(returned_values(function))
    inner = ctx.replace(file=source, function=function)
    return bool(returned) and all(is_fresh_value(r, inner, depth - 1) for r in returned)


def _model_method(leaf: Node, ctx: Context) -> tuple[Node, SourceFile] | None:
    """The method `obj.<leaf>()` runs, `obj` a name read as a model instance: the first class of
    the model's MRO that defines it (every class before it read)."""
    trailer = leaf.parent
    chain = trailer.parent if trailer is not None else None
    if chain is None or chain.children.index(trailer) != 1 or chain.children[0].type != "name":
        return None
    model = ctx.env.resolver.resolve_instance(ctx.file, chain.children[0], use_jedi=False)
    if model is None:
        return None
    for definition in mro_definitions(model, str(leaf.value), ctx):
        if definition is None:
            return None  # a class nobody can read may define it
        return definition.method, definition.source
    return None


def returned_values(function: Node) -> list[Node]:
    """The values of the function's own `return` statements; a bare `return`, a `yield` or a
    `return` with no value makes the answer empty (not every path returns a value)."""
    values: list[Node] = []
    stack = list(function.children[-1].children) if function.children else []
    while stack:
        node = stack.pop()
        if node.type in ("funcdef", "classdef", "lambdef"):
            continue
        if node.type == "keyword" and node.value in ("yield", "return"):
            return []  # a generator, or a bare `return` (a `return x` is a return_stmt)
        if node.type == "return_stmt":
            if len(node.children) < 2:
                return []
            values.append(node.children[1])
            continue
        stack.extend(getattr(node, "children", ()))
    return values
