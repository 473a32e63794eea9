"""Model inheritance as Django computes it, on top of the MRO and `Meta` (`mro`): the fields a
model has (abstract-inherited, multi-table parents' `<parent>_ptr` links, the implicit primary
key), its parents, proxies' concrete models."""

from __future__ import annotations

from dataclasses import replace

from integrity_lsp.project.builtin import (
    is_builtin_path,
)
from integrity_lsp.project.index.files import ClassKey
from integrity_lsp.project.index.linker import FROM_QUERYSET, MAX_DEPTH
from integrity_lsp.project.index.mro import IndexMro
from integrity_lsp.project.records import (
    AUTO_FIELD_CLASSES,
    FieldRecord,
    ModelRecord,
)


class IndexInheritance(IndexMro):
    """Parents, concrete models and fields."""

    def fields_known(self, model: ModelRecord) -> bool:
        """Does the index know every field `model` has? Not when a base of it or of an
        ancestor comes from a package that is not installed (or a class it cannot find, or a
        base computed by a call): that base may be an abstract model with fields of its own;
        nor when a metaclass or a declared field's `contribute_to_class` adds fields."""
        memo_key = ("fields known", self._key(model))
        cached = self._memo.get(memo_key)
        if cached is None:
            mro = self._mro(self._key(model))
            cached = all(
                self._base_known(base) for key in mro for base in self._base_keys(key)
            ) and not any(
                self._adds_fields_by_metaclass(key)
                or self._computed_base(key)
                or self._adds_fields_by_field(key)
                for key in mro
            )
            self._memo[memo_key] = cached
        return bool(cached)

    def _adds_fields_by_metaclass(self, key: ClassKey) -> bool:
        """An installed model class with a metaclass of its own may add fields nobody declares
        (django-mptt's `MPTTModelBase` adds `lft`, `rght`, `tree_id`, `level`); a project's
        only when its metaclass, defined in the same module, visibly does
        (`project.metaclasses`)."""
        entry = self._link.classes.get(key)
        if entry is None:
            return False
        parsed = entry[0]
        return parsed.metaclass_adds_fields or (
            parsed.metaclass is not None and self.is_library(key)
        )

    def _computed_base(self, key: ClassKey) -> bool:
        """A base written as a call (django-organizations' `with_metaclass(OrgMeta,
        SharedBaseModel, AbstractBaseOrganizationUser)`) is a class the index cannot read: its
        fields and Meta (`unique_together`) are unknown."""
        entry = self._link.classes.get(key)
        return entry is not None and any(
            "(" in base and not FROM_QUERYSET.match(base) for base in entry[0].bases
        )

    def _adds_fields_by_field(self, key: ClassKey) -> bool:
        """A field the class declares adds fields of its own in `contribute_to_class`
        (mezzanine's `KeywordsField` adds `keywords_string`): see `FieldClasses.adds_fields`."""
        adders = self.field_classes.adds_fields
        record = self._record(key) if adders else None
        return record is not None and any(f.field_class in adders for f in record.fields)

    def ancestors(self, model: ModelRecord) -> tuple[ModelRecord, ...]:
        """Every model base class in MRO order, abstract ones included."""
        return tuple(
            record
            for key in self._mro(self._key(model))[1:]
            if (record := self._record(key)) is not None
        )

    def parents(self, model: ModelRecord) -> tuple[ModelRecord, ...]:
        """Concrete ancestors in MRO order (Django's `_meta.get_parent_list()`)."""
        return tuple(
            record for record in self.ancestors(model) if not record.abstract and not record.proxy
        )

    def concrete_model(self, model: ModelRecord) -> ModelRecord:
        """The model whose table a proxy uses (the model itself when not a proxy)."""
        current = model
        for _ in range(MAX_DEPTH):
            if not current.proxy:
                return current
            parent = next(
                (
                    record
                    for key in self._base_keys(self._key(current))
                    if (record := self._record(key)) is not None and not record.abstract
                ),
                None,
            )
            if parent is None:
                return current
            current = parent
        return current

    def _direct_concrete_parents(self, model: ModelRecord) -> list[ModelRecord]:
        """The concrete models `model` links to by a `<parent>_ptr` (multi-table inheritance)."""
        found = self._bottom_up("parents", self._key(model), self._compute_parents, [])
        return found  # type: ignore[no-any-return]

    def _compute_parents(self, key: ClassKey) -> list[ModelRecord]:
        model = self._record(key)
        found: list[ModelRecord] = []
        for base in self._base_keys(key):
            record = self._record(base)
            if record is None:
                continue
            if record.abstract:
                candidates = self._memo.get(("parents", base), [])
            else:
                candidates = [self.concrete_model(record)]
            for candidate in candidates:
                if candidate not in found and candidate != model:
                    found.append(candidate)
        return found

    def local_fields(self, model: ModelRecord) -> dict[str, FieldRecord]:
        """Fields whose columns live in `model`'s own table: declared, abstract-inherited, the
        `<parent>_ptr` links and the implicit `id` (Django's local fields)."""
        if model.proxy:
            return self.local_fields(self.concrete_model(model))
        found = self._bottom_up("local", self._key(model), self._local_fields_of, {})
        return found  # type: ignore[no-any-return]

    def _local_fields_of(self, key: ClassKey) -> dict[str, FieldRecord]:
        record = self._record(key)
        if record is None:
            return {}
        if record.proxy:
            return self.local_fields(self.concrete_model(record))
        return self._compute_local_fields(record)

    def _compute_local_fields(self, model: ModelRecord) -> dict[str, FieldRecord]:
        key = self._key(model)
        cls = self._link.classes[key][0]
        fields: dict[str, FieldRecord] = composite_columns(model.fields)
        inherited: set[str] = set()
        parents = self._direct_concrete_parents(model)
        for parent in parents:
            inherited.update(self.all_fields(parent))
        mro = self._mro(key)
        direct = sorted((b for b in set(self._base_keys(key)) if b in mro[1:]), key=mro.index)
        for base_key in direct:  # Django copies fields from direct abstract bases, MRO order
            base = self._record(base_key)
            if base is None or not base.abstract:
                continue
            # Dict and set operations, not a loop per field: in a long chain of abstract
            # models each has the fields of all above it.
            copied = dict(self.local_fields(base))
            for name in copied.keys() & (fields.keys() | cls.attributes | inherited):
                del copied[name]
            if self._bare_relations:
                for name, field in copied.items():
                    copied[name] = self._copied_to(field, model)
            fields.update(copied)
        for name, option, flag in cls.patches:
            if name in fields:
                fields[name] = patched(fields[name], option, flag)
        if not model.abstract:
            links = {
                field.related_model
                for field in fields.values()
                if field.known_class == "OneToOneField" and field.option("parent_link") == "True"
            }
            for position, parent in enumerate(parents):
                name = f"{parent.name.lower()}_ptr"
                if parent.label in links or name in fields:
                    continue
                fields[name] = FieldRecord(
                    name=name,
                    field_class="OneToOneField",
                    ref=model.ref,
                    primary_key=position == 0,
                    related_model=parent.label,
                    options=(("parent_link", "True"), ("auto_created", "True")),
                )
            if parents and not any(field.primary_key for field in fields.values()):
                first = next(
                    (
                        name
                        for name, field in fields.items()
                        if field.known_class == "OneToOneField"
                        and field.related_model == parents[0].label
                    ),
                    None,
                )
                if first is not None:
                    fields[first] = replace(fields[first], primary_key=True)
            if not parents and not any(field.primary_key for field in fields.values()):
                implicit = FieldRecord(
                    name="id",
                    field_class=self._auto_field_class(model),
                    ref=model.ref,
                    primary_key=True,
                    options=(("auto_created", "True"),),
                )
                fields = {"id": implicit, **fields}
        return fields

    def _copied_to(self, field: FieldRecord, model: ModelRecord) -> FieldRecord:
        """An abstract parent's field as the child has it: `ForeignKey("Team")` (no app label)
        points into the child's app, as Django resolves it against the concrete class."""
        if field.related_model is None:  # not a relation: no lookup (hashing the ref is slow)
            return field
        bare = self._bare_relations.get(field.ref)
        if bare is None:
            return field
        return replace(field, related_model=self._canonical_label(f"{model.app_label}.{bare}"))

    def _auto_field_class(self, model: ModelRecord) -> str:
        if is_builtin_path(model.ref.path):
            return "AutoField"  # contrib apps set default_auto_field = "…AutoField"
        app = self.apps.get(model.app_label)
        config = self._app_config(app.path) if app is not None else None
        path = (config.default_auto_field if config else None) or (
            self.settings_facts.default_auto_field
        )
        name = (path or "django.db.models.AutoField").rsplit(".", 1)[-1]
        return name if name in AUTO_FIELD_CLASSES else "AutoField"

    def all_fields(self, model: ModelRecord) -> dict[str, FieldRecord]:
        """Every field queryable on `model`: local fields first, then multi-table parents'."""
        return dict(self._all_fields(model))

    def _all_fields(self, model: ModelRecord) -> dict[str, FieldRecord]:
        if model.proxy:
            return self._all_fields(self.concrete_model(model))
        memo_key = ("all", self._key(model))
        cached = self._memo.get(memo_key)
        if cached is None:
            self._memo[memo_key] = {}  # cycle guard
            cached = dict(self.local_fields(model))
            for parent in self._direct_concrete_parents(model):
                extra = dict(self._all_fields(parent))
                for name in extra.keys() & cached.keys():
                    del extra[name]
                cached.update(extra)  # what the model has already wins
            self._memo[memo_key] = cached
        return cached

    def field(self, model: ModelRecord, name: str) -> FieldRecord | None:
        """A field by name or attname (`team` / `team_id`), or `pk`."""
        if name == "pk":
            return self.pk(model)
        fields = self._all_fields(model)
        found = fields.get(name)
        if found is not None:
            return found
        if name.endswith("_id"):
            candidate = fields.get(name[:-3])
            if candidate is not None and candidate.attname == name:
                return candidate
        return next((field for field in fields.values() if field.attname == name), None)

    def pk(self, model: ModelRecord) -> FieldRecord | None:
        return next(
            (field for field in self._all_fields(model).values() if field.primary_key), None
        )


