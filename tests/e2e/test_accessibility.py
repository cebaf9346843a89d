"""WCAG 2.1 AA on the portal's main pages, checked by axe-core in Debian's chromium.

axe-core comes from the npm registry (``scripts/test.sh`` installs it into
``.cache/axe/node_modules/axe-core/``; ``MOTCUA_AXE_JS`` may point elsewhere). The test loads
it into the page it checks; it is never shipped to users. A page passes when axe reports no
violation of impact "serious" or "critical" for the WCAG 2.0/2.1 A and AA rules.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from motcua.catalog.demo import demo_required_documents_ensure
from motcua.catalog.life_events import life_events_ensure
from motcua.org.models import User
from motcua.org.roles import Role
from motcua.portal.submission import draft_start
from tests.factories import PASSWORD, CitizenProfileFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[2]
AXE_JS = Path(
    os.environ.get("MOTCUA_AXE_JS")
    or ROOT / ".cache" / "axe" / "node_modules" / "axe-core" / "axe.min.js"
)
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
BLOCKING = {"serious", "critical"}

PUBLIC_PAGES = [
    "/",
    "/procedures/1.012783/",
    "/lookup/",
    "/feedback/",
    "/feedback/new/",
    "/accounts/login/",
    "/accounts/register/",
    "/life-events/",
    "/life-events/sinh-con/",
    "/documents/verify/",
]
CITIZEN_PAGES = [
    "/me/",
    "/me/dossiers/",
    "/me/store/",
    "/me/mandates/",
    "/procedures/1.001193/submit/",
]


@pytest.fixture(scope="module")
def axe_source() -> str:
    if not AXE_JS.is_file():
        pytest.fail(
            f"axe-core not found at {AXE_JS}: run scripts/test.sh (it installs it with npm), "
            "or `npm install --prefix .cache/axe axe-core@4`, or set MOTCUA_AXE_JS."
        )
    return AXE_JS.read_text(encoding="utf-8")


def _violations(page: Any, axe_source: str) -> list[dict[str, Any]]:
    page.add_script_tag(content=axe_source)
    result: dict[str, Any] = page.evaluate(
        """async (tags) => await axe.run(document, {runOnly: {type: 'tag', values: tags}})""",
        TAGS,
    )
    return [v for v in result["violations"] if v.get("impact") in BLOCKING]


def _describe(path: str, found: list[dict[str, Any]]) -> str:
    lines = [f"{path}:"]
    for v in found:
        targets = [", ".join(n["target"]) for n in v["nodes"][:3]]
        lines.append(f"  {v['impact']} {v['id']}: {v['help']} — {targets}")
    return "\n".join(lines)


def test_main_pages_have_no_serious_violation(
    live_server: Any, page: Any, axe_source: str, reference: None
) -> None:
    life_events_ensure()
    demo_required_documents_ensure()
    problems: list[str] = []
    for path in PUBLIC_PAGES:
        response = page.goto(f"{live_server.url}{path}")
        assert response is not None and response.status == 200, path
        assert page.locator("html").get_attribute("lang") == "vi"
        found = _violations(page, axe_source)
        if found:
            problems.append(_describe(path, found))

    citizen: User = UserFactory(roles=[Role.CITIZEN])
    CitizenProfileFactory(user=citizen)
    draft = draft_start(user=citizen, procedure_code="1.001193")
    page.goto(f"{live_server.url}/accounts/login/")
    page.locator("#id_username").fill(citizen.username)
    page.locator("#id_password").fill(PASSWORD)
    page.locator("form button[type=submit]").first.click()
    page.wait_for_load_state()
    for path in [*CITIZEN_PAGES, f"/me/drafts/{draft.pk}/", f"/me/drafts/{draft.pk}/review/"]:
        response = page.goto(f"{live_server.url}{path}")
        assert response is not None and response.status == 200, path
        found = _violations(page, axe_source)
        if found:
            problems.append(_describe(path, found))
    assert not problems, "\n".join(problems)
