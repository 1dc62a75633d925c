"""Function-level access checks for views: the role must be allowed, otherwise 403 (audited).
Object-level checks (jurisdiction) are done by selectors, which answer 404."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.http.response import HttpResponseBase

from audit.services import audit_record

View = Callable[..., HttpResponseBase]


def role_required(*roles: str) -> Callable[[View], View]:
    """Allow only logged-in users whose role is in `roles`; anonymous users go to the login page."""

    def decorator(view: View) -> View:
        @functools.wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            user = request.user
            if not user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if getattr(user, "role", None) not in roles:
                audit_record(
                    action="access.denied",
                    object_type="route",
                    object_id=request.resolver_match.view_name if request.resolver_match else "",
                    result="denied",
                    note=f"{request.method} {request.path}"[:500],
                )
                raise PermissionDenied
            return view(request, *args, **kwargs)

        wrapper.allowed_roles = tuple(roles)  # type: ignore[attr-defined]
        return wrapper

    return decorator
