"""The citizen's data store pages: the papers kept, add one, withdraw one, open one."""

from __future__ import annotations

from typing import cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from motcua.core.errors import DomainError
from motcua.core.forms import apply_domain_error
from motcua.documents import store
from motcua.documents.models import StoreItem
from motcua.org.models import User
from motcua.org.roles import Role
from motcua.people.models import CitizenProfile
from motcua.portal.submit_forms import StoreAddForm


def _owner(request: HttpRequest) -> tuple[User, CitizenProfile]:
    user = cast(User, request.user)
    profile = getattr(user, "citizen_profile", None)
    if not user.has_role(Role.CITIZEN) or profile is None:
        raise PermissionDenied
    return user, profile


def _page(
    request: HttpRequest, profile: CitizenProfile, form: StoreAddForm, status: int = 200
) -> HttpResponse:
    today = store.today()
    rows = [(item, item.validity(today)) for item in store.store_items(profile)]
    return render(
        request,
        "portal/store.html",
        {"rows": rows, "form": form, "Validity": StoreItem.Validity},
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def store_page(request: HttpRequest) -> HttpResponse:
    user, profile = _owner(request)
    if request.method == "GET":
        return _page(request, profile, StoreAddForm())
    form = StoreAddForm(request.POST, request.FILES)
    if not form.is_valid():
        return _page(request, profile, form, status=400)
    data = form.cleaned_data
    try:
        store.store_add(
            actor=user,
            upload=data["file"],
            doc_type=data["doc_type"],
            number=data.get("number", ""),
            issuer=data.get("issuer", ""),
            issued_on=data.get("issued_on"),
            expires_on=data.get("expires_on"),
        )
    except DomainError as error:
        apply_domain_error(form, error)
        return _page(request, profile, form, status=error.kind.http_status)
    messages.success(request, _("The paper has been added to your data store."))
    return redirect("portal:store")


def _item(profile: CitizenProfile, pk: int) -> StoreItem:
    item = StoreItem.objects.filter(pk=pk, owner=profile).select_related("file", "owner").first()
    if item is None:
        raise Http404
    return item


@login_required
@require_http_methods(["POST"])
def store_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    user, profile = _owner(request)
    item = _item(profile, pk)
    try:
        store.store_withdraw(actor=user, item=item)
    except DomainError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("The paper has been withdrawn from use."))
    return redirect("portal:store")


@login_required
def store_file(request: HttpRequest, pk: int) -> HttpResponse:
    user, profile = _owner(request)
    item = _item(profile, pk)
    data = store.store_item_open(actor=user, item=item)
    response = HttpResponse(data, content_type=item.file.content_type)
    response["Content-Disposition"] = f'inline; filename="kho-{item.pk}.{item.file.extension}"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
