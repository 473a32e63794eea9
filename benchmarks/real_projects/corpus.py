"""The pinned corpus (projects.toml), its cache folder, and `fetch`.

Layout of the cache folder ($INTEGRITY_LSP_CORPUS, default ~/.cache/integrity-lsp/real-projects):

    sdists/<file>            what `pip download` fetched (an sdist or a wheel)
    src/<folder>/            the unpacked project, `folder` as projects.toml names it
    venvs/<name>/            the project with its dependencies installed (`fetch --with-deps`)
    venvs/<name>.status      one line: how that venv was made, or "no venv: <reason>"
    venvs/<name>.log         pip's output of the last install attempt
    results/<name>.json      the normalised findings of the last `run`
    runs/<name>.json         time, peak memory and file count of that run
"""

from __future__ import annotations

import email.parser
import hashlib
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import urllib.request
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib  # type: ignore[import-not-found,unused-ignore]

HERE = Path(__file__).resolve().parent
PROJECTS_TOML = HERE / "projects.toml"
# A suite: a folder with projects.toml, cases/ and verdicts/. "main" is the corpus the rules are
# built on; "race-fixes" holds small projects pinned at the release just before a race fix of
# their own (and the fixed release as its guarded twin), kept in <cache>/race-fixes/.
SUITES = {"main": HERE, "race-fixes": HERE / "race_fixes"}
DEFAULT_CACHE = Path("~/.cache/integrity-lsp/real-projects")
REQUIREMENTS = ("requirements.txt", "requirements/base.txt", "base_requirements.txt")
INSTALL_TIMEOUT = 3600.0

Log = Callable[[str], None]


@dataclass(frozen=True)
class Project:
    name: str
    version: str
    kind: str  # "sdist" | "wheel"
    folder: str
    ignore_requires_python: bool = False
    dist: str = ""  # the PyPI name when `name` differs (two releases of one distribution)
    # The file's address and sha256 when pip refuses the only distribution there is (a wheel
    # whose metadata newer pip rejects): it is then downloaded as a file, never installed by it.
    url: str = ""
    sha256: str = ""

    @property
    def distribution(self) -> str:
        return self.dist or self.name

    @property
    def stem(self) -> str:
        """The file-name prefix of its distributions (`django_oscar-4.2.1`)."""
        return f"{re.sub(r'[-_.]+', '_', self.distribution).lower()}-{self.version}"


def load_projects(path: Path = PROJECTS_TOML) -> list[Project]:
    with path.open("rb") as stream:
        data = tomllib.load(stream)
    projects = []
    for entry in data.get("project", []):
        kind = entry.get("kind", "sdist")
        if kind not in ("sdist", "wheel"):
            raise ValueError(f"{path}: {entry.get('name')}: kind must be sdist or wheel")
        if bool(entry.get("url")) != bool(entry.get("sha256")):
            raise ValueError(f"{path}: {entry.get('name')}: url and sha256 go together")
        projects.append(
            Project(
                name=entry["name"],
                version=str(entry["version"]),
                kind=kind,
                folder=entry["folder"],
                ignore_requires_python=bool(entry.get("ignore_requires_python", False)),
                dist=str(entry.get("dist", "")),
                url=str(entry.get("url", "")),
                sha256=str(entry.get("sha256", "")),
            )
        )
    return projects


def select(projects: Sequence[Project], names: Sequence[str]) -> list[Project]:
    """The projects named (by name or folder), in projects.toml order; all when none named."""
    if not names:
        return list(projects)
    known = {key: p for p in projects for key in (p.name, p.folder)}
    unknown = [name for name in names if name not in known]
    if unknown:
        raise SystemExit(f"unknown project(s): {', '.join(unknown)}; see {PROJECTS_TOML}")
    wanted = {known[name].name for name in names}
    return [p for p in projects if p.name in wanted]


