"""Duplicate suggestions (radius, accent-insensitive text), following, merging."""

from __future__ import annotations

from typing import Any

import pytest

from motcua.core.errors import DomainError, ErrorKind
from motcua.feedback.models import Report, ReportFollower
from motcua.feedback.selectors import (
    duplicate_suggestions,
    haversine_m,
    report_current_answer,
    text_similarity,
)
from motcua.feedback.services import (
    report_accept,
    report_answer,
    report_follow,
    report_merge,
    report_rate,
    report_reopen,
)
from tests.feedback.conftest import (
    BA_DINH,
    NGOC_HA,
    POINT_A,
    POINT_B,
    POINT_FAR,
    FeedbackActors,
    submit,
    vn,
)

pytestmark = pytest.mark.django_db


def test_haversine_known_distances() -> None:
    # 0.001° of latitude ≈ 111.2 m anywhere.
    assert haversine_m(*POINT_A, *POINT_B) == pytest.approx(111.2, abs=0.2)
    # Hoàn Kiếm Lake (21.0288, 105.8525) to Hồ Tây (21.0583, 105.8195): about 4.7 km.
    assert haversine_m(21.0288, 105.8525, 21.0583, 105.8195) == pytest.approx(4740, rel=0.02)
    assert haversine_m(*POINT_A, *POINT_A) == 0.0


def test_text_similarity_is_accent_insensitive() -> None:
    a = "Rác thải tập kết trái phép đầu ngõ 12"
    b = "rac thai tap ket trai phep dau ngo 12"
    assert text_similarity(a, b) == 1.0
    assert text_similarity(a, "Đèn đường hỏng") == 0.0


def _suggest(report_like: dict[str, Any]) -> list[int]:
    return [s.report.pk for s in duplicate_suggestions(**report_like)]


def test_open_report_nearby_is_suggested(fb: FeedbackActors, rules: None) -> None:
    existing = submit(fb.citizen, point=POINT_A, text="Rác ùn ứ ở ngõ, bốc mùi hôi thối")
    other_category = submit(
        fb.citizen, category="lighting", point=POINT_A, text="Đèn đường hỏng cả dãy phố"
    )
    found = duplicate_suggestions(
        category="waste",
        commune_id=None,
        text="Có đống rác lớn",
        latitude=POINT_B[0],
        longitude=POINT_B[1],
    )
    assert [s.report.pk for s in found] == [existing.pk]
    assert found[0].reason == "nearby"
    assert found[0].distance_m == pytest.approx(111.2, abs=0.2)
    assert other_category.pk not in [s.report.pk for s in found]


def test_radius_is_configurable(fb: FeedbackActors, rules: None, settings: Any) -> None:
    existing = submit(fb.citizen, point=POINT_A, text="Rác ùn ứ ở ngõ, bốc mùi hôi thối")
    near = {
        "category": "waste",
        "commune_id": None,
        "text": "x",
        "latitude": POINT_B[0],
        "longitude": POINT_B[1],
    }
    settings.MOTCUA_FEEDBACK_DUPLICATE_RADIUS_M = 100
    assert _suggest(near) == []
    settings.MOTCUA_FEEDBACK_DUPLICATE_RADIUS_M = 120
    assert _suggest(near) == [existing.pk]


def test_far_report_with_different_text_is_not_suggested(fb: FeedbackActors, rules: None) -> None:
    submit(fb.citizen, point=POINT_A, text="Rác ùn ứ ở ngõ, bốc mùi hôi thối")
    assert (
        _suggest(
            {
                "category": "waste",
                "commune_id": None,
                "text": "Xe chở phế thải đổ trộm ban đêm",
                "latitude": POINT_FAR[0],
                "longitude": POINT_FAR[1],
            }
        )
        == []
    )


def test_same_commune_similar_text_without_position(fb: FeedbackActors, rules: None) -> None:
    existing = submit(
        fb.citizen, point=None, text="Rác thải tập kết trái phép ở đầu ngõ 12 Đội Cấn"
    )
    commune_id = existing.commune_id
    found = duplicate_suggestions(
        category="waste",
        commune_id=commune_id,
        text="rac thai tap ket trai phep o dau ngo 12 doi can",
    )
    assert [(s.report.pk, s.reason) for s in found] == [(existing.pk, "similar_text")]
    other_commune = submit(
        fb.citizen,
        commune=NGOC_HA,
        point=None,
        text="Rác thải tập kết trái phép ở đầu ngõ 12 Đội Cấn",
    )
    assert other_commune.pk not in [
        s.report.pk
        for s in duplicate_suggestions(category="waste", commune_id=commune_id, text="rac thai")
    ]
    # Dissimilar text in the same commune is not suggested.
    assert (
        duplicate_suggestions(
            category="waste", commune_id=commune_id, text="Vỉa hè bị lấn chiếm để kinh doanh"
        )
        == []
    )


