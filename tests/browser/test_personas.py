"""End to end, in headless Chromium: each persona logs in, sees its role, reads SNIGI in Arabic
(right to left) and logs out; navigation per role, keyboard access, login lockout, htmx."""

from __future__ import annotations

import re

import pytest
from django.utils import translation

from snigi.core.roles import Role
from tests.conftest import PASSWORD, PERSONAS

pytestmark = [
    pytest.mark.browser,
    # The live server needs committed data; the reference data loaded by the migrations is
    # restored after each test.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

MIN_SCREENSHOT_BYTES = 5 * 1024


def role_of(username: str) -> str:
    return PERSONAS[username][0].value if username in PERSONAS else Role.INSURED.value


def log_in(page, username: str, password: str = PASSWORD) -> None:
    page.goto("/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    with page.expect_navigation():
        page.click("main form button[type=submit]")


def assert_styles_loaded(page) -> None:
    """Bootstrap and htmx were served: the navbar is a flex box, htmx is defined."""
    assert page.evaluate("getComputedStyle(document.querySelector('.navbar')).display") == "flex"
    assert page.evaluate(
        "[...document.styleSheets].some(s => s.href && s.href.includes('bootstrap')"
        " && s.cssRules.length > 100)"
    )
    assert page.evaluate("typeof window.htmx") == "object"


@pytest.mark.parametrize("username", [*PERSONAS, "youssef"])
def test_persona_logs_in_reads_arabic_and_logs_out(page, request, persona, artifacts_dir, username):
    user = request.getfixturevalue("youssef") if username == "youssef" else persona(username)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))

    log_in(page, username)
    assert re.fullmatch(r"http://[^/]+/", page.url), page.url
    label = page.locator("#role-label")
    assert label.get_attribute("data-role") == role_of(username) == user.role
    with translation.override("fr"):
        assert str(Role(user.role).label) in label.inner_text()
    assert page.locator("#current-user").inner_text() == username
    assert page.locator("html").get_attribute("dir") == "ltr"
    assert page.locator("html").get_attribute("lang") == "fr"
    assert_styles_loaded(page)

    page.select_option("#language-select", "ar")
    with page.expect_navigation():
        page.click("#language-submit")
    html = page.locator("html")
    assert html.get_attribute("dir") == "rtl"
    assert html.get_attribute("lang") == "ar"
    # Still signed in, same home page, now with the right-to-left Bootstrap.
    assert page.locator("#role-label").get_attribute("data-role") == user.role
    assert page.locator("link[href*='bootstrap.rtl']").count() == 1
    assert_styles_loaded(page)
    assert page.evaluate("getComputedStyle(document.body).direction") == "rtl"

    shot = artifacts_dir / f"{username}-ar.png"
    shot.unlink(missing_ok=True)
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > MIN_SCREENSHOT_BYTES

    with page.expect_navigation():
        page.click("form[action$='/accounts/logout/'] button[type=submit]")
    assert page.locator("#current-user").count() == 0
    assert page.locator("#role-label").count() == 0
    assert page.locator("a[href$='/accounts/login/']").count() >= 1
    assert page.locator("html").get_attribute("dir") == "rtl"  # the language choice stays
    assert errors == []


def nav_hrefs(page) -> set[str]:
    return set(
        page.eval_on_selector_all("#nav-main .navbar-nav a", "els => els.map(e => e.pathname)")
    )


def nav_labels(page) -> set[str]:
    return {text.strip() for text in page.locator("#nav-main .navbar-nav a").all_inner_texts()}


@pytest.mark.parametrize(
    ("username", "present", "absent"),
    [
        ("leila", {"/audit/"}, {"/persons/", "/admin/"}),
        ("karim", {"/persons/"}, {"/audit/", "/admin/"}),
        ("omar", {"/admin/"}, {"/audit/", "/persons/"}),
        ("samira", {"/persons/"}, {"/audit/", "/admin/"}),
    ],
)
def test_navigation_depends_on_the_role(page, persona, username, present, absent):
    persona(username)
    log_in(page, username)
    hrefs = nav_hrefs(page)
    assert {"/", "/reference/", "/calendar/"} <= hrefs
    assert present <= hrefs
    assert not absent & hrefs
    labels = nav_labels(page)
    assert ("Journal d'audit" in labels) == ("/audit/" in present)
    assert ("Administration" in labels) == ("/admin/" in present)


