"""Login lockout, session limits, password rules, and the audit rows they write."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from conftest import PASSWORD, World

LOGIN = "/accounts/login/"


def _login(client: Client, username: str, password: str):
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR="10.0.0.1")


def test_login_succeeds_and_is_audited(world: World, client: Client) -> None:
    response = _login(client, "city_p", PASSWORD)
    assert response.status_code == 302
    assert AuditEvent.objects.filter(action="auth.login", actor_username="city_p").count() == 1


def test_failed_logins_are_audited(world: World, client: Client) -> None:
    _login(client, "city_p", "wrong")
    event = AuditEvent.objects.get(action="auth.login_failed")
    assert (event.object_id, event.result) == ("city_p", "failed")


def test_sixth_attempt_is_locked_even_with_the_right_password(world: World, client: Client) -> None:
    for _ in range(5):
        _login(client, "city_p", "wrong")
    response = _login(client, "city_p", PASSWORD)
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_lockout_is_per_account_and_address(world: World, client: Client) -> None:
    for _ in range(5):
        _login(client, "city_p", "wrong")
    other_address = client.post(
        LOGIN, {"username": "city_p", "password": PASSWORD}, REMOTE_ADDR="10.0.0.2"
    )
    assert other_address.status_code == 302


def test_lockout_ends_after_the_cool_off(world: World, client: Client) -> None:
    for _ in range(5):
        _login(client, "city_p", "wrong")
    with time_machine.travel(timezone.now() + datetime.timedelta(minutes=31)):
        assert _login(client, "city_p", PASSWORD).status_code == 302


def test_idle_session_expires(world: World, client: Client, settings) -> None:
    client.force_login(world.users["city"])
    assert client.get(reverse("registry:enterprise-list")).status_code == 200
    assert client.cookies["sessionid"]["max-age"] == settings.SESSION_COOKIE_AGE


def test_session_ends_after_the_absolute_limit(world: World, client: Client, settings) -> None:
    _login(client, "city_p", PASSWORD)
    later = timezone.now() + datetime.timedelta(seconds=settings.SESSION_ABSOLUTE_SECONDS + 60)
    with time_machine.travel(later):
        response = client.get(reverse("registry:enterprise-list"))
    assert response.status_code == 302
    assert "login" in response["Location"]


def test_logout_kills_the_server_side_session(world: World, client: Client) -> None:
    _login(client, "city_p", PASSWORD)
    cookie = client.cookies["sessionid"].value
    client.post(reverse("accounts:logout"))
    replay = Client()
    replay.cookies["sessionid"] = cookie
    response = replay.get(reverse("registry:enterprise-list"))
    assert response.status_code == 302


def test_disabled_user_is_out_at_the_next_request(world: World, client: Client) -> None:
    client.force_login(world.users["city"])
    world.users["city"].is_active = False
    world.users["city"].save()
    assert client.get(reverse("registry:enterprise-list")).status_code == 302


def test_session_key_changes_at_login(world: World, client: Client) -> None:
    client.get(LOGIN)
    client.session.save()
    before = client.session.session_key
    _login(client, "city_p", PASSWORD)
    assert client.session.session_key != before


@pytest.mark.parametrize(
    "password",
    ["short1A!", "password123", "alllowercaseletters", "Jiangsu-2025-strong!", "Admin#Secure2025x"],
)
def test_weak_or_contextual_passwords_are_rejected(password: str) -> None:
    with pytest.raises(ValidationError):
        validate_password(password)


def test_long_passwords_are_accepted_without_truncation() -> None:
    validate_password("Ab1!" + "x" * 80 + " 漢字 ")


def test_authenticated_pages_are_not_stored(world: World, client: Client) -> None:
    client.force_login(world.users["city"])
    response = client.get(reverse("registry:enterprise-list"))
    assert "no-store" in response["Cache-Control"]
