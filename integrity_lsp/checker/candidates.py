"""What of a file parso must read for a `check`: CPython's parser (about ten times faster than
parso's) finds the functions a rule can report in, and the bodies of all other functions are
blanked before parso sees the text. Lines and columns do not move, so every finding, fix and
`# noqa` is where a parse of the whole text would put it.

A function is a candidate when its text holds one of the words of a rule that applies
(`Rule.words`; with `Rule.constructors`, also when it calls `Name(key=…)`). For a rule of
`scope="calls"`, so is every function of the module that calls one of its candidates or that
one calls, by name, to a fixed point (a check in a view, the create in a helper; a function
is also called by the names it is bound to outside functions: `Board.add_to_class("is_starred",
board_is_starred)`, `is_starred = board_is_starred` in a class body), and the
validation methods (`clean…`/`validate…`) of the module's classes (a form's check, a model's
`clean()` that a ModelForm's `is_valid()` runs).
What is not inside a function (imports, module constants, class headers and class attributes,
decorators, signatures) is always kept. Each rule says what it reads (`Rule.scope`): "function",
"calls" (the above), "module" (nothing inside functions), or "file" (the default: with such a
rule, nothing is blanked, so a rule that does not say is always safe).
A rule may narrow its candidates further for a project (`Rule.narrowing`: IL205 without any
`CheckConstraint` needs a negative literal); a file where it reaches no function and no code
outside functions is not read for it at all (`plan`).
`tests/checker/test_candidates.py` proves over every fixture and example that blanking loses no
finding.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass

from integrity_lsp.analysis.registry import Narrowing, Rule
from integrity_lsp.syntax.source import cpython_tree

_FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef)
# Every identifier of a function's text (strings and comments too: more is only slower).
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
# `Name(`: a capitalised name called (with keywords, the rule's shape; the text test is
# cheaper than a walk of the function's nodes and only keeps more).
_CONSTRUCTOR_CALL = re.compile(r"\b[A-Z]\w*\s*\(")
# A form's or serializer's validation: the race analysis reads it for the class's other methods.
_VALIDATION = re.compile(r"(clean|validate)(_\w+)?$")


@dataclass(frozen=True)
class _Unit:
    """A function of the module or a method of one of its classes (nested classes too)."""

    names: frozenset[str]  # its own name and those of its classes (calling a class runs it)
    first_line: int  # its first decorator, else the `def` line
    body_line: int  # the first line of its body
    last_line: int
    uses: frozenset[str]  # every identifier in its text: what it reads or calls
    constructs: bool  # may call a capitalised name with keywords: `Item(code="a")`
    node: ast.stmt  # its `def`
    owner: tuple[str, ...] = ()  # the classes it is a method of
    validates: bool = False  # `clean…`/`validate…`: runs before the class's other methods


@dataclass(frozen=True)
class Plan:
    """What a file is read for: the rules that can report in it, and the text parso reads
    (None: the whole text)."""

    rules: tuple[Rule, ...]
    text: str | None


def candidate_text(
    text: str, rules: Sequence[Rule], lines: Sequence[str], tree: ast.Module | None = None
) -> str | None:
    """`text` with the bodies of the functions no rule in `rules` can report in blanked, or
    None when nothing can be blanked (a rule needs the whole file, CPython rejects the text,
    or every function is a candidate). `lines`: the text split as parso splits it; `tree`:
    CPython's tree of the text when the caller has it already."""
    return plan(text, rules, lines, tree).text


