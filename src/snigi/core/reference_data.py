"""Load the reference data shipped in ``core/data/*.csv`` (called by migrations).

Upserts by code, so running it again after a data correction updates rows and duplicates none.
Takes the model classes as arguments so that migrations pass their historical models.
"""

from __future__ import annotations

import csv
import datetime
from collections.abc import Iterator
from pathlib import Path
from typing import Any

DATA_DIR = Path(__file__).resolve().parent / "data"


def read_rows(name: str) -> Iterator[dict[str, str]]:
    with (DATA_DIR / name).open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            yield {key: (value or "").strip() for key, value in row.items()}


def _int_or_none(value: str) -> int | None:
    return int(value) if value else None


def _date_or_none(value: str) -> datetime.date | None:
    return datetime.date.fromisoformat(value) if value else None


def load_geography(region_model: Any, province_model: Any, commune_model: Any) -> None:
    regions = {}
    for row in read_rows("regions.csv"):
        regions[row["code"]], _ = region_model.objects.update_or_create(
            code=row["code"],
            defaults={
                "name_fr": row["name_fr"],
                "name_ar": row["name_ar"],
                "population_2014": _int_or_none(row.get("population_2014", "")),
            },
        )
    provinces = {}
    for row in read_rows("provinces.csv"):
        provinces[row["code"]], _ = province_model.objects.update_or_create(
            code=row["code"],
            defaults={
                "region": regions[row["region_code"]],
                "kind": row["kind"],
                "name_fr": row["name_fr"],
                "name_ar": row["name_ar"],
                "population_2014": _int_or_none(row.get("population_2014", "")),
            },
        )
    for row in read_rows("communes.csv"):
        commune_model.objects.update_or_create(
            code=row["code"],
            defaults={
                "province": provinces[row["province_code"]],
                "kind": row["kind"],
                "name_fr": row["name_fr"],
                "name_ar": row["name_ar"],
                "population_2014": _int_or_none(row.get("population_2014", "")),
            },
        )


def load_organisations(organisation_model: Any, regime_model: Any) -> None:
    rows = list(read_rows("organisations.csv"))
    organisations = {}
    for row in rows:
        organisations[row["code"]], _ = organisation_model.objects.update_or_create(
            code=row["code"],
            defaults={
                "kind": row["kind"],
                "name_fr": row["name_fr"],
                "name_ar": row["name_ar"],
                "legal_basis": row.get("legal_basis", ""),
            },
        )
    for row in rows:
        parent = organisations.get(row.get("parent_code", ""))
        organisation = organisations[row["code"]]
        if organisation.parent_id != (parent.pk if parent else None):
            organisation.parent = parent
            organisation.save(update_fields=["parent"])
    for row in read_rows("regimes.csv"):
        regime_model.objects.update_or_create(
            code=row["code"],
            defaults={
                "name_fr": row["name_fr"],
                "name_ar": row["name_ar"],
                "managing_organisation": organisations[row["managing_org_code"]],
                "legal_basis": row["legal_basis"],
                "valid_from": _date_or_none(row["valid_from"]),
                "valid_to": _date_or_none(row.get("valid_to", "")),
            },
        )


def load_holidays(holiday_model: Any) -> None:
    """Add the shipped holidays that are not there yet; never overwrite an administrator's
    correction of a date (rows are matched on code and year)."""
    existing = {(code, day.year) for code, day in holiday_model.objects.values_list("code", "date")}
    new = []
    for row in read_rows("holidays.csv"):
        day = datetime.date.fromisoformat(row["date"])
        if (row["code"], day.year) in existing:
            continue
        new.append(
            holiday_model(
                date=day,
                code=row["code"],
                kind=row["kind"],
                name_fr=row["name_fr"],
                name_ar=row["name_ar"],
                name_en=row["name_en"],
                confirmed=row["confirmed"].lower() in {"1", "true", "yes"},
                source=row.get("source", ""),
            )
        )
    holiday_model.objects.bulk_create(new)
