"""Time of one `integrity-lsp explain` call, cold and warm, on a generated or any project.

Each call is its own process (`python -m integrity_lsp explain --root ROOT MESSAGE`). Cold runs
start with an empty parso tree cache (a fresh `XDG_CACHE_HOME`); warm runs reuse the cache the
cold run filled, as a second explain on the same project does. Reported: median wall and CPU
(user + system) seconds per call; the target of issue 22 is warm <= 2 s on a 4,000-file project.

`python -m benchmarks.explain_latency --size large --runs 3` (a generated project; the message
is a unique violation of its first model with a unique field), or
`python -m benchmarks.explain_latency --path ROOT --message "UNIQUE constraint failed: …"`.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import tempfile
from pathlib import Path

from benchmarks.generate import SIZES, generate
from benchmarks.measure import Summary, measure

_CLASS = re.compile(r"^class (\w+)\(", re.MULTILINE)
_UNIQUE_FIELD = re.compile(r"^    (\w+) = models\.\w+\([^)]*unique=True", re.MULTILINE)


def generated_message(root: Path) -> str:
    """A unique violation of the first model with a unique field in a generated project."""
    for models in sorted(root.glob("*/models.py")):
        text = models.read_text()
        starts = [*_CLASS.finditer(text)]
        for number, cls in enumerate(starts):
            end = starts[number + 1].start() if number + 1 < len(starts) else len(text)
            field = _UNIQUE_FIELD.search(text, cls.end(), end)
            if field is not None:
                table = f"{models.parent.name}_{cls[1].lower()}"
                return f"UNIQUE constraint failed: {table}.{field[1]}"
    raise SystemExit(f"no model with a unique field under {root}")


def run(root: Path, message: str, runs: int) -> tuple[Summary, Summary, int]:
    files = sum(1 for _ in root.rglob("*.py"))
    command = [sys.executable, "-m", "integrity_lsp", "explain", "--root", str(root), message]
    with tempfile.TemporaryDirectory(prefix="explain-cache-") as cache:
        env = {**os.environ, "XDG_CACHE_HOME": cache}
        cold = measure(command, 1, env=env)
        warm = measure(command, runs, env=env)
    return cold, warm, files


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", choices=sorted(SIZES), default="large")
    parser.add_argument("--path", type=Path, help="an existing project instead of a generated one")
    parser.add_argument("--message", help="the message to explain (default: one generated)")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="explain-bench-") as work:
        root = args.path
        if root is None:
            root = Path(work) / args.size
            generate(root, args.size)
        message = args.message or generated_message(root)
        cold, warm, files = run(root, message, args.runs)
    print("| project | files | message | cold wall | cold CPU | warm wall | warm CPU |")
    print("|---|---|---|---|---|---|---|")
    print(
        f"| {root.name} | {files} | `{message}` | {cold.median_wall:.2f} s"
        f" | {cold.median_cpu:.2f} s | {warm.median_wall:.2f} s | {warm.median_cpu:.2f} s |"
    )
    return 0 if cold.ok and warm.ok else 1


if __name__ == "__main__":
    sys.exit(main())
