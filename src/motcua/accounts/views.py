"""Account pages: register, verify, log in (password or identity provider), reset password."""

from __future__ import annotations

import secrets
from typing import Any

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from motcua.accounts import services
from motcua.accounts.forms import (
    ConsentForm,
    LoginForm,
    RegisterForm,
    ResetConfirmForm,
    ResetRequestForm,
    VerifyForm,
)
from motcua.accounts.idp import Claims, IdentityProviderError, identity_provider
from motcua.core.errors import DomainError
from motcua.core.forms import apply_domain_error
from motcua.people.identity import mask_identifier

PENDING = "accounts.pending"
IDP_REQUEST = "accounts.idp"
IDP_CLAIMS = "accounts.idp_claims"
SESSION_BACKEND = "django.contrib.auth.backends.ModelBackend"


def _ip(request: HttpRequest) -> str | None:
    return request.META.get("REMOTE_ADDR")


def _with_id(name: str, identifier: str) -> str:
    return f"{reverse(name)}?{urlencode({'id': identifier})}"


def _safe_next(request: HttpRequest, value: str | None) -> str:
    if value and url_has_allowed_host_and_scheme(
        value, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return value
    return reverse("home-after-login")


# ---------------------------------------------------------------------- register and verify
@require_http_methods(["GET", "POST"])
def register(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("home-after-login")
    form = RegisterForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            try:
                user, sent = services.citizen_register(
                    personal_id=data["personal_id"],
                    full_name=data["full_name"],
                    birth_date=data["birth_date"],
                    phone=data["phone"],
                    email=data["email"],
                    password=data["password1"],
                    consent=data["consent"],
                    ip_address=_ip(request),
                )
            except DomainError as error:
                status = error.kind.http_status
                apply_domain_error(form, error)
            else:
                request.session[PENDING] = user.username
                messages.success(request, _sent_message(sent))
                return redirect("accounts:verify")
    return render(
        request,
        "accounts/register.html",
        {"form": form, "provider": identity_provider()},
        status=status,
    )


def _sent_message(sent: services.CodeSent) -> str:
    if sent.channel == "email":
        text = _("We sent a 6-digit code to %(to)s. It is valid for 15 minutes.")
    else:
        text = _("We sent a 6-digit code by text message to %(to)s. It is valid for 15 minutes.")
    return str(text) % {"to": sent.destination}


@require_http_methods(["GET", "POST"])
def verify(request: HttpRequest) -> HttpResponse:
    pending = request.session.get(PENDING, "")
    initial = {"identifier": request.GET.get("id") or pending}
    form = VerifyForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            identifier = form.cleaned_data["identifier"]
            try:
                if request.POST.get("action") == "resend":
                    sent = services.verification_code_resend(identifier=identifier)
                    messages.success(request, _sent_message(sent))
                    return redirect(_with_id("accounts:verify", identifier))
                user = services.account_verify(
                    identifier=identifier, code=form.cleaned_data["code"], ip_address=_ip(request)
                )
            except DomainError as error:
                status = error.kind.http_status
                apply_domain_error(form, error)
            else:
                request.session.pop(PENDING, None)
                messages.success(request, _("Your account is active. Log in with your password."))
                return redirect(_with_id("accounts:login", user.username))
    return render(request, "accounts/verify.html", {"form": form}, status=status)


# ---------------------------------------------------------------------- log in
class LoginView(auth_views.LoginView):
    """Password login (identity number, phone, e-mail or staff username) and the provider."""

    form_class = LoginForm
    template_name = "accounts/login.html"
    redirect_authenticated_user = True

    def get_initial(self) -> dict[str, Any]:
        initial = super().get_initial()
        if self.request.GET.get("id"):
            initial["username"] = self.request.GET["id"]
        return initial

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["provider"] = identity_provider()
        form = context.get("form")
        context["unverified"] = bool(getattr(form, "unverified", False))
        return context


# ---------------------------------------------------------------------- identity provider
def _claims_to_session(claims: Claims) -> dict[str, str | None]:
    return {
        "subject": claims.subject,
        "identity_number": claims.identity_number,
        "full_name": claims.full_name,
        "birth_date": claims.birth_date.isoformat() if claims.birth_date else None,
        "phone": claims.phone,
        "email": claims.email,
        "assurance_level": claims.assurance_level,
    }


def _claims_from_session(data: dict[str, Any]) -> Claims:
    import datetime as dt

    birth = data.get("birth_date")
    return Claims(
        subject=str(data["subject"]),
        identity_number=data.get("identity_number"),
        full_name=str(data.get("full_name") or ""),
        birth_date=dt.date.fromisoformat(birth) if birth else None,
        phone=str(data.get("phone") or ""),
        email=str(data.get("email") or ""),
        assurance_level=str(data.get("assurance_level") or ""),
    )


def _idp_error(request: HttpRequest, message: object, status: int = 400) -> HttpResponse:
    return render(
        request,
        "accounts/idp_error.html",
        {"message": message, "provider": identity_provider()},
        status=status,
    )


@require_http_methods(["GET", "POST"])
def idp_login(request: HttpRequest) -> HttpResponse:
    provider = identity_provider()
    if provider is None:
        raise Http404
    state, nonce = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    verifier = provider.create_code_verifier()
    redirect_uri = request.build_absolute_uri(reverse("accounts:idp-callback"))
    try:
        url = provider.authorization_url(
            state=state, nonce=nonce, redirect_uri=redirect_uri, code_verifier=verifier
        )
    except IdentityProviderError as error:
        return _idp_error(request, error.message, status=503)
    request.session[IDP_REQUEST] = {
        "state": state,
        "nonce": nonce,
        "verifier": verifier,
        "next": _safe_next(request, request.GET.get("next") or request.POST.get("next")),
        "provider": provider.key,
    }
    return HttpResponseRedirect(url)


@require_http_methods(["GET"])
def idp_callback(request: HttpRequest) -> HttpResponse:
    provider = identity_provider()
    if provider is None:
        raise Http404
    pending = request.session.pop(IDP_REQUEST, None)
    state = request.GET.get("state", "")
    if (
        not isinstance(pending, dict)
        or not state
        or pending.get("provider") != provider.key
        or not secrets.compare_digest(str(pending.get("state", "")), state)
    ):
        return _idp_error(
            request,
            _(
                "This login answer does not match a login started here (wrong state). "
                "Please start again."
            ),
        )
    if request.GET.get("error") or not request.GET.get("code"):
        return _idp_error(
            request, _("The login at the identity provider was cancelled or refused.")
        )
    try:
        claims = provider.exchange(
            code=request.GET["code"],
            redirect_uri=request.build_absolute_uri(reverse("accounts:idp-callback")),
            nonce=str(pending["nonce"]),
            code_verifier=str(pending["verifier"]),
        )
    except IdentityProviderError as error:
        return _idp_error(request, error.message)
    if not claims.identity_number and services.idp_needs_consent(
        provider=provider.key, claims=claims
    ):
        return _idp_error(
            request,
            _(
                "The identity provider did not send your personal identity number, so no "
                "account can be opened. No account was created."
            ),
        )
    if services.idp_needs_consent(provider=provider.key, claims=claims):
        request.session[IDP_CLAIMS] = {
            "claims": _claims_to_session(claims),
            "provider": provider.key,
            "next": pending.get("next"),
        }
        return redirect("accounts:idp-consent")
    return _idp_finish(request, provider.key, claims, consent=False, next_url=pending.get("next"))


def _idp_finish(
    request: HttpRequest, provider_key: str, claims: Claims, *, consent: bool, next_url: Any
) -> HttpResponse:
    try:
        user = services.idp_login(
            provider=provider_key, claims=claims, consent=consent, ip_address=_ip(request)
        )
    except DomainError as error:
        return _idp_error(request, error.message)
    login(request, user, backend=SESSION_BACKEND)
    return redirect(_safe_next(request, str(next_url or "")))


@require_http_methods(["GET", "POST"])
def idp_consent(request: HttpRequest) -> HttpResponse:
    """First login through the provider: the citizen agrees to the processing of their data."""
    provider = identity_provider()
    pending = request.session.get(IDP_CLAIMS)
    if provider is None or not isinstance(pending, dict) or pending.get("provider") != provider.key:
        return redirect("accounts:login")
    claims = _claims_from_session(pending["claims"])
    form = ConsentForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            request.session.pop(IDP_CLAIMS, None)
            return _idp_finish(
                request, provider.key, claims, consent=True, next_url=pending.get("next")
            )
    context = {
        "form": form,
        "provider": provider,
        "full_name": claims.full_name,
        "masked_id": mask_identifier(claims.identity_number or ""),
    }
    return render(request, "accounts/idp_consent.html", context, status=status)


# ---------------------------------------------------------------------- password reset
@require_http_methods(["GET", "POST"])
def reset_request(request: HttpRequest) -> HttpResponse:
    form = ResetRequestForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            identifier = form.cleaned_data["identifier"]
            try:
                services.password_reset_request(identifier=identifier)
            except DomainError as error:
                status = error.kind.http_status
                apply_domain_error(form, error)
            else:
                messages.success(
                    request,
                    _(
                        "If an active account has this information, a 6-digit code was sent to "
                        "its e-mail or phone. It is valid for 15 minutes."
                    ),
                )
                return redirect(_with_id("accounts:reset-confirm", identifier))
    return render(request, "accounts/reset_request.html", {"form": form}, status=status)


@require_http_methods(["GET", "POST"])
def reset_confirm(request: HttpRequest) -> HttpResponse:
    form = ResetConfirmForm(request.POST or None, initial={"identifier": request.GET.get("id")})
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.password_reset_confirm(
                    identifier=data["identifier"],
                    code=data["code"],
                    password=data["password1"],
                    ip_address=_ip(request),
                )
            except DomainError as error:
                status = error.kind.http_status
                apply_domain_error(form, error)
            else:
                messages.success(request, _("Your password was changed. Log in with it."))
                return redirect(_with_id("accounts:login", data["identifier"]))
    return render(request, "accounts/reset_confirm.html", {"form": form}, status=status)
