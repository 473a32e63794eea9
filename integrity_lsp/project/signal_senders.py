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

`send_lines` answers the stricter question a receiver's callers need: where exactly is the
signal sent? Every use must then be a call `S.send(…)` (`send_robust`, `asend`,
`asend_robust`, also `signals.S.send(…)`); any other use, or an import that renames it, leaves
the senders unknown.
"""

from __future__ import annotations

import ast
import functools
from collections.abc import Iterable
from pathlib import Path

from integrity_lsp.syntax.nodes import Node
from integrity_lsp.syntax.source import cpython_tree, is_command_code

CONNECTING = frozenset({"connect", "disconnect"})
SENDING = frozenset({"send", "send_robust", "asend", "asend_robust"})


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


def decorated_receiver_signals(function: Node) -> list[str]:
    """The signals a function's `@receiver(…)` decorators connect it to (parso tree)."""
    decorated = function.parent
    if function.type != "funcdef" or decorated is None or decorated.type != "decorated":
        return []
    holder = decorated.children[0]
    decorators = holder.children if holder.type == "decorators" else [holder]
    expressions = []
    for decorator in decorators:
        tree = cpython_tree(decorator.children[1].get_code(include_prefix=False))
        if tree is None or len(tree.body) != 1 or not isinstance(tree.body[0], ast.Expr):
            return []
        expressions.append(tree.body[0].value)
    return receiver_signals(expressions)


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


def send_lines(
    signals: Iterable[str], files: Iterable[tuple[Path, str]]
) -> dict[Path, list[int]] | None:
    """The lines of each file of `files` (path, text) that send one of `signals` (`S.send(…)`),
    when every signal is the project's own and every use of it is such a send; else None."""
    wanted = set(signals)
    if not wanted:
        return None
    defined: set[str] = set()
    sites: dict[Path, list[int]] = {}
    for path, text in files:
        if not any(name in text for name in wanted):
            continue
        facts = _signal_facts(text)
        lines = _send_lines(text, frozenset(wanted))
        if facts is None or lines is None:
            return None  # unreadable, or a use other than a send: senders unknown
        defined.update(facts[0] & wanted)
        if lines:
            sites[path] = list(lines)
    return sites if wanted <= defined else None


@functools.lru_cache(maxsize=512)
def _send_lines(text: str, wanted: frozenset[str]) -> tuple[int, ...] | None:
    """The lines where `text` sends one of `wanted`; None when it uses one otherwise."""
    module = cpython_tree(text)
    if module is None:
        return None
    skipped = _skipped_names(module)
    parents = {id(child): node for node in ast.walk(module) for child in ast.iter_child_nodes(node)}
    lines: list[int] = []
    for node in ast.walk(module):
        if isinstance(node, ast.alias):
            imported = node.name.rpartition(".")[2]
            if imported in wanted and node.asname not in (None, imported):
                return None  # renamed: its uses go by another name
            continue
        if isinstance(node, ast.Name):
            named = node.id
        elif isinstance(node, ast.Attribute):
            named = node.attr
        else:
            continue
        if named not in wanted or id(node) in skipped:
            continue
        method = parents.get(id(node))
        call = parents.get(id(method)) if method is not None else None
        if (
            isinstance(method, ast.Attribute)
            and method.attr in SENDING
            and isinstance(call, ast.Call)
            and call.func is method
        ):
            lines.append(node.lineno)
            continue
        return None  # handed on, looped over, rebound: who sends it is unknown
    return tuple(lines)


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
    skipped = _skipped_names(module)
    uses = {
        node.id
        for node in ast.walk(module)
        if isinstance(node, ast.Name) and id(node) not in skipped
    }
    return frozenset(definitions), frozenset(uses)


def _skipped_names(module: ast.Module) -> set[int]:
    """The ids of the nodes that define a module-level name, connect a signal (`S.connect`) or
    name the signal of a `@receiver(…)`: mentions that send nothing."""
    skipped: set[int] = set()
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
    return skipped


def _callee(function: ast.expr) -> str:
    if isinstance(function, ast.Name):
        return function.id
    if isinstance(function, ast.Attribute):
        return function.attr
    return ""
