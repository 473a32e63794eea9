"""Model loaders: calls that name a model by app label and model name instead of importing its
class -- swapper's `load_model("config", "Device")`, Django's `apps.get_model("shop",
"Product")` / `apps.get_model("shop.Product")` / `apps.get_app_config("shop").get_model(
"Product")`, and a helper that only forwards to one of them (openwisp-radius' `def
load_model(model): return swapper.load_model("openwisp_radius", model)`, dj-stripe's `def
get_model(model_name): return apps.get_app_config("djstripe").get_model(model_name)`).

A `Loader` says where the app label and the model name come from: a literal of the helper, or
one of its parameters. `loaded_label` reads a call's literal arguments through it; swapper's
loader gives the model a `<APP>_<MODEL>_MODEL` setting names when the settings file sets it,
else the default one -- as swapper does. Anything not a literal is unknown. Helpers are read with
CPython's `ast` (a module is read for its top-level functions only)."""

from __future__ import annotations

import ast
from collections.abc import Mapping
from dataclasses import dataclass

from integrity_lsp.project.imports import ImportTable
from integrity_lsp.syntax.source import cpython_tree, parse

SWAPPER = "swapper"  # a settings override may swap the model
REGISTRY = "registry"  # Django's app registry: the label is the model

DJANGO_APPS = ("django.apps", "apps")

# A slot: the literal the loader passes, or the index of the parameter that gives it.
Slot = str | int


@dataclass(frozen=True)
class Loader:
    """A callable naming a model: its parameters, and where the app label and model name come
    from (`model` None: `app_label` holds the dotted `"app.Model"`)."""

    root: str
    parameters: tuple[str, ...]
    app_label: Slot
    model: Slot | None


SWAPPER_LOAD_MODEL = Loader(SWAPPER, ("app_label", "model"), 0, 1)
REGISTRY_GET_MODEL = Loader(REGISTRY, ("app_label", "model_name"), 0, 1)


def app_config_loader(app_label: Slot) -> Loader:
    """`apps.get_app_config(app_label).get_model(model_name)`."""
    return Loader(REGISTRY, ("model_name",), app_label, 0)


def loaded_label(
    loader: Loader,
    positional: list[str | None],
    keywords: Mapping[str, str | None],
    swappable: tuple[tuple[str, str], ...],
) -> str | None:
    """The `"app.Model"` label a call of `loader` names, given its arguments' literal values
    (None: not a literal string); None when that is unknown."""
    values = [
        positional[index] if index < len(positional) else keywords.get(name)
        for index, name in enumerate(loader.parameters)
    ]
    app_label = _slot_value(loader.app_label, values)
    if app_label is None:
        return None
    dotted = app_label.count(".") == 1
    if loader.model is None or (
        loader.root == REGISTRY and dotted and _not_passed(loader, positional, keywords)
    ):
        return app_label if dotted else None  # `apps.get_model("shop.Product")`
    model = _slot_value(loader.model, values)
    if model is None or "." in app_label or "." in model:
        return None
    if loader.root == SWAPPER:
        setting = f"{app_label}_{model}_MODEL".upper()
        return dict(swappable).get(setting, f"{app_label}.{model}")
    return f"{app_label}.{model}"


def _slot_value(slot: Slot, values: list[str | None]) -> str | None:
    if isinstance(slot, str):
        return slot
    return values[slot] if slot < len(values) else None


def _not_passed(
    loader: Loader, positional: list[str | None], keywords: Mapping[str, str | None]
) -> bool:
    """Is the model-name parameter not given at all (`apps.get_model("shop.Product")`)?"""
    slot = loader.model
    if not isinstance(slot, int):
        return False
    return slot >= len(positional) and loader.parameters[slot] not in keywords


# ---------------------------------------------------------------------- helpers that forward


def forwarders(text: str, table: ImportTable) -> dict[str, Loader]:
    """The module's top-level functions whose body (after a docstring) is one `return` of a
    loader call, each argument a literal or one of the function's own parameters."""
    if "load_model" not in text and "get_model" not in text:
        return {}
    found: dict[str, Loader] = {}
    for node in _top_level_functions(text):
        loader = _forwarder(node, table)
        if loader is not None:
            found[node.name] = loader
    return found


