from __future__ import annotations

import pytest
from django.db import DatabaseError, transaction
from django.test import Client
from django.urls import reverse

from audit.context import Actor, acting_as
from audit.models import AuditEvent
from audit.services import audit_record
from conftest import World


def test_audit_record_takes_the_current_actor(db) -> None:
    with acting_as(Actor(user_id=7, username="alice", role="city", ip="10.1.2.3")):
        event = audit_record(action="thing.change", object_type="x", object_id="1", after={"a": 1})
    event.refresh_from_db()
    assert (event.actor_username, event.actor_role, event.ip, event.after) == (
        "alice",
        "city",
        "10.1.2.3",
        {"a": 1},
    )


def test_audit_rows_cannot_be_updated(db) -> None:
    event = audit_record(action="thing.change", object_type="x", object_id="1")
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(action="forged")
    event.refresh_from_db()
    assert event.action == "thing.change"


def test_audit_rows_cannot_be_deleted_on_postgresql(db, settings) -> None:
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("SQLite allows DELETE (see docs/security.md)")
    event = audit_record(action="thing.change", object_type="x", object_id="1")
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).delete()
    assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_denied_route_writes_an_audit_row_with_the_request_context(world: World) -> None:
    client = Client(REMOTE_ADDR="192.0.2.9")
    client.force_login(world.users["expert"])
    response = client.get(reverse("registry:enterprise-list"))
    assert response.status_code == 403
    event = AuditEvent.objects.get(action="access.denied")
    assert (event.actor_username, event.ip, event.result) == ("expert", "192.0.2.9", "denied")
    assert event.request_id == response["X-Request-ID"]


def test_out_of_scope_detail_writes_an_audit_row(world: World) -> None:
    client = Client()
    client.force_login(world.users["county"])
    response = client.get(reverse("registry:enterprise-detail", args=[world.e3.pk]))
    assert response.status_code == 404
    assert AuditEvent.objects.filter(result="denied", actor_username="county_x").count() == 1


def test_admin_changes_are_audited(world: World) -> None:
    client = Client()
    client.force_login(world.users["province"])
    url = reverse("admin:registry_region_change", args=[world.x.pk])
    data = {
        "code": "320102",
        "name": "玄武区（改）",
        "level": "county",
        "kind": "district",
        "parent": "3201",
    }
    response = client.post(url, data)
    assert response.status_code == 302, response.content[:500]
    event = AuditEvent.objects.get(action="admin.update")
    assert event.before is not None
    assert event.after is not None
    assert (event.before["name"], event.after["name"]) == ("玄武区", "玄武区（改）")


def test_audit_record_many_writes_the_same_rows_as_audit_record(db) -> None:
    from audit.services import Change, audit_record_many

    change = Change(
        action="x.update", object_type="t", object_id="9", before={"n": "甲"}, after={"n": 2}
    )
    with acting_as(Actor(user_id=3, username="bob", role="province", ip="10.0.0.5")):
        assert audit_record_many([change, change]) == 2
    events = list(AuditEvent.objects.all())
    assert len(events) == 2
    assert all(
        (e.actor_username, e.actor_role, e.ip, e.object_id, e.before, e.after, e.result)
        == ("bob", "province", "10.0.0.5", "9", {"n": "甲"}, {"n": 2}, "ok")
        for e in events
    )
    assert all(e.at is not None for e in events)
