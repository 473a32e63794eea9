"""The race rules (IL101–IL104) do not report in command code: a management command, a module
that runs itself under `if __name__ == "__main__":`, a file under the project's `scripts`
folder. An operator runs it, one run at a time; the same code in a view does race."""

from __future__ import annotations

from pathlib import Path

import pytest

from integrity_lsp.checker import check_source
from integrity_lsp.syntax.source import is_command_code
from tests.helpers import environment, write_app

MODELS = """\
from django.db import models


class Member(models.Model):
    handle = models.CharField(max_length=30, unique=True)


class Label(models.Model):
    title = models.CharField(max_length=30)  # not unique
"""

BOOTSTRAP = """\
from club.models import Label, Member


def bootstrap(handle):
    if not Member.objects.filter(handle=handle).exists():
        Member.objects.create(handle=handle)
    try:
        Member.objects.get(handle=handle + "-bot")
    except Member.DoesNotExist:
        Member.objects.create(handle=handle + "-bot")
    Label.objects.get_or_create(title="default")
"""
MAIN = '\n\nif __name__ == "__main__":\n    bootstrap("admin")\n'


@pytest.mark.parametrize(
    ("where", "text", "reported"),
    [
        ("club/views.py", BOOTSTRAP, True),
        ("club/management/commands/seed.py", BOOTSTRAP, False),
        ("club/management/commands/__init__.py", BOOTSTRAP, False),  # helpers commands share
        ("devserver.py", BOOTSTRAP + MAIN, False),
        ("scripts/seed.py", BOOTSTRAP, False),
        ("club/management/helpers.py", BOOTSTRAP, True),
    ],
)
def test_races_are_not_reported_in_command_code(
    tmp_path: Path, where: str, text: str, reported: bool
) -> None:
    write_app(tmp_path, "club", {"models.py": MODELS})
    path = tmp_path / where
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    codes = sorted(f.code for f in check_source(text, path, environment(tmp_path)))
    assert codes == (["IL101", "IL102", "IL104"] if reported else [])


def test_a_scripts_folder_above_the_project_root_is_not_command_code(tmp_path: Path) -> None:
    root = tmp_path / "scripts" / "shop"
    assert not is_command_code(root / "orders" / "views.py", "", root)
    assert is_command_code(root / "scripts" / "seed.py", "", root)
    assert is_command_code(root / "run.py", "if '__main__' == __name__:\n    main()\n", root)


IMPORTER = """\
from club.models import Label, Member


class Importer:
    def run(self, rows):
        for handle in rows:
            self._member(handle)

    def _member(self, handle):
        try:
            return Member.objects.get(handle=handle)
        except Member.DoesNotExist:
            return Member.objects.create(handle=handle)

    def _label(self, title):
        return Label.objects.get_or_create(title=title)
"""
COMMAND = "from club.importers import Importer\n\nImporter().run([])\n"


@pytest.mark.parametrize("also_in_a_view", [False, True])
def test_code_only_command_code_uses_is_command_code(tmp_path: Path, also_in_a_view: bool) -> None:
    """django-oscar's CatalogueImporter: a class only the import command uses."""
    files = {"models.py": MODELS, "importers.py": IMPORTER}
    files["management/__init__.py"] = ""
    files["management/commands/__init__.py"] = ""
    files["management/commands/load.py"] = COMMAND
    if also_in_a_view:
        files["views.py"] = "from club.importers import Importer\n"
    write_app(tmp_path, "club", files)
    path = tmp_path / "club" / "importers.py"
    codes = sorted(f.code for f in check_source(IMPORTER, path, environment(tmp_path)))
    assert codes == (["IL102", "IL104"] if also_in_a_view else [])


def test_a_script_defining_a_function_of_the_same_name_does_not_use_it(tmp_path: Path) -> None:
    """scripts/seed.py with its own `def bootstrap`: the view's bootstrap still races."""
    write_app(tmp_path, "club", {"models.py": MODELS, "services.py": BOOTSTRAP})
    (tmp_path / "scripts").mkdir()
    (tmp_path / "scripts" / "seed.py").write_text(BOOTSTRAP, encoding="utf-8")
    path = tmp_path / "club" / "services.py"
    codes = sorted(f.code for f in check_source(BOOTSTRAP, path, environment(tmp_path)))
    assert codes == ["IL101", "IL102", "IL104"]


# A data migration's helpers kept in `migrations/__init__.py` (imported by the migration and by a
# squashed copy of it): `(apps, schema_editor)` is RunPython's signature, `migrate` runs it once.
RUN_PYTHON_HELPERS = """\
from club.models import Member


def seed_members(apps, schema_editor):
    Team = apps.get_model("club", "Team")
    for team in Team.objects.all():
        if not Member.objects.filter(handle=team.slug).exists():
            Member.objects.create(handle=team.slug)


def seed_bots(apps, schema_editor):
    def bot(handle):
        try:
            Member.objects.get(handle=handle + "-bot")
        except Member.DoesNotExist:
            Member.objects.create(handle=handle + "-bot")

    bot("admin")


def seed_for(apps, handle):
    if not Member.objects.filter(handle=handle).exists():
        Member.objects.create(handle=handle)
"""


def test_races_are_not_reported_in_run_python_functions_outside_migration_files(
    tmp_path: Path,
) -> None:
    write_app(tmp_path, "club", {"models.py": MODELS})
    path = tmp_path / "club" / "migrations" / "__init__.py"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(RUN_PYTHON_HELPERS, encoding="utf-8")
    findings = check_source(RUN_PYTHON_HELPERS, path, environment(tmp_path))
    # only `seed_for`, whose signature is not RunPython's, is reported
    assert [(f.code, f.span.start_line) for f in findings] == [("IL101", 23)]


