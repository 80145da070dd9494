"""The pages of the double-enrolment control (/controle/): lists received and the upload form,
control runs and their launch, the report and its CSV, the notices to the bodies and their
outcome; who may open each, and the access log of the pages that show people's records."""

from __future__ import annotations

import csv
import datetime as dt
import html as entities
import io
import re
import tempfile
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from snigi.core.audit import LogEntry
from snigi.core.models import Organisation, Regime
from snigi.enrolment_control import control, forms, notify, review
from snigi.enrolment_control.intake import receive_list
from snigi.enrolment_control.models import (
    CandidatePair,
    ControlRun,
    ListEntry,
    Notice,
    SubmittedList,
)
from tests.conftest import login

pytestmark = pytest.mark.django_db

DAY = dt.date(2026, 11, 30)
HEADER = ["record_id", "cnie", "first_name", "last_name", "birth_date", "sex", "commune"]
CNSS_ROWS = [
    ["A1", "BE123456", "MOHAMED", "EL ALAOUI", "1980-03-12", "M", "141.001"],
    ["A2", "", "KARIMA", "BENNANI", "1990-05-01", "F", "141.001"],
    ["A3", "JB04211", "SAID", "TAZI", "1975-01-20", "M", "141.001"],
]
CNOPS_ROWS = [  # B1 is A1, written otherwise
    ["B1", "BE123456", "MOHAMMED", "ALAOUI", "12/03/1980", "M", "141.001"],
    ["B2", "", "NAIMA", "CHRAIBI", "1985-09-21", "F", "141.001"],
    ["B3", "QA998877", "FATIMA", "OUAZZANI", "1960-07-07", "F", "001.001"],
]
LISTS = (  # body, rows, kind, regime: a right in one's own name prevails over a dependant's
    ("CNSS", CNSS_ROWS, "insured", "AMO_CNSS_SALARIES"),
    ("CNOPS", CNOPS_ROWS, "dependants", "AMO_CNOPS_PUBLIC"),
)


def csv_bytes(rows: list[list[str]], header: list[str] = HEADER) -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows([header, *rows])
    return out.getvalue().encode("utf-8")


def write(path: Path, rows: list[list[str]], header: list[str] = HEADER) -> Path:
    path.write_bytes(csv_bytes(rows, header))
    return path


def shows(html: str, *fragments: str) -> None:
    missing = [f for f in fragments if f not in html]
    assert not missing, f"missing {missing} in {html[:3000]}"


def hides(html: str, *fragments: str) -> None:
    found = [f for f in fragments if f in html]
    assert not found, f"should not show {found}"


def text(response) -> str:
    """The page's HTML, its character references read (an apostrophe is ``&#x27;``)."""
    return entities.unescape(response.content.decode())


def url(name: str, *args: object) -> str:
    return reverse(f"enrolment-control:{name}", args=args)


def receive(hind, folder: Path, *, cards: bool = False) -> list[SubmittedList]:
    """CNSS's insured people and CNOPS's dependants; with ``cards``, CNOPS's card numbers."""
    header = [*HEADER, "card_number"] if cards else HEADER
    lists = []
    for body, rows, kind, regime in LISTS:
        if cards:
            rows = [[*r, f"K{r[0]}" if body == "CNOPS" else ""] for r in rows]
        lists.append(receive_list(
            actor=hind, path=write(folder / f"{body}.csv", rows, header), kind=kind,
            organisation=Organisation.objects.get(code=body), situation_date=DAY,
            regime=Regime.objects.get(code=regime),
        ).submitted_list)  # fmt: skip
    return lists


@pytest.fixture
def received(persona, tmp_path) -> list[SubmittedList]:
    """The two lists, received by ANAM's control officer (hind, who exists from then on)."""
    return receive(persona("hind"), tmp_path)


@pytest.fixture
def run(persona, received) -> ControlRun:
    done = control.run_control(actor=persona("hind"), lists=received)
    assert done.status == ControlRun.Status.DONE, done.error
    return done


@pytest.fixture
def notices(persona, run) -> dict[str, Notice]:
    """The two bodies told of A1/B1, by body code."""
    assert notify.notify_run(actor=persona("hind"), run=run) == 2
    return {n.organisation.code: n for n in Notice.objects.select_related("organisation")}


