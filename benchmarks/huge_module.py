"""One huge module: `check` of a 50,000-line file, and the editor on it.

The robustness tests assert what must happen with a 50,000-line module (every race in it is
found, a hover at line 25,000 answers, nothing logs an error); how fast is measured here, so
that a loaded CI machine cannot fail a test for being slow.

`python -m benchmarks.huge_module [--lines N] [--edits N]` writes a small project with the
module (a check-then-create every 100th function, plain helpers between), then prints JSON:

- `check_s`: wall time of `integrity-lsp check --no-cache` of the module, as its own process;
- `check_findings_ok`: whether it reported IL101 on exactly the expected lines;
- the editor numbers of `benchmarks.lsp_latency` for that module (didOpen -> diagnostics,
  didChange -> diagnostics p50/p95, hover at the middle of the module p50/p95, RSS).

Targets: `check` under 60 s, didOpen -> diagnostics under 60 s and hover under 5 s (the bounds
the robustness tests used to assert).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict
from pathlib import Path

from benchmarks.lsp_latency import measure_latency

MODELS = (
    "from django.db import models\n\n\n"
    "class Product(models.Model):\n"
    "    sku = models.CharField(max_length=20, unique=True)\n"
    "    name = models.CharField(max_length=100)\n"
)
PLAIN = (
    "\n\ndef helper_{i}(values, factor=2):\n"
    '    """Scale the values divisible by {m}."""\n'
    "    result = []\n"
    "    for value in values:\n"
    "        if value % {m} == 0:\n"
    "            result.append(value * factor)\n"
    "    return result\n"
)
RACE = (
    "\n\ndef import_{i}(sku, name):\n"
    "    if not Product.objects.filter(sku=sku).exists():\n"
    "        Product.objects.create(sku=sku, name=name)\n"
)


def huge_module(lines: int) -> tuple[str, set[int]]:
    """A module of about `lines` lines and the 1-based lines of its create() calls."""
    parts = ["from shop.models import Product\n"]
    count = 1
    expected: set[int] = set()
    index = 0
    while count < lines:
        if index % 100 == 0:
            expected.add(count + 5)
            chunk = RACE.format(i=index)
        else:
            chunk = PLAIN.format(i=index, m=index % 7 + 2)
        parts.append(chunk)
        count += chunk.count("\n")
        index += 1
    return "".join(parts), expected


def write_project(root: Path, lines: int) -> tuple[Path, set[int]]:
    (root / "shop" / "migrations").mkdir(parents=True)
    (root / "manage.py").write_text("")
    (root / "shop" / "__init__.py").write_text("")
    (root / "shop" / "migrations" / "__init__.py").write_text("")
    (root / "shop" / "models.py").write_text(MODELS)
    text, expected = huge_module(lines)
    module = root / "shop" / "generated.py"
    module.write_text(text)
    return module, expected


def time_check(root: Path, module: Path, expected: set[int]) -> tuple[float, bool]:
    command = [sys.executable, "-m", "integrity_lsp", "check", "--no-cache", "--exit-zero"]
    command += ["--output-format", "json", "--root", str(root), str(module)]
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - started
    try:
        findings = json.loads(done.stdout)
    except json.JSONDecodeError:
        return seconds, False
    lines = {item["location"]["row"] for item in findings if item.get("code") == "IL101"}
    return seconds, lines == expected


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="check and the editor on one huge module.")
    parser.add_argument("--lines", type=int, default=50_000)
    parser.add_argument("--edits", type=int, default=20)
    parser.add_argument("--hovers", type=int, default=20)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="integrity-lsp-huge-") as scratch:
        root = Path(scratch)
        module, expected = write_project(root, args.lines)
        check_s, findings_ok = time_check(root, module, expected)
        text = module.read_text()
        middle = args.lines // 2
        # typing happens in the body of the last plain helper (its `return result` line)
        edit_line = max(
            number
            for number, line in enumerate(text.splitlines(), start=1)
            if line == "    return result"
        )
        latency = asyncio.run(
            measure_latency(
                root,
                module,
                (middle - 1, 4),
                edit_line,
                edits=args.edits,
                hovers=args.hovers,
                timeout=600.0,
                edit_timeout=60.0,
                files=3,
            )
        )
    report = {"lines": args.lines, "check_s": round(check_s, 2), "check_findings_ok": findings_ok}
    report.update(asdict(latency))
    json.dump(report, sys.stdout, indent=2)
    sys.stdout.write("\n")
    return 1 if latency.error or not findings_ok else 0


if __name__ == "__main__":
    raise SystemExit(main())
