"""Matching an assessment's gaps to the resource pool: weak dimensions and nodes → typical
scenarios → solutions → providers, ranked by scoring.matching, each with its reason in words.

Everything is read from the stored result (`assessment.result["nodes"]`, its gap to the next
level) and the PeerBenchmark rows; nothing is scored again. Gaps:

- a top-level dimension is weak when below 60 % of its maximum or below the median of the
  enterprise's county or chain peer group (groups under the minimum size are never used);
- a second-level node is weak when below 60 %;
- rules of the next level that failed mark the dimensions and nodes they test.

A scenario covers a gap when one of its "FRAMEWORK:node" codes is the gap's node, an ancestor of
it ("SF-JS:production" covers "production.x") or inside it (a scenario of "production.x" helps
the weak dimension "production"). Candidates are published solution-like entries of published
(or no) providers linked to those scenarios, for the enterprise's industry (class, or a broader
code above it, or all industries) and region (county, city, or the whole province); cases are
shown separately as examples. Each table is read once.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from assessments.benchmarks import benchmark_for, min_group
from assessments.models import Assessment, ProviderAssignment
from catalog.embedding import SYNC_VECTORS, entry_similarities
from catalog.models import Adoption, Entry, Provider, Scenario, Status
from frameworks.selectors import framework_version_compiled
from registry.models import Enterprise, Industry, Region
from scoring import matching
from scoring.maturity import FrameworkError

SOLUTION_KINDS = (
    Entry.Kind.SOLUTION,
    Entry.Kind.SOFTWARE,
    Entry.Kind.EQUIPMENT,
    Entry.Kind.NETWORK,
    Entry.Kind.MODEL,
    Entry.Kind.TRAINING,
)
PER_DIMENSION = 3
EXAMPLES_SHOWN = 3
PEER_GROUPS = ("county", "chain")
PEER_LABEL = {"county": gettext_lazy("所在区县"), "chain": gettext_lazy("所在产业链")}


# --- Reasons in words ----------------------------------------------------------------------------


@dataclass(frozen=True)
class ReasonPart:
    """One clause of a reason: a kind and its values, put into words in the current language
    when shown (so the English UI gets the English clause)."""

    kind: str
    values: Mapping[str, Any]

    def __str__(self) -> str:
        v = self.values
        match self.kind:
            case "below_peer":
                return _("%(title)s 得分 %(percent)s%%，低于%(group)s中位数 %(median)s%%") % v
            case "below_threshold":
                return _("%(title)s 得分 %(percent)s%%，低于 %(threshold)s%% 的薄弱线") % v
            case "rules":
                return _("未满足“%(level)s”要求：%(rules)s") % v
            case "covers":
                return _("该方案覆盖“%(scenarios)s”") % v
            case "industry":
                return _("适用于%(industry)s") % v
            case "all_industries":
                return _("适用于各行业")
            case "region":
                return _("在%(region)s提供服务") % v
            case "served_city":
                return _("服务商已为您所在城市 %(count)s 家企业提供服务") % v
            case "served_province":
                return _("服务商已为全省 %(count)s 家企业提供服务") % v
        return ""


@dataclass(frozen=True)
class Reason:
    parts: tuple[ReasonPart, ...]

    def __str__(self) -> str:
        texts = [str(p) for p in self.parts]
        return _("；").join(t for t in texts if t)


def _pct(value: float) -> str:
    return f"{value:.0f}"


# --- Page data -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class GapRow:
    code: str
    title: str
    title_en: str
    percent: float
    peer_median: float | None
    peer_group: str
    failed_rules: tuple[str, ...]
    severity: float
    is_dimension: bool

    def as_scoring(self) -> matching.Gap:
        return matching.Gap(
            self.code, self.title, self.percent, self.peer_median, bool(self.failed_rules)
        )

    def reason_parts(self, level_name: str) -> list[ReasonPart]:
        common = {"title": self.title, "percent": _pct(self.percent)}
        parts = []
        if self.peer_median is not None and self.percent < self.peer_median:
            group = PEER_LABEL.get(self.peer_group, "")
            parts.append(
                ReasonPart(
                    "below_peer", common | {"group": group, "median": _pct(self.peer_median)}
                )
            )
        elif self.percent < matching.WEAK_PERCENT:
            parts.append(
                ReasonPart("below_threshold", common | {"threshold": _pct(matching.WEAK_PERCENT)})
            )
        if self.failed_rules:
            parts.append(
                ReasonPart("rules", {"level": level_name, "rules": "、".join(self.failed_rules)})
            )
        return parts

    @property
    def reason(self) -> Reason:
        return Reason(tuple(self.reason_parts("")))


@dataclass(frozen=True)
class MatchRow:
    entry: Entry
    score: float
    match: matching.Match
    reason: Reason
    scenarios: tuple[Scenario, ...]
    """The entry's scenarios that cover a gap."""

    @property
    def provider(self) -> Provider | None:
        return self.entry.provider


