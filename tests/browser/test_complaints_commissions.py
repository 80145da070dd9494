"""End to end, in headless Chromium, on a controlled clock (time-machine; the live server runs
in this process, so its clock travels too): a convention violation sent to the CPS by the
director general goes through the explanations delay (run out: the worker sends it to the
CPS), the CPS and the CSP to a suspension; a suspension longer than a year is refused; the
director general publishes it; the public page and the INPE verification show it; and past its
end the provider is reinstated by itself. The pages pass axe-core."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from snigi.complaints.deadlines import run_deadlines
from snigi.complaints.models import ConventionCase
from snigi.providers.models import ConventionPeriod
from tests.browser.test_accessibility import LANGUAGES, Audit
from tests.browser.test_personas import log_in
from tests.complaints.commission_helpers import DAY0, at, days, doctor, sent_to_cps_by_services

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]
URL = "/reclamations/commissions/"


def submit(page, form: str) -> None:
    with page.expect_navigation():
        page.click(f"{form} button[type=submit]")


def sign_in_again(page, username: str) -> None:
    """Sessions last 8 hours: after the clock jumps, sign in again."""
    page.context.clear_cookies()
    log_in(page, username)


def create_session(page, commission: str, held_on, reference: str) -> None:
    page.goto(f"{URL}seances/")
    page.select_option("#id_commission", commission)
    page.fill("#id_held_on", held_on.isoformat())
    page.fill("#id_reference", reference)
    submit(page, "#session-form")
    assert reference in page.locator("#sessions").inner_text()


def test_a_violation_goes_through_cps_and_csp_to_a_suspension_that_ends_by_itself(page, persona):
    audit = Audit(page, "fr")
    with time_machine.travel(at(DAY0), tick=True) as clock:
        provider = doctor(persona)
        case = sent_to_cps_by_services(persona, provider)
        assert timezone.localdate() == DAY0
        case_url = f"{URL}dossiers/{case.pk}/"

        log_in(page, "rachida")
        page.goto(URL)
        audit.check("convention cases")
        page.click(f"a[href='{case_url}']")
        page.fill("#id_letter-reference", "RAR-2026-0042")
        page.fill("#id_letter-sent_on", DAY0.isoformat())
        submit(page, "#letter-form")
        page.fill("#id_acknowledgement-acknowledged_on", DAY0.isoformat())
        submit(page, "#acknowledgement-form")
        # The server's clock is the travelled one: the due date is the acknowledgement + 15.
        assert page.locator("#case-due").inner_text() == days(15).strftime("%d/%m/%Y")
        audit.check("convention case")

        # No explanations by the end of the delay: the worker sends the case to the CPS.
        clock.move_to(at(days(16)))
        assert run_deadlines().cases_to_cps == 1
        sign_in_again(page, "rachida")
        page.goto(f"{URL}alertes/")
        assert "délai d'explications échu" in page.locator("#alerts").inner_text()
        audit.check("alerts")
        create_session(page, "cps", days(16), "CPS-2026-05")
        audit.check("sessions")
        page.goto(case_url)
        assert page.locator("#case-stage").get_attribute("data-stage") == "cps"
        page.select_option(
            "#id_cps-session", label="CPS-2026-05 (" + days(16).strftime("%d/%m/%Y") + ")"
        )
        page.select_option("#id_cps-outcome", "refer")
        page.fill("#id_cps-reason", "Pas d'explications ; violation relevée par la CNSS.")
        submit(page, "#cps-form")
        assert page.locator("#case-stage").get_attribute("data-stage") == "csp"

        create_session(page, "csp", days(16), "CSP-2026-02")
        page.goto(case_url)
        page.select_option("#id_csp-outcome", "suspend")
        page.fill("#id_csp-start", days(18).isoformat())
        page.fill("#id_csp-end", days(18 + 366).isoformat())  # a year and a day
        page.fill("#id_csp-reason", "Dépassements d'honoraires répétés.")
        submit(page, "#csp-form")
        assert "ne peut excéder un an" in page.locator("#csp-form-errors").inner_text()
        assert not ConventionPeriod.objects.filter(status="suspended").exists()
        page.fill("#id_csp-end", days(18 + 89).isoformat())  # 90 days
        submit(page, "#csp-form")
        assert page.locator("#case-stage").get_attribute("data-stage") == "suspended"

        sign_in_again(page, "directeur")
        page.goto(case_url)
        submit(page, "#publish-form")
        assert page.locator("#case-published").inner_text() == days(16).strftime("%d/%m/%Y")

        # The public: the published decision, and the INPE registry's verification.
        page.context.clear_cookies()
        page.goto(f"{URL}decisions/")
        row = page.locator(f"#suspensions tr[data-inpe='{provider.inpe}']")
        assert "à venir" in row.inner_text()
        audit.check("public decisions")
        clock.move_to(at(days(18)))
        page.goto(f"/inpe/verify/?code={provider.inpe}")
        convention = page.locator("#verify-convention")
        assert convention.get_attribute("data-status") == "suspended"
        assert days(107).isoformat() in convention.inner_text()

        # Past the end, the provider is back under the convention by itself.
        clock.move_to(at(days(108)))
        page.goto(f"/inpe/verify/?code={provider.inpe}")
        assert page.locator("#verify-convention").get_attribute("data-status") != "suspended"
        page.goto(f"{URL}decisions/")
        assert "réintégré d'office" in row.inner_text()
        report = run_deadlines()
        assert report.alerts["reinstated"] == 1
        sign_in_again(page, "rachida")
        page.goto(case_url)
        assert "réintègre d'office" in page.locator("#timeline").inner_text()
        assert (
            ConventionCase.objects.get(pk=case.pk)
            .complaint.events.filter(kind="reinstated")
            .count()
            == 1
        )
    audit.assert_clean()


def _at_csp(persona, provider, reference: str) -> ConventionCase:
    """A case before the CSP, built today through the services."""
    from snigi.complaints import commissions

    head, today = persona("rachida"), timezone.localdate()
    case = sent_to_cps_by_services(persona, provider)
    commissions.case_letter_sent(actor=head, case=case, reference="RAR-1", sent_on=today)
    commissions.case_acknowledged(actor=head, case=case, acknowledged_on=today)
    commissions.case_explanations(actor=head, case=case, received_on=today, explanations="x")
    cps = commissions.session_create(
        actor=head, commission="cps", held_on=today, reference=f"CPS-{reference}"
    )
    return commissions.cps_decide(actor=head, case=case, session=cps, outcome="refer", reason="x")


@pytest.mark.parametrize("language", list(LANGUAGES))
def test_commission_pages_pass_axe(page, persona, language):
    from snigi.complaints import commissions

    today = timezone.localdate()
    waiting = _at_csp(persona, doctor(persona), "A")
    suspended = _at_csp(persona, doctor(persona, cnie="BK445566", name="Dr Nora Fassi"), "B")
    head = persona("rachida")
    csp = commissions.session_create(actor=head, commission="csp", held_on=today, reference="CSP-B")
    commissions.csp_decide(
        actor=head,
        case=suspended,
        session=csp,
        outcome="suspend",
        reason="x",
        start=today,
        end=today + dt.timedelta(days=90),
    )
    commissions.csp_decision_publish(actor=persona("directeur"), case=suspended)
    persona("omar")
    audit = Audit(page, language)
    page.goto(f"{URL}decisions/")
    audit.switch_language()
    audit.check("public decisions")
    log_in(page, "rachida")
    for name, url in (
        ("convention cases", URL),
        ("case before the CSP", f"{URL}dossiers/{waiting.pk}/"),
        ("suspended case", f"{URL}dossiers/{suspended.pk}/"),
        ("sessions", f"{URL}seances/"),
        ("alerts", f"{URL}alertes/"),
    ):
        page.goto(url)
        audit.check(name)
    audit.log_out()
    log_in(page, "omar")
    page.goto(f"{URL}moratoire/")
    audit.check("moratorium")
    audit.assert_clean()
