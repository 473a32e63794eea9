"""Hover: a model's fields and constraints, a field keyword's constraints, a rule's docs.

On a model name (`Product` anywhere it resolves to a model, or its class statement): the
table, where it is defined, every field with what the database enforces on it, and the
model's unique sets and check constraints. On a keyword of an ORM call or a constructor
(`sku=` in `Product.objects.create(sku=…)`): that field's constraints. Both descriptions are
explain's (`explain/describe.py`); this module finds what is under the cursor. On a code in a
`# noqa` comment: the rule's documentation. Everything runs on the analysis thread.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from lsprotocol import types

from integrity_lsp.analysis.context import Environment
from integrity_lsp.analysis.suppressions import FILE_NOQA, NOQA
from integrity_lsp.explain.describe import field_markdown, model_markdown
from integrity_lsp.findings import Span
from integrity_lsp.project.records import FieldRecord, ModelRecord
from integrity_lsp.rules import load_rules
from integrity_lsp.server import convert
from integrity_lsp.server.base import IntegrityServer, guarded
from integrity_lsp.syntax.source import SourceFile

CODE_IN_COMMENT = re.compile(r"\b[A-Z]+[0-9]+\b")


@dataclass(frozen=True)
class HoverText:
    markdown: str
    span: Span


async def hover(ls: IntegrityServer, params: types.HoverParams) -> types.Hover | None:
    snapshot = ls.snapshot(params.text_document.uri)
    project = ls.project_of(snapshot.path) if snapshot is not None else None
    if snapshot is None or project is None:
        return None
    positions = ls.positions(snapshot)
    line, column = positions.point(params.position)
    found = rule_hover(snapshot.line_text(line), line, column)
    if found is None:
        await project.ready()
        env = project.env
        if env is None:
            return None
        # The open document's tree, as its last check left it (parsed on the analysis thread).
        source = SourceFile(snapshot.path, snapshot.text, None, env.open_documents)
        found = await project.run(model_hover, env, source, line, column)
    if found is None:
        return None
    return convert.hover(
        found.markdown, positions.range(found.span), markdown_ok=ls.client.markdown_hover
    )


# -- rule codes in noqa comments ----------------------------------------------------------


def rule_hover(text: str, line: int, column: int) -> HoverText | None:
    """The docs of the rule code under the cursor in a noqa comment."""
    comment = _noqa_comment(text)
    if comment is None or not comment[0] <= column <= comment[1]:
        return None
    for match in CODE_IN_COMMENT.finditer(text, comment[0], comment[1]):
        if match.start() <= column <= match.end():
            rule = load_rules().get(match.group())
            if rule is None:
                return None
            markdown = (
                f"**{rule.code}** `{rule.name}` (default severity: {rule.severity.value})\n\n"
                f"{rule.doc}\n\n[Documentation]({rule.url})"
            )
            return HoverText(markdown, Span(line, match.start(), line, match.end()))
    return None


def _noqa_comment(text: str) -> tuple[int, int] | None:
    hash_at = text.find("#")
    while hash_at >= 0:
        for pattern in (FILE_NOQA, NOQA):
            match = pattern.match(text, hash_at)
            if match is not None and match.group("codes"):
                return hash_at, match.end()
        hash_at = text.find("#", hash_at + 1)
    return None


# -- models and fields ---------------------------------------------------------------------


def model_hover(env: Environment, source: SourceFile, line: int, column: int) -> HoverText | None:
    try:
        leaf = _leaf_at(source.tree, line, column)
    except (ValueError, RecursionError):  # past the end; a 1,000-deep expression
        return None
    if leaf is None or leaf.type != "name":
        return None
    keyword = _keyword_argument(leaf)
    if keyword is not None:
        model = _model_of_call(env, source, keyword)
        field = _field_for_keyword(env, model, leaf.value) if model is not None else None
        if model is None or field is None:
            return None
        return HoverText(field_markdown(env.index, env.root, model, field), Span.of(leaf))
    model = _model_named(env, source, leaf)
    if model is None:
        return None
    return HoverText(model_markdown(env.index, env.root, model), Span.of(leaf))


def _leaf_at(tree: Any, line: int, column: int) -> Any | None:
    """The leaf under the cursor. parso's look-up is inclusive at both ends: on the first
    character of `sku` in `create(sku=…)` it answers the `(` that ends there, so the leaf
    that starts at the position wins."""
    leaf = tree.get_leaf_for_position((line, column), include_prefixes=False)
    if leaf is not None and leaf.end_pos == (line, column):
        following = leaf.get_next_leaf()
        if following is not None and following.start_pos == (line, column):
            return following
    return leaf


def _keyword_argument(leaf: Any) -> Any | None:
    """The call trailer when `leaf` is the name of `name=value` in a call, else None."""
    argument = leaf.parent
    if argument is None or argument.type != "argument" or argument.children[0] is not leaf:
        return None
    if len(argument.children) < 2 or argument.children[1].type != "operator":
        return None
    if argument.children[1].value != "=":
        return None
    trailer = argument.parent
    if trailer is not None and trailer.type == "arglist":
        trailer = trailer.parent
    if trailer is None or trailer.type != "trailer" or trailer.children[0].value != "(":
        return None
    return trailer


def _model_of_call(env: Environment, source: SourceFile, call: Any) -> ModelRecord | None:
    """The model written or queried by the call `call` (a `( … )` trailer) belongs to."""
    chain = call.parent
    position = chain.children.index(call)
    if position == 0:
        return None
    before = chain.children[position - 1]
    if before.type == "name":
        return env.resolver.resolve_model(source, before)  # `Product(…)`
    if before.type != "trailer" or before.children[0].value != ".":
        return None
    name = before.children[1]
    if name.value[:1].isupper():
        return env.resolver.resolve_model(source, name)  # `models.Product(…)`
    target = env.resolver.resolve_manager_call(source, before)  # `Product.objects.create(…)`
    return target.model if target is not None else None


def _field_for_keyword(env: Environment, model: ModelRecord, keyword: str) -> FieldRecord | None:
    name = keyword.split("__", 1)[0]
    return env.index.field(model, name)


def _model_named(env: Environment, source: SourceFile, leaf: Any) -> ModelRecord | None:
    if leaf.parent is not None and leaf.parent.type == "classdef" and leaf.parent.name is leaf:
        module = env.index.module_name(source.path)
        return env.index.model_for_class(module, leaf.value) if module else None
    if not leaf.value[:1].isupper() and leaf.value != "get_user_model":
        return None
    return env.resolver.resolve_model(source, leaf)


def register(server: IntegrityServer) -> None:
    server.feature(types.TEXT_DOCUMENT_HOVER)(guarded(lambda: None)(hover))
