"""What a race's insert can collide on decides whether IL101/IL103 report and what they say:
the model behind a related manager (`self.urls`, `x.trigger_events`) with the foreign key it
fills in, a partial constraint over the looked-up fields, columns in index order, and silence
where no unique guarantee can fail the second insert and the check tolerates the duplicate."""

from __future__ import annotations

from pathlib import Path

from integrity_lsp.checker import check_source
from tests.helpers import environment, write_app

MODELS = """\
from django.db import models
from django.db.models import Q, UniqueConstraint


class Page(models.Model):
    title = models.CharField(max_length=100)

    def add_url(self, language, path):
        url = self.urls.filter(language=language).first()
        if url is None:
            url = self.urls.create(language=language, path=path)
        return url


class PageUrl(models.Model):
    page = models.ForeignKey(Page, on_delete=models.CASCADE, related_name="urls")
    language = models.CharField(max_length=10)
    path = models.CharField(max_length=200)

    class Meta:
        constraints = [UniqueConstraint(fields=["page", "language"], name="one_url")]


class Watch(models.Model):
    page = models.ForeignKey(Page, on_delete=models.CASCADE, related_name="watches")
    user_id = models.IntegerField()  # no unique constraint: duplicates are tolerated


def new_key():
    return "k"


class Token(models.Model):
    page = models.ForeignKey(Page, on_delete=models.CASCADE, related_name="tokens")
    user_id = models.IntegerField()
    key = models.CharField(max_length=40, unique=True, default=new_key)  # a new key per row


class Section(models.Model):
    title = models.CharField(max_length=100)


class Mapping(models.Model):
    # Two keys, one related_name: `x.mappings` fills one of them, unknown which.

    page = models.ForeignKey(Page, on_delete=models.CASCADE, related_name="mappings")
    section = models.ForeignKey(
        Section, null=True, on_delete=models.CASCADE, related_name="mappings"
    )
    key = models.CharField(max_length=20)


class SourceManager(models.Manager):
    def create_backend(self, path, data):
        return self.create(path=path)


class Source(models.Model):
    path = models.CharField(max_length=100)  # not unique: only the auto primary key is
    objects = SourceManager()


class Feed(models.Model):
    url = models.CharField(max_length=100)  # looked up, not unique
    label = models.CharField(max_length=100, unique=True)


class Device(models.Model):
    user_id = models.IntegerField()
    kind = models.CharField(max_length=20)

    class Meta:
        constraints = [
            UniqueConstraint(
                fields=["kind", "user_id"],
                name="one_device_per_kind",
                condition=Q(
                    kind__in=(
                        "totp",
                        "codes",
                    )
                ),
            )
        ]
"""

SERVICES = """\
from pages.models import Device, Feed, Source, Token, Watch
from legacy.models import Gadget


def watch(page, user_id):
    if not page.watches.filter(user_id=user_id).exists():
        page.watches.create(user_id=user_id)


def watch_directly(page, user_id):
    if not Watch.objects.filter(page=page, user_id=user_id).exists():
        Watch.objects.create(page=page, user_id=user_id)


def subscribe(page, user_id):
    if not Token.objects.filter(page=page, user_id=user_id).exists():
        Token.objects.create(page=page, user_id=user_id)


def subscribe_with(page, user_id, key):
    if not Token.objects.filter(page=page, user_id=user_id).exists():
        Token.objects.create(page=page, user_id=user_id, key=key)


def gadget(serial):
    if not Gadget.objects.filter(serial=serial).exists():
        Gadget.objects.create(serial=serial)


def device(user_id, kind):
    found = Device.objects.filter(user_id=user_id, kind=kind).first()
    if found is None:
        Device(
            user_id=user_id,
            kind=kind,
        ).save()


def map_key(owner, key):
    if not owner.mappings.filter(key=key).exists():
        owner.mappings.create(key=key)


def default_source(path):
    if not Source.objects.filter(path=path).exists():
        Source.objects.create_backend(path=path, data={})


def default_feed(url):
    if not Feed.objects.filter(url=url).exists():
        Feed.objects.create(url=url, label="Default")


def trigger(form, event_type):
    if not form.initial["page"].urls.filter(language=event_type).exists():
        form.initial["page"].urls.create(language=event_type)
"""


