"""Constraint and table names from every scheme a database may report (namesproj fixture):
a flat `unique_together`, a many-to-many field's auto-created table, Django 1.8's and pre-2.0
inline names, names no rule reproduces (South, Django 1.7), and a constraint named before a
rename. Django's own schema editor computes the names where Django still can."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from integrity_lsp.config import Settings
from integrity_lsp.explain import Explanation, explain_text, render_text
from integrity_lsp.project.index import ProjectIndex

from . import djangoenv

NAMESPROJ = Path(__file__).parent / "fixtures" / "namesproj"
VIEWS = NAMESPROJ / "blog" / "views.py"


@cache
def _index() -> ProjectIndex:
    return ProjectIndex.build(NAMESPROJ, Settings())


def explain(text: str) -> Explanation:
    explanation = explain_text(text, _index(), settings=Settings())
    assert explanation is not None, text
    return explanation


def django_name(table: str, columns: list[str], suffix: str) -> str:
    with djangoenv.connection("postgresql").schema_editor(collect_sql=True) as editor:
        name: str = editor._create_index_name(table, columns, suffix=suffix)
    return name


def test_flat_unique_together() -> None:
    name = django_name("blog_post", ["site", "slug"], "_uniq")
    for message in (
        "UNIQUE constraint failed: blog_post.site, blog_post.slug",
        f'duplicate key value violates unique constraint "{name}"',
    ):
        explanation = explain(message)
        assert explanation.model is not None and explanation.model.label == "blog.Post"
        assert [f.name for f in explanation.fields] == ["site", "slug"]
        assert explanation.constraint is not None
        assert explanation.constraint.description == "unique_together (site, slug)"


def test_auto_created_many_to_many_table() -> None:
    name = django_name("blog_post_tags", ["post_id", "tag_id"], "_uniq")
    for message in (
        "UNIQUE constraint failed: blog_post_tags.post_id, blog_post_tags.tag_id",
        f'duplicate key value violates unique constraint "{name}"',
    ):
        explanation = explain(message)
        assert explanation.model is not None and explanation.model.label == "blog.Post"
        assert explanation.table == "blog_post_tags"
        assert [f.name for f in explanation.fields] == ["tags"]
        assert explanation.constraint is not None
        assert explanation.constraint.name == name
        sites = [(s.kind, s.path, s.function) for s in explanation.write_sites]
        assert sites == [("m2m_add", VIEWS, "tag_post")]


def test_names_of_older_django() -> None:
    # Django <= 1.8 AlterUniqueTogether: `<table>_<first column>_<md5 of all>_uniq`
    digest = django_name("blog_post", ["site", "slug"], "_uniq").split("_")[-2]
    for name in (f"blog_post_site_{digest}_uniq", "blog_post_site_slug_key"):
        explanation = explain(f'duplicate key value violates unique constraint "{name}"')
        assert explanation.constraint is not None, name
        assert explanation.constraint.description == "unique_together (site, slug)"
        assert f"name {name!r}" in render_text(explanation, NAMESPROJ)


def test_a_name_no_rule_reproduces_is_narrowed_by_its_table_and_first_column() -> None:
    explanation = explain(
        'duplicate key value violates unique constraint "blog_membership_post_id_1f2e3d4c_uniq"'
    )
    assert explanation.model is not None and explanation.model.label == "blog.Membership"
    assert [f.name for f in explanation.fields] == ["post", "rank"]
    assert any("South" in note for note in explanation.notes)


def test_the_database_name_is_shown_not_ours_after_a_rename() -> None:
    reported = "blog_oldmembership_post_id_1a2b3c4d_fk_blog_post_id"
    explanation = explain(
        f'insert or update on table "blog_membership" violates foreign key constraint "{reported}"'
        '\nDETAIL:  Key (post_id)=(9) is not present in table "blog_post".'
    )
    assert explanation.constraint is not None
    text = render_text(explanation, NAMESPROJ)
    assert f"the database calls it {reported!r}" in text
    assert f"name {explanation.constraint.name!r}" not in text
