"""SARIF for GitHub code scanning, and GitHub annotations: valid against the SARIF 2.1.0 schema
(vendored: sarif-schema-2.1.0.json, from the SARIF SDK, MIT), with what GitHub needs: rule
`help`, `defaultConfiguration`, `partialFingerprints` that survive moved lines, the safe
fixes, paths relative to the repository under `%SRCROOT%`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from integrity_lsp.rules import load_rules
from tests.cli.support import SERVICE, git_init, run, shop
from tests.helpers import copy_project

SCHEMA = Path(__file__).with_name("sarif-schema-2.1.0.json")


def sarif(*args: str, cwd: Path | None = None) -> dict[str, Any]:
    done = run("check", "--output-format", "sarif", "--no-cache", *args, cwd=cwd)
    assert done.code in (0, 1), done.err
    document: dict[str, Any] = json.loads(done.out)
    return document


def test_sarif_of_examples_is_valid_against_the_schema(tmp_path: Path) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    root = copy_project("examples", tmp_path)
    (root / "shop" / "broken.py").write_text("def f(:\n    Product.objects.create()\n")
    document = sarif(str(root))
    jsonschema.validators.validator_for(schema)(schema).validate(document)
    assert document["runs"][0]["results"]
    assert document["runs"][0]["invocations"][0]["toolExecutionNotifications"]


def test_rules_carry_help_and_a_default_level(tmp_path: Path) -> None:
    shop(tmp_path)
    driver = sarif(str(tmp_path))["runs"][0]["tool"]["driver"]
    assert [rule["id"] for rule in driver["rules"]] == list(load_rules())
    for rule in driver["rules"]:
        documented = load_rules()[rule["id"]]
        assert documented.doc in rule["help"]["markdown"] and rule["help"]["text"]
        assert rule["defaultConfiguration"]["level"] in ("error", "warning", "note")
        assert rule["helpUri"] == documented.url


def test_paths_are_relative_to_the_repository_root(tmp_path: Path) -> None:
    git_init(tmp_path)
    shop(tmp_path / "src")
    for cwd in (tmp_path, tmp_path / "src", tmp_path / "src" / "shop"):
        run_ = sarif(str(tmp_path / "src"), cwd=cwd)["runs"][0]
        assert run_["originalUriBaseIds"]["%SRCROOT%"]["uri"] == tmp_path.resolve().as_uri() + "/"
        location = run_["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]
        assert location == {"uri": "src/shop/services.py", "uriBaseId": "%SRCROOT%"}


def test_partial_fingerprints_survive_moved_lines_and_tell_twins_apart(tmp_path: Path) -> None:
    shop(tmp_path)
    first = sarif(str(tmp_path))["runs"][0]["results"]
    services = tmp_path / "shop" / "services.py"
    services.write_text("import os\n\n\n" + SERVICE + "\n\n" + SERVICE.split("\n\n\n")[1])
    moved = sarif(str(tmp_path))["runs"][0]["results"]
    assert moved[0]["locations"][0]["physicalLocation"]["region"]["startLine"] == 9
    assert moved[0]["partialFingerprints"] == first[0]["partialFingerprints"]
    assert len(moved) == 2 and moved[1]["partialFingerprints"] != moved[0]["partialFingerprints"]
    assert "primaryLocationLineHash" not in moved[0]["partialFingerprints"]  # GitHub's own


def test_safe_fixes_are_sarif_fixes(tmp_path: Path) -> None:
    shop(tmp_path)
    result = sarif(str(tmp_path))["runs"][0]["results"][0]
    (fix,) = result["fixes"]
    change = fix["artifactChanges"][0]
    assert change["artifactLocation"]["uri"].endswith("shop/services.py")
    assert "get_or_create" in change["replacements"][0]["insertedContent"]["text"]
    unsafe_only = sarif("--select", "IL204", str(copy_project("examples", tmp_path / "x")))
    assert all("fixes" not in item for item in unsafe_only["runs"][0]["results"])


def test_github_annotations_name_files_relative_to_the_repository(tmp_path: Path) -> None:
    git_init(tmp_path)
    shop(tmp_path / "src")
    for cwd in (tmp_path, tmp_path / "src"):
        done = run("check", "--output-format", "github", ".", cwd=cwd)
        assert done.out.startswith(
            "::warning title=integrity-lsp (IL101),file=src/shop/services.py,"
        )
