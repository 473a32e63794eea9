"""## What it does
Finds inserts in request handlers (function views, view-class and DRF methods, django-ninja and
`@api_view` endpoints) that write a unique-constrained field from non-constant data with no
`try … except IntegrityError` around them: `create()`, `save()` of a new instance,
`bulk_create()` without `ignore_conflicts`/`update_conflicts`, and inserts through a
`ModelForm` or a DRF `ModelSerializer`: `form.save()` / `serializer.save(owner=…)` of a form
or serializer built without an instance (or with a new one, `Serializer(Poll(thread=t),
data=…)`), `obj.save()` after `obj = form.save(commit=False)`, `super().form_valid(form)` in a
`CreateView` (a `FormView`'s only redirects: `form.save()` in its `form_valid` is the insert),
and `serializer.save()` in `perform_create`.

The form class may be a parameter's default (`def register(request,
registration_form=RegistrationForm)`, the body never rebinding it): a URL pattern can pass
another, the default is what runs otherwise.

The form or serializer class is read statically (never imported): its bases must resolve in
the project to `ModelForm`, `ModelSerializer`/`HyperlinkedModelSerializer`,
`UserCreationForm` (a library class named `*ModelForm`/`*ModelSerializer` counts as one), its
`Meta.model` to a model, and `Meta.fields`/`exclude` must be literals (or a project base's
`Meta.fields` plus literals). The fields the request
fills are the form's fields, minus read-only/auto fields and fields the form drops; the code's
own values are save keywords, `form.instance.x = …`, `obj.x = …` after `commit=False`,
`self.instance.x = …` in the form and `validated_data["x"] = …` or
`validated_data.update({"x": …})` in the serializer. A unique field nobody sets repeats when
its value is the same for every insert: a literal default, Django's `""`, or the existing row a
relation's callable default picks (`ForeignKey(Domain, default=get_domain_pk)`). An override
of `save()`/`create()` that hands on to Django's or DRF's is read through (a helper it calls
named `get_or_create_…` is no upsert; `obj.pk = None` there saves a copy under a new automatic
key, not a key of the code's); one that calls `get_or_create(`/`update_or_create(`, catches
IntegrityError or locks writes its own way. So does a manager's `create_*` method that catches
IntegrityError around its insert, or only returns the call of a project function that does
(sentry's `create_or_update`: `project.guarded_creators`).

Generic views: a base class whose method saves the form or serializer its subclasses choose
(`serializer.save()` in the `perform_create` of a viewset base, `form.save()` in a create view's
`form_valid`, `form = self.form(data=…, instance=obj)` of an add/edit base) names no model of
its own. The attribute counts as left to the subclasses when `serializer_class`/`form_class`
is unset or `None` up the base's project classes with no `get_…_class()` override, or when an
attribute of the project's own naming (`form`) is declared `None` there, is no method and is
never assigned at run time (`self.form = …`). The base's save is then read once for each
project subclass that sets the attribute and inherits the method unchanged (the first class
defining it, bases read depth-first in order, is the base; a library base before it makes that
unknown), and reported at the base when one of them can collide — the message names that
subclass (and how many others can), the related locations point at it and at the unique
constraint. Subclasses in test code, migrations and management commands do not count; a base
without one is silent. An instance the view's own method returns (`obj = self.get_object(
**kwargs)`) is new when one of that method's returns is `self.queryset.model()` /
`self.model()` (the add page), read through methods that hand back their first argument
(`obj = self.alter_object(obj, request)`); any other instance is an existing row (an update).

Silent when: a guard catches IntegrityError; the form or serializer is bound to an existing row
(`instance=…`, an update view, `perform_update`, a view whose `get_form_kwargs` sets
`kwargs["instance"]` to a fetched row: `….get_or_create(…)[0]`, `….get(…)`,
`get_object_or_404(…)`, `self.get_object()`) or its own `save()`/`create()` writes another
way (an upsert, its own guard, no call to Django's/DRF's — a `try … except IntegrityError`
around a write of another row, beside the hand-on, is not one); a unique value is fresh
(`uuid4()`, `secrets.token_urlsafe()`, `get_random_string()`, `random.getrandbits(64)`, or
a project function that returns one, two calls deep, or a local name bound once before to
one: `raw = generate_key()`, then `token_hash=hash_token(raw)`) or a row this request inserted
just before (`user = User.objects.create_user(…)` then `Membership(user=user, …)`, a
django-treebeard node `node = Category.add_root(…)` / `parent.add_child(…)`; also the
row of a project helper named `create…` whose every run returns a row it just inserted:
`snuba_query = create_snuba_query(…)`, `analysis.new_row_returns`; or `self`
of a method the handler calls on it: `query.set_projects(…)` after `query = create(…)`), also read
from a row built with it (`note = Note.objects.create(team=team)`, or `note = form.save(…)`
whose own `save()` puts it on the row: `self.instance.team = self.team` after `form.team =
team`, or a `save(team=team)` keyword — then `note.team` is that row), or put on the row by
the form's own code (`team = Team.objects.create(…)`, `self.instance.team = team` in its
`save()`: `analysis.form_inserted_rows`); the `save()`
is a second one (an UPDATE), or the primary key it sends is read from a row of the same model
(`survey.pk = member.survey.pk`: Django UPDATEs the row with that key; not for a key with a
`default`, which Django inserts); a lock is taken first on the path to the insert
(`select_for_update()…get()` of a row every competitor locks, `with advisory_lock(…)`, or a
call of a project function whose first statements take such a lock:
`team = _locked_team(pk)`; a function that returns early when the saved form's data has a
false flag, `if not data.get("is_default"): return`, counts for a form's or serializer's save of
that data when the code does not set the flag itself and a row with the flag false, or its
default, cannot match the constraint's condition `Q(is_default=True)`), in the handler or in the
callee that inserts, before a form's or serializer's save too; a partial `UniqueConstraint`'s
condition cannot match the inserted row; the model's own `save()` catches IntegrityError, or
assigns a column of the set the insert leaves unset (`if not self.number: self.number = …`: the
column holds the override's value, not its default); the function takes `request` but is a
helper the module calls itself; the class, its `Meta` or the view's
`form_class`/`serializer_class` cannot be resolved, or a
`get_form_class()`/`get_serializer_class()` decides it at run time.

Through calls (two levels at most): an insert in the project code the handler calls is reported
at the handler's call, with the insert as related location — a helper function of the module or
imported from another project module (`add_supplier(request.POST["email"])`,
`services.add_supplier(…)`), a method of the view (`self._join(team, request.user)`), a
classmethod (`Supplier.register(…)`), a method of a model row the handler holds
(`team.add_member(request.user)` after `team = get_object_or_404(Team, …)`), a plain form's own
method (`form.create()`), and the own `save()`/`create()` of a form or serializer that writes
without handing on to Django's or DRF's. The callee's values are read in the handler's terms (a
literal passed in is a constant, a row the handler inserted just before is fresh — or one a
function between the handler and the insert inserted before calling on, handed down as an
argument: `project = serializer.save()`, then `replace_rates(project, …)` writing
`ProjectRate(project=project, …)` — also when
handed over as an attribute of the object whose method inserts: `form.team = team` then
`form.save_members()` writing `self.team`, or of an argument: `Membership.enrol(users, note)`
writing `note.team`; `cls(…)` in a classmethod inserting through `cls.objects` is the model's
constructor). Not followed: a call the file's imports and the index cannot resolve statically (a
dynamically loaded function, a method of an object of unknown class), a function taking
`request` first in another module (a handler of its own), a model's own `save()`/`delete()`.
Silent as well for a form's / serializer's `save()` whose class (or a project base) calls the
inherited save inside a `try` that catches IntegrityError without re-raising it (answering a
400 instead), for an insert the callee guards itself, one its own check-then-insert analysis
reports (IL101–IL103 there), and one inside a block that rolls back (`with
rolledback_transaction():`).

Limits: deeper call chains are not followed; a handler named only by a configured decorator
that never mentions `request`, `form` or `serializer` is not searched for calls; a library
base class other than the named ones is unknown (silent); conditional field removal in a
form's `__init__` counts as always removed.

## Why is this bad?
The database is the only place that can tell whether a value is taken. A form submitted twice,
two users picking the same name, or an import that repeats a code make the insert fail with
`IntegrityError: UNIQUE constraint failed: shop_product.sku`, and the user gets an HTTP 500
instead of an answer they can act on. Validating first (`exists()`, a ModelForm's
`validate_unique`, DRF's `UniqueValidator`/`UniqueTogetherValidator`) does not help: a
concurrent request can insert the same value in between, and values the code sets on the
instance are not validated at all.

## Example
```python
def create_product(request):
    product = Product.objects.create(sku=request.POST["sku"], name=request.POST["name"])
    return JsonResponse({"id": product.pk}, status=201)
```

## Use instead
```python
def create_product(request):
    try:
        with transaction.atomic():
            product = Product.objects.create(sku=request.POST["sku"], name=request.POST["name"])
    except IntegrityError:
        return JsonResponse({"error": "This already exists."}, status=409)
    return JsonResponse({"id": product.pk}, status=201)
```

## Fix safety
The fix wraps the write in `try: with transaction.atomic(): … except IntegrityError:` and
answers in the handler's own style. When the code fixes a unique value itself (`name="Triage"`)
the other request did the same thing: the except branch re-fetches its row
(`state = State.objects.get(project=p, name="Triage")`, `pass` for a create whose result is not
kept). Otherwise the client sent a duplicate: a ModelForm gets `form.add_error(…)` and the
view's own re-render of the form (`form_invalid(form)` in `form_valid`; in a function view the
statements after the save move into `else:` so the view falls through to its render, or its
`if not form.is_valid(): return …` answer is reused); an HTML view without a form gets
`messages.error(…)` and a redirect to the same page (`HttpResponse(…, status=409)` without
django.contrib.messages); JSON views `JsonResponse(…, status=409)`; DRF `Response(…,
status=status.HTTP_409_CONFLICT)`, or in `perform_create`/`perform_update` (whose return value
is ignored) a `serializers.ValidationError` raised with status 409; django-ninja
`return 409, {…}`. Bodies are neutral ("This already exists."): a field is named only when the
form or serializer exposes it (`{"email": ["This value is already taken."]}`). Imports merge
into the file's `from django.db import …` line. It is safe: only the 500 changes. For
django-ninja it is unsafe unless the operation's `response=` already declares 409 (ninja refuses
a status it does not know). The savepoint of `atomic()` keeps the request's transaction usable
under `ATOMIC_REQUESTS`.

## References
- [Avoid catching exceptions inside atomic](https://docs.djangoproject.com/en/stable/topics/db/transactions/#django.db.transaction.atomic)
- [Model.save(): how Django knows to UPDATE vs. INSERT](https://docs.djangoproject.com/en/stable/ref/models/instances/#how-django-knows-to-update-vs-insert)
- [QuerySet.bulk_create](https://docs.djangoproject.com/en/stable/ref/models/querysets/#bulk-create)
- [Validation on a ModelForm: validate_unique](https://docs.djangoproject.com/en/stable/topics/forms/modelforms/#validation-on-a-modelform)
"""

