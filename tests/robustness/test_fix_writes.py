"""`check --fix` writes atomically, only what it read, only inside the project root.

Concurrent edits are simulated deterministically in-process: a hook wrapped around one step of
the fixer (after the fixes are computed, or while the temporary file is being created) edits
the file on disk exactly as an editor saving at that moment would.
"""

from __future__ import annotations

import errno
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from integrity_lsp import cli, fixer
from integrity_lsp.analysis.edits import compiles
from tests.robustness.support import write_tree

SERVICES = (
    "from shop.models import Product\n"
    "\n"
    "\n"
    "def import_product(sku, name):\n"
    "    if not Product.objects.filter(sku=sku).exists():\n"
    "        Product.objects.create(sku=sku, name=name)\n"
)
PROJECT = {
    "manage.py": "",
    "shop/__init__.py": "",
    "shop/migrations/__init__.py": "",
    "shop/models.py": (
        "from django.db import models\n"
        "\n"
        "\n"
        "class Product(models.Model):\n"
        "    sku = models.CharField(max_length=20, unique=True)\n"
        "    name = models.CharField(max_length=100)\n"
        "    weight = models.IntegerField(null=True)\n"
    ),
    "shop/migrations/0001_initial.py": (
        "from django.db import migrations, models\n"
        "\n"
        "\n"
        "class Migration(migrations.Migration):\n"
        "    initial = True\n"
        "    dependencies = []\n"
        "    operations = [\n"
        "        migrations.CreateModel(\n"
        '            name="Product",\n'
        "            fields=[\n"
        '                ("id", models.BigAutoField(primary_key=True, serialize=False)),\n'
        '                ("sku", models.CharField(max_length=20, unique=True)),\n'
        '                ("name", models.CharField(max_length=100)),\n'
        "            ],\n"
        "        ),\n"
        "    ]\n"
    ),
    "shop/migrations/0002_product_weight.py": (
        "from django.db import migrations, models\n"
        "\n"
        "\n"
        "class Migration(migrations.Migration):\n"
        '    dependencies = [("shop", "0001_initial")]\n'
        "    operations = [\n"
        "        migrations.AddField(\n"
        '            model_name="product",\n'
        '            name="weight",\n'
        "            field=models.IntegerField(),\n"
        "        ),\n"
        "    ]\n"
    ),
    "shop/services.py": SERVICES,
}
PROJECT_MIGRATIONS = [
    name.removeprefix("shop/migrations/") for name in PROJECT if "migrations/" in name
]
USER_EDIT = "\n# typed and saved in the editor while the fixer ran\n"


def project(tmp_path: Path) -> Path:
    return write_tree(tmp_path / "proj", PROJECT)


def run_fix(root: Path, *extra: str) -> tuple[int, str]:
    """`integrity-lsp check --fix` in-process (so hooks apply); (exit code, stderr)."""
    import contextlib
    import io

    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        code = cli.main(["check", "--fix", "--root", str(root), *extra, str(root)])
    return code, err.getvalue()


def snapshot(folder: Path) -> dict[str, bytes]:
    return {
        str(path.relative_to(folder)): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file() and not path.is_symlink() and "__pycache__" not in path.parts
    }


def leftovers(folder: Path) -> list[Path]:
    return list(folder.rglob("*.tmp"))


def test_fix_applies_and_compiles(tmp_path: Path) -> None:
    root = project(tmp_path)
    code, err = run_fix(root, "--unsafe-fixes")
    services = (root / "shop" / "services.py").read_text()
    assert "get_or_create" in services, err
    assert "Fixed" in err
    for path in root.rglob("*.py"):
        assert compiles(path.read_text()), path
    assert not leftovers(root)
    assert code in (0, 1)
    created = set(snapshot(root / "shop" / "migrations")) - set(PROJECT_MIGRATIONS)
    assert created, "the IL301 fix generates migrations"
    umask = os.umask(0o022)
    os.umask(umask)
    for name in created:  # created whole, with the permissions an editor would give them
        assert (root / "shop" / "migrations" / name).stat().st_mode & 0o777 == 0o666 & ~umask


