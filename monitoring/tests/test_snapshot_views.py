"""The province's snapshot page: access, the list with status, progress and stamp, the htmx
fragment that polls while a snapshot is active, and the recompute button."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from audit.models import AuditEvent
from conftest import World
from monitoring.models import CoverageCell, CoverageSnapshot
from monitoring.tests.factories import make_snapshot

PAGE = reverse("monitoring:snapshots")
RECOMPUTE = reverse("monitoring:snapshot-recompute")


def _client(world: World, role: str) -> Client:
    client = Client()
    client.force_login(world.users[role])
    return client


def test_anonymous_users_are_sent_to_log_in(world: World) -> None:
    for response in (Client().get(PAGE), Client().post(RECOMPUTE)):
        assert response.status_code == 302
        assert "login" in response["Location"]
    assert not CoverageSnapshot.objects.exists()


@pytest.mark.parametrize("role", ["city", "county", "enterprise", "expert", "provider", "admin"])
def test_only_the_province_sees_the_page_or_recomputes(world: World, role: str) -> None:
    client = _client(world, role)
    assert client.get(PAGE).status_code == 403
    assert client.post(RECOMPUTE).status_code == 403
    assert not CoverageSnapshot.objects.exists()
    assert AuditEvent.objects.filter(action="access.denied").count() == 2


def test_the_page_lists_snapshots_with_status_progress_and_stamp(
    world: World, django_assert_max_num_queries
) -> None:
    done = make_snapshot(
        stamp={
            "definition_version": "2026.1",
            "enterprises": 3,
            "cells": 7,
            "facts_sha256": "ab" * 32,
        },
        years=[2025, 2026],
    )
    make_snapshot(status="failed", error="计算失败 (failed)")
    client = _client(world, "province")
    with django_assert_max_num_queries(8):  # session, user, snapshots, current, the user's region
        response = client.get(PAGE)
    html = response.content.decode()
    assert response.status_code == 200
    assert html.count('data-status="') == 2
    assert f'#{done.pk} <span class="badge ok">' in html
    assert "2025–2026" in html
    assert "计算失败 (failed)" in html
    assert 'data-active="false"' in html
    assert "hx-get" not in html


def test_the_fragment_polls_while_a_snapshot_is_active(world: World) -> None:
    make_snapshot(status="running", progress_done=1, progress_total=4)
    response = _client(world, "province").get(PAGE, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert "<html" not in html
    assert 'id="snapshot-table"' in html
    assert f'hx-get="{PAGE}"' in html
    assert 'value="25"' in html


def test_recompute_starts_a_snapshot_and_returns_to_the_page(world: World) -> None:
    response = _client(world, "province").post(RECOMPUTE)
    assert response.status_code == 302
    assert response["Location"] == PAGE
    snapshot = CoverageSnapshot.objects.get()
    assert snapshot.status == CoverageSnapshot.Status.DONE  # the immediate backend in tests
    assert snapshot.created_by == world.users["province"]
    assert CoverageCell.objects.filter(snapshot=snapshot).exists()
    assert AuditEvent.objects.filter(
        action="coverage_snapshot.create", actor_username="province"
    ).exists()


def test_recompute_is_a_post(world: World) -> None:
    assert _client(world, "province").get(RECOMPUTE).status_code == 405