def plan(
    text: str,
    rules: Sequence[Rule],
    lines: Sequence[str],
    tree: ast.Module | None = None,
    narrowings: Mapping[str, Narrowing] | None = None,
) -> Plan:
    """The rules of `rules` that can report in the file and what parso reads for them (see
    `candidate_text`). `narrowings`: the project's `Rule.narrowing` by rule code."""
    whole = Plan(tuple(rules), None)
    if not rules or any(rule.scope == "file" for rule in rules):
        return whole
    readers = [rule for rule in rules if rule.scope in ("function", "calls")]
    if any(not rule.words for rule in readers):
        return whole  # a rule with no words may report anywhere
    tree = tree if tree is not None else cpython_tree(text)
    if tree is None:
        return whole
    units = list(_units(tree.body, lines, aliases=_aliases(tree)))
    narrowings = narrowings or {}
    plain = [r for r in readers if r.scope == "function" and r.code not in narrowings]
    alone = _seeds(units, lines, plain)
    dropped: set[str] = set()
    for rule in readers:
        narrowing = narrowings.get(rule.code)
        if narrowing is None or rule.scope != "function":
            continue
        seeds = _narrowed_seeds(units, lines, rule, narrowing)
        if any(seeds) or _outside_holds(text, tree, units, narrowing):
            alone = [a or b for a, b in zip(alone, seeds, strict=True)]
        else:
            dropped.add(rule.code)
    kept_rules = tuple(rule for rule in rules if rule.code not in dropped)
    linked = _seeds(units, lines, [rule for rule in readers if rule.scope == "calls"])
    kept = [a or b for a, b in zip(alone, _closure(units, linked), strict=True)]
    blanked = [unit for unit, keep in zip(units, kept, strict=True) if not keep]
    blanked = [unit for unit in blanked if unit.body_line > unit.first_line]
    if not blanked or len(lines) < max(unit.last_line for unit in blanked):
        return Plan(kept_rules, None)
    return Plan(kept_rules, _blank(lines, blanked))


def _narrowed_seeds(
    units: Sequence[_Unit], lines: Sequence[str], rule: Rule, narrowing: Narrowing
) -> list[bool]:
    """The functions `rule` can report in given the project: its words, and what it narrows
    to (the cheap text test first, CPython's nodes only then)."""
    found = []
    for unit, seed in zip(units, _seeds(units, lines, [rule]), strict=True):
        text = "".join(lines[unit.first_line - 1 : unit.last_line]) if seed else ""
        found.append(
            seed
            and narrowing.word in text
            and any(narrowing.node(node) for node in ast.walk(unit.node))
        )
    return found


def _outside_holds(
    text: str, tree: ast.Module, units: Sequence[_Unit], narrowing: Narrowing
) -> bool:
    """Does the code outside every candidate function hold what `narrowing` needs? (What is
    outside functions is always read, and may report.)"""
    if narrowing.word not in text:
        return False
    inside = {id(unit.node) for unit in units}
    return any(narrowing.node(node) for node in _walk_outside(tree, inside))


def _walk_outside(tree: ast.AST, skipped: set[int]) -> Iterator[ast.AST]:
    stack: list[ast.AST] = [tree]
    while stack:
        node = stack.pop()
        if id(node) in skipped:
            continue
        yield node
        stack.extend(ast.iter_child_nodes(node))


def _seeds(units: Sequence[_Unit], lines: Sequence[str], rules: Sequence[Rule]) -> list[bool]:
    """The functions some rule of `rules` can report in: its words are in their text."""
    if not rules:
        return [False] * len(units)
    words = tuple({word for rule in rules for word in rule.words})
    constructors = any(rule.constructors for rule in rules)
    return [_is_seed(lines, unit, words, constructors) for unit in units]


def _aliases(tree: ast.Module) -> Mapping[str, frozenset[str]]:
    """The other names a function is called by, bound outside every function body:
    `Board.add_to_class("is_starred", board_is_starred)` (also `name=`/`value=`),
    `is_starred = board_is_starred` in a class body, `Board.is_starred = board_is_starred`. A
    call of `board.is_starred(…)` reaches the function's body, so the closure must see it."""
    found: dict[str, set[str]] = {}
    functions = {id(node) for node in ast.walk(tree) if isinstance(node, _FUNCTIONS)}
    for node in _walk_outside(tree, functions):
        alias, target = _bound_alias(node)
        if alias and target and alias != target:
            found.setdefault(target, set()).add(alias)
    return {target: frozenset(names) for target, names in found.items()}


def _bound_alias(node: ast.AST) -> tuple[str | None, str | None]:
    """(alias, function name) of one binding statement or call, else (None, None)."""
    if isinstance(node, ast.Assign) and isinstance(node.value, ast.Name):
        for target in node.targets:
            if isinstance(target, ast.Name):
                return target.id, node.value.id
            if isinstance(target, ast.Attribute):
                return target.attr, node.value.id
    if not (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "add_to_class"
    ):
        return None, None
    given = dict(zip(("name", "value"), node.args, strict=False))
    given.update({k.arg: k.value for k in node.keywords if k.arg in ("name", "value")})
    name, value = given.get("name"), given.get("value")
    if (
        isinstance(name, ast.Constant)
        and isinstance(name.value, str)
        and isinstance(value, ast.Name)
    ):
        return name.value, value.id
    return None, None


