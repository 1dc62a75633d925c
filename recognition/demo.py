"""Demo applications for the demo province: applications in every state of the recognition chain,
each moved there by the real services (so every step has its Transition and audit rows).

Applicants are 规上 demo enterprises (drawn with `random.Random(seed)` in USCC order; enterprise A
of the demo accounts first, so its account has an application to work on). Each applicant first
gets CMMM, GEN-JS and SF-JS results through the assessment services, with evidence files (small
generated PDFs) for most of its strong claims, so its plausibility flags are what a diligent
applicant would have (none, or a medium "missing evidence" on the large CMMM questionnaire).
Officials, experts and enterprise users without a demo account act through
`demo-auto-*` accounts that cannot log in (unusable passwords); the audit trail names them.

The notice period of applications shown as recognised is moved into the past before they are
recognised (the only write outside the services: those are demo applications of earlier weeks).
"""

from __future__ import annotations

import io
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone
from reportlab.pdfgen import canvas

from accounts.models import Role, User
from assessments.models import Assessment
from assessments.services import (
    assessment_save,
    assessment_score,
    assessment_start,
    assessment_submit,
    evidence_add,
)
from assessments.synthetic import synthetic_answers
from audit.services import audit_record
from frameworks.selectors import framework_version_compiled, framework_version_get_published
from recognition.eligibility import eligibility_check
from recognition.models import Application
from recognition.services import (
    application_create,
    application_transition,
    application_update,
    expert_assign,
    expert_sheet_submit,
)
from registry.models import Category, Enterprise, EnterpriseCategory, Region

S = Application.Status
MODELS = ("CMMM", "GEN-JS", "SF-JS")
# The state each applicant is left in, in order (enterprise A first: a returned application
# its demo account can edit and resubmit).
TARGETS = (
    "returned",
    "draft",
    "county_review",
    "county_review",
    "city_review",
    "city_review",
    "province_review",
    "province_review",
    "expert_review",
    "expert_review",
    "site_check",
    "decision",
    "public_notice",
    "recognised",
    "recognised",
    "recognised",
    "recognised",
    "rejected",
    "withdrawn",
    "resubmitted",
    "direct",
)
AUTO = "demo-auto-"
# Evidence files per result: most strong claims of small models; a large model (CMMM) keeps a
# medium "missing evidence" flag, as real applicants' often do.
EVIDENCE_PER_RESULT = 15


@dataclass
class DemoApplicationResult:
    skipped: bool = False
    by_status: dict[str, int] = field(default_factory=dict)
    evidence: int = 0
    ineligible: int = 0


