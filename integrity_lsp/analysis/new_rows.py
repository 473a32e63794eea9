"""Is an argument a row each of its callers has just inserted? Then no other request holds it.

kiwitcms registers a user, then files an activation key for that user:

    new_user = form.save()                 # the view: a ModelForm built without `instance=`
    activation_key = form.set_activation_key()
    ...
    def set_activation_key(self):          # the form
        return UserActivationKey.set_random_key_for_user(user=self.instance)
    ...
    def set_random_key_for_user(cls, user, force=False):   # the model
        key, created = cls.objects.get_or_create(user=user)

The user row is new: only the request that inserted it knows it, so no concurrent
`get_or_create(user=…)` can share the lookup. `inserted_by_callers` answers this for a parameter
of the function holding a call, following callers up to `LEVELS` functions, across the project's
production files (test code is not a caller that runs concurrently):

- every use of the function's name in those files is a call (a name handed on as a value has
  callers nobody can list), and at least one call exists;
- each call passes, for the parameter (by keyword or position), a row the calling function
  inserted before the call:
  - a name it bound earlier to a `create…(…)` result, to `X.save()` of a new form (below), or
    to a project helper's call that returns a row it has just inserted (`new_row_returns`);
  - `X.instance` of a new form X that it saved before the call: X bound in the function to a
    call without an `instance=` keyword (a ModelForm or ModelSerializer built that way saves a
    new row), and `X.save(…)` called before;
  - `self.instance` in a method: then every call of that method must be `X.method(…)` on a new
    form X that its caller saved before the call;
  - a parameter of the caller: the same question one level up.

`self_inserted_by_callers` asks the same of a method's `self`: every call of the method is
`x.method(…)` with `x` such a row of its caller (tendenci bills a registration right after
creating it: `registration = Registration.objects.create(…)`, `registration.save_invoice()`).

Names are matched as words, like the other caller searches: two functions of the same name are
read together (more calls to prove, never fewer).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path

from integrity_lsp.analysis.context import Context
from integrity_lsp.analysis.method_calls import may_call
from integrity_lsp.analysis.name_bindings import file_tree, last_binding, new_form
from integrity_lsp.analysis.new_row_returns import returns_new_row
from integrity_lsp.analysis.write_scan import project_files
from integrity_lsp.syntax.files import read_project_text
from integrity_lsp.syntax.nodes import Argument, Node, arguments, enclosing, walk

LEVELS = 3
MAX_FILES = 12
_CREATE = re.compile(r"(?<!\w)create(?!\w*_or_)\w*\s*\(")


def inserted_by_callers(function: Node, parameter: str, ctx: Context) -> bool:
    """Every caller of `function` passes, as `parameter`, a row it has just inserted."""
    files = list(production_texts(ctx))
    return _callers_pass_new_row(function, ctx.file.path, parameter, files, ctx, LEVELS)


def self_inserted_by_callers(method: Node, ctx: Context) -> bool:
    """`method` is a method, and each of its calls is `x.method(…)` on a row `x` the caller
    inserted before the call."""
    classdef = enclosing(method, "funcdef", "classdef")
    params = [param.name.value for param in method.get_params()]
    if classdef is None or classdef.type != "classdef" or params[:1] != ["self"]:
        return False
    files = list(production_texts(ctx))
    calls = _calls_on_names(method.name.value, files, _runs(method, ctx.file.path, ctx))
    return bool(calls) and all(
        _new_row(owner, call, caller, path, files, ctx, LEVELS)
        for path, caller, owner, call in calls
    )


Keep = Callable[[Path, Node, Node | None], bool]


def _runs(function: Node, defined_in: Path, ctx: Context) -> Keep:
    """Which calls found by name can run `function` (`analysis.method_calls`)."""

    def keep(path: Path, call: Node, owner: Node | None) -> bool:
        return may_call(function, defined_in, call, owner, path, ctx)

    return keep


def _everything(path: Path, call: Node, owner: Node | None) -> bool:
    return True


def production_texts(ctx: Context) -> Iterator[tuple[Path, str]]:
    """The checked file and the project's other production files (path, text)."""
    settings = ctx.env.settings
    yield ctx.file.path, ctx.file.text  # the text, not the tree: other bodies may be blanked
    for path in project_files(ctx.env.root, settings):
        if path == ctx.file.path or settings.is_test_path(path, ctx.env.root):
            continue
        text = read_project_text(path, errors="replace")
        if text is not None:
            yield path, text


def _calls_on_names(
    name: str, files: list[tuple[Path, str]], keep: Keep = _everything
) -> list[tuple[Path, Node, Node, Node]]:
    """(file, calling function, receiver name, `( … )` trailer) of every call of `name` that
    `keep` keeps, each `x.name(…)` on a plain name inside a function; empty when one is not (a
    bare `name(…)`, `a.b.name(…)`: not a row the caller holds) or the calls are unknown
    (`_calls`)."""
    found: list[tuple[Path, Node, Node, Node]] = []
    for path, call in _calls(name, files) or ():
        caller = enclosing(call, "funcdef")
        attribute = call.get_previous_sibling()
        owner = attribute.get_previous_sibling() if attribute is not None else None
        if not keep(
            path, call, owner if attribute is not None and attribute.type == "trailer" else None
        ):
            continue  # surely a call of another function of the same name
        if caller is None or owner is None or owner.type != "name":
            return []
        if attribute is None or attribute.children[0].value != ".":
            return []
        found.append((path, caller, owner, call))
    return found


