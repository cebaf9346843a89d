"""Administrative units, agencies, service points, staff accounts and their roles."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.models import AbstractUser
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from motcua.org.roles import Role

# QĐ 20/2020/QĐ-TTg Art 4: at most 35 characters from "0-9", "A-Z" and ".", groups separated by
# dots. The older QCVN 102:2016 form (000.00.00.H26) uses the same alphabet.
AGENCY_CODE_RE = r"^[0-9A-Z]+(\.[0-9A-Z]+)*$"
agency_code_validator = RegexValidator(
    AGENCY_CODE_RE,
    message=_("An agency code uses only digits, capital letters and dots (QĐ 20/2020)."),
    code="agency_code",
)


class AdministrativeUnit(models.Model):
    """A province or commune-level unit (two-level local government since 1 July 2025)."""

    class Kind(models.TextChoices):
        CITY = "city", _("centrally-run city")
        PROVINCE = "province", _("province")
        WARD = "ward", _("ward")
        COMMUNE = "commune", _("commune")
        SPECIAL_ZONE = "special_zone", _("special zone")

    code = models.CharField(_("code"), max_length=10, unique=True)
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    source = models.TextField(_("source"), blank=True)

    class Meta:
        verbose_name = _("administrative unit")
        verbose_name_plural = _("administrative units")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class Agency(models.Model):
    """An agency or office (cơ quan, đơn vị) with its QĐ 20/2020-style identifier."""

    class Kind(models.TextChoices):
        PEOPLES_COMMITTEE = "peoples_committee", _("People's Committee")
        DEPARTMENT = "department", _("department")
        POLICE = "police", _("police")
        SERVICE_CENTER = "service_center", _("Public Administration Service Center")
        OTHER = "other", _("other agency")

    class Level(models.TextChoices):
        CITY = "city", _("city level")
        COMMUNE = "commune", _("commune level")

    class CodeSource(models.TextChoices):
        OFFICIAL = "official", _("official")
        PROVISIONAL = "provisional", _("provisional (assigned by motcua)")

    code = models.CharField(
        _("code"), max_length=35, unique=True, validators=[agency_code_validator]
    )
    code_source = models.CharField(
        _("code status"),
        max_length=20,
        choices=CodeSource.choices,
        default=CodeSource.PROVISIONAL,
        help_text=_(
            "Provisional codes follow the QĐ 20/2020 pattern but were assigned by motcua; "
            "replace them with the codes of the province's decision."
        ),
    )
    name = models.CharField(_("name"), max_length=255)
    short_name = models.CharField(_("short name"), max_length=100, blank=True)
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    level = models.CharField(_("level"), max_length=20, choices=Level.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent agency"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    administrative_unit = models.ForeignKey(
        AdministrativeUnit,
        verbose_name=_("administrative unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="agencies",
    )
    is_active = models.BooleanField(_("active"), default=True)
    source = models.TextField(_("source"), blank=True)

    class Meta:
        verbose_name = _("agency")
        verbose_name_plural = _("agencies")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class ServicePoint(models.Model):
    """Where dossiers are received and results returned (Bộ phận Một cửa, branch, point)."""

    class Kind(models.TextChoices):
        CENTER = "center", _("Public Administration Service Center headquarters")
        BRANCH = "branch", _("branch of the Service Center")
        RECEPTION_POINT = "reception_point", _("reception point")
        COMMUNE_ONE_STOP = "commune_one_stop", _("commune one-stop point")
        ONLINE = "online", _("online portal")

    code = models.CharField(
        _("code"), max_length=35, unique=True, validators=[agency_code_validator]
    )
    name = models.CharField(_("name"), max_length=255)
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    agency = models.ForeignKey(
        Agency,
        verbose_name=_("operating agency"),
        on_delete=models.PROTECT,
        related_name="service_points",
        help_text=_("The agency whose one-stop unit receives dossiers here."),
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("branch"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="points",
    )
    administrative_unit = models.ForeignKey(
        AdministrativeUnit,
        verbose_name=_("administrative unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="service_points",
    )
    address = models.CharField(_("address"), max_length=255, blank=True)
    morning_start = models.TimeField(_("morning opens"), default=dt.time(8, 0))
    morning_end = models.TimeField(_("morning closes"), default=dt.time(12, 0))
    afternoon_start = models.TimeField(_("afternoon opens"), default=dt.time(13, 0))
    afternoon_end = models.TimeField(_("afternoon closes"), default=dt.time(17, 0))
    saturday_reception = models.BooleanField(
        _("receives on Saturday mornings"),
        default=False,
        help_text=_("Opening on Saturday morning does not make Saturday a working day."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    source = models.TextField(_("source"), blank=True)

    class Meta:
        verbose_name = _("service point")
        verbose_name_plural = _("service points")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class User(AbstractUser):
    """An account: staff bound to an agency (and optionally a service point), or a citizen.

    Roles are Django groups named after :class:`motcua.org.roles.Role`; a person may hold
    several (a commune officer often both receives and processes).
    """

    full_name = models.CharField(_("full name"), max_length=150, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    agency = models.ForeignKey(
        Agency,
        verbose_name=_("agency"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="staff",
    )
    service_point = models.ForeignKey(
        ServicePoint,
        verbose_name=_("service point"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="staff",
    )
    is_demo = models.BooleanField(
        _("demonstration account"),
        default=False,
        help_text=_("Created by 'motcua up' for demonstration only; never use in production."),
    )

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.full_name or self.username

    @property
    def role_codes(self) -> frozenset[str]:
        """The role codes this account holds (cached per instance)."""
        cached: frozenset[str] | None = getattr(self, "_role_codes", None)
        if cached is None:
            valid = {role.value for role in Role}
            names = self.groups.values_list("name", flat=True)
            cached = frozenset(name for name in names if name in valid)
            self._role_codes = cached
        return cached

    def has_role(self, role: Role) -> bool:
        return role.value in self.role_codes

    @property
    def primary_role(self) -> Role | None:
        """The role whose page the user lands on after logging in."""
        for role in Role.landing_order():
            if role.value in self.role_codes:
                return role
        return None

    @property
    def is_staff_member(self) -> bool:
        return any(Role(code).is_staff_role for code in self.role_codes)
