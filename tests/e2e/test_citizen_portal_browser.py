"""The citizen portal in Debian's chromium, end to end (issue 6):

1. a citizen registers, keeps a paper in the data store, finds "khai sinh" typed without
   accents, submits online reusing the stored paper, answers a supplement request, receives
   the signed electronic result, verifies it on the public page and rates the service;
2. a mandated person submits for someone else; the mandate is revoked and the same action is
   refused;
3. a service agent submits with the citizen's one-time code;
4. the public lookup with wrong last 4 digits reveals nothing.

Screenshots portal-*.png go to test-results/ and, with MOTCUA_DOCS_SCREENSHOTS=1, to the
user guide (docs/user-guide.md)."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import pytest
from django.core import mail
from django.utils import timezone

from motcua.catalog.demo import demo_required_documents_ensure
from motcua.documents.models import ElectronicResult, StoreItem
from motcua.dossiers import services as s
from motcua.dossiers.models import Dossier, DossierDocument, SubmitterKind
from motcua.dossiers.states import State
from motcua.feedback.models import DossierRating
from motcua.org.models import Agency, User
from motcua.org.roles import Role
from motcua.people.models import Mandate, ServiceAgent
from tests.e2e.conftest import guide_copy
from tests.factories import PASSWORD, CitizenProfileFactory, UserFactory, staff

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

KHAI_SINH = "1.001193"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
NEW_PASSWORD = "Sen-hồng-2026!"


@pytest.fixture
def portal_on(settings: Any, tmp_path: Path, reference: None) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.MOTCUA_IDP = None
    settings.MEDIA_ROOT = tmp_path / "media"
    demo_required_documents_ensure()


def _shot(page: Any, shots: Path, name: str) -> None:
    page.screenshot(path=str(shots / name), full_page=True)
    guide_copy(shots / name)


def _pdf(tmp: Path, name: str, extra: bytes) -> Path:
    path = tmp / name
    path.write_bytes(PDF + extra)
    return path


def _commune() -> Agency:
    return (
        Agency.objects.filter(level=Agency.Level.COMMUNE, service_points__is_active=True)
        .order_by("name")
        .first()  # type: ignore[return-value]
    )


def _commune_staff(commune: Agency) -> dict[str, User]:
    point = commune.service_points.filter(is_active=True).first()
    assert point is not None
    return {
        Role.RECEIVER.value: staff(Role.RECEIVER, agency_code=commune.code, point_code=point.code),
        Role.PROCESSOR.value: staff(Role.PROCESSOR, agency_code=commune.code),
        Role.APPROVER.value: staff(Role.APPROVER, agency_code=commune.code),
    }


def _log_in(page: Any, base: str, username: str, password: str = PASSWORD) -> None:
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.locator("#login-form button[type=submit]").click()
    page.wait_for_url(re.compile(r".*/(me|agent)/$"))


def _fill_draft(
    page: Any, tmp: Path, *, reuse: str | None = None, reuse_for: str = "", commune: Agency
) -> None:
    """On the draft page: the commune, every paper (the one whose name starts with
    ``reuse_for`` from the store entry labelled ``reuse``), electronic return."""
    if page.locator("#id_competent_agency").count():
        page.select_option("#id_competent_agency", str(commune.pk))
    components = page.locator(".component")
    for index in range(components.count()):
        box = components.nth(index)
        name = box.locator("h3").inner_text()
        if reuse is not None and name.startswith(reuse_for):
            box.locator("select").select_option(label=reuse)
            continue
        box.locator("input[type=file]").set_input_files(
            str(_pdf(tmp, f"paper-{index}.pdf", f"paper {index}".encode()))
        )
    page.check("input[name=return_method][value=electronic]")


def _send(page: Any, shots: Path | None = None, name: str = "") -> None:
    page.locator('#draft-form button[value="review"]').click()
    page.wait_for_url(re.compile(r".*/review/$"))
    if shots is not None:
        _shot(page, shots, name)
    page.locator("main form button.primary").click()
    page.wait_for_url(re.compile(r".*/me/dossiers/[^/]+/$"))


def _advance_and_return(dossier: Dossier, people: dict[str, User]) -> Dossier:
    d = s.dossier_receive(dossier=dossier, actor=people[Role.RECEIVER.value])
    d = s.dossier_forward(dossier=d, actor=people[Role.RECEIVER.value])  # to processing
    while d.current_step_id is not None:
        role = d.current_step.role  # type: ignore[union-attr]
        actor = people[role]
        if role == Role.APPROVER.value:
            d = s.dossier_approve(dossier=d, actor=actor)
        else:
            d = s.dossier_forward(dossier=d, actor=actor)
    d = s.dossier_finish(dossier=d, actor=people[Role.PROCESSOR.value])
    return s.dossier_return_result(
        dossier=d, actor=people[Role.RECEIVER.value], method="electronic"
    )


def test_citizen_registers_submits_reusing_the_store_supplements_verifies_and_rates(
    live_server: Any, page: Any, shots: Path, portal_on: None, tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    base = live_server.url
    commune = _commune()
    people = _commune_staff(commune)

    # 1. register and verify
    mail.outbox.clear()
    page.goto(f"{base}/accounts/register/")
    page.fill("#id_personal_id", "001196054321")
    page.fill("#id_full_name", "Nguyễn Thị Khai Sinh")
    page.fill("#id_birth_date", "1996-03-15")
    page.fill("#id_email", "khaisinh@example.test")
    page.fill("#id_password1", NEW_PASSWORD)
    page.fill("#id_password2", NEW_PASSWORD)
    page.check("#id_consent")
    page.locator("#register-form button[type=submit]").click()
    page.wait_for_url(f"{base}/accounts/verify/")
    code = re.search(r"\b(\d{6})\b", str(mail.outbox[-1].body))
    assert code
    page.fill("#id_code", code.group(1))
    page.locator('#verify-form button[value="verify"]').click()
    page.wait_for_url(re.compile(r".*/accounts/login/.*"))
    page.fill("#id_username", "khaisinh@example.test")
    page.fill("#id_password", NEW_PASSWORD)
    page.locator("#login-form button[type=submit]").click()
    page.wait_for_url(f"{base}/me/")
    user = User.objects.get(username="001196054321")
    profile = user.citizen_profile

    # 2. a paper kept in the data store
    page.goto(f"{base}/me/store/")
    page.set_input_files("#id_file", str(_pdf(tmp_path, "chung-sinh.pdf", b"giay chung sinh")))
    page.fill("#id_doc_type", "Giấy chứng sinh")
    page.fill("#id_number", "CS-2026-0815")
    page.fill("#id_issuer", "Bệnh viện Phụ sản Hà Nội")
    page.locator("#store-form button[type=submit]").click()
    expect(page.locator("#store-items")).to_contain_text("CS-2026-0815")
    _shot(page, shots, "portal-store.png")
    stored = StoreItem.objects.get(owner=profile)

    # 3. find "khai sinh" typed without accents
    page.goto(f"{base}/")
    page.fill("#q", "khai sinh")
    page.locator("form.search button[type=submit]").click()
    link = page.locator(f"#results a[href$='/procedures/{KHAI_SINH}/']")
    expect(link).to_contain_text("Thủ tục đăng ký khai sinh")
    _shot(page, shots, "portal-search-khai-sinh.png")
    link.click()
    page.wait_for_url(re.compile(rf".*/procedures/{re.escape(KHAI_SINH)}/$"))
    page.locator("#submit-online").click()
    page.locator("main form button.primary").click()  # in my own name
    page.wait_for_url(re.compile(r".*/me/drafts/\d+/$"))

    # 4. the guided form, reusing the stored paper for the first component
    expect(page.locator("#applicant")).to_contain_text("Nguyễn Thị Khai Sinh")
    label = page.locator(".component select").first.locator("option").nth(1).inner_text()
    assert label.startswith("Giấy chứng sinh")
    _fill_draft(page, tmp_path, reuse=label, reuse_for="Giấy chứng sinh", commune=commune)
    _shot(page, shots, "portal-draft.png")
    _send(page, shots, "portal-review.png")
    expect(page.locator("#components li", has_text="Giấy chứng sinh")).to_contain_text(
        "lấy từ kho dữ liệu"
    )
    dossier = Dossier.objects.get(applicant=profile)
    assert dossier.state == State.SUBMITTED and dossier.national_status == 1
    reused = DossierDocument.objects.filter(dossier=dossier, store_item=stored)
    assert reused.count() == 1
    _shot(page, shots, "portal-submitted.png")

    # 5. the commune asks for a supplement; the citizen answers it online
    s.dossier_request_supplement(
        dossier=dossier,
        actor=people[Role.RECEIVER.value],
        items=["Bản sao giấy đăng ký kết hôn của cha mẹ"],
        reason="Thiếu giấy tờ chứng minh quan hệ cha mẹ",
    )
    page.reload()
    expect(page.locator("#supplement")).to_contain_text("giấy đăng ký kết hôn")
    page.set_input_files("#id_item_0", str(_pdf(tmp_path, "ket-hon.pdf", b"ket hon")))
    _shot(page, shots, "portal-supplement.png")
    page.locator("#supplement-form button[type=submit]").click()
    expect(page.locator("#supplement")).to_have_count(0)
    dossier.refresh_from_db()
    assert dossier.state == State.SUBMITTED

    # 6. processed, returned electronically: a signed result in the store
    dossier = _advance_and_return(dossier, people)
    assert ElectronicResult.objects.filter(dossier=dossier).count() == 1
    assert StoreItem.objects.filter(owner=profile, source=StoreItem.Source.RESULT).count() == 1
    page.reload()
    result_link = page.locator("a[id^=result-]")
    expect(result_link).to_be_visible()
    _shot(page, shots, "portal-result.png")
    # fetched with the citizen's session (the browser would show the PDF inline)
    answer = page.request.get(base + str(result_link.get_attribute("href")))
    assert answer.status == 200
    assert answer.headers["content-type"] == "application/pdf"
    result_file = tmp_path / "ket-qua.pdf"
    result_file.write_bytes(answer.body())
    assert result_file.read_bytes().startswith(b"%PDF")

    # 7. verified on the public page
    page.goto(f"{base}/documents/verify/")
    page.set_input_files("input[type=file]", str(result_file))
    page.locator("main form button[type=submit]").click()
    expect(page.locator("main")).to_contain_text(dossier.identifier)
    _shot(page, shots, "portal-verify-result.png")

    # 8. rated
    page.goto(f"{base}/me/dossiers/{dossier.identifier}/")
    for number in (1, 3, 4, 7):
        page.check(f"input[name=index_{number}][value='2']")
    page.fill("textarea[name=comment]", "Nhanh, không phải đi lại")
    _shot(page, shots, "portal-rating.png")
    page.locator("#rating form button[type=submit]").click()
    expect(page.locator("#rating")).to_contain_text("Nhanh, không phải đi lại")
    assert DossierRating.objects.filter(dossier=dossier).count() == 1


def test_mandated_person_submits_then_the_mandate_is_revoked(
    live_server: Any, page: Any, shots: Path, portal_on: None, tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    base = live_server.url
    commune = _commune()
    grantor_user = UserFactory(roles=[Role.CITIZEN], username="grantor")
    grantor = CitizenProfileFactory(user=grantor_user, full_name="Phạm Văn Ủy Quyền")
    grantee_user = UserFactory(roles=[Role.CITIZEN], username="grantee")
    grantee = CitizenProfileFactory(user=grantee_user, full_name="Lê Thị Được Ủy Quyền")

    # the grantor gives a mandate for all procedures
    _log_in(page, base, "grantor")
    page.goto(f"{base}/me/mandates/")
    page.fill("#id_grantee_id", grantee.personal_id)
    page.fill("#id_grantee_name", grantee.full_name)
    page.check("input[name=scope][value=all]")
    until = timezone.localdate() + dt.timedelta(days=365)
    page.fill("#id_valid_to", until.isoformat())
    _shot(page, shots, "portal-mandate-grant.png")
    page.locator("#grant-form button[type=submit]").click()
    expect(page.locator("#given")).to_contain_text("Lê Thị Được Ủy Quyền")
    mandate = Mandate.objects.get(grantor=grantor, grantee=grantee)

    # the mandated person submits in the grantor's name
    page.context.clear_cookies()
    _log_in(page, base, "grantee")
    page.goto(f"{base}/procedures/{KHAI_SINH}/submit/")
    page.check(f"input[name=applicant][value='{grantor.pk}']")
    _shot(page, shots, "portal-mandate-submit.png")
    page.locator("main form button.primary").click()
    page.wait_for_url(re.compile(r".*/me/drafts/\d+/$"))
    expect(page.locator("#applicant")).to_contain_text("Phạm Văn Ủy Quyền")
    _fill_draft(page, tmp_path, commune=commune)
    _send(page)
    dossier = Dossier.objects.get(applicant=grantor)
    assert dossier.submitter_id == grantee_user.pk
    assert dossier.submitter_kind == SubmitterKind.MANDATE
    assert dossier.mandate_id == mandate.pk
    dossier_url = page.url

    # the grantor revokes it
    page.context.clear_cookies()
    _log_in(page, base, "grantor")
    page.goto(f"{base}/me/mandates/")
    page.locator(f"#mandate-{mandate.pk} a, #mandate-{mandate.pk} button").first.click()
    if page.locator("#revoke-form").count():
        page.check("#revoke-form input[type=checkbox]")
        page.locator("#revoke-form button[type=submit]").click()
    mandate.refresh_from_db()
    assert mandate.revoked_at is not None

    # the same action is refused at once, and the dossier is no longer theirs to see
    page.context.clear_cookies()
    _log_in(page, base, "grantee")
    page.goto(f"{base}/procedures/{KHAI_SINH}/submit/")
    expect(page.locator(f"input[name=applicant][value='{grantor.pk}']")).to_have_count(0)
    response = page.request.post(
        f"{base}/procedures/{KHAI_SINH}/submit/",
        form={
            "applicant": str(grantor.pk),
            "csrfmiddlewaretoken": page.locator(
                "input[name=csrfmiddlewaretoken]"
            ).first.get_attribute("value"),
        },
        headers={"Referer": f"{base}/procedures/{KHAI_SINH}/submit/"},
    )
    assert response.status == 403
    assert page.goto(dossier_url).status == 404
    _shot(page, shots, "portal-mandate-revoked.png")


def test_agent_submits_with_the_citizens_one_time_code(
    live_server: Any, page: Any, shots: Path, portal_on: None, tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    base = live_server.url
    commune = _commune()
    citizen = CitizenProfileFactory(
        user=UserFactory(roles=[Role.CITIZEN]),
        full_name="Hoàng Văn Nhờ Đại Lý",
        email="nhodaily@example.test",
    )
    agent_user = UserFactory(roles=[Role.AGENT], username="daily")
    agent = ServiceAgent.objects.create(
        name="Đại lý dịch vụ công Nhà thuốc Long Châu 01",
        tax_code="0101234567",
        registered_by=Agency.objects.get(kind=Agency.Kind.SERVICE_CENTER),
    )
    agent.accounts.add(agent_user)

    _log_in(page, base, "daily")
    page.goto(f"{base}/agent/")
    mail.outbox.clear()
    page.fill("#id_applicant_id", citizen.personal_id)
    page.fill("#id_procedure_code", KHAI_SINH)
    page.locator("#agent-start-form button[type=submit]").click()
    page.wait_for_url(re.compile(r".*/agent/consent/\d+/$"))
    assert mail.outbox and mail.outbox[-1].to == ["nhodaily@example.test"]
    code = re.search(r"\b(\d{6})\b", str(mail.outbox[-1].body))
    assert code
    page.fill("#id_code", "000000" if code.group(1) != "000000" else "111111")
    page.locator("#consent-form button[type=submit]").click()
    expect(page.locator("#id_code_error")).to_be_visible()
    page.fill("#id_code", code.group(1))
    _shot(page, shots, "portal-agent-code.png")
    page.locator("#consent-form button[type=submit]").click()
    page.wait_for_url(re.compile(rf".*/procedures/{re.escape(KHAI_SINH)}/submit/\?consent=\d+$"))
    page.locator("main form button.primary").click()
    page.wait_for_url(re.compile(r".*/me/drafts/\d+/$"))
    expect(page.locator("#applicant")).to_contain_text("Hoàng Văn Nhờ Đại Lý")
    _fill_draft(page, tmp_path, commune=commune)
    _send(page)
    dossier = Dossier.objects.get(applicant=citizen)
    assert dossier.submitter_kind == SubmitterKind.AGENT
    assert dossier.agent_id == agent.pk
    page.goto(f"{base}/agent/")
    expect(page.locator("#dossiers")).to_contain_text(dossier.identifier)
    _shot(page, shots, "portal-agent-home.png")


def test_lookup_with_wrong_last_four_digits_reveals_nothing(
    live_server: Any, page: Any, shots: Path, portal_on: None
) -> None:
    from playwright.sync_api import expect

    profile = CitizenProfileFactory(full_name="Trần Văn Tra Cứu")
    receiver = staff(Role.RECEIVER, agency_code="H26.30", point_code="H26.30.01")
    dossier = s.dossier_intake(actor=receiver, procedure_code="1.012783", applicant=profile)
    wrong = "0000" if profile.personal_id[-4:] != "0000" else "1111"
    page.goto(f"{live_server.url}/lookup/?code={dossier.code}")
    page.fill("#id_id_last4", wrong)
    page.locator("main form button[type=submit]").click()
    main = page.locator("main")
    expect(main.locator(".error-box, [role=alert]").first).to_be_visible()
    text = main.inner_text()
    assert "Trần Văn Tra Cứu" not in text
    assert dossier.procedure_version.name not in text
    _shot(page, shots, "portal-lookup-wrong.png")
