"""One file's walk for the writes of some models: ORM write calls (`create(…)`, `create_*(…)`,
`get_or_create`, `update_or_create`, `bulk_create`, `bulk_update`, `.update(…)`, their async
forms), `Model(…)` constructors and `.save()` of an instance whose model the resolver names,
each as a `WriteSite` with its model, path, values and lookup. `write_scan` runs it over the
project's files."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

from integrity_lsp.analysis.django import unique_accessors
from integrity_lsp.analysis.write_values import dict_entries, is_attribute_of, string_items
from integrity_lsp.analysis.writes import WriteKind, WriteSite
from integrity_lsp.project.records import ModelRecord
from integrity_lsp.project.resolve import Resolver
from integrity_lsp.project.values import ManagerTarget
from integrity_lsp.syntax.nodes import (
    CALL_CHAIN_TYPES,
    Argument,
    Node,
    arguments,
    assignment_target,
    chain_parts,
    enclosing,
    statement_of,
    walk,
)
from integrity_lsp.syntax.source import SourceFile

if TYPE_CHECKING:
    from integrity_lsp.project.index import ProjectIndex

WRITE_METHODS = frozenset(
    {"create", "get_or_create", "update_or_create", "bulk_create", "bulk_update", "update"}
)
LOOKUP_KINDS = ("get_or_create", "update_or_create")
DEFAULTS = ("defaults", "create_defaults")
_KINDS: dict[str, WriteKind] = {
    "get_or_create": "get_or_create",
    "update_or_create": "update_or_create",
    "bulk_create": "bulk_create",
    "bulk_update": "bulk_update",
    "update": "update",
}
_SCOPES = ("funcdef", "file_input")


def _sync_method(method: str) -> str:
    """The method an async form runs (`acreate` -> `create`; `asave` -> `save`)."""
    plain = method[1:] if method.startswith("a") else method
    return plain if plain in WRITE_METHODS or plain == "save" else method


class WriteScanner:
    """One file's walk: ORM write calls, constructors and saves of the wanted models."""

    def __init__(
        self, index: ProjectIndex, resolver: Resolver, source: SourceFile, labels: set[str]
    ) -> None:
        self.index = index
        self.resolver = resolver
        self.source = source
        self.labels = labels
        self.saved_constructors: set[int] = set()

    def scan(self) -> list[WriteSite]:
        sites: list[WriteSite] = []
        chains = [node for node in walk(self.source.tree) if node.type in CALL_CHAIN_TYPES]
        inside_bulk: set[int] = set()
        for node in chains:
            site = self.orm_write(node)
            if site is not None:
                sites.append(site)
                if site.kind in ("bulk_create", "bulk_update"):
                    inside_bulk.update(id(inner) for inner in walk(node) if inner is not node)
        for node in chains:
            if id(node) in inside_bulk:
                continue
            site = self._save(node)
            if site is not None:
                sites.append(site)
        for node in chains:
            if id(node) in inside_bulk or id(node) in self.saved_constructors:
                continue
            constructed = self._constructor(node)
            if constructed is not None and not self._is_save_chain(node):
                model, call = constructed
                sites.append(self._site(node, "constructor", model, call, arguments(call)))
        return sorted(sites, key=lambda site: site.node.start_pos)

    # --- resolution ---------------------------------------------------------------------

    def _resolve(self, leaf: Node | None) -> ModelRecord | None:
        if leaf is None:
            return None
        try:
            model: ModelRecord | None = self.resolver.resolve_model(self.source, leaf)
        except Exception:  # resolution is best effort: an unresolvable name is no write site
            return None
        return model

    def _wanted(self, model: ModelRecord | None) -> ModelRecord | None:
        return model if model is not None and model.label in self.labels else None

    def _manager_target(self, trailer: Node) -> ManagerTarget | None:
        try:
            return self.resolver.resolve_manager_call(self.source, trailer)
        except Exception:  # resolution is best effort: an unresolvable chain is no write site
            return None

    def _accessor_target(self, trailers: Sequence[Node], position: int) -> ManagerTarget | None:
        """`self.inventory.hosts.update_or_create(…)` where the object before `.hosts` cannot
        be resolved: a reverse accessor that only one model of the project has settles it."""
        if position == 0 or trailers[position - 1].children[0].value != ".":
            return None
        accessor = trailers[position - 1].children[1].value
        owners = unique_accessors(self.index).get(accessor) or self._default_accessor(accessor)
        if owners is None or not owners[1]:
            return None
        model, field = owners
        return ManagerTarget(model, accessor, "related", (field,))

    def _default_accessor(self, accessor: str) -> tuple[ModelRecord, str] | None:
        """`social.verifiedemail_set`: the default reverse accessor (`<model>_set`) of a wanted
        model that no other model of the project shares the name of, through its one foreign key
        without a `related_name` — the only key that gives its target that accessor."""
        if not accessor.endswith("_set"):
            return None
        named = [
            model for model in self.index.models() if model.name.lower() == accessor[: -len("_set")]
        ]
        if len(named) != 1 or named[0].label not in self.labels:
            return None
        keys = [
            field.name
            for field in self.index.all_fields(named[0]).values()
            if field.is_foreign_key
            and not field.is_many_to_many
            and field.known_class != "OneToOneField"
            and field.option("related_name") is None
        ]
        return (named[0], keys[0]) if len(keys) == 1 else None

    def _instance(self, leaf: Node) -> ModelRecord | None:
        try:
            model: ModelRecord | None = self.resolver.resolve_instance(self.source, leaf)
        except Exception:  # resolution is best effort, as above
            return None
        return model

    # --- ORM calls ----------------------------------------------------------------------

    def orm_write(self, node: Node) -> WriteSite | None:
        """The first write method of a chain (`….create(…)`, `qs.update(…)`) on a wanted model."""
        _, trailers = chain_parts(node)
        for position, trailer in enumerate(trailers[:-1]):
            if trailer.children[0].value != "." or trailers[position + 1].children[0].value != "(":
                continue
            method = trailer.children[1].value
            plain = _sync_method(method)  # `acreate`, `aupdate_or_create`: the async forms
            if plain not in WRITE_METHODS and not plain.startswith("create_"):
                continue
            target = self._manager_target(trailer) or self._accessor_target(trailers, position)
            model = self._wanted(target.model if target is not None else None)
            if target is None or model is None:
                return None
            call = trailers[position + 1]
            args = arguments(call)
            # A related manager (`customer.orders.create`) fills in its ForeignKey itself.
            args.extend(Argument(name, trailer) for name in target.fixed_fields)
            kind = _KINDS.get(plain, "create")
            site = replace(
                self._site(node, kind, model, call, args),
                method=method,
                manager=target.manager,
            )
            if kind in LOOKUP_KINDS:
                return self._lookup_write(site, args)
            if kind in ("bulk_create", "bulk_update"):
                return self._bulk(site, args)
            return site
        return None

    def _lookup_write(self, site: WriteSite, args: list[Argument]) -> WriteSite:
        lookup = [arg for arg in args if arg.keyword not in DEFAULTS]
        extra: list[Argument] = []
        complete = True
        for arg in args:
            if arg.keyword in DEFAULTS:
                entries = dict_entries(arg.value)
                if entries is None:
                    complete = False
                else:
                    extra.extend(entries)
        full = self._site(site.node, site.kind, site.model, site.call, [*lookup, *extra])
        keywords = tuple(str(arg.keyword) for arg in lookup if arg.keyword is not None)
        return replace(
            site, values=full.values, complete=full.complete and complete, lookup=keywords
        )

    def _bulk(self, site: WriteSite, args: list[Argument]) -> WriteSite:
        if site.kind == "bulk_update":
            fields = args[1:2] or [arg for arg in args if arg.keyword == "fields"]
            names = string_items(fields[0].value) if fields else None
            # Each named column gets data from the objects: the call itself stands for it.
            values = {name: Argument(name, site.node) for name in names or ()}
            return replace(site, values=values, complete=names is not None)
        objects = args[0].value if args and args[0].keyword is None else None
        constructed = self._first_constructor(objects) if objects is not None else None
        if constructed is None:
            return replace(site, values={}, complete=False)
        full = self._site(site.node, site.kind, site.model, site.call, arguments(constructed[1]))
        return replace(site, values=full.values, complete=full.complete)

    def _first_constructor(self, node: Node) -> tuple[ModelRecord, Node] | None:
        for inner in walk(node):
            if inner.type in CALL_CHAIN_TYPES:
                constructed = self._constructor(inner)
                if constructed is not None:
                    return constructed
        return None

    # --- constructors and saves -----------------------------------------------------------

    def _constructor(self, node: Node) -> tuple[ModelRecord, Node] | None:
        """`Model(…)` / `app.models.Model(…)` of a wanted model: (model, call trailer)."""
        if node.type not in CALL_CHAIN_TYPES:
            return None
        return self._constructor_parts(*chain_parts(node))

    def _constructor_parts(
        self, base: Node, trailers: Sequence[Node]
    ) -> tuple[ModelRecord, Node] | None:
        if not trailers or trailers[-1].children[0].value != "(":
            return None
        names = [base, *(trailer.children[1] for trailer in trailers[:-1])]
        if any(trailer.children[0].value != "." for trailer in trailers[:-1]):
            return None
        callee = names[-1]
        if callee.type != "name" or not callee.value[:1].isupper():
            return None
        model = self._wanted(self._resolve(callee))
        return None if model is None else (model, trailers[-1])

    def _is_save_chain(self, node: Node) -> bool:
        _, trailers = chain_parts(node)
        return any(
            trailer.children[0].value == "." and _sync_method(trailer.children[1].value) == "save"
            for trailer in trailers
        )

    def _save(self, node: Node) -> WriteSite | None:
        """`Model(…).save()`, or `obj.save()` where `obj` is a wanted model's instance."""
        base, trailers = chain_parts(node)
        if len(trailers) < 2 or trailers[-1].children[0].value != "(":
            return None
        dot = trailers[-2]
        if dot.children[0].value != "." or _sync_method(dot.children[1].value) != "save":
            return None
        if len(trailers) > 2:  # Model(…).save()
            constructed = self._constructor_parts(base, trailers[:-2])
            if constructed is None:
                return None
            model, call = constructed
            return self._site(node, "save", model, call, arguments(call))
        if base.type != "name":
            return None
        return self._instance_save(node, base)

    def _instance_save(self, node: Node, name: Node) -> WriteSite | None:
        scope = enclosing(node, *_SCOPES) or self.source.tree
        statement = statement_of(node)
        model: ModelRecord | None = None
        call: Node = node.children[-1]
        args: list[Argument] = []
        complete = False
        assigned: list[Argument] = []
        for other in walk(scope):
            if other.start_pos >= statement.start_pos:
                break
            if other.type not in ("expr_stmt",) or other.children[1].type != "operator":
                continue
            target = assignment_target(other)
            if target is None:
                continue
            value = other.children[-1]
            if target.type == "name" and target.value == name.value:
                constructed = self._constructor(value)
                if constructed is not None:
                    model, call = constructed
                    args, complete, assigned = arguments(call), True, []
                    self.saved_constructors.add(id(value))
                else:
                    model, args, complete, assigned = None, [], False, []
            elif is_attribute_of(target, name.value):
                assigned.append(Argument(target.children[1].children[1].value, value))
        if model is None:
            model = self._wanted(self._instance(name))
            if model is None:
                return None
            complete = False
        site = self._site(node, "save", model, call, [*args, *assigned])
        return replace(site, complete=site.complete and complete)

    # --- building a site ------------------------------------------------------------------

    def _site(
        self,
        node: Node,
        kind: WriteKind,
        model: ModelRecord | None,
        call: Node,
        args: Sequence[Argument],
    ) -> WriteSite:
        values: dict[str, Argument] = {}
        complete = True
        for arg in args:
            if arg.keyword is None:
                complete = False  # positional values or **kwargs: more may be set
                continue
            values[arg.keyword] = arg
        method = "save" if kind == "save" else ""
        text = model.name if model is not None else ""
        return WriteSite(
            node, kind, method, text, None, call, values, complete,
            model=model, path=self.source.path,
        )  # fmt: skip
