"""Types shared by views."""

from django.http import HttpRequest

from accounts.models import User


class AuthenticatedRequest(HttpRequest):
    """A request that passed `login_required` or `role_required`: its user is a real User."""

    user: User  # type: ignore[assignment]
