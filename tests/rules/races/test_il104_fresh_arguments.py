"""IL104 on a lookup derived from a parameter that every caller fills with a fresh value: a
device remembered by the hash of a token its caller has just generated. No other call can
look up the hash of the same new token. A caller passing submitted data, a generator that
may return a constant, or a parameter rebound before the call still report."""

from __future__ import annotations

from pathlib import Path

import pytest

from integrity_lsp.checker import check_source
from tests.helpers import environment, write_app

MODELS = """\
import hashlib
import secrets

from django.conf import settings
from django.db import models


class Device(models.Model):
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    digest = models.CharField(max_length=64)
    label = models.CharField(max_length=80, blank=True)

    @classmethod
    def new_secret(cls):
        return secrets.token_urlsafe(32)

    @classmethod
    def remember(cls, owner, secret, label=""):
        REBIND
        digest = hashlib.sha256(secret.encode()).hexdigest()
        device, _ = cls.objects.update_or_create(
            owner=owner, digest=digest, defaults={"label": label}
        )
        return device
"""

VIEWS = """\
from django.http import HttpResponse

from gadgets.models import Device


def trust(request):
    secret = Device.new_secret()
    Device.remember(request.user, secret, label="browser")
    response = HttpResponse("ok")
    response.set_cookie("device", secret)
    return response
"""

API = """\
from django.http import HttpResponse

from gadgets.models import Device


def trust_from_api(request):
    Device.remember(request.user, SECRET)
    return HttpResponse("ok")
"""


@pytest.mark.parametrize(
    ("rebind", "api", "reported"),
    [
        ("", None, False),  # the one caller passes a new secret
        ("", "Device.new_secret()", False),  # both callers do
        ("", 'request.POST["secret"]', True),  # a caller passes what the client sent
        ("secret = secret.strip()", None, True),  # rebound before the call: not followed
    ],
)
def test_a_lookup_derived_from_a_fresh_argument_of_every_caller(
    tmp_path: Path, rebind: str, api: str | None, reported: bool
) -> None:
    models = MODELS.replace("REBIND", rebind or "pass")
    files = {"models.py": models, "views.py": VIEWS}
    if api is not None:
        files["api.py"] = API.replace("SECRET", api)
    write_app(tmp_path, "gadgets", files)
    path = tmp_path / "gadgets" / "models.py"
    findings = check_source(models, path, environment(tmp_path))
    assert [f.code for f in findings] == (["IL104"] if reported else [])


def test_a_generator_of_the_same_name_returning_a_constant_is_not_fresh(tmp_path: Path) -> None:
    """Two `new_secret` definitions: the call may run the one that returns a constant."""
    models = MODELS.replace("REBIND", "pass")
    other = "class Fake:\n    def new_secret(self):\n        return 'fixed'\n"
    write_app(tmp_path, "gadgets", {"models.py": models, "views.py": VIEWS, "fakes.py": other})
    path = tmp_path / "gadgets" / "models.py"
    findings = check_source(models, path, environment(tmp_path))
    assert [f.code for f in findings] == ["IL104"]
