"""Online submission: drafts, uploads checked and stored once, reuse from the data store
recorded per dossier component, submission all-or-nothing, supplements and withdrawal."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, override_settings
from django.urls import reverse

from motcua.catalog.demo import demo_required_documents_ensure
from motcua.catalog.models import RequiredDocument
from motcua.core.errors import DomainError
from motcua.documents import store
from motcua.documents.models import StoredFile, StoreItem
from motcua.dossiers import services as s
from motcua.dossiers.models import Channel, Dossier, DossierDocument, ReturnMethod
from motcua.dossiers.states import State
from motcua.org.models import User
from motcua.portal import submission
from motcua.portal.models import SubmissionDraft
from motcua.portal.submission import DraftInput
from tests.dossiers import conftest as dossier_fixtures
from tests.dossiers.conftest import PROCEDURE, Actors

pytestmark = pytest.mark.django_db

actors = dossier_fixtures.actors

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def _pdf(name: str = "giay-to.pdf", body: bytes = PDF) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, body, content_type="application/pdf")


@pytest.fixture
def documents(actors: Actors) -> list[RequiredDocument]:
    demo_required_documents_ensure()
    version = s._version_for(PROCEDURE, s._when(None))
    docs = list(version.required_documents.filter(is_optional=False).order_by("order", "pk"))
    assert docs, "the demo lists required documents for this procedure"
    return docs


@pytest.fixture(autouse=True)
def _media(tmp_path: Path, settings: object) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"  # type: ignore[attr-defined]


def _fill(
    draft: SubmissionDraft, user: User, docs: list[RequiredDocument], **extra: object
) -> None:
    uploads = {d.pk: _pdf(f"{d.pk}.pdf", PDF + str(d.pk).encode()) for d in docs}
    submission.draft_save(
        draft=draft,
        user=user,
        data=DraftInput(uploads=uploads, **extra),  # type: ignore[arg-type]
    )


def test_submission_creates_status_1_dossier_with_components(
    actors: Actors, documents: list[RequiredDocument]
) -> None:
    draft = submission.draft_start(user=actors.citizen, procedure_code=PROCEDURE)
    _fill(draft, actors.citizen, documents)
    dossier = submission.draft_submit(draft=draft, user=actors.citizen)

    assert dossier.state == State.SUBMITTED
    assert dossier.national_status == 1
    assert dossier.channel == Channel.ONLINE
    assert dossier.applicant_id == actors.profile.pk
    rows = list(DossierDocument.objects.filter(dossier=dossier))
    assert len(rows) == len(documents)
    assert all(r.stored_file_id is not None and r.store_item_id is None for r in rows)
    # every new upload is now in the applicant's data store
    kept = StoreItem.objects.filter(owner=actors.profile, source_dossier=dossier)
    assert kept.count() == len(documents)
    assert not SubmissionDraft.objects.filter(pk=draft.pk).exists()


def test_reuse_from_the_store_is_recorded_per_dossier_component(
    actors: Actors, documents: list[RequiredDocument]
) -> None:
    first = documents[0]
    item = store.store_add(actor=actors.citizen, upload=_pdf(), doc_type=first.name)
    dossiers = []
    for _round in range(2):
        draft = submission.draft_start(user=actors.citizen, procedure_code=PROCEDURE)
        _fill(draft, actors.citizen, documents[1:], reuse={first.pk: item.pk})
        dossiers.append(submission.draft_submit(draft=draft, user=actors.citizen))

    for dossier in dossiers:
        reused = DossierDocument.objects.filter(dossier=dossier, store_item__isnull=False)
        assert [(r.required_document_id, r.store_item_id) for r in reused] == [(first.pk, item.pk)]
        assert reused.get().stored_file_id == item.file_id
    # counted once per dossier, in each of the two dossiers
    assert store.store_items(actors.profile).get(pk=item.pk).reuse_count == 2  # type: ignore[attr-defined]


def test_duplicate_uploads_are_stored_once(
    actors: Actors, documents: list[RequiredDocument]
) -> None:
    same = PDF + b"same scan"
    for _round in range(2):
        draft = submission.draft_start(user=actors.citizen, procedure_code=PROCEDURE)
        submission.draft_save(
            draft=draft,
            user=actors.citizen,
            data=DraftInput(uploads={documents[0].pk: _pdf("scan.pdf", same)}),
        )
        SubmissionDraft.objects.filter(pk=draft.pk).delete()
    store.store_add(actor=actors.citizen, upload=_pdf("again.pdf", same), doc_type="Bản quét")
    files = StoredFile.objects.filter(sha256=__import__("hashlib").sha256(same).hexdigest())
    assert files.count() == 1
    stored = files.get()
    assert Path(stored.file.path).read_bytes() == same
    assert len(list(Path(stored.file.path).parent.iterdir())) == 1


@override_settings(MOTCUA_UPLOAD_MAX_BYTES=100)
def test_wrong_type_or_oversized_upload_refused_before_anything_is_stored(
    actors: Actors, documents: list[RequiredDocument]
) -> None:
    draft = submission.draft_start(user=actors.citizen, procedure_code=PROCEDURE)
    good, bad = documents[0], documents[1]
    with pytest.raises(DomainError) as wrong:
        submission.draft_save(
            draft=draft,
            user=actors.citizen,
            data=DraftInput(
                uploads={
                    good.pk: _pdf("ok.pdf"),
                    bad.pk: SimpleUploadedFile("x.exe", b"MZ\x90\x00", "application/pdf"),
                }
            ),
        )
    assert f"doc_{bad.pk}" in wrong.value.fields
    with pytest.raises(DomainError) as big:
        submission.draft_save(
            draft=draft,
            user=actors.citizen,
            data=DraftInput(uploads={good.pk: _pdf("big.pdf", PDF + b"x" * 200)}),
        )
    assert big.value.code == "submission.invalid"
    assert "100" in str(big.value.fields[f"doc_{good.pk}"])  # "at most 100 bytes"
    assert StoredFile.objects.count() == 0
    draft.refresh_from_db()
    assert draft.components == {}


def test_interrupted_submission_leaves_the_draft_and_no_dossier(
    actors: Actors, documents: list[RequiredDocument], monkeypatch: pytest.MonkeyPatch
) -> None:
    draft = submission.draft_start(user=actors.citizen, procedure_code=PROCEDURE)
    _fill(draft, actors.citizen, documents)
    before = Dossier.objects.count()

    def boom(**_kwargs: object) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(submission, "store_put", boom)
    with pytest.raises(RuntimeError):
        submission.draft_submit(draft=draft, user=actors.citizen)
    assert Dossier.objects.count() == before
    assert DossierDocument.objects.count() == 0
    assert SubmissionDraft.objects.filter(pk=draft.pk).exists()


def test_incomplete_draft_is_refused_naming_the_missing_papers(
    actors: Actors, documents: list[RequiredDocument]
) -> None:
    draft = submission.draft_start(user=actors.citizen, procedure_code=PROCEDURE)
    submission.draft_save(
        draft=draft,
        user=actors.citizen,
        data=DraftInput(return_method=ReturnMethod.COUNTER),
    )
    with pytest.raises(DomainError) as error:
        submission.draft_submit(draft=draft, user=actors.citizen)
    assert {f"doc_{d.pk}" for d in documents} <= set(error.value.fields)
    assert "return_point" in error.value.fields
    assert Dossier.objects.count() == 0


def test_someone_elses_store_item_cannot_be_reused(
    actors: Actors, documents: list[RequiredDocument]
) -> None:
    theirs = store.store_add(actor=actors.stranger, upload=_pdf(), doc_type="Giấy tờ")
    draft = submission.draft_start(user=actors.citizen, procedure_code=PROCEDURE)
    with pytest.raises(DomainError) as error:
        submission.draft_save(
            draft=draft, user=actors.citizen, data=DraftInput(reuse={documents[0].pk: theirs.pk})
        )
    assert f"doc_{documents[0].pk}" in error.value.fields


def test_withdrawn_store_item_cannot_be_reused(
    actors: Actors, documents: list[RequiredDocument]
) -> None:
    item = store.store_add(actor=actors.citizen, upload=_pdf(), doc_type="Giấy tờ")
    store.store_withdraw(actor=actors.citizen, item=item)
    draft = submission.draft_start(user=actors.citizen, procedure_code=PROCEDURE)
    with pytest.raises(DomainError) as error:
        submission.draft_save(
            draft=draft, user=actors.citizen, data=DraftInput(reuse={documents[0].pk: item.pk})
        )
    assert error.value.fields[f"doc_{documents[0].pk}"]


def _client(user: User) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="vi")
    client.force_login(user)
    return client


def test_pages_submit_online_end_to_end(actors: Actors, documents: list[RequiredDocument]) -> None:
    client = _client(actors.citizen)
    start = client.get(reverse("portal:submit", args=[PROCEDURE]))
    assert start.status_code == 200
    opened = client.post(
        reverse("portal:submit", args=[PROCEDURE]), {"applicant": actors.profile.pk}
    )
    assert opened.status_code == 302
    draft = SubmissionDraft.objects.get(user=actors.citizen)
    page = client.get(opened["Location"])
    assert page.status_code == 200
    assert actors.profile.full_name in page.content.decode()  # pre-filled from the profile
    assert actors.profile.personal_id not in page.content.decode()  # masked
    data: dict[str, object] = {"return_method": "electronic", "subject": "Xin cấp", "next": "save"}
    data[f"doc_{documents[0].pk}"] = SimpleUploadedFile("virus.exe", b"MZ", "application/pdf")
    refused = client.post(reverse("portal:draft", args=[draft.pk]), data)
    assert refused.status_code == 422
    html = refused.content.decode()
    assert f'id="id_doc_{documents[0].pk}_error"' in html  # the error is next to the field
    assert "Xin cấp" in html  # what was typed is kept
    for doc in documents:
        data[f"doc_{doc.pk}"] = _pdf(f"{doc.pk}.pdf", PDF + bytes(str(doc.pk), "ascii"))
    data["next"] = "review"
    saved = client.post(reverse("portal:draft", args=[draft.pk]), data)
    assert saved.status_code == 302 and saved["Location"].endswith("/review/")
    review = client.get(saved["Location"])
    assert review.status_code == 200
    sent = client.post(saved["Location"])
    assert sent.status_code == 302
    dossier = Dossier.objects.get(applicant=actors.profile)
    assert dossier.state == State.SUBMITTED
    mine = client.get(sent["Location"])
    assert mine.status_code == 200
    # another citizen cannot open this draft (it is gone) nor the dossier
    other = _client(actors.stranger)
    assert other.get(reverse("portal:draft", args=[draft.pk])).status_code == 404
    assert other.get(sent["Location"]).status_code == 404


def test_store_page_add_and_withdraw(actors: Actors) -> None:
    client = _client(actors.citizen)
    bad = client.post(
        reverse("portal:store"),
        {"file": SimpleUploadedFile("a.txt", b"hello", "text/plain"), "doc_type": "Giấy khai sinh"},
    )
    assert bad.status_code == 422
    assert "Giấy khai sinh" in bad.content.decode()
    assert StoreItem.objects.count() == 0
    ok = client.post(
        reverse("portal:store"),
        {
            "file": SimpleUploadedFile("a.png", PNG, "image/png"),
            "doc_type": "Giấy khai sinh",
            "number": "123/2020",
            "issued_on": "2020-05-01",
        },
    )
    assert ok.status_code == 302
    item = StoreItem.objects.get(owner=actors.profile)
    assert item.number == "123/2020"
    page = client.get(reverse("portal:store"))
    assert "123/2020" in page.content.decode()
    assert client.get(reverse("portal:store-file", args=[item.pk])).content == PNG
    # a stranger sees nothing of it
    assert (
        _client(actors.stranger).get(reverse("portal:store-file", args=[item.pk])).status_code
        == 404
    )
    client.post(reverse("portal:store-withdraw", args=[item.pk]))
    item.refresh_from_db()
    assert item.revoked_at is not None


def test_citizen_answers_a_supplement_request_with_files(
    actors: Actors, documents: list[RequiredDocument]
) -> None:
    draft = submission.draft_start(user=actors.citizen, procedure_code=PROCEDURE)
    _fill(draft, actors.citizen, documents)
    dossier = submission.draft_submit(draft=draft, user=actors.citizen)
    dossier = s.dossier_request_supplement(
        dossier=dossier,
        actor=actors.receiver,
        items=["Bản sao sổ hộ khẩu"],
        reason="Thiếu giấy tờ",
    )
    assert dossier.state == State.INTAKE_SUPPLEMENT
    client = _client(actors.citizen)
    url = reverse("portal:my-dossier", args=[dossier.reference])
    page = client.get(url)
    assert "Bản sao sổ hộ khẩu" in page.content.decode()
    empty = client.post(reverse("portal:my-dossier-supplement", args=[dossier.reference]), {})
    assert empty.status_code == 400
    sent = client.post(
        reverse("portal:my-dossier-supplement", args=[dossier.reference]),
        {"item_0": _pdf("hk.pdf", PDF + b"hk"), "note": "Đã bổ sung"},
    )
    assert sent.status_code == 302
    dossier.refresh_from_db()
    assert dossier.state == State.SUBMITTED
    assert DossierDocument.objects.filter(dossier=dossier, name="Bản sao sổ hộ khẩu").exists()


def test_citizen_asks_to_withdraw(actors: Actors, documents: list[RequiredDocument]) -> None:
    draft = submission.draft_start(user=actors.citizen, procedure_code=PROCEDURE)
    _fill(draft, actors.citizen, documents)
    dossier = submission.draft_submit(draft=draft, user=actors.citizen)
    client = _client(actors.citizen)
    url = reverse("portal:my-dossier-withdraw", args=[dossier.reference])
    missing = client.post(url, {"reason": "Không cần nữa"})
    assert missing.status_code == 400
    assert "Không cần nữa" in missing.content.decode()
    done = client.post(url, {"reason": "Không cần nữa", "confirm": "on"})
    assert done.status_code == 302
    dossier.refresh_from_db()
    assert dossier.state == State.WITHDRAWAL_REQUESTED


def test_upload_check_reads_the_bytes_not_the_name() -> None:
    from motcua.documents.uploads import check_upload

    assert check_upload(io.BytesIO(PNG), field="f").content_type == "image/png"
    with pytest.raises(DomainError):
        check_upload(SimpleUploadedFile("fake.pdf", b"<html>", "application/pdf"), field="f")


def test_decision_766_counts_reuse_once_per_received_dossier(
    actors: Actors, documents: list[RequiredDocument]
) -> None:
    """Worked example: three dossiers received this month; the first reuses two components
    from the store, the second one, the third none → REUSED_DIGITIZED_DATA = 2 / 3, the same
    from the rollups and from a recomputation."""
    from django.utils import timezone

    from motcua.indicators.selectors import Scope, indicator_inputs, parse_period

    first, second = documents[0], documents[1]
    a = store.store_add(actor=actors.citizen, upload=_pdf("a.pdf", PDF + b"a"), doc_type="A")
    b = store.store_add(actor=actors.citizen, upload=_pdf("b.pdf", PDF + b"b"), doc_type="B")
    plans: list[dict[int, int]] = [{first.pk: a.pk, second.pk: b.pk}, {first.pk: a.pk}, {}]
    for reuse in plans:
        draft = submission.draft_start(user=actors.citizen, procedure_code=PROCEDURE)
        _fill(draft, actors.citizen, [d for d in documents if d.pk not in reuse], reuse=reuse)
        dossier = submission.draft_submit(draft=draft, user=actors.citizen)
        s.dossier_receive(dossier=dossier, actor=actors.receiver)
    period = parse_period(timezone.localdate().strftime("%Y-%m"))
    for recompute in (False, True):
        inputs = indicator_inputs(period, Scope(), recompute=recompute)
        reused = inputs["REUSED_DIGITIZED_DATA"]
        assert (reused.numerator, reused.denominator) == (2, 3)


def test_receipt_of_an_online_dossier_is_printed_on_demand_once_received(
    actors: Actors, documents: list[RequiredDocument]
) -> None:
    draft = submission.draft_start(user=actors.citizen, procedure_code=PROCEDURE)
    _fill(draft, actors.citizen, documents)
    dossier = submission.draft_submit(draft=draft, user=actors.citizen)
    client = _client(actors.citizen)
    before = client.get(reverse("portal:my-dossier-receipt", args=[dossier.reference]))
    assert before.status_code == 404  # not received: no receipt yet
    dossier = s.dossier_receive(dossier=dossier, actor=actors.receiver)
    got = client.get(reverse("portal:my-dossier-receipt", args=[dossier.code]))
    assert got.status_code == 200
    assert got.content.startswith(b"%PDF")
    assert dossier.code in got["Content-Disposition"]
    # another citizen gets nothing
    other = _client(actors.stranger).get(reverse("portal:my-dossier-receipt", args=[dossier.code]))
    assert other.status_code == 404
