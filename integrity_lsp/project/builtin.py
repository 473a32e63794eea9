"""Django's own models (auth, contenttypes, sites, sessions), known without Django installed.

They are written here as the short model source Django 5.2 declares (fields, Meta, managers,
`create_*` methods) and read by the same parser as project models, so inheritance from
`AbstractUser` or `AbstractBaseUser` works like any other base. Their `SourceRef`s point at
synthetic paths under `BUILTIN_ROOT` (never a real file); `is_builtin_path` tells them apart.
Project models with the same label win over these.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from integrity_lsp.project.models import ParsedModule, parse_module
from integrity_lsp.syntax.source import parse

BUILTIN_ROOT = Path("<django>")

# The root classes: a class is a model when a base resolves to one of these.
MODEL_ROOTS = frozenset(
    {
        ("django.db.models", "Model"),
        ("django.db.models.base", "Model"),
        ("django.contrib.gis.db.models", "Model"),
    }
)
# Modules that exist in Django (so `from django.db import models` names a module).
KNOWN_MODULES = frozenset(
    {
        "django",
        "django.db",
        "django.db.models",
        "django.db.models.base",
        "django.db.models.manager",
        "django.db.models.query",
        "django.contrib",
        "django.contrib.auth",
        "django.contrib.auth.models",
        "django.contrib.auth.base_user",
        "django.contrib.contenttypes",
        "django.contrib.contenttypes.models",
        "django.contrib.sites",
        "django.contrib.sites.models",
        "django.contrib.sessions",
        "django.contrib.sessions.models",
        "django.contrib.sessions.base_session",
        "django.conf",
    }
)

BUILTIN_APP_LABELS = {
    "django.contrib.auth": "auth",
    "django.contrib.contenttypes": "contenttypes",
    "django.contrib.sites": "sites",
    "django.contrib.sessions": "sessions",
}

_SOURCES = {
    "django.contrib.auth.base_user": """
from django.db import models


class BaseUserManager(models.Manager):
    def normalize_email(cls, email): ...


class AbstractBaseUser(models.Model):
    password = models.CharField(_("password"), max_length=128)
    last_login = models.DateTimeField(_("last login"), blank=True, null=True)

    class Meta:
        abstract = True
""",
    "django.contrib.auth.models": """
from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.contenttypes.models import ContentType
from django.db import models


class PermissionManager(models.Manager):
    def get_by_natural_key(self, codename, app_label, model): ...


class Permission(models.Model):
    name = models.CharField(_("name"), max_length=255)
    content_type = models.ForeignKey(ContentType, models.CASCADE, verbose_name=_("content type"))
    codename = models.CharField(_("codename"), max_length=100)

    objects = PermissionManager()

    class Meta:
        unique_together = [["content_type", "codename"]]


class GroupManager(models.Manager):
    def get_by_natural_key(self, name): ...


class Group(models.Model):
    name = models.CharField(_("name"), max_length=150, unique=True)
    permissions = models.ManyToManyField(Permission, verbose_name=_("permissions"), blank=True)

    objects = GroupManager()


class UserManager(BaseUserManager):
    def create_user(self, username, email=None, password=None, **extra_fields): ...

    def create_superuser(self, username, email=None, password=None, **extra_fields): ...


class PermissionsMixin(models.Model):
    is_superuser = models.BooleanField(_("superuser status"), default=False)
    groups = models.ManyToManyField(
        Group, verbose_name=_("groups"), blank=True, related_name="user_set",
        related_query_name="user",
    )
    user_permissions = models.ManyToManyField(
        Permission, verbose_name=_("user permissions"), blank=True, related_name="user_set",
        related_query_name="user",
    )

    class Meta:
        abstract = True


class AbstractUser(AbstractBaseUser, PermissionsMixin):
    username = models.CharField(_("username"), max_length=150, unique=True)
    first_name = models.CharField(_("first name"), max_length=150, blank=True)
    last_name = models.CharField(_("last name"), max_length=150, blank=True)
    email = models.EmailField(_("email address"), blank=True)
    is_staff = models.BooleanField(_("staff status"), default=False)
    is_active = models.BooleanField(_("active"), default=True)
    date_joined = models.DateTimeField(_("date joined"), default=timezone.now)

    objects = UserManager()

    class Meta:
        abstract = True


class User(AbstractUser):
    class Meta(AbstractUser.Meta):
        swappable = "AUTH_USER_MODEL"
""",
    "django.contrib.contenttypes.models": """
from django.db import models


class ContentTypeManager(models.Manager):
    def get_for_model(self, model, for_concrete_model=True): ...


class ContentType(models.Model):
    app_label = models.CharField(max_length=100)
    model = models.CharField(_("python model class name"), max_length=100)
    objects = ContentTypeManager()

    class Meta:
        db_table = "django_content_type"
        unique_together = [["app_label", "model"]]
""",
    "django.contrib.sites.models": """
from django.db import models


class SiteManager(models.Manager):
    def get_current(self, request=None): ...


class Site(models.Model):
    domain = models.CharField(_("domain name"), max_length=100, unique=True)
    name = models.CharField(_("display name"), max_length=50)

    objects = SiteManager()

    class Meta:
        db_table = "django_site"
""",
    "django.contrib.sessions.base_session": """
from django.db import models


class BaseSessionManager(models.Manager):
    def encode(self, session_dict): ...


class AbstractBaseSession(models.Model):
    session_key = models.CharField(_("session key"), max_length=40, primary_key=True)
    session_data = models.TextField(_("session data"))
    expire_date = models.DateTimeField(_("expire date"), db_index=True)

    objects = BaseSessionManager()

    class Meta:
        abstract = True
""",
    "django.contrib.sessions.models": """
from django.contrib.sessions.base_session import AbstractBaseSession, BaseSessionManager


class SessionManager(BaseSessionManager):
    use_in_migrations = True


class Session(AbstractBaseSession):
    objects = SessionManager()

    class Meta(AbstractBaseSession.Meta):
        db_table = "django_session"
""",
}


def builtin_path(module: str) -> Path:
    return BUILTIN_ROOT.joinpath(*module.split(".")).with_suffix(".py")


def builtin_source(module: str) -> str | None:
    """The short source written here for a built-in module (None: not one of them)."""
    return _SOURCES.get(module)


def is_builtin_path(path: Path) -> bool:
    return bool(path.parts) and path.parts[0] == BUILTIN_ROOT.parts[0]


def builtin_app_label(module: str) -> str | None:
    for package, label in BUILTIN_APP_LABELS.items():
        if module == package or module.startswith(package + "."):
            return label
    return None


@lru_cache(maxsize=1)
def builtin_modules() -> tuple[ParsedModule, ...]:
    """The parsed built-in modules (parsed once per process)."""
    return tuple(
        parse_module(parse(text), builtin_path(module), module, is_package=False)
        for module, text in _SOURCES.items()
    )
