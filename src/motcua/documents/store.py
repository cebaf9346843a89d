"""The citizen's data store (kho dữ liệu điện tử của tổ chức, cá nhân): digitize once, reuse.

Every paper a citizen uploads (on the store page, or with an online dossier) and every
electronic result they receive is kept here with what it is: type, number, issuer, issue and
expiry dates, and a validity state (valid, expired, withdrawn from use). A later dossier takes
the paper from the store with one click; the dossier component then records the entry it came
from, which is what Decision 766 indicators 4.3–4.4 count.

Who may use an entry: the owner's own account, and the holder of a mandate in force from the
owner (acting in the owner's name); nobody else, staff included (staff see the copy attached
to a dossier, through the dossier).
"""

from __future__ import annotations

import datetime as dt
from typing import IO, Any

from django.db import IntegrityError, transaction
from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from motcua.core.errors import DomainError, ErrorKind
from motcua.core.services import audit_record
from motcua.documents.models import StoredFile, StoreItem
from motcua.documents.uploads import check_upload, read_stored, store_bytes
from motcua.org.models import User
from motcua.people.models import CitizenProfile, Mandate
from motcua.workcal.types import VN_TZ


def today() -> dt.date:
    return timezone.localtime(timezone.now(), VN_TZ).date()


def _profile_of(user: User) -> CitizenProfile | None:
    try:
        return user.citizen_profile
    except CitizenProfile.DoesNotExist:
        return None


def may_use_store(user: User, owner: CitizenProfile, at: dt.datetime | None = None) -> bool:
    """The owner's own account, or the holder of a mandate in force from the owner."""
    if not getattr(user, "is_authenticated", False):
        return False
    profile = _profile_of(user)
    if profile is None:
        return False
    if profile.pk == owner.pk:
        return True
    now = at or timezone.now()
    return (
        Mandate.objects.filter(
            grantor=owner, grantee=profile, revoked_at__isnull=True, valid_from__lte=now
        )
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gt=now))
        .exists()
    )


def _forbidden() -> DomainError:
    return DomainError(
        "store.forbidden",
        _("Only the owner of the data store, or a person they mandated, may use it."),
        kind=ErrorKind.FORBIDDEN,
    )


# ----------------------------------------------------------------------------- reads
def store_items(owner: CitizenProfile) -> QuerySet[StoreItem]:
    """The owner's entries, newest first, each with the number of dossiers that reused it."""
    return (
        StoreItem.objects.filter(owner=owner)
        .select_related("file", "source_dossier")
        .annotate(reuse_count=Count("reuses__dossier", distinct=True))
        .order_by("-created_at", "-pk")
    )


def usable_items(owner: CitizenProfile, on: dt.date | None = None) -> list[StoreItem]:
    """The entries a new dossier may take: not withdrawn, not expired on ``on``."""
    day = on or today()
    return list(
        StoreItem.objects.filter(owner=owner, revoked_at__isnull=True)
        .filter(Q(expires_on__isnull=True) | Q(expires_on__gte=day))
        .select_related("file")
        .order_by("doc_type", "-created_at")
    )


def usable_item(*, owner: CitizenProfile, item_id: int, field: str) -> StoreItem:
    """The entry ``item_id`` of ``owner``'s store if a dossier may take it now."""
    item = StoreItem.objects.filter(pk=item_id, owner=owner).select_related("file").first()
    if item is None:
        raise DomainError(
            "store.item_unknown",
            _("This paper is not in the applicant's data store."),
            kind=ErrorKind.INVALID,
            fields={field: _("not in the applicant's data store")},
        )
    state = item.validity(today())
    if state != StoreItem.Validity.VALID:
        raise DomainError(
            "store.item_not_valid",
            _("This paper is expired or withdrawn from use: upload a valid one."),
            kind=ErrorKind.INVALID,
            fields={field: _("expired or withdrawn from use")},
        )
    return item


