"""Staff pages of citizen reports (mounted at ``/staff/feedback/``, namespace
``feedback_staff``): the queue and a report's page with the acts allowed to the reader.

Thin views: they check who is asking (the dispatcher, or staff of the responsible agency),
parse the input with :mod:`motcua.feedback.staff_forms`, call one service of
:mod:`motcua.feedback.services` and render. A refused act is shown next to its field (or at the
top) with the status its kind says (403, 409, 422; 400 for input of the wrong shape); a done act
redirects back with a message (POST-redirect-GET).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, cast

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from motcua.backoffice.work_selectors import TimeLeft, time_left
from motcua.core.errors import DomainError, ErrorKind
from motcua.core.models import AuditEvent
from motcua.core.permissions import role_required
from motcua.core.services import audit_record
from motcua.dossiers import clock
from motcua.feedback import conf, selectors, services
from motcua.feedback.models import Report, ReportFollower, ReportPhoto
from motcua.feedback.staff_forms import (
    ACTION_FORMS,
    ACTION_LABELS,
    QueueFilterForm,
    StaffActionForm,
)
from motcua.org.models import User
from motcua.org.roles import Role
from motcua.people.identity import mask_email, mask_identifier
from motcua.workcal import compute_deadline
from motcua.workcal.selectors import calendar_current
from motcua.workcal.types import TimeLimit, Unit

SECTION_SIZE = 50
#: Why staff open a report with its reporter's contact (purpose-bound access, DESIGN.md §4).
PURPOSE = "report handling"
STAFF_ROLES = (Role.RECEIVER, Role.PROCESSOR, Role.APPROVER, Role.SUPERVISOR)
VIEW_ACTION = "feedback.personal_data_viewed"
#: Irreversible acts get the "danger" look.
IRREVERSIBLE = frozenset({"reject", "merge"})

staff_feedback_required = role_required(*STAFF_ROLES)


def _user(request: HttpRequest) -> User:
    return cast(User, request.user)  # the decorator admits only logged-in staff


def _ip(request: HttpRequest) -> str | None:
    return request.META.get("REMOTE_ADDR")


# ----------------------------------------------------------------------------- access
def _works_on_reports(user: User) -> bool:
    """The dispatcher, or staff of an agency who may handle its reports."""
    return selectors.is_dispatcher(user) or (
        user.agency_id is not None and any(user.has_role(role) for role in selectors.HANDLER_ROLES)
    )


def may_see(user: User, report: Report) -> bool:
    """The dispatcher sees every report; staff see the reports of their agency."""
    if selectors.is_dispatcher(user):
        return True
    return (
        report.agency_id is not None
        and user.agency_id == report.agency_id
        and any(user.has_role(role) for role in selectors.HANDLER_ROLES)
    )


def _load(user: User, pk: int) -> Report:
    report = (
        Report.objects.select_related("commune", "agency", "reporter", "merged_into")
        .filter(pk=pk)
        .first()
    )
    if report is None:
        raise Http404
    if not may_see(user, report):
        raise PermissionDenied
    return report


def allowed_actions(user: User, report: Report) -> list[str]:
    """The acts the page offers this user in the report's status (the services check again)."""
    status = report.status
    dispatcher = selectors.is_dispatcher(user)
    receiver = selectors.is_receiver_of(user, report)
    handler = selectors.is_handler_of(user, report)
    acts: list[str] = []
    if status == Report.Status.SUBMITTED and dispatcher:
        acts.append("route")
    if status == Report.Status.ROUTED and receiver:
        acts += ["accept", "return"]
    if status == Report.Status.ACCEPTED and handler:
        acts += ["answer", "level"]
    if (status == Report.Status.SUBMITTED and dispatcher) or (
        status == Report.Status.ROUTED and receiver
    ):
        acts.append("reject")
    if (
        status not in (Report.Status.MERGED, Report.Status.REJECTED)
        and report.merged_into_id is None
        and (dispatcher or handler)
    ):
        acts.append("merge")
    return acts


