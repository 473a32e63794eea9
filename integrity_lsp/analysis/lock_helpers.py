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
"""

from __future__ import annotations

from integrity_lsp.analysis.absence_attached import defined_or_imported, module_source
from integrity_lsp.analysis.absence_writes import call_chains, is_lock_call
from integrity_lsp.analysis.context import Context
from integrity_lsp.syntax.nodes import Node, chain_parts, statements


def calls_lock_helper(statement: Node, ctx: Context) -> bool:
    """Does `statement` call a project function that takes a lock first thing?"""
    for chain in call_chains(statement):
        base, trailers = chain_parts(chain)
        if base.type != "name" or not trailers or trailers[0].children[0].value != "(":
            continue
        found = defined_or_imported(ctx.file, "funcdef", str(base.value), ctx, module_source)
        if found is not None and _locks_first(found[0]):
            return True
    return False


def _locks_first(function: Node) -> bool:
    for statement in statements(function.children[-1]):
        if statement.type != "simple_stmt":
            return False  # a branch, loop, try or with: what follows may not run
        if any(is_lock_call(chain) for chain in call_chains(statement)):
            return True
        if statement.children[0].type in ("return_stmt", "raise_stmt"):
            return False
    return False
