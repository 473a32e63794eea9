"""A seeded generator of realistic Django projects for the benchmarks.

A project has N apps; each app has models (unique fields, `UniqueConstraint`s, `unique_together`,
foreign keys to models of other apps, abstract bases from a shared `core` app), function views
and class-based views with racy and safe twins, services, forms, admin, urls, signals, tests and a
migration history (an initial migration, later `AddField`/`AlterField`/`AddConstraint`
operations and a `RunPython` backfill) whose replayed state matches the models. Around the apps
sit the plain modules real projects have: a `libs/` package of utilities, scripts and settings.
App 0 also has `views_dashboard.py`, a views module of about 1,000 lines for the editor
benchmark. The output is a pure function of (size, seed): same bytes every time.

`python -m benchmarks.generate large DEST [--seed N]` writes a project and prints its stats.
"""

# ruff: noqa: E501, SIM905 -- the templates are the generated files' own lines

from __future__ import annotations

import argparse
import json
import random
import shutil
import sys
from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class Size:
    name: str
    apps: int
    models: int
    lib_modules: int


SIZES: dict[str, Size] = {
    "small": Size("small", apps=4, models=14, lib_modules=6),
    "medium": Size("medium", apps=20, models=66, lib_modules=20),
    "large": Size("large", apps=90, models=300, lib_modules=60),
    "xlarge": Size("xlarge", apps=180, models=600, lib_modules=120),  # ~4,000 files
}
DASHBOARD_LINES = 1000
MANIFEST = "bench_manifest.json"

APP_WORDS = (
    "accounts catalog billing orders shipping inventory reviews payments coupons loyalty "
    "support tickets notifications messaging search analytics reports partners vendors "
    "warehouses returns subscriptions invoices ledger pricing promotions bundles wishlists "
    "carts checkout taxes currencies regions stores staff teams projects tasks calendars "
    "bookings venues events media files documents contracts audits compliance "
    "devices integrations webhooks imports exports feeds recommendations content pages blog "
    "comments forums polls surveys newsletters campaigns leads deals crm quotes assets"
).split()
MODEL_WORDS = (
    "Account Address Article Asset Attachment Badge Batch Booking Brand Bundle Campaign Card "
    "Category Channel Charge Comment Contact Contract Coupon Customer Deal Delivery Device "
    "Discount Document Entry Event Export Feed Fulfillment Gift Group Upload Invoice Item "
    "Job Label Lead License Line Listing Location Member Membership Message Note Offer Order "
    "Package Page Partner Payment Payout Plan Policy Post Price Product Profile Promotion "
    "Quote Rate Receipt Record Refund Region Report Request Reservation Review Rule Schedule "
    "Seat Segment Session Setting Shipment Slot Source Store Subscription Supplier Survey "
    "Tag Task Tax Team Template Ticket Token Transfer Unit Vendor Venue Voucher Wallet "
    "Warehouse Webhook Zone"
).split()
UNIQUE_FIELDS = ("code", "sku", "slug", "reference", "external_id", "number", "handle", "key")
TEXT_FIELDS = ("name", "title", "label", "description", "notes", "summary", "status", "kind")
NUMBER_FIELDS = ("quantity", "position", "rank", "priority", "weight", "capacity", "score")


@dataclass
class FieldSpec:
    name: str
    code: str  # the models.py expression, e.g. models.CharField(max_length=32, unique=True)
    migration: str  # the same field as a migration writes it
    unique: bool = False
    required: bool = False  # NOT NULL with no default: every insert must set it
    fk_to: ModelSpec | None = None
    added_later: bool = False  # introduced by a later AddField (with a one-off default)


@dataclass
class ModelSpec:
    app: AppSpec
    name: str
    base: str  # "models.Model" or an abstract base from core
    fields: list[FieldSpec] = field(default_factory=list)
    unique_together: tuple[str, str] | None = None
    constraint: tuple[str, str] | None = None  # (field a, field b) of a UniqueConstraint

    @property
    def label(self) -> str:
        return f"{self.app.name}.{self.name}"

    @property
    def lower(self) -> str:
        return self.name.lower()

    def unique_field(self) -> FieldSpec | None:
        return next((f for f in self.fields if f.unique), None)

    def plain_field(self) -> FieldSpec:
        return next(f for f in self.fields if not f.unique and f.fk_to is None)

    def fk_field(self) -> FieldSpec | None:
        return next((f for f in self.fields if f.fk_to is not None), None)


@dataclass
class AppSpec:
    index: int
    name: str
    models: list[ModelSpec] = field(default_factory=list)
    split_models: bool = False  # a models/ package re-exporting from two modules


