"""What an IL104 call looks up: its plain keyword lookups along the chain, and — for a call a
manager makes on itself (`super().update_or_create(content_type=…, **kwargs)` in wagtail's
`FormStateManager`) — the keys each production caller of the manager's method hands on through
its `**kwargs` (`FormState.objects.update_or_create_by_instance(…, user=…)`). A caller that
splats keys of its own (`**data`) has unknown keys and is left out; with no caller left, the
lookup is unknown and nothing is reported."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from integrity_lsp.analysis.bindings import splatted_dict
from integrity_lsp.analysis.manager_calls import ManagerCaller, OwnCall, manager_method_calls
from integrity_lsp.analysis.parameter_managers import ParameterCall
from integrity_lsp.analysis.write_values import dict_entries
from integrity_lsp.rules.races.created_row import NOT_LOOKUPS, default_keys
from integrity_lsp.rules.races.locked_rows import locked_before
from integrity_lsp.rules.races.uncontended_lookup import fresh_value
from integrity_lsp.syntax.nodes import Argument, Link, Node, arguments, statement_of

if TYPE_CHECKING:
    from integrity_lsp.analysis.context import Context

METHODS = ("get_or_create", "update_or_create", "aget_or_create", "aupdate_or_create")
# Links that leave the lookup alone: a database choice, related rows fetched along, and a lock
# on the rows found — none when the insert follows (`uncontended_lookup.locked_before`).
_NEUTRAL = frozenset({"using", "select_related", "prefetch_related", "select_for_update"})


@dataclass(frozen=True)
class CallerLookup:
    """The lookup one path gives the call: its own keys, plus a caller's (`site`) handed on."""

    site: ManagerCaller | None
    lookup: dict[str, Node | None]
    given: frozenset[str]  # the fields the caller's `defaults=` names
    handed_on: tuple[str, ...] = ()  # the keys the caller hands on through `**kwargs`
    passed: str = ""  # the manager the caller passes in (`draft.notes`), for a parameter


def plain_lookup(
    methods: tuple[Link, ...], own: OwnCall | None, function: Node | None = None
) -> tuple[dict[str, Node | None], str | None] | None:
    """(keyword lookups of the chain, the `**name` the final call hands on) — the name only for
    a manager's call on itself whose method takes `**name`; None when the lookup is not plain.
    A `**` of a dict literal (in the call, or bound to a name in `function` just before: see
    `bindings.splatted_dict`) counts as its keywords."""
    lookup: dict[str, Node | None] = {}
    handed_on = None
    for position, link in enumerate(methods):
        if link.name == "exclude":
            continue  # narrows the get(); the insert writes the call's own keywords only
        if link.name in _NEUTRAL:
            continue  # changes neither the rows the get() matches nor what the insert writes
        if link.name not in ("filter", *METHODS) or link.call is None:
            return None  # exclude(), Q objects and friends: the lookup is not a plain one
        for argument in _keyword_arguments(link.call, function):
            if argument.star == "**" and position == len(methods) - 1 and handed_on is None:
                handed_on = _star_parameter(argument.value, own)
                if handed_on is None:
                    return None
                continue
            if argument.keyword is None:
                return None  # positional Q objects or **kwargs: cannot tell what is looked up
            if argument.keyword not in NOT_LOOKUPS:
                lookup[argument.keyword] = argument.value
    return lookup, handed_on


def _keyword_arguments(call: Node, function: Node | None) -> list[Argument]:
    """The call's arguments, a `**` of a dict literal read as its keyword arguments."""
    found: list[Argument] = []
    for argument in arguments(call):
        entries = None
        if argument.star == "**" and argument.value.type == "name":
            entries = splatted_dict(str(argument.value.value), function, statement_of(call))
        elif argument.star == "**":
            entries = dict_entries(argument.value)  # `**{"name": n}`, `**dict(name=n)`
        found.extend(entries if entries is not None else [argument])
    return found


def _star_parameter(value: Node, own: OwnCall | None) -> str | None:
    """The method's own `**kwargs` parameter, when `value` is its name."""
    if own is None or value.type != "name":
        return None
    star = [param for param in own.function.get_params() if param.star_count == 2]
    return str(value.value) if star and star[0].name.value == value.value else None


def caller_lookups(
    own: OwnCall, lookup: dict[str, Node | None], handed_on: str | None, ctx: Context
) -> Iterator[CallerLookup]:
    """The lookup of `own`'s call as each production caller of its method makes it."""
    named = {str(param.name.value) for param in own.function.get_params() if param.star_count == 0}
    for site in manager_method_calls(own, ctx):
        given: set[str] = set()
        extras: dict[str, Node | None] = {}
        known = True
        for argument in arguments(site.call):
            if argument.star:
                known = False  # `**data` / `*args`: which keys it hands on is unknown
                break
            if argument.keyword is None or argument.keyword in named:
                continue  # a named parameter: the method's body says what it becomes
            if handed_on is None:
                known = False  # a keyword the method does not take: not this method
            elif argument.keyword in NOT_LOOKUPS:
                given |= default_keys(site.call)
            else:
                extras[argument.keyword] = argument.value
        if known:
            yield CallerLookup(site, {**lookup, **extras}, frozenset(given), tuple(extras))


def passed_lookups(passed: ParameterCall, lookup: dict[str, Node | None]) -> list[CallerLookup]:
    """The lookup as each caller makes it, handing in the manager: a related manager's fixed
    fields (the foreign key; a generic relation's content type and object id) join it."""
    fixed: dict[str, Node | None] = dict.fromkeys(passed.target.fixed_fields)
    return [
        CallerLookup(site, {**lookup, **fixed}, frozenset(), passed=passed.target.manager)
        for site in passed.callers
    ]


def uncontended_at_caller(variant: CallerLookup) -> bool:
    """The caller locks the rows first, or hands on a fresh value (`uuid4()`)."""
    site = variant.site
    if site is None:
        return False
    if locked_before(site.call, site.ctx):
        return True
    return any(
        fresh_value(value, site.call, site.ctx)
        for value in variant.lookup.values()
        if value is not None
        and value.start_pos >= site.call.start_pos
        and value.end_pos <= site.call.end_pos
    )
