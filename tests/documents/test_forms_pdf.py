"""Each form renders from a dossier driven through the lifecycle services: the PDF holds the
dossier code and intact Vietnamese text, fits its paper size, and its signature validates."""

from __future__ import annotations

import datetime as dt
from io import BytesIO

import pytest
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext

from motcua.core.errors import DomainError, ErrorKind
from motcua.core.models import AuditEvent
from motcua.documents.models import Form, GeneratedDocument
from motcua.documents.selectors import document_content, documents_of_dossier
from motcua.documents.services import document_generate, register_generate
from motcua.documents.signing import development_root_path, verify_pdf
from motcua.dossiers import services as s
from tests.documents.conftest import (
    A4_LANDSCAPE,
    A5,
    APPLICANT_ADDRESS,
    assert_size,
    intake,
    pdf_text,
    processing,
    received,
    vn,
)
from tests.dossiers.conftest import Actors

pytestmark = pytest.mark.django_db

START = vn(2026, 10, 5, 9)  # Monday


def _pyhanko_validates(data: bytes) -> None:
    """The signature validates with pyHanko against the development root."""
    from pyhanko.keys import load_cert_from_pemder

    root = development_root_path()
    assert root is not None
    reader = PdfFileReader(BytesIO(data))
    (signature,) = reader.embedded_regular_signatures
    status = validate_pdf_signature(
        signature,
        signer_validation_context=ValidationContext(
            trust_roots=[load_cert_from_pemder(str(root))], allow_fetching=False
        ),
    )
    assert status.intact and status.valid and status.trusted, status.pretty_print_details()
    assert status.coverage.name == "ENTIRE_FILE"


def _check(doc: GeneratedDocument, *, code: str, phrases: list[str], size=A5) -> str:
    data = document_content(doc)
    assert data.startswith(b"%PDF-")
    text = pdf_text(data)
    assert code in text, text[:400]
    for phrase in phrases:
        assert phrase in text, (phrase, text[:1500])
    assert_size(data, size)
    _pyhanko_validates(data)
    result = verify_pdf(data)
    assert result.intact and result.trusted and result.reason == "ok", result
    assert doc.sha256 == result.sha256 and doc.size == len(data)
    return text


MOTTO = ["CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc"]


def test_form_01_receipt(people: Actors, media: None) -> None:
    d = received(people, START)
    doc = document_generate(dossier=d, form=Form.RECEIPT, actor=people.receiver)
    text = _check(
        doc,
        code=d.code,
        phrases=[
            *MOTTO,
            "Mẫu số 01",
            "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ",
            "Giấy tiếp nhận hồ sơ và hẹn trả kết quả",
            "Trần Thị Bình",
            APPLICANT_ADDRESS,
            "Cấp đổi Giấy chứng nhận quyền sử dụng đất",
            "Đơn đề nghị cấp đổi Giấy chứng nhận",
            "05 ngày làm việc",
            "09 giờ 05 phút, ngày 05/10/2026",
            "TRUNG TÂM PHỤC VỤ HÀNH CHÍNH CÔNG THÀNH PHỐ HÀ NỘI",
            "Hà Nội, ngày 05 tháng 10 năm 2026",
        ],
    )
    assert "Số thứ tự: 0001" in text
    assert "/lookup/?code=" + d.code in text.replace("? code", "?code")
    assert doc.dossier == d and doc.form == "01" and doc.form_version == "01/2018/TT-VPCP"
    assert doc.agency.code == "H26.30" and doc.development_certificate
    assert "H26.30" in doc.signer_subject
    event = AuditEvent.objects.get(action="document.generated", object_id=str(doc.pk))
    assert event.actor == people.receiver and event.data["dossier"] == d.code


def test_form_05_control_sheet_lists_every_handover(people: Actors, media: None) -> None:
    d = processing(people, START)
    d = s.dossier_forward(dossier=d, actor=people.processor, at=vn(2026, 10, 6, 10))
    doc = document_generate(dossier=d, form=Form.CONTROL_SHEET, actor=people.processor)
    text = _check(
        doc,
        code=d.code,
        phrases=[
            *MOTTO,
            "Mẫu số 05",
            "PHIẾU KIỂM SOÁT QUÁ TRÌNH GIẢI QUYẾT HỒ SƠ",
            "Sở Nông nghiệp và Môi trường thành phố Hà Nội",
            "Tiếp nhận hồ sơ",
            "Chuyển xử lý",
        ],
    )
    assert text.count("Chuyển xử lý") >= 2


