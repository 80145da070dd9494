"""The double-enrolment control's API: lists sent (written, dry run, refused rows, the same
file again, bad files, another body's list), scoped reads, runs queued then completed, pairs
with both records (their reading logged), decisions, the report (JSON and CSV), notices and
the bodies' outcomes; every endpoint refused to the wrong roles."""

from __future__ import annotations

import csv
import datetime as dt
import io
import tempfile
from pathlib import Path

import hypothesis
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import schemathesis
from django.contrib.contenttypes.models import ContentType
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections, connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from openapi_spec_validator import validate
from schemathesis.checks import not_a_server_error, response_schema_conformance

from snigi.core.audit import LogEntry
from snigi.core.models import Organisation, Regime
from snigi.core.services import api_token_create
from snigi.enrolment_control import control
from snigi.enrolment_control.intake import receive_list
from snigi.enrolment_control.models import (
    CandidatePair,
    ControlRun,
    ListEntry,
    Notice,
    ReviewDecision,
    SubmittedList,
)
from tests.conftest import login

pytestmark = pytest.mark.django_db
API = "/api/v1/enrolment-control"
DAY = dt.date(2026, 11, 30)
HEADER = ["record_id", "cnie", "first_name", "last_name", "birth_date", "sex", "commune"]
# The same people in both lists, written differently: A1/B1, A4/B4, A5/B5 are links at 0.9;
# A6/B6 (same names, other birth date) a pair to review from 0.1.
CNSS_ROWS = [
    ["A1", "BE123456", "MOHAMED", "EL ALAOUI", "1980-03-12", "M", "141.001"],
    ["A2", "", "KARIMA", "BENNANI", "1990-05-01", "F", "141.001"],
    ["A3", "JB04211", "SAID", "TAZI", "1975-01-20", "M", "141.001"],
    ["A4", "", "YOUSSEF", "IDRISSI", "1985-07-14", "M", "141.001"],
    ["A5", "K445566", "NAIMA", "CHRAIBI", "1970-02-02", "F", "141.001"],
    ["A6", "", "HICHAM", "BERRADA", "1992-09-09", "M", "141.001"],
    ["A7", "", "LAILA", "FASSI", "1988-04-04", "F", "141.001"],
]
CNOPS_ROWS = [
    ["B1", "BE123456", "MOHAMMED", "ALAOUI", "12/03/1980", "M", "141.001"],
    ["B2", "", "KARIM", "BENNANI", "1990-01-05", "M", "141.001"],
    ["B3", "QA998877", "FATIMA", "OUAZZANI", "1960-07-07", "F", "001.001"],
    ["B4", "", "YOUSSEF", "IDRISSI", "1986-07-14", "M", ""],
    ["B5", "K445577", "NAIMA", "CHRAIBI", "", "F", "141.001"],
    ["B6", "", "HICHAM", "BERRADA", "1995-03-03", "M", "141.001"],
    ["B7", "", "LEILA", "FASSI FIHRI", "1988", "F", ""],
]


def bearer(user) -> Client:
    _token, raw = api_token_create(actor=user, name="test", valid_days=1)
    return Client(headers={"Authorization": f"Bearer {raw}"})


def csv_bytes(rows: list[list[str]], header: list[str] = HEADER) -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows([header, *rows])
    return out.getvalue().encode("utf-8")


def upload(client: Client, content: bytes, name: str = "cnss-insured.csv", **fields: str):
    data = {"body": "CNSS", "kind": "insured", "situation_date": DAY.isoformat(), **fields}
    return client.post(f"{API}/lists", {**data, "file": SimpleUploadedFile(name, content)})


@pytest.fixture
def work_dir(tmp_path: Path, monkeypatch) -> Path:
    """The temporary folder the uploads go through, to check that none is left behind."""
    work = tmp_path / "tmp"
    work.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(work))
    return work


