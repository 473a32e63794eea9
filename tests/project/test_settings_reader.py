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
