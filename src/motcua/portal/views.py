"""Public pages and the citizen's own page."""

from __future__ import annotations

from itertools import groupby

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from motcua.catalog import selectors as catalog
from motcua.catalog.models import OnlineLevel
from motcua.core.errors import DomainError
from motcua.dossiers import selectors as dossier_selectors
from motcua.org.roles import Role
from motcua.people.identity import mask_identifier
from motcua.portal import selectors
from motcua.portal.forms import LookupForm
from motcua.portal.submission import drafts_of
from motcua.portal.throttle import lookup_allowed

#: Longest search query kept (characters).
QUERY_MAX_LENGTH = 200


def home(request: HttpRequest) -> HttpResponse:
    """Public home page: the sectors and every procedure in force, with an optional search
    (accent-insensitive; close matches when nothing matches exactly)."""
    query = request.GET.get("q", "").strip()[:QUERY_MAX_LENGTH]
    approximate = False
    if query:
        result = selectors.procedures_search(query=query)
        versions_list, approximate = result.versions, result.approximate
        if approximate:
            # close matches come by closeness; the page groups them by sector
            versions_list = sorted(versions_list, key=lambda v: v.sector.name)
    else:
        versions_list = list(catalog.versions_in_force().prefetch_related("fees"))
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
            "approximate": approximate,
            "procedure_count": len(versions_list),
            "sectors": catalog.sectors_with_counts(),
        },
    )


def sector_detail(request: HttpRequest, code: str) -> HttpResponse:
    """Browse by sector: the procedures in force of one sector."""
    sector = selectors.sector_by_code(code=code)
    if sector is None:
        raise Http404
    versions = selectors.sector_versions(sector=sector)
    return render(
        request,
        "portal/sector.html",
        {"sector": sector, "versions": versions, "sectors": catalog.sectors_with_counts()},
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
            "documents": list(version.required_documents.all()),
            "fees": selectors.fee_lines(version),
            "online": version.online_level != OnlineLevel.NONE,
        },
    )


@never_cache
@require_http_methods(["GET", "POST"])
def lookup(request: HttpRequest) -> HttpResponse:
    """Public progress lookup by dossier code and the last 4 digits of the applicant's
    identity number. The digits go in a POST body, never in the address (nor in logs).

    A wrong code and wrong digits get the same answer (404, same message); every attempt
    counts against the client's ``lookup`` rate (see :mod:`motcua.portal.throttle`)."""
    context: dict[str, object] = {"progress": None, "error": None}
    if request.method != "POST":
        code = request.GET.get("code", "").strip()[:60]
        context["form"] = LookupForm(initial={"code": code})
        return render(request, "portal/lookup.html", context)

    form = LookupForm(request.POST)
    context["form"] = form
    allowed, wait = lookup_allowed(request)
    if not allowed:
        context["error"] = _("Too many lookups from your connection; try again in a minute.")
        response = render(request, "portal/lookup.html", context, status=429)
        response["Retry-After"] = str(wait)
        return response
    if not form.is_valid():
        return render(request, "portal/lookup.html", context, status=400)
    try:
        dossier = dossier_selectors.dossier_lookup_public(
            code=form.cleaned_data["code"], id_last4=form.cleaned_data["id_last4"]
        )
    except DomainError as error:
        context["error"] = error.message
        return render(request, "portal/lookup.html", context, status=error.kind.http_status)
    context["progress"] = selectors.public_progress(dossier)
    return render(request, "portal/lookup.html", context)


def life_events(request: HttpRequest) -> HttpResponse:
    """Browse by life event: a child is born, marriage, moving house, opening a business…"""
    return render(request, "portal/life_events.html", {"events": selectors.life_events()})


def life_event(request: HttpRequest, slug: str) -> HttpResponse:
    event = selectors.life_event_by_slug(slug=slug)
    if event is None:
        raise Http404
    return render(
        request,
        "portal/life_event.html",
        {"event": event, "versions": selectors.life_event_versions(event=event)},
    )


@login_required
def my_home(request: HttpRequest) -> HttpResponse:
    """The citizen's (or agent's) page."""
    profile = getattr(request.user, "citizen_profile", None)
    masked = mask_identifier(profile.personal_id or profile.tax_code or "") if profile else ""
    return render(
        request,
        "portal/my_home.html",
        {
            "profile": profile,
            "masked_id": masked,
            "drafts": drafts_of(request.user),  # type: ignore[arg-type]
            "is_agent": request.user.has_role(Role.AGENT),  # type: ignore[union-attr]
        },
    )
