"""Turning a dossier into the printable forms: context, HTML template, PDF.

Forms are legal documents: they are always printed in Vietnamese, with the wording of the
circular's templates, whatever the language of the person who prints them. That wording lives in
the templates under ``documents/forms/`` and in the small vocabulary below (not in the
translation catalogue, which serves the pages of the site). Every value on a form is pulled from
the catalogue and the dossier (domain-vn.md §2, Circular 01/2018 Art. 10): nothing is retyped.

WeasyPrint needs the Pango library; it is imported only when a PDF is made, so the site runs
(and says what is missing) on a machine without it.
"""

from __future__ import annotations

import datetime as dt
import urllib.parse
import urllib.request
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import fontpkg_noto_serif
import segno
from django.conf import settings
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone, translation

from motcua.catalog.models import TimeLimitUnit
from motcua.documents.models import Form
from motcua.dossiers.models import (
    Apology,
    Dossier,
    Handover,
    Refusal,
    ResultKind,
    ReturnMethod,
    StepOutcome,
    StopNotice,
    SupplementRequest,
    SupplementStage,
)
from motcua.dossiers.states import Action, State
from motcua.org.models import AdministrativeUnit, Agency, ServicePoint, User
from motcua.people.models import CitizenProfile
from motcua.workcal.types import VN_TZ

__all__ = [
    "FORM_VERSIONS",
    "PAGE_SIZES",
    "RenderingUnavailable",
    "dossier_form_context",
    "lookup_url",
    "register_context",
    "render_pdf",
    "result_notice_context",
]

#: The legal text whose template each form follows (versioned like every rule of the law).
FORM_VERSIONS: dict[str, str] = {
    **{f.value: "01/2018/TT-VPCP" for f in Form if f is not Form.STOP},
    Form.STOP.value: "03/2025/TT-VPCP",
}
#: CSS page size of each form: A5 for 01–05 and the stop notice (Circular 01/2018 Art. 9.2),
#: A4 for the register (landscape: fourteen columns).
PAGE_SIZES: dict[str, str] = {
    **{f.value: "A5" for f in Form if f is not Form.REGISTER},
    Form.REGISTER.value: "A4 landscape",
}
TEMPLATES: dict[str, str] = {
    Form.RECEIPT.value: "documents/forms/01_receipt.html",
    Form.SUPPLEMENT.value: "documents/forms/02_supplement.html",
    Form.REFUSAL.value: "documents/forms/03_refusal.html",
    Form.APOLOGY.value: "documents/forms/04_apology.html",
    Form.CONTROL_SHEET.value: "documents/forms/05_control_sheet.html",
    Form.REGISTER.value: "documents/forms/06_register.html",
    Form.STOP.value: "documents/forms/stop_notice.html",
}

#: Documents motcua prints that are not forms of a circular: (template, page size, legal text).
RESULT_NOTICE = "result"
OTHER_DOCUMENTS: dict[str, tuple[str, str, str]] = {
    RESULT_NOTICE: ("documents/forms/result_notice.html", "A4", ""),
}

