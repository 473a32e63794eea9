"""A model's managers as the index reads them: which class attributes are managers, the
create-like methods and the `get_or_create` / `update_or_create` overrides their classes
define, and the models a manager or queryset class serves."""

from __future__ import annotations

from integrity_lsp.project.index.files import ClassKey
from integrity_lsp.project.index.relations import IndexRelations
from integrity_lsp.project.models import ParsedManager
from integrity_lsp.project.records import ManagerRecord, ModelRecord

FETCHING_CREATORS_KEY = ("fetching_creators", None)
_OVERRIDABLE = frozenset({"get_or_create", "update_or_create"})


class IndexManagers(IndexRelations):
    """Managers of models, and models of managers."""

    def _is_manager(self, key: ClassKey, manager: ParsedManager) -> bool:
        """A manager by its call shape, or because its class derives from a *Manager class."""
        if manager.by_pattern:
            return True
        target = self.resolve_expression(key[0], manager.manager_expr or "")
        if target is None or target not in self._link.classes:
            return False
        return any(
            ancestor[1].endswith(("Manager", "QuerySet"))
            for ancestor in (*self._mro(target), *self._base_keys(target))
        )

    def _manager_record(self, key: ClassKey, manager: ParsedManager) -> ManagerRecord:
        methods: list[str] = []
        overrides: set[str] = set()
        known = True
        for expr in (manager.manager_expr, manager.queryset_expr):
            if expr is None:
                continue
            target = self.resolve_expression(key[0], expr)
            known = known and target is not None
            if target is not None and target in self._link.classes:
                for ancestor in self._mro(target):
                    entry = self._link.classes.get(ancestor)
                    if entry is not None:
                        methods.extend(entry[0].create_methods)
                        if not self.is_library(ancestor):  # djblets' ConcurrencyManager
                            # retries the get() but adds no constraint: only the project's own
                            # override is taken to know its model's rows
                            overrides |= entry[0].attributes & _OVERRIDABLE
        name = (manager.manager_expr or manager.queryset_expr or manager.manager_class).split(".")
        written = manager.manager_class if manager.queryset_expr else name[-1]
        return ManagerRecord(
            manager.attribute,
            written,
            tuple(dict.fromkeys(methods)),
            tuple(sorted(overrides)),
            known,
        )

    def fetching_creators(self) -> frozenset[str]:
        """Names of `create_*` methods that, wherever a class of the project defines one, only
        call `get_or_create()` / `update_or_create()` (`ParsedClass.fetching_creators`):
        geonode's `Favorite.objects.create_favorite(…)` fetches the row a concurrent request
        inserted first, it does not insert one that can collide. A name some class defines
        with another write is not one of them."""
        memo_key = FETCHING_CREATORS_KEY
        cached = self._memo.get(memo_key)
        if cached is not None:
            return cached  # type: ignore[no-any-return]
        fetching: set[str] = set()
        inserting: set[str] = set()
        guarded = self._guarded_creators()
        for key, (parsed, _module) in self._link.classes.items():
            safe = {*parsed.fetching_creators, *guarded.get(key, ())}
            if not self.is_library(key):  # an installed package's writes are not read
                fetching.update(safe)
            inserting.update(set(parsed.create_methods) - safe)
        for key, methods in guarded.items():
            if key not in self._link.classes:  # a manager of a file the index does not parse
                fetching.update(methods)
        result = frozenset(fetching - inserting)
        self._memo[memo_key] = result
        return result

    def _guarded_creators(self) -> dict[ClassKey, set[str]]:
        """Per class of the project, its `create_*` methods that guard their own insert
        (`guarded_creators`); a class with another `create_*` method of that name is left
        out of it by `fetching_creators`."""
        found: dict[ClassKey, set[str]] = {}
        unguarded: set[str] = set()
        for state in self._files.values():
            if not state.creators or state.module is None:
                continue
            for cls, method, guards, delegate in state.creators:
                if guards or (delegate and self._function_catches(state.module, delegate)):
                    found.setdefault((state.module, cls), set()).add(method)
                else:
                    unguarded.add(method)
        return {key: methods - unguarded for key, methods in found.items()}

    def _function_catches(self, module: str, name: str) -> bool:
        """Is `name` in `module` a function of a project file (of the module, or imported from
        one) that catches IntegrityError around its insert (`guarded_creators`)?"""
        found = self._imports_of(module)
        imported = found[0].lookup(name) if found is not None else None
        source_module, function = (module, name) if imported is None else imported
        if function is None:
            return False
        path = self._path_by_module.get(self.canonical_module(source_module))
        state = self._files.get(path) if path is not None else None
        return state is not None and function in state.catching

    def models_using(self, module: str, name: str) -> tuple[ModelRecord, ...]:
        """Concrete models that declare a manager built from the class `name` of `module` (as
        `objects = ProductManager()`, `Manager.from_queryset(ProductQuerySet)()` or
        `ProductQuerySet.as_manager()`, or a subclass of it), themselves or through an
        abstract base; multi-table children inheriting it from a concrete parent are left out."""
        key = self.resolve_symbol(module, name)
        table = self._manager_users()
        return tuple(record for model in table.get(key, ()) if (record := self._record(model)))

    def _manager_users(self) -> dict[ClassKey | None, list[ClassKey]]:
        memo_key = ("manager_users", None)
        cached = self._memo.get(memo_key)
        if cached is not None:
            return cached  # type: ignore[no-any-return]
        table: dict[ClassKey | None, list[ClassKey]] = {}
        for key, model in self._link.models.items():
            if model.abstract:
                continue
            for ancestor in self._mro(key):
                entry = self._link.classes.get(ancestor)
                record = self._record(ancestor)
                if entry is None or record is None:
                    continue
                if ancestor != key and not record.abstract:
                    break  # managers of a concrete parent are the parent's own
                for manager in entry[0].managers:
                    if not self._is_manager(ancestor, manager):
                        continue
                    for expr in (manager.manager_expr, manager.queryset_expr):
                        target = self.resolve_expression(ancestor[0], expr) if expr else None
                        if target is None:
                            continue
                        for used in (target, *self._mro(target)[1:]):
                            if key not in table.setdefault(used, []):
                                table[used].append(key)
        self._memo[memo_key] = table
        return table

    def managers(self, model: ModelRecord) -> tuple[ManagerRecord, ...]:
        """Managers available on `model`, own first, then inherited; `objects` when none."""
        memo_key = ("managers", self._key(model))
        cached = self._memo.get(memo_key)
        if cached is not None:
            return cached  # type: ignore[no-any-return]
        found: dict[str, ManagerRecord] = {}
        for key in self._mro(self._key(model)):
            record = self._record(key)
            if record is not None:
                for manager in record.managers:
                    found.setdefault(manager.attribute, manager)
        if not found and "objects" not in self._all_fields(model):
            found["objects"] = ManagerRecord("objects", "Manager")
        result = tuple(found.values())
        self._memo[memo_key] = result
        return result