# reviewboard's `init_siteconfig`: called only by `finalize_setup` in the package's
# `__init__.py`, which only `manage.py` and the `rb-site` CLI (command code) call.
SETUP_STEP = """\
from club.models import Label


def init_labels():
    return Label.objects.get_or_create(title="default")
"""
FINALIZE = """\
def finalize_setup(is_upgrade=False):
    from club.setup_steps import init_labels

    init_labels()


__all__ = ["finalize_setup"]
"""
INSTALL = "from club import finalize_setup\n\nfinalize_setup()\n"
CALLS_FINALIZE_IN_ITS_MODULE = FINALIZE + "\n\ndef ready():\n    finalize_setup()\n"
VIEW_FINALIZES = INSTALL.replace("finalize_setup()", "def upgrade(request):\n    finalize_setup()")
TWO_HOLDERS = (
    FINALIZE
    + "\n\ndef reset():\n    from club.setup_steps import init_labels\n\n"
    + ("    init_labels()\n")
)


@pytest.mark.parametrize(
    ("package_init", "extra", "reported"),
    [
        (FINALIZE, {}, False),  # only the install command calls finalize_setup
        (CALLS_FINALIZE_IN_ITS_MODULE, {}, True),  # its module calls it too
        (FINALIZE, {"views.py": VIEW_FINALIZES}, True),  # a view calls it
        (TWO_HOLDERS, {}, True),  # another function of the module calls the step
    ],
)
def test_code_only_a_command_only_helper_calls_is_command_code(
    tmp_path: Path, package_init: str, extra: dict[str, str], reported: bool
) -> None:
    files = {"models.py": MODELS, "setup_steps.py": SETUP_STEP, **extra}
    files["management/__init__.py"] = ""
    files["management/commands/__init__.py"] = ""
    files["management/commands/install.py"] = INSTALL
    write_app(tmp_path, "club", files)
    (tmp_path / "club" / "__init__.py").write_text(package_init, encoding="utf-8")
    path = tmp_path / "club" / "setup_steps.py"
    codes = [f.code for f in check_source(SETUP_STEP, path, environment(tmp_path))]
    assert codes == (["IL104"] if reported else [])


# geonode's `layers/populate_datasets_data.create_dataset_data`: a test-data builder kept in a
# production module, imported only by the tests.
TEST_DATA = """\
from club.models import Label, Member


DECORATOR
def create_sample_rows(handle):
    if not Member.objects.filter(handle=handle).exists():
        Member.objects.create(handle=handle)
    Label.objects.get_or_create(title="sample")
"""
TEST_USE = """\
from club.sample_data import create_sample_rows


def test_x():
    create_sample_rows("a")
"""


@pytest.mark.parametrize(
    ("decorator", "view_uses_it", "reported"),
    [
        ("", False, False),  # only the tests call it: they run alone
        ("", True, True),  # a view calls it too
        ("@shared_task", False, True),  # a decorator may register it (a task, a receiver)
    ],
)
def test_code_only_tests_use_is_not_checked_for_races(
    tmp_path: Path, decorator: str, view_uses_it: bool, reported: bool
) -> None:
    text = TEST_DATA.replace("DECORATOR\n", f"{decorator}\n" if decorator else "")
    files = {"models.py": MODELS, "sample_data.py": text, "tests/__init__.py": ""}
    files["tests/test_members.py"] = TEST_USE
    if view_uses_it:
        files["views.py"] = "from club.sample_data import create_sample_rows\n"
    write_app(tmp_path, "club", files)
    path = tmp_path / "club" / "sample_data.py"
    codes = sorted(f.code for f in check_source(text, path, environment(tmp_path)))
    assert codes == (["IL101", "IL104"] if reported else [])


# kolibri's sync helpers: a function of a module under `management/` (not a command itself)
# called only by the command base class next to it, which only the commands subclass.
SYNC_BASE = """\
from django.core.management.base import BaseCommand

from club.models import Label, Member


def ensure_owner(handle):
    if not Member.objects.filter(handle=handle).exists():
        Member.objects.create(handle=handle)
    Label.objects.get_or_create(title="owner")


class SyncCommand(BaseCommand):
    def handle(self, *args, **options):
        ensure_owner(options["handle"])
EXTRA
"""
SYNC_COMMAND = """\
from club.management.sync_base import SyncCommand


class Command(SyncCommand):
    pass
"""


@pytest.mark.parametrize(
    ("extra", "view", "reported"),
    [
        ("", "", False),  # the base class of commands alone calls it
        # a view uses the base class too
        ("", "from club.management.sync_base import SyncCommand\n\nSyncCommand().handle()\n", True),
        ("\n\ndef sync(request):\n    ensure_owner(request.GET['h'])\n", "", True),  # a view
        ("\n\nensure_owner('admin')\n", "", True),  # module-level code calls it
        ("\n\nRUNNER = SyncCommand\n", "", True),  # the base class handed on in its module
    ],
)
def test_code_only_a_command_base_class_of_its_module_calls_is_command_code(
    tmp_path: Path, extra: str, view: str, reported: bool
) -> None:
    text = SYNC_BASE.replace("EXTRA\n", extra)
    files = {"models.py": MODELS, "management/__init__.py": "", "management/sync_base.py": text}
    files["management/commands/__init__.py"] = ""
    files["management/commands/sync.py"] = SYNC_COMMAND
    if view:
        files["views.py"] = view
    write_app(tmp_path, "club", files)
    path = tmp_path / "club" / "management" / "sync_base.py"
    codes = sorted(f.code for f in check_source(text, path, environment(tmp_path)))
    assert codes == (["IL101", "IL104"] if reported else [])
