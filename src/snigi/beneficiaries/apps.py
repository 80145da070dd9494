from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BeneficiariesConfig(AppConfig):
    name = "snigi.beneficiaries"
    label = "beneficiaries"
    verbose_name = _("Bénéficiaires")

    def ready(self) -> None:
        from snigi.beneficiaries.models import Household, Person
        from snigi.core.audit import register

        register(Person)
        register(Household)
