"""Signals of the working calendar.

``calendar_changed`` is sent (after the transaction commits) when an administrator adds,
changes or removes an override. Apps above the calendar react to it (the dossiers app
re-plans open dossiers) without the calendar importing them.
"""

from __future__ import annotations

from django.dispatch import Signal

#: kwargs: ``days`` (list of ``datetime.date``), ``cause`` (str, human-readable), ``actor``.
calendar_changed = Signal()
