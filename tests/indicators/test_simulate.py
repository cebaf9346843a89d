"""``motcua simulate``: the bulk path writes exactly what the lifecycle services write, the
simulated workload has the published shape, runs are deterministic and removable."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import replace
from typing import Any

import pytest
from django.db import models

from motcua.cli import main
from motcua.core.models import AuditEvent
from motcua.documents.models import ElectronicResult, StoreItem
from motcua.dossiers.models import (
    Apology,
    AppointmentChange,
    Dossier,
    DossierCodeCounter,
    DossierDocument,
    DossierStep,
    Handover,
    Pause,
    Refusal,
    SupplementRequest,
)
from motcua.dossiers.services import dossier_intake
from motcua.feedback.models import DossierRating
from motcua.indicators.models import DossierFact
from motcua.indicators.selectors import parse_period, parse_scope, scorecard_for
from motcua.integrations.models import OutboxMessage
from motcua.org.models import User
from motcua.org.roles import Role
from motcua.people.identity import parse_personal_id
from motcua.people.models import CitizenProfile, Mandate
from motcua.simulate.drive import drive
from motcua.simulate.profile import DEFAULT_PROFILE, WorkloadProfile
from motcua.simulate.run import simulate, simulation_clear, simulation_refusal
from motcua.simulate.world import person
from motcua.workcal.types import VN_TZ
from tests.factories import CitizenProfileFactory, staff

pytestmark = pytest.mark.django_db

#: Rare events made frequent, so that a handful of dossiers takes every path.
BUSY = replace(
    DEFAULT_PROFILE,
    late_share=0.15,
    apology_share_of_late=0.7,
    late_apology_share=0.4,
    intake_supplement_rate=0.15,
    intake_refusal_rate=0.05,
    processing_supplement_rate=0.2,
    processing_refusal_rate=0.08,
    financial_pause_rate=0.6,
    other_pause_rate=0.1,
    agent_share_online=0.12,
    mandate_share_online=0.1,
    representative_share_counter=0.2,
    reuse_share_online=0.5,
    rating_share=0.5,
    other_commune_share=0.2,
)
FIRST = dt.date(2026, 3, 2)
LAST = dt.date(2026, 3, 27)
#: Late enough that most dossiers are returned, early enough that some are still open.
HORIZON = dt.datetime(2026, 4, 3, 11, tzinfo=VN_TZ)

SKIP = {"id", "reference", "created_at", "updated_at"}
#: Derived rows the services keep up to date as they go; a simulation rebuilds them at the end.
DERIVED = {DossierFact}


def _plain(row: dict[str, Any], skip: set[str]) -> dict[str, Any]:
    return {k: v for k, v in row.items() if k not in skip}


def _db_rows(model: type[models.Model], **filters: Any) -> list[dict[str, Any]]:
    return list(model.objects.filter(**filters).values())


def _fields(model: type[models.Model]) -> list[str]:
    return [f.attname for f in model._meta.concrete_fields]


def _normalise(value: Any, reference: str) -> Any:
    """Payloads carry the submission number, which the services draw at random."""
    if isinstance(value, dict):
        return {k: _normalise(v, reference) for k, v in value.items()}
    if isinstance(value, list):
        return [_normalise(v, reference) for v in value]
    if value == reference:
        return "<reference>"
    return value


def _mandate(data: dict[str, Any], mandates: dict[int, tuple[int, int]]) -> dict[str, Any]:
    """The mandate's id (negative in the unwritten bulk rows) as its grantor and grantee."""
    if data.get("mandate") is not None:
        return {**data, "mandate": mandates[data["mandate"]]}
    return data


