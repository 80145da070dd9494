from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BeneficiariesConfig(AppConfig):
    name = "snigi.beneficiaries"
    label = "beneficiaries"
    verbose_name = _("Bénéficiaires")

    def ready(self) -> None:
        from snigi.beneficiaries import models
        from snigi.beneficiaries.home import person_cards
        from snigi.core.audit import register
        from snigi.core.home import register_home_cards

        register_home_cards(person_cards, order=10)
        for model in (
            models.Person,
            models.Household,
            models.EligibilityRule,
            models.Enrolment,
            models.StudentCertificate,
            models.Contribution,
            models.Exemption,
            models.RamedEligibility,
            models.RamedCard,
            models.RamedContribution,
        ):
            register(model)
