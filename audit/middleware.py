from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from audit.context import acting_as, actor_for_user, new_request_id


def client_ip(request: HttpRequest) -> str | None:
    # Behind a trusted reverse proxy set the address there; REMOTE_ADDR is the only value we trust.
    return request.META.get("REMOTE_ADDR") or None


class AuditContextMiddleware:
    """Makes the request's user, IP and a request id the actor of every audit row it writes."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request_id = new_request_id()
        actor = actor_for_user(request.user, ip=client_ip(request), request_id=request_id)
        with acting_as(actor):
            response = self.get_response(request)
        response["X-Request-ID"] = request_id
        return response
