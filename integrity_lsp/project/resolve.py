"""Call-site names -> models: the file's own import table and bindings first, jedi as a fallback.

A small evaluator follows what an expression is -- a model class, an instance, a manager, a
queryset, or the `(obj, created)` tuple of `get_or_create` -- through names bound in the
enclosing function or module (assignments, tuple unpacking, `for` loops, annotated
parameters, `self`/`cls`), imports (aliases, `from . import models as m`, re-exports followed
by the index), `get_user_model()` (AUTH_USER_MODEL read statically), `apps.get_model()`,
`get_object_or_404()`, `request.user`, and manager/queryset chains including related managers
(`team.members` for `ForeignKey(Team, related_name="members")`).

What that cannot answer goes to jedi: one `jedi.Project` kept alive, `Script.infer` cached per
(path, content hash, position). jedi is not thread-safe, so a Resolver must be used from one
thread at a time (the server runs it on a single worker). Only the interpreter given as
`environment_path` is used; without one jedi runs in-process and never starts another Python.
"""

from __future__ import annotations

import builtins
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from integrity_lsp.project.imports import ImportTable, build_import_table
from integrity_lsp.project.index import ClassKey, ProjectIndex
from integrity_lsp.project.records import (
    MANY_TO_MANY_FIELD_CLASSES,
    RELATION_FIELD_CLASSES,
    FieldRecord,
    ModelRecord,
)
from integrity_lsp.syntax.declarations import (
    assignment_parts,
    call_arguments,
    collection_items,
    is_operator,
    literal,
    string_value,
)
from integrity_lsp.syntax.source import SourceFile

DEFAULT_MANAGERS = frozenset({"objects", "_default_manager", "_base_manager"})
INSTANCE_METHODS = frozenset(
    {
        "get",
        "create",
        "first",
        "last",
        "latest",
        "earliest",
        "aget",
        "acreate",
        "afirst",
        "alast",
        "alatest",
        "aearliest",
        "get_by_natural_key",
        "in_bulk_one",
    }
)
TUPLE_METHODS = frozenset(
    {"get_or_create", "update_or_create", "aget_or_create", "aupdate_or_create"}
)
NOT_QUERYSET_METHODS = frozenset(
    {
        "count",
        "exists",
        "update",
        "delete",
        "aggregate",
        "values_list",
        "values",
        "bulk_create",
        "bulk_update",
        "in_bulk",
        "iterator",
        "contains",
        "acount",
        "aexists",
        "aupdate",
        "adelete",
        "explain",
        "add",
        "remove",
        "clear",
        "set",
    }
)
MODEL_GETTERS = frozenset({"get_user_model", "get_model"})
_MAX_DEPTH = 12
_JEDI_CACHE_SIZE = 10_000
_BUILTIN_NAMES = frozenset(dir(builtins))


@dataclass(frozen=True)
class ManagerTarget:
    """What a manager expression writes to.

    kind: "manager" (`Product.objects`), "related" (`team.members`: `fixed_fields` names the
    ForeignKey the related manager fills in), "many_to_many" (`article.tags`), "queryset"
    (`Product.objects.filter(...)`).
    """

    model: ModelRecord
    manager: str
    kind: str = "manager"
    fixed_fields: tuple[str, ...] = ()
    field: FieldRecord | None = None


@dataclass(frozen=True)
class _Value:
    """What an expression evaluates to."""

    kind: str  # "class" | "instance" | "manager" | "queryset" | "tuple" | "method"
    model: ModelRecord
    manager: ManagerTarget | None = None
    method: str = ""


