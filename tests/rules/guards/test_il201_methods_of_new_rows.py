"""IL201 through a method of a row the handler inserted just before (`query =
Query.objects.create(…)`, then `query.set_projects(…)` bulk-creates `(project, query=self)`):
`self` is that new row, so no other request can hold a unique tuple containing it. The same
method called on a row the handler fetched still reports (two edits at once may insert the
same pair)."""

from __future__ import annotations

from pathlib import Path

from integrity_lsp.checker import check_source
from tests.helpers import environment, write_app

MODELS = """\
from django.db import models, transaction


class Project(models.Model):
    name = models.CharField(max_length=30)


class Query(models.Model):
    name = models.CharField(max_length=30)

    def set_projects(self, project_ids):
        with transaction.atomic():
            QueryProject.objects.filter(query=self).exclude(project__in=project_ids).delete()
            kept = QueryProject.objects.filter(query=self).values_list("project", flat=True)
            QueryProject.objects.bulk_create(
                [QueryProject(project_id=p, query=self) for p in set(project_ids) - set(kept)]
            )


class QueryProject(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE)
    query = models.ForeignKey(Query, on_delete=models.CASCADE)

    class Meta:
        unique_together = (("project", "query"),)
"""
VIEWS = """\
from django.http import JsonResponse

from discover.models import Query


def create_query(request):
    query = Query.objects.create(name=request.POST["name"])
    query.set_projects(request.POST.getlist("projects"))
    return JsonResponse({"id": query.pk}, status=201)


def edit_query(request, pk):
    query = Query.objects.get(pk=pk)
    query.set_projects(request.POST.getlist("projects"))
    return JsonResponse({"id": query.pk})
"""


def test_a_method_of_the_row_just_inserted_cannot_collide(tmp_path: Path) -> None:
    write_app(tmp_path, "discover", {"models.py": MODELS, "views.py": VIEWS})
    views = tmp_path / "discover/views.py"
    found = check_source(views.read_text(encoding="utf-8"), views, environment(tmp_path))
    assert [(f.span.start_line, f.code) for f in found] == [(14, "IL201")]
