"""The shape of the simulated workload: what is published, and what we assume.

Published (``reference/published-figures.md``, Hà Nội, communes, 1/7–23/9/2025, report of the
Public Administration Service Center of 03/10/2025): 531,269 dossiers received — 317,199
online (59.71 %), 212,790 in person (40.05 %), 1,278 by post (0.24 %); of 510,541 resolved,
509,772 on time or early (99.85 %) and 763 late (0.15 %); about 177,000 dossiers a month,
"over 8,000 a day". The network: 126 commune one-stops, the Service Center's 12 branches and
30 reception points.

Everything else below is an assumption (no published figure), named as such and kept small.
"""

from __future__ import annotations

from dataclasses import dataclass, field

#: Published channel shares (counts of the report above).
PUBLISHED_RECEIVED = 531_269
PUBLISHED_ONLINE = 317_199
PUBLISHED_DIRECT = 212_790
PUBLISHED_POST = 1_278
PUBLISHED_RESOLVED = 510_541
PUBLISHED_LATE = 763
PUBLISHED_PER_DAY = 8_000

#: Relative volume of each sector's procedures (assumption: civil status, residence and
#: certification dominate the communes' counters; land, business and vehicles follow).
SECTOR_WEIGHTS: dict[str, float] = {
    "chung-thuc": 30.0,
    "ho-tich": 20.0,
    "dang-ky-quan-ly-cu-tru": 16.0,
    "cap-quan-ly-can-cuoc": 8.0,
    "dat-dai": 7.0,
    "thanh-lap-va-hoat-dong-doanh-nghiep-ho-kinh-doanh": 4.0,
    "dang-ky-quan-ly-phuong-tien-giao-thong-co-gioi-xe-may-chuyen-dung": 4.0,
    "hoat-dong-xay-dung": 2.5,
    "thanh-lap-va-hoat-dong-cua-doanh-nghiep": 2.5,
    "ly-lich-tu-phap": 2.0,
    "quan-ly-xuat-nhap-canh": 2.0,
    "sat-hach-cap-giay-phep-lai-xe": 2.0,
    "dinh-danh-va-xac-thuc-dien-tu": 1.0,
    "thanh-lap-va-hoat-dong-cua-to-hop-tac-hop-tac-xa-lien-hiep-hop-tac-xa": 0.3,
    "quan-ly-chat-luong-nong-lam-san-va-thuy-san": 0.3,
    "luu-thong-hang-hoa-trong-nuoc-bo-cong-thuong": 0.3,
}
DEFAULT_SECTOR_WEIGHT = 1.0
#: Sectors whose dossiers may wait on financial obligations (land: land-use levy, registration
#: fees), besides procedures with a fixed fee amount in the catalogue.
FINANCIAL_SECTORS = frozenset({"dat-dai"})


@dataclass(frozen=True)
class WorkloadProfile:
    """Shares and rates of the simulated workload (fractions of 1)."""

    #: channel shares of all dossiers (published)
    online_share: float = PUBLISHED_ONLINE / PUBLISHED_RECEIVED
    post_share: float = PUBLISHED_POST / PUBLISHED_RECEIVED
    #: share of resolved dossiers finished late (published: 0.15 %)
    late_share: float = PUBLISHED_LATE / PUBLISHED_RESOLVED
    #: of the late ones, those with an apology and a new appointment; of the apologies,
    #: those issued less than one working day before the due instant (assumptions)
    apology_share_of_late: float = 0.6
    late_apology_share: float = 0.15
    #: before reception: a supplement asked at intake, a refusal to receive (assumptions)
    intake_supplement_rate: float = 0.03
    intake_refusal_rate: float = 0.004
    #: during processing: one supplement (restarts the limit), a refusal after appraisal,
    #: a pause for financial obligations (procedures with a fee), another lawful pause
    processing_supplement_rate: float = 0.02
    processing_refusal_rate: float = 0.008
    financial_pause_rate: float = 0.25
    other_pause_rate: float = 0.003
    #: who submits: online — an agent, a mandate holder; at the counter — a representative
    agent_share_online: float = 0.03
    mandate_share_online: float = 0.01
    representative_share_counter: float = 0.08
    #: online dossiers with a component reused from the applicant's data store (Decision 766
    #: indicator 4.3); applicants who keep papers in their data store
    reuse_share_online: float = 0.25
    store_share: float = 0.6
    #: counter dossiers whose components the receiver scans at intake (Decision 766
    #: indicator 4.2 counts dossiers with component files); online ones are all electronic
    counter_digitized_share: float = 0.8
    #: commune procedures filed at another commune's one-stop (boundary-free reception)
    other_commune_share: float = 0.03
    #: returned dossiers rated by the citizen (Circular 01/2018 indices)
    rating_share: float = 0.06
    #: applicants per dossier (a pool: people file several dossiers over the months)
    applicants_per_dossier: float = 0.55
    #: the share of the online ones that are submitted on a non-working day, relative to a
    #: working day
    weekend_online_weight: float = 0.35
    sector_weights: dict[str, float] = field(default_factory=lambda: dict(SECTOR_WEIGHTS))


DEFAULT_PROFILE = WorkloadProfile()
