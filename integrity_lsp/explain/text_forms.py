"""The forms a pasted message comes in, brought back to the one the parsers read.

- JSON-escaped (a log line, a Sentry event): `\\"` and `\\n` inside one line;
- hard-wrapped (a commit message, an e-mail, a terminal): the message broken across lines at
  about 72 columns, maybe quoted with `> `;
- in another language: PostgreSQL speaks the server's `lc_messages`
  (`doppelter Schlüsselwert verletzt Unique-Constraint »…«`); each message is put back into
  English from PostgreSQL's own translations (`pg_translations`). MariaDB's `lc_messages`
  (`(1062, "Doppelter Eintrag 'x' für Schlüssel 'sku'")`) is read by its error number: every
  language keeps the quoted arguments in English's order (the value before the key) and the
  foreign-key clause in SQL, so the English message is rebuilt from them (`mysql_in_english`).
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


# --- MySQL / MariaDB in another language ---------------------------------------------------------

# `(errno, "message")` as MySQLdb's exception prints it (double quotes when it holds a `'`).
_MY_ERRNO = re.compile(
    r"""\((?P<errno>1048|1062|1138|1265|1451|1452|4025),\s*(?:"(?P<dq>[^"]*)"|'(?P<sq>[^']*)')\)"""
)
_MY_ENGLISH = {
    "1048": "Column '",
    "1062": "Duplicate entry '",
    "1138": "Invalid use of NULL value",
    "1265": "Data truncated for column '",
    "1451": "Cannot delete or update a parent row",
    "1452": "Cannot add or update a child row",
    "4025": "CONSTRAINT `",  # and " failed for ": German keeps the first word
}
_QUOTED = re.compile(r"'([^'\n]*)'")
_VALUE_THEN_KEY = re.compile(r"'(?P<value>.*)'[^']*'(?P<key>[^'\n]+)'", re.DOTALL)
_BACKQUOTED = re.compile(r"`([^`\n]+)`")
_ROW = re.compile(r"(\d+)\D*$")
_FK_CLAUSE = re.compile(r"\(`.*\)", re.DOTALL)


def mysql_in_english(text: str) -> str:
    """`text` with every MySQL/MariaDB message in another language put back into English."""
    return _MY_ERRNO.sub(_mysql_english, text)


def _mysql_english(match: re.Match[str]) -> str:
    errno = match["errno"]
    message = match["dq"] if match["dq"] is not None else match["sq"]
    if message.startswith(_MY_ENGLISH[errno]) and (errno != "4025" or " failed for " in message):
        return match.group(0)
    english = _rebuilt(errno, message)
    if english is None:
        return match.group(0)
    quote = "'" if "'" not in english else '"'
    return f"({errno}, {quote}{english}{quote})"


def _rebuilt(errno: str, message: str) -> str | None:
    quoted = _QUOTED.findall(message)
    if errno == "1062":
        found = _VALUE_THEN_KEY.search(message)
        return f"Duplicate entry '{found['value']}' for key '{found['key']}'" if found else None
    if errno == "1048":
        return f"Column '{quoted[0]}' cannot be null" if len(quoted) == 1 else None
    if errno == "1138":
        return "Invalid use of NULL value"
    if errno == "1265":
        row = _ROW.search(message)
        if not quoted or row is None:
            return None
        return f"Data truncated for column '{quoted[0]}' at row {row[1]}"
    if errno in ("1451", "1452"):
        clause = _FK_CLAUSE.search(message)
        what = "delete or update a parent" if errno == "1451" else "add or update a child"
        if clause is None:
            return None
        return f"Cannot {what} row: a foreign key constraint fails {clause.group(0)}"
    names = _BACKQUOTED.findall(message)  # 4025: the constraint, then `db`.`table`
    if len(names) < 2:
        return None
    table = ".".join(f"`{name}`" for name in names[1:][-2:])
    return f"CONSTRAINT `{names[0]}` failed for {table}"
