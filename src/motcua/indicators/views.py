"""The supervisor's Decision 766 dashboard: scorecard, group, drill-down list, trends, worst ten.

Every page reads the period and the scope from the query string (``period=2026-10`` in the
forms of the command line, or the picker's fields ``kind``, ``month``, ``quarter``, ``year``,
``from``, ``to``; ``scope=city`` or ``scope=agency:CODE``) and answers:

* not logged in → the login page; not a supervisor → 403;
* a period or scope that cannot be read → 400, the page with the Vietnamese error next to the
  field;
* a scope outside the supervisor's → 403.

``?format=json`` (scorecard) gives the same JSON as ``motcua indicators … --json``;
``?format=xlsx`` the workbook of the scorecard or of a drill-down list; ``?format=csv`` any
list.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, cast
from urllib.parse import urlencode

from django.core.exceptions import PermissionDenied
from django.core.paginator import EmptyPage, Paginator
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from motcua.core.permissions import role_required
from motcua.org.models import User
from motcua.org.roles import Role
from motcua.workcal.types import VN_TZ

from . import dashboard, exports
from .charts import Point, line_chart
from .engine import GROUP_MAX, GROUP_NAMES_VI, Group, IndicatorInputError, ruleset_for
from .selectors import Period, Scope, parse_period, parse_scope, scorecard_for

PAGE_SIZE = 50
KINDS = ("month", "quarter", "year", "range")
#: Most rows in one export of a drill-down list.
MAX_EXPORT_ROWS = 100_000


def now() -> dt.datetime:
    """The instant the figures are computed at (a seam for tests)."""
    return timezone.now()


# --------------------------------------------------------------------------- the selection
@dataclass
class Selection:
    """What the picker shows and, when valid, the period and scope it selects."""

    user: User
    period: Period | None = None
    scope: Scope | None = None
    errors: dict[str, str] = field(default_factory=dict)
    values: dict[str, str] = field(default_factory=dict)
    choices: list[dashboard.ScopeChoice] = field(default_factory=list)

    @property
    def valid(self) -> bool:
        return not self.errors and self.period is not None and self.scope is not None

    @property
    def query(self) -> str:
        """``period=…&scope=…`` of the valid selection."""
        assert self.period is not None and self.scope is not None  # noqa: S101 - after valid
        return urlencode({"period": self.period.label, "scope": self.scope.label})


def _composed_period(params: QueryDict) -> tuple[str, str]:
    """``(period text, field to blame)`` from the picker's fields."""
    kind = params.get("kind", "")
    year = params.get("year", "").strip()
    if kind == "month":
        return params.get("month", "").strip(), "month"
    if kind == "quarter":
        return f"{year}-Q{params.get('quarter', '').strip()}", "year"
    if kind == "year":
        return year, "year"
    if kind == "range":
        return f"{params.get('from', '').strip()}..{params.get('to', '').strip()}", "from"
    return "", "kind"


