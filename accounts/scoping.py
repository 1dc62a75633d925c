"""Jurisdiction scoping: the one mechanism every selector, list, search, export and aggregate uses.

A province official sees everything; a city official the city's counties and zones; a county
official the county (and zones in it); an enterprise user its enterprise. Experts, service providers
and platform admins see no enterprise data through the registry (later features grant them narrow,
assignment-based access). Out-of-scope objects answer 404, so their existence is not revealed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypeVar

from django.db.models import Model, Q, QuerySet

from accounts.models import Role

M = TypeVar("M", bound=Model)


@dataclass(frozen=True)
class Jurisdiction:
    everything: bool = False
    city_code: str | None = None
    county_code: str | None = None
    enterprise_id: int | None = None

    @property
    def is_empty(self) -> bool:
        return not (self.everything or self.city_code or self.county_code or self.enterprise_id)


NOTHING = Jurisdiction()


def jurisdiction_of(user: Any) -> Jurisdiction:
    """The part of the registry `user` may see. Read fresh from the user row on every request, so a
    change of role or region takes effect at once."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return NOTHING
    role = getattr(user, "role", "")
    if role == Role.PROVINCE:
        return Jurisdiction(everything=True)
    if role == Role.CITY and user.region_id:
        return Jurisdiction(city_code=user.region_id)
    if role == Role.COUNTY and user.region_id:
        return Jurisdiction(county_code=user.region_id)
    if role == Role.ENTERPRISE and user.enterprise_id:
        return Jurisdiction(enterprise_id=user.enterprise_id)
    return NOTHING


def enterprise_q(jurisdiction: Jurisdiction, *, path: str = "") -> Q | None:
    """A filter on enterprises reached through `path` ("" for Enterprise itself, e.g.
    "enterprise" for a model with an `enterprise` foreign key). None means no restriction."""
    prefix = f"{path}__" if path else ""
    if jurisdiction.everything:
        return None
    if jurisdiction.city_code:
        return Q(**{f"{prefix}city_id": jurisdiction.city_code})
    if jurisdiction.county_code:
        return Q(**{f"{prefix}county_id": jurisdiction.county_code})
    if jurisdiction.enterprise_id:
        return Q(**{f"{prefix}id": jurisdiction.enterprise_id})
    return Q(**{f"{prefix}id__in": []})


def scope_to_enterprises(queryset: QuerySet[M], user: Any, *, path: str = "") -> QuerySet[M]:
    """Restrict `queryset` to rows whose enterprise (reached through `path`) `user` may see."""
    jurisdiction = jurisdiction_of(user)
    if jurisdiction.is_empty:
        return queryset.none()
    q = enterprise_q(jurisdiction, path=path)
    return queryset if q is None else queryset.filter(q)


def region_q(jurisdiction: Jurisdiction) -> Q | None:
    """Regions an official works with: their own unit and everything below it."""
    if jurisdiction.city_code:
        code = jurisdiction.city_code
        return Q(code=code) | Q(parent_id=code) | Q(parent__parent_id=code)
    if jurisdiction.county_code:
        code = jurisdiction.county_code
        return Q(code=code) | Q(parent_id=code)
    return None


def scope_regions(queryset: QuerySet[M], user: Any) -> QuerySet[M]:
    """Officials below the province see their own subtree. For everyone else divisions are public
    reference data (GB/T 2260), so the list is not narrowed."""
    q = region_q(jurisdiction_of(user))
    return queryset if q is None else queryset.filter(q)
