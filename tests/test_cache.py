"""The on-disk results cache: a re-run gives exactly what a fresh run gives, re-checking only
what an edit can affect."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from benchmarks.generate import generate
from integrity_lsp.cache import JediProbe, Recorder, ResultCache, surface
from integrity_lsp.checker import build_environment, check_paths
from integrity_lsp.config import load_settings
from integrity_lsp.findings import Finding


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.delenv("INTEGRITY_LSP_CACHE_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "user-cache"))  # the signing key
    return generate(tmp_path / "proj", "small", seed=3).root


def _check(root: Path, *, cache: bool, jobs: int = 1, **overrides: object) -> list[Finding]:
    settings = load_settings(root)
    if overrides:
        settings = settings.merged(overrides, origin="test")
    env = build_environment(root, settings, lazy=True)
    return check_paths([root], env, jobs=jobs, cache=cache).findings


def _stats(root: Path) -> ResultCache:
    cache = ResultCache.open(root, load_settings(root))
    for path in sorted(root.rglob("*.py")):
        cache.lookup(path, path.read_text(encoding="utf-8"))
    return cache


def test_warm_run_equals_fresh_run_in_parallel_and_serially(project: Path) -> None:
    fresh = _check(project, cache=False)
    assert fresh
    assert _check(project, cache=True, jobs=2) == fresh  # fills the cache (workers)
    assert (project / ".integrity-lsp-cache" / "results-v1.json").is_file()
    assert _check(project, cache=True) == fresh  # all from the cache
    stats = _stats(project)
    assert stats.misses == 0 and stats.hits == len(list(project.rglob("*.py")))


def test_editing_a_function_body_rechecks_only_that_file(project: Path) -> None:
    _check(project, cache=True)
    dashboard = next(project.glob("*/views_dashboard.py"))
    text = dashboard.read_text(encoding="utf-8")
    dashboard.write_text(text.replace('{"ok": True}', '{"ok": False}'), encoding="utf-8")
    cache = ResultCache.open(project, load_settings(project))
    assert cache.lookup(dashboard, dashboard.read_text(encoding="utf-8")) is None
    # Files whose check did not consult jedi depend on other files' shapes, not their bodies.
    for name in ("utils.py", "urls.py", "constants.py", "admin.py"):
        for path in project.glob(f"*/{name}"):
            assert cache.lookup(path, path.read_text(encoding="utf-8")) is not None, path
    assert _check(project, cache=True) == _check(project, cache=False)


def test_editing_a_model_invalidates_everything(project: Path) -> None:
    before = _check(project, cache=True)
    models = next(p for p in sorted(project.glob("*/models.py")) if "unique=True" in p.read_text())
    text = models.read_text(encoding="utf-8")
    models.write_text(text.replace("unique=True", "unique=False"), encoding="utf-8")
    assert _stats(project).hits == 0
    after = _check(project, cache=True)
    assert after == _check(project, cache=False)
    assert after != before


def test_other_settings_do_not_reuse_results(project: Path) -> None:
    codes = sorted({finding.code for finding in _check(project, cache=True)})
    only = _check(project, cache=True, select=codes[0])
    assert only == _check(project, cache=False, select=codes[0])
    assert {finding.code for finding in only} == {codes[0]}


def test_a_broken_cache_file_is_ignored_and_rewritten(project: Path) -> None:
    fresh = _check(project, cache=True)
    results = project / ".integrity-lsp-cache" / "results-v1.json"
    results.write_text("{not json", encoding="utf-8")
    assert _check(project, cache=True) == fresh
    data = json.loads(results.read_text(encoding="utf-8"))  # JSON, never pickle
    assert set(data) == {"fingerprint", "entries", "mac"}
    entries = json.loads(results.read_text(encoding="utf-8"))["entries"]
    entry = next(iter(entries.values()))
    entry["findings"] = [{"code": "bogus"}]
    results.write_text(json.dumps(data | {"entries": dict.fromkeys(entries, entry)}), "utf-8")
    assert _check(project, cache=True) == fresh
    assert (project / ".integrity-lsp-cache" / ".gitignore").read_text().strip().endswith("*")


def test_cache_dir_from_the_environment(
    project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("INTEGRITY_LSP_CACHE_DIR", str(tmp_path / "elsewhere"))
    _check(project, cache=True)
    assert not (project / ".integrity-lsp-cache").exists()
    assert list((tmp_path / "elsewhere").rglob("results-v1.json"))


def test_a_changed_helper_body_reaches_a_view_resolved_through_it(tmp_path: Path) -> None:
    root = tmp_path / "p"
    (root / "shop" / "migrations").mkdir(parents=True)
    (root / "manage.py").write_text("", encoding="utf-8")
    (root / "shop" / "__init__.py").write_text("", encoding="utf-8")
    (root / "shop" / "migrations" / "__init__.py").write_text("", encoding="utf-8")
    (root / "shop" / "models.py").write_text(
        "from django.db import models\n\n\n"
        "class Product(models.Model):\n    sku = models.CharField(max_length=10, unique=True)\n\n\n"
        "class Note(models.Model):\n    text = models.CharField(max_length=10)\n",
        encoding="utf-8",
    )
    helpers = root / "shop" / "helpers.py"
    helpers.write_text(
        "from shop.models import Note, Product\n\n\n"
        "def build(value):\n    return Product(sku=value)\n",
        encoding="utf-8",
    )
    (root / "shop" / "views.py").write_text(
        "from shop.helpers import build\n\n\ndef add(request):\n"
        '    product = build(request.POST["sku"])\n    product.save()\n',
        encoding="utf-8",
    )
    _check(root, cache=True)
    helpers.write_text(
        helpers.read_text().replace("Product(sku=value)", "Note(text=value)"), "utf-8"
    )
    assert _check(root, cache=True) == _check(root, cache=False)


def test_recorder_notices_jedi() -> None:
    import jedi

    JediProbe.install()
    recorder = Recorder(lambda path: None)
    jedi.Script("x = 1\n")
    assert recorder.finish().jedi
    assert not Recorder(lambda path: None).finish().jedi


def test_surface_drops_function_bodies_but_keeps_imports_and_top_level() -> None:
    text = (
        "import os\n"
        "X = 1\n\n"
        "def f(\n    a,\n    b,\n) -> int:\n"
        "    from shop.models import Product\n"
        "    return a + b\n\n"
        "async def g():\n    return 2\n"
        "Y = 2\n"
    )
    kept = surface(text)
    assert "return a + b" not in kept and "return 2" not in kept
    for line in ("import os", "X = 1", "def f(", "    from shop.models import Product", "Y = 2"):
        assert line in kept
    assert surface(text.replace("a + b", "a - b")) == kept


def test_surface_keeps_a_forwarding_loader_call() -> None:
    """Other files' models depend on what a helper passes to a loader (project/loaders.py)."""
    text = 'def load_model(model):\n    return swapper.load_model("radius", model)\n'
    assert surface(text) != surface(text.replace('"radius"', '"other"'))


