"""The citizen's dossiers and the satisfaction rating page."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from motcua.dossiers import services as s
from motcua.dossiers.states import State
from motcua.feedback.models import DossierRating
from motcua.org.models import User
from motcua.org.roles import Role
from tests.backoffice.conftest import drive
from tests.dossiers import conftest as dossier_fixtures
from tests.dossiers.conftest import Actors, take_in, vn
from tests.factories import CitizenProfileFactory, UserFactory

pytestmark = pytest.mark.django_db

actors = dossier_fixtures.actors  # the dossier tests' fixture


@pytest.fixture
def citizen(actors: Actors) -> User:
    user = UserFactory(roles=[Role.CITIZEN])
    actors.profile.user = user
    actors.profile.save()
    return user


def _client(user: User | None) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="vi")
    if user is not None:
        client.force_login(user)
    return client


def test_list_and_page_show_only_my_dossiers(actors: Actors, citizen: User) -> None:
    mine = take_in(actors, vn(2026, 11, 2, 9))
    mine = s.dossier_receive(dossier=mine, actor=actors.receiver, at=vn(2026, 11, 2, 9, 5))
    other_profile = CitizenProfileFactory()
    other = s.dossier_intake(
        actor=actors.receiver,
        procedure_code=mine.procedure_version.procedure.code,
        applicant=other_profile,
        at=vn(2026, 11, 2, 10),
    )
    page = _client(citizen).get(reverse("portal:my-dossiers"))
    assert page.status_code == 200
    html = page.content.decode()
    assert mine.identifier in html
    assert other.identifier not in html
    assert "Được tiếp nhận" in html or "được tiếp nhận" in html

    one = _client(citizen).get(reverse("portal:my-dossier", kwargs={"code": mine.identifier}))
    assert one.status_code == 200
    body = one.content.decode()
    assert "Tiếp nhận" in body  # the history row
    assert actors.receiver.full_name not in body  # officials are not named
    not_mine = reverse("portal:my-dossier", kwargs={"code": other.identifier})
    assert _client(citizen).get(not_mine).status_code == 404
    # staff do not use the citizen's pages; anonymous visitors are sent to log in
    assert _client(actors.receiver).get(reverse("portal:my-dossiers")).status_code == 403
    anonymous = _client(None).get(reverse("portal:my-dossiers"))
    assert anonymous.status_code == 302 and "/accounts/login/" in anonymous["Location"]


def test_rating_a_returned_dossier(actors: Actors, citizen: User) -> None:
    d = drive(actors, State.RETURNED, start=vn(2026, 11, 2, 9))
    url = reverse("portal:my-dossier-rate", kwargs={"code": d.identifier})
    page = _client(citizen).get(reverse("portal:my-dossier", kwargs={"code": d.identifier}))
    assert "Thái độ của cán bộ, công chức" in page.content.decode()

    bad = _client(citizen).post(url, {"index_1": "5", "comment": "Rất nhanh"})
    assert bad.status_code == 400
    html = bad.content.decode()
    assert "Rất nhanh" in html  # what was typed is kept
    assert "lựa chọn hợp lệ" in html.lower() or "hợp lệ" in html
    empty = _client(citizen).post(url, {"comment": ""})
    assert empty.status_code == 422
    assert "Hãy đánh giá ít nhất một chỉ số." in empty.content.decode()
    assert DossierRating.objects.count() == 0

    done = _client(citizen).post(url, {"index_1": "2", "index_7": "1", "comment": "Cảm ơn"})
    assert done.status_code == 302
    rating = DossierRating.objects.get(dossier=d)
    assert rating.scores()[1] == 2 and rating.scores()[7] == 1 and rating.scores()[3] is None
    assert rating.comment == "Cảm ơn"
    again = _client(citizen).post(url, {"index_1": "0"})
    assert again.status_code == 409
    assert DossierRating.objects.get(dossier=d).index_1 == 2


def test_an_open_dossier_cannot_be_rated(actors: Actors, citizen: User) -> None:
    d = take_in(actors, vn(2026, 11, 2, 9))
    url = reverse("portal:my-dossier-rate", kwargs={"code": d.identifier})
    resp = _client(citizen).post(url, {"index_1": "2"})
    assert resp.status_code == 409
    assert "sau khi đã trả kết quả" in resp.content.decode()
    assert not DossierRating.objects.exists()
