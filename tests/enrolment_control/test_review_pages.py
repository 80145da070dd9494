"""The review pages of the double-enrolment control: the run's queue (filters, counts,
pagination, the rows shown logged) and one pair (the two records side by side, the differing
fields, the rules' proposal, the decision that notifies the bodies or withdraws the notices)."""

from __future__ import annotations

import csv
import datetime as dt
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from snigi.core.audit import LogEntry
from snigi.core.models import Organisation, Regime
from snigi.enrolment_control import views_review
from snigi.enrolment_control.control import run_control
from snigi.enrolment_control.intake import receive_list
from snigi.enrolment_control.models import (
    CandidatePair,
    ControlRun,
    Notice,
    ReviewDecision,
    SubmittedList,
)
from snigi.enrolment_control.review import decide
from tests.conftest import login

DAY = dt.date(2022, 11, 30)  # RAMED was in force until then
HEADER = ["record_id", "cnie", "first_name", "last_name", "birth_date", "sex", "commune",
          "fund_number"]  # fmt: skip
# CNSS's salaried insured people and ANAM's RAMED beneficiaries: each row of one list has a
# look-alike in the other, written differently (a letter, a date, a commune, a digit).
CNSS_ROWS = [
    ["A1", "BE123456", "MOHAMED", "EL ALAOUI", "1980-03-12", "M", "141.001", "111"],
    ["A2", "", "KARIMA", "BENNANI", "1990-05-01", "F", "141.001", "112"],
    ["A4", "", "YOUSSEF", "IDRISSI", "1985-06-15", "M", "141.001", "114"],
    ["A5", "K445566", "AMINA", "CHRAIBI", "1970-02-02", "F", "141.001", "115"],
    ["A6", "", "HASSAN", "FASSI", "1965-09-09", "M", "141.001", "116"],
    ["A7", "", "NAIMA", "SQALLI", "1988-11-11", "F", "141.001", "117"],
]
RAMED_ROWS = [
    ["B1", "BE123456", "MOHAMMED", "ALAOUI", "12/03/1980", "M", "141.001", "901"],
    ["B2", "", "KARIMA", "BENANI", "1990", "F", "141.001", "902"],
    ["B4", "", "YOUSSEF", "IDRISSI", "1985-07-15", "M", "001.001", "904"],
    ["B5", "K445567", "AMINA", "CHRAIBI", "1971-02-02", "F", "141.001", "905"],
    ["B6", "", "HASAN", "EL FASSI", "1965", "M", "141.001", "906"],
    ["B7", "", "NAIMA", "SKALLI", "1988-01-11", "F", "141.001", "907"],
]

pytestmark = pytest.mark.django_db


