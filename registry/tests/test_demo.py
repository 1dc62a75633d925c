"""The demo province (deterministic, realistic, valid) and its accounts; and the account service
it uses, `accounts.services.user_create`."""

from __future__ import annotations

import io
import stat
from collections import Counter
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError

from accounts.models import Role, User
from accounts.services import (
    USER_ENTERPRISE_HAS_REGION,
    USER_ENTERPRISE_REQUIRED,
    USER_NO_JURISDICTION,
    USER_OFFICIAL_HAS_ENTERPRISE,
    USER_REGION_LEVEL_WRONG,
    USER_REGION_REQUIRED,
    USER_UNKNOWN_ROLE,
    user_create,
)
from audit.models import AuditEvent
from registry.demo import (
    ABOVE_SCALE_MIN_REVENUE,
    DEMO_ACCOUNTS_OUTSIDE_DEMO,
    DEMO_NO_REFERENCE_DATA,
    DEMO_TAG,
    YEARS,
    DemoError,
    demo_generate,
    demo_password,
    demo_plan,
)
from registry.models import Chain, Contact, Enterprise, EnterpriseCategory, EnterpriseYear
from registry.reference import reference_data_load
from registry.uscc import uscc_validate

N = 300
SUNAN = ("3201", "3202", "3204", "3205", "3211")  # 南京 无锡 常州 苏州 镇江
SUBEI = ("3203", "3207", "3208", "3209", "3213")  # 徐州 连云港 淮安 盐城 宿迁
LADDER = ("innovative_sme", "specialised_sme", "little_giant")


@pytest.fixture
def reference(db):
    reference_data_load()


@pytest.fixture
def plan(reference):
    return demo_plan(enterprises=1000, seed=2025)


def _categories(enterprise) -> dict[str, list[int]]:
    years: dict[str, list[int]] = {}
    for code, year in enterprise.categories:
        years.setdefault(code, []).append(year)
    return years


# --- Determinism ---------------------------------------------------------------------------------


def test_same_seed_gives_the_same_enterprises(reference):
    assert demo_plan(enterprises=N, seed=7) == demo_plan(enterprises=N, seed=7)


def test_different_seed_gives_different_enterprises(reference):
    first, second = demo_plan(enterprises=N, seed=7), demo_plan(enterprises=N, seed=8)
    assert {e.uscc for e in first}.isdisjoint({e.uscc for e in second})
    assert [e.years for e in first] != [e.years for e in second]


def test_generate_writes_exactly_the_plan(reference):
    plan = demo_plan(enterprises=N, seed=7)
    result = demo_generate(enterprises=N, seed=7)
    assert (result.created, result.skipped) == (N, 0)
    stored = {e.uscc: e for e in Enterprise.objects.all()}
    assert sorted(stored) == sorted(e.uscc for e in plan)
    for planned in plan[:20]:
        enterprise = stored[planned.uscc]
        assert (enterprise.name, enterprise.county_id, enterprise.industry_id) == (
            planned.name,
            planned.county_code,
            planned.industry_code,
        )
        years = enterprise.years.order_by("year").values_list(
            "year", "revenue_10k_yuan", "employees"
        )
        assert [tuple(y) for y in planned.years] == list(years)


def test_rerun_with_the_same_seed_adds_nothing(reference):
    demo_generate(enterprises=N, seed=7)
    counts = (Enterprise.objects.count(), EnterpriseYear.objects.count(), Contact.objects.count())
    result = demo_generate(enterprises=N, seed=7)
    assert (result.created, result.skipped) == (0, N)
    after = (Enterprise.objects.count(), EnterpriseYear.objects.count(), Contact.objects.count())
    assert after == counts


def test_every_demo_enterprise_carries_the_demo_tag(reference):
    demo_generate(enterprises=N, seed=7)
    tagged = EnterpriseCategory.objects.filter(category_id=DEMO_TAG)
    assert tagged.count() == N
    assert Enterprise.objects.exclude(categories__category_id=DEMO_TAG).count() == 0


def test_generate_writes_one_summary_audit_row(reference):
    demo_generate(enterprises=N, seed=7)
    event = AuditEvent.objects.get(action="demo.generate")
    assert (event.after["seed"], event.after["created"]) == (7, N)


def test_generate_without_reference_data_fails(db):
    with pytest.raises(DemoError, match="load_reference_data") as excinfo:
        demo_generate(enterprises=N, seed=7)
    assert str(excinfo.value) == DEMO_NO_REFERENCE_DATA
    assert not Enterprise.objects.exists()


# --- A realistic province ------------------------------------------------------------------------


def test_suzhou_has_the_most_enterprises(plan):
    counts = Counter(e.city_code for e in plan)
    assert counts.most_common(1)[0][0] == "3205"
    assert counts["3205"] > 1.5 * sorted(counts.values())[-2]
    assert len(counts) == 13


def test_sunan_cities_are_denser_than_subei_cities(plan):
    counts = Counter(e.city_code for e in plan)
    sunan = sum(counts[c] for c in SUNAN) / len(SUNAN)
    subei = sum(counts[c] for c in SUBEI) / len(SUBEI)
    assert sunan > 1.5 * subei


