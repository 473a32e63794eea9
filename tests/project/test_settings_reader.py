"""Settings read statically: which module, AUTH_USER_MODEL, ATOMIC_REQUESTS, INSTALLED_APPS."""

from __future__ import annotations

from pathlib import Path

import pytest

from integrity_lsp.config import Settings
from tests.project.conftest import BuildProject

MANAGE = """
import os
import sys

def main():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
"""


def test_manage_py_module_with_star_import_from_base(build: BuildProject, tmp_path: Path) -> None:
    index = build(
        {
            "manage.py": MANAGE,
            "config/__init__.py": "",
            "config/settings/__init__.py": "",
            "config/settings/base.py": """
                DJANGO_APPS = ["django.contrib.auth", "django.contrib.contenttypes"]
                LOCAL_APPS = ["shop.apps.ShopConfig"]
                INSTALLED_APPS = DJANGO_APPS + LOCAL_APPS
                AUTH_USER_MODEL = "accounts.User"
                DATABASES = {
                    "default": {
                        "ENGINE": "django.db.backends.postgresql",
                        "NAME": os.environ.get("DB", "x"),
                    }
                }
            """,
            "config/settings/dev.py": """
                from .base import *

                INSTALLED_APPS += ["debug_toolbar"]
                INSTALLED_APPS.append("django_extensions")
                DATABASES["default"]["ATOMIC_REQUESTS"] = True
            """,
            "config/settings/prod.py": 'AUTH_USER_MODEL = "other.User"\n',
        }
    )
    settings = index.project_settings
    assert settings.settings_path == tmp_path / "config/settings/dev.py"
    assert settings.auth_user_model == "accounts.User"
    assert settings.atomic_requests is True
    assert settings.installed_apps == (
        "django.contrib.auth",
        "django.contrib.contenttypes",
        "shop.apps.ShopConfig",
        "debug_toolbar",
        "django_extensions",
    )
    assert index.settings_facts.engine == "django.db.backends.postgresql"
    assert set(index.settings_facts.files) == {
        tmp_path / "config/settings/dev.py",
        tmp_path / "config/settings/base.py",
    }


@pytest.mark.parametrize(
    ("source", "atomic"),
    [
        ('DATABASES = {"default": {"ENGINE": "x", "ATOMIC_REQUESTS": True}}', True),
        ('DATABASES = {"default": dict(ENGINE="x", ATOMIC_REQUESTS=True)}', True),
        ('DATABASES = {"default": {"ENGINE": "x", "ATOMIC_REQUESTS": False}}', False),
        ('ATOMIC_REQUESTS = True\nDATABASES = {"default": {"ENGINE": "x"}}', False),
        ('DATABASES = {"default": {"ATOMIC_REQUESTS": env.bool("A")}}', False),
        ("DATABASES = {'default': {**BASE}}\nDATABASES['default']['ATOMIC_REQUESTS'] = True", True),
    ],
)
def test_atomic_requests_only_inside_databases(
    build: BuildProject, source: str, atomic: bool
) -> None:
    index = build({"mysite/__init__.py": "", "mysite/settings.py": source + "\n"})
    assert index.project_settings.atomic_requests is atomic


def test_settings_override_and_configured_module(build: BuildProject, tmp_path: Path) -> None:
    files = {
        "manage.py": MANAGE,
        "config/__init__.py": "",
        "config/settings/__init__.py": "",
        "config/settings/dev.py": 'DATABASES = {"default": {"ATOMIC_REQUESTS": True}}\n',
        "config/settings/prod.py": 'AUTH_USER_MODEL = "crm.Person"\n',
    }
    index = build(files, Settings(settings_module="config.settings.prod", atomic_requests=True))
    assert index.project_settings.auth_user_model == "crm.Person"
    assert index.project_settings.atomic_requests is True
    index = build(files, Settings(atomic_requests=False))
    assert index.project_settings.atomic_requests is False


def test_defaults_without_settings(build: BuildProject) -> None:
    index = build({"shop/__init__.py": "", "shop/models.py": ""})
    settings = index.project_settings
    assert settings.auth_user_model == "auth.User"
    assert settings.atomic_requests is False
    assert settings.settings_path is None


def test_settings_package_without_manage_py(build: BuildProject, tmp_path: Path) -> None:
    index = build(
        {
            "proj/__init__.py": "",
            "proj/settings/__init__.py": "",
            "proj/settings/base.py": 'AUTH_USER_MODEL = "users.Account"\n',
        }
    )
    assert index.project_settings.settings_path == tmp_path / "proj/settings/base.py"
    assert index.project_settings.auth_user_model == "users.Account"


