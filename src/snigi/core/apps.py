from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "snigi.core"
    label = "core"
    verbose_name = _("Noyau partagé")

    def ready(self) -> None:
        from snigi.core import audit, home

        audit.register_models()
        home.register_home_cards(home.core_cards, order=50)
