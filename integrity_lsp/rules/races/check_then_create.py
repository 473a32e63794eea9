"""## What it does
Finds an insert of a row that the code has just checked is not there: `if not
M.objects.filter(k=v).exists(): M.objects.create(k=v, …)`, in every way real code spells it.

IL101–IL103 are three views of one analysis of each function: its statements are walked in
order, remembering which lookups were just found empty on the current path, and an insert of
the same model with the same key values on that path is reported. IL101 reports the existence
checks; a failed `get()` is IL102's, a check whose other branch updates the row IL103's.

- The check: `exists()`, `count() == 0` / `< 1`, `len(qs) < 1`, a queryset's truthiness,
  `first()`/`last() is None`, through any manager or queryset chain of the model (custom
  managers, related managers `team.accounts`, `select_for_update()` — which locks nothing when
  the row is missing), and the `a…` forms (`aexists`, `afirst`). Its result may be bound to a
  name (`exists = qs.exists()` … `if not exists:`) or a walrus (`if (obj := qs.first()) is
  None:`), combined with `and`/`or`, or answered by a project function
  (`if not self.has_member(user):` whose body returns `….exists()`, or whose only statement in
  a `try` returns a reverse one-to-one accessor — `return device.devicelocation.location` —
  and whose `except ObjectDoesNotExist` returns `None`: its falsy result includes the missing
  row). The function may be a method the receiver's type names: a model's method on an
  instance the index types without jedi (`board.has_pin(user)`, `self.document.is_checked_out()`
  through a foreign key), one attached to the model with `Model.add_to_class("name", function)`
  (Django's way to add a method from another app, e.g. in `AppConfig.ready()`), or a custom
  manager's (`Pin.objects.is_pinned(board, user)`, whose `self.filter(…)` reads `Pin`); a helper
  that returns another helper's answer is followed up to three calls deep (mayan's
  `document.is_checked_out()` → `DocumentCheckout.objects.is_checked_out(document=self)` →
  `self.filter(document=document).exists()`); a function returning a local name it binds
  only with plain `name = …` to one lookup's row or `None` (`try: exam = cls.objects.get(…)` /
  `except cls.DoesNotExist: exam = None` / `return exam`) answers as that lookup does.
  A name read on some paths and set to `None` on the others (`previous = None` before
  `if …: previous = qs.first()`, in its `else`, or `qs.first() if … else None`) still tells
  the row is absent where it is falsy: the insert races on the paths that read
  (django-oauth-toolkit 1.2's `save_bearer_token`), unless each of them took a lock first.
- The model: a class, an import, a model loader with literal arguments — `apps.get_model()`,
  `apps.get_app_config("app").get_model("Model")`, a function named `get_model` (django-oscar's),
  swapper's `load_model("app", "Model")` (the model an `APP_MODEL_MODEL` setting names when the
  settings file sets one, else the model registered under that label), or a project helper that
  only forwards to one of them (`def load_model(name): return swapper.load_model("radius",
  name)`) — or a view's `model = …` class attribute read as `self.model`.
- The insert: `create`/`acreate`, a manager's `create_*` (`create_user`), `M(…).save()`,
  `obj = M(…); obj.x = …; obj.save()` (`asave`), `bulk_create([M(…)])`, or a call to a project
  function that inserts (`self._add(x)`, a model's classmethod or staticmethod `Pin.add(board,
  user)`, a custom manager's method `Pin.objects.pin(…)` whose `self.create(…)` inserts); on the
  branch where the row is absent, or after an early `return`/`raise`/`continue` when it exists.
  A helper's parameters are the call's arguments; a `**kwargs` parameter hands on the keyword
  arguments no other parameter takes: `kwargs["member"]`, `kwargs.get("member")` and a local
  bound once to one of them are the caller's `member=` (tendenci's
  `GroupMembership.add_to_group(member=user, group=group)` after an `exists()` check).
- In a custom manager's own method (a class named `…Manager` that exactly one concrete model of
  the project uses), `self` is that model's manager: `self.filter(…)`/`self.get(…)` read its
  rows, `self.create(…)` inserts one, `self.model(…)` builds one (mayan's
  `UserSettingManager.do_value_set`: `self.get(…)` … `except self.model.DoesNotExist:
  self.model(…)` then `save()`). A manager class several models use is not read.
- `super().save()` in a concrete model's own `save()`: it saves `self`, each field's value
  `self.<field>` unless the method sets it. `save()` runs for updates too; a check that finds
  the row itself there (`filter(document=self.document)` with no `exclude(pk=self.pk)`) is
  absent only for a new row or a changed key, and both race (mayan's `DocumentCheckout.save()`:
  `if not is_new or self.document.is_checked_out(): raise …` then `super().save()`). A check
  that holds on one path only (`if self.pk is None and qs.exists(): raise`) is not known to
  hold after it: silent. `super().save(update_fields=…)` is an update.
- The same row: every key of the lookup is written with the same expression: `project_id=p.id`
  and `project=p` are one key, `pk` is the primary key's name, `**{…}` dict literals are read
  (in the insert and in the lookup: `get(**{"slug": s})`).
  A reverse foreign-key manager is its model's manager with the key fixed to the owner, on
  either side: `user.profiles.filter(event=e)` reads `Profile(event=e, user=user)`, and
  `user.profiles.create(event=e)` writes it (the owner must be the same expression; the
  relation is known from the resolver or from a `related_name` only one key declares).
  Keys splatted from one name on both sides (`get(perm=p, **scope)` … `create(perm=p,
  **scope)`) are the same keys whatever the dict holds, while the name is not rebound (a
  dict literal bound to it may be written out key by key instead); the message and the fix's
  re-get keep `**scope` (no `get_or_create`, which would move it into `defaults`).
- Validation before the insert: in a form or a serializer (a class whose name or a base's
  names `Form` or `Serializer`), a check in `clean_<field>()`, `clean()`, `validate_<field>()`
  or `validate()` that rejects the row where present (`raise ValidationError`,
  `self.add_error(…)`) still holds in the methods that run after validation: `save()`,
  `create()`, `update()` and any method reading `self.cleaned_data`. Keys are matched by the
  field they stand for: `self.cleaned_data["email"]` / `.get("email")`, a name bound to it,
  `email.lower()`, the `value` of `validate_email(self, value)`, `attrs["email"]` in
  `validate(self, attrs)`, `validated_data["email"]` in `create(self, validated_data)`; or by
  an attribute of the instance (`self.request.user`, `self.context["team"]`). The message names
  the validation method.
- Validation seen from the caller: on the true branch of `form.is_valid()` (`form` bound once
  in the function to a project form class called with arguments), every row the form's
  `clean_<field>()`/`clean()` rejects is absent, and so, for a ModelForm, is every row its
  model's `clean()` rejects (`is_valid()` runs `instance.full_clean()`). A key is carried
  over where the form's `__init__` sets it from a parameter: `self.user = user` on the form,
  `self.instance.review = review` on its instance, become the caller's arguments (oscar's
  `VoteForm(review, request.user, data)` whose `Vote.clean()` refuses a second vote).
- A ModelForm's or ModelSerializer's own unique checks, outside views: `name.is_valid(…)` (a
  statement with `raise_exception=True`, or a test) runs `validate_unique()` / DRF's
  `UniqueValidator`s and the class's `validate()`, then `name.save()` inserts a new row of its
  model (no instance given) — in a task, a signal handler, an RPC function or a model or service
  method, two runs with the same values both pass and the second raises (pulpcore's upload
  `commit()` task: `ArtifactSerializer(data=…)`, `is_valid()`, `save()`). Reported when the form
  class is the project's (called by name, or a parameter defaulting to it), its `Meta.model`
  and fields are known (`fields = Base.Meta.fields + (…)` is read), and a unique set of the
  model gets its values from the submitted fields, from values the code sets, or from constants
  when unset (a relation's callable default, `default=get_domain_pk`, picks an existing row:
  the same for concurrent runs). Silent for a save bound to an existing row (`instance=…`), a
  fresh value (`uuid4`), a lock taken first, a `try … except IntegrityError`, and in request
  handlers, functions taking `request` and view classes' methods (IL201 reports those), and in
  a form's or serializer's own methods (a nested save inside the outer `create()` races only as
  the outer save does, which is judged where it is called). No fix:
  what the loser should do (re-get, skip, fail) is the caller's choice.
- The caller's check, the model method's insert: a method of a model that inserts a row with
  values from its parameters and `self` (`def vote_up(self, user): self.votes.create(user=user,
  …)`) is reported at its insert when a production caller (not tests, commands or migrations)
  calls it on an instance of the model or of a model inheriting it (`review.vote_up(…)` after
  `review = get_object_or_404(ProductReview, …)`) on a path where that row is absent — by the
  caller's own check or by `is_valid()`. The message names the caller, a related location
  shows its call (IL201 reports that call in a handler too); the fix goes where every caller
  gets it. A module function attached to the model by `add_to_class("name", function)` is
  such a method, called by the name it is attached under.
- Batches (a set difference): the rows read as a collection of one field's values (`{p.sku: p
  for p in qs}`, `{p.sku for p in qs}`, `set(qs.values_list("sku", flat=True))`), a value
  tested `not in` it (or the `else` of `in`), or each value of a loop over a difference with
  it (`for s in skus - known:`, or a name bound to `skus - known`), and an instance with that
  value created on that branch, appended to a list that `bulk_create()` inserts, or built by a
  comprehension filtered on the same test (`[M(sku=s) for s in skus if s not in known]`). Rows
  read through a related manager (`{f.path for f in self.files.all()}`) are its model's, the
  foreign key it fills in one of the keys (of an owner of unknown model, only an insert through
  the same related manager is its row); `M(**item)` writes
  `item["sku"]`; in the manager class of one model, `self.all()` reads its rows and
  `self.create(…)` inserts one. An anti-join is one too: rows read with
  `.exclude(<relation>__<field>=v)` and, for each of them, a related row with `v` built and
  appended to the list `bulk_create()` inserts. Fixes: see Fix safety.
- Sequence numbers: a number derived from a read of the rows it continues — the largest one
  + 1 (`qs.aggregate(Max("n"))["n__max"] + 1`, `(… or 0) + 1`, a named aggregate or `.get(…)`
  of it, `qs.latest("n").n + 1`, `qs.order_by("-n").first().n + 1`, `qs.last().n + 1`) or the
  count + 1 (`qs.count() + 1`) — written by an insert of the same model with the read's keys
  (`M.objects.create(parent=p, n=n)`, `M(…).save()`, a related manager's `create()`, the
  instance's attribute before its `save()`, `self.n = …` before `super().save()` in the
  model's own `save()`, or an instance handed in whose model is then the read's: wiki's
  `revision.revision_number = revisions.latest().revision_number + 1`). The read and the
  number may be bound to names on the way, and the number set on one path only (`except
  DoesNotExist: n = 0`, `… if last else 1`: the literal where no row exists races too).
  Reported only where a unique set covers the read's keys and the number — a number column
  that is not unique stores the duplicate and nothing fails. Two writers read the same rows
  and compute the same number; `transaction.atomic()` alone does not change that. The
  message says the number is derived from a read; no fix is offered (see Fix safety). A
  function of the project that returns the next number is followed one call deep (a function
  of the module or imported from the project, a method of the class, or of a model instance
  the index types — its model's own or a plain mixin base's: mayan's
  `self.order = self.object_layer.get_next_order()`); its read is taken in the caller's terms.

- Replaced rows (a delete, then an insert of the same keys): `M.objects.filter(k=v).delete()`
  (`adelete()`, or `qs.delete()` on a name holding that queryset, its result bound or not)
  leaves no row with those keys on that path, so an insert of the same model writing the same
  key values after it (same rules as for a check: one key per loop value, `for name in names:
  filter(owner=o, name=name).delete(); create(owner=o, name=name)`) is an insert of a row just
  made absent. A `k__in=values` key of the delete is the insert's `k` where that is the
  variable of a loop or comprehension over the same `values` (netbox's notifications:
  `filter(…, user__in=users).delete()`, then `bulk_create([Notification(user_id=u, …) for u in
  users])`); a `GenericForeignKey` the insert sets (`object=instance`) writes the object's
  primary key and, where the delete names it as `ContentType.objects.get_for_model(instance)`
  (or a name bound once to that), its content type. Reported only where the model is known and
  a unique set of it is written alike by both inserts (without one, both rows are stored and
  nothing fails). Why it races on
  PostgreSQL's default READ COMMITTED: the second run's DELETE waits on the rows the first run
  deleted, then skips them (gone); the row the first run inserted is not among the rows its
  statement found, so it stays, and the second INSERT fails on the unique index. Where no row
  existed the DELETEs lock nothing and the second INSERT waits for the first transaction, then
  fails. `transaction.atomic()` changes nothing (MySQL's REPEATABLE READ takes gap locks
  instead: the two inserts deadlock, an error all the same; SQLite serialises writers). The
  message says "then `create()` of the same keys"; no fix is offered: the repair is a lock every
  writer takes first (`select_for_update()` of the owner row), an upsert
  (`update_or_create`, `bulk_create(update_conflicts=True)`) or a retry, and which one keeps the
  code's meaning is the author's choice. The guards below silence it as they do a check.

Where it runs: views, tasks and signal handlers serve concurrent requests. Command code is not
checked — a management command (`management/commands/*.py`), a module that runs itself under
`if __name__ == "__main__":` (a test server, an installer, a CLI), a file under the project's
`scripts` folder: an operator runs it, one run at a time — and neither is code only command code
uses (a top-level class or function no other code of its module names, named by other
production files that are all command code, or a module whose one function holding every use
is itself used that way: an importer class behind an import command, an install step only
the install and upgrade commands reach; or a
receiver of a signal the project defines and only command code sends, as pretix's
`periodic_task` that its `runperiodic` command dispatches), nor an undecorated one that only
test modules (and command code) name — a test-data builder kept in a production module, as
geonode's `create_dataset_data`: tests run alone. Nor are migration files: `migrate`
runs a migration's code once, alone — nor a function with `RunPython`'s signature
`(apps, schema_editor)` kept outside them (in `migrations/__init__.py` or a utils module, where
squashed migrations import it from). (IL102–IL104 follow the same policy.) Nor is a check for a
row a data migration of the model's app inserted: every lookup value a constant
(`name="default"`) that one insert of a `RunPython` function writes alike to the model it binds
with `apps.get_model(…)` — the row is in the table before the first request, so the check finds
it; only deleting that row at runtime would reopen the race (IL102 and IL103 too).

What the second insert collides on: the model's unique guarantees over the looked-up fields
(with the foreign key a related manager fills in: `self.urls.filter(language=…)` looks up
`page=self` too; a manager name only one foreign key of the project declares names its model
whatever the receiver). When the model is known and none of its unique guarantees can make the
second insert fail — no unique set whose every field both inserts write alike — nothing is
reported: both rows are stored, and the check, which tolerates several rows (`exists()`,
`first()`, `count()`), keeps working. (A failed `get()` does not: IL102 reports that case.) When
the model cannot be resolved, the race is reported all the same. A partial `UniqueConstraint`
over the looked-up fields makes the loser fail where its condition holds; the message says so.

## Why is this bad?
The check and the insert are two statements. Two requests that run them at the same time both
see "no row" and both insert: one of them fails with `IntegrityError: UNIQUE constraint failed:
app_model.column` (HTTP 500), the columns listed in the index's order. `transaction.atomic()`
alone changes
nothing: it does not make two transactions wait for each other. Tests never see it: it takes
concurrency.

## Guards that silence it
- the insert inside `try: … except IntegrityError` (best with its own `transaction.atomic()`);
- a lock every competitor takes first: `select_for_update()` of an existing row (`….get()`,
  or a `select_for_update()` chain as a statement of its own) earlier on the path, a `with
  …lock…:` block, a `@…lock…` decorator, a `….lock()` call — not `row =
  (qs.select_for_update().first())`, whose row may be missing (a lock on no row locks
  nothing) — unless that row is the key: a key naming a row every assignment of the function
  reads with `select_for_update()` (or sets to None: a NULL key matches no row), or binds to a
  call of a project helper each `return` of which hands back such a read (`locked =
  _lock(user)`), is locked for every competitor running the same code; raw SQL taking a
  PostgreSQL advisory lock counts
  (`cursor.execute("SELECT pg_advisory_xact_lock(%s)", [key])`, the SQL a literal; not the
  `_shared` or `pg_try_` forms), also on a `connection.vendor == "postgresql"` branch when the
  settings' database is PostgreSQL;
- the same lock taken by every caller of the function before its call, inside a transaction
  still open there (`@transaction.atomic def apply(org): lock_org(org); _apply_fields(org)`
  where `lock_org` is a helper of the module that locks; callers followed two levels up in
  the file, and only when no other production file names the function) — also for IL102/IL103;
- `get_or_create` / `update_or_create` instead of the insert (IL104 checks their lookup);
- `bulk_create(…, ignore_conflicts=True)` (or `update_conflicts=True`);
- a different model, different key values, a key rebound between check and insert, a branch
  that does not insert; in a batch, an insert for another owner than the rows read
  (`filter(team=team)` read, `team=other` written);
- for a sequence number: a read with `select_for_update()`, or the parent row locked first
  (`Parent.objects.select_for_update().get(pk=…)` on the path), or the insert in a `try … except
  IntegrityError` (a retry loop that computes the number again);
- a key holding a row the same function inserted before the check (`email.save()`, then
  `Attachment.objects.filter(email=email, counter=n).exists()`): only this call knows that row;
  also `self` / `self.pk` in a method every call of which, in the project's production files, is
  `x.method(…)` on a row its caller has just inserted (`order = Order.objects.create(…)`, then
  `order.bill()`; a method named elsewhere as a value has callers nobody can list);
- a second `obj.save()` of an object the function already saved (`user.save()`, `user.is_fake
  = True`, `user.save()`): an UPDATE of the row the first one inserted (statement order, as
  IL201 reads it). (IL102 and IL103 follow the same rule.)

## Limits
Inserts are followed one call down, a helper's answer three (same module, the enclosing class's
methods, functions imported from the project, methods of a model or of its manager as above);
a method of an object whose class is not known statically
(`device.whois_service._create_or_update_whois(…)`), of a plain class or a mixin that is not a
model, or one Django calls itself (`save`, `delete`, `clean`) is not followed, and a model class
chosen at run time (`self.object` of a URL-selected model) is unknown. A subclass that assigns
another `model` is not seen at `self.model`. From a caller into a callee only for a model's
instance methods (and functions attached to it) called on a name the index types without jedi
— a manager method, a classmethod or a module function is followed forward from its call
instead; not a method reached through a settings-chosen adapter or `get_class()`, or two calls
down. In the editor, a caller's edit shows in the method's finding when the method's file
is checked again. Validation is connected to the other methods of its own form or serializer
and, through `is_valid()`, to the function that builds the form; not a view's `dispatch()` and
its `form_valid()`, and not a key that is
anything but a submitted field, an attribute of the instance or a literal (a value computed in
`clean()`, the loop variable of `for user in attrs["users"]`). (Where such a
batch fills no unique key — a nullable column of the unique set left NULL — it would be silent
anyway: duplicates, no IntegrityError.) A delete of an instance (`row.delete()` after a
`get()`), of rows chosen by `Q` objects, or an `__in` key the insert does not loop over
replaces no known key. A lookup with `Q`
objects or `__in`/`__gt` is not a key,
except as the collection a batch tests values against; a collection kept as `None` placeholders
(`{slot: None …}` then filled from the rows) or read through a custom manager method is not one. An
instance handed in from elsewhere and saved (`self.token.save()`, `super().save(commit=False)` of
a form) is not known to be new.

## Example
```python
if not Product.objects.filter(sku=sku).exists():
    Product.objects.create(sku=sku, name=name)
```

## Use instead
```python
Product.objects.get_or_create(sku=sku, defaults={"name": name})
```
or, where the create must stay (a manager `create_user`, more statements in the branch):
```python
try:
    with transaction.atomic():
        Product.objects.create(sku=sku, name=name)
except IntegrityError:
    pass
```

## Fix safety
The `get_or_create` rewrite is offered when the whole `if` is the check and the insert, and is safe
when the lookup is covered by a database uniqueness guarantee (`unique=True`, a primary key, a
`OneToOneField`, `unique_together`, or an unconditional `UniqueConstraint` over exactly-looked-up
fields): then `get_or_create` is race-safe. Otherwise the fix wraps the insert in
`try`/`atomic`/`except IntegrityError` (re-getting the winner's row into the name the insert bound,
or repeating the `update()` of an upsert) and is unsafe without a constraint: no IntegrityError is
ever raised then, so add one (see IL104). The `atomic()` savepoint keeps an enclosing transaction
usable after the error. An `await`ed insert gets only the `aget_or_create` rewrite of the whole
`if` (`atomic()` cannot wrap an `await`); an insert in another function gets no fix at the call.
A check made on some paths only (a name `None` elsewhere) keeps its `if` and gets only the wrap,
unsafe: where the code never looked, a row there all along would be skipped, not raised. A
model method's insert raced by its caller is wrapped where it is, in the method (the loser's row is
the winner's, `except IntegrityError: pass`; safe when covered), when the method neither binds nor
returns what it inserted; else no fix (re-getting the row would need the caller's values). An
insert whose check is in a serializer's validation is wrapped so that the IntegrityError raises the
serializer's own `ValidationError` (`{"email": ["This value is already taken."]}`; DRF answers 400,
as for the check) — safe; one in a form's `save()` gets no fix: a `ValidationError` from `save()`
is not caught by the view that calls it, which is where the IntegrityError must become a form
error. A multi-line call stays multi-line; `transaction` and `IntegrityError` join an existing
`from django.db import …`.

A sequence number gets no fix: the safe ones — lock the parent row with `select_for_update()`
before the read, inside the transaction that inserts, or retry the whole computation on
IntegrityError — depend on the transaction around the code and on what the caller does with
the row, which a text edit cannot know.

A batch (a set difference): a `create()` per missing value that stands alone, is bound to a
name or returned is wrapped the same way, the loser skipping the row the winner inserted (or
re-getting it by the value tested and the query's own exact keys) — safe where a unique
constraint covers them; a create used inside a larger statement, or `await`ed, gets no fix.
`bulk_create(rows)` gets `ignore_conflicts=True` where nothing reads the new rows afterwards
(its result dropped; `rows` only built from new instances and inserted), unsafe all the same:
every unique conflict is skipped, the instances get no primary key, and MySQL/MariaDB also turn
some other errors into warnings.

## References
- [QuerySet.get_or_create](https://docs.djangoproject.com/en/stable/ref/models/querysets/#get-or-create)
- [Avoiding race conditions using F()](https://docs.djangoproject.com/en/stable/ref/models/expressions/#avoiding-race-conditions-using-f)
"""

