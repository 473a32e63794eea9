"""The value a name has from its binding in the enclosing function or the module, for the
resolver's evaluator (`resolve.Resolver`): a class definition (a model, or a manager class one
model uses), a parameter (annotated, `self`/`cls` of a method), an assignment (also unpacking
`get_or_create`'s tuple), a `for` loop over a queryset, a walrus. What the bound expression
evaluates to is asked back of the evaluator.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from integrity_lsp.project.bindings import find_definition
from integrity_lsp.project.index import ClassKey, ProjectIndex
from integrity_lsp.project.records import ModelRecord
from integrity_lsp.project.values import ManagerTarget, Value, expression_parts, tuple_position
from integrity_lsp.syntax.declarations import assignment_parts, is_operator, string_value
from integrity_lsp.syntax.nodes import enclosing
from integrity_lsp.syntax.source import SourceFile

Evaluate = Callable[[SourceFile, list[Any], int], "Value | None"]
KeyOfDotted = Callable[[SourceFile, list[str]], "tuple[ClassKey | None, int] | None"]


class BoundValues:
    """Values of names from their bindings; `evaluate` is the resolver's evaluator (the value of
    an expression's parts at a depth), `key_of_dotted` its reading of a dotted name through the
    file's imports."""

    def __init__(
        self,
        index: ProjectIndex,
        module_of: Callable[[SourceFile], str | None],
        key_of_dotted: KeyOfDotted,
        evaluate: Evaluate,
    ) -> None:
        self.index = index
        self.module_of = module_of
        self._key_of_dotted = key_of_dotted
        self._evaluate = evaluate

    def value(self, source: SourceFile, leaf: Any, depth: int) -> Value | None:
        """The value of a name from its binding in the enclosing function or the module."""
        definition = find_definition(source, leaf)
        if definition is None:
            return None
        if definition is leaf and definition.parent.type in ("classdef", "funcdef"):
            return self.class_definition(source, definition)
        node = definition.get_definition(import_name_always=True)
        if node is None:
            return None
        kind = node.type
        if kind == "classdef":
            return self.class_definition(source, node.name)
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

    def class_definition(self, source: SourceFile, name_leaf: Any) -> Value | None:
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
        owner = self.class_definition(source, classdef.name)
        decorators = {
            decorator.children[1].get_code().strip() for decorator in function.get_decorators()
        }
        if owner is not None:
            if "classmethod" in decorators:
                return owner
            return None if "staticmethod" in decorators else Value("instance", owner.model)
        return None if "staticmethod" in decorators else self.own_manager(source, classdef)

    def own_manager(self, source: SourceFile, classdef: Any) -> Value | None:
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
