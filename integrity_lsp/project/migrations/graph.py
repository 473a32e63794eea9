"""Migrations as records (`MigrationFile`, its `Operation`s and `Dependency`s; `reader` reads
them), and the order Django applies them in. `migration_plan` builds the graph the way Django's
loader does (internal then external dependencies, `__first__`/`__latest__`, `run_before`,
squashed migrations replacing the ones they list) and orders it like `migrate` does on an empty
database: a depth-first walk from each leaf, parents in sorted order.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from integrity_lsp.findings import Span
from integrity_lsp.project.records import ConstraintRecord, FieldRecord

MigrationKey = tuple[str, str]  # (app_label, migration name)

# Operations that change no row and no column Django's state replay here cares about.
HARMLESS_OPERATIONS = frozenset(
    {
        "AddIndex",
        "RemoveIndex",
        "RenameIndex",
        "AlterIndexTogether",
        "AlterModelManagers",
        "AlterModelTableComment",
        "AlterOrderWithRespectTo",
        "AlterConstraint",
        "AddIndexConcurrently",
        "RemoveIndexConcurrently",
        "CreateExtension",
        "BtreeGinExtension",
        "BtreeGistExtension",
        "CITextExtension",
        "CryptoExtension",
        "HStoreExtension",
        "TrigramExtension",
        "UnaccentExtension",
        "CreateCollation",
        "RemoveCollation",
        "ValidateConstraint",
    }
)


@dataclass(frozen=True)
class Dependency:
    """One entry of `dependencies`: a `(app, name)` tuple or a `swappable_dependency(...)`."""

    app_label: str
    name: str
    name_span: Span | None = None  # the migration-name string, for rewiring; None if swappable


@dataclass(frozen=True)
class Operation:
    """One operation as written, with what the replay and the rules need."""

    kind: str  # "AddField", "RunPython", ... (the callee's last name)
    index: int  # position in `operations` (nested ones share their parent's)
    span: Span  # the whole call
    callee_span: Span  # `migrations.AddField`
    model: str | None = None  # lower-case model name the operation targets
    name: str | None = None  # field name; CreateModel's model name as written
    new_name: str | None = None  # RenameField / RenameModel
    field: FieldRecord | None = None
    fields: tuple[FieldRecord, ...] = ()
    # CreateModel: every entry of `fields` was read (a computed name, a list built by
    # concatenation or an unreadable field call leave the model's state unknown)
    fields_complete: bool = True
    preserve_default: bool = True
    unique_together: tuple[tuple[str, ...], ...] | None = None
    constraints: tuple[ConstraintRecord, ...] = ()
    constraint_name: str | None = None
    db_table: str | None = None
    db_table_given: bool = False
    # literal CreateModel / AlterModelOptions options
    options: Mapping[str, Any] = dataclasses.field(default_factory=dict)
    bases: tuple[str, ...] = ()
    # RunPython: the (app_label, model) pairs its code reaches through apps.get_model; None when
    # it cannot be told (imported function, raw SQL, a lambda).
    data_models: frozenset[tuple[str, str]] | None = frozenset()
    # RunPython / RunSQL: every identifier and string its code mentions (field names among
    # them); None when the code cannot be read.
    data_names: frozenset[str] | None = None
    sql: str | None = None  # RunSQL: the forward SQL when literal
    nested: tuple[Operation, ...] = ()  # state_operations of RunSQL / SeparateDatabaseAndState
    touches: tuple[str | None, ...] = ()  # models of SeparateDatabaseAndState's database ops
    understood: bool = True  # False for operations whose arguments could not be read
    node: Any = dataclasses.field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class MigrationFile:
    app_label: str
    name: str
    path: Path
    dependencies: tuple[Dependency, ...] = ()
    replaces: tuple[MigrationKey, ...] = ()
    run_before: tuple[MigrationKey, ...] = ()
    operations: tuple[Operation, ...] = ()
    dependencies_span: Span | None = None  # the `[...]` of `dependencies`, for appending
    has_migration_class: bool = False
    # `initial = True`: part of the app's first makemigrations run, which Django marks on
    # every migration it writes then (0001_initial, 0002_initial, …): they build the app's
    # tables together, before any row can exist.
    initial: bool = False

    @property
    def key(self) -> MigrationKey:
        return (self.app_label, self.name)


@dataclass
class Plan:
    """The migrations Django would apply to an empty database, in order."""

    order: list[MigrationKey]
    parents: dict[MigrationKey, set[MigrationKey]]
    replaced_by: dict[MigrationKey, MigrationKey]  # replaced migration -> the squash in use

    def position(self, key: MigrationKey) -> int | None:
        try:
            return self.order.index(key)
        except ValueError:
            return None


def migration_plan(
    migrations: Mapping[MigrationKey, MigrationFile], *, squash: bool = True
) -> Plan:
    nodes = set(migrations)
    parents: dict[MigrationKey, set[MigrationKey]] = {key: set() for key in nodes}
    apps_with_migrations = {key[0] for key in nodes}

    def add(child: MigrationKey, parent: MigrationKey) -> None:
        if child in nodes and parent in nodes and child != parent:
            parents[child].add(parent)

    for key, migration in migrations.items():
        for dep in migration.dependencies:
            if dep.app_label == key[0] and dep.name != "__first__":
                add(key, (dep.app_label, dep.name))
    for key, migration in migrations.items():
        for dep in migration.dependencies:
            if dep.app_label == key[0]:
                continue
            resolved = _check_key((dep.app_label, dep.name), nodes, parents, apps_with_migrations)
            if resolved is not None:
                add(key, resolved)
        for target in migration.run_before:
            resolved = _check_key(target, nodes, parents, apps_with_migrations)
            if resolved is not None:
                add(resolved, key)
    replaced_by: dict[MigrationKey, MigrationKey] = {}
    for key, migration in sorted(migrations.items()):
        replaced = [target for target in migration.replaces if target in nodes]
        if not migration.replaces:
            continue
        if squash:
            _remove_replaced(key, replaced, nodes, parents)
            replaced_by.update(dict.fromkeys(migration.replaces, key))
        else:
            _remove_replacement(key, replaced, nodes, parents)
    return Plan(_order(nodes, parents), parents, replaced_by)


def _check_key(
    key: MigrationKey,
    nodes: set[MigrationKey],
    parents: dict[MigrationKey, set[MigrationKey]],
    apps: set[str],
) -> MigrationKey | None:
    if key[1] not in ("__first__", "__latest__"):
        return key if key in nodes else None
    if key[0] not in apps:
        return None  # an unmigrated or third-party app: nothing to order against
    own = sorted(node for node in nodes if node[0] == key[0])
    if key[1] == "__first__":
        roots = [n for n in own if all(p[0] != n[0] for p in parents[n])]
        return roots[0] if roots else None
    children: dict[MigrationKey, set[MigrationKey]] = {}
    for child, its_parents in parents.items():
        for parent in its_parents:
            children.setdefault(parent, set()).add(child)
    leaves = [n for n in own if all(c[0] != n[0] for c in children.get(n, ()))]
    return leaves[0] if leaves else None


def _remove_replaced(
    replacement: MigrationKey,
    replaced: list[MigrationKey],
    nodes: set[MigrationKey],
    parents: dict[MigrationKey, set[MigrationKey]],
) -> None:
    """Django's remove_replaced_nodes: edges to and from the replaced move to the squash."""
    gone = set(replaced)
    for target in replaced:
        for parent in parents.pop(target, set()):
            if parent not in gone and parent != replacement:
                parents[replacement].add(parent)
        nodes.discard(target)
    for child, its_parents in parents.items():
        if its_parents & gone:
            its_parents -= gone
            if child != replacement:
                its_parents.add(replacement)


