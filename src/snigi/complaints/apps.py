from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ComplaintsConfig(AppConfig):
    name = "snigi.complaints"
    label = "complaints"
    verbose_name = _("Réclamations")

    def ready(self) -> None:
        from snigi.complaints import models
        from snigi.complaints.home import complaint_cards
        from snigi.core.audit import register
        from snigi.core.home import register_home_cards

        register_home_cards(complaint_cards, order=30)
        for model in (
            models.Nature,
            models.Complaint,
            models.Attachment,
            models.Referral,
            models.Expertise,
            models.MedicineAssessment,
            models.CommissionSession,
            models.ConventionCase,
            models.Moratorium,
            models.Delay,
        ):
            register(model)
