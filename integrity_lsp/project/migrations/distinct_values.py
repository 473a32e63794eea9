"""Is a column unique by construction: did every row get its own value?

Django evaluates a field's callable `default` once per row the ORM creates (`Model.__init__`),
but once for all existing rows when `AddField` adds the column (`_effective_default`) and once
for all NULL rows when `AlterField` turns `null=True` into `null=False`. So a column whose
every value came from a random generator holds no duplicates only when all of these hold:

- it was created with its table (`CreateModel`), not added later;
- in every state since, its default is a random generator (`uuid.uuid4`, `secrets.token_*`,
  or a project function returning `uuid4()`, `secrets.token_hex(n)`, `get_random_string(n, …)`
  with at least 64 bits: a collision among a million rows is then about 3 in 10⁸) and it
  never went from `null=True` to `null=False`;
- no data step reached its table since it was created (a `RunPython` that creates rows may
  write the column: pretalx's 0014 creates invitations with tokens copied from another table);
- no module of the project outside the migrations and tests names it in a write other than with a
  random value: `name=` (a keyword or an assignment; not a lookup's keyword, nor a URL's
  parameter in `redirect()` / `reverse()`) or `"name"` (a `fields` list, an `update_fields`, a
  `setattr`) — a form, a serializer or a view that sets the value.

Anything not read (a generator in a library, a fixture file loaded with `loaddata`, raw SQL at
run time) is not claimed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from integrity_lsp.project.migrations.random_values import MIN_BITS, random_bits, random_default
from integrity_lsp.project.migrations.state import AppState, ModelState
from integrity_lsp.syntax.nodes import Node, chain_parts, code, walk
from integrity_lsp.syntax.source import is_migration_path, parse

if TYPE_CHECKING:
    from integrity_lsp.config import Settings
    from integrity_lsp.project.index import ProjectIndex


class _Environment(Protocol):
    """What of the checker's environment the project's modules are read through."""

    @property
    def index(self) -> ProjectIndex: ...
    @property
    def settings(self) -> Settings: ...
    @property
    def root(self) -> Path: ...
    @property
    def read_text(self) -> Callable[[Path], str | None]: ...


def unique_by_construction(
    env: _Environment, app: AppState, model: ModelState, name: str, end: int
) -> bool:
    """`distinct_by_construction` with the project's modules read from `env`; they are read
    only when the migrations alone allow it."""
    index, read_text = env.index, env.read_text

    def read_module(module: str) -> str | None:
        path = index.path_for_module(module)
        return read_text(path) if path is not None else None

    def project_texts() -> Iterator[tuple[Path, str]]:
        for path in index.source_paths():
            if is_migration_path(path) or env.settings.is_test_path(path, env.root):
                continue
            text = read_text(path)
            if text is not None and name in text:
                yield path, text

    return distinct_by_construction(
        app, model, name, end, lambda d: random_default(d, read_module), project_texts()
    )


def distinct_by_construction(
    app: AppState,
    model: ModelState,
    name: str,
    end: int,
    is_random: Callable[[str], bool],
    project_texts: Iterable[tuple[Path, str]],
) -> bool:
    """Every row of `model` holds its own value of field `name` just before sequence `end`
    (see the module docstring). `is_random(default_text)` judges a default as the migrations
    wrote it; `project_texts` are the project's modules outside its migrations."""
    field = model.field(name)
    if field is None or field.added_at != model.created_at or field.former_names:
        return False
    states = sorted(
        (before.sequence, before.model)
        for before in app.before.values()
        if before.model is not None
        and before.model.created_by == model.created_by
        and before.model.created_at == model.created_at
        and model.created_at < before.sequence <= end
    )  # every state the table was in since it was created, up to `end`
    was_null = False
    for _, state in [*states, (end, model)]:
        current = state.field(name)
        if current is None or current.record.default is None:
            return False
        if not is_random(current.record.default.strip()):
            return False
        if was_null and not current.record.null:
            return False  # AlterField filled the NULL rows with one value
        was_null = was_null or current.record.null
    if any(model.created_at < step < end for step, _ in model.data_steps):
        return False  # even one that only creates rows may have written the column
    column = field.record.column
    return not any(_written_in(text, {name, column}) for _, text in project_texts)


# Calls whose keyword arguments are lookups, not values written.
_LOOKUPS = frozenset(
    {
        "filter",
        "exclude",
        "get",
        "aget",
        "get_object_or_404",
        "get_list_or_404",
        "Q",
        "exists",
        "count",
        "first",
        "last",
    }
)
# Calls whose keyword arguments are a URL's parameters (`redirect("page", token=…)`).
_URL_ARGUMENTS = frozenset({"redirect", "reverse", "reverse_lazy", "resolve_url"})


def _written_in(text: str, names: set[str]) -> bool:
    """`text` may write a field of one of these names with a value of its own: a keyword
    argument of a call that is not a lookup, an assignment to an attribute of that name, or
    the name in a `fields` list (a form or serializer) or a `setattr`. A random value
    (`uuid4()`, `secrets.token_hex()`, `get_random_string(…)`) is not a value of its own."""
    if not any(name in text for name in names):
        return False
    quoted = {f"{quote}{name}{quote}" for name in names for quote in "'\""} | {
        "'__all__'",
        '"__all__"',
    }
    return any(_writes(node, names, quoted) for node in walk(parse(text)))


def _writes(node: Node, names: set[str], quoted: set[str]) -> bool:
    if node.type == "argument" and len(node.children) == 3:
        keyword, _, value = node.children
        return (
            keyword.type == "name"
            and keyword.value in names
            and _called_name(node) not in _LOOKUPS | _URL_ARGUMENTS
            and random_bits(value) < MIN_BITS
        )
    if node.type == "expr_stmt" and len(node.children) == 3 and node.children[1].value == "=":
        target, _, value = node.children
        head, trailers = chain_parts(target)
        if trailers:
            attribute = code(trailers[-1])
            return attribute in {f".{name}" for name in names} and random_bits(value) < MIN_BITS
        return (head.type == "name" and head.value == "fields") and any(
            leaf.type == "string" and code(leaf) in quoted for leaf in walk(value)
        )
    return node.type == "string" and code(node) in quoted and _called_name(node) == "setattr"


def _called_name(node: Node) -> str | None:
    """The name of the call an argument belongs to: `filter` of `qs.filter(code=…)`."""
    current = node.parent
    while current is not None and current.type in ("arglist", "argument"):
        current = current.parent
    if current is None or current.type != "trailer" or current.children[0].value != "(":
        return None
    previous = current.get_previous_sibling()
    if previous is None:
        return None
    if previous.type == "trailer" and previous.children[0].value == ".":
        return str(previous.children[1].value)
    return str(previous.value) if previous.type == "name" else None
