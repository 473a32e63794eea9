"""## What it does
Compares each model in models.py with the state its app's migrations build (replayed statically:
CreateModel, AddField, AlterField, RenameField, AlterUniqueTogether, AddConstraint, …, squashed
migrations included) and reports what differs in nullability, uniqueness, columns, `db_default`,
relation targets, `unique_together`, constraints and `db_table` — on the field, constraint or
`Meta` line, naming the operation `makemigrations` would write.

## Why is this bad?
The database enforces what the migrations created, not what models.py says. A field that is
`unique=True` in models.py but not in any migration accepts duplicates; a `CheckConstraint` that
was never migrated checks nothing. The code relies on guarantees the database does not give —
`get_or_create` races, `IntegrityError` handlers that never fire — until someone runs
`makemigrations` and the new migration meets the bad rows (see IL302).

A model with no migration at all counts, in an app that has a `migrations/` package; an app
without one is not checked. Models whose state the migrations do not tell (after RunSQL,
SeparateDatabaseAndState or a custom operation, also one naming a model no earlier operation
created: kolibri's `CreateModelIfNotExists`, a CreateModel subclass) are not reported; nor, in
an app with a migration that builds its `operations` at import time (appended to or assigned
under an `if`, or made by a call: django-auditlog's `[*two_step_migrations()]`, which a setting
decides), is any model of the app. Nor is a model of a module in an app's `models/` package
that the package's `__init__.py` does not import (directly or through the modules it imports),
or of a module outside it that the app's models module does not import (a model a test module
defines): Django does not register it when the app loads, and makemigrations never writes a
migration for it. A model whose field set is not known is not checked: a base class from a
package the project's interpreter does not have installed, or an installed base with a metaclass
of its own (django-mptt adds `lft`, `rght`, … that no class body declares), or a metaclass of the
models module whose `__new__` writes fields into the class (cartridge's `option1`, `option2`, one
per option type of a setting), or a model declaring
a field of a project class whose `contribute_to_class` calls `add_to_class` (mezzanine's
`KeywordsField` adds `keywords_string`); nor are the column and options of a field whose class
an installed package defines (its `__init__` may fix `null` or `unique`) or that derives from no
field class Django makes a column of (django-cms's `PlaceholderRelationField(GenericRelation)`,
a taggit manager field).
Only real Django models are compared: a class is one when its bases resolve to
`django.db.models.Model` (see the README, "Third-party models").

A `CreateModel` whose `fields` it cannot read whole (a computed name, a list built by `+`)
leaves the model unknown; a relation target written as a call (`swapper.get_model_name(…)`), or
as a class the index cannot resolve (`beat_models.SolarSchedule` through a module alias), is
not compared; a relation to a model another app's `RenameModel` renamed is compared under the
new name (the rename repoints every app's ForeignKeys). IL304 is about the current state:
`check` reports it whatever `--since` says.

## Example
```python
class Coupon(models.Model):
    code = models.CharField(max_length=20, unique=True)  # migrations: CharField(max_length=20)
```

## Use instead
Run `python manage.py makemigrations` and commit the migration it writes (here "Alter field code
on coupon"), after checking the data it will meet.

## Fix safety
Display-only: the message names the operation makemigrations would write; the migration itself
is for makemigrations to generate.

## References
- [makemigrations](https://docs.djangoproject.com/en/stable/ref/django-admin/#django-admin-makemigrations)
- [Migrations](https://docs.djangoproject.com/en/stable/topics/migrations/)
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from integrity_lsp.analysis.context import Context
from integrity_lsp.analysis.registry import register
from integrity_lsp.findings import Applicability, Finding, Fix, Location
from integrity_lsp.project.migrations.drift import Drift, model_drift, renamed_models
from integrity_lsp.project.migrations.history import history_for

if TYPE_CHECKING:
    from integrity_lsp.project.index import ProjectIndex

CODE = "IL304"
NAME = "model-migration-drift"

_CACHE: dict[int, tuple[object, list[Drift]]] = {}


def _all_drift(ctx: Context) -> list[Drift]:
    index = ctx.env.index
    history = history_for(index)
    labels = sorted(label for label, app in index.apps.items() if app.has_migrations)
    states = {label: history.app_state(label) for label in labels}
    key = (index.generation, tuple(id(state) for state in states.values()))
    cached = _CACHE.get(id(index))
    if cached is not None and cached[0] == key:
        return cached[1]
    found: list[Drift] = []
    renamed = {  # an old name a later migration gave to another model again stays that one
        old: new
        for old, new in renamed_models(history.all_migrations().values()).items()
        if (app_state := states.get(old.partition(".")[0])) is None
        or app_state.model(old.partition(".")[2]) is None
    }
    for model in index.models():
        if model.abstract or model.proxy or index.is_builtin(model):
            continue
        if not index.fields_known(model):
            continue  # a base from a package that is not installed: its fields are unknown
        app = index.apps.get(model.app_label)
        if app is not None and not _loaded_with_app(index, model.module, f"{app.name}.models"):
            continue  # nothing Django imports when the app loads defines it: maybe never registered
        state = states.get(model.app_label)
        if state is None:
            continue
        current = state.model(model.name)
        if current is None and (state.unknown or model.name.lower() in state.maybe_created):
            continue  # it may be what the operation nobody can read created
        found.extend(model_drift(index, model, current, renamed))
    _CACHE[id(index)] = (key, found)
    return found


def _loaded_with_app(index: ProjectIndex, module: str, package: str) -> bool:
    """Does loading the app register a model defined in `module`? Django imports each app's
    `models` module when the apps load (`makemigrations` sees what that registers): the module
    itself, a module it imports (directly or through other modules of a `models/` package), or
    a models module elsewhere (a test app's, naming the app in `Meta.app_label`). A model of a
    test module (django-import-export's `test_resource_postgres.py`) or of a module nothing
    there imports is registered only when something imports it, and makemigrations never
    writes a migration for it."""
    if module == package:
        return True
    if not module.startswith(f"{package}.") and (
        module.rpartition(".")[2] == "models" or ".models." in module
    ):
        return True
    return index.imported_by_package(package, module)


def check(ctx: Context) -> Iterator[Finding]:
    if ctx.file.is_migration:
        return
    if not ctx.file.is_models_module and not ctx.env.index.models_defined_in(ctx.file.path):
        return
    here = Path(os.path.abspath(ctx.file.path))
    for drift in _all_drift(ctx):
        if Path(os.path.abspath(drift.ref.path)) != here:
            continue
        related: tuple[Location, ...] = ()
        if drift.migration is not None:
            related = (Location(drift.migration.path, drift.migration.span, "last migrated here"),)
        yield Finding(
            code=CODE,
            name=NAME,
            message=(
                f"models.py and the migrations disagree ({drift.detail}): the database does not "
                f"enforce what models.py says; makemigrations would write: {drift.operation}"
            ),
            path=ctx.file.path,
            span=drift.ref.span,
            related=related,
            fixes=(Fix(f"Run makemigrations: {drift.operation}", Applicability.DISPLAY_ONLY),),
        )


register(CODE, NAME, doc=__doc__, check_file=check, words=("class",), scope="module")
