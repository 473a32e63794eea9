"""What a data step (`RunPython`, `RunSQL`) does to the rows of the models it reaches, read
statically: the words it mentions (fields, lookups such as `code__isnull`), whether it changes
existing rows at all (a step that only creates rows fills no NULL and removes no duplicate),
whether it empties a table or keeps at most one row, and which models it reaches through
`apps.get_model` (None: raw SQL or a management command, anything may be touched).
"""

from __future__ import annotations

import builtins
import re
from typing import Any

from integrity_lsp.syntax.declarations import call_arguments, string_value
from integrity_lsp.syntax.nodes import walk

# A data step's words: EVERY_ROW when it deletes every row of the models it reaches (then no
# row is left to be NULL or duplicated), and the words that say it changes existing rows.
EVERY_ROW = "<every row>"
AT_MOST_ONE_ROW = "<at most one row>"
CHANGES_ROWS = frozenset(
    {"delete", "update", "save", "bulk_update", "update_or_create", "truncate", "execute"}
    | {
        "cursor",
        "raw",
        "raise",
        EVERY_ROW,
        AT_MOST_ONE_ROW,
    }  # raise: a gate that stops on the rows it finds
)
EMPTIED = "<every row of "  # the prefix of every_row_of()
# `.exclude(pk=kept.pk).delete()`: one row is left, nothing can be duplicated.
KEEPS_ONE_ROW_CODE = re.compile(
    r"\.objects\s*(?:\.\s*using\s*\([^()]*\)\s*)?\.\s*exclude\s*\(\s*(?:pk|id)\s*="
    r"[^()]*(?:\([^()]*\)[^()]*)*\)\s*\.\s*delete\s*\(\s*\)"
)
EMPTIES_TABLE_CODE = re.compile(r"\.objects\s*\.\s*(?:all\s*\(\s*\)\s*\.\s*)?delete\s*\(\s*\)")
EMPTIES_TABLE_SQL = re.compile(
    r"\b(?:truncate(?:\s+table)?|delete\s+from)\s+[\"`]?(\w+)[\"`]?\s*(?:;|$|\)|,|cascade)",
    re.IGNORECASE | re.MULTILINE,
)


def every_row_of(table: str) -> str:
    """The word of a data step that deletes every row of `table` (raw SQL names the table)."""
    return f"<every row of {table.lower()}>"


# `"DELETE FROM {};".format(table)`: some table is emptied, which one is not written here.
EMPTIES_A_TABLE_SQL = re.compile(
    r"\b(?:truncate(?:\s+table)?|delete\s+from)\s+[\"`]?(?:\{\w*\}|%s|%\(\w+\)s)[\"`]?\s*(?:;|$)",
    re.IGNORECASE | re.MULTILINE,
)


def emptied_tables(sql: str) -> frozenset[str]:
    found = {every_row_of(table) for table in EMPTIES_TABLE_SQL.findall(sql)}
    if EMPTIES_A_TABLE_SQL.search(sql):
        found.add(EVERY_ROW)  # of every model the step reaches: it may be any of them
    return frozenset(found)


def row_effect(names: frozenset[str]) -> frozenset[str]:
    """No words at all for a step that only creates rows (or reads them): it can neither fill
    the NULLs nor remove the duplicates of rows that exist (it may have made them)."""
    changes = names & CHANGES_ROWS or any(name.startswith(EMPTIED) for name in names)
    return names if changes else frozenset()


def mentioned(function: Any) -> frozenset[str]:
    """Identifiers and the words of strings in a function (lower-case); a lookup such as
    `code__isnull` also names `code`; EVERY_ROW when it deletes all rows of a model."""
    found: set[str] = set()
    for node in walk(function):
        if node.type == "keyword" and node.value == "raise":
            found.add("raise")
        elif node.type == "name":
            name = str(node.value).lower()
            found.add(name)
            if "__" in name.strip("_"):
                found.update(part for part in name.split("__") if part)
        elif node.type in ("string", "fstring_string"):
            words = re.findall(r"\w+", str(node.value).lower())
            found.update(words)
            found.update(emptied_tables(str(node.value)))
            found.update(part for word in words if "__" in word for part in word.split("__"))
    code = function.get_code()
    if EMPTIES_TABLE_CODE.search(code):
        found.add(EVERY_ROW)
    if KEEPS_ONE_ROW_CODE.search(code):
        found.add(AT_MOST_ONE_ROW)
    return frozenset(found)


def function_models(function: Any) -> frozenset[tuple[str, str]] | None:
    """The models a data-migration function reaches via `apps.get_model`; None if it also runs
    raw SQL, or queries a model it did not get from `apps` (geonode's 0034 deletes rows through
    `ContactRole.objects`, the class imported from the project's models): then any table may
    be touched."""
    found: set[tuple[str, str]] = set()
    if _queries_an_unbound_name(function):
        return None
    for node in walk(function):
        if node.type == "name" and node.value in (
            "execute",
            "cursor",
            "raw",
            "RunSQL",
            "call_command",
        ):
            return None
        if node.type != "trailer" or node.children[0].value != "(":
            continue
        previous = node.get_previous_sibling()
        if previous is None or previous.type != "trailer" or previous.children[-1].type != "name":
            continue
        if previous.children[-1].value != "get_model":
            continue
        args = call_arguments(node)
        values = [string_value(arg) for arg in args.positional]
        if "model_name" in args.keywords:
            values.append(string_value(args.keywords["model_name"]))
        if len(values) == 1 and values[0] is not None and "." in values[0]:
            app, model = values[0].split(".", 1)
            found.add((app, model.lower()))
        elif len(values) >= 2 and values[0] is not None and values[1] is not None:
            found.add((values[0], values[1].lower()))
        else:
            return None
    return frozenset(found)


def _queries_an_unbound_name(function: Any) -> bool:
    """`<Name>.objects` where the function neither takes nor assigns `<Name>`: a model class
    from the module's imports, whose table `apps.get_model` does not say."""
    bound = {
        str(node.value) for node in walk(function) if node.type == "name" and node.is_definition()
    }
    for node in walk(function):
        if node.type != "trailer" or len(node.children) != 2 or node.children[0].value != ".":
            continue
        if node.children[1].value != "objects":
            continue
        base = node.get_previous_sibling()
        if base is not None and base.type == "name" and base.value not in bound:
            return True
    return False


_BUILTINS = frozenset(dir(builtins))


def hands_a_model_away(function: Any, local: set[str]) -> bool:
    """Does the function pass a model it got from `apps.get_model` to a function this file does
    not hold (`fixup_null_statuses(model=Group, …)` imported from the project)? What that does
    to the model's rows cannot be read here: it may fill the column or remove duplicates."""
    models: set[str] = set()
    calls: list[tuple[str, Any]] = []
    for node in walk(function):
        if node.type != "trailer" or node.children[0].value != "(":
            continue
        previous = node.get_previous_sibling()
        if previous is None:
            continue
        if previous.type == "trailer" and previous.children[-1].type == "name":
            if previous.children[-1].value == "get_model":
                statement = node.parent.parent
                if statement.type == "expr_stmt" and statement.children[0].type == "name":
                    models.add(str(statement.children[0].value))
            continue
        if previous.type == "name" and previous is node.parent.children[0]:
            calls.append((str(previous.value), node))
    for callee, trailer in calls:
        if callee in local or callee in _BUILTINS or callee in models:
            continue
        args = call_arguments(trailer)
        given = [*args.positional, *args.keywords.values()]
        if any(arg.type == "name" and arg.value in models for arg in given):
            return True
    return False
