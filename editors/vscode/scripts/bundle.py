"""Build editors/vscode/bundled/libs: the integrity-lsp server and its pure-Python dependencies.

The layout follows the Python-tools extension convention (microsoft/vscode-python-tools-extension-
template): bundled/tool/server.py (checked in) puts bundled/libs first on sys.path and runs
`python -m integrity_lsp serve` in the user's interpreter.

Steps:
1. copy the repository's working tree (without .git, virtualenvs, editors, tests, ...) to a
   scratch folder and build a wheel of it there (nothing is written into the repository);
2. `pip install --target <scratch> --no-compile --only-binary=:all: --platform any
   --implementation py --abi none --python-version <lowest supported>` of that wheel: pure-Python
   wheels only, chosen for the lowest Python the package supports (`Requires-Python`);
3. pip evaluates environment markers for the Python running pip, not for `--python-version`,
   so a backport such as `tomli; python_version < "3.11"` would be missing when pip runs on 3.11:
   the markers of every installed distribution are evaluated for each supported Python on
   Linux, Windows and macOS, and anything missing is added to the install until nothing is;
4. the package directory is replaced by a whole copy of the repository's package directory
   (every file, whatever setuptools' package discovery picks), so that a module layout change
   needs no change here;
5. checks: nothing compiled (.so/.pyd/.dll/.dylib, non-purelib wheels), no console scripts;
   then bundled/libs is swapped in and bundled/bundle.json records the versions.

Run with a Python that has pip (the repository's .venv in CI). Needs PyPI (or a mirror).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

try:
    from packaging.markers import Marker
    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name
except ImportError:  # pip vendors packaging
    from pip._vendor.packaging.markers import Marker  # type: ignore[assignment,no-redef,unused-ignore]
    from pip._vendor.packaging.requirements import Requirement  # type: ignore[assignment,no-redef,unused-ignore]
    from pip._vendor.packaging.utils import canonicalize_name  # type: ignore[assignment,no-redef,unused-ignore]

HERE = Path(__file__).resolve().parent
EXTENSION = HERE.parent
DEFAULT_REPO = EXTENSION.parent.parent
PACKAGE = "integrity-lsp"
HIGHEST_MINOR = 14  # markers are evaluated for 3.<lowest> … 3.14
COMPILED = (".so", ".pyd", ".dll", ".dylib")
# Top-level entries of the repository that are not part of the Python package's build.
SKIP_TOP = {
    ".git",
    ".venv",
    "venv",
    "node_modules",
    "editors",
    "benchmarks",
    "tests",
    "examples",
    "docs",
    "build",
    "dist",
}
SKIP_ANYWHERE = shutil.ignore_patterns(
    "__pycache__",
    "*.pyc",
    "*.egg-info",
    ".mypy_cache",
    ".ruff_cache",
    ".pytest_cache",
    ".integrity-lsp-cache",
)
PLATFORMS = (
    {"sys_platform": "linux", "platform_system": "Linux", "os_name": "posix"},
    {"sys_platform": "win32", "platform_system": "Windows", "os_name": "nt"},
    {"sys_platform": "darwin", "platform_system": "Darwin", "os_name": "posix"},
)


def log(message: str) -> None:
    print(f"bundle.py: {message}", flush=True)


def run(command: list[str]) -> None:
    """Run `command`; its output is shown only when it fails (pip and setuptools are chatty)."""
    log("$ " + " ".join(command))
    done = subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if done.returncode != 0:
        sys.stdout.write(done.stdout)
        raise SystemExit(f"bundle.py: the command above failed with status {done.returncode}")


def stage_repository(repo: Path, stage: Path) -> None:
    stage.mkdir()
    for entry in sorted(repo.iterdir()):
        if entry.name in SKIP_TOP or entry.name.endswith(".egg-info"):
            continue
        target = stage / entry.name
        if entry.is_dir():
            shutil.copytree(entry, target, ignore=SKIP_ANYWHERE, symlinks=False)
        elif entry.is_file():
            shutil.copy2(entry, target)


def build_wheel(python: str, stage: Path, out: Path) -> Path:
    run([python, "-m", "pip", "wheel", "--quiet", "--no-deps", "--wheel-dir", str(out), str(stage)])
    wheels = sorted(out.glob("*.whl"))
    if len(wheels) != 1:
        raise SystemExit(f"bundle.py: expected one wheel in {out}, found {wheels}")
    return wheels[0]


def metadata(dist_info: Path) -> tuple[str, str, list[str], str | None]:
    """(name, version, Requires-Dist lines, Requires-Python) of an installed distribution."""
    return parse_metadata((dist_info / "METADATA").read_text(encoding="utf-8"))


def wheel_metadata(wheel: Path) -> tuple[str, str, list[str], str | None]:
    with zipfile.ZipFile(wheel) as archive:
        for member in archive.namelist():
            if member.count("/") == 1 and member.endswith(".dist-info/METADATA"):
                return parse_metadata(archive.read(member).decode("utf-8"))
    raise SystemExit(f"bundle.py: no METADATA in {wheel}")


def parse_metadata(text: str) -> tuple[str, str, list[str], str | None]:
    name = version = ""
    requires: list[str] = []
    requires_python = None
    for line in text.split("\n\n", 1)[0].splitlines():
        key, _, value = line.partition(":")
        value = value.strip()
        if key == "Name":
            name = value
        elif key == "Version":
            version = value
        elif key == "Requires-Dist":
            requires.append(value)
        elif key == "Requires-Python":
            requires_python = value
    return name, version, requires, requires_python


def lowest_python(requires_python: str | None) -> tuple[int, int]:
    match = re.search(r">=\s*3\.(\d+)", requires_python or "")
    return (3, int(match.group(1))) if match else (3, 10)


def environments(lowest: tuple[int, int]) -> list[dict[str, str]]:
    result = []
    for minor in range(lowest[1], HIGHEST_MINOR + 1):
        for platform in PLATFORMS:
            result.append(
                {
                    "python_version": f"3.{minor}",
                    "python_full_version": f"3.{minor}.0",
                    "implementation_name": "cpython",
                    "platform_python_implementation": "CPython",
                    "extra": "",
                    **platform,
                }
            )
    return result


def missing_requirements(target: Path, lowest: tuple[int, int]) -> list[str]:
    """Requirements (without markers) of the installed distributions that some supported
    Python/platform needs and that are not installed."""
    installed: dict[str, str] = {}
    wanted: dict[str, Requirement] = {}
    envs = environments(lowest)
    for dist_info in target.glob("*.dist-info"):
        name, version, requires, _ = metadata(dist_info)
        installed[canonicalize_name(name)] = version
        for line in requires:
            requirement = Requirement(line)
            marker: Marker | None = requirement.marker
            if marker is None or any(marker.evaluate(env) for env in envs):
                wanted.setdefault(canonicalize_name(requirement.name), requirement)
    result = []
    for name, requirement in sorted(wanted.items()):
        if name not in installed:
            extras = f"[{','.join(sorted(requirement.extras))}]" if requirement.extras else ""
            result.append(f"{requirement.name}{extras}{requirement.specifier}")
    return result


def pip_install(python: str, target: Path, lowest: tuple[int, int], items: list[str]) -> None:
    if target.exists():
        shutil.rmtree(target)
    run(
        [
            python,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--target",
            str(target),
            "--no-compile",
            "--no-warn-script-location",
            "--only-binary=:all:",
            "--platform",
            "any",
            "--implementation",
            "py",
            "--abi",
            "none",
            "--python-version",
            f"{lowest[0]}.{lowest[1]}",
            *items,
        ]
    )


def top_level_packages(target: Path, dist_name: str) -> list[str]:
    for dist_info in target.glob("*.dist-info"):
        name, *_ = metadata(dist_info)
        if canonicalize_name(name) != canonicalize_name(dist_name):
            continue
        tops = set()
        for line in (dist_info / "RECORD").read_text(encoding="utf-8").splitlines():
            first = line.split(",", 1)[0].split("/", 1)
            if len(first) == 2 and first[0].isidentifier():
                tops.add(first[0])
        return sorted(tops)
    raise SystemExit(f"bundle.py: {dist_name} is not installed in {target}")


def copy_package_directories(repo: Path, target: Path, packages: list[str]) -> None:
    """Replace each installed package directory with a copy of the repository's, whole."""
    for package in packages:
        candidates = [repo / package, repo / "src" / package]
        source = next((c for c in candidates if (c / "__init__.py").is_file()), None)
        if source is None:
            raise SystemExit(f"bundle.py: cannot find the package directory {package}/ in {repo}")
        shutil.rmtree(target / package)
        shutil.copytree(source, target / package, ignore=SKIP_ANYWHERE)
        count = sum(1 for path in (target / package).rglob("*") if path.is_file())
        log(f"copied {source} whole ({count} files)")