@pytest.fixture
def received(persona, tmp_path: Path) -> tuple[SubmittedList, SubmittedList]:
    """CNSS's salaried insured people and CNOPS's dependants, sent by ANAM's control officer."""

    def send(name: str, body: str, regime: str, kind: str, rows: list[list[str]]):
        path = tmp_path / name
        path.write_bytes(csv_bytes(rows))
        return receive_list(
            actor=persona("hind"), path=path, organisation=Organisation.objects.get(code=body),
            kind=kind, situation_date=DAY, regime=Regime.objects.get(code=regime),
        ).submitted_list  # fmt: skip

    return (
        send("a.csv", "CNSS", "AMO_CNSS_SALARIES", "insured", CNSS_ROWS),
        send("b.csv", "CNOPS", "AMO_CNOPS_PUBLIC", "dependants", CNOPS_ROWS),
    )


@pytest.fixture
def run(persona, received) -> ControlRun:
    return control.run_control(
        actor=persona("hind"), lists=list(received), threshold=0.9, review_floor=0.1
    )


def pair_of(run: ControlRun, a: str, b: str) -> CandidatePair:
    return CandidatePair.objects.get(
        run=run, entry_a__record_id__in=[a, b], entry_b__record_id__in=[a, b]
    )


def records(item: dict) -> set[str]:
    return {item["a"]["record_id"], item["b"]["record_id"]}


# --- Lists ------------------------------------------------------------------------------------


def test_a_fund_agent_sends_its_list_and_the_same_file_again_writes_nothing(persona, work_dir):
    karim = persona("karim")
    client = bearer(karim)
    content = csv_bytes(CNSS_ROWS)
    response = upload(client, content, regime="AMO_CNSS_SALARIES")
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["rows"], body["new"], body["present"], body["refused"]) == (7, 7, 0, [])
    assert body["summary"].startswith("Import enregistré.")
    submitted = SubmittedList.objects.get(pk=body["list_id"])
    assert (submitted.organisation.code, submitted.kind, submitted.regime.code) == (
        "CNSS", "insured", "AMO_CNSS_SALARIES",
    )  # fmt: skip
    assert (submitted.file_name, submitted.file_format) == ("cnss-insured.csv", "csv")
    assert submitted.received_by == karim
    assert ListEntry.objects.filter(submitted_list=submitted).count() == 7

    again = upload(client, content, name="renvoi.csv")
    assert again.status_code == 200, again.content
    assert (again.json()["new"], again.json()["present"]) == (0, 7)
    assert again.json()["list_id"] == submitted.pk
    assert SubmittedList.objects.count() == 1
    assert ListEntry.objects.count() == 7
    assert list(work_dir.iterdir()) == []  # the uploads were deleted

    detail = client.get(f"{API}/lists/{submitted.pk}")
    assert detail.status_code == 200
    assert detail.json()["body"] == "CNSS"
    assert detail.json()["received_by"] == "karim"
    assert detail.json()["sha256"] == submitted.sha256


def test_a_dry_run_reports_and_writes_nothing(persona, work_dir):
    response = upload(bearer(persona("karim")), csv_bytes(CNSS_ROWS), dry_run="true")
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["dry_run"], body["new"], body["list_id"]) == (True, 7, None)
    assert body["summary"].startswith("Essai à blanc")
    assert not SubmittedList.objects.exists()
    assert list(work_dir.iterdir()) == []


def test_refused_rows_are_422_with_their_reasons_and_nothing_is_written(persona, work_dir):
    rows = [
        *CNSS_ROWS[:2],
        ["A1", "XY1", "ALI", "SAADI", "1970-01-01", "M", ""],
        ["A9", "", "OMAR", "RAMI", "31/02/19x", "M", ""],
        ["A10", "", "SARA", "NAJI", "2001-01-01", "F", "999.999"],
    ]
    client = bearer(persona("karim"))
    for dry_run in ("false", "true"):
        response = upload(client, csv_bytes(rows), dry_run=dry_run)
        assert response.status_code == 422, response.content
        body = response.json()
        assert body["detail"][0].startswith(
            "Essai à blanc" if dry_run == "true" else "Import annulé : rien n'est enregistré."
        )
        refused = {(r["line"], r["record_id"]): r["reason"] for r in body["refused"]}
        assert (
            refused[(2, "A1")] == refused[(4, "A1")] == "identifiant déjà utilisé dans le fichier"
        )
        assert refused[(5, "A9")].startswith("date de naissance illisible")
        assert refused[(6, "A10")] == "commune inconnue : 999.999"
        assert (body["rows"], body["new"], body["list_id"]) == (5, 0, None)
    assert not SubmittedList.objects.exists()
    assert not ListEntry.objects.exists()
    assert list(work_dir.iterdir()) == []


