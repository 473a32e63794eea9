"""The index's answer to "is `obj.<attribute>` a generic relation, and to which model?":
`project.generic_relations` reads them as written; this follows a field class to the
`GenericRelation` subclass whose `__init__` names the related model, through the project and
the installed packages (read, never imported)."""

from __future__ import annotations

from integrity_lsp.project.generic_relations import (
    GENERIC_RELATION,
    GenericTarget,
    ParsedGenericRelation,
)
from integrity_lsp.project.index.files import ClassKey
from integrity_lsp.project.index.linker import MAX_DEPTH, is_dotted
from integrity_lsp.project.index.schema import IndexSchema
from integrity_lsp.project.records import ModelRecord


class IndexGenericRelations(IndexSchema):
    def generic_relation(self, model: ModelRecord, attribute: str) -> GenericTarget | None:
        """The generic relation `attribute` of `model` (declared on it or a base), if it is one
        whose related model is known."""
        memo_key = ("generic relation", (self._key(model), attribute))
        if memo_key in self._memo:
            return self._memo[memo_key]  # type: ignore[no-any-return]
        result = None
        for key in self._mro(self._key(model)):
            entry = self._link.classes.get(key)
            if entry is None:
                continue
            cls = entry[0]
            relation = next((r for r in cls.generic_relations if r.attribute == attribute), None)
            module = key[0]
            if relation is None:
                field = next(
                    (f for f in (*cls.fields, *cls.field_candidates) if f.record.name == attribute),
                    None,
                )
                if field is None:
                    if attribute in cls.attributes:
                        break  # declared otherwise on this class
                    continue
                found = self._passed_on(self._callee_key(key[0], field.callee), 0)
                if found is None:
                    break
                relation, module = found
            result = self._generic_target(module, relation, model)
            break
        self._memo[memo_key] = result
        return result

    def _callee_key(self, module: str, callee: str) -> ClassKey | None:
        return self.resolve_expression(module, callee) if is_dotted(callee) else None

    def _passed_on(
        self, key: ClassKey | None, depth: int
    ) -> tuple[ParsedGenericRelation, str] | None:
        """What a `GenericRelation` subclass (`key`) passes to `super().__init__` — its own
        `__init__`'s, else its nearest base's — with the module that names the model."""
        if key is None or depth > MAX_DEPTH or key == GENERIC_RELATION:
            return None
        found = self._class_anywhere(key)
        if found is None:
            return None
        cls, parsed = found
        own = next((r for r in cls.generic_relations if r.attribute == ""), None)
        for base in cls.bases:
            if not is_dotted(base):
                continue
            base_key = self._base_anywhere(key[0], parsed, base)
            if base_key == GENERIC_RELATION:
                return (own, key[0]) if own is not None else None
            inherited = self._passed_on(base_key, depth + 1)
            if inherited is not None:
                return (own, key[0]) if own is not None else inherited
        return None

    def _generic_target(
        self, module: str, relation: ParsedGenericRelation, owner: ModelRecord
    ) -> GenericTarget | None:
        if relation.is_string:
            text = relation.target
            target = self.get_model(text if "." in text else f"{owner.app_label}.{text}")
        else:
            target = self.model_for_key(self._callee_key(module, relation.target))
        if target is None:
            return None
        return GenericTarget(target, relation.content_type_field, relation.object_id_field)
