"""End to end, in headless Chromium: the complaints' statistics page draws one chart per table
(Chart.js, vendored: no network), its exports download, and it passes axe-core in French and
in Arabic (right to left)."""

from __future__ import annotations

import pytest

from tests.browser.test_accessibility import LANGUAGES, Audit
from tests.browser.test_personas import log_in
from tests.complaints import conftest as complaint_fixtures
from tests.complaints import stats_register

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]
staff, clinic = complaint_fixtures.staff, complaint_fixtures.clinic  # the register's fixtures
file_of, register_2012 = stats_register.file_of, stats_register.register_2012
CHARTS = ("monthly", "requesters", "groups", "cross", "incomplete", "referrals", "delays")


@pytest.mark.parametrize("language", list(LANGUAGES))
def test_the_statistics_page_draws_its_charts_and_passes_axe(
    page, persona, register_2012, language, artifacts_dir
):
    persona("othmane")
    offline = []
    page.on("request", lambda r: offline.append(r.url) if "127.0.0.1" not in r.url and
            "localhost" not in r.url else None)  # fmt: skip
    audit = Audit(page, language)
    page.goto("/")
    audit.switch_language()
    log_in(page, "othmane")
    page.goto("/reclamations/statistiques/?start=2012-01-01&end=2012-12-31")
    page.wait_for_function("() => typeof Chart !== 'undefined'")
    for key in CHARTS:
        drawn = page.evaluate(
            "key => !!Chart.getChart(document.querySelector(`canvas[data-chart='${key}']`))", key
        )
        assert drawn, key
    assert page.locator("#table-cross tfoot td").last.inner_text() == "9"
    page.screenshot(path=str(artifacts_dir / f"complaints-statistics-{language}.png"),
                    full_page=True)  # fmt: skip
    audit.check("complaints statistics")
    with page.expect_download() as download:
        page.click("#export-xlsx")
    assert download.value.suggested_filename == "reclamations-2012-01-01-2012-12-31.xlsx"
    assert not offline, offline
    audit.assert_clean()
