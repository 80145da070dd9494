from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ComplaintsConfig(AppConfig):
    name = "snigi.complaints"
    label = "complaints"
    verbose_name = _("Réclamations")

    def ready(self) -> None:
        from snigi.complaints import models
        from snigi.core.audit import register

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
