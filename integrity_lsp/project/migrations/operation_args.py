"""The arguments of each migration operation the state replay needs, read from its call as
Django's `__init__` takes them (positional order, then keywords): one `_op_<Kind>` method per
operation `reader._Reader.operation` dispatches to."""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from integrity_lsp.project.field_calls import field_from_call
from integrity_lsp.project.field_classes import FieldClasses
from integrity_lsp.project.meta import constraint_from_call
from integrity_lsp.project.migrations.data_steps import (
    emptied_tables,
    function_models,
    hands_a_model_away,
    mentioned,
    row_effect,
)
from integrity_lsp.project.migrations.graph import Operation
from integrity_lsp.project.records import ConstraintRecord, FieldRecord
from integrity_lsp.syntax.declarations import (
    bool_value,
    collection_items,
    dotted_name,
    literal,
    string_value,
)
from integrity_lsp.syntax.nodes import walk


class OperationArgs:
    """Reads the arguments of operations; `operations` and `_items` (the nested lists of
    `SeparateDatabaseAndState`) come from the reader."""

    path: Path
    app_label: str
    auth_user_model: str
    swappable: tuple[tuple[str, str], ...]
    functions: Mapping[str, Any]
    names: Mapping[str, Any]
    field_classes: FieldClasses

    def operations(self, node: Any) -> list[Operation]:
        raise NotImplementedError

    def _items(self, node: Any) -> list[Any] | None:
        raise NotImplementedError

    # -- argument readers, one per operation (positional order as in Django's __init__) --

    def _arg(self, positional: list[Any], kw: dict[str, Any], index: int, name: str) -> Any:
        if name in kw:
            return kw[name]
        return positional[index] if len(positional) > index else None

    def _field(self, name: str | None, node: Any) -> FieldRecord | None:
        if name is None or node is None:
            return None
        record = field_from_call(
            name,
            node,
            self.path,
            app_label=self.app_label,
            auth_user_model=self.auth_user_model,
            swappable=self.swappable,
            field_ancestors=dict(self.field_classes.ancestors),
        )
        return self.field_classes.apply(record) if record is not None else None

    def _op_CreateModel(self, positional: list[Any], kw: dict[str, Any]) -> dict[str, Any]:
        name = string_value(self._arg(positional, kw, 0, "name"))
        fields: list[FieldRecord] = []
        items = collection_items(self._arg(positional, kw, 1, "fields"))
        complete = items is not None
        for item in items or ():
            parts = collection_items(item)
            record = None
            if parts and len(parts) == 2 and string_value(parts[0]) is not None:
                record = self._field(string_value(parts[0]), parts[1])
            if record is None:
                complete = False
            else:
                fields.append(record)
        options_node = self._arg(positional, kw, 2, "options")
        options, constraints, together = self._options(options_node)
        bases_value = literal(self._arg(positional, kw, 3, "bases"))
        bases = (
            tuple(b for b in bases_value if isinstance(b, str))
            if isinstance(bases_value, tuple)
            else ()
        )
        return {
            "model": name,
            "name": name,
            "fields": tuple(fields),
            "fields_complete": complete,
            "options": options,
            "constraints": constraints,
            "unique_together": together,
            "db_table": options.get("db_table")
            if isinstance(options.get("db_table"), str)
            else None,
            "db_table_given": "db_table" in options,
            "bases": bases,
        }

    def _options(
        self, node: Any
    ) -> tuple[dict[str, Any], tuple[ConstraintRecord, ...], tuple[tuple[str, ...], ...] | None]:
        options: dict[str, Any] = {}
        constraints: list[ConstraintRecord] = []
        together: tuple[tuple[str, ...], ...] | None = None
        if node is None or node.type != "atom" or len(node.children) != 3:
            return options, (), None
        maker = node.children[1]
        if maker.type != "dictorsetmaker":
            return options, (), None
        children = [c for c in maker.children if not (c.type == "operator" and c.value == ",")]
        for position in range(0, len(children) - 2, 3):
            key = string_value(children[position])
            value = children[position + 2]
            if key is None:
                continue
            if key == "constraints":
                for item in collection_items(value) or ():
                    record = constraint_from_call(item, self.path)
                    if record is not None:
                        constraints.append(record)
            elif key == "unique_together":
                together = normalise_together(together_literal(value))
            options[key] = literal(value)
        return options, tuple(constraints), together

    def _op_DeleteModel(self, positional: list[Any], kw: dict[str, Any]) -> dict[str, Any]:
        return {"model": string_value(self._arg(positional, kw, 0, "name"))}

    def _op_RenameModel(self, positional: list[Any], kw: dict[str, Any]) -> dict[str, Any]:
        old = string_value(self._arg(positional, kw, 0, "old_name"))
        return {"model": old, "new_name": string_value(self._arg(positional, kw, 1, "new_name"))}

    def _op_AddField(self, positional: list[Any], kw: dict[str, Any]) -> dict[str, Any]:
        name = string_value(self._arg(positional, kw, 1, "name"))
        preserve = bool_value(self._arg(positional, kw, 3, "preserve_default"))
        return {
            "model": string_value(self._arg(positional, kw, 0, "model_name")),
            "name": name,
            "field": self._field(name, self._arg(positional, kw, 2, "field")),
            "preserve_default": preserve is not False,
        }

    _op_AlterField = _op_AddField

    def _op_RemoveField(self, positional: list[Any], kw: dict[str, Any]) -> dict[str, Any]:
        return {
            "model": string_value(self._arg(positional, kw, 0, "model_name")),
            "name": string_value(self._arg(positional, kw, 1, "name")),
        }

    def _op_RenameField(self, positional: list[Any], kw: dict[str, Any]) -> dict[str, Any]:
        return {
            "model": string_value(self._arg(positional, kw, 0, "model_name")),
            "name": string_value(self._arg(positional, kw, 1, "old_name")),
            "new_name": string_value(self._arg(positional, kw, 2, "new_name")),
        }

    def _op_AlterUniqueTogether(self, positional: list[Any], kw: dict[str, Any]) -> dict[str, Any]:
        value = together_literal(self._arg(positional, kw, 1, "unique_together"))
        together = normalise_together(value)
        if together is None:
            raise ValueError("unique_together is not a literal")
        return {
            "model": string_value(self._arg(positional, kw, 0, "name")),
            "unique_together": together,
        }

    def _op_AddConstraint(self, positional: list[Any], kw: dict[str, Any]) -> dict[str, Any]:
        record = constraint_from_call(self._arg(positional, kw, 1, "constraint"), self.path)
        if record is None:
            raise ValueError("constraint not understood")
        return {
            "model": string_value(self._arg(positional, kw, 0, "model_name")),
            "constraints": (record,),
            "constraint_name": record.name,
        }

    _op_AddConstraintNotValid = _op_AddConstraint

    def _op_RemoveConstraint(self, positional: list[Any], kw: dict[str, Any]) -> dict[str, Any]:
        return {
            "model": string_value(self._arg(positional, kw, 0, "model_name")),
            "constraint_name": string_value(self._arg(positional, kw, 1, "name")),
        }

    def _op_AlterModelTable(self, positional: list[Any], kw: dict[str, Any]) -> dict[str, Any]:
        table = literal(self._arg(positional, kw, 1, "table"))
        return {
            "model": string_value(self._arg(positional, kw, 0, "name")),
            "db_table": table if isinstance(table, str) else None,
            "db_table_given": True,
        }

    def _op_AlterModelOptions(self, positional: list[Any], kw: dict[str, Any]) -> dict[str, Any]:
        options, _constraints, _together = self._options(self._arg(positional, kw, 1, "options"))
        return {"model": string_value(self._arg(positional, kw, 0, "name")), "options": options}

    def _op_RunPython(self, positional: list[Any], kw: dict[str, Any]) -> dict[str, Any]:
        code = self._arg(positional, kw, 0, "code")
        function = self._function(code)
        if function is False:
            return {"data_models": frozenset(), "data_names": frozenset()}
        if function is None:
            return {"data_models": None, "data_names": None}
        used = self._with_helpers(function)
        names = frozenset().union(*(mentioned(f) for f in used))
        if "call_command" in names:  # a management command: what it touches is not known
            return {"data_models": None, "data_names": None}
        reached = [function_models(f) for f in used]  # helpers get models too (nautobot 0034)
        models = None if None in reached else frozenset().union(*reached)  # type: ignore[arg-type]
        local = {str(c.name.value) for c in function.get_root_node().iter_classdefs()}
        if any(hands_a_model_away(f, local | set(self.functions)) for f in used):
            return {"data_models": models, "data_names": None}  # what is done to it: unknown
        return {"data_models": models, "data_names": row_effect(names)}

    def _op_RunSQL(self, positional: list[Any], kw: dict[str, Any]) -> dict[str, Any]:
        sql = literal(self._arg(positional, kw, 0, "sql"))
        if isinstance(sql, (list, tuple)):
            sql = "\n".join(str(part) for part in sql)
        state = self.operations(kw.get("state_operations"))
        names = None
        if isinstance(sql, str):
            names = frozenset(re.findall(r"\w+", sql.lower()))
            names |= emptied_tables(sql)
            names = row_effect(names)
        return {
            "sql": sql if isinstance(sql, str) else None,
            "nested": tuple(state),
            "data_names": names,
        }

    def _op_SeparateDatabaseAndState(
        self, positional: list[Any], kw: dict[str, Any]
    ) -> dict[str, Any]:
        database_node = self._arg(positional, kw, 0, "database_operations")
        state_node = self._arg(positional, kw, 1, "state_operations")
        touches = tuple(op.model for op in self.operations(database_node))
        unreadable = any(
            node is not None and self._items(node) is None for node in (database_node, state_node)
        )
        if unreadable:
            touches = (*touches, None)  # which models it changes is not known: all of the app's
        return {"nested": tuple(self.operations(state_node)), "touches": touches}

    def _with_helpers(self, function: Any) -> list[Any]:
        """The function and the module's functions and classes it uses, transitively (a data
        migration often hands each model to a helper that does the work)."""
        module = function.get_root_node()
        helpers = {**{str(c.name.value): c for c in module.iter_classdefs()}, **self.functions}
        found = [function]
        seen = {id(function)}
        for current in found:
            for node in walk(current):
                helper = helpers.get(node.value) if node.type == "name" else None
                if helper is not None and id(helper) not in seen:
                    seen.add(id(helper))
                    found.append(helper)
        return found

    def _function(self, node: Any) -> Any:
        """The module-level function RunPython runs; False for `RunPython.noop`; else None."""
        dotted = dotted_name(node)
        if dotted is not None and dotted.endswith("RunPython.noop"):
            return False
        return self.functions.get(dotted) if dotted is not None else None


