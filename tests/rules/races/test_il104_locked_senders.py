"""IL104 stays silent in a receiver of a project signal whose every send runs after a
`select_for_update()` in the sender's open transaction (ephios's `signup_save`: the signup view
locks the shift, then sends; the questionnaire receiver saves the answers). Each way the senders
can be unknown or unlocked has a twin that still reports."""

from __future__ import annotations

from pathlib import Path

import pytest

from integrity_lsp.checker import check_source
from tests.helpers import environment, write_app

MODELS = """\
from django.db import models


class Shift(models.Model):
    title = models.CharField(max_length=30)


class Answer(models.Model):
    shift = models.ForeignKey(Shift, on_delete=models.CASCADE)
    question = models.CharField(max_length=30)  # (shift, question) not unique
    text = models.TextField()
"""
SIGNALS = "from django.dispatch import Signal\n\nsignup_saved = Signal()\n"
RECEIVERS = """\
from django.dispatch import receiver

from crew.models import Answer
from crew.signals import signup_saved


@receiver(signup_saved, dispatch_uid="crew.answers")
def save_answers(sender, shift, answers, **kwargs):
    for question, text in answers.items():
        Answer.objects.update_or_create(
            shift=shift, question=question, defaults={"text": text}
        )
"""
VIEWS = """\
from django.db import transaction

from crew.models import Shift
from crew.signals import signup_saved


class SignupView:
    def _locked_shift(self, pk):
        return Shift.objects.select_for_update().get(pk=pk)

    def post(self, request, pk):
        with transaction.atomic():
            shift = self._locked_shift(pk)
            return self._process(shift, request.POST)

    def _process(self, shift, answers):
        self._send(shift, answers)
        return shift

    def _send(self, shift, answers):
        signup_saved.send(sender=None, shift=shift, answers=answers)
"""
# The lock is taken in a transaction that has ended when the signal is sent.
UNLOCKED_VIEWS = VIEWS.replace(
    "            shift = self._locked_shift(pk)\n            return",
    "            shift = self._locked_shift(pk)\n        return",
)
IMPORT_SENDER = """\
from crew.models import Shift
from crew.signals import signup_saved


def import_answers(rows):
    for row in rows:
        signup_saved.send(sender=None, shift=Shift.objects.get(pk=row.pk), answers=row.answers)
"""
HANDED_ON = "from crew.signals import signup_saved\n\nWATCHED = [signup_saved]\n"
CALLED_DIRECTLY = """\
from crew.receivers import save_answers


def replay(shift, answers):
    save_answers(None, shift, answers)
"""
SAME_NAME_METHOD = """\
class Structure:
    def save_answers(self, shift, answers):
        return None


def delegate(structure, shift, answers):
    structure.save_answers(shift, answers)
"""
TEST_SENDER = IMPORT_SENDER.replace("def import_answers", "def test_import_answers")


def _il104_lines(root: Path) -> list[int]:
    path = root / "crew" / "receivers.py"
    findings = check_source(path.read_text(encoding="utf-8"), path, environment(root))
    return [finding.span.start_line for finding in findings if finding.code == "IL104"]


@pytest.mark.parametrize(
    ("extra", "reported"),
    [
        ({}, False),  # the only sender locks the shift in its transaction first
        ({"views.py": UNLOCKED_VIEWS}, True),  # the lock's transaction ends before the send
        ({"importer.py": IMPORT_SENDER}, True),  # a second sender locks nothing
        ({"watch.py": HANDED_ON}, True),  # the signal handed on: its senders are unknown
        ({"replay.py": CALLED_DIRECTLY}, True),  # the receiver called without the signal
        ({"structures.py": SAME_NAME_METHOD}, False),  # another class's method of that name
        ({"tests/test_import.py": TEST_SENDER}, False),  # test code runs alone
    ],
)
def test_a_receiver_whose_every_sender_locks_the_rows_first(
    tmp_path: Path, extra: dict[str, str], reported: bool
) -> None:
    files = {"models.py": MODELS, "signals.py": SIGNALS, "receivers.py": RECEIVERS}
    files["views.py"] = VIEWS
    if extra.get("tests/test_import.py"):
        files["tests/__init__.py"] = ""
    write_app(tmp_path, "crew", {**files, **extra})
    assert _il104_lines(tmp_path) == ([10] if reported else [])


def test_a_receiver_of_a_signal_the_project_does_not_define_is_not_followed(
    tmp_path: Path,
) -> None:
    """A package's signal may be sent by the package's own code, which the project does not
    show: the receiver still reports, whatever the project's own sends do."""
    files = {
        "models.py": MODELS,
        "receivers.py": RECEIVERS.replace("crew.signals", "vendor.signals"),
        "views.py": VIEWS.replace("crew.signals", "vendor.signals"),
    }
    write_app(tmp_path, "crew", files)
    assert _il104_lines(tmp_path) == [10]
