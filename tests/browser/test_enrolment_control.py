"""End to end, in headless Chromium: ANAM's control officer uploads two bodies' lists, launches
a control, follows it to its end, reads the report, downloads its CSV and notifies the bodies;
a fund agent answers its notice; the pages pass axe-core in French and in Arabic."""

from __future__ import annotations

import pytest
from django.urls import reverse

from snigi.enrolment_control import control, notify
from snigi.enrolment_control.models import ControlRun, Notice, SubmittedList
from tests.browser.test_accessibility import LANGUAGES, Audit
from tests.browser.test_personas import log_in
from tests.enrolment_control.test_pages import CNSS_ROWS, DAY, LISTS, csv_bytes, receive

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def submit(page, form: str) -> None:
    with page.expect_navigation():
        page.click(f"{form} button[type=submit]")


def a_finished_run_with_notices(hind, tmp_path) -> ControlRun:
    """The same two lists, received and controlled through the services, the bodies told."""
    run = control.run_control(actor=hind, lists=receive(hind, tmp_path))
    assert run.status == ControlRun.Status.DONE, run.error
    assert notify.notify_run(actor=hind, run=run) == 2
    return run


def test_an_officer_uploads_lists_runs_a_control_and_reads_its_report(
    page, persona, settings, artifacts_dir
):
    settings.CONTROL_RUNS_IN_PROCESS = False  # the test runs the worker itself
    persona("hind")
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    log_in(page, "hind")

    for body, rows, kind, regime in LISTS:
        name = f"{body.lower()}-{kind}.csv"
        page.goto("/controle/listes/deposer/")
        page.set_input_files(
            "#id_file", files=[{"name": name, "mimeType": "text/csv", "buffer": csv_bytes(rows)}]
        )
        page.select_option("#id_organisation", body)
        page.select_option("#id_kind", kind)
        page.fill("#id_situation_date", DAY.isoformat())
        page.select_option("#id_regime", regime)
        submit(page, "#upload-form")
        assert "Liste enregistrée : 3 lignes." in page.locator("#report-message").inner_text()
        assert page.locator("#count-new").inner_text() == "3"
    lists = list(SubmittedList.objects.order_by("pk"))
    assert [(s.organisation.code, s.file_name) for s in lists] == [
        ("CNSS", "cnss-insured.csv"), ("CNOPS", "cnops-dependants.csv")
    ]  # fmt: skip

    page.goto("/controle/controles/")
    for submitted in lists:
        page.check(f"#launch-form input[name=lists][value='{submitted.pk}']")
    assert page.input_value("#id_threshold") == "0.9"
    submit(page, "#launch-form")
    run = ControlRun.objects.get()
    assert page.url.endswith(f"/controle/controles/{run.pk}/")
    assert page.locator("#run-poll").count() == 1  # it waits: it polls its state
    assert "attend son tour" in page.locator("#run-progress").inner_text()
    with page.expect_response(lambda r: "/etat/" in r.url and r.status == 204, timeout=10_000):
        pass  # polled after 5 s: nothing new

    page.goto("/controle/listes/")  # away while the worker writes (SQLite locks the tables)
    assert [r.pk for r in control.execute_queued()] == [run.pk]
    page.goto(f"/controle/controles/{run.pk}/")
    assert page.locator("#run-poll").count() == 0
    assert page.locator("#run-records").inner_text() == "6"
    assert page.locator("#band-link").inner_text() == "1"
    queue = reverse("enrolment-review:queue", args=[run.pk])
    assert page.locator("#review-link").get_attribute("href") == queue  # not followed here
    page.screenshot(path=str(artifacts_dir / "enrolment-control-run.png"), full_page=True)

    submit(page, "#notify-form")
    assert "2 signalements envoyés aux organismes concernés." in page.locator("main").inner_text()
    assert Notice.objects.filter(run=run).count() == 2

    with page.expect_navigation():
        page.click("#report-link")
    assert page.locator("#total").inner_text() == "1"
    assert page.locator("#settled").inner_text() == "1"
    assert page.locator("#cards-avoided").inner_text() == "non disponible"
    assert "MOHAMED" not in page.content()
    with page.expect_download() as download:
        page.click("#export-csv")
    assert download.value.suggested_filename == f"controle-{run.pk}-rapport.csv"
    content = download.value.path().read_bytes().decode("utf-8-sig")
    assert "par paire de régimes;AMO_CNOPS_PUBLIC;AMO_CNSS_SALARIES;1" in content
    assert not errors, errors


