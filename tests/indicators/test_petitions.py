"""Decision 766 indicators 5.2 and 5.3 from citizen reports, on a worked example.

November 2026, counted as of Thursday 10/12/2026 00:00. Waste reports in Ba Đình go to
UBND Phường Ba Đình, in Ngọc Hà to Sở Nông nghiệp và Môi trường (the feedback tests' rules).

====  ========  ===============================================  =========  ==============
 #    commune   what happens                                     5.2        5.3
====  ========  ===============================================  =========  ==============
 P1   Ba Đình   urgent, answered in time, reporter satisfied;    on time    good (1 like,
                P1d merged into it, its reporter unsatisfied                1 dislike)
 P2   Ba Đình   normal, answered in time, rated unsatisfied      on time    bad (dislike)
 P3   Ba Đình   normal, answered in time, unsatisfied, reopened  on time    bad (dislike,
                (new clock of 15 working days from 20/11)        (open)     repeated)
 P4   Ngọc Hà   routed 16/11, never accepted (8 working hours)   late       bad (late)
 P5   Ba Đình   rejected: not counted                            —          —
 P6   Ba Đình   accepted 30/11 as normal, still open (due 21/12) on time    good
 P7   Ba Đình   submitted 1/12: another period                   —          —
====  ========  ===============================================  =========  ==============

City: 5 reports (P1 P2 P3 P4 P6). 5.2 = 4/5 = 80 % → 6 × 0.8 = 4.8;
5.3 = (5 − 3) / 5 = 40 % → 6 × 0.4 = 2.4.
UBND Phường Ba Đình: 4 reports (P1 P2 P3 P6). 5.2 = 4/4 → 6; 5.3 = 2/4 → 3.
No report at all: 6 and 6 (the portal's rule for units without PAKN).
"""

from __future__ import annotations

import pytest

from motcua.feedback.services import (
    report_accept,
    report_answer,
    report_merge,
    report_rate,
    report_reject,
    report_reopen,
)
from motcua.indicators.engine import MetricInput, ruleset_for, score_card
from motcua.indicators.selectors import parse_period, parse_scope, petition_inputs
from tests.feedback.conftest import (  # noqa: F401 - fixtures
    NGOC_HA,
    POINT_B,
    FeedbackActors,
    _fresh_calendar,
    _media,
    fb,
    rules,
    submit,
    vn,
)

pytestmark = pytest.mark.django_db

DONE = "Đã thu gom toàn bộ rác."
AS_OF = vn(2026, 12, 10, 0)


def _score(inputs: dict[str, MetricInput]) -> dict[str, float | None]:
    card = score_card(inputs, ruleset_for(vn(2026, 11, 1).date())).as_dict()
    return {
        ind["metric"]: ind["score"]
        for group in card["groups"]
        for ind in group["indicators"]
        if ind["metric"].startswith("PETITION_")
    }


def test_worked_example(fb: FeedbackActors, rules: None) -> None:  # noqa: F811
    bd = fb.ba_dinh_receiver
    monday = vn(2026, 11, 16, 9)
    p1 = submit(fb.citizen, at=monday)
    p1d = submit(fb.other_citizen, at=monday, point=POINT_B)
    p2 = submit(fb.citizen, at=monday, point=None, text="Rác ở chợ không ai thu gom")
    p3 = submit(fb.other_citizen, at=monday, point=None, text="Cống bốc mùi ở ngõ 5")
    submit(fb.citizen, at=monday, commune=NGOC_HA, point=None)  # P4
    p5 = submit(fb.citizen, at=monday, point=None, text="Tranh chấp đất đai với hàng xóm")
    p6 = submit(fb.citizen, at=vn(2026, 11, 30, 8), point=None, text="Rác ven hồ")
    submit(fb.citizen, at=vn(2026, 12, 1, 8), point=None, text="Rác tháng sau")  # P7

    report_accept(report=p1, actor=bd, level="urgent", at=vn(2026, 11, 16, 10))
    report_merge(primary=p1, duplicate=p1d, actor=bd, at=vn(2026, 11, 16, 10))
    report_answer(report=p1, actor=bd, text=DONE, at=vn(2026, 11, 16, 14))
    report_rate(report=p1, actor=fb.citizen, satisfied=True)
    report_rate(report=p1d, actor=fb.other_citizen, satisfied=False)

    report_accept(report=p2, actor=bd, level="normal", at=vn(2026, 11, 16, 10))
    report_answer(report=p2, actor=bd, text=DONE, at=vn(2026, 11, 18, 10))
    report_rate(report=p2, actor=fb.citizen, satisfied=False)

    report_accept(report=p3, actor=bd, level="normal", at=vn(2026, 11, 16, 10))
    report_answer(report=p3, actor=bd, text=DONE, at=vn(2026, 11, 19, 10))
    report_rate(report=p3, actor=fb.other_citizen, satisfied=False)
    report_reopen(report=p3, actor=fb.other_citizen, at=vn(2026, 11, 20, 9))

    report_reject(report=p5, actor=bd, reason="Tranh chấp đất đai: không thuộc phản ánh")
    report_accept(report=p6, actor=bd, level="normal", at=vn(2026, 11, 30, 9))

    november = parse_period("2026-11")
    city = petition_inputs(november, parse_scope("city"), as_of=AS_OF)
    assert city["PETITION_PROCESSING_ON_TIME"] == MetricInput(4, 5)
    assert city["PETITION_HANDLING_SATISFACTION"] == MetricInput(2, 5)
    assert _score(city) == {
        "PETITION_PROCESSING_ON_TIME": 4.8,
        "PETITION_HANDLING_SATISFACTION": 2.4,
    }

    ba_dinh = petition_inputs(november, parse_scope("agency:H26.00004"), as_of=AS_OF)
    assert ba_dinh["PETITION_PROCESSING_ON_TIME"] == MetricInput(4, 4)
    assert ba_dinh["PETITION_HANDLING_SATISFACTION"] == MetricInput(2, 4)
    assert _score(ba_dinh) == {
        "PETITION_PROCESSING_ON_TIME": 6.0,
        "PETITION_HANDLING_SATISFACTION": 3.0,
    }

    # counted before P6's acceptance deadline passed and before P4's: P4 still in time
    early = petition_inputs(november, parse_scope("city"), as_of=vn(2026, 11, 16, 12))
    assert early["PETITION_PROCESSING_ON_TIME"] == MetricInput(5, 5)


def test_no_report_gives_full_marks(fb: FeedbackActors) -> None:  # noqa: F811
    inputs = petition_inputs(parse_period("2026-10"), parse_scope("city"), as_of=AS_OF)
    assert inputs["PETITION_PROCESSING_ON_TIME"] == MetricInput(0, 0)
    assert _score(inputs) == {
        "PETITION_PROCESSING_ON_TIME": 6.0,
        "PETITION_HANDLING_SATISFACTION": 6.0,
    }