def _il101(tmp_path: Path, name: str) -> dict[int, str]:
    """Line -> message of the IL101 findings in pages/<name>."""
    write_app(tmp_path, "pages", {"models.py": MODELS, "services.py": SERVICES})
    path = tmp_path / "pages" / name
    text = path.read_text(encoding="utf-8")
    findings = check_source(text, path, environment(tmp_path))
    return {f.span.start_line: f.message for f in findings if f.code == "IL101"}


def _line(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if needle in line)


def test_a_related_manager_names_its_model_and_the_foreign_key_it_fills(tmp_path: Path) -> None:
    found = _il101(tmp_path, "models.py")
    message = found[_line(MODELS, "self.urls.create(")]
    assert message.startswith("Race: an existence check of PageUrl(language=language) guards")
    assert "`IntegrityError: UNIQUE constraint failed: pages_pageurl.page_id, " in message
    assert "self(" not in message


def test_an_accessor_only_one_foreign_key_gives_settles_the_model(tmp_path: Path) -> None:
    message = _il101(tmp_path, "services.py")[_line(SERVICES, 'initial["page"].urls.create(')]
    assert "PageUrl(language=event_type)" in message
    assert "UNIQUE constraint failed: pages_pageurl.page_id, pages_pageurl.language" in message


def test_no_unique_guarantee_and_a_tolerant_check_is_silent(tmp_path: Path) -> None:
    found = _il101(tmp_path, "services.py")
    assert _line(SERVICES, "page.watches.create(") not in found
    assert _line(SERVICES, "Watch.objects.create(") not in found
    # `key` is unique but not looked up: the two inserts write their own keys.
    assert _line(SERVICES, "Token.objects.create(page=page, user_id=user_id)") not in found
    # Both write the caller's `key`: the same key collides.
    assert _line(SERVICES, "Token.objects.create(page=page, user_id=user_id, key=key)") in found


def test_a_known_model_through_an_ambiguous_accessor_or_a_create_helper(tmp_path: Path) -> None:
    found = _il101(tmp_path, "services.py")
    assert _line(SERVICES, "owner.mappings.create(") not in found  # Mapping: no unique set
    assert _line(SERVICES, "Source.objects.create_backend(") not in found  # auto pk only


def test_an_unknown_model_still_reports(tmp_path: Path) -> None:
    message = _il101(tmp_path, "services.py")[_line(SERVICES, "Gadget.objects.create(")]
    assert "raises IntegrityError or stores a duplicate" in message


def test_a_partial_constraint_over_the_lookup_is_named_in_index_order(tmp_path: Path) -> None:
    message = _il101(tmp_path, "services.py")[_line(SERVICES, "Device(")]
    assert "no unique constraint covers" not in message
    partial = "partial UniqueConstraint 'one_device_per_kind' applies"
    assert f'where the {partial} (`Q(kind__in=("totp", "codes"))`) the loser' in message
    assert "UNIQUE constraint failed: pages_device.kind, pages_device.user_id`" in message


def test_a_view_in_a_sub_package_names_the_app_label_table(tmp_path: Path) -> None:
    """DefectDojo's views live in `dojo/development_environment/`, its models in `dojo/models.py`:
    the table is the app's (`dojo_…`), never the sub-package folder's."""
    view = (
        "from pages.models import PageUrl\n\n\n"
        "def add(request, page):\n"
        "    url = PageUrl.objects.filter(page=page, language='en').first()\n"
        "    if url is None:\n"
        "        PageUrl.objects.create(page=page, language='en', path='/')\n"
    )
    write_app(
        tmp_path,
        "pages",
        {"models.py": MODELS, "url_admin/__init__.py": "", "url_admin/views.py": view},
    )
    path = tmp_path / "pages" / "url_admin" / "views.py"
    (message,) = [f.message for f in check_source(view, path, environment(tmp_path))]
    assert "pages_pageurl.page_id, pages_pageurl.language" in message
    assert "url_admin_" not in message


def test_another_unique_column_both_inserts_write_alike_is_named(tmp_path: Path) -> None:
    """mayan's default source: looked up by a column that is not unique, inserted with a
    constant label that is: the race still fails, on the label."""
    message = _il101(tmp_path, "services.py")[_line(SERVICES, "Feed.objects.create(")]
    assert "where both write the same unique=True on label the loser raises" in message
    assert "UNIQUE constraint failed: pages_feed.label`" in message