def _units(
    body: Iterable[ast.stmt],
    lines: Sequence[str],
    classes: tuple[str, ...] = (),
    aliases: Mapping[str, frozenset[str]] | None = None,
) -> Iterable[_Unit]:
    aliases = aliases or {}
    for statement in body:
        if isinstance(statement, _FUNCTIONS):
            decorators = [decorator.lineno for decorator in statement.decorator_list]
            first = min([statement.lineno, *decorators])
            last = statement.end_lineno or statement.lineno
            names = frozenset({statement.name, *classes, *aliases.get(statement.name, ())})
            body_line = _own_line(statement.body[0], lines) or first  # first: never blanked
            text = "".join(lines[first - 1 : last])
            uses = frozenset(_NAME.findall(text))
            constructs = bool(_CONSTRUCTOR_CALL.search(text))
            validates = bool(classes) and bool(_VALIDATION.match(statement.name))
            yield _Unit(
                names, first, body_line, last, uses, constructs, statement, classes, validates
            )
        elif isinstance(statement, ast.ClassDef):
            yield from _units(statement.body, lines, (*classes, statement.name), aliases)
        elif isinstance(statement, (ast.If, ast.Try, ast.With)):
            # `if TYPE_CHECKING:` / `try: … except ImportError:` blocks may define functions
            yield from _units(_blocks_of(statement), lines, classes, aliases)


def _own_line(statement: ast.stmt, lines: Sequence[str]) -> int | None:
    """The line a body's first statement starts, when nothing of the header shares it
    (`def f(): return 1`, `def f(\n    a): return a`): only then may the body be blanked."""
    if statement.lineno > len(lines):
        return None
    before = lines[statement.lineno - 1].encode("utf-8", "surrogatepass")[: statement.col_offset]
    return statement.lineno if not before.strip() else None


def _blocks_of(statement: ast.stmt) -> Iterable[ast.stmt]:
    for name in ("body", "orelse", "finalbody"):
        yield from getattr(statement, name, ())
    for handler in getattr(statement, "handlers", ()):
        yield from handler.body


def _is_seed(lines: Sequence[str], unit: _Unit, words: tuple[str, ...], constructors: bool) -> bool:
    if constructors and unit.constructs:
        return True
    text = "".join(lines[unit.first_line - 1 : unit.last_line])
    return any(word in text for word in words)


def _closure(units: Sequence[_Unit], seeds: list[bool]) -> list[bool]:
    """The seeds, every function a kept one calls or names, every function that names a kept
    one, and the validation methods of every class once anything is kept (a form's `clean…`
    runs for its class's other methods; a model's `clean()` for `is_valid()` of any ModelForm
    over it), to a fixed point."""
    kept = list(seeds)
    changed = True
    while changed:
        changed = False
        kept_names: set[str] = set()
        for unit, keep in zip(units, kept, strict=True):
            if keep:
                kept_names |= unit.names
        kept_uses: set[str] = set()
        for unit, keep in zip(units, kept, strict=True):
            if keep:
                kept_uses |= unit.uses
        kept_owners = {unit.owner for unit, keep in zip(units, kept, strict=True) if keep}
        for index, unit in enumerate(units):
            if kept[index]:
                continue
            if (
                not unit.names.isdisjoint(kept_uses)
                or not kept_names.isdisjoint(unit.uses)
                or (unit.validates and (unit.owner in kept_owners or any(kept)))
            ):
                kept[index] = changed = True
    return kept


def _blank(lines: Sequence[str], blanked: Sequence[_Unit]) -> str:
    """Each blanked body becomes `...` on its last line, at its indentation, every other line
    of it empty: the function still ends on its last line, and nothing else moves."""
    out = list(lines)
    for unit in blanked:
        first_body = lines[unit.body_line - 1]
        indent = first_body[: len(first_body) - len(first_body.lstrip(" \t"))]
        for number in range(unit.body_line, unit.last_line):
            out[number - 1] = _ending(lines[number - 1])
        last = lines[unit.last_line - 1]
        out[unit.last_line - 1] = indent + "..." + _ending(last)
    return "".join(out)


def _ending(line: str) -> str:
    stripped = line.rstrip("\r\n")
    return line[len(stripped) :]
