"""A reverse foreign-key manager is its model's manager with the foreign key fixed to the owner:
`member.badges.get(club=c)` reads `Badge(club=c, member=member)`, and `member.badges.create(
club=c)` inserts it. The race rules match the read and the insert whichever side goes through
the relation (the owner must be the same expression), and the lookup they report names the
owner's key."""

from __future__ import annotations

from pathlib import Path

from integrity_lsp.checker import check_source
from tests.helpers import environment, write_app

MODELS = """\
from django.core.exceptions import ObjectDoesNotExist
from django.db import IntegrityError, models, transaction


class Club(models.Model):
    name = models.CharField(max_length=50, unique=True)


class Member(models.Model):
    name = models.CharField(max_length=50)

    def badge_for(self, club):
        try:
            return self.badges.select_related("club").get(club=club)
        except ObjectDoesNotExist:
            badge = Badge(club=club, member=self)
            badge.save()
            return badge

    def guarded_badge_for(self, club):
        try:
            return self.badges.select_related("club").get(club=club)
        except ObjectDoesNotExist:
            badge = Badge(club=club, member=self)
            try:
                with transaction.atomic():
                    badge.save()
            except IntegrityError:
                badge = self.badges.get(club=club)
            return badge


class Badge(models.Model):
    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="badges")
    club = models.ForeignKey(Club, on_delete=models.CASCADE)

    class Meta:
        unique_together = [("club", "member")]
"""

SERVICES = """\
from clubs.models import Badge


def join(member, club):
    if not Badge.objects.filter(member=member, club=club).exists():
        member.badges.create(club=club)


def join_for(member, sponsor, club):
    if not Badge.objects.filter(member=member, club=club).exists():
        sponsor.badges.create(club=club)


def sponsor_badge(member, sponsor, club):
    if not member.badges.filter(club=club).exists():
        Badge.objects.create(member=sponsor, club=club)


def badge(member, club):
    if member.badges.filter(club=club).first() is None:
        Badge.objects.create(member=member, club=club)
"""


def _findings(tmp_path: Path, name: str) -> dict[int, tuple[str, str]]:
    write_app(tmp_path, "clubs", {"models.py": MODELS, "services.py": SERVICES})
    path = tmp_path / "clubs" / name
    text = path.read_text(encoding="utf-8")
    found = check_source(text, path, environment(tmp_path))
    return {f.span.start_line: (f.code, f.message) for f in found if f.code.startswith("IL10")}


def _line(text: str, needle: str, after: int = 0) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if needle in line and i > after)


def test_a_reverse_manager_get_races_a_constructor_naming_the_owner(tmp_path: Path) -> None:
    found = _findings(tmp_path, "models.py")
    race = _line(MODELS, "badge.save()")
    assert found[race][0] == "IL102"
    assert "Badge(club=club, member=self)" in found[race][1]
    assert "UNIQUE constraint failed: clubs_badge.club_id, clubs_badge.member_id" in found[race][1]
    guarded = _line(MODELS, "badge.save()", after=race)
    assert guarded not in found


def test_an_insert_through_the_reverse_manager_fills_the_owner(tmp_path: Path) -> None:
    found = _findings(tmp_path, "services.py")
    assert found[_line(SERVICES, "member.badges.create(")][0] == "IL101"
    assert found[_line(SERVICES, "Badge.objects.create(member=member")][0] == "IL101"
    # Another owner: another row.
    assert _line(SERVICES, "sponsor.badges.create(") not in found
    assert _line(SERVICES, "Badge.objects.create(member=sponsor") not in found
