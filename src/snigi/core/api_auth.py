"""API authentication: bearer tokens (for systems) and the web session (for the docs page)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja.security import HttpBearer
from ninja.security import SessionAuth as NinjaSessionAuth

from snigi.core.selectors import api_token_user


class TokenAuth(HttpBearer):
    openapi_description = "Jeton d'API SNIGI (Authorization: Bearer snigi_…)."

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        user = api_token_user(token)
        if user is not None:
            request.user = user
        return user


class SessionAuth(NinjaSessionAuth):
    """Django session; CSRF is enforced on unsafe methods."""
