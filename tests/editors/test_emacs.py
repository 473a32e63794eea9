"""The real server in Emacs: eglot (Debian 12's Emacs 28 + elpa-eglot 1.9, or Emacs 29+).

Runs `editors/emacs/test/eglot_real.el` headless on a copy of `examples/` that is not a git
repository, so eglot takes the file's folder as the project root (as it does for a project
without version control): the server must still find the Django root and its settings. Then
code actions on one diagnostic's line, asked the way eglot asks and with every diagnostic of
the buffer in the request: only that line's actions, no title twice.

Skipped when Emacs or eglot is not installed (`apt-get install emacs-nox elpa-eglot`).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / "editors" / "emacs" / "test" / "eglot_real.el"
EXAMPLES = REPO / "examples"
TIMEOUT_S = 180


def eglot_available(emacs: str) -> bool:
    probe = (
        "(progn (require 'package)"
        ' (add-to-list \'package-directory-list "/usr/share/emacs/site-lisp/elpa")'
        " (package-initialize) (require 'eglot))"
    )
    completed = subprocess.run(
        [emacs, "-Q", "--batch", "--eval", probe],
        capture_output=True,
        timeout=60,
        check=False,
    )
    return completed.returncode == 0


@pytest.fixture(scope="module")
def emacs() -> str:
    binary = shutil.which("emacs")
    if binary is None or not eglot_available(binary):
        pytest.skip("Emacs with eglot not found (apt-get install emacs-nox elpa-eglot)")
    return binary


def run_eglot(emacs: str, scratch: Path, relative: str, code: str) -> dict[str, Any]:
    project = scratch / "project"
    if not project.exists():
        shutil.copytree(EXAMPLES, project, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    assert not (project / ".git").exists()
    result_file = scratch / f"{Path(relative).stem}.json"
    target = project / relative
    env = {key: value for key, value in os.environ.items() if not key.startswith("INTEGRITY_LSP")}
    env["INTEGRITY_LSP_CMD"] = json.dumps([sys.executable, "-m", "integrity_lsp", "serve"])
    env["HOME"] = str(scratch)  # no user init, no ~/.emacs.d state
    completed = subprocess.run(
        [emacs, "-Q", "--batch", "-l", str(SCRIPT), target.name, code, str(result_file)],
        cwd=target.parent,
        env=env,
        capture_output=True,
        text=True,
        timeout=TIMEOUT_S,
        check=False,
    )
    result = json.loads(result_file.read_text()) if result_file.exists() else {}
    if completed.returncode != 0 or result.get("ok") is not True:
        pytest.fail(f"eglot_real.el: {json.dumps(result)}\n{completed.stdout}\n{completed.stderr}")
    return result


def test_the_django_root_is_found_when_eglot_sends_the_files_folder(
    emacs: str, tmp_path: Path
) -> None:
    result = run_eglot(emacs, tmp_path, "accounts/views.py", "IL101")
    assert Path(result["root"]).resolve() == (tmp_path / "project" / "accounts").resolve()
    [race] = [d for d in result["diagnostics"] if "IL101" in d["text"]]
    # AUTH_USER_MODEL = "accounts.User" from config/settings.py, above eglot's root
    assert "accounts_user.username" in race["text"]


def test_code_actions_answer_the_line_asked_for_only(emacs: str, tmp_path: Path) -> None:
    result = run_eglot(emacs, tmp_path, "shop/services.py", "IL101")
    assert len(result["diagnostics"]) >= 4  # several lines with findings in the buffer
    for titles in (result["at_point"], result["with_every_diagnostic"]):
        assert len(titles) == len(set(titles)), titles
        assert [t for t in titles if t.startswith("Disable")] == ["Disable IL101 for this line"]
    assert result["with_every_diagnostic"] == result["at_point"]
