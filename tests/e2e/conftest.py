"""Real-browser tests: Debian's chromium driven by Playwright against the live server."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
RESULTS = Path(__file__).resolve().parents[2] / "test-results"
GUIDE_IMAGES = Path(__file__).resolve().parents[2] / "docs" / "user-guide" / "img"
#: Set MOTCUA_DOCS_SCREENSHOTS=1 to refresh the user guide's pictures from the browser tests;
#: ordinary runs leave the committed pictures alone.
WRITE_GUIDE = os.environ.get("MOTCUA_DOCS_SCREENSHOTS") == "1"


def guide_copy(shot: Path, name: str | None = None) -> None:
    """Copy a screenshot into docs/user-guide/img/ when MOTCUA_DOCS_SCREENSHOTS=1."""
    if WRITE_GUIDE:
        GUIDE_IMAGES.mkdir(parents=True, exist_ok=True)
        (GUIDE_IMAGES / (name or shot.name)).write_bytes(shot.read_bytes())


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    # Playwright's sync API runs an event loop in this thread; the ORM calls that the tests
    # make between browser steps are ordinary synchronous calls.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Any, request: pytest.FixtureRequest) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="vi-VN")
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def shots(request: pytest.FixtureRequest) -> Path:
    """The test's output folder for screenshots."""
    folder = RESULTS / request.node.name
    folder.mkdir(parents=True, exist_ok=True)
    return folder
