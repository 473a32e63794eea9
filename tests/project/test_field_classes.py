"""What a field class's `__init__` fixes (`null`, `unique`, …) and what it only defaults."""

from __future__ import annotations

import textwrap
from pathlib import Path

from integrity_lsp.findings import Span
from integrity_lsp.project.field_classes import FieldClassOptions, read_field_classes
from integrity_lsp.project.records import FieldRecord, SourceRef


def test_what_an_init_fixes_and_what_it_only_defaults() -> None:
    text = textwrap.dedent(
        """\
        from django.db import models


        class Forced(models.CharField):
            def __init__(self, *args, **options):
                options.update(unique=True)
                super().__init__(*args, null=True, **options)


        class Defaulted(models.IntegerField):
            def __init__(self, *args, **kwargs):
                kwargs.setdefault("default", 0)
                super().__init__(*args, **kwargs)


        class Child(Defaulted):
            def __init__(self, *args, **kwargs):
                kwargs["blank"] = True
                super().__init__(*args, **kwargs)


        class CharField(models.CharField):  # Django's own name: never taken over
            def __init__(self, *args, **kwargs):
                kwargs["null"] = True
                super().__init__(*args, **kwargs)


        class Plain(models.TextField):
            def __init__(self, *args, **kwargs):
                super().__init__(*args, **kwargs)
        """
    )
    classes = [
        ("Forced", ("CharField",)),
        ("Defaulted", ("IntegerField",)),
        ("Child", ("Defaulted",)),
        ("CharField", ("CharField",)),
        ("Plain", ("TextField",)),
    ]
    found = dict(read_field_classes(classes, [text]).by_name)
    assert found == {
        "Forced": FieldClassOptions(forced=(("null", "True"), ("unique", "True"))),
        "Defaulted": FieldClassOptions(defaults=(("default", "0"),)),
        "Child": FieldClassOptions(forced=(("blank", "True"),), defaults=(("default", "0"),)),
    }


def test_an_option_computed_from_another_is_the_literal_it_comes_to() -> None:
    """shuup's InternalIdentifierField: `blank` defaults to True and `null` to `bool(blank)`,
    so a field written without either is nullable, and one written with `blank=False` is not.
    The keyword-arguments dict may have any name; what cannot be computed stays as written."""
    text = textwrap.dedent(
        """\
        from django.db import models


        class IdentifierField(models.CharField):
            def __init__(self, **options):
                options.setdefault("blank", True)
                options.setdefault("null", bool(options.get("blank")))
                super().__init__(**options)


        class Opaque(models.CharField):
            def __init__(self, **kwargs):
                kwargs.setdefault("null", settings.NULLABLE)
                super().__init__(**kwargs)
        """
    )
    classes = [("IdentifierField", ("CharField",)), ("Opaque", ("CharField",))]
    field_classes = read_field_classes(classes, [text])
    ref = SourceRef(Path("shop/models.py"), Span(1, 0, 1, 4))

    def field(class_name: str, **given: str) -> FieldRecord:
        record = FieldRecord("code", class_name, ref, options=tuple(given.items()))
        return field_classes.apply(record)

    assert field("IdentifierField", unique="True").null
    assert field("IdentifierField", unique="True").blank
    assert not field("IdentifierField", unique="True", blank="False").null
    assert field("IdentifierField", blank="1").null
    assert not field("Opaque").null


def test_a_defaults_dict_updated_with_the_call_options_and_passed_on() -> None:
    """A money field whose `__init__` starts from its own options (`null`, `blank`), lets the
    call override them (`defaults.update(kwargs)`) and passes the dict on: a field written
    without `null` is nullable. A dict passed on without the call's options merged in, or one
    merged but never passed on, fixes nothing that can be read."""
    text = textwrap.dedent(
        """\
        from django.db import models


        class PriceField(models.DecimalField):
            def __init__(self, *args, **kwargs):
                defaults = {"null": True, "blank": True, "max_digits": 10}
                defaults.update(kwargs)
                super().__init__(*args, **defaults)


        class NotMerged(models.DecimalField):
            def __init__(self, *args, **kwargs):
                defaults = {"null": True}
                super().__init__(*args, **defaults)


        class NotPassed(models.DecimalField):
            def __init__(self, *args, **kwargs):
                defaults = {"null": True}
                defaults.update(kwargs)
                super().__init__(*args, **kwargs)
        """
    )
    classes = [
        ("PriceField", ("DecimalField",)),
        ("NotMerged", ("DecimalField",)),
        ("NotPassed", ("DecimalField",)),
    ]
    found = read_field_classes(classes, [text])
    assert dict(found.by_name) == {
        "PriceField": FieldClassOptions(defaults=(("blank", "True"), ("null", "True"))),
    }
    ref = SourceRef(Path("shop/models.py"), Span(3, 4, 3, 40))
    written = FieldRecord("price", "PriceField", ref, options=(("verbose_name", "'Price'"),))
    assert found.apply(written).null is True
    not_null = FieldRecord("price", "PriceField", ref, options=(("null", "False"),))
    assert found.apply(not_null).null is False
