"""`explain` with its snapshot and `check`'s results cache: a second run gives exactly what a
fresh run gives, reading again only the files that changed."""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path

import pytest

from integrity_lsp.cache import ResultCache
from integrity_lsp.cache.snapshot import Snapshot
from integrity_lsp.config import load_settings
from integrity_lsp.explain import run_explain

FIXTURES = Path(__file__).parent / "fixtures"
UNIQUE = "UNIQUE constraint failed: shop_product.sku"
MESSAGES = (
    UNIQUE,
    "NOT NULL constraint failed: shop_order.total",
    'insert or update on table "shop_order" violates foreign key constraint'
    ' "shop_order_customer_id_f638df20_fk_shop_customer_id"\n'
    'DETAIL:  Key (customer_id)=(99) is not present in table "shop_customer".',
)


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("INTEGRITY_LSP_CACHE_DIR", str(tmp_path / "user-cache"))
    root = tmp_path / "shopproj"
    shutil.copytree(FIXTURES / "shopproj", root)
    return root


def explain(root: Path, message: str, *, cache: bool) -> dict[str, object]:
    out = io.StringIO()
    run_explain(message, root, "json", out, cache=cache)
    document: dict[str, object] = json.loads(out.getvalue())
    return document


def snapshot_of(root: Path) -> Snapshot:
    results = ResultCache.open(root, load_settings(root))
    return Snapshot.open(root, results.fingerprint, results.state)


@pytest.mark.parametrize("message", MESSAGES)
def test_a_warm_explain_equals_a_fresh_one(project: Path, message: str) -> None:
    fresh = explain(project, message, cache=False)
    assert explain(project, message, cache=True) == fresh  # cold: fills the caches
    assert explain(project, message, cache=True) == fresh  # warm: reads them


def test_the_second_run_reads_every_unchanged_file_from_the_snapshot(project: Path) -> None:
    explain(project, UNIQUE, cache=True)
    snapshot = snapshot_of(project)
    assert snapshot.index is not None  # the index is not built again
    assert snapshot.migrations  # nor the app's migrations parsed again
    views = Path(project / "shop" / "views.py").resolve()
    keys = [key for key in snapshot._files[str(views)]["memo"] if key.startswith("writes:")]
    assert keys

    def parse_again() -> list[object]:
        raise AssertionError("an unchanged file was read again")

    remembered = snapshot.memo(views, keys[0], parse_again)
    assert any(site.function == "create_product" for site in remembered)  # type: ignore[attr-defined]
    # check's results cache holds the findings of the files with write sites.
    results = ResultCache.open(project, load_settings(project))
    assert results.lookup(views, views.read_text(encoding="utf-8")) is not None


def test_an_edited_file_is_read_again(project: Path) -> None:
    before = explain(project, UNIQUE, cache=True)
    services = project / "shop" / "services.py"
    services.write_text(
        services.read_text(encoding="utf-8")
        + "\n\ndef restock(sku):\n    return Product.objects.create(sku=sku, name='x')\n",
        encoding="utf-8",
    )
    after = explain(project, UNIQUE, cache=True)
    assert after == explain(project, UNIQUE, cache=False)
    functions = {site["function"] for site in after["write_sites"]}  # type: ignore[attr-defined]
    assert "restock" in functions
    assert len(after["write_sites"]) == len(before["write_sites"]) + 1  # type: ignore[arg-type]


def test_an_edited_model_rebuilds_the_index(project: Path) -> None:
    explain(project, UNIQUE, cache=True)
    models = project / "shop" / "models.py"
    models.write_text(
        models.read_text(encoding="utf-8").replace(
            "    sku = ", "    code = models.CharField(max_length=9, unique=True)\n    sku = ", 1
        ),
        encoding="utf-8",
    )
    message = "UNIQUE constraint failed: shop_product.code"
    assert explain(project, message, cache=True) == explain(project, message, cache=False)
    assert explain(project, message, cache=True)["fields"]  # the new field is known


def test_a_snapshot_someone_else_wrote_is_ignored(project: Path) -> None:
    fresh = explain(project, UNIQUE, cache=False)
    explain(project, UNIQUE, cache=True)
    file = snapshot_of(project).file
    data = bytearray(file.read_bytes())
    data[-20] ^= 0xFF  # not what this user's key signed
    file.write_bytes(bytes(data))
    assert snapshot_of(project).index is None
    assert explain(project, UNIQUE, cache=True) == fresh


def test_the_snapshot_is_never_kept_in_the_project(
    project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("INTEGRITY_LSP_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    explain(project, UNIQUE, cache=True)
    assert not list(project.rglob("*.pickle"))
    assert list((tmp_path / "xdg" / "integrity-lsp" / "snapshots").glob("*.pickle"))


def test_no_cache_on_the_command_line_reads_everything_afresh(project: Path) -> None:
    from integrity_lsp.cli import main

    assert main(["explain", "--no-cache", "--root", str(project), UNIQUE]) == 0
    assert snapshot_of(project).index is None  # nothing was kept
    assert main(["explain", "--root", str(project), UNIQUE]) == 0
    assert snapshot_of(project).index is not None