from __future__ import annotations

from collections.abc import Iterator

from integrity_lsp.analysis.block_inserts import writes_in
from integrity_lsp.analysis.context import Context
from integrity_lsp.analysis.django import WRITE_WORDS
from integrity_lsp.analysis.registry import register
from integrity_lsp.analysis.writes import WriteSite
from integrity_lsp.findings import Finding
from integrity_lsp.rules.races.report import race_finding, write_fixes
from integrity_lsp.rules.races.shapes import (
    ExistenceCheck,
    bindings_before,
    existence_check,
    guarded_within,
    same_subject,
)
from integrity_lsp.rules.races.validated_save import validated_save_findings
from integrity_lsp.rules.races.views import view_findings
from integrity_lsp.syntax.nodes import Node, block_exits, code, statements

CODE = "IL101"
NAME = "check-then-create"


def _branches(if_stmt: Node) -> list[tuple[Node | None, Node]]:
    """(condition, body) pairs: `if`/`elif` with their test, `else` with None."""
    children = if_stmt.children
    pairs: list[tuple[Node | None, Node]] = []
    index = 0
    while index < len(children):
        keyword = children[index]
        if keyword.type == "keyword" and keyword.value in ("if", "elif"):
            pairs.append((children[index + 1], children[index + 3]))
            index += 4
        elif keyword.type == "keyword" and keyword.value == "else":
            pairs.append((None, children[index + 2]))
            index += 3
        else:
            index += 1
    return pairs


