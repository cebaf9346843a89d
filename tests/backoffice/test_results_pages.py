"""Electronic results on the dossier page: who sees the upload form and the electronic return,
uploading a result (and refused files), returning electronically without an upload, the list
of issued results with their download links, and who may not."""

from __future__ import annotations

import re
from io import BytesIO
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from pypdf import PdfWriter

from motcua.documents import signing
from motcua.documents.models import ElectronicResult, StoredFile, StoreItem
from motcua.documents.signing import verify_pdf
from motcua.documents.uploads import read_stored
from motcua.dossiers.models import Dossier
from motcua.dossiers.states import State
from motcua.org.roles import Role
from tests.backoffice.conftest import Login, drive
from tests.backoffice.work_fixtures import recent_start, to_approval
from tests.dossiers.conftest import Actors
from tests.factories import staff

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _isolated(settings, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.MOTCUA_SIGNING_DIR = tmp_path / "signing"
    settings.MOTCUA_SIGNING_PKCS12 = None
    settings.MOTCUA_SIGNING_TRUST_ROOTS = []
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def finished(actors: Actors) -> Dossier:
    return drive(actors, State.FINISHED, start=recent_start())


def page_url(d: Dossier) -> str:
    return f"/staff/work/dossiers/{d.identifier}/"


def act_url(d: Dossier, action: str) -> str:
    return f"/staff/work/dossiers/{d.identifier}/act/{action}/"


def offered(html: str) -> list[str]:
    return re.findall(r'<details class="action[^"]*" id="action-([a-z-]+)"', html)


def a_pdf() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=595.28, height=841.89)
    out = BytesIO()
    writer.write(out)
    return out.getvalue()


