"""Write sites beyond `create` and `save` (writesproj): a save of an instance from a related
manager's queryset, `self.inventory.hosts.update_or_create()`, a ModelForm's and the admin's
saves, and, for a parent row deleted while referenced, the deletes of the parent."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from integrity_lsp.config import Settings
from integrity_lsp.explain import Explanation, explain_text
from integrity_lsp.project.index import ProjectIndex

ROOT = Path(__file__).parent / "fixtures" / "writesproj"


@cache
def _index() -> ProjectIndex:
    return ProjectIndex.build(ROOT, Settings())


def explain(text: str) -> Explanation:
    explanation = explain_text(text, _index(), settings=Settings())
    assert explanation is not None
    return explanation


def sites(explanation: Explanation) -> set[tuple[str, str | None, str, str]]:
    return {
        (site.path.name, site.function, site.kind, site.code) for site in explanation.write_sites
    }


def test_unique_together_sites_through_managers_forms_and_admin() -> None:
    found = sites(explain("UNIQUE constraint failed: inv_host.inventory_id, inv_host.name"))
    assert found == {
        ("services.py", "rename_all", "save", "host.save()"),
        (
            "services.py", "sync", "update_or_create",
            "self.inventory.hosts.update_or_create(name=name, defaults={})",
        ),
        ("admin.py", "create_host", "save", "form.save()"),
        ("admin.py", "save_model", "save", "obj.save()"),
    }  # fmt: skip


def test_a_parent_deleted_while_referenced_lists_the_parents_deletes() -> None:
    explanation = explain(
        'update or delete on table "inv_inventory" violates foreign key constraint'
        ' "inv_host_inventory_id_0a1b2c3d_fk_inv_inventory_id" on table "inv_host"\n'
        'DETAIL:  Key (id)=(1) is still referenced from table "inv_host".'
    )
    assert explanation.model is not None and explanation.model.label == "inv.Host"
    assert sites(explanation) == {
        ("services.py", "drop_inventory", "delete", "Inventory.objects.filter(pk=pk).delete()"),
        ("services.py", "drop", "delete", "inventory.delete()"),
    }
    assert any("on_delete=DO_NOTHING on inv.Host.inventory" in n for n in explanation.notes)


def test_mysql_1451_lists_the_same_deletes() -> None:
    explanation = explain(
        "(1451, 'Cannot delete or update a parent row: a foreign key constraint fails"
        " (`test`.`inv_host`, CONSTRAINT `inv_host_inventory_id_0a1b2c3d_fk_inv_inventory_id`"
        " FOREIGN KEY (`inventory_id`) REFERENCES `inv_inventory` (`id`))')"
    )
    assert {site.kind for site in explanation.write_sites} == {"delete"}
