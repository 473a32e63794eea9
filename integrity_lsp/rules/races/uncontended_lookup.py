"""Why no concurrent caller can share a `get_or_create` lookup (IL104's silences).

- the lookup holds a fresh value: random (`uuid4()`, `secrets.token_hex()`), or derived from
  what a `create…()` call earlier in the same function made (the URL of the issue this call just
  opened in an external tracker, a row this call inserted): a new thing per call;
- the rows are locked first: a `select_for_update()` earlier in the same function, in every
  caller of the function, or before every send of the signals it receives (`locked_rows`);
- the function is a migration's `RunPython` code (`def forwards(apps, schema_editor)`):
  `migrate` runs it once, alone, even when it lives outside `migrations/`;
- the code is reached only from command code: the top-level class or function holding it is
  named by no other code of its module, and every other production file that names it is a
  management command or a script (django-oscar's `CatalogueImporter`, used by the
  `oscar_import_catalogue` command alone; or only a function of another module that only
  command code uses, one level up; test modules count as command code for an undecorated one:
  geonode's test-data builder `create_dataset_data`), or it is a receiver of project signals
  only command code sends (`project.signal_senders`: pretix's `periodic_task`);
- the lookup holds a row just inserted: by this function before the call (`inserted_here`: a
  `create…()` result, a new form's save, a clone saved after `clone.pk = None`), `self` in a
  model's `save()` under `if is_new:` after `super().save()`, or a parameter every caller
  fills with a row it has just inserted (`analysis.new_rows`: kiwitcms' activation key for the
  user the signup form saved).
"""

from __future__ import annotations

import re
from pathlib import Path

from integrity_lsp.analysis.absence_calls import count_body_read
from integrity_lsp.analysis.bindings import inserted_before
from integrity_lsp.analysis.called_names import holding_definition, sole_holder
from integrity_lsp.analysis.context import Context
from integrity_lsp.analysis.handlers import decorators_of
from integrity_lsp.analysis.name_bindings import rebound_before
from integrity_lsp.analysis.new_rows import inserted_by_callers
from integrity_lsp.analysis.write_scan import project_files
from integrity_lsp.project.signal_senders import (
    decorated_receiver_signals,
    sent_only_by_commands,
)
from integrity_lsp.syntax.files import read_project_text
from integrity_lsp.syntax.nodes import (
    CALL_CHAIN_TYPES,
    Node,
    chain_parts,
    enclosing,
    statement_of,
    walk,
)
from integrity_lsp.syntax.source import is_command_code

_RANDOM = re.compile(
    r"\b(uuid[14]|token_urlsafe|token_hex|token_bytes|getrandbits|randbytes|urandom"
    r"|get_random_string|randint|choice)\s*\("
)
# `issues.create(…)`, `rpc.create_issue(…)`, `New.create_bug(…)`, `rpc.createbug(…)`: something
# new per call. (`get_or_create`, `update_or_create` and `create_or_update` may return an
# existing row: not fresh.)
_CREATE = re.compile(r"(?<!\w)create(?!\w*_or_)\w*\s*\(")
# Code used by command code alone is followed one module further up: a helper of the package's
# `__init__.py` that only the install and upgrade commands call.
_COMMAND_LEVELS = 2


def fresh_value(value: Node, node: Node, ctx: Context) -> bool:
    """A lookup value no other caller can hold: random, or derived from a `create…()` result,
    written in the call or reached through names assigned earlier in the same function."""
    if _is_fresh_source(value.get_code(include_prefix=False)):
        return True
    function = ctx.function
    if function is None:
        return False
    fresh: set[str] = set()
    for statement in walk(function):
        if statement.type != "expr_stmt" or statement.start_pos >= node.start_pos:
            continue
        if statement.children[1].type == "annassign" or len(statement.children) < 3:
            continue
        source = statement.children[-1]
        if (
            _is_fresh_source(source.get_code(include_prefix=False))
            or _reads(source, fresh)
            or _helper_returns_fresh(source, ctx)
        ):
            for target in statement.children[:-1:2]:
                fresh.update(_target_names(target))
    return _reads(value, fresh)


