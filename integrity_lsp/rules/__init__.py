"""Rules, in one folder per family (`races`, `guards`, `migrations`): one module per rule,
registering itself on import, with its docstring as its documentation, beside the helpers only
that family uses. `load_rules` imports every module of every family."""

from __future__ import annotations

import importlib
import pkgutil

from integrity_lsp.analysis.registry import RULES, Rule

_LOADED: list[dict[str, Rule]] = []  # the sorted registry, once every rule module is imported


def load_rules() -> dict[str, Rule]:
    """Import every module of every rule family once; returns the registry sorted by code."""
    if _LOADED and len(_LOADED[0]) == len(RULES):
        return _LOADED[0]
    # In the order of their module names across the families, as when every rule sat in one
    # folder: rules register in import order, and SARIF lists them in registration order.
    found = [m.name for m in pkgutil.walk_packages(__path__, f"{__name__}.") if not m.ispkg]
    for name in sorted(found, key=lambda name: name.rpartition(".")[2]):
        importlib.import_module(name)
    _LOADED[:] = [dict(sorted(RULES.items()))]
    return _LOADED[0]
