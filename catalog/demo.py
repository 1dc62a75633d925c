"""The demo catalogue of the demo province: about 40 service providers across the 13 cities and
about 600 published entries of every kind, moderated through the real services, plus adoptions
that close the loop on the demo assessments.

Everything goes through catalog/services.py, as a provider and the province would do it: each
provider account creates its profile and entries and submits them, the province publishes them
(its own lists it creates and publishes directly), features some and rates some. So every state
change has its audit row and every save is indexed for search (the services call
catalog.search). The demo provider account (`demo-provider`, made by generate_demo_data) manages
the first provider and has one entry in each other state (draft, in review, returned); the other
providers are managed by inactive accounts `demo-auto-provider-NN` that cannot log in.

Adoptions: for demo enterprises with a self-assessment of the same model in 2025 and 2026, about
60 % record (catalog.adoptions.adoption_record, as the enterprise) the adoption of a published
solution addressing their weakest 2025 dimension, dated between the two results; candidates are
concentrated on the first few solutions per dimension, so aggregate effects (shown for groups of
at least 5 enterprises) appear on some solution and provider pages.

Deterministic for the same seed and database (everything is read in a fixed order; every draw
comes from `random.Random(seed)`). Re-running adds nothing when the demo providers exist.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone

from accounts.models import Role, User
from assessments.models import Assessment
from audit.context import acting_as, actor_for_user
from audit.services import audit_record
from catalog import adoptions, services
from catalog import demo_vocabulary as words
from catalog.matching import SOLUTION_KINDS
from catalog.models import Entry, Provider, Scenario
from registry.models import Chain, Cluster, Enterprise, Region
from registry.uscc import uscc_make

Planned = tuple["Provider | None", User, dict[str, Any]]

PROVIDERS = 40
_PRODUCT_TABLES: dict[str, Sequence[tuple[str, Sequence[str]]]] = {
    Entry.Kind.EQUIPMENT: words.EQUIPMENT, Entry.Kind.NETWORK: words.NETWORK,
    Entry.Kind.MODEL: words.MODELS, Entry.Kind.TRAINING: words.TRAINING,
}  # fmt: skip
ENTRIES = 600
DEMO_PROVIDER = "demo-provider"
AUTO_PROVIDER = "demo-auto-provider-{n:02d}"
AUTO_ENTERPRISE = "demo-auto-enterprise-{uscc}"
AUTO_PROVINCE = "demo-auto-province"
DEMO_NOTE = "（演示数据）"
YEARS = (2025, 2026)
ADOPTION_SHARE = 0.6
# Shares of the published entries by kind (the rest of the 600 are solutions).
KIND_SHARES = (
    (Entry.Kind.SOFTWARE, 0.13), (Entry.Kind.EQUIPMENT, 0.11), (Entry.Kind.NETWORK, 0.05),
    (Entry.Kind.MODEL, 0.07), (Entry.Kind.TRAINING, 0.05), (Entry.Kind.CASE, 0.10),
    (Entry.Kind.SCENARIO, 0.07), (Entry.Kind.SHORTFALL, 0.025), (Entry.Kind.PROJECT, 0.025),
)  # fmt: skip
NO_SCENARIOS = "请先加载典型场景：zhigai load_scenarios (load the scenarios first)"
NO_REGIONS = "请先加载参考数据：zhigai load_reference_data (load the reference data first)"
REJECT_REASON = "（演示）请补充已实施案例和量化成效，并注明适用行业。"


@dataclass
class DemoCatalogResult:
    skipped: bool = False
    providers: int = 0
    by_kind: dict[str, int] = field(default_factory=dict)
    by_status: dict[str, int] = field(default_factory=dict)
    featured: int = 0
    rated: int = 0
    adoptions: int = 0


@dataclass
class _World:
    rng: random.Random
    province: User
    cities: list[Region]
    counties: dict[str, list[Region]]
    scenarios: list[Scenario]
    clusters: list[Cluster]
    chains: list[Chain]
    providers: list[tuple[Provider, User]] = field(default_factory=list)
    # Provider pk → its brand (the name's core word, which its products carry) and its regions.
    brands: dict[int, str] = field(default_factory=dict)
    served: dict[int, list[str]] = field(default_factory=dict)
    titles: set[tuple[int | None, str, str]] = field(default_factory=set)
    published: list[Entry] = field(default_factory=list)


# --- accounts --------------------------------------------------------------------------------


def _inactive(username: str, role: str, **fields: Any) -> User:
    user = User.objects.filter(username=username).first()
    if user is None:
        user = User(username=username, role=role, is_active=False, **fields)
        user.set_unusable_password()
        user.save()
    return user


def _province_user() -> User:
    found = User.objects.filter(role=Role.PROVINCE, is_active=True).order_by("pk").first()
    organisation = "江苏省工业和信息化厅（演示）"
    return found or _inactive(
        AUTO_PROVINCE, Role.PROVINCE, region_id="32", organisation=organisation
    )


def _provider_accounts(count: int) -> list[User]:
    """The demo provider account first (when it exists and manages no provider yet)."""
    accounts: list[User] = []
    demo = User.objects.filter(username=DEMO_PROVIDER, role=Role.PROVIDER).first()
    if demo is not None and not demo.catalog_providers.exists():
        accounts.append(demo)
    n = 1
    while len(accounts) < count:
        accounts.append(_inactive(AUTO_PROVIDER.format(n=n), Role.PROVIDER, organisation=DEMO_NOTE))
        n += 1
    return accounts


# --- providers -------------------------------------------------------------------------------


def _provider_name(world: _World, city: Region, index: int) -> str:
    core = words.NAME_CORES[index % len(words.NAME_CORES)]
    trade = words.NAME_TRADES[(index * 7 + 3) % len(words.NAME_TRADES)]
    suffix = "股份有限公司" if index % 5 == 0 else "有限公司"
    return f"{words.CITY_SHORT.get(city.code, city.name[:2])}{core}{trade}{suffix}"


def _provider_data(world: _World, city: Region, index: int) -> dict[str, Any]:
    rng = world.rng
    counties = world.counties.get(city.code) or [city]
    region = counties[rng.randrange(len(counties))]
    others = [c.code for c in world.cities if c.code != city.code]
    served = [city.code, *rng.sample(others, rng.choice((0, 1, 2, 3, 5)))]
    industries = sorted(code for code, _ in rng.sample(words.INDUSTRIES, rng.randint(2, 4)))
    qualifications = rng.sample(words.QUALIFICATIONS, rng.randint(2, 4))
    served_count = rng.randint(12, 160)
    trade = [short for code, short in words.INDUSTRIES if code in industries]
    return {
        "name": _provider_name(world, city, index),
        "uscc": uscc_make(
            region_code=region.code.ljust(6, "0")[:6], org_body=f"{rng.randrange(10**8):08d}"
        ),
        "region": region.code,
        "regions_served": served,
        "industries": industries,
        "qualifications": qualifications,
        "summary": (
            f"扎根{city.name}，面向{'、'.join(trade)}等行业提供智能化改造数字化转型咨询、"
            f"系统集成和运维服务。{DEMO_NOTE}"
        ),
        "track_record": f"近三年服务制造业企业 {served_count} 家，完成智能化改造项目 "
        f"{served_count // 3 + rng.randint(1, 9)} 个。",
        "contact_name": f"{rng.choice('王李张刘陈杨赵黄周吴')}工",
        "contact_phone": f"0{rng.randint(510, 527)}-{rng.randint(10**7, 10**8 - 1)}",
        "website": f"https://provider-{index + 1:02d}.example.com",
    }


def _make_providers(world: _World, count: int) -> None:
    for index, account in enumerate(_provider_accounts(count)):
        city = world.cities[index % len(world.cities)]
        data = _provider_data(world, city, index)
        provider = services.provider_create(by=account, data=data)
        services.provider_submit(provider=provider, by=account)
        provider = services.provider_publish(provider=provider, by=world.province)
        world.providers.append((provider, account))
        world.brands[provider.pk] = words.NAME_CORES[index % len(words.NAME_CORES)]
        world.served[provider.pk] = sorted(data["regions_served"])


# --- entries ---------------------------------------------------------------------------------


def _unique_title(world: _World, provider: Provider | None, kind: str, title: str) -> str:
    key_provider = provider.pk if provider else None
    candidate, n = title, 2
    while (key_provider, kind, candidate) in world.titles:
        candidate = f"{title}（{n}）"
        n += 1
    world.titles.add((key_provider, kind, candidate))
    return candidate


def _pick_provider(world: _World) -> tuple[Provider, User]:
    """Larger providers list more: the first eight twice as often."""
    weights = [2.0 if i < 8 else 1.0 for i in range(len(world.providers))]
    return world.rng.choices(world.providers, weights=weights)[0]


def _scenario(world: _World, code: str) -> Scenario | None:
    return next((s for s in world.scenarios if s.code == code), None)


def _fitting_industries(code: str) -> list[tuple[str, str]]:
    """The (division, short name) pairs a scenario makes sense for."""
    fitting = words.FITTING_INDUSTRIES.get(code)
    return [pair for pair in words.INDUSTRIES if fitting is None or pair[0] in fitting]


def _solution_text(
    world: _World, scenario: Scenario, industry: str, provider: Provider
) -> dict[str, Any]:
    rng = world.rng
    techniques = words.TECHNIQUES[scenario.stage]
    tech = rng.sample(techniques, 2)
    effect, gain = rng.choice(words.EFFECTS), rng.randint(8, 35)
    cases = rng.randint(3, 40)
    return {
        "summary": f"面向{industry}企业的{scenario.name_zh}方案，融合{tech[0]}与{tech[1]}。",
        "body": (
            f"{scenario.description}\n\n本方案面向{industry}行业的工艺特点，采用{tech[0]}、{tech[1]}"
            f"等技术，按“诊断—设计—实施—运维”分阶段交付，可与企业现有 ERP、MES 等系统集成。"
            f"\n\n已在{cases}家企业落地，典型项目{effect}{gain}%。{DEMO_NOTE}"
        ),
        "attributes": {
            "实施周期": f"{rng.choice((2, 3, 4, 6, 9))} 个月",
            "参考价格": f"{rng.choice((10, 20, 30, 50, 80))}–{rng.choice((100, 150, 300))} 万元",
            "典型成效": f"{effect} {gain}%",
        },
    }


def _provider_entry(
    world: _World,
    kind: str,
    title: str,
    scenario_codes: Sequence[str],
    *,
    branded: bool = False,
    **extra: Any,
) -> tuple[Provider, User, dict[str, Any]]:
    """`branded`: a product, named with its provider's brand ("卓越AGV自动导引车")."""
    provider, account = _pick_provider(world)
    codes = [c for c in scenario_codes if _scenario(world, c) is not None]
    industries = sorted(world.rng.sample(provider.industries, min(2, len(provider.industries))))
    title = world.brands[provider.pk] + title if branded else title
    data = {
        "kind": kind,
        "title": _unique_title(world, provider, kind, title),
        "industries": industries,
        "regions": world.served[provider.pk],
        "scenarios": codes,
        **extra,
    }
    return provider, account, data


