"""Electronic results: issued by the competent agency (an uploaded PDF, or the result notice
motcua prints), signed with pyHanko, put in the applicant's data store when the dossier is
returned electronically (all or nothing), downloaded by the parties and the staff who may see
the dossier, and recognised by the public verification page."""

from __future__ import annotations

import datetime as dt
from io import BytesIO
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from pypdf import PdfWriter

from motcua.core.errors import DomainError, ErrorKind
from motcua.core.models import AuditEvent
from motcua.documents import results, signing
from motcua.documents.models import ElectronicResult, StoredFile, StoreItem
from motcua.documents.selectors import latest_result, result_matching, results_for
from motcua.documents.signing import verify_pdf
from motcua.documents.uploads import read_stored
from motcua.dossiers import services as s
from motcua.dossiers.models import Dossier, Handover
from motcua.dossiers.states import State
from motcua.org.roles import Role
from tests.documents.conftest import pdf_text, processing, vn
from tests.dossiers.conftest import Actors
from tests.factories import UserFactory, staff

pytestmark = pytest.mark.django_db

START = vn(2026, 10, 5, 9)
MINUTE = dt.timedelta(minutes=1)
A4 = (595.28, 841.89)
PNG = b"\x89PNG\r\n\x1a\n" + bytes(64)


def finished(actors: Actors) -> Dossier:
    """A dossier of 1.012783 (competent: H26.05) appraised, approved and finished."""
    d = processing(actors, START)
    d = s.dossier_forward(dossier=d, actor=actors.processor, at=START + 60 * MINUTE)
    d = s.dossier_approve(dossier=d, actor=actors.approver, at=START + 70 * MINUTE)
    return s.dossier_finish(dossier=d, actor=actors.processor, at=START + 80 * MINUTE)


def return_electronically(actors: Actors, d: Dossier, *, minutes: int = 90) -> Dossier:
    return s.dossier_return_result(
        dossier=d, actor=actors.receiver, method="electronic", at=START + minutes * MINUTE
    )


def a_pdf(pages: int = 1) -> bytes:
    """A plain (unsigned) PDF, as an agency's own software would export it."""
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=A4[0], height=A4[1])
    out = BytesIO()
    writer.write(out)
    return out.getvalue()


