"""Load the provider categories (data/categories.csv) and the INPE serial counter."""

import csv
from pathlib import Path

from django.db import migrations

DATA = Path(__file__).resolve().parent.parent / "data" / "categories.csv"


def load(apps, schema_editor):
    category = apps.get_model("providers", "Category")
    known = {field.name for field in category._meta.get_fields()}
    with DATA.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            code = row.pop("code")
            # Columns added later to the file are loaded by the migration that adds the field.
            values = {key: value for key, value in row.items() if key in known}
            category.objects.update_or_create(code=code, defaults=values)
    apps.get_model("providers", "InpeSerial").objects.get_or_create(
        pk=1, defaults={"next_serial": 10_000_000}
    )


def unload(apps, schema_editor):
    apps.get_model("providers", "InpeSerial").objects.all().delete()
    apps.get_model("providers", "Category").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("providers", "0001_initial")]
    operations = [migrations.RunPython(load, unload)]