def _helper_returns_fresh(source: Node, ctx: Context) -> bool:
    """`new_bug = self.one_click_report(…)` where the file's only `one_click_report` returns
    `self.rpc.createbug(…)` on every path: the helper's result is as fresh as its create."""
    if source.type not in CALL_CHAIN_TYPES:
        return False
    head, trailers = chain_parts(source)
    if not trailers or trailers[-1].children[0].value != "(":
        return False
    if len(trailers) == 1:
        name = head.value if head.type == "name" else ""
    elif (
        len(trailers) == 2
        and head.type == "name"
        and head.value in ("self", "cls")
        and trailers[0].children[0].value == "."
    ):
        name = trailers[0].children[1].value
    else:
        return False
    helpers = [
        node for node in walk(ctx.file.tree) if node.type == "funcdef" and node.name.value == name
    ]
    if len(helpers) != 1:
        return False
    values = [
        statement.children[1]
        for statement in walk(helpers[0])
        if statement.type == "return_stmt" and len(statement.children) > 1
    ]
    return bool(values) and all(
        _is_fresh_source(value.get_code(include_prefix=False)) for value in values
    )


def _is_fresh_source(text: str) -> bool:
    return _RANDOM.search(text) is not None or _CREATE.search(text) is not None


def _target_names(target: Node) -> list[str]:
    if target.type == "name":
        return [target.value]
    if target.type in ("testlist_star_expr", "exprlist", "atom"):
        return [leaf.value for leaf in target.children if leaf.type == "name"]
    return []


def _reads(expression: Node, names: set[str]) -> bool:
    if not names:
        return False
    for leaf in walk(expression):
        if leaf.type != "name" or leaf.value not in names:
            continue
        previous = leaf.get_previous_leaf()
        if previous is None or previous.value != ".":
            return True
    return False


def in_run_python(ctx: Context) -> bool:
    """Inside a function with `RunPython`'s signature `(apps, schema_editor)`: migration code."""
    function = ctx.function
    while function is not None:
        names = [param.name.value for param in function.get_params()]
        if names[:2] == ["apps", "schema_editor"]:
            return True
        function = enclosing(function, "funcdef")
    return False


def command_only(ctx: Context) -> bool:
    """Is the enclosing top-level class or function used by command code alone? Named nowhere
    else in its module but inside one other top-level definition used by command code alone
    (`called_names.holding_definition`: kolibri's sync helper, called by the base class of its
    sync commands), and used (by word, not defined) in at least one other production file,
    every one of them command code (`syntax.source.is_command_code`) or, for an undecorated one,
    a test module, naming its module — or, for a function no other file names, a receiver of
    project signals that only command code sends (`project.signal_senders`: pretix's
    `periodic_task`, dispatched by `runperiodic`)."""
    top = None
    node = ctx.function
    while node is not None and node.type != "file_input":
        if node.type in ("funcdef", "classdef"):
            top = node
        node = node.parent
    if top is None:
        return False
    name = top.name.value
    holder = None
    for leaf in walk(ctx.file.tree):
        inside = top.start_pos <= leaf.start_pos <= top.end_pos
        if leaf.type == "name" and leaf.value == name and not inside:
            # used by other code of the module: only one definition used by commands alone
            holder = holding_definition(ctx.file.tree, top)
            if holder is None:
                return False
            break
    count_body_read()  # the finding now depends on other files (the server must not reuse it)
    if holder is not None:
        if not _command_users(holder.name.value, ctx.file.path, ctx, None, _COMMAND_LEVELS):
            return False
        return _command_users(name, ctx.file.path, ctx, None, _COMMAND_LEVELS) is not None
    signals = decorated_receiver_signals(top)
    production = [(ctx.file.path, ctx.file.text)] if signals else None
    # A test-data builder kept in a production module (geonode's `create_dataset_data`) runs in
    # single-threaded tests; a decorated one may be registered (a receiver, a task, a view).
    tests = (top.type == "funcdef" and not decorators_of(top)) or (
        top.type == "classdef" and top.parent.type != "decorated"
    )
    users = _command_users(name, ctx.file.path, ctx, production, _COMMAND_LEVELS, tests=tests)
    if users == 0 and signals and production is not None:
        return sent_only_by_commands(signals, production, ctx.env.root)
    return bool(users)