# ----------------------------------------------------------------------------- vocabulary
COPY_KINDS: dict[str, str] = {
    "original": "Bản chính",
    "certified_copy": "Bản sao có chứng thực",
    "copy": "Bản sao",
    "electronic": "Bản điện tử",
}
RETURN_METHODS: dict[str, str] = {
    ReturnMethod.COUNTER: "Nhận trực tiếp tại Bộ phận Một cửa",
    ReturnMethod.POST: "Nhận qua dịch vụ bưu chính công ích",
    ReturnMethod.ELECTRONIC: "Nhận kết quả điện tử (trực tuyến)",
}
OUTCOMES: dict[str, str] = {
    StepOutcome.EARLY: "Trước hạn",
    StepOutcome.ON_TIME: "Đúng hạn",
    StepOutcome.LATE: "Quá hạn",
}
UNITS: dict[str, str] = {
    TimeLimitUnit.WORKING_DAYS: "ngày làm việc",
    TimeLimitUnit.DAYS: "ngày",
    TimeLimitUnit.MONTHS: "tháng",
    TimeLimitUnit.WORKING_HOURS: "giờ làm việc",
}
STATES: dict[str, str] = {
    State.SUBMITTED: "Mới đăng ký, chờ tiếp nhận",
    State.INTAKE_SUPPLEMENT: "Yêu cầu bổ sung trước khi tiếp nhận",
    State.REFUSED_INTAKE: "Không được tiếp nhận",
    State.RECEIVED: "Đã tiếp nhận",
    State.PROCESSING: "Đang xử lý",
    State.SUPPLEMENT_REQUESTED: "Yêu cầu bổ sung",
    State.FINANCIAL_OBLIGATION: "Chờ thực hiện nghĩa vụ tài chính",
    State.PAUSED: "Tạm dừng",
    State.WITHDRAWAL_REQUESTED: "Công dân yêu cầu rút hồ sơ",
    State.STOPPED: "Dừng xử lý",
    State.FINISHED: "Đã xử lý xong",
    State.RETURNED: "Đã trả kết quả",
}
ACTIONS: dict[str, str] = {
    Action.SUBMIT: "Nộp trực tuyến",
    Action.INTAKE: "Nộp tại Bộ phận Một cửa",
    Action.RECEIVE: "Tiếp nhận hồ sơ",
    Action.REQUEST_SUPPLEMENT: "Yêu cầu bổ sung, hoàn thiện hồ sơ",
    Action.SUPPLEMENT: "Nhận hồ sơ bổ sung",
    Action.REFUSE: "Từ chối",
    Action.FORWARD: "Chuyển xử lý",
    Action.RETURN_STEP: "Trả lại bước trước",
    Action.APPROVE: "Phê duyệt",
    Action.PAUSE: "Tạm dừng",
    Action.RESUME: "Tiếp tục xử lý",
    Action.APOLOGIZE: "Xin lỗi và hẹn lại ngày trả kết quả",
    Action.WITHDRAW: "Rút hồ sơ",
    Action.STOP: "Dừng giải quyết",
    Action.FINISH: "Hoàn thành, chuyển kết quả",
    Action.RETURN_RESULT: "Trả kết quả",
}
ROLES: dict[str, str] = {
    "receiver": "Bộ phận Một cửa",
    "processor": "Chuyên viên thụ lý",
    "approver": "Lãnh đạo phê duyệt",
    "supervisor": "Giám sát",
    "admin": "Quản trị",
}
_PLACE_PREFIXES = ("Thành phố ", "Tỉnh ", "Phường ", "Xã ", "Thị trấn ", "Đặc khu ")


class RenderingUnavailable(Exception):  # noqa: N818 - a state, like SigningUnavailable
    """The PDF engine cannot run on this machine (the Pango library is missing)."""


# ----------------------------------------------------------------------------- formatting
def local(value: dt.datetime) -> dt.datetime:
    return timezone.localtime(value, VN_TZ)


def date_words(value: dt.datetime | dt.date) -> str:
    """``02 tháng 11 năm 2026``"""
    day = local(value).date() if isinstance(value, dt.datetime) else value
    return f"{day:%d} tháng {day:%m} năm {day:%Y}"


def day_text(value: dt.datetime | dt.date) -> str:
    """``ngày 02 tháng 11 năm 2026``"""
    return f"ngày {date_words(value)}"


def instant_text(value: dt.datetime | None) -> str:
    """``09 giờ 05 phút, ngày 02/11/2026``"""
    if value is None:
        return ""
    moment = local(value)
    return f"{moment:%H} giờ {moment:%M} phút, ngày {moment:%d/%m/%Y}"


def short_date(value: dt.datetime | None) -> str:
    return f"{local(value):%d/%m/%Y}" if value is not None else ""


