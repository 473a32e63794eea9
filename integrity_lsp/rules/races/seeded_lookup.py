"""A race on a row that a data migration inserted: the check always finds it.

`get(name="default")` … `except DoesNotExist: create(name="default", …)` where a `RunPython`
of the model's app inserts `Domain(name="default", …)`: the row is in the table before the
project serves a request, so the check finds it and no concurrent caller reaches the insert
(pulpcore's default `Domain`). Every lookup value must be a constant (a string, a number,
`True`/`False`) and every one must be written alike by one insert of the migration; only a
deletion of that row at runtime would reopen the race.
"""

from __future__ import annotations

import ast

from integrity_lsp.analysis.absence_calls import count_body_read
from integrity_lsp.analysis.context import Context
from integrity_lsp.analysis.writes import WriteSite
from integrity_lsp.project.migrations.seeded_rows import Constant, seeded_values
from integrity_lsp.rules.races.report import race_model
from integrity_lsp.rules.races.shapes import Query
from integrity_lsp.syntax.nodes import Node


def seeded_by_migration(ctx: Context, write: WriteSite, query: Query) -> bool:
    wanted: dict[str, Constant] = {}
    for key, argument in query.lookup.items():
        field = key.removesuffix("__exact")
        value = _constant(argument.value)
        if "__" in field or value is None:
            return False
        wanted[field] = value
    if not wanted:
        return False
    model, _ = race_model(ctx, write, query)
    app = ctx.env.index.apps.get(model.app_label) if model is not None else None
    if model is None or app is None:
        return False
    count_body_read()  # the finding now depends on the migrations (the server must not reuse it)
    words = tuple(value for value in wanted.values() if isinstance(value, str))
    for values in seeded_values(app.migrations_folder, model.app_label, model.name, words):
        if all(name in values and values[name] == value for name, value in wanted.items()):
            return True
    return False


def _constant(value: Node | None) -> Constant | None:
    if value is None:
        return None
    try:
        constant = ast.literal_eval(value.get_code(include_prefix=False).strip())
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return None
    return constant if isinstance(constant, (str, int, bool)) else None
