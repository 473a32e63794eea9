"""IL302: a column every row filled from a random generator is unique by construction — only
when it came with its table, its default was random all along, no data step wrote it and no
module of the project writes a value of its own (`project/migrations/distinct_values.py`)."""

from __future__ import annotations

from pathlib import Path

import pytest

from integrity_lsp.checker import check_source
from integrity_lsp.project.migrations.random_values import random_bits
from integrity_lsp.syntax.source import parse
from tests.helpers import environment, write_app

TOKENS = """\
import secrets
import string

from django.utils.crypto import get_random_string


def new_token():
    \"\"\"A token for an invitation link.\"\"\"
    return get_random_string(32, string.ascii_lowercase + string.digits)


def short_code():
    return get_random_string(length=6)
"""

CREATE = """\
import uuid

from django.db import migrations, models

import invites.tokens


class Migration(migrations.Migration):
    dependencies = []
    operations = [
        migrations.CreateModel(
            name="Invite",
            fields=[
                ("id", models.AutoField(primary_key=True)),
                ("email", models.EmailField(max_length=254)),
                {columns}
            ],
        ),
    ]
"""
TOKEN_COLUMN = '("token", models.CharField(max_length=64, null=True, default={default})),'
ADD_TOKEN = """\
from django.db import migrations, models

import invites.tokens


class Migration(migrations.Migration):
    dependencies = [("invites", "0001_initial")]
    operations = [
        migrations.AddField(
            "invite",
            "token",
            models.CharField(max_length=64, null=True, default=invites.tokens.new_token),
        ),
    ]
"""
COPY_TOKENS = """\
from django.db import migrations


def copy(apps, schema_editor):
    Invite = apps.get_model("invites", "Invite")
    Pending = apps.get_model("people", "Pending")
    for pending in Pending.objects.all():
        Invite.objects.create(email=pending.email, token=pending.code)


class Migration(migrations.Migration):
    dependencies = [("invites", "0001_initial")]
    operations = [migrations.RunPython(copy)]
"""
UNIQUE = """\
import uuid

from django.db import migrations, models

import invites.tokens


class Migration(migrations.Migration):
    dependencies = [("invites", "{previous}")]
    operations = [
        migrations.AlterField(
            model_name="invite",
            name="token",
            field=models.CharField(max_length=64, null=True, unique=True, default={default}),
        ),
    ]
"""
VIEWS_LOOKUP = """\
from django.shortcuts import get_object_or_404

from invites.models import Invite


def accept(request, token):
    invite = get_object_or_404(Invite, token=token)
    Invite.objects.filter(token=token).exists()
    return invite
"""
VIEWS_REDIRECT = (
    VIEWS_LOOKUP
    + """

def resend(request, token):
    return redirect("invite", token=token)


def link(token):
    return reverse("invite", kwargs={"token": token}), reverse_lazy("invite", token=token)
"""
)
VIEWS_WRITE = (
    VIEWS_LOOKUP
    + """

def resend(request, invite):
    invite.token = request.POST["token"]
    invite.save()
"""
)

FORM_WITH_TOKEN = (
    VIEWS_LOOKUP
    + """

class InviteForm:
    class Meta:
        model = Invite
        fields = ["email", "token"]
"""
)


def _il302(
    tmp_path: Path,
    default: str = "invites.tokens.new_token",
    *,
    added_later: bool = False,
    copied: bool = False,
    views: str = VIEWS_LOOKUP,
) -> int:
    files = {"models.py": "", "tokens.py": TOKENS, "views.py": views}
    columns = "" if added_later else TOKEN_COLUMN.format(default=default)
    files["migrations/0001_initial.py"] = CREATE.format(columns=columns)
    previous = "0001_initial"
    if added_later:
        files["migrations/0002_invite_token.py"] = ADD_TOKEN
        previous = "0002_invite_token"
    elif copied:
        files["migrations/0002_copy.py"] = COPY_TOKENS
        previous = "0002_copy"
    text = UNIQUE.format(previous=previous, default=default)
    files["migrations/0003_unique_token.py"] = text
    write_app(tmp_path, "invites", files)
    path = tmp_path / "invites/migrations/0003_unique_token.py"
    return sum(f.code == "IL302" for f in check_source(text, path, environment(tmp_path)))


def test_a_token_random_since_its_table_was_created_is_not_reported(tmp_path: Path) -> None:
    """pretalx's TeamInvite.token shape without its data step: created with the table and a
    32-letter random default, looked up by views, never written by them."""
    assert _il302(tmp_path) == 0


def test_a_uuid4_default_since_the_table_was_created_is_not_reported(tmp_path: Path) -> None:
    assert _il302(tmp_path, "uuid.uuid4") == 0


def test_a_column_added_later_holds_one_value_in_the_old_rows(tmp_path: Path) -> None:
    """AddField evaluates the callable once for every row the table already had."""
    assert _il302(tmp_path, added_later=True) == 1


def test_a_data_step_that_wrote_the_column_is_reported(tmp_path: Path) -> None:
    """pretalx's 0014 shape: tokens copied from another column, which nothing kept unique."""
    assert _il302(tmp_path, copied=True) == 1


def test_a_view_that_sets_the_value_is_reported(tmp_path: Path) -> None:
    assert _il302(tmp_path, views=VIEWS_WRITE) == 1


def test_a_form_that_lists_the_field_is_reported(tmp_path: Path) -> None:
    """A form or serializer over the field takes its value from the user."""
    assert _il302(tmp_path, views=FORM_WITH_TOKEN) == 1


def test_a_url_parameter_of_the_same_name_is_no_write(tmp_path: Path) -> None:
    """byro's member page: `redirect("…dashboard", secret_token=…)` names the URL's parameter."""
    assert _il302(tmp_path, views=VIEWS_REDIRECT) == 0


def test_a_short_random_default_is_reported(tmp_path: Path) -> None:
    """Six letters and digits are 36 bits: among 100,000 rows a collision is likely."""
    assert _il302(tmp_path, "invites.tokens.short_code") == 1


@pytest.mark.parametrize(
    ("expression", "bits"),
    [
        ("uuid.uuid4()", 122),
        ("str(uuid4())", 122),
        ("uuid.uuid4().hex", 122),
        ("secrets.token_urlsafe()", 256),
        ("secrets.token_hex(8)", 64),
        ("get_random_string(10, 'ab')", 10),
        (
            "get_random_string(length=4, allowed_chars=string.ascii_letters + string.digits)",
            4 * 5.954196310386876,  # log2(62): the overlap of letters and digits is none
        ),
        (
            "get_random_string(4, string.ascii_letters + string.ascii_lowercase)",
            4 * 5.700439718141092,
        ),
        ("get_random_string()", 0),
        ("uuid.uuid4().int % 10", 0),
        ("make_token()", 0),
    ],
)
def test_random_bits(expression: str, bits: float) -> None:
    node = parse(expression + "\n").children[0].children[0]
    assert random_bits(node) == pytest.approx(bits)
