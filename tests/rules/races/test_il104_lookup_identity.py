"""IL104 stays silent where no concurrent caller can share the lookup or the lookup is no
identity of the model: a receiver of a signal only a command sends, a row the callers have just
inserted, a model the project itself stores several rows of per lookup value. Each shape has a
twin that still reports."""

from __future__ import annotations

from pathlib import Path

import pytest

from integrity_lsp.checker import check_source
from tests.helpers import environment, write_app

MODELS = """\
from django.db import models


class Account(models.Model):
    handle = models.CharField(max_length=30, unique=True)


class Badge(models.Model):
    title = models.CharField(max_length=30)  # not unique


class Address(models.Model):
    account = models.ForeignKey(Account, on_delete=models.CASCADE)
    email = models.CharField(max_length=100)
    primary = models.BooleanField(default=False)


class Ticket(models.Model):
    account = models.ForeignKey(Account, on_delete=models.CASCADE)
    token = models.CharField(max_length=64, blank=True)
"""


def _il104_lines(root: Path, relative: str) -> list[int]:
    path = root / relative
    findings = check_source(path.read_text(encoding="utf-8"), path, environment(root))
    return [finding.span.start_line for finding in findings if finding.code == "IL104"]


# --- a receiver of a signal that only command code sends -----------------------------------

SIGNALS = "import django.dispatch\n\nnightly = django.dispatch.Signal()\n"
RECEIVERS = """\
from django.db.models.signals import post_save
from django.dispatch import receiver

from club.models import Badge
from club.signals import nightly


@receiver(nightly, dispatch_uid="badges")
def award_badges(sender, **kwargs):
    Badge.objects.get_or_create(title="night owl")


@receiver(post_save, sender=Badge)
def on_badge(sender, instance, **kwargs):
    Badge.objects.get_or_create(title=instance.title + " (copy)")
"""
RUN_NIGHTLY = """\
from django.core.management.base import BaseCommand

from club.signals import nightly


class Command(BaseCommand):
    def handle(self, *args, **options):
        nightly.send(sender=self)
"""
VIEW_SENDS = "from club.signals import nightly\n\n\ndef poke(request):\n    nightly.send(None)\n"


@pytest.mark.parametrize("also_sent_by_a_view", [False, True])
def test_a_receiver_of_a_signal_only_a_command_sends_is_command_code(
    tmp_path: Path, also_sent_by_a_view: bool
) -> None:
    """pretix's `@receiver(periodic_task)` functions: `runperiodic` alone dispatches it. A
    receiver of Django's own `post_save` still reports: Django sends it on every save."""
    files = {"models.py": MODELS, "signals.py": SIGNALS, "receivers.py": RECEIVERS}
    files["management/__init__.py"] = ""
    files["management/commands/__init__.py"] = ""
    files["management/commands/nightly.py"] = RUN_NIGHTLY
    if also_sent_by_a_view:
        files["views.py"] = VIEW_SENDS
    write_app(tmp_path, "club", files)
    lines = _il104_lines(tmp_path, "club/receivers.py")
    assert lines == ([10, 15] if also_sent_by_a_view else [15])


def test_a_signal_the_project_does_not_define_is_not_followed(tmp_path: Path) -> None:
    """A signal of an installed package (imported, never assigned here) is sent by code the
    project does not show: its receivers still report."""
    receivers = RECEIVERS.replace("from club.signals import nightly", "from vendor import nightly")
    files = {"models.py": MODELS, "receivers.py": receivers}
    files["management/__init__.py"] = ""
    files["management/commands/__init__.py"] = ""
    files["management/commands/nightly.py"] = RUN_NIGHTLY.replace("club.signals", "vendor")
    write_app(tmp_path, "club", files)
    assert _il104_lines(tmp_path, "club/receivers.py") == [10, 15]


# --- a row every caller has just inserted ----------------------------------------------------