def upload(client, content: bytes, name: str | None = "liste.csv", **fields: object):
    """Post the upload form (CNSS's insured people on DAY unless told); no file without name."""
    data = {"organisation": "CNSS", "kind": "insured", "situation_date": DAY.isoformat(), **fields}
    if name is not None:
        data["file"] = SimpleUploadedFile(name, content, content_type="text/csv")
    return client.post(url("upload"), data)


def nothing_written() -> bool:
    return not SubmittedList.objects.exists() and not ListEntry.objects.exists()


# --- Who may open what ------------------------------------------------------------------------


def test_each_page_opens_for_its_roles_only(persona, received, notices, run) -> None:
    for name in ("hind", "karim", "salma", "samira", "othmane", "directeur", "dr_amine"):
        persona(name)
    cnss_list, cnops_list = received
    cnss_notice = notices["CNSS"]
    pages = {  # url -> (who gets 200, who gets 403, who gets 404)
        url("lists"): ({"hind", "karim", "salma", "samira"}, {"othmane", "dr_amine"}, set()),
        url("upload"): ({"hind", "karim", "samira"}, {"othmane", "directeur"}, set()),
        url("list_detail", cnss_list.pk): ({"hind", "karim"}, {"othmane"}, {"salma"}),
        url("list_detail", cnops_list.pk): ({"hind", "salma"}, set(), {"karim"}),
        url("runs"): ({"hind"}, {"karim", "othmane", "samira"}, set()),
        url("run_detail", run.pk): ({"hind"}, {"karim", "othmane", "directeur"}, set()),
        url("report", run.pk): ({"hind", "othmane", "directeur"}, {"karim", "samira"}, set()),
        url("report_csv", run.pk): ({"othmane"}, {"karim"}, set()),
        url("notices"): ({"hind", "karim", "salma", "samira"}, {"othmane"}, set()),
        url("notice", cnss_notice.pk): ({"hind", "karim"}, {"othmane"}, {"salma", "samira"}),
    }
    clients = {name: login(name) for name in ("hind", "karim", "salma", "samira", "othmane",
                                              "directeur", "dr_amine")}  # fmt: skip
    for address, (allowed, refused, hidden) in pages.items():
        for expected, names in ((200, allowed), (403, refused), (404, hidden)):
            for name in names:
                status = clients[name].get(address).status_code
                assert status == expected, f"{name} on {address}: {status}"
        anonymous = Client().get(address)
        assert anonymous.status_code == 302
        assert anonymous["Location"].startswith("/accounts/login/")
    karim = text(clients["karim"].get(url("lists")))  # the section's tabs follow the role
    shows(karim, f'href="{url("upload")}"', f'href="{url("notices")}"')
    hides(karim, f'href="{url("runs")}"')
    shows(text(clients["hind"].get(url("lists"))), f'href="{url("runs")}"')


# --- Upload -----------------------------------------------------------------------------------


def test_an_agent_uploads_its_list_once(persona, monkeypatch, tmp_path) -> None:
    persona("karim")
    client = login("karim")
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    content = csv_bytes(CNSS_ROWS, [*HEADER, "employer"])
    response = upload(client, content, "cnss-2026-11.csv", regime="AMO_CNSS_SALARIES")
    assert response.status_code == 200
    shows(text(response), "Liste enregistrée : 3 lignes.", 'id="count-new">3<', "employer")
    submitted = SubmittedList.objects.get()
    assert (submitted.organisation.code, submitted.regime.code, submitted.received_by.username,
            submitted.file_name, submitted.file_format) == (
        "CNSS", "AMO_CNSS_SALARIES", "karim", "cnss-2026-11.csv", "csv")  # fmt: skip
    assert sorted(submitted.entries.values_list("record_id", flat=True)) == ["A1", "A2", "A3"]
    assert list(scratch.iterdir()) == []  # the temporary copy is gone

    again = upload(client, content, "renamed.csv")
    assert again.status_code == 200
    shows(text(again), "Liste déjà reçue", 'id="count-present">3<', 'id="count-new">0<')
    assert (SubmittedList.objects.count(), ListEntry.objects.count()) == (1, 3)
    assert list(scratch.iterdir()) == []

    other = upload(client, csv_bytes(CNSS_ROWS[:2]), "autre.csv")  # another file, same date
    assert other.status_code == 400
    shows(text(other), "une liste est gardée par organisme et par date")
    assert (SubmittedList.objects.count(), ListEntry.objects.count()) == (1, 3)