# ----------------------------------------------------------------------------- changes
def _check_dates(issued_on: dt.date | None, expires_on: dt.date | None) -> None:
    if issued_on is not None and issued_on > today():
        raise DomainError(
            "store.issued_in_future",
            _("The issue date cannot be in the future."),
            kind=ErrorKind.INVALID,
            fields={"issued_on": _("not after today")},
        )
    if issued_on is not None and expires_on is not None and expires_on < issued_on:
        raise DomainError(
            "store.expiry_before_issue",
            _("The paper cannot expire before it was issued."),
            kind=ErrorKind.INVALID,
            fields={"expires_on": _("on or after the issue date")},
        )


def store_put(
    *,
    owner: CitizenProfile,
    stored: StoredFile,
    doc_type: str,
    source: str,
    actor: User | None,
    source_dossier: Any = None,
    number: str = "",
    issuer: str = "",
    issued_on: dt.date | None = None,
    expires_on: dt.date | None = None,
    at: dt.datetime | None = None,
) -> StoreItem:
    """Keep ``stored`` in ``owner``'s store as ``doc_type`` (the same file under the same
    type is kept once). Call inside the caller's transaction."""
    doc_type = doc_type.strip()[:255]
    existing = StoreItem.objects.filter(owner=owner, file=stored, doc_type=doc_type).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            item = StoreItem.objects.create(
                owner=owner,
                doc_type=doc_type,
                number=number.strip()[:100],
                issuer=issuer.strip()[:255],
                issued_on=issued_on,
                expires_on=expires_on,
                file=stored,
                source=source,
                source_dossier=source_dossier,
                added_by=actor,
                created_at=at or timezone.now(),
            )
    except IntegrityError:
        return StoreItem.objects.get(owner=owner, file=stored, doc_type=doc_type)
    if source == StoreItem.Source.RESULT and source_dossier is not None:
        from motcua.indicators.rollups import rollups_touch

        rollups_touch(source_dossier.pk)
    audit_record(
        action="store.added",
        actor=actor,
        obj=item,
        data={"owner": owner.pk, "source": source, "sha256": stored.sha256},
    )
    return item


@transaction.atomic
def store_add(
    *,
    actor: User,
    upload: IO[bytes] | Any,
    doc_type: str,
    number: str = "",
    issuer: str = "",
    issued_on: dt.date | None = None,
    expires_on: dt.date | None = None,
) -> StoreItem:
    """The citizen uploads a paper into their own store."""
    owner = _profile_of(actor)
    if owner is None:
        raise _forbidden()
    if not doc_type.strip():
        raise DomainError(
            "store.doc_type_required",
            _("Say what paper this is."),
            kind=ErrorKind.INVALID,
            fields={"doc_type": _("required")},
        )
    _check_dates(issued_on, expires_on)
    checked = check_upload(upload, field="file")
    stored = store_bytes(checked)
    return store_put(
        owner=owner,
        stored=stored,
        doc_type=doc_type,
        source=StoreItem.Source.UPLOAD,
        actor=actor,
        number=number,
        issuer=issuer,
        issued_on=issued_on,
        expires_on=expires_on,
    )


@transaction.atomic
def store_withdraw(*, actor: User, item: StoreItem) -> StoreItem:
    """The owner withdraws an entry from use (kept for the dossiers that used it)."""
    item = StoreItem.objects.select_for_update().get(pk=item.pk)
    owner = _profile_of(actor)
    if owner is None or owner.pk != item.owner_id:
        raise _forbidden()
    if item.revoked_at is not None:
        raise DomainError(
            "store.already_withdrawn",
            _("This paper was already withdrawn from use."),
            kind=ErrorKind.CONFLICT,
        )
    item.revoked_at = timezone.now()
    item.save(update_fields=["revoked_at"])
    audit_record(action="store.withdrawn", actor=actor, obj=item, data={"owner": owner.pk})
    return item


def store_item_open(*, actor: User, item: StoreItem) -> bytes:
    """The bytes of an entry, for its owner or a mandate holder."""
    if not may_use_store(actor, item.owner):
        raise _forbidden()
    return read_stored(item.file)