@dataclass
class GeneratedProject:
    root: Path
    size: str
    seed: int
    files: int
    lines: int
    models: int
    apps: int
    dashboard: str  # the ~1,000-line views module, relative to root
    hover: tuple[int, int]  # (line 1-based, column 0-based) of a model name in the dashboard
    edit_line: int  # a line of the dashboard safe to edit repeatedly (1-based)

    def manifest(self) -> dict[str, object]:
        return {
            "size": self.size,
            "seed": self.seed,
            "files": self.files,
            "lines": self.lines,
            "models": self.models,
            "apps": self.apps,
            "dashboard": self.dashboard,
            "hover": list(self.hover),
            "edit_line": self.edit_line,
        }


class _Writer:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.files = 0
        self.lines = 0

    def write(self, relative: str, text: str) -> None:
        path = self.root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8", newline="\n")
        if relative.endswith(".py"):
            self.files += 1
            self.lines += text.count("\n")


def _plan(size: Size, rng: random.Random) -> list[AppSpec]:
    names = list(APP_WORDS)
    rng.shuffle(names)
    apps: list[AppSpec] = []
    for i in range(size.apps):
        word = names[i % len(names)]
        name = word if i < len(names) else f"{word}{i // len(names) + 1}"
        apps.append(AppSpec(index=i, name=name, split_models=rng.random() < 0.3))
    per_app, extra = divmod(size.models, size.apps)
    all_models: list[ModelSpec] = []
    for app in apps:
        count = per_app + (1 if app.index < extra else 0)
        words = rng.sample(MODEL_WORDS, count)
        for word in sorted(words):
            base = rng.choice(("models.Model", "models.Model", "TimeStampedModel", "PublicIdModel"))
            model = ModelSpec(app=app, name=word, base=base)
            _plan_fields(model, rng, all_models)
            app.models.append(model)
            all_models.append(model)
    return apps


def _plan_fields(model: ModelSpec, rng: random.Random, earlier: list[ModelSpec]) -> None:
    unique = rng.choice(UNIQUE_FIELDS)
    model.fields.append(
        FieldSpec(
            unique,
            "models.CharField(max_length=64, unique=True)",
            "models.CharField(max_length=64, unique=True)",
            unique=True,
            required=True,
        )
    )
    texts = rng.sample(TEXT_FIELDS, 2)
    model.fields.append(
        FieldSpec(
            texts[0],
            "models.CharField(max_length=200)",
            "models.CharField(max_length=200)",
        )
    )
    model.fields.append(
        FieldSpec(texts[1], "models.TextField(blank=True)", "models.TextField(blank=True)")
    )
    number = rng.choice(NUMBER_FIELDS)
    model.fields.append(
        FieldSpec(
            number,
            "models.PositiveIntegerField()",
            "models.PositiveIntegerField()",
            required=True,
        )
    )
    model.fields.append(
        FieldSpec(
            "is_active",
            "models.BooleanField(default=True)",
            "models.BooleanField(default=True)",
            added_later=rng.random() < 0.5,
        )
    )
    if earlier and rng.random() < 0.7:
        target = rng.choice(earlier[-40:])
        name = target.lower if target.lower not in {f.name for f in model.fields} else "parent"
        related = f"{model.lower}_set_{model.app.name}"
        ref = target.name if target.app is model.app else f"{target.app.name}.{target.name}"
        model.fields.append(
            FieldSpec(
                name,
                f'models.ForeignKey("{ref}", on_delete=models.CASCADE, related_name="{related}")',
                "models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, "
                f'related_name="{related}", to="{target.app.name}.{target.lower}")',
                required=True,
                fk_to=target,
            )
        )
    roll = rng.random()
    fk = model.fk_field()
    if fk is not None and roll < 0.35:
        model.constraint = (fk.name, texts[0])
    elif fk is not None and roll < 0.5:
        model.unique_together = (fk.name, number)


# ---------------------------------------------------------------- models and migrations


def _models_source(app: AppSpec, models: list[ModelSpec]) -> str:
    lines = [
        f'"""Models of the {app.name} app."""',
        "",
        "from django.db import models",
        "",
        "from core.models import PublicIdModel, TimeStampedModel",
        "",
    ]
    for model in models:
        lines += ["", f"class {model.name}({model.base}):"]
        for spec in model.fields:
            lines.append(f"    {spec.name} = {spec.code}")
        meta: list[str] = []
        if model.constraint:
            a, b = model.constraint
            meta += [
                "        constraints = [",
                "            models.UniqueConstraint(",
                f'                fields=["{a}", "{b}"], name="uniq_{app.name}_{model.lower}_{a}_{b}"',
                "            ),",
                "        ]",
            ]
        if model.unique_together:
            a, b = model.unique_together
            meta.append(f'        unique_together = [("{a}", "{b}")]')
        meta.append(f'        ordering = ["-{model.fields[0].name}"]')
        lines += ["", "    class Meta:", *meta, ""]
        lines += [
            "    def __str__(self) -> str:",
            f"        return str(self.{model.fields[0].name})",
            "",
            "    @property",
            "    def display_name(self) -> str:",
            f'        return f"{{self.{model.fields[1].name}}} ({{self.{model.fields[0].name}}})"',
        ]
    return "\n".join(lines) + "\n"