def _product_text(world: _World, name: str, kind_label: str) -> dict[str, Any]:
    rng = world.rng
    return {
        "summary": f"{name}，适用于离散和流程制造企业的{kind_label}。",
        "body": (
            f"{name}具备数据采集、可视化分析和开放接口，支持国产操作系统和数据库，"
            f"已在{rng.randint(5, 120)}家制造企业部署。{DEMO_NOTE}"
        ),
        "attributes": {"交付方式": rng.choice(("本地部署", "私有云", "SaaS 订阅", "软硬一体"))},
    }


def _solutions(world: _World, count: int) -> list[Planned]:
    planned: list[Planned] = []
    for k in range(count):
        scenario = world.scenarios[k % len(world.scenarios)]
        code, industry = world.rng.choice(_fitting_industries(scenario.code))
        provider, account, data = _provider_entry(
            world, Entry.Kind.SOLUTION, f"{industry}{scenario.name_zh}解决方案", [scenario.code]
        )
        data["industries"] = [code]
        data |= _solution_text(world, scenario, industry, provider)
        planned.append((provider, account, data))
    return planned


def _products(world: _World, kind: str, count: int) -> list[Planned]:
    rng = world.rng
    planned: list[Planned] = []
    for k in range(count):
        extra: dict[str, Any] = {}
        codes: Sequence[str]
        if kind == Entry.Kind.SOFTWARE:
            category, name, codes = words.SOFTWARE[k % len(words.SOFTWARE)]
            title = f"{name} {rng.choice(words.VERSIONS)}"
            extra = {"software_category": category, "first_version": k % 6 == 0}
        else:
            table = _PRODUCT_TABLES[kind]
            name, codes = table[k % len(table)]
            title = name
            if kind == Entry.Kind.EQUIPMENT and k % 5 == 0:
                extra = {"first_set": True}
            if kind == Entry.Kind.MODEL and k % 7 == 0:
                extra = {"first_version": True}
        if extra.get("first_set") or extra.get("first_version"):
            extra["recognised_year"] = rng.choice((2023, 2024, 2025))
            extra["source"] = "江苏省首台（套）重大装备 / 首版次软件认定名单（演示）"
        branded = kind != Entry.Kind.TRAINING
        provider, account, data = _provider_entry(
            world, kind, title, codes, branded=branded, **extra
        )
        data |= _product_text(world, name, str(Entry.Kind(kind).label))
        if kind != Entry.Kind.TRAINING and k % 4:
            # Most products are sold province-wide to every industry ("适用于离散和流程制造企业");
            # one in four is listed for its provider's industries and regions only.
            data |= {"industries": [], "regions": []}
        planned.append((provider, account, data))
    return planned


