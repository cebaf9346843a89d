"""Acceptance within 8 working hours and handling deadlines per level (workcal)."""

from __future__ import annotations

from typing import Any

import pytest

from motcua.core.errors import DomainError, ErrorKind
from motcua.feedback.models import Report
from motcua.feedback.services import report_accept, report_set_level
from tests.feedback.conftest import FeedbackActors, submit, vn

pytestmark = pytest.mark.django_db


def test_acceptance_due_after_eight_working_hours(fb: FeedbackActors, rules: None) -> None:
    # Monday 16/11/2026 09:00: 3 h until noon, 4 h in the afternoon, 1 h on Tuesday.
    report = submit(fb.citizen, at=vn(2026, 11, 16, 9))
    assert report.accept_due_at == vn(2026, 11, 17, 9)


def test_acceptance_clock_skips_the_weekend(fb: FeedbackActors, rules: None) -> None:
    # Friday 20/11/2026 15:00: 2 h on Friday, 6 h on Monday 23/11 → 15:00.
    report = submit(fb.citizen, at=vn(2026, 11, 20, 15))
    assert report.accept_due_at == vn(2026, 11, 23, 15)


def test_acceptance_clock_skips_a_holiday(fb: FeedbackActors, rules: None) -> None:
    # Wednesday 29/4/2026 16:00: 1 h; 30/4 and 1/5 are holidays, 2–3/5 the weekend;
    # 7 h on Monday 4/5 → 16:00.
    report = submit(fb.citizen, at=vn(2026, 4, 29, 16))
    assert report.accept_due_at == vn(2026, 5, 4, 16)


def test_late_acceptance_is_recorded(fb: FeedbackActors, rules: None) -> None:
    on_time = submit(fb.citizen, at=vn(2026, 11, 16, 9))
    report_accept(report=on_time, actor=fb.ba_dinh_receiver, level="normal", at=vn(2026, 11, 17, 9))
    on_time.refresh_from_db()
    assert on_time.accepted_late is False
    late = submit(fb.citizen, at=vn(2026, 11, 16, 9), point=None)
    report_accept(report=late, actor=fb.ba_dinh_receiver, level="normal", at=vn(2026, 11, 17, 9, 1))
    late.refresh_from_db()
    assert late.accepted_late is True
    assert late.status == Report.Status.ACCEPTED


@pytest.mark.parametrize(
    ("level", "accepted", "due"),
    [
        # urgent: 4 working hours; Monday 16:00 → 1 h Monday, 3 h Tuesday morning.
        ("urgent", vn(2026, 11, 16, 16), vn(2026, 11, 17, 11)),
        # urgent across the weekend: Friday 15:00 → 2 h Friday, 2 h Monday.
        ("urgent", vn(2026, 11, 20, 15), vn(2026, 11, 23, 10)),
        # normal: 15 working days after the acceptance day, at closing (24/11 is worked).
        ("normal", vn(2026, 11, 16, 16), vn(2026, 12, 7, 17)),
        # complex: 30 working days.
        ("complex", vn(2026, 11, 16, 16), vn(2026, 12, 28, 17)),
    ],
)
def test_due_instant_per_level(
    fb: FeedbackActors, rules: None, level: str, accepted: Any, due: Any
) -> None:
    report = submit(fb.citizen, at=accepted)
    accepted_report = report_accept(
        report=report, actor=fb.ba_dinh_receiver, level=level, at=accepted
    )
    assert accepted_report.level == level
    assert accepted_report.due_at == due


def test_normal_deadline_is_configurable(fb: FeedbackActors, rules: None, settings: Any) -> None:
    settings.MOTCUA_FEEDBACK_NORMAL_WORKING_DAYS = 5
    report = submit(fb.citizen, at=vn(2026, 11, 16, 9))
    accepted = report_accept(
        report=report, actor=fb.ba_dinh_receiver, level="normal", at=vn(2026, 11, 16, 10)
    )
    assert accepted.due_at == vn(2026, 11, 23, 17)


def test_set_level_recomputes_from_acceptance(fb: FeedbackActors, rules: None) -> None:
    report = submit(fb.citizen, at=vn(2026, 11, 16, 9))
    report_accept(report=report, actor=fb.ba_dinh_receiver, level="normal", at=vn(2026, 11, 16, 16))
    changed = report_set_level(
        report=report, actor=fb.ba_dinh_processor, level="urgent", at=vn(2026, 11, 17, 8)
    )
    assert changed.due_at == vn(2026, 11, 17, 11)
    with pytest.raises(DomainError) as err:
        report_set_level(report=report, actor=fb.ngoc_ha_receiver, level="complex")
    assert err.value.kind is ErrorKind.FORBIDDEN


def test_accept_needs_a_valid_level(fb: FeedbackActors, rules: None) -> None:
    report = submit(fb.citizen)
    with pytest.raises(DomainError) as err:
        report_accept(report=report, actor=fb.ba_dinh_receiver, level="very")
    assert "level" in err.value.fields
