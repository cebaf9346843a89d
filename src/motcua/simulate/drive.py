"""The same scenario through the real services: every recorded :class:`~.builder.Act` becomes
the service call it stands for, in time order (as officers and citizens would have made them).

Slow (each act is a transaction with its checks, audit row and outbox message) but exact by
construction: ``tests/indicators/test_simulate.py`` compares its rows with the bulk path's,
and ``motcua simulate --through-services`` uses it for small runs.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from motcua.dossiers import services as s
from motcua.dossiers.models import Dossier
from motcua.feedback.services import dossier_rate
from motcua.org.models import Agency, User
from motcua.people.models import CitizenProfile, Mandate

from .builder import Act, DocItem

__all__ = ["drive"]


def _items(docs: Iterable[DocItem]) -> list[s.DocumentItem]:
    return [
        s.DocumentItem(
            required_document_id=d.required_document_id,
            name=d.name,
            copy_kind=d.copy_kind,
            count=d.count,
            stored_file_id=d.stored_file_id,
            store_item_id=d.store_item_id,
        )
        for d in docs
    ]


class _Cache:
    def __init__(self) -> None:
        self.users: dict[int, User] = {}
        self.agencies: dict[int, Agency] = {}
        self.profiles: dict[int, CitizenProfile] = {}

    def user(self, pk: int) -> User:
        if pk not in self.users:
            self.users[pk] = User.objects.get(pk=pk)
        return self.users[pk]

    def agency(self, pk: int) -> Agency:
        if pk not in self.agencies:
            self.agencies[pk] = Agency.objects.get(pk=pk)
        return self.agencies[pk]

    def profile(self, pk: int) -> CitizenProfile:
        if pk not in self.profiles:
            self.profiles[pk] = CitizenProfile.objects.get(pk=pk)
        return self.profiles[pk]


def drive(acts: Iterable[Act]) -> dict[int, Dossier]:
    """Play ``acts`` through the services in time order; returns the dossiers by key."""
    cache = _Cache()
    dossiers: dict[int, Dossier] = {}
    mandates: dict[int, Mandate] = {}
    ordered = sorted(enumerate(acts), key=lambda pair: (pair[1].at, pair[1].key, pair[0]))
    for _position, act in ordered:
        actor = cache.user(act.actor_id)
        a: dict[str, Any] = act.args
        at: dt.datetime = act.at
        if act.kind == "mandate":
            mandates[act.key] = Mandate.objects.create(
                grantor_id=a["grantor_id"],
                grantee_id=a["grantee_id"],
                scope=Mandate.Scope.ALL,
                valid_from=at,
            )
            continue
        if act.kind == "submit":
            dossiers[act.key] = s.dossier_submit(
                actor=actor,
                procedure_code=_code(a),
                applicant=cache.profile(a["applicant_id"]),
                competent_agency=cache.agency(a["competent_id"]),
                receiving_agency=cache.agency(a["receiving_id"]),
                return_method=a["return_method"],
                applicant_consent=a["consent"],
                documents=_items(a["documents"]),
                at=at,
            )
            continue
        if act.kind == "intake":
            dossiers[act.key] = s.dossier_intake(
                actor=actor,
                procedure_code=_code(a),
                applicant=cache.profile(a["applicant_id"]),
                competent_agency=cache.agency(a["competent_id"]),
                channel=a["channel"],
                submitter_kind=a["submitter_kind"],
                submitter_name=a["submitter_name"],
                return_method=a["return_method"],
                documents=_items(a["documents"]),
                at=at,
            )
            continue
        d = dossiers[act.key]
        if act.kind == "rate":
            dossier_rate(
                dossier=d, actor=actor, scores=a["scores"], comment=a.get("comment", ""), at=at
            )
            continue
        call = getattr(s, f"dossier_{act.kind}")
        dossiers[act.key] = call(dossier=d, actor=actor, at=at, **a)
    return dossiers


def _code(args: dict[str, Any]) -> str:
    code = args.get("procedure_code")
    if not isinstance(code, str):
        raise KeyError("procedure_code")
    return code
