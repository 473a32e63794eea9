"""Project helpers that hand back a row they read with `select_for_update()`, as the key of an
insert (`absence_writes.key_row_locked`).

byro issues an API token under the user's row lock, taken by a helper of the module:

    def _lock(user):
        account = User.objects.select_for_update().filter(pk=user.pk).first()
        if account is None:
            raise AccountMissing()
        return account

    with transaction.atomic():
        locked = _lock(user)
        Token.objects.filter(user=locked).delete()
        Token.objects.create(user=locked)

A key bound to `_lock(…)` names a row every competitor running the same code locks before it
looks, exactly as a key bound to the locking read itself does: the second run waits for the
first to commit, then its delete sees the first's new row. The helper is a top-level function of
the file, or one it imports from a project module, called by its bare name; each of its
`return`s hands back a read with `select_for_update()`, a name every assignment of the helper
binds to one, or `None` (a NULL key matches no row). A generator, a bare `return`, or any other
value returned: not such a helper.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from integrity_lsp.analysis.absence_attached import defined_or_imported, module_source
from integrity_lsp.analysis.absence_calls import count_body_read
from integrity_lsp.analysis.absence_writes import assigned_values, locking_read, unwrapped
from integrity_lsp.syntax.nodes import CALL_CHAIN_TYPES, Node, chain_parts, enclosing, walk

if TYPE_CHECKING:
    from integrity_lsp.analysis.context import Context

_SCOPES = ("funcdef", "lambdef", "classdef")


def returns_locked_row(value: Node, ctx: Context) -> bool:
    """Is `value` a call `helper(…)` of a project function that returns a row it read with
    `select_for_update()` (or None) on every `return`?"""
    if value.type not in CALL_CHAIN_TYPES:
        return False
    base, trailers = chain_parts(value)
    if base.type != "name" or len(trailers) != 1 or trailers[0].children[0].value != "(":
        return False
    found = defined_or_imported(ctx.file, "funcdef", str(base.value), ctx, module_source)
    if found is None:
        return False
    count_body_read()  # the finding now depends on the helper's body (the server must not reuse it)
    helper = found[0]
    returned: list[Node] = []
    for node in walk(helper):
        if node.type == "keyword" and node.value == "yield":
            return False  # a generator: what it hands back is not a row
        if node.type == "keyword" and node.value == "return" and node.parent.type != "return_stmt":
            return False  # a bare `return`
        if node.type == "return_stmt" and enclosing(node, *_SCOPES) is helper:
            returned.append(node)
    if not returned:
        return False
    return all(_locked_or_none(statement.children[1], helper) for statement in returned)


def _locked_or_none(value: Node, helper: Node) -> bool:
    value = unwrapped(value)
    if _is_none(value) or locking_read(value):
        return True
    if value.type != "name":
        return False
    bound = assigned_values(helper, str(value.value))
    return bool(bound) and all(_is_none(v) or locking_read(v) for v in bound)


def _is_none(value: Node) -> bool:
    return bool(value.type == "keyword" and value.value == "None")
