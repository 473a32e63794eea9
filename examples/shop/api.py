"""A Django REST framework endpoint. Not wired into urls.py: DRF need not be installed to run
the example; the file only has to parse for integrity-lsp."""

from django.db import IntegrityError, transaction
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from shop.models import Warehouse


class WarehouseAPI(APIView):
    # IL201: a duplicate code from the JSON body -> UNIQUE constraint failed -> HTTP 500.
    def post(self, request):
        code, name = request.data["code"], request.data["name"]
        warehouse = Warehouse.objects.create(code=code, name=name)  # expect: IL201
        return Response({"id": warehouse.pk}, status=status.HTTP_201_CREATED)


class SafeWarehouseAPI(APIView):
    # Safe twin: 409 Conflict.
    def post(self, request):
        try:
            with transaction.atomic():
                warehouse = Warehouse.objects.create(
                    code=request.data["code"], name=request.data["name"]
                )
        except IntegrityError:
            return Response({"detail": "warehouse code taken"}, status=status.HTTP_409_CONFLICT)
        return Response({"id": warehouse.pk}, status=status.HTTP_201_CREATED)
