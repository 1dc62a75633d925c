"""Demo assessments for the demo province: submitted self-assessments of every default model over
two years (so results have history, change per dimension, peer benchmarks and flags), drafts, and
provider diagnoses in each state for the demo accounts.

Deterministic for the same seed and registry: enterprises are read in USCC order and every draw
comes from `random.Random(seed)`. Re-running adds nothing when the demo enterprises already have
demo assessments. Bulk inserts; scoring goes through the same engine (`score_assessment`) as
submissions, and flags through the same functions (assessments/flags.py).

Each enterprise has a latent quality (its digital maturity): right-skewed, so that most are weak
and few strong, higher for the SME categories; assessments/synthetic.py turns it into answers,
and the engine's levels then have the shape of a real province's (many at the lower levels, fewer
the higher the level; e.g. SF-JS about 10 % below 智能车间, 40 % 智能车间, 30 % 基础级, 15 % 先进级,
5 % 卓越级, under 1 % 领航级). Who takes part (shares of the demo enterprises): GEN-JS 32 %, SF-JS
14 % of 规上, in proportion to their quality (those building smart factories take the self-test),
each also with a CMMM result of the same year, which SF-JS levels cite; CMMM 5 % more, SME-DL 18 %
of SMEs, AI-SCENE 5 %, ZERO-CARBON 4 %; 30 % of participants also assessed the year before, with
somewhat weaker answers. The registry answers what it knows (SF-JS: above designated size).
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone

from accounts.models import Role, User
from assessments import flags as plausibility
from assessments.benchmarks import benchmarks_compute
from assessments.models import Assessment
from assessments.services import (
    assessment_save,
    assessment_start,
    assessment_submit,
    diagnosis_review_section,
    diagnosis_start,
    provider_assign,
)
from assessments.synthetic import synthetic_answers
from audit.services import audit_record
from frameworks.models import FrameworkVersion
from frameworks.selectors import framework_version_compiled
from registry.models import Enterprise, EnterpriseCategory
from scoring import maturity
from scoring.maturity.batch import prerequisite_codes

YEARS = (2025, 2026)
# model code → (share of candidates, who is a candidate, lean): with lean > 0 stronger enterprises
# take part more often (the smart-factory self-test is taken by those building smart factories)
PARTICIPATION = (
    ("GEN-JS", 0.32, "all", 0.0),
    ("SF-JS", 0.14, "above_scale", 1.0),
    ("CMMM", 0.05, "all", 0.0),  # and every participant of a model whose levels cite CMMM
    ("SME-DL", 0.18, "sme", 0.0),
    ("AI-SCENE", 0.05, "all", 0.0),
    ("ZERO-CARBON", 0.04, "all", 0.0),
)
REPEAT_SHARE = 0.3
MEAN_QUALITY = 0.37
"""About the mean of `_quality`: candidates of this quality take part with probability `share`;
with lean 1 the probability is in proportion to quality."""
YEAR_BEFORE_GAP = 0.12
"""How much weaker the answers of the year before are."""
REGISTRY_FACTS = {"basic.scale": "above_scale"}
"""Question → the category that answers it: yes when the enterprise holds it (SF-JS 规上)."""
SYSTEM_USERNAME = "demo-data"
SITE_NOTE = "（演示）现场查看了产线与系统，访谈了生产、设备、质量负责人。"
NO_MODELS = "请先加载成熟度模型：zhigai load_frameworks (load the maturity models first)"


@dataclass
class DemoAssessmentResult:
    submitted: int = 0
    skipped: bool = False
    by_model: dict[str, int] = field(default_factory=dict)
    benchmark_groups: int = 0
    special: list[str] = field(default_factory=list)


def _system_user() -> User:
    user, _ = User.objects.get_or_create(
        username=SYSTEM_USERNAME,
        defaults={"role": Role.ADMIN, "is_active": False, "organisation": "演示数据生成"},
    )
    return user


def _versions() -> dict[str, FrameworkVersion]:
    published = FrameworkVersion.objects.filter(status="published").select_related("framework")
    return {version.framework.code: version for version in published}


def _categories() -> dict[int, set[str]]:
    held: dict[int, set[str]] = {}
    for enterprise_id, code in EnterpriseCategory.objects.values_list(
        "enterprise_id", "category_id"
    ):
        held.setdefault(enterprise_id, set()).add(code)
    return held


def _quality(rng: random.Random, held: set[str]) -> float:
    """The enterprise's latent digital maturity: right-skewed (most enterprises weak, a few
    strong; mode about 0.24, mean about 0.36), higher for the SME categories."""
    bonus = 0.08 * len(held & {"innovative_sme", "specialised_sme", "little_giant"})
    bonus += 0.1 if "single_champion" in held else 0
    return min(0.95, max(0.03, 0.05 + 0.85 * rng.betavariate(2.0, 3.5) + bonus))


def _takes_part(share: float, lean: float, quality: float, rng: random.Random) -> bool:
    """Whether a candidate takes part: `share` on average, more often when stronger (lean)."""
    chance = share * (1 + lean * (quality - MEAN_QUALITY) / MEAN_QUALITY)
    return rng.random() < min(1.0, max(0.0, chance))


def _known(framework: maturity.Framework, held: set[str]) -> dict[str, str]:
    """Answers the registry already holds."""
    return {
        code: "yes" if category in held else "no"
        for code, category in REGISTRY_FACTS.items()
        if code in framework.nodes and framework.nodes[code].question is not None
    }


def _candidate(rule: str, held: set[str]) -> bool:
    if rule == "above_scale":
        return "above_scale" in held
    if rule == "sme":
        return "single_champion" not in held
    return True


def _submitted_at(rng: random.Random, year: int, after: dt.datetime | None = None) -> dt.datetime:
    """A working hour of `year`'s campaign; with `after` (a result it cites), a later one."""
    first = dt.date(year, 1, 10)
    last = first + dt.timedelta(days=299 if year == YEARS[-1] else 359)
    if after is not None:
        first = min(last, max(first, timezone.localdate(after)))
    day = first + dt.timedelta(days=rng.randrange((last - first).days + 1))
    at = timezone.make_aware(dt.datetime.combine(day, dt.time(9 + rng.randrange(9))))
    return at if after is None or at > after else after + dt.timedelta(hours=1)


