"""The document pages: who may print and download (and who gets 403/404), the register's
parameters (400 naming the field), and the public verification page."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from motcua.core.models import AuditEvent
from motcua.documents.models import Form, GeneratedDocument
from motcua.documents.selectors import document_content
from motcua.documents.services import document_generate
from motcua.dossiers import services as s
from tests.documents.conftest import (
    A4_LANDSCAPE,
    A5,
    assert_size,
    pdf_text,
    received,
    vn,
)
from tests.dossiers.conftest import Actors

pytestmark = pytest.mark.django_db

START = vn(2026, 10, 5, 9)


def _client(user=None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def _form_url(code: str, form: str) -> str:
    return reverse("documents:dossier_form", kwargs={"code": code, "form": form})


def test_receiver_prints_the_receipt_inline(people: Actors, media: None) -> None:
    d = received(people, START)
    response = _client(people.receiver).get(_form_url(d.code, "01"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'inline; filename="{d.code}-mau-01.pdf"'
    assert d.code in pdf_text(response.content)
    assert_size(response.content, A5)
    doc = GeneratedDocument.objects.get(dossier=d, form="01")
    assert doc.created_by == people.receiver and doc.sha256
    # printing again adds a row
    assert _client(people.receiver).get(_form_url(d.code, "01")).status_code == 200
    assert GeneratedDocument.objects.filter(dossier=d, form="01").count() == 2


def test_who_may_not_print(people: Actors, media: None) -> None:
    d = received(people, START)
    url = _form_url(d.code, "01")
    anonymous = _client().get(url)
    assert anonymous.status_code == 302 and "/accounts/login/" in anonymous["Location"]
    assert _client(people.citizen).get(url).status_code == 403  # not staff
    outsider = _client(people.police_processor).get(url)  # staff who cannot see the dossier
    assert outsider.status_code == 404
    assert _client(people.receiver).get(_form_url("H26.30-261005-9999", "01")).status_code == 404
    assert not GeneratedDocument.objects.exists()


def test_unknown_and_inapplicable_forms(people: Actors, media: None) -> None:
    d = received(people, START)
    client = _client(people.receiver)
    missing = client.get(_form_url(d.code, "09"))
    assert missing.status_code == 404 and "form" in missing.content.decode()
    inapplicable = client.get(_form_url(d.code, "04"))  # no apology was issued
    assert inapplicable.status_code == 409
    assert client.post(_form_url(d.code, "01")).status_code == 405
    assert not GeneratedDocument.objects.exists()


def test_processor_prints_the_control_sheet_of_a_dossier_in_their_agency(
    people: Actors, media: None
) -> None:
    d = received(people, START)
    d = s.dossier_forward(dossier=d, actor=people.receiver, at=START + dt.timedelta(minutes=30))
    response = _client(people.processor).get(_form_url(d.code, Form.CONTROL_SHEET))
    assert response.status_code == 200
    assert "PHIẾU KIỂM SOÁT QUÁ TRÌNH GIẢI QUYẾT HỒ SƠ" in pdf_text(response.content)


# ----------------------------------------------------------------------------- register


def test_register_page_and_pdf(people: Actors, media: None) -> None:
    d = received(people, START)
    client = _client(people.receiver)
    url = reverse("documents:register")
    page = client.get(url)
    assert page.status_code == 200 and 'name="from"' in page.content.decode()
    response = client.get(
        url, {"from": "2026-10-01", "to": "2026-10-31", "service_point": "H26.30.01"}
    )
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert d.code in pdf_text(response.content)
    assert_size(response.content, A4_LANDSCAPE)
    assert response["Content-Disposition"].startswith('inline; filename="so-theo-doi-2026-10-01')


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"to": "2026-10-31"}, "from"),
        ({"from": "2026-10-01"}, "to"),
        ({"from": "01/10/2026", "to": "2026-10-31"}, "from"),
        ({"from": "2026-10-01", "to": "2026-13-01"}, "to"),
        ({"from": "2026-10-31", "to": "2026-10-01"}, "to"),
        ({"from": "2025-01-01", "to": "2026-10-31"}, "to"),
        ({"from": "2026-10-01", "to": "2026-10-31", "service_point": "KHONG-CO"}, "service_point"),
    ],
)
def test_bad_register_parameters_are_400_naming_the_field(
    people: Actors, media: None, params: dict[str, str], field: str
) -> None:
    response = _client(people.receiver).get(reverse("documents:register"), params)
    assert response.status_code == 400
    body = response.content.decode()
    assert f"<code>{field}</code>" in body, body
    assert not GeneratedDocument.objects.exists()


def test_register_is_for_staff_only(people: Actors, media: None) -> None:
    url = reverse("documents:register")
    params = {"from": "2026-10-01", "to": "2026-10-31"}
    assert _client(people.citizen).get(url, params).status_code == 403
    assert _client().get(url, params).status_code == 302


# ----------------------------------------------------------------------------- download


def test_download_is_audited_and_scoped(people: Actors, media: None) -> None:
    d = received(people, START)
    doc = document_generate(dossier=d, form=Form.RECEIPT, actor=people.receiver)
    url = reverse("documents:download", kwargs={"pk": doc.pk})
    response = _client(people.other_receiver).get(url)  # same agency, other point: may see
    assert response.status_code == 200 and response.content == document_content(doc)
    assert AuditEvent.objects.filter(
        action="document.downloaded", object_id=str(doc.pk), actor=people.other_receiver
    ).exists()
    assert _client(people.police_processor).get(url).status_code == 404
    assert _client(people.citizen).get(url).status_code == 403
    assert _client().get(url).status_code == 302
    assert (
        _client(people.receiver)
        .get(reverse("documents:download", kwargs={"pk": 999999}))
        .status_code
        == 404
    )


def test_register_download_scope(people: Actors, media: None, supervisor) -> None:
    from motcua.documents.services import register_generate

    received(people, START)
    doc = register_generate(
        actor=people.receiver, date_from=dt.date(2026, 10, 1), date_to=dt.date(2026, 10, 31)
    )
    url = reverse("documents:download", kwargs={"pk": doc.pk})
    assert _client(people.receiver).get(url).status_code == 200
    assert _client(supervisor).get(url).status_code == 200  # Service Center supervisor
    assert _client(people.processor).get(url).status_code == 404  # another agency


# ----------------------------------------------------------------------------- verification


def _upload(data: bytes, name: str = "giay-tiep-nhan.pdf") -> dict[str, SimpleUploadedFile]:
    return {"file": SimpleUploadedFile(name, data, content_type="application/pdf")}


def test_anyone_verifies_an_intact_document(people: Actors, media: None) -> None:
    d = received(people, START)
    doc = document_generate(dossier=d, form=Form.RECEIPT, actor=people.receiver)
    client = Client(enforce_csrf_checks=True)
    page = client.get(reverse("documents:verify"))
    assert page.status_code == 200 and 'type="file"' in page.content.decode()
    token = page.cookies["csrftoken"].value
    response = client.post(
        reverse("documents:verify"),
        {**_upload(document_content(doc)), "csrfmiddlewaretoken": token},
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert 'data-intact="true"' in body and 'data-trusted="true"' in body
    assert "Trung tâm Phục vụ hành chính công thành phố Hà Nội (H26.30)" in body
    assert 'id="known"' in body and 'id="development-warning"' in body


def test_a_changed_document_is_not_valid(people: Actors, media: None) -> None:
    d = received(people, START)
    data = bytearray(
        document_content(document_generate(dossier=d, form=Form.RECEIPT, actor=people.receiver))
    )
    data[len(data) // 4] ^= 0x01
    response = Client().post(reverse("documents:verify"), _upload(bytes(data)))
    assert response.status_code == 200
    body = response.content.decode()
    assert 'data-intact="false"' in body and 'id="known"' not in body


@pytest.mark.parametrize(
    ("data", "name"),
    [(b"Xin ch\xc3\xa0o", "thu.txt"), (b"", "rong.pdf")],
)
def test_not_a_pdf_is_400_naming_the_file_field(data: bytes, name: str) -> None:
    response = Client().post(reverse("documents:verify"), _upload(data, name))
    assert response.status_code == 400
    assert "<code>file</code>" in response.content.decode()


def test_no_file_and_too_large(settings) -> None:
    assert Client().post(reverse("documents:verify"), {}).status_code == 400
    settings.MOTCUA_VERIFY_MAX_BYTES = 100
    response = Client().post(reverse("documents:verify"), _upload(b"%PDF-1.7\n" + bytes(200)))
    assert response.status_code == 400 and "<code>file</code>" in response.content.decode()


def test_without_the_pdf_engine_printing_is_503(people: Actors, media: None, monkeypatch) -> None:
    from motcua.documents import rendering

    def unavailable(context: object) -> None:
        raise rendering.RenderingUnavailable("cannot load library 'libpango-1.0-0'")

    monkeypatch.setattr(rendering, "render_pdf", unavailable)
    d = received(people, START)
    response = _client(people.receiver).get(_form_url(d.code, "01"))
    assert response.status_code == 503
    assert not GeneratedDocument.objects.exists()


def test_an_unusable_certificate_is_503_and_leaves_no_file(
    people: Actors, media: None, settings, tmp_path
) -> None:
    settings.MOTCUA_SIGNING_PKCS12 = str(tmp_path / "khong-co.p12")
    d = received(people, START)
    response = _client(people.receiver).get(_form_url(d.code, "01"))
    assert response.status_code == 503
    assert not GeneratedDocument.objects.exists()
    assert not list(Path(settings.MEDIA_ROOT).rglob("*.pdf"))
