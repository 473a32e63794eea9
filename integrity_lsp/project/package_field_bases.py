"""Project field classes whose base is an installed package's class named like Django's.

shuup's `TaggedJSONField(JSONField)` derives from `jsonfield.fields.JSONField`, a TextField that
sends "" for an omitted value, not from Django's `JSONField` (which sends NULL). Matched by
simple name, as field classes are, it would pass for Django's: IL203 would report a NOT NULL
violation the insert never raises. The import of the base in the defining file tells them apart.
"""

from __future__ import annotations

import ast
import functools
import re

from integrity_lsp.syntax.source import cpython_tree

# `from jsonfield.fields import JSONField` (or a parenthesised list naming a `…Field`).
_FIELD_FROM_PACKAGE = re.compile(
    r"^\s*from\s+(?!django[.\s])[\w.]+\s+import\s*\(?[\w\s,]*Field", re.MULTILINE
)


def imports_package_field(text: str) -> bool:
    """A cheap test before parsing: the file imports a `…Field` from a package not Django's."""
    return _FIELD_FROM_PACKAGE.search(text) is not None


@functools.lru_cache(maxsize=256)
def package_based_in(text: str, django_names: frozenset[str]) -> frozenset[str]:
    """Module-level classes with a base imported from a package other than Django whose name is
    one of Django's field classes (`from jsonfield.fields import JSONField`, or `import
    jsonfield` and `jsonfield.JSONField`): by name they would pass for Django's. A project
    module re-exporting a Django-named class of its own reads as a package too: the class is
    then unknown and its fields not judged (silence, never a finding)."""
    tree = cpython_tree(text)
    if tree is None:
        return frozenset()
    foreign: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            if node.module.split(".")[0] != "django":
                foreign.update(alias.asname or alias.name for alias in node.names)
        elif isinstance(node, ast.Import):
            foreign.update(
                alias.asname or alias.name.split(".")[0]
                for alias in node.names
                if alias.name.split(".")[0] != "django"
            )
    found = set()
    for node in tree.body:
        if not isinstance(node, ast.ClassDef):
            continue
        for base in node.bases:
            root = base
            while isinstance(root, ast.Attribute):
                root = root.value
            last = base.attr if isinstance(base, ast.Attribute) else getattr(base, "id", "")
            if isinstance(root, ast.Name) and root.id in foreign and last in django_names:
                found.add(node.name)
    return frozenset(found)
