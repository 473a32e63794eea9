"""## What it does
Finds `get_or_create()` and `update_or_create()` calls (and their async forms
`aget_or_create()` / `aupdate_or_create()`) whose exact-lookup keyword arguments are not
covered by a database uniqueness guarantee on the model. A `**` of a dict literal counts as
its keywords: written in the call (`**{"name": n}`, `**dict(name=n)`) or bound to a name no
statement between touches (`lookup = {"type": t, "value": v}` … `get_or_create(**lookup)`).

Not checked in migration files (`migrate` runs a migration's code once, alone) nor in command
code (a management command, a module run under `if __name__ == "__main__":`, a `scripts`
folder: an operator runs it, one run at a time), so nothing races it; nor in code only command
code reaches: a top-level class or function that only command files use (or only a function
of another module that only command files use: reviewboard's `init_siteconfig`, called by
`finalize_setup` alone, which `manage.py` and the `rb-site` installer call), or a receiver of a
signal the project defines (`nightly = Signal()`) and only command code sends (pretix's
`@receiver(periodic_task)` functions, dispatched by its `runperiodic` command alone; a receiver
of Django's `post_save` or of a package's signal is still checked).

The call may go through the model's manager or a queryset of it (`Tag.objects.filter(…)`), a
related manager (`team.tags`), or a generic relation (`page.placeholders` for
`placeholders = GenericRelation(Placeholder)`, or a project subclass of `GenericRelation`
whose `__init__` names the model, as django-cms's `PlaceholderRelationField` does), whose
foreign key — content type and object id for a generic relation — joins the lookup. Two more
receivers are read, each through the project's production callers (tests, management commands
and migrations left out):
- **a manager's call on itself**: `self.get_or_create(…)` / `super().update_or_create(…)` in a
  `Manager` or `QuerySet` class one concrete model uses (`objects = FormStateManager()`). It is
  checked as each caller reaches it through `Model.<manager>.<method>(…)` (not through a
  related manager or a filtered queryset, which add lookups of their own; a call from another
  method of the class, `self._action_for_field(…)`, counts when that method is reached so in
  turn: cartridge's `ProductActionManager.added_to_cart()` runs only as `product.actions.…`,
  whose product joins the lookup), and the keys a
  caller hands on through the method's `**kwargs` join the lookup: wagtail's
  `FormStateManager.update_or_create_by_instance(instance, **kwargs)` calls
  `super().update_or_create(content_type=…, object_id=…, **kwargs)`, the preview view adds
  `user=`, and `FormState` has no unique constraint. A caller that splats keys of its own
  (`**data`) is left out; with no caller left the method says nothing (its keys are unknown).
- **a manager passed in as an argument**: `def get_placeholder_from_slot(placeholder_relation,
  slot)` calling `placeholder_relation.get_or_create(slot=slot)`, in a module-level function
  that is never handed on as a value, whose parameter is not rebound first, and whose callers
  whose argument is known (`get_placeholder_from_slot(self.placeholders, "content")`) all pass
  a manager of one model through one kind of relation.

## Why is this bad?
`get_or_create` is race-safe only because a unique constraint makes the second concurrent
insert fail, after which it retries the `get()`. Without one, two concurrent calls both insert:
the table now holds duplicates and every later `get_or_create`/`get` with that lookup raises
`MultipleObjectsReturned`.

`defaults` values computed only from exact lookup values (`defaults={"slug": slugify(name)}`)
take part in coverage too: two concurrent calls insert the same slug, so a unique `slug` makes the
losing insert fail and `get_or_create` return the winner's row. So do fields the model's `save()`
computes from looked-up fields alone before the insert (wagtail-localize's `TranslationContext`,
unique on `(object, path_id)`, fills `path_id = uuid5(path)` when it is empty, so
`get_or_create(object_id=…, path=…)` is covered): at the top of `save()` or under an `if` that
only fills the empty field, from nothing but looked-up fields, imports, builtins and helpers
that name no fresh value (`uuid4`, `random`, `now`, …), with every nearer override calling
`super().save(…)` (`analysis.save_derived_fields`). So do values that case-fold
an `__iexact` lookup's value (`get_or_create(username__iexact=name, defaults={"username":
name.lower()})`): every casing of the name inserts the same username.

The queryset may be narrowed first: `M.objects.exclude(status=FAILED).get_or_create(export=e,
export_type=t)` looks among the rows not excluded, but the row it inserts carries only the
call's own keywords, so two concurrent calls insert two rows the next call both finds (the
`exclude()` conditions are not lookups: they cover nothing). `filter()` keywords count as lookups.
`using()`, `select_related()`, `prefetch_related()` and `select_for_update()` chained onto the
call change nothing: the lock takes the rows the `get()` finds, none where the insert follows
(django-axes 5.24's `AccessAttempt.objects.select_for_update().get_or_create(…)` stored
duplicates).

Coverage is exact: `primary_key`, `unique=True`, a `OneToOneField`, a `unique_together` entry or
a `UniqueConstraint(fields=…)` whose fields are all among the plain keyword lookups (`team` and
`team_id` are one column), inherited ones included; a `UniqueConstraint` given its fields as
positional expressions (`UniqueConstraint("slot", F("board"), …)`) is the same as `fields=`. Not
coverage: lookups with `__` (Django does not use them when creating), `unique_for_date`, a
conditional `UniqueConstraint` whose condition the lookup does not pin, a functional one
(`Lower("name")`: `get_or_create(name="Foo")` misses the "foo" its insert collides with), a
`DEFERRED` one, and a literal `None` (NULLs are distinct unless `nulls_distinct=False`). When
the model cannot be resolved, or its field set is not known (a base class from a package that is
not installed may declare the unique field, or fix the primary key as django-solo's
`SingletonModel` does; a unique constraint names a field whose class the index could not read),
nothing is reported. Nor is anything on a singleton: a `save()` of the
model or of a base (read from the project or the installed package) that assigns `self.pk` (or
`self.id`) a literal or a class attribute bound to one (`self.pk = self.singleton_instance_id`),
with every nearer `save()` override calling `super().save(…)`: every insert writes the same
primary key, so the second concurrent one fails on it and `get_or_create` reads the winner's row
(mayan-edms' `AutoAdminSingleton`). A key computed in `save()`, assigned under an `if`, or an
override that skips the base's `save()` is not a singleton.

What two concurrent inserts write counts too: a field of a unique set that neither the lookup
nor `defaults` names is written as the same constant by both (a literal `default`, NULL,
Django's `""`, or the row a relation's callable default picks — pulpcore's
`ForeignKey(Domain, default=get_domain_pk)` names the current domain, the same for concurrent
callers in one context; a `lambda` or other expression is not read), so
`unique_together = (("key", "pattern"))` covers `get_or_create(key=…)` while `pattern` is left
at `""` (at least one field must come from the lookup); and a partial
constraint covers the call when its condition holds for the inserted row — pinned by the
lookup, or met by what the insert writes: a soft-delete
`UniqueConstraint(fields=["slug"], condition=Q(deleted_at__isnull=True))` covers
`get_or_create(slug=…)` that leaves `deleted_at` NULL. A project subclass of `OneToOneField`
is unique like its base.

Silent as well when the project's manager (or QuerySet) class overrides `get_or_create` /
`update_or_create` (the project decides how it finds or inserts) or cannot be resolved (built at
run time, as django-oscar's `get_classes(…)` loaders do: it may override them); an installed
package's generic override such as djblets' `ConcurrencyManager`, which only retries the
`get()`, does not count. Silent too when the call sits in a `try` that catches
`MultipleObjectsReturned` (duplicates are expected and handled), or in one whose broad handler
(`except Exception`, a bare `except`) reads the call's rows again through `filter()` on the same
model and manager, with the call's keywords among its own, and updates or deletes them all or
takes one (`.update(…)`, `.delete()`, `.first()`, `.last()`: the handler answers the duplicates,
as geonode's metadata links do), or runs only under
`if <Model>.objects.filter(…).count() < 2:` (`<= 1`; or `qs.filter(…).count()` with
`qs = <Model>.objects.filter(…)` bound earlier in the function) through the same manager, whose
keywords are among the call's with the same values (geonode's default links: the code skips a
lookup once it holds duplicates, so the call never sees two), when a `select_for_update()`
earlier in the same function (not one chained onto the call) locks the rows the callers race
on — or earlier in every caller of the function (followed up to two levels within its file,
and only when no other production file names the function: an unseen caller might not lock);
a lock counts also when a helper of the file takes it, called first inside the transaction
still open at the call (`with transaction.atomic(): self._locked_shift(pk)` then the call, or
an `@atomic` function), in a statement of its own (not under a branch). A receiver of a signal
the project defines (`signup_saved = Signal()`, `@receiver(signup_saved)`) is called by the
signal's senders: it is silent when nothing else names it (another file that cannot import
it, such as a method of the same name elsewhere, does not count), every use of the signal in
production code is a `signup_saved.send(…)` (`send_robust`, `asend`; a signal handed on or
imported under another name has unknown senders), and each send is locked as above — in its
own function or its callers (ephios's questionnaire answers, saved by a `signup_save` receiver
that only the signup view sends, after it locked the shift and the user in its transaction),
when a lookup value is fresh, directly or through names assigned earlier in the function, so no
two callers share it: random (`uuid4()`,
`secrets.token_hex()`, `random.getrandbits()`) or derived from what a `create…()` call made
(`issue = tracker.create_issue(…)`, `url = base + str(issue["id"])`: the URL of the issue this
call just opened; also through a helper of the file whose every `return` is such a create; not
`get_or_create`, which may return an existing row), or derived from a parameter every caller in
the project fills with such a value (lino's trusted device: `token = TrustedDevice.make_token()`,
`TrustedDevice.register(user, token)`, whose lookup is a hash of the token;
`analysis.fresh_arguments`), in a function with `RunPython`'s signature
`(apps, schema_editor)` (migration code kept outside `migrations/`: `migrate` runs it once,
alone), when a model's `save()` looks `self` up under `if is_new:` after `super().save()` (the
row was inserted by this very call: no other transaction sees it yet), when a lookup value is a
row the function itself inserted before the call (`clone = copy.copy(row)`, `clone.pk = None`,
`clone.save()`, then `get_or_create(source_id=clone.pk, …)`; a copy saved without clearing its
pk is an update: it still reports), when a `FileField` / `ImageField` is looked up by the
file this request uploaded (`request.FILES[…]`, or `self.cleaned_data[…]` of the form's own
`FileField`) and `upload_to` puts every stored name in a folder (a non-empty string, or a
function of the model's module each `return` of which has a `/` in its literal text): Django
compares the upload's bare name, which no stored name equals, so every call inserts its own
row and none finds two (`uploaded_files`), when a lookup value is a
parameter that every caller fills with a row it has just inserted — a `create…()` result, or the
`instance` of a ModelForm or serializer built without `instance=` and saved before the call
(kiwitcms files an activation key for the user its registration form has just saved, two calls
up), or what a project helper returns when every run of it returns a row it has just inserted
(shuup's upload helper, whose branch returning an existing file needs a checksum no caller
passes: `analysis.new_row_returns`): no other request knows that row yet (callers are
followed up to three levels through the project's production files; a function handed on as
a value, or named in many files, has callers nobody can list), and in test code (see the
README's test-code policy).

Silent, last, when the lookup is no identity of the model: the project's production code
inserts, in a loop, several rows with the same values for every lookup column — a `create()`
whose values for those columns the loop does not change (no name the loop binds, no call) while
another value it writes does, in a loop without `break` or `return`. weblate stores one
`VerifiedEmail` per address of a social login (`social.verifiedemail_set.create(email=…)` for
each address), so `get_or_create(social=…)` picks one of several rows by design, and the
constraint this rule would offer breaks the project's own loop.

## Example
```python
class Category(models.Model):
    name = models.CharField(max_length=100)  # not unique


Category.objects.get_or_create(name=name)
```

## Use instead
```python
class Category(models.Model):
    name = models.CharField(max_length=100)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["name"], name="shop_category_name_uniq"),
        ]
```
or look the row up by a field that is already unique (`slug=`).

## Fix safety
Unsafe: it edits models.py (another file) and needs a migration (`makemigrations`), which fails
where duplicates already exist (see IL302).

## References
- [QuerySet.get_or_create](https://docs.djangoproject.com/en/stable/ref/models/querysets/#get-or-create)
- [UniqueConstraint](https://docs.djangoproject.com/en/stable/ref/models/constraints/#uniqueconstraint)
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from integrity_lsp.analysis.absence_calls import count_body_read
from integrity_lsp.analysis.context import Context
from integrity_lsp.analysis.django import model_of, parse_orm_call
from integrity_lsp.analysis.fixed_primary_keys import save_fixes_the_pk
from integrity_lsp.analysis.fresh_arguments import derived_from_fresh_argument
from integrity_lsp.analysis.lookup_coverage import covering_unique_set, exact_lookup_fields
from integrity_lsp.analysis.manager_calls import own_manager_call
from integrity_lsp.analysis.parameter_managers import parameter_manager_call
from integrity_lsp.analysis.registry import register
from integrity_lsp.analysis.repeated_rows import repeating_insert
from integrity_lsp.analysis.save_derived_fields import save_derived_fields
from integrity_lsp.findings import Applicability, Finding, Fix, Location, Span
from integrity_lsp.project.records import (
    ModelRecord,
)
from integrity_lsp.rules.races.created_row import covered_by_the_created_row, default_keys
from integrity_lsp.rules.races.derived_defaults import derived_defaults
from integrity_lsp.rules.races.duplicate_guards import (
    count_bounded,
    duplicates_handled,
    duplicates_repaired,
)
from integrity_lsp.rules.races.locked_rows import locked_before
from integrity_lsp.rules.races.manager_lookups import (
    METHODS,
    CallerLookup,
    caller_lookups,
    passed_lookups,
    plain_lookup,
    uncontended_at_caller,
)
from integrity_lsp.rules.races.model_edits import add_unique_constraint
from integrity_lsp.rules.races.uncontended_lookup import (
    command_only,
    fresh_value,
    in_run_python,
    inserted_here,
    new_row_of_callers,
    self_just_inserted,
)
from integrity_lsp.rules.races.uploaded_files import new_upload
from integrity_lsp.syntax.nodes import Link, Node, code

CODE = "IL104"
NAME = "get-or-create-without-unique-lookup"


def check(node: Node, ctx: Context) -> Iterator[Finding]:
    index = ctx.env.index
    orm = parse_orm_call(node, index)
    own = own_manager_call(node, ctx, METHODS) if orm is None else None
    passed = parameter_manager_call(node, ctx, METHODS) if orm is None and own is None else None
    if orm is not None:
        methods, manager, model = orm.methods, orm.manager, model_of(orm, ctx)
    elif own is not None:
        methods, manager, model = own.methods, own.target.manager, own.target.model
    elif passed is not None and passed.target.kind in ("manager", "related", "generic"):
        methods, model = passed.methods, passed.target.model
        manager = passed.target.manager if passed.target.kind == "manager" else "objects"
    else:
        return
    if methods[-1].name not in METHODS:
        return
    read = plain_lookup(methods, own, ctx.function)
    if read is None:
        return  # positional Q objects, exclude() chains, a splat of unknown keys
    lookup, handed_on = read
    if model is None or not index.fields_known(model):
        return  # a base class nobody can read may declare the unique field (or fix the pk)
    if save_fixes_the_pk(model, ctx):
        return  # a singleton: every insert writes the same primary key
    method = methods[-1].name
    final_call = methods[-1].call
    variants = [CallerLookup(None, lookup, frozenset())]
    if own is not None:
        variants = list(caller_lookups(own, lookup, handed_on, ctx))  # the callers' keys
    elif passed is not None:
        variants = passed_lookups(passed, lookup)  # the relation's own keys join the lookup
    variants = [v for v in variants if not _covered(v, final_call, model, ctx)]
    if not variants:
        return
    # `aget_or_create` runs the manager's `get_or_create`: an override of it counts
    if _manager_overrides(manager, method.removeprefix("a"), model, ctx):
        return  # the project's own get_or_create decides how it finds or inserts
    if duplicates_handled(node) or locked_before(node, ctx) or in_run_python(ctx):
        return
    if orm is not None and count_bounded(node, lookup, model, manager, ctx):
        return  # runs only while at most one row matches: duplicates are skipped
    if orm is not None and duplicates_repaired(node, lookup, model, manager, ctx):
        return  # a broad handler updates (or picks one of) the rows the lookup matches
    variants = [v for v in variants if not _uncontended(v, node, model, ctx)]
    if not variants or command_only(ctx):
        return
    for variant in variants:
        if new_row_of_callers(node, variant.lookup, ctx):
            continue  # a row the callers have just inserted: no other request knows it
        fields = sorted(exact_lookup_fields(index, model, variant.lookup))
        if fields and _stored_several(model, fields, ctx):
            continue  # the project keeps several rows per lookup value: not an identity
        yield _finding(node, methods, method, variant, model, ctx)
        return


def _covered(
    variant: CallerLookup, final_call: Node | None, model: ModelRecord, ctx: Context
) -> bool:
    """A unique constraint covers what the call looks up, or what its insert writes."""
    index = ctx.env.index
    lookup = variant.lookup
    derived = derived_defaults(final_call, lookup, ctx)
    given = set(derived) | default_keys(final_call) | variant.given
    exact = exact_lookup_fields(index, model, lookup)
    pinned = {name for name, value in exact.items() if value is not None and code(value) != "None"}
    computed = {
        name: value
        for name, value in save_derived_fields(model, pinned, ctx).items()
        if name not in given and "*" not in given
    }
    if covering_unique_set(index, model, {**computed, **derived, **lookup}) is not None:
        return True
    return covered_by_the_created_row(index, model, {**computed, **lookup}, given)


def _uncontended(variant: CallerLookup, node: Node, model: ModelRecord, ctx: Context) -> bool:
    """No two concurrent callers share the lookup: a fresh value, the row just saved, a file
    just uploaded, or (for a caller's keys) a lock or fresh value at that caller."""
    lookup = variant.lookup
    values = [value for value in lookup.values() if value is not None]
    if any(fresh_value(value, node, ctx) for value in values):
        return True  # no other caller can look up the same new value
    if derived_from_fresh_argument(node, values, ctx):
        return True  # every caller passes a new value (`analysis.fresh_arguments`)
    if any(
        new_upload(key, value, model, ctx) for key, value in lookup.items() if value is not None
    ):
        return True  # the upload's bare name never equals a stored one: it never matches
    if uncontended_at_caller(variant) or inserted_here(node, lookup, ctx):
        return True
    return self_just_inserted(node, lookup, ctx)


def _finding(
    node: Node,
    methods: tuple[Link, ...],
    method: str,
    variant: CallerLookup,
    model: ModelRecord,
    ctx: Context,
) -> Finding:
    index = ctx.env.index
    lookup = variant.lookup
    fields = sorted(exact_lookup_fields(index, model, lookup))
    shown = ", ".join(f"{key}=…" for key in lookup) or "no lookup"
    through = ""
    related = [Location(model.ref.path, model.ref.span, f"model {model.label} is defined here")]
    if variant.site is not None:
        site = variant.site
        path = site.ctx.file.path
        where = f"{_shown_path(path, ctx)}:{site.call.start_pos[0]}"
        keys = ", ".join(f"{key}=…" for key in variant.handed_on)
        through = f" (with {keys} from the call at {where})" if keys else f" (called at {where})"
        if variant.passed:
            through = f" (its manager is `.{variant.passed}`, passed in at {where})"
        start, end = site.call.start_pos, site.call.end_pos
        related.append(
            Location(path, Span(start[0], start[1], end[0], end[1]), "the caller's keys")
        )
    message = (
        f"`{method}({shown})` on {model.label}{through}: no unique constraint covers this "
        f"lookup, so concurrent calls insert duplicate rows in {index.table_name(model)} and "
        "later calls raise `MultipleObjectsReturned`"
    )
    fixes = []
    if fields:
        edits = add_unique_constraint(ctx, model, tuple(fields))
        if edits:
            title = (
                f"Add `UniqueConstraint(fields={fields})` to {model.name}.Meta "
                "(then run makemigrations)"
            )
            fixes.append(Fix(title, Applicability.UNSAFE, tuple(edits)))
    last = methods[-1]
    start = last.name_leaf.start_pos
    end = last.call.end_pos if last.call is not None else last.name_leaf.end_pos
    return Finding(
        code=CODE,
        name=NAME,
        message=message,
        path=ctx.file.path,
        span=Span(start[0], start[1], end[0], end[1]),
        related=tuple(related),
        fixes=tuple(fixes),
    )


def _shown_path(path: Path, ctx: Context) -> str:
    try:
        return path.relative_to(ctx.env.root).as_posix()
    except ValueError:
        return path.as_posix()


def _stored_several(model: ModelRecord, fields: list[str], ctx: Context) -> bool:
    """The project itself inserts several rows with the same values for the lookup's columns
    (`analysis.repeated_rows`): the lookup is no identity, and a unique constraint on it would
    break that insert."""
    count_body_read()  # the finding now depends on other files (the server must not reuse it)
    env = ctx.env
    return repeating_insert(env.index, model, fields, env.resolver, env.settings) is not None


def _manager_overrides(manager: str, method: str, model: ModelRecord, ctx: Context) -> bool:
    """The project's manager overrides the method — or may: its class is built at run time
    (django-oscar's `get_classes(…)`), so what it does is unknown."""
    return any(
        record.attribute == manager and (method in record.overrides or not record.known)
        for record in ctx.env.index.managers(model)
    )


register(
    CODE,
    NAME,
    doc=__doc__,
    node_types=("atom_expr", "power"),
    check=check,
    words=("_or_create(",),
    in_migrations=False,
    in_commands=False,
    scope="calls",
)
