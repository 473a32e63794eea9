"""IL201's reading of an insert a request handler reaches through a call into the project's
code (a helper, a model's or form's method, two levels at most: `callees.reached_inserts`):
whether it can collide on a unique constraint, its values read in the handler's terms (a value
the handler passed in, a row it inserted just before, `self.team` of a method called on `form`
read as `form.team`), and the message, reported at the handler's call: the handler is where the
IntegrityError can become an answer."""

from __future__ import annotations

from integrity_lsp.analysis.bindings import inserted_before, inserted_before_text
from integrity_lsp.analysis.context import Context
from integrity_lsp.analysis.fresh_values import is_fresh_value
from integrity_lsp.analysis.handlers import handler_title
from integrity_lsp.analysis.writes import WriteSite, simple_statements
from integrity_lsp.findings import Location, Span
from integrity_lsp.rules.guards.callees import (
    Reached,
    in_caller_terms,
    in_handler_terms,
    reached_inserts,
    within,
)
from integrity_lsp.rules.guards.dataflow import is_request_derived, request_derived_names
from integrity_lsp.rules.guards.form_reports import FormReport
from integrity_lsp.rules.guards.judging import judge, validated_input
from integrity_lsp.rules.guards.responses import Conflict
from integrity_lsp.syntax.nodes import (
    Node,
    assignment_target,
    chain_parts,
    code,
    normalised,
    statement_of,
)


def reached_report(node: Node, ctx: Context) -> FormReport | None:
    """The first insert that can collide among those the call `node` reaches in the project's
    code (a helper, a model's or form's method), reported at the call: the handler is where
    the IntegrityError can become an answer."""
    handler = ctx.handler
    assert handler is not None
    statement = statement_of(node)
    function = handler.function
    for reached in reached_inserts(node, ctx):
        site, inner = in_handler_terms(reached.site, reached.chain), reached.ctx

        def seen(
            value: Node, site: WriteSite = site, inner: Context = inner, reached: Reached = reached
        ) -> bool:
            if within(value, function):  # a value the handler passed in
                return is_fresh_value(value, ctx) or inserted_before(
                    value, function, statement, ctx
                )
            if inserted_on_the_way(value, reached):
                return True
            outer = in_caller_terms(value, reached.chain)  # `self` of `model.set_projects(…)`
            if outer is not None and inserted_before(outer, function, statement, ctx):
                return True
            held = _handler_attribute(value, reached)  # `self.topic` read as `form.topic`
            return held is not None and inserted_before_text(held, function, statement, ctx)

        judged = judge(site, inner, seen)
        if judged is None:
            continue
        derived = request_derived_names(ctx, node)
        from_request = judged.written is None or any(
            validated_input(v) or (outer is not None and is_request_derived(outer, derived))
            for v in judged.values
            for outer in [_outer(v, function, reached)]
        )
        source = "request data" if from_request else "non-constant data"
        written = site.receiver or site.model_text
        insert = f"{written}.{site.method}()" if site.kind != "save" else "save()"
        called = code(node).split("(", 1)[0].strip()
        path = " → ".join(f"`{callee.name}`" for callee in reached.chain)
        message = (
            f"`{called}()` in {handler_title(handler)} inserts a `{judged.model.name}` "
            f"(`{insert}` in {path}) writing {judged.names} from {source}, and nothing catches "
            f"IntegrityError: a duplicate raises `IntegrityError: UNIQUE constraint failed: "
            f"{judged.columns}` and the user gets HTTP 500"
        )
        unique = judged.unique
        related = (
            Location(inner.file.path, Span.of(site.node), f"the insert in {path}"),
            Location(unique.ref.path, unique.ref.span, unique.description),
        )
        return FormReport(node, message, related, Conflict())
    return None


def inserted_on_the_way(value: Node, reached: Reached) -> bool:
    """`value` (the insert's, in its function's terms) is a row a function of the chain
    inserted before it called down the chain: the insert's own function, or one between the
    handler and it, reached through the parameters that hand the row down (django-crm's
    `_save`: `project = serializer.save(…)`, then `replace_rates(project, …)` bulk-creates
    `ProjectRate(project=project, …)`). The handler's own values are judged by the caller."""
    current, before = value, reached.site.statement
    for callee in reversed(reached.chain):
        if inserted_before(current, callee.function, before, callee.ctx):
            return True
        base, trailers = chain_parts(current)
        plain = not trailers or (
            len(trailers) == 1
            and trailers[0].children[0].value == "."
            and trailers[0].children[1].value in ("pk", "id")
        )
        handed = callee.mapping.get(str(base.value)) if base.type == "name" and plain else None
        if handed is None:
            return False
        current, before = handed, statement_of(handed)
    return False


def _handler_attribute(value: Node, reached: Reached) -> str | None:
    """`self.attribute` / `parameter.attribute` in a function the handler called (one call
    deep), as the handler spells it: `holder.attribute` when the handler passed the plain name
    `holder` for it, and the callee does not assign that attribute itself."""
    text = normalised(value)
    name, dot, attribute = text.partition(".")
    if len(reached.chain) != 1 or not dot or not attribute.isidentifier():
        return None
    callee = reached.chain[0]
    passed = callee.mapping.get(name)
    if passed is None or passed.type != "name":
        return None
    assigned = (assignment_target(statement) for statement in simple_statements(callee.function))
    if any(target is not None and normalised(target) == text for target in assigned):
        return None  # set inside the callee: not what the handler handed over
    return f"{passed.value}.{attribute}"


def _outer(value: Node, function: Node, reached: Reached) -> Node | None:
    """Where a reached insert's value comes from in the handler, if it does."""
    if within(value, function):
        return value
    return in_caller_terms(value, reached.chain, loose=True)