@dataclass(frozen=True)
class DimensionGroup:
    gap: GapRow
    reason: Reason
    nodes: tuple[GapRow, ...]
    """Weak second-level nodes of this dimension."""
    scenarios: tuple[Scenario, ...]
    solutions: tuple[MatchRow, ...]
    providers: tuple[Provider, ...]
    examples: tuple[Entry, ...]


@dataclass
class MatchPage:
    assessment: Assessment
    dimensions: list[GapRow]
    """Every scored top-level dimension (for the chart), weak or not."""
    groups: list[DimensionGroup]
    top: list[MatchRow]
    level_name: str
    embedder: str
    chart: dict[str, Any] = field(default_factory=dict)

    @property
    def weak_codes(self) -> list[str]:
        return [g.gap.code for g in self.groups]


# --- Gaps from the stored result -----------------------------------------------------------------


def _zh(text: Any) -> str:
    if isinstance(text, Mapping):
        return str(text.get("zh") or text.get("en") or "")
    return "" if text is None else str(text)


def _en(text: Any) -> str:
    return str(text.get("en") or "") if isinstance(text, Mapping) else ""


def _peer_medians(assessment: Assessment) -> dict[str, tuple[str, float]]:
    """Dimension code → (group, median points): the county group first, else a chain group."""
    found: dict[str, tuple[str, float]] = {}
    groups = [g for g in benchmark_for(assessment)["groups"] if g["group"] in PEER_GROUPS]
    for group in sorted(groups, key=lambda g: PEER_GROUPS.index(g["group"])):
        for code, median in (group.get("dimension_medians") or {}).items():
            if median is not None:
                found.setdefault(code, (group["group"], float(median)))
    return found


def _failed_rule_nodes(assessment: Assessment) -> dict[str, list[str]]:
    """Node code → texts of the next level's failed rules that test it (from the stored gap;
    the compiled model says which questions a rule reads)."""
    gap = (assessment.result or {}).get("gap") or {}
    failed = [r for r in gap.get("unmet_rules") or [] if r.get("status") == "fail"]
    if not failed:
        return {}
    try:
        model = framework_version_compiled(assessment.framework_version)
    except FrameworkError:
        return {}
    rules = {rule.id: rule for level in model.levels for rule in level.rules}
    touched: dict[str, list[str]] = defaultdict(list)
    for outcome in failed:
        rule = rules.get(str(outcome.get("id")))
        if rule is None:
            continue
        codes = {rule.node} | set(rule.select.codes if rule.select else ())
        codes |= set(rule.over.codes if rule.over else ())
        for code in codes & set(model.nodes):
            for node in (code, *model.ancestors(code)):
                touched[node].append(_zh(outcome.get("text")) or str(outcome.get("id")))
    return {code: list(dict.fromkeys(texts)) for code, texts in touched.items()}