from __future__ import annotations

from collections.abc import Iterator

from integrity_lsp.analysis.absence_writes import locked_before
from integrity_lsp.analysis.bindings import inserted_before
from integrity_lsp.analysis.context import Context
from integrity_lsp.analysis.django import WRITE_WORDS
from integrity_lsp.analysis.exception_handlers import (
    INTEGRITY_ERROR_CATCHERS,
    except_clauses,
    handler_names,
)
from integrity_lsp.analysis.form_saves import FormSave, form_save
from integrity_lsp.analysis.handlers import handler_title
from integrity_lsp.analysis.lock_helpers import calls_lock_helper
from integrity_lsp.analysis.registry import register
from integrity_lsp.analysis.try_atomic import wrap_in_try_atomic
from integrity_lsp.analysis.unique_sets import is_constant
from integrity_lsp.analysis.writes import site_model, write_site
from integrity_lsp.findings import Applicability, Finding, Fix, Location, Span
from integrity_lsp.rules.guards.dataflow import is_request_derived, request_derived_names
from integrity_lsp.rules.guards.form_reports import FormReport, form_report, generic_report
from integrity_lsp.rules.guards.judging import judge, validated_input
from integrity_lsp.rules.guards.reached_reports import reached_report
from integrity_lsp.rules.guards.responses import Conflict, conflict_response, refetch_lines
from integrity_lsp.rules.guards.silencers import called_in_module
from integrity_lsp.syntax.nodes import Node, code, statement_of

