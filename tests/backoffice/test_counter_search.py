"""Accent-insensitive search of the catalogue (the folded ``search_text`` column), identical on
SQLite and PostgreSQL, and the counter's ranking of the results."""

from __future__ import annotations

import unicodedata

import pytest

from motcua.backoffice.counter_selectors import procedures_for_counter
from motcua.catalog.demo import demo_required_documents_ensure
from motcua.catalog.models import ProcedureVersion
from motcua.catalog.selectors import versions_search

pytestmark = pytest.mark.django_db


def codes(query: str) -> list[str]:
    return [v.procedure.code for v in versions_search(query=query)]


@pytest.mark.parametrize(
    "query",
    [
        "dang ky khai sinh",
        "Đăng ký khai sinh",
        "ĐĂNG KÝ KHAI SINH",
        unicodedata.normalize(
            "NFD", "Đăng ký khai sinh"
        ),  # combining marks, as some keyboards type
        "  dang   ky\tkhai sinh ",
    ],
)
def test_every_spelling_finds_birth_registration(reference: None, query: str) -> None:
    found = codes(query)
    assert "1.001193" in found
    assert found == codes("dang ky khai sinh")


def test_every_word_must_match(reference: None) -> None:
    assert "1.000894" in codes("ket hon")
    assert "1.001193" not in codes("ket hon")
    assert codes("khai sinh xyzzy") == []


def test_code_or_part_of_it(reference: None) -> None:
    assert codes("1.001193") == ["1.001193"]
    assert "1.001193" in codes("001193")


def test_search_text_is_kept_in_line_with_the_name(reference: None) -> None:
    version = ProcedureVersion.objects.filter(procedure__code="1.001193").latest("effective_from")
    version.name = "Thủ tục đăng ký khai sinh lưu động"
    version.save()
    version.refresh_from_db()
    assert version.search_text == "thu tuc dang ky khai sinh luu dong"
    assert "1.001193" in codes("luu dong")


def test_counter_ranking_and_document_counts(reference: None) -> None:
    demo_required_documents_ensure()
    ranked = procedures_for_counter(query="dang ky khai sinh")
    assert [v.procedure.code for v in ranked][:1] == ["1.001193"]  # shortest name holding it
    assert ranked[0].document_count == 5
    assert all(v.document_count == 0 for v in ranked[1:])
    assert procedures_for_counter(query="1.000894")[0].procedure.code == "1.000894"
    assert procedures_for_counter(query="   ") == []