def test_a_file_that_cannot_be_used_is_400(persona, work_dir, tmp_path):
    client = bearer(persona("karim"))
    no_id = upload(client, csv_bytes([["X", "Y"]], header=["nom", "prenom"]))
    assert no_id.status_code == 400
    assert "pas de colonne d'identifiant" in no_id.json()["detail"]
    empty = upload(client, b"")
    assert empty.status_code == 400
    assert "le fichier est vide" in empty.json()["detail"]
    spreadsheet = upload(client, b"PK\x03\x04", name="liste.xlsx")
    assert spreadsheet.status_code == 400
    assert "Format de fichier non pris en charge « .xlsx »" in spreadsheet.json()["detail"]
    assert upload(client, csv_bytes(CNSS_ROWS)).status_code == 201
    other_file = upload(client, csv_bytes(CNSS_ROWS[:3]))
    assert other_file.status_code == 400
    assert "une liste est gardée par organisme et par date" in other_file.json()["detail"]
    nul = upload(client, csv_bytes([["A1", "", "KA\x00RIMA", "BENNANI", "", "F", ""]]))
    assert nul.status_code == 400  # PostgreSQL could not keep it: refused on every database
    assert (
        nul.json()["detail"]
        == "Le fichier contient un caractère NUL (0x00) : rien n'est enregistré."
    )
    unknown = upload(client, csv_bytes(CNSS_ROWS[:3]), body="NOPE")
    assert unknown.status_code == 422
    assert unknown.json()["detail"] == ["organisme inconnu : NOPE."]
    assert SubmittedList.objects.count() == 1
    assert list(work_dir.iterdir()) == []


def test_a_parquet_list_is_received_by_its_extension(persona, tmp_path):
    table = pa.table({h: [r[i] for r in CNSS_ROWS] for i, h in enumerate(HEADER)})
    pq.write_table(table, tmp_path / "l.parquet")
    response = upload(bearer(persona("karim")), (tmp_path / "l.parquet").read_bytes(),
                      name="CNSS 2026.parquet")  # fmt: skip
    assert response.status_code == 201, response.content
    submitted = SubmittedList.objects.get(pk=response.json()["list_id"])
    assert (submitted.file_name, submitted.file_format, submitted.rows) == (
        "CNSS_2026.parquet", "parquet", 7,
    )  # fmt: skip


def test_another_bodys_list_and_the_wrong_roles_are_refused(persona):
    content = csv_bytes(CNSS_ROWS)
    refused = upload(bearer(persona("karim")), content, body="CNOPS")
    assert refused.status_code == 403
    assert refused.json()["detail"] == "Un organisme ne dépose que ses propres listes."
    for username in ("othmane", "nadia"):
        client = bearer(persona(username))
        assert upload(client, content).status_code == 403
        assert client.get(f"{API}/lists").status_code == 403
    assert not SubmittedList.objects.exists()
    assert Client().get(f"{API}/lists").status_code == 401


