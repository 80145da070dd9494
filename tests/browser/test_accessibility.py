"""Automated accessibility check with axe-core (vendored in tests/browser/vendor, never served):
every page of the web shell, anonymous and signed in, in French and in Arabic (right to left),
has no WCAG 2.0/2.1 A and AA violation of impact "serious" or "critical".

axe's colour-contrast rule skips text it takes for an icon ligature, which includes most Arabic
words: the colours are the same in both directions, so the French run is the one that checks
contrast; the Arabic run still checks names, labels, landmarks, ids and lang attributes."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.browser.test_personas import log_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

AXE = Path(__file__).parent / "vendor" / "axe.min.js"
AXE_OPTIONS = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}
BLOCKING = {"serious", "critical"}
LANGUAGES = {"fr": "ltr", "ar": "rtl"}


class Audit:
    """Runs axe on each page visited and keeps the blocking violations, so that one failure
    lists every page and rule at once."""

    def __init__(self, page, language: str) -> None:
        self.page = page
        self.language = language
        self.problems: list[str] = []

    def check(self, name: str) -> None:
        page = self.page
        html = page.locator("html")
        assert html.get_attribute("lang") == self.language, name
        assert html.get_attribute("dir") == LANGUAGES[self.language], name
        if page.evaluate("typeof window.axe") != "object":
            page.add_script_tag(path=str(AXE))
        results = page.evaluate("options => axe.run(document, options)", AXE_OPTIONS)
        assert results["passes"], f"axe checked nothing on {name}"
        for violation in results["violations"]:
            if violation["impact"] not in BLOCKING:
                continue
            targets = [" ".join(map(str, n["target"])) for n in violation["nodes"][:3]]
            self.problems.append(
                f"[{self.language}] {name} ({page.url}): {violation['id']} "
                f"({violation['impact']}, {len(violation['nodes'])} nodes) – {violation['help']}"
                f" – {'; '.join(targets)}"
            )

    def switch_language(self) -> None:
        if self.page.locator("html").get_attribute("lang") != self.language:
            self.page.select_option("#language-select", self.language)
            with self.page.expect_navigation():
                self.page.click("#language-submit")

    def log_out(self) -> None:
        with self.page.expect_navigation():
            self.page.click("form[action$='/accounts/logout/'] button[type=submit]")

    def assert_clean(self) -> None:
        summary = "\n".join(self.problems)
        if self.problems:
            print(f"axe-core found {len(self.problems)} blocking violations:\n{summary}")
        assert not self.problems, f"serious or critical accessibility violations:\n{summary}"


@pytest.mark.parametrize("language", LANGUAGES)
def test_public_pages_are_accessible(page, language):
    audit = Audit(page, language)
    page.goto("/")
    audit.switch_language()
    audit.check("landing")
    for name, url in [
        ("login", "/accounts/login/"),
        ("reference", "/reference/"),
        ("INPE directory", "/inpe/"),
        ("INPE verification with an error", "/inpe/verify/?code=12345"),
        ("INPE statistics", "/inpe/statistics/"),
        ("calendar", "/calendar/"),
    ]:
        page.goto(url)
        audit.check(name)

    # The deadline computed in place by htmx (Tuesday 29 July 2025 + 3 working days).
    page.fill("#start", "2025-07-29")
    page.fill("#days", "3")
    page.click("form[hx-get] button[type=submit]")
    page.locator("#result-date").wait_for()
    audit.check("calendar with a result")
    audit.assert_clean()


@pytest.mark.parametrize("language", LANGUAGES)
def test_signed_in_pages_are_accessible(page, persona, youssef, language):
    persona("samira")
    persona("leila")
    audit = Audit(page, language)
    page.goto("/")
    audit.switch_language()

    # An ANAM persona who reads people's files: home, the list and one file.
    log_in(page, "samira")
    audit.check("ANAM home")
    page.goto("/persons/")
    audit.check("persons list")
    rows = page.locator("main table tbody a")
    assert rows.count() > 0
    with page.expect_navigation():
        rows.first.click()
    assert "/persons/" in page.url
    audit.check("person detail")
    audit.log_out()

    log_in(page, "youssef")
    audit.check("insured home")
    audit.log_out()

    log_in(page, "leila")
    page.goto("/audit/")
    assert page.locator("main table tbody tr").count() > 0
    audit.check("audit trail")
    audit.assert_clean()
