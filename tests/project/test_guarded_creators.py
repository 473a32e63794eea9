"""A `create_*` manager method that catches IntegrityError around its own insert, or only
returns the call of a project function that does (sentry's `create_or_update`), cannot raise
it to its caller; one whose handler raises again, or that inserts unguarded, still can."""

from __future__ import annotations

from pathlib import Path

from integrity_lsp.checker import check_source
from tests.helpers import environment, write_app

QUERY = """
    from django.db import IntegrityError, router, transaction


    def create_or_update(model, using=None, **kwargs):
        values = kwargs.pop("values", {})
        objects = model.objects.using(using or router.db_for_write(model))
        if objects.filter(**kwargs).update(**values):
            return False
        try:
            with transaction.atomic(using=using):
                objects.create(**kwargs, **values)
                return True
        except IntegrityError:
            objects.filter(**kwargs).update(**values)
        return False


    def create_strictly(model, **kwargs):
        try:
            return model.objects.create(**kwargs)
        except IntegrityError as error:
            raise ValueError("taken") from error
"""

MANAGER = """
    from django.db import IntegrityError, models

    from kit.query import create_or_update, create_strictly


    class BaseManager(models.Manager):
        def create_or_update(self, **kwargs):
            \"\"\"Update the row, or insert it.\"\"\"
            return create_or_update(self.model, **kwargs)

        def create_checked(self, **kwargs):
            return create_strictly(self.model, **kwargs)

        def create_quietly(self, **kwargs):
            try:
                return self.create(**kwargs)
            except IntegrityError:
                return self.get(**kwargs)
"""

MODELS = """
    from django.db import models

    from kit.manager import BaseManager


    class Search(models.Model):
        owner = models.IntegerField()
        kind = models.CharField(max_length=10)
        query = models.TextField(default="")

        objects = BaseManager()

        class Meta:
            unique_together = (("owner", "kind"),)
"""

VIEWS = """
    from django.http import JsonResponse

    from shop.models import Search


    def pin(request):
        Search.objects.create_or_update(owner=request.user.id, kind=request.POST["kind"])
        return JsonResponse({})


    def remember(request):
        Search.objects.create_quietly(owner=request.user.id, kind=request.POST["kind"])
        return JsonResponse({})


    def save_strictly(request):
        Search.objects.create_checked(owner=request.user.id, kind=request.POST["kind"])
        return JsonResponse({})
"""


def test_only_the_creator_whose_handler_raises_again_is_reported(tmp_path: Path) -> None:
    kit = {"kit/__init__.py": "", "kit/query.py": QUERY, "kit/manager.py": MANAGER}
    write_app(tmp_path, "shop", {"models.py": MODELS, "views.py": VIEWS}, kit)
    views = tmp_path / "shop/views.py"
    found = check_source(views.read_text(encoding="utf-8"), views, environment(tmp_path))
    assert [(f.span.start_line, f.code) for f in found] == [(18, "IL201")]