def test_a_dry_run_checks_and_writes_nothing(persona) -> None:
    persona("karim")
    response = upload(login("karim"), csv_bytes(CNSS_ROWS), dry_run="on")
    assert response.status_code == 200
    assert "Vérification réussie : les 3 lignes seraient enregistrées." in text(response)
    assert nothing_written()


def test_other_formats_are_received(persona, tmp_path) -> None:
    persona("hind")
    xml = (
        b"<liste><personne><record_id>X1</record_id><cnie>AB1234</cnie><nom>TAZI</nom>"
        b"<prenom>ALI</prenom></personne><personne record_id='X2' nom='IDRISSI' prenom='SARA'/>"
        b"</liste>"
    )
    response = upload(login("hind"), xml, "ramed.xml", organisation="ANAM", kind="members")
    assert response.status_code == 200, text(response)[:3000]
    submitted = SubmittedList.objects.get()
    received = (submitted.organisation.code, submitted.file_format, submitted.rows)
    assert received == ("ANAM", "xml", 2)


BAD_FILES = {
    "refused row": (
        "l.csv", csv_bytes([*CNSS_ROWS, ["A4", "", "ALI", "IDRISSI", "31/02/19x", "M", ""]]), {},
        "date de naissance illisible",
    ),
    "unknown column": ("l.csv", csv_bytes(CNSS_ROWS), {"columns": "cnie=NUM_CIN"},
                       "colonne inconnue « NUM_CIN »"),
    "no id column": ("l.csv", csv_bytes([r[1:] for r in CNSS_ROWS], HEADER[1:]), {},
                     "pas de colonne d'identifiant"),
    "bad mapping": ("l.csv", csv_bytes(CNSS_ROWS), {"columns": "cnie"},
                    "n'est pas de la forme champ=en-tête"),
    "unknown field": ("l.csv", csv_bytes(CNSS_ROWS), {"columns": "cin=CNIE"},
                      "champ inconnu « cin »"),
    "empty file": ("l.csv", b"", {}, "Le fichier envoyé est vide."),
    "blank file": ("l.csv", b"\n\n", {}, "le fichier est vide"),
    "wrong extension": ("l.xlsx", csv_bytes(CNSS_ROWS), {}, "Format non pris en charge « .xlsx »"),
    "not utf-8": ("l.csv", "record_id;nom\n1;Ébène\n".encode("latin-1"), {}, "pas en UTF-8"),
    "no file": (None, b"", {}, "Choisissez le fichier de la liste."),
    "no date": ("l.csv", csv_bytes(CNSS_ROWS), {"situation_date": ""}, "Ce champ est obligatoire"),
    "bad date": ("l.csv", csv_bytes(CNSS_ROWS), {"situation_date": "31/13/2026"},
                 "Date invalide"),
}  # fmt: skip


@pytest.mark.parametrize("case", list(BAD_FILES))
def test_a_bad_file_is_refused_with_a_clear_message(persona, case) -> None:
    persona("karim")
    name, content, fields, message = BAD_FILES[case]
    response = upload(login("karim"), content, name, **fields)
    assert response.status_code == 400
    shows(text(response), message)
    assert nothing_written()


def test_the_refused_rows_are_listed_up_to_200(persona) -> None:
    persona("karim")
    rows = [[f"R{n}", "", "ALI", "TAZI", "1980-01-01", "X", ""] for n in range(205)]
    response = upload(login("karim"), csv_bytes(rows))
    html = text(response)
    assert response.status_code == 400
    assert "Liste refusée : 205 ligne(s) sur 205 refusée(s)." in html
    assert html.count("sexe illisible : X") == 200
    assert "… et 5 autres lignes refusées." in html
    assert nothing_written()


