"""Which rules run: ruff's flags and keys (`select`, `extend-select`, `ignore`), every
occurrence of a flag counting, an unknown code a usage error."""

from __future__ import annotations

from pathlib import Path

import pytest

from integrity_lsp.config import Settings
from tests.cli.support import codes, run, shop, write

TWO_RACES = """\
from shop.models import Coupon


def issue(code):
    if not Coupon.objects.filter(code=code).exists():
        Coupon.objects.create(code=code)


def fetch(code):
    try:
        return Coupon.objects.get(code=code)
    except Coupon.DoesNotExist:
        return Coupon.objects.create(code=code)
"""


@pytest.mark.parametrize(
    "flags",
    [
        ("--select", "XX999"),
        ("--select", "E501"),
        ("--select", "IL999"),
        ("--select", "IL1,IL9"),
        ("--extend-select", "E"),
        ("--ignore", "W291"),
    ],
)
def test_an_unknown_rule_code_is_a_usage_error(tmp_path: Path, flags: tuple[str, str]) -> None:
    shop(tmp_path)
    done = run("check", *flags, str(tmp_path))
    assert done.code == 2
    assert "unknown rule selector" in done.err and "usage:" in done.err
    assert "All checks passed" not in done.out


def test_known_prefixes_and_all_are_accepted(tmp_path: Path) -> None:
    shop(tmp_path)
    for selector in ("ALL", "IL", "IL1", "il101", "IL10"):
        assert run("check", "--select", selector, "--no-cache", str(tmp_path)).code == 1


def test_repeated_select_accumulates(tmp_path: Path) -> None:
    shop(tmp_path, {"shop/services.py": TWO_RACES})
    one = codes(run("check", "--select", "IL101", "--output-format", "json", str(tmp_path)))
    both = run(
        "check", "--select", "IL101", "--select", "IL102", "--output-format", "json",
        "--no-cache", str(tmp_path),
    )  # fmt: skip
    assert {code for _, code in codes(both)} >= {"IL101", "IL102"}
    assert {code for _, code in one} == {"IL101"}


def test_extend_select_adds_to_select_and_ignore_adds_to_configured_ignore(
    tmp_path: Path,
) -> None:
    shop(tmp_path, {"shop/services.py": TWO_RACES})
    write(tmp_path, {"pyproject.toml": '[tool.integrity-lsp]\nselect = ["IL101"]\n'})
    base = ["check", "--output-format", "json", "--no-cache", str(tmp_path)]
    assert {c for _, c in codes(run(*base))} == {"IL101"}
    assert {c for _, c in codes(run(*base, "--extend-select", "IL102"))} == {"IL101", "IL102"}
    assert codes(run(*base, "--extend-select", "IL102", "--ignore", "IL101")) == [
        ("services.py", "IL102")
    ]


def test_config_select_and_extend_select_together_select_both_only() -> None:
    for order in (
        {"select": ["IL101"], "extend-select": ["IL102"]},
        {"extend-select": ["IL102"], "select": ["IL101"]},
    ):
        settings = Settings().merged(order)
        assert settings.is_enabled("IL101") and settings.is_enabled("IL102")
        assert not settings.is_enabled("IL103"), order


def test_config_extend_exclude_adds_to_exclude() -> None:
    for order in (
        {"exclude": ["legacy"], "extend-exclude": ["scripts"]},
        {"extend-exclude": ["scripts"], "exclude": ["legacy"]},
    ):
        settings = Settings().merged(order)
        assert set(settings.exclude) == {"legacy", "scripts"}, order
