"""What the simulator reads once and the simulated people it needs.

* :func:`world_load` reads the reference data (procedure versions with their processes and
  required documents, agencies, service points with their office hours) into plain objects.
* :func:`staff_ensure` gives each place a simulated officer per role (``sim-…`` accounts):
  a receiver per service point, a processor and an approver per competent agency.
* :func:`agents_ensure` creates a few online public-service agents with an account each.
* :func:`sim_file_ensure` stores the one small PDF every simulated electronic copy points at.
* :func:`person` describes applicant number ``index`` (deterministic): name, valid-format
  identity number (``motcua.people.identity``), sex, birth date, home commune.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.contrib.auth.models import Group
from django.db import transaction

from motcua.catalog.models import Fee, ProcedureVersion, Process, ProcessStep, RequiredDocument
from motcua.org.models import Agency, ServicePoint, User
from motcua.org.roles import Role
from motcua.people.identity import tax_check_digit
from motcua.people.models import ServiceAgent
from motcua.workcal import OfficeHours, WorkingCalendar
from motcua.workcal.selectors import calendar_current, office_hours_of

from .profile import DEFAULT_SECTOR_WEIGHT, FINANCIAL_SECTORS, WorkloadProfile

SIM_PREFIX = "sim-"
SIM_EMAIL_DOMAIN = "sim.motcua.invalid"
SIM_REFERENCE_PREFIX = "S"
SIM_AGENT_NAME = "Đại lý dịch vụ công (mô phỏng) số"
SIM_AGENT_COUNT = 12
#: An unusable password hash (Django's are never "!…"): nobody logs in as a simulated account.
UNUSABLE_PASSWORD = "!simulated"  # noqa: S105
#: The content every simulated electronic copy points at (a tiny valid PDF header).
SIM_PDF = (
    b"%PDF-1.4\n% motcua simulate: ban quet mo phong / simulated scan\n"
    b"1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
    b"2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\n"
    b"trailer << /Root 1 0 R >>\n%%EOF\n"
)

#: The placeholder of the simulated electronic results (not signed: see docs/simulator.md).
SIM_RESULT_PDF = (
    b"%PDF-1.4\n% motcua simulate: ket qua mo phong, KHONG ky so / simulated result, NOT signed\n"
    b"1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
    b"2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\n"
    b"trailer << /Root 1 0 R >>\n%%EOF\n"
)
#: Who "signed" a simulated electronic result (the placeholder is not signed).
SIM_RESULT_SIGNER = "mô phỏng, không ký số / simulated, not signed"

COMMUNE = "commune"
CITY = "city"


@dataclass(frozen=True, slots=True)
class PointInfo:
    id: int
    code: str
    agency_id: int
    unit_id: int | None
    kind: str
    oh: OfficeHours


@dataclass(frozen=True, slots=True)
class AgencyInfo:
    id: int
    code: str
    level: str
    kind: str
    unit_id: int | None
    name: str = ""


@dataclass(frozen=True, slots=True)
class StepInfo:
    name: str
    role: str
    agency_id: int | None
    budget_value: int
    budget_unit: str


@dataclass(frozen=True, slots=True)
class ProcessInfo:
    pk: int
    agency_id: int | None
    steps: tuple[StepInfo, ...]


@dataclass(frozen=True, slots=True)
class DocInfo:
    id: int
    name: str
    copy_kind: str
    count: int
    optional: bool


@dataclass(frozen=True, slots=True)
class VersionInfo:
    id: int
    procedure_id: int
    code: str
    name: str
    sector_id: int
    sector_code: str
    levels: tuple[str, ...]
    competent_agency_id: int | None
    #: the competent agency of a city-level dossier (the version's, else the sector's owner)
    city_competent_id: int | None
    #: "commune" (settled by the applicant's commune) or "city"
    level: str
    time_limit_value: int | None
    time_limit_unit: str
    cutoff_applies: bool
    online_level: str
    supplement_window_days: int | None
    has_fee: bool
    effective_from: dt.date
    effective_to: dt.date | None
    documents: tuple[DocInfo, ...]
    processes: tuple[ProcessInfo, ...]
    weight: float

    @property
    def online(self) -> bool:
        return self.online_level != "none"

    @property
    def has_limit(self) -> bool:
        if self.time_limit_unit == "same_day":
            return True
        return bool(self.time_limit_unit) and self.time_limit_value is not None

    def in_force(self, day: dt.date) -> bool:
        return self.effective_from <= day and (self.effective_to is None or self.effective_to > day)

    def process_for(self, competent_id: int) -> ProcessInfo | None:
        """As :func:`motcua.dossiers.clock.plan_steps`: the competent agency's own process
        first, else the one for every agency (lowest primary key first)."""
        own = [p for p in self.processes if p.agency_id == competent_id]
        if own:
            return min(own, key=lambda p: p.pk)
        common = [p for p in self.processes if p.agency_id is None]
        return min(common, key=lambda p: p.pk) if common else None


@dataclass
class World:
    calendar: WorkingCalendar
    points: dict[int, PointInfo]
    agencies: dict[int, AgencyInfo]
    #: administrative unit → its People's Committee
    commune_agency_by_unit: dict[int, int]
    #: the commune units (wards, communes, special zone) that have a committee and a point
    communes: list[int]
    #: agency → the point a reception falls back to (first active point by code)
    first_point_by_agency: dict[int, int]
    center_id: int
    center_counter_points: list[int]
    center_online_point: int
    versions: list[VersionInfo]
    left_out: list[tuple[str, str]] = field(default_factory=list)

    def point_of_commune(self, agency_id: int) -> int:
        return self.first_point_by_agency[agency_id]


def _levels(raw: str) -> tuple[str, ...]:
    return tuple(item for item in raw.split(";") if item)


def world_load(profile: WorkloadProfile) -> World:
    """Read the reference data the simulation needs (a handful of queries)."""
    agencies = {
        a.pk: AgencyInfo(a.pk, a.code, a.level, a.kind, a.administrative_unit_id, a.name)
        for a in Agency.objects.filter(is_active=True)
    }
    points: dict[int, PointInfo] = {}
    first_point: dict[int, int] = {}
    for p in ServicePoint.objects.filter(is_active=True).order_by("code"):
        if p.agency_id not in agencies:
            continue
        points[p.pk] = PointInfo(
            p.pk, p.code, p.agency_id, p.administrative_unit_id, p.kind, office_hours_of(p)
        )
        first_point.setdefault(p.agency_id, p.pk)
    commune_by_unit: dict[int, int] = {}
    for a in agencies.values():
        if (
            a.level == Agency.Level.COMMUNE
            and a.kind == Agency.Kind.PEOPLES_COMMITTEE
            and a.unit_id is not None
            and a.id in first_point
        ):
            commune_by_unit.setdefault(a.unit_id, a.id)
    centers = [a for a in agencies.values() if a.kind == Agency.Kind.SERVICE_CENTER]
    if not centers or not commune_by_unit:
        raise LookupError(
            "no Service Center or no commune one-stop in the database: run "
            "'motcua load-reference' first"
        )
    center = min(centers, key=lambda a: a.code)
    center_points = [p for p in points.values() if p.agency_id == center.id]
    counter_points = sorted(
        p.id
        for p in center_points
        if p.kind in (ServicePoint.Kind.BRANCH, ServicePoint.Kind.RECEPTION_POINT)
    ) or sorted(p.id for p in center_points)
    online = [p.id for p in center_points if p.kind == ServicePoint.Kind.ONLINE]
    online_point = online[0] if online else first_point[center.id]
    versions, left_out = _versions(agencies, profile)
    return World(
        calendar=calendar_current(),
        points=points,
        agencies=agencies,
        commune_agency_by_unit=commune_by_unit,
        communes=sorted(commune_by_unit),
        first_point_by_agency=first_point,
        center_id=center.id,
        center_counter_points=counter_points,
        center_online_point=online_point,
        versions=versions,
        left_out=left_out,
    )


def _versions(
    agencies: dict[int, AgencyInfo], profile: WorkloadProfile
) -> tuple[list[VersionInfo], list[tuple[str, str]]]:
    docs: dict[int, list[DocInfo]] = {}
    for d in RequiredDocument.objects.order_by("version_id", "order", "pk"):
        docs.setdefault(d.version_id, []).append(
            DocInfo(d.pk, d.name, d.copy_kind, d.count, d.is_optional)
        )
    steps: dict[int, list[StepInfo]] = {}
    for s in ProcessStep.objects.order_by("process_id", "order"):
        steps.setdefault(s.process_id, []).append(
            StepInfo(s.name, s.role, s.agency_id, s.budget_value, s.budget_unit)
        )
    processes: dict[int, list[ProcessInfo]] = {}
    for p in Process.objects.all():
        processes.setdefault(p.version_id, []).append(
            ProcessInfo(p.pk, p.agency_id, tuple(steps.get(p.pk, ())))
        )
    with_fee = set(Fee.objects.filter(amount__gt=0).values_list("version_id", flat=True).distinct())
    out: list[VersionInfo] = []
    left_out: list[tuple[str, str]] = []
    for v in ProcedureVersion.objects.select_related("procedure", "sector").order_by(
        "procedure__code", "effective_from"
    ):
        levels = _levels(v.levels)
        code = v.procedure.code
        city_competent = v.competent_agency_id or v.sector.owner_agency_id
        if v.competent_agency_id is None and "commune" in levels:
            level = COMMUNE
        elif "city" in levels or v.competent_agency_id is not None:
            level = CITY
        else:
            left_out.append((code, f"levels {v.levels!r}: neither commune nor city"))
            continue
        if level == CITY and (city_competent is None or city_competent not in agencies):
            left_out.append((code, "no competent agency for a city-level dossier"))
            continue
        weight = profile.sector_weights.get(v.sector.code, DEFAULT_SECTOR_WEIGHT)
        out.append(
            VersionInfo(
                id=v.pk,
                procedure_id=v.procedure_id,
                code=code,
                name=v.name,
                sector_id=v.sector_id,
                sector_code=v.sector.code,
                levels=levels,
                competent_agency_id=v.competent_agency_id,
                city_competent_id=city_competent,
                level=level,
                time_limit_value=v.time_limit_value,
                time_limit_unit=v.time_limit_unit,
                cutoff_applies=v.cutoff_applies,
                online_level=v.online_level,
                supplement_window_days=v.supplement_window_days,
                has_fee=v.pk in with_fee or v.sector.code in FINANCIAL_SECTORS,
                effective_from=v.effective_from,
                effective_to=v.effective_to,
                documents=tuple(docs.get(v.pk, ())),
                processes=tuple(processes.get(v.pk, ())),
                weight=weight,
            )
        )
    return out, left_out


# ----------------------------------------------------------------------------- staff
@dataclass(frozen=True, slots=True)
class Actor:
    """A simulated account: its id, its name as ``str(user)`` gives it, its places."""

    id: int
    name: str
    agency_id: int | None = None
    point_id: int | None = None


@dataclass
class Staff:
    receivers: dict[int, Actor]  # by service point
    processors: dict[int, Actor]  # by agency
    approvers: dict[int, Actor]  # by agency
    agency_receivers: dict[int, Actor]  # by agency: a receiver of one of its points

    def by_role(self, role: str, agency_id: int) -> Actor:
        if role == Role.APPROVER:
            return self.approvers[agency_id]
        if role == Role.RECEIVER:
            return self.agency_receivers[agency_id]
        return self.processors[agency_id]


def _actor(user: User) -> Actor:
    return Actor(user.pk, str(user), user.agency_id, user.service_point_id)


def _users_ensure(
    specs: Sequence[tuple[str, str, int | None, int | None, Role]],
) -> dict[str, User]:
    """Accounts by user name (created when missing) with their role group."""
    names = [s[0] for s in specs]
    found = {u.username: u for u in User.objects.filter(username__in=names)}
    missing = [
        User(
            username=name,
            full_name=full_name,
            agency_id=agency_id,
            service_point_id=point_id,
            password=UNUSABLE_PASSWORD,
            email="",
        )
        for name, full_name, agency_id, point_id, _role in specs
        if name not in found
    ]
    if missing:
        User.objects.bulk_create(missing, batch_size=500)
        found = {u.username: u for u in User.objects.filter(username__in=names)}
    groups = {g.name: g for g in Group.objects.filter(name__in=[r.value for r in Role])}
    through = User.groups.through
    links = []
    for name, _full, _agency, _point, role in specs:
        group = groups.get(role.value) or Group.objects.get_or_create(name=role.value)[0]
        groups[role.value] = group
        links.append(through(user_id=found[name].pk, group_id=group.pk))
    through.objects.bulk_create(links, ignore_conflicts=True, batch_size=1000)
    return found


@transaction.atomic
def staff_ensure(world: World) -> Staff:
    """One receiver per active service point, one processor and one approver per agency."""
    specs: list[tuple[str, str, int | None, int | None, Role]] = [
        (
            f"{SIM_PREFIX}receiver-{p.code}",
            f"Cán bộ tiếp nhận {p.code} (mô phỏng)",
            p.agency_id,
            p.id,
            Role.RECEIVER,
        )
        for p in world.points.values()
    ]
    for a in world.agencies.values():
        specs.append(
            (f"{SIM_PREFIX}processor-{a.code}", f"Chuyên viên {a.code} (mô phỏng)", a.id, None,
             Role.PROCESSOR)
        )  # fmt: skip
        specs.append(
            (f"{SIM_PREFIX}approver-{a.code}", f"Lãnh đạo {a.code} (mô phỏng)", a.id, None,
             Role.APPROVER)
        )  # fmt: skip
    users = _users_ensure(specs)
    receivers: dict[int, Actor] = {}
    agency_receivers: dict[int, Actor] = {}
    processors: dict[int, Actor] = {}
    approvers: dict[int, Actor] = {}
    for p in sorted(world.points.values(), key=lambda p: p.code):
        actor = _actor(users[f"{SIM_PREFIX}receiver-{p.code}"])
        receivers[p.id] = actor
        agency_receivers.setdefault(p.agency_id, actor)
    for a in world.agencies.values():
        processors[a.id] = _actor(users[f"{SIM_PREFIX}processor-{a.code}"])
        approvers[a.id] = _actor(users[f"{SIM_PREFIX}approver-{a.code}"])
    return Staff(receivers, processors, approvers, agency_receivers)


@dataclass(frozen=True, slots=True)
class AgentInfo:
    agent_id: int
    account: Actor


def _agent_tax_code(k: int) -> str:
    base = 109_900_000 + k
    while True:
        nine = f"{base:09d}"
        check = tax_check_digit(nine)
        if check is not None:
            return f"{nine}{check}"
        base += 1_000


@transaction.atomic
def agents_ensure(world: World) -> list[AgentInfo]:
    """A few registered online service agents, each with one account (role agent)."""
    specs = [
        (f"{SIM_PREFIX}agent-{k:02d}", f"{SIM_AGENT_NAME} {k}", None, None, Role.AGENT)
        for k in range(1, SIM_AGENT_COUNT + 1)
    ]
    users = _users_ensure(specs)
    out: list[AgentInfo] = []
    for k in range(1, SIM_AGENT_COUNT + 1):
        name = f"{SIM_AGENT_NAME} {k}"
        agent = ServiceAgent.objects.filter(name=name).first()
        if agent is None:
            agent = ServiceAgent.objects.create(
                name=name,
                tax_code=_agent_tax_code(k),
                address="Hà Nội",
                registered_by_id=world.center_id,
            )
        user = users[f"{SIM_PREFIX}agent-{k:02d}"]
        agent.accounts.add(user)
        out.append(AgentInfo(agent.pk, _actor(user)))
    return out


def _stored(data: bytes) -> int:
    from motcua.documents.uploads import CheckedFile, store_bytes

    return store_bytes(CheckedFile(data, "application/pdf", hashlib.sha256(data).hexdigest())).pk


def sim_file_ensure() -> int:
    """The stored file of the simulated scans (content-addressed: stored once)."""
    return _stored(SIM_PDF)


#: Placeholder variants: an applicant whose results of one procedure were returned
#: electronically n times holds n entries in the data store (one per file).
SIM_RESULT_VARIANTS = 8


def sim_result_files_ensure() -> tuple[int, ...]:
    """The stored files simulated electronic results point at: placeholders, NOT signed results
    (the services sign one notice per dossier; see docs/simulator.md)."""
    return tuple(_stored(SIM_RESULT_PDF + f"% {k}\n".encode()) for k in range(SIM_RESULT_VARIANTS))


# ----------------------------------------------------------------------------- people
FAMILY = (
    "Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ",
    "Hồ", "Ngô", "Dương", "Lý", "Đào", "Đinh", "Trịnh", "Mai",
)  # fmt: skip
MIDDLE_MALE = ("Văn", "Hữu", "Đức", "Minh", "Quang", "Xuân", "Thành", "Công", "Tiến", "Mạnh")
MIDDLE_FEMALE = ("Thị", "Ngọc", "Thu", "Thanh", "Minh", "Hồng", "Thùy", "Phương", "Kim", "Mai")
GIVEN_MALE = (
    "An", "Bình", "Cường", "Dũng", "Đạt", "Hải", "Hiếu", "Hùng", "Huy", "Khánh", "Long", "Nam",
    "Phong", "Quân", "Sơn", "Thắng", "Trung", "Tuấn", "Việt", "Vinh",
)  # fmt: skip
GIVEN_FEMALE = (
    "Anh", "Châu", "Dung", "Giang", "Hà", "Hạnh", "Hoa", "Hương", "Lan", "Linh", "Mai", "Nga",
    "Ngọc", "Nhung", "Phương", "Tâm", "Thảo", "Trang", "Vân", "Yến",
)  # fmt: skip
#: Birth registration provinces: Hà Nội for most, a few others (identity.py's code list).
HANOI_PROVINCE = "001"
OTHER_PROVINCES = ("034", "036", "030", "035", "037", "038", "040", "022", "033", "026")
FIRST_BIRTH_YEAR = 1945
LAST_BIRTH_YEAR = 2007


@dataclass(frozen=True, slots=True)
class Person:
    index: int
    full_name: str
    personal_id: str
    sex: str
    birth_date: dt.date
    phone: str


def _draws(index: int) -> tuple[int, ...]:
    digest = hashlib.blake2b(index.to_bytes(8, "little"), digest_size=32).digest()
    return tuple(int.from_bytes(digest[i : i + 4], "little") for i in range(0, 32, 4))


def person(index: int, taken: set[str]) -> Person:
    """Applicant number ``index``: the same person whatever the seed or the run. The identity
    number is unique among ``taken`` (which it joins) and valid for
    :func:`motcua.people.identity.parse_personal_id` (province, century and sex, birth year)."""
    r = _draws(index)
    male = r[0] % 2 == 0
    year = FIRST_BIRTH_YEAR + r[1] % (LAST_BIRTH_YEAR - FIRST_BIRTH_YEAR + 1)
    province = HANOI_PROVINCE if r[2] % 100 < 85 else OTHER_PROVINCES[r[2] % len(OTHER_PROVINCES)]
    century = 0 if year < 2000 else 2
    digit = century + (0 if male else 1)
    serial = (index * 7_919 + r[3]) % 1_000_000
    while True:
        number = f"{province}{digit}{year % 100:02d}{serial:06d}"
        if number not in taken:
            break
        serial = (serial + 1) % 1_000_000
    taken.add(number)
    birth = dt.date(year, 1, 1) + dt.timedelta(days=r[4] % 365)
    name = _name(r, male)
    phone = f"09{(r[3] ^ r[4]) % 100_000_000:08d}"
    return Person(index, name, number, "male" if male else "female", birth, phone)


def _name(r: tuple[int, ...], male: bool) -> str:
    family = FAMILY[r[5] % len(FAMILY)]
    if male:
        return f"{family} {MIDDLE_MALE[r[6] % 10]} {GIVEN_MALE[r[7] % len(GIVEN_MALE)]}"
    return f"{family} {MIDDLE_FEMALE[r[6] % 10]} {GIVEN_FEMALE[r[7] % len(GIVEN_FEMALE)]}"


def person_name(index: int) -> str:
    """The full name of applicant ``index`` (as :func:`person` gives it)."""
    r = _draws(index)
    return _name(r, r[0] % 2 == 0)


def person_home(index: int, communes: Sequence[int]) -> int:
    """The home commune (one of ``communes``) of applicant ``index``."""
    return communes[(_draws(index)[4] >> 12) % len(communes)]


def person_has_store(index: int, share: float) -> bool:
    """Whether applicant ``index`` keeps papers in their data store."""
    return (_draws(index)[6] >> 8) % 10_000 < share * 10_000