def _prerequisites(framework: maturity.Framework, done: dict[str, Any]) -> dict[str, Any]:
    found = {}
    for code in prerequisite_codes(framework):
        if code in done:
            result, order = done[code]
            found[code] = maturity.PrerequisiteResult(result.level, result.total, order)
    return found


def _row(
    *,
    enterprise: Enterprise,
    version: FrameworkVersion,
    framework: maturity.Framework,
    answers: dict[str, Any],
    result: maturity.Result,
    year: int,
    at: dt.datetime,
    by: User,
) -> Assessment:
    return Assessment(
        enterprise=enterprise,
        framework_id=version.framework_id,
        framework_version=version,
        kind=Assessment.Kind.SELF,
        status=Assessment.Status.SUBMITTED,
        year=year,
        variant=result.variant,
        answers=answers,
        revision=2,
        created_by=by,
        updated_by=by,
        submitted_by=by,
        submitted_at=at,
        result=maturity.result_as_dict(result),
        total=result.total,
        max_total=result.max_total,
        level=result.level or "",
        level_rank=result.level_rank,
        level_name=result.level_name.zh if result.level else "",
        dimension_scores={c: result.nodes[c].points for c in framework.roots if c in result.nodes},
    )


def _score_enterprise(
    enterprise: Enterprise,
    held: set[str],
    rng: random.Random,
    models: dict[str, tuple[FrameworkVersion, maturity.Framework]],
    by: User,
) -> list[tuple[Assessment, maturity.Result]]:
    quality = _quality(rng, held)
    rows: list[tuple[Assessment, maturity.Result]] = []
    done: dict[str, Any] = {}
    chosen = [
        code
        for code, share, rule, lean in PARTICIPATION
        if code in models and _candidate(rule, held) and _takes_part(share, lean, quality, rng)
    ]
    cites = {
        code: [c for c in prerequisite_codes(models[code][1]) if c in models] for code in chosen
    }
    years = {code: YEARS if rng.random() < REPEAT_SHARE else YEARS[-1:] for code in chosen}
    for code in chosen:  # a cited model (CMMM) is assessed in every year its citer (SF-JS) is
        for cited in cites[code]:
            cites.setdefault(cited, [])
            years[cited] = tuple(sorted({*years.get(cited, ()), *years[code]}))
    order = sorted(years, key=lambda c: bool(cites[c]))  # stable: cited models first
    submitted: dict[str, dt.datetime] = {}
    for year in YEARS:  # the years in turn, cited models first: a result cites the latest
        for code in (c for c in order if year in years[c]):
            version, framework = models[code]
            q = quality - (YEAR_BEFORE_GAP if year != YEARS[-1] else 0) + rng.gauss(0, 0.04)
            answers = synthetic_answers(
                framework,
                quality=min(0.98, max(0.02, q)),
                rng=rng,
                known=_known(framework, held),
            )
            result = maturity.score_assessment(
                framework, answers, prerequisites=_prerequisites(framework, done)
            )
            after = max((submitted[c] for c in cites[code] if c in submitted), default=None)
            at = _submitted_at(rng, year, after=after)
            row = _row(
                enterprise=enterprise,
                version=version,
                framework=framework,
                answers=answers,
                result=result,
                year=year,
                at=at,
                by=by,
            )
            rows.append((row, result))
            done[code] = (result, tuple(level.code for level in framework.levels))
            submitted[code] = at
    return rows


