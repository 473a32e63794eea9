"""Shared test helpers: inline `# expect:` fixtures, before/after fix checks, and small projects
written on the fly (one installed app, its initial migration)."""

from __future__ import annotations

import re
import shutil
import textwrap
from pathlib import Path

from integrity_lsp.analysis.context import Environment
from integrity_lsp.analysis.edits import apply_edits, compiles
from integrity_lsp.checker import build_environment, check_source
from integrity_lsp.config import Settings, load_settings
from integrity_lsp.findings import Applicability, Finding, Fix

REPO = Path(__file__).resolve().parent.parent
FIXTURES = REPO / "tests" / "fixtures"
EXAMPLES = REPO / "examples"
EXPECT = re.compile(r"#\s*expect:\s*(IL\d{3}(?:\s*,\s*IL\d{3})*)")
SITE_SETTINGS = """\
SECRET_KEY = "x"
INSTALLED_APPS = ["library", "people"]
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": "db.sqlite3"}}
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"
"""


def expected_in(path: Path) -> set[tuple[int, str]]:
    """(line, code) pairs promised by `# expect: IL101, IL203` comments in one file."""
    found: set[tuple[int, str]] = set()
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        match = EXPECT.search(line)
        if match:
            found.update((number, code.strip()) for code in match.group(1).split(","))
    return found


def reported(findings: list[Finding]) -> set[tuple[int, str]]:
    return {(finding.span.start_line, finding.code) for finding in findings}


def environment(root: Path, settings: Settings | None = None) -> Environment:
    return build_environment(root, settings or load_settings(root))


def copy_project(name: str, destination: Path) -> Path:
    source = EXAMPLES if name == "examples" else FIXTURES / name
    target = destination / name
    shutil.copytree(source, target, ignore=shutil.ignore_patterns("__pycache__", "*.sqlite3"))
    return target


def check_fixed(
    before: str,
    after: str,
    *,
    filename: str,
    project: str,
    tmp_path: Path,
    code: str | None = None,
    unsafe: bool = False,
    settings: Settings | None = None,
) -> list[Finding]:
    """Write `before` into a copy of a fixture project, apply the first matching fix, and
    assert the file then reads `after` (both dedented) and still compiles."""
    root = copy_project(project, tmp_path)
    path = root / filename
    path.parent.mkdir(parents=True, exist_ok=True)
    before = textwrap.dedent(before)
    path.write_text(before, encoding="utf-8")
    env = environment(root, settings)
    findings = [f for f in check_source(before, path, env) if code is None or f.code == code]
    allowed = {Applicability.SAFE} | ({Applicability.UNSAFE} if unsafe else set())
    fix = next(
        (fx for f in findings for fx in f.fixes if fx.edits and fx.applicability in allowed), None
    )
    assert fix is not None, f"no fix offered; findings: {findings}"
    own = [edit for edit in fix.edits if edit.path == path]
    fixed = apply_edits(before, own)
    assert fixed == textwrap.dedent(after), f"got:\n{fixed}"
    assert compiles(fixed)
    return findings


def findings_in(
    source: str,
    tmp_path: Path,
    code: str,
    *,
    project: str = "guards",
    filename: str = "store/case.py",
) -> list[Finding]:
    """The `code` findings of `source` (dedented) written into a copy of a fixture project."""
    root = copy_project(project, tmp_path)
    path = root / filename
    text = textwrap.dedent(source)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return [f for f in check_source(text, path, environment(root)) if f.code == code]


def lines_reported(
    tmp_path: Path, files: dict[str, str], checked: str, code: str, project: str = "examples"
) -> list[str]:
    """The lines (stripped, sorted) of the file `checked` that `code` reports on, in a copy of a
    fixture project with `files` (relative to its root, as given) written into it."""
    root = copy_project(project, tmp_path)
    write_files(root, files)
    path = root / checked
    text = path.read_text(encoding="utf-8")
    lines = text.splitlines()
    findings = check_source(text, path, environment(root))
    return sorted(lines[f.span.start_line - 1].strip() for f in findings if f.code == code)


def first_unsafe_fix(root: Path, relative: str, code: str) -> tuple[Path, Fix]:
    """The file and the first fix of the first `code` finding in it (an unsafe one)."""
    path = root / relative
    findings = [
        f
        for f in check_source(path.read_text(encoding="utf-8"), path, environment(root))
        if f.code == code
    ]
    assert findings, f"no {code} in {relative}"
    fix = findings[0].fixes[0]
    assert fix.applicability is Applicability.UNSAFE
    return path, fix


def created_files(fix: Fix) -> dict[str, str]:
    """Name -> content of the files a fix creates."""
    return {edit.path.name: edit.content for edit in fix.edits if not edit.path.exists()}


def write_files(root: Path, files: dict[str, str]) -> None:
    for relative, text in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def write_app(
    root: Path, label: str, files: dict[str, str], elsewhere: dict[str, str] | None = None
) -> None:
    """A project of the one installed app `label`: settings, its package, its migrations
    package when it has a migration, and `files` (relative to the app, dedented); `elsewhere`:
    more files of the project (relative to the root, dedented), a package the app imports."""
    tree = {
        **{name: textwrap.dedent(text) for name, text in (elsewhere or {}).items()},
        "site_settings.py": SITE_SETTINGS.replace('"library", "people"', f'"{label}"'),
        f"{label}/__init__.py": "",
    }
    if any(name.startswith("migrations/") for name in files):
        tree[f"{label}/migrations/__init__.py"] = ""
    tree.update({f"{label}/{name}": textwrap.dedent(text) for name, text in files.items()})
    write_files(root, tree)


def initial_migration(*models: tuple[str, str], initial: bool = False) -> str:
    """A 0001_initial creating each (name, fields after the AutoField id) model."""
    creates = "".join(
        f"        migrations.CreateModel(\n"
        f"            name={name!r},\n"
        f'            fields=[("id", models.AutoField(primary_key=True)), {fields}],\n'
        f"        ),\n"
        for name, fields in models
    )
    flag = "    initial = True\n" if initial else ""
    return (
        "from django.db import migrations, models\n\n\n"
        f"class Migration(migrations.Migration):\n{flag}"
        f"    dependencies = []\n    operations = [\n{creates}    ]\n"
    )


def commit_all_but(root: Path, *new: str) -> None:
    """Make `root` a git repository on `main` whose one commit holds every file except those
    matching the glob patterns `new` (relative to root): those stay untracked, the migrations
    a branch adds (the ones the history rules report on and their fixes may edit)."""
    import subprocess

    def git(*args: str) -> None:
        subprocess.run(
            ["git", "-c", "user.name=t", "-c", "user.email=t@t", *args],
            cwd=root,
            check=True,
            capture_output=True,
        )

    git("init", "-q", "-b", "main")
    git("add", "-A", ".")  # what .gitignore leaves out (a results cache) stays out
    left_out = sorted(str(path.relative_to(root)) for pattern in new for path in root.glob(pattern))
    if left_out:
        git("rm", "-q", "--cached", "--", *left_out)
    git("commit", "-q", "-m", "applied history")
    from integrity_lsp.project import vcs

    vcs.forget()


EXAMPLES_NEW_MIGRATIONS = ("shop/migrations/000[4-9]_*.py", "shop/migrations/001*.py")
EXAMPLES_NEW_MIGRATIONS += ("accounts/migrations/000[3-9]_*.py",)