def test_lists_are_scoped_to_the_body(persona, received):
    cnss_list, cnops_list = received
    karim = bearer(persona("karim")).get(f"{API}/lists").json()
    assert (karim["count"], [x["id"] for x in karim["items"]]) == (1, [cnss_list.pk])
    salma = bearer(persona("salma"))
    assert [x["body"] for x in salma.get(f"{API}/lists").json()["items"]] == ["CNOPS"]
    assert salma.get(f"{API}/lists/{cnss_list.pk}").status_code == 404
    assert salma.get(f"{API}/lists/{cnops_list.pk}").json()["regime"] == "AMO_CNOPS_PUBLIC"
    hind = bearer(persona("hind"))
    everything = hind.get(f"{API}/lists").json()
    assert {x["id"] for x in everything["items"]} == {cnss_list.pk, cnops_list.pk}
    page = hind.get(f"{API}/lists", {"limit": 1, "offset": 1}).json()
    assert page["count"] == 2
    assert len(page["items"]) == 1
    assert [x["id"] for x in hind.get(f"{API}/lists", {"body": "CNOPS"}).json()["items"]] == [
        cnops_list.pk
    ]
    assert hind.get(f"{API}/lists", {"kind": "members"}).json()["count"] == 0
    assert hind.get(f"{API}/lists/999999").status_code == 404


def test_a_session_authenticates_too(persona, received):
    persona("karim")
    response = login("karim").get(f"{API}/lists")
    assert response.status_code == 200
    assert response.json()["count"] == 1


# --- Runs ---------------------------------------------------------------------------------------


def test_a_run_is_queued_then_completed_by_the_worker(persona, received, settings):
    settings.CONTROL_RUNS_IN_PROCESS = False
    hind = bearer(persona("hind"))
    ids = [x.pk for x in received]
    response = hind.post(f"{API}/runs", {"lists": ids, "threshold": 0.9, "review_floor": 0.1},
                         content_type="application/json")  # fmt: skip
    assert response.status_code == 202, response.content
    queued = response.json()
    assert queued["status"] == "queued"
    assert queued["lists"] == sorted(ids)
    assert queued["url"] == f"{API}/runs/{queued['id']}"
    assert response["Location"] == queued["url"]
    assert hind.get(queued["url"]).json()["status"] == "queued"

    [done] = control.execute_queued()
    assert done.pk == queued["id"]
    run = hind.get(queued["url"]).json()
    assert run["status"] == "done", run["error"]
    assert (run["records"], run["error"]) == (14, "")
    assert run["model_version"]
    bands = {band: CandidatePair.objects.filter(run=done, band=band).count()
             for band in ("link", "review")}  # fmt: skip
    assert run["pairs"] == bands
    assert bands["link"] >= 1
    assert bands["review"] >= 1
    assert run["measures"] == {"links_confirmed": 0, "links_refuted": 0, "review_same": 0,
                               "review_different": 0, "link_precision": None}  # fmt: skip
    listing = bearer(persona("othmane")).get(f"{API}/runs", {"status": "done"}).json()
    assert [x["id"] for x in listing["items"]] == [done.pk]


def test_only_the_control_officer_queues_a_run_and_its_input_is_checked(persona, received):
    ids = [x.pk for x in received]
    payload = {"lists": ids}
    for username in ("karim", "othmane", "samira"):
        client = bearer(persona(username))
        response = client.post(f"{API}/runs", payload, content_type="application/json")
        assert response.status_code == 403
    hind = bearer(persona("hind"))
    bad = hind.post(f"{API}/runs", {"lists": ids, "threshold": 0.5, "review_floor": 0.9},
                    content_type="application/json")  # fmt: skip
    assert bad.status_code == 422
    assert bad.json()["detail"] == ["Il faut 0 < seuil de revue ≤ seuil de lien ≤ 1."]
    none = hind.post(f"{API}/runs", {"lists": []}, content_type="application/json")
    assert none.json()["detail"] == ["Choisissez au moins une liste."]
    unknown = hind.post(f"{API}/runs", {"lists": [*ids, 999999]}, content_type="application/json")
    assert unknown.status_code == 422
    assert unknown.json()["detail"] == ["Liste inconnue : 999999."]
    assert not ControlRun.objects.exists()
    assert bearer(persona("karim")).get(f"{API}/runs").status_code == 403
    assert hind.get(f"{API}/runs/999999").status_code == 404


# --- Pairs and decisions --------------------------------------------------------------------


