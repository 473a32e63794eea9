"""What a call does to the database, as far as IL202's exit check needs to know: nothing
(`QUIET`), only read (`READ`, a known ORM read), or anything (`OTHER`: a write, or a call this
module cannot read — it may query).

Quiet by what they are, resolved through the file's imports, never by look-alike names:
logging and printing; `django.contrib.messages` (a message is stored by the middleware after
the view, not now); `reverse` / `reverse_lazy` and the translation functions; Django's
`HttpResponse…` / `JsonResponse` constructors and `redirect()` of a string or a `reverse()`
(a model instance would run its `get_absolute_url()`); `str()` / `repr()` of the caught
exception; the builtins `type()`, `isinstance()`, `issubclass()`, `id()`, `callable()`; a
string literal's own methods (`"…".format(…)`); `connect` / `disconnect` of
Django's signals. A project function (two levels deep at most) is what its body does; a
`@contextmanager` function is split at its `yield`: entering runs the code before it, leaving
the code after it.

Reads at most: the builtins that measure, iterate or convert their argument (`len()`,
`set()`, `list()`, `sorted()`, … of a queryset evaluate it); `is_valid()` (a form's or a
serializer's validation: its validators and `clean…()` / `validate…()` methods look rows up);
building a project form or serializer none of whose project classes defines `__init__`
(Django's and DRF's `__init__` store what they are given; a ModelForm reads its instance).

Anything else is `OTHER`: `render()` (templates and context processors run queries: the lazy
`request.user`, a form's `ModelChoiceField`), a method of a form, a model or a queryset, a
third-party function. Attribute reads are not calls and are not counted (a lazy relation read
in the handler is missed): the check looks at calls only.
"""

from __future__ import annotations

import re
from enum import IntEnum

from integrity_lsp.analysis.absence_calls import count_body_read
from integrity_lsp.analysis.class_methods import MAX_BASES, own_method
from integrity_lsp.analysis.context import Context
from integrity_lsp.analysis.django import constructor_call, parse_orm_call
from integrity_lsp.analysis.handlers import (
    class_bases,
    class_definition,
    decorator_name,
    decorators_of,
)
from integrity_lsp.rules.guards.callees import resolve_call
from integrity_lsp.rules.guards.savepoints import write_method
from integrity_lsp.syntax.nodes import CALL_CHAIN_TYPES, Node, arguments, chain_parts, code, walk
from integrity_lsp.syntax.nodes import statements as block_statements
from integrity_lsp.syntax.source import SourceFile


class Effect(IntEnum):
    """Ordered: the effect of several calls is the largest."""

    QUIET = 0
    READ = 1
    OTHER = 2


MAX_DEPTH = 2
# Calls that run no query, by the local name they are called through (the check's first
# allowance, kept: loggers are attributes and parameters as often as imports).
LOGGING_NAMES = frozenset({"logger", "log", "logging", "LOGGER", "_logger", "print", "warnings"})
_TRANSLATION = frozenset(
    {
        "gettext",
        "gettext_lazy",
        "ngettext",
        "ngettext_lazy",
        "pgettext",
        "pgettext_lazy",
        "ugettext",
        "ugettext_lazy",
        "ungettext",
    }
)
_RESPONSES = frozenset(
    {
        "HttpResponse",
        "HttpResponseRedirect",
        "HttpResponsePermanentRedirect",
        "HttpResponseBadRequest",
        "HttpResponseForbidden",
        "HttpResponseNotFound",
        "HttpResponseNotAllowed",
        "HttpResponseGone",
        "HttpResponseServerError",
        "JsonResponse",
    }
)
# (module, attribute) of an import -> quiet when called.
_QUIET_IMPORTS = frozenset(
    {("django.urls", "reverse"), ("django.urls", "reverse_lazy")}
    | {("django.core.urlresolvers", "reverse"), ("django.core.urlresolvers", "reverse_lazy")}
    | {("django.utils.translation", name) for name in _TRANSLATION}
    | {("django.http", name) for name in _RESPONSES}
    | {("django.http.response", name) for name in _RESPONSES}
    | {("rest_framework.response", "Response")}  # rendered after the view returns
)
# A view reading what was submitted: `request.data.get("x")`, `self.request.GET.getlist(…)`.
_REQUEST_READ = re.compile(
    r"^(?:self\.)?request\.(?:data|POST|GET|query_params|FILES|META|headers|COOKIES)"
    r"\.(?:get|getlist|copy|dict|items|keys|values)$"
)
# A model instance's validation: it reads (a unique or constraint check), it does not write.
_VALIDATION_METHODS = frozenset(
    {"full_clean", "clean_fields", "validate_unique", "validate_constraints"}
)
# Builtins that only look at an object's type (`type(e).__name__` in a log line).
_QUIET_BUILTINS = frozenset({"type", "isinstance", "issubclass", "id", "callable"})
# Builtins that measure, iterate or convert their argument: a queryset is evaluated, a read.
_READING_BUILTINS = frozenset(
    {"len", "bool", "set", "frozenset", "list", "tuple", "dict", "sorted", "sum", "min", "max"}
    | {"any", "all", "str", "int", "float"}
)
# Django's and DRF's form and serializer classes: their `__init__` stores what it is given.
_FORM_BASES = frozenset(
    {"Form", "BaseForm", "ModelForm", "BaseModelForm", "Serializer", "BaseSerializer"}
    | {"ModelSerializer", "HyperlinkedModelSerializer", "ListSerializer"}
)
_MESSAGE_CALLS = frozenset({"debug", "info", "success", "warning", "error", "add_message"})
_SIGNAL_MODULES = frozenset({"django.db.models.signals", "django.core.signals"})
_STRING_NODES = frozenset({"string", "fstring", "strings"})