def _cases(world: _World, count: int) -> list[Planned]:
    """Cases by cluster and chain: half written by providers, half collected by the province."""
    rng = world.rng
    planned: list[Planned] = []
    for k in range(count):
        chain = world.chains[k % len(world.chains)] if world.chains else None
        cluster = (
            chain.cluster
            if chain and chain.cluster_id
            else (rng.choice(world.clusters) if world.clusters else None)
        )
        scenario = world.scenarios[(k * 5) % len(world.scenarios)]
        city = world.cities[k % len(world.cities)]
        subject = chain.name if chain else "制造业"
        title = f"{city.name}{subject}企业{scenario.name_zh}优秀案例"
        text = {
            "summary": f"{subject}链上企业实施{scenario.name_zh}的做法与成效。",
            "body": (
                f"企业围绕{scenario.name_zh}开展改造，{scenario.description}\n\n项目实施后"
                f"{rng.choice(words.EFFECTS)}{rng.randint(10, 40)}%。{DEMO_NOTE}"
            ),
            "clusters": [cluster.code] if cluster else [],
            "chains": [chain.code] if chain else [],
            "regions": [city.code],
            "recognised_year": rng.choice((2024, 2025)),
        }
        if k % 2:
            provider, account, data = _provider_entry(
                world, Entry.Kind.CASE, title, [scenario.code]
            )
            planned.append((provider, account, data | text))
        else:
            data = {
                "kind": Entry.Kind.CASE,
                "title": _unique_title(world, None, Entry.Kind.CASE, title),
                "scenarios": [scenario.code],
            }
            planned.append((None, world.province, data | text))
    return planned


