"""The results cache's file: where it lives, how it is signed, written and read back.

The cache normally lives in the analysed project (`<root>/.integrity-lsp-cache/`), where
anyone who can commit to the project can put one: its content is never trusted. The file is
signed with an HMAC under a key of this user (`$INTEGRITY_LSP_CACHE_DIR/key` when that is
set, else `$XDG_CACHE_HOME/integrity-lsp/key` or `~/.cache/integrity-lsp/key`, created 0600),
so a cache written by someone else -- committed, or edited by hand -- is ignored; what is read
back is then validated whole (every entry, every finding), and on any doubt the whole cache
is ignored. Writing never follows a symlink: a `.integrity-lsp-cache` that is a symlink is
neither read nor written (a warning says so), `.gitignore` and `CACHEDIR.TAG` are created
with `O_EXCL | O_NOFOLLOW` (a dangling symlink there creates nothing), and the results are
renamed into place (the rename replaces a link, never its target).
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import os
import stat
import tempfile
from pathlib import Path
from typing import Any

from integrity_lsp.findings import Applicability, Edit, Finding, Fix, Location, Severity, Span
from integrity_lsp.syntax.files import ReadWarning, log_read_warning, read_project_bytes

CACHE_DIR_NAME = ".integrity-lsp-cache"
ENV_VAR = "INTEGRITY_LSP_CACHE_DIR"
SELF = "@self"
MAX_CACHE_BYTES = 256 * 1024 * 1024  # the cache of a project of thousands of files
_ENTRY_KEYS = frozenset({"hash", "structure", "everything", "reads", "findings"})
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)


def cache_folder(root: Path, name: str) -> Path:
    configured = os.environ.get(ENV_VAR)
    if configured:
        return Path(configured) / name
    return root / CACHE_DIR_NAME


def usable(folder: Path) -> bool:
    """Whether the cache may be read from and written to `folder`: not a symlink (nor
    anything else that is not a folder) in the project. Says why not, once."""
    try:
        status = os.lstat(folder)
    except FileNotFoundError:
        return True
    except OSError as error:
        log_read_warning(ReadWarning(folder, f"cannot use the results cache: {error}", error))
        return False
    if stat.S_ISDIR(status.st_mode):
        return True
    what = "a symlink" if stat.S_ISLNK(status.st_mode) else "not a folder"
    reason = f"{what}; the results cache is neither read nor written"
    log_read_warning(ReadWarning(folder, reason))
    return False


def load(file: Path, fingerprint: str) -> dict[str, dict[str, Any]] | None:
    """The entries of a cache file written by this user for this fingerprint, every one
    valid; None otherwise."""
    key = _key()
    data = read_project_bytes(file, max_bytes=MAX_CACHE_BYTES, warn=lambda warning: None)
    if key is None or data is None:
        return None
    try:
        document = json.loads(data)
        mac = document.pop("mac")
        if not hmac.compare_digest(str(mac), _sign(key, document)):
            return None
        if document.get("fingerprint") != fingerprint:
            return None
        entries = document["entries"]
        if not isinstance(entries, dict) or not all(
            isinstance(path, str) and _valid_entry(path, entry) for path, entry in entries.items()
        ):
            return None
    except (ValueError, TypeError, KeyError, AttributeError, RecursionError):
        return None
    return entries


def save(folder: Path, file: Path, fingerprint: str, entries: dict[str, Any]) -> bool:
    """Write the cache file (signed) atomically; False when it cannot be."""
    key = _key()
    if key is None or not usable(folder):
        return False
    try:
        folder.mkdir(parents=True, exist_ok=True)
        if not usable(folder):
            return False
        if folder.name == CACHE_DIR_NAME:
            _create_new(folder / ".gitignore", "# Created by integrity-lsp\n*\n")
            _create_new(folder / "CACHEDIR.TAG", "Signature: 8a477f597d28d172789f06886806bc55\n")
        document = {"fingerprint": fingerprint, "entries": entries}
        payload = json.dumps({**document, "mac": _sign(key, document)})
        handle, temporary = tempfile.mkstemp(dir=folder, prefix=".results-", suffix=".tmp")
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as stream:
                stream.write(payload)
            os.replace(temporary, file)
        finally:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
    except OSError:
        return False
    return True


def _create_new(path: Path, text: str) -> None:
    """Create `path` with `text` unless something (a file, a symlink) is there already."""
    try:
        handle = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW, 0o644)
    except FileExistsError:
        return
    with os.fdopen(handle, "w", encoding="utf-8") as stream:
        stream.write(text)


def _sign(key: bytes, document: Any) -> str:
    canonical = json.dumps(document, sort_keys=True, separators=(",", ":"))
    return hmac.new(key, canonical.encode("utf-8", "surrogatepass"), hashlib.sha256).hexdigest()


def user_folder() -> Path:
    """This user's own cache folder (never the project's): `$INTEGRITY_LSP_CACHE_DIR`, else
    `$XDG_CACHE_HOME/integrity-lsp` or `~/.cache/integrity-lsp`. The signing key lives here."""
    configured = os.environ.get(ENV_VAR)
    if configured:
        return Path(configured)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "integrity-lsp"


def user_key() -> bytes | None:
    """This user's key for signing caches (created on first use), None when there is none."""
    return _key()


