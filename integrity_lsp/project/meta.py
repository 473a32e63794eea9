"""A model's `Meta` read statically: its options (`abstract`, `proxy`, `managed`, `db_table`,
`app_label`), `unique_together` and `constraints` (with the `X.Meta.constraints` they extend),
and one `UniqueConstraint(...)` / `CheckConstraint(...)` call as a `ConstraintRecord` (for class
bodies and migration operations alike)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from integrity_lsp.findings import Span
from integrity_lsp.project.records import (
    ConstraintRecord,
    SourceRef,
)
from integrity_lsp.syntax.declarations import (
    UNKNOWN,
    argument_list,
    bool_value,
    call_arguments,
    class_assignments,
    collection_items,
    dotted_name,
    dotted_parts,
    is_operator,
    literal,
    source,
    split_call,
    string_value,
)


@dataclass(frozen=True)
class ParsedMeta:
    ref: SourceRef
    bases: tuple[str, ...]
    declared: frozenset[str]
    abstract: bool = False
    proxy: bool | None = None
    managed: bool | None = None
    db_table: str | None = None
    app_label: str | None = None
    unique_together: tuple[ConstraintRecord, ...] = ()
    unique_together_extends: tuple[str, ...] = ()  # class expressions of `X.Meta.unique_together`
    constraints: tuple[ConstraintRecord, ...] = ()
    constraints_extends: tuple[str, ...] = ()  # class expressions of `*X.Meta.constraints`


def class_bases(classdef: Any) -> list[str]:
    arglist = classdef.get_super_arglist()
    if arglist is None:
        return []
    return [source(node) for node in argument_list(arglist).positional]


def parse_meta(classdef: Any, path: Path) -> ParsedMeta:
    values = class_assignments(classdef)
    declared = set(values)
    together, together_extends = _parse_together(values.get("unique_together"), path)
    constraints, constraints_extends = _parse_constraints(values.get("constraints"), path)
    proxy = bool_value(values.get("proxy")) if "proxy" in values else None
    managed = bool_value(values.get("managed")) if "managed" in values else None
    return ParsedMeta(
        ref=SourceRef(path, Span.of(classdef.name)),
        bases=tuple(class_bases(classdef)),
        declared=frozenset(declared),
        abstract=bool_value(values.get("abstract")) is True,
        proxy=proxy,
        managed=managed,
        db_table=string_value(values.get("db_table")),
        app_label=string_value(values.get("app_label")),
        unique_together=together,
        unique_together_extends=together_extends,
        constraints=constraints,
        constraints_extends=constraints_extends,
    )


def _meta_reference(node: Any, option: str) -> str | None:
    """`X` for `X.Meta.<option>` (also `*X.Meta.<option>`)."""
    if node.type == "star_expr":
        node = node.children[1]
    dotted = dotted_name(node)
    suffix = f".Meta.{option}"
    if dotted is not None and dotted.endswith(suffix):
        return dotted[: -len(suffix)]
    return None


def _operands(node: Any) -> list[Any]:
    """The operands of `a + b + c` (just [node] for anything else)."""
    if node.type == "arith_expr":
        return [child for child in node.children if not is_operator(child, "+")]
    return [node]


def _parse_together(value: Any, path: Path) -> tuple[tuple[ConstraintRecord, ...], tuple[str, ...]]:
    if value is None:
        return (), ()
    records: list[ConstraintRecord] = []
    extends: list[str] = []
    for operand in _operands(value):
        operand = _without_parentheses(operand)
        reference = _meta_reference(operand, "unique_together")
        if reference is not None:
            extends.append(reference)
            continue
        items = collection_items(operand)
        if items is None:
            continue
        whole = literal(operand)
        if items and isinstance(whole, (tuple, list)) and all(isinstance(v, str) for v in whole):
            records.append(_together(tuple(whole), operand, path))  # the single-tuple form
            continue
        for item in items:
            reference = _meta_reference(item, "unique_together")
            if reference is not None:
                extends.append(reference)
                continue
            names = literal(item)
            if isinstance(names, (tuple, list)) and all(isinstance(v, str) for v in names):
                records.append(_together(tuple(names), item, path))
    return tuple(records), tuple(extends)


def _without_parentheses(node: Any) -> Any:
    """`(("a", "b"))` is the tuple `("a", "b")`: parentheses around one expression are no
    tuple (pretix's `unique_together = (('source', 'source_currency', 'other_currency'))`)."""
    while (
        node.type == "atom"
        and len(node.children) == 3
        and node.children[0].type == "operator"
        and node.children[0].value == "("
        and node.children[1].type == "atom"
    ):
        node = node.children[1]
    return node


def _together(names: tuple[str, ...], node: Any, path: Path) -> ConstraintRecord:
    ref = SourceRef(path, Span.of(node))
    return ConstraintRecord(kind="unique_together", ref=ref, fields=names)


def _parse_constraints(
    value: Any, path: Path
) -> tuple[tuple[ConstraintRecord, ...], tuple[str, ...]]:
    if value is None:
        return (), ()
    records: list[ConstraintRecord] = []
    extends: list[str] = []
    for operand in _operands(value):
        reference = _meta_reference(operand, "constraints")
        if reference is not None:
            extends.append(reference)
            continue
        for item in collection_items(operand) or ():
            reference = _meta_reference(item, "constraints")
            if reference is not None:
                extends.append(reference)
                continue
            record = constraint_from_call(item, path)
            if record is not None:
                records.append(record)
    return tuple(records), tuple(extends)


def constraint_from_call(node: Any, path: Path) -> ConstraintRecord | None:
    """A ConstraintRecord for `UniqueConstraint(...)` / `CheckConstraint(...)`; else None."""
    call = split_call(node)
    if call is None:
        return None
    callee = dotted_parts(call[0])
    if callee is None:
        return None
    kind_name = callee.split(".")[-1]
    args = call_arguments(call[1])
    keywords = args.keywords
    name = string_value(keywords.get("name"))
    ref = SourceRef(path, Span.of(node))
    if kind_name == "UniqueConstraint":
        fields = literal(keywords.get("fields")) if "fields" in keywords else ()
        if fields is UNKNOWN or not isinstance(fields, (tuple, list)):
            fields = ()
        nulls = bool_value(keywords.get("nulls_distinct")) if "nulls_distinct" in keywords else None
        return ConstraintRecord(
            kind="unique",
            ref=ref,
            name=name,
            fields=tuple(str(item) for item in fields),
            condition=source(keywords["condition"]) if "condition" in keywords else None,
            has_expressions=bool(args.positional) or "expressions" in keywords,
            expression_fields=_expression_fields(args.positional) if not args.has_star else (),
            expressions_plain=bool(args.positional)
            and not args.has_star
            and all(_plain_field(node) for node in args.positional),
            nulls_distinct=nulls,
            deferrable=_deferrable(keywords.get("deferrable")),
        )
    if kind_name == "CheckConstraint":
        check = keywords.get("condition", keywords.get("check"))
        return ConstraintRecord(
            kind="check", ref=ref, name=name, condition=source(check) if check is not None else None
        )
    return None


# Keywords of expression calls that name no field: an output type, an alias, a database
# function's options. Any other keyword is a lookup (`When(kind="a", then=…)`, `Q(a__lt=…)`).
_NOT_FIELD_KEYWORDS = frozenset(
    {"output_field", "then", "default", "distinct", "filter", "ordering", "function", "template"}
)


def _plain_field(node: Any) -> bool:
    """`"node"` or `F("node")`: a column as it is."""
    if string_value(node) is not None:
        return True
    call = split_call(node)
    if call is None or dotted_parts(call[0]) not in ("F", "models.F"):
        return False
    args = call_arguments(call[1])
    if len(args.positional) != 1 or args.keywords:
        return False
    return string_value(args.positional[0]) is not None


def _expression_fields(expressions: list[Any]) -> tuple[str, ...]:
    """Every field the positional expressions of a `UniqueConstraint` read, or () when one is
    not readable. Django turns a string argument into `F(name)`: `"node"`, `F("node")`,
    `Lower("name")`, `Concat(F("a"), Value(","), F("b"))` read node / name / a and b. A name
    or attribute that is not called, a subscript, a lambda: not readable. Strings that are no
    identifier (`CombinedExpression(F("a"), "<", F("b"))`'s operator) and `Value(…)` read none."""
    found: list[str] = []
    pending = list(expressions)
    while pending:
        node = pending.pop(0)
        kind = node.type
        if kind == "string" or kind == "strings":
            text = string_value(node)
            if text is None:
                return ()
            if text.isidentifier():
                found.append(text)
            continue
        if kind == "number" or (kind == "keyword" and node.value in ("True", "False", "None")):
            continue
        if kind in ("arith_expr", "term", "comparison", "not_test", "and_test", "or_test"):
            pending[:0] = [child for child in node.children if child.type != "operator"]
            continue
        call = split_call(node)
        callee = dotted_parts(call[0]) if call is not None else None
        if call is None or callee is None:
            return ()
        name = callee.split(".")[-1]
        if name == "Value":
            continue
        args = call_arguments(call[1])
        if args.has_star:
            return ()
        if name == "F" and len(args.positional) == 1:
            text = string_value(args.positional[0])
            if text is None:
                return ()
            found.append(text.split("__")[0])
            continue
        for keyword, value in args.keywords.items():
            if keyword == "output_field":
                continue
            if keyword not in _NOT_FIELD_KEYWORDS:
                found.append(keyword.split("__")[0])
            pending.append(value)
        pending[:0] = list(args.positional)
    return tuple(dict.fromkeys(found))


def _deferrable(node: Any) -> str | None:
    if node is None or literal(node) is None:
        return None
    dotted = dotted_name(node)
    if dotted is None:
        return source(node)
    return dotted.split(".")[-1]
