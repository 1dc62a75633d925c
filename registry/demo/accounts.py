"""Demo accounts: one per role, created or (on a re-run) given a new random password; the printed
table and the accounts file (mode 0600)."""

from __future__ import annotations

import os
import secrets
import unicodedata
from collections.abc import Sequence
from pathlib import Path

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError

from accounts.models import ROLE_REGION_LEVEL, Role, User
from accounts.services import user_create, user_set_password
from registry.demo.messages import DEMO_ACCOUNT_CLASH, DemoError
from registry.demo.types import DEMO_TAG, DemoAccount
from registry.models import Enterprise, Region

_PASSWORD_CLASSES = ("abcdefghijkmnpqrstuvwxyz", "ABCDEFGHJKLMNPQRSTUVWXYZ", "23456789", "-_!#%+=?")

# (username, role, region code or enterprise slot, organisation)
_ACCOUNTS = (
    ("demo-province", Role.PROVINCE, "32", "江苏省工业和信息化厅（演示）"),
    ("demo-city-suzhou", Role.CITY, "3205", "苏州市工业和信息化局（演示）"),
    ("demo-city-xuzhou", Role.CITY, "3203", "徐州市工业和信息化局（演示）"),
    ("demo-county-kunshan", Role.COUNTY, "320583", "昆山市工业和信息化局（演示）"),
    ("demo-county-jiangning", Role.COUNTY, "320115", "南京市江宁区工业和信息化局（演示）"),
    ("demo-enterprise-a1", Role.ENTERPRISE, "A", ""),
    ("demo-enterprise-a2", Role.ENTERPRISE, "A", ""),
    ("demo-enterprise-b", Role.ENTERPRISE, "B", ""),
    ("demo-expert", Role.EXPERT, "", "评审专家库（演示）"),
    ("demo-provider", Role.PROVIDER, "", "智改数转服务商（演示）"),
    ("demo-admin", Role.ADMIN, "", "平台运维（演示）"),
)


def demo_password() -> str:
    """A random 16-character password with all four character classes that the validators accept."""
    rng = secrets.SystemRandom()
    every = "".join(_PASSWORD_CLASSES)
    while True:
        chars = [rng.choice(chars) for chars in _PASSWORD_CLASSES]
        chars += [rng.choice(every) for _ in range(12)]
        rng.shuffle(chars)
        password = "".join(chars)
        try:
            validate_password(password)
        except ValidationError:
            continue
        return password


def _demo_enterprises() -> dict[str, Enterprise | None]:
    """Slot A: a demo enterprise in 昆山 (else 苏州, else any); slot B: one in 徐州 (else any)."""
    demo = Enterprise.objects.filter(categories__category_id=DEMO_TAG).order_by("uscc")
    a = (
        demo.filter(county_id="320583").first()
        or demo.filter(city_id="3205").first()
        or demo.first()
    )
    others = demo.exclude(pk=a.pk) if a else demo
    b = others.filter(city_id="3203").first() or others.first()
    return {"A": a, "B": b}


def _jurisdiction(user: User) -> str:
    if user.region is not None:
        return f"{user.region.name} ({user.region.code})"
    if user.enterprise is not None:
        return f"{user.enterprise.name} ({user.enterprise.uscc})"
    return "—"


def demo_accounts_create_or_reset() -> list[DemoAccount]:
    enterprises = _demo_enterprises()
    accounts = []
    for username, role, where, organisation in _ACCOUNTS:
        enterprise = enterprises.get(where) if role == Role.ENTERPRISE else None
        if role == Role.ENTERPRISE and enterprise is None:
            continue
        password = demo_password()
        existing = User.objects.filter(username=username).select_related("region", "enterprise")
        user = existing.first()
        created = user is None
        if user is not None:
            if user.role != role:
                raise DemoError(DEMO_ACCOUNT_CLASH.format(username=username))
            user_set_password(user=user, password=password)
        else:
            user = user_create(
                username=username,
                role=role,
                password=password,
                region=Region.objects.get(code=where) if role in ROLE_REGION_LEVEL else None,
                enterprise=enterprise,
                organisation=organisation or (enterprise.name if enterprise else ""),
                email=f"{username}@example.com",
            )
        accounts.append(DemoAccount(role, username, password, _jurisdiction(user), created))
    return accounts


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def demo_accounts_table(accounts: Sequence[DemoAccount]) -> str:
    """The accounts as an aligned text table: role, username, password, jurisdiction."""
    rows = [("role", "username", "password", "jurisdiction")]
    rows += [
        (f"{Role(a.role).label} ({a.role})", a.username, a.password, a.jurisdiction)
        for a in accounts
    ]
    widths = [max(_width(str(row[i])) for row in rows) for i in range(3)]
    lines = []
    for row in rows:
        cells = [
            str(cell) + " " * (widths[i] - _width(str(cell))) for i, cell in enumerate(row[:3])
        ]
        lines.append("  ".join([*cells, row[3]]).rstrip())
    return "\n".join(lines) + "\n"


def demo_accounts_write(*, path: Path, text: str) -> None:
    """Write the accounts file readable by its owner only (mode 0600)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
    path.chmod(0o600)
