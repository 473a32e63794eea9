"""Field classes a project defines, and the options their `__init__` fixes.

django-oscar's `NullCharField(CharField)` sets `kwargs["null"] = kwargs["blank"] = True` before
calling `super().__init__`, so `NullCharField(max_length=255, unique=True)` is a nullable
column although the call says nothing about `null`. Read as written, every such field would
look NOT NULL: an `AddField` of it would be reported as failing on existing rows, a `create()`
without it as a NOT NULL violation.

What is read, from the `__init__` of a class whose base is a `…Field` (CPython's parser, only
for the files that define one), is the options that decide constraints (`field_init_options`:
forced, or defaults the call may override).
A subclass of such a class inherits what it fixes. A class deriving from an installed
package's class named like Django's (`package_field_bases`) is no Django field class. Classes
are matched by their simple name, as field calls are recorded (`NullCharField`,
`fields.NullCharField`); names of Django's own field classes are never taken over.
"""

from __future__ import annotations

import ast
import functools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace

from integrity_lsp.project.field_init_options import (
    CONSTRAINT_OPTIONS,
    FieldClassOptions,
    init_options,
)
from integrity_lsp.project.field_init_values import computed
from integrity_lsp.project.package_field_bases import imports_package_field, package_based_in
from integrity_lsp.project.records import FieldRecord
from integrity_lsp.syntax.source import module_classes

DJANGO_FIELD_CLASSES = frozenset(
    {
        "AutoField", "BigAutoField", "BigIntegerField", "BinaryField", "BooleanField",
        "CharField", "CommaSeparatedIntegerField", "CompositePrimaryKey", "DateField",
        "DateTimeField", "DecimalField", "DurationField", "EmailField", "Field", "FileField",
        "FilePathField", "FloatField", "ForeignKey", "ForeignObject", "GeneratedField",
        "GenericIPAddressField", "IPAddressField", "ImageField", "IntegerField", "JSONField",
        "ManyToManyField", "NullBooleanField", "OneToOneField", "PositiveBigIntegerField",
        "PositiveIntegerField", "PositiveSmallIntegerField", "SlugField", "SmallAutoField",
        "SmallIntegerField", "TextField", "TimeField", "URLField", "UUIDField",
    }
)  # fmt: skip


KNOWN_THIRD_PARTY_FIELD_CLASSES = frozenset({"ParentalKey", "ParentalManyToManyField"})


@dataclass(frozen=True)
class FieldClasses:
    """The project's field classes that fix an option, by simple name."""

    by_name: tuple[tuple[str, FieldClassOptions], ...] = ()
    ancestors: tuple[tuple[str, str], ...] = ()  # class -> its nearest Django field class
    # Classes whose `contribute_to_class` adds fields of its own to the model (mezzanine's
    # `KeywordsField` adds `keywords_string`, `RatingField` `rating_count`, … with
    # `cls.add_to_class(…)`), and their subclasses: a model declaring one has fields no class
    # body names.
    adds_fields: frozenset[str] = frozenset()
    # Classes deriving from an installed package's class named like one of Django's (shuup's
    # `TaggedJSONField(jsonfield.fields.JSONField)`, a TextField that sends "" when left out):
    # not Django's class, so what they write for an omitted value is unknown.
    third_party_based: frozenset[str] = frozenset()
    # Classes of these files that define `pre_save` (the linker's `field_fills_itself` decides
    # by resolving the field call): kept here so that an edit adding or removing one relinks.
    with_pre_save: frozenset[str] = frozenset()

    def apply(self, record: FieldRecord) -> FieldRecord:
        """The record as the database sees the field: the class's fixed options applied."""
        if record.field_class in self.third_party_based:
            record = replace(record, third_party=True)
        if not self.ancestors and not self.by_name:
            return record
        ancestor = dict(self.ancestors).get(record.field_class)
        if ancestor is not None:
            record = replace(record, django_class=ancestor)
            if ancestor == "NullBooleanField":  # its __init__ sets null=True
                record = replace(record, null=True)
        options = dict(self.by_name).get(record.field_class)
        if options is None:
            return record
        given = dict(record.options)
        merged = {**dict(options.defaults), **given, **dict(options.forced)}
        merged = {key: computed(value, merged) for key, value in merged.items()}
        if merged == given:
            return record
        return replace(
            record,
            null=_truthy(merged.get("null")),
            blank=_truthy(merged.get("blank")),
            unique=_truthy(merged.get("unique")),
            primary_key=_truthy(merged.get("primary_key")),
            default=merged.get("default"),
            db_default=merged.get("db_default"),
            options=tuple(merged.items()),
        )


def _truthy(source: str | None) -> bool:
    """An option's source as Django's `if self.null:` reads it (`"True"` and `'True'` alike)."""
    if source is None:
        return False
    try:
        return bool(ast.literal_eval(source))
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return False


def may_define_field_class(text: str) -> bool:
    """A cheap test before parsing: a class statement with a `…Field` base and an `__init__`
    or a `pre_save`, or a `contribute_to_class` that calls `add_to_class`."""
    if "contribute_to_class" in text and "add_to_class" in text:
        return True
    if "Field" in text and imports_package_field(text):
        return True  # maybe a base of the package's, named like Django's (`package_field_bases`)
    if "Field" in text and "def pre_save" in text:
        return True  # its value decided by the class (`field_fills_itself`)
    return "Field" in text and "__init__" in text and any(o in text for o in CONSTRAINT_OPTIONS)


