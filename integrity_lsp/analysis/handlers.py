"""Request handlers, recognised statically: function views, view-class methods, API endpoints."""

from __future__ import annotations

from typing import Any

from integrity_lsp.analysis.context import Context, HandlerInfo
from integrity_lsp.analysis.nodes import normalised

Node = Any

VIEW_DECORATORS = frozenset(
    {
        "require_POST", "require_GET", "require_http_methods", "require_safe",
        "login_required", "permission_required", "csrf_exempt", "api_view",
        "action", "user_passes_test", "staff_member_required",
    }
)  # fmt: skip
NINJA_METHODS = frozenset({"get", "post", "put", "patch", "delete", "api_operation"})
HTTP_METHODS = frozenset({"get", "post", "put", "patch", "delete"})
DRF_METHODS = frozenset(
    {"create", "update", "partial_update", "destroy", "perform_create", "perform_update"}
)
DJANGO_VIEW_BASES = frozenset(
    {
        "View", "TemplateView", "RedirectView", "FormView", "CreateView", "UpdateView",
        "DeleteView", "DetailView", "ListView", "ProcessFormView", "BaseCreateView",
        "BaseUpdateView", "BaseFormView",
    }
)  # fmt: skip
DRF_VIEW_BASES = frozenset(
    {
        "APIView", "GenericAPIView", "ViewSet", "GenericViewSet", "ModelViewSet",
        "ReadOnlyModelViewSet", "CreateAPIView", "ListCreateAPIView", "UpdateAPIView",
        "RetrieveUpdateAPIView", "RetrieveUpdateDestroyAPIView", "DestroyAPIView",
        "ViewSetMixin", "CreateModelMixin", "UpdateModelMixin",
    }
)  # fmt: skip


def decorators_of(funcdef: Node) -> list[Node]:
    parent = funcdef.parent
    if parent is not None and parent.type == "async_funcdef":
        parent = parent.parent
    if parent is None or parent.type != "decorated":
        return []
    first = parent.children[0]
    if first.type == "decorators":
        return list(first.children)
    return [first]


def decorator_name(decorator: Node) -> str:
    """`transaction.atomic` for `@transaction.atomic(using="x")`."""
    return normalised(decorator.children[1]).split("(", 1)[0]


def class_bases(classdef: Node) -> list[str]:
    if len(classdef.children) < 5 or classdef.children[2].value != "(":
        return []
    inner = classdef.children[3]
    if inner.type == "operator":
        return []
    items = inner.children if inner.type == "arglist" else [inner]
    return [
        normalised(item)
        for item in items
        if item.type != "operator" and "=" not in normalised(item)
    ]


def detect_handler(funcdef: Node, ctx: Context) -> HandlerInfo | None:
    decorators = [decorator_name(d) for d in decorators_of(funcdef)]
    short = {name.rsplit(".", 1)[-1] for name in decorators}
    non_atomic = "non_atomic_requests" in short
    settings = ctx.env.settings
    configured = set(settings.handler_decorators)
    if configured & (set(decorators) | short):
        return HandlerInfo("config", funcdef, ctx.class_node, non_atomic)
    for name in decorators:
        owner, _, method = name.rpartition(".")
        if (owner in ("api", "app") or owner.endswith("router")) and method in NINJA_METHODS:
            return HandlerInfo("ninja", funcdef, ctx.class_node, non_atomic)
    if "api_view" in short:
        return HandlerInfo("drf", funcdef, ctx.class_node, non_atomic)
    name = funcdef.children[1].value
    if ctx.class_node is not None and ctx.function is None:
        bases = {base.rsplit(".", 1)[-1] for base in class_bases(ctx.class_node)}
        configured_bases = {b.rsplit(".", 1)[-1] for b in settings.handler_base_classes}
        if bases & DRF_VIEW_BASES and (name in HTTP_METHODS or name in DRF_METHODS):
            return HandlerInfo("drf", funcdef, ctx.class_node, non_atomic)
        if bases & (DJANGO_VIEW_BASES | configured_bases) and name in HTTP_METHODS | {"form_valid"}:
            return HandlerInfo("django", funcdef, ctx.class_node, non_atomic)
        return None
    if ctx.function is None and (short & VIEW_DECORATORS or _first_parameter(funcdef) == "request"):
        return HandlerInfo("django", funcdef, ctx.class_node, non_atomic)
    return None


def _first_parameter(funcdef: Node) -> str | None:
    for param in funcdef.get_params():
        return str(param.name.value)
    return None
