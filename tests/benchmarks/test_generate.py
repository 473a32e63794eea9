"""The generator: same bytes for the same seed, valid Python, a manifest that points right."""

from __future__ import annotations

import ast
import hashlib
from pathlib import Path

from benchmarks.generate import generate, load_manifest


def _tree_digest(root: Path) -> str:
    sha = hashlib.sha256()
    for path in sorted(root.rglob("*")):
        if path.is_file():
            sha.update(str(path.relative_to(root)).encode())
            sha.update(path.read_bytes())
    return sha.hexdigest()


def test_same_seed_same_bytes_other_seed_other_project(tmp_path: Path) -> None:
    first = generate(tmp_path / "a", "small", seed=7)
    second = generate(tmp_path / "b", "small", seed=7)
    other = generate(tmp_path / "c", "small", seed=8)
    assert _tree_digest(first.root) == _tree_digest(second.root)
    assert _tree_digest(first.root) != _tree_digest(other.root)


def test_generated_files_are_valid_python_and_counted(tmp_path: Path) -> None:
    project = generate(tmp_path / "p", "small", seed=0)
    files = sorted(project.root.rglob("*.py"))
    assert len(files) == project.files
    for path in files:
        ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    assert sum(p.read_text(encoding="utf-8").count("\n") for p in files) == project.lines


def test_project_has_what_a_django_project_has(tmp_path: Path) -> None:
    root = generate(tmp_path / "p", "small", seed=0).root
    assert (root / "manage.py").is_file()
    assert "INSTALLED_APPS" in (root / "config" / "settings.py").read_text(encoding="utf-8")
    migrations = list(root.glob("*/migrations/0*.py"))
    assert migrations
    models_text = "".join(p.read_text(encoding="utf-8") for p in root.glob("*/models*.py"))
    models_text += "".join(p.read_text(encoding="utf-8") for p in root.glob("*/models/*.py"))
    assert "unique=True" in models_text
    assert "ForeignKey(" in models_text
    assert "UniqueConstraint(" in models_text or "unique_together" in models_text
    assert list(root.glob("libs/module_*.py"))


def test_manifest_points_at_the_dashboard_and_a_model_name(tmp_path: Path) -> None:
    root = generate(tmp_path / "p", "small", seed=0).root
    manifest = load_manifest(root)
    dashboard = root / str(manifest["dashboard"])
    lines = dashboard.read_text(encoding="utf-8").splitlines()
    assert 1000 <= len(lines) <= 1100
    hover = manifest["hover"]
    assert isinstance(hover, list)
    line, column = int(hover[0]), int(hover[1])
    assert lines[line - 1][column:].split(".")[0].isidentifier()
    assert lines[line - 1][column:].split(".")[1] == "objects"
    edit_line = int(str(manifest["edit_line"]))
    assert lines[edit_line - 1].strip().startswith("return ")


def test_sizes_grow(tmp_path: Path) -> None:
    small = generate(tmp_path / "s", "small", seed=0)
    medium = generate(tmp_path / "m", "medium", seed=0)
    assert medium.files > 3 * small.files
    assert medium.models > small.models
