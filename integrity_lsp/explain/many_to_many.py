"""Many-to-many fields' auto-created through tables, as `explain` needs them.

A `ManyToManyField` without `through=` gets a table Django makes itself:
`<owner table>_<field name>` (or the field's `db_table`), with `<owner>_id` and `<target>_id`
columns (`from_<model>_id` / `to_<model>_id` when the field points at its own model) and a
unique (owner, target) pair. No model of the project has that table, so a violation there is
explained as the field on its owner; its writes are `.add()` / `.set()` / `.create()` through
the field (`post.tags.add(tag)`) or its reverse accessor (`tag.post_set.add(post)`).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from integrity_lsp.analysis.write_scan import project_files
from integrity_lsp.explain.sites import FileMemo, WriteSite, is_test_path
from integrity_lsp.explain.trees import DISK_TREES
from integrity_lsp.findings import Span
from integrity_lsp.project import db_names
from integrity_lsp.project.records import FieldRecord, ModelRecord
from integrity_lsp.project.resolve import Resolver
from integrity_lsp.syntax.files import read_project_text
from integrity_lsp.syntax.nodes import CALL_CHAIN_TYPES, chain_parts, code, enclosing, walk
from integrity_lsp.syntax.source import SourceFile

if TYPE_CHECKING:
    from integrity_lsp.config import Settings
    from integrity_lsp.project.index import ProjectIndex

# Calls on a many-to-many manager that insert rows into the through table.
LINK_METHODS = frozenset({"add", "set", "create", "get_or_create", "aadd", "aset", "acreate"})


@dataclass(frozen=True)
class AutoThrough:
    owner: ModelRecord
    field: FieldRecord
    target: ModelRecord
    table: str
    columns: tuple[str, str]  # (owner column, target column)
    reverse: str  # the target's accessor: `related_name`, else `<owner>_set`


def auto_throughs(index: ProjectIndex) -> Iterator[AutoThrough]:
    """Every auto-created through table of the project's concrete models."""
    for owner in index.models():
        if owner.abstract or owner.proxy or index.is_builtin(owner):
            continue
        for field in index.local_fields(owner).values():
            if not field.is_many_to_many or field.option("through"):
                continue
            target = index.related_model(owner, field)
            if target is None:
                continue
            db_table = (field.option("db_table") or "").strip("\"'")
            table = db_table or db_names.truncate_name(
                f"{index.table_name(owner)}_{field.name}", 63
            )
            source, destination = owner.name.lower(), target.name.lower()
            if source == destination:
                source, destination = f"from_{source}", f"to_{destination}"
            related_name = (field.option("related_name") or "").strip("\"'")
            yield AutoThrough(
                owner, field, target, table, (f"{source}_id", f"{destination}_id"),
                related_name or f"{owner.name.lower()}_set",
            )  # fmt: skip


def through_for_table(index: ProjectIndex, table: str) -> AutoThrough | None:
    for through in auto_throughs(index):
        if through.table.lower() == table.lower():
            return through
    return None


def link_sites(
    index: ProjectIndex,
    through: AutoThrough,
    resolver: Resolver,
    files: Iterable[Path] | None = None,
    settings: Settings | None = None,
    memo: FileMemo | None = None,
) -> list[WriteSite]:
    """The `.add()` / `.set()` / `.create()` calls through the field or its reverse accessor.
    The object before the accessor must resolve to the owner (the target), or be unresolved
    while no other many-to-many field of the project has that accessor's name."""
    names = {
        through.field.name: through.owner.label,
        through.reverse: through.target.label,
    }
    ambiguous = _shared_accessors(index, through)
    sites: list[WriteSite] = []
    for path in files if files is not None else project_files(index.root, settings):
        text = read_project_text(path, encoding="utf-8-sig")
        if text is None or not any(f".{name}." in text for name in names):
            continue

        def compute(path: Path = path, text: str = text) -> list[WriteSite]:
            source = SourceFile(path, text, index.module_name(path), open_documents=DISK_TREES)
            found = []
            for node in walk(source.tree):
                if node.type in CALL_CHAIN_TYPES:
                    site = _link_site(index, resolver, source, node, through, names, ambiguous)
                    if site is not None:
                        found.append(site)
            return found

        key = f"links:{through.owner.label}.{through.field.name}"
        sites.extend(compute() if memo is None else memo.memo(path, key, compute))
    return sites


def _shared_accessors(index: ProjectIndex, through: AutoThrough) -> set[str]:
    mine = {through.field.name, through.reverse}
    shared: set[str] = set()
    for other in auto_throughs(index):
        if (other.owner.label, other.field.name) != (through.owner.label, through.field.name):
            shared |= mine & {other.field.name, other.reverse}
    return shared


def _link_site(
    index: ProjectIndex,
    resolver: Resolver,
    source: SourceFile,
    node: object,
    through: AutoThrough,
    names: dict[str, str],
    ambiguous: set[str],
) -> WriteSite | None:
    base, trailers = chain_parts(node)
    for position in range(len(trailers) - 2):
        accessor, method, call = trailers[position : position + 3]
        if accessor.children[0].value != "." or method.children[0].value != ".":
            continue
        if call.children[0].value != "(":
            continue
        name, verb = accessor.children[1].value, method.children[1].value
        if name not in names or verb not in LINK_METHODS:
            continue
        holder = base if position == 0 else trailers[position - 1].children[-1]
        try:
            model = resolver.resolve_instance(source, holder)
        except Exception:  # resolution is best effort: unresolved is decided below
            model = None
        if model is None and name in ambiguous:
            return None
        if model is not None and model.label != names[name]:
            return None
        function = enclosing(node, "funcdef")
        text = code(node)
        return WriteSite(
            path=source.path,
            span=Span.of(node),
            kind="m2m_add",
            model=through.owner,
            code=text.splitlines()[0].strip() if text else "",
            function=function.name.value if function is not None else None,
            values=((through.field.name, "data"),),
            complete=True,
            keywords=(through.field.name,),
            test=is_test_path(source.path, index.root),
        )
    return None
