"""Every intermediate state of every corpus file goes through check_source unharmed.

States: every line-prefix, random byte-offset truncations (decoded as an editor would, dropping
a split character), and hypothesis mutations (deleted / duplicated tokens, unbalanced
brackets, stray indentation). For each: no exception, every span inside the document, every
offered fix applied leaves code that parses (see `support.invariant_problems`).

check_source hands the text of a file the index reads (models, migrations, apps, settings) to
the index, as the server does while such a file is typed; those files get an environment of
their own.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from concurrent.futures import Executor
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from parso.utils import split_lines

from integrity_lsp.checker import check_source
from integrity_lsp.syntax.source import parse
from tests.robustness.support import (
    LONG,
    MUTATION_EXAMPLES,
    TRUNCATIONS,
    Failure,
    check_state,
    check_states_in_parallel,
    corpus,
    corpus_id,
    environment_for,
    fresh_environment,
    invariant_problems,
    write_tree,
)

CORPUS = corpus()
DRIFT_PROJECT = {
    "manage.py": "",
    "shop/__init__.py": "",
    "shop/migrations/__init__.py": "",
    "shop/models.py": (
        "from django.db import models\n"
        "\n"
        "\n"
        "class Coupon(models.Model):\n"
        "    code = models.CharField(max_length=20, unique=True)\n"
    ),
    "shop/migrations/0001_initial.py": (
        "from django.db import migrations, models\n"
        "\n"
        "\n"
        "class Migration(migrations.Migration):\n"
        "    initial = True\n"
        "    dependencies = []\n"
        "    operations = [\n"
        "        migrations.CreateModel(\n"
        '            name="Coupon",\n'
        "            fields=[\n"
        '                ("id", models.BigAutoField(primary_key=True, serialize=False)),\n'
        '                ("code", models.CharField(max_length=20)),\n'
        "            ],\n"
        "        ),\n"
        "    ]\n"
    ),
}


def _report(path: Path, failures: list[Failure]) -> str:
    lines = [f"{len(failures)} failing state(s) of {path}:"]
    for label, text, problems in failures[:3]:
        lines.append(f"--- {label} ({len(text)} chars): " + "; ".join(problems[:3]))
        lines.append(text[-400:])
    return "\n".join(lines)


def _line_prefixes(text: str) -> Iterator[tuple[str, str]]:
    lines = text.splitlines(keepends=True)
    for count in range(len(lines) + 1):
        yield f"first {count} lines", "".join(lines[:count])


def _byte_truncations(path: Path) -> Iterator[tuple[str, str]]:
    data = path.read_bytes()
    rng = random.Random(f"{path.name}:{len(data)}")  # deterministic per file
    for offset in sorted({rng.randrange(len(data) + 1) for _ in range(TRUNCATIONS)}):
        yield f"first {offset} bytes", data[:offset].decode("utf-8", errors="ignore")


@pytest.mark.parametrize("item", CORPUS, ids=corpus_id)
def test_every_line_prefix_and_byte_truncation(
    item: tuple[Path, Path], state_pool: Executor
) -> None:
    root, path = item
    text = path.read_text(encoding="utf-8")
    states = [*_line_prefixes(text), *_byte_truncations(path)]
    failures = check_states_in_parallel(state_pool, root, path, states)
    assert not failures, _report(path, failures)


def test_findings_follow_the_unsaved_text_of_a_models_module(tmp_path: Path) -> None:
    """Regression (found here): IL304 took its span from the index's copy of models.py, so a
    check of unsaved text reported a span past the end of the document."""
    root = write_tree(tmp_path, DRIFT_PROJECT)
    path = root / "shop" / "models.py"
    edited = path.read_text().replace("models\n\n\n", "models\n")  # two blank lines removed
    findings = [f for f in check_source(edited, path, fresh_environment(root)) if f.code == "IL304"]
    assert [f.span.start_line for f in findings] == [3]
    assert invariant_problems(findings, path, edited, root) == []


# ---------------------------------------------------------------- hypothesis mutations


def _leaves(text: str) -> list[tuple[int, int]]:
    """(start, end) offsets of every non-empty leaf of the parso tree of `text`."""
    starts = [0]
    for line in split_lines(text, keepends=True):
        starts.append(starts[-1] + len(line))
    found = []
    leaf = parse(text).get_first_leaf()
    while leaf is not None:
        if leaf.value:
            begin = starts[leaf.start_pos[0] - 1] + leaf.start_pos[1]
            found.append((begin, begin + len(leaf.value)))
        leaf = leaf.get_next_leaf()
    return found


MUTATIONS = ("delete", "duplicate", "bracket", "indent", "dedent")


@st.composite
def mutated(draw: st.DrawFn) -> tuple[Path, Path, str, list[str]]:
    """A corpus file with one to four token-level mutations applied."""
    root, path = draw(st.sampled_from(CORPUS))
    text = path.read_text(encoding="utf-8")
    done: list[str] = []
    for _ in range(draw(st.integers(1, 4))):
        leaves = _leaves(text)
        if not leaves:
            break
        kind = draw(st.sampled_from(MUTATIONS))
        start, end = leaves[draw(st.integers(0, len(leaves) - 1))]
        line_start = text.rfind("\n", 0, start) + 1
        if kind == "delete":
            text = text[:start] + text[end:]
        elif kind == "duplicate":
            text = text[:end] + " " + text[start:end] + text[end:]
        elif kind == "bracket":
            text = text[:start] + draw(st.sampled_from("()[]{}")) + text[start:]
        elif kind == "indent":
            stray = draw(st.sampled_from([" ", "    ", "\t", "  \t"]))
            text = text[:line_start] + stray + text[line_start:]
        else:
            rest = text[line_start:]
            width = min(len(rest) - len(rest.lstrip(" \t")), draw(st.integers(1, 4)))
            text = text[:line_start] + rest[width:]
        done.append(f"{kind}@{start}")
    return root, path, text, done


@settings(
    max_examples=MUTATION_EXAMPLES,
    deadline=None,
    derandomize=not LONG,  # CI: the same examples every run
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(mutated())
def test_token_mutations(case: tuple[Path, Path, str, list[str]]) -> None:
    root, path, text, done = case
    problems = check_state(text, path, environment_for(root, path))
    assert not problems, f"{path} after {done}: {problems}\n{text}"
