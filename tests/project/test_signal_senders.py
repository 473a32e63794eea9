"""Where a project's own signal is sent (`send_lines`), and whether another module can name a
function (`may_reach`): the facts IL104 needs to follow a receiver to its senders."""

from __future__ import annotations

from pathlib import Path

import pytest

from integrity_lsp.project.imports import may_reach
from integrity_lsp.project.signal_senders import send_lines

DEFINES = "from django.dispatch import Signal\n\nsaved = Signal()\n"
RECEIVES = "@receiver(saved, dispatch_uid='x')\ndef on_saved(sender, **kwargs):\n    pass\n"
SENDS = (
    "from app.signals import saved\n\n\ndef view(request):\n"
    "    saved.send(sender=None)\n    signals.saved.send_robust(sender=None)\n"
    "    saved.connect(print)\n"
)


def _files(**texts: str) -> list[tuple[Path, str]]:
    return [(Path(f"app/{name}.py"), text) for name, text in texts.items()]


def test_every_send_of_an_own_signal_is_listed() -> None:
    files = _files(signals=DEFINES, receivers=RECEIVES, views=SENDS)
    assert send_lines(["saved"], files) == {Path("app/views.py"): [5, 6]}


@pytest.mark.parametrize(
    "other",
    [
        "from app.signals import saved\n\nWATCHED = [saved]\n",  # handed on
        "from app.signals import saved as done\n\ndone.send(None)\n",  # renamed
        "def loop(saved):\n    for receiver in saved.receivers:\n        pass\n",  # read
        "def f(:\n    saved.send(None)\n",  # unreadable
    ],
)
def test_any_other_use_leaves_the_senders_unknown(other: str) -> None:
    files = _files(signals=DEFINES, views=SENDS, other=other)
    assert send_lines(["saved"], files) is None


def test_a_signal_the_project_does_not_define_has_unknown_senders() -> None:
    assert send_lines(["saved"], _files(views=SENDS)) is None


TARGET = "app.plugins.signals.on_saved"


@pytest.mark.parametrize(
    ("text", "reaches"),
    [
        ("from app.plugins.signals import on_saved\n", True),
        ("from app.plugins import signals\n", True),
        ("import app\n", True),  # app.plugins.signals.on_saved is an attribute path of it
        ("from app.plugins.signals import *\n", True),
        ("x = import_string('app.plugins.signals.on_saved')\n", True),
        ("from .signals import on_saved\n", True),  # relative to app.plugins.views
        ("from app.core.models import Shift\n\nshift.structure.on_saved()\n", False),
    ],
)
def test_may_reach(text: str, reaches: bool) -> None:
    assert may_reach(text, "app.plugins.views", is_package=False, target=TARGET) is reaches


def test_a_module_of_unknown_name_may_reach_anything() -> None:
    assert may_reach("from .x import y\n", None, is_package=False, target=TARGET)
