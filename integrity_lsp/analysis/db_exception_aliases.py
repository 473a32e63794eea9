"""Local names a module gives to `django.db`'s exception classes (`from django.db import Error
as DjangoBaseDBError`): an `except DjangoBaseDBError:` catches what `except Error:` catches.

Only imports from `django.db` and `django.db.utils` are read, where Django defines
`IntegrityError` and its bases: an alias of any other module's class keeps its local name.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache

from integrity_lsp.project.imports import build_import_table
from integrity_lsp.syntax.nodes import Node, walk

DB_MODULES = frozenset({"django.db", "django.db.utils"})


@lru_cache(maxsize=64)  # one module's `except` clauses ask again and again
def db_exception_aliases(module: Node) -> Mapping[str, str]:
    """Alias -> the `django.db` name it stands for, for every `from django.db import X as Y`."""
    table = build_import_table(module, None, is_package=False)
    return {
        local: attribute
        for local, (origin, attribute) in table.names.items()
        if origin in DB_MODULES and attribute is not None and attribute != local
    }


def unaliased(name: str, leaf: Node) -> str:
    """`name`, or the `django.db` class it is an alias of in the module holding `leaf`."""
    return db_exception_aliases(leaf.get_root_node()).get(name, name)


def aliases_db_error(except_clause: Node) -> bool:
    """Whether the clause catches `django.db.Error` under an alias: read from its import, so
    trusted where a bare `Error` is too common a name to be taken for Django's."""
    if except_clause.type == "keyword" or len(except_clause.children) < 2:
        return False
    aliases = db_exception_aliases(except_clause.get_root_node())
    target = except_clause.children[1]
    return any(leaf.type == "name" and aliases.get(leaf.value) == "Error" for leaf in walk(target))
