"""Are the rows a `get_or_create` races on locked first, on every path to it? (IL104's silence)

A `select_for_update()` earlier in the function (not one chained onto the call itself), or
earlier in every caller of the function (followed two levels up within the file, and only when
no other production file names the function: an unknown caller might not lock). A lock counts
also when it is taken by a helper of the file called first, inside the same open transaction
(`with transaction.atomic():` holding both, or an `@atomic` function): the helper's own
statement locks a row (`select_for_update()…get()`, or raw SQL taking an advisory lock, inside a
`with` block or a branch on the database vendor the settings name: `analysis.sql_locks`), and
the lock lasts until that transaction ends. `callers_lock` asks the callers' half alone for
IL101–IL103, whose own walk reads the function's body.

A receiver of project signals is called by the signals' senders: when the lookup's function is
a module-level `@receiver(S)` that nothing else names (in its module, or in another production
file that can reach it: `project.imports.may_reach`), S is the project's own signal and every
use of S is a send (`project.signal_senders.send_lines`), each send is a call site to check as
above — its own function, then that function's callers. ephios's `signup_save` receivers run
only from `SignupView`, after `_get_shift_participant_locked_validator()` has locked the shift
(and the user) in the request's `transaction.atomic()` block.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from integrity_lsp.analysis.absence_calls import count_body_read
from integrity_lsp.analysis.absence_writes import is_lock_call
from integrity_lsp.analysis.context import Context
from integrity_lsp.analysis.name_bindings import file_tree
from integrity_lsp.analysis.new_rows import production_texts
from integrity_lsp.analysis.sql_locks import vendor_branch
from integrity_lsp.analysis.write_scan import project_files
from integrity_lsp.config import Settings
from integrity_lsp.project.imports import may_reach
from integrity_lsp.project.signal_senders import SENDING, decorated_receiver_signals, send_lines
from integrity_lsp.syntax.files import read_project_text
from integrity_lsp.syntax.nodes import CALL_CHAIN_TYPES, Node, enclosing, statements, walk

_CALLER_LEVELS = 2
_NOT_DESCENDED = ("funcdef", "classdef", "lambdef")


@dataclass(frozen=True)
class _File:
    """A production file the walk reads, and the project it belongs to."""

    path: Path
    tree: Node
    root: Path
    settings: Settings
    engine: str | None  # the settings' database ENGINE: which `connection.vendor` branch runs


def locked_before(node: Node, ctx: Context) -> bool:
    """A `select_for_update()` before the call in its function, or before the call in every
    caller of that function (pretix's sync queue row, locked where the sync starts), or before
    every send of the signals the function receives."""
    function = ctx.function
    if function is None:
        return False
    here = _here(ctx)
    return _site_locked(function, node.start_pos, here, _own_chain(node)) or _senders_lock(
        function, ctx
    )


def callers_lock(function: Node, ctx: Context) -> bool:
    """Every caller of `function` takes a lock before its call, inside a transaction still open
    there, or is itself called so (followed as `locked_before` follows them). django-crm's
    `apply_pack`, `@transaction.atomic`, calls `lock_org(org)` (an advisory lock per org) and
    then `_apply_custom_fields`, whose existence check and create run under that lock."""
    if function.type != "funcdef" or enclosing(function, "funcdef") is not None:
        return False
    return _callers_lock(function, _here(ctx), _CALLER_LEVELS)


def _here(ctx: Context) -> _File:
    engine = ctx.env.index.settings_facts.engine
    return _File(ctx.file.path, ctx.file.tree, ctx.env.root, ctx.env.settings, engine)


def _site_locked(function: Node, position: tuple[int, int], file: _File, own: Node | None) -> bool:
    return _locks_before(function, position, file, own) or _callers_lock(
        function, file, _CALLER_LEVELS
    )


def _own_chain(node: Node) -> Node:
    """The call chain the call is a link of (`M.objects.select_for_update().get_or_create(…)`)."""
    chain = node
    while chain.parent is not None and chain.parent.type in (*CALL_CHAIN_TYPES, "trailer"):
        chain = chain.parent
    return chain


def _locks_before(
    function: Node, position: tuple[int, int], file: _File, own: Node | None = None
) -> bool:
    """A `select_for_update()` before `position` — not one chained onto the call itself: the
    call's own `SELECT … FOR UPDATE` finds no row where the insert follows, so it locks nothing
    (axes 5.24's `AccessAttempt.objects.select_for_update().get_or_create(…)` stored duplicates)
    — or a call of a locking helper of the file before it, in the same transaction."""
    skip = (own.start_pos, own.end_pos) if own is not None else None
    return any(
        leaf.type == "name"
        and leaf.value == "select_for_update"
        and leaf.start_pos < position
        and not (skip is not None and skip[0] <= leaf.start_pos < skip[1])
        for leaf in walk(function)
    ) or _locking_helper_called(function, position, file)


def _locking_helper_called(function: Node, position: tuple[int, int], file: _File) -> bool:
    """`self.helper()` / `helper()` before `position`, inside a transaction still open there,
    where `helper` is the file's only function of that name (a method for `self.`/`cls.`, a
    module-level function otherwise) and one of its own statements locks a row."""
    helpers: dict[str, list[Node]] | None = None
    for leaf in walk(function):
        if leaf.type != "name" or leaf.start_pos >= position:
            continue
        following = leaf.get_next_leaf()
        if following is None or following.value != "(" or following.parent.type != "trailer":
            continue
        method = _called_on_self(leaf)
        if method is None or not _same_transaction(leaf, position, function):
            continue
        if helpers is None:
            helpers = _functions_by_name(file.tree)
        found = helpers.get(leaf.value, [])
        if (
            len(found) == 1
            and found[0] is not function
            and (enclosing(found[0], "classdef") is not None) == method
            and _takes_lock(found[0].children[-1], file.engine)
        ):
            return True
    return False


def _called_on_self(leaf: Node) -> bool | None:
    """True for `self.name(`/`cls.name(`, False for a bare `name(`, None for other receivers."""
    previous = leaf.get_previous_leaf()
    if previous is None or previous.value != ".":
        return False
    owner = previous.get_previous_leaf()
    before = owner.get_previous_leaf() if owner is not None else None
    if owner is None or owner.value not in ("self", "cls"):
        return None
    return None if before is not None and before.value == "." else True


def _same_transaction(call: Node, position: tuple[int, int], function: Node) -> bool:
    """An `atomic` block holding both the call and `position`, or an `@…atomic` function."""
    decorated = function.parent
    decorators = decorated.children[0] if decorated.type == "decorated" else None
    if decorators is not None and "atomic" in decorators.get_code():
        return True
    block = enclosing(call, "with_stmt", "funcdef")
    while block is not None and block.type == "with_stmt":
        body = block.children[-1]
        atomic = any("atomic" in item.get_code() for item in block.children[1:-2])
        if atomic and body.start_pos <= position < body.end_pos:
            return True
        block = enclosing(block, "with_stmt", "funcdef")
    return False


def _functions_by_name(tree: Node) -> dict[str, list[Node]]:
    found: dict[str, list[Node]] = {}
    for node in walk(tree):
        if node.type == "funcdef":
            found.setdefault(node.name.value, []).append(node)
    return found


def _takes_lock(body: Node, engine: str | None) -> bool:
    """One of the helper's own statements (not under a branch) locks a row: a `with` block's
    body runs, and so does a branch on the database vendor the settings name (`sql_locks`)."""
    for statement in statements(body):
        if statement.type == "with_stmt" and _takes_lock(statement.children[-1], engine):
            return True
        branch = vendor_branch(statement, engine) if statement.type == "if_stmt" else None
        if branch is not None and _takes_lock(branch, engine):
            return True
        if statement.type != "simple_stmt":
            continue  # a branch, a loop, a block: it may not run
        stack = [statement]
        while stack:
            current = stack.pop()
            if current.type in _NOT_DESCENDED:
                continue
            if current.type in CALL_CHAIN_TYPES and is_lock_call(current):
                return True
            stack.extend(getattr(current, "children", ()))
    return False


def _callers_lock(function: Node, file: _File, levels: int) -> bool:
    count_body_read()  # the finding now depends on other statements (the server must not reuse it)
    name = function.name.value
    sites = []
    for leaf in walk(file.tree):
        if leaf.type != "name" or leaf.value != name or leaf is function.name:
            continue
        following = leaf.get_next_leaf()
        if following is None or following.value != "(" or leaf.parent.type == "funcdef":
            return False  # passed on as a value (a callback, a task): callers unknown
        caller = enclosing(leaf, "funcdef")
        if caller is None or caller is function:
            return False
        sites.append((caller, leaf.start_pos))
    locked = bool(sites) and all(
        _locks_before(caller, position, file)
        or (levels > 1 and _callers_lock(caller, file, levels - 1))
        for caller, position in sites
    )
    return locked and not _named_elsewhere(name, file)  # the file scan last: it is the dear part


def _named_elsewhere(name: str, file: _File) -> bool:
    """Another production file names the function: a caller this file does not show."""
    pattern = re.compile(rf"\b{re.escape(name)}\b")
    for path in project_files(file.root, file.settings):
        if path == file.path or file.settings.is_test_path(path, file.root):
            continue
        text = read_project_text(path, errors="replace")
        if text is not None and pattern.search(text):
            return True
    return False


def _senders_lock(function: Node, ctx: Context) -> bool:
    """`function` is a receiver only its signals' senders call, and every send is locked."""
    if enclosing(function, "funcdef", "classdef") is not None:
        return False
    signals = decorated_receiver_signals(function)
    name = function.name.value
    word = re.compile(rf"\b{re.escape(name)}\b")
    if not signals or len(word.findall(ctx.file.text)) != 1:
        return False  # not a receiver, or named again in its module: called some other way
    count_body_read()  # the finding now depends on other files (the server must not reuse it)
    engine = ctx.env.index.settings_facts.engine
    files = dict(production_texts(ctx))
    module = ctx.file.module_name
    if module is None:
        return False
    index, target = ctx.env.index, f"{module}.{name}"
    for path, text in files.items():
        if path == ctx.file.path or not word.search(text):
            continue
        package = path.name == "__init__.py"
        if may_reach(text, index.module_name(path), is_package=package, target=target):
            return False  # another file may call it directly
    sites = send_lines(signals, files.items())
    if not sites:
        return False  # senders unknown, or none in production code
    for path, lines in sites.items():
        tree = file_tree(files[path])
        sender_file = _File(path, tree, ctx.env.root, ctx.env.settings, engine)
        sends = _send_leaves(tree, set(signals), set(lines))
        if len(sends) != len(lines):
            return False  # a send parso reads elsewhere (split over lines): not followed
        for send in sends:
            sender = enclosing(send, "funcdef")
            if sender is None or not _site_locked(sender, send.start_pos, sender_file, None):
                return False
    return True


def _send_leaves(tree: Node, signals: set[str], lines: set[int]) -> list[Node]:
    """The `S` of each `S.send(` on `lines`."""
    found = []
    for leaf in walk(tree):
        if leaf.type != "name" or leaf.value not in signals or leaf.start_pos[0] not in lines:
            continue
        dot = leaf.get_next_leaf()
        method = dot.get_next_leaf() if dot is not None and dot.value == "." else None
        if method is not None and method.value in SENDING:
            found.append(leaf)
    return found
