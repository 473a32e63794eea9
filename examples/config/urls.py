from django.contrib import admin
from django.urls import path

from accounts import views as account_views
from orders import views as order_views
from shop import views as shop_views

urlpatterns = [
    path("admin/", admin.site.urls),
    path("products/new/", shop_views.create_product),
    path("products/new-safe/", shop_views.create_product_safe),
    path("warehouses/new/", shop_views.WarehouseCreateView.as_view()),
    path("warehouses/new-safe/", shop_views.SafeWarehouseCreateView.as_view()),
    path("warehouses/import/", shop_views.WarehouseImportView.as_view()),
    path("warehouses/open/", shop_views.open_warehouse),
    path("warehouses/open-safe/", shop_views.open_warehouse_safe),
    path("signup/", account_views.signup),
    path("signup-safe/", account_views.signup_safe),
    path("profile/", account_views.ProfileView.as_view()),
    path("orders/new/", order_views.create_order),
    path("orders/new-safe/", order_views.create_order_safe),
]
