"""Actors and helpers shared by the dossier tests.

The Hà Nội reference data is loaded (tests/conftest.py). The actors:

* ``receiver``: one-stop officer at branch H26.30.01 of the Service Center (agency H26.30);
* ``processor`` / ``approver``: Sở Nông nghiệp và Môi trường (H26.05), competent for 1.012783
  (5 working days);
* ``police_processor``: Công an Thành phố (H26.07), for inter-agency steps;
* ``citizen``: an account with a citizen profile.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest

from motcua.catalog.models import ProcedureVersion, Process, ProcessStep
from motcua.dossiers.models import Dossier
from motcua.dossiers.services import dossier_intake
from motcua.org.models import Agency, User
from motcua.org.roles import Role
from motcua.people.models import CitizenProfile
from motcua.workcal.selectors import calendar_cache_clear
from motcua.workcal.types import VN_TZ
from tests.factories import CitizenProfileFactory, UserFactory, staff

PROCEDURE = "1.012783"  # Cấp đổi GCN quyền sử dụng đất: 5 working days, H26.05


def vn(year: int, month: int, day: int, hour: int = 9, minute: int = 0) -> dt.datetime:
    """An instant in Hà Nội local time."""
    return dt.datetime(year, month, day, hour, minute, tzinfo=VN_TZ)


@dataclass
class Actors:
    receiver: User
    other_receiver: User
    processor: User
    approver: User
    police_processor: User
    citizen: User
    profile: CitizenProfile
    stranger: User


@pytest.fixture(autouse=True)
def _fresh_calendar() -> None:
    calendar_cache_clear()


@pytest.fixture
def actors(reference: None) -> Actors:
    profile = CitizenProfileFactory()
    citizen = UserFactory(roles=[Role.CITIZEN])
    profile.user = citizen
    profile.save()
    stranger = UserFactory(roles=[Role.CITIZEN])
    CitizenProfileFactory(user=stranger)
    return Actors(
        receiver=staff(Role.RECEIVER, agency_code="H26.30", point_code="H26.30.01"),
        other_receiver=staff(Role.RECEIVER, agency_code="H26.30", point_code="H26.30.02"),
        processor=staff(Role.PROCESSOR, agency_code="H26.05"),
        approver=staff(Role.APPROVER, agency_code="H26.05"),
        police_processor=staff(Role.PROCESSOR, agency_code="H26.07"),
        citizen=citizen,
        profile=profile,
        stranger=stranger,
    )


def take_in(actors: Actors, at: dt.datetime, procedure: str = PROCEDURE) -> Dossier:
    return dossier_intake(
        actor=actors.receiver, procedure_code=procedure, applicant=actors.profile, at=at
    )


@pytest.fixture
def inter_agency_process(reference: None) -> Process:
    """1.012783's process with a middle step at the police (H26.07): inter-agency (liên thông)."""
    version = ProcedureVersion.objects.filter(procedure__code=PROCEDURE).latest("effective_from")
    process = Process.objects.create(version=version, name="Quy trình liên thông thử nghiệm")
    steps = [
        (1, "Thẩm định hồ sơ", "processor", None, 8, ProcessStep.BudgetUnit.WORKING_HOURS),
        (2, "Xác minh của Công an", "processor", "H26.07", 1, ProcessStep.BudgetUnit.WORKING_DAYS),
        (3, "Ký duyệt", "approver", None, 4, ProcessStep.BudgetUnit.WORKING_HOURS),
    ]
    for order, name, role, agency, value, unit in steps:
        ProcessStep.objects.create(
            process=process,
            order=order,
            name=name,
            role=role,
            agency=Agency.objects.get(code=agency) if agency else None,
            budget_value=value,
            budget_unit=unit,
        )
    return process