# ----------------------------------------------------------------------------- audit
@transaction.atomic
def report_contact_view_record(
    *, actor: User, report: Report, ip_address: str | None
) -> AuditEvent:
    """A staff member opened a report's page, which shows the reporter's contact in full."""
    return audit_record(
        action=VIEW_ACTION,
        actor=actor,
        obj=report,
        purpose=PURPOSE,
        data={
            "report": report.pk,
            "fields": ["contact_name", "contact_phone", "contact_email", "reporter"],
        },
        ip_address=ip_address,
    )


# ----------------------------------------------------------------------------- masking
def _initials(name: str) -> str:
    return " ".join(f"{word[0]}." for word in name.split() if word)


@dataclass(frozen=True, slots=True)
class MaskedContact:
    name: str
    phone: str
    email: str


def masked_contact(report: Report) -> MaskedContact:
    name = report.contact_name or (report.reporter.full_name if report.reporter else "")
    return MaskedContact(
        name=_initials(name),
        phone=mask_identifier(report.contact_phone, 3) if report.contact_phone else "",
        email=mask_email(report.contact_email) if report.contact_email else "",
    )


# ----------------------------------------------------------------------------- the queue
@dataclass(frozen=True, slots=True)
class QueueRow:
    report: Report
    contact: MaskedContact
    left: TimeLeft | None


@dataclass(frozen=True, slots=True)
class QueueSection:
    key: str
    title: Any
    rows: list[QueueRow]
    total: int


def _left(report: Report, now: dt.datetime) -> TimeLeft | None:
    deadline = None
    if report.status == Report.Status.ROUTED:
        deadline = report.accept_due_at
    elif report.status == Report.Status.ACCEPTED:
        deadline = report.due_at
    if deadline is None:
        return None
    return time_left(deadline=deadline, now=now, hours=clock.office_hours(None))


def _section(
    key: str, title: Any, qs: QuerySet[Report], now: dt.datetime, with_time: bool = True
) -> QueueSection:
    rows = [
        QueueRow(r, masked_contact(r), _left(r, now) if with_time else None)
        for r in qs.select_related("commune", "reporter")[:SECTION_SIZE]
    ]
    return QueueSection(key, title, rows, qs.count())


def _filtered(qs: QuerySet[Report], data: dict[str, Any]) -> QuerySet[Report]:
    if data.get("status"):
        qs = qs.filter(status=data["status"])
    if data.get("category"):
        qs = qs.filter(category=data["category"])
    if data.get("commune"):
        qs = qs.filter(commune__code=data["commune"])
    return qs


@require_GET
@staff_feedback_required
def queue(request: HttpRequest) -> HttpResponse:
    """The dispatcher's reports to route; the agency's reports to accept, in handling and
    answered. Contacts are masked here."""
    user = _user(request)
    if not _works_on_reports(user):
        raise PermissionDenied
    form = QueueFilterForm(request.GET or None)
    data: dict[str, Any] = form.cleaned_data if form.is_valid() else {}
    status = 200 if form.is_valid() or not request.GET else 400
    now = timezone.now()
    sections: list[QueueSection] = []
    if selectors.is_dispatcher(user):
        sections.append(
            _section(
                "dispatch",
                _("Waiting for routing"),
                _filtered(selectors.reports_for_dispatcher(), data).order_by("submitted_at"),
                now,
                with_time=False,
            )
        )
    if user.agency_id is not None and any(user.has_role(r) for r in selectors.HANDLER_ROLES):
        mine = Report.objects.filter(agency_id=user.agency_id)
        routed = mine.filter(status=Report.Status.ROUTED).order_by("accept_due_at", "pk")
        accepted = mine.filter(status=Report.Status.ACCEPTED).order_by("due_at", "pk")
        answered = mine.filter(status=Report.Status.ANSWERED).order_by("-answered_at", "-pk")
        sections += [
            _section("accept", _("To accept"), _filtered(routed, data), now),
            _section("handling", _("In handling"), _filtered(accepted, data), now),
            _section("answered", _("Answered"), _filtered(answered, data), now, False),
        ]
    return render(
        request,
        "feedback/staff/queue.html",
        {
            "form": form,
            "sections": sections,
            "agency": user.agency,
            "dispatcher": selectors.is_dispatcher(user),
        },
        status=status,
    )