def _top_level_functions(text: str) -> list[ast.FunctionDef]:
    """The module's top-level functions; where the module does not compile (a half-typed
    line in an editor), each top-level `def` on its own, so that a syntax error in one function
    does not hide the helpers beside it (the answer must not depend on other bodies)."""
    tree = cpython_tree(text)
    if tree is not None:
        return [node for node in tree.body if isinstance(node, ast.FunctionDef)]
    functions = []
    for statement in parse(text).children:
        if statement.type not in ("funcdef", "decorated"):
            continue
        alone = cpython_tree(statement.get_code().lstrip("\n"))
        if alone is not None and alone.body and isinstance(alone.body[0], ast.FunctionDef):
            functions.append(alone.body[0])
    return functions


def _forwarder(function: ast.FunctionDef, table: ImportTable) -> Loader | None:
    body = function.body
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
        body = body[1:]  # the docstring
    if len(body) != 1 or not isinstance(body[0], ast.Return):
        return None
    call = body[0].value
    arguments = function.args
    if not isinstance(call, ast.Call) or arguments.vararg or arguments.kwarg:
        return None
    if arguments.posonlyargs or arguments.kwonlyargs:
        return None
    parameters = tuple(argument.arg for argument in arguments.args)
    found = _ast_root(call.func, table, parameters)
    if found is None:
        return None
    root, prefix = found
    given = _ast_slots(call, root.parameters, parameters)
    if given is None:
        return None
    slots = [*prefix, *given]
    app_label = _compose(root.app_label, slots)
    model = _compose(root.model, slots) if root.model is not None else None
    if app_label is None or (model is None and root.root != REGISTRY):
        return None
    return Loader(root.root, parameters, app_label, model)  # model None: a dotted label


def _compose(slot: Slot, slots: list[Slot | None]) -> Slot | None:
    """The helper's slot for the root's `slot` (the root's parameter -> what the helper passes)."""
    if isinstance(slot, str):
        return slot
    return slots[slot] if slot < len(slots) else None


def _ast_root(
    func: ast.expr, table: ImportTable, parameters: tuple[str, ...]
) -> tuple[Loader, list[Slot | None]] | None:
    """The root loader a callee expression is, with the slots its receiver already fixes
    (`apps.get_app_config("x")` fixes the app label)."""
    if isinstance(func, ast.Name):
        return (
            (SWAPPER_LOAD_MODEL, []) if table.lookup(func.id) == (SWAPPER, "load_model") else None
        )
    if not isinstance(func, ast.Attribute):
        return None
    receiver = func.value
    if isinstance(receiver, ast.Name):
        # a parameter named `apps` is a registry handed in (a migration's historical one)
        imported = None if receiver.id in parameters else table.lookup(receiver.id)
        if func.attr == "load_model" and imported == (SWAPPER, None):
            return SWAPPER_LOAD_MODEL, []
        if func.attr == "get_model" and imported == DJANGO_APPS:
            return REGISTRY_GET_MODEL, []
        return None
    if (
        func.attr == "get_model"
        and isinstance(receiver, ast.Call)
        and isinstance(receiver.func, ast.Attribute)
        and receiver.func.attr == "get_app_config"
        and isinstance(receiver.func.value, ast.Name)
        and receiver.func.value.id not in parameters
        and table.lookup(receiver.func.value.id) == DJANGO_APPS
    ):
        label = _ast_slots(receiver, ("app_label",), parameters)
        if label is None or label[0] is None:
            return None
        # the root's own parameters come after the fixed app label
        return Loader(REGISTRY, ("model_name",), 0, 1), [label[0]]
    return None


def _ast_slots(
    call: ast.Call, names: tuple[str, ...], parameters: tuple[str, ...]
) -> list[Slot | None] | None:
    """What a call passes for each of `names`: a literal, a parameter's index, None when not
    passed; None when something else is passed (an expression, `*args`, `**kwargs`)."""
    values: list[ast.expr | None] = [None] * len(names)
    for index, argument in enumerate(call.args):
        if isinstance(argument, ast.Starred):
            return None
        if index < len(names):
            values[index] = argument
    for keyword in call.keywords:
        if keyword.arg is None:
            return None
        if keyword.arg in names:
            values[names.index(keyword.arg)] = keyword.value
    slots: list[Slot | None] = []
    for value in values:
        if value is None:
            slots.append(None)
        elif isinstance(value, ast.Constant) and isinstance(value.value, str):
            slots.append(value.value)
        elif isinstance(value, ast.Name) and value.id in parameters:
            slots.append(parameters.index(value.id))
        else:
            return None
    return slots
