"""IL201 fixes for inserts through forms and serializers, and for an internal race: the answer
fits the handler (the form's own error and re-render, DRF's 409, the winner's row re-fetched),
the body names no model or column unless the form already exposes the field, and the
`django.db` names merge into the file's existing `from django.db import …` line."""

from __future__ import annotations

from pathlib import Path

from tests.helpers import check_fixed

FILENAME = "store/views_case.py"

# Expected outputs with lines too long to indent inside a test.
PERFORM_CREATE_AFTER = """\
from django.db import IntegrityError, models, transaction
from rest_framework import serializers, status, viewsets

from store.serializers import SupplierSerializer


class SupplierViewSet(viewsets.ModelViewSet):
    serializer_class = SupplierSerializer

    def perform_create(self, serializer):
        try:
            with transaction.atomic():
                serializer.save()
        except IntegrityError:
            conflict = serializers.ValidationError({"email": ["This value is already taken."]})
            conflict.status_code = status.HTTP_409_CONFLICT
            raise conflict
"""

API_VIEW_AFTER = """\
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from store.serializers import SupplierNameSerializer
from django.db import IntegrityError, transaction


class SupplierNameAPI(APIView):
    def post(self, request):
        serializer = SupplierNameSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            with transaction.atomic():
                serializer.save(email=request.user.email)
        except IntegrityError:
            return Response({"detail": "This already exists."}, status=status.HTTP_409_CONFLICT)
        return Response(serializer.data, status=status.HTTP_201_CREATED)
"""


def fixed(before: str, after: str, tmp_path: Path) -> None:
    check_fixed(before, after, filename=FILENAME, project="guards", tmp_path=tmp_path, code="IL201")


def test_function_view_falls_through_to_its_render_with_the_form_error(tmp_path: Path) -> None:
    fixed(
        """\
        from django.db import connection
        from django.shortcuts import redirect, render

        from store.forms import SupplierForm


        def new_supplier(request):
            form = SupplierForm(request.POST or None)
            if form.is_valid():
                supplier = form.save()
                connection.close_if_unusable_or_obsolete()
                return redirect(
                    "supplier",
                    supplier.pk,
                )
            return render(request, "supplier_form.html", {"form": form})
        """,
        """\
        from django.db import IntegrityError, connection, transaction
        from django.shortcuts import redirect, render

        from store.forms import SupplierForm


        def new_supplier(request):
            form = SupplierForm(request.POST or None)
            if form.is_valid():
                try:
                    with transaction.atomic():
                        supplier = form.save()
                except IntegrityError:
                    form.add_error("email", "This value is already taken.")
                else:
                    connection.close_if_unusable_or_obsolete()
                    return redirect(
                        "supplier",
                        supplier.pk,
                    )
            return render(request, "supplier_form.html", {"form": form})
        """,
        tmp_path,
    )


def test_function_view_reuses_its_invalid_form_answer(tmp_path: Path) -> None:
    fixed(
        """\
        from django.shortcuts import redirect, render

        from store.forms import BinForm


        def new_bin(request):
            form = BinForm(data=request.POST)
            if not form.is_valid():
                return render(request, "bin.html", {"form": form})
            form.save()
            return redirect("bins")
        """,
        """\
        from django.shortcuts import redirect, render

        from store.forms import BinForm
        from django.db import IntegrityError, transaction


        def new_bin(request):
            form = BinForm(data=request.POST)
            if not form.is_valid():
                return render(request, "bin.html", {"form": form})
            try:
                with transaction.atomic():
                    form.save()
            except IntegrityError:
                form.add_error(None, "This already exists.")
                return render(request, "bin.html", {"form": form})
            return redirect("bins")
        """,
        tmp_path,
    )


