"""Call-site names -> models: the file's own import table and bindings first, jedi as a fallback.

A small evaluator follows what an expression is -- a model class, an instance, a manager, a
queryset, or the `(obj, created)` tuple of `get_or_create` -- through names bound in the
enclosing function or module (assignments, tuple unpacking, `for` loops, annotated
parameters, `self`/`cls`), imports (aliases, `from . import models as m`, re-exports followed
by the index), `get_user_model()` (AUTH_USER_MODEL read statically), `apps.get_model()`,
`get_object_or_404()`, `request.user`, and manager/queryset chains including related managers
(`team.members` for `ForeignKey(Team, related_name="members")`).

The value a name has from its binding is read by `bound_values`, what a trailer (`.x`, `(…)`,
`[…]`) makes of a value by `trailer_values`; both are this evaluator's steps.

What that cannot answer goes to jedi (`jedi_fallback`), which is not thread-safe: a Resolver
must be used from one thread at a time (the server runs it on a single worker).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from integrity_lsp.project.bindings import class_attribute, method_class
from integrity_lsp.project.bound_values import BoundValues
from integrity_lsp.project.imports import ImportTable, build_import_table
from integrity_lsp.project.index import ClassKey, ProjectIndex
from integrity_lsp.project.jedi_fallback import JediFallback
from integrity_lsp.project.loader_calls import LoaderCalls
from integrity_lsp.project.records import ModelRecord
from integrity_lsp.project.trailer_values import apply_trailer
from integrity_lsp.project.values import (
    ManagerTarget,
    Value,
    attribute_name,
    expression_parts,
    is_call,
    leading_names,
)
from integrity_lsp.syntax.declarations import call_arguments, is_operator
from integrity_lsp.syntax.source import SourceFile

_MAX_DEPTH = 12


class Resolver:
    """Resolve names at call sites to models. Not thread-safe (jedi is not): one thread."""

    def __init__(self, index: ProjectIndex, *, environment_path: str | None = None) -> None:
        self.index = index
        self._tables: dict[Path, tuple[str, ImportTable]] = {}
        self._jedi = JediFallback(index, self.import_table, environment_path=environment_path)
        self._loaders = LoaderCalls(index, self.import_table)
        self._bindings = BoundValues(index, self.module_of, self._key_of_dotted, self._evaluate)

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
            value = apply_trailer(self.index, value, trailer)
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
        binding = self._bindings.value(source, first, depth)
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
            if (
                classdef is None
                or self._bindings.class_definition(source, classdef.name) is not None
            ):
                return None  # a model's own method: `super()` is the instance
            return self._bindings.own_manager(source, classdef)
        if name == "type" and len(args.positional) == 1:
            target = self._evaluate(source, expression_parts(args.positional[0]), depth + 1)
            if target is not None and target.kind == "instance":
                return Value("class", target.model)
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
