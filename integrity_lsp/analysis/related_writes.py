"""Writes of the shared write-site model that no race or guard rule judges, but that raise
IntegrityErrors too: rows of an auto-created many-to-many table, and deletes of a parent row.

- `m2m_add`: a `ManyToManyField` without `through=` gets a table Django makes itself
  (`<owner table>_<field name>`, or the field's `db_table`) with a unique (owner, target) pair;
  its rows come from `.add()` / `.set()` / `.create()` through the field (`post.tags.add(tag)`)
  or its reverse accessor (`tag.post_set.add(post)`). The object before the accessor must
  resolve to the owner (the target), or be unresolved while no other many-to-many field of the
  project has that accessor's name.
- `delete`: `Parent.objects.filter(…).delete()`, `parent.delete()`, `_raw_delete()`: what a
  child's foreign key refuses when Django's collector did not prepare the delete.

Sites come back as `analysis.writes.WriteSite`s with `model` and `path` set, as
`analysis.write_scan` gives the others; `explain` lists them.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from integrity_lsp.analysis.writes import WriteSite
from integrity_lsp.project import db_names
from integrity_lsp.project.records import FieldRecord, ModelRecord
from integrity_lsp.project.resolve import Resolver
from integrity_lsp.syntax.nodes import Argument, Node, chain_parts, code
from integrity_lsp.syntax.source import SourceFile

if TYPE_CHECKING:
    from integrity_lsp.project.index import ProjectIndex

# Calls on a many-to-many manager that insert rows into the through table.
LINK_METHODS = frozenset({"add", "set", "create", "get_or_create", "aadd", "aset", "acreate"})
DELETE_METHODS = frozenset({"delete", "adelete", "_raw_delete"})


@dataclass(frozen=True)
class AutoThrough:
    owner: ModelRecord
    field: FieldRecord
    target: ModelRecord
    table: str
    columns: tuple[str, str]  # (owner column, target column)
    reverse: str  # the target's accessor: `related_name`, else `<owner>_set`

    @property
    def accessors(self) -> dict[str, str]:
        """Accessor name -> the label of the model that has it."""
        return {self.field.name: self.owner.label, self.reverse: self.target.label}


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


def shared_accessors(index: ProjectIndex, through: AutoThrough) -> set[str]:
    """Accessor names of `through` that another many-to-many field of the project has too."""
    mine = {through.field.name, through.reverse}
    shared: set[str] = set()
    for other in auto_throughs(index):
        if (other.owner.label, other.field.name) != (through.owner.label, through.field.name):
            shared |= mine & {other.field.name, other.reverse}
    return shared


def link_write(
    node: Node, source: SourceFile, resolver: Resolver, through: AutoThrough, ambiguous: set[str]
) -> WriteSite | None:
    """The row of `through`'s table the call chain `node` inserts, if it does."""
    names = through.accessors
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
        value = {through.field.name: Argument(through.field.name, call)}
        return WriteSite(
            node, "m2m_add", str(verb), through.owner.name, None, call, value,
            model=through.owner, path=source.path,
        )  # fmt: skip
    return None


def delete_write(
    node: Node, source: SourceFile, resolver: Resolver, parent: ModelRecord, words: set[str]
) -> WriteSite | None:
    """The delete of `parent` rows the call chain `node` performs, if it does; `words` are the
    parent's name and reverse accessors (a chain naming none of them is not read)."""
    base, trailers = chain_parts(node)
    if len(trailers) < 2 or trailers[-1].children[0].value != "(":
        return None
    method = trailers[-2]
    if method.children[0].value != "." or method.children[1].value not in DELETE_METHODS:
        return None
    if not any(word in code(node) for word in words) and base.type != "name":
        return None
    model: ModelRecord | None = None
    try:
        target = resolver.resolve_manager_call(source, method)
        model = target.model if target is not None else None
        if model is None and len(trailers) == 2 and base.type == "name":
            model = resolver.resolve_instance(source, base)
    except Exception:  # resolution is best effort: an unresolved delete is not listed
        return None
    if model is None or model.label != parent.label:
        return None
    return WriteSite(
        node, "delete", str(method.children[1].value), parent.name, None, trailers[-1], {},
        model=parent, path=source.path,
    )  # fmt: skip


def unprepared_children(index: ProjectIndex, parent: ModelRecord) -> list[str]:
    """`app.Child.field` for each foreign key to `parent` (or its multi-table parents) whose
    on_delete is DO_NOTHING and whose constraint Django creates (not `db_constraint=False`, not
    a `managed = False` model's): the children Django's collector leaves for the database to
    refuse."""
    found = []
    for child, field in index.reverse_relations(parent).values():
        on_delete = (field.option("on_delete") or "").rsplit(".", 1)[-1]
        enforced = child.managed and field.option("db_constraint") != "False"
        if on_delete == "DO_NOTHING" and enforced:
            found.append(f"{child.label}.{field.name}")
    return sorted(set(found))