def _remove_replacement(
    replacement: MigrationKey,
    replaced: list[MigrationKey],
    nodes: set[MigrationKey],
    parents: dict[MigrationKey, set[MigrationKey]],
) -> None:
    """Django's remove_replacement_node: dependents of the squash depend on its last target."""
    nodes.discard(replacement)
    parents.pop(replacement, None)
    last = replaced[-1] if replaced else None
    for its_parents in parents.values():
        if replacement in its_parents:
            its_parents.discard(replacement)
            if last is not None:
                its_parents.add(last)


def _order(
    nodes: set[MigrationKey], parents: dict[MigrationKey, set[MigrationKey]]
) -> list[MigrationKey]:
    """Django's executor plan for every leaf: iterative DFS, parents visited in sorted order."""
    children: dict[MigrationKey, set[MigrationKey]] = {}
    for child, its_parents in parents.items():
        for parent in its_parents:
            children.setdefault(parent, set()).add(child)
    leaves = sorted(n for n in nodes if all(c[0] != n[0] for c in children.get(n, ())))
    visited: list[MigrationKey] = []
    seen: set[MigrationKey] = set()
    for leaf in leaves + sorted(nodes):  # the second pass catches nodes only cycles reach
        stack: list[tuple[MigrationKey, bool]] = [(leaf, False)]
        on_path: set[MigrationKey] = set()
        while stack:
            node, processed = stack.pop()
            if node in seen:
                continue
            if processed:
                seen.add(node)
                on_path.discard(node)
                visited.append(node)
                continue
            if node in on_path:
                continue  # a cycle: Django refuses it; order what can be ordered
            on_path.add(node)
            stack.append((node, True))
            stack.extend((parent, False) for parent in sorted(parents.get(node, ())))
    return visited


def dependents(
    migrations: Iterable[MigrationFile], target: MigrationKey
) -> list[tuple[MigrationFile, Dependency]]:
    """Every migration whose `dependencies` names `target` explicitly."""
    return [
        (migration, dep)
        for migration in migrations
        for dep in migration.dependencies
        if (dep.app_label, dep.name) == target and dep.name_span is not None
    ]
