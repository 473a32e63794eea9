"""What `check` prints and where: formats, `--output-file`, `--statistics`, loudness, colour,
files that could not be checked, stdin."""

from __future__ import annotations

import json
import os
import pty
import subprocess
import sys
from pathlib import Path

import pytest

from tests.cli.support import SERVICE, run, run_process, shop, write


def test_output_format_and_its_format_alias(tmp_path: Path) -> None:
    shop(tmp_path)
    long = run("check", "--output-format", "json", str(tmp_path))
    short = run("check", "--format", "json", str(tmp_path))
    assert long.json() == short.json() and long.json()[0]["code"] == "IL101"


def test_output_file_holds_the_report(tmp_path: Path) -> None:
    shop(tmp_path)
    target = tmp_path / "reports" / "result.json"
    done = run("check", "--output-format", "json", "-o", str(target), str(tmp_path))
    assert done.code == 1 and done.out == ""
    assert json.loads(target.read_text(encoding="utf-8"))[0]["code"] == "IL101"
    blocked = run("check", "--output-file", str(tmp_path / "shop" / "models.py" / "x"), ".")
    assert blocked.code == 2 and "--output-file" in blocked.err


def test_statistics(tmp_path: Path) -> None:
    shop(tmp_path, {"shop/more.py": SERVICE})
    done = run("check", "--statistics", str(tmp_path))
    assert done.out == "2\tIL101\t[*] check-then-create\n"
    rows = run("check", "--statistics", "--output-format", "json", str(tmp_path)).json()
    assert rows == [{"code": "IL101", "name": "check-then-create", "count": 2, "fixable": True}]


def test_quiet_silent_verbose(tmp_path: Path) -> None:
    shop(tmp_path)
    write(tmp_path, {"pyproject.toml": "[tool.integrity-lsp]\nbogus = 1\n"})
    normal = run("check", str(tmp_path))
    assert "Found 1 finding." in normal.out and "unknown setting" in normal.err
    quiet = run("check", "-q", str(tmp_path))
    assert quiet.code == 1 and "IL101" in quiet.out
    assert "Found" not in quiet.out and quiet.err == ""
    silent = run("check", "--silent", str(tmp_path))
    assert (silent.code, silent.out, silent.err) == (1, "", "")
    verbose = run("check", "-v", str(tmp_path))
    assert f"settings: {tmp_path / 'pyproject.toml'}" in verbose.err


def test_color(tmp_path: Path) -> None:
    shop(tmp_path)
    assert "\x1b[" in run("check", "--color", "always", str(tmp_path)).out
    assert "\x1b[" not in run("check", "--color", "never", str(tmp_path)).out
    assert "\x1b[" not in run("check", str(tmp_path)).out  # auto, and not a terminal


@pytest.mark.skipif(sys.platform == "win32", reason="needs a pseudo-terminal")
def test_color_on_a_terminal_unless_no_color(tmp_path: Path) -> None:
    shop(tmp_path)

    def on_a_terminal(**env: str) -> str:
        leader, follower = pty.openpty()
        process = subprocess.Popen(
            [sys.executable, "-m", "integrity_lsp", "check", str(tmp_path)],
            stdout=follower,
            stderr=subprocess.DEVNULL,
            env={**os.environ, "TERM": "xterm", **env},
        )
        os.close(follower)
        chunks = []
        while True:
            try:
                chunk = os.read(leader, 4096)
            except OSError:  # the terminal closed: the program ended
                break
            if not chunk:
                break
            chunks.append(chunk)
        process.wait(timeout=120)
        os.close(leader)
        return b"".join(chunks).decode()

    assert "\x1b[" in on_a_terminal()
    assert "\x1b[" not in on_a_terminal(NO_COLOR="1")


