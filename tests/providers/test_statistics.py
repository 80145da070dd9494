import csv
import datetime as dt
import io

import pytest
from django.test import Client
from openpyxl import load_workbook

from snigi.providers.models import Provider
from snigi.providers.statistics import attribution_table

pytestmark = pytest.mark.django_db
D = dt.date


@pytest.fixture
def register_2015(register):
    """A register with known attribution dates, by category and sector."""
    made = []
    for day, overrides in [
        (D(2014, 12, 1), {"category_code": "MEDECIN_SPECIALISTE"}),  # before the period
        (D(2015, 1, 10), {"category_code": "MEDECIN_SPECIALISTE"}),
        (D(2015, 2, 10), {"category_code": "MEDECIN_SPECIALISTE", "sector": "public"}),
        (D(2015, 3, 10), {"category_code": "OPTICIEN"}),
        (D(2015, 9, 30), {"category_code": "MEDECIN_GENERALISTE", "sector": "public"}),
        (D(2015, 10, 1), {"category_code": "BIOLOGISTE"}),  # after the period
    ]:
        provider = register(**overrides)
        Provider.objects.filter(pk=provider.pk).update(attributed_on=day)
        made.append(provider)
    pharmacy = register("establishment", sector="public", category_code="CHP")
    Provider.objects.filter(pk=pharmacy.pk).update(attributed_on=D(2015, 5, 5))
    return made


def test_table_counts_by_category_and_sector(register_2015):
    table = attribution_table(start=D(2014, 10, 1), end=D(2015, 9, 30))
    rows = {(r.kind, r.category): (r.public, r.private) for r in table.rows}
    assert rows[("professional", "Médecin spécialiste")] == (1, 2)
    assert rows[("professional", "Opticien")] == (0, 1)
    assert rows[("professional", "Médecin généraliste")] == (1, 0)
    assert rows[("professional", "Biologiste")] == (0, 0)
    assert rows[("establishment", "Centre hospitalier provincial")] == (1, 0)
    assert table.kind_total("professional") == 5
    assert table.registered == {"professional": 5, "establishment": 1}
    with pytest.raises(ValueError, match="précède"):
        attribution_table(start=D(2015, 2, 1), end=D(2015, 1, 1))


def test_csv_and_xlsx_exports_carry_the_same_figures(register_2015):
    client = Client()
    period = {"start": "2014-10-01", "end": "2015-09-30"}
    response = client.get("/inpe/statistics/", {**period, "format": "csv"})
    assert response["Content-Type"].startswith("text/csv")
    assert "attributions-inpe-2014-10-01-2015-09-30.csv" in response["Content-Disposition"]
    reader = csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";")
    title, *lines = list(reader)
    assert title == ["Attributions du code INPE du 2014-10-01 au 2015-09-30"]
    specialists = next(line for line in lines if line[1] == "Médecin spécialiste")
    assert specialists[2:5] == ["1", "2", "3"]
    total = next(
        line for line in lines if line[0] == "Professionnels de santé" and line[1] == "Total"
    )
    assert total[4:6] == ["5", "5"]
    response = client.get("/inpe/statistics/", {**period, "format": "xlsx"})
    sheet = load_workbook(io.BytesIO(response.content)).active
    values = [tuple(row) for row in sheet.iter_rows(values_only=True)]
    assert ("Professionnels de santé", "Médecin spécialiste", 1, 2, 3, None) in values


def test_statistics_page_and_bad_periods(register_2015):
    client = Client()
    html = client.get("/inpe/statistics/", {"start": "2014-10-01", "end": "2015-09-30"})
    assert html.status_code == 200
    assert "Médecin spécialiste" in html.content.decode()
    swapped = client.get("/inpe/statistics/", {"start": "2015-09-30", "end": "2014-10-01"})
    assert "Période inversée" in swapped.content.decode()
    bad = client.get("/inpe/statistics/", {"start": "2015-13-01", "end": "x"})
    assert "Dates invalides" in bad.content.decode()