def test_a_fund_agent_uploads_for_its_own_body_only(persona) -> None:
    persona("karim")
    client = login("karim")
    form = text(client.get(url("upload")))
    shows(form, 'value="CNSS" selected')
    hides(form, 'value="CNOPS"', 'value="ANAM"', "— Choisissez —")
    response = upload(client, csv_bytes(CNSS_ROWS), organisation="CNOPS")
    assert response.status_code == 400
    shows(text(response), "que pour les organismes proposés")
    assert nothing_written()


def test_the_service_has_the_last_word_on_the_body(persona, monkeypatch) -> None:
    persona("karim")
    every_body = Organisation.objects.all()
    monkeypatch.setattr(forms, "bodies_for", lambda actor: every_body)  # a form gone wrong
    response = upload(login("karim"), csv_bytes(CNSS_ROWS), organisation="CNOPS")
    assert response.status_code == 403
    shows(text(response), "Un organisme ne dépose que ses propres listes.")
    assert nothing_written()


def test_anam_uploads_for_any_body(persona) -> None:
    persona("hind")
    form = text(login("hind").get(url("upload")))
    shows(form, *(f'value="{code}"' for code in ("CNSS", "CNOPS", "MGPAP", "ANAM")))
    hides(form, 'value="MEF"')  # a ministry sends no list
    response = upload(login("hind"), csv_bytes(CNOPS_ROWS), organisation="CNOPS", kind="members")
    assert response.status_code == 200
    assert SubmittedList.objects.get().organisation.code == "CNOPS"


# --- Lists ------------------------------------------------------------------------------------


def test_a_fund_agent_sees_only_its_bodys_lists(persona, received) -> None:
    persona("karim")
    cnss_list, cnops_list = received
    html = text(login("karim").get(url("lists")))
    shows(html, url("list_detail", cnss_list.pk), "1 liste")
    hides(html, url("list_detail", cnops_list.pk))


def test_anam_filters_the_lists(persona, received) -> None:
    persona("hind")
    cnss_list, cnops_list = received
    client = login("hind")
    cnss, cnops = url("list_detail", cnss_list.pk), url("list_detail", cnops_list.pk)
    shows(text(client.get(url("lists"))), cnss, cnops)
    by_body = text(client.get(url("lists"), {"organisation": "CNOPS"}))
    shows(by_body, cnops)
    hides(by_body, cnss)
    by_kind = text(client.get(url("lists"), {"kind": "insured"}))
    shows(by_kind, cnss)
    hides(by_kind, cnops)
    shows(text(client.get(url("lists"), {"date": "2026-12-31"})), "Aucune liste reçue.")
    shows(text(client.get(url("lists"), {"date": "30/11/2026"})), "2 listes")
    bad = client.get(url("lists"), {"date": "hier"})
    assert bad.status_code == 400
    shows(text(bad), "Date invalide")


def test_the_lists_and_runs_pages_do_not_query_per_row(persona, received, tmp_path) -> None:
    hind = persona("hind")
    client = login("hind")
    control.queue_control(actor=hind, lists=received)
    pages = (url("lists"), url("runs"))

    def queries() -> list[int]:
        counts = []
        for address in pages:
            with CaptureQueriesContext(connection) as captured:
                assert client.get(address).status_code == 200
            counts.append(len(captured.captured_queries))
        return counts

    before, mgpap = queries(), Organisation.objects.get(code="MGPAP")
    for n in range(1, 4):
        rows = [[f"{r[0]}-{n}", *r[1:]] for r in CNSS_ROWS]
        more = receive_list(
            actor=hind, path=write(tmp_path / f"more-{n}.csv", rows), kind="insured",
            organisation=mgpap, situation_date=DAY - dt.timedelta(days=n),
        ).submitted_list  # fmt: skip
        control.queue_control(actor=hind, lists=[*received, more])
    assert (SubmittedList.objects.count(), ControlRun.objects.count()) == (5, 4)
    assert queries() == before


def test_a_list_page_shows_its_metadata_and_runs_but_no_row(persona, run, received) -> None:
    persona("hind")
    html = text(login("hind").get(url("list_detail", received[0].pk)))
    shows(html, "CNSS.csv", received[0].sha256, url("run_detail", run.pk))
    hides(html, "MOHAMED", "BE123456")


# --- Runs -------------------------------------------------------------------------------------