def test_a_file_with_a_syntax_error_is_reported_as_not_checked(tmp_path: Path) -> None:
    broken = SERVICE.replace("def issue(code):", "def issue(code)")
    shop(tmp_path, {"shop/services.py": broken})
    done = run("check", str(tmp_path))
    assert "All checks passed!" not in done.out
    assert "1 file could not be checked" in done.out
    assert "services.py:4:" in done.err and "SyntaxError" in done.err and "not checked" in done.err
    assert done.code == 1
    quiet = run("check", "--quiet", str(tmp_path))  # what explains exit 1 shows even so
    assert quiet.code == 1 and "not checked" in quiet.err and quiet.out == ""
    github = run("check", "--output-format", "github", ".", cwd=tmp_path)
    assert github.out.startswith("::error title=integrity-lsp (not checked),file=shop/services.py,")
    sarif = run("check", "--output-format", "sarif", ".", cwd=tmp_path).json()
    (note,) = sarif["runs"][0]["invocations"][0]["toolExecutionNotifications"]
    assert "SyntaxError" in note["message"]["text"]
    assert note["locations"][0]["physicalLocation"]["region"]["startLine"] == 4


def test_stdin(tmp_path: Path) -> None:
    shop(tmp_path)
    named = str(tmp_path / "shop" / "elsewhere.py")
    done = run_process("check", "--stdin-filename", named, "-", stdin=SERVICE, cwd=tmp_path)
    assert done.code == 1, done.err
    assert "shop/elsewhere.py:6:9: IL101" in done.out
    fixed = run_process(
        "check", "--fix", "--stdin-filename", named, "-", stdin=SERVICE, cwd=tmp_path
    )
    assert "get_or_create" in fixed.out and fixed.out != SERVICE
    assert not (tmp_path / "shop" / "elsewhere.py").exists()
    clean = run_process("check", "-", stdin="x = 1\n", cwd=tmp_path)
    assert clean.code == 0 and "All checks passed!" in clean.out
    assert run_process("check", "-", str(tmp_path), stdin="", cwd=tmp_path).code == 2


SIGNUP = """\
from django.contrib.auth.models import User


def signup(request):
    name = request.POST["name"]
    if not User.objects.filter(username=name).exists():
        User.objects.create(username=name)
"""


def test_a_django_model_is_related_by_its_installed_file_never_a_made_up_path(
    tmp_path: Path,
) -> None:
    """auth.User's unique username is located in the installed Django's file (the test
    environment has Django), in every format; no `<django>/…` path is printed."""
    write(tmp_path, {"shop/__init__.py": "", "shop/views.py": SIGNUP})
    import django

    from integrity_lsp.reporters.paths import display_path

    installed = Path(django.__file__).parent / "contrib" / "auth" / "models.py"
    [finding] = run("check", "--output-format", "json", str(tmp_path)).json()
    [related] = finding["related"]
    assert related["filename"] == str(installed) and related["message"] == "unique=True on username"
    text = run("check", str(tmp_path)).out
    # the text report names files relative to the working directory when inside it (CI's
    # virtualenv is inside the checkout)
    assert f"{display_path(installed)}:" in text and "<django>" not in text
    sarif = run("check", "--output-format", "sarif", str(tmp_path)).out
    assert "<django>" not in sarif and installed.as_uri() in sarif


def test_a_django_definition_not_found_in_the_installed_files_has_no_location() -> None:
    """A built-in definition the installed Django does not hold (another version) is named by
    its module, with no file and no line."""
    from integrity_lsp.findings import Finding, Location, Span
    from integrity_lsp.reporters.json import as_dict

    nowhere = Location(Path("<django>/django/contrib/auth/models.py"), Span(9999, 0, 9999, 4), "x")
    finding = Finding("IL101", "m", Path("shop/views.py"), Span(1, 0, 1, 4), related=(nowhere,))
    assert as_dict(finding)["related"] == [
        {
            "filename": None,
            "location": None,
            "end_location": None,
            "message": "x (django.contrib.auth.models)",
        }
    ]
