"""The `[tool.integrity-lsp]` table (or the editor's settings, or the command line's flags) read
into changes of `Settings`: each key's value checked, a bad one kept out with a warning naming
it, so that a broken configuration never stops the checker or the server."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from integrity_lsp.findings import Severity

CODE_PATTERN = re.compile(r"^IL\d{0,3}$|^ALL$")


def read_table(
    mapping: Mapping[str, Any], origin: str, current: Callable[[str], Any]
) -> tuple[dict[str, Any], tuple[str, ...]]:
    """(the `Settings` fields `mapping` changes, its warnings prefixed with `origin`);
    `current(field)` is the value an `extend-*` key adds to."""
    warnings: list[str] = []
    changes: dict[str, Any] = {}
    if not isinstance(mapping, Mapping):
        return changes, (f"{origin}: expected a table; ignored",)
    normalised = {str(key).replace("_", "-"): value for key, value in mapping.items()}
    # `extend-*` adds to the same table's base key whatever the order they are written in
    # (`select` and `extend-select` together select both), so the base keys go first.
    ordered = sorted(normalised.items(), key=lambda item: item[0].startswith("extend-"))
    for key, value in ordered:
        if key in ("select", "ignore", "extend-select", "extend-ignore"):
            codes = _codes(value, key, warnings)
            if codes is not None:
                target = key.removeprefix("extend-")
                if key.startswith("extend-"):
                    codes = (*changes.get(target, current(target)), *codes)
                changes[target] = codes
        elif key == "per-file-ignores":
            if not isinstance(value, Mapping):
                warnings.append("`per-file-ignores` must be a table of pattern = [codes]; ignored")
                continue
            entries = []
            for pattern, codes_value in value.items():
                codes = _codes(codes_value, f"per-file-ignores.{pattern}", warnings)
                if codes is not None:
                    entries.append((str(pattern), codes))
            changes["per_file_ignores"] = tuple(entries)
        elif key == "test-ignore":
            codes = _codes(value, key, warnings)
            if codes is not None:
                changes["test_ignore"] = codes
        elif key in (
            "exclude",
            "extend-exclude",
            "handler-decorators",
            "handler-base-classes",
            "test-paths",
        ):
            strings = _strings(value, key, warnings)
            if strings is not None:
                target = key.removeprefix("extend-").replace("-", "_")
                if key.startswith("extend-"):
                    strings = (*changes.get(target, current(target)), *strings)
                changes[target] = strings
        elif key == "severity":
            severity = _severity(value, warnings)
            if severity is not None:
                changes["severity"] = severity
        elif key in ("force-exclude", "respect-gitignore"):
            if isinstance(value, bool):
                changes[key.replace("-", "_")] = value
            else:
                warnings.append(f"`{key}` must be true or false; ignored")
        elif key == "atomic-requests":
            if isinstance(value, bool) or value is None:
                changes["atomic_requests"] = value
            else:
                warnings.append("`atomic-requests` must be true or false; ignored")
        elif key == "django-version":
            version = _django_version(value)
            if version is None:
                warnings.append(f'`django-version` must look like "5.2"; got {value!r}; ignored')
            else:
                changes["django_version"] = version
        elif key == "settings-module":
            if isinstance(value, str) and value.strip():
                changes["settings_module"] = value.strip()
            else:
                warnings.append("`settings-module` must be a dotted module name; ignored")
        elif key == "migrations-since":
            since = _migrations_since(value)
            if since is None:
                warnings.append(
                    '`migrations-since` must be "auto", "all" or a git ref such as '
                    f'"origin/main"; got {value!r}; ignored'
                )
            else:
                changes["migrations_since"] = None if since == "auto" else since
        elif key == "since":
            ref = _migrations_since(value)
            if ref is None or ref in ("auto", "all"):
                warnings.append(f'`since` must be a git ref such as "origin/main"; got {value!r}')
            else:
                changes["since"] = ref
        else:
            warnings.append(f"unknown setting `{key}`; ignored")
    return changes, tuple(f"{origin}: {warning}" for warning in warnings)


def _codes(value: Any, key: str, warnings: list[str]) -> tuple[str, ...] | None:
    if isinstance(value, str):
        value = [part.strip() for part in value.split(",") if part.strip()]
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        warnings.append(f'`{key}` must be a list of rule codes such as ["IL101"]; ignored')
        return None
    bad = [item for item in value if not CODE_PATTERN.match(item.strip().upper())]
    if bad:
        warnings.append(f"`{key}` has unknown rule codes {bad}; they are ignored")
    return tuple(item.strip().upper() for item in value if item not in bad)


def _strings(value: Any, key: str, warnings: list[str]) -> tuple[str, ...] | None:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        warnings.append(f"`{key}` must be a list of strings; ignored")
        return None
    return tuple(value)


def _severity(value: Any, warnings: list[str]) -> tuple[tuple[str, Severity], ...] | None:
    if not isinstance(value, Mapping):
        warnings.append('`severity` must be a table such as { IL104 = "info" }; ignored')
        return None
    entries = []
    for code, level in value.items():
        try:
            entries.append((str(code).upper(), Severity(str(level).lower())))
        except ValueError:
            choices = ", ".join(item.value for item in Severity)
            warnings.append(f"`severity.{code}` must be one of {choices}; ignored")
    return tuple(entries)


def _migrations_since(value: Any) -> str | None:
    """`auto`, `all` or what can be a git revision (`origin/main`, `HEAD~3`, a commit id);
    never something git would read as an option."""
    if not isinstance(value, str):
        return None
    text: str = value.strip()
    if text.lower() in ("auto", "all"):
        return text.lower()
    if text.startswith("-") or not re.fullmatch(r"[\w./@{}~^-]+", text):
        return None
    return text


def _django_version(value: Any) -> tuple[int, int] | None:
    match = re.match(r"^\s*(\d+)(?:\.(\d+))?", str(value)) if value is not None else None
    if match is None or isinstance(value, bool):
        return None
    return int(match.group(1)), int(match.group(2) or 0)
