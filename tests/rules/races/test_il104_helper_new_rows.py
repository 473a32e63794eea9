"""IL104 stays silent on a lookup every caller fills with the row a project helper returns when
every run of that helper returns a row it has just inserted (shuup's upload views: the file an
upload helper saves, its "return the existing file with this checksum" branch never taken
because no checksum is passed). A helper that may return an existing row still reports."""

from __future__ import annotations

from pathlib import Path

import pytest

from integrity_lsp.checker import check_source
from tests.helpers import environment, write_app

MODELS = """\
from django.db import models


class Account(models.Model):
    handle = models.CharField(max_length=30, unique=True)


class Ticket(models.Model):
    account = models.ForeignKey(Account, on_delete=models.CASCADE)
"""
FORMS = """\
from django import forms

from club.models import Account


class SignupForm(forms.ModelForm):
    class Meta:
        model = Account
        fields = ["handle"]
"""
TICKETS = """\
from club.models import Ticket


def issue_ticket(account):
    ticket, _ = Ticket.objects.get_or_create(account=account)
    return ticket
"""
ACCOUNTS = """\
from club.forms import SignupForm
from club.models import Account


def account_from_signup(data, handle=None):
    return _account(data, handle=handle)


def _account(data, handle=None):
    if handle:
        found = Account.objects.filter(handle=handle).first()
        if found:
            return found
    form = SignupForm(data=data)
    account = form.save(commit=False)
    account.save()
    return account
"""
VIEWS = """\
from club.accounts import account_from_signup
from club.tickets import issue_ticket


def signup(request):
    account = account_from_signup(request.POST)
    issue_ticket(account)
"""


@pytest.mark.parametrize(
    ("accounts", "views", "reported"),
    [
        (ACCOUNTS, VIEWS, False),  # no handle passed: the helper always inserts
        (  # a handle passed: the helper may return an existing account
            ACCOUNTS,
            VIEWS.replace("(request.POST)", '(request.POST, request.POST["handle"])'),
            True,
        ),
        (ACCOUNTS.replace("    account.save()\n", ""), VIEWS, True),  # commit=False: not saved
        (  # a created row, followed one helper further
            ACCOUNTS.replace(
                "account = form.save(commit=False)",
                'account = Account.objects.create(handle=data["handle"])',
            ),
            VIEWS,
            False,
        ),
        (  # the helper may fall through to None
            ACCOUNTS.replace(
                "    return account\n", "    if account.pk:\n        return account\n"
            ),
            VIEWS,
            True,
        ),
    ],
)
def test_a_row_a_helper_just_inserted_has_no_concurrent_caller(
    tmp_path: Path, accounts: str, views: str, reported: bool
) -> None:
    files = {"models.py": MODELS, "forms.py": FORMS, "tickets.py": TICKETS}
    write_app(tmp_path, "club", {**files, "accounts.py": accounts, "views.py": views})
    path = tmp_path / "club" / "tickets.py"
    findings = check_source(path.read_text(encoding="utf-8"), path, environment(tmp_path))
    assert [f.span.start_line for f in findings if f.code == "IL104"] == ([5] if reported else [])