def test_broken_settings_do_not_raise(build: BuildProject) -> None:
    index = build(
        {
            "mysite/__init__.py": "",
            "mysite/settings.py": (
                "from .missing import *\nfrom . import *\nDATABASES = {\n"
                "INSTALLED_APPS = [x for x in y]\nAUTH_USER_MODEL = 3\nX[1:2] = 4\n"
            ),
        }
    )
    assert index.project_settings.auth_user_model == "auth.User"


def test_settings_template_when_the_project_ships_no_settings_module(build: BuildProject) -> None:
    index = build(
        {
            "weblog/__init__.py": "",
            "weblog/wsgi.py": 'os.environ.setdefault("DJANGO_SETTINGS_MODULE", "weblog.x")\n',
            "weblog/views/__init__.py": "",
            "weblog/views/settings.py": "def edit_settings(request): ...\n",
            "weblog/settings_test.py": "from weblog.settings_example import *\nDEBUG = True\n",
            "weblog/settings_example.py": 'AUTH_USER_MODEL = "weblog_auth.User"\n',
        }
    )
    assert index.project_settings.auth_user_model == "weblog_auth.User"


def test_swappable_model_settings(build: BuildProject, tmp_path: Path) -> None:
    from integrity_lsp.project.migrations.reader import parse_migration
    from integrity_lsp.syntax.source import parse

    index = build(
        {
            "manage.py": MANAGE.replace("config.settings.dev", "config.settings"),
            "config/__init__.py": "",
            "config/settings.py": """
                INSTALLED_APPS = ["api"]
                OAUTH2_PROVIDER_APPLICATION_MODEL = "api.OAuthApplication"
            """,
            "api/__init__.py": "",
            "api/models.py": """
                from django.conf import settings
                from django.db import models

                class OAuthApplication(models.Model):
                    name = models.CharField(max_length=20)

                class Grant(models.Model):
                    application = models.ForeignKey(
                        settings.OAUTH2_PROVIDER_APPLICATION_MODEL, on_delete=models.CASCADE
                    )
            """,
        }
    )
    swappable = index.project_settings.swappable
    assert swappable == (("OAUTH2_PROVIDER_APPLICATION_MODEL", "api.OAuthApplication"),)
    grant = index.get_model("api.Grant")
    assert grant is not None
    field = index.field(grant, "application")
    assert field is not None and field.related_model == "api.OAuthApplication"
    migration = parse(
        "from django.conf import settings\n"
        "from django.db import migrations, models\n"
        "class Migration(migrations.Migration):\n"
        "    dependencies = [\n"
        "        migrations.swappable_dependency(settings.OAUTH2_PROVIDER_APPLICATION_MODEL)\n"
        "    ]\n"
        "    operations = [migrations.CreateModel(name='Grant', fields=[\n"
        "        ('application', models.ForeignKey(on_delete=models.CASCADE,"
        " to=settings.OAUTH2_PROVIDER_APPLICATION_MODEL)),\n"
        "    ])]\n"
    )
    parsed = parse_migration(migration, tmp_path / "0001_initial.py", "api", swappable=swappable)
    assert [d.app_label for d in parsed.dependencies] == ["api"]
    (application,) = parsed.operations[0].fields
    assert application.related_model == "api.OAuthApplication"


def test_the_one_project_user_model_when_no_settings_name_it(build: BuildProject) -> None:
    """A custom user model is what AUTH_USER_MODEL names; not one of a project template or of
    test code, and not an abstract one."""
    person = (
        "from django.contrib.auth.models import AbstractUser\n\n"
        "class BasePerson(AbstractUser):\n    class Meta:\n        abstract = True\n\n"
        "class Person(BasePerson):\n    pass\n"
    )
    template_user = "from django.contrib.auth.base_user import AbstractBaseUser\n\n"
    template_user += "class Member(AbstractBaseUser):\n    pass\n"
    index = build(
        {
            "accounts/__init__.py": "",
            "accounts/models.py": person,
            "proj/project_template/members/__init__.py": "",
            "proj/project_template/members/models.py": template_user,
            "accounts/tests/__init__.py": "",
            "accounts/tests/models.py": template_user,
        }
    )
    assert index.project_settings.auth_user_model == "accounts.Person"
    user = index.user_model()
    assert user is not None and user.label == "accounts.Person"