def test_a_changed_pre_save_receiver_body_reaches_every_create(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The index reads which fields a pre_save receiver fills from its body: editing only
    that body must invalidate the cached IL203 results of other files."""
    monkeypatch.delenv("INTEGRITY_LSP_CACHE_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "user-cache"))  # the signing key
    root = tmp_path / "proj"
    (root / "notes").mkdir(parents=True)
    (root / "settings.py").write_text('INSTALLED_APPS = ["notes"]\n', encoding="utf-8")
    (root / "notes/__init__.py").write_text("", encoding="utf-8")
    (root / "notes/models.py").write_text(
        "from django.db import models\n\n\n"
        "class Tag(models.Model):\n    weight = models.IntegerField()\n",
        encoding="utf-8",
    )
    receiver = (
        "from django.db.models.signals import pre_save\n\n\n"
        "def weigh(sender, instance, **kwargs):\n    instance.weight = 1\n\n\n"
        'pre_save.connect(weigh, sender="notes.Tag")\n'
    )
    (root / "notes/signals.py").write_text(receiver, encoding="utf-8")
    (root / "notes/services.py").write_text(
        "from notes.models import Tag\n\n\ndef add():\n    Tag.objects.create()\n",
        encoding="utf-8",
    )
    assert _check(root, cache=True) == []
    (root / "notes/signals.py").write_text(
        receiver.replace("instance.weight = 1", "print(instance)"), encoding="utf-8"
    )
    assert [f.code for f in _check(root, cache=True)] == ["IL203"]


def test_a_warm_run_whose_misses_need_no_index_does_not_build_it(project: Path) -> None:
    """A file CPython rejects is never cached (it is reported again each run): it must not
    cost a warm run the index."""
    (project / "newer_syntax.py").write_text("def f(:\n    Thing.objects.create()\n")
    fresh = _check(project, cache=True)
    env = build_environment(project, load_settings(project), lazy=True)
    report = check_paths([project], env, jobs=1, cache=True)
    assert report.findings == fresh
    assert [unchecked.path.name for unchecked in report.syntax_errors] == ["newer_syntax.py"]
    assert not env.index.is_built  # type: ignore[attr-defined]
