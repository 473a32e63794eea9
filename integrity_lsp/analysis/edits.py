"""Text edits in parso coordinates: apply them, check the result still parses, add imports."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from parso.utils import split_lines

from integrity_lsp.findings import Edit, Fix, Span
from integrity_lsp.syntax.source import SourceFile, cpython_tree, grammar, parse

Node = Any


class EditConflict(ValueError):
    """Two edits overlap, or an edit lies outside the text."""


def offset_of(lines: list[str], line: int, column: int) -> int:
    """Offset of a parso position (1-based line, 0-based column) in text split by `lines`."""
    if line < 1 or line > len(lines) + (1 if not lines or lines[-1].endswith("\n") else 0):
        raise EditConflict(f"line {line} is outside the text")
    offset = sum(len(text) for text in lines[: line - 1])
    current = lines[line - 1] if line - 1 < len(lines) else ""
    if column > len(current.rstrip("\r\n")):
        raise EditConflict(f"column {column} is outside line {line}")
    return offset + column


def apply_edits(text: str, edits: Iterable[Edit]) -> str:
    """`text` with `edits` applied (all of one file); overlapping edits raise EditConflict."""
    lines = split_lines(text, keepends=True)
    spans = []
    for edit in edits:
        start = offset_of(lines, edit.span.start_line, edit.span.start_column)
        end = offset_of(lines, edit.span.end_line, edit.span.end_column)
        if end < start:
            raise EditConflict("edit ends before it starts")
        spans.append((start, end, edit.content))
    spans.sort(key=lambda item: (item[0], item[1]))
    result: list[str] = []
    cursor = 0
    for start, end, content in spans:
        if start < cursor:
            raise EditConflict("edits overlap")
        result.append(text[cursor:start])
        result.append(content)
        cursor = end
    result.append(text[cursor:])
    return "".join(result)


def compiles(text: str) -> bool:
    """Does CPython accept this source? (parso accepts everything, so it cannot tell.)"""
    return cpython_tree(text) is not None


def fix_keeps_code_valid(fix: Fix, texts: dict[Path, str]) -> bool:
    """A fix is offered only if every file it touches still parses afterwards.

    A file that did not compile before (half-typed in an editor) must not get more parse errors.
    """
    by_path: dict[Path, list[Edit]] = {}
    for edit in fix.edits:
        by_path.setdefault(edit.path, []).append(edit)
    for path, edits in by_path.items():
        before = texts.get(path)
        if before is None:
            return False
        try:
            after = apply_edits(before, edits)
        except EditConflict:
            return False
        if compiles(before):
            if not compiles(after):
                return False
        elif _error_count(after) > _error_count(before):
            return False
    return True


def _error_count(text: str) -> int:
    return len(list(grammar().iter_errors(parse(text))))


def replace_node(path: Path, node: Node, content: str) -> Edit:
    """Replace a node's own code (its leading comments and whitespace are kept)."""
    first = node.get_first_leaf()
    last = node.get_last_leaf()
    start = first.start_pos
    end = last.end_pos
    return Edit(path, Span(start[0], start[1], end[0], end[1]), content)


def statement_span(statement: Node) -> Span:
    """A statement's span without its trailing newline."""
    first = statement.get_first_leaf()
    last = statement.get_last_leaf()
    if last.type == "newline":
        last = last.get_previous_leaf()
    return Span(first.start_pos[0], first.start_pos[1], last.end_pos[0], last.end_pos[1])


def ensure_import(source: SourceFile, module: str, name: str) -> tuple[str, Edit | None]:
    """How to refer to `module.name` in this file, and the import edit if one is needed."""
    references, edit = ensure_imports(source, module, (name,))
    return references[name], edit


def ensure_imports(
    source: SourceFile, module: str, names: Iterable[str]
) -> tuple[dict[str, str], Edit | None]:
    """How to refer to each `module.name` in this file, and the one import edit they need.

    Reuses `from module import name`, or `import module` / `from parent import module` aliases;
    merges missing names into an existing top-level `from module import …` line (sorted as
    isort would, parentheses kept); otherwise adds one `from module import a, b` line after the
    last top-level import.
    """
    references: dict[str, str] = {}
    missing: list[str] = []
    for name in dict.fromkeys(names):
        reference = _existing_import(source, module, name)
        if reference is not None:
            references[name] = reference
        else:
            missing.append(name)
    if not missing:
        return references, None
    references.update({name: name for name in missing})
    line = _mergeable_import(source, module)
    merged = _merged_import(source, line, missing) if line is not None else None
    if merged is not None:
        return references, merged
    return references, _new_import(
        source, f"from {module} import {', '.join(sorted(missing, key=_isort_key))}"
    )


def _isort_key(name: str) -> tuple[int, str]:
    """isort's default order (force_sort_within_sections off): CONSTANTS, Classes, functions."""
    kind = 0 if name.isupper() else 1 if name[:1].isupper() else 2
    return kind, name


