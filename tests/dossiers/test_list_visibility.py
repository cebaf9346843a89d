"""Who sees which dossier in the lists, in the form the list indexes read (docs/performance.md):
a receiver through the receiving agency, a processor through the competent agency or a step
of the plan flagged ``inter_agency``; and the list's day filters in Hà Nội days."""

from __future__ import annotations

import pytest

from motcua.catalog.models import Process
from motcua.dossiers.models import Dossier
from motcua.dossiers.selectors import dossiers_visible_to
from motcua.dossiers.services import dossier_forward, dossier_receive
from motcua.org.roles import Role
from tests.dossiers.conftest import Actors, take_in, vn
from tests.dossiers.test_api_lifecycle import client_for
from tests.factories import staff

pytestmark = pytest.mark.django_db


def _listed(user: object, query: dict[str, str] | None = None) -> list[str]:
    response = client_for(user).get("/api/v1/dossiers/", query or {})  # type: ignore[arg-type]
    assert response.status_code == 200, response.content
    return [row["code"] for row in response.json()["results"]]


def test_a_step_at_another_agency_is_flagged_and_opens_the_dossier_to_it(
    actors: Actors, inter_agency_process: Process
) -> None:
    d = take_in(actors, vn(2026, 3, 4))
    d = dossier_receive(dossier=d, actor=actors.receiver, at=vn(2026, 3, 4, 9, 30))
    steps = list(d.steps.order_by("order").values_list("agency__code", "inter_agency"))
    assert steps == [("H26.05", False), ("H26.07", True), ("H26.05", False)]
    police = actors.police_processor
    # planned but not started: not yet the police's business
    assert not dossiers_visible_to(police).filter(pk=d.pk).exists()
    assert _listed(police) == []
    # no started step elsewhere: the condition is the competent agency alone (one column, read
    # in list order by dossier_comp_list), without the step subquery
    assert "EXISTS" not in str(dossiers_visible_to(police).query)
    d = dossier_forward(dossier=d, actor=actors.receiver, at=vn(2026, 3, 4, 10))
    d = dossier_forward(dossier=d, actor=actors.processor, at=vn(2026, 3, 4, 14))
    assert d.current_agency.code == "H26.07"
    assert dossiers_visible_to(police).filter(pk=d.pk).exists()
    assert "EXISTS" in str(dossiers_visible_to(police).query)
    assert _listed(police) == [d.code]
    # the competent agency's processor sees it all along, through the competent agency
    assert _listed(actors.processor) == [d.code]


def test_receivers_see_what_their_agency_or_their_point_received(actors: Actors) -> None:
    d = take_in(actors, vn(2026, 3, 4))  # at H26.30.01, received by H26.30
    d = dossier_receive(dossier=d, actor=actors.receiver, at=vn(2026, 3, 4, 9, 30))
    # the other branch's receiver: through the receiving agency
    assert _listed(actors.other_receiver) == [d.code]
    # an officer of another agency posted at that point: through the point
    posted = staff(Role.RECEIVER, agency_code="H26.05", point_code="H26.30.01")
    assert _listed(posted) == [d.code]
    # a receiver of another agency at a point of that agency: nothing
    elsewhere = staff(Role.RECEIVER, agency_code="H26.05")
    assert not dossiers_visible_to(elsewhere).filter(pk=d.pk).exists()


def test_received_from_and_to_are_days_in_ha_noi(actors: Actors) -> None:
    d = take_in(actors, vn(2026, 3, 4))
    d = dossier_receive(dossier=d, actor=actors.receiver, at=vn(2026, 3, 4, 9, 30))
    # 06:30 on 5 March in Hà Nội is 23:30 on 4 March in UTC
    Dossier.objects.filter(pk=d.pk).update(received_at=vn(2026, 3, 5, 6, 30))
    receiver = actors.receiver
    assert _listed(receiver, {"received_from": "2026-03-05", "received_to": "2026-03-05"}) == [
        d.code
    ]
    assert _listed(receiver, {"received_to": "2026-03-04"}) == []
    assert _listed(receiver, {"received_from": "2026-03-06"}) == []
    assert _listed(receiver, {"received_from": "2026-03-04", "received_to": "2026-03-05"}) == [
        d.code
    ]