def _auto_user(name: str, role: str, **kw: Any) -> User:
    user, created = User.objects.get_or_create(
        username=f"{AUTO}{name}", defaults={"role": role, "organisation": "（演示）自动流转", **kw}
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    return user


def _demo_user(username: str) -> User | None:
    return User.objects.filter(username=username, is_active=True).first()


def _official(role: str, region: Region) -> User:
    found = User.objects.filter(role=role, region=region, is_active=True).order_by("pk").first()
    return found or _auto_user(f"{role}-{region.code}", role, region=region)


def _enterprise_user(enterprise: Enterprise) -> User:
    found = User.objects.filter(enterprise=enterprise, is_active=True).order_by("pk").first()
    return found or _auto_user(
        f"enterprise-{enterprise.uscc}", Role.ENTERPRISE, enterprise=enterprise
    )


def _pdf(title: str) -> bytes:
    buffer = io.BytesIO()
    page = canvas.Canvas(buffer)
    page.drawString(72, 760, "Zhigai demo evidence")
    page.drawString(72, 740, title[:80])
    page.save()
    return buffer.getvalue()


def _result(
    enterprise: Enterprise, code: str, by: User, rng: random.Random
) -> tuple[Assessment, int]:
    """A submitted result of `code` with evidence for about 60 % of its strong claims (at most
    EVIDENCE_PER_RESULT files)."""
    version = framework_version_get_published(code=code)
    framework = framework_version_compiled(version)
    draft = assessment_start(enterprise=enterprise, version=version, by=by)
    answers = synthetic_answers(framework, quality=0.86 + rng.random() * 0.1, rng=rng)
    draft = assessment_save(
        assessment=draft, changes=answers, revision=draft.revision, by=by
    ).assessment
    result = assessment_score(draft)
    claims = [
        c
        for c, t in result.questions.items()
        if t.status == "answered" and t.weight > 0 and (t.fraction or 0) >= 0.75
    ]
    chosen = claims[: min(EVIDENCE_PER_RESULT, int(len(claims) * 0.6) + 1)]
    content = _pdf(f"{enterprise.name} {code}")
    for code_ in chosen:
        evidence_add(
            assessment=draft,
            question=code_,
            by=by,
            original_name=f"{code_}.pdf",
            file=SimpleUploadedFile(f"{code_}.pdf", content, "application/pdf"),
        )
    draft.refresh_from_db()
    return assessment_submit(assessment=draft, by=by, revision=draft.revision), len(chosen)


def _fresh(application: Application) -> Application:
    return Application.objects.get(pk=application.pk)


def _act(application: Application, action: str, by: User, **data: Any) -> Application:
    application = _fresh(application)
    application_transition(
        application=application, action=action, by=by, revision=application.revision, **data
    )
    return _fresh(application)


@dataclass
class _Cast:
    enterprise_user: User
    county: User
    city: User
    province: User
    experts: list[User]


def _through_experts(app: Application, cast: _Cast, *, all_sheets: bool) -> Application:
    app = _fresh(app)
    app = _fresh(
        expert_assign(
            application=app, by=cast.province, revision=app.revision, experts=cast.experts
        )
    )
    sheets = cast.experts if all_sheets else cast.experts[1:]  # the demo expert's is left to do
    for i, expert in enumerate(sheets):
        scores = {
            "maturity": 16 + i,
            "infrastructure": 12,
            "technology": 15,
            "demonstration": 11,
            "benefits": 16,
            "plan": 8,
        }
        expert_sheet_submit(
            application=app,
            by=expert,
            scores=scores,
            opinion="pass",
            comment="（演示）材料完整，建设成效明显，建议通过。",
        )
    return _fresh(app)


def _to_province(app: Application, cast: _Cast) -> Application:
    app = _act(app, "submit", cast.enterprise_user)
    if app.status == S.COUNTY_REVIEW:
        app = _act(app, "county_approve", cast.county, reason="材料齐全，同意上报。")
    if app.status == S.CITY_REVIEW:
        app = _act(app, "city_recommend", cast.city, reason="经审核，推荐至省。")
    return app


def _notice_to_past(app: Application, days: int) -> Application:
    start = timezone.localdate() - timedelta(days=days)
    Application.objects.filter(pk=app.pk).update(
        notice_start=start, notice_end=start + timedelta(days=6)
    )
    return _fresh(app)


def _drive(app: Application, target: str, cast: _Cast, rng: random.Random) -> Application:
    steps: dict[str, Callable[[], Application]] = {
        "draft": lambda: app,
        "returned": lambda: _act(
            _act(app, "submit", cast.enterprise_user),
            "county_return",
            cast.county,
            reason="请补充智能化改造投资明细和建设成效数据。",
        ),
        "withdrawn": lambda: _act(
            _act(app, "submit", cast.enterprise_user),
            "withdraw",
            cast.enterprise_user,
            reason="企业决定明年再申报。",
        ),
        "county_review": lambda: _act(app, "submit", cast.enterprise_user),
        "city_review": lambda: _act(
            _act(app, "submit", cast.enterprise_user),
            "county_approve",
            cast.county,
            reason="材料齐全，同意上报。",
        ),
        "direct": lambda: _act(app, "submit", cast.enterprise_user),
        "province_review": lambda: _to_province(app, cast),
        "resubmitted": lambda: _resubmitted(app, cast),
    }
    if target in steps:
        return steps[target]()
    app = _to_province(app, cast)
    if target == "site_check":
        app = _act(app, "require_site_check", cast.province, reason="风险抽样：核查产线与系统。")
    app = _through_experts(app, cast, all_sheets=target != "expert_review")
    if target in ("expert_review", "site_check"):
        return app
    if target == "rejected":
        return _act(app, "province_reject", cast.province, reason="专家评审认为示范性不足。")
    if target == "decision":
        return app
    app = _act(app, "approve", cast.province)
    if target == "public_notice":
        return app
    app = _notice_to_past(app, days=rng.randrange(20, 120))
    return _act(app, "recognise", cast.province)


def _resubmitted(app: Application, cast: _Cast) -> Application:
    app = _act(
        _act(app, "submit", cast.enterprise_user),
        "county_return",
        cast.county,
        reason="项目概况过于简略，请补充。",
    )
    app = _fresh(app)
    application_update(
        application=app,
        by=cast.enterprise_user,
        revision=app.revision,
        summary=app.summary + "补充：建成 5G 全连接工厂，关键工序数控化率 92%。",
        investment_10k_yuan="3680.00",
    )
    return _act(app, "submit", cast.enterprise_user)


def _applicants(rng: random.Random) -> list[Enterprise]:
    above = (
        Enterprise.objects.filter(categories__category_id="demo")
        .filter(categories__category_id="above_scale")
        .distinct()
        .order_by("uscc")
    )
    first = _demo_user("demo-enterprise-a1")
    pool = list(above)
    rng.shuffle(pool)
    chosen = [first.enterprise] if first and first.enterprise else []
    chosen += [e for e in pool if e not in chosen][: len(TARGETS) - len(chosen)]
    return [e for e in chosen if e is not None]


def _cast(enterprise: Enterprise, experts: list[User]) -> _Cast:
    county = Region.objects.get(code=enterprise.county_id)
    city = Region.objects.get(code=enterprise.city_id)
    province = _demo_user("demo-province") or _auto_user(
        "province-32", Role.PROVINCE, region=Region.objects.get(code="32")
    )
    return _Cast(
        _enterprise_user(enterprise),
        _official(Role.COUNTY, county),
        _official(Role.CITY, city),
        province,
        experts,
    )


def _experts() -> list[User]:
    first = _demo_user("demo-expert")
    others = [
        _auto_user(f"expert-{i}", Role.EXPERT, organisation="评审专家库（演示）") for i in (1, 2)
    ]
    return [first, *others] if first else others


def _content(app: Application, enterprise: Enterprise, rng: random.Random) -> Application:
    return application_update(
        application=app,
        by=_enterprise_user(enterprise),
        revision=app.revision,
        summary=f"{enterprise.name}建设智能工厂：部署 MES、WMS 与设备联网平台，关键工序数控化。",
        achievements=(
            f"生产效率提升 {rng.randrange(15, 40)}%，产品不良率下降 {rng.randrange(10, 35)}%。"
        ),
        investment_10k_yuan=f"{rng.randrange(800, 9000)}.00",
        contact_name="张工（演示）",
        contact_phone=f"139{rng.randrange(10**7, 10**8)}",
        contact_email="contact@example.com",
    )


@transaction.atomic
def demo_applications(*, seed: int) -> DemoApplicationResult:
    outcome = DemoApplicationResult()
    if Application.objects.filter(created_by__username__startswith="demo-").exists():
        outcome.skipped = True
        return outcome
    rng = random.Random(seed)
    experts = _experts()
    year = timezone.localdate().year
    for enterprise, target in zip(_applicants(rng), TARGETS, strict=False):
        cast = _cast(enterprise, experts)
        if target == "direct":
            strategic = Category.objects.filter(code="strategic").first()
            if strategic is not None:
                EnterpriseCategory.objects.get_or_create(
                    enterprise=enterprise, category=strategic, year=year
                )
        for code in MODELS:
            outcome.evidence += _result(enterprise, code, cast.enterprise_user, rng)[1]
        kind = next(
            (
                code
                for code in ("advanced_factory", "smart_workshop")
                if eligibility_check(enterprise=enterprise, type_code=code, year=year).eligible
            ),
            None,
        )
        if kind is None:  # stays a draft: its page shows the reasons
            outcome.ineligible += 1
            kind, target = "advanced_factory", "draft"
        app = application_create(by=cast.enterprise_user, type_code=kind, year=year)
        app = _content(app, enterprise, rng)
        app = _drive(app, target, cast, rng)
        outcome.by_status[app.status] = outcome.by_status.get(app.status, 0) + 1
    audit_record(
        action="demo.applications",
        object_type="recognition.application",
        after={"seed": seed, "by_status": outcome.by_status},
        note=f"generate_demo_applications --seed {seed}",
    )
    return outcome
