"""Running `integrity-lsp` as a user does, and small projects to run it on."""

from __future__ import annotations

import contextlib
import io
import json
import os
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from integrity_lsp import cli

# A model with a unique field and a service that checks before it creates: one IL101 with a
# safe fix. `IL1` findings need no migrations and no settings.
MODELS = """\
from django.db import models


class Coupon(models.Model):
    code = models.CharField(max_length=20, unique=True)
"""
SERVICE = """\
from shop.models import Coupon


def issue(code):
    if not Coupon.objects.filter(code=code).exists():
        Coupon.objects.create(code=code)
"""


@dataclass
class Done:
    code: int
    out: str
    err: str

    def json(self) -> Any:
        return json.loads(self.out)


def run(*args: str, cwd: Path | None = None) -> Done:
    """`integrity-lsp ARGS` in this process (fast: the rules are imported once)."""
    out, err = io.StringIO(), io.StringIO()
    previous = Path.cwd()
    try:
        if cwd is not None:
            os.chdir(cwd)
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = cli.main(list(args))
    finally:
        os.chdir(previous)
    return Done(code, out.getvalue(), err.getvalue())


def run_process(*args: str, cwd: Path | None = None, stdin: str | None = None) -> Done:
    """`integrity-lsp ARGS` in a subprocess (for stdin and terminals)."""
    done = subprocess.run(
        [sys.executable, "-m", "integrity_lsp", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        input=stdin,
        timeout=300,
        check=False,
    )
    return Done(done.returncode, done.stdout, done.stderr)


def write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
    return root


def shop(root: Path, files: dict[str, str] | None = None) -> Path:
    """A Django project at `root`: manage.py, the app `shop` with MODELS and SERVICE, and
    `files` (relative path: text) added or replacing those."""
    base = {
        "manage.py": "",
        "shop/__init__.py": "",
        "shop/models.py": MODELS,
        "shop/services.py": SERVICE,
    }
    return write(root, {**base, **(files or {})})


def git_init(root: Path) -> Path:
    subprocess.run(["git", "init", "-q", str(root)], check=True, capture_output=True)
    return root


def codes(done: Done) -> list[tuple[str, str]]:
    """(file name, code) of each finding of a `--output-format json` run."""
    return [(Path(item["filename"]).name, item["code"]) for item in done.json()]
