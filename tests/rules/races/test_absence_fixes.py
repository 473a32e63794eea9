"""Fixes of the race shapes the absence analysis adds (walrus, helpers, `if not qs.update()`,
instances built field by field, the async forms): names kept, multi-line calls kept
multi-line, `transaction` and `IntegrityError` merged into an existing `from django.db import …`
line; async code becomes one `aget_or_create` / `aupdate_or_create`."""

from __future__ import annotations

from pathlib import Path

from integrity_lsp.checker import check_source
from integrity_lsp.findings import Applicability
from tests.helpers import EXAMPLES, check_fixed, environment

HEADER = "from shop.models import Product, Warehouse\n\n\n"


def _check_fixed(before: str, after: str, code: str, tmp_path: Path) -> None:
    """`before` as a module of the examples project: the first `code` fix makes it `after`."""
    check_fixed(
        before,
        after,
        filename="shop/fixture_case.py",
        project="examples",
        tmp_path=tmp_path,
        code=code,
    )


def test_walrus_check_keeps_the_bound_name(tmp_path: Path) -> None:
    _check_fixed(
        HEADER
        + """\
def ensure(code, name):
    if (warehouse := Warehouse.objects.filter(code=code).first()) is None:
        warehouse = Warehouse.objects.create(code=code, name=name)
    return warehouse
""",
        HEADER
        + """\
def ensure(code, name):
    warehouse, _created = Warehouse.objects.get_or_create(code=code, defaults={"name": name})
    return warehouse
""",
        "IL101",
        tmp_path,
    )


def test_multi_line_create_stays_multi_line(tmp_path: Path) -> None:
    _check_fixed(
        HEADER
        + """\
def ensure(code, name):
    exists = Warehouse.objects.filter(code=code).exists()
    if not exists:
        Warehouse.objects.create(
            code=code,
            name=name,
        )
""",
        HEADER
        + """\
def ensure(code, name):
    exists = Warehouse.objects.filter(code=code).exists()
    Warehouse.objects.get_or_create(
        code=code,
        defaults={"name": name},
    )
""",
        "IL101",
        tmp_path,
    )


def test_update_that_changed_nothing_updates_the_winners_row(tmp_path: Path) -> None:
    _check_fixed(
        "from django.db import models\n\n" + HEADER
        + """\
def rename(code, name):
    if not Warehouse.objects.filter(code=code).update(name=name):
        Warehouse.objects.create(code=code, name=name)
""",
        "from django.db import IntegrityError, models, transaction\n\n" + HEADER
        + """\
def rename(code, name):
    if not Warehouse.objects.filter(code=code).update(name=name):
        try:
            with transaction.atomic():
                Warehouse.objects.create(code=code, name=name)
        except IntegrityError:
            Warehouse.objects.filter(code=code).update(name=name)
""",
        "IL103",
        tmp_path,
    )  # fmt: skip


def test_get_with_more_work_then_create_further_down_re_gets(tmp_path: Path) -> None:
    _check_fixed(
        HEADER
        + """\
def ensure(code, name, log):
    try:
        warehouse = Warehouse.objects.get(code=code)
        log.info("found %s", warehouse)
        return warehouse
    except Warehouse.DoesNotExist:
        pass
    return Warehouse.objects.create(code=code, name=name)
""",
        "from shop.models import Product, Warehouse\n"
        "from django.db import IntegrityError, transaction\n\n\n"
        """\
def ensure(code, name, log):
    try:
        warehouse = Warehouse.objects.get(code=code)
        log.info("found %s", warehouse)
        return warehouse
    except Warehouse.DoesNotExist:
        pass
    try:
        with transaction.atomic():
            return Warehouse.objects.create(code=code, name=name)
    except IntegrityError:
        return Warehouse.objects.get(code=code)
""",
        "IL102",
        tmp_path,
    )


def test_instance_built_field_by_field_re_gets_into_the_same_name(tmp_path: Path) -> None:
    _check_fixed(
        "from django.db import IntegrityError\n" + HEADER
        + """\
def ensure(code, name):
    if not Warehouse.objects.filter(code=code).exists():
        warehouse = Warehouse(code=code)
        warehouse.name = name
        warehouse.save()
""",
        "from django.db import IntegrityError, transaction\n" + HEADER
        + """\
def ensure(code, name):
    if not Warehouse.objects.filter(code=code).exists():
        warehouse = Warehouse(code=code)
        warehouse.name = name
        try:
            with transaction.atomic():
                warehouse.save()
        except IntegrityError:
            warehouse = Warehouse.objects.get(code=code)
""",
        "IL101",
        tmp_path,
    )  # fmt: skip


def test_helper_answer_becomes_get_or_create(tmp_path: Path) -> None:
    _check_fixed(
        HEADER
        + """\
def _known(code):
    return Warehouse.objects.filter(code=code).exists()


def ensure(code, name):
    if not _known(code):
        Warehouse.objects.create(code=code, name=name)
""",
        HEADER
        + """\
def _known(code):
    return Warehouse.objects.filter(code=code).exists()


def ensure(code, name):
    Warehouse.objects.get_or_create(code=code, defaults={"name": name})
""",
        "IL101",
        tmp_path,
    )