CODE = "IL201"
NAME = "unguarded-unique-write"


def check(node: Node, ctx: Context) -> Iterator[Finding]:
    handler = ctx.handler
    if handler is None or ctx.function is not handler.function or _guarded(ctx):
        return
    if called_in_module(ctx):
        return  # a helper taking `request`, called (and maybe guarded) by the module's code
    saved = form_save(node, ctx)
    if saved is not None and saved.new_row:
        yield from _form_finding(saved, ctx)
        return
    if saved is None:
        generic = _generic_finding(node, ctx)
        if generic is not None:
            yield generic
            return
    site = write_site(node, ctx)
    if site is None or (site.kind == "save" and site_model(site, ctx) is None):
        reached = reached_report(node, ctx)  # a helper, a model or form method it calls
        if reached is not None:
            yield _reported(reached, ctx)
        return
    function = handler.function
    if locked_before(site.node, function, lambda statement: calls_lock_helper(statement, ctx)):
        return  # a lock every competitor takes first serialises the inserts
    judged = judge(site, ctx, lambda value: inserted_before(value, function, site.statement, ctx))
    if judged is None:
        return
    fields, written = judged.fields, judged.written
    derived = request_derived_names(ctx, node)
    from_request = written is None or any(
        is_request_derived(v, derived) or validated_input(v) for v in judged.values
    )
    source = "request data" if from_request else "non-constant data"
    manager = site.receiver or f"{site.model_text}.objects"
    call = f"{manager}.{site.method}()" if site.kind != "save" else "save()"
    message = (
        f"`{call}` in {handler_title(handler)} writes {judged.names} from {source} and nothing "
        f"catches IntegrityError: a duplicate raises `IntegrityError: UNIQUE constraint failed: "
        f"{judged.columns}` and the user gets HTTP 500"
    )
    # a unique value the code fixes (`name="Triage"`): the other insert did the same thing, so
    # the row it inserted is the one wanted (else the client sent a duplicate: a conflict)
    fixed = written is not None and any(
        name in written and is_constant(written[name].value) for name in fields
    )
    conflict = Conflict(refetch=refetch_lines(site, fields, written) if fixed else None)
    unique = judged.unique
    yield Finding(
        code=CODE,
        name=NAME,
        message=message,
        path=ctx.file.path,
        span=Span.of(site.node),
        related=(Location(unique.ref.path, unique.ref.span, unique.description),),
        fixes=tuple(_fixes(site.statement, ctx, conflict)),
    )


