"""Linking across files: the class a name or dotted expression in a module stands for
(import tables, re-exports, star imports), the bases of a class, the model of a key or label
(which linked classes are models is `model_classes`')."""

from __future__ import annotations

import re
import sys

from integrity_lsp.project.field_calls import GET_USER_MODEL
from integrity_lsp.project.field_classes import (
    DJANGO_FIELD_CLASSES,
    KNOWN_THIRD_PARTY_FIELD_CLASSES,
)
from integrity_lsp.project.imports import ImportTable, import_table_of_text
from integrity_lsp.project.index.files import ClassKey, IndexFiles
from integrity_lsp.project.models import ParsedClass, ParsedModule, parse_module
from integrity_lsp.project.records import ModelRecord
from integrity_lsp.syntax.files import over_size_cap
from integrity_lsp.syntax.source import parse

MAX_DEPTH = 30
STDLIB_PACKAGES = frozenset(getattr(sys, "stdlib_module_names", ())) | {"typing", "abc", "enum"}

FROM_QUERYSET = re.compile(r"^([\w.]+)\.from_queryset\(\s*([\w.]+)\s*\)$")


class IndexLinker(IndexFiles):
    """Names resolved across the project's modules to classes and models."""

    def _imports_of(self, module: str) -> tuple[ImportTable, ParsedModule | None] | None:
        module = self.canonical_module(module)
        parsed = self._link.modules.get(module)
        if parsed is not None:
            return parsed.imports, parsed
        path = self._path_by_module.get(module)
        if path is None:
            return None
        state = self._files.get(path)
        digest = state.digest if state else ""
        cached = self._lazy_imports.get(path)
        if cached is None or cached[0] != digest:
            text = self._text(path) or ""
            table = import_table_of_text(text, module, is_package=path.name == "__init__.py")
            cached = (digest, table)
            self._lazy_imports[path] = cached
        return cached[1], None

    def resolve_symbol(self, module: str, name: str, _depth: int = 0) -> ClassKey | None:
        """The class `name` in `module` is, following re-exports; an external key when unknown."""
        memo_key = ("symbol", (module, name))
        if memo_key in self._memo:
            return self._memo[memo_key]  # type: ignore[no-any-return]
        self._memo[memo_key] = None  # cycle guard
        result = self._resolve_symbol(module, name, _depth)
        self._memo[memo_key] = result
        return result

    def _resolve_symbol(self, module: str, name: str, depth: int) -> ClassKey | None:
        module = self.canonical_module(module)
        if (module, name) in self._link.classes or depth > MAX_DEPTH:
            return (module, name)
        found = self._imports_of(module)
        if found is None:
            return None if self._is_module(f"{module}.{name}") else (module, name)
        imports, parsed = found
        imported = imports.lookup(name)
        if imported is not None:
            source_module, attribute = imported
            if attribute is None or self._is_module(f"{source_module}.{attribute}"):
                return None
            return self.resolve_symbol(source_module, attribute, depth + 1)
        alias = parsed.alias(name) if parsed is not None else None
        if alias is not None and alias != name:
            if alias == GET_USER_MODEL:
                return self._user_key()
            return self.resolve_expression(module, alias, depth + 1)
        for star in imports.star_modules:
            key = self.resolve_symbol(star, name, depth + 1)
            if key is not None and (key in self._link.classes or self._scanned_class(*key)):
                return key  # a model, or a class of a project file not parsed (sentry's
                # `FlexibleForeignKey`, star-imported twice: `db.models` -> `.fields` -> its file)
        if parsed is None and self._scanned_class(module, name):
            return (module, name)  # a class of a project file not parsed (yet): see below
        return None

    def imported_by_package(self, package: str, module: str) -> bool:
        """Is `module` imported by the package's `__init__`, directly or through other modules
        of the package it imports? A model module of an app's `models/` package that nothing
        there imports is not registered by Django when the app loads (dj-stripe's
        models/pricing_table.py): whether some other import registers it is not known."""
        seen = {package}
        pending = [package]
        while pending:
            found = self._imports_of(pending.pop())
            if found is None:
                continue
            table = found[0]
            reached = [*table.star_modules]
            for source, attribute in table.names.values():
                reached.append(source)
                if attribute is not None:
                    reached.append(f"{source}.{attribute}")
            for name in reached:
                name = self.canonical_module(name)
                if name == module:
                    return True
                if name.startswith(f"{package}.") and name not in seen:
                    seen.add(name)
                    pending.append(name)
        return False

    def _scanned_class(self, module: str, name: str) -> bool:
        """Does the project file of `module` define a class `name` (by the pre-scan)?"""
        path = self._path_by_module.get(module)
        state = self._files.get(path) if path is not None else None
        return state is not None and any(found == name for found, _bases in state.classes)

    def resolve_expression(self, module: str, text: str, _depth: int = 0) -> ClassKey | None:
        """The class a dotted expression written in `module` names (`models.Model`, `P`)."""
        parts = text.split(".")
        if len(parts) == 1:
            return self.resolve_symbol(module, parts[0], _depth)
        found = self._imports_of(module)
        imported = found[0].lookup(parts[0]) if found else None
        if imported is None:
            return None  # an attribute of a local class (`Base.Meta`) or an unknown name
        return self.resolve_imported(imported, parts[1:], _depth)

    def resolve_imported(
        self, imported: tuple[str, str | None], rest: list[str], _depth: int = 0
    ) -> ClassKey | None:
        """The class named by an import-table entry followed by attribute names: `(shop,
        models)` + `["Product"]` for `from shop import models; models.Product`."""
        source_module, attribute = imported
        if attribute is not None:
            is_module = self._is_module(f"{source_module}.{attribute}")
            if not is_module and not (rest and attribute[:1].islower()):
                return None if rest else self.resolve_symbol(source_module, attribute, _depth + 1)
            source_module = f"{source_module}.{attribute}"
        if not rest:
            return None  # a module, not a class
        while len(rest) > 1 and self._is_module(f"{source_module}.{rest[0]}"):
            source_module = f"{source_module}.{rest[0]}"
            rest = rest[1:]
        if len(rest) != 1:
            return None
        return self.resolve_symbol(source_module, rest[0], _depth + 1)

    def _base_keys(self, key: ClassKey) -> list[ClassKey]:
        memo_key = ("bases", key)
        cached = self._memo.get(memo_key)
        if cached is not None:
            return cached  # type: ignore[no-any-return]
        entry = self._link.classes.get(key)
        if entry is None:
            return []
        cls = entry[0]
        module = key[0]
        result = []
        bases: list[str] = []
        for base in cls.bases:  # `Manager.from_queryset(QS)` as a base: both classes count
            match = FROM_QUERYSET.match(base)
            bases.extend(match.groups() if match else (base,))
        for base in bases:
            resolved = self.resolve_expression(module, base) if is_dotted(base) else None
            if resolved is None and base in ("models.Model", "Model"):
                resolved = ("django.db.models", "Model")
            if resolved is not None and resolved != key:
                result.append(resolved)
        self._memo[memo_key] = result
        return result

    def field_ancestor(self, module: str, callee: str) -> str | None:
        """The Django field class (`"OneToOneField"`) that the class a field-like call in
        `module` names derives from, first base first (tendenci's `UnsavedOneToOne(
        models.OneToOneField)`), through the project's files and the installed packages (read,
        never imported); None when the class is not a field class or cannot be followed."""
        if not is_dotted(callee):
            return None
        return self._field_ancestor(self.resolve_expression(module, callee), 0)

    def _field_ancestor(self, key: ClassKey | None, depth: int) -> str | None:
        if key is None or depth > MAX_DEPTH:
            return None
        if key[0] == "django.db.models" or key[0].startswith("django.db.models."):
            return key[1] if key[1] in DJANGO_FIELD_CLASSES else None
        if key[0].split(".")[0] in ("django", *STDLIB_PACKAGES):
            return None
        if key[1] in KNOWN_THIRD_PARTY_FIELD_CLASSES:  # modelcluster's ParentalKey
            return key[1]
        memo_key = ("field ancestor", key)
        if memo_key in self._memo:
            return self._memo[memo_key]  # type: ignore[no-any-return]
        self._memo[memo_key] = None  # cycle guard
        found = self._class_anywhere(key)
        result = None
        for base in found[0].bases if found is not None else ():
            if is_dotted(base) and found is not None:
                base_key = self._base_anywhere(key[0], found[1], base)
                result = self._field_ancestor(base_key, depth + 1)
                if result is not None:
                    break
        self._memo[memo_key] = result
        return result

    def field_fills_itself(self, module: str, callee: str) -> bool:
        """Does the field class a call in `module` names, or one of its bases up to Django's own
        classes, define `pre_save` (djblets' `ModificationTimestampField` sets `now()` there when
        the value is None, its `JSONField` returns the dumped `{}` its `post_init` put there)?
        Django asks every field's `pre_save` for the value it inserts: an override decides what
        an omitted field sends. Through the project's files and the installed packages (read,
        never imported); False when the class cannot be followed."""
        if not is_dotted(callee):
            return False
        return self._fills_itself(self.resolve_expression(module, callee), 0)

    def _fills_itself(self, key: ClassKey | None, depth: int) -> bool:
        if key is None or depth > MAX_DEPTH or key[0].split(".")[0] in ("django", *STDLIB_PACKAGES):
            return False
        memo_key = ("fills itself", key)
        if memo_key in self._memo:
            return self._memo[memo_key]  # type: ignore[no-any-return]
        self._memo[memo_key] = False  # cycle guard
        found = self._class_anywhere(key)
        result = False
        if found is not None:
            cls, parsed = found
            result = "pre_save" in cls.attributes or any(
                self._fills_itself(self._base_anywhere(key[0], parsed, base), depth + 1)
                for base in cls.bases
                if is_dotted(base)
            )
        self._memo[memo_key] = result
        return result

    def _class_anywhere(self, key: ClassKey) -> tuple[ParsedClass, ParsedModule | None] | None:
        """The parsed class of `key` and, when it is not linked, its module: read from its
        project file or installed module (not linked: reading a field class must not change
        which classes are models)."""
        entry = self._link.classes.get(key)
        if entry is not None:
            return entry[0], None
        memo_key = ("module anywhere", key[0])
        if memo_key not in self._memo:
            parsed = self._parse_project_module(key[0])
            if parsed is None and key[0] not in self._path_by_module:
                parsed = self.libraries.parsed(key[0])
            self._memo[memo_key] = parsed
        module: ParsedModule | None = self._memo[memo_key]
        if module is None:
            return None
        cls = next((cls for cls in module.classes if cls.name == key[1]), None)
        return (cls, module) if cls is not None else None

    def _base_anywhere(
        self, module: str, parsed: ParsedModule | None, base: str
    ) -> ClassKey | None:
        """The class a base expression of a class of `module` names; through the module's own
        import table when the module is not linked (an installed `mptt.fields`)."""
        if parsed is None or module in self._link.modules or module in self._path_by_module:
            return self.resolve_expression(module, base)
        parts = base.split(".")
        imported = parsed.imports.lookup(parts[0])
        if imported is None:
            return (module, base) if len(parts) == 1 else None  # a class of the same module
        if len(parts) == 1:
            source_module, attribute = imported
            return self.resolve_symbol(source_module, attribute) if attribute else None
        return self.resolve_imported(imported, parts[1:])

    def _parse_project_module(self, module: str) -> ParsedModule | None:
        path = self._path_by_module.get(module)
        if path is None:
            return None
        text = self._text(path)
        if text is None or over_size_cap(text, path):
            return None
        try:
            tree = parse(text)
            return parse_module(tree, path, module, is_package=path.name == "__init__.py")
        except RecursionError:
            return None

    def _user_key(self) -> ClassKey | None:
        wanted = self.project_settings.auth_user_model.lower()
        found = [
            key for key, label in self._labels.items() if f"{label}.{key[1]}".lower() == wanted
        ]
        found.sort(key=lambda key: key[0].startswith("django."))
        if found:
            return found[0]
        return ("django.contrib.auth.models", "User")

    def _key(self, model: ModelRecord) -> ClassKey:
        return (model.module, model.name)

    def _record(self, key: ClassKey) -> ModelRecord | None:
        return self._link.models.get(key)

    def model_for_key(self, key: ClassKey | None) -> ModelRecord | None:
        return self._link.models.get(key) if key is not None else None

    def get_model(self, label: str) -> ModelRecord | None:
        """`"shop.Product"` (model name case-insensitive) -> the model."""
        return self._link.by_label.get(label.lower()) if "." in label else None

    def _canonical_label(self, label: str) -> str:
        return self._canonical.get(label.lower(), label)


def is_dotted(text: str) -> bool:
    return all(part.isidentifier() for part in text.split("."))
