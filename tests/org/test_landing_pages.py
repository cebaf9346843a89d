"""Every demo account logs in and lands on its role's page, in Vietnamese."""

from __future__ import annotations

import pytest
from django.test import Client

from motcua.org.models import User
from motcua.org.roles import Role
from motcua.org.services import DEMO_ACCOUNTS, DEMO_PASSWORD, demo_accounts_ensure
from tests.factories import UserFactory, staff

pytestmark = pytest.mark.usefixtures("reference")

EXPECTED_LANDING = {
    "quantri": "/admin/",
    "giamsat": "/staff/",
    "tiepnhan": "/staff/",
    "thuly": "/staff/",
    "lanhdao": "/staff/",
    "canboxa": "/staff/",
    "daily": "/me/",
    "congdan": "/me/",
}
PAGE_TEXT = {
    "/admin/": "Quản trị hệ thống motcua",
    "/staff/": "Trang cán bộ",
    "/me/": "Trang cá nhân",
}


def test_demo_accounts_cover_every_role() -> None:
    roles = {role for spec in DEMO_ACCOUNTS for role in spec.roles}
    assert roles == set(Role)
    assert set(EXPECTED_LANDING) == {spec.username for spec in DEMO_ACCOUNTS}


def test_demo_accounts_are_created_once_and_flagged() -> None:
    created = demo_accounts_ensure()
    assert len(created) == len(DEMO_ACCOUNTS)
    assert all(user.is_demo for user in created)
    assert demo_accounts_ensure() == []
    assert User.objects.get(username="quantri").password.startswith("argon2")


@pytest.mark.parametrize("username", sorted(EXPECTED_LANDING))
def test_demo_account_lands_on_its_role_page(client: Client, username: str) -> None:
    demo_accounts_ensure()
    response = client.post(
        "/accounts/login/", {"username": username, "password": DEMO_PASSWORD}, follow=True
    )
    assert response.status_code == 200
    final_path = response.redirect_chain[-1][0]
    assert final_path == EXPECTED_LANDING[username]
    assert PAGE_TEXT[final_path] in response.content.decode()


def test_receiver_home_shows_the_service_point_and_office_hours(client: Client) -> None:
    user = staff(Role.RECEIVER, agency_code="H26.30", point_code="H26.30.01")
    client.force_login(user)
    html = client.get("/staff/").content.decode()
    assert "Chi nhánh số 1" in html
    assert "08:00–12:00" in html
    assert 'id="panel-receiver"' in html
    assert 'id="panel-supervisor"' not in html


def test_processor_home_lists_the_procedures_of_the_agency(client: Client) -> None:
    client.force_login(staff(Role.PROCESSOR, agency_code="H26.02"))
    html = client.get("/staff/").content.decode()
    assert "Thủ tục đăng ký khai sinh" in html  # Hộ tịch belongs to Sở Tư pháp
    assert "Đăng ký thường trú" not in html  # residence belongs to the police


def test_citizen_cannot_open_the_staff_page(client: Client) -> None:
    client.force_login(UserFactory(roles=[Role.CITIZEN]))
    response = client.get("/staff/")
    assert response.status_code == 403
    assert "Bạn không có quyền" in response.content.decode()


def test_anonymous_visitor_is_sent_to_login(client: Client) -> None:
    response = client.get("/staff/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_wrong_password_shows_a_vietnamese_error(client: Client) -> None:
    demo_accounts_ensure()
    response = client.post("/accounts/login/", {"username": "thuly", "password": "sai"})
    assert response.status_code == 200
    assert "mật khẩu chính xác" in response.content.decode()


def test_logout_is_a_post_and_ends_the_session(client: Client) -> None:
    client.force_login(staff(Role.PROCESSOR))
    response = client.post("/accounts/logout/")
    assert response.status_code == 302
    assert client.get("/staff/").status_code == 302


def test_admin_lists_the_communes_and_agencies_in_vietnamese(client: Client) -> None:
    demo_accounts_ensure()
    client.login(username="quantri", password=DEMO_PASSWORD)
    units = client.get("/admin/org/administrativeunit/", {"parent__isnull": "False"})
    assert units.status_code == 200
    html = units.content.decode()
    assert "Phường Ba Đình" in html
    assert "126 đơn vị hành chính" in html
    agencies = client.get("/admin/org/agency/").content.decode()
    assert "Sở Tư pháp thành phố Hà Nội" in agencies
    assert "136 cơ quan" in agencies
    versions = client.get("/admin/catalog/procedureversion/").content.decode()
    assert "62 phiên bản thủ tục" in versions
    assert "chưa công bố" in versions  # missing values are shown as missing


def test_staff_without_admin_role_cannot_open_the_admin(client: Client) -> None:
    client.force_login(staff(Role.PROCESSOR))
    response = client.get("/admin/org/agency/")
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]