def _gap_rows(assessment: Assessment) -> tuple[list[GapRow], list[GapRow]]:
    """(every scored dimension, the weak dimensions and weak second-level nodes)."""
    nodes: Mapping[str, Any] = (assessment.result or {}).get("nodes") or {}
    medians = _peer_medians(assessment)
    rules = _failed_rule_nodes(assessment)
    dimensions, weak = [], []
    for code, node in nodes.items():
        depth = code.count(".")
        if depth > 1 or node.get("status") != "scored" or not node.get("max_points"):
            continue
        max_points = float(node["max_points"])
        percent = 100.0 * float(node.get("points") or 0.0) / max_points
        group, median = medians.get(code, ("", None)) if depth == 0 else ("", None)
        row = GapRow(
            code=code,
            title=_zh(node.get("title")) or code,
            title_en=_en(node.get("title")),
            percent=percent,
            peer_median=None if median is None else 100.0 * median / max_points,
            peer_group=group,
            failed_rules=tuple(rules.get(code, ())),
            severity=0.0,
            is_dimension=depth == 0,
        )
        row = _with_severity(row)
        if depth == 0:
            dimensions.append(row)
        below_peer = row.peer_median is not None and percent < row.peer_median
        held_back = depth == 0 and bool(row.failed_rules) and percent < 100.0
        if percent < matching.WEAK_PERCENT or below_peer or held_back:
            weak.append(row)
    return dimensions, weak


def _with_severity(row: GapRow) -> GapRow:
    return replace(row, severity=matching.gap_severity(row.as_scoring()))


# --- Scenarios and candidates --------------------------------------------------------------------


def _covers(node: str, gap: str) -> bool:
    """Scenario node `node` covers gap `gap`: the same node, an ancestor or a descendant."""
    return node == gap or gap.startswith(node + ".") or node.startswith(gap + ".")


def _scenario_gaps(
    framework: str, gaps: Sequence[GapRow]
) -> tuple[dict[str, set[str]], dict[str, Scenario]]:
    """(scenario code → the gap codes it covers, the covering scenarios by code); scenarios
    covering none are left out. One query."""
    prefix = framework + ":"
    covered: dict[str, set[str]] = {}
    found: dict[str, Scenario] = {}
    for scenario in Scenario.objects.all():
        mine = [n[len(prefix) :] for n in scenario.nodes or [] if n.startswith(prefix)]
        hits = {g.code for g in gaps for n in mine if _covers(n, g.code)}
        if hits:
            covered[scenario.code] = hits
            found[scenario.code] = scenario
    return covered, found


def _industry_fit(
    codes: Sequence[str], enterprise_codes: Sequence[str]
) -> tuple[matching.IndustryFit, str]:
    """(fit, the entry's code that fits) for the enterprise's class and its broader codes."""
    if not codes:
        return matching.IndustryFit.ANY, ""
    if enterprise_codes and enterprise_codes[0] in codes:
        return matching.IndustryFit.EXACT, enterprise_codes[0]
    for broader in enterprise_codes[1:]:
        if broader in codes:
            return matching.IndustryFit.DIVISION, broader
    return matching.IndustryFit.NONE, ""


def _region_fit(codes: Sequence[str], enterprise: Enterprise) -> tuple[matching.RegionFit, str]:
    if not codes:
        return matching.RegionFit.PROVINCE, ""
    if enterprise.county_id in codes:
        return matching.RegionFit.COUNTY, enterprise.county_id
    if enterprise.city_id in codes:
        return matching.RegionFit.CITY, enterprise.city_id
    province = (enterprise.county_id or "")[:2]
    if province and province in codes:
        return matching.RegionFit.PROVINCE, ""
    return matching.RegionFit.NONE, ""


def _enterprise_industries(enterprise: Enterprise) -> list[str]:
    """The enterprise's class code, then its broader codes (group, division, section)."""
    code = enterprise.industry_id or ""
    if not code:
        return []
    broader = [code[:3], code[:2]] if len(code) == 4 else [code[:2]] if len(code) == 3 else []
    section = Industry.objects.filter(code=code[:2]).values_list("parent_id", flat=True).first()
    return [code, *[b for b in broader if b != code], *([section] if section else [])]


