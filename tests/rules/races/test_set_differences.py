"""Set-difference races over a loop (`for v in wanted - found:`) and rows read through a related
manager (`team.accounts.all()`): every value of the difference is absent, and the related
manager's model is the rows' model, its foreign key one of the keys."""

from __future__ import annotations

from pathlib import Path

from tests.helpers import findings_in

HEADER = """\
from shop.models.teams import Account, Team


"""


def _lines(source: str, tmp_path: Path) -> list[int]:
    findings = findings_in(HEADER + source, tmp_path, "IL101", project="races")
    return [f.span.start_line - HEADER.count("\n") for f in findings]


def test_a_loop_over_a_difference_with_related_rows_inserts_each(tmp_path: Path) -> None:
    source = """\
def invite_all(team: Team, emails):
    known = {account.email for account in team.accounts.all()}
    for email in set(emails) - known:
        Account.objects.create(team=team, email=email)
"""
    findings = findings_in(HEADER + source, tmp_path, "IL101", project="races")
    assert [f.span.start_line - HEADER.count("\n") for f in findings] == [4]
    assert "UNIQUE constraint failed: shop_account.team_id, shop_account.email" in (
        findings[0].message
    )


def test_a_difference_bound_to_a_name_then_bulk_created(tmp_path: Path) -> None:
    source = """\
def invite_all(team: Team, emails):
    rows = team.accounts.all()
    known = {account.email for account in rows}
    new_emails = set(emails) - known
    batch = []
    for email in new_emails:
        account = Account(team=team, email=email)
        account.full_clean()
        batch.append(account)
    Account.objects.bulk_create(batch, batch_size=100)
"""
    assert _lines(source, tmp_path) == [10]


def test_a_value_not_in_related_rows_then_inserted(tmp_path: Path) -> None:
    source = """\
def invite(team: Team, emails):
    known = {account.email for account in team.accounts.all()}
    for email in emails:
        if email not in known:
            Account.objects.create(team=team, email=email)


def through_the_manager(team: Team, emails):
    known = {account.email for account in team.accounts.all()}
    for email in set(emails) - known:
        team.accounts.create(email=email)
"""
    assert _lines(source, tmp_path) == [5, 11]


def test_guarded_and_unknown_differences_stay_quiet(tmp_path: Path) -> None:
    source = """\
def ignored(team: Team, emails):
    known = {account.email for account in team.accounts.all()}
    batch = [Account(team=team, email=email) for email in set(emails)]
    for email in set(emails) - known:
        batch.append(Account(team=team, email=email))
    Account.objects.bulk_create(batch, ignore_conflicts=True)


def another_owner(team: Team, other: Team, emails):
    known = {account.email for account in team.accounts.all()}
    for email in set(emails) - known:
        Account.objects.create(team=other, email=email)


def not_rows(team: Team, emails, blocked):
    known = set(blocked)
    for email in set(emails) - known:
        Account.objects.create(team=team, email=email)


def another_value(team: Team, emails):
    known = {account.email for account in team.accounts.all()}
    for email in set(emails) - known:
        Account.objects.create(team=team, email=email.lower())
"""
    assert _lines(source, tmp_path) == []


def test_rows_of_one_owner_read_by_filter_then_another_owners_insert(tmp_path: Path) -> None:
    # the set holds the emails of `team`'s accounts only: a create for `other` is another row
    # (its absence was never tested); the same create for `team` is the race
    source = """\
def copy_invites(team: Team, other: Team, emails):
    known = {account.email for account in Account.objects.filter(team=team)}
    for email in set(emails) - known:
        Account.objects.create(team=other, email=email)


def invite_all(team: Team, emails):
    known = set(Account.objects.filter(team=team).values_list("email", flat=True))
    for email in emails:
        if email not in known:
            Account.objects.create(team=team, email=email)


def invite_elsewhere(team: Team, other: Team, emails):
    known = set(Account.objects.filter(team_id=team.pk).values_list("email", flat=True))
    for email in emails:
        if email not in known:
            Account.objects.create(team=other, email=email)
"""
    assert _lines(source, tmp_path) == [11]