def effect_of(node: Node, ctx: Context, caught: frozenset[str] = frozenset()) -> Effect:
    """The effect of every call inside `node` (a statement or an expression). `caught`: the
    names an `except … as NAME` bound (their `str()` is quiet)."""
    worst = Effect.QUIET
    for inner in walk(node):
        if inner.type in CALL_CHAIN_TYPES:
            worst = max(worst, _chain_effect(inner, ctx, caught, 0))
            if worst is Effect.OTHER:
                break
    return worst


def context_manager_effects(item: Node, ctx: Context) -> tuple[Effect, Effect]:
    """(entering, leaving) of a `with` item's context manager: a project `@contextmanager`
    function split at its `yield`; anything else may do anything either way."""
    expression = item.children[0] if item.type == "with_item" else item
    found = _callee_body(expression, ctx)
    if found is None:
        return Effect.OTHER, Effect.OTHER
    function, inner = found
    kinds = {decorator_name(d).rsplit(".", 1)[-1] for d in decorators_of(function)}
    body = block_statements(function.children[-1])
    yields = [i for i, statement in enumerate(body) if code(statement).strip() == "yield"]
    if "contextmanager" not in kinds or len(yields) != 1:
        return Effect.OTHER, Effect.OTHER
    entering = max((_body_effect(s, inner, 1) for s in body[: yields[0]]), default=Effect.QUIET)
    leaving = max((_body_effect(s, inner, 1) for s in body[yields[0] + 1 :]), default=Effect.QUIET)
    if expression.type in CALL_CHAIN_TYPES:  # the arguments are evaluated on entering
        call = chain_parts(expression)[1][-1]
        entering = max(entering, effect_of(call, ctx))
    return entering, leaving


def _chain_effect(node: Node, ctx: Context, caught: frozenset[str], depth: int) -> Effect:
    head, trailers = chain_parts(node)
    if not any(t.children[0].value == "(" for t in trailers):
        return Effect.QUIET  # an attribute read or a subscript: not a call
    if head.type in _STRING_NODES:
        return Effect.QUIET  # "…".format(…), "".join(…): a str method
    if write_method(node, ctx) is not None:
        return Effect.OTHER  # also `log.save()`: a row named like a logger
    if head.type == "name" and _quiet_name(str(head.value), trailers, ctx, caught):
        return Effect.QUIET
    if head.type == "name" and _reading_builtin(str(head.value), trailers, ctx):
        return Effect.READ
    called = trailers[-1].children[0].value == "(" and len(trailers) >= 2
    if called and _REQUEST_READ.match(code(node)[: -len(code(trailers[-1]))].strip()):
        return Effect.QUIET
    built = constructor_call(node)
    if built is not None and ctx.env.resolver.resolve_model(ctx.file, built[1], use_jedi=False):
        return Effect.QUIET  # `Model(**data)`: an instance in memory, nothing stored
    validates = len(trailers) == 2 and trailers[0].children[0].value == "."
    if called and validates and trailers[0].children[1].value in _VALIDATION_METHODS:
        return Effect.READ
    if (
        called
        and trailers[-2].children[0].value == "."
        and trailers[-2].children[1].value == "is_valid"
    ):
        return Effect.READ
    if built is not None and _builds_form(built[0], ctx):
        return Effect.READ
    if parse_orm_call(node, ctx.env.index) is not None:
        return Effect.READ
    if depth < MAX_DEPTH:
        found = _callee_body(node, ctx)
        if found is not None:
            function, inner = found
            return _body_effect(function.children[-1], inner, depth + 1)
    return Effect.OTHER


