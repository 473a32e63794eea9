"""Read model classes, fields and managers from parso trees (never imported; `Meta` is `meta`'s).

`parse_module` records every module-level class of a file as a `ParsedClass` (bases as written,
field calls, managers, `create_*` methods, the inner `Meta`); whether a class is a model is
decided by the index, which can follow bases across files. `field_from_call` turns one field
call (`models.CharField(max_length=5, unique=True)`) into a `FieldRecord`, for class bodies and
for migration operations alike.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from integrity_lsp.findings import Span
from integrity_lsp.project.generic_relations import ParsedGenericRelation, generic_relations_of
from integrity_lsp.project.imports import ImportTable, build_import_table
from integrity_lsp.project.meta import ParsedMeta, class_bases, parse_meta
from integrity_lsp.project.records import (
    MANY_TO_MANY_FIELD_CLASSES,
    RELATION_FIELD_CLASSES,
    FieldRecord,
    SourceRef,
)
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
    truthy_value,
)

# `*Field` classes that add no column of their own.
NOT_DB_FIELDS = frozenset({"GenericForeignKey", "GenericRelation"})
AUTH_USER_MODEL_MARKER = "settings.AUTH_USER_MODEL"

ResolveClass = Callable[[str], "str | None"]


@dataclass(frozen=True)
class RelationTarget:
    """The `to` of a relation as written: a string, a class expression, or the user model."""

    kind: str  # "string" | "class" | "auth_user_model" | "setting" (`settings.X_MODEL`)
    text: str


@dataclass(frozen=True)
class ParsedField:
    record: FieldRecord  # related_model left None; the index normalises `relation`
    relation: RelationTarget | None = None
    callee: str = ""  # the field class as written: "models.CharField", "JSONField"
    # The class's name does not say "field" (tendenci's `UnsavedOneToOne(models.OneToOneField)`):
    # a field only when the index resolves the class to a subclass of a Django field class;
    # `relation` is read as a relation's would be (`to` or the first argument), kept only then.
    candidate: bool = False


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
    attributes: frozenset[str] = frozenset()  # every name bound in the body
    removed: frozenset[str] = frozenset()  # `name = None`: hides an abstract parent's field
    meta: ParsedMeta | None = None
    body_end: SourceRef | None = None
    metaclass: str | None = None  # `class MPTTModel(models.Model, metaclass=MPTTModelBase)`
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


GET_USER_MODEL = "<get_user_model>"


def is_field_class(name: str) -> bool:
    """Does the class's name alone say it is a field? Other classes may be (a project's
    `UnsavedOneToOne(models.OneToOneField)`): `parse_field(candidate=True)` keeps their calls
    for the index to resolve."""
    if name in NOT_DB_FIELDS:
        return False
    if name in RELATION_FIELD_CLASSES or name in MANY_TO_MANY_FIELD_CLASSES:
        return True
    return name.endswith("Field")


def may_be_field_class(name: str) -> bool:
    """A class name a field class could have, though it does not say so: capitalised, and not
    a manager's, a queryset's or another kind of class attribute Django knows by name."""
    return (
        name[:1].isupper()
        and name not in NOT_DB_FIELDS
        and not name.endswith(("Manager", "QuerySet", "Descriptor", "Constraint", "Index"))
    )


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


def value_alias(value: Any) -> str | None:
    """What a `Name = value` assignment aliases: a dotted name or `get_user_model()`."""
    dotted = dotted_name(value)
    if dotted is not None:
        return dotted
    call = split_call(value)
    if call is not None and (dotted_parts(call[0]) or "").split(".")[-1] == "get_user_model":
        return GET_USER_MODEL
    return None


def parse_class(classdef: Any, path: Path) -> ParsedClass:
    name_leaf = classdef.name
    bases = tuple(class_bases(classdef))
    suite = classdef.children[-1]
    fields: list[ParsedField] = []
    candidates: list[ParsedField] = []
    managers: list[ParsedManager] = []
    attributes: set[str] = set()
    removed: set[str] = set()
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
    methods = [str(func.name.value) for func in classdef.iter_funcdefs()]
    attributes.update(methods)
    return ParsedClass(
        name=str(name_leaf.value),
        ref=SourceRef(path, Span.of(name_leaf)),
        bases=bases,
        fields=tuple(fields),
        field_candidates=tuple(candidates),
        managers=tuple(managers),
        create_methods=tuple(n for n in methods if n == "create" or n.startswith("create_")),
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


# ---------------------------------------------------------------- fields


def parse_field(
    name: str, call_node: Any, path: Path, *, candidate: bool = False
) -> ParsedField | None:
    """A field call as written; the relation target is kept unnormalised. With `candidate`, a
    call of a class whose name does not say "field" is returned too, marked `candidate`."""
    call = split_call(call_node)
    if call is None:
        return None
    parts = call[0]
    if len(parts) > 1 and parts[-1].type == "trailer" and parts[-1].children[0].value == "[":
        parts = parts[:-1]  # `models.ForeignKey["Team"](…)`: the generic alias is the class
    callee = dotted_parts(parts)
    if callee is None:
        return None
    field_class = callee.split(".")[-1]
    is_candidate = not is_field_class(field_class)
    if is_candidate and not (candidate and may_be_field_class(field_class)):
        return None
    args = call_arguments(call[1])
    keywords = args.keywords
    relation: RelationTarget | None = None
    is_relation = field_class in RELATION_FIELD_CLASSES or field_class in MANY_TO_MANY_FIELD_CLASSES
    if is_relation or is_candidate:
        target_node = keywords.get("to")
        if target_node is None and args.positional:
            target_node = args.positional[0]
        relation = relation_target(target_node)
    unique_for = tuple(
        value
        for key in ("unique_for_date", "unique_for_month", "unique_for_year")
        if (value := string_value(keywords.get(key))) is not None
    )
    record = FieldRecord(
        name=name,
        field_class=field_class,
        ref=SourceRef(path, _field_span(call_node)),
        # Options as Django evaluates them: `null="True"` is true (truthiness, not `is True`).
        unique=truthy_value(keywords.get("unique")) is True,
        null=truthy_value(keywords.get("null")) is True or field_class == "NullBooleanField",
        blank=truthy_value(keywords.get("blank")) is True,
        primary_key=truthy_value(keywords.get("primary_key")) is True,
        default=source(keywords["default"]) if "default" in keywords else None,
        db_default=source(keywords["db_default"]) if "db_default" in keywords else None,
        db_column=string_value(keywords.get("db_column")),
        auto_now=bool_value(keywords.get("auto_now")) is True,
        auto_now_add=bool_value(keywords.get("auto_now_add")) is True,
        unique_for=unique_for,
        options=tuple((key, source(value)) for key, value in keywords.items()),
    )
    return ParsedField(record, relation, callee, candidate=is_candidate)


def _field_span(call_node: Any) -> Span:
    parent = call_node.parent
    if parent is not None and parent.type == "annassign":
        parent = parent.parent
    if parent is not None and parent.type == "expr_stmt" and parent.children[0] is not call_node:
        start = parent.children[0].start_pos
        end = call_node.end_pos
        return Span(start[0], start[1], end[0], end[1])
    return Span.of(call_node)


def relation_target(node: Any) -> RelationTarget | None:
    if node is None:
        return None
    text = string_value(node)
    if text is not None:
        return RelationTarget("string", text)
    dotted = dotted_name(node)
    if dotted is not None:
        if dotted.split(".")[-1] == "AUTH_USER_MODEL":
            return RelationTarget("auth_user_model", dotted)
        if dotted.startswith("settings.") and dotted.endswith("_MODEL"):
            return RelationTarget("setting", dotted)
        return RelationTarget("class", dotted)
    if value_alias(node) == GET_USER_MODEL:
        return RelationTarget("auth_user_model", "get_user_model()")
    return RelationTarget("class", source(node))


def normalise_relation(
    target: RelationTarget,
    *,
    app_label: str,
    resolve_class: ResolveClass | None = None,
    auth_user_model: str = "auth.User",
    swappable: tuple[tuple[str, str], ...] = (),
) -> str:
    """`"app_label.Model"`, `"self"`, or the raw text when the target cannot be told."""
    if target.kind == "auth_user_model":
        return auth_user_model
    if target.kind == "setting":
        return dict(swappable).get(target.text.split(".")[-1], target.text)
    if target.kind == "string":
        if target.text == "self" or "." in target.text:
            return target.text
        return f"{app_label}.{target.text}"
    if resolve_class is not None:
        resolved = resolve_class(target.text)
        if resolved is not None:
            return resolved
    return target.text


def field_from_call(
    name: str,
    call_node: Any,
    path: Path,
    *,
    app_label: str,
    resolve_class: ResolveClass | None = None,
    auth_user_model: str = "auth.User",
    swappable: tuple[tuple[str, str], ...] = (),
    field_ancestors: Mapping[str, str] | None = None,
) -> FieldRecord | None:
    """The FieldRecord of a field call such as `models.CharField(max_length=5, unique=True)`.

    `field_ancestors` (class name -> its Django field class) makes a call of a class whose name
    does not say "field" a field of that class (a migration's
    `app.fields.UnsavedOneToOne(…)`, the project's `OneToOneField` subclass).

    `related_model` is normalised: a string `"Team"` becomes `"<app_label>.Team"`, `"shop.Team"`
    and `"self"` stay, `settings.AUTH_USER_MODEL` / `get_user_model()` become `auth_user_model`,
    and a class expression goes through `resolve_class(text)` (raw text when it returns None).
    None when the call is not a field call.
    """
    parsed = parse_field(name, call_node, path, candidate=bool(field_ancestors))
    if parsed is None:
        return None
    if parsed.candidate:
        ancestor = (field_ancestors or {}).get(parsed.record.field_class)
        if ancestor is None:
            return None
        relation = ancestor in RELATION_FIELD_CLASSES or ancestor in MANY_TO_MANY_FIELD_CLASSES
        parsed = replace(
            parsed,
            record=replace(parsed.record, django_class=ancestor),
            relation=parsed.relation if relation else None,
        )
    if parsed.relation is None:
        return parsed.record
    related = normalise_relation(
        parsed.relation,
        app_label=app_label,
        resolve_class=resolve_class,
        auth_user_model=auth_user_model,
        swappable=swappable,
    )
    return replace(parsed.record, related_model=related)


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
