"""The parse-only floor: read and parse every `.py` file under a path, nothing else.

`python -m benchmarks.parse_only ast|parso PATH` walks PATH the way `integrity-lsp check` does
(hidden folders and virtualenvs skipped), parses each file with `ast.parse` or `parso` and
prints the number of files. Run as its own process so that its time is whole-process, like
the tools it is compared with.
"""

from __future__ import annotations

import ast
import os
import sys
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path

SKIP = frozenset({"__pycache__", "node_modules", "site-packages", "venv", ".venv"})


def python_files(root: Path) -> Iterator[Path]:
    if root.is_file():
        yield root
        return
    for folder, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(
            name
            for name in dirnames
            if name not in SKIP
            and not name.startswith(".")
            and not (Path(folder) / name / "pyvenv.cfg").exists()
        )
        for name in sorted(filenames):
            if name.endswith(".py"):
                yield Path(folder) / name


def _ast_parser() -> Callable[[str], object]:
    def parse(text: str) -> object:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                return ast.parse(text)
            except (SyntaxError, ValueError):
                return None

    return parse


def _parso_parser() -> Callable[[str], object]:
    from parso.grammar import load_grammar

    grammar = load_grammar()

    def parse(text: str) -> object:
        return grammar.parse(text, error_recovery=True)

    return parse


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 2 or args[0] not in ("ast", "parso"):
        sys.stderr.write("usage: python -m benchmarks.parse_only ast|parso PATH\n")
        return 2
    parse = _ast_parser() if args[0] == "ast" else _parso_parser()
    count = 0
    for path in python_files(Path(args[1])):
        try:
            text = path.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError):
            continue
        parse(text)
        count += 1
    sys.stdout.write(f"{count}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