TICKETS = """\
import secrets

from club.models import Ticket


def issue_ticket(account, renew=False):
    ticket, created = Ticket.objects.get_or_create(account=account)
    if created or renew:
        ticket.token = secrets.token_hex()
        ticket.save()
    return ticket
"""
FORMS = """\
from django import forms

from club.models import Account
from club.tickets import issue_ticket


class SignupForm(forms.ModelForm):
    class Meta:
        model = Account
        fields = ["handle"]

    def issue(self):
        return issue_ticket(self.instance)
"""
SIGNUP = """\
from club.forms import SignupForm


def signup(request):
    form = SignupForm(data=request.POST)
    if form.is_valid():
        account = form.save()
        form.issue()
        return account
"""
API = """\
from club.models import Account
from club.tickets import issue_ticket


def open_account(request):
    account = Account.objects.create(handle=request.POST["handle"])
    return issue_ticket(account=account)
"""
RENEW = """\
from club.models import Account
from club.tickets import issue_ticket


def renew(request, pk):
    account = Account.objects.get(pk=pk)
    return issue_ticket(account, renew=True)
"""
EDIT = SIGNUP.replace("SignupForm(data=request.POST)", "SignupForm(request.POST, instance=old)")


@pytest.mark.parametrize(
    ("extra", "reported"),
    [
        ({}, False),  # the signup view saves a new form, then its method passes self.instance
        ({"api.py": API}, False),  # a create() result passed by keyword
        ({"renew.py": RENEW}, True),  # an existing account: two renewals may race
        ({"views.py": EDIT}, True),  # a form bound to an existing row: its save() updates
    ],
)
def test_a_row_the_callers_just_inserted_has_no_concurrent_caller(
    tmp_path: Path, extra: dict[str, str], reported: bool
) -> None:
    """kiwitcms' activation key: get_or_create(user=…) on the user the registration form
    inserted two callers up; no other request knows that user yet."""
    files = {"models.py": MODELS, "tickets.py": TICKETS, "forms.py": FORMS, **extra}
    if "views.py" not in extra:
        files["views.py"] = SIGNUP
    write_app(tmp_path, "club", files)
    assert _il104_lines(tmp_path, "club/tickets.py") == ([7] if reported else [])


def test_a_function_handed_on_as_a_value_has_unknown_callers(tmp_path: Path) -> None:
    tasks = "from club.tickets import issue_ticket\n\nHANDLERS = [issue_ticket]\n"
    files = {"models.py": MODELS, "tickets.py": TICKETS, "forms.py": FORMS, "views.py": SIGNUP}
    write_app(tmp_path, "club", {**files, "tasks.py": tasks})
    assert _il104_lines(tmp_path, "club/tickets.py") == [7]


# --- a model the project stores several rows of per lookup value --------------------------

PRIMARY = """\
from club.models import Address


def primary_address(account, email):
    address, _ = Address.objects.get_or_create(account=account, defaults={"email": email})
    return address
"""
SYNC_ALL = """\
def sync_addresses(account, emails):
    for email in emails:
        account.address_set.create(email=email)
"""
SYNC_ONE = """\
from club.models import Address


def sync_addresses(accounts, email):
    for account in accounts:
        Address.objects.create(account=account, email=email)
"""
FIRST_VALID = """\
from club.models import Address


def add_first_valid(account, emails):
    for email in emails:
        if "@" in email:
            Address.objects.create(account=account, email=email)
            break
"""


@pytest.mark.parametrize(
    ("sync", "reported"),
    [
        (SYNC_ALL, False),  # one account, several addresses: `account` is no identity
        (SYNC_ONE, True),  # the account changes on every pass: one row per account
        (FIRST_VALID, True),  # a loop that leaves after its insert stores one row
    ],
)
def test_a_lookup_the_project_repeats_in_a_loop_is_no_identity(
    tmp_path: Path, sync: str, reported: bool
) -> None:
    """weblate's VerifiedEmail: a login with several verified addresses stores one row each
    for the same social account; a unique constraint on `social` would break that loop."""
    write_app(tmp_path, "club", {"models.py": MODELS, "addresses.py": PRIMARY, "sync.py": sync})
    assert _il104_lines(tmp_path, "club/addresses.py") == ([5] if reported else [])


def test_a_loop_in_test_code_does_not_make_rows_multi_valued(tmp_path: Path) -> None:
    files = {"models.py": MODELS, "addresses.py": PRIMARY, "tests/test_sync.py": SYNC_ALL}
    write_app(tmp_path, "club", files)
    assert _il104_lines(tmp_path, "club/addresses.py") == [5]