def _migration_field(spec: FieldSpec) -> str:
    return f'                ("{spec.name}", {spec.migration}),'


def _base_fields(model: ModelSpec) -> list[str]:
    out = [
        '                ("id", models.BigAutoField(auto_created=True, primary_key=True, '
        'serialize=False, verbose_name="ID")),'
    ]
    if model.base == "TimeStampedModel":
        out += [
            '                ("created_at", models.DateTimeField(auto_now_add=True)),',
            '                ("updated_at", models.DateTimeField(auto_now=True)),',
        ]
    elif model.base == "PublicIdModel":
        out.append(
            '                ("public_id", models.UUIDField(default=uuid.uuid4, unique=True)),'
        )
    return out


def _migrations(app: AppSpec, deps: list[AppSpec]) -> dict[str, str]:
    header = "import uuid\n\nimport django.db.models.deletion\nfrom django.db import migrations, models\n"
    initial = [header, "", "class Migration(migrations.Migration):", "    initial = True", ""]
    initial.append("    dependencies = [")
    initial += [f'        ("{dep.name}", "0001_initial"),' for dep in deps]
    initial += ["    ]", "", "    operations = ["]
    for model in app.models:
        initial += [
            "        migrations.CreateModel(",
            f'            name="{model.name}",',
            "            fields=[",
            *_base_fields(model),
            *(_migration_field(f) for f in model.fields if not f.added_later),
            "            ],",
            f'            options={{"ordering": ["-{model.fields[0].name}"]}},',
            "        ),",
        ]
    initial += ["    ]", ""]
    out = {"0001_initial.py": "\n".join(initial)}
    later = [(m, f) for m in app.models for f in m.fields if f.added_later]
    if later:
        body = [header, "", "class Migration(migrations.Migration):", ""]
        body += [f'    dependencies = [("{app.name}", "0001_initial")]', "", "    operations = ["]
        for model, spec in later:
            body += [
                "        migrations.AddField(",
                f'            model_name="{model.lower}",',
                f'            name="{spec.name}",',
                f"            field={spec.migration},",
                "        ),",
            ]
        body += ["    ]", ""]
        out[f"0002_{later[0][0].lower}_{later[0][1].name}.py"] = "\n".join(body)
    previous = sorted(out)[-1][:-3]
    constrained = [m for m in app.models if m.constraint or m.unique_together]
    if constrained:
        dedupe = [
            '"""Remove duplicates before the unique constraints of the next migration."""',
            "",
            "from django.db import migrations",
            "",
            "",
            "def dedupe(apps, schema_editor):",
        ]
        for model in constrained:
            a, b = model.constraint or model.unique_together or ("", "")
            dedupe += [
                f'    {model.name} = apps.get_model("{app.name}", "{model.name}")',
                "    seen = set()",
                f'    for row in {model.name}.objects.order_by("pk"):',
                f"        key = (row.{a}_id if hasattr(row, '{a}_id') else row.{a}, row.{b})",
                "        if key in seen:",
                "            row.delete()",
                "        seen.add(key)",
            ]
        dedupe += [
            "",
            "",
            "class Migration(migrations.Migration):",
            f'    dependencies = [("{app.name}", "{previous}")]',
            "",
            "    operations = [migrations.RunPython(dedupe, migrations.RunPython.noop)]",
            "",
        ]
        number = len(out) + 1
        dedupe_name = f"{number:04d}_dedupe_{app.name}"
        out[f"{dedupe_name}.py"] = "\n".join(dedupe)
        body = [
            "from django.db import migrations, models",
            "",
            "",
            "class Migration(migrations.Migration):",
        ]
        body += [f'    dependencies = [("{app.name}", "{dedupe_name}")]', "", "    operations = ["]
        for model in constrained:
            if model.constraint:
                a, b = model.constraint
                body += [
                    "        migrations.AddConstraint(",
                    f'            model_name="{model.lower}",',
                    "            constraint=models.UniqueConstraint(",
                    f'                fields=["{a}", "{b}"], name="uniq_{app.name}_{model.lower}_{a}_{b}"',
                    "            ),",
                    "        ),",
                ]
            if model.unique_together:
                a, b = model.unique_together
                body += [
                    "        migrations.AlterUniqueTogether(",
                    f'            name="{model.lower}",',
                    f'            unique_together={{("{a}", "{b}")}},',
                    "        ),",
                ]
        body += ["    ]", ""]
        out[f"{number + 1:04d}_{app.name}_unique_constraints.py"] = "\n".join(body)
    return out


# ---------------------------------------------------------------- views and services


def _value(spec: FieldSpec, source: str) -> str:
    if spec.fk_to is not None:
        return f'{source}["{spec.name}_id"]'
    if "Integer" in spec.code:
        return f'int({source}["{spec.name}"])'
    return f'{source}["{spec.name}"]'


