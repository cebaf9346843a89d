"""Public pages and the citizen's own page."""

from __future__ import annotations

from itertools import groupby

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from motcua.catalog import selectors as catalog
from motcua.people.identity import mask_identifier


def home(request: HttpRequest) -> HttpResponse:
    """Public home page: the sectors and every procedure in force, with an optional search."""
    query = request.GET.get("q", "").strip()[:200]
    versions = catalog.versions_search(query=query) if query else catalog.versions_in_force()
    versions_list = list(versions.prefetch_related("fees"))
    groups = [
        (sector, list(items)) for sector, items in groupby(versions_list, key=lambda v: v.sector)
    ]
    # htmx live search replaces only the results; a normal request gets the whole page
    template = "portal/home.html#results" if request.htmx else "portal/home.html"  # type: ignore[attr-defined]
    return render(
        request,
        template,
        {
            "query": query,
            "groups": groups,
            "procedure_count": len(versions_list),
            "sectors": catalog.sectors_with_counts(),
        },
    )


def procedure_detail(request: HttpRequest, code: str) -> HttpResponse:
    version = catalog.version_in_force(code=code)
    if version is None:
        raise Http404
    return render(
        request,
        "portal/procedure.html",
        {
            "version": version,
            "documents": version.required_documents.all(),
            "fees": version.fees.all(),
        },
    )


@login_required
def my_home(request: HttpRequest) -> HttpResponse:
    """The citizen's (or agent's) page."""
    profile = getattr(request.user, "citizen_profile", None)
    masked = mask_identifier(profile.personal_id or profile.tax_code or "") if profile else ""
    return render(request, "portal/my_home.html", {"profile": profile, "masked_id": masked})