def _province_lists(world: _World, kind: str, count: int) -> list[Planned]:
    rng = world.rng
    planned: list[Planned] = []
    for k in range(count):
        data: dict[str, Any]
        if kind == Entry.Kind.SCENARIO:
            scenario = world.scenarios[(k * 7) % len(world.scenarios)]
            fitting = _fitting_industries(scenario.code)
            code, industry = fitting[k % len(fitting)]
            title = f"{industry}·{scenario.name_zh}"
            data = {
                "summary": f"{industry}行业{scenario.name_zh}典型场景的建设要点。",
                "body": f"{scenario.description}\n\n{industry}行业建设要点："
                f"{'、'.join(scenario.keywords[:4])}。{DEMO_NOTE}",
                "industries": [code], "scenarios": [scenario.code],
            }  # fmt: skip
        elif kind == Entry.Kind.SHORTFALL:
            title = words.SHORTFALLS[k % len(words.SHORTFALLS)]
            data = {
                "summary": f"{title}国产化率低，列入短板技术和装备清单，鼓励攻关和首台套应用。",
                "body": f"现状：主要依赖进口。攻关方向：可靠性、精度和寿命提升。{DEMO_NOTE}",
                "industries": [rng.choice(("34", "35", "39", "40"))],
            }
        else:
            city = world.cities[k % len(world.cities)]
            title = f"{city.name}{words.PROJECTS[k % len(words.PROJECTS)]}产业化项目"
            data = {
                "summary": "重大装备项目储备库项目。",
                "body": f"项目建设内容包括研发中心、智能产线和检测平台。{DEMO_NOTE}",
                "regions": [city.code],
                "industries": [rng.choice(("34", "35", "37", "38"))],
                "attributes": {
                    "总投资": f"{rng.randint(3, 60)} 亿元",
                    "建设期": f"{rng.choice((2, 3))} 年",
                },
            }
        data |= {"kind": kind, "title": _unique_title(world, None, kind, title)}
        planned.append((None, world.province, data))
    return planned


