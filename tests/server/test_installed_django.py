"""Built-in Django models linked to the installed Django, or not linked at all."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from integrity_lsp.findings import Span
from integrity_lsp.project.builtin import builtin_modules
from integrity_lsp.project.installed_django import installed_location


def builtin_field(module: str, model: str, field: str) -> tuple[Path, Span]:
    """Where the built-in source (project/builtin.py) defines `model.field`."""
    for parsed in builtin_modules():
        if parsed.module != module:
            continue
        for parsed_class in parsed.classes:
            if parsed_class.name == model:
                for candidate in parsed_class.fields:
                    if candidate.record.name == field:
                        return candidate.record.ref.path, candidate.record.ref.span
    raise AssertionError(f"no built-in {model}.{field}")


def test_a_builtin_field_maps_to_its_line_in_the_installed_django() -> None:
    spec = importlib.util.find_spec("django")
    if spec is None or spec.origin is None:
        pytest.skip("Django is not installed here")
    path, span = builtin_field("django.contrib.auth.models", "AbstractUser", "username")
    found = installed_location(path, span)
    assert found is not None
    real, real_span = found
    assert real == Path(spec.origin).parent / "contrib" / "auth" / "models.py"
    line = real.read_text().splitlines()[real_span.start_line - 1]
    assert line.strip().startswith("username = models.CharField(")


def test_no_location_without_an_installed_django() -> None:
    path, span = builtin_field("django.contrib.auth.models", "AbstractUser", "username")
    assert installed_location(path, span, search_path=[]) is None


def test_project_paths_are_not_builtin(tmp_path: Path) -> None:
    assert installed_location(tmp_path / "models.py", Span(1, 0, 1, 1)) is None
