import shutil
import subprocess
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse

PO = Path(__file__).resolve().parents[2] / "locale" / "en" / "LC_MESSAGES" / "django.po"


@pytest.mark.skipif(shutil.which("msgfmt") is None, reason="gettext is not installed")
def test_every_message_has_an_english_translation() -> None:
    result = subprocess.run(
        ["msgfmt", "--check", "--statistics", "-o", "/dev/null", str(PO)],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "untranslated" not in result.stderr
    assert "fuzzy" not in result.stderr


def test_english_is_served_when_chosen(db) -> None:
    client = Client()
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    response = client.get(reverse("core:home"))
    html = response.content.decode()
    assert '<html lang="en">' in html
    assert "Log in" in html


def test_chinese_is_served_whatever_the_browser_asks_for(db) -> None:
    response = Client(HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").get(reverse("core:home"))
    assert '<html lang="zh-hans">' in response.content.decode()
