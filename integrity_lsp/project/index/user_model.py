"""AUTH_USER_MODEL when no settings file read statically names it.

A project that defines its own concrete user model (a class deriving from Django's
`AbstractBaseUser`, `AbstractUser` included) sets AUTH_USER_MODEL to it: Django refuses two
user models with clashing reverse accessors otherwise, and nothing else would use the class.
Projects that ship only a template of their settings (modoboa's `settings.py.tpl`, written at
deploy time) leave nothing to read, and `settings.AUTH_USER_MODEL` in their migrations would be
taken for `auth.User` while models.py imports the custom class. When exactly one such class
is defined in the project's own code (not in test code, not in an installed package, not in a
`startproject` template such as coderedcms's `project_template/`), its label is the user
model; with none or several the built-in `auth.User` stays.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path

from integrity_lsp.project.models import ParsedClass

ClassKey = tuple[str, str]

USER_BASES = frozenset(
    {
        ("django.contrib.auth.base_user", "AbstractBaseUser"),
        ("django.contrib.auth.models", "AbstractBaseUser"),
        ("django.contrib.auth.models", "AbstractUser"),
    }
)
MAX_DEPTH = 12


def inferred_user_model(
    model_keys: Iterable[ClassKey],
    labels: Mapping[ClassKey, str],
    classes: Mapping[ClassKey, ParsedClass],
    base_keys: Callable[[ClassKey], list[ClassKey]],
    is_projects: Callable[[ClassKey], bool],
) -> str | None:
    """The label of the one concrete user model the project defines, else None."""
    found = [
        key
        for key in model_keys
        if is_projects(key) and _concrete(classes.get(key)) and _derives_from_user(key, base_keys)
    ]
    if len(found) != 1:
        return None
    key = found[0]
    return f"{labels[key]}.{key[1]}" if key in labels else None


def _concrete(cls: ParsedClass | None) -> bool:
    if cls is None:
        return False
    meta = cls.meta
    return meta is None or not (meta.abstract or meta.proxy)


def _derives_from_user(key: ClassKey, base_keys: Callable[[ClassKey], list[ClassKey]]) -> bool:
    seen: set[ClassKey] = set()
    stack = [(base, 0) for base in base_keys(key)]
    while stack:
        current, depth = stack.pop()
        if current in USER_BASES:
            return True
        if current in seen or depth > MAX_DEPTH:
            continue
        seen.add(current)
        stack.extend((base, depth + 1) for base in base_keys(current))
    return False


def in_template(path: Path, root: Path) -> bool:
    """A file of a project or app template (`project_template/`, `game_template/`): code
    `startproject` copies into a new project, not code this one runs."""
    parts: tuple[str, ...] = path.parts
    with contextlib.suppress(ValueError):
        parts = path.relative_to(root).parts
    return any("template" in part for part in parts[:-1])