def test_a_run_is_launched_queued_then_completed(persona, received, settings) -> None:
    settings.CONTROL_RUNS_IN_PROCESS = False
    persona("hind")
    client = login("hind")
    shows(text(client.get(url("runs"))), 'value="0.9"', 'value="0.5"')
    response = client.post(url("runs"), {"lists": [received[0].pk, received[1].pk],
                                         "threshold": "0.9", "review_floor": "0.5"})  # fmt: skip
    launched = ControlRun.objects.get()
    assert response.status_code == 302
    assert response["Location"] == url("run_detail", launched.pk)
    assert launched.status == ControlRun.Status.QUEUED
    assert set(launched.lists.all()) == set(received)
    waiting = text(client.get(url("run_detail", launched.pk)))
    shows(waiting, f'hx-get="{url("run_status", launched.pk)}" hx-trigger="every 5s"',
          "attend son tour")  # fmt: skip
    hides(text(client.get(url("run_detail", launched.pk), {"actualiser": "non"})), "hx-trigger")
    assert client.get(url("run_status", launched.pk)).status_code == 204  # nothing new yet

    assert [r.pk for r in control.execute_queued()] == [launched.pk]
    launched.refresh_from_db()
    assert launched.status == ControlRun.Status.DONE
    assert client.get(url("run_status", launched.pk))["HX-Refresh"] == "true"
    html = text(client.get(url("run_detail", launched.pk)))
    hides(html, "hx-trigger")
    queue = reverse("enrolment-review:queue", args=[launched.pk])  # not followed here
    shows(html, 'id="run-records">6<', 'id="band-link">1<', launched.model_version, queue,
          url("report", launched.pk))  # fmt: skip
    shows(text(client.get(url("runs"))), f'id="run-{launched.pk}"', "Terminé")


def test_launching_starts_the_run_after_commit_when_in_process(
    persona, received, settings, django_capture_on_commit_callbacks
) -> None:
    settings.CONTROL_RUNS_IN_PROCESS = True
    persona("hind")
    data = {"lists": [received[0].pk], "threshold": "0.9", "review_floor": "0.5"}
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        assert login("hind").post(url("runs"), data).status_code == 302
    assert len(callbacks) == 1  # control.launch: the thread starts once the run is committed


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"threshold": "0.9", "review_floor": "0.5"}, "Choisissez au moins une liste."),
        ({"threshold": "0.5", "review_floor": "0.9", "lists": "LIST"},
         "Le seuil de revue ne peut dépasser le seuil de lien."),
        ({"threshold": "beaucoup", "review_floor": "0.5", "lists": "LIST"}, "Seuil invalide"),
        ({"threshold": "1.5", "review_floor": "0.5", "lists": "LIST"}, "Seuil invalide"),
        ({"threshold": "0.9", "review_floor": "0.5", "lists": "999999"}, "Liste inconnue."),
    ],
)  # fmt: skip
def test_a_bad_launch_is_refused_and_queues_nothing(persona, received, data, message) -> None:
    persona("hind")
    if data.get("lists") == "LIST":
        data = {**data, "lists": received[0].pk}
    response = login("hind").post(url("runs"), data)
    assert response.status_code == 400
    shows(text(response), message)
    assert not ControlRun.objects.exists()


def test_a_failed_run_shows_its_error(persona, received) -> None:
    run = control.queue_control(actor=persona("hind"), lists=received)
    failed = {"status": ControlRun.Status.FAILED, "error": "table de normalisation illisible"}
    ControlRun.objects.filter(pk=run.pk).update(**failed)
    html = text(login("hind").get(url("run_detail", run.pk)))
    shows(html, 'id="run-error"', "table de normalisation illisible")
    hides(html, "http-equiv", 'id="notify-form"')


def test_the_run_page_measures_the_model_with_the_decisions(persona, run) -> None:
    hind = persona("hind")
    link = CandidatePair.objects.get(run=run, band=CandidatePair.Band.LINK)
    client = login("hind")
    shows(text(client.get(url("run_detail", run.pk))), "non mesurée")
    review.decide(actor=hind, pair=link, same_person=True)
    html = text(client.get(url("run_detail", run.pk)))
    shows(html, 'id="links-confirmed">1<', 'id="link-precision">100 %<')


