"""The committed labels: cases/*.toml (what must be found or stay quiet) and verdicts/*.toml
(what each finding is worth). The format is in README.md; files are grouped by their `project`
key, so a project's labels may be split over several files."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib  # type: ignore[import-not-found,unused-ignore]

from benchmarks.real_projects.corpus import HERE

CASES = HERE / "cases"
VERDICTS = HERE / "verdicts"
EXPECTS = ("finding", "quiet")
VERDICT_VALUES = ("true", "false", "debatable")


@dataclass(frozen=True)
class Case:
    path: str
    line: int
    codes: tuple[str, ...]
    expect: str  # "finding" | "quiet"
    why: str
    source: str  # "cases/wagtail.toml"


@dataclass(frozen=True)
class Verdict:
    path: str
    line: int
    code: str
    verdict: str  # "true" | "false" | "debatable"
    why: str
    source: str

    @property
    def key(self) -> tuple[str, int, str]:
        return (self.path, self.line, self.code)


@dataclass
class Labels:
    cases: dict[str, list[Case]] = field(default_factory=dict)  # project name → its cases
    verdicts: dict[str, list[Verdict]] = field(default_factory=dict)
    versions: dict[tuple[str, str], str] = field(default_factory=dict)  # (project, file) → version


class LabelError(ValueError):
    pass


def _text(entry: dict[str, Any], key: str, where: str) -> str:
    value = entry.get(key)
    if not isinstance(value, str) or not value.strip():
        raise LabelError(f"{where}: `{key}` must be a non-empty string")
    return value


def _line(entry: dict[str, Any], where: str) -> int:
    value = entry.get("line")
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise LabelError(f"{where}: `line` must be a positive integer")
    return value


def _case(entry: dict[str, Any], where: str, source: str) -> Case:
    codes = entry.get("codes")
    if isinstance(codes, str):
        codes = [codes]
    if not isinstance(codes, list) or not codes or not all(isinstance(c, str) for c in codes):
        raise LabelError(f"{where}: `codes` must be a non-empty list of codes")
    expect = entry.get("expect", "finding")
    if expect not in EXPECTS:
        raise LabelError(f"{where}: `expect` must be one of {', '.join(EXPECTS)}")
    path, line, why = _text(entry, "path", where), _line(entry, where), str(entry.get("why", ""))
    return Case(path, line, tuple(codes), expect, why, source)


def _verdict(entry: dict[str, Any], where: str, source: str) -> Verdict:
    value = entry.get("verdict")
    if value not in VERDICT_VALUES:
        raise LabelError(f"{where}: `verdict` must be one of {', '.join(VERDICT_VALUES)}")
    path, line, code = _text(entry, "path", where), _line(entry, where), _text(entry, "code", where)
    return Verdict(path, line, code, value, str(entry.get("why", "")), source)


def _files(folder: Path, table: str) -> Iterator[tuple[str, str, str, list[dict[str, Any]]]]:
    """(project, version, "cases/x.toml", entries of `table`) per file of the folder."""
    for path in sorted(folder.glob("*.toml")) if folder.is_dir() else []:
        with path.open("rb") as stream:
            try:
                data = tomllib.load(stream)
            except tomllib.TOMLDecodeError as error:
                raise LabelError(f"{path}: {error}") from error
        source = f"{path.parent.name}/{path.name}"
        entries = data.get(table, [])
        if not isinstance(entries, list):
            raise LabelError(f"{source}: `{table}` must be an array of tables ([[{table}]])")
        yield _text(data, "project", source), str(data.get("version", "")), source, entries


def load(cases_dir: Path = CASES, verdicts_dir: Path = VERDICTS) -> Labels:
    """Every case and verdict; a malformed entry raises LabelError naming file and entry."""
    labels = Labels()
    for project, version, source, entries in _files(cases_dir, "case"):
        labels.versions[(project, source)] = version
        for number, entry in enumerate(entries, start=1):
            case = _case(entry, f"{source} [[case]] {number}", source)
            labels.cases.setdefault(project, []).append(case)
    for project, version, source, entries in _files(verdicts_dir, "verdict"):
        labels.versions[(project, source)] = version
        for number, entry in enumerate(entries, start=1):
            verdict = _verdict(entry, f"{source} [[verdict]] {number}", source)
            labels.verdicts.setdefault(project, []).append(verdict)
    return labels
