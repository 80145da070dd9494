"""PostgreSQL only: trigram indexes so that the directory's name search (``icontains``, which
Django writes ``UPPER(name::text) LIKE UPPER(%s)``) does not scan the whole register. pg_trgm
is a trusted extension: the database owner may create it. SQLite keeps its plain index."""

from django.db import migrations

INDEXES = {"providers_provider_name_trgm": "name", "providers_provider_name_ar_trgm": "name_ar"}


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for index, column in INDEXES.items():
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {index} ON providers_provider "
            f"USING gin ((UPPER({column}::text)) gin_trgm_ops)"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for index in INDEXES:
            schema_editor.execute(f"DROP INDEX IF EXISTS {index}")


class Migration(migrations.Migration):
    dependencies = [("providers", "0002_categories_and_serial")]
    operations = [migrations.RunPython(create, drop)]
