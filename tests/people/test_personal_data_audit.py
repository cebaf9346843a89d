"""Staff reads of a citizen's identity data are audited; the citizen's own page masks them."""

from __future__ import annotations

import pytest
from django.test import Client

from motcua.core.models import AuditEvent
from motcua.org.services import DEMO_CITIZEN_ID, DEMO_PASSWORD, demo_accounts_ensure
from motcua.people.models import CitizenProfile

pytestmark = pytest.mark.usefixtures("reference")


def test_opening_a_profile_in_the_admin_is_audited(client: Client) -> None:
    demo_accounts_ensure()
    client.login(username="quantri", password=DEMO_PASSWORD)
    profile = CitizenProfile.objects.get(personal_id=DEMO_CITIZEN_ID)

    listing = client.get("/admin/people/citizenprofile/").content.decode()
    assert DEMO_CITIZEN_ID not in listing  # the list needs no identity numbers
    assert not AuditEvent.objects.filter(action="people.profile_viewed").exists()

    page = client.get(f"/admin/people/citizenprofile/{profile.pk}/change/")
    assert page.status_code == 200
    event = AuditEvent.objects.get(action="people.profile_viewed")
    assert event.actor is not None
    assert event.actor.username == "quantri"
    assert event.object_id == str(profile.pk)
    assert event.purpose == "admin"


def test_citizen_page_masks_the_identity_number(client: Client) -> None:
    demo_accounts_ensure()
    client.login(username="congdan", password=DEMO_PASSWORD)
    html = client.get("/me/").content.decode()
    assert DEMO_CITIZEN_ID not in html
    assert "••••••••3456" in html