def _create_kwargs(model: ModelSpec, source: str, indent: str) -> list[str]:
    out = []
    for spec in model.fields:
        if not spec.required:
            continue
        name = f"{spec.name}_id" if spec.fk_to is not None else spec.name
        out.append(f"{indent}{name}={_value(spec, source)},")
    return out


def _view_functions(model: ModelSpec, rng: random.Random, suffix: str = "") -> list[str]:
    """Racy views and their safe twins for one model (about 90 lines)."""
    unique = model.unique_field()
    assert unique is not None
    u = unique.name
    plain = model.plain_field().name
    m = model.name
    low = model.lower + suffix
    kwargs = _create_kwargs(model, "request.POST", "            ")
    out = [
        "",
        "",
        f"def create_{low}(request: HttpRequest) -> JsonResponse:",
        f"    {model.lower} = {m}.objects.create(",
        *(line[4:] for line in kwargs),
        "    )",
        f'    return JsonResponse({{"id": {model.lower}.pk}}, status=201)',
        "",
        "",
        f"def create_{low}_safe(request: HttpRequest) -> JsonResponse:",
        "    try:",
        "        with transaction.atomic():",
        f"            {model.lower} = {m}.objects.create(",
        *("    " + line for line in kwargs),
        "            )",
        "    except IntegrityError:",
        f'        return JsonResponse({{"error": "{u} already taken"}}, status=409)',
        f'    return JsonResponse({{"id": {model.lower}.pk}}, status=201)',
        "",
        "",
        f"def register_{low}(request: HttpRequest) -> JsonResponse:",
        f'    value = request.POST["{u}"]',
        f"    if not {m}.objects.filter({u}=value).exists():",
        f'        {m}.objects.create({u}=value, {plain}=request.POST.get("{plain}", ""))',
        '    return JsonResponse({"ok": True})',
        "",
        "",
        f"def lookup_{low}(request: HttpRequest, value: str) -> JsonResponse:",
        "    try:",
        f"        {model.lower} = {m}.objects.get({u}=value)",
        f"    except {m}.DoesNotExist:",
        f"        {model.lower} = {m}.objects.create({u}=value)",
        f'    return JsonResponse({{"id": {model.lower}.pk}})',
        "",
        "",
        f"def tag_{low}(request: HttpRequest) -> JsonResponse:",
        f"    {model.lower}, created = {m}.objects.get_or_create(",
        f'        {plain}=request.POST["{plain}"], defaults={{"{u}": request.POST["{u}"]}}',
        "    )",
        '    return JsonResponse({"created": created})',
        "",
        "",
        f"def ensure_{low}(request: HttpRequest) -> JsonResponse:",
        f'    {model.lower}, created = {m}.objects.get_or_create({u}=request.POST["{u}"])',
        '    return JsonResponse({"created": created})',
        "",
        "",
        f"def list_{low}(request: HttpRequest) -> JsonResponse:",
        f'    rows = {m}.objects.filter(is_active=True).order_by("{u}")[:50]',
        f'    data = [{{"{u}": row.{u}, "name": str(row)}} for row in rows]',
        '    return JsonResponse({"results": data})',
    ]
    if rng.random() < 0.5:
        out += [
            "",
            "",
            "@transaction.atomic",
            f"def rename_{low}(request: HttpRequest, pk: int) -> JsonResponse:",
            f"    {model.lower} = get_object_or_404({m}, pk=pk)",
            f'    {model.lower}.{u} = request.POST["{u}"]',
            "    try:",
            f"        {model.lower}.save()",
            "    except IntegrityError:",
            '        return JsonResponse({"error": "taken"}, status=409)',
            f'    return JsonResponse({{"id": {model.lower}.pk}})',
        ]
    fk = model.fk_field()
    if fk is not None and fk.fk_to is not None:
        parent = fk.fk_to.name
        out += [
            "",
            "",
            f"def attach_{low}(request: HttpRequest) -> JsonResponse:",
            f'    parent = get_object_or_404({parent}, pk=request.POST["{fk.name}_id"])',
            f"    {model.lower} = {m}.objects.filter({fk.name}=parent).first()",
            f"    if {model.lower} is None:",
            f'        {model.lower} = {m}({fk.name}=parent, {u}=request.POST["{u}"])',
            f"        {model.lower}.save()",
            f'    return JsonResponse({{"id": {model.lower}.pk}})',
        ]
    return out


def _views_source(app: AppSpec, rng: random.Random, imports: list[str]) -> str:
    lines = [
        f'"""Function views of the {app.name} app."""',
        "",
        "from django.db import IntegrityError, transaction",
        "from django.http import HttpRequest, JsonResponse",
        "from django.shortcuts import get_object_or_404",
        "",
        *imports,
    ]
    for model in app.models:
        lines += _view_functions(model, rng)
    return "\n".join(lines) + "\n"


