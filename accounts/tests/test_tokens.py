"""API tokens: create (key shown once, only its hash stored), revoke, the command; all audited."""

from __future__ import annotations

import datetime
import re
from io import StringIO

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.http import Http404
from django.test import Client
from django.utils import timezone

from accounts.models import ApiToken
from accounts.tokens import (
    TOKEN_DAYS_OUT_OF_RANGE,
    TOKEN_NAME_REQUIRED,
    TOKEN_USER_INACTIVE,
    api_token_create,
    api_token_revoke,
)
from audit.models import AuditEvent
from conftest import World

NOW = datetime.datetime(2025, 3, 1, 8, 0, tzinfo=datetime.UTC)


def test_create_returns_the_key_once_and_stores_only_its_hash(world: World) -> None:
    user = world.users["city"]
    with time_machine.travel(NOW, tick=False):
        token, key = api_token_create(user=user, name=" 数据看板 ")
    token.refresh_from_db()
    assert key.startswith("zg_")
    assert len(key) > 40
    assert (token.user, token.name, token.prefix) == (user, "数据看板", key[:8])
    assert token.key_hash == ApiToken.hash(key) != key
    assert token.expires_at == NOW + datetime.timedelta(days=90)
    stored = ApiToken.objects.filter(pk=token.pk).values().get()
    assert key not in {str(value) for value in stored.values()}


def test_create_is_audited_without_the_key(world: World) -> None:
    token, key = api_token_create(user=world.users["county"], name="t", days=7)
    event = AuditEvent.objects.get(action="api_token.create")
    assert (event.object_type, event.object_id, event.result) == (
        "accounts.apitoken",
        str(token.pk),
        "ok",
    )
    assert event.after is not None
    assert event.after["user"] == "county_x"
    assert event.after["prefix"] == key[:8]
    assert key not in str(event.after)
    assert key not in event.object_repr


def test_each_token_has_its_own_key(world: World) -> None:
    keys = {api_token_create(user=world.users["city"], name=f"t{n}")[1] for n in range(5)}
    assert len(keys) == 5


@pytest.mark.parametrize(
    ("name", "days", "message"),
    [
        ("", 90, TOKEN_NAME_REQUIRED),
        ("   ", 90, TOKEN_NAME_REQUIRED),
        ("t", 0, TOKEN_DAYS_OUT_OF_RANGE),
        ("t", -5, TOKEN_DAYS_OUT_OF_RANGE),
        ("t", 366, TOKEN_DAYS_OUT_OF_RANGE),
        ("x" * 61, 90, "60"),
    ],
)
def test_create_rejects_bad_input_and_writes_nothing(
    world: World, name: str, days: int, message: str
) -> None:
    with pytest.raises(ValidationError, match=re.escape(message)):
        api_token_create(user=world.users["city"], name=name, days=days)
    assert not ApiToken.objects.exists()
    assert not AuditEvent.objects.exists()


def test_create_refuses_an_inactive_user(world: World) -> None:
    user = world.users["city"]
    user.is_active = False
    user.save()
    with pytest.raises(ValidationError, match=re.escape(TOKEN_USER_INACTIVE)):
        api_token_create(user=user, name="t")
    assert not ApiToken.objects.exists()


def test_revoke_expires_the_token_now_and_is_audited(world: World) -> None:
    user = world.users["city"]
    token, _key = api_token_create(user=user, name="t")
    with time_machine.travel(NOW, tick=False):
        api_token_revoke(user=user, token_id=token.pk)
    token.refresh_from_db()
    assert token.expires_at == NOW
    assert token.is_expired
    event = AuditEvent.objects.get(action="api_token.revoke")
    assert event.object_id == str(token.pk)
    assert event.before is not None
    assert event.after is not None
    assert event.before["expires_at"] != event.after["expires_at"] == NOW.isoformat()


def test_revoking_twice_changes_nothing_the_second_time(world: World) -> None:
    user = world.users["city"]
    token, _key = api_token_create(user=user, name="t")
    api_token_revoke(user=user, token_id=token.pk)
    expired_at = ApiToken.objects.get(pk=token.pk).expires_at
    api_token_revoke(user=user, token_id=token.pk)
    assert ApiToken.objects.get(pk=token.pk).expires_at == expired_at
    assert AuditEvent.objects.filter(action="api_token.revoke").count() == 1


@pytest.mark.parametrize("whose", ["another user's", "nobody's"])
def test_revoking_a_token_that_is_not_yours_is_404(world: World, whose: str) -> None:
    token, _key = api_token_create(user=world.users["city"], name="t")
    pk = token.pk if whose == "another user's" else 987654
    with pytest.raises(Http404):
        api_token_revoke(user=world.users["county"], token_id=pk)
    token.refresh_from_db()
    assert not token.is_expired
    assert not AuditEvent.objects.filter(action="api_token.revoke").exists()


# --- zhigai create_api_token ----------------------------------------------------------------------


def test_command_prints_a_working_key_once(world: World) -> None:
    out, err = StringIO(), StringIO()
    call_command(
        "create_api_token", "city_p", "--name", "etl", "--days", "30", stdout=out, stderr=err
    )
    key = out.getvalue().strip()
    token = ApiToken.objects.get()
    assert token.key_hash == ApiToken.hash(key)
    assert (token.user.username, token.name) == ("city_p", "etl")
    assert token.expires_at - timezone.now() > datetime.timedelta(days=29, hours=23)
    assert key not in err.getvalue()
    event = AuditEvent.objects.get(action="api_token.create")
    assert event.actor_username.startswith("cli:")
    assert event.actor_role == "system"


def test_command_token_authenticates(world: World, client: Client) -> None:
    out = StringIO()
    call_command("create_api_token", "county_x", "--name", "etl", stdout=out, stderr=StringIO())
    headers = {"Authorization": f"Bearer {out.getvalue().strip()}"}
    assert client.get("/api/v1/regions", headers=headers).status_code == 200


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["nobody", "--name", "x"], "nobody"),
        (["city_p", "--name", "x", "--days", "0"], "1"),
        (["city_p", "--name", " "], "name"),
    ],
)
def test_command_errors(world: World, args: list[str], message: str) -> None:
    with pytest.raises(CommandError, match=message):
        call_command("create_api_token", *args, stdout=StringIO(), stderr=StringIO())
    assert not ApiToken.objects.exists()