class Resolver:
    """Resolve names at call sites to models. Not thread-safe (jedi is not): one thread."""

    def __init__(self, index: ProjectIndex, *, environment_path: str | None = None) -> None:
        self.index = index
        self.environment_path = environment_path
        self._tables: dict[Path, tuple[str, ImportTable]] = {}
        self._jedi_cache: dict[tuple[Path, str, int, int, str], ModelRecord | None] = {}
        self._library_cache: dict[str, bool] = {}
        self._jedi_project: Any = None
        self._jedi_environment: Any = None

    # ------------------------------------------------------------------ import tables

    def module_of(self, source: SourceFile) -> str | None:
        return source.module_name or self.index.module_name(source.path)

    def import_table(self, source: SourceFile) -> ImportTable:
        """Local name -> (module, attribute) for the file, cached per (path, digest)."""
        cached = self._tables.get(source.path)
        if cached is not None and cached[0] == source.digest:
            return cached[1]
        table = build_import_table(
            source.tree, self.module_of(source), is_package=source.path.name == "__init__.py"
        )
        self._tables[source.path] = (source.digest, table)
        return table

    # ------------------------------------------------------------------ public API

    def resolve_model(
        self, source: SourceFile, node: Any, *, use_jedi: bool = True
    ) -> ModelRecord | None:
        """The model class an expression names (`Product`, `P`, `shop_models.Product`,
        `get_user_model()`, `User`, `self.model`, `cls`, `self.__class__`); a Name leaf inside
        a dotted chain stands for the chain up to it."""
        try:
            value = self._evaluate(source, _expression_parts(node), 0)
        except (AttributeError, IndexError, TypeError, ValueError, RecursionError):
            value = None
        if value is not None:
            return value.model if value.kind == "class" else None
        return self._jedi(source, node, "class") if use_jedi else None

    def resolve_instance(self, source: SourceFile, node: Any) -> ModelRecord | None:
        """The model an expression is an instance of (`team` after `team = Team.objects.get()`,
        `get_object_or_404(Team, …)`, a `team: Team` parameter, `request.user`, `self` in a
        model method)."""
        try:
            value = self._evaluate(source, _expression_parts(node), 0)
        except (AttributeError, IndexError, TypeError, ValueError, RecursionError):
            value = None
        if value is not None:
            return value.model if value.kind == "instance" else None
        return self._jedi(source, node, "instance")

    def resolve_manager_call(self, source: SourceFile, node: Any) -> ManagerTarget | None:
        """The manager (or queryset) a write method is called on.

        `node` is the method's trailer (`.create` in `Product.objects.create(...)`: the
        manager is everything before it), or the manager expression itself (an atom_expr such
        as `team.members`, or a Name bound to a manager).
        """
        if node.type == "trailer":
            parent = node.parent
            parts = list(parent.children[: parent.children.index(node)])
        else:
            parts = _expression_parts(node)
        try:
            value = self._evaluate(source, parts, 0)
        except (AttributeError, IndexError, TypeError, ValueError, RecursionError):
            return None
        if value is None:
            return None
        if value.kind == "manager" and value.manager is not None:
            return value.manager
        if value.kind == "queryset":
            manager = value.manager.manager if value.manager is not None else "objects"
            return ManagerTarget(value.model, manager, "queryset")
        return None

    # ------------------------------------------------------------------ the evaluator

    def _evaluate(self, source: SourceFile, parts: list[Any], depth: int) -> _Value | None:
        if not parts or depth > _MAX_DEPTH:
            return None
        first = parts[0]
        value: _Value | None
        if first.type == "name":
            value, consumed = self._evaluate_head(source, parts, depth)
        elif first.type == "atom" and is_operator(first.children[0], "("):
            value, consumed = self._evaluate(source, _expression_parts(first.children[1]), depth), 1
        else:
            return None
        if consumed == 0:
            return None
        for index in range(consumed, len(parts)):
            trailer = parts[index]
            if value is None or trailer.type != "trailer":
                return None
            value = self._apply_trailer(value, trailer)
        return value

    def _evaluate_head(
        self, source: SourceFile, parts: list[Any], depth: int
    ) -> tuple[_Value | None, int]:
        """The value of the leading name (and any trailers it needs), and how many parts used."""
        first = parts[0]
        name = str(first.value)
        rest = parts[1:]
        call = rest[0] if rest and _is_call(rest[0]) else None
        if call is not None:
            special = self._special_call(source, name, call, depth)
            if special is not None:
                return special, 2
        if _attribute(rest, 0) == "get_model" and len(rest) > 1 and _is_call(rest[1]):
            model = self._get_model_call(rest[1]) if name.endswith("apps") else None
            return (_Value("class", model), 3) if model else (None, 0)
        if name == "request" and _attribute(rest, 0) == "user":
            user = self.index.user_model()
            return (_Value("instance", user), 2) if user else (None, 0)
        if name == "self" and _attribute(rest, 0) == "request" and _attribute(rest, 1) == "user":
            user = self.index.user_model()
            return (_Value("instance", user), 3) if user else (None, 0)
        binding = self._binding_value(source, first, depth)
        if binding is not None:
            return binding, 1
        dotted = _leading_names(parts)
        key = self._key_of_dotted(source, dotted)
        if key is not None:
            model = self.index.model_for_key(key[0])
            return (_Value("class", model), key[1]) if model else (None, 0)
        return None, 0

    def _get_model_call(self, call: Any) -> ModelRecord | None:
        """`apps.get_model("shop", "Product")` / `apps.get_model("shop.Product")`."""
        values = [string_value(node) for node in call_arguments(call).positional[:2]]
        if len(values) == 2 and values[0] and values[1]:
            return self.index.get_model(f"{values[0]}.{values[1]}")
        if len(values) == 1 and values[0]:
            return self.index.get_model(values[0])
        return None

    def _special_call(self, source: SourceFile, name: str, call: Any, depth: int) -> _Value | None:
        if name == "get_user_model":
            user = self.index.user_model()
            return _Value("class", user) if user else None
        args = call_arguments(call)
        if name in ("get_object_or_404", "aget_object_or_404") and args.positional:
            target = self._evaluate(source, _expression_parts(args.positional[0]), depth + 1)
            if target is not None and target.kind in ("class", "manager", "queryset"):
                return _Value("instance", target.model)
            return None
        if name == "type" and len(args.positional) == 1:
            target = self._evaluate(source, _expression_parts(args.positional[0]), depth + 1)
            if target is not None and target.kind == "instance":
                return _Value("class", target.model)
        return None

    def _apply_trailer(self, value: _Value, trailer: Any) -> _Value | None:
        opening = trailer.children[0]
        model = value.model
        if is_operator(opening, "."):
            attribute = str(trailer.children[1].value)
            return self._attribute(value, attribute)
        if is_operator(opening, "("):
            if value.kind == "class":
                return _Value("instance", model)
            if value.kind == "method":
                return self._call_method(value)
            return None
        if is_operator(opening, "["):
            index = literal(trailer.children[1])
            if value.kind == "tuple":
                return _Value("instance", model) if index == 0 else None
            if value.kind == "queryset":
                if isinstance(index, int):
                    return _Value("instance", model)
                if trailer.children[1].type == "subscript":  # a slice is still a queryset
                    return value
        return None

    def _attribute(self, value: _Value, attribute: str) -> _Value | None:
        model = value.model
        if value.kind == "class":
            if attribute in DEFAULT_MANAGERS or attribute in {
                manager.attribute for manager in self.index.managers(model)
            }:
                return _Value("manager", model, ManagerTarget(model, attribute))
            return None
        if value.kind == "instance":
            if attribute == "__class__":
                return _Value("class", model)
            return self._instance_attribute(model, attribute)
        if value.kind in ("manager", "queryset"):
            if attribute == "model":
                return _Value("class", model)
            return _Value("method", model, value.manager, attribute)
        return None

    def _instance_attribute(self, model: ModelRecord, attribute: str) -> _Value | None:
        field = self.index.field(model, attribute)
        if field is not None and field.name == attribute:
            target = self.index.related_model(model, field)
            if target is None:
                return None
            if field.field_class in MANY_TO_MANY_FIELD_CLASSES:
                return _Value(
                    "manager",
                    target,
                    ManagerTarget(target, attribute, "many_to_many", field=field),
                )
            if field.field_class in RELATION_FIELD_CLASSES:
                return _Value("instance", target)
            return None
        reverse = self.index.reverse_relations(model).get(attribute)
        if reverse is None:
            return None
        source_model, relation = reverse
        if relation.field_class in MANY_TO_MANY_FIELD_CLASSES:
            manager = ManagerTarget(source_model, attribute, "many_to_many", field=relation)
            return _Value("manager", source_model, manager)
        if relation.field_class == "OneToOneField":
            return _Value("instance", source_model)
        manager = ManagerTarget(
            source_model, attribute, "related", fixed_fields=(relation.name,), field=relation
        )
        return _Value("manager", source_model, manager)

    def _call_method(self, value: _Value) -> _Value | None:
        method = value.method
        model = value.model
        if method in INSTANCE_METHODS or method.startswith("create_"):
            return _Value("instance", model)
        if method in TUPLE_METHODS:
            return _Value("tuple", model)
        if method in NOT_QUERYSET_METHODS or method.startswith("_"):
            return None
        return _Value("queryset", model, value.manager, method)

    # ------------------------------------------------------------------ names and bindings

    def _binding_value(self, source: SourceFile, leaf: Any, depth: int) -> _Value | None:
        """The value of a name from its binding in the enclosing function or the module."""
        definition = _find_definition(source, leaf)
        if definition is None:
            return None
        if definition is leaf and definition.parent.type in ("classdef", "funcdef"):
            return self._class_definition(source, definition)
        node = definition.get_definition(import_name_always=True)
        if node is None:
            return None
        kind = node.type
        if kind == "classdef":
            return self._class_definition(source, node.name)
        if kind == "param":
            return self._param_value(source, node, depth)
        if kind == "expr_stmt":
            return self._assigned_value(source, node, definition, depth)
        if kind == "for_stmt":
            iterable = self._evaluate(source, _expression_parts(node.children[3]), depth + 1)
            if iterable is not None and iterable.kind in ("queryset", "manager"):
                return _Value("instance", iterable.model)
            return None
        if kind == "namedexpr_test":
            return self._evaluate(source, _expression_parts(node.children[2]), depth + 1)
        return None

    def _class_definition(self, source: SourceFile, name_leaf: Any) -> _Value | None:
        classdef = name_leaf.parent
        if classdef.type != "classdef" or _ancestor(classdef, "funcdef", "classdef") is not None:
            return None
        module = self.module_of(source)
        model = self.index.model_for_class(module, str(name_leaf.value)) if module else None
        if model is None:
            model = self._model_named_in_file(source, str(name_leaf.value))
        return _Value("class", model) if model is not None else None

    def _model_named_in_file(self, source: SourceFile, name: str) -> ModelRecord | None:
        for model in self.index.models_defined_in(source.path):
            if model.name == name:
                return model
        return None

    def _param_value(self, source: SourceFile, param: Any, depth: int) -> _Value | None:
        annotation = param.annotation
        if annotation is not None:
            model = self._annotation_model(source, annotation, depth)
            return _Value("instance", model) if model is not None else None
        function = _ancestor(param, "funcdef", "lambdef")
        if function is None or function.type != "funcdef":
            return None
        params = function.get_params()
        if not params or params[0] is not param:
            return None
        classdef = _ancestor(function, "classdef", "funcdef")
        if classdef is None or classdef.type != "classdef":
            return None
        owner = self._class_definition(source, classdef.name)
        decorators = {
            decorator.children[1].get_code().strip() for decorator in function.get_decorators()
        }
        if owner is not None:
            if "classmethod" in decorators:
                return owner
            if "staticmethod" in decorators:
                return None
            return _Value("instance", owner.model)
        users = self._models_using_class(source, str(classdef.name.value))
        if len(users) == 1 and "staticmethod" not in decorators:
            manager = ManagerTarget(users[0], "objects")
            return _Value("manager", users[0], manager)
        return None

    def _models_using_class(self, source: SourceFile, name: str) -> tuple[ModelRecord, ...]:
        module = self.module_of(source)
        return self.index.models_using(module, name) if module else ()

    def _annotation_model(
        self, source: SourceFile, annotation: Any, depth: int
    ) -> ModelRecord | None:
        text = string_value(annotation)
        if text is not None:
            key = self._key_of_dotted(source, [part.strip() for part in text.split(".")])
            return self.index.model_for_key(key[0]) if key else None
        if annotation.type == "expr" and any(is_operator(c, "|") for c in annotation.children):
            for child in annotation.children:
                if child.type != "operator":
                    found = self._annotation_model(source, child, depth)
                    if found is not None:
                        return found
            return None
        parts = _expression_parts(annotation)
        if (
            len(parts) == 2
            and parts[0].type == "name"
            and parts[0].value == "Optional"
            and is_operator(parts[1].children[0], "[")
        ):
            return self._annotation_model(source, parts[1].children[1], depth)
        value = self._evaluate(source, parts, depth + 1)
        return value.model if value is not None and value.kind == "class" else None

    def _assigned_value(
        self, source: SourceFile, statement: Any, definition: Any, depth: int
    ) -> _Value | None:
        targets, annotation, value = assignment_parts(statement)
        if annotation is not None and targets and targets[0] is definition:
            model = self._annotation_model(source, annotation, depth)
            if model is not None:
                return _Value("instance", model)
        if value is None:
            return None
        for target in targets:
            if target is definition:
                if value.type in ("testlist_star_expr", "testlist"):
                    return None
                return self._evaluate(source, _expression_parts(value), depth + 1)
            position = _tuple_position(target, definition)
            if position is not None:
                result = self._evaluate(source, _expression_parts(value), depth + 1)
                if result is not None and result.kind == "tuple" and position == 0:
                    return _Value("instance", result.model)
                return None
        return None

    def _key_of_dotted(
        self, source: SourceFile, names: list[str]
    ) -> tuple[ClassKey | None, int] | None:
        """(class key, names used) for a leading dotted name resolved through imports."""
        if not names:
            return None
        table = self.import_table(source)
        imported = table.lookup(names[0])
        if imported is None:
            module = self.module_of(source)
            for star in table.star_modules:
                key = self.index.resolve_symbol(star, names[0])
                if key is not None and self.index.model_for_key(key) is not None:
                    return key, 1
            if module is not None:
                key = self.index.resolve_symbol(module, names[0])
                if key is not None and self.index.model_for_key(key) is not None:
                    return key, 1
            return None
        for used in range(len(names), 0, -1):
            key = self.index.resolve_imported(imported, names[1:used])
            if key is not None and self.index.model_for_key(key) is not None:
                return key, used
        return None

    # ------------------------------------------------------------------ jedi fallback

    def _jedi(self, source: SourceFile, node: Any, kind: str) -> ModelRecord | None:
        leaf = node if node.type == "name" else _last_name(node)
        if (
            leaf is None
            or (kind == "class" and self.index.is_plain_class(str(leaf.value)))
            or not _jedi_worthwhile(source, leaf)
            or self._outside_project(source, leaf)
        ):
            return None
        line, column = leaf.start_pos
        key = (source.path, source.digest, line, column, kind)
        if key in self._jedi_cache:
            return self._jedi_cache[key]
        result = None
        try:
            result = self._jedi_infer(source, line, column, kind)
        except Exception:  # jedi failing must never take the analysis down
            result = None
        if len(self._jedi_cache) >= _JEDI_CACHE_SIZE:
            self._jedi_cache.clear()  # stale digests pile up while a file is edited
        self._jedi_cache[key] = result
        return result

    def _outside_project(self, source: SourceFile, leaf: Any) -> bool:
        """Is the chain's head a builtin or imported from a library that holds no model the
        index knows (`ValueError(…)`, `forms.Form(…)`, `status.HTTP_409_CONFLICT`)? Then jedi,
        the slowest step of the whole check, cannot find a model there."""
        head = leaf
        parent = leaf.parent
        if parent is not None and parent.type == "trailer":
            chain = parent.parent
            head = chain.children[0] if chain is not None else leaf
        if head.type != "name":
            return False
        name = str(head.value)
        imported = self.import_table(source).lookup(name)
        if imported is None:
            return name in _BUILTIN_NAMES and _find_definition(source, head) is None
        module = imported[0].lstrip(".")
        if module.startswith("django.contrib") or self.index.path_for_module(imported[0]):
            return False
        return self._is_installed_library(module)

    def _is_installed_library(self, module: str) -> bool:
        """A module that is not the project's: not found under the root."""
        top = module.split(".", 1)[0]
        if top in self._library_cache:
            return self._library_cache[top]
        root = self.index.root
        local = (
            (root / top).exists() or (root / f"{top}.py").exists() or (root / "src" / top).exists()
        )
        self._library_cache[top] = not local
        return not local

    def _jedi_infer(
        self, source: SourceFile, line: int, column: int, kind: str
    ) -> ModelRecord | None:
        import jedi

        if self._jedi_project is None:
            self._jedi_project = jedi.Project(
                str(self.index.root),
                environment_path=self.environment_path,
                load_unsafe_extensions=False,
            )
            if self.environment_path is None:  # in-process: never start another interpreter
                from jedi.api.environment import InterpreterEnvironment

                self._jedi_environment = InterpreterEnvironment()
        script = jedi.Script(
            code=source.text,
            path=str(source.path),
            project=self._jedi_project,
            environment=self._jedi_environment,
        )
        for name in script.infer(line, column):
            if name.type != kind:
                continue
            model = self._model_of_jedi_name(name)
            if model is not None:
                return model
        return None

    def _model_of_jedi_name(self, name: Any) -> ModelRecord | None:
        module_path = name.module_path
        module = None
        if module_path is not None:
            path = Path(os.path.abspath(module_path))
            if path == self.index.root or self.index.root in path.parents:
                module = self.index.module_name(path)
        full_name = name.full_name or ""
        class_name = full_name.rpartition(".")[2] or name.name
        if module is None:
            module = full_name.rpartition(".")[0] or None
        if module is None or not class_name:
            return None
        return self.index.model_for_class(module, class_name)


