"""IL201 fixes: try/atomic/except IntegrityError answering 409 in each framework's style."""

from __future__ import annotations

from pathlib import Path

from integrity_lsp.findings import Applicability
from tests.helpers import check_fixed

FILENAME = "store/views_case.py"

# Expected outputs with lines too long to indent inside a test.
DRF_VIEW_AFTER = """\
from django.db import IntegrityError, transaction
from rest_framework.views import APIView

from store.models import Supplier
from rest_framework import status
from rest_framework.response import Response


class SupplierAPI(APIView):
    def post(self, request):
        try:
            with transaction.atomic():
                return Supplier.objects.create(email=request.data["email"])
        except IntegrityError:
            return Response({"detail": "This already exists."}, status=status.HTTP_409_CONFLICT)
"""

PERFORM_CREATE_AFTER = """\
from django.db import IntegrityError, transaction
from rest_framework import serializers, status, viewsets

from store.models import Supplier


class SupplierViewSet(viewsets.ModelViewSet):
    def perform_create(self, serializer):
        try:
            with transaction.atomic():
                Supplier.objects.create(email=serializer.validated_data["email"])
        except IntegrityError:
            conflict = serializers.ValidationError({"non_field_errors": ["This already exists."]})
            conflict.status_code = status.HTTP_409_CONFLICT
            raise conflict
"""


JSON_BEFORE = """\
from django.http import JsonResponse

from store.models import Supplier


def create_supplier(request):
    # the form posts an email
    supplier = Supplier.objects.create(email=request.POST["email"])  # keep me
    return JsonResponse({"id": supplier.pk})
"""

JSON_AFTER = """\
from django.http import JsonResponse

from store.models import Supplier
from django.db import IntegrityError, transaction


def create_supplier(request):
    # the form posts an email
    try:
        with transaction.atomic():
            supplier = Supplier.objects.create(email=request.POST["email"])  # keep me
    except IntegrityError:
        return JsonResponse({"error": "This already exists."}, status=409)
    return JsonResponse({"id": supplier.pk})
"""


def test_django_view_answers_json_409_and_adds_the_imports(tmp_path: Path) -> None:
    findings = check_fixed(
        JSON_BEFORE,
        JSON_AFTER,
        filename=FILENAME,
        project="guards",
        tmp_path=tmp_path,
        code="IL201",
    )
    assert findings[0].fixes[0].applicability is Applicability.SAFE
    assert "UNIQUE constraint failed: shop_supplier.email" in findings[0].message
    assert "HTTP 500" in findings[0].message


def test_multi_line_save_in_a_view_method_reuses_existing_imports(tmp_path: Path) -> None:
    check_fixed(
        """\
        from django.db import IntegrityError, transaction
        from django.http import JsonResponse
        from django.views import View

        from store.models import Bin


        class BinView(View):
            def post(self, request):
                bin_ = Bin(label=request.POST["label"], slot=1)
                bin_.save(
                    force_insert=True,
                )
                return JsonResponse({})
        """,
        """\
        from django.db import IntegrityError, transaction
        from django.http import JsonResponse
        from django.views import View

        from store.models import Bin


        class BinView(View):
            def post(self, request):
                bin_ = Bin(label=request.POST["label"], slot=1)
                try:
                    with transaction.atomic():
                        bin_.save(
                            force_insert=True,
                        )
                except IntegrityError:
                    return JsonResponse({"error": "This already exists."}, status=409)
                return JsonResponse({})
        """,
        filename=FILENAME,
        project="guards",
        tmp_path=tmp_path,
        code="IL201",
    )


def test_html_view_without_messages_answers_http_response_409(tmp_path: Path) -> None:
    """No `request` to attach a message to (a decorated view naming it `req`): a 409 page."""
    check_fixed(
        """\
        from django.shortcuts import redirect
        from django.views.decorators.http import require_POST

        from store.models import Supplier


        @require_POST
        def signup(req):
            Supplier.objects.create(email=req.POST["email"])
            return redirect("/")
        """,
        """\
        from django.shortcuts import redirect
        from django.views.decorators.http import require_POST

        from store.models import Supplier
        from django.db import IntegrityError, transaction
        from django.http import HttpResponse


        @require_POST
        def signup(req):
            try:
                with transaction.atomic():
                    Supplier.objects.create(email=req.POST["email"])
            except IntegrityError:
                return HttpResponse("This already exists.", status=409)
            return redirect("/")
        """,
        filename=FILENAME,
        project="guards",
        tmp_path=tmp_path,
        code="IL201",
    )


