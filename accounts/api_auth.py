"""API authentication: the browser session (with CSRF on writes) or a bearer token."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja.security import HttpBearer, SessionAuth

from accounts.models import ApiToken
from audit.context import actor_become_user


class TokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Any:
        found = (
            ApiToken.objects.select_related("user")
            .filter(key_hash=ApiToken.hash(token), expires_at__gt=timezone.now())
            .first()
        )
        if found is None or not found.user.is_active:
            return None
        now = timezone.now()
        if found.last_used_at is None or now - found.last_used_at > timedelta(minutes=5):
            ApiToken.objects.filter(pk=found.pk).update(last_used_at=now)
        request.user = found.user
        actor_become_user(found.user)
        return found.user


# The bearer token first: SessionAuth checks CSRF on writes even when no session cookie is sent,
# which would refuse every token-authenticated POST/PUT.
api_auth = [TokenAuth(), SessionAuth()]
