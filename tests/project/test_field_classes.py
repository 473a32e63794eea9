"""What a field class's `__init__` fixes (`null`, `unique`, …) and what it only defaults."""

from __future__ import annotations

import textwrap

from integrity_lsp.project.field_classes import FieldClassOptions, read_field_classes


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
