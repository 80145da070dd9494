import datetime as dt

import pytest

from snigi.core import reference_data
from snigi.core.models import Commune, Organisation, Province, PublicHoliday, Regime, Region

pytestmark = pytest.mark.django_db


def test_geography_of_the_2015_division():
    assert Region.objects.count() == 12
    assert Province.objects.count() == 75
    assert set(Region.objects.values_list("code", flat=True)) == {f"{i:02d}" for i in range(1, 13)}
    casablanca = Region.objects.get(code="06")
    assert casablanca.name_fr.startswith("Casablanca")
    assert any("\u0600" <= ch <= "\u06ff" for ch in casablanca.name_ar)
    assert not any(ch.isascii() and ch.isalpha() for ch in casablanca.name_ar)
    # Every province has at least one commune, every name has its Arabic form.
    assert not Province.objects.filter(communes__isnull=True).exists()
    assert not Commune.objects.filter(name_ar="").exists()
    assert Province.objects.filter(kind=Province.Kind.PREFECTURE).count() >= 10


def test_organisations_and_their_hierarchy():
    codes = set(Organisation.objects.values_list("code", flat=True))
    assert {"ANAM", "CNSS", "CNOPS", "MGPAP", "MGEN", "OMFAM", "MGPTT", "MODEP"} <= codes
    mutuals = Organisation.objects.filter(kind=Organisation.Kind.MUTUAL)
    assert mutuals.exists()
    assert set(mutuals.values_list("parent__code", flat=True)) == {"CNOPS"}
    assert Organisation.objects.filter(kind=Organisation.Kind.MINISTRY).count() >= 3


def test_regimes_with_managing_fund_and_validity():
    tadamon = Regime.objects.get(code="AMO_TADAMON")
    assert tadamon.managing_organisation.code == "CNSS"
    assert tadamon.valid_from == dt.date(2022, 12, 1)
    ramed = Regime.objects.get(code="RAMED")
    assert not ramed.in_force_on(dt.date(2023, 1, 1))
    assert ramed.in_force_on(dt.date(2015, 6, 1))
    assert Regime.objects.exclude(legal_basis="").count() == Regime.objects.count()


def test_holidays_cover_2020_to_2030():
    years = {d.year for d in PublicHoliday.objects.values_list("date", flat=True)}
    assert set(range(2020, 2031)) <= years
    for year in range(2020, 2031):
        codes = set(PublicHoliday.objects.filter(date__year=year).values_list("code", flat=True))
        assert {"throne_day", "green_march", "eid_al_fitr", "eid_al_adha", "mawlid"} <= codes
    assert PublicHoliday.objects.filter(code="throne_day", date=dt.date(2027, 7, 30)).exists()


def test_loading_again_duplicates_nothing():
    before = (Region.objects.count(), Commune.objects.count(), PublicHoliday.objects.count())
    reference_data.load_geography(Region, Province, Commune)
    reference_data.load_organisations(Organisation, Regime)
    reference_data.load_holidays(PublicHoliday)
    after = (Region.objects.count(), Commune.objects.count(), PublicHoliday.objects.count())
    assert before == after


def test_reloading_keeps_an_administrators_correction():
    eid = PublicHoliday.objects.filter(code="eid_al_fitr", date__year=2029).get()
    eid.date = eid.date + dt.timedelta(days=1)
    eid.save()
    reference_data.load_holidays(PublicHoliday)
    assert PublicHoliday.objects.filter(code="eid_al_fitr", date__year=2029).get().date == eid.date
