"""The receiver's checklist: components handed in are stored with the dossier, all or nothing."""

from __future__ import annotations

import pytest

from motcua.catalog.models import ProcedureVersion, RequiredDocument
from motcua.core.errors import DomainError, ErrorKind
from motcua.dossiers.models import Dossier, DossierDocument
from motcua.dossiers.services import DocumentItem, dossier_intake
from tests.dossiers.conftest import PROCEDURE, Actors, vn

pytestmark = pytest.mark.django_db


def _version() -> ProcedureVersion:
    return ProcedureVersion.objects.filter(procedure__code=PROCEDURE).latest("effective_from")


def test_listed_and_extra_documents_are_stored(actors: Actors) -> None:
    listed = RequiredDocument.objects.create(
        version=_version(), order=1, name="Đơn đề nghị cấp đổi Giấy chứng nhận"
    )
    d = dossier_intake(
        actor=actors.receiver,
        procedure_code=PROCEDURE,
        applicant=actors.profile,
        documents=[
            DocumentItem(required_document_id=listed.pk, copy_kind="certified_copy", count=2),
            DocumentItem(name="Giấy ủy quyền", copy_kind="original"),
        ],
        at=vn(2026, 11, 2, 9),
    )
    rows = list(d.documents.order_by("id"))
    assert [(r.required_document_id, r.name, r.copy_kind, r.count) for r in rows] == [
        (listed.pk, listed.name, "certified_copy", 2),
        (None, "Giấy ủy quyền", "original", 1),
    ]
    assert rows[0].added_by == actors.receiver


@pytest.mark.parametrize(
    ("item", "code"),
    [
        (DocumentItem(required_document_id=-1), "dossier.document_unknown"),
        (DocumentItem(name="  "), "dossier.document_name"),
        (DocumentItem(name="Bản vẽ", copy_kind="photocopy"), "dossier.document_copy_kind"),
        (DocumentItem(name="Bản vẽ", count=0), "dossier.document_count"),
        (DocumentItem(name="Bản vẽ", count=100), "dossier.document_count"),
    ],
)
def test_a_bad_item_refuses_the_whole_intake(actors: Actors, item: DocumentItem, code: str) -> None:
    before = Dossier.objects.count()
    with pytest.raises(DomainError) as caught:
        dossier_intake(
            actor=actors.receiver,
            procedure_code=PROCEDURE,
            applicant=actors.profile,
            documents=[DocumentItem(name="Đơn đề nghị"), item],
            at=vn(2026, 11, 2, 9),
        )
    assert caught.value.code == code and caught.value.kind == ErrorKind.INVALID
    assert "documents[1]" in caught.value.fields
    assert Dossier.objects.count() == before and DossierDocument.objects.count() == 0
