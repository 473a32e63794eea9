"""Inserts through a ModelForm and a DRF ModelSerializer: both validate uniqueness first (a
query), so two requests posting one new code both pass `is_valid()` and the second insert fails.
The DRF view is called through DRF's request factory (not routed: DRF need not be installed to
run the example)."""

from django.db import IntegrityError, transaction
from django.http import HttpRequest, JsonResponse
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from shop.forms import WarehouseForm
from shop.models import Warehouse


# IL201: two posts of one new code -> both valid -> UNIQUE constraint failed -> HTTP 500.
def new_warehouse(request: HttpRequest) -> JsonResponse:
    form = WarehouseForm(request.POST)
    if form.is_valid():
        warehouse = form.save()  # expect: IL201
        return JsonResponse({"id": warehouse.pk}, status=201)
    return JsonResponse({"errors": form.errors.get_json_data()}, status=400)


# Safe twin: the loser gets the form's own error, as a sequential duplicate would.
def new_warehouse_safe(request: HttpRequest) -> JsonResponse:
    form = WarehouseForm(request.POST)
    if form.is_valid():
        try:
            with transaction.atomic():
                warehouse = form.save()
        except IntegrityError:
            form.add_error("code", "This value is already taken.")
        else:
            return JsonResponse({"id": warehouse.pk}, status=201)
    return JsonResponse({"errors": form.errors.get_json_data()}, status=400)


class WarehouseSerializer(serializers.ModelSerializer):
    class Meta:
        model = Warehouse
        fields = ["code", "name"]


class WarehouseSerializerAPI(APIView):
    # IL201: DRF's UniqueValidator passes both concurrent posts -> IntegrityError -> HTTP 500.
    def post(self, request):
        serializer = WarehouseSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        serializer.save()  # expect: IL201
        return Response(serializer.data, status=status.HTTP_201_CREATED)


class SafeWarehouseSerializerAPI(APIView):
    # Safe twin: 409 Conflict naming only the field the serializer exposes.
    def post(self, request):
        serializer = WarehouseSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            with transaction.atomic():
                serializer.save()
        except IntegrityError:
            return Response(
                {"code": ["This value is already taken."]}, status=status.HTTP_409_CONFLICT
            )
        return Response(serializer.data, status=status.HTTP_201_CREATED)
