"""On-disk cache of per-file `check` results, so that a re-run re-checks only what changed.

Where: `$INTEGRITY_LSP_CACHE_DIR/<hash of the root>/`, else `<root>/.integrity-lsp-cache/` (with
a `.gitignore` of `*` and a CACHEDIR.TAG). What: one JSON file (never pickle: the cache lives
in the analysed project, and loading it must not run code) mapping each checked file to its
findings and to everything they were computed from, signed with this user's key and read back
only whole and valid (`cache/store.py`: a cache someone else wrote is ignored). An entry is
used only when all of it is unchanged:

- the file's content hash;
- the run fingerprint: the tool (version and a hash of the package's own source), Python,
  parso, jedi and Django versions, the Settings, the working directory, and the files the
  Django version is read from (requirements*.txt, pyproject.toml);
- the project's structure digest: the site-packages folders the index reads installed base
  classes from (by modification time), and for every Python file under the root, its relative
  path and either its whole content hash (`__init__.py`, migrations, models/apps/settings
  modules, any file with a class statement or a `pre_save` receiver) or the hash of its text
  without the bodies of its functions (import lines and model-loader calls inside them kept) --
  what the index and the resolver can see of other files;
- the files read through `Environment.read_text` while it was checked (view base classes,
  models for fixes), by content hash;
- when jedi was consulted for it, every project file's content and the interpreter's import
  path (jedi can infer through any of them).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import sys
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

from integrity_lsp._version import __version__
from integrity_lsp.cache import store
from integrity_lsp.cache.store import decode, encode
from integrity_lsp.config import Settings
from integrity_lsp.findings import Finding
from integrity_lsp.project.libraries import interpreter_site_packages
from integrity_lsp.project.signals import may_connect_pre_save
from integrity_lsp.syntax.files import read_project_text
from integrity_lsp.syntax.walk import python_files

FORMAT = 1
_CLASS = re.compile(r"^[ \t]*class[ \t]", re.MULTILINE)
_DEF = re.compile(r"^([ \t]*)(?:async[ \t]+)?def[ \t]")
_IMPORT = re.compile(r"^[ \t]*(?:from[ \t]|import[ \t])")
# a helper that forwards to a model loader names models for other files (project/loaders.py)
_LOADER = re.compile(r"\b(?:load_model|get_model)\b")
_STRUCTURAL_NAMES = frozenset({"__init__.py", "models.py", "apps.py", "manage.py"})
_STRUCTURAL_DIRS = frozenset({"migrations", "models", "settings"})


def digest(data: str) -> str:
    return hashlib.blake2b(data.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()


def surface(text: str) -> str:
    """`text` without the bodies of its functions (their import lines kept, and the lines that
    call a model loader: a helper forwarding to one names models for other files).

    A body is every line after a `def` line that is blank or indented deeper than the `def`;
    a line at the def's own indentation starting with a closing bracket still belongs to a
    multi-line signature. Anything this misjudges stays in the surface, which only makes the
    cache invalidate more often, never less.
    """
    kept: list[str] = []
    body_indent: int | None = None
    for line in text.splitlines():
        stripped = line.lstrip()
        if body_indent is not None:
            indent = len(line) - len(stripped)
            inside = (
                not stripped
                or indent > body_indent
                or (indent == body_indent and stripped[:1] in ")]")
            )
            if inside:
                if _IMPORT.match(line) or _LOADER.search(line):
                    kept.append(line)
                continue
            body_indent = None
        found = _DEF.match(line)
        if found:
            body_indent = len(found.group(1).expandtabs())
        kept.append(line)
    return "\n".join(kept)


def is_structural(relative: Path, text: str) -> bool:
    """Files whose every line can matter to other files' analysis."""
    if relative.name in _STRUCTURAL_NAMES or relative.name.startswith("settings"):
        return True
    if _STRUCTURAL_DIRS & set(relative.parts[:-1]):
        return True
    # pre_save receivers are module-level functions whose bodies the index reads (which fields
    # they fill: project/signals.py).
    return _CLASS.search(text) is not None or may_connect_pre_save(text)


@dataclass
class Deps:
    """What one file's check read besides its own text and the index."""

    reads: dict[str, str] = field(
        default_factory=dict
    )  # absolute path -> content hash ("" missing)
    jedi: bool = False


class Recorder:
    """Wraps `Environment.read_text`, recording what was read; counts jedi Scripts."""

    def __init__(self, read_text: Callable[[Path], str | None]) -> None:
        self._read_text = read_text
        self.deps = Deps()
        self._jedi_before = JediProbe.count

    def read_text(self, path: Path) -> str | None:
        text = self._read_text(path)
        self.deps.reads[str(Path(os.path.abspath(path)))] = digest(text) if text is not None else ""
        return text

    def finish(self) -> Deps:
        self.deps.jedi = JediProbe.count != self._jedi_before
        return self.deps


class JediProbe:
    """Counts `jedi.Script` constructions in this process (how the resolver asks jedi)."""

    count = 0
    _installed = False

    @classmethod
    def install(cls) -> None:
        if cls._installed:
            return
        import jedi

        original = jedi.Script

        class CountingScript(original):  # type: ignore[misc, valid-type]
            def __init__(self, *args: Any, **kwargs: Any) -> None:
                JediProbe.count += 1
                super().__init__(*args, **kwargs)

        jedi.Script = CountingScript
        cls._installed = True


# ---------------------------------------------------------------------- fingerprints


def _package_digest() -> str:
    package = Path(__file__).resolve().parent.parent  # the whole integrity_lsp package
    sha = hashlib.blake2b(digest_size=16)
    for path in sorted(package.rglob("*.py")):
        sha.update(str(path.relative_to(package)).encode())
        with contextlib.suppress(OSError):
            sha.update(path.read_bytes())
    return sha.hexdigest()


