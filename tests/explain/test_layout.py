"""Project layouts explain must read (layoutproj): the project root is itself a package (an
`__init__.py` at the root), models live in a `models/` package module that sets `app_label`,
settings move the app's migrations elsewhere (`MIGRATION_MODULES`, read statically), and the
unique_together comes from an `AlterUniqueTogether` in `0001_initial`."""

from __future__ import annotations

from pathlib import Path

from integrity_lsp.config import Settings
from integrity_lsp.explain import explain_text, render_text
from integrity_lsp.project.index import ProjectIndex

ROOT = Path(__file__).parent / "fixtures" / "layoutproj" / "proj"
MESSAGE = "UNIQUE constraint failed: shop_product.site, shop_product.sku"


def test_moved_migrations_root_package_and_models_module() -> None:
    index = ProjectIndex.build(ROOT, Settings())
    assert (ROOT / "__init__.py").is_file()
    assert index.settings_facts.migration_modules == (("shop", "dbmigrations.shop"),)
    assert index.apps["shop"].migrations_folder == ROOT / "dbmigrations" / "shop"
    explanation = explain_text(MESSAGE, index, settings=Settings())
    assert explanation is not None and explanation.model is not None
    assert explanation.model.label == "shop.Product"
    assert explanation.model.ref.path == ROOT / "shop" / "models" / "catalog.py"
    assert explanation.constraint is not None
    assert explanation.introduced is not None
    assert explanation.introduced.operation == "AlterUniqueTogether"
    assert explanation.introduced.ref.path == ROOT / "dbmigrations" / "shop" / "0001_initial.py"
    sites = [(site.path.name, site.function) for site in explanation.write_sites]
    assert sites == [("services.py", "add")]
    assert "Migration:   AlterUniqueTogether in 0001_initial" in render_text(explanation, ROOT)
