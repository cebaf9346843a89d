"""The start-up check of the system libraries that WeasyPrint needs."""

from __future__ import annotations

import pytest

from motcua.documents import system


def test_present_libraries_need_nothing() -> None:
    assert system.missing_libraries() == []
    assert system.ensure_pdf_engine(install=False) is None


def test_a_missing_library_is_named_with_its_debian_package(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(
        system, "DEBIAN_PACKAGES", {**system.DEBIAN_PACKAGES, "libkhongco0": "libkhongco.so.0"}
    )
    assert system.missing_libraries() == ["libkhongco0"]
    message = system.ensure_pdf_engine(install=False)
    assert message is not None and "apt-get install libkhongco0" in message
