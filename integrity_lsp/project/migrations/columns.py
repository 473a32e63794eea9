"""What a column added to a table with rows holds in them, as Django's schema editor decides
(`BaseDatabaseSchemaEditor._effective_default` in Django 5.2), and a column as a database error
names it."""

from __future__ import annotations

from integrity_lsp.project.migrations.state import ModelState
from integrity_lsp.project.records import FieldRecord

# Field classes whose `empty_strings_allowed` is True in Django 5.2: with blank=True and
# null=False, BaseDatabaseSchemaEditor._effective_default gives "" (b"" for BinaryField).
EMPTY_STRING_COLUMN_CLASSES = frozenset(
    {
        "CharField",
        "TextField",
        "SlugField",
        "EmailField",
        "URLField",
        "FilePathField",
        "FileField",
        "ImageField",
        "CommaSeparatedIntegerField",
        "BinaryField",
        "CICharField",
        "CIEmailField",
        "CITextField",
    }
)
# Built-in field classes with empty_strings_allowed = False: blank=True gives them nothing.
NO_EMPTY_STRING_CLASSES = frozenset(
    {
        "BooleanField",
        "NullBooleanField",
        "DateField",
        "DateTimeField",
        "TimeField",
        "DurationField",
        "DecimalField",
        "FloatField",
        "IntegerField",
        "BigIntegerField",
        "SmallIntegerField",
        "PositiveIntegerField",
        "PositiveBigIntegerField",
        "PositiveSmallIntegerField",
        "IPAddressField",
        "GenericIPAddressField",
        "UUIDField",
        "JSONField",
        "ForeignKey",
        "OneToOneField",
        "ArrayField",
        "HStoreField",
        "IntegerRangeField",
        "BigIntegerRangeField",
        "DecimalRangeField",
        "DateTimeRangeField",
        "DateRangeField",
    }
)
AUTO_CLASSES = frozenset({"AutoField", "BigAutoField", "SmallAutoField"})
NO_COLUMN_CLASSES = frozenset({"ManyToManyField", "ParentalManyToManyField", "GeneratedField"})


def has_default(record: FieldRecord) -> bool:
    """`default=` given and not the literal None (which Django writes as NULL)."""
    return record.default is not None and record.default.strip() != "None"


def column_filler(record: FieldRecord) -> str | None:
    """What existing rows get when AddField adds this column (Django's `effective_default`,
    or the column's own DB default); None when they get NULL. "?" when it cannot be told."""
    if record.is_many_to_many or record.known_class in NO_COLUMN_CLASSES | AUTO_CLASSES:
        return "no value needed"
    if record.db_default is not None:
        return f"db_default={record.db_default}"
    if record.default is not None:
        return None if not has_default(record) else f"default={record.default}"
    if record.blank and not record.null:
        if record.field_class in EMPTY_STRING_COLUMN_CLASSES:
            return '""'
        if record.field_class not in NO_EMPTY_STRING_CLASSES:
            return "?"  # a custom field class: its empty_strings_allowed is not known
    if record.auto_now or record.auto_now_add:
        return "the current time"
    return None


def column_of(model: ModelState, name: str) -> str:
    """`table.column` of a field as the database error names it (`shop_order.customer_id`)."""
    state = model.field(name)
    column = state.record.column if state is not None else name
    return f"{model.table()}.{column}"