def _publish(
    world: _World, provider: Provider | None, account: User, data: dict[str, Any]
) -> Entry:
    entry = services.entry_create(by=account, provider=provider, data=data)
    if provider is not None:
        entry = services.entry_submit(entry=entry, by=account)
    entry = services.entry_publish(entry=entry, by=world.province)
    world.published.append(entry)
    return entry


def _make_entries(world: _World, total: int) -> None:
    planned: list[Planned] = []
    counts = {kind: max(1, round(total * share)) for kind, share in KIND_SHARES}
    planned += _solutions(world, total - sum(counts.values()))
    for kind in (
        Entry.Kind.SOFTWARE,
        Entry.Kind.EQUIPMENT,
        Entry.Kind.NETWORK,
        Entry.Kind.MODEL,
        Entry.Kind.TRAINING,
    ):
        planned += _products(world, kind, counts[kind])
    planned += _cases(world, counts[Entry.Kind.CASE])
    for kind in (Entry.Kind.SCENARIO, Entry.Kind.SHORTFALL, Entry.Kind.PROJECT):
        planned += _province_lists(world, kind, counts[kind])
    for provider, account, data in planned:
        _publish(world, provider, account, data)


def _other_states(world: _World) -> None:
    """A draft, an entry in review and a returned one for the demo provider (its "mine" page
    shows every state) and for two more providers."""
    for provider, account in world.providers[:3]:
        scenario = world.scenarios[world.rng.randrange(len(world.scenarios))]
        for state, label in (("draft", "草稿"), ("review", "送审稿"), ("rejected", "修改稿")):
            name = f"{scenario.name_zh}升级方案（{label}）"
            title = _unique_title(world, provider, Entry.Kind.SOLUTION, name)
            data = {
                "kind": Entry.Kind.SOLUTION, "title": title, "scenarios": [scenario.code],
                "summary": f"{scenario.name_zh}方案的新版本。",
                "body": f"{scenario.description}{DEMO_NOTE}",
            }  # fmt: skip
            entry = services.entry_create(by=account, provider=provider, data=data)
            if state != "draft":
                entry = services.entry_submit(entry=entry, by=account)
            if state == "rejected":
                services.entry_reject(entry=entry, by=world.province, reason=REJECT_REASON)


