"""Migration files read statically: `parse_migration` reads one file's `Migration` class
(dependencies with `swappable_dependency`, `replaces`, `run_before`, and each operation with the
arguments the state replay needs) from a parso tree."""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from integrity_lsp.findings import Span
from integrity_lsp.project.field_classes import FieldClasses
from integrity_lsp.project.meta import constraint_from_call
from integrity_lsp.project.migrations.data_steps import (
    emptied_tables,
    function_models,
    mentioned,
    row_effect,
)
from integrity_lsp.project.migrations.graph import (
    Dependency,
    MigrationFile,
    MigrationKey,
    Operation,
)
from integrity_lsp.project.models import field_from_call
from integrity_lsp.project.records import ConstraintRecord, FieldRecord
from integrity_lsp.syntax.declarations import (
    bool_value,
    call_arguments,
    class_assignments,
    collection_items,
    dotted_name,
    dotted_parts,
    literal,
    split_call,
    string_value,
)
from integrity_lsp.syntax.nodes import walk

NO_FIELD_CLASSES = FieldClasses()


def parse_migration(
    tree: Any,
    path: Path,
    app_label: str,
    *,
    auth_user_model: str = "auth.User",
    field_classes: FieldClasses = NO_FIELD_CLASSES,
    swappable: tuple[tuple[str, str], ...] = (),
) -> MigrationFile:
    """The `Migration` class of a migration module; an empty record when there is none."""
    functions = {str(func.name.value): func for func in tree.iter_funcdefs()}
    for classdef in tree.iter_classdefs():
        arglist = classdef.get_super_arglist()
        if arglist is None or "Migration" not in arglist.get_code():
            continue
        values = class_assignments(classdef)
        names = {**_module_assignments(tree), **values}
        reader = _Reader(path, app_label, auth_user_model, functions, names, field_classes)
        reader.swappable = swappable
        deps_node = values.get("dependencies")
        operations = reader.operations(values.get("operations"))
        if _builds_operations(classdef):
            # Which operations run is decided at import time (wagtail's search 0006 appends
            # per database vendor): what the app's models become cannot be told.
            name = classdef.children[1]
            operations.append(
                Operation(DYNAMIC, len(operations), Span.of(name), Span.of(name), understood=False)
            )
        return MigrationFile(
            app_label=app_label,
            name=path.stem,
            path=path,
            dependencies=tuple(reader.dependencies(deps_node)),
            replaces=tuple(_keys(values.get("replaces"))),
            run_before=tuple(_keys(values.get("run_before"))),
            operations=tuple(operations),
            dependencies_span=Span.of(deps_node) if deps_node is not None else None,
            has_migration_class=True,
            initial=literal(values.get("initial")) is True,
        )
    return MigrationFile(app_label=app_label, name=path.stem, path=path)


DYNAMIC = "<operations built at import time>"
_GROWS_OPERATIONS = re.compile(r"\boperations\s*(?:\.\s*(?:append|extend|insert)\s*\(|\+=)")
_ASSIGNS_OPERATIONS = re.compile(r"^[ \t]+operations\s*(?::[^=\n]*)?=[^=]", re.MULTILINE)


def _builds_operations(classdef: Any) -> bool:
    """`operations` appended to, extended, or assigned more than once (under `if`s)."""
    code = classdef.get_code()
    return bool(_GROWS_OPERATIONS.search(code)) or len(_ASSIGNS_OPERATIONS.findall(code)) > 1


def _module_assignments(tree: Any) -> dict[str, Any]:
    """`name = value` at module level: what a Migration's `state_operations=name` may mean."""
    found: dict[str, Any] = {}
    for statement in tree.children:
        node = statement.children[0] if statement.type == "simple_stmt" else statement
        if node.type == "expr_stmt" and len(node.children) == 3 and node.children[0].type == "name":
            found[str(node.children[0].value)] = node.children[2]
    return found


