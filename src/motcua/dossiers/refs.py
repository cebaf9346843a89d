"""Reference rows the transitions read at every step, from the in-process cache.

See :mod:`motcua.core.refcache`: agencies, service points and procedure versions change a few
times a year; reading them with every locked dossier was the largest cost of a transition.
"""

from __future__ import annotations

from motcua.catalog.models import Procedure, ProcedureVersion
from motcua.core.refcache import ReferenceCache
from motcua.dossiers.models import Dossier, DossierStep
from motcua.org.models import Agency, ServicePoint

agencies: ReferenceCache[Agency] = ReferenceCache(Agency)
service_points: ReferenceCache[ServicePoint] = ReferenceCache(
    ServicePoint, select_related=("agency",), invalidated_by=(Agency,)
)
procedure_versions: ReferenceCache[ProcedureVersion] = ReferenceCache(
    ProcedureVersion, select_related=("procedure",), invalidated_by=(Procedure,)
)

DOSSIER_AGENCIES = ("receiving_agency", "competent_agency", "current_agency")


def attach_dossier(dossier: Dossier) -> Dossier:
    """Give ``dossier`` its procedure version, agencies and reception point from the cache."""
    procedure_versions.attach(dossier, "procedure_version")
    agencies.attach(dossier, *DOSSIER_AGENCIES)
    service_points.attach(dossier, "reception_point")
    return dossier


def attach_step(step: DossierStep) -> DossierStep:
    agencies.attach(step, "agency")
    return step