@dataclass(frozen=True)
class Cache:
    root: Path

    @classmethod
    def from_env(cls, suite: str = "main") -> Cache:
        value = os.environ.get("INTEGRITY_LSP_CORPUS") or str(DEFAULT_CACHE)
        root = Path(value).expanduser()
        return cls(root if suite == "main" else root / suite)

    @property
    def sdists(self) -> Path:
        return self.root / "sdists"

    @property
    def results(self) -> Path:
        return self.root / "results"

    @property
    def runs(self) -> Path:
        return self.root / "runs"

    def src(self, project: Project) -> Path:
        return self.root / "src" / project.folder

    def venv(self, project: Project) -> Path:
        return self.root / "venvs" / project.name

    def beside_venv(self, project: Project, suffix: str) -> Path:
        """venvs/<name><suffix>: the venv's status, log and requirements files."""
        return self.root / "venvs" / f"{project.name}{suffix}"

    def venv_status(self, project: Project) -> str:
        path = self.beside_venv(project, ".status")
        if path.is_file():
            return path.read_text(encoding="utf-8").strip()
        return "no venv: not fetched with --with-deps"

    def has_venv(self, project: Project) -> bool:
        return (self.venv(project) / "pyvenv.cfg").is_file()

    def download(self, project: Project) -> Path | None:
        """The downloaded distribution of the project, if there is one."""
        if not self.sdists.is_dir():
            return None
        # Old sdists keep the name as published (`django-constance-2.6.0.tar.gz`).
        stems = {project.stem, f"{project.distribution.lower()}-{project.version}"}
        for path in sorted(self.sdists.iterdir()):
            name = path.name.lower()
            if name.startswith(project.stem + "-") and name.endswith(".whl"):
                return path
            if any(name in (stem + ".tar.gz", stem + ".zip") for stem in stems):
                return path
        return None


def _pip(*args: str) -> list[str]:
    return [sys.executable, "-m", "pip", "--disable-pip-version-check", *args]


def download(project: Project, cache: Cache, log: Log) -> Path:
    found = cache.download(project)
    if found is not None:
        return found
    cache.sdists.mkdir(parents=True, exist_ok=True)
    if project.url:
        return _download_file(project, cache, log)
    command = _pip("download", "--no-deps", "--dest", str(cache.sdists))
    if project.kind == "sdist":
        command += ["--no-binary", ":all:"]
    else:
        command += ["--only-binary", ":all:"]
    if project.ignore_requires_python:
        command.append("--ignore-requires-python")
    command.append(f"{project.distribution}=={project.version}")
    log(f"{project.name}: {' '.join(command[1:])}")
    subprocess.run(command, check=True, stdin=subprocess.DEVNULL)
    found = cache.download(project)
    if found is None:
        raise RuntimeError(f"{project.stem}* not in {cache.sdists} after pip download")
    return found


def _download_file(project: Project, cache: Cache, log: Log) -> Path:
    """The distribution at project.url, kept in sdists/ only when its sha256 is the pinned one."""
    target = cache.sdists / project.url.rsplit("/", 1)[-1]
    log(f"{project.name}: downloading {project.url}")
    with urllib.request.urlopen(project.url, timeout=300) as response:
        content = response.read()
    digest = hashlib.sha256(content).hexdigest()
    if digest != project.sha256:
        raise RuntimeError(f"{project.url}: sha256 {digest}, projects.toml pins {project.sha256}")
    target.write_bytes(content)
    found = cache.download(project)
    if found is None:
        raise RuntimeError(f"{target.name} is not named {project.stem}-*.whl / .tar.gz / .zip")
    return found


def unpack(project: Project, archive: Path, cache: Cache, log: Log) -> Path:
    """Unpack into src/<folder>: an sdist's single top folder, or a wheel's whole content."""
    target = cache.src(project)
    if target.is_dir():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    log(f"{project.name}: unpacking {archive.name} to {target}")
    with tempfile.TemporaryDirectory(dir=target.parent, prefix=".unpack-") as tmp:
        scratch = Path(tmp) / "content"
        if archive.name.endswith(".tar.gz"):
            with tarfile.open(archive) as tar:
                tar.extractall(scratch, filter="data")
        else:
            with zipfile.ZipFile(archive) as zipped:
                zipped.extractall(scratch)
        entries = list(scratch.iterdir())
        is_sdist = not archive.name.endswith(".whl")
        top = entries[0] if is_sdist and len(entries) == 1 and entries[0].is_dir() else scratch
        top.rename(target)
    return target


