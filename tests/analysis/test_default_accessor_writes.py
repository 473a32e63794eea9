"""The project-wide write-site scan reads a model's default reverse accessor (`<model>_set`)
on an object it cannot resolve: `social.verifiedemail_set.create(…)` inserts a row of the one
model of that name, with its one foreign key without a `related_name` filled."""

from __future__ import annotations

from pathlib import Path

import pytest

from integrity_lsp.analysis.write_scan import project_write_sites
from integrity_lsp.config import Settings
from integrity_lsp.project.index import ProjectIndex
from tests.helpers import write_app

MODELS = """\
from django.db import models


class Account(models.Model):
    handle = models.CharField(max_length=30)


class Address(models.Model):
    account = models.ForeignKey(Account, on_delete=models.CASCADE)
    email = models.CharField(max_length=100)
"""
SECOND_KEY = "    team = models.ForeignKey('Team', on_delete=models.CASCADE, null=True)\n"
TEAM = "\n\nclass Team(models.Model):\n    name = models.CharField(max_length=30)\n"
SYNC = "def sync(owner, email):\n    owner.address_set.create(email=email)\n"


@pytest.mark.parametrize(("models", "found"), [(MODELS, True), (MODELS + SECOND_KEY + TEAM, False)])
def test_a_default_accessor_names_the_model_and_its_key(
    tmp_path: Path, models: str, found: bool
) -> None:
    """With two keys without a related_name (to an Account and to a Team), the object before
    `address_set` decides which one is filled: unknown, no write site."""
    write_app(tmp_path, "club", {"models.py": models, "sync.py": SYNC})
    index = ProjectIndex.build(tmp_path, Settings())
    (model,) = [model for model in index.models() if model.label == "club.Address"]
    sites = project_write_sites(index, model, settings=Settings())
    values = [sorted(site.values) for site in sites if site.kind == "create"]
    assert values == ([["account", "email"]] if found else [])
