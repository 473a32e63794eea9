"""The fields a model's own `save()` assigns on the row before Django writes it.

django-crm numbers its invoices in `Invoice.save()`:

    def save(self, *args, **kwargs):
        with transaction.atomic():
            if not self.invoice_number:
                self.invoice_number = self.generate_invoice_number()
            super().save(*args, **kwargs)

so `Invoice.objects.create(org=org, …)` does not store the field's default ("") in
`invoice_number`: the override stores a value of its own, and whether two inserts can repeat it
is the override's business (a sequence number it derives under a lock, a slug of the title, a
random token). What the insert leaves unset there is unknown, never the constant default.

`fields_save_fills` answers for a model of the project: the names of every `self.<name> = …`
(also augmented, and `setattr(self, "<name>", …)`) in a `save()` the model or one of its project
ancestors defines. A model read from an installed package, or whose module cannot be read,
fills none that are known.
"""

from __future__ import annotations

from integrity_lsp.analysis.class_methods import model_class, own_method
from integrity_lsp.analysis.context import Context
from integrity_lsp.project.records import ModelRecord
from integrity_lsp.syntax.nodes import Node, code, walk

_FILLS: dict[tuple[str, int, str], frozenset[str]] = {}


def fields_save_fills(model: ModelRecord, ctx: Context) -> frozenset[str]:
    """Attributes a `save()` of the model (or of a project ancestor) assigns on `self`."""
    found: set[str] = set()
    for record in (model, *ctx.env.index.ancestors(model)):
        found |= _own_save_fills(record, ctx)
    return frozenset(found)


def _own_save_fills(record: ModelRecord, ctx: Context) -> frozenset[str]:
    found_class = model_class(record, ctx)
    if found_class is None:
        return frozenset()
    classdef, source = found_class
    key = (str(record.ref.path), record.ref.span.start_line, source.text)
    cached = _FILLS.get(key)
    if cached is not None:
        return cached
    save = own_method(classdef, "save")
    found = _self_assignments(save) if save is not None else set()
    if len(_FILLS) > 1024:
        _FILLS.clear()
    _FILLS[key] = result = frozenset(found)
    return result


def _self_assignments(function: Node) -> set[str]:
    """`self.<name> = …`, `self.<name> += …` and `setattr(self, "<name>", …)` in `function`."""
    found: set[str] = set()
    for node in walk(function):
        if node.type == "expr_stmt" and len(node.children) >= 3:
            targets = node.children[:-1:2]  # `a = b = value`: every target but the value
            for target in targets:
                text = "".join(code(target).split())
                if text.startswith("self.") and text.count(".") == 1 and text[5:].isidentifier():
                    found.add(text[5:])
        elif node.type in ("atom_expr", "power"):
            text = "".join(code(node).split())
            if text.startswith("setattr(self,"):
                name = text[len("setattr(self,") :].split(",", 1)[0].strip("\"'")
                if name.isidentifier():
                    found.add(name)
    return found