def test_form_02_supplement_during_processing(people: Actors, media: None) -> None:
    d = processing(people, START)
    d = s.dossier_request_supplement(
        dossier=d,
        actor=people.processor,
        items=["Bản sao sổ hộ khẩu có chứng thực"],
        reason="Thiếu giấy tờ chứng minh nơi cư trú",
        at=vn(2026, 10, 6, 9),
    )
    doc = document_generate(dossier=d, form=Form.SUPPLEMENT, actor=people.receiver)
    _check(
        doc,
        code=d.code,
        phrases=[
            *MOTTO,
            "Mẫu số 02",
            "PHIẾU YÊU CẦU BỔ SUNG, HOÀN THIỆN HỒ SƠ",
            "Bản sao sổ hộ khẩu có chứng thực",
            "Thiếu giấy tờ chứng minh nơi cư trú",
            "Trần Thị Bình",
            "được tính lại từ đầu",
        ],
    )
    assert doc.agency.code == "H26.05"


def test_form_02_before_intake_shows_the_submission_number(people: Actors, media: None) -> None:
    d = intake(people, START)
    d = s.dossier_request_supplement(
        dossier=d,
        actor=people.receiver,
        items=["Tờ khai theo mẫu"],
        reason="Tờ khai chưa ký",
        at=START + dt.timedelta(minutes=3),
    )
    assert d.code is None
    doc = document_generate(dossier=d, form=Form.SUPPLEMENT, actor=people.receiver)
    text = _check(doc, code=d.reference, phrases=["Số hồ sơ", "Tờ khai chưa ký"])
    assert "được tính lại từ đầu" not in text


def test_form_03_refusal_at_intake_and_after_appraisal(people: Actors, media: None) -> None:
    d = intake(people, START)
    d = s.dossier_refuse(
        dossier=d,
        actor=people.receiver,
        reasons="Không thuộc thẩm quyền giải quyết",
        at=START + dt.timedelta(minutes=2),
    )
    doc = document_generate(dossier=d, form=Form.REFUSAL, actor=people.receiver)
    _check(
        doc,
        code=d.reference,
        phrases=[
            *MOTTO,
            "Mẫu số 03",
            "PHIẾU TỪ CHỐI TIẾP NHẬN GIẢI QUYẾT HỒ SƠ",
            "Không thuộc thẩm quyền giải quyết",
            "NGƯỜI TIẾP NHẬN HỒ SƠ",
        ],
    )
    d2 = processing(people, vn(2026, 10, 7, 9))
    d2 = s.dossier_refuse(
        dossier=d2,
        actor=people.approver,
        reasons="Đất đang có tranh chấp",
        at=vn(2026, 10, 8, 9),
    )
    doc2 = document_generate(dossier=d2, form=Form.REFUSAL, actor=people.approver)
    _check(doc2, code=d2.code, phrases=["Đất đang có tranh chấp", "THỦ TRƯỞNG CƠ QUAN GIẢI QUYẾT"])
    assert doc2.agency.code == "H26.05"


def test_form_04_apology_and_the_reprinted_receipt(people: Actors, media: None) -> None:
    d = processing(people, START)
    first = document_generate(dossier=d, form=Form.RECEIPT, actor=people.receiver)
    d = s.dossier_apologize(
        dossier=d,
        actor=people.approver,
        reason="Cần xác minh thực địa",
        new_appointment_at=vn(2026, 10, 16, 17),
        at=vn(2026, 10, 8, 9),
    )
    doc = document_generate(dossier=d, form=Form.APOLOGY, actor=people.approver)
    _check(
        doc,
        code=d.code,
        phrases=[
            *MOTTO,
            "Mẫu số 04",
            "PHIẾU XIN LỖI VÀ HẸN LẠI NGÀY TRẢ KẾT QUẢ",
            "Kính gửi: Ông/Bà Trần Thị Bình",
            "Cần xác minh thực địa",
            "17 giờ 00 phút, ngày 16/10/2026",
            "17 giờ 00 phút, ngày 12/10/2026",
        ],
    )
    again = document_generate(dossier=d, form=Form.RECEIPT, actor=people.receiver)
    assert again.pk != first.pk and again.sha256 != first.sha256
    first_text = pdf_text(document_content(first))
    again_text = pdf_text(document_content(again))
    assert "ngày 16/10/2026" in again_text and "hẹn lại" in again_text
    assert "ngày 16/10/2026" not in first_text
    assert list(documents_of_dossier(d)) == [again, doc, first]


def test_stop_notice(people: Actors, media: None) -> None:
    d = processing(people, START)
    d = s.dossier_stop(
        dossier=d,
        actor=people.approver,
        reason="Cơ quan thuế có văn bản đề nghị dừng",
        financial_settlement="Hoàn trả lệ phí 50.000 đồng",
        at=vn(2026, 10, 6, 14),
    )
    doc = document_generate(dossier=d, form=Form.STOP, actor=people.approver)
    _check(
        doc,
        code=d.code,
        phrases=[
            *MOTTO,
            "Thông tư số 03/2025/TT-VPCP",
            "THÔNG BÁO DỪNG GIẢI QUYẾT HỒ SƠ",
            "Cơ quan thuế có văn bản đề nghị dừng",
            "Hoàn trả lệ phí 50.000 đồng",
            "Đang xử lý",
        ],
    )
    assert doc.form_version == "03/2025/TT-VPCP"


