"""The answers the LSP lifecycle requires (issue 17, item 11), from a real `integrity-lsp
serve` over stdio: an error for a request before `initialize` (-32002) and after `shutdown`
(-32600), -32601 for an unknown command, a clear error and no traceback for `explain`
without its argument, and a code action answer that one odd diagnostic cannot null."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.robustness.raw_lsp import raw_server
from tests.robustness.support import write_tree
from tests.robustness.test_fix_writes import PROJECT

EXPLAIN = "integrity-lsp.explain"


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_tree(tmp_path_factory.mktemp("lifecycle"), PROJECT)


def _hover(uri: str) -> dict[str, object]:
    return {"textDocument": {"uri": uri}, "position": {"line": 0, "character": 0}}


def test_a_request_before_initialize_is_refused_with_server_not_initialized(
    project: Path,
) -> None:
    with raw_server(project) as server:
        uri = (project / "shop" / "services.py").as_uri()
        answer = server.request("textDocument/hover", _hover(uri), timeout=30)
        assert answer.get("error", {}).get("code") == -32002, answer
        server.initialize(project)  # and the session starts normally after it
        server.open(project / "shop" / "services.py")
        assert any(d["code"] == "IL101" for d in server.pull(uri))


def test_requests_after_shutdown_are_refused_with_invalid_request(project: Path) -> None:
    with raw_server(project) as server:
        server.initialize(project)
        assert "result" in server.request("shutdown", timeout=30)
        uri = (project / "shop" / "services.py").as_uri()
        for method, params in (
            ("textDocument/hover", _hover(uri)),
            ("workspace/executeCommand", {"command": EXPLAIN, "arguments": ["x"]}),
            ("shutdown", None),
        ):
            answer = server.request(method, params, timeout=30)
            assert answer.get("error", {}).get("code") == -32600, (method, answer)
        server.notify("exit")
        assert server.process.wait(timeout=30) == 0


def test_an_unknown_command_is_method_not_found(project: Path) -> None:
    with raw_server(project) as server:
        server.initialize(project)
        answer = server.request(
            "workspace/executeCommand", {"command": "integrity-lsp.nope", "arguments": []}
        )
        assert answer.get("error", {}).get("code") == -32601, answer


@pytest.mark.parametrize("arguments", [None, [], ["a", "b"]])
def test_explain_with_the_wrong_number_of_arguments_is_a_clear_error(
    project: Path, arguments: list[str] | None
) -> None:
    with raw_server(project) as server:
        server.initialize(project)
        params: dict[str, object] = {"command": EXPLAIN}
        if arguments is not None:
            params["arguments"] = arguments
        answer = server.request("workspace/executeCommand", params)
        error = answer.get("error", {})
        assert error.get("code") == -32602, answer
        assert EXPLAIN in error.get("message", ""), error
        # and the server goes on
        params["arguments"] = ["UNIQUE constraint failed: shop_product.sku"]
        assert (
            "shop.Product"
            in server.request("workspace/executeCommand", params)["result"]["summary"]
        )
        logged = "\n".join(server.logged()) + server.stderr_text
        assert "Traceback" not in logged, logged


def test_one_diagnostic_with_a_nul_in_its_data_does_not_null_the_code_actions(
    project: Path,
) -> None:
    with raw_server(project) as server:
        server.initialize(project)
        uri = server.open(project / "shop" / "services.py")
        diagnostics = server.pull(uri)
        race = next(d for d in diagnostics if d["code"] == "IL101")
        odd = {
            **race,
            "data": {
                "v": 1,
                "code": "IL101",
                "version": 1,
                "fixes": [
                    {
                        "title": "odd",
                        "applicability": "safe",
                        "edits": [
                            {
                                "path": f"{project}{os.sep}a\0b.py",
                                "span": [1, 0, 1, 0],
                                "content": "",
                            }
                        ],
                    }
                ],
            },
        }
        answer = server.request(
            "textDocument/codeAction",
            {
                "textDocument": {"uri": uri},
                "range": race["range"],
                "context": {"diagnostics": [odd, race]},
            },
        )
        actions = answer.get("result")
        assert actions, answer
        assert any("get_or_create" in action["title"] for action in actions), actions