def _version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "-"


def run_fingerprint(root: Path, settings: Settings) -> str:
    settings_data = asdict(settings)
    settings_data.pop("warnings", None)
    parts: list[object] = [
        FORMAT,
        __version__,
        _package_digest(),
        sys.version,
        [_version(name) for name in ("parso", "jedi", "django")],
        json.dumps(settings_data, sort_keys=True, default=str),
        os.getcwd(),
    ]
    inputs = [*sorted(root.glob("requirements*.txt")), *sorted(root.glob("requirements/*.txt"))]
    for path in [*inputs, root / "pyproject.toml"]:
        text = read_project_text(path, errors="replace")
        if text is not None:
            parts.append((str(path), digest(text)))
    return digest(json.dumps(parts, default=str))


def _environment_digest(root: Path) -> str:
    """The interpreter's import path outside the project, by folder mtime (an install or
    uninstall changes its site-packages folder). The project's own files are hashed."""
    stamps = []
    for entry in sys.path:
        folder = Path(os.path.abspath(entry or "."))
        if folder == root or root in folder.parents:
            continue
        with contextlib.suppress(OSError):
            stamps.append((str(folder), folder.stat().st_mtime_ns))
    return digest(repr(stamps))


def _libraries_digest(root: Path) -> str:
    """The site-packages folders the index reads base classes from, by folder mtime: an
    install, upgrade or uninstall there can change what a model is and which fields it has."""
    stamps = []
    for folder in interpreter_site_packages(root):
        with contextlib.suppress(OSError):
            stamps.append((str(folder), folder.stat().st_mtime_ns))
    return digest(repr(stamps))


def project_files(root: Path) -> Iterator[Path]:
    """Every Python file the index may read: the one walker's files, without the configured
    `exclude` (a superset: jedi may read an excluded file a checked one imports)."""
    return python_files(root)


@dataclass
class ProjectState:
    """Content hashes of the project's files and the digests derived from them."""

    hashes: dict[str, str]  # absolute path -> content hash
    structure: str
    everything: str

    @classmethod
    def scan(cls, root: Path) -> ProjectState:
        hashes: dict[str, str] = {}
        structure = hashlib.blake2b(digest_size=16)
        everything = hashlib.blake2b(digest_size=16)
        for path in project_files(root):
            text = read_project_text(path, errors="replace")
            if text is None:
                continue
            relative = path.relative_to(root)
            full = digest(text)
            hashes[str(path)] = full
            shape = full if is_structural(relative, text) else digest(surface(text))
            structure.update(f"{relative}\0{shape}\n".encode())
            everything.update(f"{relative}\0{full}\n".encode())
        structure.update(_libraries_digest(root).encode())
        everything.update(_environment_digest(root).encode())
        return cls(hashes, structure.hexdigest(), everything.hexdigest())


# ---------------------------------------------------------------------- the cache


class ResultCache:
    """Per-file results of one project, valid for one run fingerprint. See the module docs."""

    def __init__(self, root: Path, fingerprint: str, state: ProjectState, folder: Path) -> None:
        self.root = root
        self.fingerprint = fingerprint
        self.state = state
        self.folder = folder
        self.file = folder / f"results-v{FORMAT}.json"
        self._entries: dict[str, dict[str, Any]] = {}
        self._dirty = False
        self.hits = 0
        self.misses = 0

    @classmethod
    def open(cls, root: Path, settings: Settings) -> ResultCache:
        root = Path(os.path.abspath(root))
        state = ProjectState.scan(root)
        folder = store.cache_folder(root, digest(str(root)))
        cache = cls(root, run_fingerprint(root, settings), state, folder)
        cache._load()
        return cache

    def _load(self) -> None:
        if not store.usable(self.folder):
            return
        entries = store.load(self.file, self.fingerprint)
        if entries is not None:
            self._entries = entries

    def _current_hash(self, path: str) -> str:
        known = self.state.hashes.get(path)
        if known is not None:
            return known
        text = read_project_text(Path(path))
        return digest(text) if text is not None else ""

    def lookup(self, path: Path, text: str) -> list[Finding] | None:
        key = str(Path(os.path.abspath(path)))
        entry = self._entries.get(key)  # validated whole when the file was read
        valid = (
            entry is not None
            and entry["hash"] == digest(text)
            and entry["structure"] == self.state.structure
            and (entry["everything"] is None or entry["everything"] == self.state.everything)
            and all(self._current_hash(p) == h for p, h in entry["reads"].items())
        )
        found = [decode(item, path) for item in entry["findings"]] if valid and entry else None
        if found is None:
            self.misses += 1
        else:
            self.hits += 1
        return found

    def store(self, path: Path, text_hash: str, findings: list[Finding], deps: Deps) -> None:
        self._entries[str(Path(os.path.abspath(path)))] = {
            "hash": text_hash,
            "structure": self.state.structure,
            "everything": self.state.everything if deps.jedi else None,
            "reads": deps.reads,
            "findings": [encode(finding, path) for finding in findings],
        }
        self._dirty = True

    def save(self) -> bool:
        """Write the cache atomically; False (and nothing written) when it cannot be."""
        if not self._dirty:
            return True
        entries = {
            path: entry
            for path, entry in self._entries.items()
            if path in self.state.hashes or os.path.exists(path)
        }
        if not store.save(self.folder, self.file, self.fingerprint, entries):
            return False
        self._dirty = False
        return True


__all__ = ["Deps", "JediProbe", "ProjectState", "Recorder", "ResultCache", "digest", "surface"]
