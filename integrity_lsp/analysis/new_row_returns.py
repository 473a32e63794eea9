"""Does a call of a project helper return a row the helper has just inserted?

shuup's upload views hand `ensure_media_file(shop, filer_file)` the file an upload helper made:

    filer_file = filer_image_from_upload(request, path=folder, upload_data=request.FILES["file"])
    ...
    def filer_image_from_upload(request, path, upload_data, sha1=None):
        return _filer_file_from_upload(model=Image, request=request, ..., sha1=sha1)

    def _filer_file_from_upload(model, request, path, upload_data, sha1=None):
        if sha1:
            upload = model.objects.filter(sha1=sha1).first()
            if upload:
                return upload
        upload_form = file_form_cls(data={...}, files={"file": upload_data})
        upload = upload_form.save(commit=False)
        ...
        upload.save()
        return upload

No `sha1` is passed, so the branch that may return an existing file never runs: the call
returns a row it has just inserted, which no other request holds. `returns_new_row` answers
this for `helper(…)` — a bare name with one module-level `def` in the project's production
files, followed `LEVELS` helpers deep:

- a parameter is None at a call when the call passes literal `None` (or a parameter of the
  caller that is None there) or leaves out one whose default is `None`; any `*` / `**`
  argument makes the call unknown;
- a statement under `if p:` (its first branch) with `p` such a parameter never runs;
- every other `return` gives either another such helper call, or a name each live binding of
  which (statement order, before the `return`) is a `create…(…)` call or `form.save(…)` of a
  form built without `instance=` — after `save(commit=False)` only when `name.save(` follows;
- the body ends with such a `return` (it cannot fall through to None) and does not `yield`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from integrity_lsp.analysis.name_bindings import bindings, file_tree, new_form
from integrity_lsp.syntax.nodes import Node, arguments, enclosing, normalised, walk

LEVELS = 3
_CREATE = re.compile(r"create(?!\w*_or_)\w*")
_FORM_SAVE = re.compile(r"(\w+)\.save\((.*)\)", re.DOTALL)


def returns_new_row(value: Node, files: list[tuple[Path, str]], levels: int = LEVELS) -> bool:
    """`value` is `helper(…)`, and every run of the helper returns a row it has just inserted."""
    return _returns_new_row(value, frozenset(), files, levels)


def _returns_new_row(
    value: Node, outer: frozenset[str], files: list[tuple[Path, str]], levels: int
) -> bool:
    if levels == 0 or value.type not in ("atom_expr", "power") or len(value.children) != 2:
        return False
    name, call = value.children
    if name.type != "name" or call.type != "trailer" or call.children[0].value != "(":
        return False
    definitions = list(_definitions(str(name.value), files))
    if len(definitions) != 1:
        return False  # none in the project, or several: which one runs is not known
    function = definitions[0]
    unset = _none_parameters(function, call, outer)
    if unset is None or any(
        leaf.type == "keyword" and leaf.value == "yield" for leaf in walk(function)
    ):
        return False
    if not _ends_with_return(function):
        return False
    live = [r for r in _returns(function) if not _dead(r, function, unset)]
    return bool(live) and all(
        _new_row_returned(statement, function, unset, files, levels) for statement in live
    )


def _definitions(name: str, files: list[tuple[Path, str]]) -> Iterator[Node]:
    """Module-level `def name` in the files."""
    header = re.compile(rf"^(async\s+)?def\s+{re.escape(name)}\s*\(", re.MULTILINE)
    for _, text in files:
        if not header.search(text):
            continue
        for node in file_tree(text).children:
            if node.type == "funcdef" and node.name.value == name:
                yield node


def _none_parameters(function: Node, call: Node, outer: frozenset[str]) -> frozenset[str] | None:
    """The helper's parameters that are None at `call`; None when a starred argument hides
    which parameter gets what."""
    given = arguments(call)
    if any(argument.star for argument in given):
        return None
    positional = [argument for argument in given if argument.keyword is None]
    keywords = {argument.keyword: argument for argument in given if argument.keyword is not None}
    found: set[str] = set()
    for position, param in enumerate(function.get_params()):
        if param.star_count:
            continue
        name = str(param.name.value)
        argument = keywords.get(name) or (
            positional[position] if position < len(positional) else None
        )
        if argument is not None:
            passed = normalised(argument.value)
            if passed == "None" or passed in outer:
                found.add(name)
        elif param.default is not None and normalised(param.default) == "None":
            found.add(name)
    return frozenset(found)


def _returns(function: Node) -> Iterator[Node]:
    """The function's own `return` statements (not those of nested functions or classes)."""
    for node in walk(function.children[-1]):
        if (
            node.type == "return_stmt"
            and enclosing(node, "funcdef", "lambdef", "classdef") is function
        ):
            yield node


def _ends_with_return(function: Node) -> bool:
    suite = function.children[-1]
    statements = [child for child in suite.children if child.type not in ("newline", "endmarker")]
    last = statements[-1] if statements else None
    return (
        last is not None
        and last.type == "simple_stmt"
        and last.children[0].type == "return_stmt"
        and len(last.children[0].children) == 2
    )


def _dead(node: Node, function: Node, unset: frozenset[str]) -> bool:
    """`node` sits in the first branch of an `if p:` whose `p` is None here: it never runs."""
    child, parent = node, node.parent
    while parent is not None and parent is not function:
        if parent.type == "if_stmt" and len(parent.children) > 3 and child is parent.children[3]:
            test = parent.children[1]
            if test.type == "name" and test.value in unset:
                return True
        child, parent = parent, parent.parent
    return False


def _new_row_returned(
    statement: Node,
    function: Node,
    unset: frozenset[str],
    files: list[tuple[Path, str]],
    levels: int,
) -> bool:
    if len(statement.children) != 2:
        return False  # a bare `return`: None
    value = statement.children[1]
    if value.type in ("atom_expr", "power"):
        return _returns_new_row(value, unset, files, levels - 1)
    if value.type != "name":
        return False
    live = [
        node
        for node in bindings(function, str(value.value))
        if node.start_pos < statement.start_pos and not _dead(node, function, unset)
    ]
    return bool(live) and all(
        _inserts(node, str(value.value), function, statement) for node in live
    )


def _inserts(binding: Node, name: str, function: Node, returned: Node) -> bool:
    """`name = ….create…(…)`, or `name = form.save(…)` of a new form (after `commit=False`,
    followed by `name.save(` before the `return`)."""
    if binding.type != "expr_stmt" or len(binding.children) != 3:
        return False
    source = binding.children[2]
    if source.type not in ("atom_expr", "power") or source.children[-1].type != "trailer":
        return False
    if source.children[-1].children[0].value != "(" or len(source.children) < 3:
        return False
    method = source.children[-2]
    if method.type != "trailer" or method.children[0].value != ".":
        return False
    if _CREATE.fullmatch(str(method.children[1].value)):
        return True
    saved = _FORM_SAVE.fullmatch(normalised(source))
    if saved is None or not new_form(saved.group(1), function, binding.start_pos):
        return False
    if "commit=False" not in saved.group(2):
        return True
    return any(
        binding.start_pos < node.start_pos < returned.start_pos
        and normalised(node).startswith(f"{name}.save(")
        for node in walk(function)
        if node.type in ("atom_expr", "power")
    )
