"""What a form's own `save()` puts on the row it returns, in the caller's terms.

django-spirit posts a private topic: the view inserts the topic, hands it to the comment form
(`cform.topic = topic`), and the form's `save()` copies it onto its row before Django's save:

    def save(self, commit=True):
        if not self.instance.pk:
            self.instance.topic = self.topic
        comment = super().save(commit)
        return comment

so `comment = cform.save()` holds `comment.topic` = `cform.topic` = the topic inserted in this
request. tendenci passes the row as a keyword instead: `form.save(corp_profile=corp_profile)`,
read in the override with `kwargs.get("corp_profile")`.

`assigned_by_save` answers, for `row = form.save(…)` with `form = SomeForm(…)` (a project
class, built without `instance=`), which caller expression `row.<attribute>` holds: the value
every `self.instance.<attribute> = …` of the class's `save()` assigns, spelt as the caller
spells it — `self.<name>` as `form.<name>`, a parameter of `save()` (also one read from
`**kwargs` by `kwargs["k"]`, `kwargs.get("k")`, `kwargs.pop("k")`) as the argument the call
passes. Only when the override returns its instance (`self.instance`, or what `super().save(…)`
returns) and every assignment of the attribute in it gives the same caller value; anything else
is unknown (None). An assignment under an `if` counts: when it does not run, the attribute keeps
what the form's data or the new instance gave it — the override's value is the one the caller
hands on for that purpose, and a rule that cannot tell stays silent rather than guess.
"""

from __future__ import annotations

from integrity_lsp.analysis.class_methods import method_of
from integrity_lsp.analysis.context import Context
from integrity_lsp.analysis.handlers import class_definition
from integrity_lsp.analysis.writes import simple_statements
from integrity_lsp.syntax.nodes import (
    CALL_CHAIN_TYPES,
    Node,
    arguments,
    chain_parts,
    keyword_arguments,
    normalised,
)

_KWARGS_READS = ("get", "pop")


def assigned_by_save(
    constructor: Node, call: Node, form: str, attribute: str, ctx: Context
) -> str | None:
    """The caller's expression (normalised) that `row.<attribute>` holds after `row =
    form.save(…)`: `constructor` is the value `form` was bound to, `call` the save's `( … )`."""
    if constructor.type not in CALL_CHAIN_TYPES:
        return None
    _, trailers = chain_parts(constructor)
    if not trailers or trailers[-1].children[0].value != "(":
        return None
    if "instance" in keyword_arguments(trailers[-1]):
        return None  # bound to an existing row: its attributes are that row's
    callee = normalised(constructor)[: -len(normalised(trailers[-1]))]
    if not callee.split(".")[-1][:1].isupper():
        return None
    found = class_definition(callee, ctx.file, ctx)
    method = method_of(found[0], found[1], "save", ctx) if found is not None else None
    if method is None or not _returns_instance(method[0]):
        return None
    values = {
        _in_caller_terms(value, method[0], call, form)
        for value in _instance_assignments(method[0], attribute)
    }
    if len(values) != 1:
        return None  # none (the form's data decides), or several that differ
    return values.pop()


def _instance_assignments(save: Node, attribute: str) -> list[Node]:
    """The values of `self.instance.<attribute> = value` in the method's body."""
    target = f"self.instance.{attribute}"
    found = []
    for statement in simple_statements(save):
        node = statement.children[0]
        if node.type != "expr_stmt" or len(node.children) != 3 or node.children[1].value != "=":
            continue
        if normalised(node.children[0]) == target:
            found.append(node.children[2])
    return found


def _returns_instance(save: Node) -> bool:
    """Every `return` of the method gives its instance: `self.instance`, `super().save(…)`, or
    a name every assignment of which is `super().save(…)`."""
    returned = [
        statement.children[0]
        for statement in simple_statements(save)
        if statement.children[0].type == "return_stmt"
    ]
    if not returned:
        return False
    for node in returned:
        if len(node.children) != 2:
            return False
        value = node.children[1]
        if _is_instance(value):
            continue
        if value.type != "name":
            return False
        bound = _assigned(save, value.value)
        if not bound or not all(_is_instance(v) for v in bound):
            return False
    return True


def _is_instance(value: Node) -> bool:
    text = normalised(value)
    return text == "self.instance" or (text.startswith("super().save(") and text.endswith(")"))


def _assigned(function: Node, name: str) -> list[Node]:
    """The values of every `name = value` in the function (empty: bound otherwise or never)."""
    values = []
    for statement in simple_statements(function):
        node = statement.children[0]
        if node.type != "expr_stmt" or node.children[0].type != "name":
            continue
        if node.children[0].value != name:
            continue
        if len(node.children) != 3 or node.children[1].value != "=":
            return []
        values.append(node.children[2])
    return values


def _in_caller_terms(value: Node, save: Node, call: Node, form: str) -> str | None:
    """`self.x` as `form.x`; a parameter (or a `**kwargs` entry) of `save()` as the argument
    `call` passes for it; a local name bound once to one of those, as that; else None."""
    text = normalised(value)
    head, dot, rest = text.partition(".")
    if head == "self" and dot and rest.isidentifier():
        return f"{form}.{rest}"
    keyword = _kwargs_key(value, save)
    if keyword is not None:
        return _passed(call, keyword, None)
    if value.type != "name":
        return None
    names = [str(param.name.value) for param in save.get_params()]
    stars = {str(param.name.value): param.star_count for param in save.get_params()}
    if value.value in names and not stars[value.value]:
        bound = _assigned(save, value.value)
        if bound:
            return None  # rebound in the method: not the argument any more
        position = names.index(value.value) - 1  # `self` is the receiver
        return _passed(call, value.value, position)
    bound = _assigned(save, value.value)
    if len(bound) != 1:
        return None
    return _in_caller_terms(bound[0], save, call, form)


def _kwargs_key(value: Node, save: Node) -> str | None:
    """`k` of `kwargs["k"]`, `kwargs.get("k")`, `kwargs.pop("k", …)` on the `**` parameter."""
    star = [str(p.name.value) for p in save.get_params() if p.star_count == 2]
    if not star or value.type not in CALL_CHAIN_TYPES:
        return None
    base, trailers = chain_parts(value)
    if base.type != "name" or base.value != star[0]:
        return None
    if len(trailers) == 1 and trailers[0].children[0].value == "[":
        key = trailers[0].children[1]
    elif (
        len(trailers) == 2
        and trailers[0].children[0].value == "."
        and trailers[0].children[1].value in _KWARGS_READS
        and trailers[1].children[0].value == "("
    ):
        given = arguments(trailers[1])
        key = given[0].value if given and given[0].keyword is None else None
    else:
        return None
    if key is None or key.type != "string":
        return None
    text = str(key.value)
    return text[1:-1] if text[:1] in "\"'" and text[-1:] == text[:1] else None


def _passed(call: Node, keyword: str, position: int | None) -> str | None:
    """The argument `call` passes for a parameter, by keyword or at `position` (normalised);
    None when it is not passed, or a starred argument may pass it."""
    given = arguments(call)
    if any(argument.star for argument in given):
        return None
    for argument in given:
        if argument.keyword == keyword:
            return normalised(argument.value)
    positional = [argument for argument in given if argument.keyword is None]
    if position is not None and 0 <= position < len(positional):
        return normalised(positional[position].value)
    return None
