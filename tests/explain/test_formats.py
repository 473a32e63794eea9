"""Messages in the forms people paste them: PostgreSQL in other languages (lc_messages),
JSON-escaped log lines, hard-wrapped quotes, foreign-key messages cut short, MySQL's 1452 broken
inside `FOREIGN KEY`. The texts below were produced by the real servers on the fixture project
(tests/explain/provoke.py); `test_live_locale` produces them again where a server can.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from integrity_lsp.config import Settings
from integrity_lsp.explain import Explanation, explain_text, parse_violation, render_text
from integrity_lsp.explain.pg_translations import PG_TRANSLATIONS
from integrity_lsp.explain.text_forms import in_english, json_unescaped, unwrapped

from .pg_catalogs import catalogues
from .test_explain import FIXTURE, index_for

PROVOKE = Path(__file__).parent / "provoke.py"

# (language, case) -> the last lines of the traceback, as PostgreSQL 15 wrote them.
LOCALISED = {
    ("de", "unique_together"): (
        "django.db.utils.IntegrityError: doppelter Schlüsselwert verletzt Unique-Constraint"
        " »accounts_member_team_id_email_f8ed23f8_uniq«\n"
        "DETAIL:  Schlüssel »(team_id, email)=(1, m@example.com)« existiert bereits."
    ),
    ("de", "not_null"): (
        "django.db.utils.IntegrityError: NULL-Wert in Spalte »total« von Relation »shop_order«"
        " verletzt Not-Null-Constraint\n"
        "DETAIL:  Fehlgeschlagene Zeile enthält (3, null, R-2, null, 1, null)."
    ),
    ("de", "foreign_key_parent_delete"): (
        "django.db.utils.IntegrityError: Aktualisieren oder Löschen in Tabelle »shop_customer«"
        " verletzt Fremdschlüssel-Constraint"
        " »shop_order_customer_id_f638df20_fk_shop_customer_id« von Tabelle »shop_order«\n"
        "DETAIL:  Auf Schlüssel (id)=(1) wird noch aus Tabelle »shop_order« verwiesen."
    ),
    # French breaks the foreign key message over two lines itself.
    ("fr", "foreign_key"): (
        "django.db.utils.IntegrityError: une instruction insert ou update sur la table"
        " « shop_order » viole la contrainte de clé\n"
        "étrangère « shop_order_customer_id_f638df20_fk_shop_customer_id »\n"
        "DETAIL:  La clé (customer_id)=(999999) n'est pas présente dans la table"
        " « shop_customer »."
    ),
    ("fr", "check_constraint"): (
        "django.db.utils.IntegrityError: la nouvelle ligne de la relation « shop_product » viole"
        " la contrainte de vérification « price_gte_0 »\n"
        "DETAIL:  La ligne en échec contient (3, SKU-3, Saw, -1.00, 0, null)."
    ),
    ("ru", "unique_constraint"): (
        "django.db.utils.IntegrityError: повторяющееся значение ключа нарушает ограничение"
        ' уникальности "uniq_product_name"\n'
        'DETAIL:  Ключ "(name, category_id)=(Hammer, 1)" уже существует.'
    ),
    # Japanese puts the relation before the column (`%2$s` … `%1$s`).
    ("ja", "not_null"): (
        'django.db.utils.IntegrityError: リレーション"shop_order"の列"total"のNULL値が非NULL制約'
        "に違反しています\n"
        "DETAIL:  失敗した行は(3, null, R-2, null, 1, null)を含みます"
    ),
    ("ja", "foreign_key"): (
        'django.db.utils.IntegrityError: テーブル"shop_order"への挿入、更新は外部キー制約'
        '"shop_order_customer_id_f638df20_fk_shop_customer_id"に違反しています\n'
        'DETAIL:  テーブル"shop_customer"にキー(customer_id)=(999999)がありません'
    ),
    ("es", "unique_db_column"): (
        "django.db.utils.IntegrityError: llave duplicada viola restricción de unicidad"
        " «shop_order_ref_code_key»\n"
        "DETAIL:  Ya existe la llave (ref_code)=(R-1)."
    ),
    # The server's own log names the DETAIL line in its language too.
    ("ru-log", "unique_field"): (
        "ОШИБКА:  повторяющееся значение ключа нарушает ограничение уникальности"
        ' "shop_customer_email_key"\n'
        'ПОДРОБНОСТИ:  Ключ "(email)=(a@example.com)" уже существует.'
    ),
}
# case -> (model, fields, constraint name or None)
EXPECTED = {
    "unique_together": ("accounts.Member", {"team", "email"}, None),
    "unique_field": ("shop.Customer", {"email"}, None),
    "unique_db_column": ("shop.Order", {"reference"}, None),
    "unique_constraint": ("shop.Product", {"name", "category"}, "uniq_product_name"),
    "not_null": ("shop.Order", {"total"}, None),
    "foreign_key": ("shop.Order", {"customer"}, None),
    "foreign_key_parent_delete": ("shop.Order", {"customer"}, None),
    "check_constraint": ("shop.Product", set(), "price_gte_0"),
}


def explain(text: str) -> Explanation:
    explanation = explain_text(text, index_for(FIXTURE), settings=Settings())
    assert explanation is not None, text
    return explanation


def assert_lands(explanation: Explanation, case: str) -> None:
    label, fields, constraint = EXPECTED[case]
    assert explanation.model is not None
    assert explanation.model.label == label
    assert {field.name for field in explanation.fields} >= fields
    if constraint is not None:
        assert explanation.constraint is not None
        assert explanation.constraint.name == constraint
    if explanation.violation.constraint is not None and explanation.violation.kind != "not_null":
        assert explanation.constraint is not None


@pytest.mark.parametrize(("language", "case"), sorted(LOCALISED))
def test_postgresql_in_other_languages(language: str, case: str) -> None:
    explanation = explain(LOCALISED[language, case])
    assert explanation.violation.backend == "postgresql"
    assert_lands(explanation, case)


def test_localised_detail_gives_the_key() -> None:
    violation = parse_violation(LOCALISED["de", "unique_together"])
    assert violation is not None
    assert violation.columns == ("team_id", "email")
    assert violation.values == ("1", "m@example.com")
    violation = parse_violation(LOCALISED["ja", "foreign_key"])
    assert violation is not None
    assert (violation.columns, violation.referenced_table) == (("customer_id",), "shop_customer")


def test_english_text_is_left_as_it_is() -> None:
    text = (
        'duplicate key value violates unique constraint "x"\nDETAIL:  Key (a)=(b) already exists.'
    )
    assert in_english(text) == text


def test_translations_match_postgresqls_catalogues() -> None:
    installed = catalogues()
    if not installed:
        pytest.skip("no PostgreSQL message catalogues installed (/usr/share/locale/*/postgres-*)")
    for language, translations in installed.items():
        assert PG_TRANSLATIONS.get(language) == translations, language


def test_live_locale() -> None:
    """The real server in German (where the server has the locale) gives the same answers."""
    env = {**os.environ, "INTEGRITY_LSP_PG_OPTIONS": "-c lc_messages=de_DE.utf8"}
    result = subprocess.run(
        [sys.executable, str(PROVOKE), "postgresql"],
        capture_output=True, text=True, timeout=300, check=False, env=env,
    )  # fmt: skip
    if result.returncode == 3:
        reason = json.loads(result.stdout)["unreachable"]
        if "lc_messages" in reason:
            pytest.skip(f"the server has no de_DE locale: {reason}")
        if os.environ.get("INTEGRITY_LSP_REQUIRE_DATABASES") == "1":
            pytest.fail(f"postgresql unreachable: {reason}")
        pytest.skip(f"postgresql unreachable: {reason}")
    assert result.returncode == 0, result.stderr
    texts = json.loads(result.stdout)
    assert "Schlüssel" in texts["unique_field"]
    for case in EXPECTED:
        explanation = explain(texts[case])
        assert_lands(explanation, case)
        if any("shopproj" in frame.path for frame in explanation.frames):
            assert explanation.write_sites[0].from_traceback


# --- JSON-escaped, hard-wrapped, cut short ------------------------------------------------------

SQLITE_TRACEBACK = (
    "Traceback (most recent call last):\n"
    '  File "/srv/app/shop/services.py", line {line}, in join\n'
    "    return Member.objects.create(team=team, email=email, nickname=nickname)\n"
    "django.db.utils.IntegrityError: UNIQUE constraint failed: accounts_member.team_id,"
    " accounts_member.email\n"
)


def _services_line(needle: str) -> int:
    lines = (FIXTURE / "shop" / "services.py").read_text().splitlines()
    return next(n for n, line in enumerate(lines, start=1) if needle in line)


def test_json_escaped_log_line() -> None:
    traceback = SQLITE_TRACEBACK.format(line=_services_line("Member.objects.create("))
    log_line = json.dumps({"level": "error", "exc_info": traceback})
    assert "\\n" in log_line and '\\"' in log_line
    explanation = explain(log_line)
    assert_lands(explanation, "unique_together")
    assert explanation.write_sites[0].from_traceback  # the frames were read through the escapes
    pg = 'duplicate key value violates unique constraint \\"uniq_product_name\\"\\nDETAIL:  Key'
    explanation = explain(pg + " (name, category_id)=(Hammer, 1) already exists.")
    assert_lands(explanation, "unique_constraint")


def test_json_unescaped_leaves_windows_paths_alone() -> None:
    text = 'File "C:\\new\\shop\\views.py", line 3, in create\n'
    assert json_unescaped(text) == text


def test_hard_wrapped_quote() -> None:
    wrapped = (
        "> django.db.utils.IntegrityError: duplicate key value violates unique\n"
        '> constraint "accounts_member_team_id_email_f8ed23f8_uniq"\n'
        "> DETAIL:  Key (team_id, email)=(1, m@example.com) already\n"
        "> exists.\n"
    )
    explanation = explain(wrapped)
    assert_lands(explanation, "unique_together")
    assert explanation.violation.values == ("1", "m@example.com")
    sqlite = (
        "    IntegrityError: UNIQUE constraint failed: accounts_member.team_id,\n"
        "    accounts_member.email\n"
    )
    violation = parse_violation(sqlite)
    assert violation is not None
    assert violation.columns == ("team_id", "email")
    assert unwrapped("a\n>  b") == "a b"


def test_foreign_key_message_with_a_table_but_no_constraint_name() -> None:
    explanation = explain('insert or update on table "shop_order" violates foreign key constraint')
    assert explanation.model is not None and explanation.model.label == "shop.Order"
    explanation = explain(
        "(1452, 'Cannot add or update a child row: a foreign key constraint fails"
        " (`test`.`shop_order`"
    )
    assert explanation.model is not None and explanation.model.label == "shop.Order"


def test_mysql_1452_with_a_line_break_inside_foreign_key() -> None:
    text = (
        "django.db.utils.IntegrityError: (1452, 'Cannot add or update a child row: a foreign key"
        " constraint fails (`integrity_lsp_explain_mysql`.`shop_order`, CONSTRAINT"
        " `shop_order_customer_id_f638df20_fk_shop_customer_id` FOREIGN\n"
        "KEY (`customer_id`) REFERENCES `shop_customer` (`id`))')"
    )
    explanation = explain(text)
    assert explanation.violation.constraint == "shop_order_customer_id_f638df20_fk_shop_customer_id"
    assert_lands(explanation, "foreign_key")


def test_not_null_on_a_field_the_model_allows_null_says_the_schema_differs() -> None:
    explanation = explain("NOT NULL constraint failed: shop_order.note")
    assert [field.name for field in explanation.fields] == ["note"]
    assert any("the database schema differs from this code" in n for n in explanation.notes)
    text = render_text(explanation, FIXTURE)
    assert "null=False, the default" not in text
    assert "Note:        the model allows NULL here (note has null=True)" in text
    # and a field that is NOT NULL in the model gets no such note
    assert not any(
        "schema differs" in n for n in explain("NOT NULL constraint failed: shop_order.total").notes
    )
