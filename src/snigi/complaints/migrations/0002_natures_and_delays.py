"""Load the complaint natures (data/natures.csv) and the procedure delays (data/delays.csv)."""

import csv
from pathlib import Path

from django.db import migrations

DATA = Path(__file__).resolve().parent.parent / "data"


def _rows(name):
    with (DATA / name).open(encoding="utf-8", newline="") as handle:
        yield from csv.DictReader(handle)


def load(apps, schema_editor):
    nature = apps.get_model("complaints", "Nature")
    for row in _rows("natures.csv"):
        code = row.pop("code")
        row["medical_opinion"] = row["medical_opinion"] == "1"
        nature.objects.update_or_create(code=code, defaults=row)
    delay = apps.get_model("complaints", "Delay")
    for row in _rows("delays.csv"):
        row["valid_to"] = row["valid_to"] or None
        delay.objects.update_or_create(
            code=row.pop("code"), valid_from=row.pop("valid_from"), defaults=row
        )


def unload(apps, schema_editor):
    apps.get_model("complaints", "Delay").objects.all().delete()
    apps.get_model("complaints", "Nature").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("complaints", "0001_initial")]
    operations = [migrations.RunPython(load, unload)]
