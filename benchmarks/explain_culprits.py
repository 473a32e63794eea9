"""Does `explain` put the write that raised an IntegrityError in its top three?

Real IntegrityErrors, produced by the real databases on this machine: each case performs a
violating write through a fixture project's own functions (tests/explain/fixtures/shopproj and
rankproj) on SQLite, PostgreSQL (in English and, when a server with those locales is given by
`--locale-port`, in German, French and Japanese through `lc_messages`) and MariaDB (in English,
German, French, Spanish, Japanese and Russian through its `lc_messages`), and the
traceback is kept. Each traceback is explained as pasted three ways -- the whole traceback, the
bare message (its last lines), and the traceback JSON-escaped in a log line -- and the table says
whether the message was understood, whether the model and constraint are the expected ones, and
the rank of the culprit (the write the case performed) among the write sites.

`python -m benchmarks.explain_culprits [--locale-port 5499]` prints the table and a summary.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "explain" / "fixtures"
PROVOKE = ROOT / "tests" / "explain" / "provoke.py"
MARIADB_LANGUAGES = ("de_DE", "fr_FR", "es_ES", "ja_JP", "ru_RU")  # MariaDB's `lc_messages`


@dataclass(frozen=True)
class Case:
    project: str
    model: str
    fields: frozenset[str]
    culprit: tuple[str, str] | None  # (file under the project, function) of the write


CASES: dict[str, Case] = {
    "unique_field": Case("shopproj", "shop.Customer", frozenset({"email"}),
                         ("shop/services.py", "add_customer")),
    "unique_db_column": Case("shopproj", "shop.Order", frozenset({"reference"}),
                             ("shop/services.py", "add_order")),
    "unique_together": Case("shopproj", "accounts.Member", frozenset({"team", "email"}),
                            ("shop/services.py", "join")),
    "unique_constraint": Case("shopproj", "shop.Product", frozenset({"name", "category"}),
                              ("shop/services.py", "add_product")),
    "not_null": Case("shopproj", "shop.Order", frozenset({"total"}),
                     ("shop/services.py", "add_order")),
    "foreign_key": Case("shopproj", "shop.Order", frozenset({"customer"}),
                        ("shop/services.py", "add_order")),
    "check_constraint": Case("shopproj", "shop.Product", frozenset(),
                             ("shop/services.py", "add_product")),
    "positive_field_check": Case("shopproj", "shop.Product", frozenset({"stock"}),
                                 ("shop/services.py", "add_product")),
    "multi_table_child": Case("shopproj", "shop.Product", frozenset({"sku"}),
                              ("shop/services.py", "issue_gift_card")),
    "publish_slug": Case("rankproj", "blog.Post", frozenset({"slug"}),
                         ("blog/services.py", "publish")),
    "import_slug": Case("rankproj", "blog.Post", frozenset({"slug"}),
                        ("blog/services.py", "_store")),
    "word_count_null": Case("rankproj", "blog.Post", frozenset({"word_count"}),
                            ("blog/services.py", "publish")),
    "repost_author": Case("rankproj", "blog.Post", frozenset({"author"}),
                          ("blog/services.py", "repost")),
}  # fmt: skip


# --- the child process: provoke the cases of one fixture on one backend --------------------------


def _rankproj_cases() -> dict[str, object]:
    from blog import services, views  # type: ignore[import-not-found]
    from blog.models import Author  # type: ignore[import-not-found]

    class Request:
        def __init__(self, data: dict[str, object]) -> None:
            self.POST = _Form(data)

    author = Author.objects.create(handle="a")
    services.publish(author, "first", "First", "one two")
    return {
        "publish_slug": lambda: services.publish(author, "first", "Again", "three"),
        "import_slug": lambda: views.import_view(
            Request({"handle": "a", "rows": [{"slug": "first", "title": "T"}]})
        ),
        "word_count_null": lambda: services.publish(author, "second", "Empty", ""),
        "repost_author": lambda: services.repost(999_999, "third", "T"),
    }


class _Form(dict[str, object]):
    def getlist(self, key: str) -> object:
        return self[key]


def _child(backend: str, project: str) -> int:
    sys.path.insert(0, str(PROVOKE.parent))
    import provoke  # type: ignore[import-not-found]

    fixture = FIXTURES / project
    if project == "shopproj":
        provoke.configure(backend)
        return int(provoke.on_test_database(provoke.provoke_all))
    provoke.configure(
        backend, fixture, ("django.contrib.contenttypes", "blog"), "integrity_lsp_culprits"
    )

    def provoke_rankproj() -> dict[str, str]:
        import traceback

        from django.db import IntegrityError, transaction

        texts: dict[str, str] = {}
        for name, write in _rankproj_cases().items():
            try:
                with transaction.atomic():
                    write()  # type: ignore[operator]
            except IntegrityError:
                texts[name] = traceback.format_exc()
            else:
                texts[name] = ""
        return texts

    return int(provoke.on_test_database(provoke_rankproj))


# --- the parent: explain each text and rank the culprit ------------------------------------------


def provoked(backend: str, project: str, env: dict[str, str]) -> dict[str, str] | str:
    result = subprocess.run(
        [sys.executable, "-m", "benchmarks.explain_culprits", "--child", backend, project],
        capture_output=True, text=True, timeout=600, check=False, env=env, cwd=ROOT,
    )  # fmt: skip
    if result.returncode != 0:
        return (result.stdout or result.stderr).strip().splitlines()[-1][:200]
    texts: dict[str, str] = json.loads(result.stdout)
    return texts


def bare(text: str) -> str:
    """The message as people paste it without its traceback: the exception line on."""
    lines = text.strip().splitlines()
    for number in range(len(lines) - 1, -1, -1):
        if "IntegrityError:" in lines[number]:
            return "\n".join(lines[number:]).split("IntegrityError: ", 1)[1]
    return lines[-1]


def judge(text: str, case: Case) -> tuple[bool, bool, str]:
    """(understood, model and fields exact, culprit rank or '-')."""
    from integrity_lsp.config import Settings
    from integrity_lsp.explain import explain_text
    from integrity_lsp.project.index import ProjectIndex

    root = FIXTURES / case.project
    index = _INDEXES.setdefault(case.project, ProjectIndex.build(root, Settings()))
    explanation = explain_text(text, index, settings=Settings())
    if explanation is None:
        return False, False, "-"
    exact = (
        explanation.model is not None
        and explanation.model.label == case.model
        and {f.name for f in explanation.fields} >= case.fields
    )
    if case.culprit is None:
        return True, exact, "-"
    path, function = root / case.culprit[0], case.culprit[1]
    for rank, site in enumerate(explanation.write_sites, start=1):
        if site.path == path and site.function == function:
            return True, exact, str(rank)
    return True, exact, "missing"


_INDEXES: dict[str, object] = {}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--locale-port", help="a PostgreSQL server with de/fr/ja locales")
    parser.add_argument("--child", nargs=2, metavar=("BACKEND", "PROJECT"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        return _child(*args.child)
    setups: list[tuple[str, str, dict[str, str]]] = [
        ("sqlite", "sqlite", {}), ("postgresql", "postgresql", {}), ("mysql", "mariadb", {}),
    ]  # fmt: skip
    for locale in MARIADB_LANGUAGES:  # built into the server: no OS locale needed
        setups.append(("mysql", f"mariadb {locale}", {"INTEGRITY_LSP_MYSQL_LC_MESSAGES": locale}))
    if args.locale_port:
        for locale in ("de_DE", "fr_FR", "ja_JP"):
            options = {"INTEGRITY_LSP_PG_PORT": args.locale_port,
                       "INTEGRITY_LSP_PG_OPTIONS": f"-c lc_messages={locale}.utf8"}  # fmt: skip
            setups.append(("postgresql", f"postgresql {locale}", options))
    rows: list[tuple[str, str, str, bool, bool, str]] = []
    for backend, title, extra in setups:
        env = {**os.environ, **extra, "PYTHONPATH": str(ROOT)}
        for project in ("shopproj", "rankproj"):
            texts = provoked(backend, project, env)
            if isinstance(texts, str):
                print(f"{title} {project}: not run ({texts})", file=sys.stderr)
                continue
            for name, case in CASES.items():
                text = texts.get(name, "")
                if case.project != project or not text or text == "DataError":
                    continue
                forms = {"traceback": text, "bare message": bare(text),
                         "JSON log line": json.dumps({"exc_info": text})}  # fmt: skip
                for form, pasted in forms.items():
                    rows.append((title, name, form, *judge(pasted, case)))
    print("| database | case | pasted as | understood | model+fields exact | culprit rank |")
    print("|---|---|---|---|---|---|")
    for title, name, form, understood, exact, rank in rows:
        print(f"| {title} | {name} | {form} | {'yes' if understood else 'NO'} | "
              f"{'yes' if exact else 'NO'} | {rank} |")  # fmt: skip
    ranked = [row for row in rows if row[5] != "-"]
    top3 = [row for row in ranked if row[5].isdigit() and int(row[5]) <= 3]
    print(
        f"\n{len(rows)} messages: {sum(r[3] for r in rows)} understood, "
        f"{sum(r[4] for r in rows)} model+fields exact; culprit in the top three in "
        f"{len(top3)} of {len(ranked)} ({100 * len(top3) / max(len(ranked), 1):.0f} %)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
