"""parso trees of files as they are on disk, kept between runs in parso's own cache.

parso pickles the trees it parses with `cache=True` into the user's cache folder (the one jedi
uses, `~/.cache/parso`, never the project), keyed by path and modification time; reading one
back costs about a third of parsing it again. `explain` reads many files per call (every file
that mentions the model) and is run again and again on the same project, so its write-site
scan takes its trees from here. A tree is used only when it gives back exactly the text just
read (a file changed within the modification time's resolution is parsed afresh).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from integrity_lsp.syntax.source import grammar, parse


class DiskTrees:
    """A `TreeCache` for files read from disk."""

    def parse(self, path: Path, text: str) -> Any:
        try:
            tree = grammar().parse(
                text, path=str(path), cache=True, diff_cache=False, error_recovery=True
            )
        except (OSError, ValueError, RecursionError):  # an unwritable cache folder, a bad pickle
            return parse(text)
        if tree.get_code() != text:  # parso's cache is keyed by mtime, not content
            return parse(text)
        return tree


DISK_TREES = DiskTrees()
