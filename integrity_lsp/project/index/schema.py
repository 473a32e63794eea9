"""What the database holds for a model: its record (fields, constraints, managers, app label),
its constraints and unique sets as Django's `_meta` has them, its table name, the models its
relations point at and the reverse accessors pointing at it."""

from __future__ import annotations

import contextlib
from collections.abc import Iterable
from dataclasses import replace

from integrity_lsp.project.apps import (
    containing_app,
)
from integrity_lsp.project.builtin import (
    builtin_app_label,
)
from integrity_lsp.project.field_calls import ParsedField, normalise_relation
from integrity_lsp.project.field_classes import (
    DJANGO_FIELD_CLASSES,
    KNOWN_THIRD_PARTY_FIELD_CLASSES,
)
from integrity_lsp.project.index.files import ClassKey
from integrity_lsp.project.index.linker import is_dotted
from integrity_lsp.project.index.managers import IndexManagers
from integrity_lsp.project.models import ParsedClass
from integrity_lsp.project.records import (
    MANY_TO_MANY_FIELD_CLASSES,
    RELATION_FIELD_CLASSES,
    AppRecord,
    ConstraintRecord,
    ModelRecord,
    UniqueSet,
)


class IndexSchema(IndexManagers):
    """Model records, constraints and unique sets."""

    def _app_label(self, key: ClassKey, apps_by_name: dict[str, AppRecord]) -> str:
        declared = self._meta_value(key, "app_label")
        if isinstance(declared, str):
            return declared
        module = key[0]
        builtin = builtin_app_label(module)
        if builtin is not None:
            return builtin
        if module in self._library_modules:
            return self.libraries.app_label(module) or module.split(".")[0]
        app = containing_app(module, apps_by_name)
        if app is not None:
            return app.label
        path = self._link.classes[key][1].path
        app = self.app_for_path(path)
        if app is not None:
            return app.label
        return module.split(".")[0] if "." in module else path.parent.name

    def _make_record(self, key: ClassKey) -> ModelRecord:
        cls, _parsed = self._link.classes[key]
        module = key[0]
        labels = self._labels
        label = labels[key]
        auth_user_model = self.project_settings.auth_user_model

        def resolve_class(text: str) -> str | None:
            target = self.resolve_expression(module, text) if is_dotted(text) else None
            if target is None or target not in labels:
                return None
            return f"{labels[target]}.{target[1]}"

        fields = []
        for parsed_field in (*cls.fields, *self._resolved_candidates(module, cls)):
            record = self.field_classes.apply(parsed_field.record)
            if self._third_party_field_class(module, parsed_field.callee):
                record = replace(record, third_party=True)
            if self.field_fills_itself(module, parsed_field.callee):
                record = replace(record, fills_itself=True)
            if parsed_field.relation is not None:
                related = normalise_relation(
                    parsed_field.relation,
                    app_label=label,
                    resolve_class=resolve_class,
                    auth_user_model=auth_user_model,
                    swappable=self.project_settings.swappable,
                )
                record = replace(record, related_model=self._canonical_label(related))
                relation = parsed_field.relation
                if (
                    relation.kind == "string"
                    and "." not in relation.text
                    and relation.text != "self"
                ):
                    self._bare_relations[record.ref] = relation.text
            fields.append(record)
        meta = cls.meta
        own_constraints: tuple[ConstraintRecord, ...] = ()
        abstract = meta is not None and meta.abstract
        if meta is not None:
            own_constraints = (*meta.unique_together, *meta.constraints)
            if not abstract:
                own_constraints = _format_names(own_constraints, label, cls.name)
        db_table = self._meta_value(key, "db_table")
        return ModelRecord(
            app_label=label,
            name=cls.name,
            module=module,
            ref=cls.ref,
            bases=cls.bases,
            abstract=abstract,
            proxy=self._meta_value(key, "proxy") is True,
            managed=self._meta_value(key, "managed") is not False,
            db_table=db_table if isinstance(db_table, str) else None,
            fields=tuple(fields),
            constraints=own_constraints,
            managers=tuple(
                self._manager_record(key, manager)
                for manager in cls.managers
                if self._is_manager(key, manager)
            ),
            meta_ref=meta.ref if meta is not None else None,
            body_end=cls.body_end,
        )

    def _resolved_candidates(self, module: str, cls: ParsedClass) -> list[ParsedField]:
        """The class's calls of classes whose names do not say "field" that resolve to a
        subclass of a Django field class, as fields of that class (`django_class`); a relation's
        target only where that class is a relation. One that does not resolve is left out, as
        before: what it is cannot be told."""
        found = []
        for candidate in cls.field_candidates:
            ancestor = self.field_ancestor(module, candidate.callee)
            if ancestor is None:
                continue
            relation = ancestor in RELATION_FIELD_CLASSES | MANY_TO_MANY_FIELD_CLASSES
            record = replace(
                candidate.record,
                django_class=ancestor,
                null=candidate.record.null or ancestor == "NullBooleanField",
            )
            found.append(
                replace(
                    candidate,
                    record=record,
                    relation=candidate.relation if relation else None,
                    candidate=False,
                )
            )
        return found

    def _third_party_field_class(self, module: str, callee: str) -> bool:
        """Is the field class imported from a package other than Django (and not one whose
        fields the index knows: modelcluster's `ParentalKey`)? A class defined or re-exported
        by the project is the project's (`field_classes` reads those)."""
        if not callee or not is_dotted(callee):
            return False
        if callee.split(".")[-1] in KNOWN_THIRD_PARTY_FIELD_CLASSES:
            return False
        if self._shadows_django_class(module, callee):
            return True
        found = self._imports_of(module)
        imported = found[0].lookup(callee.split(".")[0]) if found else None
        if imported is None:
            return False  # defined in this module (a project field class), or a builtin
        source_module = imported[0]
        if source_module.split(".")[0] == "django":
            return False
        if self.canonical_module(source_module) in self._path_by_module:
            key = self.resolve_expression(module, callee)
            source_module = key[0] if key is not None else source_module
            if self.canonical_module(source_module) in self._path_by_module:
                return False
            return source_module.split(".")[0] != "django"
        return True

    def _shadows_django_class(self, module: str, callee: str) -> bool:
        """Does the call name a project class named like one of Django's field classes
        (sentry's `JSONField(models.TextField)`, whose `__init__` sets `default=dict`)? The
        project's field classes are read by simple name, and a Django name is never taken over
        (`field_classes`): what such a class sends for an omitted value is not known."""
        if callee.split(".")[-1] not in DJANGO_FIELD_CLASSES:
            return False
        key = self.resolve_expression(module, callee)
        if key is None or key[0].split(".")[0] == "django":
            return False
        return (key in self._link.classes) or self._scanned_class(
            self.canonical_module(key[0]), key[1]
        )

    def constraints(self, model: ModelRecord) -> tuple[ConstraintRecord, ...]:
        """The constraints and unique_together entries Django's `_meta` has for `model`.

        Meta inheritance as Django does it: a model without its own `Meta` uses the first
        abstract ancestor's; its own `Meta` inherits only what `class Meta(Parent.Meta)`
        passes on; concrete parents' Meta is never inherited (their constraints live on their
        own table); a proxy has its concrete model's. Names are interpolated
        (`%(app_label)s`, `%(class)s`) for concrete models.
        """
        if model.proxy:
            return self.constraints(self.concrete_model(model))
        memo_key = ("constraints", self._key(model))
        cached = self._memo.get(memo_key)
        if cached is None:
            source = self._meta_source(self._key(model))
            records = [
                *self._meta_list(source, "unique_together"),
                *self._meta_list(source, "constraints"),
            ]
            cached = tuple(records)
            if source is not None and not model.abstract:
                cached = _format_names(cached, model.app_label, model.name)
            self._memo[memo_key] = cached
        return cached

    def has_check_constraints(self) -> bool:
        """Whether any model the index knows (the project's, Django's, an installed package's)
        has a `CheckConstraint` with a condition: without one, IL205 judges positive fields
        only (and the checker need not read what cannot hold a negative literal)."""
        memo_key = ("has check constraints", None)
        cached = self._memo.get(memo_key)
        if cached is None:
            records = [*self._link.models.values(), *self._link.by_label.values()]
            cached = any(
                constraint.kind == "check" and bool(constraint.condition)
                for record in records
                for constraint in self.constraints(record)
            )
            self._memo[memo_key] = cached
        return bool(cached)

    def fields_known(self, model: ModelRecord) -> bool:
        """As the inheritance says, and not when a uniqueness constraint names a field the
        index does not have: Django refuses such a model (fields.E012), so a field of it was
        not read (a class of a file not followed) and which lookups it covers is unknown. Nor
        when a field's `unique=` or `primary_key=` is no literal (`unique=settings.X`): which
        lookups it covers is known only at run time."""
        if not super().fields_known(model):
            return False
        memo_key = ("constraint fields known", self._key(model))
        cached = self._memo.get(memo_key)
        if cached is None:
            cached = all(
                self.field(model, name) is not None
                for record in self.constraints(model)
                for name in record.fields
            ) and not any(
                field.option_unknown("unique") or field.option_unknown("primary_key")
                for field in self.all_fields(model).values()
            )
            self._memo[memo_key] = cached
        return bool(cached)

    def unique_sets(self, model: ModelRecord) -> tuple[UniqueSet, ...]:
        """Every database uniqueness guarantee on `model`'s rows.

        The primary key, `unique=True` fields, OneToOneFields, `unique_together` entries and
        `UniqueConstraint(fields=…)` (its `condition` and `nulls_distinct` copied), plus those
        of multi-table parents (their unique columns cover lookups on the child). A
        `UniqueConstraint(*expressions)` counts as the set of the fields its expressions read
        (`"node"`, `F("a")`, `Lower("name")`), when all are read and all are fields: rows equal
        in them share the key; a computed one is marked `functional` (it does not make a lookup
        of those fields match at most one row). Left out on purpose: the functional ones that
        cannot be read, and `deferrable=Deferrable.DEFERRED` ones (checked at COMMIT, so
        `get_or_create` cannot recover from the IntegrityError), and `unique_for_date/month/year`
        (not in the DB).
        """
        if model.proxy:
            return self.unique_sets(self.concrete_model(model))
        found = self._bottom_up("unique", self._key(model), self._unique_sets_of, ())
        return found  # type: ignore[no-any-return]

    def _unique_sets_of(self, key: ClassKey) -> tuple[UniqueSet, ...]:
        record = self._record(key)
        if record is None:
            return ()
        if record.proxy:
            return self.unique_sets(self.concrete_model(record))
        return self._compute_unique_sets(record)

    def _compute_unique_sets(self, model: ModelRecord) -> tuple[UniqueSet, ...]:
        sets: list[UniqueSet] = []
        for field in self.local_fields(model).values():
            if field.is_many_to_many or not field.is_unique:
                continue
            if field.primary_key:
                description = f"primary key {field.name}"
            elif field.unique:
                description = f"unique=True on {field.name}"
            else:
                description = f"OneToOneField {field.name}"
            order: tuple[str, ...] = (field.name,)
            sets.append(UniqueSet(frozenset(order), field.ref, description, order=order))
        for record in self.constraints(model):
            if record.kind == "unique_together":
                order = self._ordered_fields(model, record.fields)
                description = f"unique_together ({', '.join(record.fields)})"
                sets.append(UniqueSet(frozenset(order), record.ref, description, order=order))
            elif record.kind == "unique":
                if record.deferrable == "DEFERRED":
                    continue
                if record.has_expressions:
                    columns = self._expression_columns(model, record)
                    if not columns:
                        continue
                    order = self._ordered_fields(model, columns)
                elif not record.fields:
                    continue
                else:
                    order = self._ordered_fields(model, record.fields)
                sets.append(
                    UniqueSet(
                        frozenset(order),
                        record.ref,
                        f"UniqueConstraint '{record.name}'" if record.name else "UniqueConstraint",
                        constraint_name=record.name,
                        condition=record.condition,
                        nulls_distinct=record.nulls_distinct is not False,
                        order=order,
                        functional=record.has_expressions and not record.expressions_plain,
                    )
                )
        own = tuple(dict.fromkeys(sets))
        parents = self._direct_concrete_parents(model)
        inherited = [found for parent in parents for found in self.unique_sets(parent)]
        if len(parents) == 1:  # a parent's sets are distinct already: only compare with own
            own_fields = {found.fields for found in own}
            if not any(found.fields in own_fields for found in inherited):
                return own + tuple(inherited)
        return tuple(dict.fromkeys((*own, *inherited)))

    def _expression_columns(self, model: ModelRecord, record: ConstraintRecord) -> tuple[str, ...]:
        """The fields a functional unique constraint reads, when every one is a field of `model`:
        two rows equal in all of them have the same key, so together they are unique (not the
        reverse: `Lower("name")` also refuses "Foo" next to "foo"). Else ()."""
        names = record.expression_fields
        if not names or any(self.field(model, name) is None for name in names):
            return ()
        return names

    def _ordered_fields(self, model: ModelRecord, names: Iterable[str]) -> tuple[str, ...]:
        """Field names as declared, in order (`team_id` named `team`), without repeats."""
        canonical = (
            field.name if (field := self.field(model, name)) is not None else name for name in names
        )
        return tuple(dict.fromkeys(canonical))


def _format_names(
    records: tuple[ConstraintRecord, ...], app_label: str, class_name: str
) -> tuple[ConstraintRecord, ...]:
    names = {"app_label": app_label.lower(), "class": class_name.lower()}
    result = []
    for record in records:
        if record.name and "%" in record.name:
            with contextlib.suppress(KeyError, ValueError, TypeError):
                record = replace(record, name=record.name % names)
        result.append(record)
    return tuple(result)