def _quiet_name(name: str, trailers: list[Node], ctx: Context, caught: frozenset[str]) -> bool:
    if name in LOGGING_NAMES:
        return True
    calls_at_once = len(trailers) == 1 and trailers[0].children[0].value == "("
    if name in ("str", "repr") and calls_at_once:
        args = arguments(trailers[0])
        return len(args) == 1 and code(args[0].value).strip() in caught
    imported = ctx.env.resolver.import_table(ctx.file).lookup(name)
    if imported is None:
        return name in _QUIET_BUILTINS and _calls_builtin(name, trailers, ctx)
    module, attribute = imported
    method = trailers[0].children[1].value if trailers[0].children[0].value == "." else None
    if calls_at_once:
        if (module, attribute) in _QUIET_IMPORTS:
            return True
        if (module, attribute) == ("django.shortcuts", "redirect"):
            return _redirects_to_a_url(trailers[0], ctx)
        return False
    if len(trailers) != 2 or method is None:
        return False
    if (module, attribute) in (("django.contrib", "messages"), ("django.contrib.messages", None)):
        return method in _MESSAGE_CALLS
    if module in _SIGNAL_MODULES or (module, attribute) == ("django", "dispatch"):
        return method in ("connect", "disconnect")
    return False


def _calls_builtin(name: str, trailers: list[Node], ctx: Context) -> bool:
    """`type(e)`, `type(e).__name__`, `isinstance(x, C)`: the builtin itself, called once, its
    result at most read (not a function of the file's own by that name)."""
    if trailers[0].children[0].value != "(":
        return False
    if any(t.children[0].value == "(" for t in trailers[1:]):
        return False
    return not any(
        child.type == "funcdef" and child.children[1].value == name
        for child in ctx.file.tree.children
    )


def _reading_builtin(name: str, trailers: list[Node], ctx: Context) -> bool:
    """`len(qs)`, `set(qs.values_list(…))`: the builtin itself (not imported, not the file's)."""
    imported = ctx.env.resolver.import_table(ctx.file).lookup(name)
    return imported is None and name in _READING_BUILTINS and _calls_builtin(name, trailers, ctx)


def _builds_form(name: str, ctx: Context) -> bool:
    """`KeySerializer(data=…)`: a project class (and its project bases) without `__init__`,
    deriving only from Django's forms or DRF's serializers."""
    found = class_definition(name, ctx.file, ctx)
    return found is not None and _form_class(found[0], found[1], ctx, 0)


def _form_class(classdef: Node, source: SourceFile, ctx: Context, depth: int) -> bool:
    if depth > MAX_BASES or own_method(classdef, "__init__") is not None:
        return False
    bases = [base.split("[", 1)[0] for base in class_bases(classdef)]
    for base in bases:
        if base.rsplit(".", 1)[-1] in _FORM_BASES:
            continue
        found = class_definition(base, source, ctx)
        if found is None or not _form_class(found[0], found[1], ctx, depth + 1):
            return False
    return bool(bases)


def _redirects_to_a_url(call: Node, ctx: Context) -> bool:
    """`redirect("/")`, `redirect("name", …)`, `redirect(reverse(…))`: no model instance whose
    `get_absolute_url()` would run."""
    args = arguments(call)
    if not args or args[0].keyword is not None or args[0].star:
        return False
    first = args[0].value
    if first.type in _STRING_NODES:
        return True
    if first.type not in CALL_CHAIN_TYPES:
        return False
    head, trailers = chain_parts(first)
    if head.type != "name" or len(trailers) != 1:
        return False
    imported = ctx.env.resolver.import_table(ctx.file).lookup(str(head.value))
    return imported is not None and imported in _QUIET_IMPORTS and "reverse" in str(imported[1])


def _callee_body(node: Node, ctx: Context) -> tuple[Node, Context] | None:
    """The project function a call runs and the context of its file."""
    if node.type not in CALL_CHAIN_TYPES:
        return None
    callee = resolve_call(node, ctx)
    if callee is None:
        return None
    count_body_read()  # the finding now depends on another function's body (analysis.walker)
    return callee.function, callee.ctx


def _body_effect(node: Node, ctx: Context, depth: int) -> Effect:
    worst = Effect.QUIET
    stack = [node]
    while stack and worst is not Effect.OTHER:
        current = stack.pop()
        if current.type in ("funcdef", "classdef", "lambdef") and current is not node:
            continue  # defined, not run
        if current.type in CALL_CHAIN_TYPES:
            worst = max(worst, _chain_effect(current, ctx, frozenset(), depth))
        stack.extend(getattr(current, "children", ()))
    return worst
