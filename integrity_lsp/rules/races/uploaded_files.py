"""A `get_or_create` whose lookup holds a file just uploaded never finds a row (IL104's silence).

tendenci files a form's upload as a `File` row:

    thumbnail_file = self.cleaned_data["thumbnail_file"]     # forms.FileField
    File.objects.get_or_create(file=thumbnail_file, defaults={…})
    ...
    file = models.FileField(upload_to=file_directory)          # returns "files/…/{name}"

Django compares a `FileField` with `str(value)`: for an uploaded file its name, which Django
cuts to the base name (`UploadedFile` keeps no folder). A stored name carries the folder
`upload_to` gives it, so the lookup matches no row, ever: each call inserts its own row for its
own file, and no call can find two. Silent only when that is sure:

- the lookup key is a `FileField` / `ImageField` whose `upload_to` is a non-empty string, or a
  module-level function of the model's file every `return` of which is a string with a `/` in
  its literal text (`"files/{}/{}".format(…)`, `f"docs/{name}"`, a `"…/…" % …`) or an
  `os.path.join(…)` of two parts or more;
- the value is the upload: `request.FILES[…]` / `request.FILES.get(…)`, or
  `self.cleaned_data[…]` / `.get(…)` in a form whose own class declares that field as a
  `FileField` / `ImageField` — directly or through a local name bound once to it.
"""

from __future__ import annotations

import re

from integrity_lsp.analysis.context import Context
from integrity_lsp.analysis.handlers import project_source
from integrity_lsp.analysis.name_bindings import bindings
from integrity_lsp.project.records import FieldRecord, ModelRecord
from integrity_lsp.syntax.nodes import Node, enclosing, normalised, walk

FILE_FIELDS = frozenset({"FileField", "ImageField"})
_UPLOAD = re.compile(
    r"(?:request\.FILES|self\.cleaned_data)"
    r"(?:\[(['\"])(\w+)\1\]|\.get\((['\"])(\w+)\3(?:,None)?\))"
)
_JOIN = re.compile(r"(?:os\.path|posixpath)\.join\(")


def new_upload(key: str, value: Node, model: ModelRecord, ctx: Context) -> bool:
    """Does `key=value` look a file field up by a file this request uploaded, which no stored
    name can equal?"""
    field = ctx.env.index.field(model, key)
    if field is None or field.known_class not in FILE_FIELDS or not _foldered(field, ctx):
        return False
    return _uploaded(value, ctx)


def _foldered(field: FieldRecord, ctx: Context) -> bool:
    """Every name `upload_to` gives a file holds a folder."""
    upload_to = field.option("upload_to")
    if upload_to is None:
        return False
    text = upload_to.strip()
    if re.fullmatch(r"[rRuU]?(['\"])[^'\"]+\1", text):
        return True  # a non-empty folder (strftime patterns included)
    if not text.isidentifier():
        return False
    source = project_source(field.ref.path, ctx)
    if source is None:
        return False
    functions = [
        node for node in source.tree.children if node.type == "funcdef" and node.name.value == text
    ]
    if len(functions) != 1:
        return False
    returns = [
        node
        for node in walk(functions[0])
        if node.type == "return_stmt" and enclosing(node, "funcdef") is functions[0]
    ]
    return bool(returns) and all(_folder_path(node) for node in returns)


def _folder_path(statement: Node) -> bool:
    if len(statement.children) != 2:
        return False
    text = normalised(statement.children[1])
    literal = re.match(r"[fFrRuU]?(['\"])([^'\"]*)\1", text)
    if literal is not None:
        return "/" in re.sub(r"\{[^}]*\}", "", literal.group(2))
    join = _JOIN.match(text)
    return join is not None and text.count(",") >= 1


def _uploaded(value: Node, ctx: Context) -> bool:
    text = normalised(value)
    if value.type == "name" and ctx.function is not None:
        bound = list(bindings(ctx.function, str(value.value)))
        if len(bound) != 1 or bound[0].type != "expr_stmt" or len(bound[0].children) != 3:
            return False
        text = normalised(bound[0].children[2])
    match = _UPLOAD.fullmatch(text)
    if match is None:
        return False
    if text.startswith("request."):
        return True
    return _declared_file_field(match.group(2) or match.group(4), ctx)


def _declared_file_field(name: str, ctx: Context) -> bool:
    """The form class holding the code declares `name = forms.FileField(…)` (or ImageField)."""
    classdef = ctx.class_node
    if classdef is None:
        return False
    for statement in classdef.children[-1].children:
        node = statement.children[0] if statement.type == "simple_stmt" else statement
        if node.type != "expr_stmt" or normalised(node.children[0]) != name:
            continue
        called = normalised(node.children[-1]).split("(", 1)[0].rsplit(".", 1)[-1]
        return called in FILE_FIELDS
    return False
