"""The real-projects harness on a tiny project written here: a real `check` run through the CLI,
real TOML cases and verdicts, and the report's numbers. No network."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import shutil
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

from benchmarks.real_projects import __main__ as cli
from benchmarks.real_projects import compare, corpus, labels, report, run
from benchmarks.real_projects.corpus import Cache, Project

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib  # type: ignore[import-not-found,unused-ignore]

PROJECT = Project(name="tiny", version="1.0", kind="sdist", folder="tiny-1.0")

FILES = {
    "manage.py": "",
    "shop/__init__.py": "",
    "shop/models.py": """\
from django.db import models


class Coupon(models.Model):
    code = models.CharField(max_length=20, unique=True)
    label = models.CharField(max_length=20, unique=True)
""",
    # line 9 and line 16: the two creates of the exists()-then-create race; line 21: safe
    "shop/views.py": """\
from django.http import HttpResponse

from shop.models import Coupon


def claim(request):
    code = request.POST["code"]
    if not Coupon.objects.filter(code=code).exists():
        Coupon.objects.create(code=code)
    return HttpResponse("ok")


def redeem(request):
    code = request.POST["code"]
    if not Coupon.objects.filter(code=code).exists():
        Coupon.objects.create(code=code)
    return HttpResponse("ok")


def safe(request):
    Coupon.objects.get_or_create(code=request.POST["code"])
    return HttpResponse("ok")
""",
    "shop/migrations/__init__.py": "",
    "shop/migrations/0001_initial.py": """\
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True
    dependencies = []
    operations = [
        migrations.CreateModel(
            name="Coupon",
            fields=[
                ("id", models.AutoField(primary_key=True, serialize=False)),
                ("code", models.CharField(max_length=20, unique=True)),
                ("label", models.CharField(max_length=20)),
            ],
        ),
    ]
""",
    # line 7: IL302, the column made unique with no step removing duplicates
    "shop/migrations/0002_label_unique.py": """\
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("shop", "0001_initial")]
    operations = [
        migrations.AlterField(
            model_name="coupon",
            name="label",
            field=models.CharField(max_length=20, unique=True),
        ),
    ]
""",
}
MIGRATION = "shop/migrations/0002_label_unique.py"

CASES = """\
project = "tiny"
version = "1.0"

[[case]]
path = "shop/views.py"
line = 9
codes = ["IL101", "IL102"]
expect = "finding"
why = "claim: exists() then create(code)"

[[case]]
path = "shop/views.py"
line = 16
codes = ["IL102"]
expect = "finding"
why = "redeem, expected under another code"

[[case]]
path = "shop/views.py"
line = 21
codes = ["IL101", "IL104"]
expect = "quiet"
why = "get_or_create on a unique field"

[[case]]
path = "shop/views.py"
line = 16
codes = ["IL101"]
expect = "quiet"
why = "a twin that is not quiet"
"""

VERDICTS = """\
project = "tiny"
version = "1.0"

[[verdict]]
path = "shop/views.py"
line = 9
code = "IL101"
verdict = "true"
why = "two requests with one code both insert"

