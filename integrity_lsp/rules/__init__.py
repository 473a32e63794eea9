"""Rules: one module per rule, registering itself on import; its docstring is its documentation."""

from __future__ import annotations

import importlib
import pkgutil

from integrity_lsp.analysis.registry import RULES, Rule

_LOADED: list[dict[str, Rule]] = []  # the sorted registry, once every rule module is imported


def load_rules() -> dict[str, Rule]:
    """Import every rule module once; returns the registry sorted by code."""
    if _LOADED and len(_LOADED[0]) == len(RULES):
        return _LOADED[0]
    for module in pkgutil.iter_modules(__path__):
        importlib.import_module(f"{__name__}.{module.name}")
    _LOADED[:] = [dict(sorted(RULES.items()))]
    return _LOADED[0]
