"""PostgreSQL only: extended statistics on the directory's correlated filters (a category is
mostly public or mostly private), so that the planner estimates a rare combination as rare and
sorts its few matches instead of walking the whole name index."""

from django.db import migrations

NAME = "providers_provider_category_sector_status"


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"CREATE STATISTICS IF NOT EXISTS {NAME} (dependencies, mcv) "
            "ON category_id, sector, status FROM providers_provider"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP STATISTICS IF EXISTS {NAME}")


class Migration(migrations.Migration):
    dependencies = [("providers", "0006_changes_documents_notifications")]
    operations = [migrations.RunPython(create, drop)]