# ----------------------------------------------------------------------------- the page
def _limit_text(limit: TimeLimit) -> str:
    if limit.unit is Unit.WORKING_HOURS:
        return ngettext("%(n)d working hour", "%(n)d working hours", limit.value) % {
            "n": limit.value
        }
    return ngettext("%(n)d working day", "%(n)d working days", limit.value) % {"n": limit.value}


@dataclass(frozen=True, slots=True)
class LevelRow:
    level: str
    label: Any
    limit: str
    due_at: dt.datetime | None
    current: bool


def level_rows(report: Report, now: dt.datetime) -> list[LevelRow]:
    """Each level's handling limit and, once the report is accepted (or if accepted now), the
    due instant that level gives."""
    start = report.accepted_at
    if report.status == Report.Status.ROUTED:
        start = now
    rows = []
    for value, label in Report.Level.choices:
        limit = conf.level_limit(value)
        due = (
            compute_deadline(start, limit, calendar_current(), cutoff=False).due
            if start is not None
            else None
        )
        rows.append(LevelRow(value, label, _limit_text(limit), due, value == report.level))
    return rows


def _action_items(
    report: Report, acts: list[str], bound: dict[str, StaffActionForm]
) -> list[dict[str, Any]]:
    names = [*acts, *(a for a in bound if a not in acts)]
    items = []
    for act in names:
        form = bound.get(act)
        if form is None:
            initial: dict[str, Any] = {}
            if act == "level":
                initial["level"] = report.level
            form = ACTION_FORMS[act](initial=initial, auto_id=f"id_{act}_%s")
        items.append(
            {
                "action": act,
                "label": ACTION_LABELS[act],
                "form": form,
                "open": act in bound,
                "irreversible": act in IRREVERSIBLE,
            }
        )
    return items


EVENT_LABELS: dict[str, Any] = {
    "feedback.submit": _("Report filed"),
    "feedback.follow": _("A citizen follows the report"),
    "feedback.route": _("Routed to an agency"),
    "feedback.accept": _("Accepted for handling"),
    "feedback.set_level": _("Level changed"),
    "feedback.return": _("Returned to the dispatcher"),
    "feedback.reject": _("Report rejected"),
    "feedback.answer": _("Answer published"),
    "feedback.rate": _("Rated by the reporter"),
    "feedback.reopen": _("Reopened by the reporter"),
    "feedback.merge": _("Merged into another report"),
}


def _event_row(event: AuditEvent) -> dict[str, Any]:
    data = event.data if isinstance(event.data, dict) else {}
    levels = dict(Report.Level.choices)
    return {
        "event": event,
        "label": EVENT_LABELS.get(event.action, event.action),
        "agency": data.get("agency") or "",
        "level": levels.get(data.get("level") or "", ""),
        "reason": data.get("reason") or "",
    }


def _render_page(
    request: HttpRequest,
    report: Report,
    *,
    bound: dict[str, StaffActionForm] | None = None,
    error: str = "",
    status: int = 200,
) -> HttpResponse:
    user = _user(request)
    # every rendering shows the reporter's contact in full: each one is recorded
    report_contact_view_record(actor=user, report=report, ip_address=_ip(request))
    now = timezone.now()
    acts = allowed_actions(user, report)
    root = selectors.report_root(report)
    suggestions = (
        selectors.duplicate_suggestions(
            category=report.category,
            commune_id=report.commune_id,
            text=report.text,
            latitude=report.latitude,
            longitude=report.longitude,
            exclude_pk=report.pk,
        )
        if "merge" in acts
        else []
    )
    events = (
        AuditEvent.objects.filter(object_type="feedback.report", object_id=str(report.pk))
        .exclude(action=VIEW_ACTION)
        .select_related("actor")
        .order_by("at", "pk")
    )
    context = {
        "r": report,
        "root": root,
        "photos": ReportPhoto.objects.filter(report=report, answer__isnull=True),
        "answers": root.answers.select_related("agency", "by").prefetch_related("photos"),
        "followers": ReportFollower.objects.filter(report=report).select_related("user"),
        "duplicates": Report.objects.filter(merged_into=report).order_by("pk"),
        "events": [_event_row(e) for e in events],
        "left": _left(report, now),
        "levels": level_rows(report, now),
        "suggestions": suggestions,
        "action_items": _action_items(report, acts, bound or {}),
        "error": error,
    }
    return render(request, "feedback/staff/report.html", context, status=status)


