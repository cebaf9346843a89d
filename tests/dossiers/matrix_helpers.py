"""The cast and the dossiers of the authorization matrix (test_authorization_matrix.py).

:func:`build_world` creates, through the services, one account per role of DESIGN.md §1 and a
set of dossiers:

* the *A* dossiers: applicant ``appl``, submitted online by the service agent ``agt`` in her
  name, received by the Service Center (H26.30, branch H26.30.01), competent agency Sở Nông
  nghiệp và Môi trường (H26.05, procedure 1.012783, default plan: step 1 processor, step 2
  approver). One per lifecycle state that an action starts from (:data:`STATES`), so that a
  refused call is refused by authorization, never by the state;
* ``self``: ``appl`` submits for herself (same agencies);
* ``stranger``: ``strg`` submits for himself, competent agency Sở Tư pháp (H26.02);
* ``commune``: taken in at the one-stop of Phường Ba Đình (H26.00004.01) for a third person,
  competent agency the commune (procedure 1.004837, commune level);
* ``other_agent``: the other agent ``agtx`` submits for a third person (H26.30 / H26.05).
* ``land_office``: taken in at H26.30.01 for a third person, competent agency a land
  registration office created under H26.05 (H26.05.01): in the subtree of H26.05 (its
  supervisor reads it), but not H26.05 itself (its processors and approvers do not).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Model
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from motcua.api.models import IdempotencyRecord
from motcua.catalog.reference import load_reference
from motcua.core.models import AuditEvent
from motcua.dossiers import services as s
from motcua.dossiers.models import (
    Apology,
    AppointmentChange,
    Dossier,
    DossierCodeCounter,
    DossierStep,
    Handover,
    Pause,
    PauseKind,
    Refusal,
    StopNotice,
    SupplementRequest,
)
from motcua.integrations.models import OutboxMessage
from motcua.org.models import AdministrativeUnit, Agency, User
from motcua.org.roles import Role
from motcua.org.services import roles_ensure
from motcua.people.identity import tax_check_digit
from motcua.people.models import CitizenProfile, Mandate, ServiceAgent
from tests.factories import CitizenProfileFactory, UserFactory, staff

PROCEDURE = "1.012783"  # city level, H26.05, 5 working days
COMMUNE_PROCEDURE = "1.004837"  # commune level (guardianship), 3 working days
STRANGER_PROCEDURE = "2.000635"  # civil-status extract copy, here at Sở Tư pháp (H26.02)

#: Column code → (readable name, what the account is). The order is the grid's column order.
ROLES: dict[str, tuple[str, str]] = {
    "anon": ("anonymous", "no token"),
    "appl": ("applicant", "citizen, the applicant (chủ hồ sơ)"),
    "strg": ("stranger", "another citizen"),
    "mand": ("mandate_holder", "citizen holding a valid mandate (scope all) from the applicant"),
    "mrev": ("mandate_revoked", "citizen whose mandate (scope all) from the applicant is revoked"),
    "agt": ("agent_own", "service agent account that submitted the A dossiers"),
    "agtx": ("agent_other", "account of another service agent"),
    "rcv": ("receiver_own_point", "receiver H26.30 at branch H26.30.01 (received the A dossiers)"),
    "rcv2": ("receiver_own_agency", "receiver H26.30 at branch H26.30.02"),
    "rcvx": ("receiver_other_agency", "receiver of Phường Ba Đình H26.00004 at H26.00004.01"),
    "proc": ("processor_own", "processor of the competent agency H26.05"),
    "prcx": ("processor_other", "processor of Sở Tư pháp H26.02"),
    "appr": ("approver_own", "approver of the competent agency H26.05"),
    "aprx": ("approver_other", "approver of Sở Tư pháp H26.02"),
    "supc": ("supervisor_center", "supervisor of the Service Center H26.30 (city-wide)"),
    "supd": ("supervisor_dept_own", "supervisor of H26.05 (its subtree)"),
    "supx": ("supervisor_dept_other", "supervisor of H26.02 (its subtree)"),
    "admn": ("admin", "administrator (agency H26.30)"),
}

#: States the A dossiers are put in (one dossier each), with how to get there from the last.
STATES = (
    "submitted",
    "intake_supplement",
    "received",
    "processing",  # step 1 (processor of H26.05) is current
    "supplement_requested",
    "processing_approval",  # step 2 (approver of H26.05) is current
    "approved",  # every step done, the result may be finished
    "financial_obligation",
    "withdrawal_requested",
    "finished",
)
#: The internal state of the names of :data:`STATES` that are not states themselves.
INTERNAL_STATE = {"processing_approval": "processing", "approved": "processing"}


@dataclass
class World:
    users: dict[str, User]
    tokens: dict[str, str]
    applicant: CitizenProfile
    #: state name → the A dossier in that state
    a: dict[str, Dossier] = field(default_factory=dict)
    #: group name (``A``, ``self``, ``stranger``, ``commune``, ``other_agent``) → references
    groups: dict[str, set[str]] = field(default_factory=dict)

    def client(self, role: str) -> APIClient:
        client = APIClient()
        headers: dict[str, str] = {"HTTP_ACCEPT_LANGUAGE": "en"}
        if role != "anon":
            headers["HTTP_AUTHORIZATION"] = f"Token {self.tokens[role]}"
        client.credentials(**headers)
        return client

    @property
    def all_references(self) -> set[str]:
        return set().union(*self.groups.values())


def _agent(user: User, name: str, first_nine: str) -> ServiceAgent:
    check = tax_check_digit(first_nine)
    assert check is not None
    agent = ServiceAgent.objects.create(
        name=name,
        tax_code=f"{first_nine}{check}",
        registered_by=Agency.objects.get(code="H26.30"),
    )
    agent.accounts.add(user)
    return agent


def _citizen() -> tuple[User, CitizenProfile]:
    user = UserFactory(roles=[Role.CITIZEN])
    return user, CitizenProfileFactory(user=user)


def _users(applicant_user: User, applicant: CitizenProfile) -> dict[str, User]:
    now = timezone.now()
    strg, _p = _citizen()
    mand, mand_profile = _citizen()
    mrev, mrev_profile = _citizen()
    Mandate.objects.create(
        grantor=applicant,
        grantee=mand_profile,
        scope=Mandate.Scope.ALL,
        valid_from=now - dt.timedelta(days=30),
    )
    Mandate.objects.create(
        grantor=applicant,
        grantee=mrev_profile,
        scope=Mandate.Scope.ALL,
        valid_from=now - dt.timedelta(days=30),
        revoked_at=now - dt.timedelta(days=1),
    )
    agt = UserFactory(roles=[Role.AGENT])
    _agent(agt, "Đại lý dịch vụ công Ba Đình", "010123456")
    agtx = UserFactory(roles=[Role.AGENT])
    _agent(agtx, "Đại lý dịch vụ công Hoàn Kiếm", "010765432")
    return {
        "appl": applicant_user,
        "strg": strg,
        "mand": mand,
        "mrev": mrev,
        "agt": agt,
        "agtx": agtx,
        "rcv": staff(Role.RECEIVER, agency_code="H26.30", point_code="H26.30.01"),
        "rcv2": staff(Role.RECEIVER, agency_code="H26.30", point_code="H26.30.02"),
        "rcvx": staff(Role.RECEIVER, agency_code="H26.00004", point_code="H26.00004.01"),
        "proc": staff(Role.PROCESSOR, agency_code="H26.05"),
        "prcx": staff(Role.PROCESSOR, agency_code="H26.02"),
        "appr": staff(Role.APPROVER, agency_code="H26.05"),
        "aprx": staff(Role.APPROVER, agency_code="H26.02"),
        "supc": staff(Role.SUPERVISOR, agency_code="H26.30"),
        "supd": staff(Role.SUPERVISOR, agency_code="H26.05"),
        "supx": staff(Role.SUPERVISOR, agency_code="H26.02"),
        "admn": staff(Role.ADMIN, agency_code="H26.30"),
    }


def _a_dossiers(world: World) -> Iterator[tuple[str, Dossier]]:
    """One A dossier per state of :data:`STATES`, each built from a fresh submission."""
    u = world.users

    def submit() -> Dossier:
        return s.dossier_submit(
            actor=u["agt"],
            procedure_code=PROCEDURE,
            applicant=world.applicant,
            applicant_consent=True,
        )

    def receive(d: Dossier) -> Dossier:
        return s.dossier_receive(dossier=d, actor=u["rcv"])

    def processing() -> Dossier:
        return s.dossier_forward(dossier=receive(submit()), actor=u["rcv"])

    def approved() -> Dossier:
        d = s.dossier_forward(dossier=processing(), actor=u["proc"])
        return s.dossier_approve(dossier=d, actor=u["appr"])

    builders: dict[str, Callable[[], Dossier]] = {
        "submitted": submit,
        "intake_supplement": lambda: s.dossier_request_supplement(
            dossier=submit(), actor=u["rcv"], items=["Bản sao CCCD"], reason="Thiếu giấy tờ"
        ),
        "received": lambda: receive(submit()),
        "processing": processing,
        "supplement_requested": lambda: s.dossier_request_supplement(
            dossier=processing(), actor=u["proc"], items=["Bản đồ thửa đất"], reason="Thiếu"
        ),
        "processing_approval": lambda: s.dossier_forward(dossier=processing(), actor=u["proc"]),
        "approved": approved,
        "financial_obligation": lambda: s.dossier_pause(
            dossier=processing(),
            actor=u["proc"],
            kind=PauseKind.FINANCIAL_OBLIGATION,
            reason="Nộp lệ phí trước bạ",
        ),
        "withdrawal_requested": lambda: s.dossier_withdraw(
            dossier=processing(), actor=u["appl"], reason="Không còn nhu cầu"
        ),
        "finished": lambda: s.dossier_finish(dossier=approved(), actor=u["proc"]),
    }
    assert tuple(builders) == STATES
    for state, build in builders.items():
        d = build()
        d.refresh_from_db()
        assert d.state == INTERNAL_STATE.get(state, state), (state, d.state)
        yield state, d


def build_world() -> World:
    """Every account and dossier of the matrix (call inside a transaction rolled back later)."""
    if not AdministrativeUnit.objects.exists():
        load_reference()
    roles_ensure()
    applicant_user, applicant = _citizen()
    users = _users(applicant_user, applicant)
    tokens = {code: Token.objects.get_or_create(user=user)[0].key for code, user in users.items()}
    world = World(users=users, tokens=tokens, applicant=applicant)
    world.a = dict(_a_dossiers(world))
    third = CitizenProfileFactory(full_name="Lê Văn Cường")
    self_submitted = s.dossier_submit(actor=users["appl"], procedure_code=PROCEDURE)
    stranger = s.dossier_submit(
        actor=users["strg"],
        procedure_code=STRANGER_PROCEDURE,
        competent_agency=Agency.objects.get(code="H26.02"),
    )
    commune = s.dossier_intake(
        actor=users["rcvx"], procedure_code=COMMUNE_PROCEDURE, applicant=third
    )
    other_agent = s.dossier_submit(
        actor=users["agtx"],
        procedure_code=PROCEDURE,
        applicant=third,
        applicant_consent=True,
    )
    h26_05 = Agency.objects.get(code="H26.05")
    land_office = Agency.objects.create(
        code="H26.05.01",
        name="Văn phòng Đăng ký đất đai Hà Nội",
        kind=Agency.Kind.OTHER,
        level=Agency.Level.CITY,
        parent=h26_05,
        administrative_unit=h26_05.administrative_unit,
    )
    in_subtree = s.dossier_intake(
        actor=users["rcv"],
        procedure_code=PROCEDURE,
        applicant=third,
        competent_agency=land_office,
    )
    assert (stranger.receiving_agency.code, stranger.competent_agency.code) == (
        "H26.30",
        "H26.02",
    )
    assert (commune.receiving_agency.code, commune.competent_agency.code) == (
        "H26.00004",
        "H26.00004",
    )
    world.groups = {
        "A": {d.reference for d in world.a.values()},
        "self": {self_submitted.reference},
        "stranger": {stranger.reference},
        "commune": {commune.reference},
        "other_agent": {other_agent.reference},
        "land_office": {in_subtree.reference},
    }
    return world


# ----------------------------------------------------------------------------- snapshots
_PER_DOSSIER: tuple[type[Model], ...] = (
    Handover,
    DossierStep,
    Pause,
    SupplementRequest,
    Refusal,
    Apology,
    StopNotice,
    AppointmentChange,
)


def snapshot(dossier: Dossier | None = None) -> dict[str, Any]:
    """What a refused request must leave untouched: the dossier row, its related rows, and the
    global tables every service writes to (audit, outbox, counters, dossiers, profiles)."""
    snap: dict[str, Any] = {
        "dossiers": Dossier.objects.count(),
        "profiles": CitizenProfile.objects.count(),
        "audit": AuditEvent.objects.count(),
        "outbox": OutboxMessage.objects.count(),
        "idempotency": IdempotencyRecord.objects.count(),
        "counters": list(DossierCodeCounter.objects.order_by("pk").values()),
    }
    if dossier is not None:
        snap["dossier"] = Dossier.objects.filter(pk=dossier.pk).values().get()
        for model in _PER_DOSSIER:
            snap[model.__name__] = list(
                model._default_manager.filter(dossier_id=dossier.pk).order_by("pk").values()
            )
    return snap
