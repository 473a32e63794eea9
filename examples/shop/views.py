"""Plain Django views: every function taking `request` and every View method is a handler."""

from decimal import Decimal

from django.db import IntegrityError, transaction
from django.http import HttpRequest, JsonResponse
from django.shortcuts import get_object_or_404
from django.views import View

from shop.models import Category, Product, Warehouse
from shop.services import add_warehouse


# IL201: a reused SKU from the form -> UNIQUE constraint failed: shop_product.sku -> HTTP 500.
def create_product(request: HttpRequest) -> JsonResponse:
    category = get_object_or_404(Category, slug=request.POST["category"])
    product = Product.objects.create(  # expect: IL201
        sku=request.POST["sku"],
        name=request.POST["name"],
        category=category,
        price=Decimal(request.POST["price"]),
        weight_grams=int(request.POST["weight_grams"]),
    )
    return JsonResponse({"id": product.pk}, status=201)


# Safe twin: the duplicate becomes a 409, and the savepoint keeps the connection usable.
def create_product_safe(request: HttpRequest) -> JsonResponse:
    category = get_object_or_404(Category, slug=request.POST["category"])
    try:
        with transaction.atomic():
            product = Product.objects.create(
                sku=request.POST["sku"],
                name=request.POST["name"],
                category=category,
                price=Decimal(request.POST["price"]),
                weight_grams=int(request.POST["weight_grams"]),
            )
    except IntegrityError:
        return JsonResponse({"error": "a product with this SKU already exists"}, status=409)
    return JsonResponse({"id": product.pk}, status=201)


class WarehouseCreateView(View):
    # IL201 (save() of a new instance): UNIQUE constraint failed: shop_warehouse.code.
    def post(self, request: HttpRequest) -> JsonResponse:
        warehouse = Warehouse(code=request.POST["code"], name=request.POST["name"])
        warehouse.save()  # expect: IL201
        return JsonResponse({"id": warehouse.pk}, status=201)


class SafeWarehouseCreateView(View):
    def post(self, request: HttpRequest) -> JsonResponse:
        warehouse = Warehouse(code=request.POST["code"], name=request.POST["name"])
        try:
            with transaction.atomic():
                warehouse.save()
        except IntegrityError:
            return JsonResponse({"error": "warehouse code taken"}, status=409)
        return JsonResponse({"id": warehouse.pk}, status=201)


class WarehouseImportView(View):
    # IL201 (bulk_create): one already-known code aborts the whole import with a 500.
    def post(self, request: HttpRequest) -> JsonResponse:
        codes = request.POST.getlist("code")
        warehouses = [Warehouse(code=code, name=code) for code in codes]
        Warehouse.objects.bulk_create(warehouses)  # expect: IL201
        return JsonResponse({"imported": len(codes)})

    # Safe twin: ON CONFLICT DO NOTHING skips the codes that exist.
    def put(self, request: HttpRequest) -> JsonResponse:
        codes = request.POST.getlist("code")
        warehouses = [Warehouse(code=code, name=code) for code in codes]
        Warehouse.objects.bulk_create(warehouses, ignore_conflicts=True)
        return JsonResponse({"imported": len(codes)})


# IL201 through a helper: the insert is in shop/services.py, the answer belongs to the view.
def open_warehouse(request: HttpRequest) -> JsonResponse:
    warehouse = add_warehouse(request.POST["code"], request.POST["name"])  # expect: IL201
    return JsonResponse({"id": warehouse.pk}, status=201)


# Safe twin: a duplicate code is a 409, not a 500.
def open_warehouse_safe(request: HttpRequest) -> JsonResponse:
    try:
        with transaction.atomic():
            warehouse = add_warehouse(request.POST["code"], request.POST["name"])
    except IntegrityError:
        return JsonResponse({"error": "This already exists."}, status=409)
    return JsonResponse({"id": warehouse.pk}, status=201)