def test_enterprises_spread_over_counties_of_their_city(plan):
    counties = {e.county_code for e in plan}
    assert len(counties) > 60
    assert all(e.county_code[:4] == e.city_code for e in plan)


def test_cities_have_their_typical_industries(plan):
    def share(prefix: str, city: str | None = None) -> float:
        members = [e for e in plan if city is None or e.city_code == city]
        return sum(e.industry_code.startswith(prefix) for e in members) / len(members)

    assert share("39", "3205") > 2 * share("39")  # 苏州 electronics
    assert share("27", "3207") > 3 * share("27")  # 连云港 pharmaceuticals
    assert share("15", "3213") > 5 * share("15")  # 宿迁 liquor and beverages
    assert share("351", "3203") > 5 * share("351")  # 徐州 construction machinery


def test_all_usccs_are_valid_unique_and_registered_in_their_county(plan):
    usccs = [e.uscc for e in plan]
    assert all(uscc_validate(u) == u for u in usccs)
    assert len(set(usccs)) == len(usccs)
    assert all(e.uscc[2:8] == e.county_code and e.uscc[:2] == "91" for e in plan)


def test_names_are_unique_chinese_company_names(plan):
    names = [e.name for e in plan]
    assert len(set(names)) == len(names)
    assert all(name.endswith("有限公司") for name in names)


def test_above_scale_exactly_in_the_years_with_revenue_of_20_million(plan):
    for enterprise in plan:
        expected = [y.year for y in enterprise.years if y.revenue_10k_yuan >= Decimal(2000)]
        assert _categories(enterprise).get("above_scale", []) == expected
    assert Decimal(2000) == ABOVE_SCALE_MIN_REVENUE


def test_three_years_of_figures_with_employees_growing_with_revenue(plan):
    assert all(tuple(y.year for y in e.years) == YEARS for e in plan)
    small = [e.years[-1].employees for e in plan if e.years[-1].revenue_10k_yuan < 1000]
    large = [e.years[-1].employees for e in plan if e.years[-1].revenue_10k_yuan > 50000]
    assert sum(large) / len(large) > 5 * sum(small) / len(small)


def test_sme_ladder_is_nested_with_realistic_shares(plan):
    holders = {code: [e for e in plan if code in _categories(e)] for code in LADDER}
    assert [len(holders[code]) for code in LADDER] == [250, 80, 15]
    champions = [e for e in plan if "single_champion" in _categories(e)]
    assert len(champions) == 3
    for enterprise in holders["little_giant"]:
        years = _categories(enterprise)
        assert years["innovative_sme"] <= years["specialised_sme"] <= years["little_giant"]
    assert {e.uscc for e in holders["specialised_sme"]} <= {e.uscc for e in holders[LADDER[0]]}


def test_contacts_are_fake_and_one_or_two_per_enterprise(plan):
    assert {len(e.contacts) for e in plan} == {1, 2}
    contacts = [c for e in plan for c in e.contacts]
    assert all(len(c.phone) == 11 and c.phone.startswith("1") for c in contacts)
    assert all(c.email.endswith("@example.com") for c in contacts)


def test_some_enterprises_sit_in_a_zone_of_their_city(plan):
    zoned = [e for e in plan if e.zone_code]
    assert 0.03 * len(plan) < len(zoned) < 0.3 * len(plan)
    assert all(e.zone_code[:4] == e.city_code for e in zoned)


def test_explicit_chain_links_add_chains_the_industry_does_not_give(reference, plan):
    linked = [e for e in plan if e.chains]
    assert linked
    for enterprise in linked:
        chain = Chain.objects.get(code=enterprise.chains[0])
        assert not chain.industries.filter(code=enterprise.industry_code).exists()


# --- Demo accounts -------------------------------------------------------------------------------


def test_accounts_are_refused_outside_demo_mode(reference, settings):
    settings.DEMO = False
    with pytest.raises(DemoError) as excinfo:
        demo_generate(enterprises=N, seed=7, accounts=True)
    assert str(excinfo.value) == DEMO_ACCOUNTS_OUTSIDE_DEMO
    assert not Enterprise.objects.exists()
    assert not User.objects.exists()


def test_command_refuses_accounts_file_outside_demo_mode(reference, settings, tmp_path):
    settings.DEMO = False
    path = tmp_path / "demo-accounts.txt"
    with pytest.raises(CommandError, match="no default accounts outside demo mode"):
        call_command("generate_demo_data", "--enterprises", N, "--accounts", str(path))
    assert not path.exists()


