"""Random values as Django code writes them: the bits of randomness of `uuid.uuid4()`,
`secrets.token_hex(n)` or `get_random_string(length, allowed_chars)`, and whether a default a
migration names (`uuid.uuid4`, `shop.models.new_token`) is such a generator."""

from __future__ import annotations

import math
import string
from collections.abc import Callable

from integrity_lsp.syntax.nodes import Node, arguments, chain_parts, code, keyword_arguments
from integrity_lsp.syntax.nodes import statements as block_statements
from integrity_lsp.syntax.source import parse

MIN_BITS = 64
# Callables that are random generators themselves (`default=uuid.uuid4`).
RANDOM_CALLABLES = frozenset(
    {"uuid.uuid4", "uuid4", "secrets.token_hex", "secrets.token_urlsafe", "secrets.token_bytes"}
)
# `secrets.token_*` and `get_random_string` called with no size: 32 bytes, 12 letters (Django
# < 4.0 only; 4.0 made `length` required) — 12 of 62 letters is 71 bits.
_SECRETS_BITS = {"token_hex": 8, "token_urlsafe": 8, "token_bytes": 8}  # bits per byte
_ALPHABETS = {
    name: frozenset(getattr(string, name))
    for name in (
        "ascii_lowercase",
        "ascii_uppercase",
        "ascii_letters",
        "digits",
        "hexdigits",
        "octdigits",
        "punctuation",
    )
}
_DEFAULT_ALPHABET = _ALPHABETS["ascii_letters"] | _ALPHABETS["digits"]  # Django's allowed_chars


def random_default(default: str, read_module: Callable[[str], str | None]) -> bool:
    """A default as a migration writes it (`uuid.uuid4`, `shop.models.new_token`) is a random
    generator: a known one, or a project function `random_function_body` accepts.
    `read_module(dotted name)` gives a project module's text, None when it is not the
    project's."""
    if default in RANDOM_CALLABLES:
        return True
    module, _, function = default.rpartition(".")
    if not module or not function.isidentifier():
        return False
    text = read_module(module)
    return text is not None and random_function_body(text, function)


def random_function_body(text: str, function: str) -> bool:
    """The module-level function `function` of the module `text` returns a random value of at
    least MIN_BITS bits and does nothing else (a docstring aside)."""
    tree = parse(text)
    for funcdef in tree.iter_funcdefs():
        if funcdef.children[1].value != function:
            continue
        body = [s for s in block_statements(funcdef.children[-1]) if not _is_docstring(s)]
        if len(body) != 1:
            return False
        statement = body[0].children[0] if body[0].type == "simple_stmt" else body[0]
        if statement.type != "return_stmt" or len(statement.children) != 2:
            return False
        return random_bits(statement.children[1]) >= MIN_BITS
    return False


def _is_docstring(statement: Node) -> bool:
    node = statement.children[0] if statement.type == "simple_stmt" else statement
    return bool(node.type == "string")


def random_bits(expression: Node) -> float:
    """The bits of randomness of `uuid.uuid4()` (122), `str(uuid4())`, `uuid4().hex`,
    `secrets.token_hex(n)`, `get_random_string(length, allowed_chars)`; 0 for anything else."""
    head, trailers = chain_parts(expression)
    if head.type != "name" or not trailers:
        return 0
    if head.value == "str" and len(trailers) == 1:
        args = arguments(trailers[0])
        return random_bits(args[0].value) if len(args) == 1 and not args[0].keyword else 0
    calls = [i for i, t in enumerate(trailers) if t.children[0].value == "("]
    if not calls:
        return 0
    called = code(head) + "".join(code(t) for t in trailers[: calls[0]])
    rest = trailers[calls[0] + 1 :]
    if called in ("uuid.uuid4", "uuid4"):
        tail = "".join(code(t) for t in rest)
        return 122 if tail in ("", ".hex") else 0
    if rest:
        return 0
    call = trailers[calls[0]]
    if called.startswith("secrets.token_") and called[len("secrets.") :] in _SECRETS_BITS:
        args = arguments(call)
        if not args:
            return 256
        size = _integer(args[0].value) if len(args) == 1 and not args[0].keyword else None
        return size * _SECRETS_BITS[called[len("secrets.") :]] if size else 0
    if called.endswith("get_random_string"):
        return _random_string_bits(call)
    return 0


def _random_string_bits(call: Node) -> float:
    args = arguments(call)
    keywords = keyword_arguments(call)
    positional = [a for a in args if a.keyword is None and not a.star]
    if any(a.star for a in args):
        return 0
    length_node = keywords["length"].value if "length" in keywords else None
    chars_node = keywords["allowed_chars"].value if "allowed_chars" in keywords else None
    if positional:
        length_node = positional[0].value
    if len(positional) > 1:
        chars_node = positional[1].value
    length = _integer(length_node) if length_node is not None else None
    alphabet = _alphabet(chars_node) if chars_node is not None else _DEFAULT_ALPHABET
    if not length or len(alphabet) < 2:
        return 0
    return length * math.log2(len(alphabet))


def _integer(node: Node) -> int | None:
    return int(node.value) if node.type == "number" and node.value.isdigit() else None


def _alphabet(node: Node) -> frozenset[str]:
    """The letters of an `allowed_chars`: a plain literal, `string.…` constants joined with
    `+`; empty when not known."""
    if node.type == "string":
        literal = code(node)
        if literal[:1] in "rRbBuUfF" or literal[:3] in ('"""', "'''") or "\\" in literal:
            return frozenset()
        return frozenset(literal[1:-1])
    if node.type == "arith_expr":
        if any(op.value != "+" for op in node.children[1::2]):
            return frozenset()
        parts = [_alphabet(part) for part in node.children[::2]]
        return frozenset().union(*parts) if all(parts) else frozenset()
    head, trailers = chain_parts(node)
    if head.type == "name" and head.value == "string" and len(trailers) == 1:
        return _ALPHABETS.get(str(trailers[0].children[-1].value), frozenset())
    return frozenset()
