from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProvidersConfig(AppConfig):
    name = "snigi.providers"
    label = "providers"
    verbose_name = _("Registre INPE")

    def ready(self) -> None:
        from snigi.core.audit import register
        from snigi.core.home import register_home_cards
        from snigi.providers.home import inpe_cards
        from snigi.providers.models import (
            Application,
            Category,
            ConventionPeriod,
            Document,
            Provider,
            ProviderChange,
        )

        register_home_cards(inpe_cards, order=20)
        # Notifications are not registered: they are themselves the record of what was sent.
        for model in (Category, Provider, ConventionPeriod, Application, ProviderChange, Document):
            register(model)
