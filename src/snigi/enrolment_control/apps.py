from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EnrolmentControlConfig(AppConfig):
    name = "snigi.enrolment_control"
    label = "enrolment_control"
    verbose_name = _("Contrôle de la double immatriculation")

    def ready(self) -> None:
        from snigi.core.audit import register
        from snigi.enrolment_control import models

        register(models.SubmittedList)
        register(models.ControlRun)
        register(models.ReviewDecision)
        register(models.Notice)
