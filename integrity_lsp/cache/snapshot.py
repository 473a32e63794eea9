"""What `explain` keeps between runs: the built index, the parsed migrations, and per file what
was read from it (its write sites), so a second explain on an unchanged project parses nothing.

It holds the index's own objects, so it is a pickle -- which is why it never lives in the
project: it is kept in this user's cache folder (`store.user_folder()`, next to the key that
signs the results cache), signed with that key (HMAC-SHA256 over the bytes) and unpickled only
when the signature matches; a snapshot anyone else wrote is ignored. It is the trust parso's
own tree cache in the same folder already gets.

Validity: the whole snapshot for one run fingerprint and one structure digest (see
`integrity_lsp.cache`: every file's surface, the structural files whole, the site-packages
folders), which is all the index reads; a parsed migration while its size and modification
time are those it was read with (the migration history's own check); a file's entries while
its content hash is unchanged and, when jedi was consulted for them, while no project file
changed (`everything`).
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import os
import pickle
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from integrity_lsp.cache import JediProbe, ProjectState, digest, store
from integrity_lsp.project.index import ProjectIndex
from integrity_lsp.syntax.files import read_project_bytes

FORMAT = 1
MAX_SNAPSHOT_BYTES = 512 * 1024 * 1024
_MAC_BYTES = 32
T = TypeVar("T")


class Snapshot:
    """One project's snapshot: `index` (None until built or loaded) and per-file memos."""

    def __init__(self, root: Path, fingerprint: str, state: ProjectState) -> None:
        self.root = root
        self.fingerprint = fingerprint
        self.state = state
        self.index: ProjectIndex | None = None
        self.migrations: dict[Path, Any] = {}
        self._files: dict[str, dict[str, Any]] = {}
        self._dirty = False
        self.hits = 0
        self.misses = 0

    @property
    def file(self) -> Path:
        return store.user_folder() / "snapshots" / f"{digest(str(self.root))}-v{FORMAT}.pickle"

    @classmethod
    def open(cls, root: Path, fingerprint: str, state: ProjectState) -> Snapshot:
        snapshot = cls(Path(os.path.abspath(root)), fingerprint, state)
        snapshot._load()
        return snapshot

    def _load(self) -> None:
        key = store.user_key()
        data = read_project_bytes(self.file, max_bytes=MAX_SNAPSHOT_BYTES, warn=lambda w: None)
        if key is None or data is None or len(data) <= _MAC_BYTES:
            return
        mac, payload = data[:_MAC_BYTES], data[_MAC_BYTES:]
        if not hmac.compare_digest(mac, hmac.new(key, payload, hashlib.sha256).digest()):
            return
        try:
            document = pickle.loads(payload)  # signed by this user: see the module docs
            if (
                document["fingerprint"] != self.fingerprint
                or document["structure"] != self.state.structure
                or not isinstance(document["index"], ProjectIndex)
            ):
                return
            self.index = document["index"]
            self.migrations = dict(document["migrations"])
            self._files = dict(document["files"])
        except Exception:  # an unreadable snapshot is no snapshot: everything is rebuilt
            self.index = None
            self.migrations = {}
            self._files = {}

    # ------------------------------------------------------------------ per-file memos

    def _entry(self, path: Path) -> dict[str, Any] | None:
        entry = self._files.get(str(path))
        if entry is None or entry["hash"] != self.state.hashes.get(str(path)):
            return None
        if entry["everything"] is not None and entry["everything"] != self.state.everything:
            return None
        return entry

    def memo(self, path: Path, key: str, compute: Callable[[], T]) -> T:
        """What `compute` read from the file `path` under `key` (say, the writes of one model),
        from the snapshot when the file is unchanged, else computed now and kept."""
        path = Path(os.path.abspath(path))
        entry = self._entry(path)
        if entry is not None and key in entry["memo"]:
            self.hits += 1
            return entry["memo"][key]  # type: ignore[no-any-return]
        self.misses += 1
        JediProbe.install()
        before = JediProbe.count
        value = compute()
        text_hash = self.state.hashes.get(str(path))
        if text_hash is None:  # not one of the walked files: nothing to key it by
            return value
        if entry is None:
            entry = {"hash": text_hash, "everything": None, "memo": {}}
            self._files[str(path)] = entry
        if JediProbe.count != before:
            entry["everything"] = self.state.everything
        entry["memo"][key] = value
        self._dirty = True
        return value

    # ------------------------------------------------------------------ saving

    def save(self, index: ProjectIndex, migrations: dict[Path, Any]) -> bool:
        """Write the snapshot (signed) atomically when anything in it is new; False when it
        cannot be written."""
        if not self._dirty and index is self.index and len(migrations) == len(self.migrations):
            return True
        key = store.user_key()
        if key is None:
            return False
        files = {path: entry for path, entry in self._files.items() if self._valid(path, entry)}
        document = {
            "fingerprint": self.fingerprint,
            "structure": self.state.structure,
            "index": index,
            "migrations": migrations,
            "files": files,
        }
        try:
            payload = pickle.dumps(document, protocol=pickle.HIGHEST_PROTOCOL)
        except (pickle.PicklingError, TypeError, AttributeError, RecursionError):
            return False
        folder = self.file.parent
        try:
            folder.mkdir(parents=True, exist_ok=True, mode=0o700)
            handle, temporary = tempfile.mkstemp(dir=folder, prefix=".snapshot-", suffix=".tmp")
            try:
                with os.fdopen(handle, "wb") as stream:
                    stream.write(hmac.new(key, payload, hashlib.sha256).digest())
                    stream.write(payload)
                os.replace(temporary, self.file)
            finally:
                with contextlib.suppress(OSError):
                    os.unlink(temporary)
        except OSError:
            return False
        self._dirty = False
        return True

    def _valid(self, path: str, entry: dict[str, Any]) -> bool:
        return entry["hash"] == self.state.hashes.get(path) and entry["everything"] in (
            None,
            self.state.everything,
        )


__all__ = ["Snapshot"]