def test_bulk_path_writes_what_the_services_write(reference: None) -> None:
    result = simulate(
        dossiers=70,
        first=FIRST,
        last=LAST,
        seed=7,
        profile=BUSY,
        horizon=HORIZON,
        full_history=True,
        write=False,
        record=True,
    )
    bulk = result.rows
    assert Dossier.objects.count() == 0
    driven = drive(result.acts)
    # the scenario took the rare paths too
    states = {d.state for d in driven.values()}
    assert {"returned", "refused_intake"} <= states
    assert len(states) >= 4, states
    assert bulk[Apology] and bulk[Pause] and bulk[Refusal] and bulk[DossierRating]
    assert any(r["stage"] == "intake" for r in bulk[SupplementRequest])
    assert any(r["stage"] == "processing" for r in bulk[SupplementRequest])
    assert any(r["kind"] == "financial_obligation" for r in bulk[Pause])
    assert any(r["is_late"] for r in bulk[Apology]) and any(not r["is_late"] for r in bulk[Apology])
    assert any(r["store_item_id"] for r in bulk[DossierDocument])
    assert bulk[Mandate]
    kinds = {r["submitter_kind"] for r in bulk[Dossier]}
    assert {"self", "agent", "mandate", "representative"} <= kinds

    bulk_dossiers = bulk[Dossier]
    mandates_ours = {r["id"]: (r["grantor_id"], r["grantee_id"]) for r in bulk[Mandate]}
    mandates_theirs = {m.pk: (m.grantor_id, m.grantee_id) for m in Mandate.objects.all()}
    assert len(bulk_dossiers) == len(driven) == 70
    for key, real in driven.items():
        mine = bulk_dossiers[key]
        real_row = Dossier.objects.filter(pk=real.pk).values().get()
        assert real_row["reference"][0] == "N" and mine["reference"][0] == "S"
        ref = real_row["reference"]
        mine_ref = mine["reference"]

        def by_dossier(
            model: type[models.Model], order: str, mine_id: Any = mine["id"], real_id: int = real.pk
        ) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
            ours = [r for r in bulk.get(model, []) if r["dossier_id"] == mine_id]
            theirs = list(model.objects.filter(dossier_id=real_id).order_by(order, "id").values())
            ours.sort(key=lambda r: (0 if order == "id" else r[order], abs(r["id"])))
            return ours, theirs

        steps_ours, steps_theirs = by_dossier(DossierStep, "order")
        step_order_ours = {r["id"]: r["order"] for r in steps_ours}
        step_order_theirs = {r["id"]: r["order"] for r in steps_theirs}
        # the dossier, field by field
        theirs = _plain(real_row, SKIP | {"current_step_id", "mandate_id"})
        ours = {k: mine.get(k) for k in theirs}
        assert mandates_ours.get(mine["mandate_id"]) == mandates_theirs.get(real_row["mandate_id"])
        assert ours == theirs, (
            key,
            {k: (ours[k], theirs[k]) for k in ours if ours[k] != theirs[k]},
        )
        assert step_order_ours.get(mine["current_step_id"]) == step_order_theirs.get(
            real_row["current_step_id"]
        )
        # steps: names, roles, agencies, budgets, instants, outcomes
        skip = {"id", "dossier_id"}
        assert [_plain({k: r.get(k) for k in _fields(DossierStep)}, skip) for r in steps_ours] == [
            _plain(r, skip) for r in steps_theirs
        ], key
        # hand-overs (form 05)
        ours_h, theirs_h = by_dossier(Handover, "seq")
        assert [
            {**_plain(r, skip | {"step_id"}), "step": step_order_ours.get(r["step_id"])}
            for r in ours_h
        ] == [
            {**_plain(r, skip | {"step_id"}), "step": step_order_theirs.get(r["step_id"])}
            for r in theirs_h
        ], key
        # appointment changes, pauses, supplement requests, refusals, apology, components
        for model, order in (
            (AppointmentChange, "at"),
            (Pause, "started_at"),
            (Refusal, "at"),
            (Apology, "issued_at"),
            (DossierDocument, "id"),
            (DossierRating, "rated_at"),
        ):
            ours_m, theirs_m = by_dossier(model, order)
            names = [f for f in _fields(model) if f not in skip]
            assert [{f: r.get(f) for f in names} for r in ours_m] == [
                {f: r[f] for f in names} for r in theirs_m
            ], (key, model.__name__)
        # the electronic result of an electronic return and its data-store entry (the file
        # is the simulator's placeholder, not a notice signed for the dossier)
        ours_r, theirs_r = by_dossier(ElectronicResult, "created_at")
        names = [
            f
            for f in _fields(ElectronicResult)
            if f not in skip | {"file_id", "signer_subject", "development_certificate"}
        ]
        assert [{f: r.get(f) for f in names} for r in ours_r] == [
            {f: r[f] for f in names} for r in theirs_r
        ], key
        ours_i = [r for r in bulk.get(StoreItem, []) if r["source_dossier_id"] == mine["id"]]
        theirs_i = list(StoreItem.objects.filter(source_dossier_id=real.pk).values())
        names = [f for f in _fields(StoreItem) if f not in {"id", "file_id", "source_dossier_id"}]
        assert [{f: r.get(f) for f in names} for r in ours_i] == [
            {f: r[f] for f in names} for r in theirs_i
        ], key
        # every row of any table that points at the dossier is one the bulk path wrote too
        for rel in Dossier._meta.get_fields(include_hidden=True):
            if not (rel.is_relation and rel.auto_created and not rel.concrete):
                continue
            model = rel.related_model
            if model in DERIVED or not isinstance(model, type) or rel.many_to_many:
                continue
            column = rel.field.attname  # type: ignore[union-attr]
            theirs_n = model.objects.filter(**{column: real.pk}).count()
            ours_n = sum(1 for r in bulk.get(model, []) if r.get(column) == mine["id"])
            assert ours_n == theirs_n, (key, model.__name__, ours_n, theirs_n)
        ours_s, theirs_s = by_dossier(SupplementRequest, "requested_at")
        names = [f for f in _fields(SupplementRequest) if f not in skip | {"pause_id"}]
        assert [{f: r.get(f) for f in names} | {"paused": bool(r["pause_id"])} for r in ours_s] == [
            {f: r[f] for f in names} | {"paused": bool(r["pause_id"])} for r in theirs_s
        ], key
        # every transition's audit event and portal message, every citizen notice
        ours_a = [
            (r["action"], r["actor_id"], _mandate(_normalise(r["data"], mine_ref), mandates_ours))
            for r in bulk[AuditEvent]
            if r["object_type"] == "dossiers.dossier" and r["object_id"] == str(mine["id"])
        ]
        theirs_a = [
            (r.action, r.actor_id, _mandate(_normalise(r.data, ref), mandates_theirs))
            for r in AuditEvent.objects.filter(
                object_type="dossiers.dossier", object_id=str(real.pk)
            ).order_by("id")
        ]
        assert ours_a == theirs_a, key
        ours_o = [
            (r["topic"], _normalise(r["payload"], mine_ref))
            for r in bulk[OutboxMessage]
            if r["key"] == mine_ref
        ]
        theirs_o = [
            (r.topic, _normalise(r.payload, ref))
            for r in OutboxMessage.objects.filter(key=ref).order_by("id")
        ]
        assert ours_o == theirs_o, key
    # the audit events of the electronic results, by action
    actions = ("result.issued", "store.result_added")
    assert Counter(r["action"] for r in bulk[AuditEvent] if r["action"] in actions) == Counter(
        AuditEvent.objects.filter(action__in=actions).values_list("action", flat=True)
    )
    assert bulk[ElectronicResult], "no dossier was returned electronically"
    # the mandates the scenario set up
    assert sorted((r["grantor_id"], r["grantee_id"]) for r in bulk[Mandate]) == sorted(
        Mandate.objects.values_list("grantor_id", "grantee_id")
    )