def _form_finding(saved: FormSave, ctx: Context) -> Iterator[Finding]:
    report = form_report(saved, ctx)
    if report is not None:
        yield _reported(report, ctx)


def _generic_finding(node: Node, ctx: Context) -> Finding | None:
    report = generic_report(node, ctx)
    return _reported(report, ctx) if report is not None else None


def _reported(report: FormReport, ctx: Context) -> Finding:
    return Finding(
        code=CODE,
        name=NAME,
        message=report.message,
        path=ctx.file.path,
        span=Span.of(report.node),
        related=report.related,
        fixes=tuple(_fixes(statement_of(report.node), ctx, report.conflict)),
    )


def _guarded(ctx: Context) -> bool:
    """Inside a `try` whose IntegrityError handler does not simply re-raise."""
    guard = ctx.integrity_guard
    if guard is None:
        return False
    for clause, block in except_clauses(guard):
        if INTEGRITY_ERROR_CATCHERS & set(handler_names(clause)) and code(block).strip() != "raise":
            return True
    return False


def _fixes(statement: Node, ctx: Context, conflict: Conflict) -> list[Fix]:
    if statement.type != "simple_stmt" or statement.parent.type not in ("suite", "file_input"):
        return []
    response = conflict_response(ctx, conflict, statement)
    wrap = wrap_in_try_atomic(
        ctx.file,
        statement,
        response.lines,
        split_long_calls=True,
        else_until=response.else_until,
    )
    applicability = Applicability.SAFE if response.safe else Applicability.UNSAFE
    title = "Wrap in `try: with transaction.atomic()` and "
    if conflict.refetch is not None:
        title += "re-fetch the row the other request inserted"
    else:
        title += f"answer the conflict (`{response.summary}`)"
    return [Fix(title, applicability, (*wrap, *response.imports))]


register(
    CODE,
    NAME,
    doc=__doc__,
    node_types=("atom_expr", "power"),
    check=check,
    # `super().form_valid(form)` saves a create view's form; a handler (it names `request`, its
    # `form` or `serializer`) may insert through a helper or a method it calls
    words=(*WRITE_WORDS, ".form_valid(", "request", "form", "serializer"),
    scope="calls",  # helpers taking `request` are judged by their callers in the module
)