@require_GET
@staff_feedback_required
def report_page(request: HttpRequest, pk: int) -> HttpResponse:
    """A report with its reporter's contact (the read is audited), photos, location,
    deadlines, history, and the acts the reader may take now."""
    report = _load(_user(request), pk)
    return _render_page(request, report)


def _call(act: str, report: Report, user: User, form: StaffActionForm, request: HttpRequest) -> Any:
    data = form.service_kwargs()
    if act == "route":
        return services.report_route(report=report, actor=user, agency_code=data["agency_code"])
    if act == "accept":
        return services.report_accept(report=report, actor=user, level=data["level"])
    if act == "level":
        return services.report_set_level(report=report, actor=user, level=data["level"])
    if act == "return":
        return services.report_return(report=report, actor=user, reason=data["reason"])
    if act == "reject":
        return services.report_reject(report=report, actor=user, reason=data["reason"])
    if act == "answer":
        return services.report_answer(
            report=report, actor=user, text=data["text"], photos=request.FILES.getlist("photos")
        )
    duplicate = Report.objects.filter(pk=data["duplicate"]).first()
    if duplicate is None:
        raise DomainError(
            "feedback.invalid",
            _("Some fields are not valid."),
            kind=ErrorKind.INVALID,
            fields={"duplicate": _("No report has this number.")},
        )
    return services.report_merge(primary=report, duplicate=duplicate, actor=user)


DONE_MESSAGES: dict[str, Any] = {
    "route": _("Report PA-{pk} was routed to {agency}."),
    "accept": _("Report PA-{pk} was accepted."),
    "level": _("The level of report PA-{pk} was changed."),
    "return": _("Report PA-{pk} was returned to the dispatcher."),
    "reject": _("Report PA-{pk} was rejected."),
    "answer": _("The answer to report PA-{pk} was published."),
    "merge": _("The duplicate was merged into report PA-{pk}."),
}


@require_POST
@staff_feedback_required
def report_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """One act on the report through its service, then back to the page (or the queue when
    the report left the reader's hands)."""
    if action not in ACTION_FORMS:
        raise Http404
    user = _user(request)
    report = _load(user, pk)
    form = ACTION_FORMS[action](request.POST, auto_id=f"id_{action}_%s")
    if not form.is_valid():
        return _render_page(
            request,
            report,
            bound={action: form},
            error=str(_("Check the fields marked below.")),
            status=400,
        )
    try:
        _call(action, report, user, form, request)
    except DomainError as exc:
        if exc.kind is ErrorKind.NOT_FOUND:
            raise Http404(exc.text()) from exc
        unmatched = {k: v for k, v in exc.fields.items() if k.split("[", 1)[0] not in form.fields}
        form.add_domain_errors(exc.fields)
        for message in unmatched.values():
            form.add_error(None, str(message))
        report.refresh_from_db()
        return _render_page(
            request, report, bound={action: form}, error=exc.text(), status=exc.kind.http_status
        )
    report.refresh_from_db()
    messages.success(
        request,
        format_lazy(
            DONE_MESSAGES[action],
            pk=report.pk,
            agency=report.agency.name if report.agency else "",
        ),
    )
    if may_see(user, report):
        return redirect("feedback_staff:report", pk=report.pk)
    return redirect("feedback_staff:queue")
