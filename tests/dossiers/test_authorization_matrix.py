"""Authorization matrix of the REST API: every endpoint × every role → the HTTP status.

The policy is the grid :data:`MATRIX` below (DESIGN.md §1; the cast is in
:mod:`tests.dossiers.matrix_helpers`). Columns are roles:

====  ======================================================================
anon  anonymous (no token)
appl  the applicant (citizen)
strg  another citizen
mand  citizen holding a valid mandate (scope "all") from the applicant
mrev  citizen whose mandate from the applicant was revoked
agt   service agent account that submitted the dossier in the applicant's name
agtx  account of another service agent
rcv   receiver of the receiving agency H26.30, at branch H26.30.01 (received it)
rcv2  receiver of H26.30 at another branch, H26.30.02
rcvx  receiver of another agency: Phường Ba Đình H26.00004, point H26.00004.01
proc  processor of the competent agency H26.05
prcx  processor of another agency (Sở Tư pháp H26.02)
appr  approver of the competent agency H26.05
aprx  approver of another agency (H26.02)
supc  supervisor of the Service Center H26.30: reads everything
supd  supervisor of the department H26.05: reads its subtree
supx  supervisor of another department (H26.02)
admn  administrator
====  ======================================================================

Rows are endpoints. ``action@state`` is ``POST /api/v1/dossiers/{code}/{action}/`` on a dossier
of the applicant (submitted by ``agt``, received at H26.30.01, competent H26.05) put in ``state``
so that the action is legal for the right actor: a refusal then comes from authorization only.
The rule behind every refusal: 401 without a token; 404 (``dossier.not_found``) when the role
cannot see the dossier (``selectors.dossier_get``); 403 (``dossier.not_allowed``) when it can
see it but may not act; a refused call changes nothing in the database.
:func:`test_matrix_is_consistent` checks the grid against that rule and the ``detail`` row.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.core.cache import cache
from django.db import transaction
from rest_framework.authtoken.models import Token

from motcua.core.models import AuditEvent
from motcua.dossiers.models import Dossier, Handover
from motcua.dossiers.services import TRANSITION_FUNCTIONS
from motcua.dossiers.states import TRANSITIONS, Action
from motcua.org.models import User
from motcua.people.models import CitizenProfile
from tests.dossiers.matrix_helpers import PROCEDURE, ROLES, World, build_world, snapshot

pytestmark = pytest.mark.django_db

# ----------------------------------------------------------------------------- the policy
MATRIX = """
row                                      anon appl strg mand mrev agt  agtx rcv  rcv2 rcvx proc prcx appr aprx supc supd supx admn
list                                     401  200  200  200  200  200  200  200  200  200  200  200  200  200  200  200  200  200
detail                                   401  200  404  200  404  200  404  200  200  404  200  404  200  404  200  200  404  200
submit                                   401  201  403  201  403  201  201  201  201  201  403  403  403  403  403  403  403  403
put-patch-delete                         401  405  405  405  405  405  405  405  405  405  405  405  405  405  405  405  405  405
receive@submitted                        401  403  404  403  404  403  404  200  200  404  403  404  403  404  403  403  404  403
request-supplement@submitted             401  403  404  403  404  403  404  200  200  404  403  404  403  404  403  403  404  403
request-supplement@processing            401  403  404  403  404  403  404  200  200  404  200  404  200  404  403  403  404  403
supplement@intake_supplement             401  200  404  200  404  200  404  200  200  404  403  404  403  404  403  403  404  403
supplement@supplement_requested          401  200  404  200  404  200  404  200  200  404  403  404  403  404  403  403  404  403
refuse@submitted                         401  403  404  403  404  403  404  200  200  404  403  404  403  404  403  403  404  403
refuse@processing                        401  403  404  403  404  403  404  403  403  404  403  404  200  404  403  403  404  403
forward@received                         401  403  404  403  404  403  404  200  200  404  403  404  403  404  403  403  404  403
forward@processing                       401  403  404  403  404  403  404  403  403  404  200  404  403  404  403  403  404  403
return-step@processing                   401  403  404  403  404  403  404  403  403  404  200  404  403  404  403  403  404  403
return-step@processing_approval          401  403  404  403  404  403  404  403  403  404  403  404  200  404  403  403  404  403
approve@processing_approval              401  403  404  403  404  403  404  403  403  404  403  404  200  404  403  403  404  403
pause@processing                         401  403  404  403  404  403  404  403  403  404  200  404  200  404  403  403  404  403
resume@financial_obligation              401  403  404  403  404  403  404  200  200  404  200  404  200  404  403  403  404  403
apologize@processing                     401  403  404  403  404  403  404  403  403  404  403  404  200  404  403  403  404  403
withdraw:ask@processing                  401  200  404  200  404  200  404  403  403  404  403  404  403  404  403  403  404  403
withdraw:confirm@withdrawal_requested    401  403  404  403  404  403  404  200  200  404  403  404  200  404  403  403  404  403
stop@processing                          401  403  404  403  404  403  404  403  403  404  403  404  200  404  403  403  404  403
finish@approved                          401  403  404  403  404  403  404  200  200  404  200  404  200  404  403  403  404  403
return-result:counter@finished           401  403  404  403  404  403  404  200  200  404  403  404  403  404  403  403  404  403
return-result:electronic@finished        401  403  404  403  404  403  404  200  200  404  200  404  200  404  403  403  404  403
lookup:right-digits                      200  200  200  200  200  200  200  200  200  200  200  200  200  200  200  200  200  200
lookup:wrong-digits                      404  404  404  404  404  404  404  404  404  404  404  404  404  404  404  404  404  404
procedures                               200  200  200  200  200  200  200  200  200  200  200  200  200  200  200  200  200  200
procedure                                200  200  200  200  200  200  200  200  200  200  200  200  200  200  200  200  200  200
"""  # noqa: E501  (one line per endpoint, one column per role: the grid is the point)

#: ``GET /api/v1/dossiers/``: the dossiers each role finds in its list (groups of
#: matrix_helpers: ``A`` = the applicant's dossiers submitted by ``agt``, one per state;
#: ``self`` = submitted by the applicant herself; ``stranger`` = the stranger's own, competent
#: H26.02; ``commune`` = taken in at H26.00004.01 for a third person; ``other_agent`` =
#: submitted by ``agtx`` for a third person, competent H26.05; ``land_office`` = taken in at
#: H26.30.01, competent H26.05.01, an office under H26.05: its supervisor reads the subtree,
#: its processors and approvers only their own agency).
ALL = ("A", "self", "stranger", "commune", "other_agent", "land_office")
LIST_VISIBLE: dict[str, tuple[str, ...]] = {
    "appl": ("A", "self"),
    "strg": ("stranger",),
    "mand": ("A", "self"),
    "mrev": (),
    "agt": ("A",),
    "agtx": ("other_agent",),
    "rcv": ("A", "self", "stranger", "other_agent", "land_office"),
    "rcv2": ("A", "self", "stranger", "other_agent", "land_office"),
    "rcvx": ("commune",),
    "proc": ("A", "self", "other_agent"),
    "prcx": ("stranger",),
    "appr": ("A", "self", "other_agent"),
    "aprx": ("stranger",),
    "supc": ALL,
    "supd": ("A", "self", "other_agent", "land_office"),
    "supx": ("stranger",),
    "admn": ALL,
}

#: ``submit``: the submitter kind recorded when the role may submit for the applicant.
SUBMITTER_KIND = {
    "appl": "self",
    "mand": "mandate",
    "agt": "agent",
    "agtx": "agent",
    "rcv": "self",  # counter intake: the applicant came in person
    "rcv2": "self",
    "rcvx": "self",
}

Payload = Callable[[Dossier], dict[str, Any]]


def _apology(d: Dossier) -> dict[str, Any]:
    current = d.appointment_at or d.due_at
    assert current is not None
    return {
        "reason": "Chờ kết quả xác minh",
        "new_appointment_at": (current + dt.timedelta(days=10)).isoformat(),
    }


#: Transition rows: (A dossier state, action, request body).
SCENARIOS: dict[str, tuple[str, Action, Payload]] = {
    "receive@submitted": ("submitted", Action.RECEIVE, lambda d: {}),
    "request-supplement@submitted": (
        "submitted",
        Action.REQUEST_SUPPLEMENT,
        lambda d: {"items": ["Bản sao CCCD"], "reason": "Thiếu giấy tờ"},
    ),
    "request-supplement@processing": (
        "processing",
        Action.REQUEST_SUPPLEMENT,
        lambda d: {"items": ["Trích đo thửa đất"], "reason": "Thiếu giấy tờ"},
    ),
    "supplement@intake_supplement": (
        "intake_supplement",
        Action.SUPPLEMENT,
        lambda d: {"note": "Đã bổ sung"},
    ),
    "supplement@supplement_requested": (
        "supplement_requested",
        Action.SUPPLEMENT,
        lambda d: {"note": "Đã bổ sung"},
    ),
    "refuse@submitted": ("submitted", Action.REFUSE, lambda d: {"reasons": "Sai thủ tục"}),
    "refuse@processing": ("processing", Action.REFUSE, lambda d: {"reasons": "Không đủ điều kiện"}),
    "forward@received": ("received", Action.FORWARD, lambda d: {}),
    "forward@processing": ("processing", Action.FORWARD, lambda d: {}),
    "return-step@processing": (
        "processing",
        Action.RETURN_STEP,
        lambda d: {"reason": "Cần kiểm tra lại"},
    ),
    "return-step@processing_approval": (
        "processing_approval",
        Action.RETURN_STEP,
        lambda d: {"reason": "Cần thẩm định lại"},
    ),
    "approve@processing_approval": ("processing_approval", Action.APPROVE, lambda d: {}),
    "pause@processing": (
        "processing",
        Action.PAUSE,
        lambda d: {"kind": "financial_obligation", "reason": "Nộp lệ phí"},
    ),
    "resume@financial_obligation": ("financial_obligation", Action.RESUME, lambda d: {}),
    "apologize@processing": ("processing", Action.APOLOGIZE, _apology),
    "withdraw:ask@processing": (
        "processing",
        Action.WITHDRAW,
        lambda d: {"reason": "Không còn nhu cầu"},
    ),
    "withdraw:confirm@withdrawal_requested": (
        "withdrawal_requested",
        Action.WITHDRAW,
        lambda d: {"confirm": True, "reason": "Đồng ý cho rút"},
    ),
    "stop@processing": ("processing", Action.STOP, lambda d: {"reason": "Hồ sơ giả mạo"}),
    "finish@approved": ("approved", Action.FINISH, lambda d: {}),
    "return-result:counter@finished": (
        "finished",
        Action.RETURN_RESULT,
        lambda d: {"method": "counter"},
    ),
    "return-result:electronic@finished": (
        "finished",
        Action.RETURN_RESULT,
        lambda d: {"method": "electronic"},
    ),
}

#: The error code of each refusal status on the dossier endpoints.
REFUSAL_CODE = {401: "not_authenticated", 403: "dossier.not_allowed", 404: "dossier.not_found"}


# ----------------------------------------------------------------------------- the grid
def _parse(grid: str) -> tuple[list[str], dict[tuple[str, str], int]]:
    lines = [line.split() for line in grid.strip().splitlines()]
    header, body = lines[0][1:], lines[1:]
    assert header == list(ROLES), "the grid's columns are the roles of matrix_helpers.ROLES"
    expected: dict[tuple[str, str], int] = {}
    rows = []
    for row, *cells in body:
        assert len(cells) == len(header), row
        rows.append(row)
        expected.update({(row, role): int(cell) for role, cell in zip(header, cells, strict=True)})
    return rows, expected


ROWS, EXPECTED = _parse(MATRIX)


def _cases(rows: list[str]) -> list[Any]:
    """One case per (row, role), named like ``refuse@processing-stranger-404``."""
    return [
        pytest.param(row, role, id=f"{row}-{ROLES[role][0]}-{EXPECTED[row, role]}")
        for row in rows
        for role in ROLES
    ]


# ----------------------------------------------------------------------------- fixtures
@pytest.fixture(scope="module")
def world(django_db_setup: None, django_db_blocker: Any) -> Iterator[World]:
    """Built once for the module inside a transaction rolled back at the end; every test runs
    in a savepoint inside it (pytest-django's ``db``), so no test sees another's changes."""
    with django_db_blocker.unblock():
        before = _table_counts()
        with transaction.atomic():
            yield build_world()
            transaction.set_rollback(True)
        assert _table_counts() == before, "the matrix's world must leave nothing behind"


def _table_counts() -> dict[str, int]:
    return {
        model.__name__: model._default_manager.count()
        for model in (Dossier, Handover, AuditEvent, User, Token)
    }


@pytest.fixture(autouse=True)
def _no_throttle_carry_over() -> None:
    cache.clear()  # the lookup throttle counts per client address in the default cache


def _error_body(response: Any, code: str | None = None) -> dict[str, Any]:
    body: dict[str, Any] = response.json()
    assert set(body) == {"code", "message", "fields"}, body
    assert isinstance(body["code"], str) and body["code"], body
    assert isinstance(body["message"], str) and body["message"], body
    assert isinstance(body["fields"], dict), body
    if code is not None:
        assert body["code"] == code, body
    return body


def _ident(d: Dossier) -> str:
    return d.code or d.reference


# ----------------------------------------------------------------------------- the grid itself
def test_matrix_is_consistent() -> None:
    """Every action has a row; refusals follow the visibility of the ``detail`` row."""
    assert {a for _s, a, _p in SCENARIOS.values()} == set(TRANSITION_FUNCTIONS)
    assert [r for r in ROWS if "@" in r] == list(SCENARIOS)
    for role in ROLES:
        sees = EXPECTED["detail", role] == 200
        if role != "anon":
            assert sees == ("A" in LIST_VISIBLE[role]), role
        for row in SCENARIOS:
            status = EXPECTED[row, role]
            assert (status == 401) == (role == "anon"), (row, role)
            if status == 404:
                assert not sees, (row, role)
            if status == 403:
                assert sees, (row, role)


# ----------------------------------------------------------------------------- dossiers
@pytest.mark.parametrize(("row", "role"), _cases(["list"]))
def test_list(world: World, row: str, role: str) -> None:
    client = world.client(role)
    response = client.get("/api/v1/dossiers/", {"page_size": 5})  # pages stay in scope too
    assert response.status_code == EXPECTED[row, role], response.content
    if response.status_code != 200:
        _error_body(response, REFUSAL_CODE[response.status_code])
        return
    seen: list[str] = []
    while True:
        body = response.json()
        seen.extend(item["reference"] for item in body["results"])
        if not body["next"]:
            break
        response = client.get(body["next"])
    expected = set().union(*(world.groups[g] for g in LIST_VISIBLE[role]))
    assert len(seen) == len(set(seen)), "a dossier is listed twice"
    names = {ref: g for g, refs in world.groups.items() for ref in refs}
    assert sorted(names.get(r, r) for r in set(seen)) == sorted(names[r] for r in expected)
    assert set(seen) == expected


@pytest.mark.parametrize(("row", "role"), _cases(["detail"]))
def test_detail(world: World, row: str, role: str) -> None:
    d = world.a["processing"]
    audit_before = AuditEvent.objects.filter(action="dossier.viewed").count()
    response = world.client(role).get(f"/api/v1/dossiers/{d.code}/")
    assert response.status_code == EXPECTED[row, role], response.content
    if response.status_code != 200:
        _error_body(response, REFUSAL_CODE[response.status_code])
        return
    body = response.json()
    assert body["code"] == d.code and body["reference"] == d.reference
    staff = world.users[role].is_staff_member
    # the audit trail is for staff only; every staff read of the dossier is itself audited
    assert (body["audit"] is not None) == staff
    viewed = AuditEvent.objects.filter(action="dossier.viewed").count() - audit_before
    assert viewed == (1 if staff else 0)
    assert body["applicant"]["identity_number"].startswith("••••")


@pytest.mark.parametrize(("row", "role"), _cases(["submit"]))
def test_submit(world: World, row: str, role: str) -> None:
    """Submit (online) or take in (counter) a dossier in the applicant's name."""
    applicant_id = world.applicant.personal_id
    before = snapshot()
    response = world.client(role).post(
        "/api/v1/dossiers/",
        {"procedure": PROCEDURE, "applicant_id": applicant_id, "applicant_consent": True},
        format="json",
    )
    expected = EXPECTED[row, role]
    assert response.status_code == expected, response.content
    if expected == 201:
        body = response.json()
        assert body["submitter_kind"] == SUBMITTER_KIND[role]
        created = Dossier.objects.get(reference=body["reference"])
        assert created.applicant_id == world.applicant.pk
        assert Dossier.objects.count() == before["dossiers"] + 1
        return
    _error_body(response, REFUSAL_CODE[expected])
    assert snapshot() == before


@pytest.mark.parametrize(("row", "role"), _cases(["put-patch-delete"]))
def test_no_update_or_delete(world: World, row: str, role: str) -> None:
    """Dossiers change only through the transitions: no PUT, PATCH or DELETE, for anyone."""
    d = world.a["processing"]
    before = snapshot(d)
    for method in ("PUT", "PATCH", "DELETE"):
        response = world.client(role).generic(
            method, f"/api/v1/dossiers/{d.code}/", '{"state": "returned"}', "application/json"
        )
        assert response.status_code == EXPECTED[row, role], (method, response.content)
        _error_body(response, "method_not_allowed" if role != "anon" else "not_authenticated")
    assert snapshot(d) == before


@pytest.mark.parametrize(("row", "role"), _cases(list(SCENARIOS)))
def test_transition(world: World, row: str, role: str) -> None:
    state, action, payload = SCENARIOS[row]
    d = world.a[state]
    d.refresh_from_db()
    assert d.state in TRANSITIONS[action], "the scenario must make the action legal"
    expected = EXPECTED[row, role]
    before = snapshot(d)
    response = world.client(role).post(
        f"/api/v1/dossiers/{_ident(d)}/{action.value}/", payload(d), format="json"
    )
    assert response.status_code == expected, response.content
    if expected == 200:
        assert Handover.objects.filter(dossier=d).count() == len(before["Handover"]) + 1
        assert response.json()["reference"] == d.reference
        return
    _error_body(response, REFUSAL_CODE[expected])
    assert snapshot(d) == before, "a refused call must change nothing"


# ----------------------------------------------------------------------------- public
@pytest.mark.parametrize(("row", "role"), _cases(["lookup:right-digits", "lookup:wrong-digits"]))
def test_lookup(world: World, row: str, role: str) -> None:
    """Public progress lookup: the token (if any) plays no part, only the code and digits."""
    d = world.a["processing"]
    last4 = (world.applicant.personal_id or "")[-4:]
    digits = last4 if row == "lookup:right-digits" else f"{(int(last4) + 1) % 10000:04d}"
    response = world.client(role).get(f"/api/v1/lookup/{d.code}/", {"id_last4": digits})
    assert response.status_code == EXPECTED[row, role], response.content
    if response.status_code != 200:
        _error_body(response, "lookup.not_found")
        return
    body = response.json()
    assert body["code"] == d.code
    assert "applicant" not in body and world.applicant.full_name not in response.content.decode()


@pytest.mark.parametrize(("row", "role"), _cases(["procedures", "procedure"]))
def test_catalogue(world: World, row: str, role: str) -> None:
    url = "/api/v1/procedures/" if row == "procedures" else f"/api/v1/procedures/{PROCEDURE}/"
    response = world.client(role).get(url)
    assert response.status_code == EXPECTED[row, role], response.content
    body = response.json()
    if row == "procedures":
        assert body["results"], body
    else:
        assert body["code"] == PROCEDURE


# ----------------------------------------------------------------------------- edges
def test_lookup_refuses_uncoded_dossiers_and_malformed_digits(world: World) -> None:
    submitted = world.a["submitted"]  # not received yet: no code
    last4 = (world.applicant.personal_id or "")[-4:]
    client = world.client("anon")
    response = client.get(f"/api/v1/lookup/{submitted.reference}/", {"id_last4": last4})
    assert response.status_code == 404
    _error_body(response, "lookup.not_found")
    response = client.get(f"/api/v1/lookup/{world.a['processing'].code}/", {"id_last4": "12a4"})
    assert response.status_code == 400
    assert "id_last4" in _error_body(response, "invalid")["fields"]
    response = client.get("/api/v1/procedures/9.999999/")
    assert response.status_code == 404
    _error_body(response)


def test_dossier_endpoints_refuse_a_bad_token(world: World) -> None:
    client = world.client("anon")
    client.credentials(HTTP_AUTHORIZATION="Token 0000000000000000000000000000000000000000")
    d = world.a["submitted"]
    before = snapshot(d)
    for method, url in (
        ("get", "/api/v1/dossiers/"),
        ("get", f"/api/v1/dossiers/{d.reference}/"),
        ("post", "/api/v1/dossiers/"),
        ("post", f"/api/v1/dossiers/{d.reference}/receive/"),
    ):
        response = getattr(client, method)(url, {}, format="json")
        assert response.status_code == 401, (url, response.content)
        _error_body(response, "not_authenticated")
    assert snapshot(d) == before


def test_an_idempotency_key_is_never_replayed_to_another_user(world: World) -> None:
    """The receiver's stored answer (the dossier's detail) must not reach a stranger who
    sends the same key to the same URL."""
    d = world.a["submitted"]
    url = f"/api/v1/dossiers/{d.reference}/receive/"
    first = world.client("rcv").post(url, {}, format="json", HTTP_IDEMPOTENCY_KEY="same-key")
    assert first.status_code == 200
    again = world.client("strg").post(url, {}, format="json", HTTP_IDEMPOTENCY_KEY="same-key")
    assert again.status_code == 404, again.content
    assert again.headers.get("Idempotent-Replayed") is None
    _error_body(again, "dossier.not_found")


def test_a_dossier_is_found_by_code_and_by_reference_alike(world: World) -> None:
    d = world.a["processing"]
    for ident in (d.code, d.reference):
        assert world.client("appl").get(f"/api/v1/dossiers/{ident}/").status_code == 200
        response = world.client("strg").get(f"/api/v1/dossiers/{ident}/")
        assert response.status_code == 404
        _error_body(response, "dossier.not_found")


# ----------------------------------------------------------------------------- disagreements
def test_submit_does_not_tell_a_citizen_whether_an_identity_number_is_registered(
    world: World,
) -> None:
    """DESIGN.md §1 "citizens see only their own data" and §4 (personal data): a citizen who
    may not act for a person must get the same answer whether or not that person's identity
    number is registered. FAILS today: 403 ``dossier.not_allowed`` for a registered number,
    400 ``dossier.applicant_unknown`` ("No applicant is registered with this number.") for an
    unregistered one, so any account can probe who is registered (apis.DossierViewSet.create
    looks the applicant up and rejects unknown numbers before any permission check)."""
    registered = world.applicant.personal_id
    unregistered = "001099000123"
    assert not CitizenProfile.objects.filter(personal_id=unregistered).exists()
    answers = {}
    for number in (registered, unregistered):
        response = world.client("strg").post(
            "/api/v1/dossiers/", {"procedure": PROCEDURE, "applicant_id": number}, format="json"
        )
        answers[number] = (response.status_code, _error_body(response)["code"])
    assert answers[registered] == answers[unregistered], (
        "the stranger learns whether an identity number is registered: "
        f"registered → {answers[registered]}, unregistered → {answers[unregistered]}"
    )
