"""Objects of the target tracker's reporting and work-plan routes for the authorization matrix
(tests/test_policy.py): a submitted report with an evidence file for city P (南京, world
enterprises E1 and E2) and for city Q (苏州, E3), each submitted by that city's official, and a
submitted 2026 work plan of each city. The matrix's province official is made an official of
省工业和信息化厅 (the coordinating department), so it may review the reports."""

from __future__ import annotations

import io
from typing import Any

from accounts.models import Role, User
from assessments import uploads
from conftest import World, make_user
from registry.models import Region
from targets.models import PlanTask, Report, ReportEvidence, Target, WorkPlan

OBJECT_KEYS: dict[str, list[str]] = {
    "target_report": ["e1", "e2", "e3"],
    "target_report_evidence": ["e1", "e2", "e3"],
    "plan_year": ["plan"],
    "city_work_plan": ["e1", "e2", "e3"],
}
COORDINATING = "江苏省工业和信息化厅"


def make_reported_target() -> Target:
    """Task 10 and its reported target 省级企业级工业互联网平台 (cumulative, 200 by 2027)."""
    task, _ = PlanTask.objects.get_or_create(
        number=10,
        defaults={
            "part": "三",
            "title_zh": "加快工业互联网平台体系建设",
            "title_en": "Industrial internet platforms",
            "lead": "省工业和信息化厅",
            "cooperating": ["省财政厅", "省数据局", "省通信管理局"],
        },
    )
    target, _ = Target.objects.get_or_create(
        code="enterprise_platforms",
        defaults={
            "task": task,
            "name_zh": "省级企业级工业互联网平台",
            "name_en": "Provincial enterprise-level industrial internet platforms",
            "metric": "provincial enterprise-level platforms",
            "unit": "个",
            "kind": Target.Kind.CUMULATIVE,
            "bound": Target.Bound.AT_LEAST,
            "value_2027": 200,
            "scope": Target.Scope.PROVINCE,
            "actual": Target.Actual.REPORTED,
            "quote": "培育省级企业级工业互联网平台200个以上",
        },
    )
    return target


def _report(target: Target, city: Region, by: User) -> tuple[Report, ReportEvidence]:
    report = Report.objects.create(
        target=target,
        region=city,
        year=2026,
        quarter=2,
        value=12,
        evidence_text="平台名单",
        department=f"{city.name}工业和信息化局",
        submitted_by=by,
    )
    file = io.BytesIO("平台名单\n".encode())
    checked = uploads.validate_upload(file, original_name="名单.txt")
    evidence = ReportEvidence.objects.create(
        report=report,
        stored_name=uploads.store_upload(file, checked),
        original_name=checked.safe_display_name,
        content_type=checked.content_type,
        kind=checked.kind,
        size=checked.size,
        sha256=checked.sha256,
        uploaded_by=by,
    )
    return report, evidence


def build(world: World) -> dict[str, dict[str, Any]]:
    province = world.users["province"]
    province.organisation = COORDINATING
    province.save(update_fields=["organisation"])
    city_q = make_user("city_q", Role.CITY, region=world.q)
    target = make_reported_target()
    p_report, p_evidence = _report(target, world.p, world.users["city"])
    q_report, q_evidence = _report(target, world.q, city_q)
    plans = {
        city.code: WorkPlan.objects.create(
            region=city, year=2026, summary="举措", status="submitted", created_by=by
        )
        for city, by in ((world.p, world.users["city"]), (world.q, city_q))
    }
    return {
        "target_report": {"e1": p_report, "e2": p_report, "e3": q_report},
        "target_report_evidence": {"e1": p_evidence, "e2": p_evidence, "e3": q_evidence},
        "plan_year": {"plan": {"year": 2026}},
        "city_work_plan": {"e1": plans["3201"], "e2": plans["3201"], "e3": plans["3205"]},
    }
