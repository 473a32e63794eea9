"""The forms a pasted message comes in, brought back to the one the parsers read.

- JSON-escaped (a log line, a Sentry event): `\\"` and `\\n` inside one line;
- hard-wrapped (a commit message, an e-mail, a terminal): the message broken across lines at
  about 72 columns, maybe quoted with `> `;
- in another language: PostgreSQL speaks the server's `lc_messages`
  (`doppelter Schlüsselwert verletzt Unique-Constraint »…«`); each message is put back into
  English from PostgreSQL's own translations (`pg_translations`).
"""

from __future__ import annotations

import re
from functools import cache, partial

from integrity_lsp.explain.pg_translations import PG_TRANSLATIONS

# --- JSON ----------------------------------------------------------------------------------

_JSON_ESCAPE = re.compile(r'\\(["\\/bfnrt]|u[0-9a-fA-F]{4})')
_JSON_SIMPLE = {
    '"': '"',
    "\\": "\\",
    "/": "/",
    "b": "\b",
    "f": "\f",
    "n": "\n",
    "r": "\r",
    "t": "\t",
}


def json_unescaped(text: str) -> str:
    """`text` with JSON string escapes undone when it reads as JSON-escaped: it holds `\\"`, or
    more escaped line breaks than real ones (a Windows path's `\\n` alone is left alone)."""
    for _ in range(2):  # escaped twice is common enough (a JSON log inside a JSON event)
        if '\\"' not in text and text.count("\\n") <= text.count("\n"):
            break
        text = _JSON_ESCAPE.sub(_json_character, text)
    return text


def _json_character(match: re.Match[str]) -> str:
    escape = match[1]
    if escape.startswith("u"):
        return chr(int(escape[1:], 16))
    return _JSON_SIMPLE[escape]


# --- hard wraps ------------------------------------------------------------------------------

_WRAP = re.compile(r"[ \t]*\n[ \t>]*")


def unwrapped(text: str) -> str:
    """`text` as one line: every line break (and the `> ` quoting after it) is one space."""
    return _WRAP.sub(" ", text)


# --- PostgreSQL in other languages -------------------------------------------------------------

_PLACEHOLDER = re.compile(r"%(?:(\d+)\$)?s")
_KEY_DESCRIPTION = r"\(.*?\)=\(.*\)"  # `Key %s …`: `(col, col2)=(v, v2)`
_IN_PARENS = r".*?"  # `Key (%s)=(%s) …`
_NAME = r"[^\s\"«»“”„]+"  # a table, column or constraint name


@cache
def _patterns() -> tuple[tuple[re.Pattern[str], str, tuple[int, ...]], ...]:
    """(localised pattern, English msgid, which capture fills each English placeholder)."""
    patterns: list[tuple[re.Pattern[str], str, tuple[int, ...]]] = []
    for translations in PG_TRANSLATIONS.values():
        for msgid, msgstr in translations.items():
            if msgid == "DETAIL:  ":
                label = re.escape(msgstr.strip())
                patterns.append((re.compile(rf"(?<!\w){label}\s+"), "DETAIL:  ", ()))
                continue
            localised = _localised_pattern(msgid, msgstr)
            if localised is not None:
                patterns.append((re.compile(localised[0]), msgid, localised[1]))
    return tuple(patterns)


def _localised_pattern(msgid: str, msgstr: str) -> tuple[str, tuple[int, ...]] | None:
    """The regular expression of `msgstr`, None when it drops one of msgid's values."""
    english = [_capture(msgid, m.start()) for m in _PLACEHOLDER.finditer(msgid)]
    parts: list[str] = []
    order: list[int] = []
    position = 0
    for number, match in enumerate(_PLACEHOLDER.finditer(msgstr)):
        parts.append(_literal(msgstr[position : match.start()]))
        argument = int(match[1]) - 1 if match[1] else number
        parts.append(f"(?P<a{argument}>{english[argument]})")
        order.append(argument)
        position = match.end()
    parts.append(_literal(msgstr[position:]))
    if sorted(order) != list(range(len(english))):
        return None
    return "".join(parts), tuple(range(len(english)))


def _capture(msgid: str, start: int) -> str:
    if msgid.startswith("Key %s") and start == 4:
        return _KEY_DESCRIPTION
    if msgid[start - 1 : start] == "(":
        return _IN_PARENS
    return _NAME


def _literal(text: str) -> str:
    """A translation's fixed words; any run of white space matches any (a wrap, two spaces)."""
    words = text.split()
    if not words:
        return r"\s+" if text else ""
    pattern = r"\s+".join(re.escape(word) for word in words)
    before = r"\s+" if text[0].isspace() else ""
    after = r"\s+" if text[-1].isspace() else ""
    return before + pattern + after


def in_english(text: str) -> str:
    """`text` with every PostgreSQL message in another language put back into English."""
    for pattern, msgid, order in _patterns():
        text = pattern.sub(partial(_english, msgid=msgid, order=order), text)
    return text


def _english(match: re.Match[str], *, msgid: str, order: tuple[int, ...]) -> str:
    if not order:
        return msgid
    values = iter(match[f"a{argument}"] for argument in order)
    return _PLACEHOLDER.sub(lambda _: next(values), msgid)
