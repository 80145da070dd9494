import pytest

from snigi.core.inpe import is_valid_inpe
from snigi.providers.demo_register import load_demo_register
from snigi.providers.models import ConventionPeriod, Provider

pytestmark = pytest.mark.django_db


def test_demo_register_is_realistic_valid_and_loaded_once(register):
    assert load_demo_register(seed=3, professionals=600, establishments=250) == 850
    codes = list(Provider.objects.values_list("inpe", flat=True))
    assert len(codes) == len(set(codes)) == 850
    assert all(is_valid_inpe(code) for code in codes)
    assert Provider.objects.filter(kind="professional").count() == 600
    assert not Provider.objects.filter(
        kind="establishment", sector="private", category__code="CLINIQUE",
        medical_director__isnull=True,
    ).exists()  # fmt: skip
    assert ConventionPeriod.objects.filter(status="adherent").count() > 400
    assert load_demo_register(seed=3) == 0  # already there: nothing added
    newcomer = register()  # the serial counter moved past the demo block
    assert newcomer.inpe not in codes
