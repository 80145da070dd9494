"""The CPS/CSP pages: each step through its form, wrong roles refused (403), bad input shown in
French with nothing written, the public page and API of published suspensions."""

from __future__ import annotations

import pytest
from django.test import Client

from snigi.complaints import commissions
from snigi.complaints.deadlines import run_deadlines
from snigi.complaints.models import Alert, CommissionSession, ConventionCase, Moratorium
from snigi.providers.models import ConventionPeriod
from tests.complaints.commission_helpers import (
    CSP,
    DAY0,
    at,
    days,
    doctor,
    open_case,
    session,
    to_csp,
)
from tests.conftest import login

pytestmark = pytest.mark.django_db
URL = "/reclamations/commissions/"


@pytest.fixture
def case(clock, staff, proposed, persona):
    return open_case(staff, proposed, doctor(persona))


def post(client, case, action, **data):
    fields = {f"{action}-{k}": v for k, v in data.items()}
    return client.post(f"{URL}dossiers/{case.pk}/", {"action": action, **fields})


def test_the_head_of_the_legal_division_runs_the_procedure_through_the_pages(clock, staff, case):
    head = login("rachida")
    listed = head.get(URL)
    assert listed.status_code == 200
    assert case.complaint.reference in listed.content.decode()
    assert post(head, case, "letter", reference="RAR-77", sent_on=DAY0).status_code == 302
    assert post(head, case, "acknowledgement", acknowledged_on=DAY0).status_code == 302
    case.refresh_from_db()
    assert case.letter_reference == "RAR-77"
    assert case.explanations_due_on == days(15)
    page = head.get(f"{URL}dossiers/{case.pk}/").content.decode()
    assert days(15).strftime("%d/%m/%Y") in page
    clock.move_to(at(days(5)))
    head = login("rachida")  # sessions last 8 hours
    response = post(head, case, "explanations", received_on=days(5), explanations="Erreur.")
    assert response.status_code == 302
    assert response["Location"] == f"{URL}dossiers/{case.pk}/"
    clock.move_to(at(days(10)))
    head = login("rachida")
    response = head.post(
        f"{URL}seances/", {"commission": "cps", "held_on": days(10), "reference": "CPS-2026-03"}
    )
    assert response.status_code == 302
    cps = CommissionSession.objects.get(reference="CPS-2026-03")
    response = post(head, case, "cps", session=cps.pk, outcome="refer", reason="Violation avérée.")
    assert response.status_code == 302
    response = head.post(
        f"{URL}seances/", {"commission": "csp", "held_on": days(10), "reference": "CSP-9"}
    )
    assert response.status_code == 302, response.content.decode()[-3000:]
    csp = CommissionSession.objects.get(reference="CSP-9")
    response = post(
        head,
        case,
        "csp",
        session=csp.pk,
        outcome="suspend",
        reason="Sanction.",
        start=days(11),
        end=days(11 + 180),
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.stage == ConventionCase.Stage.SUSPENDED
    page = head.get(f"{URL}dossiers/{case.pk}/").content.decode()
    assert 'data-stage="suspended"' in page


def test_a_suspension_longer_than_a_year_is_refused_on_the_page(clock, staff, case):
    to_csp(staff, case, clock)
    csp = session(staff, CSP, days(20), "CSP-1")
    head = login("rachida")
    response = post(
        head,
        case,
        "csp",
        session=csp.pk,
        outcome="suspend",
        reason="Sanction.",
        start=days(21),
        end=days(21 + 366),
    )
    assert response.status_code == 200
    assert "ne peut excéder un an" in response.content.decode()
    assert not ConventionPeriod.objects.exists()
    response = post(
        head, case, "csp", session=csp.pk, outcome="suspend", reason="x", start="31/02/2026", end=""
    )
    assert response.status_code == 200
    assert "Saisissez une date valide" in response.content.decode()
    assert ConventionCase.objects.get(pk=case.pk).stage == ConventionCase.Stage.CSP


def test_bad_dates_are_refused_in_french_and_nothing_is_written(clock, staff, case):
    head = login("rachida")
    response = post(head, case, "letter", reference="RAR-1", sent_on=days(3))
    assert response.status_code == 200
    assert "ne peut être dans le futur" in response.content.decode()
    case.refresh_from_db()
    assert case.letter_sent_on is None
    response = head.post(f"{URL}seances/", {"commission": "cps", "held_on": "", "reference": ""})
    assert response.status_code == 200
    assert not CommissionSession.objects.exists()


def test_wrong_roles_get_403_and_anonymous_users_the_login(clock, staff, case, persona):
    persona("omar")
    lawyer = login("nadia")
    assert lawyer.get(URL).status_code == 200  # complaint staff read the procedures
    assert post(lawyer, case, "letter", reference="R", sent_on=DAY0).status_code == 403
    assert (
        lawyer.post(
            f"{URL}seances/", {"commission": "cps", "held_on": DAY0, "reference": "S"}
        ).status_code
        == 403
    )
    assert (
        lawyer.post(
            f"{URL}moratoire/", {"action": "set", "starts_on": DAY0, "reason": "x"}
        ).status_code
        == 403
    )
    assert (
        login("rachida").post(f"{URL}dossiers/{case.pk}/", {"action": "publish"}).status_code == 403
    )  # noqa: E501
    assert login("omar").get(URL).status_code == 403
    assert login("nadia").get(f"{URL}alertes/").status_code == 200
    case.refresh_from_db()
    assert case.letter_sent_on is None
    assert not Moratorium.objects.exists()
    anonymous = Client()
    assert anonymous.get(URL).status_code == 302


def test_the_administrator_sets_and_lifts_a_moratorium(clock, persona):
    persona("omar")
    omar = login("omar")
    response = omar.post(f"{URL}moratoire/", {"action": "set", "starts_on": DAY0, "reason": ""})
    assert response.status_code == 200
    assert not Moratorium.objects.exists()
    response = omar.post(
        f"{URL}moratoire/",
        {"action": "set", "starts_on": DAY0, "reason": "Renouvellement des conventions"},
    )
    assert response.status_code == 302
    moratorium = Moratorium.objects.get()
    response = omar.post(
        f"{URL}moratoire/",
        {"action": "end", "moratorium": moratorium.pk, f"end-{moratorium.pk}-ends_on": days(-1)},
    )
    assert response.status_code == 200
    assert "Fin du moratoire" in response.content.decode()
    omar.post(
        f"{URL}moratoire/",
        {"action": "end", "moratorium": moratorium.pk, f"end-{moratorium.pk}-ends_on": days(30)},
    )
    moratorium.refresh_from_db()
    assert moratorium.ends_on == days(30)
    assert "Renouvellement des conventions" in omar.get(f"{URL}moratoire/").content.decode()


def test_the_alerts_of_the_signed_in_role(clock, staff, case):
    commissions.case_letter_sent(actor=staff.head, case=case, reference="RAR-1", sent_on=DAY0)
    commissions.case_acknowledged(actor=staff.head, case=case, acknowledged_on=DAY0)
    clock.move_to(at(days(16)))
    run_deadlines()
    head = login("rachida")
    page = head.get(f"{URL}alertes/").content.decode()
    assert case.complaint.reference in page
    assert 'data-kind="explanations_late"' in page
    assert case.complaint.reference not in login("directeur").get(f"{URL}alertes/").content.decode()
    alert = Alert.objects.get()
    assert login("directeur").post(f"{URL}alertes/", {"alert": alert.pk}).status_code == 403
    assert head.post(f"{URL}alertes/", {"alert": alert.pk}).status_code == 302
    alert.refresh_from_db()
    assert alert.resolved_at is not None


def test_published_suspensions_are_public_on_the_page_and_the_api(clock, staff, case):
    to_csp(staff, case, clock)
    csp = session(staff, CSP, days(20), "CSP-1")
    commissions.csp_decide(
        actor=staff.head,
        case=case,
        session=csp,
        outcome="suspend",
        reason="Motifs internes.",
        start=days(21),
        end=days(80),
    )
    anonymous = Client()
    assert case.provider.inpe not in anonymous.get(f"{URL}decisions/").content.decode()
    assert anonymous.get("/api/v1/complaints/suspensions").json()["count"] == 0
    dg = login("directeur")
    assert dg.post(f"{URL}dossiers/{case.pk}/", {"action": "publish"}).status_code == 302
    page = anonymous.get(f"{URL}decisions/").content.decode()
    assert case.provider.inpe in page
    assert "Motifs internes" not in page
    assert case.complaint.reference not in page
    body = anonymous.get("/api/v1/complaints/suspensions").json()
    assert body["count"] == 1
    assert body["results"][0]["inpe"] == case.provider.inpe
    assert body["results"][0]["end"] == days(80).isoformat()
    assert body["results"][0]["in_force"] is False  # it starts tomorrow


def test_the_list_of_cases_costs_the_same_queries_whatever_their_number(
    clock, staff, proposed, persona
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    open_case(staff, proposed, doctor(persona))
    head = login("rachida")
    head.get(URL)
    with CaptureQueriesContext(connection) as one:
        assert head.get(URL).status_code == 200
    for n in range(2):
        open_case(staff, proposed, doctor(persona, cnie=f"BK55660{n}", name=f"Dr Test {n}"))
    with CaptureQueriesContext(connection) as three:
        page = head.get(URL).content.decode()
    assert page.count("/reclamations/commissions/dossiers/") == 3
    assert len(three) == len(one)
