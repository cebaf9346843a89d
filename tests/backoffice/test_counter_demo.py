"""Demo required documents for the counter's checklist, added by the demo seed path."""

from __future__ import annotations

import pytest

from motcua.catalog.demo import DEMO_DOCUMENTS, DEMO_MARK, demo_required_documents_ensure
from motcua.catalog.models import ProcedureVersion, RequiredDocument
from motcua.core.models import AuditEvent

pytestmark = pytest.mark.django_db


def test_demo_documents_are_added_once_and_marked(reference: None) -> None:
    created = demo_required_documents_ensure()
    assert created == sum(len(docs) for docs in DEMO_DOCUMENTS.values())
    rows = RequiredDocument.objects.filter(version__procedure__code__in=DEMO_DOCUMENTS)
    assert rows.count() == created
    assert all(row.note.startswith(DEMO_MARK) for row in rows)
    birth = list(rows.filter(version__procedure__code="1.001193").order_by("order"))
    assert birth[0].name == "Tờ khai đăng ký khai sinh theo mẫu" and not birth[0].is_optional
    assert [row.order for row in birth] == list(range(1, len(birth) + 1))
    assert AuditEvent.objects.filter(action="catalog.demo_documents_created").count() == 1
    # a second run adds nothing
    assert demo_required_documents_ensure() == 0
    assert RequiredDocument.objects.count() == created


def test_a_list_entered_by_an_administrator_is_left_alone(reference: None) -> None:
    version = ProcedureVersion.objects.filter(procedure__code="1.012783").latest("effective_from")
    RequiredDocument.objects.create(version=version, order=1, name="Đơn theo Mẫu số 11/ĐK")
    demo_required_documents_ensure()
    assert list(version.required_documents.values_list("name", flat=True)) == [
        "Đơn theo Mẫu số 11/ĐK"
    ]
