"""IL104 stays silent on `get_or_create(file=<a file this request uploaded>)` when every stored
name holds a folder (`upload_to`): Django looks the upload up by its bare name, which no
stored name equals, so every call inserts its own row and none can find two. A file field
stored without a folder, or a value that is a stored path, still reports."""

from __future__ import annotations

from pathlib import Path

import pytest

from integrity_lsp.checker import check_source
from tests.helpers import environment, write_app

MODELS = """\
from django.db import models


def attachment_path(instance, filename):
    if instance.kind:
        return "attachments/{}/{}".format(instance.kind, filename)
    return f"attachments/other/{filename}"


class Attachment(models.Model):
    kind = models.CharField(max_length=20, blank=True)
    file = models.FileField({upload_to})
"""
FORMS = """\
from django import forms

from desk.models import Attachment


class AttachForm(forms.Form):
    upload = forms.{form_field}()

    def save(self):
        upload = self.cleaned_data.get("upload")
        attachment, _ = Attachment.objects.get_or_create(file=upload, defaults={{"kind": "x"}})
        return attachment
"""
VIEWS = """\
from desk.models import Attachment


def attach(request):
    attachment, _ = Attachment.objects.get_or_create(file=request.FILES["file"])
    return attachment
"""


@pytest.mark.parametrize(
    ("upload_to", "form_field", "reported"),
    [
        ('upload_to="attachments/%Y"', "FileField", False),  # a folder: never the bare name
        ("upload_to=attachment_path", "FileField", False),  # every path holds a folder
        ("upload_to=attachment_path", "ImageField", False),
        ("", "FileField", True),  # stored without a folder: a later upload may match
        ('upload_to="attachments"', "CharField", True),  # a stored path typed in: may match
    ],
)
def test_an_uploaded_file_as_the_lookup(
    tmp_path: Path, upload_to: str, form_field: str, reported: bool
) -> None:
    models = MODELS.replace("{upload_to}", upload_to)
    write_app(
        tmp_path, "desk", {"models.py": models, "forms.py": FORMS.format(form_field=form_field)}
    )
    path = tmp_path / "desk" / "forms.py"
    findings = check_source(path.read_text(encoding="utf-8"), path, environment(tmp_path))
    assert [f.span.start_line for f in findings if f.code == "IL104"] == ([11] if reported else [])


@pytest.mark.parametrize(("upload_to", "reported"), [('upload_to="a/b"', False), ("", True)])
def test_a_request_file_as_the_lookup(tmp_path: Path, upload_to: str, reported: bool) -> None:
    write_app(
        tmp_path, "desk", {"models.py": MODELS.replace("{upload_to}", upload_to), "views.py": VIEWS}
    )
    path = tmp_path / "desk" / "views.py"
    findings = check_source(path.read_text(encoding="utf-8"), path, environment(tmp_path))
    assert [f.span.start_line for f in findings if f.code == "IL104"] == ([5] if reported else [])
