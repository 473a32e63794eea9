"""`compare OLD_DIR NEW_DIR`: the findings added, removed and changed per project between two
results folders (copies of <cache>/results/ from two runs), to show that a refactor lost no
finding. Identical folders are byte-identical files; this says what differs where they are not.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

Key = tuple[str, int, int, str]


def _findings(path: Path) -> list[dict[str, Any]]:
    data = json.loads(path.read_text(encoding="utf-8"))
    findings: list[dict[str, Any]] = data["findings"] if isinstance(data, dict) else data
    return findings


def _key(finding: dict[str, Any]) -> Key:
    location = finding["location"]
    return (finding["filename"], location["row"], location["column"], finding["code"])


def _show(finding: dict[str, Any]) -> str:
    path, row, column, code = _key(finding)
    return f"{path}:{row}:{column} {code} {finding['message']}"


def diff(old: list[dict[str, Any]], new: list[dict[str, Any]]) -> tuple[list[str], int]:
    """Lines describing the differences ("+" added, "-" removed, "~" same place and code,
    other content), and how many old findings are gone or changed."""
    old_text = Counter(json.dumps(f, sort_keys=True) for f in old)
    new_text = Counter(json.dumps(f, sort_keys=True) for f in new)
    removed = [json.loads(text) for text in (old_text - new_text).elements()]
    added = [json.loads(text) for text in (new_text - old_text).elements()]
    added_at = {_key(f): f for f in added}
    lines, lost = [], 0
    for finding in sorted(removed, key=_key):
        lost += 1
        replacement = added_at.pop(_key(finding), None)
        if replacement is None:
            lines.append(f"  - {_show(finding)}")
            continue
        what = [k for k in sorted({*finding, *replacement}) if finding.get(k) != replacement.get(k)]
        lines.append(f"  ~ {_show(finding)} [changed: {', '.join(what)}]")
        if "message" in what:
            lines.append(f"      now: {replacement['message']}")
    lines += [f"  + {_show(f)}" for f in sorted(added_at.values(), key=_key)]
    return lines, lost


def compare(old_dir: Path, new_dir: Path) -> tuple[str, int]:
    """The printed comparison and the exit status: 1 when a finding of OLD is gone or changed
    (or a project of OLD has no results in NEW), else 0."""
    names = sorted({p.stem for d in (old_dir, new_dir) for p in d.glob("*.json")})
    out, status = [], 0
    for name in names:
        old_path, new_path = old_dir / f"{name}.json", new_dir / f"{name}.json"
        if not new_path.is_file():
            out.append(f"{name}: only in {old_dir}")
            status = 1
            continue
        if not old_path.is_file():
            out.append(f"{name}: only in {new_dir}")
            continue
        old, new = _findings(old_path), _findings(new_path)
        lines, lost = diff(old, new)
        same = old_path.read_bytes() == new_path.read_bytes()
        verdict = "byte-identical" if same else ("same findings" if not lines else "differs")
        out.append(f"{name}: {len(old)} → {len(new)} findings, {verdict}")
        out += lines
        status = status or int(lost > 0)
    return "\n".join(out) + "\n", status