def _feature_and_rate(world: _World, result: DemoCatalogResult) -> None:
    rng = world.rng
    for entry in world.published:
        if rng.random() < 0.06:
            services.entry_feature(entry=entry, by=world.province, featured=True)
            result.featured += 1
        if rng.random() < 0.18:
            services.entry_rate(entry=entry, by=world.province, rating=rng.choice((3, 4, 4, 5, 5)))
            result.rated += 1
    for provider, _ in world.providers[:6]:
        services.provider_feature(provider=provider, by=world.province, featured=True)
        services.provider_rate(provider=provider, by=world.province, rating=rng.choice((4, 5)))


# --- adoptions -------------------------------------------------------------------------------


def _enterprise_user(enterprise: Enterprise) -> User:
    found = User.objects.filter(enterprise=enterprise, is_active=True).order_by("pk").first()
    return found or _inactive(
        AUTO_ENTERPRISE.format(uscc=enterprise.uscc), Role.ENTERPRISE, enterprise=enterprise,
        organisation="（演示）自动流转",
    )  # fmt: skip


def _percent(assessment: Assessment, code: str) -> float:
    node = ((assessment.result or {}).get("nodes") or {}).get(code) or {}
    return float(node.get("points") or 0) / float(node.get("max_points") or 1)


def _candidates(world: _World) -> dict[str, list[Entry]]:
    """Scenario node "FRAMEWORK:path" → published solution entries addressing it, in order."""
    by_scenario: dict[str, list[Entry]] = defaultdict(list)
    solutions = {
        entry.pk: entry
        for entry in world.published
        if entry.kind in SOLUTION_KINDS and entry.provider_id is not None
    }
    links = Entry.scenarios.through.objects.filter(entry_id__in=list(solutions))
    for entry_id, code in links.order_by("entry_id", "scenario_id").values_list(
        "entry_id", "scenario_id"
    ):
        by_scenario[code].append(solutions[entry_id])
    found: dict[str, list[Entry]] = defaultdict(list)
    for scenario in world.scenarios:
        for node in scenario.nodes:
            found[node] += by_scenario.get(scenario.code, [])
    return found


def _pairs() -> list[tuple[Assessment, Assessment]]:
    """(2025 result, 2026 result) of the same enterprise and model, demo enterprises only. The
    keys are read first and only the paired results loaded (without their answers)."""
    rows = (
        Assessment.objects.filter(
            status=Assessment.Status.SUBMITTED, kind=Assessment.Kind.SELF, year__in=YEARS,
            enterprise__categories__category_id="demo", submitted_at__isnull=False,
        )
        .order_by("enterprise__uscc", "framework__code", "year", "submitted_at", "pk")
        .values_list("pk", "enterprise_id", "framework_id", "year")
    )  # fmt: skip
    first: dict[tuple[int, int, int], int] = {}
    for pk, enterprise, framework, year in rows:
        first.setdefault((enterprise, framework, year), pk)
    keys = [
        (pk, first[(e, f, YEARS[1])])
        for (e, f, year), pk in first.items()
        if year == YEARS[0] and (e, f, YEARS[1]) in first
    ]
    loaded = (
        Assessment.objects.select_related("framework", "enterprise")
        .defer("answers", "flags")
        .in_bulk([pk for pair in keys for pk in pair])
    )
    return [(loaded[base], loaded[later]) for base, later in keys]


