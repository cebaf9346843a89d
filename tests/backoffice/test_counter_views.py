"""The counter pages through the Django test client: who may use them, the walk-in intake
and its three decisions, the queue of online dossiers, supplements and the return of results.
Bad input gives the error next to the field, in Vietnamese, and writes nothing."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from motcua.backoffice.counter_forms import REASON_REQUIRED
from motcua.catalog.demo import demo_required_documents_ensure
from motcua.catalog.models import RequiredDocument
from motcua.core.models import AuditEvent
from motcua.dossiers import services as s
from motcua.dossiers.models import Dossier, DossierDocument, Refusal
from motcua.dossiers.states import State
from motcua.org.models import Agency, User
from motcua.org.roles import Role
from motcua.people.models import CitizenProfile
from tests.backoffice.conftest import PROCEDURE, Actors, Login, drive
from tests.factories import UserFactory, staff

pytestmark = pytest.mark.django_db

BIRTH = "1.001193"  # Thủ tục đăng ký khai sinh: commune level, same day
NEW_ID = "001090654321"  # Hà Nội, male, born 1990
COUNTER = "/staff/counter/"


def vi(message: Any) -> str:
    """A message as the Vietnamese page shows it."""
    with translation.override("vi"):
        return str(message)


def writes() -> tuple[int, int, int, int]:
    """Rows a refused request must not add."""
    return (
        Dossier.objects.count(),
        CitizenProfile.objects.count(),
        DossierDocument.objects.count(),
        AuditEvent.objects.count(),
    )


@pytest.fixture
def birth_docs(reference: None) -> list[RequiredDocument]:
    demo_required_documents_ensure()
    return list(RequiredDocument.objects.filter(version__procedure__code=BIRTH).order_by("order"))


@pytest.fixture
def ba_dinh(reference: None) -> Agency:
    return Agency.objects.get(code="H26.00004")


def intake_data(docs: list[RequiredDocument], agency: Agency, **changes: Any) -> dict[str, Any]:
    """A complete walk-in birth registration: new applicant, both required documents."""
    data: dict[str, Any] = {
        "applicant_id": NEW_ID,
        "applicant_name": "Phạm Thu Hà",
        "applicant_phone": "0911222333",
        "applicant_address": "Số 2 Tràng Tiền",
        "submitter_kind": "self",
        "submitter_name": "",
        "channel": "1",
        "competent_agency": str(agency.pk),
        "subject": "",
        "return_method": "counter",
        "items": "",
        "reason": "",
        "decision": "receive",
    }
    for doc in docs:
        data[f"doc-{doc.pk}-kind"] = doc.copy_kind
        data[f"doc-{doc.pk}-count"] = str(doc.count)
        if not doc.is_optional:
            data[f"doc-{doc.pk}-given"] = "on"
    for n in (1, 2, 3):
        data.update({f"extra-{n}-name": "", f"extra-{n}-kind": "original", f"extra-{n}-count": "1"})
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def post_intake(client: Client, data: dict[str, Any]) -> Any:
    return client.post(reverse("backoffice:counter_intake", args=[BIRTH]), data)


# ----------------------------------------------------------------------------- access
def test_anonymous_goes_to_login(client: Client) -> None:
    response = client.get(COUNTER)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.parametrize("role", [Role.PROCESSOR, Role.APPROVER, Role.SUPERVISOR, Role.CITIZEN])
def test_only_receivers_use_the_counter(reference: None, login: Login, role: Role) -> None:
    user = staff(role, agency_code="H26.30") if role != Role.CITIZEN else UserFactory(roles=[role])
    assert login(user).get(COUNTER).status_code == 403


def test_a_receiver_without_a_service_point_is_refused(reference: None, login: Login) -> None:
    nowhere = staff(Role.RECEIVER, agency_code="H26.30")
    response = login(nowhere).get(COUNTER)
    assert response.status_code == 403


def test_pages_of_the_counter_open(actors: Actors, login: Login) -> None:
    client = login(actors.receiver)
    for name in ("counter", "counter_queue", "counter_waiting", "counter_results"):
        response = client.get(reverse(f"backoffice:{name}"))
        assert response.status_code == 200, name
        assert "Chi nhánh số 1" in response.content.decode()
    assert client.get(reverse("backoffice:counter_intake", args=["9.999999"])).status_code == 404


def test_another_points_dossier_is_not_found_and_untouched(
    actors: Actors, login: Login, commune_receiver: User
) -> None:
    here = drive(actors, State.SUBMITTED)  # taken in at H26.30.01
    ready = drive(actors, State.FINISHED)
    for outsider in (actors.other_receiver, commune_receiver):  # same agency / other agency
        client = login(outsider)
        assert (
            client.get(reverse("backoffice:counter_dossier", args=[here.reference])).status_code
            == 404
        )
        response = client.post(
            reverse("backoffice:counter_dossier", args=[here.reference]), {"decision": "receive"}
        )
        assert response.status_code == 404
        response = client.post(
            reverse("backoffice:counter_return", args=[ready.code]), {"method": "counter"}
        )
        assert response.status_code == 404
        assert (
            client.post(reverse("backoffice:counter_reveal", args=[ready.code])).status_code == 404
        )
        queue = client.get(reverse("backoffice:counter_queue")).content.decode()
        assert here.reference not in queue
    assert Dossier.objects.get(pk=here.pk).state == State.SUBMITTED
    assert Dossier.objects.get(pk=ready.pk).state == State.FINISHED


def test_online_dossiers_wait_at_every_counter_of_the_agency(
    actors: Actors, login: Login, commune_receiver: User
) -> None:
    online = s.dossier_submit(actor=actors.citizen, procedure_code=PROCEDURE)
    for receiver in (actors.receiver, actors.other_receiver):
        assert (
            online.reference
            in login(receiver).get(reverse("backoffice:counter_queue")).content.decode()
        )
    assert (
        online.reference
        not in login(commune_receiver).get(reverse("backoffice:counter_queue")).content.decode()
    )


# ----------------------------------------------------------------------------- search
@pytest.mark.parametrize(
    "query",
    ["dang ky khai sinh", "DANG KY KHAI SINH", "Đăng ký khai sinh", "Đăng ký khai sinh", "001193"],
)
def test_search_is_accent_insensitive(actors: Actors, login: Login, query: str) -> None:
    # the fourth query is typed in decomposed Unicode (a letter followed by combining marks)
    response = login(actors.receiver).get(COUNTER, {"q": query})
    versions = response.context["versions"]
    assert versions[0].procedure.code == BIRTH
    assert versions[0].name == "Thủ tục đăng ký khai sinh"


def test_live_search_returns_only_the_results(actors: Actors, login: Login) -> None:
    response = login(actors.receiver).get(COUNTER, {"q": "ket hon"}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 200 and "<html" not in html
    assert "Thủ tục đăng ký kết hôn" in html and "Thủ tục đăng ký khai sinh" not in html
    assert reverse("backoffice:counter_intake", args=["1.000894"]) in html


# ----------------------------------------------------------------------------- intake
def test_walk_in_is_received_in_one_click(
    actors: Actors, login: Login, birth_docs: list[RequiredDocument], ba_dinh: Agency
) -> None:
    client = login(actors.receiver)
    response = post_intake(client, intake_data(birth_docs, ba_dinh))
    assert response.status_code == 302
    dossier = Dossier.objects.get(applicant__personal_id=NEW_ID)
    assert dossier.state == State.RECEIVED and dossier.code.startswith("H26.30-")
    assert dossier.reception_point.code == "H26.30.01" and dossier.competent_agency == ba_dinh
    assert dossier.applicant.full_name == "Phạm Thu Hà"
    assert sorted(dossier.documents.values_list("required_document_id", flat=True)) == sorted(
        d.pk for d in birth_docs if not d.is_optional
    )
    assert AuditEvent.objects.filter(
        action="people.profile_registered", object_id=str(dossier.applicant_id)
    ).exists()
    # the confirmation with the receipt to print (form 01 of the documents app)
    assert response["Location"] == f"{COUNTER}?done={dossier.code}&act=receive"
    page = client.get(response["Location"]).content.decode()
    assert f"Đã tiếp nhận hồ sơ {dossier.code}" in page or dossier.code in page
    assert reverse("documents:dossier_form", args=[dossier.code, "01"]) in page
    assert 'target="_blank"' in page


def test_known_applicant_is_reused(
    actors: Actors, login: Login, birth_docs: list[RequiredDocument], ba_dinh: Agency
) -> None:
    before = CitizenProfile.objects.count()
    data = intake_data(
        birth_docs, ba_dinh, applicant_id=actors.profile.personal_id, applicant_name=""
    )
    assert post_intake(login(actors.receiver), data).status_code == 302
    assert CitizenProfile.objects.count() == before
    assert Dossier.objects.get(applicant=actors.profile).state == State.RECEIVED


def test_extra_papers_and_a_representative_are_recorded(
    actors: Actors, login: Login, birth_docs: list[RequiredDocument], ba_dinh: Agency
) -> None:
    data = intake_data(
        birth_docs,
        ba_dinh,
        submitter_kind="representative",
        submitter_name="Nguyễn Văn Bố",
        **{"extra-1-name": "Giấy ủy quyền", "extra-1-kind": "certified_copy", "extra-1-count": "2"},
    )
    assert post_intake(login(actors.receiver), data).status_code == 302
    dossier = Dossier.objects.get(applicant__personal_id=NEW_ID)
    assert (dossier.submitter_kind, dossier.submitter_name) == ("representative", "Nguyễn Văn Bố")
    extra = dossier.documents.get(required_document__isnull=True)
    assert (extra.name, extra.copy_kind, extra.count) == ("Giấy ủy quyền", "certified_copy", 2)


def test_missing_required_document_blocks_reception(
    actors: Actors, login: Login, birth_docs: list[RequiredDocument], ba_dinh: Agency
) -> None:
    first = birth_docs[0]
    data = intake_data(birth_docs, ba_dinh)
    del data[f"doc-{first.pk}-given"]
    before = writes()
    response = post_intake(login(actors.receiver), data)
    assert response.status_code == 422
    form = response.context["form"]
    assert f"doc-{first.pk}" in form.row_errors
    assert f'id="row-doc-{first.pk}" class="row-error"' in response.content.decode()
    assert writes() == before


def test_supplement_needs_a_reason_and_writes_nothing_without_one(
    actors: Actors, login: Login, birth_docs: list[RequiredDocument], ba_dinh: Agency
) -> None:
    before = writes()
    response = post_intake(
        login(actors.receiver), intake_data(birth_docs, ba_dinh, decision="supplement")
    )
    assert response.status_code == 422
    assert response.context["form"].errors["reason"] == [vi(REASON_REQUIRED)]
    assert vi(REASON_REQUIRED) in response.content.decode()
    assert writes() == before


def test_supplement_lists_the_documents_not_ticked(
    actors: Actors, login: Login, birth_docs: list[RequiredDocument], ba_dinh: Agency
) -> None:
    first = birth_docs[0]
    data = intake_data(birth_docs, ba_dinh, decision="supplement", reason="Thiếu tờ khai")
    del data[f"doc-{first.pk}-given"]
    response = post_intake(login(actors.receiver), data)
    assert response.status_code == 302
    dossier = Dossier.objects.get(applicant__personal_id=NEW_ID)
    assert dossier.state == State.INTAKE_SUPPLEMENT and dossier.code is None
    request = dossier.supplement_requests.get()
    assert request.items == [first.name] and request.reason == "Thiếu tờ khai"
    assert "act=supplement" in response["Location"]


def test_refusal_states_its_reason(
    actors: Actors, login: Login, birth_docs: list[RequiredDocument], ba_dinh: Agency
) -> None:
    data = intake_data(
        birth_docs, ba_dinh, decision="refuse", reason="Không thuộc thẩm quyền tiếp nhận"
    )
    assert post_intake(login(actors.receiver), data).status_code == 302
    dossier = Dossier.objects.get(applicant__personal_id=NEW_ID)
    assert dossier.state == State.REFUSED_INTAKE
    assert Refusal.objects.get(dossier=dossier).reasons == "Không thuộc thẩm quyền tiếp nhận"


@pytest.mark.parametrize(
    ("changes", "field", "expected"),
    [
        ({"applicant_id": "12345"}, "applicant_id", "Mã số thuế"),
        ({"applicant_id": "001090654321", "applicant_name": ""}, "applicant_name", None),
        ({"competent_agency": ""}, "competent_agency", "bắt buộc đối với thủ tục này"),
        ({"competent_agency": "999999"}, "competent_agency", None),
        ({"submitter_kind": "representative"}, "submitter_name", None),
        ({"return_method": "pigeon"}, "return_method", "lựa chọn hợp lệ"),
        ({"decision": "approve"}, "decision", "lựa chọn hợp lệ"),
        ({"applicant_id": ""}, "applicant_id", "Trường này là bắt buộc."),
    ],
)
def test_bad_input_is_named_and_writes_nothing(
    actors: Actors,
    login: Login,
    birth_docs: list[RequiredDocument],
    ba_dinh: Agency,
    changes: dict[str, str],
    field: str,
    expected: str | None,
) -> None:
    before = writes()
    response = post_intake(login(actors.receiver), intake_data(birth_docs, ba_dinh, **changes))
    assert response.status_code == 422
    errors = response.context["form"].errors
    assert field in errors, errors
    if expected is not None:
        assert expected in " ".join(errors[field])
    assert writes() == before


def test_copies_out_of_range_are_refused(
    actors: Actors, login: Login, birth_docs: list[RequiredDocument], ba_dinh: Agency
) -> None:
    first = birth_docs[0]
    data = intake_data(birth_docs, ba_dinh, **{f"doc-{first.pk}-count": "0"})
    before = writes()
    response = post_intake(login(actors.receiver), data)
    assert response.status_code == 422
    assert "lớn hơn hoặc bằng" in " ".join(response.context["form"].errors[f"doc-{first.pk}-count"])
    assert writes() == before


# ----------------------------------------------------------------------------- lookup
def test_lookup_of_a_known_applicant_is_masked_and_audited(actors: Actors, login: Login) -> None:
    number = actors.profile.personal_id
    response = login(actors.receiver).get(
        reverse("backoffice:counter_applicant"), {"applicant_id": number}, HTTP_HX_REQUEST="true"
    )
    html = response.content.decode()
    assert actors.profile.full_name in html and number not in html and number[-4:] in html
    assert 'id="applicant-status" class="found"' in html
    event = AuditEvent.objects.get(action="people.profile_viewed", object_id=str(actors.profile.pk))
    assert event.actor == actors.receiver and event.purpose.startswith("counter")


def test_lookup_of_an_unknown_or_invalid_number(actors: Actors, login: Login) -> None:
    client = login(actors.receiver)
    url = reverse("backoffice:counter_applicant")
    unknown = client.get(url, {"applicant_id": NEW_ID}).content.decode()
    assert 'id="applicant-status" class="new"' in unknown
    invalid = client.get(url, {"applicant_id": "0010"}).content.decode()
    assert 'class="error-text"' in invalid
    assert not AuditEvent.objects.filter(action="people.profile_viewed").exists()


# ----------------------------------------------------------------------------- the queue
def test_queue_decision_receives_then_moves_to_the_next(actors: Actors, login: Login) -> None:
    first = s.dossier_submit(actor=actors.citizen, procedure_code=PROCEDURE)
    second = s.dossier_submit(actor=actors.citizen, procedure_code=PROCEDURE)
    client = login(actors.receiver)
    page = client.get(reverse("backoffice:counter_dossier", args=[first.reference]))
    assert page.status_code == 200
    assert AuditEvent.objects.filter(action="dossier.viewed", object_id=str(first.pk)).exists()
    response = client.post(
        reverse("backoffice:counter_dossier", args=[first.reference]), {"decision": "receive"}
    )
    first.refresh_from_db()
    assert first.state == State.RECEIVED and first.reception_point.code == "H26.30.01"
    # the next dossier of the queue, with the confirmation of this one
    next_url = reverse("backoffice:counter_dossier", args=[second.reference])
    assert response["Location"] == f"{next_url}?done={first.code}&act=receive"
    page = client.get(response["Location"]).content.decode()
    assert first.code in page and second.reference in page
    # the last one leads back to the (empty) queue
    response = client.post(next_url, {"decision": "refuse", "reason": "Sai thủ tục"})
    assert response["Location"].startswith(reverse("backoffice:counter_queue"))


def test_queue_refusal_without_reason_changes_nothing(actors: Actors, login: Login) -> None:
    online = s.dossier_submit(actor=actors.citizen, procedure_code=PROCEDURE)
    before = writes()
    response = login(actors.receiver).post(
        reverse("backoffice:counter_dossier", args=[online.reference]), {"decision": "refuse"}
    )
    assert response.status_code == 422
    assert response.context["form"].errors["reason"] == [vi(REASON_REQUIRED)]
    assert writes() == before and Dossier.objects.get(pk=online.pk).state == State.SUBMITTED


def test_a_decided_dossier_cannot_be_decided_twice(actors: Actors, login: Login) -> None:
    received = drive(actors, State.RECEIVED)
    before = writes()
    response = login(actors.receiver).post(
        reverse("backoffice:counter_dossier", args=[received.code]),
        {"decision": "refuse", "reason": "x"},
    )
    assert response.status_code == 409
    assert vi(_("This dossier is no longer waiting for intake.")) in response.content.decode()
    assert writes() == before


def test_supplement_brought_puts_the_dossier_back_in_the_queue(
    actors: Actors, login: Login
) -> None:
    d = drive(actors, State.SUBMITTED)
    s.dossier_request_supplement(
        dossier=d, actor=actors.receiver, items=["Tờ khai"], reason="Thiếu"
    )
    client = login(actors.receiver)
    waiting = client.get(reverse("backoffice:counter_waiting")).content.decode()
    assert d.reference in waiting
    response = client.post(
        reverse("backoffice:counter_supplement_received", args=[d.reference]),
        {"note": "Đã nộp tờ khai"},
    )
    assert response.status_code == 302
    d.refresh_from_db()
    assert d.state == State.SUBMITTED
    assert d.reference in client.get(reverse("backoffice:counter_queue")).content.decode()


# ----------------------------------------------------------------------------- results
def test_result_returned_and_next_result_offered(actors: Actors, login: Login) -> None:
    first = drive(actors, State.FINISHED)
    second = drive(actors, State.FINISHED)
    client = login(actors.receiver)
    page = client.get(reverse("backoffice:counter_return", args=[first.code])).content.decode()
    assert first.applicant.personal_id not in page  # masked until asked for
    response = client.post(
        reverse("backoffice:counter_return", args=[first.code]),
        {"method": "counter", "collected_by": "Lê Văn Nhận", "note": ""},
    )
    first.refresh_from_db()
    assert first.state == State.RETURNED and first.returned_by_method == "counter"
    assert "Lê Văn Nhận" in first.handovers.order_by("-seq").first().note
    next_url = reverse("backoffice:counter_return", args=[second.code])
    assert response["Location"] == f"{next_url}?done={first.code}&act=return"


def test_bad_return_method_is_named(actors: Actors, login: Login) -> None:
    ready = drive(actors, State.FINISHED)
    before = writes()
    response = login(actors.receiver).post(
        reverse("backoffice:counter_return", args=[ready.code]), {"method": "drone"}
    )
    assert response.status_code == 422 and "method" in response.context["form"].errors
    assert writes() == before


def test_revealing_identity_is_audited_and_needs_post(actors: Actors, login: Login) -> None:
    ready = drive(actors, State.FINISHED)
    client = login(actors.receiver)
    url = reverse("backoffice:counter_reveal", args=[ready.code])
    assert client.get(url).status_code == 405
    response = client.post(url, HTTP_HX_REQUEST="true")
    assert actors.profile.personal_id in response.content.decode()
    event = AuditEvent.objects.get(action="people.profile_viewed", object_id=str(actors.profile.pk))
    assert event.purpose == "counter: identity check" and event.data["dossier"] == ready.code


def test_procedure_without_time_limit_needs_the_appointment(
    actors: Actors, login: Login, ba_dinh: Agency
) -> None:
    code = "1.000689"  # published with "3" and no unit: no time limit the clock can use
    client = login(actors.receiver)
    url = reverse("backoffice:counter_intake", args=[code])
    assert 'name="appointment_at"' in client.get(url).content.decode()
    data = intake_data([], ba_dinh)
    before = writes()
    response = client.post(url, data)
    assert response.status_code == 422
    assert response.context["form"].errors["appointment_at"] == [
        "bắt buộc, sau thời điểm tiếp nhận"
    ]
    assert writes() == before
    response = client.post(url, {**data, "appointment_at": "2026-12-01T16:30"})
    assert response.status_code == 302
    dossier = Dossier.objects.get(applicant__personal_id=NEW_ID)
    assert dossier.state == State.RECEIVED
    assert dossier.appointment_at is not None
    assert dossier.appointment_at.isoformat() == "2026-12-01T09:30:00+00:00"


def test_a_commune_counter_settles_its_own_commune_procedures(
    login: Login, commune_receiver: User, birth_docs: list[RequiredDocument], ba_dinh: Agency
) -> None:
    client = login(commune_receiver)
    page = client.get(reverse("backoffice:counter_intake", args=[BIRTH]))
    assert page.context["form"]["competent_agency"].value() == ba_dinh.pk  # preselected
    response = post_intake(client, intake_data(birth_docs, ba_dinh, competent_agency=""))
    assert response.status_code == 302
    dossier = Dossier.objects.get(applicant__personal_id=NEW_ID)
    assert dossier.receiving_agency == ba_dinh and dossier.competent_agency == ba_dinh
    assert dossier.code.startswith("H26.00004-")


def test_an_empty_post_is_answered_with_errors(actors: Actors, login: Login) -> None:
    before = writes()
    response = login(actors.receiver).post(reverse("backoffice:counter_intake", args=[BIRTH]))
    assert response.status_code == 422
    assert {"applicant_id", "decision"} <= set(response.context["form"].errors)
    assert writes() == before
