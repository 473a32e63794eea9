"""Project functions that take a lock before anything else, so that calling one takes it.

django-crm installs an app for an org under the org's row lock, taken by a helper of the module:

    def _lock(org):
        lock_org(org)
        return Org.objects.select_for_update().get(pk=org.pk)

    def install_app(org, app_id, …):
        with transaction.atomic():
            locked = _lock(org)
            row = … .filter(org=locked, app_id=app_id).first()
            …
            row.save()

and adds a deal stage under its pipeline's, `pipeline = _locked_pipeline(org, pk)` with
`return get_object_or_404(DealPipeline.objects.select_for_update(), pk=pk, org=org)`. A call
of such a helper is the `select_for_update()…get()` written in the caller's own body
(`absence_writes.locked_before`): the competitors that run the same code queue on the row.

`calls_lock_helper` answers for a statement: does it call, by its bare name, a function of the
module or one it imports from a project module, whose body takes a lock (`absence_writes.
is_lock_call`) in a simple statement before any branch, loop, `try`, `with` or `return` ends
the straight run from its first line (a `return` of the locking call counts)? A lock taken
only on some paths, or through a method or a second helper, is not one.

One branch may come first: an early `if not data.get("key"): return` on a parameter. The
lock is then skipped exactly when the mapping the caller passes has a falsy `key`, and it
counts only when the caller's `skipped_outside(argument, key)` says that such a write needs
no lock — django-crm's `make_only_default(Model, org, serializer.validated_data)` locks the
org only when the new pipeline is the default, the one case its partial unique constraint
`Q(is_default=True)` covers (`guarded_locks.falsy_outside`).
"""

from __future__ import annotations

from collections.abc import Callable

from integrity_lsp.analysis.absence_attached import defined_or_imported, module_source
from integrity_lsp.analysis.absence_writes import call_chains, is_lock_call
from integrity_lsp.analysis.context import Context
from integrity_lsp.syntax.nodes import Node, arguments, chain_parts, statements

SkippedOutside = Callable[[Node, str], bool]  # (argument passed, key) -> skipping is harmless
_Guard = tuple[str, str]  # (parameter, key): no lock when the parameter's `key` is falsy


def calls_lock_helper(
    statement: Node, ctx: Context, skipped_outside: SkippedOutside | None = None
) -> bool:
    """Does `statement` call a project function that takes a lock first thing (after an early
    return on a falsy key only where `skipped_outside` accepts the argument and key)?"""
    for chain in call_chains(statement):
        base, trailers = chain_parts(chain)
        if base.type != "name" or not trailers or trailers[0].children[0].value != "(":
            continue
        found = defined_or_imported(ctx.file, "funcdef", str(base.value), ctx, module_source)
        helper = found[0] if found is not None else None
        guards = _lock_guards(helper) if helper is not None else None
        if helper is None or guards is None:
            continue
        if all(
            skipped_outside is not None
            and (passed := _argument(helper, trailers[0], parameter)) is not None
            and skipped_outside(passed, key)
            for parameter, key in guards
        ):
            return True
    return False


def _lock_guards(function: Node) -> tuple[_Guard, ...] | None:
    """The early returns before the function's lock, or None when it does not lock first."""
    guards: list[_Guard] = []
    for statement in statements(function.children[-1]):
        if statement.type == "if_stmt":
            guard = _falsy_key_return(statement, function)
            if guard is None or guards:
                return None  # a branch that may skip what follows for another reason
            guards.append(guard)
            continue
        if statement.type != "simple_stmt":
            return None  # a loop, try or with: what follows may not run
        if any(is_lock_call(chain) for chain in call_chains(statement)):
            return tuple(guards)
        if statement.children[0].type in ("return_stmt", "raise_stmt"):
            return None
    return None


def _falsy_key_return(statement: Node, function: Node) -> _Guard | None:
    """`if not parameter.get("key"): return` (no elif/else, nothing else in the body)."""
    children = statement.children
    if len(children) != 4:
        return None
    test, body = children[1], statements(children[3])
    if test.type != "not_test" or len(body) != 1 or body[0].type != "simple_stmt":
        return None
    returned = body[0].children[0]
    if not (returned.type == "keyword" and returned.value == "return"):
        return None  # `return value` hands something back: the caller may act on it
    base, trailers = chain_parts(test.children[1])
    parameters = {param.name.value for param in function.get_params()}
    if base.type != "name" or base.value not in parameters or len(trailers) != 2:
        return None
    if trailers[0].get_code().strip() != ".get":
        return None
    passed = arguments(trailers[1])
    if len(passed) != 1 or passed[0].keyword is not None or passed[0].value.type != "string":
        return None
    literal = passed[0].value.value
    if literal[:1] not in ("'", '"'):
        return None  # a prefixed string (f"", b""): not a plain key
    return str(base.value), literal[1:-1]


def _argument(function: Node, call: Node, parameter: str) -> Node | None:
    """The value a call `( … )` passes for `parameter` of `function` (None when not visible)."""
    params = function.get_params()
    names = [param.name.value for param in params]
    passed = arguments(call)
    if any(arg.star for arg in passed) or any(param.star_count for param in params):
        return None
    for arg in passed:
        if arg.keyword == parameter:
            return arg.value
    position = names.index(parameter)
    positional = [arg for arg in passed if arg.keyword is None]
    return positional[position].value if position < len(positional) else None