def together_literal(node: Any) -> Any:
    """A `unique_together` value as written: a literal, or `set([...])` / `frozenset(...)` of
    one, as Django 1.x's makemigrations wrote it (`'unique_together': set([('token', 'revoked')])`
    in django-oauth-toolkit's 0001_initial)."""
    if node is not None and node.type in ("power", "atom_expr") and len(node.children) == 2:
        name, trailer = node.children
        if (
            name.type == "name"
            and name.value in ("set", "frozenset")
            and trailer.type == "trailer"
            and trailer.children[0].value == "("
        ):
            inner = trailer.children[1] if len(trailer.children) == 3 else None
            return set() if inner is None else literal(inner)
    return literal(node)


def normalise_together(value: Any) -> tuple[tuple[str, ...], ...] | None:
    """Django's normalize_together: a single tuple of names becomes a one-entry tuple."""
    if value is None:
        return ()
    if not isinstance(value, (tuple, list, set, frozenset)):
        return None
    items = list(value)
    if not items:
        return ()
    if all(isinstance(item, str) for item in items):
        return (tuple(items),)
    result: list[tuple[str, ...]] = []
    for item in items:
        if not isinstance(item, (tuple, list)) or not all(isinstance(i, str) for i in item):
            return None
        result.append(tuple(item))
    return tuple(sorted(result))
