"""Keys splatted from one dict on both sides (`get(perm=p, **scope)` … `create(perm=p, **scope)`)
are the same keys, whatever the dict holds, as long as its name is not rebound in between: the
race rules match them, and a fix re-gets the row with the same `**scope`."""

from __future__ import annotations

from pathlib import Path

from integrity_lsp.checker import check_source
from tests.helpers import environment, write_app

MODELS = """\
from django.db import models


class Grant(models.Model):
    codename = models.CharField(max_length=50)
    user_id = models.IntegerField(null=True)
    group_id = models.IntegerField(null=True)
    granted = models.BooleanField(default=False)

    class Meta:
        unique_together = [("codename", "user_id"), ("codename", "group_id")]
"""

SERVICES = """\
from access.models import Grant


def grant(codename, user_id=None, group_id=None):
    scope = {"user_id": user_id} if user_id else {"group_id": group_id}
    try:
        row = Grant.objects.get(codename=codename, **scope)
    except Grant.DoesNotExist:
        row = Grant.objects.create(codename=codename, **scope)
    row.granted = True
    row.save()


def grant_elsewhere(codename, scope, other):
    try:
        row = Grant.objects.get(codename=codename, **scope)
    except Grant.DoesNotExist:
        row = Grant.objects.create(codename=codename, **other)
    return row


def grant_rebound(codename, scope):
    try:
        row = Grant.objects.get(codename=codename, **scope)
    except Grant.DoesNotExist:
        scope = {"user_id": None}
        row = Grant.objects.create(codename=codename, **scope)
    return row


def grant_spelt_out(codename, user_id):
    scope = {"user_id": user_id}
    if not Grant.objects.filter(codename=codename, **scope).exists():
        Grant.objects.create(codename=codename, user_id=user_id)


def grant_other_value(codename, user_id, other_id):
    scope = {"user_id": user_id}
    if not Grant.objects.filter(codename=codename, **scope).exists():
        Grant.objects.create(codename=codename, user_id=other_id)


def grant_literal(codename, group_id):
    try:
        row = Grant.objects.get(**{"codename": codename, "group_id": group_id})
    except Grant.DoesNotExist:
        row = Grant(**{"codename": codename, "group_id": group_id})
        row.save()
    return row


def grant_literal_other(codename, group_id):
    try:
        row = Grant.objects.get(**{"codename": codename, "group_id": group_id})
    except Grant.DoesNotExist:
        row = Grant(**{"codename": codename, "group_id": None})
        row.save()
    return row


def ensure(**scope):
    if not Grant.objects.filter(codename="admin", **scope).exists():
        Grant.objects.create(codename="admin", **scope)
"""


def _findings(tmp_path: Path) -> dict[int, tuple[str, str, list[str]]]:
    write_app(tmp_path, "access", {"models.py": MODELS, "services.py": SERVICES})
    path = tmp_path / "access" / "services.py"
    found = check_source(path.read_text(encoding="utf-8"), path, environment(tmp_path))
    return {
        f.span.start_line: (f.code, f.message, [e.content for x in f.fixes for e in x.edits])
        for f in found
        if f.code.startswith("IL10")
    }


def _line(needle: str, after: int = 0) -> int:
    lines = SERVICES.splitlines()
    return next(i for i, line in enumerate(lines, 1) if needle in line and i > after)


def test_the_same_splatted_dict_is_the_same_keys(tmp_path: Path) -> None:
    found = _findings(tmp_path)
    code, message, edits = found[_line("row = Grant.objects.create(codename=codename, **scope)")]
    assert code == "IL102"
    assert "Grant(codename=codename, **scope)" in message
    # No get_or_create that would move `**scope` into `defaults`; the re-get keeps it.
    assert any("row = Grant.objects.get(codename=codename, **scope)" in e for e in edits)
    assert not any("get_or_create" in e for e in edits)
    assert found[_line('Grant.objects.create(codename="admin", **scope)')][0] == "IL101"
    # A dict literal splatted into the read: its keys.
    saved = _line("row.save()", _line("def grant_literal("))
    assert found[saved][0] == "IL102"
    assert (
        "UNIQUE constraint failed: access_grant.codename, access_grant.group_id"
        in (found[saved][1])
    )
    # A known dict literal behind the name: its entries written one by one.
    assert found[_line("Grant.objects.create(codename=codename, user_id=user_id)")][0] == "IL101"


def test_another_or_a_rebound_dict_is_not_the_same_row(tmp_path: Path) -> None:
    found = _findings(tmp_path)
    assert _line("**other)") not in found
    assert _line("user_id=other_id)") not in found
    assert _line("row.save()", _line("def grant_literal_other")) not in found
    rebound = _line('scope = {"user_id": None}')
    assert _line("row = Grant.objects.create(codename=codename, **scope)", rebound) not in found
