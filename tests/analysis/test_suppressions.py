from __future__ import annotations

from integrity_lsp.analysis.suppressions import ALL_CODES, file_level_codes, find_line_noqa


def test_noqa_with_codes_and_reason() -> None:
    line = "    Product.objects.create(sku=s)  # noqa: IL101, IL201 -- reviewed in #42"
    noqa = find_line_noqa(3, line)
    assert noqa is not None
    assert noqa.codes == ("IL101", "IL201")
    assert noqa.suppresses("IL201") and not noqa.suppresses("IL104")
    assert line[noqa.column] == "#"
    assert line[: noqa.end_column].endswith("IL201")


def test_bare_noqa_suppresses_everything() -> None:
    noqa = find_line_noqa(1, "x = 1  # NOQA")
    assert noqa is not None and noqa.codes == () and noqa.suppresses("IL999")


def test_hash_inside_a_string_is_not_a_comment() -> None:
    assert find_line_noqa(1, 'x = "# noqa: IL101"') is None
    assert find_line_noqa(1, "x = 1  # just a comment") is None


def test_file_level() -> None:
    assert file_level_codes("# integrity-lsp: noqa\nx = 1\n") is ALL_CODES
    assert file_level_codes("x = 1\n# integrity-lsp: noqa: IL104, IL101\n") == {"IL101", "IL104"}
    assert file_level_codes("x = 1\n") is None
    assert file_level_codes('s = "# integrity-lsp: noqa"\n') is None