def test_the_pairs_show_both_records_and_their_reading_is_logged(persona, run):
    hind_user = persona("hind")
    hind = bearer(hind_user)
    url = f"{API}/runs/{run.pk}/pairs"
    everything = hind.get(url).json()
    assert everything["count"] == CandidatePair.objects.filter(run=run).count()
    probabilities = [x["probability"] for x in everything["items"]]
    assert probabilities == sorted(probabilities, reverse=True)
    links = hind.get(url, {"band": "link"}).json()["items"]
    assert {x["band"] for x in links} == {"link"}
    same = next(x for x in links if records(x) == {"A1", "B1"})
    a, b = sorted((same["a"], same["b"]), key=lambda r: r["body"])
    assert (a["body"], a["regime"], a["kind"], a["record_id"]) == (
        "CNOPS", "AMO_CNOPS_PUBLIC", "dependants", "B1",
    )  # fmt: skip
    assert (b["first_name"], b["last_name"], b["birth_date"], b["sex"], b["commune"]) == (
        "MOHAMED", "EL ALAOUI", "1980-03-12", "M", "141.001",
    )  # fmt: skip
    assert a["cnie"] == b["cnie"] == "BE123456"
    assert same["cluster"]
    assert same["decision"] is None
    to_review = hind.get(url, {"band": "review", "decided": "false"}).json()
    assert {x["band"] for x in to_review["items"]} == {"review"}
    assert any(records(x) == {"A6", "B6"} for x in to_review["items"])
    assert hind.get(url, {"decided": "true"}).json()["count"] == 0

    shown = {str(r["id"]) for x in everything["items"] for r in (x["a"], x["b"])}
    logged = LogEntry.objects.filter(
        action=LogEntry.Action.ACCESS, actor=hind_user,
        content_type=ContentType.objects.get_for_model(ListEntry),
    )  # fmt: skip
    assert shown <= set(logged.values_list("object_pk", flat=True))
    assert logged.filter(additional_data__query=f"run={run.pk} band= decided=").count() == len(
        shown
    )
    for username in ("karim", "othmane"):
        assert bearer(persona(username)).get(url).status_code == 403
    assert hind.get(f"{API}/runs/999999/pairs").status_code == 404


def test_the_pairs_page_costs_the_same_queries_whatever_its_size(persona, run):
    hind = bearer(persona("hind"))
    url = f"{API}/runs/{run.pk}/pairs"
    hind.get(url)  # the token's first use is recorded once
    with CaptureQueriesContext(connection) as one:
        assert len(hind.get(url, {"limit": 1}).json()["items"]) == 1
    with CaptureQueriesContext(connection) as every:
        assert len(hind.get(url).json()["items"]) > 1
    assert len(every) == len(one)


def test_a_decision_is_recorded_and_a_reason_is_needed_for_two_people(persona, run):
    hind = bearer(persona("hind"))
    pair = pair_of(run, "A6", "B6")
    url = f"{API}/pairs/{pair.pk}/decision"
    refused = hind.post(url, {"same_person": False}, content_type="application/json")
    assert refused.status_code == 422
    assert refused.json()["detail"] == ["Indiquez ce qui distingue les deux personnes."]
    assert not ReviewDecision.objects.exists()
    two = hind.post(url, {"same_person": False, "note": "Dates de naissance trop éloignées"},
                    content_type="application/json")  # fmt: skip
    assert two.status_code == 200, two.content
    assert (two.json()["same_person"], two.json()["decided_by"]) == (False, "hind")
    assert not Notice.objects.exists()
    one = hind.post(url, {"same_person": True}, content_type="application/json").json()
    assert one["id"] == two.json()["id"]  # changed, not added
    assert one["same_person"] is True
    assert {(one["body_a"], one["record_a"]), (one["body_b"], one["record_b"])} == {
        ("CNOPS", "B6"), ("CNSS", "A6"),
    }  # fmt: skip
    assert Notice.objects.filter(entry__in=[pair.entry_a, pair.entry_b]).count() == 2
    decided = hind.get(f"{API}/runs/{run.pk}/pairs", {"decided": "true"}).json()["items"]
    assert [(records(x), x["decision"]["same_person"]) for x in decided] == [({"A6", "B6"}, True)]
    assert hind.get(f"{API}/runs/{run.pk}").json()["measures"]["review_same"] == 1
    karim = bearer(persona("karim"))
    assert (
        karim.post(url, {"same_person": True}, content_type="application/json").status_code == 403
    )
    missing = hind.post(f"{API}/pairs/999999/decision", {"same_person": True},
                        content_type="application/json")  # fmt: skip
    assert missing.status_code == 404