def _key() -> bytes | None:
    """This user's key for signing caches (created on first use), None when there is none."""
    folder = user_folder()
    path = folder / "key"
    for _attempt in range(2):
        existing = read_project_bytes(path, max_bytes=1024, warn=lambda warning: None)
        if existing is not None and len(existing) >= 32:
            return existing
        try:
            folder.mkdir(parents=True, exist_ok=True, mode=0o700)
            handle = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW, 0o600)
        except FileExistsError:
            continue  # another process created it meanwhile: read it
        except OSError:
            return None
        key = os.urandom(32)
        with os.fdopen(handle, "wb") as stream:
            stream.write(key)
        return key
    return None


# ---------------------------------------------------------------------- (de)serialising


def _span(span: Span) -> list[int]:
    return [span.start_line, span.start_column, span.end_line, span.end_column]


def _path_out(path: Path, own: Path) -> str:
    return SELF if path == own else str(path)


def _path_in(text: str, own: Path) -> Path:
    if not isinstance(text, str) or "\0" in text:
        raise ValueError("not a path")
    return own if text == SELF else Path(text)


def _span_in(value: Any) -> Span:
    if not isinstance(value, list) or len(value) != 4:
        raise ValueError("not a span")
    if not all(type(number) is int and number >= 0 for number in value):
        raise ValueError("not a span")
    return Span(*value)


def encode(finding: Finding, own: Path) -> dict[str, Any]:
    return {
        "code": finding.code,
        "message": finding.message,
        "path": _path_out(finding.path, own),
        "span": _span(finding.span),
        "related": [[_path_out(r.path, own), _span(r.span), r.message] for r in finding.related],
        "fixes": [
            [
                fix.title,
                fix.applicability.value,
                [[_path_out(e.path, own), _span(e.span), e.content] for e in fix.edits],
            ]
            for fix in finding.fixes
        ],
        "severity": finding.severity.value,
        "name": finding.name,
        "data": [list(pair) for pair in finding.data],
    }


def decode(data: dict[str, Any], own: Path) -> Finding:
    """The finding `encode` wrote; ValueError (or TypeError, KeyError) for anything else."""
    strings = [data["code"], data["message"], data["name"]]
    if not all(isinstance(value, str) for value in strings):
        raise ValueError("not a finding")
    return Finding(
        code=data["code"],
        message=data["message"],
        path=_path_in(data["path"], own),
        span=_span_in(data["span"]),
        related=tuple(
            Location(_path_in(path, own), _span_in(span), _string(message))
            for path, span, message in data["related"]
        ),
        fixes=tuple(
            Fix(
                _string(title),
                Applicability(applicability),
                tuple(
                    Edit(_path_in(path, own), _span_in(span), _string(content))
                    for path, span, content in edits
                ),
            )
            for title, applicability, edits in data["fixes"]
        ),
        severity=Severity(data["severity"]),
        name=data["name"],
        data=tuple((_string(key), _string(value)) for key, value in data["data"]),
    )


def _string(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError("not a string")
    return value


def _valid_entry(path: str, entry: Any) -> bool:
    if not isinstance(entry, dict) or set(entry) != _ENTRY_KEYS or not os.path.isabs(path):
        return False
    if not all(isinstance(entry[name], str) for name in ("hash", "structure")):
        return False
    if entry["everything"] is not None and not isinstance(entry["everything"], str):
        return False
    reads = entry["reads"]
    if not isinstance(reads, dict) or not all(
        isinstance(name, str) and os.path.isabs(name) and "\0" not in name and isinstance(h, str)
        for name, h in reads.items()
    ):
        return False
    if not isinstance(entry["findings"], list):
        return False
    for item in entry["findings"]:
        decode(item, Path(path))
    return True
