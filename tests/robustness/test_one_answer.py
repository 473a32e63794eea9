"""One answer per question (issue 21, step 5), as the security work needed it: one walker of
the project's folders -- `check`, the index, `explain` and the results cache skip the same
folders -- and one selection of the fixes applied together -- the editor's fix-all applies
exactly what one pass of `check --fix` applies."""

from __future__ import annotations

import json
from pathlib import Path

from integrity_lsp.analysis.edits import apply_edits
from integrity_lsp.cache import ProjectState
from integrity_lsp.checker import build_environment, check_source
from integrity_lsp.checker.fixes import allowed, select_fixes
from integrity_lsp.config import Settings
from integrity_lsp.findings import Edit, Span
from integrity_lsp.fixer import compute_fixes
from tests.robustness.raw_lsp import raw_server
from tests.robustness.support import run_cli, write_tree
from tests.robustness.test_fix_writes import PROJECT, SERVICES

HIDDEN = {
    # a virtual environment under any name, a hidden folder, a build folder
    "tools-env/pyvenv.cfg": "home = /usr/bin\n",
    "tools-env/helpers.py": SERVICES,
    ".scratch/helpers.py": SERVICES,
    "build/lib/shop/services.py": SERVICES,
}


def test_every_part_walks_the_same_files(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "proj", {**PROJECT, **HIDDEN})
    code, out, _err = run_cli("check", "--format", "json", "--no-cache", str(root))
    checked = {Path(item["filename"]).resolve() for item in json.loads(out)}
    assert code == 1 and (root / "shop" / "services.py").resolve() in checked
    assert all(path.is_relative_to(root.resolve() / "shop") for path in checked), checked
    _code, out, _err = run_cli(
        "explain", "--root", str(root), "UNIQUE constraint failed: shop_product.sku"
    )
    assert "helpers.py" not in out and "build/" not in out, out
    hashed = {Path(path) for path in ProjectState.scan(root).hashes}
    assert not {path for path in hashed if path.parent != root and "shop" not in path.parts}
    index = build_environment(root, Settings()).index
    assert index.is_index_source(root / "shop" / "models.py")
    assert not index.is_index_source(root / "build" / "lib" / "shop" / "services.py")


RACES = "".join(SERVICES.replace("import_product", f"import_{n}") for n in ("a", "b", "c")).replace(
    "from shop.models import Product\n", "", 2
)


def test_fix_all_applies_what_one_pass_of_check_fix_applies(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "proj", {**PROJECT, "shop/services.py": RACES})
    path = root / "shop" / "services.py"
    env = build_environment(root, Settings())
    findings = check_source(RACES, path, env)
    chosen = select_fixes(findings, allowed(unsafe=False))
    assert len(chosen) == 3
    one_pass = apply_edits(RACES, [edit for fix in chosen for edit in fix.edits])
    assert compute_fixes(findings, env, unsafe=False).changed[path][1] == one_pass
    assert _fix_all(root, path) == one_pass


def _fix_all(root: Path, path: Path) -> str:
    """The text after the server's `source.fixAll.integrity-lsp` action."""
    with raw_server(root) as server:
        server.initialize(root)
        uri = server.open(path)
        server.pull(uri)
        answer = server.request(
            "textDocument/codeAction",
            {
                "textDocument": {"uri": uri},
                "range": {"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 0}},
                "context": {"diagnostics": [], "only": ["source.fixAll"]},
            },
        )
        (action,) = answer["result"]
        if "edit" not in action:
            action = server.request("codeAction/resolve", action)["result"]
    edits = []
    for change in action["edit"]["documentChanges"]:
        for edit in change["edits"]:
            start, end = edit["range"]["start"], edit["range"]["end"]
            # ASCII text: LSP characters are code points
            span = Span(start["line"] + 1, start["character"], end["line"] + 1, end["character"])
            edits.append(Edit(path, span, edit["newText"]))
    return apply_edits(RACES, edits)
