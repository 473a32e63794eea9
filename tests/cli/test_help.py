"""Help texts and usage errors: every flag explained, listed in README; bad arguments are
usage errors, never "internal error"."""

from __future__ import annotations

import argparse
import re

import pytest

from integrity_lsp.cli.arguments import build_parser
from tests.cli.support import run, run_process
from tests.helpers import REPO


def subcommands() -> dict[str, argparse.ArgumentParser]:
    parser = build_parser()
    (action,) = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    return dict(action.choices)


@pytest.mark.parametrize("name", ["check", "serve", "explain", "rule", "rules"])
def test_every_argument_has_a_help_text(name: str) -> None:
    for action in subcommands()[name]._actions:
        assert action.help and action.help.strip(), (name, action.option_strings or action.dest)


def test_readme_lists_every_check_flag() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Command line", 1)[1].split("\n## ", 1)[0]
    for action in subcommands()["check"]._actions:
        for flag in action.option_strings:
            if flag.startswith("--") and not flag.startswith("--no-") and flag != "--help":
                assert re.search(re.escape(flag) + r"\b", section), flag
            elif flag.startswith("--no-") and flag not in section:
                assert flag.replace("--no-", "--") in section, flag


@pytest.mark.parametrize("tcp", ["nonsense", "host:port", "127.0.0.1:99999", ":"])
def test_serve_with_a_bad_tcp_address_is_a_usage_error(tcp: str) -> None:
    done = run("serve", "--tcp", tcp)
    assert done.code == 2
    assert "usage: integrity-lsp serve" in done.err and "HOST:PORT" in done.err
    assert "internal error" not in done.err


@pytest.mark.parametrize("columns", ["80", "200"])
def test_rules_fits_the_terminal(columns: str) -> None:
    import os
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-m", "integrity_lsp", "rules"],
        capture_output=True,
        text=True,
        env={**os.environ, "COLUMNS": columns},
        check=True,
    )
    lines = done.stdout.splitlines()
    assert max(len(line) for line in lines) <= int(columns)
    assert all(f"IL{code}" in done.stdout for code in ("101", "205", "304"))


def test_rule_prints_the_same_page_as_docs_rules() -> None:
    done = run_process("rule", "IL101")
    page = (REPO / "docs" / "rules" / "IL101.md").read_text(encoding="utf-8")
    assert done.code == 0 and done.out == page
