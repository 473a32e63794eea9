"""MariaDB in other languages (its session `lc_messages`): each message is read by its error
number, whatever the words. The texts below are what MariaDB 10.11 on this machine wrote for
the fixture project (`INTEGRITY_LSP_MYSQL_LC_MESSAGES=de_DE python tests/explain/provoke.py
mysql`); `test_live_languages` produces them again where a server can. Messages MariaDB has no
translation for (the foreign-key and CHECK ones in most languages) come in English.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from integrity_lsp.explain import parse_violation
from integrity_lsp.explain.text_forms import mysql_in_english

from .test_formats import EXPECTED, assert_lands, explain

PROVOKE = Path(__file__).parent / "provoke.py"
DB = "`integrity_lsp_explain_mysql`"
FK = (
    f"({DB}.`shop_order`, CONSTRAINT `shop_order_customer_id_f638df20_fk_shop_customer_id`"
    " FOREIGN KEY (`customer_id`) REFERENCES `shop_customer` (`id`))"
)
PREFIX = "django.db.utils.IntegrityError: "
# language -> case -> the message as MariaDB wrote it (the IntegrityError line).
LOCALISED: dict[str, dict[str, str]] = {
    "de": {
        "unique_together": "(1062, \"Doppelter Eintrag '1-m@example.com' für Schlüssel"
        " 'accounts_member_team_id_email_f8ed23f8_uniq'\")",
        "not_null": "(1048, \"Feld 'total' darf nicht NULL sein\")",
        "foreign_key": "(1452, 'Kann Kind-Zeile nicht hinzufügen oder aktualisieren: eine"
        f" Fremdschlüsselbedingung schlägt fehl {FK}')",
        "foreign_key_parent_delete": "(1451, 'Kann Eltern-Zeile nicht löschen oder"
        f" aktualisieren: eine Fremdschlüsselbedingung schlägt fehl {FK}')",
        "check_constraint": "(4025, 'CONSTRAINT `price_gte_0` fehlgeschlagen:"
        f" {DB}.`shop_product`')",
    },
    "fr": {
        "unique_field": "(1062, \"Duplicata du champ 'a@example.com' pour la clef 'email'\")",
        "not_null": "(1048, \"Le champ 'total' ne peut être vide (null)\")",
    },
    "es": {
        "unique_db_column": "(1062, \"Entrada duplicada 'R-1' para la clave 'ref_code'\")",
        "not_null": "(1048, \"La columna 'total' no puede ser nula\")",
        "foreign_key": "(1452, 'No puedo añadir o actualizar una fila hija: falla una"
        f" restricción de clave foránea {FK}')",
        "check_constraint": "(4025, 'No se cumple la RESTRICCIÓN `price_gte_0` para"
        f" {DB}.`shop_product`')",
    },
    # Japanese puts the value first and the words after it.
    "ja": {
        "unique_constraint": "(1062, \"'Hammer-1' は索引 'uniq_product_name' で重複しています。\")",
        "not_null": "(1048, \"列 'total' は null にできません。\")",
    },
    "ru": {
        "unique_field": "(1062, \"Дублирующаяся запись 'a@example.com' по ключу 'email'\")",
        "not_null": "(1048, \"Столбец 'total' не может принимать величину NULL\")",
        "check_constraint": "(4025, 'проверка CONSTRAINT `price_gte_0` для"
        f" {DB}.`shop_product` провалилась')",
    },
    # Portuguese puts the value between the words.
    "pt": {
        "unique_together": "(1062, \"Entrada '1-m@example.com' duplicada para a chave"
        " 'accounts_member_team_id_email_f8ed23f8_uniq'\")",
        "not_null": "(1048, \"Coluna 'total' não pode ser vazia\")",
    },
    "it": {
        "unique_field": "(1062, \"Valore duplicato 'a@example.com' per la chiave 'email'\")",
        "not_null": "(1048, \"La colonna 'total' non puo` essere nulla\")",
    },
}
LOCALES = {"de": "de_DE", "fr": "fr_FR", "es": "es_ES", "ja": "ja_JP", "ru": "ru_RU",
           "pt": "pt_BR", "it": "it_IT"}  # fmt: skip


@pytest.mark.parametrize("language", sorted(LOCALISED))
def test_mariadb_in_another_language(language: str) -> None:
    for case, message in LOCALISED[language].items():
        explanation = explain(PREFIX + message)
        assert explanation.violation.backend == "mysql", (language, case)
        assert_lands(explanation, case)


def test_the_value_and_the_key_are_read_whatever_the_order_of_the_words() -> None:
    violation = parse_violation(LOCALISED["ja"]["unique_constraint"])
    assert violation is not None
    assert (violation.values, violation.constraint) == (("Hammer-1",), "uniq_product_name")
    violation = parse_violation(LOCALISED["pt"]["unique_together"])
    assert violation is not None
    assert violation.values == ("1-m@example.com",)


def test_english_and_other_errors_are_left_as_they_are() -> None:
    english = "(1062, \"Duplicate entry 'x' for key 'sku'\")"
    assert mysql_in_english(english) == english
    other = "(1205, 'Lock wait timeout exceeded; try restarting transaction')"
    assert mysql_in_english(other) == other
    check = f"(4025, 'CONSTRAINT `c` failed for {DB}.`t`')"
    assert mysql_in_english(check) == check


def test_migrate_over_rows_in_another_language() -> None:
    """MariaDB's 1265 in `migrate`'s output (a column made NOT NULL over NULL rows), German."""
    text = (
        "Applying shop.0002_order_total_not_null...Traceback (most recent call last):\n"
        "django.db.utils.DataError: (1265, \"Daten abgeschnitten für Feld 'total' in Zeile 1\")"
    )
    violation = parse_violation(text)
    assert violation is not None
    assert (violation.kind, violation.columns, violation.existing_rows) == (
        "not_null", ("total",), True,
    )  # fmt: skip


@pytest.mark.parametrize("language", sorted(LOCALES))
def test_live_languages(language: str) -> None:
    """The real server in each language gives the same answers, the culprit first."""
    env = {**os.environ, "INTEGRITY_LSP_MYSQL_LC_MESSAGES": LOCALES[language]}
    result = subprocess.run(
        [sys.executable, str(PROVOKE), "mysql"],
        capture_output=True, text=True, timeout=300, check=False, env=env,
    )  # fmt: skip
    if result.returncode == 3:
        reason = json.loads(result.stdout)["unreachable"]
        if os.environ.get("INTEGRITY_LSP_REQUIRE_DATABASES") == "1":
            pytest.fail(f"mysql unreachable: {reason}")
        pytest.skip(f"mysql unreachable: {reason}")
    assert result.returncode == 0, result.stderr
    texts = json.loads(result.stdout)
    assert "Duplicate entry" not in texts["unique_field"]  # the server really spoke `language`
    for case in EXPECTED:
        explanation = explain(texts[case])
        assert_lands(explanation, case)
        if any("shopproj" in frame.path for frame in explanation.frames):
            assert explanation.write_sites[0].from_traceback, (language, case)
