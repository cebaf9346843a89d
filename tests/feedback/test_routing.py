"""Routing rules, procedure reports, the dispatcher, return and rejection."""

from __future__ import annotations

import pytest

from motcua.core.errors import DomainError, ErrorKind
from motcua.dossiers.services import dossier_receive
from motcua.feedback.models import Report
from motcua.feedback.services import report_reject, report_return, report_route
from tests.dossiers.conftest import Actors, actors, take_in  # noqa: F401  (fixture)
from tests.feedback.conftest import (
    BA_DINH_AGENCY,
    NGOC_HA,
    FeedbackActors,
    submit,
    vn,
)

pytestmark = pytest.mark.django_db


def test_commune_rule_wins_over_city_wide_rule(fb: FeedbackActors, rules: None) -> None:
    report = submit(fb.citizen, category="waste")
    assert report.status == Report.Status.ROUTED
    assert report.agency is not None and report.agency.code == BA_DINH_AGENCY
    assert report.routed_at == vn(2026, 11, 16, 9)


def test_city_wide_rule_applies_in_other_communes(fb: FeedbackActors, rules: None) -> None:
    report = submit(fb.citizen, category="waste", commune=NGOC_HA, point=None)
    assert report.agency is not None and report.agency.code == "H26.05"
    lighting = submit(fb.citizen, category="lighting", text="Đèn đường hỏng cả dãy phố tối om")
    assert lighting.agency is not None and lighting.agency.code == "H26.04"


def test_no_rule_waits_for_the_dispatcher(fb: FeedbackActors, rules: None) -> None:
    report = submit(fb.citizen, category="drainage", text="Cống thoát nước bị tắc gây ngập")
    assert report.status == Report.Status.SUBMITTED
    assert report.agency is None
    assert report.accept_due_at is None


def test_inactive_rule_is_ignored(fb: FeedbackActors, rules: None) -> None:
    from motcua.feedback.models import RoutingRule

    RoutingRule.objects.filter(category="lighting").update(is_active=False)
    report = submit(fb.citizen, category="lighting", text="Đèn đường hỏng cả dãy phố tối om")
    assert report.agency is None


def test_procedure_report_goes_to_the_owning_agency(fb: FeedbackActors, rules: None) -> None:
    report = submit(
        fb.citizen,
        category="procedure",
        text="Hướng dẫn thủ tục cấp đổi sổ đỏ không rõ ràng",
        procedure_code="1.012783",
    )
    assert report.agency is not None and report.agency.code == "H26.05"


def test_dossier_report_goes_to_the_procedure_owner(
    fb: FeedbackActors,
    actors: Actors,  # noqa: F811 - the fixture
    rules: None,
) -> None:
    dossier = dossier_receive(
        dossier=take_in(actors, vn(2026, 11, 10, 9)),
        actor=actors.receiver,
        at=vn(2026, 11, 10, 9, 5),
    )
    assert dossier.code
    report = submit(
        fb.citizen,
        category="procedure",
        text="Hồ sơ của tôi quá hạn mà không được xin lỗi",
        dossier_code=dossier.code,
    )
    assert report.dossier == dossier
    assert report.procedure is not None and report.procedure.code == "1.012783"
    assert report.agency is not None and report.agency.code == "H26.05"


def test_dispatcher_routes_and_others_may_not(fb: FeedbackActors) -> None:
    report = submit(fb.citizen, category="drainage", text="Cống thoát nước bị tắc gây ngập")
    for outsider in (fb.citizen, fb.ba_dinh_receiver, fb.city_supervisor_elsewhere):
        with pytest.raises(DomainError) as err:
            report_route(report=report, actor=outsider, agency_code=BA_DINH_AGENCY)
        assert err.value.kind is ErrorKind.FORBIDDEN
    with pytest.raises(DomainError) as err:
        report_route(report=report, actor=fb.dispatcher, agency_code="NOPE")
    assert "agency" in err.value.fields
    routed = report_route(
        report=report, actor=fb.dispatcher, agency_code=BA_DINH_AGENCY, at=vn(2026, 11, 16, 14)
    )
    assert routed.status == Report.Status.ROUTED
    # Re-routed: 8 working hours from the routing (3 h Monday afternoon + 5 h Tuesday).
    assert routed.accept_due_at == vn(2026, 11, 17, 14)
    with pytest.raises(DomainError) as err:
        report_route(report=routed, actor=fb.dispatcher, agency_code=BA_DINH_AGENCY)
    assert err.value.kind is ErrorKind.CONFLICT


def test_return_to_dispatcher(fb: FeedbackActors, rules: None) -> None:
    report = submit(fb.citizen)
    with pytest.raises(DomainError) as err:
        report_return(report=report, actor=fb.ngoc_ha_receiver, reason="Không thuộc địa bàn")
    assert err.value.kind is ErrorKind.FORBIDDEN
    with pytest.raises(DomainError) as err:
        report_return(report=report, actor=fb.ba_dinh_receiver, reason="")
    assert "reason" in err.value.fields
    back = report_return(report=report, actor=fb.ba_dinh_receiver, reason="Không thuộc địa bàn")
    assert back.status == Report.Status.SUBMITTED
    assert back.agency is None


def test_reject_with_reason(fb: FeedbackActors, rules: None) -> None:
    report = submit(fb.citizen)
    with pytest.raises(DomainError) as err:
        report_reject(report=report, actor=fb.ba_dinh_receiver, reason="  ")
    assert "reason" in err.value.fields
    with pytest.raises(DomainError) as err:
        report_reject(report=report, actor=fb.dispatcher, reason="Nội dung khiếu nại đất đai")
    assert err.value.kind is ErrorKind.FORBIDDEN  # routed: the agency decides
    rejected = report_reject(
        report=report, actor=fb.ba_dinh_receiver, reason="Nội dung khiếu nại đất đai"
    )
    assert rejected.status == Report.Status.REJECTED
    assert rejected.rejection_reason == "Nội dung khiếu nại đất đai"


def test_dispatcher_rejects_waiting_report(fb: FeedbackActors) -> None:
    report = submit(fb.citizen, category="drainage", text="Cống thoát nước bị tắc gây ngập")
    rejected = report_reject(report=report, actor=fb.dispatcher, reason="Thông tin không rõ")
    assert rejected.status == Report.Status.REJECTED