def _write(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows([HEADER, *rows])
    return path


def build_run(hind, directory: Path) -> ControlRun:
    """Two lists received and matched with a high threshold and a low review floor: several
    pairs to review and a few links."""
    lists = [
        receive_list(actor=hind, path=_write(directory / "cnss.csv", CNSS_ROWS),
                     organisation=Organisation.objects.get(code="CNSS"), kind="insured",
                     situation_date=DAY,
                     regime=Regime.objects.get(code="AMO_CNSS_SALARIES")).submitted_list,
        receive_list(actor=hind, path=_write(directory / "ramed.csv", RAMED_ROWS),
                     organisation=Organisation.objects.get(code="ANAM"), kind="insured",
                     situation_date=DAY, regime=Regime.objects.get(code="RAMED")).submitted_list,
    ]  # fmt: skip
    run = run_control(actor=hind, lists=lists, threshold=0.99, review_floor=0.01)
    assert run.status == ControlRun.Status.DONE, run.error
    return run


@pytest.fixture
def hind(persona):
    return persona("hind")


@pytest.fixture
def run(hind, tmp_path) -> ControlRun:
    run = build_run(hind, tmp_path)
    review = CandidatePair.objects.filter(run=run, band=CandidatePair.Band.REVIEW)
    assert review.count() >= 3, "the lists should give several pairs to review"
    assert CandidatePair.objects.filter(run=run, band=CandidatePair.Band.LINK).exists()
    return run


def to_review(run: ControlRun) -> list[CandidatePair]:
    """The run's undecided pairs to review, the most likely first (the queue's default)."""
    return list(
        CandidatePair.objects.filter(
            run=run, band=CandidatePair.Band.REVIEW, decision__isnull=True
        ).order_by("-probability", "pk")
    )


def queue_url(run: ControlRun) -> str:
    return reverse("enrolment-review:queue", args=[run.pk])


def pair_url(pair: CandidatePair) -> str:
    return reverse("enrolment-review:pair", args=[pair.pk])


def shown(response) -> list[int]:
    return [pair.pk for pair in response.context["page"]]


class Rows(HTMLParser):
    """The rows of the pair page's records table: data-field -> (classes, text)."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.rows: dict[str, tuple[set[str], str]] = {}
        self._field: str | None = None
        self._classes: set[str] = set()
        self._text: list[str] = []
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "tr" and values.get("data-field"):
            self._field = values["data-field"]
            self._classes = set((values.get("class") or "").split())
            self._text = []

    def handle_data(self, data: str) -> None:
        if self._field:
            self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "tr" and self._field:
            self.rows[self._field] = (self._classes, " ".join("".join(self._text).split()))
            self._field = None


def entry_pair(run: ControlRun, a: str, b: str) -> CandidatePair:
    return CandidatePair.objects.get(
        run=run, entry_a__record_id__in=[a, b], entry_b__record_id__in=[a, b]
    )


# --- Access -------------------------------------------------------------------------------------


def test_only_control_officers_reach_the_review_pages(persona, hind, run, client) -> None:
    pair = to_review(run)[0]
    for url in (queue_url(run), pair_url(pair)):
        anonymous = client.get(url)
        assert anonymous.status_code == 302
        assert anonymous["Location"].startswith(reverse("core:login"))
    for username in ("karim", "othmane", "samira"):  # a fund agent, the observatory, RAMED
        persona(username)
        other = login(username)
        assert other.get(queue_url(run)).status_code == 403
        assert other.get(pair_url(pair)).status_code == 403
        assert other.post(pair_url(pair), {"verdict": "same"}).status_code == 403
    assert not ReviewDecision.objects.exists()
    officer = login("hind")
    assert officer.get(queue_url(run)).status_code == 200
    assert officer.get(pair_url(pair)).status_code == 200
    assert officer.get(reverse("enrolment-review:queue", args=[run.pk + 1000])).status_code == 404
    missing = CandidatePair.objects.order_by("-pk").first().pk + 1
    assert officer.get(reverse("enrolment-review:pair", args=[missing])).status_code == 404


def test_the_pages_read_right_to_left_in_arabic(hind, run) -> None:
    officer = login("hind", "ar")
    for url in (queue_url(run), pair_url(to_review(run)[0])):
        response = officer.get(url)
        assert response.status_code == 200
        assert '<html lang="ar" dir="rtl">' in response.content.decode()


# --- The queue ----------------------------------------------------------------------------------


def test_the_queue_lists_the_pairs_to_review_most_likely_first(hind, run) -> None:
    officer = login("hind")
    pending = to_review(run)
    response = officer.get(queue_url(run))
    assert shown(response) == [p.pk for p in pending]
    probabilities = [p.probability for p in response.context["page"]]
    assert probabilities == sorted(probabilities, reverse=True)
    links = CandidatePair.objects.filter(run=run, band=CandidatePair.Band.LINK).count()
    assert response.context["counts"] == {"to_review": len(pending), "decided": 0, "links": links}
    body = response.content.decode()
    first = pending[0]
    for entry in (first.entry_a, first.entry_b):
        assert entry.record_id in body
        assert entry.last_name in body
    assert f'href="{pair_url(first)}"' in body


def test_the_queue_filters_by_band_and_decision(hind, run) -> None:
    officer = login("hind")
    pending = to_review(run)
    same, different = pending[0], pending[1]
    decide(actor=hind, pair=same, same_person=True)
    decide(actor=hind, pair=different, same_person=False, note="Dates et prénoms différents")
    pairs = CandidatePair.objects.filter(run=run)
    links = [p.pk for p in pairs.filter(band="link").order_by("-probability", "pk")]

    default = officer.get(queue_url(run))
    assert shown(default) == [p.pk for p in pending[2:]]
    assert default.context["counts"]["to_review"] == len(pending) - 2
    assert default.context["counts"]["decided"] == 2
    assert shown(officer.get(queue_url(run), {"band": "link"})) == links
    assert shown(officer.get(queue_url(run), {"band": "review", "decision": "same"})) == [same.pk]
    assert shown(officer.get(queue_url(run), {"band": "all", "decision": "different"})) == [
        different.pk
    ]
    everything = officer.get(queue_url(run), {"band": "all", "decision": "all"})
    assert sorted(shown(everything)) == sorted(pairs.values_list("pk", flat=True))
    decided = officer.get(queue_url(run), {"band": "all", "decision": "same"}).content.decode()
    assert "Même personne" in decided
    # An unknown value falls back to the default queue.
    assert shown(officer.get(queue_url(run), {"band": "everything"})) == shown(default)


def test_the_queue_is_paginated_keeping_its_filters(hind, run, monkeypatch) -> None:
    monkeypatch.setattr(views_review, "PAGE_SIZE", 2)
    officer = login("hind")
    everything = CandidatePair.objects.filter(run=run).order_by("-probability", "pk")
    first = officer.get(queue_url(run), {"band": "all", "decision": "all"})
    assert shown(first) == [p.pk for p in everything[:2]]
    assert "?band=all&amp;decision=all&amp;page=2" in first.content.decode()
    second = officer.get(queue_url(run), {"band": "all", "decision": "all", "page": 2})
    assert shown(second) == [p.pk for p in everything[2:4]]


def test_the_queue_costs_the_same_queries_whatever_its_length(hind, run) -> None:
    officer = login("hind")
    officer.get(queue_url(run))  # the session and the content types, once
    counts = []
    for filters in ({"band": "link"}, {"band": "all", "decision": "all"}):
        with CaptureQueriesContext(connection) as queries:
            response = officer.get(queue_url(run), filters)
        counts.append((len(response.context["page"]), len(queries)))
    (few, few_queries), (many, many_queries) = counts
    assert few < many
    assert few_queries == many_queries


def test_the_queue_logs_the_records_it_shows(hind, run) -> None:
    officer = login("hind")
    response = officer.get(queue_url(run), {"band": "link"})
    entries = {str(e.pk) for p in response.context["page"] for e in (p.entry_a, p.entry_b)}
    assert entries
    logged = LogEntry.objects.filter(
        action=LogEntry.Action.ACCESS, actor=hind, content_type__model="listentry"
    )
    assert set(logged.values_list("object_pk", flat=True)) == entries
    assert all(e.additional_data["via"] == "list" for e in logged)
    assert "band=link" in logged.first().additional_data["query"]


# --- One pair -----------------------------------------------------------------------------------


def test_the_pair_page_shows_both_records_their_differences_and_the_proposal(hind, run) -> None:
    pair = entry_pair(run, "A4", "B4")  # same names and sex, a month and a commune apart
    response = login("hind").get(pair_url(pair))
    body = response.content.decode()
    rows = Rows(body).rows
    cnss, ramed = sorted((pair.entry_a, pair.entry_b), key=lambda e: e.record_id)
    differing = {field for field, (classes, _) in rows.items() if "review-differs" in classes}
    assert differing == {"birth_date", "commune", "fund_number"}
    for field in differing:
        assert "(différent)" in rows[field][1]
    assert "différent" not in rows["last_name"][1]
    assert "141.001 – Casablanca" in rows["commune"][1]
    assert "001.001 – Agadir" in rows["commune"][1]
    assert "1985-06-15" in rows["birth_date"][1]
    assert "1985-07-15" in rows["birth_date"][1]
    assert rows["first_name"][1].count("YOUSSEF") == 2
    for text in (cnss.record_id, ramed.record_id, "Caisse Nationale de Sécurité Sociale",
                 "assistance médicale (historique)", "30/11/2022", "Assurés",
                 f"{pair.probability:.3f}".replace(".", ",")):  # fmt: skip
        assert text in body, text
    proposal = response.context["proposal"]
    assert proposal.prevailing.organisation.code == "CNSS"
    assert "art. 116" in body
    prevailing_side = [s["list"].organisation.code for s in response.context["sides"]
                       if s["prevails"]]  # fmt: skip
    assert prevailing_side == ["CNSS"]
    assert "Aucun signalement envoyé" in body


def test_the_same_date_written_twice_is_not_a_difference(hind, run) -> None:
    pair = entry_pair(run, "A1", "B1")  # 1980-03-12 and 12/03/1980, the same CNIE
    rows = Rows(login("hind").get(pair_url(pair)).content.decode()).rows
    assert "review-differs" not in rows["birth_date"][0]
    assert "review-differs" not in rows["cnie"][0]
    assert "review-differs" in rows["first_name"][0]  # MOHAMED / MOHAMMED


def test_without_a_rule_the_proposal_is_left_to_the_officer(hind, run) -> None:
    pair = to_review(run)[0]
    SubmittedList.objects.filter(regime__code="RAMED").update(
        regime=Regime.objects.get(code="AMO_CNSS_SALARIES")
    )
    response = login("hind").get(pair_url(pair))
    assert response.context["proposal"].prevailing is None
    assert "À trancher" in response.content.decode()


def test_the_pair_page_logs_both_records_on_every_view(hind, run) -> None:
    pair = to_review(run)[0]
    officer = login("hind")
    officer.get(pair_url(pair))
    officer.post(pair_url(pair), {"verdict": "different", "note": ""})  # refused, shown again
    logged = LogEntry.objects.filter(
        action=LogEntry.Action.ACCESS,
        actor=hind,
        content_type__model="listentry",
        additional_data__via="double_enrolment_review",
    )
    pks = sorted(logged.values_list("object_pk", flat=True))
    assert pks == sorted([str(pair.entry_a_id), str(pair.entry_b_id)] * 2)


# --- Deciding -----------------------------------------------------------------------------------


def test_deciding_same_person_notifies_the_bodies_and_moves_to_the_next_pair(hind, run) -> None:
    first, following = to_review(run)[:2]
    officer = login("hind")
    response = officer.post(pair_url(first), {"verdict": "same", "note": ""})
    assert response.status_code == 302
    assert response["Location"] == pair_url(following)
    decision = ReviewDecision.objects.get()
    assert (decision.same_person, decision.decided_by) == (True, hind)
    assert CandidatePair.objects.get(pk=first.pk).decision == decision
    notices = Notice.objects.filter(entry__in=[first.entry_a_id, first.entry_b_id])
    assert sorted(notices.values_list("organisation__code", flat=True)) == ["ANAM", "CNSS"]
    assert set(notices.values_list("outcome", flat=True)) == {Notice.Outcome.PENDING}
    assert {n.gives_way for n in notices} == {True, False}  # RAMED gives way to the CNSS
    landed = officer.get(response["Location"]).content.decode()
    assert "Décision enregistrée : même personne. 2 signalements en attente de suite" in landed
    back = officer.get(pair_url(first)).content.decode()
    assert 'id="current-decision" data-same="true"' in back
    assert back.count('data-outcome="pending"') == 2


def test_the_last_decision_goes_back_to_the_queue(hind, run) -> None:
    *others, last = to_review(run)
    for pair in others:
        decide(actor=hind, pair=pair, same_person=False, note="autre personne")
    officer = login("hind")
    response = officer.post(pair_url(last), {"verdict": "different", "note": "Autre mère"})
    assert response["Location"] == queue_url(run)
    queue = officer.get(queue_url(run))
    assert "Plus aucune paire à revoir" in queue.content.decode()
    assert queue.context["counts"]["to_review"] == 0


def test_two_different_people_need_a_note(hind, run) -> None:
    pair = to_review(run)[0]
    officer = login("hind")
    response = officer.post(pair_url(pair), {"verdict": "different", "note": "  "})
    assert response.status_code == 400
    body = response.content.decode()
    assert 'id="form-errors"' in body
    assert "Indiquez ce qui distingue les deux personnes." in body
    assert 'id="decision-form"' in body
    assert not ReviewDecision.objects.exists()
    assert CandidatePair.objects.get(pk=pair.pk).decision is None
    no_choice = officer.post(pair_url(pair), {"note": "?"})
    assert no_choice.status_code == 400
    assert (
        "Choisissez « même personne » ou « personnes différentes »." in no_choice.content.decode()
    )
    assert not ReviewDecision.objects.exists()


def test_finding_two_people_after_all_withdraws_the_pending_notices(hind, run) -> None:
    pair = to_review(run)[0]
    officer = login("hind")
    officer.post(pair_url(pair), {"verdict": "same"})
    assert Notice.objects.filter(outcome=Notice.Outcome.PENDING).count() == 2
    changed = officer.post(pair_url(pair), {"verdict": "different", "note": "Pères différents"})
    assert changed.status_code == 302
    told = officer.get(changed["Location"]).content.decode()
    assert "Décision enregistrée : personnes différentes. 2 signalements retirés." in told
    decision = ReviewDecision.objects.get()
    assert (decision.same_person, decision.note) == (False, "Pères différents")
    withdrawn = Notice.objects.filter(entry__in=[pair.entry_a_id, pair.entry_b_id])
    assert withdrawn.count() == 2
    assert all(n.outcome == Notice.Outcome.WITHDRAWN and n.outcome_by == hind for n in withdrawn)
    page = officer.get(pair_url(pair)).content.decode()
    assert "Pères différents" in page
    assert page.count('data-outcome="withdrawn"') == 2
