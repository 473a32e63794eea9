"""Which Django the analysed project uses: config, then requirements, then the environment.

Read statically: `django-version` from the settings wins; else a pin in requirements*.txt or
pyproject.toml (`django==5.2`, `Django>=5.0,<6`); else the version installed in the
interpreter running integrity-lsp (the one the user chose). None when nothing says.
"""

from __future__ import annotations

import re
from functools import lru_cache
from importlib import metadata
from pathlib import Path

from integrity_lsp.analysis.context import Context
from integrity_lsp.syntax.files import read_project_text

PIN = re.compile(r"^\s*django\s*(?:\[[^\]]*\])?\s*(?:==|~=|>=)\s*(\d+)\.(\d+)", re.I | re.M)


@lru_cache(maxsize=32)
def project_django_version(root: Path) -> tuple[int, int] | None:
    candidates = sorted(root.glob("requirements*.txt")) + sorted(root.glob("requirements/*.txt"))
    candidates.append(root / "pyproject.toml")
    for candidate in candidates:
        text = read_project_text(candidate)
        if text is None:
            continue
        match = PIN.search(text.replace('"', "\n").replace("'", "\n"))
        if match:
            return int(match.group(1)), int(match.group(2))
    try:
        installed = metadata.version("django")
    except metadata.PackageNotFoundError:
        return None
    parts = re.match(r"(\d+)\.(\d+)", installed)
    return (int(parts.group(1)), int(parts.group(2))) if parts else None


def django_version(ctx: Context) -> tuple[int, int] | None:
    return ctx.env.settings.django_version or project_django_version(ctx.env.root)


def supports_create_defaults(ctx: Context) -> bool:
    """`update_or_create(create_defaults=…)` exists since Django 5.0."""
    version = django_version(ctx)
    return version is not None and version >= (5, 0)