def _picker_values(period: Period) -> dict[str, str]:
    values = {"kind": period.kind, "period": period.label, "year": str(period.start.year)}
    values["month"] = f"{period.start:%Y-%m}"
    values["quarter"] = str((period.start.month - 1) // 3 + 1)
    values["from"] = period.start.isoformat()
    values["to"] = period.last_day.isoformat()
    return values


def read_selection(params: QueryDict, user: User, today: dt.date) -> Selection:
    """Parse the period and scope; errors go to the field that holds the bad value.
    Raises :class:`PermissionDenied` for a scope outside the user's."""
    sel = Selection(user=user, choices=dashboard.scope_choices(user))
    raw_period = params.get("period")
    kind = params.get("kind")
    if raw_period is None and kind is None:
        raw, blame = f"{today:%Y-%m}", "period"
    elif raw_period is not None:
        raw, blame = raw_period, "period"
    elif kind not in KINDS:
        raw, blame = "", "kind"
    else:
        raw, blame = _composed_period(params)
    sel.values = {
        key: params.get(key, "") for key in ("kind", "month", "quarter", "year", "from", "to")
    }
    sel.values.update(period=raw, kind=kind or "month")
    try:
        period = parse_period(raw)
        ruleset_for(period.start)  # refuses a period before the first rule set
        sel.period = period
        sel.values.update(_picker_values(period))
    except IndicatorInputError as exc:
        sel.errors[blame] = exc.message_vi
        if blame == "period":  # a bad link: show it in the picker's month field too
            sel.values["month"] = raw
    raw_scope = params.get("scope")
    if raw_scope is None:
        sel.scope = dashboard.default_scope(user)
        if sel.scope is None:
            raise PermissionDenied
    else:
        try:
            sel.scope = parse_scope(raw_scope)
        except IndicatorInputError as exc:
            sel.errors["scope"] = exc.message_vi
    if sel.scope is not None:
        if not dashboard.scope_allowed(user, sel.scope):
            raise PermissionDenied
        sel.values["scope"] = sel.scope.label
    else:
        sel.values["scope"] = raw_scope or ""
    return sel


def _field_label(name: str) -> str:
    labels: Mapping[str, Any] = {
        "period": gettext_lazy("Period"),
        "kind": gettext_lazy("Kind of period"),
        "month": gettext_lazy("Month"),
        "year": gettext_lazy("Year"),
        "from": gettext_lazy("First day"),
        "scope": gettext_lazy("Scope"),
        "format": gettext_lazy("Format"),
        "metric": gettext_lazy("Indicator"),
        "part": gettext_lazy("Number"),
        "page": gettext_lazy("Page"),
        "agency": gettext_lazy("Agency"),
        "list": gettext_lazy("List"),
    }
    return str(labels.get(name, name))


def _bad_request(
    request: HttpRequest, template: str, sel: Selection, context: dict[str, Any]
) -> HttpResponse:
    context.update(
        sel=sel,
        errors=[(f"{_field_label(k)} ({k})", v) for k, v in sel.errors.items()],
    )
    return render(request, template, context, status=400)


def _format(request: HttpRequest, allowed: tuple[str, ...], sel: Selection) -> str:
    fmt = request.GET.get("format", "")
    if fmt and fmt not in allowed:
        sel.errors["format"] = _("unknown format; use one of: %(formats)s") % {
            "formats": ", ".join(allowed)
        }
    return fmt


def _filename(stem: str, sel: Selection, ext: str) -> str:
    assert sel.period is not None and sel.scope is not None  # noqa: S101 - after valid
    return f"{stem}-{sel.period.label}-{sel.scope.label.replace(':', '-')}.{ext}"


def _selection(request: HttpRequest) -> Selection:
    user = cast(User, request.user)  # role_required admits only logged-in supervisors
    return read_selection(request.GET, user, now().astimezone(VN_TZ).date())


def _groups(data: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The groups with ``code`` and ``change`` always present (``None``: no comparison)."""
    groups = []
    for g in data["groups"]:
        for ind in g["indicators"]:
            ind.setdefault("change", None)
        groups.append({"change": None, **g, "code": g.get("code") or g["group"]})
    return groups


# --------------------------------------------------------------------------- scorecard
@role_required(Role.SUPERVISOR)
def scorecard(request: HttpRequest) -> HttpResponse:
    """The total out of 100 with its change, one block per group, the figures."""
    template = "indicators/scorecard.html"
    sel = _selection(request)
    fmt = _format(request, ("json", "xlsx", "csv"), sel)
    if not sel.valid:
        return _bad_request(request, template, sel, {})
    assert sel.period is not None and sel.scope is not None  # noqa: S101 - valid
    data = scorecard_for(sel.period, sel.scope, now=now())
    if fmt == "json":
        return HttpResponse(
            json.dumps(data, ensure_ascii=False), content_type="application/json; charset=utf-8"
        )
    if fmt == "xlsx":
        return exports.xlsx_response(
            _filename("bo-chi-so-766", sel, "xlsx"), exports.scorecard_workbook(data)
        )
    if fmt == "csv":
        return exports.csv_response(
            _filename("bo-chi-so-766", sel, "csv"),
            exports.scorecard_headers(),
            exports.scorecard_rows(data),
        )
    figures = [(key, exports.figure_label(key), value) for key, value in data["figures"].items()]
    context = {"sel": sel, "data": data, "groups": _groups(data), "figures": figures}
    return render(request, template, context)


# --------------------------------------------------------------------------- group
@dataclass(frozen=True, slots=True)
class IndicatorRow:
    ind: dict[str, Any]
    number: str
    name_vi: str
    drill_numerator: str  # query string of the list, "" when none
    drill_denominator: str
    why_not: str
    count_differs: bool  # the numerator is weighted (e.g. × sync rate): the list is the count


def _drill_query(sel: Selection, metric: str, part: str) -> str:
    return f"{sel.query}&{urlencode({'metric': metric, 'part': part})}"


@role_required(Role.SUPERVISOR)
def group(request: HttpRequest, code: str) -> HttpResponse:
    """Every indicator of one group; each number opens the dossiers behind it (or says why
    there is no such list)."""
    if code not in {g.value for g in Group}:
        raise Http404
    template = "indicators/group.html"
    sel = _selection(request)
    fmt = _format(request, ("csv",), sel)
    if not sel.valid:
        return _bad_request(request, template, sel, {"code": code})
    assert sel.period is not None and sel.scope is not None  # noqa: S101 - valid
    data = scorecard_for(sel.period, sel.scope, now=now())
    chosen = next(g for g in _groups(data) if g["code"] == code)
    rules = exports._rules(data)
    if fmt == "csv":
        all_rows = exports.scorecard_rows(data)
        metrics = {ind["metric"] for ind in chosen["indicators"]}
        rows = [r for r in all_rows if r[1] == code or r[1] in metrics]
        return exports.csv_response(
            _filename(f"nhom-{code}", sel, "csv"), exports.scorecard_headers(), rows
        )
    rows_out = []
    for ind in chosen["indicators"]:
        reason = dashboard.not_drillable_reason(ind["metric"], ind["score"] is not None)
        drillable = reason is None
        rows_out.append(
            IndicatorRow(
                ind=ind,
                number=exports.indicator_number(ind, rules),
                name_vi=exports.indicator_name_vi(ind, rules),
                drill_numerator=_drill_query(sel, ind["metric"], "numerator") if drillable else "",
                drill_denominator=(
                    _drill_query(sel, ind["metric"], "denominator") if drillable else ""
                ),
                why_not=str(reason or ""),
                count_differs=ind["metric"] == "ONLINE_DOSSIER_SHARE",
            )
        )
    context = {"sel": sel, "data": data, "group": chosen, "rows": rows_out}
    return render(request, template, context)


# --------------------------------------------------------------------------- drill-down
@role_required(Role.SUPERVISOR)
def dossiers(request: HttpRequest) -> HttpResponse:
    """The dossiers behind one number, paginated, personal data masked."""
    template = "indicators/dossiers.html"
    sel = _selection(request)
    fmt = _format(request, ("xlsx", "csv"), sel)
    metric = request.GET.get("metric", "").strip().upper()
    part = request.GET.get("part", "").strip()
    agency = request.GET.get("agency", "").strip()
    step = request.GET.get("step", "").strip()
    if metric == dashboard.LOST_TIME:
        if not agency:
            sel.errors["agency"] = _("give the agency code")
    elif metric not in dashboard.DRILLABLE:
        reason = dashboard.not_drillable_reason(metric, True) if metric else None
        sel.errors["metric"] = (
            _("choose one of: %(codes)s") % {"codes": ", ".join(dashboard.DRILLABLE)}
            if reason is None
            else _("%(metric)s: %(reason)s") % {"metric": metric, "reason": reason}
        )
    elif part not in dashboard.PARTS:
        sel.errors["part"] = _("must be numerator or denominator")
    page_raw = request.GET.get("page", "1")
    page_number = int(page_raw) if page_raw.isdigit() and 0 < int(page_raw) <= 100_000 else 0
    if not page_number:
        sel.errors["page"] = _("must be a whole number from 1")
    context: dict[str, Any] = {"metric": metric, "part": part, "agency": agency, "step": step}
    context["hidden_fields"] = list(context.items())
    if not sel.valid:
        return _bad_request(request, template, sel, context)
    assert sel.period is not None and sel.scope is not None  # noqa: S101 - valid
    qs = dashboard.drill_down(
        user=sel.user,
        period=sel.period,
        scope=sel.scope,
        metric=metric,
        part=part,
        now=now(),
        agency=agency,
        step=step,
    )
    stem = f"ho-so-{metric.lower()}-{part or 'lost'}"
    meta = [
        (
            _("Period"),
            f"{sel.period.label} ({sel.period.start:%d/%m/%Y} – {sel.period.last_day:%d/%m/%Y})",
        ),
        (_("Scope"), sel.scope.label),
        (_("Indicator"), metric),
        (_("Number"), part or f"{agency} {step}".strip()),
    ]
    if fmt == "xlsx":
        rows = dashboard.register_rows(qs[:MAX_EXPORT_ROWS].iterator())
        return exports.xlsx_response(
            _filename(stem, sel, "xlsx"), exports.register_workbook(rows, meta=meta)
        )
    if fmt == "csv":
        values = (
            exports.register_values(r)
            for r in dashboard.register_rows(qs[:MAX_EXPORT_ROWS].iterator())
        )
        return exports.csv_response(_filename(stem, sel, "csv"), exports.register_headers(), values)
    paginator = Paginator(qs, PAGE_SIZE)
    try:
        page = paginator.page(page_number)
    except EmptyPage:
        sel.errors["page"] = _("there is no such page")
        return _bad_request(request, template, sel, context)
    start = (page.number - 1) * PAGE_SIZE + 1
    list_query = f"{sel.query}&{urlencode({k: v for k, v in context['hidden_fields'] if v})}"
    context.update(
        sel=sel,
        page=page,
        rows=list(
            zip(page.object_list, dashboard.register_rows(page.object_list, start), strict=True)
        ),
        list_query=list_query,
        meta=meta,
        description=dashboard.describe(metric, part),
    )
    return render(request, template, context)


# --------------------------------------------------------------------------- trends
def _trend_chart(
    months: list[dashboard.TrendMonth], title: str, chart_id: str, maximum: int, key: str
) -> SafeString:
    points = [
        Point(m.period.label, m.total if key == "total" else m.groups.get(key)) for m in months
    ]
    svg = line_chart(
        points,
        title=title,
        chart_id=chart_id,
        y_max=maximum,
        y_label=_("points"),
        no_value=_("no figure"),
    )
    return mark_safe(svg)  # noqa: S308 - charts.py escapes every label


@role_required(Role.SUPERVISOR)
def trends(request: HttpRequest) -> HttpResponse:
    """The total and each group's score, month by month, for the 12 months up to the
    period (SVG drawn on the server)."""
    template = "indicators/trends.html"
    sel = _selection(request)
    fmt = _format(request, ("csv",), sel)
    if not sel.valid:
        return _bad_request(request, template, sel, {})
    assert sel.period is not None and sel.scope is not None  # noqa: S101 - valid
    months = dashboard.monthly_trend(sel.period, sel.scope, now=now())
    codes = [g.value for g in Group]
    if fmt == "csv":
        headers = [_("Month"), _("Total score"), *(GROUP_NAMES_VI[g] for g in Group)]
        rows = [[m.period.label, m.total, *(m.groups.get(c) for c in codes)] for m in months]
        return exports.csv_response(_filename("xu-huong", sel, "csv"), headers, rows)
    charts = [
        {
            "code": "total",
            "svg": _trend_chart(months, _("Total score (out of 100)"), "chart-total", 100, "total"),
        }
    ]
    for g in Group:
        out_of = _("out of %(n)s") % {"n": GROUP_MAX[g]}
        title = f"{GROUP_NAMES_VI[g]} ({out_of})"
        charts.append(
            {
                "code": g.value,
                "svg": _trend_chart(months, title, f"chart-{g.value}", GROUP_MAX[g], g.value),
            }
        )
    table = [
        {"label": m.period.label, "total": m.total, "groups": [m.groups.get(c) for c in codes]}
        for m in months
    ]
    context = {
        "sel": sel,
        "charts": charts,
        "table": table,
        "group_names": [GROUP_NAMES_VI[g] for g in Group],
    }
    return render(request, template, context)


# --------------------------------------------------------------------------- worst ten
@role_required(Role.SUPERVISOR)
def worst(request: HttpRequest) -> HttpResponse:
    """The ten agencies and the ten steps that lost the most office time in the period."""
    template = "indicators/worst.html"
    sel = _selection(request)
    fmt = _format(request, ("csv",), sel)
    which = request.GET.get("list", "agencies")
    if fmt == "csv" and which not in {"agencies", "steps"}:
        sel.errors["list"] = _("must be agencies or steps")
    if not sel.valid:
        return _bad_request(request, template, sel, {})
    assert sel.period is not None and sel.scope is not None  # noqa: S101 - valid
    agencies, steps = dashboard.lost_time(sel.period, sel.scope)
    if fmt == "csv":
        headers = [
            _("Agency code"),
            _("Agency"),
            _("Step"),
            _("Steps finished"),
            _("Over budget"),
            _("Late (form 05)"),
            _("Hours lost"),
        ]
        rows = agencies if which == "agencies" else steps
        values = [
            [r.agency_code, r.agency_name, r.step, r.steps, r.over_budget, r.late, r.lost_hours]
            for r in rows
        ]
        return exports.csv_response(
            _filename(f"mat-thoi-gian-{which}", sel, "csv"), headers, values
        )

    def link(row: dashboard.LostTimeRow) -> str:
        params = {"metric": dashboard.LOST_TIME, "agency": row.agency_code}
        if row.step:
            params["step"] = row.step
        return f"{sel.query}&{urlencode(params)}"

    context = {
        "sel": sel,
        "agencies": [(r, link(r)) for r in agencies],
        "steps": [(r, link(r)) for r in steps],
    }
    return render(request, template, context)
