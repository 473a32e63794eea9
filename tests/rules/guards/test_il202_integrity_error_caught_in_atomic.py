"""IL202 fix: the `try` body goes into its own `with transaction.atomic():` savepoint."""

from __future__ import annotations

from pathlib import Path

from integrity_lsp.findings import Applicability
from tests.helpers import check_fixed

FILENAME = "store/services_case.py"


def test_try_body_is_wrapped_in_a_savepoint(tmp_path: Path) -> None:
    findings = check_fixed(
        """\
        from django.db import IntegrityError, transaction

        from store.models import Supplier


        @transaction.atomic
        def reorder(email):
            try:
                # create first
                supplier = Supplier.objects.create(email=email)  # may fail

                if supplier.rating:
                    supplier.rating -= 1
                    supplier.save()
            except IntegrityError:
                supplier = Supplier.objects.get(email=email)
            return supplier
        """,
        """\
        from django.db import IntegrityError, transaction

        from store.models import Supplier


        @transaction.atomic
        def reorder(email):
            try:
                # create first
                with transaction.atomic():
                    supplier = Supplier.objects.create(email=email)  # may fail

                    if supplier.rating:
                        supplier.rating -= 1
                        supplier.save()
            except IntegrityError:
                supplier = Supplier.objects.get(email=email)
            return supplier
        """,
        filename=FILENAME,
        project="guards",
        tmp_path=tmp_path,
        code="IL202",
    )
    finding = findings[0]
    assert finding.fixes[0].applicability is Applicability.SAFE
    assert "TransactionManagementError" in finding.message
    assert (finding.span.start_line, finding.span.start_column) == (15, 4)


def test_view_under_atomic_requests_gets_the_import(tmp_path: Path) -> None:
    findings = check_fixed(
        """\
        from django.db import IntegrityError
        from django.http import JsonResponse

        from store.models import Supplier


        def create(request):
            try:
                Supplier.objects.create(email=request.POST["email"])
            except IntegrityError:
                return JsonResponse({}, status=409)
            return JsonResponse({})
        """,
        """\
        from django.db import IntegrityError, transaction
        from django.http import JsonResponse

        from store.models import Supplier


        def create(request):
            try:
                with transaction.atomic():
                    Supplier.objects.create(email=request.POST["email"])
            except IntegrityError:
                return JsonResponse({}, status=409)
            return JsonResponse({})
        """,
        filename=FILENAME,
        project="guards",
        tmp_path=tmp_path,
        code="IL202",
    )
    assert "ATOMIC_REQUESTS" in findings[0].message


def test_with_block_and_bare_except(tmp_path: Path) -> None:
    check_fixed(
        """\
        from django.db import transaction

        from store.models import Supplier


        def sync(emails):
            with transaction.atomic():
                for email in emails:
                    try:
                        Supplier.objects.create(email=email)
                    except:
                        continue
        """,
        """\
        from django.db import transaction

        from store.models import Supplier


        def sync(emails):
            with transaction.atomic():
                for email in emails:
                    try:
                        with transaction.atomic():
                            Supplier.objects.create(email=email)
                    except:
                        continue
        """,
        filename=FILENAME,
        project="guards",
        tmp_path=tmp_path,
        code="IL202",
    )


def test_multi_line_string_in_the_body_gets_no_fix(tmp_path: Path) -> None:
    from integrity_lsp.checker import check_source
    from tests.helpers import copy_project, environment

    root = copy_project("guards", tmp_path)
    path = root / FILENAME
    text = (
        "from django.db import IntegrityError, transaction\n"
        "from store.models import Supplier\n\n\n"
        "@transaction.atomic\n"
        "def create(email):\n"
        "    try:\n"
        '        Supplier.objects.create(email=email, name="""a\nb""")\n'
        "    except IntegrityError:\n"
        "        pass\n"
        "    return Supplier.objects.count()\n"
    )
    path.write_text(text, encoding="utf-8")
    findings = [f for f in check_source(text, path, environment(root)) if f.code == "IL202"]
    assert len(findings) == 1
    assert findings[0].fixes == ()


def test_a_tab_indented_file_keeps_its_tabs(tmp_path: Path) -> None:
    before = (
        "from django.db import IntegrityError, transaction\n\n"
        "from store.models import Supplier\n\n\n"
        "@transaction.atomic\n"
        "def reorder(email):\n"
        "\ttry:\n"
        "\t\tsupplier = Supplier.objects.create(email=email)\n"
        "\t\tif supplier.rating:\n"
        "\t\t\tsupplier.save()\n"
        "\texcept IntegrityError:\n"
        "\t\tsupplier = Supplier.objects.get(email=email)\n"
        "\treturn supplier\n"
    )
    after = before.replace(
        "\t\tsupplier = Supplier.objects.create(email=email)\n"
        "\t\tif supplier.rating:\n"
        "\t\t\tsupplier.save()\n",
        "\t\twith transaction.atomic():\n"
        "\t\t\tsupplier = Supplier.objects.create(email=email)\n"
        "\t\t\tif supplier.rating:\n"
        "\t\t\t\tsupplier.save()\n",
    )
    check_fixed(
        before,
        after,
        filename=FILENAME,
        project="guards",
        tmp_path=tmp_path,
        code="IL202",
    )