def short_instant(value: dt.datetime | None) -> str:
    return f"{local(value):%H:%M %d/%m/%Y}" if value is not None else ""


def time_limit_text(dossier: Dossier) -> str:
    unit, value = dossier.time_limit_unit, dossier.time_limit_value
    if unit == TimeLimitUnit.SAME_DAY:
        if dossier.cutoff_applies:
            return "Trong ngày (tiếp nhận sau 15 giờ thì trả trong ngày làm việc tiếp theo)"
        return "Trong ngày"
    if value is not None and unit in UNITS:
        return f"{value:02d} {UNITS[unit]}"
    return "Theo ngày hẹn của Bộ phận Một cửa (thủ tục không công bố thời hạn)"


def place_of(agency: Agency) -> str:
    """The place name before the date line (``Hà Nội, ngày …``)."""
    node: Agency | None = agency
    unit: AdministrativeUnit | None = None
    while node is not None and unit is None:
        unit = node.administrative_unit
        node = node.parent
    if unit is None:
        return "Hà Nội"
    name = unit.name
    for prefix in _PLACE_PREFIXES:
        if name.startswith(prefix):
            return name[len(prefix) :]
    return name


def agency_header(agency: Agency) -> dict[str, str]:
    return {
        "parent": agency.parent.name.upper() if agency.parent is not None else "",
        "name": agency.name.upper(),
        "place": place_of(agency),
    }


def person_name(user: User | None) -> str:
    if user is None:
        return ""
    return user.full_name or user.get_full_name() or user.get_username()


def applicant_block(profile: CitizenProfile) -> dict[str, str]:
    """The applicant as the forms name them. The identity number is never printed."""
    person = profile.kind == CitizenProfile.Kind.PERSON
    return {
        "name": profile.full_name,
        "title": "Ông/Bà" if person else "Quý cơ quan, tổ chức",
        "named": f"Ông/Bà {profile.full_name}" if person else profile.full_name,
        "address": profile.address,
        "phone": profile.phone,
        "email": profile.email,
    }


def lookup_url(code: str) -> str:
    """The public lookup page of a dossier (the QR code of form 01)."""
    base = str(settings.MOTCUA_PUBLIC_BASE_URL).rstrip("/")
    return f"{base}/lookup/?{urllib.parse.urlencode({'code': code})}"


def qr_data_uri(text: str) -> str:
    return str(segno.make_qr(text, error="m").svg_data_uri(scale=4, border=2))


# ----------------------------------------------------------------------------- contexts
@dataclass(frozen=True)
class FormContext:
    """What a template needs, and what the service records about it."""

    form: str
    agency: Agency
    values: dict[str, Any]
    parameters: dict[str, Any]
    title: str
    reason: str
    service_point: ServicePoint | None = None


def _common(dossier: Dossier, agency: Agency, at: dt.datetime) -> dict[str, Any]:
    version = dossier.procedure_version
    return {
        "code": dossier.identifier,
        "has_code": bool(dossier.code),
        "header": agency_header(agency),
        "place_date": f"{place_of(agency)}, {day_text(at)}",
        "applicant": applicant_block(dossier.applicant),
        "procedure": version.name,
        "procedure_code": version.procedure.code,
        "sector": version.sector.name,
        "subject": dossier.subject,
        "received": instant_text(dossier.received_at),
        "received_words": date_words(dossier.received_at) if dossier.received_at else "",
        "agency_name": agency.name,
        "receiving_agency": dossier.receiving_agency.name,
        "competent_agency": dossier.competent_agency.name,
    }


def _handover(dossier: Dossier, action: Action) -> Handover | None:
    return (
        Handover.objects.filter(dossier=dossier, action=action.value)
        .select_related("from_user")
        .order_by("-seq")
        .first()
    )


