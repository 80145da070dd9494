"""Reads of the INPE registry. The directory and the verification are public data."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import cast

import numpy as np
from django.core.paginator import Paginator
from django.db import connection, transaction
from django.db.models import QuerySet
from django.db.models.functions import Upper
from django.utils import timezone
from django.utils.functional import cached_property

from snigi.core.inpe import DAMM_TABLE, InpeError, inpe_digits, normalise_inpe
from snigi.core.models import Commune, User
from snigi.core.roles import Capability, role_has
from snigi.core.scoping import require
from snigi.providers.models import Application, Category, ConventionPeriod, Provider


@dataclass(frozen=True)
class ConventionStatus:
    """Where a provider stands towards its national convention on a date."""

    status: str  # adherent | non_adherent | suspended | undeclared
    since: datetime.date | None
    until: datetime.date | None
    document: str

    @property
    def under_convention(self) -> bool:
        return self.status == ConventionPeriod.Status.ADHERENT


UNDECLARED = "undeclared"


def provider_convention_status(inpe: str, *, on: datetime.date | None = None) -> ConventionStatus:
    """The one selector every module uses: a suspension covering the date wins; otherwise the
    latest declaration (adherence or non-adherence) in force on the date; else undeclared."""
    day = on or timezone.localdate()
    periods = ConventionPeriod.objects.filter(provider__inpe=inpe, valid_from__lte=day).exclude(
        valid_to__lt=day
    )
    suspension = (
        periods.filter(status=ConventionPeriod.Status.SUSPENDED)
        .order_by("-valid_from", "-pk")
        .first()
    )
    chosen = (
        suspension
        or periods.exclude(status=ConventionPeriod.Status.SUSPENDED)
        .order_by("-valid_from", "-pk")
        .first()
    )
    if chosen is None:
        return ConventionStatus(UNDECLARED, None, None, "")
    return ConventionStatus(chosen.status, chosen.valid_from, chosen.valid_to, chosen.document)


@dataclass(frozen=True)
class Verification:
    inpe: str
    provider: Provider
    active: bool
    convention: ConventionStatus
    on: datetime.date


def inpe_verify(code: str, *, on: datetime.date | None = None) -> Verification:
    """Is INPE ``code`` valid, active and under the convention on ``on``? Raises ``InpeError``
    for a malformed code and ``Provider.DoesNotExist`` for an unknown one."""
    inpe = inpe_canonical(code)
    provider = Provider.objects.select_related("category", "commune__province").get(inpe=inpe)
    day = on or timezone.localdate()
    return Verification(
        inpe=inpe,
        provider=provider,
        active=provider.active_on(day),
        convention=provider_convention_status(inpe, on=day),
        on=day,
    )


def inpe_canonical(code: str) -> str:
    """``normalise_inpe``, except that a code imported from an earlier register with its own
    numbering (``legacy_code``) is accepted as it is registered."""
    try:
        return normalise_inpe(code)
    except InpeError:
        try:
            digits = inpe_digits(code)
        except InpeError:
            digits = ""
        if digits and Provider.objects.filter(inpe=digits, legacy_code=True).exists():
            return digits
        raise


def provider_search(
    *,
    q: str = "",
    category: str = "",
    province: str = "",
    sector: str = "",
    status: str = "",
) -> QuerySet[Provider]:
    """The public directory: name or code, category, province, sector, status.

    Built for PostgreSQL's planner: one table in the WHERE clause (category and province are
    turned into ids first; the related rows come by prefetch), a code prefix as a range on the
    code's index, a name fragment through the trigram index, and, once anything filters, an
    order that no index provides (``UPPER(name)``) so that the matches are sorted rather than
    found by walking the whole name index (a filter correlated with the name, such as
    "Pharmacie…", would otherwise read most of the register to fill one page)."""
    providers = Provider.objects.prefetch_related("category", "commune__province")
    filtered = False
    q = q.replace("\x00", "").strip()
    by_code = False
    if q:
        filtered = True
        digits = q.replace(" ", "")
        if digits.isdigit():
            by_code = True
            if len(digits) > 9 or not digits.isascii():
                return providers.none()
            providers = providers.filter(
                inpe__gte=digits.ljust(9, "0"), inpe__lte=digits.ljust(9, "9")
            )
        elif any("\u0600" <= char <= "\u06ff" for char in q):  # Arabic script
            providers = providers.filter(name_ar__icontains=q)
        else:  # one column per query, so that PostgreSQL can use its trigram index
            providers = providers.filter(name__icontains=q)
    if category:
        filtered = True
        ids = list(Category.objects.filter(code=category).values_list("pk", flat=True))
        providers = providers.filter(category_id__in=ids)
    if province:
        filtered = True
        communes = list(
            Commune.objects.filter(province__code=province).values_list("pk", flat=True)
        )
        providers = providers.filter(commune_id__in=communes)
    if sector:
        filtered = True
        providers = providers.filter(sector=sector)
    if status:
        filtered = True
        providers = providers.filter(status=status)
    if by_code or not filtered:  # the whole register (no criterion) comes in code order
        return providers.order_by("inpe")
    return providers.order_by(Upper("name"), "inpe")


DIRECTORY_COUNT_CAP = 1000


class DirectoryPaginator(Paginator):
    """Pages of a directory search whose count stops at ``DIRECTORY_COUNT_CAP`` (as the NPI
    registry's API does): counting tens of thousands of matches exactly costs more than the
    search itself, and nobody pages past a thousand results: they refine the search."""

    @cached_property
    def count(self) -> int:
        matches = cast("QuerySet[Provider]", self.object_list)
        # Counted without the order and the prefetches: up to the cap, in a LIMIT subquery.
        hits = matches.order_by().values("pk")[: DIRECTORY_COUNT_CAP + 1]
        if connection.vendor != "postgresql":
            return hits.count()
        # A LIMIT tempts PostgreSQL to walk an index that holds the name (and to filter it row
        # by row, until the cap) rather than use the trigram index: when the matches cluster in
        # that index ("Pharmacie…"), the walk reads most of the register. Ordered index scans
        # are of no use to a count: switch them off for this one statement.
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET LOCAL enable_indexonlyscan = off")
            cursor.execute("SET LOCAL enable_indexscan = off")
            count = hits.count()  # on an error, the savepoint's rollback undoes the SETs
            # Inside an outer transaction, SET LOCAL would outlive this savepoint's release.
            cursor.execute("RESET enable_indexonlyscan")
            cursor.execute("RESET enable_indexscan")
            return count

    @property
    def capped(self) -> bool:
        return self.count > DIRECTORY_COUNT_CAP

    @cached_property
    def num_pages(self) -> int:
        hits = min(self.count, DIRECTORY_COUNT_CAP)
        return max(1, -(-hits // self.per_page))


@dataclass(frozen=True)
class BatchVerification:
    """Per code, in the order given: well-formed, known, active, convention status."""

    codes: list[str]
    valid: np.ndarray
    known: np.ndarray
    active: np.ndarray
    convention: list[str]

    def summary(self) -> dict[str, int]:
        return {
            "codes": len(self.codes),
            "malformed": int((~self.valid).sum()),
            "unknown": int((self.valid & ~self.known).sum()),
            "inactive": int((self.known & ~self.active).sum()),
            "under_convention": sum(1 for s in self.convention if s == "adherent"),
        }


def damm_valid(codes: list[str]) -> np.ndarray:
    """Vectorised check of 9-digit codes (the rules of ``normalise_inpe``, without the
    normalisation of spaces or Arabic-Indic digits)."""
    raw = np.array(codes, dtype="U9")
    shaped = np.array([len(c) == 9 and c.isascii() and c.isdigit() for c in codes], dtype=bool)
    digits = np.zeros((len(codes), 9), dtype=np.int8)
    if shaped.any():
        digits[shaped] = (
            np.frombuffer(raw[shaped].astype("S9").tobytes(), dtype=np.uint8).reshape(-1, 9) - 48
        )
    table = np.array(DAMM_TABLE, dtype=np.int8)
    interim = np.zeros(len(codes), dtype=np.int8)
    for column in range(9):
        interim = table[interim, digits[:, column]]
    return shaped & (interim == 0) & (digits[:, 0] != 0)


def inpe_verify_batch(codes: list[str], *, on: datetime.date) -> BatchVerification:
    """Verify many codes at once (a fund's monthly batch of care sheets): one pass over the
    register and one over the convention periods in force, whatever the number of codes."""
    valid = damm_valid(codes)
    legacy = set(Provider.objects.filter(legacy_code=True).values_list("inpe", flat=True))
    if legacy:
        valid |= np.array([code in legacy for code in codes], dtype=bool)
    wanted = {code for code, ok in zip(codes, valid.tolist(), strict=True) if ok}
    status_of: dict[str, str] = {}
    for chunk in _chunks(sorted(wanted), 20_000):
        status_of.update(
            (inpe, "active" if status == "active" or (since and on < since) else status)
            for inpe, status, since in Provider.objects.filter(inpe__in=chunk).values_list(
                "inpe", "status", "status_since"
            )
        )
    conventions: dict[str, str] = {}
    periods = (
        ConventionPeriod.objects.filter(valid_from__lte=on)
        .exclude(valid_to__lt=on)
        .order_by("valid_from", "pk")
        .values_list("provider__inpe", "status")
    )
    for inpe, status in periods.iterator(chunk_size=20_000):
        if conventions.get(inpe) != ConventionPeriod.Status.SUSPENDED:
            conventions[inpe] = status  # later declarations win; a suspension wins over all
    known = np.array([code in status_of for code in codes], dtype=bool) & valid
    active = np.array([status_of.get(code) == "active" for code in codes], dtype=bool)
    convention = [conventions.get(code, UNDECLARED) if k else "" for code, k in zip(
        codes, known.tolist(), strict=True)]  # fmt: skip
    return BatchVerification(codes, valid, known, active, convention)


def _chunks(items: list[str], size: int) -> list[list[str]]:
    return [items[i : i + size] for i in range(0, len(items), size)]


def application_work_queue(*, actor: User) -> list[tuple[Application, datetime.timedelta, bool]]:
    """The INPE officer's queue: every complete file by time left on its 48-hour delay, with
    whether it is overdue."""
    require(actor, Capability.MANAGE_PROVIDERS)
    now = timezone.now()
    queue = Application.objects.filter(status=Application.Status.COMPLETE).order_by(
        "deadline_at", "pk"
    )
    return [(a, a.deadline_at - now, a.deadline_at < now) for a in queue]  # type: ignore[operator]


def can_read_provider_file(user: object, provider: Provider) -> bool:
    """The private part of a provider's file (history, documents, notifications): its holder
    and the INPE officer."""
    if not getattr(user, "is_authenticated", False) or not getattr(user, "is_active", False):
        return False
    role = getattr(user, "role", "")
    return role_has(role, Capability.MANAGE_PROVIDERS) or (
        role == "provider" and getattr(user, "inpe", "") == provider.inpe
    )
