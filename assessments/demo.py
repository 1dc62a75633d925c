"""Demo assessments for the demo province: submitted self-assessments of every default model over
two years (so results have history, change per dimension, peer benchmarks and flags), drafts, and
provider diagnoses in each state for the demo accounts.

Deterministic for the same seed and registry: enterprises are read in USCC order and every draw
comes from `random.Random(seed)`. Re-running adds nothing when the demo enterprises already have
demo assessments. Bulk inserts; scoring goes through the same engine (`score_assessment`) as
submissions, and flags through the same functions (assessments/flags.py).

Who takes part (shares of the demo enterprises; the latent quality favours larger enterprises and
higher SME categories): GEN-JS 32 %, SF-JS 14 % of 规上 (each also with a CMMM result, which
SF-JS levels cite), CMMM 5 % more, SME-DL 18 % of SMEs, AI-SCENE 5 %, ZERO-CARBON 4 %; 30 % of
participants also assessed the year before, with somewhat weaker answers.
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

YEARS = (2025, 2026)
# model code → (share of candidates, who is a candidate)
PARTICIPATION = (
    ("GEN-JS", 0.32, "all"),
    ("SF-JS", 0.14, "above_scale"),
    ("CMMM", 0.05, "all"),  # and every SF-JS participant, whose levels cite CMMM
    ("SME-DL", 0.18, "sme"),
    ("AI-SCENE", 0.05, "all"),
    ("ZERO-CARBON", 0.04, "all"),
)
REPEAT_SHARE = 0.3
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
    bonus = 0.08 * len(held & {"innovative_sme", "specialised_sme", "little_giant"})
    bonus += 0.1 if "single_champion" in held else 0
    return min(0.95, max(0.05, rng.gauss(0.45 + bonus, 0.17)))


def _candidate(rule: str, held: set[str]) -> bool:
    if rule == "above_scale":
        return "above_scale" in held
    if rule == "sme":
        return "single_champion" not in held
    return True


def _submitted_at(rng: random.Random, year: int) -> dt.datetime:
    last = 300 if year == YEARS[-1] else 360
    day = dt.date(year, 1, 10) + dt.timedelta(days=rng.randrange(last))
    return timezone.make_aware(dt.datetime.combine(day, dt.time(9 + rng.randrange(9))))


def _prerequisites(framework: maturity.Framework, done: dict[str, Any]) -> dict[str, Any]:
    from scoring.maturity.batch import prerequisite_codes

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
        for code, share, rule in PARTICIPATION
        if code in models and _candidate(rule, held) and rng.random() < share
    ]
    if "SF-JS" in chosen and "CMMM" not in chosen and "CMMM" in models:
        chosen.append("CMMM")
    for code in sorted(chosen, key=lambda c: c != "CMMM"):  # CMMM first: SF-JS cites it
        version, framework = models[code]
        order = tuple(level.code for level in framework.levels)
        years = YEARS if rng.random() < REPEAT_SHARE else YEARS[-1:]
        for year in years:
            q = quality - (0.12 if year != YEARS[-1] else 0) + rng.gauss(0, 0.04)
            answers = synthetic_answers(framework, quality=min(0.98, max(0.02, q)), rng=rng)
            result = maturity.score_assessment(
                framework, answers, prerequisites=_prerequisites(framework, done)
            )
            row = _row(
                enterprise=enterprise,
                version=version,
                framework=framework,
                answers=answers,
                result=result,
                year=year,
                at=_submitted_at(rng, year),
                by=by,
            )
            rows.append((row, result))
            done[code] = (result, order)
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