def _register_number(dossier: Dossier) -> tuple[str, int]:
    """Book and number in the electronic register: one book per receiving agency and year,
    numbered from 1 in the order of reception."""
    assert dossier.received_at is not None  # noqa: S101 - checked by the caller
    received = local(dossier.received_at)
    start = dt.datetime(received.year, 1, 1, tzinfo=VN_TZ)
    earlier = Dossier.objects.filter(
        receiving_agency_id=dossier.receiving_agency_id,
        received_at__gte=start,
    ).filter(
        Q(received_at__lt=dossier.received_at)
        | Q(received_at=dossier.received_at, pk__lte=dossier.pk)
    )
    return f"01/{received.year}", earlier.count()


def _receipt(dossier: Dossier, at: dt.datetime) -> FormContext:
    agency = dossier.receiving_agency
    point = dossier.reception_point
    values = _common(dossier, agency, dossier.received_at or at)
    book, number = _register_number(dossier)
    apology = Apology.objects.filter(dossier=dossier).first()
    receive = _handover(dossier, Action.RECEIVE)
    values.update(
        {
            "qr": qr_data_uri(lookup_url(dossier.identifier)),
            "lookup_url": lookup_url(dossier.identifier),
            "submitter": dossier.submitter_name
            if dossier.submitter_name != dossier.applicant.full_name
            else "",
            "documents": [
                {
                    "name": doc.name,
                    "kind": COPY_KINDS.get(doc.copy_kind, doc.copy_kind),
                    "count": f"{doc.count:02d}",
                }
                for doc in dossier.documents.all()
            ],
            "sets": "01",
            "time_limit": time_limit_text(dossier),
            "appointment": instant_text(dossier.appointment_at),
            "rescheduled": day_text(apology.issued_at) if apology is not None else "",
            "return_method": RETURN_METHODS.get(dossier.return_method, ""),
            "point": point.name if point is not None else agency.name,
            "point_address": point.address if point is not None else "",
            "book": book,
            "number": f"{number:04d}",
            "receiver": person_name(receive.from_user if receive else None),
        }
    )
    return FormContext(
        form=Form.RECEIPT,
        agency=agency,
        values=values,
        parameters={"appointment_at": dossier.appointment_at.isoformat()}
        if dossier.appointment_at
        else {},
        title="Giấy tiếp nhận hồ sơ và hẹn trả kết quả",
        reason="Tiếp nhận hồ sơ và hẹn trả kết quả",
        service_point=point,
    )


def _supplement(dossier: Dossier, request: SupplementRequest, at: dt.datetime) -> FormContext:
    at_intake = request.stage == SupplementStage.INTAKE
    agency = dossier.receiving_agency if at_intake else dossier.current_agency
    values = _common(dossier, agency, request.requested_at)
    values.update(
        {
            "items": [str(item) for item in request.items],
            "reason": request.reason,
            "guide": person_name(request.requested_by),
            "guide_phone": request.requested_by.phone,
            "during_processing": "" if at_intake else "yes",
        }
    )
    return FormContext(
        form=Form.SUPPLEMENT,
        agency=agency,
        values=values,
        parameters={"supplement_request": request.pk},
        title="Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ",
        reason="Yêu cầu bổ sung, hoàn thiện hồ sơ",
        service_point=dossier.reception_point,
    )


def _refusal(dossier: Dossier, refusal: Refusal, at: dt.datetime) -> FormContext:
    at_intake = refusal.stage == SupplementStage.INTAKE
    agency = dossier.receiving_agency if at_intake else dossier.competent_agency
    values = _common(dossier, agency, refusal.at)
    values.update(
        {
            "reasons": refusal.reasons,
            "at_intake": "yes" if at_intake else "",
            "signer": person_name(refusal.by),
        }
    )
    return FormContext(
        form=Form.REFUSAL,
        agency=agency,
        values=values,
        parameters={"refusal": refusal.pk},
        title="Phiếu từ chối tiếp nhận giải quyết hồ sơ",
        reason="Từ chối tiếp nhận, giải quyết hồ sơ",
        service_point=dossier.reception_point,
    )


