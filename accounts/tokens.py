"""API token services: create (the key is returned once and never stored) and revoke."""

from __future__ import annotations

from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import timezone

from accounts.models import ApiToken, User
from audit.services import audit_record

TOKEN_MAX_DAYS = 365

TOKEN_NAME_REQUIRED = "请填写令牌名称 (A token name is required)"
TOKEN_DAYS_OUT_OF_RANGE = (
    f"有效期应为 1 至 {TOKEN_MAX_DAYS} 天 (Validity must be 1 to {TOKEN_MAX_DAYS} days)"
)
TOKEN_USER_INACTIVE = "该用户已停用 (This user is inactive)"
TOKEN_NOT_FOUND = "令牌不存在 (Token not found)"


def _token_state(token: ApiToken) -> dict[str, str]:
    return {
        "user": token.user.get_username(),
        "name": token.name,
        "prefix": token.prefix,
        "expires_at": token.expires_at.isoformat(),
    }


def api_token_create(*, user: User, name: str, days: int = 90) -> tuple[ApiToken, str]:
    """Create an API token for `user`, valid for `days` days. Returns the token and its key; the
    key is shown to the user once and only its SHA-256 is stored."""
    name = name.strip()
    if not name:
        raise ValidationError(TOKEN_NAME_REQUIRED)
    if not 1 <= days <= TOKEN_MAX_DAYS:
        raise ValidationError(TOKEN_DAYS_OUT_OF_RANGE)
    if not user.is_active:
        raise ValidationError(TOKEN_USER_INACTIVE)
    key = ApiToken.new_key()
    token = ApiToken(
        user=user,
        name=name,
        prefix=key[:8],
        key_hash=ApiToken.hash(key),
        expires_at=timezone.now() + timedelta(days=days),
    )
    token.full_clean()
    with transaction.atomic():
        token.save()
        audit_record(action="api_token.create", obj=token, after=_token_state(token))
    return token, key


def api_token_revoke(*, user: User, token_id: int) -> ApiToken:
    """Revoke one of `user`'s tokens: it expires now, so it stops working at once (the row is kept
    for the record). Revoking an expired token changes nothing. Another user's token: Http404."""
    with transaction.atomic():
        token = (
            ApiToken.objects.select_for_update()
            .select_related("user")
            .filter(pk=token_id, user=user)
            .first()
        )
        if token is None:
            raise Http404(TOKEN_NOT_FOUND)
        if token.is_expired:
            return token
        before = _token_state(token)
        token.expires_at = timezone.now()
        token.save(update_fields=["expires_at"])
        audit_record(action="api_token.revoke", obj=token, before=before, after=_token_state(token))
    return token
