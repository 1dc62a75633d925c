"""Function-level checks shared by the apps' JSON APIs: who is calling, and a refusal that is
written to the audit trail before it answers 403 (object-level scoping stays in the selectors,
which answer 404)."""

from __future__ import annotations

from typing import Any, NoReturn

from django.db.models import Model
from django.http import HttpRequest
from ninja.errors import HttpError

from audit.models import AuditEvent
from audit.services import audit_record


def api_caller(request: HttpRequest) -> Any:
    """The authenticated user (session or token), as set by the API's authentication."""
    return getattr(request, "auth", None)


def api_deny(
    request: HttpRequest, operation: str, message: str, obj: Model | None = None
) -> NoReturn:
    """Write an access.denied row and answer 403."""
    audit_record(
        action="access.denied",
        obj=obj,
        object_type="" if obj is not None else "route",
        object_id="" if obj is not None else f"api:{operation}",
        result=AuditEvent.Result.DENIED,
        note=f"api:{operation} {request.method} {request.path}"[:500],
    )
    raise HttpError(403, message)


def api_require_role(
    request: HttpRequest, operation: str, roles: tuple[str, ...], message: str
) -> Any:
    """The caller when their role is in `roles`; otherwise an audited 403."""
    user = api_caller(request)
    if getattr(user, "role", None) not in roles:
        api_deny(request, operation, message)
    return user
