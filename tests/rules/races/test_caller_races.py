"""IL101 carried from a caller into a model method (`analysis.absence_callers`): the finding is
on the method's insert, names the caller and points at its call; the fix wraps the insert in
the method, where it guards every caller. Callers in tests or command code, and receivers of
another model, do not count."""

from __future__ import annotations

import textwrap
from pathlib import Path

from integrity_lsp.checker import check_source
from integrity_lsp.findings import Applicability, Finding
from tests.helpers import check_fixed, copy_project, environment

MODELS = """\
# integrity-lsp: noqa: IL304
from django.conf import settings
from django.db import models


class Review(models.Model):
    title = models.CharField(max_length=100)

    class Meta:
        app_label = "shop"

    def flag(self, user):
        Flag.objects.create(review=self, user=user, reason="spam")

    def flag_and_return(self, user):
        flag = Flag.objects.create(review=self, user=user, reason="spam")
        return flag


class Flag(models.Model):
    review = models.ForeignKey(Review, on_delete=models.CASCADE)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    reason = models.CharField(max_length=100)

    class Meta:
        app_label = "shop"
        unique_together = [("review", "user")]
"""

CALLER = """\
from django.shortcuts import get_object_or_404

from reviews.models import Flag, Review


def flag_review(request, pk):
    review = get_object_or_404(Review, pk=pk)
    if not Flag.objects.filter(review=review, user=request.user).exists():
        review.{method}(request.user)
"""


def _findings(tmp_path: Path, callers: dict[str, str]) -> list[Finding]:
    root = copy_project("races", tmp_path)
    files = {"reviews/__init__.py": "", "reviews/models.py": MODELS, **callers}
    for relative, text in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
    models = root / "reviews/models.py"
    findings = check_source(models.read_text(encoding="utf-8"), models, environment(root))
    return [finding for finding in findings if finding.code == "IL101"]


def test_the_insert_names_its_caller_and_the_call_is_a_related_location(tmp_path: Path) -> None:
    (finding,) = _findings(tmp_path, {"reviews/views.py": CALLER.format(method="flag")})
    assert finding.span.start_line == 13
    assert "guards `create()` in `flag()`, called by `flag_review()` after the check" in (
        finding.message
    )
    assert "UNIQUE constraint failed: shop_flag.review_id, shop_flag.user_id" in finding.message
    call = finding.related[-1]
    assert (call.path.name, call.span.start_line) == ("views.py", 9)
    assert call.message == "`flag_review()` calls it here"
    (fix,) = finding.fixes
    assert fix.applicability is Applicability.SAFE


def test_a_bound_insert_gets_no_fix(tmp_path: Path) -> None:
    callers = {"reviews/views.py": CALLER.format(method="flag_and_return")}
    (finding,) = _findings(tmp_path, callers)
    assert finding.span.start_line == 16
    assert finding.fixes == ()  # re-getting the winner's row would need the caller's values


def test_callers_in_tests_and_commands_do_not_count(tmp_path: Path) -> None:
    callers = {
        "reviews/tests/test_flags.py": CALLER.format(method="flag"),
        "reviews/management/commands/flag.py": CALLER.format(method="flag"),
    }
    assert _findings(tmp_path, callers) == []


def test_a_receiver_of_another_model_is_not_a_caller(tmp_path: Path) -> None:
    other = CALLER.format(method="flag").replace(
        "review = get_object_or_404(Review, pk=pk)", "review = get_object_or_404(Flag, pk=pk)"
    )
    assert _findings(tmp_path, {"reviews/views.py": other}) == []


def test_the_fix_wraps_the_insert_in_the_method(tmp_path: Path) -> None:
    check_fixed(
        """\
        # integrity-lsp: noqa: IL304
        from django.conf import settings
        from django.db import models
        from django.shortcuts import get_object_or_404


        class Review(models.Model):
            class Meta:
                app_label = "shop"

            def flag(self, user):
                Flag.objects.create(review=self, user=user)


        class Flag(models.Model):
            review = models.ForeignKey(Review, on_delete=models.CASCADE)
            user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)

            class Meta:
                app_label = "shop"
                unique_together = [("review", "user")]


        def flag_review(request, pk):
            review = get_object_or_404(Review, pk=pk)
            if not Flag.objects.filter(review=review, user=request.user).exists():
                review.flag(request.user)
        """,
        """\
        # integrity-lsp: noqa: IL304
        from django.conf import settings
        from django.db import IntegrityError, models, transaction
        from django.shortcuts import get_object_or_404


        class Review(models.Model):
            class Meta:
                app_label = "shop"

            def flag(self, user):
                try:
                    with transaction.atomic():
                        Flag.objects.create(review=self, user=user)
                except IntegrityError:
                    pass


        class Flag(models.Model):
            review = models.ForeignKey(Review, on_delete=models.CASCADE)
            user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)

            class Meta:
                app_label = "shop"
                unique_together = [("review", "user")]


        def flag_review(request, pk):
            review = get_object_or_404(Review, pk=pk)
            if not Flag.objects.filter(review=review, user=request.user).exists():
                review.flag(request.user)
        """,
        filename="reviews/flags.py",
        project="races",
        tmp_path=tmp_path,
        code="IL101",
    )
