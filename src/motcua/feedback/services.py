"""Changes to reports and petitions. Each service is one transaction and writes one audit row.

``at`` (the instant of the act) defaults to now. Deadlines use the working calendar with the
administrator's overrides (:func:`motcua.workcal.selectors.calendar_current`) and default office
hours (08:00–12:00, 13:00–17:00); the 15:00 cut-off of dossiers does not apply to reports.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from typing import IO, Any

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from motcua.catalog.models import Procedure
from motcua.catalog.selectors import version_in_force
from motcua.core.errors import DomainError, ErrorKind
from motcua.core.services import audit_record
from motcua.core.text import fold
from motcua.dossiers.models import Dossier
from motcua.dossiers.states import State
from motcua.feedback import conf
from motcua.feedback.models import (
    Answer,
    Category,
    DossierRating,
    Report,
    ReportFollower,
    ReportPhoto,
    RoutingRule,
)
from motcua.feedback.photos import CheckedPhoto, max_photos, photo_check
from motcua.feedback.selectors import (
    is_dispatcher,
    is_handler_of,
    is_receiver_of,
    is_reporter_of,
    report_root,
)
from motcua.integrations.services import outbox_enqueue
from motcua.org.models import AdministrativeUnit, Agency, User
from motcua.workcal import compute_deadline
from motcua.workcal.selectors import calendar_current

PHONE_RE = re.compile(r"^(\+84|0)[1-9][0-9]{8,9}$")
TEXT_MIN = 10
TEXT_MAX = 5000
REASON_MIN = 5
CITY_CODE = "01"
CITIZEN_NOTICE_TOPIC = "notify.citizen"  # the topic of motcua.dossiers.services
# Field reports and conduct reports are routed by rules; procedure reports by the procedure.
PROCEDURE_CATEGORIES = (Category.PROCEDURE, Category.OFFICIAL_CONDUCT)


def _now(at: dt.datetime | None) -> dt.datetime:
    return at if at is not None else timezone.now()


def _forbidden() -> DomainError:
    return DomainError(
        "feedback.not_allowed",
        _("You may not do this on this report."),
        kind=ErrorKind.FORBIDDEN,
    )


def _conflict(report: Report) -> DomainError:
    return DomainError(
        "feedback.illegal_transition",
        _("This cannot be done in the report's current status."),
        kind=ErrorKind.CONFLICT,
        data={"status": report.status},
    )


def _invalid(code: str, message: str | Promise, fields: dict[str, str | Promise]) -> DomainError:
    return DomainError(code, message, kind=ErrorKind.INVALID, fields=fields)


def _lock(report: Report) -> Report:
    return Report.objects.select_for_update(of=("self",)).select_related("agency").get(pk=report.pk)


def _deadline(start: dt.datetime, level: str) -> dt.datetime:
    return compute_deadline(start, conf.level_limit(level), calendar_current(), cutoff=False).due


def _accept_due(start: dt.datetime) -> dt.datetime:
    return compute_deadline(start, conf.accept_limit(), calendar_current(), cutoff=False).due


def _store_photos(
    report: Report, checked: Sequence[CheckedPhoto], at: dt.datetime, answer: Answer | None = None
) -> None:
    for i, photo in enumerate(checked, start=1):
        row = ReportPhoto(
            report=report,
            answer=answer,
            content_type=photo.content_type,
            size=photo.size,
            sha256=photo.sha256,
            exif_latitude=photo.latitude,
            exif_longitude=photo.longitude,
            uploaded_at=at,
        )
        stem = f"{report.pk}-{'a' if answer else 'r'}{i}-{photo.sha256[:12]}"
        row.file.save(f"{stem}.{photo.extension}", ContentFile(photo.original), save=False)
        row.public_file.save(f"{stem}.{photo.extension}", ContentFile(photo.public), save=False)
        row.save()


def _check_photos(photos: Sequence[IO[bytes] | Any], field: str) -> list[CheckedPhoto]:
    if len(photos) > max_photos():
        raise _invalid(
            "feedback.too_many_photos",
            _("Too many photos."),
            {field: format_lazy(_("At most {n} photos may be attached."), n=max_photos())},
        )
    return [photo_check(p, field=f"{field}[{i}]") for i, p in enumerate(photos)]


def _in_city(latitude: float, longitude: float) -> bool:
    south, west, north, east = conf.city_bbox()
    return south <= latitude <= north and west <= longitude <= east


def resolve_agency(report: Report) -> Agency | None:
    """The responsible agency by the routing rules, or ``None`` (the dispatcher decides).

    * a report linked to a dossier goes to the agency that owns the dossier's procedure
      (the competent agency of the dossier when the version names no owner);
    * a report naming a procedure goes to the owning agency of the version in force;
    * otherwise the active rule for (category, commune), then for (category, every commune).
    """
    if report.dossier_id is not None:
        dossier = Dossier.objects.select_related(
            "procedure_version__owner_agency", "competent_agency"
        ).get(pk=report.dossier_id)
        owner = dossier.procedure_version.owner_agency or dossier.competent_agency
        if owner is not None:
            return owner
    if report.procedure is not None:
        version = version_in_force(
            code=report.procedure.code, on=timezone.localdate(report.submitted_at)
        )
        if version is not None and version.owner_agency is not None:
            return version.owner_agency
    rules = RoutingRule.objects.filter(category=report.category, is_active=True).select_related(
        "agency"
    )
    rule = (
        rules.filter(commune_id=report.commune_id).first()
        or rules.filter(commune__isnull=True).first()
    )
    return rule.agency if rule is not None else None


def _notify(root: Report, template: str, **extra: Any) -> None:
    """Queue a notice to the reporters of ``root`` and its duplicates, and its followers.

    The payload names accounts and reports only; the notification adapter reads the contact
    (phone, e-mail) of anonymous reporters from the report when it sends.
    """
    reports = [root.pk, *Report.objects.filter(merged_into=root).values_list("pk", flat=True)]
    users = set(
        Report.objects.filter(pk__in=reports, reporter__isnull=False).values_list(
            "reporter_id", flat=True
        )
    )
    users |= set(
        ReportFollower.objects.filter(report=root, user__isnull=False).values_list(
            "user_id", flat=True
        )
    )
    outbox_enqueue(
        topic=CITIZEN_NOTICE_TOPIC,
        key=f"feedback-{root.pk}",
        payload={"template": template, "reports": reports, "user_ids": sorted(users), **extra},
    )


def _assign(report: Report, agency: Agency, at: dt.datetime) -> None:
    report.agency = agency
    report.status = Report.Status.ROUTED
    report.routed_at = at
    report.accept_due_at = _accept_due(at)


# --- submit --------------------------------------------------------------------------------


@transaction.atomic
def report_submit(
    *,
    actor: User | None,
    category: str,
    text: str,
    commune_code: str,
    address: str = "",
    latitude: float | None = None,
    longitude: float | None = None,
    contact_name: str = "",
    contact_phone: str = "",
    contact_email: str = "",
    dossier_code: str = "",
    procedure_code: str = "",
    photos: Sequence[IO[bytes] | Any] = (),
    at: dt.datetime | None = None,
    ip_address: str | None = None,
) -> Report:
    """File a report; it is routed at once when a rule (or the procedure) names an agency.

    Every field is checked before anything is stored; the errors of all fields come together.
    """
    at = _now(at)
    anonymous = actor is None or not getattr(actor, "is_authenticated", False)
    errors: dict[str, str | Promise] = {}
    text = (text or "").strip()
    address = (address or "").strip()
    contact_phone = re.sub(r"[\s.\-]", "", contact_phone or "")
    contact_email = (contact_email or "").strip()
    if category not in Category.values:
        errors["category"] = _("Choose a category from the list.")
    if len(text) < TEXT_MIN:
        errors["text"] = _("Describe the problem in at least 10 characters.")
    elif len(text) > TEXT_MAX:
        errors["text"] = _("The description may have at most 5000 characters.")
    commune = AdministrativeUnit.objects.filter(
        code=(commune_code or "").strip(),
        kind__in=(AdministrativeUnit.Kind.WARD, AdministrativeUnit.Kind.COMMUNE),
        parent__code=CITY_CODE,
    ).first()
    if commune is None:
        errors["commune"] = _("Choose a ward or commune of Hà Nội.")
    if len(address) > 255:
        errors["address"] = _("The address may have at most 255 characters.")
    if (latitude is None) != (longitude is None):
        errors["latitude" if latitude is None else "longitude"] = _(
            "Give both latitude and longitude, or neither."
        )
    outside = False
    if latitude is not None and longitude is not None:
        if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
            errors["latitude"] = _("This is not a valid position.")
        elif not _in_city(latitude, longitude):
            outside = True
            errors["latitude"] = _("The location is outside Hà Nội.")
    if latitude is None and not address and commune is not None:
        errors["address"] = _("Give the address or pick the location on the map.")
    if contact_phone and not PHONE_RE.match(contact_phone):
        errors["contact_phone"] = _("Enter a Vietnamese phone number, e.g. 0912345678.")
    if contact_email:
        try:
            validate_email(contact_email)
        except ValidationError:
            errors["contact_email"] = _("Enter a valid e-mail address.")
    if anonymous:
        if not conf.allow_anonymous():
            raise DomainError(
                "feedback.login_required",
                _("Log in to send a report."),
                kind=ErrorKind.FORBIDDEN,
            )
        if not contact_phone and not contact_email and "contact_phone" not in errors:
            errors["contact_phone"] = _(
                "Give a phone number or an e-mail address so that we can answer you."
            )
    dossier: Dossier | None = None
    if dossier_code.strip():
        dossier = Dossier.objects.filter(code=dossier_code.strip()).first()
        if dossier is None:
            errors["dossier_code"] = _("No dossier has this code.")
    procedure: Procedure | None = None
    if procedure_code.strip():
        procedure = Procedure.objects.filter(code=procedure_code.strip()).first()
        if procedure is None:
            errors["procedure_code"] = _("No procedure has this code.")
    if errors:
        raise _invalid(
            "feedback.outside_city" if outside else "feedback.invalid",
            _("The location is outside Hà Nội.") if outside else _("Some fields are not valid."),
            errors,
        )
    checked = _check_photos(photos, "photos")
    if latitude is None:
        # A position read from the first geotagged photo, when it lies in the city.
        for photo in checked:
            if (
                photo.latitude is not None
                and photo.longitude is not None
                and _in_city(photo.latitude, photo.longitude)
            ):
                latitude, longitude = photo.latitude, photo.longitude
                break
    if commune is None:  # pragma: no cover - refused above
        raise _invalid("feedback.invalid", _("Some fields are not valid."), errors)
    report = Report.objects.create(
        category=category,
        text=text,
        text_folded=fold(text),
        reporter=None if anonymous else actor,
        contact_name=contact_name.strip()[:150],
        contact_phone=contact_phone,
        contact_email=contact_email,
        commune=commune,
        address=address,
        latitude=latitude,
        longitude=longitude,
        dossier=dossier,
        procedure=procedure or (dossier.procedure_version.procedure if dossier else None),
        submitted_at=at,
    )
    _store_photos(report, checked, at)
    agency = resolve_agency(report)
    if agency is not None:
        _assign(report, agency, at)
        report.save(update_fields=["agency", "status", "routed_at", "accept_due_at"])
    audit_record(
        action="feedback.submit",
        actor=None if anonymous else actor,
        obj=report,
        data={
            "category": category,
            "commune": commune.code,
            "photos": len(checked),
            "agency": agency.code if agency else None,
        },
        ip_address=ip_address,
    )
    return report


@transaction.atomic
def report_follow(
    *,
    report: Report,
    actor: User | None,
    contact_phone: str = "",
    contact_email: str = "",
    at: dt.datetime | None = None,
) -> ReportFollower:
    """Add a citizen to an existing open report instead of filing a duplicate."""
    at = _now(at)
    root = report_root(_lock(report))
    if root.status not in (
        Report.Status.SUBMITTED,
        Report.Status.ROUTED,
        Report.Status.ACCEPTED,
    ):
        raise _conflict(root)
    anonymous = actor is None or not getattr(actor, "is_authenticated", False)
    contact_phone = re.sub(r"[\s.\-]", "", contact_phone or "")
    if anonymous:
        if not contact_phone and not contact_email:
            raise _invalid(
                "feedback.invalid",
                _("Some fields are not valid."),
                {
                    "contact_phone": _(
                        "Give a phone number or an e-mail address so that we can answer you."
                    )
                },
            )
        if contact_phone and not PHONE_RE.match(contact_phone):
            raise _invalid(
                "feedback.invalid",
                _("Some fields are not valid."),
                {"contact_phone": _("Enter a Vietnamese phone number, e.g. 0912345678.")},
            )
    elif ReportFollower.objects.filter(report=root, user=actor).exists() or is_reporter_of(
        actor, root
    ):
        raise DomainError(
            "feedback.already_following",
            _("You already follow this report."),
            kind=ErrorKind.CONFLICT,
        )
    follower = ReportFollower.objects.create(
        report=root,
        user=None if anonymous else actor,
        contact_phone=contact_phone,
        contact_email=contact_email.strip(),
        at=at,
    )
    audit_record(action="feedback.follow", actor=actor, obj=root)
    return follower


# --- routing and acceptance ------------------------------------------------------------------


@transaction.atomic
def report_route(
    *, report: Report, actor: User, agency_code: str, at: dt.datetime | None = None
) -> Report:
    """The dispatcher assigns a waiting report to an agency (acceptance clock starts now)."""
    at = _now(at)
    if not is_dispatcher(actor):
        raise _forbidden()
    report = _lock(report)
    if report.status != Report.Status.SUBMITTED:
        raise _conflict(report)
    agency = Agency.objects.filter(code=(agency_code or "").strip(), is_active=True).first()
    if agency is None:
        raise _invalid(
            "feedback.invalid", _("Some fields are not valid."), {"agency": _("Choose an agency.")}
        )
    _assign(report, agency, at)
    report.save(update_fields=["agency", "status", "routed_at", "accept_due_at"])
    audit_record(action="feedback.route", actor=actor, obj=report, data={"agency": agency.code})
    return report


@transaction.atomic
def report_accept(
    *, report: Report, actor: User, level: str, at: dt.datetime | None = None
) -> Report:
    """A receiver of the responsible agency accepts the report with a level; acceptance after
    the 8-working-hour limit is recorded as late."""
    at = _now(at)
    report = _lock(report)
    if not is_receiver_of(actor, report):
        raise _forbidden()
    if report.status != Report.Status.ROUTED:
        raise _conflict(report)
    if level not in Report.Level.values:
        raise _invalid(
            "feedback.invalid", _("Some fields are not valid."), {"level": _("Choose a level.")}
        )
    report.status = Report.Status.ACCEPTED
    report.accepted_at = at
    report.accepted_late = report.accept_due_at is not None and at > report.accept_due_at
    report.level = level
    report.due_at = _deadline(at, level)
    report.save(update_fields=["status", "accepted_at", "accepted_late", "level", "due_at"])
    Report.objects.filter(merged_into=report).update(due_at=report.due_at, level=level)
    audit_record(
        action="feedback.accept",
        actor=actor,
        obj=report,
        data={"level": level, "late": report.accepted_late, "due_at": report.due_at.isoformat()},
    )
    return report


@transaction.atomic
def report_set_level(
    *, report: Report, actor: User, level: str, at: dt.datetime | None = None
) -> Report:
    """Change the level of an accepted report; the due instant counts from acceptance (or from
    the reopening)."""
    report = _lock(report)
    if not is_handler_of(actor, report):
        raise _forbidden()
    if report.status != Report.Status.ACCEPTED:
        raise _conflict(report)
    if level not in Report.Level.values:
        raise _invalid(
            "feedback.invalid", _("Some fields are not valid."), {"level": _("Choose a level.")}
        )
    if report.accepted_at is None:  # pragma: no cover - accepted reports have it
        raise _conflict(report)
    report.level = level
    report.due_at = _deadline(report.accepted_at, level)
    report.save(update_fields=["level", "due_at"])
    Report.objects.filter(merged_into=report).update(due_at=report.due_at, level=level)
    audit_record(action="feedback.set_level", actor=actor, obj=report, data={"level": level})
    return report


def _reason(reason: str) -> str:
    reason = (reason or "").strip()
    if len(reason) < REASON_MIN:
        raise _invalid(
            "feedback.invalid",
            _("Some fields are not valid."),
            {"reason": _("Give the reason (at least 5 characters).")},
        )
    return reason


@transaction.atomic
def report_return(
    *, report: Report, actor: User, reason: str, at: dt.datetime | None = None
) -> Report:
    """The agency returns a report to the dispatcher as not within its competence."""
    report = _lock(report)
    if not is_receiver_of(actor, report):
        raise _forbidden()
    if report.status != Report.Status.ROUTED:
        raise _conflict(report)
    reason = _reason(reason)
    old = report.agency.code if report.agency else None
    report.status = Report.Status.SUBMITTED
    report.agency = None
    report.routed_at = None
    report.accept_due_at = None
    report.save(update_fields=["status", "agency", "routed_at", "accept_due_at"])
    audit_record(
        action="feedback.return", actor=actor, obj=report, data={"agency": old, "reason": reason}
    )
    return report


@transaction.atomic
def report_reject(
    *, report: Report, actor: User, reason: str, at: dt.datetime | None = None
) -> Report:
    """Reject a report with a reason (receiver of the agency, or the dispatcher while it waits
    for routing)."""
    at = _now(at)
    report = _lock(report)
    allowed = (report.status == Report.Status.ROUTED and is_receiver_of(actor, report)) or (
        report.status == Report.Status.SUBMITTED and is_dispatcher(actor)
    )
    if report.status not in (Report.Status.SUBMITTED, Report.Status.ROUTED):
        raise _conflict(report)
    if not allowed:
        raise _forbidden()
    report.rejection_reason = _reason(reason)
    report.status = Report.Status.REJECTED
    report.rejected_at = at
    report.save(update_fields=["status", "rejected_at", "rejection_reason"])
    _notify(report, "feedback.rejected", reason=report.rejection_reason)
    audit_record(
        action="feedback.reject", actor=actor, obj=report, data={"reason": report.rejection_reason}
    )
    return report


# --- answer, rating, reopening ---------------------------------------------------------------


@transaction.atomic
def report_answer(
    *,
    report: Report,
    actor: User,
    text: str,
    photos: Sequence[IO[bytes] | Any] = (),
    at: dt.datetime | None = None,
) -> Answer:
    """The responsible agency answers publicly (with photos of the result). Merged reports share
    this answer."""
    at = _now(at)
    report = _lock(report)
    if not is_handler_of(actor, report):
        raise _forbidden()
    if report.status != Report.Status.ACCEPTED:
        raise _conflict(report)
    text = (text or "").strip()
    if len(text) < TEXT_MIN:
        raise _invalid(
            "feedback.invalid",
            _("Some fields are not valid."),
            {"text": _("Write the answer in at least 10 characters.")},
        )
    checked = _check_photos(photos, "photos")
    if report.agency is None:  # pragma: no cover - accepted reports have an agency
        raise _conflict(report)
    answer = Answer.objects.create(report=report, text=text, by=actor, agency=report.agency, at=at)
    _store_photos(report, checked, at, answer=answer)
    report.status = Report.Status.ANSWERED
    report.answered_at = at
    report.answered_late = report.due_at is not None and at > report.due_at
    report.satisfied = None
    report.rated_at = None
    report.save(update_fields=["status", "answered_at", "answered_late", "satisfied", "rated_at"])
    # Duplicates merged into this report share the answer; their reporters rate anew.
    Report.objects.filter(merged_into=report).update(satisfied=None, rated_at=None)
    _notify(report, "feedback.answered", answer=answer.pk)
    audit_record(
        action="feedback.answer",
        actor=actor,
        obj=report,
        data={"late": report.answered_late, "photos": len(checked)},
    )
    return answer


@transaction.atomic
def report_rate(
    *, report: Report, actor: User, satisfied: bool, at: dt.datetime | None = None
) -> Report:
    """The reporter marks the (shared) answer satisfying or not."""
    at = _now(at)
    report = _lock(report)
    if not is_reporter_of(actor, report):
        raise _forbidden()
    root = report_root(report)
    if root.status != Report.Status.ANSWERED:
        raise _conflict(root)
    if report.satisfied is not None:
        raise DomainError(
            "feedback.already_rated",
            _("You have already rated this answer."),
            kind=ErrorKind.CONFLICT,
        )
    report.satisfied = bool(satisfied)
    report.rated_at = at
    report.save(update_fields=["satisfied", "rated_at"])
    audit_record(action="feedback.rate", actor=actor, obj=report, data={"satisfied": satisfied})
    return report


@transaction.atomic
def report_reopen(*, report: Report, actor: User, at: dt.datetime | None = None) -> Report:
    """A reporter unsatisfied with the answer reopens the report — once. The (primary) report
    goes back to its agency with a new clock of its level from now."""
    at = _now(at)
    report = _lock(report)
    if not is_reporter_of(actor, report):
        raise _forbidden()
    if report.satisfied is not False:
        raise DomainError(
            "feedback.reopen_needs_unsatisfied",
            _("Only an answer marked unsatisfactory can be reopened."),
            kind=ErrorKind.CONFLICT,
        )
    root = _lock(report_root(report))
    if root.status != Report.Status.ANSWERED:
        raise _conflict(root)
    if root.reopen_count >= 1:
        raise DomainError(
            "feedback.reopen_once",
            _("A report can be reopened only once."),
            kind=ErrorKind.CONFLICT,
        )
    root.reopen_count += 1
    root.status = Report.Status.ACCEPTED
    root.answered_at = None
    root.answered_late = False
    root.due_at = _deadline(at, root.level or Report.Level.NORMAL)
    root.save(update_fields=["reopen_count", "status", "answered_at", "answered_late", "due_at"])
    Report.objects.filter(merged_into=root).update(due_at=root.due_at)
    audit_record(
        action="feedback.reopen",
        actor=actor,
        obj=root,
        data={"from": report.pk, "due_at": root.due_at.isoformat()},
    )
    return root


# --- merging ---------------------------------------------------------------------------------


@transaction.atomic
def report_merge(
    *, primary: Report, duplicate: Report, actor: User, at: dt.datetime | None = None
) -> Report:
    """Merge ``duplicate`` into ``primary``: it takes the primary's agency, level and clock, and
    shares its answer. Reports already merged into the duplicate move to the primary."""
    primary = _lock(primary)
    duplicate = _lock(duplicate)
    if primary.pk == duplicate.pk:
        raise _invalid(
            "feedback.invalid",
            _("Some fields are not valid."),
            {"duplicate": _("A report cannot be merged into itself.")},
        )
    if not (is_dispatcher(actor) or is_handler_of(actor, primary)):
        raise _forbidden()
    closed = (Report.Status.MERGED, Report.Status.REJECTED)
    if primary.status in closed or primary.merged_into_id is not None:
        raise _conflict(primary)
    if duplicate.status in (*closed, Report.Status.ANSWERED):
        raise _conflict(duplicate)
    if (
        not is_dispatcher(actor)
        and duplicate.agency_id is not None
        and duplicate.agency_id != actor.agency_id
    ):
        raise _forbidden()
    shared = {
        "merged_into": primary,
        "agency": primary.agency,
        "level": primary.level,
        "due_at": primary.due_at,
    }
    Report.objects.filter(merged_into=duplicate).update(**shared)
    for name, value in shared.items():
        setattr(duplicate, name, value)
    duplicate.status = Report.Status.MERGED
    duplicate.save(update_fields=["merged_into", "agency", "level", "due_at", "status"])
    audit_record(
        action="feedback.merge",
        actor=actor,
        obj=duplicate,
        data={"into": primary.pk},
    )
    return duplicate


# --- satisfaction ratings of returned dossiers (Circular 01/2018) ---------------------------


def may_rate(user: User | Any, dossier: Dossier) -> bool:
    """The applicant's own account or the account that submitted the dossier."""
    if not getattr(user, "is_authenticated", False):
        return False
    if dossier.submitter_id is not None and dossier.submitter_id == user.pk:
        return True
    profile = getattr(user, "citizen_profile", None)
    return profile is not None and profile.pk == dossier.applicant_id


