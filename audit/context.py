"""Who is acting, for the audit trail: set per request by the middleware, or by a command."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass


@dataclass(frozen=True)
class Actor:
    user_id: int | None = None
    username: str = ""
    role: str = ""
    ip: str | None = None
    request_id: str = ""


SYSTEM = Actor(username="system", role="system")
_current: ContextVar[Actor] = ContextVar("audit_actor", default=SYSTEM)


def current_actor() -> Actor:
    return _current.get()


def actor_for_user(user: object, *, ip: str | None = None, request_id: str = "") -> Actor:
    if not getattr(user, "is_authenticated", False):
        return Actor(username="anonymous", role="anonymous", ip=ip, request_id=request_id)
    return Actor(
        user_id=user.pk,  # type: ignore[attr-defined]
        username=user.get_username(),  # type: ignore[attr-defined]
        role=getattr(user, "role", ""),
        ip=ip,
        request_id=request_id,
    )


@contextlib.contextmanager
def acting_as(actor: Actor) -> Iterator[Actor]:
    token = _current.set(actor)
    try:
        yield actor
    finally:
        _current.reset(token)


def actor_become_user(user: object) -> None:
    """The request turned out to be `user`'s (API token authentication runs after the middleware
    chose the actor). Keeps the IP and request id; the middleware restores the outer actor."""
    outer = _current.get()
    _current.set(actor_for_user(user, ip=outer.ip, request_id=outer.request_id))


def new_request_id() -> str:
    return uuid.uuid4().hex