# --- Report, notices --------------------------------------------------------------------------


def test_the_report_in_json_and_csv(persona, run):
    links = CandidatePair.objects.filter(run=run, band="link").count()
    othmane = bearer(persona("othmane"))  # the observatory: counts, no person
    report = othmane.get(f"{API}/runs/{run.pk}/report")
    assert report.status_code == 200, report.content
    body = report.json()
    assert (body["run"], body["status"], body["total"]) == (run.pk, "done", links)
    assert body["by_regimes"] == [
        {"regime_1": "AMO_CNOPS_PUBLIC", "regime_2": "AMO_CNSS_SALARIES", "count": links}
    ]
    assert body["by_region"] == [{"region": "Casablanca-Settat", "count": links}]
    # CNOPS's rows are dependants: a right in one's own name prevails
    assert (body["settled_by_rule"], body["to_decide"]) == (links, 0)
    assert (body["enrolments_avoided"], body["cards_avoided"]) == (links, None)
    download = othmane.get(f"{API}/runs/{run.pk}/report.csv")
    assert download.status_code == 200
    assert download["Content-Type"] == "text/csv; charset=utf-8"
    assert download["Content-Disposition"] == f'attachment; filename="controle-{run.pk}.csv"'
    text = download.content.decode("utf-8-sig")
    assert f"par paire de régimes;AMO_CNOPS_PUBLIC;AMO_CNSS_SALARIES;{links}" in text
    assert f"total;;;{links}" in text
    for username in ("karim", "samira"):
        client = bearer(persona(username))
        assert client.get(f"{API}/runs/{run.pk}/report").status_code == 403
        assert client.get(f"{API}/runs/{run.pk}/report.csv").status_code == 403
    assert othmane.get(f"{API}/runs/999999/report.csv").status_code == 404


