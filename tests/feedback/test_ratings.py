"""Satisfaction ratings of returned dossiers (Circular 01/2018, Arts 12–15): who may rate,
bad input, and the aggregate on a worked example.

Worked example: four dossiers of procedure 1.012783 (competent: H26.05), returned and rated
("-" = not rated):

=====  ===  ===  ===  ===  ===  ===  ===  ===  ===
 #      1    2    3    4    5    6    7    8    9
=====  ===  ===  ===  ===  ===  ===  ===  ===  ===
 D1     2    2    2    1    -    2    2    -    -
 D2     1    1    1    1    -    2    1    -    -
 D3     0    1    2    1    -    1    1    -    2
 D4     2    2    0    0    -    2    2    -    -
=====  ===  ===  ===  ===  ===  ===  ===  ===  ===

Index scores (sum / dossiers with a score, one decimal, halves up):
1: 5/4 = 1.25 → 1.3; 2: 6/4 = 1.5; 3: 5/4 → 1.3; 4: 3/4 = 0.75 → 0.8; 5: no data;
6: 7/4 = 1.75 → 1.8; 7: 6/4 = 1.5; 8: no data; 9: 2/1 = 2.0.
Officials (1+2+3+4+7): 1.3 + 1.5 + 1.3 + 0.8 + 1.5 = 6.4 ≥ 5 → 100 % of the task.
Unit (all with data): 6.4 + 1.8 + 2.0 = 10.2 → 9 to < 12: khá (fair).
The second processor handled D3 only: 0 + 1 + 2 + 1 + 1 = 5.0 → exactly 5: 100 %.
"""

from __future__ import annotations

import dataclasses
from decimal import Decimal

import pytest

from motcua.core.errors import DomainError, ErrorKind
from motcua.dossiers.states import State
from motcua.feedback.models import DossierRating
from motcua.feedback.rating import official_band, unit_band
from motcua.feedback.selectors import rating_aggregate
from motcua.feedback.services import dossier_rate
from motcua.org.models import Agency, User
from motcua.org.roles import Role
from tests.backoffice.conftest import drive
from tests.dossiers import conftest as dossier_fixtures
from tests.dossiers.conftest import Actors, take_in, vn
from tests.factories import UserFactory, staff

pytestmark = pytest.mark.django_db

actors = dossier_fixtures.actors  # the dossier tests' fixture

TABLE = {
    "D1": {1: 2, 2: 2, 3: 2, 4: 1, 6: 2, 7: 2},
    "D2": {1: 1, 2: 1, 3: 1, 4: 1, 6: 2, 7: 1},
    "D3": {1: 0, 2: 1, 3: 2, 4: 1, 6: 1, 7: 1, 9: 2},
    "D4": {1: 2, 2: 2, 3: 0, 4: 0, 6: 2, 7: 2},
}


@pytest.fixture
def citizen(actors: Actors) -> User:
    user = UserFactory(roles=[Role.CITIZEN])
    actors.profile.user = user
    actors.profile.save()
    return user


def test_worked_example(actors: Actors, citizen: User) -> None:
    second = staff(Role.PROCESSOR, agency_code="H26.05")
    days = {"D1": 2, "D2": 3, "D3": 4, "D4": 5}
    for name, scores in TABLE.items():
        people = dataclasses.replace(actors, processor=second) if name == "D3" else actors
        d = drive(people, State.RETURNED, start=vn(2026, 11, days[name], 9))
        dossier_rate(
            dossier=d, actor=citizen, scores=dict(scores), comment=f"{name}: cảm ơn cán bộ"
        )

    since, until = vn(2026, 11, 1, 0), vn(2027, 1, 1, 0)
    city = rating_aggregate(since=since, until=until)
    assert city.dossiers == 4
    assert city.indices == {
        1: Decimal("1.3"),
        2: Decimal("1.5"),
        3: Decimal("1.3"),
        4: Decimal("0.8"),
        5: None,
        6: Decimal("1.8"),
        7: Decimal("1.5"),
        8: None,
        9: Decimal("2.0"),
    }
    assert city.official_total == Decimal("6.4")
    assert city.official_band == "full"
    assert city.unit_total == Decimal("10.2")
    assert city.unit_band == "fair"

    h2605 = rating_aggregate(since=since, until=until, agency=Agency.objects.get(code="H26.05"))
    assert h2605.unit_total == Decimal("10.2")
    other = rating_aggregate(since=since, until=until, agency=Agency.objects.get(code="H26.07"))
    assert other.dossiers == 0 and other.unit_total is None and other.unit_band is None

    d3_only = rating_aggregate(since=since, until=until, official=second)
    assert d3_only.dossiers == 1
    assert d3_only.official_total == Decimal("5.0")
    assert d3_only.official_band == "full"
    # the rating keeps no score in the audit trail and the aggregate never names the rater
    assert not hasattr(d3_only, "rater")


@pytest.mark.parametrize(
    ("total", "band"),
    [("5", "full"), ("4.9", "partial"), ("3.5", "partial"), ("3.4", "low"), ("0", "low")],
)
def test_official_thresholds(total: str, band: str) -> None:
    assert official_band(Decimal(total)) == band


@pytest.mark.parametrize(
    ("total", "band"),
    [
        ("15", "excellent"),
        ("14.9", "good"),
        ("12", "good"),
        ("11.9", "fair"),
        ("9", "fair"),
        ("8.9", "average"),
        ("6", "average"),
        ("5.9", "weak"),
    ],
)
def test_unit_thresholds(total: str, band: str) -> None:
    assert unit_band(Decimal(total)) == band


def test_who_may_rate_and_when(actors: Actors, citizen: User) -> None:
    open_dossier = take_in(actors, vn(2026, 11, 2, 9))
    with pytest.raises(DomainError) as err:
        dossier_rate(dossier=open_dossier, actor=citizen, scores={1: 2})
    assert err.value.kind is ErrorKind.CONFLICT

    d = drive(actors, State.RETURNED, start=vn(2026, 11, 3, 9))
    stranger = UserFactory(roles=[Role.CITIZEN])
    with pytest.raises(DomainError) as err:
        dossier_rate(dossier=d, actor=stranger, scores={1: 2})
    assert err.value.kind is ErrorKind.FORBIDDEN
    with pytest.raises(DomainError) as err:
        dossier_rate(dossier=d, actor=actors.processor, scores={1: 2})
    assert err.value.kind is ErrorKind.FORBIDDEN

    with pytest.raises(DomainError) as err:
        dossier_rate(dossier=d, actor=citizen, scores={1: 3, 10: 2})
    assert err.value.kind is ErrorKind.INVALID
    assert set(err.value.fields) == {"index_1", "scores"}
    with pytest.raises(DomainError) as err:
        dossier_rate(dossier=d, actor=citizen, scores={1: None})
    assert "scores" in err.value.fields
    assert DossierRating.objects.count() == 0  # nothing half-written

    dossier_rate(dossier=d, actor=citizen, scores={1: 2, 7: 1}, comment="  Nhanh  ")
    rating = DossierRating.objects.get(dossier=d)
    assert rating.scores()[1] == 2 and rating.scores()[2] is None
    assert rating.comment == "Nhanh"
    with pytest.raises(DomainError) as err:
        dossier_rate(dossier=d, actor=citizen, scores={1: 1})
    assert err.value.kind is ErrorKind.CONFLICT