def _candidates(scenario_codes: Iterable[str]) -> list[Entry]:
    published_provider = Q(provider__isnull=True) | Q(provider__status=Status.PUBLISHED)
    return list(
        Entry.objects.filter(
            published_provider,
            status=Status.PUBLISHED,
            kind__in=[*SOLUTION_KINDS, Entry.Kind.CASE],
            scenarios__code__in=list(scenario_codes),
        )
        .distinct()
        .select_related("provider")
        .prefetch_related("scenarios")
        .order_by("pk")
    )


def provider_served(provider_ids: Iterable[int]) -> dict[int, dict[int, str]]:
    """Provider id → {enterprise id: its city code} of the distinct enterprises it served: its
    adoptions (of its entries or naming it) and its member accounts' diagnosis assignments."""
    ids = set(provider_ids)
    served: dict[int, dict[int, str]] = defaultdict(dict)
    if not ids:
        return served
    adoptions = Adoption.objects.filter(
        Q(provider_id__in=ids) | Q(entry__provider_id__in=ids), withdrawn=False
    ).values_list("provider_id", "entry__provider_id", "enterprise_id", "enterprise__city_id")
    for provider_id, entry_provider_id, enterprise_id, city in adoptions:
        for pid in {provider_id, entry_provider_id} & ids:
            served[pid][enterprise_id] = city
    members: dict[int, set[int]] = defaultdict(set)
    for pid, user_id in Provider.members.through.objects.filter(provider_id__in=ids).values_list(
        "provider_id", "user_id"
    ):
        members[user_id].add(pid)
    assignments = ProviderAssignment.objects.filter(provider_id__in=list(members)).exclude(
        status=ProviderAssignment.Status.WITHDRAWN
    )
    for user_id, enterprise_id, city in assignments.values_list(
        "provider_id", "enterprise_id", "enterprise__city_id"
    ):
        for pid in members[user_id]:
            served[pid][enterprise_id] = city
    return served


# --- Similarity ----------------------------------------------------------------------------------


def _gap_texts(dimensions: Sequence[GapRow], weak: Sequence[GapRow]) -> dict[str, str]:
    """Weak dimension code → the text of its gap: its title, its weak nodes' titles and the
    failed rules' texts."""
    texts = {}
    for dim in dimensions:
        inside = [g for g in weak if g.code == dim.code or g.code.startswith(dim.code + ".")]
        if not inside:
            continue
        words = [g.title for g in inside] + [r for g in inside for r in g.failed_rules]
        texts[dim.code] = "，".join(dict.fromkeys(words))
    return texts


def _similarities(
    entries: Sequence[Entry], texts: Mapping[str, str]
) -> tuple[dict[tuple[int, str], float], str]:
    """((entry id, dimension code) → cosine of the entry's vector and the dimension's gap text,
    the embedder's name): catalog.embedding.entry_similarities. When more than SYNC_VECTORS
    candidates lack a current stored vector, none is computed in the request (the background
    task is queued once) and similarity is left out for every candidate alike: ({}, ""). A
    failing embedder gives keyword similarity for every candidate, never a mix."""
    return entry_similarities(entries, texts, limit=SYNC_VECTORS)


# --- The page ------------------------------------------------------------------------------------


def _root(code: str) -> str:
    return code.split(".", 1)[0]