def test_closed_reports_are_not_suggested(fb: FeedbackActors, rules: None) -> None:
    existing = submit(fb.citizen, point=POINT_A)
    Report.objects.filter(pk=existing.pk).update(status=Report.Status.REJECTED)
    assert (
        _suggest(
            {
                "category": "waste",
                "commune_id": existing.commune_id,
                "text": existing.text,
                "latitude": POINT_A[0],
                "longitude": POINT_A[1],
            }
        )
        == []
    )


def test_citizen_adds_themselves_instead_of_filing(fb: FeedbackActors, rules: None) -> None:
    existing = submit(fb.citizen)
    follower = report_follow(report=existing, actor=fb.other_citizen)
    assert follower.report == existing
    with pytest.raises(DomainError) as err:
        report_follow(report=existing, actor=fb.other_citizen)
    assert err.value.code == "feedback.already_following"
    with pytest.raises(DomainError) as err:
        report_follow(report=existing, actor=None)
    assert "contact_phone" in err.value.fields
    report_follow(report=existing, actor=None, contact_email="ban@example.vn")
    assert ReportFollower.objects.filter(report=existing).count() == 2


def test_merged_reports_share_one_answer_and_one_clock(fb: FeedbackActors, rules: None) -> None:
    primary = submit(fb.citizen, at=vn(2026, 11, 16, 9))
    duplicate = submit(fb.other_citizen, at=vn(2026, 11, 16, 10), point=POINT_B)
    report_accept(
        report=primary, actor=fb.ba_dinh_receiver, level="urgent", at=vn(2026, 11, 16, 16)
    )
    with pytest.raises(DomainError) as err:
        report_merge(primary=primary, duplicate=duplicate, actor=fb.ngoc_ha_receiver)
    assert err.value.kind is ErrorKind.FORBIDDEN
    with pytest.raises(DomainError) as err:
        report_merge(primary=primary, duplicate=primary, actor=fb.ba_dinh_receiver)
    assert "duplicate" in err.value.fields
    merged = report_merge(primary=primary, duplicate=duplicate, actor=fb.ba_dinh_receiver)
    assert merged.status == Report.Status.MERGED
    assert merged.merged_into_id == primary.pk
    assert merged.due_at == vn(2026, 11, 17, 11)  # the primary's urgent clock
    assert merged.level == "urgent"
    # A merged report can no longer be the primary of another merge.
    third = submit(fb.citizen, at=vn(2026, 11, 16, 11), point=POINT_A)
    with pytest.raises(DomainError) as err:
        report_merge(primary=merged, duplicate=third, actor=fb.dispatcher)
    assert err.value.kind is ErrorKind.CONFLICT

    answer = report_answer(
        report=primary,
        actor=fb.ba_dinh_processor,
        text="Đã thu gom toàn bộ rác và xử lý điểm tập kết trái phép.",
        at=vn(2026, 11, 17, 10),
    )
    assert report_current_answer(duplicate) == answer
    # The duplicate's reporter rates the shared answer; reopening reopens the primary.
    report_rate(report=duplicate, actor=fb.other_citizen, satisfied=False)
    reopened = report_reopen(report=duplicate, actor=fb.other_citizen, at=vn(2026, 11, 18, 9))
    assert reopened.pk == primary.pk
    assert reopened.status == Report.Status.ACCEPTED
    duplicate.refresh_from_db()
    # Urgent from Wednesday 09:00: 3 h until noon + 1 h → 14:00.
    assert duplicate.due_at == reopened.due_at == vn(2026, 11, 18, 14)


def test_dispatcher_merges_waiting_reports(fb: FeedbackActors) -> None:
    a = submit(fb.citizen, category="drainage", text="Cống thoát nước bị tắc gây ngập")
    b = submit(fb.other_citizen, category="drainage", text="Ngập sâu do tắc cống thoát nước")
    c = submit(fb.other_citizen, category="drainage", text="Ngập do cống thoát nước tắc")
    report_merge(primary=b, duplicate=c, actor=fb.dispatcher)
    report_merge(primary=a, duplicate=b, actor=fb.dispatcher)
    c.refresh_from_db()
    assert c.merged_into_id == a.pk  # moved with its primary
    assert Report.objects.filter(merged_into=a).count() == 2
    assert BA_DINH  # the commune of all three
