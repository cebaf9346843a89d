"""Procedure pages, browsing by sector and search with typo tolerance."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test import Client

from motcua.catalog.models import Fee, OnlineLevel, ProcedureVersion, RequiredDocument
from motcua.portal import selectors

pytestmark = pytest.mark.usefixtures("reference")


def _codes(html: str) -> set[str]:
    return set(re.findall(r'href="/procedures/(\d\.\d{6})/"', html))


def _version(code: str) -> ProcedureVersion:
    version = ProcedureVersion.objects.filter(procedure__code=code).order_by("-effective_from")
    found = version.first()
    assert found is not None
    return found


def test_procedure_page_says_plainly_what_is_not_entered_yet(client: Client) -> None:
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    html = client.get("/procedures/1.001193/").content.decode()
    assert 'id="no-documents"' in html
    assert "The list of required documents has not been entered yet." in html
    assert 'id="no-legal-basis"' in html
    assert 'id="no-description"' in html
    assert "any service point" in html  # boundary-free


def test_procedure_page_shows_purpose_documents_fees_level_and_legal_basis(
    client: Client,
) -> None:
    version = _version("1.012783")
    version.description = "Cấp đổi giấy chứng nhận quyền sử dụng đất đã cấp."
    version.legal_basis = "Luật Đất đai số 31/2024/QH15"
    version.online_level = OnlineLevel.PARTIAL
    version.save()
    RequiredDocument.objects.create(
        version=version, order=1, name="Đơn đề nghị cấp đổi", copy_kind="original", count=1
    )
    RequiredDocument.objects.create(
        version=version,
        order=2,
        name="Giấy chứng nhận đã cấp",
        copy_kind="original",
        count=1,
        is_optional=True,
    )
    Fee.objects.create(version=version, description="Lệ phí cấp giấy", amount=50000)
    html = client.get("/procedures/1.012783/").content.decode()
    assert "Cấp đổi giấy chứng nhận quyền sử dụng đất đã cấp." in html
    assert "Luật Đất đai số 31/2024/QH15" in html
    documents = html.split('id="documents"')[1].split("</ol>")[0]
    assert documents.index("Đơn đề nghị cấp đổi") < documents.index("Giấy chứng nhận đã cấp")
    fees = html.split('id="fees"')[1].split("</dd>")[0]
    assert "Lệ phí cấp giấy (50.000 đ)" in fees, fees
    assert "5 ngày làm việc" in html
    assert 'id="no-documents"' not in html and 'id="no-legal-basis"' not in html
    level = html.split('id="online-level"')[1].split("</dd>")[0]
    assert "một phần" in level


def test_same_day_time_limit_in_words(client: Client) -> None:
    html = client.get("/procedures/1.001193/").content.decode()
    limit = html.split('id="time-limit"')[1].split("</dd>")[0]
    assert "trong ngày" in limit and "15:00" in limit and "ngày làm việc tiếp theo" in limit


def test_browse_by_sector(client: Client) -> None:
    home = client.get("/").content.decode()
    assert 'href="/sectors/ho-tich/"' in home
    response = client.get("/sectors/ho-tich/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "<h1>Hộ tịch</h1>" in html
    codes = _codes(html)
    assert "1.001193" in codes  # khai sinh, Hộ tịch
    assert "1.004222" not in codes  # thường trú, another sector
    expected = (
        selectors.catalog.versions_in_force()
        .filter(sector__code="ho-tich")
        .values_list("procedure__code", flat=True)
    )
    assert codes == set(expected)
    assert 'aria-current="page"' in html


def test_unknown_sector_is_404(client: Client) -> None:
    assert client.get("/sectors/khong-co/").status_code == 404


@pytest.mark.parametrize("typo", ["khai snh", "dang ki khai sinh", "KHAI SIHN"])
def test_search_tolerates_typos(client: Client, typo: str) -> None:
    html = client.get("/", {"q": typo}).content.decode()
    assert "1.001193" in _codes(html)
    assert 'id="approximate-note"' in html


def test_exact_matches_are_not_mixed_with_close_ones(client: Client) -> None:
    html = client.get("/", {"q": "khai sinh"}).content.decode()
    assert 'id="approximate-note"' not in html
    assert "1.001193" in _codes(html)
    assert "1.000894" not in _codes(html)  # kết hôn


def test_nonsense_finds_nothing(client: Client) -> None:
    html = client.get("/", {"q": "qwxzv pjkq"}).content.decode()
    assert _codes(html) == set()
    assert 'id="approximate-note"' not in html


def test_close_matches_are_ranked_best_first() -> None:
    result = selectors.procedures_search(query="dang ky ket hn")
    assert result.approximate
    assert result.versions, "a close match is expected"
    assert result.versions[0].procedure.code == "1.000894"  # Thủ tục đăng ký kết hôn


def test_the_python_fallback_scores_typos_on_every_database() -> None:
    versions = selectors.catalog.versions_in_force()
    close = selectors._close_matches_python("thuong tru dang ki", versions)
    assert close and close[0].procedure.code == "1.004222"  # Đăng ký thường trú
    assert selectors._close_matches_python("zzzz", versions) == []


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL (pg_trgm)")
def test_postgresql_uses_trigram_word_similarity() -> None:
    versions = selectors.catalog.versions_in_force()
    close = selectors._close_matches_postgresql("khai snh", versions)
    assert "1.001193" in {v.procedure.code for v in close}
    assert selectors._close_matches_postgresql("qwxzv pjkq", versions) == []


def test_amounts_are_written_the_vietnamese_way() -> None:
    assert selectors.format_dong(50000) == "50.000 đ"
    assert selectors.format_dong(1250000) == "1.250.000 đ"
    assert selectors.format_dong(0) == "0 đ"
