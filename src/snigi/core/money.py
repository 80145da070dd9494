"""Money: amounts in Moroccan dirhams (MAD) as ``Decimal``, never floats.

The one rounding rule: an amount is rounded to the centime (0.01 MAD) half away from zero
(``ROUND_HALF_UP``), once, at the end of each computed amount (a reimbursement, a contribution);
intermediate products keep full precision. Database columns use ``MoneyField``
(``DECIMAL(14, 2)``: up to 999 999 999 999.99 MAD).
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.db import models

CENTIME = Decimal("0.01")
NARROW_NBSP = "\u202f"
MAX_DIGITS = 14
DECIMAL_PLACES = 2
MAX_AMOUNT = Decimal(10) ** (MAX_DIGITS - DECIMAL_PLACES)


class MoneyError(ValueError):
    pass


def to_decimal(value: Decimal | int | str) -> Decimal:
    """Exact conversion; floats are refused because they cannot hold centimes exactly."""
    if isinstance(value, bool) or isinstance(value, float):
        raise MoneyError("Les montants ne doivent jamais être des flottants : utiliser Decimal.")
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, int):
        result = Decimal(value)
    elif isinstance(value, str):
        cleaned = value.strip().replace(" ", "").replace("\u202f", "").replace(",", ".")
        try:
            if "_" in cleaned:
                raise InvalidOperation
            result = Decimal(cleaned)
        except InvalidOperation as exc:
            raise MoneyError(f"« {value} » n'est pas un montant valide.") from exc
    else:
        raise MoneyError(f"Type de montant non pris en charge : {type(value).__name__}.")
    if not result.is_finite():
        raise MoneyError("Un montant doit être fini.")
    if abs(result) >= MAX_AMOUNT:
        raise MoneyError("Montant hors limites (moins de mille milliards de dirhams).")
    return result


def round_mad(value: Decimal | int | str) -> Decimal:
    """Round to the centime, half away from zero."""
    return to_decimal(value).quantize(CENTIME, rounding=ROUND_HALF_UP)


def mad(value: Decimal | int | str) -> Decimal:
    """A MAD amount: exact conversion, then the rounding rule."""
    return round_mad(value)


def apply_rate(amount: Decimal | int | str, rate_percent: Decimal | int | str) -> Decimal:
    """``amount x rate / 100``, rounded once (e.g. 80 % of a TNR)."""
    return round_mad(to_decimal(amount) * to_decimal(rate_percent) / Decimal(100))


def format_mad(value: Decimal) -> str:
    """French display: ``1 234,50 MAD`` (narrow no-break space as thousands separator)."""
    rounded = round_mad(value)
    sign = "-" if rounded < 0 else ""
    whole, _, cents = f"{abs(rounded):.2f}".partition(".")
    groups = []
    while whole:
        groups.insert(0, whole[-3:])
        whole = whole[:-3]
    return f"{sign}{NARROW_NBSP.join(groups)},{cents} MAD"


class MoneyField(models.DecimalField):
    """A MAD amount column: DECIMAL(14, 2)."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        kwargs.setdefault("max_digits", MAX_DIGITS)
        kwargs.setdefault("decimal_places", DECIMAL_PLACES)
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
