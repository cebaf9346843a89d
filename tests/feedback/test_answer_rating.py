"""Answers, ratings, reopening once, and who may do what."""

from __future__ import annotations

import pytest

from motcua.core.errors import DomainError, ErrorKind
from motcua.feedback.models import Report, ReportPhoto
from motcua.feedback.selectors import report_public_view
from motcua.feedback.services import (
    report_accept,
    report_answer,
    report_rate,
    report_reopen,
)
from tests.feedback.conftest import FeedbackActors, jpeg_bytes, submit, upload, vn

pytestmark = pytest.mark.django_db

ANSWER = "Đã thu gom toàn bộ rác và xử lý điểm tập kết trái phép."


def _accepted(fb: FeedbackActors, level: str = "urgent") -> Report:
    report = submit(fb.citizen, at=vn(2026, 11, 16, 9), contact_phone="0912345678")
    return report_accept(
        report=report, actor=fb.ba_dinh_receiver, level=level, at=vn(2026, 11, 16, 10)
    )


def test_only_staff_of_the_agency_may_accept_and_answer(fb: FeedbackActors, rules: None) -> None:
    report = submit(fb.citizen)
    for outsider in (fb.ngoc_ha_receiver, fb.ba_dinh_processor, fb.citizen, fb.dispatcher):
        with pytest.raises(DomainError) as err:
            report_accept(report=report, actor=outsider, level="normal")
        assert err.value.kind is ErrorKind.FORBIDDEN
    report_accept(report=report, actor=fb.ba_dinh_receiver, level="normal")
    for outsider in (fb.ngoc_ha_receiver, fb.citizen, fb.dispatcher):
        with pytest.raises(DomainError) as err:
            report_answer(report=report, actor=outsider, text=ANSWER)
        assert err.value.kind is ErrorKind.FORBIDDEN
    with pytest.raises(DomainError) as err:
        report_answer(report=report, actor=fb.ba_dinh_processor, text="ok")
    assert "text" in err.value.fields
    answer = report_answer(report=report, actor=fb.ba_dinh_processor, text=ANSWER)
    assert answer.agency.code == "H26.00004"


def test_answer_before_acceptance_is_a_conflict(fb: FeedbackActors, rules: None) -> None:
    report = submit(fb.citizen)
    with pytest.raises(DomainError) as err:
        report_answer(report=report, actor=fb.ba_dinh_receiver, text=ANSWER)
    assert err.value.kind is ErrorKind.CONFLICT


def test_answer_with_photo_and_lateness(fb: FeedbackActors, rules: None) -> None:
    report = _accepted(fb)  # urgent from Monday 10:00: 2 h morning + 2 h afternoon
    assert report.due_at == vn(2026, 11, 16, 15)
    report_answer(
        report=report,
        actor=fb.ba_dinh_processor,
        text=ANSWER,
        photos=[upload(jpeg_bytes())],
        at=vn(2026, 11, 16, 15, 1),
    )
    report.refresh_from_db()
    assert report.status == Report.Status.ANSWERED
    assert report.answered_late is True
    assert ReportPhoto.objects.filter(report=report, answer__isnull=False).count() == 1


def test_public_view_hides_personal_data(fb: FeedbackActors, rules: None) -> None:
    report = _accepted(fb)
    report_answer(
        report=report, actor=fb.ba_dinh_processor, text=ANSWER, photos=[upload(jpeg_bytes())]
    )
    view = report_public_view(report)
    flat = repr(view)
    assert view["answer"]["text"] == ANSWER
    assert len(view["answer"]["photos"]) == 1
    assert "/public/" in view["answer"]["photos"][0]
    assert "0912345678" not in flat
    assert fb.citizen.username not in flat
    assert "reporter" not in view and "contact_phone" not in view


def test_only_the_reporter_rates_once(fb: FeedbackActors, rules: None) -> None:
    report = _accepted(fb)
    with pytest.raises(DomainError) as err:
        report_rate(report=report, actor=fb.citizen, satisfied=True)
    assert err.value.kind is ErrorKind.CONFLICT  # not answered yet
    report_answer(report=report, actor=fb.ba_dinh_processor, text=ANSWER)
    with pytest.raises(DomainError) as err:
        report_rate(report=report, actor=fb.other_citizen, satisfied=True)
    assert err.value.kind is ErrorKind.FORBIDDEN
    rated = report_rate(report=report, actor=fb.citizen, satisfied=True)
    assert rated.satisfied is True
    with pytest.raises(DomainError) as err:
        report_rate(report=report, actor=fb.citizen, satisfied=False)
    assert err.value.code == "feedback.already_rated"
    with pytest.raises(DomainError) as err:
        report_reopen(report=report, actor=fb.citizen)
    assert err.value.code == "feedback.reopen_needs_unsatisfied"


def test_reopen_only_once(fb: FeedbackActors, rules: None) -> None:
    report = _accepted(fb, level="normal")
    report_answer(report=report, actor=fb.ba_dinh_processor, text=ANSWER, at=vn(2026, 11, 17, 9))
    report_rate(report=report, actor=fb.citizen, satisfied=False)
    with pytest.raises(DomainError) as err:
        report_reopen(report=report, actor=fb.other_citizen)
    assert err.value.kind is ErrorKind.FORBIDDEN
    reopened = report_reopen(report=report, actor=fb.citizen, at=vn(2026, 11, 17, 10))
    assert reopened.status == Report.Status.ACCEPTED
    assert reopened.reopen_count == 1 and reopened.reopened
    # A new clock of the level from the reopening: 15 working days after 17/11.
    assert reopened.due_at == vn(2026, 12, 8, 17)
    report_answer(report=report, actor=fb.ba_dinh_processor, text=ANSWER + " Lần 2.")
    report.refresh_from_db()
    assert report.satisfied is None  # the new answer is rated anew
    report_rate(report=report, actor=fb.citizen, satisfied=False)
    with pytest.raises(DomainError) as err:
        report_reopen(report=report, actor=fb.citizen)
    assert err.value.code == "feedback.reopen_once"
    report.refresh_from_db()
    assert report.status == Report.Status.ANSWERED


def test_answer_queues_a_notice_for_reporters_and_followers(
    fb: FeedbackActors, rules: None
) -> None:
    from motcua.feedback.services import report_follow, report_merge
    from motcua.integrations.models import OutboxMessage

    report = _accepted(fb)
    duplicate = submit(fb.other_citizen, at=vn(2026, 11, 16, 9, 30))
    report_merge(primary=report, duplicate=duplicate, actor=fb.ba_dinh_receiver)
    follower = fb.dispatcher  # any account may follow
    report_follow(report=report, actor=follower)
    report_answer(report=report, actor=fb.ba_dinh_processor, text=ANSWER)
    message = OutboxMessage.objects.get(topic="notify.citizen", key=f"feedback-{report.pk}")
    assert message.payload["template"] == "feedback.answered"
    assert sorted(message.payload["reports"]) == sorted([report.pk, duplicate.pk])
    assert message.payload["user_ids"] == sorted([fb.citizen.pk, fb.other_citizen.pk, follower.pk])
    assert "0912345678" not in repr(message.payload)
