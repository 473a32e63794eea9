from decimal import Decimal

from django.db import IntegrityError, transaction

from orders.models import Customer, Order, OrderLine
from shop.models import Product


# IL102: two first orders from one address -> UNIQUE constraint failed: sales_customer.email.
def customer_for_email(email: str, name: str) -> Customer:
    try:
        return Customer.objects.get(email=email)
    except Customer.DoesNotExist:
        return Customer.objects.create(email=email, name=name)  # expect: IL102


# Safe twin.
def customer_for_email_safe(email: str, name: str) -> Customer:
    customer, _created = Customer.objects.get_or_create(email=email, defaults={"name": name})
    return customer


# IL104: __iexact is not the unique column's equality: concurrent calls insert "Ann@x.org" and
# "ann@x.org", later calls raise MultipleObjectsReturned.
def customer_any_case(email: str, name: str) -> Customer:
    customer, _created = Customer.objects.get_or_create(  # expect: IL104
        email__iexact=email, defaults={"email": email, "name": name}
    )
    return customer


# Safe twin: normalise, then look up the unique column exactly.
def customer_any_case_safe(email: str, name: str) -> Customer:
    customer, _created = Customer.objects.get_or_create(
        email=email.lower(), defaults={"name": name}
    )
    return customer


# IL202: the failed INSERT breaks the atomic block around it; the get() in the handler raises
# TransactionManagementError ("An error occurred in the current transaction...").
@transaction.atomic
def reorder(customer: Customer, number: str) -> Order:
    try:
        order = Order.objects.create(customer=customer, number=number)
    except IntegrityError:  # expect: IL202
        order = Order.objects.get(number=number)
    order.status = "reordered"
    order.save()
    return order


# Safe twin: a nested atomic() is a savepoint; rolling it back keeps the outer block usable.
@transaction.atomic
def reorder_safe(customer: Customer, number: str) -> Order:
    try:
        with transaction.atomic():
            order = Order.objects.create(customer=customer, number=number)
    except IntegrityError:
        order = Order.objects.get(number=number)
    order.status = "reordered"
    order.save()
    return order


# IL203: quantity is NOT NULL without a default ->
# NOT NULL constraint failed: sales_orderline.quantity.
def add_line(order: Order, product: Product) -> OrderLine:
    return OrderLine.objects.create(  # expect: IL203
        order=order, product=product, unit_price=product.price
    )


# Safe twin.
def add_line_safe(order: Order, product: Product, quantity: int = 1) -> OrderLine:
    return OrderLine.objects.create(
        order=order, product=product, quantity=quantity, unit_price=product.price
    )


# IL205: PositiveIntegerField -> CHECK constraint failed: quantity (a return must not be a
# negative line; book it as a refund instead).
def add_return_line(order: Order, product: Product) -> OrderLine:
    return OrderLine.objects.create(
        order=order,
        product=product,
        quantity=-1,  # expect: IL205
        unit_price=product.price,
    )


# Safe twin.
def add_refund_line(order: Order, product: Product) -> OrderLine:
    return OrderLine.objects.create(
        order=order, product=product, quantity=1, unit_price=-product.price
    )
