"""IL101's sequence numbers (`analysis.absence_sequences`) where the fixture project cannot show
them: a model's own `save()` numbering itself, a model method numbering an instance handed in
(wiki's `Article.add_revision`), and what the message says."""

from __future__ import annotations

from pathlib import Path

from integrity_lsp.checker import check_source
from integrity_lsp.findings import Finding
from tests.helpers import environment, expected_in, reported, write_app

MODELS = """\
from django.db import DatabaseError, models, transaction
from django.db.models import Max


class MarksMixin:
    def next_mark(self):
        top = self.marks.aggregate(Max("number"))["number__max"]
        if top is not None:
            return top + 1
        return 0


class Book(MarksMixin, models.Model):
    title = models.CharField(max_length=100)

    def next_stamp(self):
        last = self.stamps.order_by("-number").first()
        return last.number + 1 if last else 1

    def add_revision(self, revision):
        revisions = self.revision_set.all()
        try:
            revision.revision_number = revisions.latest().revision_number + 1
        except Revision.DoesNotExist:
            revision.revision_number = 0
        revision.book = self
        revision.save()  # expect: IL101

    def add_draft(self, draft):
        draft.number = self.draft_set.count() + 1
        draft.book = self
        draft.save()  # Draft.number is not unique


class Revision(models.Model):
    book = models.ForeignKey(Book, on_delete=models.CASCADE)
    revision_number = models.IntegerField()

    class Meta:
        unique_together = ("book", "revision_number")
        get_latest_by = "revision_number"


class Draft(models.Model):
    book = models.ForeignKey(Book, on_delete=models.CASCADE)
    number = models.IntegerField()


class Ticket(models.Model):
    book = models.ForeignKey(Book, on_delete=models.CASCADE, related_name="tickets")
    seq = models.PositiveIntegerField(default=0)

    class Meta:
        unique_together = (("book", "seq"),)

    def save(self, *args, **kwargs):
        if not self.seq:
            self.seq = (self.book.tickets.aggregate(m=Max("seq"))["m"] or 0) + 1
        super().save(*args, **kwargs)  # expect: IL101


class Stamp(models.Model):
    book = models.ForeignKey(Book, on_delete=models.CASCADE, related_name="stamps")
    number = models.PositiveIntegerField(default=0)

    class Meta:
        unique_together = (("book", "number"),)

    def save(self, *args, **kwargs):
        if not self.number:
            self.number = self.book.next_stamp()  # a method of the row's book
        super().save(*args, **kwargs)  # expect: IL101


class Mark(models.Model):
    book = models.ForeignKey(Book, on_delete=models.CASCADE, related_name="marks")
    number = models.PositiveIntegerField(default=0)

    class Meta:
        unique_together = (("book", "number"),)

    def save(self, *args, **kwargs):
        if not self.number:
            self.number = self.book.next_mark()  # a method of the book's mixin (mayan)
        super().save(*args, **kwargs)  # expect: IL101


class Step(models.Model):
    book = models.ForeignKey(Book, on_delete=models.CASCADE, related_name="steps")
    position = models.PositiveIntegerField(default=0)  # not unique

    def save(self, *args, **kwargs):
        if not self.position:
            self.position = (self.book.steps.aggregate(m=Max("position"))["m"] or 0) + 1
        super().save(*args, **kwargs)


class Invoice(models.Model):
    book = models.ForeignKey(Book, on_delete=models.CASCADE, related_name="invoices")
    number = models.PositiveIntegerField(default=0)

    class Meta:
        unique_together = (("book", "number"),)

    def save(self, *args, **kwargs):
        for _ in range(10):  # pretix's Invoice.save(): recomputed and retried
            self.number = (self.book.invoices.aggregate(m=Max("number"))["m"] or 0) + 1
            try:
                with transaction.atomic():
                    return super().save(*args, **kwargs)
            except DatabaseError:
                continue
"""


def _findings(tmp_path: Path) -> tuple[Path, list[Finding]]:
    write_app(tmp_path, "books", {"models.py": MODELS})
    path = tmp_path / "books" / "models.py"
    return path, check_source(path.read_text(encoding="utf-8"), path, environment(tmp_path))


def test_numbered_saves_are_reported_and_their_twins_are_not(tmp_path: Path) -> None:
    path, findings = _findings(tmp_path)
    got = {item for item in reported(findings) if item[1].startswith("IL10")}
    assert sorted(got) == sorted(expected_in(path))


def test_the_message_names_the_number_the_read_and_the_constraint(tmp_path: Path) -> None:
    path, findings = _findings(tmp_path)
    line = next(i for i, text in enumerate(MODELS.splitlines(), 1) if "super().save(*a" in text)
    finding = next(f for f in findings if f.span.start_line == line)
    assert finding.message.startswith(
        "Race: the `seq` of a new Ticket(book=self.book) is derived from a read of the rows it "
        """continues (`self.book.tickets.aggregate(m=Max("seq"))["m"]`) before `save()`"""
    )
    assert "UNIQUE constraint failed: books_ticket.book_id, books_ticket.seq" in finding.message
    assert "select_for_update()" in finding.message
    assert finding.fixes == ()  # no edit is safe without knowing the transaction around it
    assert finding.related[0].path == path