def test_form_06_register_a4(people: Actors, media: None) -> None:
    a = received(people, START)
    b = received(people, vn(2026, 10, 6, 10))
    outside = received(people, vn(2026, 10, 9, 10))
    doc = register_generate(
        actor=people.receiver,
        date_from=dt.date(2026, 10, 5),
        date_to=dt.date(2026, 10, 8),
        service_point=a.reception_point,
    )
    text = _check(
        doc,
        code=a.code,
        phrases=[
            *MOTTO,
            "Mẫu số 06",
            "SỔ THEO DÕI HỒ SƠ",
            "Từ ngày 05/10/2026 đến ngày 08/10/2026",
            b.code,
            "Trần Thị Bình",
        ],
        size=A4_LANDSCAPE,
    )
    assert outside.code not in text
    assert doc.dossier is None and doc.form == "06"
    assert doc.parameters["service_point"] == "H26.30.01" and doc.parameters["rows"] == 2


# ----------------------------------------------------------------------------- refusals


def test_forms_that_do_not_apply_are_refused(people: Actors, media: None) -> None:
    d = intake(people, START)
    for form in (Form.RECEIPT, Form.SUPPLEMENT, Form.REFUSAL, Form.APOLOGY, Form.STOP):
        with pytest.raises(DomainError) as exc:
            document_generate(dossier=d, form=form, actor=people.receiver)
        assert exc.value.code == "document.not_applicable" and exc.value.kind is ErrorKind.CONFLICT
        assert exc.value.message_vi and exc.value.message_en
    with pytest.raises(DomainError) as exc:
        document_generate(dossier=d, form="07", actor=people.receiver)
    assert exc.value.kind is ErrorKind.NOT_FOUND and "form" in exc.value.fields
    with pytest.raises(DomainError) as exc:
        document_generate(dossier=d, form=Form.REGISTER, actor=people.receiver)
    assert exc.value.kind is ErrorKind.INVALID
    assert not GeneratedDocument.objects.exists()


def test_a_dossier_the_actor_cannot_see_is_not_found(people: Actors, media: None) -> None:
    d = received(people, START)
    with pytest.raises(DomainError) as exc:
        document_generate(dossier=d, form=Form.RECEIPT, actor=people.police_processor)
    assert exc.value.kind is ErrorKind.NOT_FOUND
    with pytest.raises(DomainError):
        document_generate(dossier=d, form=Form.RECEIPT, actor=people.stranger)
    assert not GeneratedDocument.objects.exists()


def test_register_period_rules(people: Actors, media: None) -> None:
    with pytest.raises(DomainError) as exc:
        register_generate(
            actor=people.receiver, date_from=dt.date(2026, 10, 8), date_to=dt.date(2026, 10, 1)
        )
    assert exc.value.kind is ErrorKind.INVALID and "to" in exc.value.fields
    with pytest.raises(DomainError) as exc:
        register_generate(
            actor=people.receiver, date_from=dt.date(2025, 1, 1), date_to=dt.date(2026, 10, 1)
        )
    assert "to" in exc.value.fields
    with pytest.raises(DomainError) as exc:
        register_generate(
            actor=people.citizen, date_from=dt.date(2026, 10, 1), date_to=dt.date(2026, 10, 2)
        )
    assert exc.value.kind is ErrorKind.FORBIDDEN


def test_generated_documents_are_append_only(people: Actors, media: None) -> None:
    d = received(people, START)
    doc = document_generate(dossier=d, form=Form.RECEIPT, actor=people.receiver)
    doc.signer_subject = "someone else"
    with pytest.raises(ValueError, match="never changed"):
        doc.save()


def test_every_state_action_and_unit_has_its_vietnamese_wording() -> None:
    from motcua.catalog.models import TimeLimitUnit
    from motcua.documents import rendering
    from motcua.dossiers.models import ReturnMethod
    from motcua.dossiers.states import Action, State

    assert set(rendering.STATES) == set(State.values)
    assert set(rendering.ACTIONS) == {a.value for a in Action}
    assert set(rendering.RETURN_METHODS) == set(ReturnMethod.values)
    assert set(rendering.UNITS) | {TimeLimitUnit.SAME_DAY} == set(TimeLimitUnit.values)
    assert set(rendering.PAGE_SIZES) == set(rendering.TEMPLATES) == set(Form.values)
