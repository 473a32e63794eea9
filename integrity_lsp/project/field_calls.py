"""One field call read statically (`models.CharField(max_length=5, unique=True)`, never
imported), for model class bodies (`models.parse_class`) and migration operations alike:
`parse_field` keeps it as written (its relation target unnormalised), `field_from_call` makes
it a `FieldRecord` whose `related_model` is normalised to `"app_label.Model"`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from integrity_lsp.findings import Span
from integrity_lsp.project.records import (
    MANY_TO_MANY_FIELD_CLASSES,
    RELATION_FIELD_CLASSES,
    FieldRecord,
    SourceRef,
)
from integrity_lsp.syntax.declarations import (
    bool_value,
    call_arguments,
    dotted_name,
    dotted_parts,
    source,
    split_call,
    string_value,
    truthy_value,
)

# `*Field` classes that add no column of their own.
NOT_DB_FIELDS = frozenset({"GenericForeignKey", "GenericRelation"})

ResolveClass = Callable[[str], "str | None"]
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


def value_alias(value: Any) -> str | None:
    """What a `Name = value` assignment aliases: a dotted name or `get_user_model()`."""
    dotted = dotted_name(value)
    if dotted is not None:
        return dotted
    call = split_call(value)
    if call is not None and (dotted_parts(call[0]) or "").split(".")[-1] == "get_user_model":
        return GET_USER_MODEL
    return None


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
