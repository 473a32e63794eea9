"""The fix of a race whose check is in a serializer's validation (`validate_<field>()`,
`validate()`) and whose insert is in its `create()`/`update()`: the insert wrapped in `try: with
transaction.atomic()` … `except IntegrityError:` raising the serializer's own
`ValidationError` — the answer the check gives when it sees the row, which DRF's views turn into
a 400 response. A form gets no fix: a `ValidationError` raised from `save()` is not caught by
the view that calls it (the view is where the IntegrityError must become a form error)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from integrity_lsp.analysis.edits import ensure_imports
from integrity_lsp.analysis.try_atomic import wrap_in_try_atomic
from integrity_lsp.findings import Applicability, Fix
from integrity_lsp.syntax.nodes import Node, chain_parts, code, enclosing

if TYPE_CHECKING:
    from integrity_lsp.analysis.absence import Race
    from integrity_lsp.analysis.context import Context

NEUTRAL = "This value is already taken."
_ASYNC = frozenset({"acreate", "asave", "abulk_create"})


def validation_fixes(race: Race, function: Node, ctx: Context) -> list[Fix]:
    classdef = enclosing(function, "classdef")
    if classdef is None or "Serializer" not in _class_text(classdef):
        return []
    if function.name.value not in ("create", "update"):
        return []
    write = race.write
    statement = write.statement
    if (
        write.method in _ASYNC
        or "await" in code(statement).split()
        or statement.type != "simple_stmt"
        or statement.parent.type != "suite"
    ):
        return []
    references, import_edit = ensure_imports(ctx.file, "rest_framework", ("serializers",))
    fields = [field for field in map(_field, race.absence.lookup.keys) if field is not None]
    key = fields[0] if len(fields) == 1 else "non_field_errors"
    detail = json.dumps({key: [NEUTRAL]})
    handler = [f"raise {references['serializers']}.ValidationError({detail})"]
    edits = wrap_in_try_atomic(ctx.file, statement, handler, split_long_calls=True)
    if import_edit is not None:
        edits.append(import_edit)
    title = (
        "Wrap the insert in `try: with transaction.atomic()` and raise the serializer's "
        "`ValidationError` on IntegrityError"
    )
    return [Fix(title, Applicability.SAFE, tuple(edits))]


def _class_text(classdef: Node) -> str:
    children = classdef.children
    bases = code(children[3]) if len(children) > 4 and children[2].value == "(" else ""
    return f"{classdef.name.value} {bases}"


def _field(key: object) -> str | None:
    """The submitted field a carried key stands for (`validated_data["email"]`), if it is one."""
    value = getattr(key, "value", None)
    if value is None:
        return None
    base, trailers = chain_parts(value)
    if base.type != "name" or not trailers or trailers[-1].children[0].value != "[":
        return None
    if not "".join(map(code, (base, *trailers[:-1]))).endswith("validated_data"):
        return None
    inner = trailers[-1].children[1]
    if inner.type != "string" or inner.value[:1] not in "\"'":
        return None
    return str(inner.value.strip("\"'"))