def test_without_due_hints_the_same_rows(reference: None) -> None:
    """The vectorised due instants (``workcal.bulk_due``) are those of ``compute_deadline``."""
    common: dict[str, Any] = {
        "dossiers": 300, "first": FIRST, "last": LAST, "seed": 3, "horizon": HORIZON,
        "write": False,
    }  # fmt: skip
    fast = simulate(**common).rows[Dossier]
    slow = simulate(**common, use_due_hints=False).rows[Dossier]
    keys = ("code", "due_at", "appointment_at", "counted_from", "outcome", "state")
    assert [[r[k] for k in keys] for r in fast] == [[r[k] for k in keys] for r in slow]


def test_deterministic_with_the_seed(reference: None) -> None:
    common: dict[str, Any] = {"dossiers": 200, "first": FIRST, "last": LAST, "horizon": HORIZON}
    one = simulate(**common, seed=11, write=False).rows[Dossier]
    two = simulate(**common, seed=11, write=False).rows[Dossier]
    other = simulate(**common, seed=12, write=False).rows[Dossier]
    keys = ("reference", "code", "state", "submitted_at", "due_at", "applicant_id", "channel")
    assert [[r[k] for k in keys] for r in one] == [[r[k] for k in keys] for r in two]
    assert [[r[k] for k in keys] for r in one] != [[r[k] for k in keys] for r in other]