def test_command_creates_one_account_per_role_in_demo_mode(reference, settings, tmp_path):
    settings.DEMO = True
    path = tmp_path / "var" / "demo-accounts.txt"
    out = io.StringIO()
    call_command(
        "generate_demo_data", "--enterprises", N, "--seed", 5, "--accounts", str(path), stdout=out
    )
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    text = path.read_text(encoding="utf-8")
    assert "demo-county-kunshan" in out.getvalue()
    users = {u.username: u for u in User.objects.select_related("region", "enterprise")}
    assert {u.role for u in users.values()} == set(Role.values)
    for username, user in users.items():
        line = next(line for line in text.splitlines() if f" {username} " in line)
        password = line.split()[line.split().index(username) + 1]
        assert user.check_password(password)
    assert users["demo-province"].is_staff
    assert users["demo-admin"].is_staff
    assert users["demo-city-suzhou"].region_id == "3205"
    assert users["demo-county-kunshan"].region_id == "320583"
    assert users["demo-county-jiangning"].region.parent_id == "3201"
    a1, a2 = users["demo-enterprise-a1"], users["demo-enterprise-a2"]
    assert a1.enterprise_id == a2.enterprise_id != users["demo-enterprise-b"].enterprise_id
    assert a1.enterprise.categories.filter(category_id=DEMO_TAG).exists()


def test_rerun_resets_demo_passwords_without_duplicating_users(reference, settings):
    settings.DEMO = True
    first = demo_generate(enterprises=N, seed=5, accounts=True)
    second = demo_generate(enterprises=N, seed=5, accounts=True)
    assert User.objects.count() == len(first.accounts) == len(second.accounts) == 11
    for old, new in zip(first.accounts, second.accounts, strict=True):
        user = User.objects.get(username=new.username)
        assert old.password != new.password
        assert user.check_password(new.password)
        assert not user.check_password(old.password)
        assert not new.created


def test_demo_password_passes_the_validators():
    password = demo_password()
    assert len(password) == 16
    assert password != demo_password()


# --- accounts.services.user_create ---------------------------------------------------------------

GOOD_PASSWORD = "Harbour-Lamp-4821"


def test_user_create_makes_a_province_official_staff_and_audits_without_password(world):
    user = user_create(
        username="official",
        role=Role.PROVINCE,
        password=GOOD_PASSWORD,
        region=world.province,
        email="official@example.com",
    )
    user.refresh_from_db()
    assert user.is_staff
    assert user.check_password(GOOD_PASSWORD)
    event = AuditEvent.objects.get(action="user.create", object_id=str(user.pk))
    assert event.after["region"] == "32"
    assert "password" not in event.after
    assert GOOD_PASSWORD not in str(event.after)


def test_user_create_without_password_makes_an_unusable_password(world):
    user = user_create(username="later", role=Role.COUNTY, region=world.x)
    assert not user.has_usable_password()
    assert not user.is_staff


@pytest.mark.parametrize(
    ("role", "region", "enterprise", "field", "message"),
    [
        (Role.CITY, None, None, "region", USER_REGION_REQUIRED),
        (Role.CITY, "x", None, "region", USER_REGION_LEVEL_WRONG),
        (Role.COUNTY, "p", None, "region", USER_REGION_LEVEL_WRONG),
        (Role.PROVINCE, "p", None, "region", USER_REGION_LEVEL_WRONG),
        (Role.CITY, "p", "e1", "enterprise", USER_OFFICIAL_HAS_ENTERPRISE),
        (Role.ENTERPRISE, None, None, "enterprise", USER_ENTERPRISE_REQUIRED),
        (Role.ENTERPRISE, "x", "e1", "region", USER_ENTERPRISE_HAS_REGION),
        (Role.EXPERT, "p", None, "region", USER_NO_JURISDICTION),
        (Role.PROVIDER, None, "e1", "enterprise", USER_NO_JURISDICTION),
        (Role.ADMIN, "province", None, "region", USER_NO_JURISDICTION),
        ("mayor", None, None, "role", USER_UNKNOWN_ROLE),
    ],
)
def test_user_create_rejects_a_jurisdiction_that_does_not_fit_the_role(
    world, role, region, enterprise, field, message
):
    before = User.objects.count()
    with pytest.raises(ValidationError) as excinfo:
        user_create(
            username="someone",
            role=role,
            password=GOOD_PASSWORD,
            region=getattr(world, region) if region else None,
            enterprise=getattr(world, enterprise) if enterprise else None,
        )
    assert excinfo.value.message_dict == {field: [message]}
    assert User.objects.count() == before
    assert not AuditEvent.objects.filter(action="user.create").exists()


@pytest.mark.parametrize(
    "password",
    ["Sh0rt!", "alllowercaseletters", "Jiangsu-Gate-2025", "Suzhou-Lake-9911", "Admin-Door-5521"],
)
def test_user_create_rejects_a_weak_password(world, password):
    with pytest.raises(ValidationError) as excinfo:
        user_create(username="someone", role=Role.EXPERT, password=password)
    assert list(excinfo.value.message_dict) == ["password"]
    assert not User.objects.filter(username="someone").exists()


def test_user_create_rejects_a_taken_username(world):
    with pytest.raises(ValidationError) as excinfo:
        user_create(username="expert", role=Role.EXPERT, password=GOOD_PASSWORD)
    assert "username" in excinfo.value.message_dict


def test_user_create_binds_an_enterprise_user(world):
    user = user_create(
        username="ent_e1_b", role=Role.ENTERPRISE, password=GOOD_PASSWORD, enterprise=world.e1
    )
    assert (user.enterprise_id, user.region_id, user.is_staff) == (world.e1.pk, None, False)