def _flag_all(pairs: list[tuple[Assessment, maturity.Result]], models: dict[str, Any]) -> None:
    for assessment, result in pairs:
        framework = models[result.framework][1]
        assessment.flags = plausibility.flags_for(assessment, framework=framework, result=result)
        assessment.risk_score = plausibility.risk_score(assessment.flags)
    Assessment.objects.bulk_update([a for a, _ in pairs], ["flags", "risk_score"], batch_size=500)


@transaction.atomic
def demo_assessments(*, seed: int) -> DemoAssessmentResult:
    """Write the demo assessments (skipped when demo assessments already exist)."""
    outcome = DemoAssessmentResult()
    versions = _versions()
    if not versions:
        raise ValueError(NO_MODELS)
    by = _system_user()
    if Assessment.objects.filter(created_by=by).exists():
        outcome.skipped = True
        return outcome
    models = {code: (v, framework_version_compiled(v)) for code, v in versions.items()}
    rng, held = random.Random(seed), _categories()
    pairs: list[tuple[Assessment, maturity.Result]] = []
    enterprises = Enterprise.objects.filter(categories__category_id="demo").order_by("uscc")
    for enterprise in enterprises:
        pairs.extend(_score_enterprise(enterprise, held.get(enterprise.pk, set()), rng, models, by))
    Assessment.objects.bulk_create([a for a, _ in pairs], batch_size=200)
    for assessment, _ in pairs:
        outcome.by_model[assessment.framework_version.framework.code] = (
            outcome.by_model.get(assessment.framework_version.framework.code, 0) + 1
        )
    outcome.submitted = len(pairs)
    for version in versions.values():
        outcome.benchmark_groups += benchmarks_compute(version_id=version.pk)
    _flag_all(pairs, models)
    outcome.special = _demo_account_activity(versions, rng)
    audit_record(
        action="demo.assessments",
        object_type="assessments.assessment",
        after={"seed": seed, "submitted": outcome.submitted, "by_model": outcome.by_model},
        note=f"generate_demo_assessments --seed {seed}",
    )
    return outcome


