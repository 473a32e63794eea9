"""A ModelForm over the row a `get()` looked for, for `analysis.absence`: `try: instance =
qs.get(k=v) except DoesNotExist: instance = None`, then `form = SomeForm(data,
instance=instance)`: the form's `save()` updates the row where it was found and inserts a new
one where it was absent — an update-or-create (IL103), with the values the code sets on
`form.instance`. `form.save(commit=False)` writes nothing."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from integrity_lsp.analysis.writes import WriteSite
from integrity_lsp.syntax.nodes import CALL_CHAIN_TYPES, Node, chain_parts, keyword_arguments

if TYPE_CHECKING:
    from integrity_lsp.analysis.absence import Absence, State
    from integrity_lsp.analysis.absence_reads import Held

INSTANCE = ".instance"


def none_where_absent(state: State, name: str, held: Held, value: Node) -> State:
    """`instance = None` where the `get()` found nothing: a form given it inserts."""
    absence = next(a for a in reversed(state.absent) if a.lookup == held.lookup)
    lookup = held.lookup
    site = WriteSite(
        value, "save", "save", lookup.model_text, None, None, {}, False,
        receiver=lookup.receiver, model=lookup.model,
    )  # fmt: skip
    return state.build(name, site, absence)


def form_over(value: Node, state: State) -> tuple[WriteSite, Absence] | None:
    """`SomeForm(data, instance=instance)` where `instance` is None exactly where absent."""
    if value.type not in CALL_CHAIN_TYPES:
        return None
    base, trailers = chain_parts(value)
    if base.type != "name" or len(trailers) != 1 or trailers[0].children[0].value != "(":
        return None
    given = keyword_arguments(trailers[0]).get("instance")
    if given is None or given.value.type != "name":
        return None
    site = state.instance(given.value.value)
    when = state.built_where(given.value.value)
    if site is None or when is None or site.node.type != "keyword":  # the `None` placeholder
        return None
    return replace(site, node=value), when


def form_of_instance(owner: str, state: State) -> str:
    """`form.instance` (an attribute set on it) stands for the form's own entry."""
    if owner.endswith(INSTANCE) and state.instance(owner) is None:
        form = owner.removesuffix(INSTANCE)
        if state.instance(form) is not None and state.built_where(form) is not None:
            return form
    return owner
