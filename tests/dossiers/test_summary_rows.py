"""The hot reads answer from plain rows, not model instances (docs/performance.md): the dossier
list's items (``selectors.dossier_summary_rows``, ``selectors.summary_codes_add``,
``serializers.summary_data``) and the public lookup (``selectors.lookup_public_row``,
``serializers.lookup_row_data``). They must be exactly what the serializers make of the model
instances, in both languages, through the API."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.utils import translation
from rest_framework.renderers import JSONRenderer
from rest_framework.test import APIClient

from motcua.core.errors import DomainError
from motcua.dossiers.models import Dossier
from motcua.dossiers.selectors import (
    dossier_lookup_public,
    dossier_summary_rows,
    dossiers_visible_to,
    lookup_public_row,
    summary_codes_add,
)
from motcua.dossiers.serializers import (
    DossierSummary,
    LookupOut,
    lookup_data,
    lookup_row_data,
    summary_data,
)
from motcua.org.roles import Role
from motcua.simulate.run import simulate
from tests.dossiers.test_api_lifecycle import client_for
from tests.factories import staff
from tests.indicators.test_simulate import BUSY, FIRST, HORIZON, LAST

pytestmark = pytest.mark.django_db


def _as_json(data: Any) -> Any:
    return json.loads(JSONRenderer().render(data))


def test_rows_render_exactly_as_the_summary_serializer() -> None:
    simulate(dossiers=240, first=FIRST, last=LAST, seed=5, horizon=HORIZON, profile=BUSY)
    admin = staff(Role.ADMIN)
    qs = dossiers_visible_to(admin).order_by("-submitted_at", "-id")
    instances = qs.select_related(
        "procedure_version__procedure",
        "receiving_agency",
        "competent_agency",
        "current_agency",
        "reception_point",
    )
    for language in ("vi", "en"):
        with translation.override(language):
            expected = [dict(item) for item in DossierSummary(instances, many=True).data]
            got = summary_data(summary_codes_add(dossier_summary_rows(qs)))
            assert got == expected
            assert _as_json(got) == _as_json(expected)
    # the sample takes the paths that differ: empty dates, no reception point (online)
    assert len(got) == 240
    assert {row["state"] for row in got} >= {"returned", "processing", "refused_intake"}
    assert any(row["reception_point"] is None for row in got)
    assert any(row["reception_point"] is not None for row in got)
    assert any(row["finished_at"] is None for row in got)
    assert any(row["returned_at"] is not None for row in got)
    assert {row["state_label"] for row in got} != {row["state"] for row in got}

    # through the API, page by page, the same items in the same order
    client = client_for(admin)
    listed: list[Any] = []
    url: str | None = "/api/v1/dossiers/?page_size=100"
    while url:
        response = client.get(url)
        assert response.status_code == 200, response.content
        body = response.json()
        listed.extend(body["results"])
        url = body["next"]
    with translation.override("vi"):
        expected = [dict(item) for item in DossierSummary(instances, many=True).data]
    assert listed == _as_json(expected)


def test_the_public_lookup_row_renders_as_the_lookup_serializer() -> None:
    simulate(dossiers=120, first=FIRST, last=LAST, seed=6, horizon=HORIZON, profile=BUSY)
    dossiers = list(Dossier.objects.exclude(code=None).select_related("applicant").order_by("pk"))
    assert len(dossiers) > 100
    client = APIClient()
    for i, dossier in enumerate(dossiers):
        number = dossier.applicant.personal_id or dossier.applicant.tax_code or ""
        last4 = number[-4:]
        instance = dossier_lookup_public(code=str(dossier.code), id_last4=last4)
        expected = dict(LookupOut(lookup_data(instance)).data)
        row = lookup_public_row(code=str(dossier.code), id_last4=last4)
        # nothing personal leaves the selector
        assert "personal_id" not in row and "tax_code" not in row
        assert lookup_row_data(row) == expected
        # one address per request: the lookup's per-client rate limit stays in force
        response = client.get(
            f"/api/v1/lookup/{dossier.code}/", {"id_last4": last4}, REMOTE_ADDR=f"10.0.0.{i % 250}"
        )
        assert response.status_code == 200, response.content
        assert response.json() == _as_json(expected)
    # wrong digits, unknown code, empty code: the same refusal as the instance path
    first = dossiers[0]
    number = first.applicant.personal_id or first.applicant.tax_code or ""
    wrong = f"{(int(number[-4:]) + 1) % 10000:04d}"
    for code, digits in ((str(first.code), wrong), ("H26.99-000000-0000", "1234"), ("", "1234")):
        with pytest.raises(DomainError) as fast:
            lookup_public_row(code=code, id_last4=digits)
        with pytest.raises(DomainError) as slow:
            dossier_lookup_public(code=code, id_last4=digits)
        assert fast.value.code == slow.value.code == "lookup.not_found"
