"""The public portal in a real Chromium (Debian's chromium, Playwright): the lookup page and
the procedure pages."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.core.cache import cache

from motcua.dossiers import services
from tests.dossiers.conftest import Actors, _fresh_calendar, actors, take_in, vn

__all__ = ["_fresh_calendar", "actors"]

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def lookup_right_then_wrong_last4(live_server: Any, page: Any, shots: Path, actors: Actors) -> None:
    from playwright.sync_api import expect

    cache.clear()
    dossier = services.dossier_receive(
        dossier=take_in(actors, vn(2026, 11, 18, 9)),
        actor=actors.receiver,
        at=vn(2026, 11, 18, 9, 5),
    )
    last4 = actors.profile.personal_id[-4:]
    wrong = f"{(int(last4) + 1) % 10000:04d}"

    # the QR code of the receipt (form 01) points here
    page.goto(f"{live_server.url}/lookup/?code={dossier.code}")
    code_box = page.get_by_label("Mã hồ sơ")
    expect(code_box).to_have_value(dossier.code)
    page.locator("#id_id_last4").fill(last4)
    page.screenshot(path=str(shots / "lookup-form.png"), full_page=True)
    page.locator("form.lookup-form button[type=submit]").click()

    result = page.locator("#lookup-result")
    expect(result).to_be_visible()
    expect(result).to_contain_text("2 – Được tiếp nhận")
    expect(result).to_contain_text(dossier.current_agency.name)
    assert actors.profile.full_name not in page.content()
    assert actors.profile.personal_id not in page.content()
    page.screenshot(path=str(shots / "lookup-found.png"), full_page=True)

    page.locator("#id_code").fill(dossier.code)
    page.locator("#id_id_last4").fill(wrong)
    page.locator("form.lookup-form button[type=submit]").click()
    expect(page.locator("#lookup-error")).to_contain_text(
        "Không có hồ sơ nào khớp với mã hồ sơ và các chữ số đã nhập."
    )
    expect(page.locator("#lookup-result")).to_have_count(0)
    body = page.content()
    assert dossier.current_agency.name not in body
    assert dossier.procedure_version.name not in body
    page.screenshot(path=str(shots / "lookup-wrong-last4.png"), full_page=True)


def typo_search_then_procedure_and_sector(live_server: Any, page: Any, shots: Path) -> None:
    from playwright.sync_api import expect

    page.goto(f"{live_server.url}/")
    page.get_by_label("Tìm kiếm thủ tục").fill("khai snh")
    results = page.locator("#results")
    expect(page.locator("#approximate-note")).to_be_visible()
    link = results.get_by_role("link", name="Thủ tục đăng ký khai sinh", exact=True)
    expect(link).to_have_count(1)
    page.screenshot(path=str(shots / "search-typo.png"), full_page=False)

    link.click()
    page.wait_for_url(f"{live_server.url}/procedures/1.001193/")
    expect(page.locator("#time-limit")).to_contain_text("ngày làm việc tiếp theo")
    expect(page.locator("#no-documents")).to_be_visible()
    page.screenshot(path=str(shots / "procedure.png"), full_page=True)

    page.get_by_role("link", name="Hộ tịch").first.click()
    page.wait_for_url(f"{live_server.url}/sectors/ho-tich/")
    expect(page.get_by_role("heading", name="Hộ tịch", level=1)).to_be_visible()
    expect(
        page.locator("#results").get_by_role("link", name="Thủ tục đăng ký khai sinh", exact=True)
    ).to_have_count(1)
    page.screenshot(path=str(shots / "sector.png"), full_page=True)


def test_public_lookup_right_then_wrong_last4(
    live_server: Any, page: Any, shots: Path, actors: Actors
) -> None:
    lookup_right_then_wrong_last4(live_server, page, shots, actors)


def test_typo_search_procedure_and_sector_pages(
    live_server: Any, page: Any, shots: Path, reference: None
) -> None:
    typo_search_then_procedure_and_sector(live_server, page, shots)
