"""API-wide error answers in the house shape {"error": "..."} (bilingual), for errors raised before
or outside an endpoint's own handling: authentication (401), parameter validation (422), Http404,
PermissionDenied and ninja's HttpError. Call `install(api)` once on the NinjaAPI."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

UNAUTHENTICATED = (
    "需要登录或有效的 API 令牌 (Authentication required: log in or send a valid token)"
)
INVALID_PARAMETERS = "请求参数无效 (Invalid request parameters)"
NOT_FOUND = "未找到 (Not found)"
FORBIDDEN = "无权访问 (Forbidden)"


def _problems(errors: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Where and what, without echoing the submitted value back."""
    return [{"loc": list(e.get("loc", ())), "msg": str(e.get("msg", ""))} for e in errors]


def install(api: NinjaAPI) -> None:
    """Register the handlers on `api`."""

    def unauthenticated(request: HttpRequest, exc: Any) -> HttpResponse:
        response = api.create_response(request, {"error": UNAUTHENTICATED}, status=401)
        response["WWW-Authenticate"] = 'Bearer realm="api"'
        return response

    def invalid(request: HttpRequest, exc: Any) -> HttpResponse:
        body = {"error": INVALID_PARAMETERS, "detail": _problems(exc.errors)}
        return api.create_response(request, body, status=422)

    def not_found(request: HttpRequest, exc: Any) -> HttpResponse:
        return api.create_response(request, {"error": NOT_FOUND}, status=404)

    def forbidden(request: HttpRequest, exc: Any) -> HttpResponse:
        return api.create_response(request, {"error": FORBIDDEN}, status=403)

    def http_error(request: HttpRequest, exc: Any) -> HttpResponse:
        return api.create_response(request, {"error": exc.message}, status=exc.status_code)

    api.add_exception_handler(AuthenticationError, unauthenticated)
    api.add_exception_handler(ValidationError, invalid)
    api.add_exception_handler(Http404, not_found)
    api.add_exception_handler(PermissionDenied, forbidden)
    api.add_exception_handler(HttpError, http_error)
