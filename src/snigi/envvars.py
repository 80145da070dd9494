"""Typed environment variables that fail loudly with a clear message.

Imported by settings before Django is configured: no Django imports here.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


class ConfigurationError(Exception):
    """A SNIGI_* environment variable is missing or malformed."""


_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def _read(name: str, default: T | None, parse: Callable[[str], T], expected: str) -> T:
    raw = os.environ.get(name)
    if raw is None:
        if default is None:
            raise ConfigurationError(f"{name} is required ({expected}) but is not set.")
        return default
    try:
        return parse(raw)
    except ValueError as exc:
        raise ConfigurationError(f"{name}={raw!r} is not valid: expected {expected}.") from exc


def env_str(name: str, default: str | None = None) -> str:
    def parse(raw: str) -> str:
        if not raw.strip():
            raise ValueError("empty")
        return raw.strip()

    return _read(name, default, parse, "a non-empty string")


def env_bool(name: str, default: bool | None = None) -> bool:
    def parse(raw: str) -> bool:
        value = raw.strip().lower()
        if value in _TRUE:
            return True
        if value in _FALSE:
            return False
        raise ValueError(value)

    return _read(name, default, parse, "one of 1/0, true/false, yes/no, on/off")


def env_int(name: str, default: int | None = None) -> int:
    return _read(name, default, lambda raw: int(raw.strip()), "an integer")


def env_list(name: str, default: list[str] | None = None) -> list[str]:
    def parse(raw: str) -> list[str]:
        items = [item.strip() for item in raw.split(",") if item.strip()]
        if not items:
            raise ValueError("empty list")
        return items

    return _read(name, default, parse, "a comma-separated list")


def env_choice(name: str, choices: tuple[str, ...], default: str | None = None) -> str:
    def parse(raw: str) -> str:
        value = raw.strip().lower()
        if value not in choices:
            raise ValueError(value)
        return value

    return _read(name, default, parse, "one of " + ", ".join(choices))