def matches_for_assessment(*, assessment: Assessment, user: Any, limit: int = 10) -> MatchPage:
    """Ranked matches for a submitted result the caller may already see (the view loads it
    through assessments.results.result_get_for_user). `user` is the viewer (the page is the same
    for every viewer who may see the result)."""
    dimensions, weak = _gap_rows(assessment)
    level_name = _zh(((assessment.result or {}).get("gap") or {}).get("name"))
    scenario_gaps, scenarios = _scenario_gaps(assessment.framework.code, weak) if weak else ({}, {})
    entries = _candidates(scenario_gaps) if scenario_gaps else []
    enterprise = assessment.enterprise
    industry_codes = _enterprise_industries(enterprise)
    fits = {
        e.pk: (
            _industry_fit(e.industries or [], industry_codes),
            _region_fit(e.regions or [], enterprise),
        )
        for e in entries
    }
    usable = [
        e
        for e in entries
        if fits[e.pk][0][0] is not matching.IndustryFit.NONE
        and fits[e.pk][1][0] is not matching.RegionFit.NONE
    ]
    solutions = [e for e in usable if e.kind != Entry.Kind.CASE]
    cases = [e for e in usable if e.kind == Entry.Kind.CASE]
    texts = _gap_texts(dimensions, weak)
    sims, embedder_name = _similarities(solutions, texts)
    served = provider_served(e.provider_id for e in solutions if e.provider_id)
    names = _names(fits.values())
    gaps_by_code = {g.code: g for g in weak}
    rows = _ranked(
        solutions, weak, scenario_gaps, scenarios, fits, sims, served, enterprise, names,
        gaps_by_code,
    )  # fmt: skip
    groups = _groups(dimensions, weak, rows, scenario_gaps, scenarios, cases, level_name)
    page = MatchPage(
        assessment=assessment,
        dimensions=dimensions,
        groups=groups,
        top=rows[:limit],
        level_name=level_name,
        embedder=embedder_name,
    )
    page.chart = _chart(dimensions)
    return page


def _names(fits: Iterable[Any]) -> dict[str, str]:
    """Names of the industry and region codes the reasons mention (two queries at most)."""
    fits = list(fits)
    industries = {f[0][1] for f in fits if f[0][1]}
    regions = {f[1][1] for f in fits if f[1][1]}
    names = dict(Industry.objects.filter(code__in=industries).values_list("code", "name"))
    if regions:
        names |= {
            f"region:{code}": name
            for code, name in Region.objects.filter(code__in=regions).values_list("code", "name")
        }
    return names


def _candidate(
    entry: Entry,
    covers: set[str],
    fits: Any,
    sims: Mapping[tuple[int, str], float],
    served: Mapping[int, Mapping[int, str]],
    city: str,
) -> matching.Candidate:
    mine = served.get(entry.provider_id or 0, {})
    roots = {_root(code) for code in covers}
    return matching.Candidate(
        entry_id=entry.pk,
        covers=frozenset(covers),
        scenarios=tuple(s.code for s in entry.scenarios.all()),
        industry=fits[0][0],
        region=fits[1][0],
        served_city=_shown(sum(1 for c in mine.values() if c and c == city)),
        served_province=_shown(len(mine)),
        similarity=max((sims.get((entry.pk, r), 0.0) for r in roots), default=0.0),
        featured=entry.featured or bool(entry.provider and entry.provider.featured),
        rating=entry.rating,
    )


def _shown(count: int) -> int:
    """A track record of fewer enterprises than the minimum group counts as none, in the reason
    and in the score alike (the API shows the score's components): otherwise an enterprise
    would learn that a neighbour adopted or engaged the provider."""
    return count if count >= min_group() else 0


def _ranked(
    entries: Sequence[Entry],
    weak: Sequence[GapRow],
    scenario_gaps: Mapping[str, set[str]],
    scenarios: Mapping[str, Scenario],
    fits: Mapping[int, Any],
    sims: Mapping[tuple[int, str], float],
    served: Mapping[int, Mapping[int, str]],
    enterprise: Enterprise,
    names: Mapping[str, str],
    gaps: Mapping[str, GapRow],
) -> list[MatchRow]:
    candidates = []
    for entry in entries:
        covers = set().union(*(scenario_gaps.get(s.code, set()) for s in entry.scenarios.all()))
        candidates.append(
            _candidate(entry, covers, fits[entry.pk], sims, served, enterprise.city_id)
        )
    by_pk = {e.pk: e for e in entries}
    by_candidate = {c.entry_id: c for c in candidates}
    rows = []
    for match in matching.rank_matches([g.as_scoring() for g in weak], candidates):
        entry = by_pk[match.entry_id]
        mine = tuple(
            scenarios[s.code]
            for s in entry.scenarios.all()
            if s.code in scenario_gaps and s.code in scenarios
        )
        reason = _reason(match, by_candidate[match.entry_id], mine, fits[entry.pk], names, gaps)
        rows.append(MatchRow(entry, match.score, match, reason, mine))
    return rows


