"""Load the reference data shipped in core/data/ (geography, organisations, regimes, holidays)."""

from django.db import migrations


def load(apps, schema_editor):
    from snigi.core import reference_data

    reference_data.load_geography(
        apps.get_model("core", "Region"),
        apps.get_model("core", "Province"),
        apps.get_model("core", "Commune"),
    )
    reference_data.load_organisations(
        apps.get_model("core", "Organisation"), apps.get_model("core", "Regime")
    )
    reference_data.load_holidays(apps.get_model("core", "PublicHoliday"))


def unload(apps, schema_editor):
    for name in ("PublicHoliday", "Regime", "Commune", "Province", "Region"):
        apps.get_model("core", name).objects.all().delete()
    organisation = apps.get_model("core", "Organisation")
    organisation.objects.update(parent=None)
    organisation.objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial")]
    operations = [migrations.RunPython(load, unload)]
