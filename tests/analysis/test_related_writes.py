"""Many-to-many links, parent deletes and ModelForm/admin saves are sites of the shared
write-site model: `analysis.related_writes` and `analysis.form_writes` give `WriteSite`s with
their kind, model and path, as `analysis.write_scan` gives the other writes."""

from __future__ import annotations

from pathlib import Path

from integrity_lsp.analysis.context import Environment
from integrity_lsp.analysis.form_writes import form_saves_in, model_forms_in
from integrity_lsp.analysis.related_writes import (
    auto_throughs,
    delete_write,
    link_write,
    shared_accessors,
)
from integrity_lsp.config import Settings
from integrity_lsp.project.index import ProjectIndex
from integrity_lsp.project.resolve import Resolver
from integrity_lsp.syntax.nodes import CALL_CHAIN_TYPES, code, walk
from integrity_lsp.syntax.source import SourceFile

FIXTURES = Path(__file__).parents[1] / "explain" / "fixtures"


def source(index: ProjectIndex, path: Path) -> SourceFile:
    return SourceFile(path, path.read_text(encoding="utf-8"), index.module_name(path))


def chains(file: SourceFile) -> list[object]:
    return [node for node in walk(file.tree) if node.type in CALL_CHAIN_TYPES]


def test_a_many_to_many_add_is_a_link_of_the_auto_created_table() -> None:
    root = FIXTURES / "namesproj"
    index = ProjectIndex.build(root, Settings())
    resolver = Resolver(index)
    through = next(t for t in auto_throughs(index) if t.field.name == "tags")
    assert through.table == "blog_post_tags"
    views = source(index, root / "blog" / "views.py")
    ambiguous = shared_accessors(index, through)
    sites = [s for n in chains(views) if (s := link_write(n, views, resolver, through, ambiguous))]
    assert [(s.kind, s.method, s.model.label, s.path) for s in sites if s.model] == [
        ("m2m_add", "add", "blog.Post", views.path)
    ]
    assert list(sites[0].values) == ["tags"]


def test_deletes_of_the_parent_are_delete_sites() -> None:
    root = FIXTURES / "writesproj"
    index = ProjectIndex.build(root, Settings())
    resolver = Resolver(index)
    parent = index.get_model("inv.Inventory")
    assert parent is not None
    services = source(index, root / "inv" / "services.py")
    words = {parent.name, *index.reverse_relations(parent)}
    sites = [
        s for n in chains(services) if (s := delete_write(n, services, resolver, parent, words))
    ]
    assert [(s.kind, code(s.node)) for s in sites] == [
        ("delete", "Inventory.objects.filter(pk=pk).delete()"),
        ("delete", "inventory.delete()"),
    ]
    assert all(s.model is parent and s.path == services.path for s in sites)


def test_saves_through_a_model_form_and_the_admin_are_save_sites() -> None:
    root = FIXTURES / "writesproj"
    index = ProjectIndex.build(root, Settings())
    resolver = Resolver(index)
    host = index.get_model("inv.Host")
    assert host is not None
    admin = source(index, root / "inv" / "admin.py")
    wanted = {host.label: host}
    forms = dict(model_forms_in(admin, resolver, wanted))
    assert forms == {"HostForm": host}
    env = Environment(root, Settings(), index, resolver)
    sites = list(form_saves_in(admin, env, wanted))
    assert {(s.kind, code(s.node)) for s in sites} == {
        ("save", "form.save()"),
        ("save", "obj.save()"),
    }
    assert all(s.model is host and not s.complete for s in sites)