def composite_columns(declared: tuple[FieldRecord, ...]) -> dict[str, FieldRecord]:
    """The fields as the database has them: django-money's `MoneyField` `price` adds the column
    `price_currency` (or its `currency_field_name`) beside its amount; django-prices'
    `MoneyField(amount_field=…, currency_field=…)` is no column at all, only a view of two
    declared fields. A project's field class named so, deriving from Django's, is neither."""
    fields: dict[str, FieldRecord] = {}
    for field in declared:
        # django-money's class, also imported under another name; a project's own class deriving
        # from one of Django's (cartridge's `MoneyField(DecimalField)`) is one column.
        if not field.field_class.endswith("MoneyField") or field.django_class is not None:
            fields[field.name] = field
            continue
        options = dict(field.options)
        if any(key in options for key in ("amount_field", "net_amount_field")):
            continue  # django-prices: a composite of the fields it names
        fields[field.name] = field
        currency = (options.get("currency_field_name") or "").strip("\"'")
        name = currency or f"{field.name}_currency"
        if name not in fields and not any(other.name == name for other in declared):
            fields[name] = FieldRecord(
                name=name,
                field_class="CharField",
                ref=field.ref,
                null=field.null,
                default=options.get("default_currency"),
                options=(("max_length", "3"), ("auto_created", "True")),
            )
    return fields


def patched(field: FieldRecord, option: str, flag: bool) -> FieldRecord:
    """`field` with `null`, `blank` or `unique` set as the module sets it after the class."""
    if option == "null":
        return replace(field, null=flag)
    if option == "blank":
        return replace(field, blank=flag)
    return replace(field, unique=flag)