def test_notifying_the_bodies_writes_their_notices_once(persona, run) -> None:
    persona("karim")
    client = login("hind")
    response = client.post(url("run_detail", run.pk), follow=True)
    assert "2 signalements envoyés aux organismes concernés." in text(response)
    assert set(Notice.objects.values_list("organisation__code", flat=True)) == {"CNSS", "CNOPS"}
    again = client.post(url("run_detail", run.pk), follow=True)
    assert "Aucun nouveau signalement" in text(again)
    assert Notice.objects.count() == 2
    assert login("karim").post(url("run_detail", run.pk)).status_code == 403
    assert Notice.objects.count() == 2


def test_a_run_not_finished_notifies_nobody_and_has_an_empty_report(persona, run) -> None:
    queued = control.queue_control(actor=persona("hind"), lists=list(run.lists.all()))
    client = login("hind")
    shows(text(client.post(url("run_detail", queued.pk), follow=True)), "pas terminé.")
    assert not Notice.objects.exists()
    report = text(client.get(url("report", queued.pk)))  # links the finished run's report
    shows(report, 'id="report-not-done"', 'id="total">0<', f'href="{url("report", run.pk)}"')
    hides(text(client.get(url("report", run.pk))), f'href="{url("report", queued.pk)}"')


# --- Report -----------------------------------------------------------------------------------


def test_the_report_lays_out_the_counts_without_person_data(persona, run) -> None:
    persona("othmane")
    client = login("othmane")
    response = client.get(url("report", run.pk))
    html = text(response)
    assert response.status_code == 200
    shows(html, 'id="total">1<', 'id="settled">1<', 'id="to-decide">0<',
          'id="enrolments-avoided">1<', 'id="cards-avoided">non disponible<',
          "AMO_CNOPS_PUBLIC", "AMO_CNSS_SALARIES", "Casablanca-Settat")  # fmt: skip
    hides(html, f'href="{url("run_detail", run.pk)}"')  # an analyst does not open runs
    hides(html, "MOHAMED", "ALAOUI", "BE123456", "1980")  # no person data
    assert not re.search(r"\b[AB]1\b", html)  # nor record ids (as words: a token may hold "B1")

    export = client.get(url("report_csv", run.pk))
    assert export.status_code == 200
    assert export["Content-Type"].startswith("text/csv")
    assert export["Content-Disposition"] == f'attachment; filename="controle-{run.pk}-rapport.csv"'
    rows = list(csv.reader(io.StringIO(export.content.decode("utf-8-sig")), delimiter=";"))
    assert ["par paire de régimes", "AMO_CNOPS_PUBLIC", "AMO_CNSS_SALARIES", "1"] in rows
    assert ["par région", "", "Casablanca-Settat", "1"] in rows
    assert ["total", "", "", "1"] in rows
    assert ["cartes évitées", "", "", ""] in rows


def test_the_report_counts_the_cards_avoided_when_the_lists_give_them(persona, tmp_path) -> None:
    hind = persona("hind")
    run = control.run_control(actor=hind, lists=receive(hind, tmp_path, cards=True))
    html = text(login("hind").get(url("report", run.pk)))
    shows(html, 'id="cards-avoided">1<')  # B1's card, its only holder giving way


# --- Notices ----------------------------------------------------------------------------------


def _access(actor: str, purpose: str) -> set[str]:
    entries = LogEntry.objects.filter(action=LogEntry.Action.ACCESS, actor__username=actor,
                                      additional_data__via=purpose)  # fmt: skip
    return set(entries.values_list("object_pk", flat=True))


def test_a_body_sees_its_own_notices_and_the_rows_shown_are_logged(persona, notices) -> None:
    persona("karim")
    cnss, cnops = notices["CNSS"], notices["CNOPS"]
    html = text(login("karim").get(url("notices")))
    shows(html, url("notice", cnss.pk), "1 signalement", "Prévaut")  # own right prevails
    hides(html, url("notice", cnops.pk))
    assert _access("karim", "list") == {str(cnss.entry_id), str(cnss.other_id)}
    shows(text(login("hind").get(url("notices"))), url("notice", cnss.pk), url("notice", cnops.pk))


