"""IL201 in a generic base view: the save in the base is reported for the project subclasses
that set a colliding serializer or form, found in other modules too, named in the message and
pointed at; a subclass in test code serves no request; the fix wraps the base's save."""

from __future__ import annotations

import textwrap
from pathlib import Path

from integrity_lsp.checker import check_source
from tests.helpers import check_fixed, copy_project, environment

BASE = """\
from rest_framework import viewsets


class CatalogViewSet(viewsets.GenericViewSet):
    def perform_create(self, serializer):
        serializer.save()
"""

SUPPLIERS = """\
from store.generic_base import CatalogViewSet
from store.serializers import MembershipSerializer, SupplierSerializer


class SupplierViewSet(CatalogViewSet):
    serializer_class = SupplierSerializer


class MembershipViewSet(CatalogViewSet):
    serializer_class = MembershipSerializer
"""


def _findings(tmp_path: Path, files: dict[str, str]) -> list:  # type: ignore[type-arg]
    root = copy_project("guards", tmp_path)
    for relative, text in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
    path = root / "store/generic_base.py"
    env = environment(root)
    return [f for f in check_source(path.read_text(), path, env) if f.code == "IL201"]


def test_a_subclass_in_another_module_is_named_and_pointed_at(tmp_path: Path) -> None:
    findings = _findings(
        tmp_path, {"store/generic_base.py": BASE, "store/generic_views.py": SUPPLIERS}
    )
    assert [f.span.start_line for f in findings] == [6]
    finding = findings[0]
    assert "run for its subclass `SupplierViewSet`" in finding.message
    assert "`Supplier` through the ModelSerializer `SupplierSerializer`" in finding.message
    assert "UNIQUE constraint failed: shop_supplier.email" in finding.message
    subclass = finding.related[0]
    assert subclass.path.name == "generic_views.py"
    assert subclass.span.start_line == 5
    assert "sets `SupplierSerializer`" in subclass.message
    assert finding.fixes, "the base's save is wrapped"


def test_other_colliding_subclasses_are_counted(tmp_path: Path) -> None:
    more = SUPPLIERS + textwrap.dedent(
        """

        class OtherSupplierViewSet(SupplierViewSet):
            pass


        class ThirdSupplierViewSet(CatalogViewSet):
            serializer_class = SupplierSerializer
        """
    )
    findings = _findings(tmp_path, {"store/generic_base.py": BASE, "store/generic_views.py": more})
    assert len(findings) == 1
    assert "(and 2 other subclasses of the project)" in findings[0].message


def test_a_subclass_in_test_code_serves_no_request(tmp_path: Path) -> None:
    findings = _findings(
        tmp_path, {"store/generic_base.py": BASE, "store/tests/test_views.py": SUPPLIERS}
    )
    assert findings == []


def test_without_subclasses_the_base_is_silent(tmp_path: Path) -> None:
    assert _findings(tmp_path, {"store/generic_base.py": BASE}) == []


GENERIC_BEFORE = """\
from rest_framework import viewsets

from store.serializers import SupplierSerializer


class CatalogViewSet(viewsets.GenericViewSet):
    def perform_create(self, serializer):
        serializer.save()


class SupplierViewSet(CatalogViewSet):
    serializer_class = SupplierSerializer
"""

GENERIC_AFTER = """\
from rest_framework import serializers, status, viewsets

from store.serializers import SupplierSerializer
from django.db import IntegrityError, transaction


class CatalogViewSet(viewsets.GenericViewSet):
    def perform_create(self, serializer):
        try:
            with transaction.atomic():
                serializer.save()
        except IntegrityError:
            conflict = serializers.ValidationError({"non_field_errors": ["This already exists."]})
            conflict.status_code = status.HTTP_409_CONFLICT
            raise conflict


class SupplierViewSet(CatalogViewSet):
    serializer_class = SupplierSerializer
"""


def test_the_fix_answers_409_with_a_neutral_body(tmp_path: Path) -> None:
    """The field differs per subclass: the body names none."""
    check_fixed(
        GENERIC_BEFORE,
        GENERIC_AFTER,
        filename="store/generic_base.py",
        project="guards",
        tmp_path=tmp_path,
        code="IL201",
    )


JOIN = """\
from rest_framework import serializers, viewsets

from store.models import Membership


class JoinSerializer(serializers.ModelSerializer):
    user = serializers.PrimaryKeyRelatedField(
        read_only=True, default=serializers.CurrentUserDefault()
    )

    class Meta:
        model = Membership
        fields = ["user", "team", "role"]


class PlainJoinSerializer(serializers.ModelSerializer):
    class Meta:
        model = Membership
        fields = ["team", "role"]


class JoinViewSet(viewsets.GenericViewSet):
    serializer_class = {serializer}

    def perform_create(self, serializer):
        serializer.save(user=self.request.user)
"""


def test_a_read_only_field_with_a_default_is_validated_like_a_submitted_one(
    tmp_path: Path,
) -> None:
    """wger's WorkoutSession: `user` is read-only with `CurrentUserDefault()`, so DRF's
    unique-together validator checks (user, date) before the insert: the race is two requests
    passing `is_valid()`, not a value the code sets outside validation."""
    root = copy_project("guards", tmp_path)
    path = root / "store/join_views.py"
    messages = {}
    for serializer in ("JoinSerializer", "PlainJoinSerializer"):
        path.write_text(JOIN.format(serializer=serializer), encoding="utf-8")
        findings = check_source(path.read_text(), path, environment(root))
        (finding,) = [f for f in findings if f.code == "IL201"]
        messages[serializer] = finding.message
    assert "both pass `is_valid()` (DRF's validators look" in messages["JoinSerializer"]
    assert "set by the code" not in messages["JoinSerializer"]
    assert (
        "`user` is set by the code, outside the serializer's validation"
        in (messages["PlainJoinSerializer"])
    )