def _demo_account_activity(versions: dict[str, FrameworkVersion], rng: random.Random) -> list[str]:
    """What the demo accounts find when they log in: enterprise A has a draft in progress and a
    provider diagnosis to confirm; the demo provider has an assignment to work on."""
    users = {u.username: u for u in User.objects.filter(username__startswith="demo-")}
    enterprise_user, city, provider = (
        users.get("demo-enterprise-a1"),
        users.get("demo-city-suzhou"),
        users.get("demo-provider"),
    )
    notes: list[str] = []
    if enterprise_user is None or city is None or provider is None:
        return notes
    enterprise = enterprise_user.enterprise
    assert enterprise is not None
    if "SME-DL" in versions:
        draft = assessment_start(
            enterprise=enterprise, version=versions["SME-DL"], by=enterprise_user
        )
        framework = framework_version_compiled(versions["SME-DL"])
        answers = synthetic_answers(framework, quality=0.55, rng=rng)
        half = dict(list(answers.items())[: len(answers) // 2])
        assessment_save(assessment=draft, changes=half, revision=draft.revision, by=enterprise_user)
        notes.append(f"draft SME-DL for {enterprise.name}")
    if "SF-JS" in versions:
        notes += _demo_diagnosis(enterprise, versions["SF-JS"], city, provider, rng)
    return notes


def _submitted_diagnosis(
    enterprise: Enterprise,
    version: FrameworkVersion,
    city: User,
    provider: User,
    rng: random.Random,
) -> Assessment:
    framework = framework_version_compiled(version)
    assignment = provider_assign(
        enterprise=enterprise,
        provider=provider,
        version=version,
        by=city,
        note="（演示）智能工厂诊断服务",
    )
    draft = diagnosis_start(assignment=assignment, by=provider)
    answers = synthetic_answers(framework, quality=0.7, rng=rng)
    notes = dict.fromkeys(framework.roots, SITE_NOTE)
    saved = assessment_save(
        assessment=draft, changes=answers, revision=draft.revision, by=provider, site_notes=notes
    ).assessment
    return assessment_submit(assessment=saved, by=provider, revision=saved.revision)


def _enterprise_user(enterprise: Enterprise) -> User:
    """The enterprise's first user, or an account that cannot log in (unusable password)."""
    found = User.objects.filter(enterprise=enterprise, is_active=True).order_by("pk").first()
    if found is not None:
        return found
    user = User(
        username=f"demo-auto-enterprise-{enterprise.uscc}",
        role=Role.ENTERPRISE,
        enterprise=enterprise,
        organisation="（演示）自动流转",
    )
    user.set_unusable_password()
    user.save()
    return user


def _review_all(result: Assessment, *, dispute: str | None) -> None:
    by = _enterprise_user(result.enterprise)
    for section in result.dimension_scores:
        disputed = section == dispute
        diagnosis_review_section(
            assessment=result,
            section=section,
            by=by,
            decision="disputed" if disputed else "confirmed",
            comment="（演示）该维度已有 MES 覆盖，得分偏低，申请复核。" if disputed else "",
        )


def _demo_diagnosis(
    enterprise: Enterprise,
    version: FrameworkVersion,
    city: User,
    provider: User,
    rng: random.Random,
) -> list[str]:
    """Diagnoses of the demo provider in every state: awaiting confirmation (enterprise A, whose
    demo account can confirm it), confirmed, disputed, in progress and not started."""
    _submitted_diagnosis(enterprise, version, city, provider, rng)
    others = list(
        Enterprise.objects.filter(city_id=city.region_id, categories__category_id="demo")
        .exclude(pk=enterprise.pk)
        .order_by("uscc")[:4]
    )
    if len(others) < 4:
        return [f"diagnosis SF-JS of {enterprise.name} awaiting confirmation"]
    confirmed, disputed, started, waiting = others
    _review_all(_submitted_diagnosis(confirmed, version, city, provider, rng), dispute=None)
    result = _submitted_diagnosis(disputed, version, city, provider, rng)
    _review_all(result, dispute=next(iter(result.dimension_scores)))
    assignment = provider_assign(
        enterprise=started, provider=provider, version=version, by=city, note="（演示）诊断进行中"
    )
    draft = diagnosis_start(assignment=assignment, by=provider)
    answers = synthetic_answers(framework_version_compiled(version), quality=0.6, rng=rng)
    half = dict(list(answers.items())[: len(answers) // 2])
    assessment_save(assessment=draft, changes=half, revision=draft.revision, by=provider)
    provider_assign(
        enterprise=waiting, provider=provider, version=version, by=city, note="（演示）待开展的诊断"
    )
    return [
        f"diagnosis SF-JS of {enterprise.name} awaiting confirmation",
        "diagnoses confirmed, disputed, in progress and not started",
    ]
