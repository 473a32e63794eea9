"""Where a local name of a function gets its value: the last `name = …` statement before a
given statement, and whether `name.save(` runs between two statements (a second save of the
same object is an UPDATE). Statement order, not control flow: what the rules and the form
reading (`form_saves`) need to follow an object from where it is built to where it is saved."""

from __future__ import annotations

from integrity_lsp.analysis.writes import simple_statements
from integrity_lsp.syntax.nodes import Node, assignment_target, normalised


def last_binding(function: Node, name: str, before: Node) -> Node | None:
    found = None
    for statement in simple_statements(function):
        if statement.start_pos >= before.start_pos:
            break
        target = assignment_target(statement)
        if target is not None and target.type == "name" and target.value == name:
            found = statement
    return found


def saved_between(function: Node, name: str, start: Node, end: Node) -> bool:
    for statement in simple_statements(function):
        between = start.start_pos < statement.start_pos < end.start_pos
        if between and f"{name}.save(" in normalised(statement):
            return True
    return False
