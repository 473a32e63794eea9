"""IL201 through the project code a handler calls (a helper of another module, two levels down,
a model method, a plain form's own method): the finding sits on the handler's call, points at
the insert it reaches, and its fix wraps that call in the handler's own answer."""

from __future__ import annotations

import textwrap
from pathlib import Path

from integrity_lsp.checker import check_source
from tests.helpers import FIXTURES, check_fixed, environment

FILENAME = "store/views_case.py"

DRF_AFTER = """\
from rest_framework.views import APIView

from store.services import onboard_supplier
from django.db import IntegrityError, transaction
from rest_framework import status
from rest_framework.response import Response


class OnboardAPI(APIView):
    def post(self, request):
        try:
            with transaction.atomic():
                supplier = onboard_supplier(request.data["email"])
        except IntegrityError:
            return Response({"detail": "This already exists."}, status=status.HTTP_409_CONFLICT)
        return Response({"id": supplier.pk}, status=201)
"""


def fixed(before: str, after: str, tmp_path: Path) -> None:
    check_fixed(before, after, filename=FILENAME, project="guards", tmp_path=tmp_path, code="IL201")


def test_a_helper_of_another_module_json_view_answers_409(tmp_path: Path) -> None:
    fixed(
        """\
        from django.http import JsonResponse

        from store.services import add_supplier


        def new_supplier(request):
            supplier = add_supplier(request.POST["email"], request.POST["name"])
            return JsonResponse({"id": supplier.pk}, status=201)
        """,
        """\
        from django.http import JsonResponse

        from store.services import add_supplier
        from django.db import IntegrityError, transaction


        def new_supplier(request):
            try:
                with transaction.atomic():
                    supplier = add_supplier(request.POST["email"], request.POST["name"])
            except IntegrityError:
                return JsonResponse({"error": "This already exists."}, status=409)
            return JsonResponse({"id": supplier.pk}, status=201)
        """,
        tmp_path,
    )


def test_two_levels_down_in_a_drf_view_answers_409(tmp_path: Path) -> None:
    fixed(
        """\
        from rest_framework.views import APIView

        from store.services import onboard_supplier


        class OnboardAPI(APIView):
            def post(self, request):
                supplier = onboard_supplier(request.data["email"])
                return Response({"id": supplier.pk}, status=201)
        """,
        DRF_AFTER,
        tmp_path,
    )


def test_a_model_method_in_an_html_view_gets_a_message_and_the_page_again(
    tmp_path: Path,
) -> None:
    fixed(
        """\
        from django.shortcuts import get_object_or_404, redirect

        from store.models import Team


        def join_team(request, team_id):
            team = get_object_or_404(Team, pk=team_id)
            team.add_member(request.user)
            return redirect("team", team_id)
        """,
        """\
        from django.shortcuts import get_object_or_404, redirect

        from store.models import Team
        from django.db import IntegrityError, transaction
        from django.contrib import messages


        def join_team(request, team_id):
            team = get_object_or_404(Team, pk=team_id)
            try:
                with transaction.atomic():
                    team.add_member(request.user)
            except IntegrityError:
                messages.error(request, "This already exists.")
                return redirect(request.get_full_path())
            return redirect("team", team_id)
        """,
        tmp_path,
    )


def test_a_forms_own_method_in_form_valid_puts_the_error_on_the_form(tmp_path: Path) -> None:
    fixed(
        """\
        from django.shortcuts import redirect
        from django.views.generic import FormView

        from store.forms import SupplierRequestForm


        class SupplierRequestView(FormView):
            form_class = SupplierRequestForm

            def form_valid(self, form):
                form.create()
                return redirect("suppliers")
        """,
        """\
        from django.shortcuts import redirect
        from django.views.generic import FormView

        from store.forms import SupplierRequestForm
        from django.db import IntegrityError, transaction


        class SupplierRequestView(FormView):
            form_class = SupplierRequestForm

            def form_valid(self, form):
                try:
                    with transaction.atomic():
                        form.create()
                except IntegrityError:
                    form.add_error(None, "This already exists.")
                    return self.form_invalid(form)
                return redirect("suppliers")
        """,
        tmp_path,
    )


def test_the_finding_names_the_path_and_points_at_the_insert() -> None:
    root = FIXTURES / "guards"
    source = textwrap.dedent(
        """\
        from django.http import HttpResponse

        from store.services import onboard_supplier


        def onboard(request):
            onboard_supplier(request.POST["email"])
            return HttpResponse(status=201)
        """
    )
    findings = check_source(source, root / FILENAME, environment(root))
    (finding,) = [f for f in findings if f.code == "IL201"]
    assert finding.span.start_line == 7
    assert "`onboard_supplier` → `add_supplier`" in finding.message
    assert "UNIQUE constraint failed: shop_supplier.email" in finding.message
    insert, constraint = finding.related
    assert insert.path == root / "store" / "services.py"
    assert (
        (root / "store" / "services.py")
        .read_text()
        .splitlines()[insert.span.start_line - 1]
        .strip()
        .startswith("return Supplier.objects.create(")
    )
    assert constraint.message == "unique=True on email"