def test_the_bodies_are_notified_and_record_what_they_did(persona, run):
    links = CandidatePair.objects.filter(run=run, band="link").count()
    hind = bearer(persona("hind"))
    assert bearer(persona("karim")).post(f"{API}/runs/{run.pk}/notify").status_code == 403
    assert hind.post(f"{API}/runs/{run.pk}/notify").json() == {"created": 2 * links}
    assert hind.post(f"{API}/runs/{run.pk}/notify").json() == {"created": 0}
    assert hind.get(f"{API}/notices").json()["count"] == 2 * links

    karim_user = persona("karim")
    karim = bearer(karim_user)
    mine = karim.get(f"{API}/notices").json()
    assert mine["count"] == links
    assert {(x["body"], x["record"]["body"], x["other"]["body"]) for x in mine["items"]} == {
        ("CNSS", "CNSS", "CNOPS")
    }
    assert {x["gives_way"] for x in mine["items"]} == {False}  # its insured person's own right
    assert all(x["outcome"] == "pending" and x["message"] for x in mine["items"])
    shown = {str(r["id"]) for x in mine["items"] for r in (x["record"], x["other"])}
    assert shown <= set(
        LogEntry.objects.filter(action=LogEntry.Action.ACCESS, actor=karim_user).values_list(
            "object_pk", flat=True
        )
    )
    with CaptureQueriesContext(connection) as one:
        assert len(karim.get(f"{API}/notices", {"limit": 1}).json()["items"]) == 1
    with CaptureQueriesContext(connection) as every:
        assert len(karim.get(f"{API}/notices").json()["items"]) == links
    assert len(every) == len(one)  # no query per notice
    salma = bearer(persona("salma"))
    theirs = salma.get(f"{API}/notices").json()["items"]
    assert {(x["body"], x["gives_way"]) for x in theirs} == {("CNOPS", True)}

    notice = mine["items"][0]["id"]
    url = f"{API}/notices/{notice}/outcome"
    kept = karim.post(url, {"outcome": "kept"}, content_type="application/json")
    assert kept.status_code == 422
    assert kept.json()["detail"] == [
        "Indiquez pourquoi l'immatriculation est maintenue ou contestée."
    ]
    odd = karim.post(url, {"outcome": "lost"}, content_type="application/json")
    assert odd.json()["detail"] == ["suite inconnue : lost (closed, kept, contested)."]
    closed = karim.post(url, {"outcome": "closed", "note": "Radiée le 2026-12-02"},
                        content_type="application/json")  # fmt: skip
    assert closed.status_code == 200, closed.content
    assert (closed.json()["outcome"], closed.json()["outcome_by"]) == ("closed", "karim")
    assert Notice.objects.get(pk=notice).outcome == Notice.Outcome.CLOSED
    filtered = karim.get(f"{API}/notices", {"outcome": "closed"}).json()
    assert [x["id"] for x in filtered["items"]] == [notice]
    outside = salma.post(url, {"outcome": "closed"}, content_type="application/json")
    assert outside.status_code == 404
    assert hind.post(url, {"outcome": "kept", "note": "x"},
                     content_type="application/json").status_code == 403  # fmt: skip
    othmane = bearer(persona("othmane"))
    assert othmane.get(f"{API}/notices").status_code == 403
    assert Notice.objects.get(pk=notice).outcome_by == karim_user


def test_a_run_not_finished_is_not_notified(persona, received, settings):
    settings.CONTROL_RUNS_IN_PROCESS = False
    queued = control.queue_control(actor=persona("hind"), lists=list(received))
    response = bearer(persona("hind")).post(f"{API}/runs/{queued.pk}/notify")
    assert response.status_code == 422
    assert response.json()["detail"] == ["Ce contrôle n'est pas terminé."]


# --- The OpenAPI document ---------------------------------------------------------------------


def test_every_operation_documents_its_answers(client):
    document = client.get("/api/v1/openapi.json").json()
    validate(document)
    operations = {
        (method.upper(), path): spec
        for path, item in document["paths"].items()
        if path.startswith(API)
        for method, spec in item.items()
    }
    assert len(operations) == 13
    for (method, path), spec in operations.items():
        answers = spec["responses"]
        assert "403" in answers, (method, path)
        assert all("content" in answers[code] for code in answers), (method, path)
    upload_answers = operations[("POST", f"{API}/lists")]["responses"]
    assert {"200", "201", "400", "403", "422"} <= set(upload_answers)
    csv_answer = operations[("GET", f"{API}/runs/{{run_id}}/report.csv")]["responses"]["200"]
    assert "text/csv" in csv_answer["content"]


# --- Fuzzed against the OpenAPI document, as the roles that reach these endpoints (the whole-API
# run uses a role refused most of them) --------------------------------------------------------

schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application()).include(
    path_regex=r"^/api/v1/enrolment-control/"
)


@pytest.fixture
def _keep_test_connection():
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.mark.usefixtures("_keep_test_connection", "received")
@pytest.mark.parametrize("username", ["hind", "karim"])
@schema.parametrize()
@hypothesis.settings(
    max_examples=15,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=list(hypothesis.HealthCheck),
)
def test_the_api_conforms_to_its_schema(case, persona, username, settings):
    settings.CONTROL_RUNS_IN_PROCESS = False
    _token, raw = api_token_create(actor=persona(username), name="fuzz", valid_days=1)
    case.call_and_validate(
        headers={"Authorization": f"Bearer {raw}"},
        checks=[not_a_server_error, response_schema_conformance],
    )
