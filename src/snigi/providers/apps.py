from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProvidersConfig(AppConfig):
    name = "snigi.providers"
    label = "providers"
    verbose_name = _("Registre INPE")

    def ready(self) -> None:
        from snigi.core.audit import register
        from snigi.providers.models import Application, Category, ConventionPeriod, Provider

        for model in (Category, Provider, ConventionPeriod, Application):
            register(model)
