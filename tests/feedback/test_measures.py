"""Handling, on-time and satisfaction rates and repeated complaints on a worked example.

Six reports submitted on Monday 16/11/2026 (waste: Ba Đình → UBND Ba Đình by the commune rule,
Ngọc Hà → Sở Nông nghiệp và Môi trường by the city-wide rule):

====  =========  ==============================================  ==========================
 #    commune    what happens                                    counts as
====  =========  ==============================================  ==========================
 R1   Ba Đình    urgent, answered 14:00 (due 15:00), satisfied   handled, on time, satisfied
 R2   Ba Đình    normal, answered 8/12 (due 7/12), unsatisfied,  received, not handled (open
                 reopened                                        again), rated, repeated
 R3   Ba Đình    merged into R1, its reporter satisfied          not received (merged),
                                                                 rated, repeated
 R4   Ba Đình    rejected                                        rejected only
 R5   Ngọc Hà    normal, answered 8/12 (due 7/12), not rated     handled, late
 R6   Ngọc Hà    routed, not accepted; one citizen follows it    received, repeated
====  =========  ==============================================  ==========================

received = R1 R2 R5 R6 = 4, rejected = 1, handled = R1 R5 = 2 → handling rate 2/4 = 50 %;
on time = R1 = 1 of 2 handled → 50 %; rated = R1 R2 R3 = 3, satisfied = R1 R3 = 2 → 2/3;
repeated: (UBND Ba Đình, Ba Đình) 3 reports (R1 R2 R3), 2 repeats (R3 merged, R2 reopened);
(Sở NN&MT, Ngọc Hà) 2 reports (R5 R6), 1 repeat (the follower of R6).
"""

from __future__ import annotations

import pytest

from motcua.feedback.selectors import RepeatRow, feedback_measures
from motcua.feedback.services import (
    report_accept,
    report_answer,
    report_follow,
    report_merge,
    report_rate,
    report_reject,
    report_reopen,
)
from motcua.org.models import Agency
from motcua.org.roles import Role
from tests.factories import staff
from tests.feedback.conftest import NGOC_HA, POINT_B, FeedbackActors, submit, vn

pytestmark = pytest.mark.django_db

DONE = "Đã thu gom toàn bộ rác và xử lý điểm tập kết trái phép."


def test_worked_example(fb: FeedbackActors, rules: None) -> None:
    dept_receiver = staff(Role.RECEIVER, agency_code="H26.05")
    bd = fb.ba_dinh_receiver
    monday = vn(2026, 11, 16, 9)
    r1 = submit(fb.citizen, at=monday)
    r2 = submit(fb.citizen, at=monday, point=None, text="Rác ở chợ Ngọc Hà không ai thu gom")
    r3 = submit(fb.other_citizen, at=monday, point=POINT_B)
    r4 = submit(fb.citizen, at=monday, point=None, text="Tranh chấp đất đai với hàng xóm")
    r5 = submit(fb.citizen, at=monday, commune=NGOC_HA, point=None)
    r6 = submit(fb.citizen, at=monday, commune=NGOC_HA, point=None, text="Rác bên hồ Hữu Tiệp")

    report_accept(report=r1, actor=bd, level="urgent", at=vn(2026, 11, 16, 10))
    report_merge(primary=r1, duplicate=r3, actor=bd)
    report_answer(report=r1, actor=bd, text=DONE, at=vn(2026, 11, 16, 14))
    report_rate(report=r1, actor=fb.citizen, satisfied=True)
    report_rate(report=r3, actor=fb.other_citizen, satisfied=True)

    report_accept(report=r2, actor=bd, level="normal", at=vn(2026, 11, 16, 10))
    report_answer(report=r2, actor=bd, text=DONE, at=vn(2026, 12, 8, 9))
    report_rate(report=r2, actor=fb.citizen, satisfied=False)
    report_reopen(report=r2, actor=fb.citizen, at=vn(2026, 12, 8, 10))

    report_reject(report=r4, actor=bd, reason="Tranh chấp đất đai: không thuộc phản ánh")

    report_accept(report=r5, actor=dept_receiver, level="normal", at=vn(2026, 11, 16, 10))
    report_answer(report=r5, actor=dept_receiver, text=DONE, at=vn(2026, 12, 8, 9))
    report_follow(report=r6, actor=fb.other_citizen)

    m = feedback_measures(since=vn(2026, 11, 1, 0), until=vn(2026, 12, 1, 0))
    assert (m.received, m.rejected, m.handled, m.on_time) == (4, 1, 2, 1)
    assert (m.rated, m.satisfied) == (3, 2)
    assert m.handling_rate == 0.5
    assert m.on_time_rate == 0.5
    assert m.satisfaction_rate == pytest.approx(2 / 3)
    assert m.repeat_rows == [
        RepeatRow(agency_code="H26.00004", commune_code="00004", reports=3, repeated=2),
        RepeatRow(agency_code="H26.05", commune_code="00008", reports=2, repeated=1),
    ]

    ba_dinh = feedback_measures(
        since=vn(2026, 11, 1, 0),
        until=vn(2026, 12, 1, 0),
        agency=Agency.objects.get(code="H26.00004"),
    )
    assert (ba_dinh.received, ba_dinh.handled, ba_dinh.on_time) == (2, 1, 1)
    assert ba_dinh.on_time_rate == 1.0

    empty = feedback_measures(since=vn(2026, 1, 1, 0), until=vn(2026, 2, 1, 0))
    assert empty.handling_rate is None and empty.satisfaction_rate is None