# ---------------------------------------------------------------------- tree helpers


def _expression_parts(node: Any) -> list[Any]:
    """The parts of an expression chain; a Name leaf inside a chain gives the chain up to it."""
    if node is None:
        return []
    if node.type in ("atom_expr", "power"):
        children = list(node.children)
        if children and children[0].type == "keyword" and children[0].value == "await":
            return children[1:]
        return children
    if node.type == "name":
        parent = node.parent
        chain, end = None, 0
        if parent is not None and parent.type == "trailer" and is_operator(parent.children[0], "."):
            chain = parent.parent
            end = chain.children.index(parent) + 1 if chain is not None else 0
        elif parent is not None and parent.type in ("atom_expr", "power"):
            chain, end = parent, 1
        if chain is None or chain.type not in ("atom_expr", "power"):
            return [node]
        if (
            node.value in MODEL_GETTERS
            and end < len(chain.children)
            and _is_call(chain.children[end])
        ):
            end += 1  # `get_user_model()` / `apps.get_model(...)` name the model with the call
        return list(chain.children[:end])
    if node.type == "atom" and is_operator(node.children[0], "(") and len(node.children) == 3:
        return _expression_parts(node.children[1])
    return [node]


def _is_call(node: Any) -> bool:
    return bool(node.type == "trailer" and is_operator(node.children[0], "("))