def _apology(dossier: Dossier, apology: Apology, at: dt.datetime) -> FormContext:
    agency = dossier.competent_agency
    values = _common(dossier, agency, apology.issued_at)
    values.update(
        {
            "previous_appointment": instant_text(apology.previous_appointment_at),
            "new_appointment": instant_text(apology.new_appointment_at),
            "reason": apology.reason,
            "signer": person_name(apology.issued_by),
        }
    )
    return FormContext(
        form=Form.APOLOGY,
        agency=agency,
        values=values,
        parameters={"apology": apology.pk},
        title="Phiếu xin lỗi và hẹn lại ngày trả kết quả",
        reason="Xin lỗi và hẹn lại ngày trả kết quả",
        service_point=dossier.reception_point,
    )


def _short(agency: Agency | None) -> str:
    if agency is None:
        return ""
    return agency.short_name or agency.name


def _handover_rows(rows: Iterable[Handover]) -> list[dict[str, str]]:
    out = []
    for row in rows:
        giver = _short(row.from_agency)
        taker = _short(row.to_agency)
        # the person who acted hands over (between agencies), or takes in (from the citizen)
        actor = person_name(row.from_user)
        out.append(
            {
                "seq": str(row.seq),
                "agency": taker or giver,
                "action": ACTIONS.get(row.action, row.action),
                "at": instant_text(row.at),
                "giver": giver,
                "giver_person": actor if giver else "",
                "taker_person": "" if giver else actor,
                "taker": taker,
                "taker_role": ROLES.get(row.to_role, ""),
                "outcome": OUTCOMES.get(row.outcome, ""),
                "step_due": short_instant(row.step_due_at),
                "state": STATES.get(row.state_after, row.state_after),
                "note": row.note,
            }
        )
    return out


def _control_sheet(dossier: Dossier, at: dt.datetime) -> FormContext:
    agency = dossier.receiving_agency
    values = _common(dossier, agency, at)
    rows = Handover.objects.filter(dossier=dossier).select_related(
        "from_user", "from_agency", "to_agency"
    )
    partners = sorted(
        {
            step.agency.name
            for step in dossier.steps.select_related("agency")
            if step.agency_id != dossier.competent_agency_id
        }
    )
    values.update(
        {
            "appointment": instant_text(dossier.appointment_at),
            "partners": ", ".join(partners),
            "rows": _handover_rows(rows.order_by("seq")),
            "outcome": OUTCOMES.get(dossier.outcome, ""),
        }
    )
    return FormContext(
        form=Form.CONTROL_SHEET,
        agency=agency,
        values=values,
        parameters={"handovers": dossier.event_count},
        title="Phiếu kiểm soát quá trình giải quyết hồ sơ",
        reason="Kiểm soát quá trình giải quyết hồ sơ",
        service_point=dossier.reception_point,
    )


def _stop(dossier: Dossier, notice: StopNotice, at: dt.datetime) -> FormContext:
    agency = dossier.competent_agency
    values = _common(dossier, agency, notice.at)
    values.update(
        {
            "reason": notice.reason,
            "citizen_requested": "yes" if notice.citizen_requested else "",
            "requested_words": date_words(notice.requested_at) if notice.requested_at else "",
            "stage": STATES.get(notice.stage, notice.stage),
            "settlement": notice.financial_settlement or "Không phát sinh.",
            "signer": person_name(notice.by),
        }
    )
    return FormContext(
        form=Form.STOP,
        agency=agency,
        values=values,
        parameters={"stop_notice": notice.pk},
        title="Thông báo dừng giải quyết hồ sơ",
        reason="Thông báo dừng giải quyết hồ sơ",
        service_point=dossier.reception_point,
    )


