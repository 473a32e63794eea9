"""The answers the LSP lifecycle requires, which pygls 2.1.1 does not give.

- Before `initialize`: a request gets error -32002 (ServerNotInitialized), a notification is
  dropped (pygls answered `null`, or ran the handler on a server with no workspace).
- After `shutdown`: a request gets error -32600 (InvalidRequest), a notification is dropped
  (pygls sent nothing at all: the client waited for ever). `exit` is always handled.
- `workspace/executeCommand` of a command the server does not have: -32601 (MethodNotFound,
  pygls said -32602); with arguments the command cannot take: -32602 naming the command and
  what is wrong, answered here rather than by a handler failing with a traceback in the log.
- A request whose parameters do not have the shape the method takes is answered with the
  error (pygls logged it and never answered).
"""

from __future__ import annotations

import inspect
import logging
from typing import Any

from lsprotocol import types
from pygls.exceptions import (
    JsonRpcException,
    JsonRpcInvalidParams,
    JsonRpcInvalidRequest,
    JsonRpcMethodNotFound,
    JsonRpcServerNotInitialized,
)
from pygls.protocol import LanguageServerProtocol
from pygls.protocol.json_rpc import RPCNotification, RPCRequest

log = logging.getLogger(__name__)


class LifecycleProtocol(LanguageServerProtocol):
    """pygls's protocol with the lifecycle's error answers (see the module docstring)."""

    _initialize_received = False

    def handle_raw(self, raw: Any) -> None:
        """Structure and handle one decoded message; a request that cannot be structured
        still gets its error answer."""
        if not isinstance(raw, dict):
            log.warning("integrity-lsp: skipped a message that is not a JSON object")
            return
        try:
            message = self.structure_message(raw)
        except JsonRpcException as error:
            if "id" in raw and "method" in raw:
                self._send_response(raw["id"], None, error.to_response_error())
            raise
        self.handle_message(message)

    def handle_message(self, message: Any) -> None:
        refusal = self._refusal(message) if isinstance(message, RPCNotification) else None
        if refusal is None:
            super().handle_message(message)
        elif isinstance(message, RPCRequest):
            self._send_response(message.id, None, refusal.to_response_error())
        else:
            log.info("integrity-lsp: dropped %s: %s", message.method, refusal.message)

    def _refusal(self, message: RPCNotification) -> JsonRpcException | None:
        method = message.method
        if method == types.EXIT:
            return None
        if method == types.INITIALIZE and isinstance(message, RPCRequest):
            self._initialize_received = True
            return None
        if not self._initialize_received:
            return JsonRpcServerNotInitialized("the server has not been initialized")
        if self._shutdown:
            return JsonRpcInvalidRequest("the server is shutting down")
        if method == types.WORKSPACE_EXECUTE_COMMAND and isinstance(message, RPCRequest):
            return self._command_refusal(message.params)
        return None

    def _command_refusal(self, params: types.ExecuteCommandParams) -> JsonRpcException | None:
        handler = self.fm.commands.get(params.command)
        if handler is None:
            return JsonRpcMethodNotFound(f"no command {params.command!r}")
        function = getattr(handler, "func", handler)  # pygls wraps a handler taking `ls`
        parameters = list(inspect.signature(function).parameters.values())
        if hasattr(handler, "func"):
            parameters = parameters[1:]
        try:
            inspect.Signature(parameters).bind(*(params.arguments or []))
        except TypeError as error:
            return JsonRpcInvalidParams(f"{params.command}: {error}")
        return None
