"""Where a model's rows live and what points at them: its table name as Django computes it, the
model a relation field points at, and the reverse accessors (`team.members`, `team.member_set`)
other models' relations give it."""

from __future__ import annotations

from integrity_lsp.project.db_names import truncate_name
from integrity_lsp.project.index.inheritance import IndexInheritance
from integrity_lsp.project.records import (
    MANY_TO_MANY_FIELD_CLASSES,
    RELATION_FIELD_CLASSES,
    FieldRecord,
    ModelRecord,
)

_MAX_NAME_LENGTH = (("postgis", 63), ("postgresql", 63), ("mysql", 64), ("oracle", 30))


class IndexRelations(IndexInheritance):
    """Tables and relations between models."""

    def table_name(self, model: ModelRecord) -> str:
        """`db_table` as Django computes it (proxies use their concrete model's table)."""
        concrete = self.concrete_model(model)
        if concrete.db_table:
            return concrete.db_table
        return truncate_name(
            f"{concrete.app_label}_{concrete.name.lower()}", self._max_name_length()
        )

    def _max_name_length(self) -> int | None:
        engine = self.settings_facts.engine or ""
        for marker, length in _MAX_NAME_LENGTH:
            if marker in engine:
                return length
        return None

    def related_model(self, model: ModelRecord, field: FieldRecord) -> ModelRecord | None:
        """The model a relation field points at (`"self"` meaning `model`)."""
        if field.related_model is None:
            return None
        if field.related_model == "self":
            return model
        return self.get_model(field.related_model)

    def reverse_relations(self, model: ModelRecord) -> dict[str, tuple[ModelRecord, FieldRecord]]:
        """Reverse accessor name -> (model holding the relation, the field), for `model` and its
        multi-table parents: `team.members` for `ForeignKey(Team, related_name="members")`,
        `team.member_set` without one."""
        table = self._reverse_table()
        found: dict[str, tuple[ModelRecord, FieldRecord]] = {}
        for target in (self.concrete_model(model), *self.parents(model)):
            for name, entry in table.get(target.label_lower, {}).items():
                found.setdefault(name, entry)
        return found

    def _reverse_table(self) -> dict[str, dict[str, tuple[ModelRecord, FieldRecord]]]:
        memo_key = ("reverse", None)
        cached = self._memo.get(memo_key)
        if cached is not None:
            return cached  # type: ignore[no-any-return]
        table: dict[str, dict[str, tuple[ModelRecord, FieldRecord]]] = {}
        for model in self._link.by_label.values():
            if model.abstract or model.proxy:
                continue
            for field in self.local_fields(model).values():
                if field.known_class not in RELATION_FIELD_CLASSES | MANY_TO_MANY_FIELD_CLASSES:
                    continue
                if field.option("auto_created") == "True":
                    continue
                target = self.related_model(model, field)
                if target is None:
                    continue
                accessor = _accessor_name(model, field)
                if accessor is not None:
                    table.setdefault(target.label_lower, {}).setdefault(accessor, (model, field))
        self._memo[memo_key] = table
        return table


def _accessor_name(model: ModelRecord, field: FieldRecord) -> str | None:
    related_name = field.option("related_name")
    if related_name is not None:
        value = related_name.strip()
        if value[:1] in "\"'" and value[-1:] == value[:1]:
            name = value[1:-1]
            if name.endswith("+"):
                return None
            return name.replace("%(class)s", model.name.lower()).replace(
                "%(app_label)s", model.app_label.lower()
            )
        return None
    if field.known_class == "OneToOneField":
        return model.name.lower()
    return f"{model.name.lower()}_set"
