"""End to end, in headless Chromium: ANAM's control officer reviews the pairs of a double-
enrolment control run (the queue, the two records side by side, "same person" then "different"
with a note, each time landing on the next pair); both pages pass axe-core in French and in
Arabic."""

from __future__ import annotations

import pytest

from snigi.enrolment_control.models import CandidatePair, Notice, ReviewDecision
from tests.browser.test_accessibility import LANGUAGES, Audit
from tests.browser.test_personas import log_in
from tests.enrolment_control.test_review_pages import build_run, pair_url, queue_url, to_review

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def submit(page) -> None:
    with page.expect_navigation():
        page.click("#decision-form button[type=submit]")


def test_an_officer_reviews_pairs_side_by_side(page, persona, tmp_path):
    hind = persona("hind")
    run = build_run(hind, tmp_path)
    first, second, third = to_review(run)[:3]
    log_in(page, "hind")

    page.goto(queue_url(run))
    rows = page.locator("#review-queue tbody tr")
    assert rows.count() == len(to_review(run))
    assert page.locator("#count-to-review").inner_text() == str(len(to_review(run)))
    assert rows.first.get_attribute("data-pair") == str(first.pk)
    with page.expect_navigation():
        rows.first.locator("a").click()
    assert page.url.endswith(pair_url(first))

    # The two records side by side: one column each, on the same line.
    headers = page.locator("#pair-records thead th[id^=side-]")
    assert headers.count() == 2
    assert "CNSS" in headers.nth(0).inner_text() + headers.nth(1).inner_text()
    assert "ANAM" in headers.nth(0).inner_text() + headers.nth(1).inner_text()
    cells = page.locator("#pair-records tr[data-field=last_name] td")
    left, right = cells.nth(0).bounding_box(), cells.nth(1).bounding_box()
    assert left["y"] == right["y"]
    assert left["x"] != right["x"]
    texts = {first.entry_a.last_name, first.entry_b.last_name}
    assert texts <= set(cells.all_inner_texts())
    differing = page.locator("#pair-records tr.review-differs")
    assert differing.count() > 0
    assert "différent" in differing.first.locator("th").text_content()
    assert page.locator("#proposal-verdict").is_visible()

    page.check("#id_verdict_0")  # same person
    submit(page)
    assert page.url.endswith(pair_url(second)), page.url
    assert "Décision enregistrée : même personne" in page.locator("main .alert").inner_text()
    assert ReviewDecision.objects.get().same_person is True
    assert Notice.objects.filter(entry__in=[first.entry_a_id, first.entry_b_id]).count() == 2

    # "Different" without a note is refused, and says why; with a note it is recorded.
    page.check("#id_verdict_1")
    submit(page)
    assert "Indiquez ce qui distingue" in page.locator("#form-errors").inner_text()
    assert page.url.endswith(pair_url(second))
    assert ReviewDecision.objects.count() == 1
    page.check("#id_verdict_1")
    page.fill("#id_note", "Dates de naissance et communes différentes")
    submit(page)
    assert page.url.endswith(pair_url(third)), page.url
    decision = CandidatePair.objects.get(pk=second.pk).decision
    assert decision.same_person is False
    assert decision.note == "Dates de naissance et communes différentes"

    page.goto(queue_url(run))
    assert page.locator("#count-decided").inner_text() == "2"
    assert page.locator("#review-queue tbody tr").first.get_attribute("data-pair") == str(third.pk)


@pytest.mark.parametrize("language", list(LANGUAGES))
def test_review_pages_pass_axe(page, persona, tmp_path, language):
    hind = persona("hind")
    run = build_run(hind, tmp_path)
    first, second = to_review(run)[:2]
    audit = Audit(page, language)
    log_in(page, "hind")
    audit.switch_language()
    page.goto(queue_url(run))
    audit.check("review queue")
    page.goto(queue_url(run) + "?band=all&decision=all")
    audit.check("review queue, every pair")
    page.goto(pair_url(first))
    audit.check("pair")
    page.check("#id_verdict_1")
    with page.expect_navigation():
        page.click("#decision-form button[type=submit]")
    audit.check("pair with an error")
    page.check("#id_verdict_0")
    with page.expect_navigation():
        page.click("#decision-form button[type=submit]")
    assert page.url.endswith(pair_url(second))
    page.goto(pair_url(first))
    audit.check("pair decided, with its notices")
    audit.assert_clean()