def _reason(output: str) -> str:
    """The lines of pip's output that say why it failed."""
    lines = [line.strip() for line in output.splitlines() if line.strip()]
    marks = ("CalledProcessError:", "fatal error:", "Exception:", "requires a different Python")
    why = [line for line in lines if line.startswith("ERROR:") or any(m in line for m in marks)]
    if not why:
        why = [line for line in lines if "error" in line.lower()][-1:] or lines[-1:]
    return "; ".join(dict.fromkeys(why))[:400] or "pip failed"


def _pip_install(venv: Path, args: Sequence[str], cwd: Path, log_file: Path) -> str | None:
    """None when pip installed everything, else why not."""
    command = _pip("--python", str(venv / "bin" / "python"), "install", "--no-input", *args)
    try:
        done = subprocess.run(
            command,
            cwd=cwd,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            timeout=INSTALL_TIMEOUT,
        )
    except subprocess.TimeoutExpired:
        return f"pip install {' '.join(args)} timed out after {INSTALL_TIMEOUT:.0f} s"
    with log_file.open("a", encoding="utf-8") as stream:
        stream.write(f"$ {' '.join(command)}\n{done.stdout}\n")
    return None if done.returncode == 0 else _reason(done.stdout)


def declared_requirements(src: Path) -> list[str]:
    """The Requires-Dist of the unpacked project's PKG-INFO or wheel METADATA, extras left out."""
    candidates = [src / "PKG-INFO", *sorted(src.glob("*.dist-info/METADATA"))]
    metadata = next((path for path in candidates if path.is_file()), None)
    if metadata is None:
        return []
    parser = email.parser.HeaderParser()
    message = parser.parsestr(metadata.read_text(encoding="utf-8", errors="replace"))
    return [r for r in message.get_all("Requires-Dist") or [] if "extra ==" not in r]


def _fallback(project: Project, cache: Cache) -> tuple[str, Path] | None:
    """(label, requirements file) to install when the project itself does not install."""
    src = cache.src(project)
    for name in REQUIREMENTS:
        if (src / name).is_file():
            return name, src / name
    declared = declared_requirements(src)
    if not declared:
        return None
    path = cache.beside_venv(project, ".requirements.txt")
    path.write_text("\n".join(declared) + "\n", encoding="utf-8")
    return "its declared dependencies (Requires-Dist)", path


def install(project: Project, archive: Path, cache: Cache, log: Log) -> str:
    """Create venvs/<name> with the project and its dependencies, else with its requirements
    file or declared dependencies; returns the status line it writes to venvs/<name>.status."""
    venv = cache.venv(project)
    if cache.has_venv(project):
        return cache.venv_status(project)
    venv.parent.mkdir(parents=True, exist_ok=True)
    log_file = cache.beside_venv(project, ".log")
    log_file.write_text("", encoding="utf-8")
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    src = cache.src(project)
    flags = ["--ignore-requires-python"] if project.ignore_requires_python else []
    log(f"{project.name}: pip install {archive.name} into {venv}")
    failed = _pip_install(venv, [*flags, str(archive)], src, log_file)
    fallback = _fallback(project, cache) if failed else None
    if failed is None:
        status = f"installed: {archive.name} with its dependencies"
    elif fallback is None:
        status = f"no venv: {failed}"
    else:
        label, requirements = fallback
        log(f"{project.name}: {failed}; installing {label} instead")
        again = _pip_install(venv, [*flags, "-r", str(requirements)], src, log_file)
        if again is None:
            status = f"installed: {label} (the project itself did not install: {failed})"
        else:
            status = f"no venv: {failed}; {label}: {again}"
    if status.startswith("no venv"):
        shutil.rmtree(venv)  # a venv that exists is one the checker can use
    cache.beside_venv(project, ".status").write_text(status + "\n", encoding="utf-8")
    log(f"{project.name}: {status}")
    return status


def fetch(projects: Sequence[Project], cache: Cache, *, with_deps: bool, log: Log) -> int:
    """Download, unpack and (with_deps) install each project; what is there is kept."""
    failures = 0
    for project in projects:
        try:
            archive = download(project, cache, log)
            unpack(project, archive, cache, log)
            if with_deps:
                install(project, archive, cache, log)
        except (OSError, RuntimeError, subprocess.CalledProcessError, tarfile.TarError) as error:
            log(f"{project.name}: fetch failed: {error}")
            failures += 1
    return 1 if failures else 0