def upload(data: bytes, name: str = "giay-chung-nhan.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="application/pdf")


@pytest.fixture(autouse=True)
def _isolated(settings, tmp_path: Path) -> None:
    """Files and development certificates in a temporary folder."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.MOTCUA_SIGNING_DIR = tmp_path / "signing"
    settings.MOTCUA_SIGNING_PKCS12 = None
    settings.MOTCUA_SIGNING_TRUST_ROOTS = []


def stored_files(settings) -> list[Path]:
    root = Path(settings.MEDIA_ROOT) / "store"
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def nothing_written(d: Dossier) -> None:
    assert not ElectronicResult.objects.filter(dossier=d).exists()
    assert not StoreItem.objects.exists()
    assert not StoredFile.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="result.").exists()


# ----------------------------------------------------------------------------- issuing
def test_issue_an_uploaded_pdf_signed_by_the_competent_agency(actors: Actors) -> None:
    d = finished(actors)
    original = a_pdf()
    result = results.result_issue(
        dossier=d, actor=actors.processor, upload=upload(original), title="  Giấy chứng nhận  "
    )
    assert result.dossier == d and result.created_by == actors.processor
    assert result.agency.code == "H26.05" and result.title == "Giấy chứng nhận"
    assert result.development_certificate and "H26.05" in result.signer_subject
    data = read_stored(result.file)
    assert data != original and data.startswith(original)  # signed by an incremental update
    assert result.file.content_type == "application/pdf" and result.file.size == len(data)
    check = verify_pdf(data)
    assert check.intact and check.verified and check.reason == "ok", check
    assert check.signed_by is not None and "H26.05" in check.signed_by
    event = AuditEvent.objects.get(action="result.issued")
    assert event.actor == actors.processor and event.object_id == str(result.pk)
    assert event.data["source"] == "upload" and event.data["dossier"] == d.code
    assert latest_result(d) == result and list(results_for(d)) == [result]
    assert Dossier.objects.get(pk=d.pk).state == State.FINISHED  # issuing is not returning


def test_issue_without_upload_prints_the_result_notice(actors: Actors) -> None:
    d = finished(actors)
    result = results.result_issue(dossier=d, actor=actors.approver)
    data = read_stored(result.file)
    text = pdf_text(data)
    assert "THÔNG BÁO KẾT QUẢ GIẢI QUYẾT THỦ TỤC HÀNH CHÍNH" in text
    assert d.code in text and d.procedure_version.name[:40] in text
    assert actors.profile.full_name in text and "SỞ NÔNG NGHIỆP VÀ MÔI TRƯỜNG" in text
    assert "Hồ sơ đã được giải quyết xong" in text
    assert actors.profile.personal_id not in text  # the identity number is never printed
    from pypdf import PdfReader

    pages = PdfReader(BytesIO(data)).pages
    assert len(pages) == 1
    assert abs(float(pages[0].mediabox.width) - A4[0]) <= 1
    assert abs(float(pages[0].mediabox.height) - A4[1]) <= 1
    assert result.title == results.default_title(d)
    assert result.title.startswith("Kết quả giải quyết thủ tục hành chính: ")
    assert verify_pdf(data).verified


def test_a_result_changed_by_one_byte_fails_verification(actors: Actors) -> None:
    d = finished(actors)
    data = read_stored(results.result_issue(dossier=d, actor=actors.processor).file)
    assert verify_pdf(data).verified
    for position in (len(data) // 3, len(data) // 2, len(data) - 10):
        changed = bytearray(data)
        changed[position] ^= 0x01
        check = verify_pdf(bytes(changed))
        assert not check.intact and not check.verified, (position, check)


def test_a_file_that_is_not_a_pdf_is_refused_and_nothing_is_stored(actors: Actors) -> None:
    d = finished(actors)
    with pytest.raises(DomainError) as exc:
        results.result_issue(
            dossier=d, actor=actors.processor, upload=SimpleUploadedFile("scan.png", PNG)
        )
    assert exc.value.code == "result.not_pdf" and exc.value.kind is ErrorKind.INVALID
    assert "file" in exc.value.fields
    with pytest.raises(DomainError) as exc:
        results.result_issue(
            dossier=d, actor=actors.processor, upload=upload(b"%PDF-1.7\nnot really a pdf")
        )
    assert exc.value.code == "result.unsignable_pdf" and "file" in exc.value.fields
    with pytest.raises(DomainError) as exc:
        results.result_issue(dossier=d, actor=actors.processor, upload=upload(b""))
    assert "file" in exc.value.fields
    nothing_written(d)


def test_an_already_signed_pdf_is_refused(actors: Actors) -> None:
    d = finished(actors)
    first = results.result_issue(dossier=d, actor=actors.processor)
    with pytest.raises(DomainError) as exc:
        results.result_issue(
            dossier=d, actor=actors.processor, upload=upload(read_stored(first.file))
        )
    assert exc.value.code == "result.unsignable_pdf" and "file" in exc.value.fields
    assert list(results_for(d)) == [first] and StoredFile.objects.count() == 1


def test_an_oversize_pdf_is_refused_and_nothing_is_stored(actors: Actors, settings) -> None:
    d = finished(actors)
    data = a_pdf(pages=3)
    settings.MOTCUA_UPLOAD_MAX_BYTES = len(data) - 1
    with pytest.raises(DomainError) as exc:
        results.result_issue(dossier=d, actor=actors.processor, upload=upload(data))
    assert exc.value.code == "upload.too_large" and "file" in exc.value.fields
    nothing_written(d)


def test_only_the_competent_agency_issues_and_only_when_finished(actors: Actors) -> None:
    d = processing(actors, START)
    with pytest.raises(DomainError) as exc:
        results.result_issue(dossier=d, actor=actors.processor)
    assert exc.value.code == "result.wrong_state" and exc.value.kind is ErrorKind.CONFLICT
    d = s.dossier_forward(dossier=d, actor=actors.processor, at=START + 60 * MINUTE)
    d = s.dossier_approve(dossier=d, actor=actors.approver, at=START + 70 * MINUTE)
    d = s.dossier_finish(dossier=d, actor=actors.processor, at=START + 80 * MINUTE)
    supervisor = staff(Role.SUPERVISOR, agency_code="H26.05")
    for outsider in (actors.receiver, actors.police_processor, actors.citizen, supervisor):
        with pytest.raises(DomainError) as exc:
            results.result_issue(dossier=d, actor=outsider, upload=upload(a_pdf()))
        assert exc.value.kind is ErrorKind.FORBIDDEN, outsider
    d = s.dossier_return_result(
        dossier=d, actor=actors.receiver, method="counter", at=START + 90 * MINUTE
    )
    with pytest.raises(DomainError) as exc:
        results.result_issue(dossier=d, actor=actors.processor)
    assert exc.value.code == "result.wrong_state"
    nothing_written(d)


# ----------------------------------------------------------------------------- returning
def test_electronic_return_issues_the_notice_and_adds_one_store_entry(actors: Actors) -> None:
    d = finished(actors)
    d = return_electronically(actors, d)
    assert d.state == State.RETURNED and d.returned_by_method == "electronic"
    result = ElectronicResult.objects.get(dossier=d)
    assert result.created_by == actors.receiver and result.agency.code == "H26.05"
    assert "THÔNG BÁO KẾT QUẢ" in pdf_text(read_stored(result.file))
    item = StoreItem.objects.get()
    assert item.owner == actors.profile and item.source == StoreItem.Source.RESULT
    assert item.source_dossier == d and item.file == result.file
    assert item.doc_type == results.default_title(d)
    assert item.issuer == result.agency.name and item.issued_on == dt.date(2026, 10, 5)
    assert item.added_by == actors.receiver and item.validity(dt.date(2030, 1, 1)) == "valid"
    assert AuditEvent.objects.filter(action="store.result_added", object_id=str(item.pk)).exists()
    # delivering again (a retried return) finds the same entry
    again = results.result_deliver(dossier=d, actor=actors.receiver, at=START + 95 * MINUTE)
    assert again == item and StoreItem.objects.count() == 1
    assert ElectronicResult.objects.count() == 1


def test_electronic_return_delivers_the_newest_uploaded_result(actors: Actors) -> None:
    d = finished(actors)
    results.result_issue(
        dossier=d,
        actor=actors.processor,
        upload=upload(a_pdf()),
        title="Bản 1",
        at=START + 82 * MINUTE,
    )
    newest = results.result_issue(
        dossier=d,
        actor=actors.approver,
        upload=upload(a_pdf(pages=2)),
        title="Giấy chứng nhận",
        at=START + 84 * MINUTE,
    )
    d = s.dossier_return_result(
        dossier=d, actor=actors.processor, method="electronic", at=START + 90 * MINUTE
    )
    assert ElectronicResult.objects.filter(dossier=d).count() == 2  # no notice added
    item = StoreItem.objects.get()
    assert item.file == newest.file and item.doc_type == "Giấy chứng nhận"
    assert item.owner == actors.profile


def test_a_counter_return_adds_nothing_to_the_store(actors: Actors) -> None:
    d = finished(actors)
    s.dossier_return_result(
        dossier=d, actor=actors.receiver, method="counter", at=START + 90 * MINUTE
    )
    assert not StoreItem.objects.exists() and not ElectronicResult.objects.exists()


def test_when_signing_fails_the_return_fails_and_writes_nothing(
    actors: Actors, monkeypatch: pytest.MonkeyPatch, settings
) -> None:
    d = finished(actors)
    handovers = Handover.objects.filter(dossier=d).count()

    def broken(*args: object, **kwargs: object) -> None:
        raise signing.SigningUnavailable("cannot read MOTCUA_SIGNING_PKCS12")

    monkeypatch.setattr(signing, "sign_pdf", broken)
    with pytest.raises(DomainError) as exc:
        return_electronically(actors, d)
    assert exc.value.code == "result.unavailable" and isinstance(
        exc.value, results.ResultsUnavailable
    )
    assert "cannot be signed" in exc.value.message_en
    d = Dossier.objects.get(pk=d.pk)
    assert d.state == State.FINISHED and d.returned_at is None
    assert Handover.objects.filter(dossier=d).count() == handovers
    nothing_written(d)
    assert stored_files(settings) == []


def test_a_failure_after_the_result_is_stored_rolls_everything_back(
    actors: Actors, monkeypatch: pytest.MonkeyPatch, settings
) -> None:
    d = finished(actors)

    def broken(**kwargs: object) -> None:
        raise RuntimeError("database went away")

    monkeypatch.setattr(StoreItem.objects, "get_or_create", broken)
    with pytest.raises(RuntimeError):
        return_electronically(actors, d)
    d = Dossier.objects.get(pk=d.pk)
    assert d.state == State.FINISHED
    nothing_written(d)
    assert stored_files(settings) == []  # the signed file written for the rolled-back row


def test_the_notice_is_signed_before_the_dossier_is_locked(
    actors: Actors, monkeypatch: pytest.MonkeyPatch
) -> None:
    d = finished(actors)
    order: list[str] = []
    real_sign, real_lock = signing.sign_pdf, s._lock

    def sign(*args: object, **kwargs: object) -> signing.SignedPdf:
        order.append("sign")
        return real_sign(*args, **kwargs)  # type: ignore[arg-type]

    def lock(dossier: Dossier) -> Dossier:
        order.append("lock")
        return real_lock(dossier)

    monkeypatch.setattr(signing, "sign_pdf", sign)
    monkeypatch.setattr(s, "_lock", lock)
    return_electronically(actors, d)
    assert order == ["sign", "lock"]


# ----------------------------------------------------------------------------- download
def _client(user=None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def test_download_by_the_parties_and_the_staff_who_see_the_dossier(actors: Actors) -> None:
    d = return_electronically(actors, finished(actors))
    result = ElectronicResult.objects.get(dossier=d)
    url = reverse("documents:result_download", args=[result.pk])
    assert url == f"/documents/results/{result.pk}/download/"
    response = _client(actors.citizen).get(url)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content == read_stored(result.file)
    assert response["Cache-Control"] == "private, no-store"
    assert not AuditEvent.objects.filter(action="result.downloaded").exists()  # own data
    for reader in (actors.receiver, actors.processor):
        assert _client(reader).get(url).status_code == 200
    reads = AuditEvent.objects.filter(action="result.downloaded", object_id=str(result.pk))
    assert {e.actor for e in reads} == {actors.receiver, actors.processor}


def test_download_is_not_found_for_everybody_else(actors: Actors) -> None:
    d = return_electronically(actors, finished(actors))
    result = ElectronicResult.objects.get(dossier=d)
    url = reverse("documents:result_download", args=[result.pk])
    anonymous = _client().get(url)
    assert anonymous.status_code == 302 and "/accounts/login/" in anonymous["Location"]
    commune = staff(Role.RECEIVER, agency_code="H26.00004", point_code="H26.00004.01")
    no_roles = UserFactory()
    for outsider in (actors.stranger, actors.police_processor, commune, no_roles):
        assert _client(outsider).get(url).status_code == 404, outsider
    missing = reverse("documents:result_download", args=[result.pk + 1000])
    assert _client(actors.citizen).get(missing).status_code == 404
    assert not AuditEvent.objects.filter(action="result.downloaded").exists()


# ----------------------------------------------------------------------------- verification
def test_the_verification_page_recognises_an_electronic_result(actors: Actors) -> None:
    d = return_electronically(actors, finished(actors))
    result = ElectronicResult.objects.get(dossier=d)
    data = read_stored(result.file)
    assert result_matching(result.file.sha256) == result
    response = Client().post(
        reverse("documents:verify"),
        {"file": SimpleUploadedFile("ket-qua.pdf", data, content_type="application/pdf")},
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="e-result"' in html and f'data-dossier="{d.code}"' in html
    assert d.code in html and result.agency.name in html and "05/10/2026" in html
    assert actors.profile.full_name not in html  # no personal data on the public page
    assert 'data-intact="true"' in html
    # one byte changed: not intact, and not presented as the dossier's result
    changed = bytearray(data)
    changed[len(data) // 2] ^= 0x01
    response = Client().post(
        reverse("documents:verify"),
        {"file": SimpleUploadedFile("ket-qua.pdf", bytes(changed))},
    )
    html = response.content.decode()
    assert 'data-intact="false"' in html and 'id="e-result"' not in html
