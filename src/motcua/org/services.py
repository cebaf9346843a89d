"""Changes to organisation data: role groups and demonstration accounts."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.contrib.auth.models import Group, Permission
from django.db import transaction

from motcua.core.services import audit_record
from motcua.org.models import Agency, ServicePoint, User
from motcua.org.roles import ROLE_PERMISSIONS, Role

DEMO_PASSWORD = "motcua-demo-2026"  # noqa: S105 - demonstration accounts only, printed on start


@transaction.atomic
def roles_ensure() -> dict[Role, Group]:
    """Create or update one group per role with exactly the permissions of ROLE_PERMISSIONS."""
    groups: dict[Role, Group] = {}
    for role in Role:
        group, _created = Group.objects.get_or_create(name=role.value)
        wanted: list[Permission] = []
        for model_label, actions in ROLE_PERMISSIONS[role].items():
            app_label, model = model_label.split(".")
            codenames = [f"{action}_{model}" for action in actions]
            wanted.extend(
                Permission.objects.filter(content_type__app_label=app_label, codename__in=codenames)
            )
        group.permissions.set(wanted)
        groups[role] = group
    return groups


@dataclass(frozen=True)
class DemoAccount:
    username: str
    full_name: str
    roles: tuple[Role, ...]
    agency_code: str | None
    service_point_code: str | None


DEMO_ACCOUNTS: tuple[DemoAccount, ...] = (
    DemoAccount("quantri", "Quản trị hệ thống (demo)", (Role.ADMIN,), "H26.30", None),
    DemoAccount("giamsat", "Giám sát Trung tâm PVHCC (demo)", (Role.SUPERVISOR,), "H26.30", None),
    DemoAccount(
        "tiepnhan",
        "Cán bộ tiếp nhận Chi nhánh số 1 (demo)",
        (Role.RECEIVER,),
        "H26.30",
        "H26.30.01",
    ),
    DemoAccount("thuly", "Chuyên viên Sở Tư pháp (demo)", (Role.PROCESSOR,), "H26.02", None),
    DemoAccount("lanhdao", "Lãnh đạo Sở Tư pháp (demo)", (Role.APPROVER,), "H26.02", None),
    DemoAccount(
        "canboxa",
        "Cán bộ một cửa Phường Ba Đình (demo)",
        (Role.RECEIVER, Role.PROCESSOR),
        "H26.00004",
        "H26.00004.01",
    ),
    DemoAccount("daily", "Đại lý dịch vụ công (demo)", (Role.AGENT,), None, None),
    DemoAccount("congdan", "Nguyễn Văn An (demo)", (Role.CITIZEN,), None, None),
)
# A valid identity number (Hà Nội, male, born 1990) and tax code for the demo citizen and agent.
DEMO_CITIZEN_ID = "001090123456"
DEMO_AGENT_TAX_CODE = "0101234565"


@transaction.atomic
def demo_accounts_ensure() -> list[User]:
    """Create the demonstration accounts that do not exist yet; return the ones created.

    Runs only on an empty database's first start (``motcua up``); every account is flagged
    ``is_demo`` so that an operator can find and delete them.
    """
    from motcua.people.models import CitizenProfile, ServiceAgent

    groups = roles_ensure()
    created: list[User] = []
    for spec in DEMO_ACCOUNTS:
        if User.objects.filter(username=spec.username).exists():
            continue
        user = User.objects.create_user(
            username=spec.username,
            password=DEMO_PASSWORD,
            full_name=spec.full_name,
            agency=Agency.objects.get(code=spec.agency_code) if spec.agency_code else None,
            service_point=(
                ServicePoint.objects.get(code=spec.service_point_code)
                if spec.service_point_code
                else None
            ),
            is_staff=Role.ADMIN in spec.roles,
            is_demo=True,
        )
        user.groups.set([groups[role] for role in spec.roles])
        if Role.CITIZEN in spec.roles:
            CitizenProfile.objects.create(
                user=user,
                kind=CitizenProfile.Kind.PERSON,
                full_name="Nguyễn Văn An",
                personal_id=DEMO_CITIZEN_ID,
                birth_date=dt.date(1990, 5, 12),
                sex=CitizenProfile.Sex.MALE,
                phone="0912345678",
                email="congdan@example.org",
                address="Số 1 phố Điện Biên Phủ, Phường Ba Đình, Hà Nội",
            )
        if Role.AGENT in spec.roles:
            agent = ServiceAgent.objects.create(
                name="Đại lý dịch vụ công trực tuyến (demo)",
                tax_code=DEMO_AGENT_TAX_CODE,
                registered_by=Agency.objects.get(code="H26.30"),
            )
            agent.accounts.add(user)
        audit_record(action="user.demo_created", obj=user, data={"roles": list(spec.roles)})
        created.append(user)
    return created
