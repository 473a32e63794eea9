"""A check in a form's or serializer's validation and the insert in its `save()`/`create()`:
the message names the validation method; a serializer's insert gets the serializer's own
`ValidationError` on IntegrityError (DRF answers 400), a form's gets no fix."""

from __future__ import annotations

from pathlib import Path

from tests.helpers import check_fixed, findings_in


def test_serializer_create_raises_its_validation_error_on_integrity_error(tmp_path: Path) -> None:
    check_fixed(
        """\
        from rest_framework import serializers

        from shop.models import Warehouse


        class WarehouseSerializer(serializers.Serializer):
            code = serializers.CharField()
            name = serializers.CharField()

            def validate_code(self, value):
                if Warehouse.objects.filter(code=value).exists():
                    raise serializers.ValidationError("Taken.")
                return value

            def create(self, validated_data):
                warehouse = Warehouse.objects.create(
                    code=validated_data["code"], name=validated_data["name"]
                )
                return warehouse
        """,
        """\
        from rest_framework import serializers

        from shop.models import Warehouse
        from django.db import IntegrityError, transaction


        class WarehouseSerializer(serializers.Serializer):
            code = serializers.CharField()
            name = serializers.CharField()

            def validate_code(self, value):
                if Warehouse.objects.filter(code=value).exists():
                    raise serializers.ValidationError("Taken.")
                return value

            def create(self, validated_data):
                try:
                    with transaction.atomic():
                        warehouse = Warehouse.objects.create(
                            code=validated_data["code"], name=validated_data["name"]
                        )
                except IntegrityError:
                    raise serializers.ValidationError({"code": ["This value is already taken."]})
                return warehouse
        """,
        filename="shop/fixture_case.py",
        project="examples",
        tmp_path=tmp_path,
        code="IL101",
    )


def test_form_save_is_reported_naming_the_check_and_gets_no_fix(tmp_path: Path) -> None:
    findings = findings_in(
        """\
        from django import forms

        from shop.models import Warehouse


        class WarehouseForm(forms.Form):
            code = forms.CharField()

            def clean_code(self):
                code = self.cleaned_data["code"].strip()
                if Warehouse.objects.filter(code=code).exists():
                    raise forms.ValidationError("Taken.")
                return code

            def save(self):
                return Warehouse.objects.create(code=self.cleaned_data["code"], name="")
        """,
        tmp_path,
        "IL101",
        project="examples",
        filename="shop/fixture_case.py",
    )
    assert [f.span.start_line for f in findings] == [16]
    assert "an existence check in `clean_code()` of Warehouse" in findings[0].message
    assert "UNIQUE constraint failed: shop_warehouse.code" in findings[0].message
    assert findings[0].fixes == ()


def test_a_check_on_a_value_computed_in_clean_is_not_carried(tmp_path: Path) -> None:
    findings = findings_in(
        """\
        from django import forms

        from shop.models import Warehouse


        class WarehouseForm(forms.Form):
            code = forms.CharField()

            def clean_code(self):
                code = self.cleaned_data["code"]
                prefix = code.split("-")[0]
                if Warehouse.objects.filter(code=prefix).exists():
                    raise forms.ValidationError("Taken.")
                return code

            def save(self):
                return Warehouse.objects.create(code=self.cleaned_data["code"], name="")
        """,
        tmp_path,
        "IL101",
        project="examples",
        filename="shop/fixture_case.py",
    )
    assert findings == []