def _updates(block: Node) -> bool:
    """Does a branch modify the existing row (then it is IL103's update-or-create shape)?"""
    text = code(block)
    return ".update(" in text or ".save(" in text


def shape_check(if_stmt: Node, ctx: Context) -> Iterator[Finding]:
    index = ctx.env.index
    branches = _branches(if_stmt)
    condition, body = branches[0]
    assert condition is not None
    found = existence_check(condition, bindings_before(if_stmt, index), index)
    if found is None:
        return
    if not found.truthy_means_exists:
        yield from _report(if_stmt, found, body, writes_in(body, index), None, ctx)
        return
    # `if exists: … else: create` and `if exists: return` followed by a create.
    if _updates(body):
        return
    else_body = next((b for c, b in branches[1:] if c is None), None)
    if else_body is not None:
        yield from _report(if_stmt, found, else_body, writes_in(else_body, index), body, ctx)
    elif len(branches) == 1 and block_exits(body):
        later = _later_statements(if_stmt)
        writes = [w for s in later for w in writes_in(s, index)]
        yield from _report(if_stmt, found, None, writes, body, ctx)


def _later_statements(statement: Node) -> list[Node]:
    suite = statement.parent
    siblings = statements(suite) if suite.type == "suite" else list(suite.children)
    position = next(i for i, s in enumerate(siblings) if s is statement)
    return siblings[position + 1 :]