def check_launcher(lowest: tuple[int, int]) -> None:
    """bundled/tool/server.py refuses Pythons older than the package supports: same bound."""
    launcher = EXTENSION / "bundled" / "tool" / "server.py"
    match = re.search(
        r"^MIN_PYTHON = \((\d+), (\d+)\)$", launcher.read_text(encoding="utf-8"), re.M
    )
    if match is None or (int(match.group(1)), int(match.group(2))) != lowest:
        raise SystemExit(
            f"bundle.py: MIN_PYTHON in {launcher} must be {lowest} (Requires-Python of {PACKAGE})"
        )


def check_pure(target: Path) -> None:
    compiled = [p for p in target.rglob("*") if p.suffix in COMPILED]
    if compiled:
        raise SystemExit(f"bundle.py: compiled files in the bundle: {compiled[:10]}")
    for wheel in target.glob("*.dist-info/WHEEL"):
        text = wheel.read_text(encoding="utf-8")
        if "Root-Is-Purelib: true" not in text:
            raise SystemExit(f"bundle.py: {wheel.parent.name} is not a pure-Python wheel")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--repo", type=Path, default=DEFAULT_REPO)
    parser.add_argument("--out", type=Path, default=EXTENSION / "bundled")
    args = parser.parse_args()
    repo: Path = args.repo.resolve()
    bundled: Path = args.out.resolve()
    python = sys.executable

    with tempfile.TemporaryDirectory(prefix="integrity-lsp-bundle-") as scratch:
        tmp = Path(scratch)
        stage_repository(repo, tmp / "src")
        wheel = build_wheel(python, tmp / "src", tmp / "wheel")
        log(f"built {wheel.name}")

        _, version, _, requires_python = wheel_metadata(wheel)
        lowest = lowest_python(requires_python)
        check_launcher(lowest)
        target = tmp / "libs"
        pip_install(python, target, lowest, [str(wheel)])
        extra: list[str] = []
        for _ in range(8):
            missing = missing_requirements(target, lowest)
            if not missing:
                break
            log(f"also needed on some Python >= {lowest[0]}.{lowest[1]}: {', '.join(missing)}")
            extra += [item for item in missing if item not in extra]
            pip_install(python, target, lowest, [str(wheel), *extra])
        else:
            raise SystemExit("bundle.py: the requirements did not settle")

        shutil.rmtree(target / "bin", ignore_errors=True)
        copy_package_directories(repo, target, top_level_packages(target, PACKAGE))
        check_pure(target)

        packages = {}
        for dist_info in sorted(target.glob("*.dist-info")):
            name, dist_version, _, _ = metadata(dist_info)
            packages[name] = dist_version
        manifest = {
            "package": PACKAGE,
            "version": version,
            "requiresPython": requires_python,
            "minPython": f"{lowest[0]}.{lowest[1]}",
            "packages": packages,
        }

        bundled.mkdir(parents=True, exist_ok=True)
        libs = bundled / "libs"
        old = bundled / "libs.old"
        shutil.rmtree(old, ignore_errors=True)
        if libs.exists():
            libs.rename(old)
        shutil.move(str(target), str(libs))
        shutil.rmtree(old, ignore_errors=True)
        (bundled / "bundle.json").write_text(
            json.dumps(manifest, indent=2) + "\n", encoding="utf-8"
        )

    files = sum(1 for path in libs.rglob("*") if path.is_file())
    size = sum(path.stat().st_size for path in libs.rglob("*") if path.is_file())
    listed = ", ".join(f"{name} {v}" for name, v in packages.items())
    log(f"{libs}: {files} files, {size / 1e6:.1f} MB: {listed}")
    return 0


if __name__ == "__main__":
    os.environ.setdefault("PIP_DISABLE_PIP_VERSION_CHECK", "1")
    sys.exit(main())
