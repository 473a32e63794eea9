"""Is a project signal sent only by command code? Then its receivers run only from commands.

pretix's `periodic_task = GlobalSignal()` is dispatched by the `runperiodic` management command
alone (cron runs it, one run at a time); a `@receiver(signal=periodic_task)` function is command
code as much as the command itself, though no file names the receiver.

A signal counts when its name is assigned, at module level of a production file, from a call of
a class whose name ends in `Signal` (`Signal()`, `GlobalSignal()`, `EventPluginSignal()`), so the
project owns it: Django's and installed packages' signals (`post_save`, `user_logged_in`) are
sent by code the project does not show. A *use* of the signal is any mention of its name in
code (not a docstring or comment) other than its definition, an import, a `receiver(…)`
decorator's signal argument and `S.connect(…)` / `S.disconnect(…)`: `S.send(…)`,
`S.send_robust(…)`, pretix's own loop over `S._live_receivers(…)`, or handing `S` on (unknown, so
a use). The signal is sent only by command code when it has at least one use and every file
with a use is command code (`syntax.source.is_command_code`). Names are matched as words across
the project (two signals of the same name in different modules are read as one: more uses,
never fewer).
"""

from __future__ import annotations

import ast
import functools
from collections.abc import Iterable
from pathlib import Path

from integrity_lsp.syntax.source import cpython_tree, is_command_code

CONNECTING = frozenset({"connect", "disconnect"})


def receiver_signals(decorators: Iterable[ast.expr]) -> list[str]:
    """The signal names a function's `@receiver(S)` / `@receiver([S, T])` /
    `@receiver(signal=S)` decorators name (empty when any is not a plain name)."""
    names: list[str] = []
    for decorator in decorators:
        if not isinstance(decorator, ast.Call) or _callee(decorator.func) != "receiver":
            continue
        given = [keyword.value for keyword in decorator.keywords if keyword.arg == "signal"]
        target = decorator.args[0] if decorator.args else (given[0] if given else None)
        items = target.elts if isinstance(target, ast.List | ast.Tuple) else [target]
        for item in items:
            if not isinstance(item, ast.Name):
                return []
            names.append(item.id)
    return names


def sent_only_by_commands(
    signals: Iterable[str], files: Iterable[tuple[Path, str]], root: Path
) -> bool:
    """Every signal in `signals` is the project's own and is used (sent) only in command code;
    `files` are the production files (path, text) of the project under `root`."""
    wanted = set(signals)
    if not wanted:
        return False
    defined: set[str] = set()
    used_in_commands: set[str] = set()
    for path, text in files:
        if not any(name in text for name in wanted):
            continue
        facts = _signal_facts(text)
        if facts is None:
            return False  # unreadable: its uses are unknown
        definitions, uses = facts
        defined.update(definitions & wanted)
        mentioned = uses & wanted
        if not mentioned:
            continue
        if not is_command_code(path, text, root):
            return False
        used_in_commands.update(mentioned)
    return wanted <= defined and wanted <= used_in_commands


@functools.lru_cache(maxsize=512)
def _signal_facts(text: str) -> tuple[frozenset[str], frozenset[str]] | None:
    """(signals this file defines, names it uses other than to define, import or connect)."""
    module = cpython_tree(text)
    if module is None:
        return None
    definitions = {
        target.id
        for statement in module.body
        if isinstance(statement, ast.Assign)
        and isinstance(statement.value, ast.Call)
        and _callee(statement.value.func).endswith("Signal")
        for target in statement.targets
        if isinstance(target, ast.Name)
    }
    skipped: set[int] = set()  # ids of Name nodes that connect, define or decorate
    for node in ast.walk(module):
        if isinstance(node, ast.Assign) and node.targets and node in module.body:
            skipped.update(id(target) for target in node.targets)
        elif isinstance(node, ast.Attribute) and node.attr in CONNECTING:
            skipped.add(id(node.value))
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            for decorator in node.decorator_list:
                if isinstance(decorator, ast.Call) and _callee(decorator.func) == "receiver":
                    for argument in [*decorator.args[:1], *decorator.keywords]:
                        value = argument.value if isinstance(argument, ast.keyword) else argument
                        skipped.update(id(name) for name in ast.walk(value))
    uses = {
        node.id
        for node in ast.walk(module)
        if isinstance(node, ast.Name) and id(node) not in skipped
    }
    return frozenset(definitions), frozenset(uses)


def _callee(function: ast.expr) -> str:
    if isinstance(function, ast.Name):
        return function.id
    if isinstance(function, ast.Attribute):
        return function.attr
    return ""