def test_form_valid_reports_the_error_on_the_form(tmp_path: Path) -> None:
    check_fixed(
        """\
        from django.db import IntegrityError, transaction
        from django.views.generic import FormView

        from store.models import Supplier


        class SupplierFormView(FormView):
            def form_valid(self, form):
                Supplier.objects.create(email=form.cleaned_data["email"])
                return super().form_valid(form)
        """,
        """\
        from django.db import IntegrityError, transaction
        from django.views.generic import FormView

        from store.models import Supplier


        class SupplierFormView(FormView):
            def form_valid(self, form):
                try:
                    with transaction.atomic():
                        Supplier.objects.create(email=form.cleaned_data["email"])
                except IntegrityError:
                    form.add_error(None, "This already exists.")
                    return self.form_invalid(form)
                return super().form_valid(form)
        """,
        filename=FILENAME,
        project="guards",
        tmp_path=tmp_path,
        code="IL201",
    )


def test_drf_view_answers_response_409(tmp_path: Path) -> None:
    check_fixed(
        """\
        from django.db import IntegrityError, transaction
        from rest_framework.views import APIView

        from store.models import Supplier


        class SupplierAPI(APIView):
            def post(self, request):
                return Supplier.objects.create(email=request.data["email"])
        """,
        DRF_VIEW_AFTER,
        filename=FILENAME,
        project="guards",
        tmp_path=tmp_path,
        code="IL201",
    )


def test_drf_view_with_a_local_status_uses_the_number(tmp_path: Path) -> None:
    check_fixed(
        """\
        from rest_framework.decorators import api_view
        from rest_framework.response import Response

        from store.models import Supplier


        @api_view(["POST"])
        def create(request):
            status = request.data["status"]
            Supplier.objects.create(email=request.data["email"], name=status)
            return Response({})
        """,
        """\
        from rest_framework.decorators import api_view
        from rest_framework.response import Response

        from store.models import Supplier
        from django.db import IntegrityError, transaction


        @api_view(["POST"])
        def create(request):
            status = request.data["status"]
            try:
                with transaction.atomic():
                    Supplier.objects.create(email=request.data["email"], name=status)
            except IntegrityError:
                return Response({"detail": "This already exists."}, status=409)
            return Response({})
        """,
        filename=FILENAME,
        project="guards",
        tmp_path=tmp_path,
        code="IL201",
    )


def test_drf_perform_create_raises_a_validation_error(tmp_path: Path) -> None:
    check_fixed(
        """\
        from django.db import IntegrityError, transaction
        from rest_framework import viewsets

        from store.models import Supplier


        class SupplierViewSet(viewsets.ModelViewSet):
            def perform_create(self, serializer):
                Supplier.objects.create(email=serializer.validated_data["email"])
        """,
        PERFORM_CREATE_AFTER,
        filename=FILENAME,
        project="guards",
        tmp_path=tmp_path,
        code="IL201",
    )


NINJA_BEFORE = """\
from django.db import IntegrityError, transaction
from ninja import Router

from store.models import Supplier

router = Router()


@router.post("/", {response})
def create(request, email: str):
    Supplier.objects.create(email=email)
    return 201, {{}}
"""

NINJA_AFTER = """\
from django.db import IntegrityError, transaction
from ninja import Router

from store.models import Supplier

router = Router()


@router.post("/", {response})
def create(request, email: str):
    try:
        with transaction.atomic():
            Supplier.objects.create(email=email)
    except IntegrityError:
        return 409, {{"detail": "This already exists."}}
    return 201, {{}}
"""


def test_ninja_operation_declaring_409_returns_it_safely(tmp_path: Path) -> None:
    response = "response={201: dict, 409: dict}"
    findings = check_fixed(
        NINJA_BEFORE.format(response=response),
        NINJA_AFTER.format(response=response),
        filename=FILENAME,
        project="guards",
        tmp_path=tmp_path,
        code="IL201",
    )
    assert findings[0].fixes[0].applicability is Applicability.SAFE


def test_ninja_operation_without_409_in_its_responses_is_unsafe(tmp_path: Path) -> None:
    response = "response={201: dict}"
    findings = check_fixed(
        NINJA_BEFORE.format(response=response),
        NINJA_AFTER.format(response=response),
        filename=FILENAME,
        project="guards",
        tmp_path=tmp_path,
        code="IL201",
        unsafe=True,
    )
    assert findings[0].fixes[0].applicability is Applicability.UNSAFE
    assert "django-ninja operation `create`" in findings[0].message


def test_one_line_body_gets_no_fix(tmp_path: Path) -> None:
    from integrity_lsp.checker import check_source
    from tests.helpers import copy_project, environment

    root = copy_project("guards", tmp_path)
    path = root / FILENAME
    text = (
        "from store.models import Supplier\n\n\n"
        "def view(request):\n"
        '    if request.POST: Supplier.objects.create(email=request.POST["email"])\n'
    )
    path.write_text(text, encoding="utf-8")
    findings = [f for f in check_source(text, path, environment(root)) if f.code == "IL201"]
    assert [f.span.start_line for f in findings] == [5]
    assert findings[0].fixes == ()