def test_fix_replaces_the_file_by_rename(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """At the moment of the rename the target still holds its old bytes and the temporary
    file, in the same folder, the whole new text: a reader never sees a half-written file."""
    root = project(tmp_path)
    services = root / "shop" / "services.py"
    services.chmod(0o640)
    seen: list[tuple[str, str, str]] = []
    real_replace = os.replace

    def replace(source: Any, target: Any) -> None:
        if Path(target).name == "services.py":
            seen.append((Path(source).read_text(), Path(target).read_text(), str(source)))
        real_replace(source, target)

    monkeypatch.setattr(os, "replace", replace)
    run_fix(root)
    assert len(seen) == 1
    new, old, temporary = seen[0]
    assert old == SERVICES
    assert new == services.read_text() and "get_or_create" in new
    assert Path(temporary).parent == services.parent
    assert services.stat().st_mode & 0o777 == 0o640
    assert not leftovers(root)


def test_file_changed_after_it_was_read_is_not_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = project(tmp_path)
    services = root / "shop" / "services.py"
    real_compute = fixer.compute_fixes

    def compute_then_user_saves(*args: Any, **kwargs: Any) -> fixer.FixResult:
        result = real_compute(*args, **kwargs)
        with services.open("a") as stream:
            stream.write(USER_EDIT)
        return result

    monkeypatch.setattr(fixer, "compute_fixes", compute_then_user_saves)
    _code, err = run_fix(root)
    assert services.read_text() == SERVICES + USER_EDIT
    assert "services.py" in err and "changed on disk" in err
    assert not leftovers(root)


def _user_saves_during(
    monkeypatch: pytest.MonkeyPatch, target: Path, module: Any, name: str
) -> None:
    """Wrap `module.name` so that its first call in `target`'s folder saves the user's edit."""
    real: Callable[..., Any] = getattr(module, name)
    done: list[bool] = []

    def hooked(*args: Any, **kwargs: Any) -> Any:
        folder = kwargs.get("dir")
        if not done and folder is not None and Path(folder) == target.parent.resolve():
            done.append(True)
            with target.open("a") as stream:
                stream.write(USER_EDIT)
        return real(*args, **kwargs)

    monkeypatch.setattr(module, name, hooked)


def test_file_changed_while_being_written_is_not_overwritten(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The user saves after the fixer compared the file with what it read, while it creates
    the temporary file: the rename must not throw the user's edit away."""
    root = project(tmp_path)
    services = root / "shop" / "services.py"
    _user_saves_during(monkeypatch, services, tempfile, "mkstemp")
    _code, err = run_fix(root)
    assert services.read_text() == SERVICES + USER_EDIT
    assert "services.py" in err
    assert not leftovers(root)


class _DiskFull:
    """A text stream that writes half of what it is given, then fails like a full disk."""

    def __init__(self, stream: Any) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        self._stream.write(text[: len(text) // 2])
        self._stream.flush()
        raise OSError(errno.ENOSPC, "No space left on device")

    def __enter__(self) -> _DiskFull:
        return self

    def __exit__(self, *exc: object) -> None:
        self._stream.close()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


def test_disk_full_leaves_no_half_written_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Existing files keep their bytes and generated files do not appear half-written,
    whichever way the fixer opens them."""
    root = project(tmp_path)
    before = snapshot(root)
    real_open, real_fdopen = open, os.fdopen

    def full_open(file: Any, mode: str = "r", *args: Any, **kwargs: Any) -> Any:
        stream = real_open(file, mode, *args, **kwargs)
        return _DiskFull(stream) if any(flag in mode for flag in "wxa") else stream

    def full_fdopen(fd: int, mode: str = "r", *args: Any, **kwargs: Any) -> Any:
        stream = real_fdopen(fd, mode, *args, **kwargs)
        return _DiskFull(stream) if any(flag in mode for flag in "wxa") else stream

    monkeypatch.setattr(fixer, "open", full_open, raising=False)
    monkeypatch.setattr(os, "fdopen", full_fdopen)
    _code, err = run_fix(root, "--unsafe-fixes")
    monkeypatch.undo()
    after = snapshot(root)
    changed = {name for name in after if before.get(name) != after[name]}
    assert not {name for name in changed if not name.startswith(".")}, err
    assert not leftovers(root)
    assert "No space left" in err


def test_symlink_to_a_file_outside_the_root_is_not_written(tmp_path: Path) -> None:
    outside = write_tree(tmp_path / "outside", {"services.py": SERVICES})
    root = project(tmp_path)
    link = root / "shop" / "services.py"
    link.unlink()
    link.symlink_to(outside / "services.py")
    _code, err = run_fix(root)
    assert (outside / "services.py").read_text() == SERVICES
    assert link.is_symlink()
    assert "outside the project root" in err


def test_symlink_inside_the_root_stays_a_symlink(tmp_path: Path) -> None:
    root = project(tmp_path)
    real = root / "shop" / "services.py"
    real.rename(root / "shop" / "services_impl.py")
    real.symlink_to("services_impl.py")
    run_fix(root)
    assert real.is_symlink()
    assert "get_or_create" in (root / "shop" / "services_impl.py").read_text()


def test_generated_migrations_are_not_written_through_a_symlinked_folder(
    tmp_path: Path,
) -> None:
    """shop/migrations is a symlink to a folder outside the root: the migrations a fix would
    generate there are not written."""
    root = project(tmp_path)
    outside = tmp_path / "outside-migrations"
    (root / "shop" / "migrations").rename(outside)
    (root / "shop" / "migrations").symlink_to(outside, target_is_directory=True)
    before = snapshot(outside)
    run_fix(root, "--unsafe-fixes")
    assert snapshot(outside) == before


def test_file_outside_the_root_given_on_the_command_line_is_not_written(
    tmp_path: Path,
) -> None:
    root = project(tmp_path)
    stray = write_tree(tmp_path / "elsewhere", {"services.py": SERVICES}) / "services.py"
    import contextlib
    import io

    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        cli.main(["check", "--fix", "--root", str(root), str(stray)])
    assert stray.read_text() == SERVICES


def test_a_fix_spanning_files_is_written_whole_or_not_at_all(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The IL301 fix edits 0002 and generates two migrations after it. When the user saves
    0002 meanwhile, writing the generated migrations alone would leave a graph with two
    leaves (and the NOT NULL AddField unfixed): none of the fix's files may be written."""
    root = project(tmp_path)
    migration = root / "shop" / "migrations" / "0002_product_weight.py"
    before = set(snapshot(root / "shop" / "migrations"))
    real_compute = fixer.compute_fixes

    def compute_then_user_saves(*args: Any, **kwargs: Any) -> fixer.FixResult:
        result = real_compute(*args, **kwargs)
        with migration.open("a") as stream:
            stream.write(USER_EDIT)
        return result

    monkeypatch.setattr(fixer, "compute_fixes", compute_then_user_saves)
    _code, err = run_fix(root, "--unsafe-fixes", "--select", "IL301")
    assert "0002_product_weight.py" in err
    assert set(snapshot(root / "shop" / "migrations")) == before