def test_create_view_puts_the_error_on_the_exposed_field(tmp_path: Path) -> None:
    fixed(
        """\
        from django.views.generic import CreateView

        from store.forms import SupplierForm


        class SupplierCreate(CreateView):
            form_class = SupplierForm

            def form_valid(self, form):
                return super().form_valid(form)
        """,
        """\
        from django.views.generic import CreateView

        from store.forms import SupplierForm
        from django.db import IntegrityError, transaction


        class SupplierCreate(CreateView):
            form_class = SupplierForm

            def form_valid(self, form):
                try:
                    with transaction.atomic():
                        return super().form_valid(form)
                except IntegrityError:
                    form.add_error("email", "This value is already taken.")
                    return self.form_invalid(form)
        """,
        tmp_path,
    )


def test_perform_create_raises_a_409_validation_error_on_the_field(tmp_path: Path) -> None:
    fixed(
        """\
        from django.db import models
        from rest_framework import viewsets

        from store.serializers import SupplierSerializer


        class SupplierViewSet(viewsets.ModelViewSet):
            serializer_class = SupplierSerializer

            def perform_create(self, serializer):
                serializer.save()
        """,
        PERFORM_CREATE_AFTER,
        tmp_path,
    )


def test_api_view_answers_409_without_naming_a_field_the_client_never_sent(
    tmp_path: Path,
) -> None:
    fixed(
        """\
        from rest_framework import status
        from rest_framework.response import Response
        from rest_framework.views import APIView

        from store.serializers import SupplierNameSerializer


        class SupplierNameAPI(APIView):
            def post(self, request):
                serializer = SupplierNameSerializer(data=request.data)
                serializer.is_valid(raise_exception=True)
                serializer.save(email=request.user.email)
                return Response(serializer.data, status=status.HTTP_201_CREATED)
        """,
        API_VIEW_AFTER,
        tmp_path,
    )


def test_html_view_without_a_form_gets_a_message_and_the_page_again(tmp_path: Path) -> None:
    fixed(
        """\
        from django.shortcuts import redirect, render

        from store.models import Supplier


        def invite(request):
            Supplier.objects.create(email=request.POST["email"])
            return redirect("suppliers")
        """,
        """\
        from django.shortcuts import redirect, render

        from store.models import Supplier
        from django.db import IntegrityError, transaction
        from django.contrib import messages


        def invite(request):
            try:
                with transaction.atomic():
                    Supplier.objects.create(email=request.POST["email"])
            except IntegrityError:
                messages.error(request, "This already exists.")
                return redirect(request.get_full_path())
            return redirect("suppliers")
        """,
        tmp_path,
    )


def test_internal_race_refetches_the_row_the_other_request_inserted(tmp_path: Path) -> None:
    fixed(
        """\
        from django.http import JsonResponse

        from store.models import Bin


        def inbox(request, aisle):
            inbox = Bin.objects.create(
                label="inbox",
                aisle=aisle,
                slot=1,
            )
            return JsonResponse({"id": inbox.pk})
        """,
        """\
        from django.http import JsonResponse

        from store.models import Bin
        from django.db import IntegrityError, transaction


        def inbox(request, aisle):
            try:
                with transaction.atomic():
                    inbox = Bin.objects.create(
                        label="inbox",
                        aisle=aisle,
                        slot=1,
                    )
            except IntegrityError:
                inbox = Bin.objects.get(label="inbox", aisle=aisle)
            return JsonResponse({"id": inbox.pk})
        """,
        tmp_path,
    )


def test_a_view_that_never_shows_the_form_again_gets_a_message(tmp_path: Path) -> None:
    """Falling through to `redirect("suppliers")` would drop the form's error: a message."""
    fixed(
        """\
        from django.shortcuts import redirect

        from store.forms import SupplierForm


        def quick_add(request):
            form = SupplierForm(request.POST)
            if form.is_valid():
                form.save()
            return redirect("suppliers")
        """,
        """\
        from django.shortcuts import redirect

        from store.forms import SupplierForm
        from django.db import IntegrityError, transaction
        from django.contrib import messages


        def quick_add(request):
            form = SupplierForm(request.POST)
            if form.is_valid():
                try:
                    with transaction.atomic():
                        form.save()
                except IntegrityError:
                    messages.error(request, "This already exists.")
                    return redirect(request.get_full_path())
            return redirect("suppliers")
        """,
        tmp_path,
    )
