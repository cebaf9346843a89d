"""The cast of the mandate and service-agent tests.

* ``grantor``: a citizen with an account, who gives mandates;
* ``grantee``: a citizen with an account, who receives them;
* ``stranger``: another citizen;
* ``agent`` / ``other_agent``: accounts of two service agents registered by the Service
  Center (H26.30);
* ``applicant``: a citizen with an e-mail address on their profile (the consent code goes
  there).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import pytest
from django.core import mail

from motcua.org.models import Agency, User
from motcua.org.roles import Role
from motcua.people.identity import tax_check_digit
from motcua.people.models import CitizenProfile, ServiceAgent
from tests.factories import CitizenProfileFactory, UserFactory

PROCEDURE = "1.012783"  # city level (H26.05), online
OTHER_PROCEDURE = "2.000635"  # civil-status extract copy, settled here by Sở Tư pháp (H26.02)
NOT_ONLINE = "2.000986"  # not offered online


@pytest.fixture(autouse=True)
def _mail_outbox(settings: Any) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


def citizen(name: str, **profile: Any) -> tuple[User, CitizenProfile]:
    user = UserFactory(roles=[Role.CITIZEN], full_name=name)
    return user, CitizenProfileFactory(user=user, full_name=name, **profile)


def agent_account(name: str, first_nine: str) -> tuple[User, ServiceAgent]:
    check = tax_check_digit(first_nine)
    assert check is not None
    agent = ServiceAgent.objects.create(
        name=name,
        tax_code=f"{first_nine}{check}",
        registered_by=Agency.objects.get(code="H26.30"),
    )
    user = UserFactory(roles=[Role.AGENT], full_name=f"Nhân viên {name}")
    agent.accounts.add(user)
    return user, agent


@dataclass
class Cast:
    grantor_user: User
    grantor: CitizenProfile
    grantee_user: User
    grantee: CitizenProfile
    stranger_user: User
    stranger: CitizenProfile
    agent_user: User
    agent: ServiceAgent
    other_agent_user: User
    other_agent: ServiceAgent
    applicant: CitizenProfile


@pytest.fixture
def cast(reference: None) -> Cast:
    grantor_user, grantor = citizen("Nguyễn Văn An")
    grantee_user, grantee = citizen("Lê Thị Hoa")
    stranger_user, stranger = citizen("Phạm Quốc Dũng")
    agent_user, agent = agent_account("Đại lý dịch vụ công Ba Đình", "010123456")
    other_user, other = agent_account("Đại lý dịch vụ công Hoàn Kiếm", "010765432")
    applicant = CitizenProfileFactory(full_name="Trần Thị Bình", email="binh@example.test")
    return Cast(
        grantor_user=grantor_user,
        grantor=grantor,
        grantee_user=grantee_user,
        grantee=grantee,
        stranger_user=stranger_user,
        stranger=stranger,
        agent_user=agent_user,
        agent=agent,
        other_agent_user=other_user,
        other_agent=other,
        applicant=applicant,
    )


def sent_code() -> str:
    """The 6-digit code of the last e-mail sent (it comes first in the message)."""
    assert mail.outbox, "no e-mail was sent"
    found = re.search(r"\b(\d{6})\b", str(mail.outbox[-1].body))
    assert found, mail.outbox[-1].body
    return found.group(1)


def wrong(code: str) -> str:
    """Another 6-digit code."""
    return f"{(int(code) + 1) % 1_000_000:06d}"