def test_the_published_shape_and_the_scorecard(reference: None) -> None:
    """Channel shares and on-time rate as published (Hà Nội communes, 2025), and
    ``scorecard_for`` reads the simulated data like any other."""
    result = simulate(
        dossiers=4000,
        first=dt.date(2026, 9, 1),
        last=dt.date(2026, 9, 30),
        seed=5,
        horizon=dt.datetime(2026, 11, 20, 17, tzinfo=VN_TZ),
    )
    summary = result.summary
    assert summary.dossiers == Dossier.objects.count() == 4000
    card = scorecard_for(parse_period("2026-09"), parse_scope("city"), compare=False)
    figures = card["figures"]
    received = figures["dossiers_received"]
    assert 3900 <= received <= 4000  # a few refused at intake
    assert 0.56 <= figures["dossiers_online"] / received <= 0.63
    assert 0.37 <= figures["dossiers_counter"] / received <= 0.44
    assert figures["dossiers_post"] / received < 0.01
    assert 99.0 <= figures["on_time_rate"] <= 100.0
    indicators = {i["metric"]: i for g in card["groups"] for i in g["indicators"]}
    assert indicators["DOSSIER_SYNC"]["ratio"] == 100.0  # one delivered message each
    assert indicators["PROGRESS_ON_TIME"]["score"] >= 19.8
    # reuse from the data store (indicator 4.3 counts dossiers with a reused component)
    reused = Dossier.objects.filter(documents__store_item__isnull=False).distinct().count()
    assert 0.10 <= reused / 4000 <= 0.25
    assert summary.reused == reused
    # codes are the real format, unique, gap-free per agency and day, counters match
    codes = list(Dossier.objects.exclude(code=None).values_list("receiving_agency_id", "code"))
    assert len({c for _a, c in codes}) == len(codes)
    last_by_key: dict[tuple[int, str], list[int]] = defaultdict(list)
    for agency, code in codes:
        prefix, _sep, seq = code.rpartition("-")
        last_by_key[(agency, prefix)].append(int(seq))
    for (agency, prefix), seqs in last_by_key.items():
        assert sorted(seqs) == list(range(1, len(seqs) + 1)), prefix
        day = dt.datetime.strptime(prefix.rsplit("-", 1)[1], "%y%m%d").date()  # noqa: DTZ007
        assert DossierCodeCounter.objects.get(agency_id=agency, day=day).last_value == len(seqs)
    # the national statuses agree with the states
    for d in Dossier.objects.all()[:500]:
        assert d.national_status == d.expected_national_status


def test_applicants_have_valid_identity_numbers() -> None:
    taken: set[str] = set()
    for index in range(0, 5000, 7):
        p = person(index, taken)
        info = parse_personal_id(p.personal_id, birth_date=p.birth_date, sex=p.sex)
        assert info.birth_year == p.birth_date.year
    assert len(taken) == len(range(0, 5000, 7))


def test_clear_removes_exactly_the_simulated_rows(reference: None) -> None:
    receiver = staff(Role.RECEIVER, agency_code="H26.30", point_code="H26.30.01")
    real = dossier_intake(
        actor=receiver,
        procedure_code="1.012783",
        applicant=CitizenProfileFactory(),
        at=dt.datetime(2026, 3, 4, 9, tzinfo=VN_TZ),
    )
    assert simulation_refusal() is not None
    simulate(dossiers=150, first=FIRST, last=LAST, seed=2, horizon=HORIZON)
    assert Dossier.objects.count() == 151
    assert User.objects.filter(username__startswith="sim-").exists()
    deleted = simulation_clear()
    assert deleted["dossiers.Dossier"] == 150
    assert list(Dossier.objects.values_list("pk", flat=True)) == [real.pk]
    assert not User.objects.filter(username__startswith="sim-").exists()
    assert not CitizenProfile.objects.filter(email__endswith="@sim.motcua.invalid").exists()
    assert not OutboxMessage.objects.filter(key__startswith="S").exists()
    assert Handover.objects.filter(dossier=real).count() == 1
    # counters of days without a remaining dossier are gone; the real one's stays
    assert DossierCodeCounter.objects.count() == 0  # the real dossier was never received