def result_notice_context(dossier: Dossier, *, at: dt.datetime, title: str) -> FormContext:
    """The result notice (thông báo kết quả giải quyết): the one-page electronic result motcua
    prints and the competent agency signs when no result file was uploaded. It names the
    dossier, the procedure, the applicant and the result (granted, or refused with the
    reasons); the identity number, address and phone are not printed."""
    agency = dossier.competent_agency
    values = _common(dossier, agency, at)
    refused = dossier.result_kind == ResultKind.REFUSED
    refusal = dossier.refusals.order_by("-at", "-id").first() if refused else None
    finish = _handover(dossier, Action.FINISH)
    values.update(
        {
            "result_title": title,
            "refused": "yes" if refused else "",
            "reasons": refusal.reasons if refusal is not None else "",
            "note": finish.note if finish is not None and not refused else "",
            "finished": instant_text(dossier.finished_at),
            "issued": day_text(at),
            "verify_url": f"{str(settings.MOTCUA_PUBLIC_BASE_URL).rstrip('/')}/documents/verify/",
        }
    )
    return FormContext(
        form=RESULT_NOTICE,
        agency=agency,
        values=values,
        parameters={"dossier": dossier.identifier},
        title="Thông báo kết quả giải quyết thủ tục hành chính",
        reason="Kết quả giải quyết thủ tục hành chính",
        service_point=dossier.reception_point,
    )


def dossier_form_context(
    dossier: Dossier,
    form: str,
    *,
    at: dt.datetime,
    source: SupplementRequest | Refusal | Apology | StopNotice | None = None,
) -> FormContext:
    """The context of ``form`` for ``dossier``. The caller checked that the form applies and
    passes the row it prints (the supplement request, refusal, apology or stop notice)."""
    if form == Form.RECEIPT:
        return _receipt(dossier, at)
    if form == Form.CONTROL_SHEET:
        return _control_sheet(dossier, at)
    if form == Form.SUPPLEMENT and isinstance(source, SupplementRequest):
        return _supplement(dossier, source, at)
    if form == Form.REFUSAL and isinstance(source, Refusal):
        return _refusal(dossier, source, at)
    if form == Form.APOLOGY and isinstance(source, Apology):
        return _apology(dossier, source, at)
    if form == Form.STOP and isinstance(source, StopNotice):
        return _stop(dossier, source, at)
    raise ValueError(f"form {form!r} needs its source row")


def register_context(
    *,
    dossiers: Iterable[Dossier],
    agency: Agency,
    date_from: dt.date,
    date_to: dt.date,
    service_point: ServicePoint | None,
    at: dt.datetime,
) -> FormContext:
    """Form 06: one row per dossier received in the period (at the point, when given)."""
    rows = []
    for index, dossier in enumerate(dossiers, start=1):
        first_forward = next(
            (h.at for h in dossier.handovers.all() if h.action == Action.FORWARD.value), None
        )
        notes = []
        if dossier.state in (State.REFUSED_INTAKE, State.STOPPED):
            notes.append(STATES[dossier.state])
        if dossier.result_kind == "refused":
            notes.append("Từ chối giải quyết")
        if dossier.outcome:
            notes.append(OUTCOMES.get(dossier.outcome, dossier.outcome))
        elif dossier.forced_late:
            notes.append(OUTCOMES[StepOutcome.LATE])
        applicant = dossier.applicant
        rows.append(
            {
                "index": str(index),
                "code": dossier.identifier,
                "procedure": dossier.procedure_version.name,
                "sets": "01",
                "applicant": applicant.full_name,
                "contact": "; ".join(v for v in (applicant.address, applicant.phone) if v),
                "competent": dossier.competent_agency.name,
                "received": short_instant(dossier.received_at),
                "appointment": short_instant(dossier.appointment_at),
                "forwarded": short_instant(first_forward),
                "finished": short_instant(dossier.finished_at),
                "returned": short_instant(dossier.returned_at),
                "note": "; ".join(notes),
            }
        )
    values = {
        "code": "",
        "header": agency_header(agency),
        "place_date": f"{place_of(agency)}, {day_text(at)}",
        "date_from": f"{date_from:%d/%m/%Y}",
        "date_to": f"{date_to:%d/%m/%Y}",
        "point": service_point.name if service_point is not None else "",
        "agency_name": agency.name,
        "rows": rows,
        "count": len(rows),
    }
    return FormContext(
        form=Form.REGISTER,
        agency=agency,
        values=values,
        parameters={
            "from": date_from.isoformat(),
            "to": date_to.isoformat(),
            "service_point": service_point.code if service_point is not None else None,
            "rows": len(rows),
        },
        title="Sổ theo dõi hồ sơ",
        reason="Sổ theo dõi hồ sơ",
        service_point=service_point,
    )