def test_a_fund_agent_records_the_outcome_of_its_notice(page, persona, tmp_path):
    a_finished_run_with_notices(persona("hind"), tmp_path)
    persona("salma")
    notice = Notice.objects.get(organisation__code="CNOPS")
    log_in(page, "salma")
    page.goto("/controle/signalements/")
    rows = page.locator("#notices-table tbody tr")
    assert rows.count() == 1
    assert "B1" in rows.first.inner_text()
    assert "Cède" in rows.first.inner_text()
    with page.expect_navigation():
        rows.first.locator("a").click()
    assert "L'immatriculation de CNOPS cède" in page.locator("#proposal").inner_text()
    records = page.locator("#notice-records").inner_text()
    assert "MOHAMMED" in records
    assert "EL ALAOUI" in records

    page.check("#outcome-form input[name=outcome][value=kept]")
    submit(page, "#outcome-form")  # kept without a reason: refused
    assert "Indiquez pourquoi" in page.locator("#form-errors").inner_text()
    notice.refresh_from_db()
    assert notice.outcome == Notice.Outcome.PENDING

    page.check("#outcome-form input[name=outcome][value=closed]")
    page.fill("#id_note", "Immatriculation d'ayant droit close le 2 décembre")
    submit(page, "#outcome-form")
    assert "Suite enregistrée" in page.locator("main").inner_text()
    assert page.locator("#notice-outcome").inner_text() == "Immatriculation close par l'organisme"
    notice.refresh_from_db()
    assert notice.outcome == Notice.Outcome.CLOSED
    assert notice.outcome_by.username == "salma"


@pytest.mark.parametrize("language", list(LANGUAGES))
def test_the_enrolment_control_pages_are_accessible(page, persona, tmp_path, settings, language):
    settings.CONTROL_RUNS_IN_PROCESS = False  # the queued run stays queued
    run = a_finished_run_with_notices(persona("hind"), tmp_path)
    persona("karim")
    submitted = run.lists.order_by("pk").first()
    notice = Notice.objects.get(organisation__code="CNSS")
    audit = Audit(page, language)
    page.goto("/")
    audit.switch_language()

    log_in(page, "hind")
    for name, address in (
        ("lists received", "/controle/listes/"),
        ("one list", f"/controle/listes/{submitted.pk}/"),
        ("upload form", "/controle/listes/deposer/"),
        ("runs and launch form", "/controle/controles/"),
        ("a finished run", f"/controle/controles/{run.pk}/"),
        ("the report", f"/controle/controles/{run.pk}/rapport/"),
        ("all notices", "/controle/signalements/?outcome=all"),
        ("a notice, read by ANAM", f"/controle/signalements/{notice.pk}/"),
    ):
        page.goto(address)
        audit.check(name)
    page.goto("/controle/controles/")
    page.check(f"#launch-form input[name=lists][value='{submitted.pk}']")
    submit(page, "#launch-form")  # queued: the run's page polls its state
    assert page.locator("#run-poll").count() == 1
    audit.check("a queued run")
    page.goto("/controle/controles/")
    submit(page, "#launch-form")  # no list chosen: the error on the form
    assert page.locator("#id_lists-error").count() == 1
    audit.check("launch form with an error")
    page.goto("/controle/listes/deposer/")
    page.set_input_files(
        "#id_file",
        files=[{"name": "doublon.csv", "mimeType": "text/csv",
                "buffer": csv_bytes([*CNSS_ROWS, ["A1", "", "X", "Y", "", "", ""]])}],
    )  # fmt: skip
    page.select_option("#id_organisation", "ANAM")
    page.fill("#id_situation_date", "2026-12-31")
    submit(page, "#upload-form")
    assert page.locator("#refused-rows tbody tr").count() == 2
    audit.check("upload with refused rows")
    audit.log_out()

    log_in(page, "karim")
    page.goto(f"/controle/signalements/{notice.pk}/")
    submit(page, "#outcome-form")  # no outcome chosen
    assert page.locator("#id_outcome-error").count() == 1
    audit.check("a notice, with the outcome form in error")
    page.goto("/controle/signalements/")
    audit.check("a body's notices")
    audit.assert_clean()
