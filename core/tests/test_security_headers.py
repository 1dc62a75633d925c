import re

from django.test import Client
from django.urls import reverse

from conftest import World


def test_pages_carry_the_security_headers(world: World, client: Client) -> None:
    response = client.get(reverse("core:home"))
    csp = response["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in csp
    assert "script-src 'self' 'nonce-" in csp
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"


def test_every_script_tag_carries_the_nonce(world: World, client: Client) -> None:
    client.force_login(world.users["province"])
    response = client.get(reverse("core:home"))
    nonce = response["Content-Security-Policy"].split("'nonce-")[1].split("'")[0]
    executable = re.findall(r"<script(?![^>]*application/json)[^>]*>", response.content.decode())
    assert executable
    assert all(f'nonce="{nonce}"' in tag for tag in executable)


def test_home_page_is_chinese_by_default(db, client: Client) -> None:
    response = client.get(reverse("core:home"))
    assert '<html lang="zh-hans">' in response.content.decode()
    assert "智改数转网联" in response.content.decode()


def test_health_check_answers(db, client: Client) -> None:
    assert client.get(reverse("core:healthz")).json() == {"status": "ok"}


def test_not_found_page_is_chinese(world: World, client: Client) -> None:
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "页面不存在" in response.content.decode()


def test_forbidden_page_is_chinese(world: World, client: Client) -> None:
    client.force_login(world.users["expert"])
    response = client.get(reverse("registry:enterprise-list"))
    assert response.status_code == 403
    assert "无权访问" in response.content.decode()
