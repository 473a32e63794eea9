from django.http import HttpRequest, JsonResponse
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_POST

from orders.models import Customer, Order


# IL204: an unknown or deleted customer id -> FOREIGN KEY constraint failed (on SQLite and
# PostgreSQL the check is deferred to COMMIT).
@require_POST
def create_order(request: HttpRequest) -> JsonResponse:
    order = Order.objects.create(customer_id=request.POST["customer_id"])  # expect: IL204
    return JsonResponse({"number": order.number}, status=201)


# Safe twin: a missing customer is a 404 before anything is written.
@require_POST
def create_order_safe(request: HttpRequest) -> JsonResponse:
    customer = get_object_or_404(Customer, pk=request.POST["customer_id"])
    order = Order.objects.create(customer=customer)
    return JsonResponse({"number": order.number}, status=201)