def _mergeable_import(source: SourceFile, module: str) -> Node | None:
    """The first top-level `from module import a, b` (no star, no relative level)."""
    for statement in source.tree.children:
        node = statement.children[0] if statement.type == "simple_stmt" else statement
        if node.type != "import_from" or _level(node) or node.is_star_import():
            continue
        if ".".join(n.value for n in node.get_from_names()) == module:
            return node
    return None


def _merged_import(source: SourceFile, node: Node, missing: list[str]) -> Edit | None:
    """The import's name list with `missing` added, in isort order; one line stays one line,
    a parenthesised list gets one name per line. None for a half-typed import."""
    children = node.children
    if len(children) < 4 or (children[3].type == "operator" and len(children) < 6):
        return None
    if "#" in node.get_code(include_prefix=False):
        return None  # a comment inside the list: leave the line as it is, add a new one
    names_node = children[3] if children[3].type != "operator" else children[4]
    if names_node.type not in ("import_as_names", "import_as_name", "name"):
        return None
    present = [code_of(child).strip() for child in _import_items(names_node)]
    merged = sorted(
        dict.fromkeys([*present, *missing]), key=lambda item: _isort_key(item.split()[0])
    )
    if children[3].type == "operator":  # `(`: everything up to `)`, one name per line
        start, end = children[3].end_pos, children[-1].start_pos
        text = "\n" + "".join(f"    {item},\n" for item in merged)
    else:
        start, end = names_node.get_first_leaf().start_pos, names_node.get_last_leaf().end_pos
        text = ", ".join(merged)
    return Edit(source.path, Span(start[0], start[1], end[0], end[1]), text)


def _import_items(names_node: Node) -> list[Node]:
    if names_node.type == "import_as_names":
        return [child for child in names_node.children if child.type != "operator"]
    return [names_node]


def code_of(node: Node) -> str:
    return str(node.get_code(include_prefix=False))


def _existing_import(source: SourceFile, module: str, name: str) -> str | None:
    """The reference to `module.name` when a top-level import gives it already."""
    parent, _, last = module.rpartition(".")
    for statement in source.tree.children:
        node = statement.children[0] if statement.type == "simple_stmt" else statement
        if node.type not in ("import_from", "import_name"):
            continue
        if node.type == "import_from":
            from_module = "." * _level(node) + ".".join(n.value for n in node.get_from_names())
            for path in node.get_paths():
                imported = path[-1].value
                alias = _alias_for(node, imported)
                if from_module == module and imported == name:
                    return alias
                if from_module == parent and imported == last:
                    return f"{alias}.{name}"
        else:
            for path in node.get_paths():
                dotted = ".".join(n.value for n in path)
                alias = _alias_for(node, path[0].value) if len(path) == 1 else dotted
                if dotted == module:
                    return f"{alias}.{name}"
    return None


def _new_import(source: SourceFile, statement: str) -> Edit:
    """The edit adding an import line after the last top-level import (or the docstring)."""
    tree = source.tree
    last_import = None
    for child in tree.children:
        node = child.children[0] if child.type == "simple_stmt" else child
        if node.type in ("import_from", "import_name"):
            last_import = child
    line = f"{statement}\n"
    if last_import is None:
        insert_at = _after_docstring(tree)
        return Edit(source.path, Span(insert_at, 0, insert_at, 0), line)
    end_line = last_import.end_pos[0]
    if last_import.get_last_leaf().type != "newline":
        return Edit(source.path, Span.point(*last_import.end_pos), "\n" + line.rstrip("\n"))
    return Edit(source.path, Span(end_line, 0, end_line, 0), line)


def _level(node: Node) -> int:
    return int(node.level) if hasattr(node, "level") else 0


def _alias_for(node: Node, imported: str) -> str:
    for name in node.get_defined_names():
        aliased = name.parent
        if (
            aliased.type in ("import_as_name", "dotted_as_name")
            and aliased.children[0].value == imported
        ):
            return str(name.value)
        if name.value == imported:
            return imported
    return imported


def _is_docstring_or_future(statement: Node) -> bool:
    if statement.type != "simple_stmt":
        return False
    first = statement.children[0]
    return bool(first.type == "string")


def _after_docstring(tree: Node) -> int:
    for statement in tree.children:
        if _is_docstring_or_future(statement):
            return int(statement.end_pos[0])
        break
    return 1


def shift_block(block: str, old_indent: str, new_indent: str) -> str:
    """Re-indent a block whose first line has no indentation and the others `old_indent`."""
    lines = block.splitlines()
    shifted = [new_indent + lines[0]] if lines else []
    for line in lines[1:]:
        body = line[len(old_indent) :] if line.startswith(old_indent) else line.lstrip()
        shifted.append(new_indent + body if line.strip() else "")
    return "\n".join(shifted)