def _make_adoptions(world: _World, result: DemoCatalogResult) -> None:
    rng, candidates, today = world.rng, _candidates(world), timezone.localdate()
    for base, follow_up in _pairs():
        dimensions = adoptions.result_dimensions(base)
        if not dimensions or rng.random() > ADOPTION_SHARE:
            continue
        weakest = min(sorted(dimensions), key=lambda code: _percent(base, code))
        prefix = f"{base.framework.code}:{weakest}"
        pool = [
            e
            for node, found in sorted(candidates.items())
            if node == prefix or node.startswith(prefix + ".")
            for e in found
        ]
        pool = sorted(set(pool), key=lambda e: e.pk)[:3]
        if not pool:
            continue
        entry = rng.choices(pool, weights=[0.6, 0.25, 0.15][: len(pool)])[0]
        start = timezone.localtime(base.submitted_at).date()
        end = min(timezone.localtime(follow_up.submitted_at).date(), today)
        if end < start:
            continue
        adopted_on = start + dt.timedelta(days=rng.randrange((end - start).days + 1))
        by = _enterprise_user(base.enterprise)
        with acting_as(actor_for_user(by)):
            adoptions.adoption_record(
                enterprise=base.enterprise, baseline=base, entry=entry, dimensions=[weakest],
                adopted_on=adopted_on, note=f"（演示）针对{dimensions[weakest]}的改进。", by=by,
            )  # fmt: skip
        result.adoptions += 1


# --- entry point -----------------------------------------------------------------------------


def _world(seed: int) -> _World:
    scenarios = list(Scenario.objects.order_by("rank", "code"))
    if not scenarios:
        raise ValueError(NO_SCENARIOS)
    cities = list(Region.objects.filter(level=Region.Level.CITY).order_by("code"))
    if not cities:
        raise ValueError(NO_REGIONS)
    counties: dict[str, list[Region]] = defaultdict(list)
    for county in Region.objects.filter(level=Region.Level.COUNTY).order_by("code"):
        counties[county.parent_id or ""].append(county)
    return _World(
        rng=random.Random(seed), province=_province_user(), cities=cities, counties=dict(counties),
        scenarios=scenarios, clusters=list(Cluster.objects.order_by("code")),
        chains=list(Chain.objects.select_related("cluster").order_by("code")),
    )  # fmt: skip


@transaction.atomic
def demo_catalog(
    *, seed: int, providers: int = PROVIDERS, entries: int = ENTRIES
) -> DemoCatalogResult:
    """Write the demo catalogue (skipped when demo providers already exist)."""
    result = DemoCatalogResult()
    if (
        Provider.objects.filter(website__endswith=".example.com", name__isnull=False)
        .filter(created_by__username__in=[DEMO_PROVIDER, AUTO_PROVIDER.format(n=1)])
        .exists()
    ):
        result.skipped = True
        return result
    world = _world(seed)
    with acting_as(actor_for_user(world.province)):
        _make_providers(world, providers)
        _make_entries(world, entries)
        _other_states(world)
        _feature_and_rate(world, result)
    _make_adoptions(world, result)
    result.providers = len(world.providers)
    mine = Entry.objects.filter(provider__in=[p for p, _ in world.providers])
    mine |= Entry.objects.filter(provider__isnull=True, created_by=world.province)
    for status in mine.values_list("status", flat=True):
        result.by_status[status] = result.by_status.get(status, 0) + 1
    for entry in world.published:
        result.by_kind[entry.kind] = result.by_kind.get(entry.kind, 0) + 1
    audit_record(
        action="demo.catalog", object_type="catalog.entry",
        after={
            "seed": seed, "providers": result.providers, "by_kind": result.by_kind,
            "adoptions": result.adoptions,
        },
        note=f"generate_demo_catalog --seed {seed}",
    )  # fmt: skip
    return result