def _reason(
    match: matching.Match,
    candidate: matching.Candidate,
    scenarios: Sequence[Scenario],
    fits: Any,
    names: Mapping[str, str],
    gaps: Mapping[str, GapRow],
) -> Reason:
    parts: list[ReasonPart] = []
    if match.covered:
        parts.extend(gaps[match.covered[0]].reason_parts(""))
    if scenarios:
        parts.append(ReasonPart("covers", {"scenarios": "”“".join(s.name_zh for s in scenarios)}))
    (industry, industry_code), (_region, region_code) = fits
    if industry is matching.IndustryFit.ANY:
        parts.append(ReasonPart("all_industries", {}))
    else:
        parts.append(ReasonPart("industry", {"industry": names.get(industry_code, industry_code)}))
    if region_code:
        parts.append(
            ReasonPart("region", {"region": names.get(f"region:{region_code}", region_code)})
        )
    if candidate.served_city:
        parts.append(ReasonPart("served_city", {"count": candidate.served_city}))
    elif candidate.served_province:
        parts.append(ReasonPart("served_province", {"count": candidate.served_province}))
    return Reason(tuple(parts))


def _groups(
    dimensions: Sequence[GapRow],
    weak: Sequence[GapRow],
    rows: Sequence[MatchRow],
    scenario_gaps: Mapping[str, set[str]],
    scenarios: Mapping[str, Scenario],
    cases: Sequence[Entry],
    level_name: str,
) -> list[DimensionGroup]:
    """Per weak dimension (most severe first): its weak nodes, scenarios, best solutions, their
    providers and example cases. A dimension that is not weak itself but holds weak nodes is
    listed too."""
    weak_codes = {g.code for g in weak}
    groups = []
    for dim in sorted(dimensions, key=lambda d: (-d.severity, d.code)):
        inside = {c for c in weak_codes if _root(c) == dim.code}
        if not inside:
            continue
        mine = [s for code, s in scenarios.items() if scenario_gaps.get(code, set()) & inside]
        solutions = [r for r in rows if set(r.match.covered) & inside][:PER_DIMENSION]
        providers = list(
            {r.entry.provider_id: r.entry.provider for r in solutions if r.entry.provider}.values()
        )
        mine_codes = {s.code for s in mine}
        examples = [c for c in cases if {s.code for s in c.scenarios.all()} & mine_codes]
        nodes = tuple(g for g in weak if g.code in inside and g.code != dim.code)
        reason_parts = dim.reason_parts(level_name) if dim.code in weak_codes else []
        groups.append(
            DimensionGroup(
                gap=dim,
                reason=Reason(tuple(reason_parts)),
                nodes=tuple(sorted(nodes, key=lambda g: g.percent)),
                scenarios=tuple(sorted(mine, key=lambda s: (s.rank, s.code))),
                solutions=tuple(solutions),
                providers=tuple(providers),
                examples=tuple(examples[:EXAMPLES_SHOWN]),
            )
        )
    return groups


def _chart(dimensions: Sequence[GapRow]) -> dict[str, Any]:
    """ECharts-ready bars of dimension percents, the 60 % line and the peer medians (if any)."""
    has_peers = any(d.peer_median is not None for d in dimensions)
    return {
        "categories": [d.title for d in dimensions],
        "max": 100,
        "unit": "%",
        "threshold": matching.WEAK_PERCENT,
        "series": [{"name": _("本企业"), "data": [round(d.percent, 1) for d in dimensions]}],
        "peers": (
            [
                {
                    "name": _("对标组中位数"),
                    "data": [
                        None if d.peer_median is None else round(d.peer_median, 1)
                        for d in dimensions
                    ],
                }
            ]
            if has_peers
            else []
        ),
    }