def test_cli_refuses_real_dossiers_and_prints_a_summary(
    reference: None, capsys: pytest.CaptureFixture[str]
) -> None:
    status = main(["simulate", "--dossiers", "120", "--from", "2026-03-02", "--to", "2026-03-27"])
    out, err = capsys.readouterr()
    assert status == 0, err
    assert "simulated: 120" in out and "on time" in out
    assert Dossier.objects.filter(reference__startswith="S").count() == 120
    status = main(["simulate", "--dossiers", "5", "--from", "2026-03-27", "--to", "2026-03-02"])
    assert status == 2
    assert "--to" in capsys.readouterr().err
    receiver = staff(Role.RECEIVER, agency_code="H26.30", point_code="H26.30.01")
    dossier_intake(
        actor=receiver,
        procedure_code="1.012783",
        applicant=CitizenProfileFactory(),
        at=dt.datetime(2026, 3, 4, 9, tzinfo=VN_TZ),
    )
    status = main(["simulate", "--dossiers", "5", "--from", "2026-03-02", "--to", "2026-03-27"])
    assert status == 1
    assert "--force" in capsys.readouterr().err
    assert main(["simulate", "--clear", "--json"]) == 0
    assert Dossier.objects.filter(reference__startswith="S").count() == 0


def test_profile_defaults_are_the_published_figures() -> None:
    profile = WorkloadProfile()
    assert round(profile.online_share * 100, 2) == 59.71
    assert round(profile.post_share * 100, 2) == 0.24
    assert round((1 - profile.late_share) * 100, 2) == 99.85


def test_builder_processes_write_the_same_rows(reference: None) -> None:
    """``--jobs``: chunks built in forked processes are the chunks built here."""
    common: dict[str, Any] = {
        "dossiers": 4500, "first": FIRST, "last": LAST, "seed": 13, "horizon": HORIZON,
    }  # fmt: skip
    expected = simulate(**common, write=False).rows[Dossier]
    simulate(**common, jobs=2)
    keys = ("reference", "code", "state", "due_at", "outcome", "applicant_id")
    written = sorted(Dossier.objects.values_list(*keys))
    assert written == sorted(tuple(r[k] for k in keys) for r in expected)
    # every hand-over belongs to a written dossier and the sequences moved past them
    assert Handover.objects.exclude(dossier__in=Dossier.objects.all()).count() == 0
    receiver = staff(Role.RECEIVER, agency_code="H26.30", point_code="H26.30.01")
    real = dossier_intake(
        actor=receiver,
        procedure_code="1.012783",
        applicant=CitizenProfileFactory(),
        at=dt.datetime(2026, 3, 4, 9, tzinfo=VN_TZ),
    )
    assert real.pk > max(Dossier.objects.exclude(pk=real.pk).values_list("pk", flat=True))


def test_constants_shared_with_the_results_module() -> None:
    from motcua.documents import results
    from motcua.simulate import builder

    assert builder.RESULT_TITLE_PREFIX == results.TITLE_PREFIX
    assert builder.RESULT_TITLE_MAX == results.TITLE_MAX
    assert builder.RESULT_AUDIT_PURPOSE == results.AUDIT_PURPOSE


def test_full_history_written_points_at_written_rows(reference: None) -> None:
    """Ids named by the audit events (objects, mandates, results) are those written."""
    simulate(
        dossiers=400, first=FIRST, last=LAST, seed=17, profile=BUSY, horizon=HORIZON,
        full_history=True,
    )  # fmt: skip
    dossiers = {str(pk) for pk in Dossier.objects.values_list("pk", flat=True)}
    events = AuditEvent.objects.filter(action__startswith="dossier.")
    assert events.count() == Handover.objects.count() + DossierRating.objects.count()
    assert {e.object_id for e in events} <= dossiers
    mandates = set(Mandate.objects.values_list("pk", flat=True))
    named = {e.data["mandate"] for e in events if e.data.get("mandate") is not None}
    assert named and named <= mandates
    results = set(ElectronicResult.objects.values_list("pk", flat=True))
    issued = AuditEvent.objects.filter(action="result.issued")
    assert {int(e.object_id) for e in issued} == results
    added = AuditEvent.objects.filter(action="store.result_added")
    assert {e.data["result"] for e in added} <= results
    assert {int(e.object_id) for e in added} == set(
        StoreItem.objects.filter(source=StoreItem.Source.RESULT).values_list("pk", flat=True)
    )
    portal = OutboxMessage.objects.filter(topic="national_portal.dossier").count()
    assert portal == Handover.objects.count()