def read_field_classes(
    candidates: Iterable[tuple[str, tuple[str, ...]]], texts: Iterable[str]
) -> FieldClasses:
    """`candidates`: (class name, base simple names) of every class of the project; `texts`:
    the files that may define field classes (see `may_define_field_class`)."""
    candidates = list(candidates)
    bases_of = _field_subclasses(candidates)
    own: dict[str, FieldClassOptions] = {}
    adders: set[str] = set()
    package_based: set[str] = set()
    with_pre_save: set[str] = set()
    for text in texts:
        with_pre_save.update(_pre_save_classes_in(text))
        own.update((name, o) for name, o in _options_in(text) if name in bases_of)
        adders.update(_adders_in(text))
        package_based.update(
            name for name in package_based_in(text, DJANGO_FIELD_CLASSES) if name in bases_of
        )
    return FieldClasses(
        tuple(sorted(_inherited(bases_of, own).items())),
        tuple(sorted(_django_ancestors(bases_of, package_based).items())),
        _with_subclasses(adders, candidates),
        _with_subclasses(package_based, candidates),
        frozenset(with_pre_save),
    )


@functools.lru_cache(maxsize=256)
def _pre_save_classes_in(text: str) -> frozenset[str]:
    """Module-level classes defining a `pre_save` method."""
    return frozenset(
        node.name
        for node in module_classes(text, "pre_save")
        if any(
            isinstance(method, ast.FunctionDef) and method.name == "pre_save"
            for method in node.body
        )
    )


@functools.lru_cache(maxsize=256)
def _adders_in(text: str) -> frozenset[str]:
    """Module-level classes whose `contribute_to_class` calls `….add_to_class(…)`."""
    found = set()
    for node in module_classes(text):
        for method in node.body:
            if not isinstance(method, ast.FunctionDef) or method.name != "contribute_to_class":
                continue
            if any(
                isinstance(call, ast.Call)
                and isinstance(call.func, ast.Attribute)
                and call.func.attr == "add_to_class"
                for call in ast.walk(method)
            ):
                found.add(node.name)
    return frozenset(found)


def _with_subclasses(
    names: set[str], classes: Iterable[tuple[str, tuple[str, ...]]]
) -> frozenset[str]:
    """`names` and every class deriving from one of them, by simple name."""
    found = set(names)
    children: dict[str, set[str]] = {}
    for name, bases in classes:
        for base in bases:
            children.setdefault(base, set()).add(name)
    queue = list(found)
    while queue:
        for child in children.get(queue.pop(), ()):
            if child not in found and child not in DJANGO_FIELD_CLASSES:
                found.add(child)
                queue.append(child)
    return frozenset(found)


def _django_ancestors(
    bases_of: Mapping[str, tuple[str, ...]], package_based: set[str]
) -> dict[str, str]:
    """The nearest Django field class up each project field class's bases (first base first);
    none for a class deriving from a package's class named like Django's (`package_based`)."""
    found: dict[str, str] = {}

    def ancestor(name: str, seen: frozenset[str]) -> str | None:
        if name in found:
            return found[name]
        if name in package_based:
            return None
        for base in bases_of.get(name, ()):
            if base in DJANGO_FIELD_CLASSES or base in KNOWN_THIRD_PARTY_FIELD_CLASSES:
                return base
            if base not in seen:
                inherited = ancestor(base, seen | {name})
                if inherited is not None:
                    return inherited
        return None

    for name in bases_of:
        result = ancestor(name, frozenset())
        if result is not None:
            found[name] = result
    return found


@functools.lru_cache(maxsize=256)
def _options_in(text: str) -> tuple[tuple[str, FieldClassOptions], ...]:
    """Every module-level class's `__init__` options (per text: an editor re-reads on every
    change of such a file)."""
    found = []
    for node in module_classes(text):
        options = init_options(node)
        if options.forced or options.defaults:
            found.append((node.name, options))
    return tuple(found)


def _field_subclasses(
    classes: Iterable[tuple[str, tuple[str, ...]]],
) -> dict[str, tuple[str, ...]]:
    """Classes with a `…Field` base or a Django field class's (`ForeignKey`), or a base that is
    one of them (`Child(NullCharField)`, `Grandchild(Child)`)."""
    all_bases: dict[str, tuple[str, ...]] = {}
    for name, bases in classes:
        if name not in DJANGO_FIELD_CLASSES:
            all_bases[name] = (*all_bases.get(name, ()), *bases)
    found = {
        n
        for n, bases in all_bases.items()
        if any(b.endswith("Field") or b in DJANGO_FIELD_CLASSES for b in bases)
    }
    grew = True
    while grew:
        more = {n for n, bases in all_bases.items() if n not in found and found & set(bases)}
        found |= more
        grew = bool(more)
    return {name: all_bases[name] for name in found}


def _inherited(
    bases_of: Mapping[str, tuple[str, ...]], own: Mapping[str, FieldClassOptions]
) -> dict[str, FieldClassOptions]:
    resolved: dict[str, FieldClassOptions] = {}

    def options_of(name: str, seen: frozenset[str]) -> FieldClassOptions | None:
        if name in resolved:
            return resolved[name]
        if name in seen or name not in bases_of:
            return own.get(name)
        inherited = FieldClassOptions()
        for base in reversed(bases_of[name]):  # the first base's options win, as in the MRO
            found = options_of(base, seen | {name})
            if found is not None:
                inherited = found.then(inherited)
        mine = own.get(name)
        result = inherited.then(mine) if mine is not None else inherited
        if result.forced or result.defaults:
            resolved[name] = result
            return result
        return None

    for name in bases_of:
        options_of(name, frozenset())
    return resolved
