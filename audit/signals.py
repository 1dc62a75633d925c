"""Authentication events go to the audit trail."""

from typing import Any

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver
from django.http import HttpRequest

from audit.context import actor_for_user, new_request_id
from audit.middleware import client_ip
from audit.services import audit_record


def _actor(request: HttpRequest | None, user: Any) -> Any:
    ip = client_ip(request) if request is not None else None
    return actor_for_user(user, ip=ip, request_id=new_request_id())


@receiver(user_logged_in)
def on_login(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    audit_record(action="auth.login", obj=user, actor=_actor(request, user))


@receiver(user_logged_out)
def on_logout(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    if user is not None:
        audit_record(action="auth.logout", obj=user, actor=_actor(request, user))


@receiver(user_login_failed)
def on_login_failed(
    sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any
) -> None:
    username = str(credentials.get("username", ""))[:150]
    audit_record(
        action="auth.login_failed",
        object_type="accounts.user",
        object_id=username,
        result="failed",
        actor=_actor(request, None),
    )
