"""Frozen records of what the project index knows: apps, models, fields and constraints.

They are read from parso trees (never imported) and shared by rules, explain, hover and the
migration state replay. Source snippets (`default`, `condition`, `check`) are kept as text,
exactly as written, so rules can evaluate or quote them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from integrity_lsp.findings import Span
from integrity_lsp.syntax.declarations import literal_text

# Django 5.2 field classes with `empty_strings_allowed = True` (checked against the installed
# source): unset and NOT NULL, Django stores "" (b"" for BinaryField). GenericIPAddressField and
# IPAddressField set it to False, so they hold None.
EMPTY_STRING_FIELD_CLASSES = frozenset(
    {
        "CharField", "TextField", "SlugField", "EmailField", "URLField", "FilePathField",
        "CommaSeparatedIntegerField", "FileField", "ImageField", "BinaryField",
        "CICharField", "CIEmailField", "CITextField", "SearchVectorField", "SearchQueryField",
    }
)  # fmt: skip
AUTO_FIELD_CLASSES = frozenset({"AutoField", "BigAutoField", "SmallAutoField"})
RELATION_FIELD_CLASSES = frozenset({"ForeignKey", "OneToOneField", "ParentalKey"})
MANY_TO_MANY_FIELD_CLASSES = frozenset({"ManyToManyField", "ParentalManyToManyField"})
POSITIVE_FIELD_CLASSES = frozenset(
    {"PositiveIntegerField", "PositiveSmallIntegerField", "PositiveBigIntegerField"}
)
# Field classes whose `empty_strings_allowed` is false: an omitted value is sent as NULL.
# Django's base `Field` allows empty strings, so a class not known here (a third-party field)
# may get "" instead: it is not judged.
NULL_WHEN_OMITTED_FIELD_CLASSES = frozenset(
    {
        "IntegerField", "BigIntegerField", "SmallIntegerField", *POSITIVE_FIELD_CLASSES,
        "FloatField", "DecimalField", "BooleanField", "NullBooleanField", "DateField",
        "DateTimeField", "TimeField", "DurationField", "UUIDField", "GenericIPAddressField",
        "IPAddressField", "JSONField", "ArrayField", "HStoreField", "ForeignKey",
        "OneToOneField", "ParentalKey",
    }
)  # fmt: skip


@dataclass(frozen=True)
class SourceRef:
    """Where something is defined: file and span."""

    path: Path
    span: Span


@dataclass(frozen=True)
class FieldRecord:
    """One model field as written in a class body (`sku = models.CharField(unique=True)`)."""

    name: str
    field_class: str  # last dotted part of the call: "CharField", "ForeignKey"
    ref: SourceRef
    unique: bool = False
    null: bool = False
    blank: bool = False
    primary_key: bool = False
    default: str | None = None  # source text of `default=`, None when absent
    db_default: str | None = None
    db_column: str | None = None
    auto_now: bool = False
    auto_now_add: bool = False
    # ForeignKey / OneToOneField / ManyToManyField target, normalised where possible:
    # "app_label.ModelName" when resolvable, "self", or the raw text otherwise.
    related_model: str | None = None
    unique_for: tuple[str, ...] = ()  # unique_for_date/month/year targets (never coverage)
    options: tuple[tuple[str, str], ...] = ()  # every keyword argument as (name, source)
    # A project field class's nearest Django ancestor ("CharField" for NullCharField); None
    # when `field_class` is Django's own or not the project's.
    django_class: str | None = None
    # The class comes from an installed package the checker does not read (djblets'
    # `JSONField`, a TextField that stores "{}"): what it sends for an omitted value is unknown.
    third_party: bool = False
    # The class (or a base of it short of Django's) defines `pre_save`, which Django asks for
    # the inserted value: what an omitted field sends is the override's (`fills_itself`).
    fills_itself: bool = False

    @property
    def known_class(self) -> str:
        return self.django_class or self.field_class

    def filled_when_omitted(self) -> str | None:
        """How Django or the database gives this column a non-NULL value when a write leaves the
        field out (`"default"`, `"auto_now_add"`, `'Django\'s ""'` …), or None when the write
        sends NULL. The one answer for the rules and `explain`. A field class not known to send
        NULL (a third-party field) counts as filling itself: a rule that cannot be sure says
        nothing."""
        if self.auto_now_add or self.auto_now:
            return "auto_now_add" if self.auto_now_add else "auto_now"
        if self.db_default is not None:
            return "db_default"
        if self.known_class in AUTO_FIELD_CLASSES or self.option("auto_created") == "True":
            return "the database"
        if self.option("parent_link") == "True":
            return "the parent row"  # multi-table inheritance: saving the child inserts it
        if self.default is not None:  # an explicit `default=None` is sent as NULL
            return "default" if self.default.strip() != "None" else None
        if self.fills_itself and not self.null:
            return f"{self.field_class}.pre_save"
        if self.third_party and self.django_class is None and not self.null:
            return f"{self.field_class} (an installed package's class, not known to send NULL)"
        if self.null or self.known_class in NULL_WHEN_OMITTED_FIELD_CLASSES:
            return None  # Field.get_default(): NULL unless empty strings are allowed
        if self.known_class in EMPTY_STRING_FIELD_CLASSES:
            return 'Django\'s ""'
        return f"{self.field_class} (not known to send NULL)"

    @property
    def is_foreign_key(self) -> bool:
        return self.known_class in RELATION_FIELD_CLASSES

    @property
    def is_many_to_many(self) -> bool:
        """A relation through a table of its own (no column): Django's or a project subclass,
        or any class given `through=` — only many-to-many managers take it (taggit's
        `TaggableManager` and project fields built on it); a column field's `__init__` would
        refuse it."""
        return self.known_class in MANY_TO_MANY_FIELD_CLASSES or self.option("through") is not None

    @property
    def is_unique(self) -> bool:
        """A DB uniqueness guarantee on this column alone."""
        return self.unique or self.primary_key or self.known_class == "OneToOneField"

    @property
    def attname(self) -> str:
        """The attribute holding the raw value: `customer_id` for a ForeignKey `customer`."""
        return f"{self.name}_id" if self.is_foreign_key else self.name

    @property
    def column(self) -> str:
        """The database column, as Django computes it."""
        return self.db_column or self.attname

    def option(self, name: str) -> str | None:
        for key, value in self.options:
            if key == name:
                return value
        return None

    def option_unknown(self, name: str) -> bool:
        """Is the option written as an expression that is no literal (django-user-accounts'
        `unique=settings.ACCOUNT_EMAIL_UNIQUE`, an AppConf default)? Its value is known only at
        run time: neither true nor false (the boolean attributes above read it as false)."""
        value = self.option(name)
        return value is not None and not literal_text(value)


@dataclass(frozen=True)
class ConstraintRecord:
    """A `UniqueConstraint`, a `CheckConstraint`, or one `unique_together` entry."""

    kind: str  # "unique" | "check" | "unique_together"
    ref: SourceRef
    name: str | None = None
    fields: tuple[str, ...] = ()
    condition: str | None = None  # source of condition= (UniqueConstraint) or of check=/condition=
    has_expressions: bool = False  # functional UniqueConstraint(Lower("name"), …)
    # Of a functional one: every field its expressions read (`"node"`, `F("team")`, `Lower("name")`,
    # a `When(kind=…)` condition), in order; empty when one of them cannot be read.
    expression_fields: tuple[str, ...] = ()
    # every expression is a plain field (`"node"`, `F("node")`): the same as `fields=[…]`
    expressions_plain: bool = False
    nulls_distinct: bool | None = None
    deferrable: str | None = None  # "DEFERRED" | "IMMEDIATE" | None

    @property
    def is_unique(self) -> bool:
        return self.kind in ("unique", "unique_together")


@dataclass(frozen=True)
class ManagerRecord:
    """A manager attribute on a model (`objects = ProductManager()`)."""

    attribute: str
    manager_class: str  # the class name as written ("ProductManager", "UserManager", "Manager")
    # Its methods `create` (an override) and `create_*` ("create_user"), own and inherited.
    create_methods: tuple[str, ...] = ()
    # `get_or_create` / `update_or_create` when the manager or its QuerySet class overrides them
    # (own or inherited from a class of the project; not an installed package's, not Django's).
    overrides: tuple[str, ...] = ()
    # False: the manager's class (or its QuerySet's) names nothing the index can resolve — it is
    # built at run time (django-oscar's `get_classes(…)`): what its methods do is unknown.
    known: bool = True


@dataclass(frozen=True)
class ModelRecord:
    """A model class as written in one module. Inherited facts are resolved by the index."""

    app_label: str
    name: str
    module: str  # dotted module name ("shop.models.catalog")
    ref: SourceRef  # span of the class name
    bases: tuple[str, ...] = ()  # base expressions as written ("models.Model", "TimeStamped")
    abstract: bool = False
    proxy: bool = False
    managed: bool = True  # False: `Meta.managed = False`, a table Django neither creates nor alters
    db_table: str | None = None  # Meta.db_table when given
    fields: tuple[FieldRecord, ...] = ()
    constraints: tuple[ConstraintRecord, ...] = ()  # incl. unique_together entries
    managers: tuple[ManagerRecord, ...] = ()
    meta_ref: SourceRef | None = None  # span of `class Meta` when present
    body_end: SourceRef | None = None  # the last line of the class body (where Meta may be added)

    @property
    def label(self) -> str:
        return f"{self.app_label}.{self.name}"

    @property
    def label_lower(self) -> str:
        return f"{self.app_label}.{self.name.lower()}"

    def own_field(self, name: str) -> FieldRecord | None:
        for record in self.fields:
            if record.name == name or record.attname == name:
                return record
        return None


@dataclass(frozen=True)
class UniqueSet:
    """A set of columns (field names) the database keeps unique together, and its source."""

    fields: frozenset[str]
    ref: SourceRef
    description: str  # "unique=True on sku", "UniqueConstraint 'uniq_team_email'"
    constraint_name: str | None = None
    condition: str | None = None  # partial constraint: only covers rows matching it
    nulls_distinct: bool = True
    # A functional constraint's: its key is computed from `fields` (`Lower("name")`), so rows
    # equal in them collide, but a lookup of them may miss the row it collides with ("Foo" vs
    # "foo"): it tells inserts apart, it does not make a lookup match at most one row.
    functional: bool = False
    # The fields in the index's column order (as declared): SQLite's "UNIQUE constraint failed:
    # t.b, t.a" lists them so. Empty: not known, shown sorted.
    order: tuple[str, ...] = ()

    @property
    def columns_order(self) -> tuple[str, ...]:
        """The fields in index order when known, else sorted."""
        return self.order if set(self.order) == self.fields else tuple(sorted(self.fields))


@dataclass(frozen=True)
class AppRecord:
    label: str
    name: str  # dotted package ("shop", "project.apps.shop")
    path: Path  # the package folder
    has_migrations: bool = False
    # The migrations package when settings' MIGRATION_MODULES moves it (else <path>/migrations).
    migrations_path: Path | None = None

    @property
    def migrations_folder(self) -> Path:
        return (
            self.migrations_path if self.migrations_path is not None else self.path / "migrations"
        )


@dataclass(frozen=True)
class ProjectSettings:
    """What the settings module says, read statically."""

    auth_user_model: str = "auth.User"
    atomic_requests: bool = False
    # Every `*_MODEL` setting naming a model ("OAUTH2_PROVIDER_APPLICATION_MODEL" ->
    # "pretixapi.OAuthApplication"): `settings.X_MODEL` in a relation or a migration names it.
    swappable: tuple[tuple[str, str], ...] = ()
    settings_path: Path | None = None
    installed_apps: tuple[str, ...] = field(default=())
