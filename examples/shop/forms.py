"""Forms whose validation looks a row up before the insert, not with it: a ModelForm's
validate_unique(), a form's own `clean_code()`, a model's `clean()` (run by `is_valid()`)."""

from typing import Any

from django import forms

from shop.models import Product, StockLevel, Warehouse


class WarehouseForm(forms.ModelForm):
    class Meta:
        model = Warehouse
        fields = ["code", "name"]


class WarehouseOpeningForm(forms.Form):
    """IL101 across methods: `clean_code()` finds no warehouse, `save()` creates it."""

    code = forms.CharField(max_length=10)
    name = forms.CharField(max_length=100)

    def clean_code(self) -> str:
        code = self.cleaned_data["code"]
        if Warehouse.objects.filter(code=code).exists():
            raise forms.ValidationError("This code is taken.")
        return code

    def save(self) -> Warehouse:
        data = self.cleaned_data
        return Warehouse.objects.create(code=data["code"], name=data["name"])  # expect: IL101


class StockLevelForm(forms.ModelForm):
    """The quantity of a new stock level; `StockLevel.clean()` refuses a second one."""

    class Meta:
        model = StockLevel
        fields = ["quantity"]

    def __init__(self, product: Product, warehouse: Warehouse, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.instance.product = product
        self.instance.warehouse = warehouse