def test_the_notices_are_filtered_by_outcome(persona, notices) -> None:
    salma = persona("salma")
    cnops = notices["CNOPS"]
    notify.record_outcome(actor=salma, notice=cnops, outcome=Notice.Outcome.CLOSED)
    client = login("hind")
    closed, pending = url("notice", cnops.pk), url("notice", notices["CNSS"].pk)
    by_default = text(client.get(url("notices")))
    shows(by_default, pending)
    hides(by_default, closed)
    only_closed = text(client.get(url("notices"), {"outcome": "closed"}))
    shows(only_closed, closed)
    hides(only_closed, pending)
    shows(text(client.get(url("notices"), {"outcome": "all"})), "2 signalements")
    bad = client.get(url("notices"), {"outcome": "oublié"})
    assert bad.status_code == 400
    shows(text(bad), "Suite inconnue.")


def test_a_notice_shows_both_records_and_logs_their_access(persona, notices) -> None:
    persona("salma")
    notice = notices["CNOPS"]
    response = login("salma").get(url("notice", notice.pk))
    assert response.status_code == 200
    shows(text(response), "B1", "MOHAMMED", "A1", "EL ALAOUI", "BE123456", "CNSS", "CNOPS",
          "L'immatriculation de CNOPS cède", "droit en propre",  # the proposal, its basis
          'lang="ar" dir="rtl"', 'id="outcome-form"')  # the Arabic half, the form  # fmt: skip
    logged = _access("salma", "double_enrolment_notice")
    assert logged == {str(notice.entry_id), str(notice.other_id)}


def test_a_body_records_its_outcome(persona, notices) -> None:
    persona("salma")
    notice = notices["CNOPS"]
    client = login("salma")
    for data, message in (({"outcome": "kept", "note": ""}, "Indiquez pourquoi"),
                          ({"outcome": "withdrawn"}, "Suite inconnue."),
                          ({"note": "rien"}, "Choisissez la suite donnée.")):  # fmt: skip
        refused = client.post(url("notice", notice.pk), data)
        assert refused.status_code == 400
        shows(text(refused), message)
        notice.refresh_from_db()
        assert notice.outcome == Notice.Outcome.PENDING
    done = client.post(url("notice", notice.pk), {"outcome": "closed", "note": "Close le 2/12"})
    assert done.status_code == 302
    notice.refresh_from_db()
    assert (notice.outcome, notice.outcome_by.username, notice.outcome_note) == (
        Notice.Outcome.CLOSED, "salma", "Close le 2/12")  # fmt: skip
    shows(text(client.get(url("notice", notice.pk))), "Suite enregistrée", "Close le 2/12")


def test_only_the_body_answers_and_a_withdrawn_notice_has_no_form(persona, notices) -> None:
    hind = persona("hind")
    persona("karim")
    persona("salma")
    cnss = notices["CNSS"]
    officer = login("hind")
    hides(text(officer.get(url("notice", cnss.pk))), 'id="outcome-form"')
    assert officer.post(url("notice", cnss.pk), {"outcome": "closed"}).status_code == 403
    assert login("salma").post(url("notice", cnss.pk), {"outcome": "closed"}).status_code == 404
    pair = CandidatePair.objects.get(pk__isnull=False, band=CandidatePair.Band.LINK)
    review.decide(actor=hind, pair=pair, same_person=False, note="Deux frères")
    cnss.refresh_from_db()
    assert cnss.outcome == Notice.Outcome.WITHDRAWN
    karim = login("karim")
    hides(text(karim.get(url("notice", cnss.pk))), 'id="outcome-form"')
    assert karim.post(url("notice", cnss.pk), {"outcome": "closed"}).status_code == 403
    cnss.refresh_from_db()
    assert cnss.outcome == Notice.Outcome.WITHDRAWN


def test_the_pages_read_in_arabic(persona, notices, run) -> None:
    persona("karim")
    for name, address in (
        ("karim", url("notices")), ("karim", url("notice", notices["CNSS"].pk)),
        ("karim", url("upload")), ("hind", url("runs")), ("hind", url("run_detail", run.pk)),
        ("hind", url("report", run.pk)), ("hind", url("lists")),
    ):  # fmt: skip
        response = login(name, "ar").get(address)
        assert response.status_code == 200, address
        shows(text(response), '<html lang="ar" dir="rtl">')