def _attribute(parts: list[Any], index: int) -> str | None:
    if index >= len(parts):
        return None
    trailer = parts[index]
    if trailer.type == "trailer" and is_operator(trailer.children[0], "."):
        return str(trailer.children[1].value)
    return None


def _leading_names(parts: list[Any]) -> list[str]:
    names = [str(parts[0].value)]
    for index in range(1, len(parts)):
        attribute = _attribute(parts, index)
        if attribute is None:
            break
        names.append(attribute)
    return names


def _last_name(node: Any) -> Any:
    leaf = node.get_last_leaf()
    while leaf is not None and leaf.type != "name":
        leaf = leaf.get_previous_leaf()
        if leaf is not None and leaf.start_pos < node.start_pos:
            return None
    return leaf


def _jedi_worthwhile(source: SourceFile, leaf: Any) -> bool:
    """jedi only helps with names bound by assignments or star imports; imports, parameters,
    classes and functions are answered (or known unanswerable) already."""
    if leaf.parent is not None and leaf.parent.type == "trailer":
        return True
    definition = _find_definition(source, leaf)
    if definition is None:
        return True
    node = definition.get_definition(import_name_always=True)
    return node is not None and node.type in ("expr_stmt", "for_stmt", "with_stmt")


def _ancestor(node: Any, *types: str) -> Any:
    parent = node.parent
    while parent is not None:
        if parent.type in types:
            return parent
        parent = parent.parent
    return None


