"""Compile gettext catalogues without system gettext (polib is pure Python).

Used by the build hook at install time and by `snigi compilemessages`; imports nothing from Django
so that the build hook can load it on its own.
"""

from __future__ import annotations

from pathlib import Path

import polib


def compile_catalogues(root: Path, *, force: bool = False) -> list[Path]:
    """Compile every `locale/*/LC_MESSAGES/*.po` under `root` whose `.mo` is missing or stale."""
    compiled: list[Path] = []
    for po_path in sorted(root.glob("**/locale/*/LC_MESSAGES/*.po")):
        mo_path = po_path.with_suffix(".mo")
        if not force and mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        polib.pofile(str(po_path)).save_as_mofile(str(mo_path))
        compiled.append(mo_path)
    return compiled
