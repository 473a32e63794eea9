"""Rewrites shared by the race rules: `get_or_create`/`update_or_create` calls replacing a
statement (the try/atomic wrapper is `analysis/try_atomic`, re-indenting `analysis/edits`)."""

from __future__ import annotations

from collections.abc import Iterable

from integrity_lsp.analysis.edits import statement_span
from integrity_lsp.analysis.writes import WriteSite
from integrity_lsp.findings import Edit
from integrity_lsp.syntax.nodes import Argument, Node, code, comments_in, indent_of
from integrity_lsp.syntax.source import SourceFile

CREATED_NAME = "_created"  # not `_`: Django projects bind `_` to gettext


def dict_source(items: Iterable[tuple[str, str]]) -> str:
    parts = [value if key.startswith("**") else f'"{key}": {value}' for key, value in items]
    return "{" + ", ".join(parts) + "}"


def split_write(
    write: WriteSite, lookup_keys: Iterable[str]
) -> tuple[list[Argument], list[Argument]]:
    """The write's keyword arguments: (those of the lookup, the rest)."""
    keys = set()
    for key in lookup_keys:
        name = key.removesuffix("__exact")
        keys.update({name, f"{name}_id", name.removesuffix("_id")})
    lookup: list[Argument] = []
    rest: list[Argument] = []
    for argument in write.kwargs.values():
        (lookup if argument.keyword in keys else rest).append(argument)
    return lookup, rest


def rest_items(
    arguments: Iterable[Argument], extra_star: Iterable[Argument] = ()
) -> list[tuple[str, str]]:
    items = [(str(a.keyword), code(a.value)) for a in arguments]
    items.extend((f"**{code(a.value)}", f"**{code(a.value)}") for a in extra_star)
    return items


def get_or_create_call(
    receiver: str,
    method: str,
    lookup: list[Argument],
    defaults: list[tuple[str, str]],
    create_defaults: list[tuple[str, str]] | None = None,
    *,
    multiline: str | None = None,
) -> str:
    """The call; `multiline`: the statement's indentation when the write it replaces spans
    several lines (then one argument per line, as the original was laid out)."""
    arguments_ = [f"{a.keyword}={code(a.value)}" for a in lookup]
    if defaults:
        arguments_.append(f"defaults={dict_source(defaults)}")
    if create_defaults:
        arguments_.append(f"create_defaults={dict_source(create_defaults)}")
    if multiline is not None and arguments_:
        inner = "".join(f"\n{multiline}    {argument}," for argument in arguments_)
        return f"{receiver}.{method}({inner}\n{multiline})"
    return f"{receiver}.{method}({', '.join(arguments_)})"


def layout_of(write: WriteSite, replaced: Node) -> str | None:
    """The indentation to lay a replacement of `replaced` out one argument per line, when the
    write's own call spans several lines; None for a one-line call."""
    if write.call.start_pos[0] == write.call.end_pos[0]:
        return None
    return indent_of(replaced)


def assigned(target: Node | None, call: str, *, returned: bool = False) -> str:
    """The statement that binds (or returns) the object as the original write did."""
    if returned:
        return f"return {call}[0]"
    if target is None:
        return call
    return f"{code(target)}, {CREATED_NAME} = {call}"


def leading_comments(node: Node, indent: str) -> str:
    """Comments inside `node`, re-emitted as lines so a rewrite never loses them."""
    return "".join(f"{comment}\n{indent}" for comment in comments_in(node))


def replace_statement(source: SourceFile, statement: Node, content: str) -> Edit:
    indent = indent_of(statement)
    return Edit(
        source.path, statement_span(statement), leading_comments(statement, indent) + content
    )
