"""Fixtures and helpers of the processing-page tests (inbox, dossier page, actions).

Built on ``tests/backoffice/conftest.py`` (``actors``, ``login``, ``drive``):

* ``inter_agency_process``: procedure 1.012783 gets an approved internal process with an
  inter-agency step: appraisal at H26.05 (processor), verification at the police H26.07
  (processor), signature at H26.05 (approver);
* :func:`recent_start`: 09:00 of the last working day before today, so that dossiers driven
  from it are still inside their supplement window and before their appointment when the
  pages act "now";
* :func:`to_approval`: a dossier driven to the approver's step.
"""

from __future__ import annotations

import datetime as dt

from motcua.dossiers import services as s
from motcua.dossiers.models import Dossier
from motcua.dossiers.states import State
from motcua.workcal.selectors import calendar_current
from motcua.workcal.types import VN_TZ
from tests.backoffice.conftest import drive
from tests.dossiers.conftest import PROCEDURE, Actors, inter_agency_process  # noqa: F401

MINUTE = dt.timedelta(minutes=1)


def recent_start() -> dt.datetime:
    """09:00 on the last working day strictly before today (Hà Nội time)."""
    today = dt.datetime.now(tz=VN_TZ).date()
    cal = calendar_current()
    day = today - dt.timedelta(days=1)
    while not cal.is_working_day(day):
        day -= dt.timedelta(days=1)
    return dt.datetime.combine(day, dt.time(9), tzinfo=VN_TZ)


def processing(actors: Actors, *, start: dt.datetime | None = None) -> Dossier:
    """A dossier at the processor's step of H26.05, received at ``start`` (default: recent)."""
    return drive(actors, State.PROCESSING, start=start or recent_start())


def to_approval(actors: Actors, *, start: dt.datetime | None = None) -> Dossier:
    """A dossier at the approver's step of H26.05 (default plan: appraisal, approval)."""
    start = start or recent_start()
    d = drive(actors, State.PROCESSING, start=start)
    return s.dossier_forward(dossier=d, actor=actors.processor, at=start + 10 * MINUTE)
