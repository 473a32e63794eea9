"""The MRO of a class as Python computes it (C3), and which `Meta` a model reads: its own,
an abstract base's, `class Meta(Parent.Meta)`, and the option values they declare."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from integrity_lsp.project.index.files import ClassKey
from integrity_lsp.project.index.linker import MAX_DEPTH
from integrity_lsp.project.index.model_classes import IndexModelClasses
from integrity_lsp.project.meta import ParsedMeta
from integrity_lsp.project.records import ConstraintRecord, ModelRecord, SourceRef


class IndexMro(IndexModelClasses):
    """MRO and Meta inheritance, computed bottom-up once per generation."""

    def _bottom_up(
        self, name: str, key: ClassKey, compute: Callable[[ClassKey], Any], guard: Any
    ) -> Any:
        """The memoised value `name` of `key`, computed for its bases first (deepest first,
        with a stack, not recursion): `compute` then reads its bases' values from the memo,
        so a chain of thousands of models costs one step per class. A class met again while
        its own value is being computed (an inheritance cycle) reads `guard`."""
        if (name, key) in self._memo:
            return self._memo[(name, key)]
        pending = [key]
        entered: set[ClassKey] = set()
        while pending:
            current = pending[-1]
            if (name, current) in self._memo:
                pending.pop()
                continue
            waiting = [
                base
                for base in self._base_keys(current)
                if base in self._link.classes
                and (name, base) not in self._memo
                and base not in entered
            ]
            if current not in entered and waiting:
                entered.add(current)
                pending.extend(waiting)
                continue
            self._memo[(name, current)] = guard
            self._memo[(name, current)] = compute(current)
            pending.pop()
        return self._memo[(name, key)]

    def _mro(self, key: ClassKey) -> tuple[ClassKey, ...]:
        """The C3 linearisation Python computes, memoised per class; each merge is linear in
        what it merges. In a cycle a class counts as itself alone."""
        return self._bottom_up("mro", key, self._compute_mro, (key,))  # type: ignore[no-any-return]

    def mro_classes(self, model: ModelRecord) -> tuple[tuple[str, SourceRef], ...]:
        """(name, where it is defined) of each class of the model's MRO that is read, the
        model first: its bases, mixins that are no model (django-lifecycle's
        `LifecycleModelMixin`) and the installed packages' classes included."""
        found = []
        for key in self._mro(self._key(model)):
            entry = self._link.classes.get(key)
            if entry is not None:
                found.append((key[1], entry[0].ref))
        return tuple(found)

    def unread_attributes(self, model: ModelRecord) -> frozenset[str]:
        """Names a class of the model's MRO binds to a call the index cannot read: a class of
        unknown kind (`field_candidates`) or a lowercase callable (`unread_calls`: post_office's
        `context = context_field_class(…)`): whether each is a field is unknown."""
        found: set[str] = set()
        for key in self._mro(self._key(model)):
            entry = self._link.classes.get(key)
            if entry is not None:
                found.update(candidate.record.name for candidate in entry[0].field_candidates)
                found.update(entry[0].unread_calls)
        return frozenset(found)

    def _compute_mro(self, key: ClassKey) -> tuple[ClassKey, ...]:
        bases = [base for base in self._base_keys(key) if base in self._link.classes]
        sequences = [self._memo.get(("mro", base), (base,)) for base in bases]
        if len(sequences) == 1:  # one base: its MRO follows, as C3 would give (fast)
            return (key, *sequences[0])
        return (key, *_c3_merge([*sequences, tuple(bases)]))

    def _meta(self, key: ClassKey) -> ParsedMeta | None:
        entry = self._link.classes.get(key)
        return entry[0].meta if entry else None

    def _meta_source(self, key: ClassKey) -> ClassKey | None:
        """The class whose `Meta` Django reads for `key`: its own, else `getattr(cls, "Meta")`."""
        if self._meta(key) is not None:
            return key
        return self._inherited_meta(key)

    def _inherited_meta(self, key: ClassKey) -> ClassKey | None:
        """The first ancestor (in MRO order) with an abstract `Meta`: only abstract models keep
        `Meta` as a class attribute (concrete ones pop it)."""
        found = self._bottom_up("inherited meta", key, self._find_inherited_meta, None)
        return found  # type: ignore[no-any-return]

    def _find_inherited_meta(self, key: ClassKey) -> ClassKey | None:
        bases = [base for base in self._base_keys(key) if base in self._link.classes]
        if len(bases) == 1:  # the MRO after `key` is its base's: read the base's answer
            meta = self._meta(bases[0])
            if meta is not None and meta.abstract:
                return bases[0]
            return self._memo.get(("inherited meta", bases[0]))
        for ancestor in self._mro(key)[1:]:
            meta = self._meta(ancestor)
            if meta is not None and meta.abstract:
                return ancestor
        return None

    def _meta_attribute_owner(self, key: ClassKey) -> ClassKey | None:
        """The class whose Meta `key.Meta` evaluates to."""
        meta = self._meta(key)
        if meta is not None and meta.abstract:
            return key
        return self._inherited_meta(key)

    def _meta_declaring(
        self, owner: ClassKey | None, option: str, depth: int = 0
    ) -> ClassKey | None:
        """Follow `class Meta(Parent.Meta)` bases to the Meta that declares `option`."""
        if owner is None or depth > MAX_DEPTH:
            return None
        meta = self._meta(owner)
        if meta is None:
            return None
        if option in meta.declared:
            return owner
        for base in meta.bases:
            if not base.endswith(".Meta"):
                continue
            parent = self.resolve_expression(owner[0], base[: -len(".Meta")])
            found = self._meta_declaring(self._meta_attribute_owner_safe(parent), option, depth + 1)
            if found is not None:
                return found
        return None

    def _meta_attribute_owner_safe(self, key: ClassKey | None) -> ClassKey | None:
        return self._meta_attribute_owner(key) if key in self._link.classes else None

    def _meta_value(self, key: ClassKey, option: str) -> Any:
        owner = self._meta_declaring(self._meta_source(key), option)
        if owner is None:
            return None
        meta = self._meta(owner)
        return getattr(meta, option, None) if meta is not None else None

    def _meta_list(
        self, owner: ClassKey | None, option: str, depth: int = 0
    ) -> list[ConstraintRecord]:
        """The records of `unique_together` or `constraints` in the Meta `owner` stands for."""
        declaring = self._meta_declaring(owner, option)
        meta = self._meta(declaring) if declaring else None
        if meta is None or declaring is None or depth > MAX_DEPTH:
            return []
        if option == "unique_together":
            own, extends = meta.unique_together, meta.unique_together_extends
        else:
            own, extends = meta.constraints, meta.constraints_extends
        records: list[ConstraintRecord] = []  # `[*Base.Meta.constraints, …]`: inherited first
        for text in extends:
            parent = self.resolve_expression(declaring[0], text)
            records.extend(
                self._meta_list(self._meta_attribute_owner_safe(parent), option, depth + 1)
            )
        records.extend(own)
        return records


def _c3_merge(sequences: list[tuple[ClassKey, ...]]) -> list[ClassKey]:
    """Merge base MROs as C3 does: take the first head that is in no sequence's tail. Tail
    membership is counted, so each step costs the number of sequences, not their length."""
    positions = [0] * len(sequences)
    in_tails: dict[ClassKey, int] = {}
    for sequence in sequences:
        for item in sequence[1:]:
            in_tails[item] = in_tails.get(item, 0) + 1
    result: list[ClassKey] = []
    while True:
        live = [i for i, sequence in enumerate(sequences) if positions[i] < len(sequence)]
        if not live:
            return result
        head = next(
            (
                sequences[i][positions[i]]
                for i in live
                if not in_tails.get(sequences[i][positions[i]])
            ),
            None,
        )
        if head is None:  # inconsistent hierarchy (Python would raise): the rest depth-first
            seen = set(result)
            for i in live:
                for item in sequences[i][positions[i] :]:
                    if item not in seen:
                        seen.add(item)
                        result.append(item)
            return result
        result.append(head)
        for i in live:
            if sequences[i][positions[i]] == head:
                positions[i] += 1
                if positions[i] < len(sequences[i]):
                    following = sequences[i][positions[i]]
                    in_tails[following] -= 1