[[verdict]]
path = "shop/views.py"
line = 21
code = "IL104"
verdict = "false"
why = "no finding is there: stale"
"""


def write_tree(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


@pytest.fixture(scope="module")
def cache(tmp_path_factory: pytest.TempPathFactory) -> Cache:
    cache = Cache(tmp_path_factory.mktemp("corpus"))
    write_tree(cache.src(PROJECT), FILES)
    stats = run.run_project(PROJECT, cache)
    assert stats.error == "", stats.error
    return cache


def write_labels(root: Path, cases: str, verdicts: str) -> labels.Labels:
    write_tree(root, {"cases/tiny.toml": cases, "verdicts/tiny.toml": verdicts})
    return labels.load(root / "cases", root / "verdicts")


def test_run_writes_normalised_findings_and_stats(cache: Cache) -> None:
    data = json.loads((cache.results / "tiny.json").read_text(encoding="utf-8"))
    assert (data["project"], data["version"]) == ("tiny", "1.0")
    places = [(f["filename"], f["location"]["row"], f["code"]) for f in data["findings"]]
    assert places == [
        (MIGRATION, 7, "IL302"),
        ("shop/views.py", 9, "IL101"),
        ("shop/views.py", 16, "IL101"),
    ]
    assert data["findings"][1]["related"][0]["filename"] == "shop/models.py"
    assert str(cache.root) not in (cache.results / "tiny.json").read_text(encoding="utf-8")
    stats = run.RunStats.load(cache.runs / "tiny.json")
    assert stats.files == len(FILES) and stats.findings == 3
    assert stats.wall > 0 and stats.peak_rss_kib > 10_000
    assert stats.venv.startswith("no venv")


def test_two_runs_are_byte_identical(cache: Cache, tmp_path: Path) -> None:
    first = tmp_path / "first"
    shutil.copytree(cache.results, first)
    run.run_project(PROJECT, cache)
    assert (first / "tiny.json").read_bytes() == (cache.results / "tiny.json").read_bytes()
    text, status = compare.compare(first, cache.results)
    assert status == 0 and "byte-identical" in text


def test_a_cache_reached_through_a_symlink_gives_the_same_results(
    cache: Cache, tmp_path: Path
) -> None:
    link = tmp_path / "link"
    link.symlink_to(cache.root)
    moved = Cache(link)
    stats = run.run_project(PROJECT, moved)
    assert stats.error == "" and stats.findings == 3
    assert (moved.results / "tiny.json").read_bytes() == (cache.results / "tiny.json").read_bytes()


def test_compare_names_lost_and_added_findings(cache: Cache, tmp_path: Path) -> None:
    old, new = tmp_path / "old", tmp_path / "new"
    old.mkdir()
    new.mkdir()
    data = json.loads((cache.results / "tiny.json").read_text(encoding="utf-8"))
    (old / "tiny.json").write_text(json.dumps(data), encoding="utf-8")
    data["findings"][2]["location"]["row"] = 17
    (new / "tiny.json").write_text(json.dumps(data), encoding="utf-8")
    text, status = compare.compare(old, new)
    assert status == 1
    assert "  - shop/views.py:16:9 IL101" in text and "  + shop/views.py:17:9 IL101" in text
    assert cli.main(["compare", str(old), str(old)]) == 0


def test_cases_found_missed_quiet_violated(cache: Cache, tmp_path: Path) -> None:
    marks = write_labels(tmp_path, CASES, VERDICTS)
    result = report.build(PROJECT, cache, marks)
    assert [(c.line, c.why) for c in result.found] == [(9, "claim: exists() then create(code)")]
    assert [(c.line, near) for c, near in result.missed] == [(16, "near: IL101 at line 16")]
    assert [c.line for c in result.quiet] == [21]
    assert [(c.line, what) for c, what in result.violated] == [(16, "reported IL101")]
    assert report.recall([result]) == 0.5
    assert report.gate([result], 0.5, None) == ["1 guarded twin(s) reported"]
    text = report.render([result])
    assert "tiny shop/views.py:16 IL102: redeem, expected under another code" in text


def test_precision_stale_and_unjudged(cache: Cache, tmp_path: Path) -> None:
    marks = write_labels(tmp_path, CASES, VERDICTS)
    result = report.build(PROJECT, cache, marks)
    assert [(v.line, v.code) for v in result.stale] == [(21, "IL104")]
    assert [(f.path, f.line, f.code) for f in result.unjudged] == [
        (MIGRATION, 7, "IL302"),
        ("shop/views.py", 16, "IL101"),
    ]
    counts = report.rule_counts([result])["IL101"]
    assert counts["production"] == {"true": 1, "unjudged": 1}
    assert sum(counts["tests"].values()) == 0
    assert report.precision(counts["production"]) == (1.0, 1.0)

    debatable = VERDICTS + (
        '\n[[verdict]]\npath = "shop/views.py"\nline = 16\ncode = "IL101"\n'
        'verdict = "debatable"\nwhy = "low traffic"\n'
    )
    result = report.build(PROJECT, cache, write_labels(tmp_path, CASES, debatable))
    counts = report.rule_counts([result])["IL101"]
    assert report.precision(counts["production"]) == (0.5, 1.0)
    assert [f.code for f in result.unjudged] == ["IL302"]
    assert report.gate([result], None, 0.9) == ["IL101 precision in production code 50%"]
    assert report.gate([result], None, 0.5) == []


def test_unjudged_stubs_paste_into_a_verdicts_file(cache: Cache, tmp_path: Path) -> None:
    marks = write_labels(tmp_path, CASES, VERDICTS)
    result = report.build(PROJECT, cache, marks)
    stubs = report.unjudged_stubs([result], marks)
    assert "# IL101: Race: an existence check of Coupon(code=code)" in stubs
    filled = stubs.replace('verdict = ""', 'verdict = "true"').replace('why = ""', 'why = "x"')
    entries = tomllib.loads(filled)["verdict"]
    assert entries == [
        {"path": MIGRATION, "line": 7, "code": "IL302", "verdict": "true", "why": "x"},
        {"path": "shop/views.py", "line": 16, "code": "IL101", "verdict": "true", "why": "x"},
    ]
    result = report.build(PROJECT, cache, write_labels(tmp_path, CASES, VERDICTS + filled))
    assert result.unjudged == [] and report.rule_counts([result])["IL101"]["production"] == {
        "true": 2
    }
    # a project with no verdicts file yet gets the file's header, uncommented
    fresh = report.build(PROJECT, cache, labels.Labels())
    assert tomllib.loads(report.unjudged_stubs([fresh], labels.Labels()))["project"] == "tiny"


def test_test_code_is_counted_apart(cache: Cache, tmp_path: Path) -> None:
    moved = Cache(tmp_path / "corpus")
    shutil.copytree(cache.results, moved.results)
    data = json.loads((moved.results / "tiny.json").read_text(encoding="utf-8"))
    data["findings"][2]["filename"] = "shop/tests/test_views.py"
    (moved.results / "tiny.json").write_text(json.dumps(data), encoding="utf-8")
    write_tree(moved.src(PROJECT), FILES)
    marks = write_labels(tmp_path, CASES, VERDICTS)
    counts = report.rule_counts([report.build(PROJECT, moved, marks)])["IL101"]
    assert counts["production"] == {"true": 1}
    assert counts["tests"] == {"unjudged": 1}
    assert counts["all"] == {"true": 1, "unjudged": 1}


@pytest.mark.parametrize(
    ("path", "is_test"),
    [
        ("shop/tests/views.py", True),
        ("test/helpers.py", True),
        ("shop/test_views.py", True),
        ("shop/views_tests.py", True),
        ("shop/tests.py", True),
        ("conftest.py", True),
        ("netbox/utilities/testing/utils.py", True),
        ("shop/views_test.py", True),
        ("shop/testing.py", False),
        ("shop/latest_views.py", False),
        ("contest/views.py", False),
    ],
)
def test_test_paths(path: str, is_test: bool) -> None:
    assert report.is_test_path(path) is is_test


def test_malformed_labels_name_file_and_entry(tmp_path: Path) -> None:
    bad = VERDICTS.replace('verdict = "true"', 'verdict = "yes"')
    with pytest.raises(labels.LabelError, match=r"verdicts/tiny.toml \[\[verdict\]\] 1"):
        write_labels(tmp_path, CASES, bad)


def test_fetch_unpacks_what_is_downloaded_and_keeps_what_is_there(tmp_path: Path) -> None:
    cache = Cache(tmp_path / "corpus")
    cache.sdists.mkdir(parents=True)
    tree = tmp_path / "build" / "tiny-1.0"
    write_tree(tree, {**FILES, "PKG-INFO": "Name: tiny\nRequires-Dist: django>=5\n"
                      'Requires-Dist: pytest; extra == "test"\n'})  # fmt: skip
    with tarfile.open(cache.sdists / "tiny-1.0.tar.gz", "w:gz") as tar:
        tar.add(tree, arcname="tiny-1.0")
    wheel = Project(name="Tiny-Wheel", version="2.0", kind="wheel", folder="tiny_wheel-2.0")
    with zipfile.ZipFile(cache.sdists / "tiny_wheel-2.0-py3-none-any.whl", "w") as zipped:
        zipped.writestr("shop/views.py", FILES["shop/views.py"])
        zipped.writestr("tiny_wheel-2.0.dist-info/METADATA", "Name: Tiny-Wheel\n")
    logged: list[str] = []
    assert corpus.fetch([PROJECT, wheel], cache, with_deps=False, log=logged.append) == 0
    assert (cache.src(PROJECT) / "shop" / "views.py").read_text() == FILES["shop/views.py"]
    assert (cache.src(wheel) / "shop" / "views.py").is_file()
    assert (cache.src(wheel) / "tiny_wheel-2.0.dist-info" / "METADATA").is_file()
    assert corpus.declared_requirements(cache.src(PROJECT)) == ["django>=5"]
    (cache.src(PROJECT) / "mark").touch()
    logged.clear()
    assert corpus.fetch([PROJECT, wheel], cache, with_deps=False, log=logged.append) == 0
    assert logged == [] and (cache.src(PROJECT) / "mark").is_file()


def test_fetch_of_a_pinned_file_checks_its_sha256(tmp_path: Path) -> None:
    """A release pip refuses (shuup 3.1.0's wheel: metadata newer pip rejects) is fetched from
    its pinned URL, kept only when its sha256 is the pinned one."""
    built = tmp_path / "elsewhere" / "tiny_wheel-2.0-py3-none-any.whl"
    built.parent.mkdir()
    with zipfile.ZipFile(built, "w") as zipped:
        zipped.writestr("shop/views.py", FILES["shop/views.py"])
    digest = hashlib.sha256(built.read_bytes()).hexdigest()
    pinned = Project(
        name="tiny-wheel", version="2.0", kind="wheel", folder="tiny_wheel-2.0",
        url=built.as_uri(), sha256=digest,
    )  # fmt: skip
    cache = Cache(tmp_path / "corpus")
    assert corpus.fetch([pinned], cache, with_deps=False, log=lambda _: None) == 0
    assert (cache.src(pinned) / "shop" / "views.py").read_text() == FILES["shop/views.py"]
    other = Cache(tmp_path / "other")
    wrong = dataclasses.replace(pinned, sha256="0" * 64)
    assert corpus.fetch([wrong], other, with_deps=False, log=lambda _: None) == 1
    assert not other.src(wrong).exists() and list(other.sdists.iterdir()) == []
    toml = tmp_path / "projects.toml"
    toml.write_text('[[project]]\nname = "x"\nversion = "1"\nfolder = "x-1"\nurl = "file:///x"\n')
    with pytest.raises(ValueError, match="url and sha256 go together"):
        corpus.load_projects(toml)
    shuup = corpus.select(corpus.load_projects(), ["shuup"])[0]
    assert shuup.url.endswith("/shuup-3.1.0-py2.py3-none-any.whl") and len(shuup.sha256) == 64


def test_projects_toml_and_selection() -> None:
    projects = corpus.load_projects()
    names = [p.name for p in projects]
    assert len(set(names)) == len(projects) and len({p.folder for p in projects}) == len(projects)
    tuned_on = {  # issue 14's list; held-out projects follow them
        "wagtail", "django-oscar", "pretix", "weblate", "mayan-edms", "label-studio", "kiwitcms",
        "pulpcore", "reviewboard", "django-cms", "misago", "django-allauth", "django-helpdesk",
        "openwisp-controller", "netbox",
    }  # fmt: skip
    assert set(names[: len(tuned_on)]) == tuned_on
    assert [p.name for p in corpus.select(projects, ["netbox-4.7.3", "wagtail"])] == [
        "wagtail",
        "netbox",
    ]
    with pytest.raises(SystemExit, match="unknown project"):
        corpus.select(projects, ["no-such-project"])


def test_race_fixes_suite_is_a_second_corpus(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = corpus.SUITES["race-fixes"]
    projects = corpus.load_projects(folder / "projects.toml")
    names = [p.name for p in projects]
    assert len(names) == len(set(names)) and len({p.folder for p in projects}) == len(projects)
    twin = next(p for p in projects if p.name == "django-constance-fixed")
    assert twin.distribution == "django-constance" and twin.stem == "django_constance-2.7.0"
    marks = labels.load(folder / "cases", folder / "verdicts")
    assert set(marks.cases) <= set(names)  # every case file names a project of the suite
    assert report.orphans(marks, projects) == []
    monkeypatch.setenv("INTEGRITY_LSP_CORPUS", str(tmp_path))
    assert Cache.from_env("race-fixes").root == tmp_path / "race-fixes"
    assert Cache.from_env().root == tmp_path
    # an old sdist keeps its published name: django-constance-2.6.0.tar.gz
    cache = Cache(tmp_path)
    cache.sdists.mkdir(parents=True)
    (cache.sdists / "django-constance-2.6.0.tar.gz").touch()
    before = next(p for p in projects if p.name == "django-constance")
    assert cache.download(before) == cache.sdists / "django-constance-2.6.0.tar.gz"
    assert cache.download(twin) is None


def _wheel(path: Path, name: str, requires: str = "") -> None:
    info = f"{name}-1.0.dist-info"
    with zipfile.ZipFile(path, "w") as zipped:
        zipped.writestr(f"{name}/__init__.py", "")
        zipped.writestr(
            f"{info}/METADATA", f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\n{requires}"
        )
        zipped.writestr(
            f"{info}/WHEEL",
            "Wheel-Version: 1.0\nGenerator: hand\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
        )
        zipped.writestr(
            f"{info}/RECORD",
            f"{name}/__init__.py,,\n{info}/METADATA,,\n{info}/WHEEL,,\n{info}/RECORD,,\n",
        )


def test_with_deps_makes_a_venv_or_says_why_not(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PIP_NO_INDEX", "1")  # pip never asks an index: no network
    cache = Cache(tmp_path / "corpus")
    cache.sdists.mkdir(parents=True)
    good = Project(name="goodlib", version="1.0", kind="wheel", folder="goodlib-1.0")
    bad = Project(name="badlib", version="1.0", kind="wheel", folder="badlib-1.0")
    _wheel(cache.sdists / "goodlib-1.0-py3-none-any.whl", "goodlib")
    _wheel(cache.sdists / "badlib-1.0-py3-none-any.whl", "badlib", "Requires-Dist: no-such-dist\n")
    assert corpus.fetch([good, bad], cache, with_deps=True, log=lambda _: None) == 0

    assert cache.has_venv(good)
    assert (
        cache.venv_status(good) == "installed: goodlib-1.0-py3-none-any.whl with its dependencies"
    )
    assert list(cache.venv(good).glob("lib/python*/site-packages/goodlib/__init__.py"))

    assert not cache.venv(bad).exists()
    status = cache.venv_status(bad)
    assert status.startswith("no venv: ") and "no-such-dist" in status
    assert "its declared dependencies (Requires-Dist)" in status  # the fallback was tried