def _dashboard_source(app: AppSpec, rng: random.Random, imports: list[str]) -> tuple[str, int]:
    """A ~1,000-line views module; returns (text, line of the first model-name usage)."""
    lines = [
        f'"""Dashboard views of the {app.name} app: one long module, as real projects grow."""',
        "",
        "from django.db import IntegrityError, transaction",
        "from django.http import HttpRequest, JsonResponse",
        "from django.shortcuts import get_object_or_404",
        "",
        *imports,
    ]
    round_ = 0
    while len(lines) < DASHBOARD_LINES - 20:
        model = app.models[round_ % len(app.models)]
        lines += _view_functions(model, rng, suffix=f"_{round_}")
        round_ += 1
    lines += [
        "",
        "",
        "def health(request: HttpRequest) -> JsonResponse:",
        '    return JsonResponse({"ok": True})',
    ]
    text = "\n".join(lines) + "\n"
    name = app.models[0].name
    hover_line = next(
        number
        for number, line in enumerate(text.splitlines(), start=1)
        if line.lstrip().startswith(f"{app.models[0].lower} = {name}.objects.create(")
    )
    return text, hover_line


def _api_source(app: AppSpec) -> str:
    lines = [
        f'"""Class-based views of the {app.name} app."""',
        "",
        "from django.db import IntegrityError, transaction",
        "from django.http import HttpRequest, JsonResponse",
        "from django.views import View",
        "",
        f"from {app.name}.models import {', '.join(m.name for m in app.models)}",
    ]
    for model in app.models:
        u = model.unique_field()
        assert u is not None
        kwargs = _create_kwargs(model, "request.POST", "            ")
        lines += [
            "",
            "",
            f"class {model.name}CreateView(View):",
            "    def post(self, request: HttpRequest) -> JsonResponse:",
            f"        obj = {model.name}(",
            *kwargs,
            "        )",
            "        obj.save()",
            '        return JsonResponse({"id": obj.pk}, status=201)',
            "",
            "",
            f"class {model.name}ImportView(View):",
            "    def post(self, request: HttpRequest) -> JsonResponse:",
            f'        values = request.POST.getlist("{u.name}")',
            f"        rows = [{model.name}({u.name}=value) for value in values]",
            f"        {model.name}.objects.bulk_create(rows, ignore_conflicts=True)",
            '        return JsonResponse({"imported": len(rows)})',
            "",
            "    def put(self, request: HttpRequest) -> JsonResponse:",
            f'        values = request.POST.getlist("{u.name}")',
            "        try:",
            "            with transaction.atomic():",
            f"                {model.name}.objects.bulk_create([{model.name}({u.name}=v) for v in values])",
            "        except IntegrityError:",
            '            return JsonResponse({"error": "duplicate"}, status=409)',
            '        return JsonResponse({"imported": len(values)})',
        ]
    return "\n".join(lines) + "\n"


def _services_source(app: AppSpec) -> str:
    lines = [
        f'"""Business logic of the {app.name} app, called from views and tasks."""',
        "",
        "from __future__ import annotations",
        "",
        "import logging",
        "",
        "from django.db import IntegrityError, transaction",
        "",
        f"from {app.name}.models import {', '.join(m.name for m in app.models)}",
        "",
        "logger = logging.getLogger(__name__)",
    ]
    for model in app.models:
        u = model.unique_field()
        assert u is not None
        plain = model.plain_field().name
        lines += [
            "",
            "",
            f"def upsert_{model.lower}({u.name}: str, {plain}: str) -> {model.name}:",
            f"    if {model.name}.objects.filter({u.name}={u.name}).exists():",
            f"        {model.name}.objects.filter({u.name}={u.name}).update({plain}={plain})",
            f"        return {model.name}.objects.get({u.name}={u.name})",
            f"    return {model.name}.objects.create({u.name}={u.name}, {plain}={plain})",
            "",
            "",
            f"def upsert_{model.lower}_safe({u.name}: str, {plain}: str) -> {model.name}:",
            f"    obj, _ = {model.name}.objects.update_or_create(",
            f'        {u.name}={u.name}, defaults={{"{plain}": {plain}}}',
            "    )",
            "    return obj",
            "",
            "",
            f"def deactivate_{model.lower}(pk: int) -> None:",
            "    with transaction.atomic():",
            f"        {model.name}.objects.filter(pk=pk).update(is_active=False)",
            f'        logger.info("deactivated {model.lower} %s", pk)',
            "",
            "",
            "@transaction.atomic",
            f"def import_{model.lower}_rows(rows: list[dict[str, str]]) -> int:",
            "    created = 0",
            "    for row in rows:",
            "        try:",
            f'            {model.name}.objects.create({u.name}=row["{u.name}"])',
            "            created += 1",
            "        except IntegrityError:",
            f'            logger.warning("duplicate {model.lower} %s", row)',
            "    return created",
        ]
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------- the rest of an app


