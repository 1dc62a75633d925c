"""The shared test world (healthchecks' Alice/Bob/Charlie, grown to a province):

province 32 → cities P = 南京 3201 and Q = 苏州 3205 → counties X = 玄武 320102 and Y = 秦淮 320104
(in P) and Z = 昆山 320583 (in Q, administered by the province); enterprises E1@X, E2@Y, E3@Z;
one user per role: province, city P, county X, enterprise E1, expert, provider, platform admin.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from accounts.models import Role, User
from registry.models import Category, Enterprise, Industry, Region
from registry.uscc import uscc_make

PASSWORD = "Test-Pass-4821!"


@pytest.fixture(autouse=True)
def _test_settings(settings, tmp_path_factory):
    settings.STORAGES = {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    # Fact files of coverage snapshots: never in the repository's var/ (replaced per snapshot id).
    settings.COVERAGE_FACTS_DIR = tmp_path_factory.getbasetemp() / "snapshot-facts"


@pytest.fixture(autouse=True)
def _fresh_audit_actor():
    """Every test starts as the system actor and leaves it so: code that switches the actor
    without a context manager (API token authentication outside the middleware, e.g. a ninja
    TestClient) must not make a later test's audit rows someone else's."""
    from audit.context import SYSTEM, acting_as

    with acting_as(SYSTEM):
        yield


def make_region(code: str, name: str, level: str, parent: Region | None = None, **kw) -> Region:
    kind = {"province": "province", "city": "prefecture_city", "county": "district"}.get(
        level, "functional_zone"
    )
    return Region.objects.create(code=code, name=name, level=level, kind=kind, parent=parent, **kw)


def make_enterprise(
    *, county: Region, name: str, seq: int, industry: str = "3911", **kw
) -> Enterprise:
    return Enterprise.objects.create(
        uscc=uscc_make(region_code=county.code, org_body=f"{seq:08d}"),
        name=name,
        city_id=county.parent_id or "",
        county=county,
        industry_id=industry,
        **kw,
    )


def make_user(username: str, role: str, **kw) -> User:
    return User.objects.create_user(username=username, password=PASSWORD, role=role, **kw)


@dataclass
class World:
    province: Region
    p: Region
    q: Region
    x: Region
    y: Region
    z: Region
    e1: Enterprise
    e2: Enterprise
    e3: Enterprise
    users: dict[str, User]


@pytest.fixture
def world(db) -> World:
    province = make_region("32", "江苏省", "province")
    p = make_region("3201", "南京市", "city", province)
    q = make_region("3205", "苏州市", "city", province)
    x = make_region("320102", "玄武区", "county", p)
    y = make_region("320104", "秦淮区", "county", p)
    z = make_region("320583", "昆山市", "county", q, province_administered=True)
    section = Industry.objects.create(code="C", name="制造业", level="section")
    division = Industry.objects.create(
        code="39", name="计算机、通信和其他电子设备制造业", level="division", parent=section
    )
    group = Industry.objects.create(code="391", name="计算机制造", level="group", parent=division)
    Industry.objects.create(code="3911", name="计算机整机制造", level="class", parent=group)
    Industry.objects.create(code="3912", name="计算机零部件制造", level="class", parent=group)
    Category.objects.create(
        code="above_scale", name="规上工业企业", kind="official", aliases=["规上"], rank=1
    )
    Category.objects.create(
        code="specialised_sme", name="省级专精特新", kind="official", aliases=["专精特新"], rank=3
    )
    e1 = make_enterprise(county=x, name="玄武电子有限公司", seq=1)
    e2 = make_enterprise(county=y, name="秦淮精密有限公司", seq=2)
    e3 = make_enterprise(county=z, name="昆山智造有限公司", seq=3)
    users = {
        "province": make_user("province", Role.PROVINCE, region=province, is_staff=True),
        "city": make_user("city_p", Role.CITY, region=p),
        "county": make_user("county_x", Role.COUNTY, region=x),
        "enterprise": make_user("ent_e1", Role.ENTERPRISE, enterprise=e1),
        "expert": make_user("expert", Role.EXPERT),
        "provider": make_user("provider", Role.PROVIDER),
        "admin": make_user("admin", Role.ADMIN, is_staff=True),
    }
    return World(province, p, q, x, y, z, e1, e2, e3, users)
