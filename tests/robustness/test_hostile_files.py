"""Hostile files and trees: odd line endings and whitespace, BOM, non-UTF-8, huge and deeply
nested modules, symlink loops, unreadable entries, junk in migrations/, clashing app labels.

Unreadable files while running as root: `chmod 000` does not stop root from reading, so the
tree holds entries no permission bit is needed for -- a FIFO named `pipe.py` (a plain read
blocks forever waiting for a writer: the nastiest case), a dangling symlink (ENOENT), a
symlink to itself (ELOOP), directory symlink loops, and a directory named `folder.py` (EISDIR
if opened as a file). A test that could block runs its call in a thread and, if it does not
return in time, opens the FIFO for writing so the blocked read ends
(`support.finishes_despite_fifos`): nothing is left hanging and the test fails cleanly.
"""

from __future__ import annotations

import json
import os
import re
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from benchmarks.huge_module import huge_module
from integrity_lsp.analysis.edits import apply_edits, compiles
from integrity_lsp.checker import check_paths, check_source
from tests.robustness.support import (
    finishes_despite_fifos,
    fresh_environment,
    invariant_problems,
    run_cli,
    write_tree,
)
from tests.robustness.test_fix_writes import PROJECT

ODD = '''"""Services with odd whitespace."""
from shop.models import Product


def import_product(sku, name):
    # a form feed \x0c, a line separator \u2028, a paragraph separator \u2029, a tab \t here
    label = "form feed \x0c, line separator \u2028, next line \x85, tab \t"
    if not Product.objects.filter(sku=sku).exists():
        Product.objects.create(sku=sku, name=name)


def import_named(sku, name):
    if not Product.objects.filter(name=name).exists():
        Product.objects.create(sku=sku, name=name)
'''
VARIANTS = {
    "lf": ODD,
    "crlf": ODD.replace("\n", "\r\n"),
    "cr": ODD.replace("\n", "\r"),
    "bom": "\ufeff" + ODD,
    "bom-crlf": "\ufeff" + ODD.replace("\n", "\r\n"),
    "tabs": re.sub(r"(?m)^((?:    )+)", lambda m: "\t" * (len(m.group(1)) // 4), ODD),
    "form-feed-indent": ODD.replace("\ndef ", "\n\x0cdef "),
}


def _positions(findings: list) -> set[tuple[int, int, str]]:  # type: ignore[type-arg]
    return {(f.span.start_line, f.span.start_column, f.code) for f in findings}


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_tree(tmp_path_factory.mktemp("odd"), PROJECT)


@pytest.mark.parametrize("variant", VARIANTS)
def test_odd_line_endings_and_whitespace_keep_findings_in_place(shop: Path, variant: str) -> None:
    env = fresh_environment(shop)
    path = shop / "shop" / "services.py"
    text = VARIANTS[variant]
    findings = check_source(text, path, env)
    baseline = _positions(check_source(ODD, path, env))
    assert {code for _l, _c, code in baseline} == {"IL101"} and len(baseline) == 2
    if variant == "tabs":  # a tab is one column: compare lines only
        assert {(line, code) for line, _c, code in _positions(findings)} == {
            (line, code) for line, _c, code in baseline
        }
    else:
        assert _positions(findings) == baseline
    assert invariant_problems(findings, path, text, shop) == []


def _newlines(text: str) -> set[str]:
    return set(re.findall(r"\r\n|\r|\n", text))


@pytest.mark.parametrize("variant", ["crlf", "cr", "bom-crlf"])
def test_fixes_keep_the_files_line_endings(shop: Path, variant: str) -> None:
    env = fresh_environment(shop)
    path = shop / "shop" / "services.py"
    text = VARIANTS[variant]
    fixes = [fix for f in check_source(text, path, env) for fix in f.fixes if fix.edits]
    assert len(fixes) >= 2  # get_or_create, and try/atomic/except with an import
    for fix in fixes:
        fixed = apply_edits(text, [edit for edit in fix.edits if edit.path == path])
        assert _newlines(fixed) == _newlines(text), (fix.title, fixed)


def test_fixes_indent_like_the_file(shop: Path) -> None:
    env = fresh_environment(shop)
    path = shop / "shop" / "services.py"
    text = VARIANTS["tabs"]
    for finding in check_source(text, path, env):
        for fix in finding.fixes:
            fixed = apply_edits(text, [edit for edit in fix.edits if edit.path == path])
            assert compiles(fixed)
            assert not re.search(r"(?m)^\t* +", fixed), fixed


def test_cli_on_hostile_encodings(tmp_path: Path) -> None:
    """Every variant as a file on disk, plus non-UTF-8 files: the CLI names the undecodable
    ones and goes on; the others are reported at the same rows and columns; --fix keeps the
    BOM and the line endings."""
    files: dict[str, str | bytes] = dict(PROJECT)
    for name, text in VARIANTS.items():
        files[f"shop/odd_{name.replace('-', '_')}.py"] = text.encode("utf-8")
    files["shop/latin1.py"] = "# caf\xe9\n".encode("latin-1") + ODD.encode()
    files["shop/models_cp1252.py"] = b"# \x93quoted\x94\nfrom django.db import models\n"
    files["shop/truncated_utf8.py"] = ODD.encode() + "# é".encode()[:-1]
    root = write_tree(tmp_path, files)
    code, out, err = run_cli("check", "--format", "json", "--no-cache", str(root))
    assert code == 1, err
    for bad in ("latin1.py", "models_cp1252.py", "truncated_utf8.py"):
        assert re.search(rf"{bad}: not valid UTF-8", err), err
    assert "internal error" not in err
    rows: dict[str, set[tuple[int, int, str]]] = {}
    for item in json.loads(out):
        rows.setdefault(Path(item["filename"]).name, set()).add(
            (item["location"]["row"], item["location"]["column"], item["code"])
        )
    expected = rows["odd_lf.py"]
    for name in VARIANTS:
        if name == "tabs":
            continue
        assert rows[f"odd_{name.replace('-', '_')}.py"] == expected, name
    run_cli("check", "--fix", "--no-cache", str(root))
    for name, text in VARIANTS.items():
        data = (root / "shop" / f"odd_{name.replace('-', '_')}.py").read_bytes()
        assert data.startswith(b"\xef\xbb\xbf") == text.startswith("\ufeff"), name
        fixed = data.decode("utf-8-sig")
        assert "get_or_create" in fixed, name
        assert compiles(fixed), name
        assert _newlines(fixed) == _newlines(text), name


def test_a_50000_line_module(tmp_path: Path) -> None:
    text, expected = huge_module(50_000)
    assert text.count("\n") >= 50_000
    root = write_tree(tmp_path, {**PROJECT, "shop/generated.py": text})
    env = fresh_environment(root)
    report = check_paths([root / "shop" / "generated.py"], env, jobs=1)
    # every race found; the time it takes is `python -m benchmarks.huge_module`
    assert {f.span.start_line for f in report.findings if f.code == "IL101"} == expected


@pytest.fixture
def default_recursion_limit() -> Iterator[None]:
    """CPython's default limit. jedi raises it to 3000 when first imported, so without this a
    test's outcome would depend on whether an earlier test happened to run jedi."""
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(1000)
    yield
    sys.setrecursionlimit(limit)


DEPTH = 1000
DEEP = {
    "parens": "(" * DEPTH + "1" + ")" * DEPTH,
    "lists": "[" * DEPTH + "]" * DEPTH,
    "dicts": "{1: " * DEPTH + "1" + "}" * DEPTH,
    "calls": "f(" * DEPTH + ")" * DEPTH,
    "additions": "1" + " + 1" * DEPTH,
    "comparisons": "1" + " < 1" * DEPTH,
    "unary": "-" * DEPTH + "1",
    "not": "not " * DEPTH + "x",
    "attributes": "a" + ".b" * DEPTH,
    "subscripts": "a" + "[0]" * DEPTH,
    "lambdas": "lambda: " * DEPTH + "1",
    "conditionals": "1 if x else " * DEPTH + "1",
    "unclosed": "(" * DEPTH + "1",
}
RACE = (
    "\n\ndef import_product(sku, name):\n"
    "    if not Product.objects.filter(sku=sku).exists():\n"
    "        Product.objects.create(sku=sku, name=name)\n"
)


@pytest.mark.parametrize("kind", DEEP)
@pytest.mark.usefixtures("default_recursion_limit")
def test_1000_deep_expressions_raise_nothing(tmp_path: Path, kind: str) -> None:
    """In a service, in models.py (the index) and in a migration (state replay): check_source,
    the index and the CLI all return; no RecursionError escapes."""
    expr = DEEP[kind]
    files = dict(PROJECT)
    files["shop/services.py"] = f"from shop.models import Product\n\nx = {expr}\n{RACE}"
    files["shop/models.py"] = PROJECT["shop/models.py"].replace(
        "max_length=100)", f"max_length=100, default={expr})"
    )
    files["shop/migrations/0003_deep.py"] = (
        "from django.db import migrations, models\n\n\n"
        "class Migration(migrations.Migration):\n"
        '    dependencies = [("shop", "0002_product_weight")]\n'
        "    operations = [\n"
        f"        migrations.AlterField('product', 'name', models.CharField(default={expr})),\n"
        "    ]\n"
    )
    root = write_tree(tmp_path, files)
    env = fresh_environment(root)
    for name in ("shop/services.py", "shop/models.py", "shop/migrations/0003_deep.py"):
        path = root / name
        text = path.read_text()
        assert invariant_problems(check_source(text, path, env), path, text, root) == []
        env.index.update_file(path, text + "\n")
    code, _out, err = run_cli("check", "--no-cache", str(root))
    assert code in (0, 1), err
    assert "internal error" not in err and "Recursion" not in err


def test_a_1000_deep_expression_in_settings(tmp_path: Path) -> None:
    deep = DEEP["parens"]
    files = {**PROJECT, "settings.py": f"INSTALLED_APPS = ['shop']\nDATABASES = {deep}\n"}
    root = write_tree(tmp_path, files)
    fresh_environment(root)
    code, _out, err = run_cli("check", "--no-cache", str(root))
    assert code in (0, 1) and "internal error" not in err, err


DEEP_LITERAL = "{'k': " * 150 + "1" + "}" * 150


@pytest.mark.parametrize(
    "holder",
    [
        f"DATA = {DEEP_LITERAL}\n",
        f"def settings_of() -> object:\n    return {DEEP_LITERAL}\n",
        f"class Defaults:\n    DATA = {DEEP_LITERAL}\n",
    ],
    ids=["module-constant", "function", "class-body"],
)
@pytest.mark.usefixtures("default_recursion_limit")
def test_a_deep_literal_does_not_hide_the_rest_of_the_file(tmp_path: Path, holder: str) -> None:
    """At CPython's default recursion limit (a run that has not imported jedi yet), rendering
    a 150-deep literal recurses past it: only the statement that holds it may go unchecked,
    never the race below it."""
    text = f"from shop.models import Product\n\n{holder}\n{RACE}"
    assert compiles(text)
    root = write_tree(tmp_path, PROJECT)
    findings = check_source(text, root / "shop" / "services.py", fresh_environment(root))
    assert [f.code for f in findings] == ["IL101"]


def _unreadable_tree(root: Path) -> Path:
    """The project plus entries no reader gets through."""
    write_tree(root, {**PROJECT, "shop/folder.py/inner.py": PROJECT["shop/services.py"]})
    shop = root / "shop"
    (shop / "gone.py").symlink_to("nowhere.py")
    (shop / "self.py").symlink_to("self.py")
    (shop / "loop").symlink_to("..", target_is_directory=True)
    (shop / "ping").symlink_to("pong", target_is_directory=True)
    (shop / "pong").symlink_to("ping", target_is_directory=True)
    (shop / "dirlink.py").symlink_to("folder.py", target_is_directory=True)
    return shop


def test_unreadable_entries_are_named_and_skipped(tmp_path: Path) -> None:
    _unreadable_tree(tmp_path)
    code, out, err = run_cli("check", "--format", "json", str(tmp_path))
    assert code == 1, err
    assert "internal error" not in err
    for name in ("gone.py", "self.py"):
        assert re.search(rf"{name}: cannot read", err), (name, err)
    reported = {(Path(f["filename"]).name, f["code"]) for f in json.loads(out)}
    assert ("services.py", "IL101") in reported
    assert ("inner.py", "IL101") in reported


def test_check_paths_skips_a_fifo(tmp_path: Path) -> None:
    """The FIFO appears after the index was built (the index's own reads: see the xfail
    below); check_paths must not wait on it."""
    shop = _unreadable_tree(tmp_path)
    env = fresh_environment(tmp_path)
    os.mkfifo(shop / "pipe.py")
    finished, report = finishes_despite_fifos(
        lambda: check_paths([tmp_path], env, jobs=1), [shop / "pipe.py"], 10
    )
    assert finished, "check_paths blocked reading a FIFO"
    assert report is not None
    assert any("pipe.py: not a regular file" in line for line in report.errors), report.errors
    assert {f.path.name for f in report.findings} >= {"services.py", "inner.py"}


def test_the_index_skips_a_fifo(tmp_path: Path) -> None:
    shop = _unreadable_tree(tmp_path)
    os.mkfifo(shop / "pipe.py")
    finished, _ = finishes_despite_fifos(lambda: fresh_environment(tmp_path), [shop / "pipe.py"], 5)
    assert finished, "the index build blocked reading a FIFO"


def test_the_results_cache_skips_a_fifo(tmp_path: Path) -> None:
    from integrity_lsp.cache import ProjectState

    shop = _unreadable_tree(tmp_path)
    os.mkfifo(shop / "pipe.py")
    finished, _ = finishes_despite_fifos(lambda: ProjectState.scan(tmp_path), [shop / "pipe.py"], 5)
    assert finished, "the cache's project scan blocked reading a FIFO"


JUNK_MIGRATIONS: dict[str, str | bytes] = {
    "shop/migrations/helpers.py": "def dedupe(apps, schema_editor):\n    pass\n",
    "shop/migrations/README.py": "Not Python at all: (\n",
    "shop/migrations/0003_not_a_migration.py": "DATA = {'a': 1}\n",
    "shop/migrations/0004_no_operations.py": (
        "from django.db import migrations\n\n\nclass Migration(migrations.Migration):\n"
        "    dependencies = get_dependencies()\n    operations = build()\n"
    ),
    "shop/migrations/0005_cycle_a.py": (
        "from django.db import migrations\n\n\nclass Migration(migrations.Migration):\n"
        "    dependencies = [('shop', '0006_cycle_b')]\n    operations = []\n"
    ),
    "shop/migrations/0006_cycle_b.py": (
        "from django.db import migrations\n\n\nclass Migration(migrations.Migration):\n"
        "    dependencies = [('shop', '0005_cycle_a'), ('ghost', '0001_initial')]\n"
        "    replaces = [('shop', '0006_cycle_b'), ('shop', '0005_cycle_a')]\n"
        "    operations = [migrations.RunPython(lambda a, s: None), 42, 'AddField']\n"
    ),
    "shop/migrations/0007_weird_ops.py": (
        "from django.db import migrations, models\n\n\nclass Migration(migrations.Migration):\n"
        "    dependencies = [('shop', '0002_product_weight')]\n"
        "    operations = [op for op in []] + [\n"
        "        migrations.AddField(),\n"
        "        migrations.AddField('product', name=None, field=models.IntegerField()),\n"
        "        migrations.AlterField(model_name=1, name=2, field=3),\n"
        "        migrations.RenameModel('Nope', 'Nope2'),\n"
        "        migrations.DeleteModel('Product'), migrations.DeleteModel('Product'),\n"
        "        migrations.AddConstraint('product', models.UniqueConstraint()),\n"
        "        migrations.AlterUniqueTogether('product', {('sku', 'ghost')}),\n"
        "    ]\n"
    ),
    "shop/migrations/0008_class_only.py": "class Migration:\n    pass\n",
    "shop/migrations/0009_binary.py": b"\x00\x01\x02 not text \xff\n",
    "shop/migrations/sub/__init__.py": "",
    "shop/migrations/sub/0001_nested.py": "from django.db import migrations\n",
}


def test_a_migrations_folder_full_of_non_migrations(tmp_path: Path) -> None:
    root = write_tree(tmp_path, {**PROJECT, **JUNK_MIGRATIONS})
    env = fresh_environment(root)
    for name, content in JUNK_MIGRATIONS.items():
        if isinstance(content, str):
            path = root / name
            assert invariant_problems(check_source(content, path, env), path, content, root) == []
    code, _out, err = run_cli("check", "--no-cache", str(root))
    assert code in (0, 1), err
    assert "internal error" not in err
    assert "0009_binary.py: not valid UTF-8" in err
    code, _out, err = run_cli("check", "--fix", "--unsafe-fixes", "--no-cache", str(root))
    assert "internal error" not in err
    for path in root.rglob("*.py"):
        if path.name not in ("README.py", "0009_binary.py"):
            assert compiles(path.read_text()), path


TWIN_LABELS: dict[str, str | bytes] = {
    "manage.py": "",
    "settings.py": "INSTALLED_APPS = ['one.apps.Config', 'two.apps.Config']\n",
    "one/__init__.py": "",
    "one/apps.py": (
        "from django.apps import AppConfig\n\n\nclass Config(AppConfig):\n"
        "    name = 'one'\n    label = 'shop'\n"
    ),
    "one/models.py": (
        "from django.db import models\n\n\nclass Product(models.Model):\n"
        "    sku = models.CharField(max_length=20, unique=True)\n"
    ),
    "one/migrations/__init__.py": "",
    "one/migrations/0001_initial.py": PROJECT["shop/migrations/0001_initial.py"],
    "two/__init__.py": "",
    "two/apps.py": (
        "from django.apps import AppConfig\n\n\nclass Config(AppConfig):\n"
        "    name = 'two'\n    label = 'shop'\n"
    ),
    "two/models.py": (
        "from django.db import models\n\n\nclass Product(models.Model):\n"
        "    name = models.CharField(max_length=20)\n"
    ),
    "two/migrations/__init__.py": "",
    "two/migrations/0001_initial.py": PROJECT["shop/migrations/0002_product_weight.py"],
    "two/services.py": (
        "from two.models import Product\n\n\ndef add(name):\n"
        "    if not Product.objects.filter(name=name).exists():\n"
        "        Product.objects.create(name=name)\n"
        "    Product.objects.get_or_create(name=name)\n"
    ),
}


def test_two_apps_with_the_same_label(tmp_path: Path) -> None:
    root = write_tree(tmp_path, TWIN_LABELS)
    env = fresh_environment(root)
    for name, content in TWIN_LABELS.items():
        path = root / name
        if isinstance(content, str) and content:
            assert invariant_problems(check_source(content, path, env), path, content, root) == []
    code, _out, err = run_cli("check", "--format", "json", "--no-cache", str(root))
    assert code in (0, 1), err
    assert "internal error" not in err
    code, _out, err = run_cli(
        "explain", "--root", str(root), "UNIQUE constraint failed: shop_product.sku"
    )
    assert code in (0, 1), err
    assert "internal error" not in err


def test_a_file_that_trips_a_checker_bug_is_named_and_the_run_goes_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Regression: one file raising inside a rule ended the whole `check` with an internal
    error and no findings at all. Now that file is named, the others are reported, and the
    exit code is 2 (an internal error must not pass CI silently)."""
    from integrity_lsp.checker import file_checks

    real = file_checks.check_source

    def trips(text: str, path: Path, *args: object, **kwargs: object) -> list:  # type: ignore[type-arg]
        if path.name == "boom.py":
            raise AttributeError("'PythonNode' object has no attribute 'value'")
        return real(text, path, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(file_checks, "check_source", trips)
    # boom.py holds what the rules read (a file without their words is never checked at all)
    root = write_tree(tmp_path, {**PROJECT, "shop/boom.py": PROJECT["shop/services.py"]})
    code, out, err = run_cli("check", "--format", "json", "--no-cache", "--jobs", "1", str(root))
    assert code == 2, err
    assert re.search(r"boom\.py: internal error while checking \(AttributeError", err), err
    assert ("services.py", "IL101") in {
        (Path(f["filename"]).name, f["code"]) for f in json.loads(out)
    }


def test_a_parenthesized_head_of_a_call_chain(tmp_path: Path) -> None:
    """Regression (found by the server typing test): `(models).ForeignKey(...)` raised
    AttributeError out of check_source (analysis/django.py)."""
    root = write_tree(tmp_path, PROJECT)
    text = "from django.db import models\n\nx = (models).ForeignKey(to='a')\n"
    assert compiles(text)
    check_source(text, root / "shop" / "services.py", fresh_environment(root))
