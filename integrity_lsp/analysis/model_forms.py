"""ModelForm and DRF ModelSerializer classes, read statically: which model they insert and which
of its fields the submitted data fills.

A class counts only when its bases resolve (in the file, or through the project's imports) to
`ModelForm` / `ModelSerializer` / `HyperlinkedModelSerializer` / `UserCreationForm` and its
`Meta.model` resolves to a model of the index; `Meta.fields` / `exclude` must be literals. A
class that overrides `save` (forms) or `create` (serializers) writes in its own way: unknown.
Anything unsure gives None, so the rule says nothing. The `Meta` options are read by `form_meta`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from integrity_lsp.analysis.context import Context
from integrity_lsp.analysis.exception_handlers import (
    INTEGRITY_ERROR_CATCHERS,
    catches_integrity_error,
    except_clauses,
    handler_names,
)
from integrity_lsp.analysis.form_declarations import (
    declared_defaults,
    declared_read_only,
    instance_sets,
    removed_fields,
)
from integrity_lsp.analysis.form_inserted_rows import inserted_row_sets
from integrity_lsp.analysis.form_meta import MAX_DEPTH, FormMeta, class_body, merge_meta, own_meta
from integrity_lsp.analysis.handlers import class_bases, class_definition
from integrity_lsp.project.records import AUTO_FIELD_CLASSES, FieldRecord, ModelRecord
from integrity_lsp.syntax.nodes import Node, normalised, walk
from integrity_lsp.syntax.source import SourceFile

FormKind = Literal["form", "serializer"]
FORM_BASES = frozenset({"ModelForm", "BaseModelForm"})
SERIALIZER_BASES = frozenset(
    {
        "ModelSerializer", "HyperlinkedModelSerializer",
        "FlexFieldsModelSerializer",  # drf-flex-fields: a ModelSerializer with field expansion
        "GeoFeatureModelSerializer",  # djangorestframework-gis
    }
)  # fmt: skip
# django.contrib.auth.forms: Meta.model is auth's User, Meta.fields ("username",).
USER_CREATION_BASES = frozenset({"UserCreationForm", "BaseUserCreationForm"})
NOT_MODEL_BASES = frozenset({"Form", "BaseForm", "Serializer", "BaseSerializer", "ListSerializer"})
OWN_WRITES = {"form": "save", "serializer": "create"}
# An override that upserts or guards itself; ORM methods as calls (`get_or_create(`), so a
# helper named `get_or_create_location_object()` is not one.
OWN_WRITE_WORDS = (
    "get_or_create(", "update_or_create(", "IntegrityError", "select_for_update",
)  # fmt: skip


@dataclass(frozen=True)
class ModelFormClass:
    """A ModelForm / ModelSerializer: `inputs` are the model fields the request's data fills,
    `instance_sets` the fields the class assigns itself (`self.instance.product = …`,
    `validated_data["owner"] = …`)."""

    kind: FormKind
    name: str
    model: ModelRecord
    inputs: frozenset[str]
    instance_sets: frozenset[str]
    # a serializer given a new instance saves through `update()`: one the project overrides in
    # its own way (not handing on to DRF's) makes such a save unknown
    opaque_update: bool = False
    # instance sets the form's own code fills with a row it has just inserted: they never repeat
    inserted_sets: frozenset[str] = frozenset()
    # its `save()` (own or a project base's) hands on to Django's / DRF's inside a `try` that
    # catches IntegrityError without re-raising it: a collision is answered there
    guarded_save: bool = False
    # serializer fields declared read-only with a default (`CurrentUserDefault()`): not
    # submitted, but DRF's unique-together validator checks them with the default's value
    validated_defaults: frozenset[str] = frozenset()


def model_form_class(classdef: Node, source: SourceFile, ctx: Context) -> ModelFormClass | None:
    found = _read_class(classdef, source, ctx, 0)
    if found is None:
        return None
    kind, meta, declared_read_only, sets = found
    if meta.unknown or meta.model is None:
        return None
    index = ctx.env.index
    model = meta.model
    all_fields = index.all_fields(model)
    if meta.fields == "__all__" or (meta.fields is None and meta.exclude is not None):
        names = [name for name, field in all_fields.items() if _editable(field)]
    elif meta.fields is not None:
        names = list(meta.fields)
    else:
        return None  # neither fields nor exclude: Django refuses the class
    excluded = set(meta.exclude or ()) | set(meta.read_only) | declared_read_only
    inputs = set()
    for name in names:
        field = index.field(model, name)
        if name in excluded or field is None or field.is_many_to_many or not _editable(field):
            continue  # an auto field is read-only in DRF and never on a ModelForm
        inputs.add(field.name)
    return ModelFormClass(
        kind,
        str(classdef.children[1].value),
        model,
        frozenset(inputs),
        frozenset(sets),
        kind == "serializer" and _opaque_override(classdef, source, ctx, "update", 0),
        inserted_row_sets(classdef, source, ctx) if kind == "form" else frozenset(),
        _guarded_save(classdef, source, ctx, 0),
        frozenset(declared_defaults(class_body(classdef))) if kind == "serializer" else frozenset(),
    )


def _guarded_save(classdef: Node, source: SourceFile, ctx: Context, depth: int) -> bool:
    """Does the class's `save()` (or, when it has none, a project base's) call the inherited
    save inside a `try` whose `except IntegrityError` (or a broader catch) does not re-raise
    it? django-crm's SavedViewSerializer: `try: with transaction.atomic(): return
    super().save(**kwargs)` / `except IntegrityError: raise serializers.ValidationError(…)`."""
    if depth > MAX_DEPTH:
        return False
    defined = _defines(class_body(classdef), "save")
    if defined:
        return any(_guards_inherited_save(function) for function in defined)
    for base in class_bases(classdef):
        definition = class_definition(base.split("[", 1)[0], source, ctx)
        if definition is not None and _guarded_save(definition[0], definition[1], ctx, depth + 1):
            return True
    return False


def _guards_inherited_save(function: Node) -> bool:
    for node in walk(function.children[-1]):
        if node.type != "try_stmt" or not catches_integrity_error(node):
            continue
        body = normalised(node.children[2])
        if "super(" not in body or ".save(" not in body:
            continue
        handlers = [
            block for clause, block in except_clauses(node)
            if INTEGRITY_ERROR_CATCHERS & set(handler_names(clause))
        ]  # fmt: skip
        if handlers and not any(_reraises(block) for block in handlers):
            return True
    return False


def _reraises(block: Node) -> bool:
    """A bare `raise` (a `raise X(…)` answers with another exception)."""
    return any(
        node.type == "keyword" and node.value == "raise" and node.parent.type != "raise_stmt"
        for node in walk(block)
    )


def _opaque_override(
    classdef: Node, source: SourceFile, ctx: Context, method: str, depth: int
) -> bool:
    """Does the class or a project base override `method` other than by handing on?"""
    if depth > MAX_DEPTH or _transparent_override(class_body(classdef), method) is None:
        return True
    for base in class_bases(classdef):
        definition = class_definition(base.split("[", 1)[0], source, ctx)
        if definition is not None and _opaque_override(
            definition[0], definition[1], ctx, method, depth + 1
        ):
            return True
    return False


def _editable(field: FieldRecord) -> bool:
    """Would `fields = "__all__"` put it on the form?"""
    return not (
        field.known_class in AUTO_FIELD_CLASSES
        or field.option("editable") == "False"
        or field.auto_now
        or field.auto_now_add
    )


def _read_class(
    classdef: Node, source: SourceFile, ctx: Context, depth: int
) -> tuple[FormKind, FormMeta, set[str], set[str]] | None:
    """(kind, Meta merged with the inherited one, read-only declared fields, instance sets)."""
    if depth > MAX_DEPTH:
        return None
    body = class_body(classdef)
    kind: FormKind | None = None
    inherited = FormMeta()
    read_only: set[str] = set()
    sets: set[str] = set()
    for base in class_bases(classdef):
        base = base.split("[", 1)[0]  # `serializers.ModelSerializer[Label]`
        short = base.rsplit(".", 1)[-1]
        if short in FORM_BASES:
            kind = kind or "form"
        elif short in SERIALIZER_BASES:
            kind = kind or "serializer"
        elif short in USER_CREATION_BASES:
            kind = kind or "form"
            user = ctx.env.index.get_model("auth.User")
            inherited = FormMeta(model=user, fields=("username",))
        elif short in NOT_MODEL_BASES:
            continue
        else:
            definition = class_definition(base, source, ctx)
            parent = (
                _read_class(definition[0], definition[1], ctx, depth + 1)
                if definition is not None
                else None
            )
            if parent is None:
                if definition is None and short.endswith(("ModelSerializer", "ModelForm")):
                    # a library's subclass (i18nfield's I18nAwareModelSerializer): the name
                    # says what it is; its own save/create are not visible (a limit)
                    kind = kind or ("form" if short.endswith("ModelForm") else "serializer")
                continue  # a mixin we cannot read; a model form base must still be found
            if kind is None:
                kind, inherited = parent[0], parent[1]
            read_only |= parent[2]
            sets |= parent[3]
    if kind is None:
        return None
    own_sets = _transparent_override(body, OWN_WRITES[kind])
    if own_sets is None:
        return None
    sets |= own_sets
    meta = merge_meta(own_meta(body, source, ctx), inherited)
    read_only |= declared_read_only(body) | removed_fields(classdef)
    sets |= instance_sets(classdef)
    return kind, meta, read_only, sets


def _transparent_override(body: list[Node], method: str) -> set[str] | None:
    """Fields an override of `save` / `create` sets before handing on to Django's or DRF's
    own (`user = super().save(commit=False)`, `user.email = …`, `user.save()`); None when the
    override writes in its own way (no `super().<method>(`, or an upsert / its own guard).
    `place.pk = None` is not a set: it makes the save insert a copy under a new automatic key
    (tendenci's PlaceForm saving a changed copy of a chosen place)."""
    found: set[str] = set()
    for function in _defines(body, method):
        text = normalised(function)
        if f"super().{method}(" not in text and f".{method}(" not in text.split("super(", 1)[-1]:
            return None
        if any(word in _unguarded_text(function) for word in OWN_WRITE_WORDS):
            return None
        assignments = [
            node
            for node in walk(function.children[-1])
            if node.type == "expr_stmt"
            and len(node.children) == 3
            and node.children[1].type == "operator"
            and node.children[1].value == "="
        ]
        # the names bound to the unsaved instance: `user = super().save(commit=False)`
        instances = {
            normalised(node.children[0])
            for node in assignments
            if "save(commit=False)" in normalised(node.children[2])
            and normalised(node.children[2]).startswith("super(")
        }
        for node in assignments:
            parts = normalised(node.children[0]).split(".")
            if len(parts) == 2 and parts[0] in instances and parts[1].isidentifier():
                if parts[1] in ("pk", "id") and normalised(node.children[2]) == "None":
                    continue  # Django's copy idiom: the insert gets a new automatic key
                found.add(parts[1])
    return found


def _unguarded_text(function: Node) -> str:
    """The override's code without the `try … except IntegrityError` blocks that do not hand on
    to Django's or DRF's own write: a guarded write of another row beside the form's own save
    (django-spirit's FlagForm upserts the comment's flag counter, then `super().save()`) is not
    the form's way of writing its row."""
    text = normalised(function)
    for node in walk(function.children[-1]):
        if node.type == "try_stmt" and catches_integrity_error(node):
            block = normalised(node)
            if "super()." not in block:
                text = text.replace(block, "", 1)
    return text


def _defines(body: list[Node], name: str) -> list[Node]:
    found = []
    for statement in body:
        node = statement.children[-1] if statement.type == "decorated" else statement
        if node.type == "async_funcdef":
            node = node.children[-1]
        if node.type == "funcdef" and node.children[1].value == name:
            found.append(node)
    return found
