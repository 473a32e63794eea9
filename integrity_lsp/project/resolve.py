"""Call-site names -> models: the file's own import table and bindings first, jedi as a fallback.

A small evaluator follows what an expression is -- a model class, an instance, a manager, a
queryset, or the `(obj, created)` tuple of `get_or_create` -- through names bound in the
enclosing function or module (assignments, tuple unpacking, `for` loops, annotated
parameters, `self`/`cls`), imports (aliases, `from . import models as m`, re-exports followed
by the index), `get_user_model()` (AUTH_USER_MODEL read statically), `apps.get_model()`,
`get_object_or_404()`, `request.user`, and manager/queryset chains including related managers
(`team.members` for `ForeignKey(Team, related_name="members")`).

What that cannot answer goes to jedi (`jedi_fallback`), which is not thread-safe: a Resolver
must be used from one thread at a time (the server runs it on a single worker).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from integrity_lsp.project.bindings import class_attribute, find_definition, method_class
from integrity_lsp.project.imports import ImportTable, build_import_table
from integrity_lsp.project.index import ClassKey, ProjectIndex
from integrity_lsp.project.jedi_fallback import JediFallback
from integrity_lsp.project.loader_calls import LoaderCalls
from integrity_lsp.project.records import (
    MANY_TO_MANY_FIELD_CLASSES,
    RELATION_FIELD_CLASSES,
    ModelRecord,
)
from integrity_lsp.project.values import (
    DEFAULT_MANAGERS,
    INSTANCE_METHODS,
    NOT_QUERYSET_METHODS,
    TUPLE_METHODS,
    ManagerTarget,
    Value,
    attribute_name,
    expression_parts,
    is_call,
    leading_names,
    tuple_position,
)
from integrity_lsp.syntax.declarations import (
    assignment_parts,
    call_arguments,
    is_operator,
    literal,
    string_value,
)
from integrity_lsp.syntax.nodes import enclosing
from integrity_lsp.syntax.source import SourceFile

_MAX_DEPTH = 12


class Resolver:
    """Resolve names at call sites to models. Not thread-safe (jedi is not): one thread."""

    def __init__(self, index: ProjectIndex, *, environment_path: str | None = None) -> None:
        self.index = index
        self._tables: dict[Path, tuple[str, ImportTable]] = {}
        self._jedi = JediFallback(index, self.import_table, environment_path=environment_path)
        self._loaders = LoaderCalls(index, self.import_table)

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
            value = self._evaluate(source, expression_parts(node), 0)
        except (AttributeError, IndexError, TypeError, ValueError, RecursionError):
            value = None
        if value is not None:
            return value.model if value.kind == "class" else None
        return self._jedi.model_at(source, node, "class") if use_jedi else None

    def resolve_instance(
        self, source: SourceFile, node: Any, *, use_jedi: bool = True
    ) -> ModelRecord | None:
        """The model an expression is an instance of (`team` after `team = Team.objects.get()`,
        `get_object_or_404(Team, …)`, a `team: Team` parameter, `request.user`, `self` in a
        model method)."""
        try:
            value = self._evaluate(source, expression_parts(node), 0)
        except (AttributeError, IndexError, TypeError, ValueError, RecursionError):
            value = None
        if value is not None:
            return value.model if value.kind == "instance" else None
        return self._jedi.model_at(source, node, "instance") if use_jedi else None

    def resolve_manager_call(self, source: SourceFile, node: Any) -> ManagerTarget | None:
        """The manager (or queryset) a write method is called on.

        `node` is the method's trailer (`.create` in `Product.objects.create(...)`: the
        manager is everything before it), or the manager expression itself (an atom_expr such
        as `team.members`, or a Name bound to a manager).
        """
        if node.type == "trailer":
            parent = node.parent
            parts = list(parent.children[: parent.children.index(node)])
            if parts and parts[0].type == "keyword" and parts[0].value == "await":
                parts = parts[1:]  # `await Product.objects.acreate(…)`
        else:
            parts = expression_parts(node)
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

    def _evaluate(self, source: SourceFile, parts: list[Any], depth: int) -> Value | None:
        if not parts or depth > _MAX_DEPTH:
            return None
        first = parts[0]
        value: Value | None
        if first.type == "name":
            value, consumed = self._evaluate_head(source, parts, depth)
        elif first.type == "atom" and is_operator(first.children[0], "("):
            value, consumed = self._evaluate(source, expression_parts(first.children[1]), depth), 1
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
    ) -> tuple[Value | None, int]:
        """The value of the leading name (and any trailers it needs), and how many parts used."""
        first = parts[0]
        name = str(first.value)
        rest = parts[1:]
        call = rest[0] if rest and is_call(rest[0]) else None
        if call is not None:
            special = self._special_call(source, name, call, depth)
            if special is not None:
                return special, 2
        loaded = self._loaders.loaded(source, parts)
        if loaded is not None:
            model, consumed = loaded
            return (Value("class", model), consumed) if model is not None else (None, 0)
        if name == "request" and attribute_name(rest, 0) == "user":
            user = self.index.user_model()
            return (Value("instance", user), 2) if user else (None, 0)
        if (
            name == "self"
            and attribute_name(rest, 0) == "request"
            and attribute_name(rest, 1) == "user"
        ):
            user = self.index.user_model()
            return (Value("instance", user), 3) if user else (None, 0)
        binding = self._binding_value(source, first, depth)
        if binding is not None:
            return binding, 1
        if name in ("self", "cls") and attribute_name(rest, 0) is not None:
            declared = self._class_attribute(source, first, str(attribute_name(rest, 0)), depth)
            if declared is not None:
                return declared, 2
        dotted = leading_names(parts)
        key = self._key_of_dotted(source, dotted)
        if key is not None:
            model = self.index.model_for_key(key[0])
            return (Value("class", model), key[1]) if model else (None, 0)
        return None, 0

    def _class_attribute(
        self, source: SourceFile, leaf: Any, attribute: str, depth: int
    ) -> Value | None:
        """`self.model` in a method of a class that is no model (a view, a form): the model
        class its body assigns (`model = Device`)."""
        value = class_attribute(leaf, attribute)
        if value is None:
            return None
        found = self._evaluate(source, expression_parts(value), depth + 1)
        return found if found is not None and found.kind == "class" else None

    def _special_call(self, source: SourceFile, name: str, call: Any, depth: int) -> Value | None:
        if name == "get_user_model":
            user = self.index.user_model()
            return Value("class", user) if user else None
        args = call_arguments(call)
        if name in ("get_object_or_404", "aget_object_or_404") and args.positional:
            target = self._evaluate(source, expression_parts(args.positional[0]), depth + 1)
            if target is not None and target.kind in ("class", "manager", "queryset"):
                return Value("instance", target.model)
            return None
        if name == "super" and not args.positional and not args.keywords:
            classdef = method_class(call)  # `super()` in a manager's method: the manager
            if classdef is None or self._class_definition(source, classdef.name) is not None:
                return None  # a model's own method: `super()` is the instance
            return self._own_manager(source, classdef)
        if name == "type" and len(args.positional) == 1:
            target = self._evaluate(source, expression_parts(args.positional[0]), depth + 1)
            if target is not None and target.kind == "instance":
                return Value("class", target.model)
        return None

    def _apply_trailer(self, value: Value, trailer: Any) -> Value | None:
        opening = trailer.children[0]
        model = value.model
        if is_operator(opening, "."):
            attribute = str(trailer.children[1].value)
            return self._attribute(value, attribute)
        if is_operator(opening, "("):
            if value.kind == "class":
                return Value("instance", model)
            if value.kind == "method":
                return self._call_method(value)
            return None
        if is_operator(opening, "["):
            index = literal(trailer.children[1])
            if value.kind == "tuple":
                return Value("instance", model) if index == 0 else None
            if value.kind == "queryset":
                if isinstance(index, int):
                    return Value("instance", model)
                if trailer.children[1].type == "subscript":  # a slice is still a queryset
                    return value
        return None

    def _attribute(self, value: Value, attribute: str) -> Value | None:
        model = value.model
        if value.kind == "class":
            if attribute in DEFAULT_MANAGERS or attribute in {
                manager.attribute for manager in self.index.managers(model)
            }:
                return Value("manager", model, ManagerTarget(model, attribute))
            return None
        if value.kind == "instance":
            if attribute == "__class__":
                return Value("class", model)
            return self._instance_attribute(model, attribute)
        if value.kind in ("manager", "queryset"):
            if attribute == "model":
                return Value("class", model)
            return Value("method", model, value.manager, attribute)
        return None

    def _instance_attribute(self, model: ModelRecord, attribute: str) -> Value | None:
        generic = self.index.generic_relation(model, attribute)
        if generic is not None:
            # `obj.tags` for `tags = GenericRelation(TaggedItem)`: TaggedItem's rows of `obj`
            fixed = (generic.content_type_field, generic.object_id_field)
            manager = ManagerTarget(generic.model, attribute, "generic", fixed_fields=fixed)
            return Value("manager", generic.model, manager)
        field = self.index.field(model, attribute)
        if field is not None and field.name == attribute:
            target = self.index.related_model(model, field)
            if target is None:
                return None
            if field.known_class in MANY_TO_MANY_FIELD_CLASSES:
                return Value(
                    "manager",
                    target,
                    ManagerTarget(target, attribute, "many_to_many", field=field),
                )
            if field.known_class in RELATION_FIELD_CLASSES:
                return Value("instance", target)
            return None
        reverse = self.index.reverse_relations(model).get(attribute)
        if reverse is None:
            return None
        source_model, relation = reverse
        if relation.known_class in MANY_TO_MANY_FIELD_CLASSES:
            manager = ManagerTarget(source_model, attribute, "many_to_many", field=relation)
            return Value("manager", source_model, manager)
        if relation.known_class == "OneToOneField":
            return Value("instance", source_model)
        manager = ManagerTarget(
            source_model, attribute, "related", fixed_fields=(relation.name,), field=relation
        )
        return Value("manager", source_model, manager)

    def _call_method(self, value: Value) -> Value | None:
        method = value.method
        model = value.model
        if method in INSTANCE_METHODS or method.startswith("create_"):
            return Value("instance", model)
        if method in TUPLE_METHODS:
            return Value("tuple", model)
        if method in NOT_QUERYSET_METHODS or method.startswith("_"):
            return None
        return Value("queryset", model, value.manager, method)

    # ------------------------------------------------------------------ names and bindings

    def _binding_value(self, source: SourceFile, leaf: Any, depth: int) -> Value | None:
        """The value of a name from its binding in the enclosing function or the module."""
        definition = find_definition(source, leaf)
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
            iterable = self._evaluate(source, expression_parts(node.children[3]), depth + 1)
            if iterable is not None and iterable.kind in ("queryset", "manager"):
                return Value("instance", iterable.model)
            return None
        if kind == "namedexpr_test":
            return self._evaluate(source, expression_parts(node.children[2]), depth + 1)
        return None

    def _class_definition(self, source: SourceFile, name_leaf: Any) -> Value | None:
        classdef = name_leaf.parent
        if classdef.type != "classdef" or enclosing(classdef, "funcdef", "classdef") is not None:
            return None
        module = self.module_of(source)
        model = self.index.model_for_class(module, str(name_leaf.value)) if module else None
        if model is None:
            model = self._model_named_in_file(source, str(name_leaf.value))
        return Value("class", model) if model is not None else None

    def _model_named_in_file(self, source: SourceFile, name: str) -> ModelRecord | None:
        for model in self.index.models_defined_in(source.path):
            if model.name == name:
                return model
        return None

    def _param_value(self, source: SourceFile, param: Any, depth: int) -> Value | None:
        annotation = param.annotation
        if annotation is not None:
            model = self._annotation_model(source, annotation, depth)
            return Value("instance", model) if model is not None else None
        function = enclosing(param, "funcdef", "lambdef")
        if function is None or function.type != "funcdef":
            return None
        params = function.get_params()
        if not params or params[0] is not param:
            return None
        classdef = enclosing(function, "classdef", "funcdef")
        if classdef is None or classdef.type != "classdef":
            return None
        owner = self._class_definition(source, classdef.name)
        decorators = {
            decorator.children[1].get_code().strip() for decorator in function.get_decorators()
        }
        if owner is not None:
            if "classmethod" in decorators:
                return owner
            return None if "staticmethod" in decorators else Value("instance", owner.model)
        return None if "staticmethod" in decorators else self._own_manager(source, classdef)

    def _own_manager(self, source: SourceFile, classdef: Any) -> Value | None:
        """The manager a manager (or QuerySet) class is when one concrete model uses it, under
        the attribute that model declares it as (`objects = FormStateManager()`)."""
        name, module = str(classdef.name.value), self.module_of(source)
        users = self.index.models_using(module, name) if module else ()
        if len(users) != 1:
            return None
        declared = [m.attribute for m in self.index.managers(users[0]) if m.manager_class == name]
        attribute = declared[0] if len(declared) == 1 else "objects"
        return Value("manager", users[0], ManagerTarget(users[0], attribute))

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
        parts = expression_parts(annotation)
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
    ) -> Value | None:
        targets, annotation, value = assignment_parts(statement)
        if annotation is not None and targets and targets[0] is definition:
            model = self._annotation_model(source, annotation, depth)
            if model is not None:
                return Value("instance", model)
        if value is None:
            return None
        for target in targets:
            if target is definition:
                if value.type in ("testlist_star_expr", "testlist"):
                    return None
                return self._evaluate(source, expression_parts(value), depth + 1)
            position = tuple_position(target, definition)
            if position is not None:
                result = self._evaluate(source, expression_parts(value), depth + 1)
                if result is not None and result.kind == "tuple" and position == 0:
                    return Value("instance", result.model)
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
