"""Browser fixtures: one headless Chromium for all the browser tests (Debian's, driven by
Playwright), a fresh context per test, and the pytest-django live server.

The browser tests never skip: when Chromium is missing they fail, so that CI really runs them.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from django.db import connections

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TIMEOUT_MS = 15_000
ASYNC_UNSAFE = "DJANGO_ALLOW_ASYNC_UNSAFE"


@pytest.fixture(scope="session")
def artifacts_dir() -> Path:
    directory = Path(os.environ.get("SNIGI_BROWSER_ARTIFACTS", "test-artifacts")).resolve()
    directory.mkdir(parents=True, exist_ok=True)
    return directory


@pytest.fixture(scope="package")
def browser(django_db_setup):
    """One Chromium for all the browser tests. Package scope rather than session: while
    Playwright runs, the main thread has a running event loop, so the browser must be gone before
    the other test packages run (a whole-suite run would otherwise see Django's async guard)."""
    if not (CHROMIUM.is_file() and os.access(CHROMIUM, os.X_OK)):
        found = shutil.which("chromium") or "none on PATH"
        pytest.fail(
            f"Chromium is required for the browser tests and was not found at {CHROMIUM} "
            f"(chromium on PATH: {found}). Install it with `apt-get install chromium` "
            "(scripts/test does so when run as root).",
            pytrace=False,
        )
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop running in this thread: Django's guard against
    # database access from async code would trip on every ORM call the tests make. Set only
    # while the browser runs, so that it never leaks into other tests or their subprocesses.
    previous = os.environ.get(ASYNC_UNSAFE)
    os.environ[ASYNC_UNSAFE] = "true"
    serialized = {
        conn.alias: conn._test_serialized_contents
        for conn in connections.all()
        if hasattr(conn, "_test_serialized_contents")
    }
    playwright = sync_playwright().start()
    # With an event loop running, Django's `connections` (an asgiref Local bound to the context)
    # hands out new DatabaseWrapper objects: give them the test database's serialized content,
    # which `serialized_rollback` restores after each flush.
    for alias, contents in serialized.items():
        connections[alias]._test_serialized_contents = contents
    try:
        try:
            browser = playwright.chromium.launch(
                executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
            )
        except Exception as exc:
            pytest.fail(f"Chromium at {CHROMIUM} could not be started: {exc}", pytrace=False)
        yield browser
        browser.close()
    finally:
        playwright.stop()
        if previous is None:
            os.environ.pop(ASYNC_UNSAFE, None)
        else:
            os.environ[ASYNC_UNSAFE] = previous


@pytest.fixture
def page(browser, live_server):
    """A page in a fresh browser context (no cookies), French first, at a desktop size."""
    context = browser.new_context(
        base_url=live_server.url,
        locale="fr-FR",
        viewport={"width": 1280, "height": 900},
    )
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Each test creates and logs in accounts: a fast hasher keeps the suite quick (the real
    hasher is covered by the other tests)."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
