"""One parso walk per file: derives the Context downward and dispatches nodes to rules by type.

The walk is iterative (a 1,000-deep expression must not exhaust Python's stack). Context changes
only where Python's scoping changes what a rule may assume: entering a function or class, the
body of `with transaction.atomic()`, and the body of a `try` that catches IntegrityError.
Statements after a `return`/`raise`/`continue`/`break` of the same block are not walked: they
never run.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cached_property
from typing import Any

from integrity_lsp.analysis.absence_calls import bodies_read
from integrity_lsp.analysis.context import AtomicBlock, Context, HandlerInfo
from integrity_lsp.analysis.exception_handlers import catches_integrity_error, is_atomic_expression
from integrity_lsp.analysis.handlers import decorators_of, detect_handler
from integrity_lsp.analysis.incremental import StatementResults
from integrity_lsp.analysis.registry import Rule
from integrity_lsp.findings import Finding
from integrity_lsp.syntax.nodes import is_simple_exit

Node = Any


def walk_file(
    ctx: Context, rules: Iterable[Rule], reuse: StatementResults | None = None
) -> list[Finding]:
    """Every rule's findings in the file; with `reuse`, the top-level definitions whose
    findings an earlier check of this document already has are not walked again."""
    by_type: dict[str, list[Rule]] = {}
    findings: list[Finding] = []
    for rule in rules:
        for node_type in rule.node_types:
            by_type.setdefault(node_type, []).append(rule)
        if rule.check_file is not None:
            findings.extend(rule.check_file(ctx))
    if not by_type:
        return findings
    root = ctx.file.tree
    findings.extend(_dispatch(root, ctx, by_type))
    inner = _enter(root, ctx)
    for child in root.children:
        try:
            findings.extend(
                _walk_statement(child, _child_context(root, child, inner), by_type, reuse)
            )
        except RecursionError:
            continue  # an absurdly deep statement hides its own findings, not the file's
    return findings


def _walk_statement(
    statement: Node, ctx: Context, by_type: dict[str, list[Rule]], reuse: StatementResults | None
) -> list[Finding]:
    if reuse is None or not reuse.is_reusable(statement):
        return _walk(statement, ctx, by_type)
    key = reuse.key(statement)
    found = reuse.lookup(key)
    if found is None:
        before = bodies_read()
        found = _walk(statement, ctx, by_type)
        if bodies_read() == before:  # the race analysis followed no call into another body
            reuse.store(key, found)
    return found


def _walk(top: Node, ctx: Context, by_type: dict[str, list[Rule]]) -> list[Finding]:
    findings: list[Finding] = []
    stack: list[tuple[Node, Context]] = [(top, ctx)]
    while stack:
        node, node_ctx = stack.pop()
        findings.extend(_dispatch(node, node_ctx, by_type))
        children = getattr(node, "children", None)
        if not children:
            continue
        inner = _enter(node, node_ctx)
        if node.type == "suite":
            children = _reachable(children)
        for child in reversed(children):
            stack.append((child, _child_context(node, child, inner)))
    return findings


def _reachable(children: list[Node]) -> list[Node]:
    """A block's statements up to the first `return`/`raise`/`continue`/`break`: what follows
    never runs (tendenci's view that returns a redirect first and keeps its old body below)."""
    for position, child in enumerate(children):
        if child.type != "simple_stmt":
            continue
        first = child.children[0]
        bare = first.type == "keyword" and first.value in ("return", "raise")  # `return` alone
        if bare or is_simple_exit(child):
            return children[: position + 1]
    return children


def _dispatch(node: Node, ctx: Context, by_type: dict[str, list[Rule]]) -> list[Finding]:
    findings: list[Finding] = []
    for rule in by_type.get(node.type, ()):
        assert rule.check is not None
        try:
            findings.extend(rule.check(node, ctx))
        except RecursionError:
            continue  # an absurdly deep expression: skip this node, keep the rest of the file
    return findings


def _enter(node: Node, ctx: Context) -> Context:
    """The context inside a function or class definition."""
    if node.type == "funcdef":
        facts = _FunctionFacts(node, ctx)
        return ctx.replace(function=node, facts=facts, inner_atomic=(), integrity_guard=None)
    if node.type == "classdef":
        return ctx.replace(class_node=node, function=None, facts=None, outer_atomic=ctx.atomic,
                           inner_atomic=())  # fmt: skip
    return ctx


class _FunctionFacts:
    """A function's handler and atomic blocks, computed on first use from the context the
    function is defined in."""

    def __init__(self, funcdef: Node, outer: Context) -> None:
        self._funcdef = funcdef
        self._outer = outer

    @cached_property
    def handler(self) -> HandlerInfo | None:
        return detect_handler(self._funcdef, self._outer)

    @cached_property
    def atomic(self) -> tuple[AtomicBlock, ...]:
        atomic = self._outer.atomic
        for decorator in decorators_of(self._funcdef):
            is_atomic, savepoint = is_atomic_expression(decorator.children[1])
            if is_atomic:
                atomic = (*atomic, AtomicBlock(decorator, savepoint, "decorator"))
        handler = self.handler
        if handler is not None and not handler.non_atomic and _atomic_requests(self._outer):
            atomic = (AtomicBlock(self._funcdef, True, "atomic-requests"), *atomic)
        return atomic


def _child_context(node: Node, child: Node, ctx: Context) -> Context:
    """The context of one child: the bodies of `with atomic()` and of `try` change it."""
    if node.type == "with_stmt" and child is node.children[-1]:
        for item in node.children[1:-2]:
            expression = item.children[0] if item.type == "with_item" else item
            is_atomic, savepoint = is_atomic_expression(expression)
            if is_atomic:
                block = AtomicBlock(node, savepoint, "with")
                return ctx.replace(inner_atomic=(*ctx.inner_atomic, block))
    is_try_body = node.type == "try_stmt" and len(node.children) > 2 and child is node.children[2]
    if is_try_body and catches_integrity_error(node):
        return ctx.replace(integrity_guard=node)
    return ctx


def _atomic_requests(ctx: Context) -> bool:
    configured = ctx.env.settings.atomic_requests
    if configured is not None:
        return configured
    return ctx.env.index.project_settings.atomic_requests
