"""Is a lookup value derived from a parameter every caller fills with a fresh value?

lino remembers a trusted device by the hash of a token its caller has just generated:

    token = TrustedDevice.make_token()         # the action: secrets.token_urlsafe(…)
    TrustedDevice.register(user, token, …)
    ...
    def register(cls, user, token, …):          # the model
        token_hash = cls.hash_token(token)
        obj, _ = cls.objects.update_or_create(user=user, token_hash=token_hash, …)

No other call can look up a hash of the same new token. `derived_from_fresh_argument` answers
this for the values of a lookup in `ctx.function`:

- the value reads a parameter, directly or through local names bound once before the call
  (`token_hash = cls.hash_token(token)`), the parameter not rebound;
- every call of the function in the project's production files (found by name, at most
  `MAX_FILES` files; every use of the name a call, `analysis.method_calls` leaving out those
  that surely run another function) passes for it a fresh value (`fresh_values`), or a name its
  caller bound once to `x.method(…)` where every `def method` of the project's production files
  returns only fresh values (`make_token`: `return secrets.token_urlsafe(…)`; also such a call
  passed as it is), and at least one call exists.
"""

from __future__ import annotations

import re
from pathlib import Path

from integrity_lsp.analysis.absence_calls import count_body_read
from integrity_lsp.analysis.context import Context
from integrity_lsp.analysis.fresh_values import is_fresh_value, returned_values
from integrity_lsp.analysis.handlers import project_source
from integrity_lsp.analysis.method_calls import may_call
from integrity_lsp.analysis.name_bindings import bindings, last_binding
from integrity_lsp.analysis.new_rows import production_texts
from integrity_lsp.syntax.nodes import Node, arguments, enclosing, walk

MAX_FILES = 12


def derived_from_fresh_argument(node: Node, values: list[Node], ctx: Context) -> bool:
    """Does one of `values` (of the call `node` in `ctx.function`) derive from a parameter
    every caller fills with a fresh value?"""
    function = ctx.function
    if function is None or function.type != "funcdef":
        return False
    parameters = [param.name.value for param in function.get_params()]
    bound = parameters[:1] if parameters[:1] in (["self"], ["cls"]) else []
    for value in values:
        for name in _read_parameters(value, function, parameters, node.start_pos) - set(bound):
            count_body_read()  # the answer depends on other files (the server must not reuse it)
            if _callers_pass_fresh(function, name, parameters, ctx):
                return True
    return False


def _read_parameters(
    value: Node, function: Node, parameters: list[str], before: tuple[int, int]
) -> set[str]:
    """The parameters `value` reads, directly or through names bound once before `before`
    (not rebound themselves)."""
    found: set[str] = set()
    pending, seen = [value], set()
    while pending:
        for leaf in walk(pending.pop()):
            previous = leaf.get_previous_leaf()
            if leaf.type != "name" or (previous is not None and previous.value == "."):
                continue
            name = str(leaf.value)
            if name in seen:
                continue
            seen.add(name)
            bound = [b for b in bindings(function, name) if b.start_pos < before]
            if name in parameters:
                if not bound:
                    found.add(name)
                continue
            source = last_binding(function, name, before)
            if source is not None and len(bound) == 1:
                pending.append(source)
    return found


def _callers_pass_fresh(function: Node, name: str, parameters: list[str], ctx: Context) -> bool:
    callee = str(function.name.value)
    word = re.compile(rf"\b{re.escape(callee)}\b")
    paths = [path for path, text in production_texts(ctx) if word.search(text)]
    if len(paths) > MAX_FILES:
        return False
    bound_first = parameters[:1] in (["self"], ["cls"])
    position = parameters.index(name) - (1 if bound_first else 0)
    calls = 0
    for path in paths:
        found = _calls(callee, path, ctx)
        if found is None:
            return False
        for call, caller, source_ctx in found:
            owner = call.get_previous_sibling().get_previous_sibling() if _dotted(call) else None
            if not may_call(function, ctx.file.path, call, owner, path, ctx):
                continue  # surely another function of the same name
            given = arguments(call)
            if any(argument.star for argument in given):
                return False
            value = next((a.value for a in given if a.keyword == name), None)
            positional = [a for a in given if a.keyword is None]
            if value is None and 0 <= position < len(positional):
                value = positional[position].value
            if value is None or not _fresh_at(value, caller, source_ctx):
                return False
            calls += 1
    return calls > 0


def _dotted(call: Node) -> bool:
    attribute = call.get_previous_sibling()
    return (
        attribute is not None and attribute.type == "trailer" and attribute.children[0].value == "."
    )


def _calls(name: str, path: Path, ctx: Context) -> list[tuple[Node, Node, Context]] | None:
    """The `( … )` trailer, calling function and its context of every call of `name` in the
    file `path`; None when one use is not a call inside a function (handed on as a value)."""
    source = ctx.file if path == ctx.file.path else project_source(path, ctx)
    if source is None:
        return None
    found = []
    for leaf in walk(source.tree):
        if leaf.type != "name" or leaf.value != name or leaf.parent.type in ("funcdef", "classdef"):
            continue
        if enclosing(leaf, "import_from", "import_name") is not None:
            continue
        following = leaf.get_next_leaf()
        caller = enclosing(leaf, "funcdef")
        if following is None or following.value != "(" or following.parent.type != "trailer":
            return None
        if caller is None:
            return None
        found.append((following.parent, caller, ctx.replace(file=source, function=caller)))
    return found


def _fresh_at(value: Node, caller: Node, ctx: Context) -> bool:
    """A fresh value at the caller, or a call `x.method(…)` (in the value, or in the one
    binding of the name passed) of a method every project definition of which returns fresh
    values."""
    if is_fresh_value(value, ctx):
        return True
    text = value.get_code(include_prefix=False).strip()
    source: Node | None = value
    if text.isidentifier():
        if len(list(bindings(caller, text))) != 1:
            return False
        source = last_binding(caller, text, value.start_pos)
    if source is None or source.type not in ("atom_expr", "power"):
        return False
    trailers = source.children[1:]
    if len(trailers) < 2 or trailers[-1].type != "trailer" or trailers[-2].type != "trailer":
        return False
    if trailers[-1].children[0].value != "(" or trailers[-2].children[0].value != ".":
        return False
    return _method_returns_fresh(str(trailers[-2].children[1].value), ctx)


def _method_returns_fresh(method: str, ctx: Context) -> bool:
    definition = re.compile(rf"\bdef\s+{re.escape(method)}\s*\(")
    paths = [path for path, text in production_texts(ctx) if definition.search(text)]
    if not paths or len(paths) > MAX_FILES:
        return False
    for path in paths:
        source = ctx.file if path == ctx.file.path else project_source(path, ctx)
        if source is None:
            return False
        for function in walk(source.tree):
            if function.type != "funcdef" or function.name.value != method:
                continue
            returned = returned_values(function)
            inner = ctx.replace(file=source, function=function)
            if not returned or not all(is_fresh_value(r, inner) for r in returned):
                return False
    return True