def test_async_check_then_acreate_becomes_aget_or_create(tmp_path: Path) -> None:
    _check_fixed(
        HEADER
        + """\
async def ensure(code, name):
    if not await Warehouse.objects.filter(code=code).aexists():
        warehouse = await Warehouse.objects.acreate(code=code, name=name)
""",
        HEADER
        + """\
async def ensure(code, name):
    warehouse, _created = await Warehouse.objects.aget_or_create(code=code, defaults={"name": name})
""",
        "IL101",
        tmp_path,
    )


def test_async_aget_except_acreate_becomes_aget_or_create(tmp_path: Path) -> None:
    _check_fixed(
        HEADER
        + """\
async def ensure(code, name):
    try:
        return await Warehouse.objects.aget(code=code)
    except Warehouse.DoesNotExist:
        return await Warehouse.objects.acreate(code=code, name=name)
""",
        HEADER
        + """\
async def ensure(code, name):
    return (await Warehouse.objects.aget_or_create(code=code, defaults={"name": name}))[0]
""",
        "IL102",
        tmp_path,
    )


def test_async_aget_bound_to_a_name_keeps_the_name(tmp_path: Path) -> None:
    _check_fixed(
        HEADER
        + """\
async def ensure(code, name):
    try:
        warehouse = await Warehouse.objects.aget(code=code)
    except Warehouse.DoesNotExist:
        warehouse = await Warehouse.objects.acreate(code=code, name=name)
    return warehouse
""",
        HEADER
        + """\
async def ensure(code, name):
    warehouse, _created = await Warehouse.objects.aget_or_create(code=code, defaults={"name": name})
    return warehouse
""",
        "IL102",
        tmp_path,
    )


def test_async_aupdate_then_acreate_becomes_aupdate_or_create(tmp_path: Path) -> None:
    _check_fixed(
        HEADER
        + """\
async def rename(code, name):
    if not await Warehouse.objects.filter(code=code).aupdate(name=name):
        await Warehouse.objects.acreate(code=code, name=name)
""",
        HEADER
        + """\
async def rename(code, name):
    await Warehouse.objects.aupdate_or_create(code=code, defaults={"name": name})
""",
        "IL103",
        tmp_path,
    )


def test_async_upsert_inserting_other_values_than_it_updates_gets_no_fix() -> None:
    """`aupdate_or_create` would write `name` on both paths: not what the code does."""
    source = (
        HEADER
        + """\
async def rename(code, name):
    if not await Warehouse.objects.filter(code=code).aupdate(name=name):
        await Warehouse.objects.acreate(code=code, name="new")
"""
    )
    path = EXAMPLES / "shop" / "fixture_case.py"
    findings = [f for f in check_source(source, path, environment(EXAMPLES)) if f.code == "IL103"]
    assert len(findings) == 1
    assert findings[0].fixes == ()


def test_check_inside_atomic_without_a_lock_becomes_get_or_create(tmp_path: Path) -> None:
    """`atomic()` alone does not serialise two transactions: still a race, same fix inside."""
    _check_fixed(
        "from django.db import transaction\n\n"
        + HEADER
        + """\
def ensure(code, name):
    with transaction.atomic():
        if not Warehouse.objects.filter(code=code).exists():
            Warehouse.objects.create(code=code, name=name)
""",
        "from django.db import transaction\n\n"
        + HEADER
        + """\
def ensure(code, name):
    with transaction.atomic():
        Warehouse.objects.get_or_create(code=code, defaults={"name": name})
""",
        "IL101",
        tmp_path,
    )


def test_view_class_model_keeps_self_model(tmp_path: Path) -> None:
    """`self.model` of a view whose `model = Warehouse` (loaded by swapper): the fix calls the
    view's own manager expression."""
    _check_fixed(
        """\
from swapper import load_model

Warehouse = load_model("shop", "Warehouse")


class RegisterView:
    model = Warehouse

    def post(self, request):
        code = request.POST["code"]
        if not self.model.objects.filter(code=code).exists():
            self.model.objects.create(code=code, name=request.POST["name"])
""",
        """\
from swapper import load_model

Warehouse = load_model("shop", "Warehouse")


class RegisterView:
    model = Warehouse

    def post(self, request):
        code = request.POST["code"]
        self.model.objects.get_or_create(code=code, defaults={"name": request.POST["name"]})
""",
        "IL101",
        tmp_path,
    )


def test_check_on_some_paths_only_gets_the_unsafe_wrap_not_one_call(tmp_path: Path) -> None:
    # `previous` is None where the branch did not read: there the insert runs with no lookup,
    # so `get_or_create` would hand back a row the code never looked for. The wrap keeps the
    # `if`, and is unsafe: it would drop a collision the code raised before.
    before = (
        HEADER
        + """\
def ensure(flag, code, name):
    previous = None
    if flag:
        previous = Warehouse.objects.filter(code=code).first()
    if not previous:
        Warehouse.objects.create(code=code, name=name)
"""
    )
    after = (
        HEADER.replace("\n", "\nfrom django.db import IntegrityError, transaction\n", 1)
        + """\
def ensure(flag, code, name):
    previous = None
    if flag:
        previous = Warehouse.objects.filter(code=code).first()
    if not previous:
        try:
            with transaction.atomic():
                Warehouse.objects.create(code=code, name=name)
        except IntegrityError:
            pass
"""
    )
    findings = check_fixed(
        before,
        after,
        filename="shop/fixture_case.py",
        project="examples",
        tmp_path=tmp_path,
        code="IL101",
        unsafe=True,
    )
    assert all(fix.applicability is Applicability.UNSAFE for f in findings for fix in f.fixes)