def _admin_source(app: AppSpec) -> str:
    lines = [
        "from django.contrib import admin",
        "",
        f"from {app.name}.models import {', '.join(m.name for m in app.models)}",
    ]
    for model in app.models:
        fields = ", ".join(f'"{f.name}"' for f in model.fields[:3])
        lines += [
            "",
            "",
            f"@admin.register({model.name})",
            f"class {model.name}Admin(admin.ModelAdmin):",
        ]
        lines += [
            f"    list_display = ({fields})",
            f'    search_fields = ("{model.fields[0].name}",)',
        ]
    return "\n".join(lines) + "\n"


def _forms_source(app: AppSpec) -> str:
    lines = [
        "from django import forms",
        "",
        f"from {app.name}.models import {', '.join(m.name for m in app.models)}",
    ]
    for model in app.models:
        fields = ", ".join(f'"{f.name}"' for f in model.fields[:4])
        lines += ["", "", f"class {model.name}Form(forms.ModelForm):", "    class Meta:"]
        lines += [f"        model = {model.name}", f"        fields = [{fields}]"]
        lines += [
            "",
            f"    def clean_{model.fields[0].name}(self) -> str:",
            f'        value = self.cleaned_data["{model.fields[0].name}"]',
            "        return value.strip().lower()",
        ]
    return "\n".join(lines) + "\n"


def _urls_source(app: AppSpec) -> str:
    lines = [
        "from django.urls import path",
        "",
        "from . import api, views",
        "",
        f'app_name = "{app.name}"',
        "",
        "urlpatterns = [",
    ]
    for model in app.models:
        low = model.lower
        lines += [
            f'    path("{low}/", views.list_{low}, name="{low}-list"),',
            f'    path("{low}/new/", views.create_{low}, name="{low}-create"),',
            f'    path("{low}/new-safe/", views.create_{low}_safe, name="{low}-create-safe"),',
            f'    path("{low}/api/", api.{model.name}CreateView.as_view(), name="{low}-api"),',
        ]
    lines.append("]")
    return "\n".join(lines) + "\n"


def _signals_source(app: AppSpec) -> str:
    model = app.models[0]
    return "\n".join(
        [
            "from django.db.models.signals import post_save",
            "from django.dispatch import receiver",
            "",
            f"from {app.name}.models import {model.name}",
            "",
            "",
            f"@receiver(post_save, sender={model.name})",
            f"def on_{model.lower}_saved(sender, instance, created, **kwargs):",
            "    if created:",
            "        instance.refresh_from_db()",
            "",
        ]
    )


def _tasks_source(app: AppSpec) -> str:
    lines = [
        '"""Background jobs (run by the worker)."""',
        "",
        f"from {app.name} import services",
        "",
    ]
    for model in app.models:
        u = model.unique_field()
        assert u is not None
        plain = model.plain_field().name
        lines += [
            "",
            f"def sync_{model.lower}(payload: dict[str, str]) -> None:",
            f'    services.upsert_{model.lower}_safe(payload["{u.name}"], payload["{plain}"])',
            "",
        ]
    return "\n".join(lines)


def _utils_source(app: AppSpec, rng: random.Random) -> str:
    """A plain helper module: string and number helpers, no ORM."""
    lines = [
        f'"""Helpers of the {app.name} app."""',
        "",
        "from __future__ import annotations",
        "",
        "import re",
        "",
        '_SPACES = re.compile(r"\\s+")',
    ]
    for i in range(rng.randint(4, 9)):
        lines += [
            "",
            "",
            f"def normalise_{i}(value: str) -> str:",
            '    value = _SPACES.sub(" ", value.strip())',
            f"    return value[:{rng.randint(16, 200)}].lower()",
            "",
            "",
            f"def chunks_{i}(items: list[int], size: int = {rng.randint(2, 50)}) -> list[list[int]]:",
            "    return [items[i : i + size] for i in range(0, len(items), size)]",
        ]
    return "\n".join(lines) + "\n"


def _tests_sources(app: AppSpec) -> dict[str, str]:
    model = app.models[0]
    u = model.unique_field()
    assert u is not None
    factories = [
        "import itertools",
        "",
        f"from {app.name}.models import {model.name}",
        "",
        "_counter = itertools.count()",
        "",
        "",
        f"def make_{model.lower}(**overrides):",
        f'    values = {{"{u.name}": f"{model.lower}-{{next(_counter)}}"}}',
        "    values.update(overrides)",
        f"    return {model.name}.objects.create(**values)",
        "",
    ]
    test_models = [
        "from django.db import IntegrityError",
        "from django.test import TestCase",
        "",
        f"from {app.name}.tests.factories import make_{model.lower}",
        "",
        "",
        f"class {model.name}Tests(TestCase):",
        "    def test_unique(self):",
        f'        make_{model.lower}({u.name}="a")',
        "        with self.assertRaises(IntegrityError):",
        f'            make_{model.lower}({u.name}="a")',
        "",
    ]
    test_views = [
        "from django.test import Client, TestCase",
        "",
        "",
        "class ViewTests(TestCase):",
        "    def setUp(self):",
        "        self.client = Client()",
        "",
        "    def test_list(self):",
        f'        response = self.client.get("/{app.name}/{model.lower}/")',
        "        self.assertEqual(response.status_code, 200)",
        "",
    ]
    return {
        "tests/__init__.py": "",
        "tests/factories.py": "\n".join(factories),
        "tests/test_models.py": "\n".join(test_models),
        "tests/test_views.py": "\n".join(test_views),
    }


