"""Helpers for the page tests: a logged-in client, and the section form read from the edit page
the way a browser would submit it (checked boxes only, nothing from disabled fieldsets), so a
test changes a field and posts what the page really holds (revision, base values)."""

from __future__ import annotations

from collections.abc import Mapping
from html.parser import HTMLParser
from typing import Any

from django.test import Client
from django.urls import reverse

from accounts.models import User
from assessments.models import Assessment

FormData = dict[str, list[str]]


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


class _SectionForm(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.inside = False
        self.fieldsets: list[bool] = []
        self.fields: FormData = {}
        self.textarea: str | None = None
        self.text = ""

    def _disabled(self, attrs: dict[str, Any]) -> bool:
        return "disabled" in attrs or any(self.fieldsets)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "form" and found.get("id") == "section-form":
            self.inside = True
        if not self.inside:
            return
        if tag == "fieldset":
            self.fieldsets.append("disabled" in found)
        elif tag == "input" and not self._disabled(found):
            kind = found.get("type") or "text"
            if kind in ("file", "submit", "button") or (
                kind in ("radio", "checkbox") and "checked" not in found
            ):
                return
            if found.get("name"):
                self.fields.setdefault(found["name"] or "", []).append(found.get("value") or "")
        elif tag == "textarea" and not self._disabled(found):
            self.textarea, self.text = found.get("name"), ""

    def handle_endtag(self, tag: str) -> None:
        if not self.inside:
            return
        if tag == "form":
            self.inside = False
        elif tag == "fieldset":
            self.fieldsets.pop()
        elif tag == "textarea" and self.textarea is not None:
            self.fields.setdefault(self.textarea, []).append(self.text)
            self.textarea = None

    def handle_data(self, data: str) -> None:
        if self.textarea is not None:
            self.text += data


def section_form(html: str) -> FormData:
    parser = _SectionForm()
    parser.feed(html)
    return parser.fields


def edit_url(assessment: Assessment, section: str | None = None) -> str:
    url = reverse("assessments:edit", args=[assessment.pk])
    return f"{url}?section={section}" if section else url


def load(client: Client, assessment: Assessment, section: str) -> FormData:
    """The section form as the edit page shows it to this client's user."""
    response = client.get(edit_url(assessment, section))
    assert response.status_code == 200
    return section_form(response.content.decode())


def autosave(client: Client, assessment: Assessment, data: Mapping[str, Any], **extra: Any) -> Any:
    """Post the section form as the page's autosave does (an htmx request)."""
    url = reverse("assessments:save", args=[assessment.pk])
    return client.post(url, data, HTTP_HX_REQUEST="true", **extra)


def changed(data: FormData, answers: dict[str, Any]) -> FormData:
    """`data` with the fields of `answers` (question code → value, a list for several) set."""
    result = dict(data)
    for code, value in answers.items():
        result[f"q:{code}"] = [str(v) for v in value] if isinstance(value, list) else [str(value)]
    return result
