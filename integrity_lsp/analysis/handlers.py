"""Request handlers, recognised statically: function views, view-class methods, API endpoints.

A function is a handler when it takes `request` first (not a pytest fixture: `@pytest.fixture
def tenant(request)` gets pytest's request) or carries a view decorator
(`require_POST`, `login_required`, DRF `@api_view`, a django-ninja `@api.post`/`@router.get`
on a `NinjaAPI()`/`Router()` of the module, or one of `handler-decorators`). A method is one when
its class derives from Django's `View` family, DRF's `APIView`/`ViewSet` family or one of
`handler-base-classes`, following base classes through the file and, via the project index,
across files (`class OrderView(BaseView)` where `BaseView(View)` lives in `core/views.py`).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from integrity_lsp.analysis.context import Context, HandlerInfo
from integrity_lsp.syntax.nodes import normalised
from integrity_lsp.syntax.source import SourceFile

Node = Any

VIEW_DECORATORS = frozenset(
    {
        "require_POST", "require_GET", "require_http_methods", "require_safe",
        "login_required", "permission_required", "csrf_exempt", "api_view",
        "user_passes_test", "staff_member_required",
    }
)  # fmt: skip
NINJA_METHODS = frozenset({"get", "post", "put", "patch", "delete", "api_operation"})
NINJA_CLASSES = frozenset({"NinjaAPI", "Router"})
HTTP_METHODS = frozenset({"get", "post", "put", "patch", "delete"})
DRF_METHODS = frozenset(
    {"create", "update", "partial_update", "destroy", "perform_create", "perform_update"}
)
DJANGO_VIEW_BASES = frozenset(
    {
        "View", "TemplateView", "RedirectView", "FormView", "CreateView", "UpdateView",
        "DeleteView", "DetailView", "ListView", "ProcessFormView", "BaseCreateView",
        "BaseUpdateView", "BaseFormView", "BaseDeleteView", "ModelFormMixin", "FormMixin",
        "DeletionMixin",
    }
)  # fmt: skip
DRF_VIEW_BASES = frozenset(
    {
        "APIView", "GenericAPIView", "ViewSet", "GenericViewSet", "ModelViewSet",
        "ReadOnlyModelViewSet", "CreateAPIView", "ListCreateAPIView", "UpdateAPIView",
        "RetrieveUpdateAPIView", "RetrieveUpdateDestroyAPIView", "DestroyAPIView",
        "RetrieveDestroyAPIView", "ListAPIView", "RetrieveAPIView", "ViewSetMixin",
        "CreateModelMixin", "UpdateModelMixin", "DestroyModelMixin",
    }
)  # fmt: skip
DJANGO_METHODS = HTTP_METHODS | {"form_valid"}
MAX_DEPTH = 12
_KIND_CACHE: dict[tuple[str, str, str], str | None] = {}
_NINJA_CACHE: dict[tuple[str, str], frozenset[str]] = {}
_SOURCES: dict[Any, SourceFile] = {}


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
    if "fixture" in short or "yield_fixture" in short:
        return None  # a pytest fixture's `request` is pytest's, not an HTTP request
    owners = _ninja_owners(ctx.file)
    for name in decorators:
        owner, _, method = name.rpartition(".")
        is_owner = owner in owners or owner in ("api", "app") or owner.endswith("router")
        if is_owner and method in NINJA_METHODS:
            return HandlerInfo("ninja", funcdef, ctx.class_node, non_atomic)
    if "api_view" in short:
        return HandlerInfo("drf", funcdef, ctx.class_node, non_atomic)
    name = funcdef.children[1].value
    if ctx.class_node is not None and ctx.function is None:
        kind = view_kind(ctx.class_node, ctx.file, ctx)
        if kind == "drf" and (name in HTTP_METHODS | DRF_METHODS or "action" in short):
            return HandlerInfo("drf", funcdef, ctx.class_node, non_atomic)
        if kind in ("django", "config") and name in DJANGO_METHODS:
            return HandlerInfo("django", funcdef, ctx.class_node, non_atomic)
        return None
    if ctx.function is None and (short & VIEW_DECORATORS or _first_parameter(funcdef) == "request"):
        return HandlerInfo("django", funcdef, ctx.class_node, non_atomic)
    return None


def view_kind(classdef: Node, source: SourceFile, ctx: Context, depth: int = 0) -> str | None:
    """ "drf", "django", "config" (a configured base class) or None, following bases."""
    key = (str(source.path), source.digest, f"{classdef.start_pos}")
    if key in _KIND_CACHE:
        return _KIND_CACHE[key]
    _KIND_CACHE[key] = None  # cycle guard
    if len(_KIND_CACHE) > 4096:
        _KIND_CACHE.clear()
    configured = {b.rsplit(".", 1)[-1] for b in ctx.env.settings.handler_base_classes}
    kinds: set[str | None] = set()
    for base in class_bases(classdef):
        short = base.rsplit(".", 1)[-1]
        if short in DRF_VIEW_BASES:
            kinds.add("drf")
        elif short in DJANGO_VIEW_BASES:
            kinds.add("django")
        elif short in configured or base in ctx.env.settings.handler_base_classes:
            kinds.add("config")
        elif depth < MAX_DEPTH:
            found = _definition(base, source, ctx)
            if found is not None:
                kinds.add(view_kind(found[0], found[1], ctx, depth + 1))
    kind = next((k for k in ("drf", "django", "config") if k in kinds), None)
    _KIND_CACHE[key] = kind
    return kind


def _definition(
    base: str, source: SourceFile, ctx: Context, depth: int = 0
) -> tuple[Node, SourceFile] | None:
    """The class statement a base expression names: in this file, else in the module it is
    imported from (following re-exports)."""
    if "." not in base:
        for classdef in source.tree.iter_classdefs():
            if classdef.children[1].value == base:
                return classdef, source
    head, *rest = base.split(".")
    table = ctx.env.resolver.import_table(source)
    imported = table.lookup(head)
    loaded = _class_loader_binding(base, source) if imported is None and not rest else None
    if loaded is not None and depth <= MAX_DEPTH:
        path = _module_path(loaded[0], source, ctx)
        other = _source(path, ctx) if path is not None and path != source.path else None
        return _definition(loaded[1], other, ctx, depth + 1) if other is not None else None
    if imported is None and not rest and depth <= MAX_DEPTH:
        for module in table.star_modules:  # `from .poll import *` in a package's __init__
            path = _module_path(module, source, ctx)
            other = _source(path, ctx) if path is not None and path != source.path else None
            found = _definition(base, other, ctx, depth + 1) if other is not None else None
            if found is not None:
                return found
    if imported is None or depth > MAX_DEPTH:
        return None
    module, attribute = imported
    parts = [*([attribute] if attribute is not None else []), *rest]
    if not parts:
        return None
    if len(parts) > 1 or _module_path(f"{module}.{parts[0]}", source, ctx) is not None:
        module = ".".join([module, *parts[:-1]])  # `from app import views` then `views.Base`
    path = _module_path(module, source, ctx)
    other = _source(path, ctx) if path is not None and path != source.path else None
    return _definition(parts[-1], other, ctx, depth + 1) if other is not None else None


CLASS_LOADERS = frozenset({"get_class", "get_classes"})  # django-oscar's dynamic class loading


def _class_loader_binding(name: str, source: SourceFile) -> tuple[str, str] | None:
    """(module label, class name) for a module-level `Form = get_class("catalogue.forms",
    "Form")` or `A, B = get_classes("catalogue.forms", ["A", "B"])` (django-oscar's loader,
    which takes the class from the app's module of that label)."""
    for statement in source.tree.children:
        node = statement.children[0] if statement.type == "simple_stmt" else statement
        if node.type != "expr_stmt" or len(node.children) != 3:
            continue
        targets = [t.strip() for t in normalised(node.children[0]).split(",")]
        callee = _callee_name(node.children[2])
        if name not in targets or callee is None or callee.rsplit(".", 1)[-1] not in CLASS_LOADERS:
            continue
        trailer = node.children[2].children[-1]
        text = normalised(trailer)[1:-1]
        parts = [part.strip("[]()'\"") for part in text.split(",")]
        if not parts or not parts[0] or any(not p.replace("_", "").isalnum() for p in parts[1:]):
            return None
        label = parts[0]
        names = [p for p in parts[1:] if p and "=" not in p]
        if callee.endswith("get_classes"):
            if len(names) != len(targets):
                return None
            return label, names[targets.index(name)]
        return (label, names[0]) if len(targets) == 1 and names else None
    return None


def _module_path(module: str, source: SourceFile, ctx: Context) -> Any:
    """The file of a project module; also when the project runs with a package folder on
    sys.path (`from labels_manager.models import …` inside `label_studio/labels_manager/`)."""
    index = ctx.env.index
    path = index.path_for_module(module)
    own = (source.module_name or "").split(".")
    for cut in range(len(own) - 1, 0, -1):
        if path is not None:
            break
        path = index.path_for_module(".".join([*own[:cut], module]))
    return path


def base_definitions(
    classdef: Node, source: SourceFile, ctx: Context
) -> Iterator[tuple[str, tuple[Node, SourceFile] | None]]:
    """Each base of a class as written (subscripts dropped: `Generic[T]` is `Generic`; `object`
    left out), with the class statement the project defines for it, None where it defines none
    (Django's, an installed package's, or one nobody can read)."""
    for base in class_bases(classdef):
        name = base.split("[", 1)[0]
        if name != "object":
            yield name, class_definition(name, source, ctx)


def class_definition(base: str, source: SourceFile, ctx: Context) -> tuple[Node, SourceFile] | None:
    """The class statement an expression (`SignupForm`, `forms.SignupForm`) names, in this file
    or in the project module it is imported from; None when it is not the project's."""
    return _definition(base, source, ctx)


def project_source(path: Any, ctx: Context) -> SourceFile | None:
    """Another module of the project, parsed once per content (None when unreadable)."""
    return _source(path, ctx)


def _source(path: Any, ctx: Context) -> SourceFile | None:
    """Another module of the project, parsed once per content."""
    text = ctx.env.read_text(path)
    if text is None:
        return None
    cached = _SOURCES.get(path)
    if cached is None or cached.text != text:
        if len(_SOURCES) > 256:
            _SOURCES.clear()
        cached = _SOURCES[path] = SourceFile(path, text, ctx.env.index.module_name(path))
    return cached


def _ninja_owners(source: SourceFile) -> frozenset[str]:
    """Module-level names bound to `NinjaAPI(…)` or `Router(…)`."""
    key = (str(source.path), source.digest)
    cached = _NINJA_CACHE.get(key)
    if cached is None:
        owners = set()
        for statement in source.tree.children:
            node = statement.children[0] if statement.type == "simple_stmt" else statement
            if node.type == "expr_stmt" and node.children[0].type == "name":
                callee = _callee_name(node.children[-1])
                if callee is not None and callee.rsplit(".", 1)[-1] in NINJA_CLASSES:
                    owners.add(str(node.children[0].value))
        if len(_NINJA_CACHE) > 1024:
            _NINJA_CACHE.clear()
        cached = _NINJA_CACHE[key] = frozenset(owners)
    return cached


def _callee_name(value: Node) -> str | None:
    """`ninja.Router` for `ninja.Router(…)`; None unless `value` is a call. Reads only the
    callee's leaves: the arguments (or a 150-deep literal assigned instead) are never
    rendered, which would recurse once per level of nesting."""
    if value.type not in ("atom_expr", "power"):
        return None
    *callee, call = value.children
    if call.type != "trailer" or call.children[0].value != "(":
        return None
    return "".join(normalised(part) for part in callee)


def handler_title(handler: HandlerInfo) -> str:
    """How a message names the handler: "the view `signup`", "`WarehouseAPI.post`"."""
    name = handler.function.children[1].value
    if handler.class_node is not None:
        return f"`{handler.class_node.children[1].value}.{name}`"
    kind = {"ninja": "the django-ninja operation", "drf": "the DRF view"}.get(handler.kind)
    return f"{kind or 'the view'} `{name}`"


def _first_parameter(funcdef: Node) -> str | None:
    for param in funcdef.get_params():
        return str(param.name.value)
    return None
