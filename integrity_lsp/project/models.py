"""Read model classes, fields and managers from parso trees (never imported; `Meta` is `meta`'s).

`parse_module` records every module-level class of a file as a `ParsedClass` (bases as written,
field calls, managers, `create_*` methods, the inner `Meta`); whether a class is a model is
decided by the index, which can follow bases across files. One field call
(`models.CharField(max_length=5, unique=True)`) is read by `field_calls`, for class bodies and
for migration operations alike.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from integrity_lsp.findings import Span
from integrity_lsp.project.field_calls import ParsedField, parse_field, value_alias
from integrity_lsp.project.generic_relations import ParsedGenericRelation, generic_relations_of
from integrity_lsp.project.imports import ImportTable, build_import_table
from integrity_lsp.project.meta import ParsedMeta, class_bases, parse_meta
from integrity_lsp.project.metaclasses import field_adding_metaclasses
from integrity_lsp.project.records import SourceRef
from integrity_lsp.syntax.declarations import (
    argument_list,
    assignment_parts,
    bool_value,
    call_arguments,
    dotted_name,
    dotted_parts,
    is_call_trailer,
    iter_statements,
    never_runs,
    small_statements,
    source,
    split_call,
    string_value,
)


@dataclass(frozen=True)
class ParsedManager:
    attribute: str
    manager_class: str  # callee as written, without the final call
    manager_expr: str | None  # dotted manager class ("ProductManager", "models.Manager")
    queryset_expr: str | None  # the QuerySet of `from_queryset(QS)` / `QS.as_manager()`
    by_pattern: bool  # the call looks like a manager whatever its class resolves to


@dataclass(frozen=True)
class ParsedClass:
    name: str
    ref: SourceRef
    bases: tuple[str, ...]
    fields: tuple[ParsedField, ...] = ()
    field_candidates: tuple[ParsedField, ...] = ()  # calls of a class of unknown kind
    managers: tuple[ParsedManager, ...] = ()
    create_methods: tuple[str, ...] = ()
    # `create_*` methods whose only write is a `get_or_create()` / `update_or_create()`
    # (geonode's `FavoriteManager.create_favorite`): they fetch a row that exists, never fail on it
    fetching_creators: tuple[str, ...] = ()
    attributes: frozenset[str] = frozenset()  # every name bound in the body
    removed: frozenset[str] = frozenset()  # `name = None`: hides an abstract parent's field
    # `name = f(…)` of a callable no reader tells the kind of (django-post-office's
    # `context = context_field_class(…)`, a field class imported from a setting)
    unread_calls: frozenset[str] = frozenset()
    meta: ParsedMeta | None = None
    body_end: SourceRef | None = None
    metaclass: str | None = None  # `class MPTTModel(models.Model, metaclass=MPTTModelBase)`
    # The metaclass is a class of this module that adds fields (`project.metaclasses`).
    metaclass_adds_fields: bool = False
    # `Cls._meta.get_field("organization").null = True` after the class, in its module: the
    # field Django gives this class (and copies into its subclasses) has that option changed
    patches: tuple[tuple[str, str, bool], ...] = ()
    # `GenericRelation(…)` attributes, and ("", …) for a subclass's `super().__init__(Target)`
    generic_relations: tuple[ParsedGenericRelation, ...] = ()


@dataclass(frozen=True)
class ParsedModule:
    path: Path
    module: str | None
    imports: ImportTable
    classes: tuple[ParsedClass, ...] = ()
    aliases: tuple[tuple[str, str], ...] = ()  # module-level `User = get_user_model()` etc.

    def alias(self, name: str) -> str | None:
        for key, value in self.aliases:
            if key == name:
                return value
        return None


def parse_module(tree: Any, path: Path, module: str | None, *, is_package: bool) -> ParsedModule:
    """Every module-level class of a parsed file, with its imports and simple aliases."""
    classes: list[ParsedClass] = []
    for classdef in tree.iter_classdefs():
        if never_runs(classdef):
            continue
        try:
            classes.append(parse_class(classdef, path))
        except (AttributeError, IndexError, TypeError, ValueError):
            continue
    adding = field_adding_metaclasses(tree)
    if adding:
        classes = [
            replace(parsed, metaclass_adds_fields=True) if parsed.metaclass in adding else parsed
            for parsed in classes
        ]
    patches = _field_patches(tree)
    if patches:
        classes = [
            replace(parsed, patches=tuple(patches.get(parsed.name, ()))) for parsed in classes
        ]
    return ParsedModule(
        path=path,
        module=module,
        imports=build_import_table(tree, module, is_package=is_package),
        classes=tuple(classes),
        aliases=tuple(_module_aliases(tree)),
    )


PATCHED_OPTIONS = ("null", "blank", "unique")
_CHAINS = ("atom_expr", "power")


def _field_patches(tree: Any) -> dict[str, list[tuple[str, str, bool]]]:
    """Module-level `Cls._meta.get_field("name").<null|blank|unique> = True/False`, directly or
    through a name bound to the field (`f = Cls._meta.get_field("name")`, `f.null = True`)."""
    found: dict[str, list[tuple[str, str, bool]]] = {}
    bound: dict[str, tuple[str, str]] = {}
    for statement in iter_statements(tree):
        for small in small_statements(statement):
            if small.type != "expr_stmt" or len(small.children) != 3:
                continue
            target, value = small.children[0], small.children[2]
            if target.type == "name":
                field = _get_field(value.children if value.type in _CHAINS else [])
                if field is not None:
                    bound[str(target.value)] = field
                else:
                    bound.pop(str(target.value), None)
                continue
            flag = bool_value(value)
            if flag is None or target.type not in _CHAINS:
                continue
            parts = target.children
            option = parts[-1].get_code(include_prefix=False).lstrip(".")
            if not option.isidentifier() or option not in PATCHED_OPTIONS:
                continue
            head = parts[:-1]
            field = _get_field(head)
            if field is None and len(head) == 1 and head[0].type == "name":
                field = bound.get(str(head[0].value))
            if field is not None:
                found.setdefault(field[0], []).append((field[1], option, flag))
    return found


def _get_field(parts: list[Any]) -> tuple[str, str] | None:
    """(class, field) of `Cls._meta.get_field("field")`."""
    if len(parts) != 4 or parts[0].type != "name":
        return None
    text = [part.get_code(include_prefix=False) for part in parts[1:3]]
    call = parts[3]
    if text != ["._meta", ".get_field"] or len(call.children) != 3:
        return None
    name = string_value(call.children[1])
    return (str(parts[0].value), name) if name else None


def _module_aliases(tree: Any) -> list[tuple[str, str]]:
    aliases = []
    for statement in iter_statements(tree):
        for small in small_statements(statement):
            if small.type != "expr_stmt":
                continue
            targets, _annotation, value = assignment_parts(small)
            if value is None or len(targets) != 1 or targets[0].type != "name":
                continue
            text = value_alias(value)
            if text is not None:
                aliases.append((str(targets[0].value), text))
    return aliases


def parse_class(classdef: Any, path: Path) -> ParsedClass:
    name_leaf = classdef.name
    bases = tuple(class_bases(classdef))
    suite = classdef.children[-1]
    fields: list[ParsedField] = []
    candidates: list[ParsedField] = []
    managers: list[ParsedManager] = []
    attributes: set[str] = set()
    removed: set[str] = set()
    unread: set[str] = set()
    meta: ParsedMeta | None = None
    for statement in iter_statements(suite):
        kind = statement.type
        if kind == "classdef":
            attributes.add(str(statement.name.value))
            if statement.name.value == "Meta":
                meta = parse_meta(statement, path)
            continue
        if kind in ("funcdef", "decorated", "async_stmt", "async_funcdef"):
            continue
        for small in small_statements(statement):
            if small.type != "expr_stmt":
                continue
            targets, _annotation, value = assignment_parts(small)
            for target in targets:
                if target.type == "name":
                    attributes.add(str(target.value))
            if len(targets) != 1 or targets[0].type != "name" or value is None:
                continue
            attribute = str(targets[0].value)
            if value.type == "keyword" and value.value == "None":
                removed.add(attribute)
                continue
            parsed = parse_field(attribute, value, path, candidate=True)
            if parsed is not None:
                (candidates if parsed.candidate else fields).append(parsed)
                if not parsed.candidate:
                    continue
            manager = parse_manager(attribute, value)
            if manager is not None:
                managers.append(manager)
            if parsed is None and manager is not None and not manager.by_pattern:
                unread.add(attribute)  # a call of a class or function of unknown kind
    functions = list(classdef.iter_funcdefs())
    methods = [str(func.name.value) for func in functions]
    attributes.update(methods)
    return ParsedClass(
        name=str(name_leaf.value),
        ref=SourceRef(path, Span.of(name_leaf)),
        bases=bases,
        fields=tuple(fields),
        field_candidates=tuple(candidates),
        unread_calls=frozenset(unread),
        managers=tuple(managers),
        create_methods=tuple(n for n in methods if n == "create" or n.startswith("create_")),
        fetching_creators=tuple(
            str(f.name.value) for f in functions if _fetches_only(f) and f.name.value != "create"
        ),
        attributes=frozenset(attributes),
        removed=frozenset(removed),
        meta=meta,
        body_end=SourceRef(path, _body_end(suite)),
        metaclass=_metaclass(classdef),
        generic_relations=generic_relations_of(suite),
    )


def _metaclass(classdef: Any) -> str | None:
    arglist = classdef.get_super_arglist()
    if arglist is None:
        return None
    value = argument_list(arglist).keywords.get("metaclass")
    return source(value) if value is not None else None


def _body_end(suite: Any) -> Span:
    last = suite.get_last_leaf()
    while last is not None and last.type in ("newline", "endmarker", "dedent"):
        last = last.get_previous_leaf()
    if last is None:
        line, column = suite.end_pos
    else:
        line, column = last.end_pos
    return Span.point(line, column)


# ---------------------------------------------------------------- managers


def parse_manager(attribute: str, value: Any) -> ParsedManager | None:
    call = split_call(value)
    if call is None:
        return None
    parts, _trailer = call
    written = "".join(part.get_code() for part in parts).strip()
    dotted = dotted_parts(parts)
    if dotted is not None:
        last = dotted.split(".")[-1]
        if last == "as_manager" and len(parts) > 1:
            return ParsedManager(attribute, written, None, dotted_parts(parts[:-1]), True)
        return ParsedManager(attribute, written, dotted, None, last.endswith("Manager"))
    # `Manager.from_queryset(QS)()` (and django-model-utils' `for_queryset_class`)
    if (
        len(parts) >= 3
        and is_call_trailer(parts[-1])
        and parts[-2].type == "trailer"
        and parts[-2].children[-1].type == "name"
        and parts[-2].children[-1].value in ("from_queryset", "for_queryset_class")
    ):
        args = call_arguments(parts[-1])
        queryset = dotted_name(args.positional[0]) if args.positional else None
        return ParsedManager(attribute, written, dotted_parts(parts[:-2]), queryset, True)
    return None


_FETCHING_WRITES = re.compile(r"\.(?:a?get_or_create|a?update_or_create)\s*\(")
# Anything else that may insert: a create (also `create_user`, `bulk_create`), a save, a model
# instance built from `self.model(…)`, a raw cursor.
_OTHER_WRITES = re.compile(
    r"(?<![\w.])(?:\w*create\w*|save|model|execute)\s*\(|\.(?:\w*create\w*|save|execute)\s*\("
)


def _fetches_only(function: Any) -> bool:
    """`create_*(…)` whose writes are all `get_or_create()` / `update_or_create()` calls."""
    name = str(function.name.value)
    if not name.startswith("create_"):
        return False
    body = function.children[-1].get_code()
    fetching = _FETCHING_WRITES.findall(body)
    return bool(fetching) and len(_OTHER_WRITES.findall(body)) == len(fetching)