def _model_import_lines(app: AppSpec) -> list[str]:
    return [f"from {app.name}.models import {', '.join(m.name for m in app.models)}"]


def _parents_imported(app: AppSpec) -> list[str]:
    """Import lines for the FK parents the views fetch (from other apps too)."""
    by_app: dict[str, set[str]] = {}
    for model in app.models:
        fk = model.fk_field()
        if fk is not None and fk.fk_to is not None and fk.fk_to.app is not app:
            by_app.setdefault(fk.fk_to.app.name, set()).add(fk.fk_to.name)
    return [
        f"from {name}.models import {', '.join(sorted(names))}"
        for name, names in sorted(by_app.items())
    ]


def _write_app(out: _Writer, app: AppSpec, rng: random.Random, dashboard: bool) -> tuple[int, int]:
    base = app.name
    config = "".join(part.capitalize() for part in app.name.split("_")) + "Config"
    out.write(f"{base}/__init__.py", "")
    out.write(
        f"{base}/apps.py",
        f'from django.apps import AppConfig\n\n\nclass {config}(AppConfig):\n    default_auto_field = "django.db.models.BigAutoField"\n    name = "{base}"\n\n    def ready(self) -> None:\n        from {base} import signals  # noqa: F401\n',
    )
    if app.split_models:
        half = max(1, len(app.models) // 2)
        parts = {"core": app.models[:half], "extra": app.models[half:]}
        exports = []
        for module, models in parts.items():
            if models:
                out.write(f"{base}/models/{module}.py", _models_source(app, models))
                exports.append(f"from .{module} import {', '.join(m.name for m in models)}")
        names = ", ".join(f'"{m.name}"' for m in app.models)
        out.write(f"{base}/models/__init__.py", "\n".join(exports) + f"\n\n__all__ = [{names}]\n")
    else:
        out.write(f"{base}/models.py", _models_source(app, app.models))
    imports = _model_import_lines(app) + _parents_imported(app)
    out.write(f"{base}/views.py", _views_source(app, rng, imports))
    out.write(f"{base}/api.py", _api_source(app))
    out.write(f"{base}/services.py", _services_source(app))
    out.write(f"{base}/admin.py", _admin_source(app))
    out.write(f"{base}/forms.py", _forms_source(app))
    out.write(f"{base}/urls.py", _urls_source(app))
    out.write(f"{base}/signals.py", _signals_source(app))
    out.write(f"{base}/tasks.py", _tasks_source(app))
    out.write(f"{base}/utils.py", _utils_source(app, rng))
    out.write(
        f"{base}/constants.py",
        f'"""Constants of {base}."""\n\nPAGE_SIZE = {rng.randint(10, 100)}\nPREFIX = "{base[:3]}"\n',
    )
    for name, text in _tests_sources(app).items():
        out.write(f"{base}/{name}", text)
    deps = sorted(
        {
            f.fk_to.app.name: f.fk_to.app
            for m in app.models
            for f in m.fields
            if f.fk_to and f.fk_to.app is not app
        }.values(),
        key=lambda a: a.name,
    )
    out.write(f"{base}/migrations/__init__.py", "")
    for name, text in _migrations(app, deps).items():
        out.write(f"{base}/migrations/{name}", text)
    if dashboard:
        text, hover_line = _dashboard_source(app, rng, imports)
        out.write(f"{base}/views_dashboard.py", text)
        return hover_line, len(text.splitlines())
    return 0, 0


CORE_MODELS = '''"""Abstract bases shared by every app."""

import uuid

from django.db import models


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class PublicIdModel(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True)

    class Meta:
        abstract = True
'''


def _lib_module(i: int, rng: random.Random) -> str:
    """Plain library code: dataclasses, parsing, caching -- what `libs/` folders hold."""
    kind = i % 3
    lines = [f'"""Shared library module {i}."""', "", "from __future__ import annotations", ""]
    if kind == 0:
        lines += ["from dataclasses import dataclass", ""]
        for j in range(rng.randint(3, 8)):
            lines += [
                "",
                "@dataclass(frozen=True)",
                f"class Money{j}:",
                "    amount: int",
                '    currency: str = "EUR"',
                "",
                f"    def add(self, other: Money{j}) -> Money{j}:",
                "        if other.currency != self.currency:",
                '            raise ValueError("currency mismatch")',
                f"        return Money{j}(self.amount + other.amount, self.currency)",
                "",
            ]
    elif kind == 1:
        lines += ["import functools", "import json", ""]
        for j in range(rng.randint(3, 8)):
            lines += [
                "",
                "@functools.lru_cache(maxsize=128)",
                f"def parse_{j}(text: str) -> dict[str, object]:",
                "    data = json.loads(text)",
                "    if not isinstance(data, dict):",
                '        raise TypeError("expected an object")',
                f"    return {{key.lower(): value for key, value in data.items() if key != '_{j}'}}",
                "",
            ]
    else:
        lines += ["import hashlib", ""]
        for j in range(rng.randint(3, 8)):
            lines += [
                "",
                f"def digest_{j}(parts: list[str]) -> str:",
                "    sha = hashlib.sha256()",
                "    for part in parts:",
                '        sha.update(part.encode("utf-8"))',
                f"    return sha.hexdigest()[:{rng.randint(8, 40)}]",
                "",
            ]
    return "\n".join(lines) + "\n"


def _settings(apps: list[AppSpec]) -> str:
    installed = "\n".join(f'    "{app.name}",' for app in apps)
    return f'''"""Settings of the generated benchmark project."""

from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
SECRET_KEY = "benchmark-only"
DEBUG = False
ALLOWED_HOSTS: list[str] = ["*"]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "core",
{installed}
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
]
TEMPLATES = [
    {{
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "APP_DIRS": True,
        "OPTIONS": {{
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ]
        }},
    }}
]
ROOT_URLCONF = "config.urls"
DATABASES = {{"default": {{"ENGINE": "django.db.backends.sqlite3", "NAME": BASE_DIR / "db.sqlite3"}}}}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
USE_TZ = True
'''


def generate(dest: Path, size: str = "small", seed: int = 0) -> GeneratedProject:
    """Write a project of `size` into `dest` (emptied first) and return its description."""
    spec = SIZES[size]
    rng = random.Random(f"{size}:{seed}")
    if dest.exists():
        shutil.rmtree(dest)
    dest.mkdir(parents=True)
    out = _Writer(dest)
    apps = _plan(spec, rng)
    out.write(
        "manage.py",
        'import os\nimport sys\n\nif __name__ == "__main__":\n    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")\n    from django.core.management import execute_from_command_line\n\n    execute_from_command_line(sys.argv)\n',
    )
    out.write("requirements.txt", "Django==5.2\n")
    out.write("config/__init__.py", "")
    out.write("config/settings.py", _settings(apps))
    urls = ["from django.urls import include, path", "", "urlpatterns = ["]
    urls += [f'    path("{app.name}/", include("{app.name}.urls")),' for app in apps]
    out.write("config/urls.py", "\n".join([*urls, "]", ""]))
    out.write(
        "config/wsgi.py",
        'import os\n\nfrom django.core.wsgi import get_wsgi_application\n\nos.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")\napplication = get_wsgi_application()\n',
    )
    out.write("core/__init__.py", "")
    out.write(
        "core/apps.py",
        'from django.apps import AppConfig\n\n\nclass CoreConfig(AppConfig):\n    name = "core"\n',
    )
    out.write("core/models.py", CORE_MODELS)
    out.write("core/migrations/__init__.py", "")
    out.write("libs/__init__.py", "")
    for i in range(spec.lib_modules):
        out.write(f"libs/module_{i:03d}.py", _lib_module(i, rng))
    out.write("scripts/__init__.py", "")
    out.write(
        "scripts/report.py",
        '"""Print line counts."""\n\nimport sys\nfrom pathlib import Path\n\n\ndef main() -> int:\n    for path in sorted(Path(sys.argv[1]).rglob("*.py")):\n        print(path, len(path.read_text().splitlines()))\n    return 0\n\n\nif __name__ == "__main__":\n    raise SystemExit(main())\n',
    )
    hover_line = dashboard_lines = 0
    for app in apps:
        found = _write_app(out, app, rng, dashboard=app.index == 0)
        if app.index == 0:
            hover_line, dashboard_lines = found
    first = apps[0]
    hover_text = (dest / first.name / "views_dashboard.py").read_text(encoding="utf-8")
    hover_column = hover_text.splitlines()[hover_line - 1].index(f"{first.models[0].name}.objects")
    project = GeneratedProject(
        root=dest,
        size=size,
        seed=seed,
        files=out.files,
        lines=out.lines,
        models=spec.models,
        apps=spec.apps,
        dashboard=f"{first.name}/views_dashboard.py",
        hover=(hover_line, hover_column),
        edit_line=dashboard_lines,  # the body of `health`, the last function
    )
    (dest / MANIFEST).write_text(json.dumps(project.manifest(), indent=2) + "\n", encoding="utf-8")
    return project


def load_manifest(root: Path) -> dict[str, object]:
    data: dict[str, object] = json.loads((root / MANIFEST).read_text(encoding="utf-8"))
    return data


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("size", choices=sorted(SIZES))
    parser.add_argument("dest", type=Path)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    project = generate(args.dest, args.size, args.seed)
    json.dump(project.manifest(), sys.stdout, indent=2)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
