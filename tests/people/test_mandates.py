"""Digital mandates: giving and revoking them, and what they allow (and stop allowing) when a
dossier is submitted."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone, translation

from motcua.catalog.models import Procedure, Sector
from motcua.core.errors import DomainError, ErrorKind
from motcua.core.models import AuditEvent
from motcua.dossiers.models import SubmitterKind
from motcua.dossiers.services import dossier_submit
from motcua.org.models import Agency
from motcua.org.roles import Role
from motcua.people import selectors
from motcua.people.models import CitizenProfile, Mandate
from motcua.people.services import mandate_grant, mandate_revoke
from tests.factories import CitizenProfileFactory, UserFactory
from tests.people.conftest import OTHER_PROCEDURE, PROCEDURE, Cast

pytestmark = pytest.mark.django_db

NEW_PERSON_ID = "001190012345"  # Hà Nội, female, born 1990: nobody in the tests has it


def _grant(cast: Cast, **overrides: Any) -> Mandate:
    now = timezone.now()
    args: dict[str, Any] = {
        "grantor_user": cast.grantor_user,
        "grantee_identifier": cast.grantee.personal_id,
        "grantee_name": cast.grantee.full_name,
        "scope": Mandate.Scope.ALL,
        "procedure_ids": [],
        "sector_ids": [],
        "valid_from": now - dt.timedelta(minutes=1),
        "valid_to": now + dt.timedelta(days=30),
    }
    args.update(overrides)
    return mandate_grant(**args)


def _refused(cast: Cast, **overrides: Any) -> DomainError:
    with pytest.raises(DomainError) as caught, translation.override("en"):
        _grant(cast, **overrides)
    return caught.value


def _submit_for_grantor(cast: Cast, procedure: str = PROCEDURE, **kwargs: Any) -> Any:
    if procedure == OTHER_PROCEDURE:
        kwargs.setdefault("competent_agency", Agency.objects.get(code="H26.02"))
    return dossier_submit(
        actor=cast.grantee_user, procedure_code=procedure, applicant=cast.grantor, **kwargs
    )


# ------------------------------------------------------------------------------ granting
def test_grant_to_a_known_person_records_both_and_is_audited(cast: Cast) -> None:
    mandate = _grant(cast)
    assert (mandate.grantor, mandate.grantee) == (cast.grantor, cast.grantee)
    assert mandate.revoked_at is None
    event = AuditEvent.objects.get(action="people.mandate_granted")
    assert event.actor == cast.grantor_user
    assert event.object_id == str(mandate.pk)
    assert event.data["grantee"] == cast.grantee.pk
    assert event.data["grantee_profile_created"] is False


def test_the_name_is_matched_without_accents_or_case(cast: Cast) -> None:
    mandate = _grant(cast, grantee_name="  le  thi HOA ")
    assert mandate.grantee == cast.grantee
    assert CitizenProfile.objects.filter(personal_id=cast.grantee.personal_id).count() == 1


def test_grant_to_an_unknown_person_creates_a_profile_without_account(cast: Cast) -> None:
    mandate = _grant(cast, grantee_identifier=NEW_PERSON_ID, grantee_name="Đỗ Minh Khang")
    grantee = CitizenProfile.objects.get(personal_id=NEW_PERSON_ID)
    assert mandate.grantee == grantee
    assert grantee.full_name == "Đỗ Minh Khang"
    assert grantee.user is None
    assert grantee.kind == CitizenProfile.Kind.PERSON
    assert AuditEvent.objects.get(action="people.mandate_granted").data["grantee_profile_created"]


def test_a_known_persons_name_is_never_revealed(cast: Cast) -> None:
    error = _refused(cast, grantee_name="Hoàng Văn Sai")
    assert error.kind is ErrorKind.INVALID
    assert set(error.fields) == {"grantee_id"}
    texts = " ".join([error.message_en, error.message_vi, *map(str, error.fields.values())])
    assert "Hoa" not in texts and "Lê" not in texts
    assert not Mandate.objects.exists()
    assert CitizenProfile.objects.get(pk=cast.grantee.pk).full_name == "Lê Thị Hoa"


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"grantee_identifier": "12345"}, "grantee_id"),
        ({"grantee_identifier": "00109012345x"}, "grantee_id"),
        ({"grantee_name": "   "}, "grantee_name"),
        ({"scope": "everything"}, "scope"),
        ({"scope": Mandate.Scope.PROCEDURES}, "procedures"),
        ({"scope": Mandate.Scope.SECTORS}, "sectors"),
        ({"scope": Mandate.Scope.PROCEDURES, "procedure_ids": [987654321]}, "procedures"),
    ],
)
def test_grant_refusals_name_the_field(cast: Cast, overrides: dict[str, Any], field: str) -> None:
    error = _refused(cast, **overrides)
    assert error.kind is ErrorKind.INVALID
    assert field in error.fields
    assert not Mandate.objects.exists()


def test_no_mandate_to_oneself(cast: Cast) -> None:
    error = _refused(
        cast,
        grantee_identifier=cast.grantor.personal_id,
        grantee_name=cast.grantor.full_name,
    )
    assert error.field_texts("en") == {"grantee_id": ["You cannot give a mandate to yourself."]}


def test_dates_must_make_sense(cast: Cast) -> None:
    now = timezone.now()
    backwards = _refused(
        cast, valid_from=now + dt.timedelta(days=2), valid_to=now + dt.timedelta(days=1)
    )
    assert "valid_to" in backwards.fields
    same = _refused(
        cast, valid_from=now + dt.timedelta(days=2), valid_to=now + dt.timedelta(days=2)
    )
    assert "valid_to" in same.fields
    past = _refused(
        cast, valid_from=now - dt.timedelta(days=5), valid_to=now - dt.timedelta(days=1)
    )
    assert past.field_texts("en") == {"valid_to": ["The end date is already past."]}
    assert not Mandate.objects.exists()


def test_only_a_citizen_with_a_profile_gives_a_mandate(cast: Cast) -> None:
    no_profile = UserFactory(roles=[Role.CITIZEN])
    with pytest.raises(DomainError) as caught:
        _grant(cast, grantor_user=no_profile)
    assert caught.value.kind is ErrorKind.FORBIDDEN
    with pytest.raises(DomainError) as caught:
        _grant(cast, grantor_user=cast.agent_user)
    assert caught.value.kind is ErrorKind.FORBIDDEN


def test_selected_procedures_and_sectors_are_stored(cast: Cast) -> None:
    procedure = Procedure.objects.get(code=PROCEDURE)
    by_procedure = _grant(cast, scope=Mandate.Scope.PROCEDURES, procedure_ids=[procedure.pk])
    assert list(by_procedure.procedures.all()) == [procedure]
    assert not by_procedure.sectors.exists()
    sector = Sector.objects.order_by("pk").first()
    assert sector is not None
    by_sector = _grant(cast, scope=Mandate.Scope.SECTORS, sector_ids=[sector.pk])
    assert list(by_sector.sectors.all()) == [sector]
    everything = _grant(
        cast, scope=Mandate.Scope.ALL, procedure_ids=[procedure.pk], sector_ids=[sector.pk]
    )
    assert not everything.procedures.exists() and not everything.sectors.exists()


# ------------------------------------------------------------------------------ revoking
def test_only_the_grantor_revokes_and_only_once(cast: Cast) -> None:
    mandate = _grant(cast)
    for someone in (cast.grantee_user, cast.stranger_user, cast.agent_user):
        with pytest.raises(DomainError) as caught:
            mandate_revoke(mandate=mandate, actor=someone)
        assert caught.value.kind is ErrorKind.FORBIDDEN
    mandate.refresh_from_db()
    assert mandate.revoked_at is None

    revoked = mandate_revoke(mandate=mandate, actor=cast.grantor_user)
    assert revoked.revoked_at is not None
    assert AuditEvent.objects.filter(
        action="people.mandate_revoked", object_id=str(mandate.pk), actor=cast.grantor_user
    ).exists()
    with pytest.raises(DomainError) as caught:
        mandate_revoke(mandate=mandate, actor=cast.grantor_user)
    assert caught.value.code == "people.mandate_already_revoked"
    assert caught.value.kind is ErrorKind.CONFLICT
    assert AuditEvent.objects.filter(action="people.mandate_revoked").count() == 1


# ------------------------------------------------------------------------------ effect
def test_mandate_lets_the_grantee_submit_and_records_both_people(cast: Cast) -> None:
    mandate = _grant(cast)
    dossier = _submit_for_grantor(cast)
    assert dossier.applicant == cast.grantor
    assert dossier.submitter == cast.grantee_user
    assert dossier.submitter_kind == SubmitterKind.MANDATE
    assert dossier.mandate == mandate


def test_a_revoked_mandate_stops_working_at_once(cast: Cast) -> None:
    mandate = _grant(cast)
    _submit_for_grantor(cast)
    mandate_revoke(mandate=mandate, actor=cast.grantor_user)
    with pytest.raises(DomainError) as caught:
        _submit_for_grantor(cast)
    assert caught.value.kind is ErrorKind.FORBIDDEN


def test_an_expired_mandate_stops_working_at_once(cast: Cast) -> None:
    mandate = _grant(cast)
    _submit_for_grantor(cast)
    # time passes: the mandate's last instant is behind us
    Mandate.objects.filter(pk=mandate.pk).update(valid_to=timezone.now() - dt.timedelta(seconds=1))
    with pytest.raises(DomainError) as caught:
        _submit_for_grantor(cast)
    assert caught.value.kind is ErrorKind.FORBIDDEN


def test_a_mandate_not_yet_in_force_does_not_work(cast: Cast) -> None:
    now = timezone.now()
    _grant(cast, valid_from=now + dt.timedelta(days=1), valid_to=now + dt.timedelta(days=3))
    with pytest.raises(DomainError):
        _submit_for_grantor(cast)


def test_a_mandate_covers_only_what_it_names(cast: Cast) -> None:
    procedure = Procedure.objects.get(code=PROCEDURE)
    _grant(cast, scope=Mandate.Scope.PROCEDURES, procedure_ids=[procedure.pk])
    assert _submit_for_grantor(cast, PROCEDURE).applicant == cast.grantor
    with pytest.raises(DomainError) as caught:
        _submit_for_grantor(cast, OTHER_PROCEDURE)
    assert caught.value.kind is ErrorKind.FORBIDDEN


def test_a_sector_mandate_covers_the_sectors_procedures(cast: Cast) -> None:
    other = Procedure.objects.get(code=OTHER_PROCEDURE)
    sector_id = other.versions.order_by("-effective_from").values_list("sector_id", flat=True)[0]
    _grant(cast, scope=Mandate.Scope.SECTORS, sector_ids=[sector_id])
    assert _submit_for_grantor(cast, OTHER_PROCEDURE).applicant == cast.grantor
    with pytest.raises(DomainError):
        _submit_for_grantor(cast, PROCEDURE)


# ------------------------------------------------------------------------------ selectors
def test_status_and_lists(cast: Cast) -> None:
    now = timezone.now()
    active = _grant(cast)
    later = _grant(cast, valid_from=now + dt.timedelta(days=2), valid_to=now + dt.timedelta(days=9))
    revoked = _grant(cast)
    mandate_revoke(mandate=revoked, actor=cast.grantor_user)
    revoked.refresh_from_db()
    expired = _grant(cast)
    Mandate.objects.filter(pk=expired.pk).update(valid_to=now - dt.timedelta(minutes=1))
    expired.refresh_from_db()

    status = selectors.mandate_status
    check_at = timezone.now()
    assert status(active, check_at) is selectors.MandateStatus.ACTIVE
    assert status(later, check_at) is selectors.MandateStatus.NOT_YET
    assert status(revoked, check_at) is selectors.MandateStatus.REVOKED
    assert status(expired, check_at) is selectors.MandateStatus.EXPIRED
    # the status is computed at the instant asked
    assert status(later, now + dt.timedelta(days=3)) is selectors.MandateStatus.ACTIVE
    assert status(active, now + dt.timedelta(days=31)) is selectors.MandateStatus.EXPIRED

    given = list(selectors.mandates_given(cast.grantor))
    assert {m.pk for m in given} == {active.pk, later.pk, revoked.pk, expired.pk}
    assert list(selectors.mandates_received(cast.grantor)) == []
    assert len(selectors.mandates_received(cast.grantee)) == 4


def test_grantors_for_lists_only_mandates_in_force(cast: Cast) -> None:
    now = timezone.now()
    assert list(selectors.grantors_for(cast.grantee, now)) == []
    _grant(cast)
    _grant(cast)  # two mandates from the same person: listed once
    third = CitizenProfileFactory(full_name="Vũ Thị Cúc")
    assert third.personal_id is not None
    third_user = UserFactory(roles=[Role.CITIZEN])
    third.user = third_user
    third.save(update_fields=["user"])
    gone = _grant(cast, grantor_user=third_user)
    mandate_revoke(mandate=gone, actor=third_user)
    assert list(selectors.grantors_for(cast.grantee, timezone.now())) == [cast.grantor]
    assert list(selectors.grantors_for(cast.grantee, now + dt.timedelta(days=31))) == []