def posted_file(data: bytes, name: str = "ket-qua.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="application/pdf")


def test_the_competent_agency_is_offered_the_upload_and_the_electronic_return(
    actors: Actors, login: Login
) -> None:
    d = finished(actors)
    html = login(actors.processor).get(page_url(d)).content.decode()
    assert offered(html) == ["return-result", "issue-result"]
    assert 'enctype="multipart/form-data"' in html and 'name="result-file"' in html
    assert 'id="results"' in html and 'id="no-e-result"' in html
    # the receiver returns (also electronically) but does not issue the result
    html = login(actors.receiver).get(page_url(d)).content.decode()
    assert offered(html) == ["return-result"]
    # before the dossier is finished, neither
    d2 = to_approval(actors)
    html = login(actors.approver).get(page_url(d2)).content.decode()
    assert "issue-result" not in offered(html) and "return-result" not in offered(html)
    assert 'id="results"' not in html


def test_upload_signs_stores_and_lists_the_result(actors: Actors, login: Login) -> None:
    d = finished(actors)
    client = login(actors.processor)
    response = client.post(
        act_url(d, "issue-result"),
        {"result-file": posted_file(a_pdf()), "result-title": "Giấy chứng nhận QSDĐ"},
    )
    assert response.status_code == 302
    assert response["Location"] == f"{page_url(d)}#results"
    result = ElectronicResult.objects.get(dossier=d)
    assert result.title == "Giấy chứng nhận QSDĐ" and result.created_by == actors.processor
    assert verify_pdf(read_stored(result.file)).verified
    html = client.get(page_url(d)).content.decode()
    assert f'href="/documents/results/{result.pk}/download/"' in html
    assert "Giấy chứng nhận QSDĐ" in html and f'data-result="{result.pk}"' in html
    download = client.get(f"/documents/results/{result.pk}/download/")
    assert download.status_code == 200 and download.content == read_stored(result.file)
    assert Dossier.objects.get(pk=d.pk).state == State.FINISHED


def test_a_refused_file_is_shown_on_the_form_and_nothing_is_stored(
    actors: Actors, login: Login, settings
) -> None:
    d = finished(actors)
    client = login(actors.processor)
    png = SimpleUploadedFile("anh.png", b"\x89PNG\r\n\x1a\n" + bytes(64), content_type="image/png")
    response = client.post(act_url(d, "issue-result"), {"result-file": png})
    assert response.status_code == 422
    html = response.content.decode()
    assert 'id="action-issue-result" data-action="issue-result" open' in html
    assert 'id="id_result-file_error"' in html and 'id="action-error"' in html
    response = client.post(act_url(d, "issue-result"), {})  # no file at all
    assert response.status_code == 422 and 'id="id_result-file_error"' in response.content.decode()
    settings.MOTCUA_UPLOAD_MAX_BYTES = 100
    response = client.post(act_url(d, "issue-result"), {"result-file": posted_file(a_pdf())})
    assert response.status_code == 422 and 'id="id_result-file_error"' in response.content.decode()
    assert not ElectronicResult.objects.exists() and not StoredFile.objects.exists()


def test_return_electronically_without_upload_issues_the_notice(
    actors: Actors, login: Login
) -> None:
    d = finished(actors)
    client = login(actors.approver)
    response = client.post(act_url(d, "return-result"), {"return-result-note": ""})
    assert response.status_code == 422  # the act must be confirmed
    assert Dossier.objects.get(pk=d.pk).state == State.FINISHED
    response = client.post(act_url(d, "return-result"), {"return-result-confirmed": "on"})
    assert response.status_code == 302
    d = Dossier.objects.get(pk=d.pk)
    assert d.state == State.RETURNED and d.returned_by_method == "electronic"
    result = ElectronicResult.objects.get(dossier=d)
    item = StoreItem.objects.get()
    assert item.owner == actors.profile and item.file == result.file
    html = client.get(page_url(d)).content.decode()
    assert f'data-result="{result.pk}"' in html and offered(html) == []


def test_finishing_brings_the_officer_back_to_the_results(actors: Actors, login: Login) -> None:
    d = to_approval(actors)
    client = login(actors.approver)
    assert client.post(act_url(d, "approve"), {"approve-confirmed": "on"}).status_code == 302
    response = client.post(act_url(d, "finish"), {"finish-confirmed": "on"})
    assert response.status_code == 302 and response["Location"] == f"{page_url(d)}#results"


def test_who_may_not_upload_or_return(actors: Actors, login: Login) -> None:
    d = finished(actors)
    pdf = a_pdf()
    # the receiver sees the dossier but does not issue its result
    response = login(actors.receiver).post(
        act_url(d, "issue-result"), {"result-file": posted_file(pdf)}
    )
    assert response.status_code == 403 and 'id="action-error"' in response.content.decode()
    # staff of another agency: the dossier exists but is not theirs
    commune = staff(Role.RECEIVER, agency_code="H26.00004", point_code="H26.00004.01")
    for outsider in (actors.police_processor, commune):
        client = login(outsider)
        assert client.get(page_url(d)).status_code == 403
        assert (
            client.post(act_url(d, "issue-result"), {"result-file": posted_file(pdf)}).status_code
            == 403
        )
        assert (
            client.post(act_url(d, "return-result"), {"return-result-confirmed": "on"}).status_code
            == 403
        )
    assert login(actors.citizen).post(act_url(d, "issue-result"), {}).status_code == 403
    anonymous = Client().post(act_url(d, "issue-result"), {})
    assert anonymous.status_code == 302 and "/accounts/login/" in anonymous["Location"]
    assert not ElectronicResult.objects.exists() and not StoreItem.objects.exists()
    assert Dossier.objects.get(pk=d.pk).state == State.FINISHED


def test_without_a_signing_key_the_return_is_refused_with_503(
    actors: Actors, login: Login, monkeypatch: pytest.MonkeyPatch
) -> None:
    d = finished(actors)

    def broken(*args: object, **kwargs: object) -> None:
        raise signing.SigningUnavailable("cannot read MOTCUA_SIGNING_PKCS12")

    monkeypatch.setattr(signing, "sign_pdf", broken)
    client = login(actors.processor)
    response = client.post(act_url(d, "return-result"), {"return-result-confirmed": "on"})
    assert response.status_code == 503 and 'id="action-error"' in response.content.decode()
    response = client.post(act_url(d, "issue-result"), {"result-file": posted_file(a_pdf())})
    assert response.status_code == 503
    assert Dossier.objects.get(pk=d.pk).state == State.FINISHED
    assert not ElectronicResult.objects.exists() and not StoreItem.objects.exists()