def _command_users(
    name: str,
    defined_in: Path,
    ctx: Context,
    production: list[tuple[Path, str]] | None,
    levels: int,
    *,
    tests: bool = False,
) -> int | None:
    """How many other production files use `name` (top-level in `defined_in`), when every one is
    command code, or (`levels` allowing) a module whose one top-level function holding every
    use is itself used by command code alone (reviewboard's `init_siteconfig`, called only by
    `finalize_setup`, which only `manage.py` and the `rb-site` CLI call); None when another
    file uses it. `production` collects the production files read, when given. With `tests`,
    a test module naming it counts as a user too (it runs alone, like a command)."""
    settings, root = ctx.env.settings, ctx.env.root
    # A use, not a definition of the same name (a script with its own `def issue`), and in a
    # file that names the module (its import, or oscar's `get_class('partner.importers', …)`).
    use = re.compile(rf"(?<!def )(?<!class )\b{re.escape(name)}\b")
    module = defined_in.parent.name if defined_in.stem == "__init__" else defined_in.stem
    names_module = re.compile(rf"\b{re.escape(module)}\b")
    users = 0
    for path in project_files(root, settings):
        if path == defined_in:
            continue
        if settings.is_test_path(path, root):
            if tests and _names_it(path, use, names_module):
                users += 1
            continue
        text = read_project_text(path, errors="replace")
        if text is not None and production is not None:
            production.append((path, text))
        if text is None or not use.search(text):
            continue
        if not names_module.search(text):
            return None  # names it without naming its module: not provably this code
        if not is_command_code(path, text, root):
            holder = sole_holder(text, use) if levels > 1 else None
            if holder is None or not _command_users(holder, path, ctx, None, levels - 1):
                return None
        users += 1
    return users


def _names_it(path: Path, use: re.Pattern[str], names_module: re.Pattern[str]) -> bool:
    text = read_project_text(path, errors="replace")
    return text is not None and bool(use.search(text)) and bool(names_module.search(text))


def inserted_here(node: Node, lookup: dict[str, Node | None], ctx: Context) -> bool:
    """A lookup value is a row this function inserted before the call (geonode's clone:
    `clone = copy.copy(row)`, `clone.pk = None`, `clone.save()`, then
    `LinkedResource.objects.get_or_create(source_id=clone.pk, …)`): only this call knows it
    (`analysis.bindings.inserted_before`)."""
    function = ctx.function
    if function is None or function.type != "funcdef":
        return False
    statement = statement_of(node)
    return any(
        value is not None
        and function.start_pos <= value.start_pos < function.end_pos
        and inserted_before(value, function, statement, ctx)
        for value in lookup.values()
    )


def new_row_of_callers(node: Node, lookup: dict[str, Node | None], ctx: Context) -> bool:
    """A lookup value is a parameter, not rebound before the call, that every caller fills
    with a row it has just inserted (`analysis.new_rows`)."""
    function = ctx.function
    if function is None:
        return False
    parameters = {param.name.value for param in function.get_params()}
    for value in lookup.values():
        name = value.get_code(include_prefix=False).strip() if value is not None else ""
        if name not in parameters or rebound_before(function, name, node.start_pos):
            continue
        count_body_read()  # the finding now depends on other files (the server must not reuse it)
        if inserted_by_callers(function, name, ctx):
            return True
    return False


_NEW_ROW = re.compile(r"self\s*\.\s*(pk|id)\b|_state\s*\.\s*adding")


def self_just_inserted(node: Node, lookup: dict[str, Node | None], ctx: Context) -> bool:
    """In a model's `save()`, under `if is_new:` after `super().save()`, with `self` in the
    lookup (mayan's `IndexTemplateNode.objects.get_or_create(parent=None, index=self)`): the
    row `self` was inserted by this very call, so no other transaction can see it yet."""
    function = ctx.function
    if function is None or function.children[1].value != "save":
        return False
    if not any(
        value is not None and value.get_code().strip() == "self" for value in lookup.values()
    ):
        return False
    branch = node.parent
    while branch is not None and branch is not function and branch.type != "if_stmt":
        branch = branch.parent
    if branch is None or branch.type != "if_stmt":
        return False
    test = branch.children[1].get_code()
    saved_before = inserted_flag = False
    for leaf in walk(function):
        if leaf.start_pos >= branch.start_pos:
            break
        if leaf.type == "name" and leaf.value == "super":
            saved_before = saved_before or "save" in leaf.parent.get_code()
        if leaf.type == "expr_stmt" and _NEW_ROW.search(leaf.children[-1].get_code()):
            flag = leaf.children[0]
            inserted_flag = inserted_flag or (
                flag.type == "name" and re.search(rf"\b{flag.value}\b", test) is not None
            )
    return saved_before and (inserted_flag or _NEW_ROW.search(test) is not None)