def _scope(node: Any) -> Any:
    return _ancestor(node, "funcdef", "lambdef", "classdef", "file_input")


def _find_definition(source: SourceFile, leaf: Any) -> Any:
    """The Name leaf that binds `leaf` at its position: in the enclosing function(s), then the
    module (class bodies are skipped from inside methods, as Python does)."""
    definitions = _definitions(source, str(leaf.value))
    if not definitions:
        return None
    scope = _scope(leaf)
    first = True
    while scope is not None:
        if scope.type != "classdef" or first:
            local = [d for d, bound_in in definitions if bound_in is scope]
            if local:
                before = [d for d in local if d.start_pos <= leaf.start_pos]
                return before[-1] if before else local[0]
        first = False
        scope = _scope(scope)
    return None


def _definitions(source: SourceFile, name: str) -> list[tuple[Any, Any]]:
    """Every binding of `name` in the file with the scope it binds in; once per file version
    (without it, a module with many writes is quadratic)."""
    key = ("definitions", name)
    found = source.memo.get(key)
    if found is None:
        used = source.tree.get_used_names().get(name, [])
        found = [
            (candidate, _binding_scope(candidate))
            for candidate in used
            if candidate.parent is not None
            and candidate.parent.type != "trailer"
            and candidate.is_definition()
        ]
        source.memo[key] = found
    return list(found)


def _binding_scope(definition: Any) -> Any:
    parent = definition.parent
    if parent is not None and parent.type in ("classdef", "funcdef") and parent.name is definition:
        return _scope(parent)  # a class or function name binds in the enclosing scope
    if parent is not None and parent.type == "param":
        return _ancestor(parent, "funcdef", "lambdef")
    return _scope(definition)


def _tuple_position(target: Any, definition: Any) -> int | None:
    """The position of `definition` in a tuple target (`team, created = …`)."""
    if target.type == "name":
        return None
    items = collection_items(target)
    if items is None:
        return None
    for position, item in enumerate(items):
        if item is definition:
            return position
    return None