def _keys(node: Any) -> list[MigrationKey]:
    value = literal(node)
    if not isinstance(value, (list, tuple, set)):
        return []
    return [
        (item[0], item[1])
        for item in value
        if isinstance(item, (tuple, list))
        and len(item) == 2
        and all(isinstance(i, str) for i in item)
    ]


def _span(node: Any) -> Span:
    return Span.of(node)


class _Reader:
    def __init__(
        self,
        path: Path,
        app_label: str,
        auth_user_model: str,
        functions: Mapping[str, Any],
        names: Mapping[str, Any],
        field_classes: FieldClasses,
    ) -> None:
        self.path = path
        self.app_label = app_label
        self.auth_user_model = auth_user_model
        self.swappable: tuple[tuple[str, str], ...] = ()  # `*_MODEL` settings naming a model
        self.functions = functions
        self.names = names  # class-level, then module-level assignments
        self.field_classes = field_classes

    def dependencies(self, node: Any) -> list[Dependency]:
        found: list[Dependency] = []
        for item in collection_items(node) or ():
            call = split_call(item)
            if call is not None:
                callee = (dotted_parts(call[0]) or "").split(".")[-1]
                args = call_arguments(call[1])
                if callee == "swappable_dependency" and args.positional:
                    target = args.positional[0]
                    text = string_value(target)
                    setting = (dotted_name(target) or "").split(".")[-1]
                    if text is None and setting == "AUTH_USER_MODEL":
                        text = self.auth_user_model
                    elif text is None:
                        text = dict(self.swappable).get(setting)
                    if text is not None and "." in text:
                        found.append(Dependency(text.split(".", 1)[0], "__first__"))
                continue
            parts = collection_items(item)
            if parts is None or len(parts) != 2:
                continue
            app, name = string_value(parts[0]), string_value(parts[1])
            if app is not None and name is not None:
                found.append(Dependency(app, name, _span(parts[1])))
        return found

    def operations(self, node: Any) -> list[Operation]:
        result: list[Operation] = []
        for index, item in enumerate(self._items(node) or ()):
            operation = self.operation(item, index)
            if operation is not None:
                result.append(operation)
        return result

    def _items(self, node: Any) -> list[Any] | None:
        """A list of operations as written, or through the name it was assigned to
        (`state_operations = [...]` in the class, then `state_operations=state_operations`)."""
        if node is not None and node.type == "name" and node.value in self.names:
            target = self.names[node.value]
            node = None if target.type == "name" else target  # no chains of names
        return collection_items(node)

    def operation(self, node: Any, index: int) -> Operation | None:
        call = split_call(node)
        if call is None:
            return None
        callee = dotted_parts(call[0])
        kind = callee.split(".")[-1] if callee is not None else "<expression>"
        args = call_arguments(call[1])
        kw = dict(args.keywords)
        callee_span = Span(*call[0][0].start_pos, *call[0][-1].end_pos)
        base: dict[str, Any] = {
            "kind": kind,
            "index": index,
            "span": _span(node),
            "callee_span": callee_span,
        }
        parser = getattr(self, f"_op_{kind}", None)
        if parser is None:
            model = string_value(kw.get("model_name")) or string_value(kw.get("name"))
            return Operation(
                **base, model=model.lower() if model else None, understood=False, node=node
            )
        try:
            extra: dict[str, Any] = parser(args.positional, kw)
        except (AttributeError, IndexError, TypeError, ValueError):
            return Operation(**base, understood=False, node=node)
        if "model" in extra and isinstance(extra["model"], str):
            extra["model"] = extra["model"].lower()
        return Operation(**base, **extra, node=node)

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
                together = normalise_together(literal(value))
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
        value = literal(self._arg(positional, kw, 1, "unique_together"))
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
        names = frozenset().union(*(mentioned(f) for f in self._with_helpers(function)))
        if "call_command" in names:  # a management command: what it touches is not known
            return {"data_models": None, "data_names": None}
        return {"data_models": function_models(function), "data_names": row_effect(names)}

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
