import pytest

from snigi.core.models import Commune
from snigi.providers.services import ProviderInput, provider_register


@pytest.fixture
def ilyas(persona):
    """The ANAM INPE officer."""
    return persona("ilyas")


@pytest.fixture
def register(ilyas):
    counter = iter(range(100_000, 999_999))

    def make(kind: str = "professional", **overrides) -> object:
        n = next(counter)
        commune = Commune.objects.order_by("code").first()
        values = {
            "kind": kind,
            "category_code": "MEDECIN_GENERALISTE" if kind == "professional" else "CLINIQUE",
            "sector": "private",
            "name": f"Cabinet {n}" if kind == "professional" else f"Clinique {n}",
            "commune_code": commune.code,
        }
        if kind == "professional":
            values |= {"cnie": f"BE{n}", "order_number": f"ORD-{n}"}
        else:
            values |= {"authorisation_number": f"AUT-{n}"}
        values |= overrides
        return provider_register(actor=ilyas, data=ProviderInput(**values))

    return make
