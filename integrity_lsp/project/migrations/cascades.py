"""The rows a data step's deletes remove beyond the models it reaches: a `RunPython` that
deletes rows of a model also deletes, through `on_delete=CASCADE`, the rows of the app's models
whose ForeignKey points at it — grouped by that ForeignKey's column. wagtail-localize's 0003
keeps one `TranslationSource` per object and deletes the rest, and with them their
`Translation`s, before 0005 makes `Translation` unique on `(source, target_locale)`: for the
child, that step is a dedupe over its `source` column.

`cascaded_deletes` answers, for a step that deletes (its words include `delete`) and the models
it reaches, the models its deletes cascade to (one level), each with the name, attname and
column of the ForeignKey the deletes follow. Kept apart from the model's own data steps: a
delete never adds a row, so what "no data step since" proves (a new table still empty, a random
key still distinct) holds across it; only a dedupe asks for it (`cascade_deleted`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Protocol

from integrity_lsp.project.records import FieldRecord


class _Field(Protocol):
    @property
    def record(self) -> FieldRecord: ...


class _Model(Protocol):
    @property
    def fields(self) -> Mapping[str, _Field]: ...

    @property
    def cascade_deletes(self) -> tuple[tuple[int, frozenset[str]], ...]: ...


def cascaded_deletes(
    models: Mapping[str, _Model], reached: set[str], names: frozenset[str]
) -> dict[str, frozenset[str]]:
    """Model key -> the words of the ForeignKeys a deleting step's deletes cascade through."""
    if "delete" not in names:
        return {}
    found: dict[str, frozenset[str]] = {}
    for key, model in models.items():
        if key in reached:
            continue
        for field_state in model.fields.values():
            record = field_state.record
            target = (record.related_model or "").lower().rpartition(".")[2]
            on_delete = dict(record.options).get("on_delete", "")
            if not record.is_foreign_key or target not in reached or "CASCADE" not in on_delete:
                continue
            words = {record.name.lower(), record.attname.lower(), record.column.lower()}
            found[key] = found.get(key, frozenset()) | words
    return found


def cascade_deleted(model: _Model, start: int, end: int, columns: Iterable[str]) -> bool:
    """A data step after `start` and before `end` deleted rows of a parent this model CASCADEs
    from through one of `columns`: a dedupe of the rows grouped by that column."""
    wanted = {name.lower() for name in columns}
    return any(start < step < end and words & wanted for step, words in model.cascade_deletes)
