"""A ModelForm: its validate_unique() looks the code up before the insert, not with it."""

from django import forms

from shop.models import Warehouse


class WarehouseForm(forms.ModelForm):
    class Meta:
        model = Warehouse
        fields = ["code", "name"]