def _report(
    if_stmt: Node,
    found: ExistenceCheck,
    create_body: Node | None,
    writes: list[WriteSite],
    exists_body: Node | None,
    ctx: Context,
) -> Iterator[Finding]:
    for write in writes:
        if not same_subject(write, found.query):
            continue
        if ctx.integrity_guard is not None or guarded_within(write, if_stmt):
            return  # already the try/except IntegrityError form
        simple = (
            create_body is not None
            and exists_body is None
            and len(if_stmt.children) == 4
            and len(statements(create_body)) == 1
            and statements(create_body)[0] is write.statement
        )
        fixes = write_fixes(
            ctx, write, found.query, replace_statement=if_stmt if simple else None,
            handler_body=exists_body,
        )  # fmt: skip
        yield race_finding(CODE, NAME, ctx, write, found.query, fixes, "an existence check")
        return


def check(function: Node, ctx: Context) -> Iterator[Finding]:
    """The races `analysis.absence` files under this code; fixes from the shape above."""
    yield from view_findings(function, ctx, CODE, NAME, shape_check)
    yield from validated_save_findings(function, ctx, CODE, NAME)


register(
    CODE,
    NAME,
    doc=__doc__,
    node_types=("funcdef", "file_input"),
    check=check,
    words=WRITE_WORDS,
    in_migrations=False,
    in_commands=False,
    scope="calls",
)