def test_auditor_and_agent_navigation_differ(page, browser, persona, live_server):
    persona("leila")
    persona("karim")
    log_in(page, "leila")
    auditor = nav_labels(page)
    other = browser.new_context(base_url=live_server.url, locale="fr-FR")
    try:
        agent_page = other.new_page()
        log_in(agent_page, "karim")
        agent = nav_labels(agent_page)
    finally:
        other.close()
    assert "Journal d'audit" in auditor
    assert "Journal d'audit" not in agent
    assert "Personnes" in agent
    assert "Personnes" not in auditor


@pytest.mark.parametrize("signed_in", [False, True])
def test_skip_link_is_the_first_focusable_element(page, persona, signed_in):
    if signed_in:
        persona("karim")
        log_in(page, "karim")
    else:
        page.goto("/")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.getAttribute('href')")
    assert focused == "#main"
    # Once focused it is visible, and it moves the focus to the main content.
    assert page.evaluate("document.activeElement.getBoundingClientRect().width") > 1
    page.keyboard.press("Enter")
    page.wait_for_function("document.activeElement && document.activeElement.id === 'main'")
    assert page.url.endswith("#main")


def test_wrong_password_then_lockout(page, persona):
    # A dedicated account, so that locking it leaves the other personas alone.
    persona("verrou", cnie="ZZ999999")
    log_in(page, "verrou", "not-the-password-1")
    alert = page.locator("main .alert-danger")
    assert alert.is_visible()
    assert "incorrect" in alert.inner_text()
    assert page.locator("#current-user").count() == 0

    for attempt in range(2, 6):
        log_in(page, "verrou", f"not-the-password-{attempt}")
        assert page.locator("#current-user").count() == 0

    # Five failures: even the right password now shows the lockout page.
    log_in(page, "verrou", PASSWORD)
    assert "bloqué" in page.locator("main h1").inner_text()
    assert page.locator("#current-user").count() == 0
    page.goto("/")
    assert page.locator("#role-label").count() == 0

    # Another persona is not affected.
    persona("karim")
    log_in(page, "karim")
    assert page.locator("#role-label").get_attribute("data-role") == Role.FUND_AGENT


def test_four_failures_do_not_lock(page, persona):
    persona("verrou", cnie="ZZ999999")
    for attempt in range(4):
        log_in(page, "verrou", f"not-the-password-{attempt}")
        assert page.locator("main .alert-danger").is_visible()
    log_in(page, "verrou", PASSWORD)
    assert page.locator("#role-label").get_attribute("data-role") == Role.INSURED


def test_calendar_htmx_computes_without_reload(page):
    page.goto("/calendar/")
    page.evaluate("window.__noReload = 'still here'")
    assert page.locator("#result-date").count() == 0
    # Tuesday 29 July 2025 + 3 working days: Wednesday 30 is the Fête du Trône, then Thursday
    # 31, Friday 1 and, after the weekend, Monday 4 August.
    page.fill("#start", "2025-07-29")
    page.fill("#days", "3")
    with page.expect_response(
        lambda r: "/calendar/" in r.url and r.request.headers.get("hx-request") == "true"
    ):
        page.click("form[hx-get] button[type=submit]")
    result = page.locator("#result-date")
    result.wait_for()
    assert "4 août 2025" in result.inner_text()
    assert "lundi" in result.inner_text()
    assert page.evaluate("window.__noReload") == "still here"  # no full page load
    assert "start=2025-07-29" in page.url  # hx-push-url

    page.fill("#days", "1")
    page.click("form[hx-get] button[type=submit]")
    page.wait_for_function(
        "document.querySelector('#result-date') &&"
        " document.querySelector('#result-date').textContent.includes('31 juillet 2025')"
    )
    assert page.evaluate("window.__noReload") == "still here"
