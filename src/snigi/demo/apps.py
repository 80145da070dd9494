from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "snigi.demo"
    label = "demo"
    verbose_name = "Démonstration"
