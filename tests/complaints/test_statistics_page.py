"""The statistics page (/reclamations/statistiques/): the seed's tables with their charts, the
period form, and the CSV and XLSX exports read back."""

from __future__ import annotations

import csv
import io

import pytest
from openpyxl import load_workbook

from tests.complaints import stats_register
from tests.conftest import login

pytestmark = pytest.mark.django_db
file_of = stats_register.file_of  # the fixtures of the hand-counted register
register_2012 = stats_register.register_2012
URL = "/reclamations/statistiques/"
YEAR = {"start": "2012-01-01", "end": "2012-12-31"}


@pytest.fixture
def analyst(persona):
    persona("othmane")
    return login("othmane")


def test_the_page_lays_out_the_tables_with_their_charts(register_2012, analyst):
    response = analyst.get(URL, YEAR)
    assert response.status_code == 200
    html = response.content.decode()
    assert "9 dossiers reçus du 01/01/2012 au 31/12/2012" in html
    for key in ("monthly", "requesters", "groups", "cross", "incomplete", "referrals", "delays"):
        assert f'id="table-{key}"' in html
        assert f'data-chart="{key}"' in html
    assert "Total des dossiers" in html
    assert "Avis défavorable" in html
    assert "vendor/chartjs/chart.umd.min.js" in html
    assert 'id="complaint-charts"' in html
    assert "14,29" in html  # the overall average delay, in French
    assert "février 2012" in html


def test_french_dates_are_read_too(register_2012, analyst):
    response = analyst.get(URL, {"start": "01/02/2012", "end": "29/02/2012"})
    assert response.status_code == 200
    assert "2 dossiers reçus du 01/02/2012 au 29/02/2012" in response.content.decode()


def test_a_bad_period_is_said_on_the_form(analyst):
    response = analyst.get(URL, {"start": "2012-12-31", "end": "2012-01-01"})
    assert response.status_code == 400
    assert "précède" in response.content.decode()
    response = analyst.get(URL, {"start": "n'importe", "end": "2012-01-01"})
    assert response.status_code == 400
    assert "Date invalide" in response.content.decode()


def test_without_a_period_the_current_year(analyst):
    response = analyst.get(URL)
    assert response.status_code == 200
    assert 'id="table-cross"' in response.content.decode()


def test_other_roles_are_refused(persona, client):
    persona("mounia")
    assert login("mounia").get(URL, YEAR).status_code == 403
    assert client.get(URL).status_code == 302  # to the login page


def test_csv_export_read_back(register_2012, analyst):
    response = analyst.get(URL, {**YEAR, "format": "csv"})
    assert response["Content-Type"].startswith("text/csv")
    assert "reclamations-2012-01-01-2012-12-31.csv" in response["Content-Disposition"]
    lines = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    assert lines[0] == ["Réclamations reçues du 01/01/2012 au 31/12/2012"]
    cross = lines.index(
        ["Répartition des dossiers par nature de réclamation et décision de l'ANAM"]
    )
    header = lines[cross + 1]
    assert header[0] == "Décision de l'ANAM"
    assert header[-1] == "Total des dossiers"
    rows = {line[0]: line for line in lines[cross + 2 : cross + 13]}
    referral = rows["Attribution"]
    assert referral[header.index("Révision du remboursement")] == "2"
    assert referral[-1] == "2"
    assert rows["Total des dossiers"][-1] == "9"
    assert ["Assuré", "4", "44,4"] in lines
    assert ["Total général", "7", "14,29"] in lines
    assert ["CNSS – Caisse Nationale de Sécurité Sociale", "1", "1", "0"] in lines


def test_xlsx_export_read_back(register_2012, analyst):
    response = analyst.get(URL, {**YEAR, "format": "xlsx"})
    assert "reclamations-2012-01-01-2012-12-31.xlsx" in response["Content-Disposition"]
    book = load_workbook(io.BytesIO(response.content))
    assert "Nature x décision" in book.sheetnames
    sheet = book["Nature x décision"]
    rows = [tuple(row) for row in sheet.iter_rows(values_only=True)]
    header = rows[2]
    assert header[0] == "Décision de l'ANAM"
    unfavourable = next(row for row in rows if row[0] == "Avis défavorable")
    assert unfavourable[header.index("Demande de remboursement")] == 1
    assert rows[-1][0] == "Total des dossiers"
    assert rows[-1][-1] == 9
    delays = [tuple(r) for r in book["Délais"].iter_rows(values_only=True)]
    assert ("Demande de remboursement", 2, 20.0) in delays
    assert ("Total général", 7, 14.29) in delays
    incomplete = [tuple(r) for r in book["Incomplets"].iter_rows(values_only=True)]
    assert ("OG (organisme gestionnaire)", 1, 1) in incomplete
    assert ("Total", 2, 1) in incomplete