def _calls(name: str, files: list[tuple[Path, str]]) -> list[tuple[Path, Node]] | None:
    """The file and `( … )` trailer of every call of `name`; None when it is used otherwise,
    or in more than `MAX_FILES` files (a common name: `save`, `get` — too many to read,
    unknown)."""
    word = re.compile(rf"\b{re.escape(name)}\b")
    texts = [(path, text) for path, text in files if word.search(text)]
    if len(texts) > MAX_FILES:
        return None
    calls: list[tuple[Path, Node]] = []
    for path, text in texts:
        for leaf in walk(file_tree(text)):
            if leaf.type != "name" or leaf.value != name:
                continue
            if leaf.parent.type in ("funcdef", "classdef"):
                continue  # a definition
            if enclosing(leaf, "import_from", "import_name") is not None:
                continue  # an import: its calls are found where they are
            following = leaf.get_next_leaf()
            if following is None or following.value != "(" or following.parent.type != "trailer":
                return None  # handed on as a value, or imported: callers unknown
            calls.append((path, following.parent))
    return calls


def _callers_pass_new_row(
    function: Node,
    defined_in: Path,
    parameter: str,
    files: list[tuple[Path, str]],
    ctx: Context,
    levels: int,
) -> bool:
    names = [param.name.value for param in function.get_params()]
    if parameter not in names or levels == 0:
        return False
    method = enclosing(function, "funcdef", "classdef")
    bound_first = (
        method is not None and method.type == "classdef" and names[:1] in (["self"], ["cls"])
    )
    calls = _calls(function.name.value, files)
    keep = _runs(function, defined_in, ctx)
    own = [(path, call) for path, call in calls or () if keep(path, call, _owner(call))]
    if not own:
        return False
    for path, call in own:
        argument = _argument_for(call, parameter, names, bound_first)
        caller = enclosing(call, "funcdef")
        if argument is None or caller is None:
            return False
        if not _new_row(argument.value, call, caller, path, files, ctx, levels):
            return False
    return True


def _owner(call: Node) -> Node | None:
    """`x` of `x.name(…)` (whatever precedes `.name`), None for a bare `name(…)`."""
    attribute = call.get_previous_sibling()
    if attribute is None or attribute.type != "trailer":
        return None
    return attribute.get_previous_sibling()


def _argument_for(
    call: Node, parameter: str, names: list[str], bound_first: bool
) -> Argument | None:
    given = arguments(call)
    if any(argument.star for argument in given):
        return None
    for argument in given:
        if argument.keyword == parameter:
            return argument
    positional = [argument for argument in given if argument.keyword is None]
    position = names.index(parameter) - (1 if bound_first else 0)
    return positional[position] if 0 <= position < len(positional) else None


def _new_row(
    value: Node,
    call: Node,
    caller: Node,
    path: Path,
    files: list[tuple[Path, str]],
    ctx: Context,
    levels: int,
) -> bool:
    """Is `value`, passed at `call` inside `caller` (in the file `path`), a row `caller`
    inserted before the call?"""
    text = value.get_code(include_prefix=False).strip()
    before = call.start_pos
    if text.isidentifier():
        if text in [param.name.value for param in caller.get_params()]:
            return _callers_pass_new_row(caller, path, text, files, ctx, levels - 1)
        source = last_binding(caller, text, before)
        if source is None:
            return False
        source_text = source.get_code(include_prefix=False)
        if _CREATE.search(source_text) or returns_new_row(source, files):
            return True
        saved = re.fullmatch(r"(\w+)\s*\.\s*save\s*\(.*\)", source_text, re.DOTALL)
        return saved is not None and new_form(saved.group(1), caller, source.start_pos)
    instance = re.fullmatch(r"(\w+)\s*\.\s*instance", text)
    if instance is None:
        return False
    holder = instance.group(1)
    if holder == "self":
        return _saved_by_callers(caller, files)
    return _saved_before(holder, caller, before) and new_form(holder, caller, before)


def _saved_by_callers(method: Node, files: list[tuple[Path, str]]) -> bool:
    """Every call of `method` is `X.method(…)` on a new form X its caller saved before."""
    calls = _calls_on_names(method.name.value, files)
    return bool(calls) and all(
        _saved_before(owner.value, caller, call.start_pos)
        and new_form(owner.value, caller, call.start_pos)
        for _, caller, owner, call in calls
    )


def _saved_before(holder: str, function: Node, before: tuple[int, int]) -> bool:
    return any(
        node.type == "trailer"
        and node.children[0].value == "("
        and _is_save_of(node, holder)
        and node.start_pos < before
        for node in walk(function)
    )


def _is_save_of(trailer: Node, holder: str) -> bool:
    method = trailer.get_previous_sibling()
    owner = method.get_previous_sibling() if method is not None else None
    return (
        method is not None
        and method.type == "trailer"
        and method.children[-1].value == "save"
        and owner is not None
        and owner.type == "name"
        and owner.value == holder
    )
