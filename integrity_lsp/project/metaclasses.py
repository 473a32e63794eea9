"""Metaclasses a module defines that add fields to the model classes naming them.

cartridge's `ProductVariationMetaclass.__new__` does `attrs["option%s" % n] = OptionField(…)`
for each option type in a setting: `ProductVariation(…, metaclass=ProductVariationMetaclass)`
has columns no class body declares (its migrations create `option1`, `option2`), so its field
set is not known. Only what the metaclass's own code shows counts -- a write into the class
attributes it receives, `add_to_class` or `setattr` -- so a metaclass that only checks or wraps
(django-rules' `RulesModelBase`) leaves the fields as declared.
"""

from __future__ import annotations

import re
from typing import Any

_ADDS = re.compile(r"\badd_to_class\s*\(|\bsetattr\s*\(")


def field_adding_metaclasses(tree: Any) -> frozenset[str]:
    """Names of the module-level classes whose `__new__` or `__init__` writes into the class
    attributes it is given (`attrs[…] = …`), or calls `add_to_class` / `setattr`."""
    found = set()
    for classdef in tree.iter_classdefs():
        for function in classdef.iter_funcdefs():
            if function.name.value not in ("__new__", "__init__"):
                continue
            params = [str(param.name.value) for param in function.get_params()]
            body = function.children[-1].get_code()
            attrs = params[3] if len(params) >= 4 else None
            writes = attrs is not None and re.search(
                rf"^\s*{re.escape(attrs)}\s*\[.*\]\s*=(?!=)", body, re.MULTILINE
            )
            if writes or _ADDS.search(body):
                found.add(str(classdef.name.value))
    return frozenset(found)
