"""The test-code policy: race and request rules are silent in test modules, no rule reports
inside a block that expects an IntegrityError, and a pytest fixture is no request handler."""

from __future__ import annotations

from pathlib import Path

from integrity_lsp.analysis.suppressions import integrity_error_expected
from tests.helpers import findings_in

EXPECTING = """
import pytest
from django.db import IntegrityError
from django.test import TestCase

from store.models import Category


def test_duplicate_slug():
    with pytest.raises(IntegrityError):
        Category.objects.create(name="Books", slug="books")


class CategoryTests(TestCase):
    def test_duplicate(self):
        with self.assertRaises((IntegrityError, ValueError)):
            Category.objects.create(name="Books", slug="books")

    def test_not_expected(self):
        Category.objects.create(name="Books", slug="books")
"""


def test_blocks_expecting_an_integrity_error_are_found() -> None:
    assert integrity_error_expected(EXPECTING) == ((10, 11), (16, 17))
    assert integrity_error_expected("with pytest.raises(ValueError):\n    x()\n") == ()


def test_no_finding_inside_a_block_expecting_an_integrity_error(tmp_path: Path) -> None:
    found = findings_in(EXPECTING, tmp_path, "IL203", filename="store/tests/test_slugs.py")
    assert [finding.span.start_line for finding in found] == [20]


def test_request_rules_are_silent_in_test_modules(tmp_path: Path) -> None:
    source = """
        from store.models import Category


        def create_category(request):
            slug = request.POST["slug"]
            Category.objects.create(name=request.POST["name"], slug=slug, position=1)
    """
    assert findings_in(source, tmp_path / "a", "IL201", filename="store/views.py")
    assert not findings_in(source, tmp_path / "b", "IL201", filename="store/tests/test_views.py")
    assert not findings_in(source, tmp_path / "c", "IL201", filename="store/conftest.py")


def test_a_pytest_fixture_is_not_a_request_handler(tmp_path: Path) -> None:
    source = """
        import pytest

        from store.models import Category


        @pytest.fixture
        def category(request):
            return Category.objects.create(name="x", slug=request.param, position=1)
    """
    assert not findings_in(source, tmp_path, "IL201", filename="store/fixtures.py")
