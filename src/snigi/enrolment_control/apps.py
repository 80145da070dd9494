from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EnrolmentControlConfig(AppConfig):
    name = "snigi.enrolment_control"
    label = "enrolment_control"
    verbose_name = _("Contrôle de la double immatriculation")

    def ready(self) -> None:
        from snigi.core.audit import register
        from snigi.core.home import register_home_cards
        from snigi.enrolment_control import models
        from snigi.enrolment_control.home import enrolment_control_cards

        register_home_cards(enrolment_control_cards, order=40)
        register(models.SubmittedList)
        register(models.ControlRun)
        register(models.ReviewDecision)
        register(models.Notice)