@transaction.atomic
def dossier_rate(
    *,
    dossier: Dossier,
    actor: User,
    scores: dict[int, int | None],
    comment: str = "",
    at: dt.datetime | None = None,
) -> DossierRating:
    """The citizen rates a returned dossier on the nine indices (each 2, 1, 0 or not rated)
    and may comment; once per dossier. The rating is anonymous to the staff concerned."""
    at = _now(at)
    locked = Dossier.objects.select_for_update(of=("self",)).get(pk=dossier.pk)
    if not may_rate(actor, locked):
        raise _forbidden()
    if locked.state != State.RETURNED:
        raise DomainError(
            "rating.not_returned",
            _("A dossier can be rated once its result has been returned."),
            kind=ErrorKind.CONFLICT,
        )
    if DossierRating.objects.filter(dossier=locked).exists():
        raise DomainError(
            "rating.already_rated",
            _("This dossier has already been rated."),
            kind=ErrorKind.CONFLICT,
        )
    errors: dict[str, str | Promise] = {}
    clean: dict[int, int | None] = {}
    for number in range(1, 10):
        value = scores.get(number)
        if value is not None and value not in (0, 1, 2):
            errors[f"index_{number}"] = _("Choose 2, 1 or 0, or leave it unrated.")
        clean[number] = value
    unknown = set(scores) - set(range(1, 10))
    if unknown:
        errors["scores"] = _("The circular has nine indices, numbered 1 to 9.")
    if not errors and all(v is None for v in clean.values()):
        errors["scores"] = _("Rate at least one index.")
    if len(comment) > 2000:
        errors["comment"] = _("At most 2,000 characters.")
    if errors:
        raise _invalid("rating.invalid", _("Some fields are not valid."), errors)
    rating = DossierRating.objects.create(
        dossier=locked,
        rater=actor,
        agency_id=locked.competent_agency_id,
        comment=comment.strip(),
        rated_at=at,
        **{f"index_{n}": v for n, v in clean.items()},
    )
    # the audit row keeps the act, not the scores: the rating stays anonymous to staff
    audit_record(action="dossier.rate", actor=actor, obj=locked, data={"at": at.isoformat()})
    return rating
