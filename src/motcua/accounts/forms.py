"""Forms of the account pages: shape only; the rules are in services.py."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from motcua.accounts import selectors


class RegisterForm(forms.Form):
    personal_id = forms.CharField(
        label=_("Personal identity number (12 digits)"),
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    full_name = forms.CharField(
        label=_("Full name"), max_length=150, widget=forms.TextInput(attrs={"autocomplete": "name"})
    )
    birth_date = forms.DateField(
        label=_("Date of birth"),
        input_formats=["%Y-%m-%d", "%d/%m/%Y"],
        widget=forms.DateInput(attrs={"type": "date", "autocomplete": "bday"}, format="%Y-%m-%d"),
    )
    phone = forms.CharField(
        label=_("Mobile phone"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
    )
    email = forms.EmailField(
        label=_("E-mail"),
        required=False,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    password1 = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password2 = forms.CharField(
        label=_("Password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    consent = forms.BooleanField(
        label=_(
            "I agree that my personal data (identity number, name, date of birth, phone, "
            "e-mail) are processed to handle my administrative procedures, as the notice "
            "above describes (Decree 13/2023/NĐ-CP)."
        ),
        required=True,
        error_messages={
            "required": _("You must agree to the processing of your personal data."),
        },
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        one, two = data.get("password1"), data.get("password2")
        if one and two and one != two:
            self.add_error("password2", _("The two passwords differ."))
        return data


class VerifyForm(forms.Form):
    identifier = forms.CharField(
        label=_("Identity number, phone or e-mail"),
        max_length=254,
        widget=forms.TextInput(attrs={"autocomplete": "username"}),
    )
    code = forms.CharField(
        label=_("Verification code (6 digits)"),
        max_length=10,
        required=False,
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "maxlength": "6"}
        ),
    )

    def clean_code(self) -> str:
        code = str(self.cleaned_data.get("code") or "").strip().replace(" ", "")
        if self.data.get("action") != "resend" and not (len(code) == 6 and code.isdigit()):
            raise ValidationError(_("The code has 6 digits."), code="code_format")
        return code


class LoginForm(AuthenticationForm):
    """Identity number, phone, e-mail (citizens) or username (staff), and password."""

    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": _(
            "The login details are wrong. Check the identity number, phone, e-mail or "
            "username and the password."
        ),
        "unverified": _(
            "Your account is not verified yet: enter the code we sent you to activate it."
        ),
    }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["username"].label = _("Identity number, phone, e-mail or username")
        self.fields["username"].max_length = 254  # type: ignore[attr-defined]
        self.fields["username"].widget.attrs["maxlength"] = 254
        self.unverified = False

    def clean(self) -> dict[str, Any]:
        try:
            return super().clean()
        except ValidationError:
            username = self.cleaned_data.get("username") or ""
            password = self.cleaned_data.get("password") or ""
            user = selectors.citizen_user_by_identifier(username) if username else None
            if (
                user is not None
                and not user.is_active
                and selectors.is_unverified(user)
                and user.check_password(password)
            ):
                self.unverified = True
                raise ValidationError(
                    self.error_messages["unverified"], code="unverified"
                ) from None
            raise


class ResetRequestForm(forms.Form):
    identifier = forms.CharField(
        label=_("Identity number, phone or e-mail"),
        max_length=254,
        widget=forms.TextInput(attrs={"autocomplete": "username"}),
    )


class ResetConfirmForm(forms.Form):
    identifier = forms.CharField(label=_("Identity number, phone or e-mail"), max_length=254)
    code = forms.CharField(
        label=_("Code (6 digits)"),
        max_length=10,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code"}),
    )
    password1 = forms.CharField(
        label=_("New password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password2 = forms.CharField(
        label=_("Password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        one, two = data.get("password1"), data.get("password2")
        if one and two and one != two:
            self.add_error("password2", _("The two passwords differ."))
        return data


class ConsentForm(forms.Form):
    consent = RegisterForm.base_fields["consent"]