# ----------------------------------------------------------------------------- PDF
def font_files() -> dict[str, Path]:
    """The Vietnamese-covering fonts: Noto Serif from PyPI (``fontpkg-noto-serif``), with
    Debian's DejaVu Serif as a fallback when present."""
    fonts: dict[str, Path] = {}
    root = Path(fontpkg_noto_serif.ROOT) / "files"
    regular = root / "NotoSerif[wdth,wght].ttf"
    italic = root / "NotoSerif-Italic[wdth,wght].ttf"
    if regular.exists():
        fonts["regular"] = regular
    if italic.exists():
        fonts["italic"] = italic
    dejavu = Path("/usr/share/fonts/truetype/dejavu")
    for key, name in (("fallback", "DejaVuSerif.ttf"), ("fallback_bold", "DejaVuSerif-Bold.ttf")):
        if (dejavu / name).exists():
            fonts[key] = dejavu / name
    return fonts


def _fetcher(allowed: Iterable[Path]) -> Any:
    """A URL fetcher that reads only the font files and ``data:`` URIs: a form never loads
    anything from the network or from elsewhere on disk, whatever the data contains."""
    from weasyprint.urls import URLFetcher

    allowed_paths = {p.resolve() for p in allowed}

    class FormFetcher(URLFetcher):
        def fetch(self, url: str, headers: Any = None) -> Any:
            scheme = url.split(":", 1)[0].lower()
            if scheme == "file":
                path = Path(urllib.request.url2pathname(urllib.parse.urlparse(url).path))
                if path.resolve() not in allowed_paths:
                    raise ValueError(f"not an allowed file: {url}")
            elif scheme != "data":
                raise ValueError(f"not an allowed URL: {url}")
            return super().fetch(url, headers)

    return FormFetcher(allowed_protocols={"file", "data"}, timeout=5)


@dataclass(frozen=True)
class RenderedPdf:
    data: bytes
    pages: int


def render_pdf(context: FormContext) -> RenderedPdf:
    """Render the form's template to PDF bytes (always in Vietnamese)."""
    try:
        from weasyprint import HTML
        from weasyprint.text.fonts import FontConfiguration
    except OSError as exc:  # the Pango library is missing
        raise RenderingUnavailable(str(exc)) from exc
    fonts = font_files()
    if context.form in OTHER_DOCUMENTS:
        template, page_size, version = OTHER_DOCUMENTS[context.form]
    else:
        template = TEMPLATES[context.form]
        page_size, version = PAGE_SIZES[context.form], FORM_VERSIONS[context.form]
    with translation.override("vi"):
        html = render_to_string(
            template,
            {
                **context.values,
                "title": context.title,
                "form": context.form,
                "form_version": version,
                "page_size": page_size,
                "fonts": {key: path.as_uri() for key, path in fonts.items()},
            },
        )
    font_config = FontConfiguration()
    document = HTML(
        string=html, base_url=str(settings.PACKAGE_DIR), url_fetcher=_fetcher(fonts.values())
    ).render(font_config=font_config)
    data = document.write_pdf()
    return RenderedPdf(data=bytes(data), pages=len(document.pages))
