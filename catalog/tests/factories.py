"""Plain factories for the resource pool's tests: `make_<entity>(**overrides)`. They write rows
directly (no service, no audit) and keep the search index in step (catalog.search reindex), so a
published row made here is found by search. Add helpers below; keep the existing signatures."""

from __future__ import annotations

import itertools
from typing import Any

from django.utils import timezone

from catalog.models import Entry, Provider, Scenario, Status

_seq = itertools.count(1)


def _creator() -> Any:
    from accounts.models import Role, User

    user = User.objects.filter(username="catalog_factory").first()
    return user or User.objects.create_user(username="catalog_factory", role=Role.PROVIDER)


def make_scenario(code: str | None = None, **overrides: Any) -> Scenario:
    n = next(_seq)
    fields = {
        "code": code or f"scenario-{n}",
        "stage": "production",
        "name_zh": f"场景{n}",
        "name_en": f"Scenario {n}",
    }
    return Scenario.objects.create(**(fields | overrides))


def make_provider(
    name: str | None = None, *, members: tuple[Any, ...] = (), regions_served: tuple[Any, ...] = (),
    **overrides: Any,
) -> Provider:  # fmt: skip
    from catalog.search import provider_reindex

    fields: dict[str, Any] = {
        "name": name or f"服务商{next(_seq)}有限公司",
        "status": Status.PUBLISHED,
    }
    fields |= overrides
    if fields["status"] == Status.PUBLISHED:
        fields.setdefault("published_at", timezone.now())
    fields.setdefault("created_by", members[0] if members else _creator())
    provider = Provider.objects.create(**fields)
    provider.members.add(*members)
    provider.regions_served.add(*regions_served)
    provider_reindex(provider)
    return provider


def make_entry(
    title: str | None = None, *, scenarios: tuple[Scenario, ...] = (), **overrides: Any
) -> Entry:
    """A published solution unless told otherwise."""
    from catalog.search import entry_reindex

    fields: dict[str, Any] = {
        "title": title or f"条目{next(_seq)}",
        "kind": Entry.Kind.SOLUTION,
        "status": Status.PUBLISHED,
    }
    fields |= overrides
    if fields["status"] == Status.PUBLISHED:
        fields.setdefault("published_at", timezone.now())
    fields.setdefault("created_by", _creator())
    entry = Entry.objects.create(**fields)
    entry.scenarios.add(*scenarios)
    entry_reindex(entry)
    return entry


def make_provider_with_member(
    username: str, name: str | None = None, **overrides: Any
) -> tuple[Provider, Any]:
    """A provider (published unless told otherwise) and a new provider account managing it."""
    from conftest import make_user

    account = make_user(username, "provider")
    return make_provider(name, members=(account,), **overrides), account
