"""Which classes of the index are models: the bases of the project's classes are read from
the installed packages (and each such package's models module) until nothing more can be read,
then a class is a model when a base derives from `django.db.models.Model`; a base that cannot
be read is judged by its name."""

from __future__ import annotations

import re

from integrity_lsp.project.builtin import MODEL_ROOTS
from integrity_lsp.project.index.files import NOT_MODEL_BASE, ClassKey
from integrity_lsp.project.index.linker import MAX_DEPTH, STDLIB_PACKAGES, IndexLinker

MAX_LIBRARY_ROUNDS = 12  # a base's re-export chain through installed packages, followed this far

# Names of installed packages that hold no Django model: a base from one of them whose package
# is not installed (so cannot be read) is still known not to be a model.
NOT_DJANGO_PACKAGES = frozenset(
    {
        "pydantic", "pydantic_core", "rest_framework", "celery", "marshmallow", "sqlalchemy",
        "ninja", "strawberry", "graphene", "attrs", "attr", "msgspec", "dataclasses_json",
        "django_filters", "import_export", "factory",
    }
)  # fmt: skip
# Names that say "not a model" even with "Model" in them: DRF's `CreateModelMixin`,
# `DjangoModelPermissions`, `ModelViewSet`, wagtail-modeladmin's `ModelAdminGroup`, celery
# beat's `ModelEntry`, guardian's `GuardedModelAdminMixin`.
_NOT_MODEL_NAME = re.compile(r"(Mixin|Permissions?|ViewSet|Entry|AdminGroup|Admin\w*|Group)$")


class IndexModelClasses(IndexLinker):
    """Installed packages' bases read, and which linked classes are models."""

    def is_library(self, key: ClassKey) -> bool:
        """Is the class one an installed package defines (not the project, not Django's)?"""
        return key[0] in self._library_modules

    def _library_module(self, module: str) -> bool:
        """Was `module` read from the installed packages?"""
        return module in self._library_modules

    def _load_library_bases(self) -> None:
        """Read the installed modules that the project's classes' bases come from, then the
        modules their bases come from, until nothing more can be read: a base that resolves
        to an installed class is then judged by what it is, not by its name. The models module
        of each such package is read too, with its bases (`_installed_models_modules`)."""
        project = [key for key in self._link.classes if key[0] not in self._link_builtin]
        tried: set[str] = set()
        for _ in range(MAX_LIBRARY_ROUNDS):
            wanted: set[str] = set()
            seen: set[ClassKey] = set()
            pending = list(project)
            while pending:
                key = pending.pop()
                for base in self._base_keys(key):
                    if base in seen or base in MODEL_ROOTS:
                        continue
                    seen.add(base)
                    if base in self._link.classes:
                        pending.append(base)
                    elif (
                        base[0] not in tried
                        and base[0] not in self._link.modules
                        and base[0].split(".")[0] != "django"  # Django's own: `builtin`
                    ):
                        wanted.add(base[0])
            apps_models = self._installed_models_modules(tried)
            wanted |= apps_models
            loaded = False
            for module in sorted(wanted):
                tried.add(module)
                # a project file the pre-scan did not take for a models file (openwisp's
                # `ShareableOrgMixinUniqueName(ShareableOrgMixin)`: no "Model" in the names)
                parsed = self._parse_project_module(module)
                if parsed is None:
                    parsed = self.libraries.parsed(module)
                    if parsed is None:
                        continue
                    self._library_modules.add(module)
                loaded = True
                self._link.modules[module] = parsed
                for cls in parsed.classes:
                    self._link.classes.setdefault((module, cls.name), (cls, parsed))
                    if module in apps_models:
                        project.append((module, cls.name))  # their bases are read too
            if not loaded:
                return
            self._memo.clear()  # names that were external may now resolve through the modules

    def _installed_models_modules(self, tried: set[str]) -> set[str]:
        """The models modules of the installed packages the project's bases come from
        (`openwisp_users.models` for `openwisp_users.mixins.OrgMixin`): their models are the
        ones a loader names by label (`load_model("openwisp_users", "Organization")`); and of
        each installed app INSTALLED_APPS names (`rest_framework.authtoken` ->
        `rest_framework.authtoken.models`: Django imports it, so a project module may use its
        `Token` without any project model pointing at it)."""
        packages = {module.split(".")[0] for module in self._library_modules}
        packages |= {_app_package(app) for app in self.project_settings.installed_apps}
        found = set()
        for package in packages:
            module = f"{package}.models"
            if package.split(".")[0] == "django" or module in tried or module in self._link.modules:
                continue  # Django's own models are `builtin`'s
            if self.libraries.module_path(module) is not None:
                found.add(module)
        return found

    def _base_known(self, key: ClassKey) -> bool:
        if key in self._link.classes or key in MODEL_ROOTS:
            return True
        top = key[0].split(".")[0]
        return (
            top == "django"
            or top in STDLIB_PACKAGES
            or top in NOT_DJANGO_PACKAGES
            or self._library_module(key[0])
        )

    def _is_model_class(self, key: ClassKey) -> bool:
        if key not in self._link.classes:
            return False
        return any(self._is_model_base(base, 0) for base in self._base_keys(key))

    def _is_model_base(self, key: ClassKey, depth: int) -> bool:
        if key in MODEL_ROOTS:
            return True
        if depth > MAX_DEPTH:
            return False
        memo_key = ("is_model", key)
        if memo_key in self._memo:
            return self._memo[memo_key]  # type: ignore[no-any-return]
        self._memo[memo_key] = False
        if key in self._link.classes:
            result = any(self._is_model_base(base, depth + 1) for base in self._base_keys(key))
        elif self._library_module(key[0]):  # installed and read: not a class it defines
            result = False
        else:  # a third-party base we cannot read: trust its name (not django_filters'
            # ModelChoiceFilter, nor DRF's ModelSerializer: the same names as the pre-scan)
            result = (
                "Model" in key[1]
                and not key[0].startswith("django.")
                and not NOT_MODEL_BASE.search(key[1])
                and not _NOT_MODEL_NAME.search(key[1])
                and key[0].split(".")[0] not in NOT_DJANGO_PACKAGES
            )
        self._memo[memo_key] = result
        return result


def _app_package(app: str) -> str:
    """The package of an INSTALLED_APPS entry: `rest_framework.authtoken` as written, or the
    package an AppConfig path names (`allauth.account.apps.AccountConfig` -> `allauth.account`)."""
    parts = app.split(".")
    if len(parts) > 1 and parts[-1][:1].isupper():
        parts = parts[:-1]
        if parts[-1] == "apps":
            parts = parts[:-1]
    return ".".join(parts)
