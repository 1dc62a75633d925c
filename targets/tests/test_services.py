"""The target tracker's writes: loading the plan, adjusting targets, reporting and reviewing
actuals (with evidence), splitting targets over cities and counties, and cities' work plans."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.models import User
from assessments.tests import hostile
from assessments.uploads import UploadRejected
from audit.models import AuditEvent
from targets import access, services
from targets.models import (
    Allocation,
    PlanTask,
    Report,
    ReportEvidence,
    Target,
    TargetRevision,
    WorkPlan,
)
from targets.plan import load_plan
from targets.services import ReportInput

RACKS = "standard_racks"  # task 9: lead 省数据局, cooperating 省工业和信息化厅, 省通信管理局 …
PARK_SHARE = "gigabit_park_share"  # task 8, a share (%)
TRAININGS = "manufacturing_skill_trainings"  # task 19, per year
DRILLS = "security_drills_per_city"  # task 14, every city, per year
COMPUTED = "basic_factory_coverage"  # task 1, computed by the platform


def target(code: str) -> Target:
    return Target.objects.select_related("task").get(code=code)


def item(code: str, region, *, value: float = 10, year: int = 2026, quarter: int = 2, **kw):
    kw.setdefault("evidence_text", "2026年二季度统计快报")
    return ReportInput(
        target=target(code), region=region, year=year, quarter=quarter, value=value, **kw
    )


def submitted(code: str, region, by: User, **kw) -> Report:
    return services.report_submit(item=item(code, region, **kw), by=by)


def stored_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


@pytest.fixture
def media(settings, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


# --- the plan --------------------------------------------------------------------------------


def test_plan_load_creates_the_twenty_tasks_and_every_target_of_the_plan(db):
    expected = {t.code for task in load_plan().tasks for t in task.targets}

    result = services.plan_load()

    assert PlanTask.objects.count() == 20
    assert set(Target.objects.values_list("code", flat=True)) == expected
    assert (result.tasks_created, result.targets_created) == (20, len(expected))


def test_plan_load_twice_creates_nothing_new(db):
    services.plan_load()
    audits = AuditEvent.objects.count()

    again = services.plan_load()

    assert (again.tasks_created, again.targets_created) == (0, 0)
    assert again.targets_kept == Target.objects.count()
    assert PlanTask.objects.count() == 20
    assert AuditEvent.objects.count() == audits


def test_a_target_adjusted_by_the_province_survives_a_reload(plan, people):
    services.target_update(
        target=target(RACKS), changes={"value_2027": 90}, reason="省政府调整", by=people["miit"]
    )

    services.plan_load()

    racks = target(RACKS)
    assert (racks.value_2027, racks.version) == (90, 2)


# --- adjusting targets -----------------------------------------------------------------------


@pytest.mark.parametrize("who", ["city", "county", "enterprise", "expert", "provider"])
def test_only_the_province_adjusts_targets(plan, people, who):
    with pytest.raises(PermissionDenied):
        services.target_update(
            target=target(RACKS), changes={"value_2027": 90}, reason="调整", by=people[who]
        )

    assert (target(RACKS).value_2027, target(RACKS).version) == (80, 1)
    assert not TargetRevision.objects.exists()


def test_target_update_needs_a_reason(plan, people):
    with pytest.raises(ValidationError) as caught:
        services.target_update(
            target=target(RACKS), changes={"value_2027": 90}, reason="  ", by=people["miit"]
        )

    assert caught.value.messages == [services.REASON_REQUIRED]
    assert target(RACKS).value_2027 == 80


def test_target_update_refuses_a_change_that_changes_nothing(plan, people):
    with pytest.raises(ValidationError) as caught:
        services.target_update(
            target=target(RACKS), changes={"value_2027": 80}, reason="核对", by=people["miit"]
        )

    assert caught.value.messages == [services.NOTHING_CHANGED]
    assert not TargetRevision.objects.exists()


def test_target_update_keeps_the_change_its_reason_and_an_audit_row(plan, people):
    updated = services.target_update(
        target=target(RACKS),
        changes={"value_2027": 90, "note": "含在建"},
        reason="根据国家部署上调",
        by=people["miit"],
    )

    racks = target(RACKS)
    revision = TargetRevision.objects.get(target=racks)
    assert updated.version == racks.version == revision.version == 2
    assert (racks.value_2027, racks.note) == (90, "含在建")
    assert revision.changes["value_2027"] == [80, 90]
    assert revision.changes["note"][1] == "含在建"
    assert (revision.reason, revision.changed_by) == ("根据国家部署上调", people["miit"])
    event = AuditEvent.objects.get(action="target.update", object_id=RACKS)
    assert (event.before["value_2027"], event.after["value_2027"]) == (80, 90)
    assert event.note == "根据国家部署上调"


def test_a_second_adjustment_increments_the_version_again(plan, people):
    for value in (90, 95):
        services.target_update(
            target=target(RACKS), changes={"value_2027": value}, reason="调整", by=people["miit"]
        )

    assert target(RACKS).version == 3
    assert list(TargetRevision.objects.values_list("version", flat=True)) == [3, 2]


@pytest.mark.parametrize(
    ("code", "changes", "message"),
    [
        (PARK_SHARE, {"value_2027": 120}, services.SHARE_OVER_100),
        (RACKS, {"value_2027": -1}, services.BAD_VALUE),
        (RACKS, {"value_2027": "很多"}, services.BAD_VALUE),
        (RACKS, {"value_2027": float("nan")}, services.BAD_VALUE),
        (TRAININGS, {"values": {"2026": -5}}, services.BAD_VALUE),
        ("ai_leading_enterprises", {"value_max": 2}, services.BAD_RANGE),
        (RACKS, {"bound": "range"}, services.BAD_RANGE),
    ],
)
def test_target_update_refuses_values_out_of_range(plan, people, code, changes, message):
    before = target(code)

    with pytest.raises(ValidationError) as caught:
        services.target_update(target=before, changes=changes, reason="调整", by=people["miit"])

    assert caught.value.messages == [message]
    after = target(code)
    assert (after.value_2027, after.value_max, after.values) == (
        before.value_2027,
        before.value_max,
        before.values,
    )
    assert not TargetRevision.objects.exists()


# --- who may report --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "code", "where"),
    [
        ("data", RACKS, "province"),  # the task's lead department
        ("miit", RACKS, "province"),  # a cooperating department
        ("telecom", PARK_SHARE, "province"),
        ("city", RACKS, "p"),  # a city reports its own figure
        ("city", DRILLS, "p"),
        ("city_q", DRILLS, "q"),
    ],
)
def test_the_responsible_department_or_city_may_report(plan, people, who, code, where):
    region = getattr(plan, where)

    report = submitted(code, region, people[who])

    report.refresh_from_db()
    assert (report.status, report.submitted_by, report.region) == (
        Report.Status.SUBMITTED,
        people[who],
        region,
    )
    assert access.may_report(people[who], target(code), region)
    assert AuditEvent.objects.filter(action="report.submit", object_id=str(report.pk)).exists()


@pytest.mark.parametrize(
    ("who", "code", "where"),
    [
        ("education", RACKS, "province"),  # a department the task does not name
        ("province", RACKS, "province"),  # a province account with no department
        ("miit", DRILLS, "province"),  # an every-city target has no province figure
        ("miit", RACKS, "p"),  # a department does not report a city's figure
        ("city", RACKS, "q"),  # another city
        ("city", RACKS, "province"),
        ("county", RACKS, "x"),
        ("county", RACKS, "p"),
        ("enterprise", RACKS, "p"),
        ("expert", RACKS, "province"),
        ("provider", RACKS, "province"),
        ("admin", RACKS, "province"),
        ("miit", COMPUTED, "province"),  # computed by the platform: nobody reports it
        ("city", COMPUTED, "p"),
    ],
)
def test_others_may_not_report(plan, people, who, code, where):
    region = getattr(plan, where)

    with pytest.raises(ValidationError) as caught:
        submitted(code, region, people[who])

    assert services.NOT_REPORTER in caught.value.messages
    assert not access.may_report(people[who], target(code), region)
    assert not Report.objects.exists()


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"year": 2024}, services.BAD_YEAR),
        ({"year": 2028}, services.BAD_YEAR),
        ({"quarter": 5}, services.BAD_QUARTER),
        ({"value": -1}, services.BAD_VALUE),
        ({"value": float("inf")}, services.BAD_VALUE),
    ],
)
def test_a_report_outside_the_plan_or_negative_is_refused(plan, people, changes, message):
    with pytest.raises(ValidationError) as caught:
        submitted(RACKS, plan.province, people["data"], **changes)

    assert caught.value.messages == [message]
    assert not Report.objects.exists()


def test_a_share_above_100_is_refused(plan, people):
    with pytest.raises(ValidationError) as caught:
        submitted(PARK_SHARE, plan.province, people["telecom"], value=100.5)

    assert caught.value.messages == [services.SHARE_OVER_100]
    assert not Report.objects.exists()


# --- review ----------------------------------------------------------------------------------


@pytest.fixture
def pending(plan, people) -> Report:
    """Racks reported by 省通信管理局 (a cooperating department of task 9)."""
    return submitted(RACKS, plan.province, people["telecom"], value=62.5)


def test_the_submitter_cannot_approve_their_own_report(plan, people):
    own = submitted(RACKS, plan.province, people["data"])

    with pytest.raises(PermissionDenied):
        services.report_approve(report=own, by=people["data"])

    own.refresh_from_db()
    assert (own.status, own.reviewed_by) == (Report.Status.SUBMITTED, None)


@pytest.mark.parametrize("who", ["data", "miit", "miit_2"])  # lead; coordinator (with a note)
def test_the_lead_or_coordinating_department_approves(pending, people, who):
    services.report_approve(report=pending, by=people[who], note="数据核实")

    pending.refresh_from_db()
    assert (pending.status, pending.reviewed_by) == (Report.Status.APPROVED, people[who])
    assert pending.reviewed_at is not None
    assert AuditEvent.objects.filter(action="report.approve", object_id=str(pending.pk)).exists()


@pytest.mark.parametrize("who", ["telecom", "finance", "education", "province", "city", "admin"])
def test_another_department_or_role_cannot_review(pending, people, who):
    with pytest.raises(PermissionDenied):
        services.report_approve(report=pending, by=people[who])
    with pytest.raises(PermissionDenied):
        services.report_reject(report=pending, by=people[who], note="不符")

    pending.refresh_from_db()
    assert pending.status == Report.Status.SUBMITTED


def test_a_rejection_needs_a_note(pending, people):
    with pytest.raises(ValidationError) as caught:
        services.report_reject(report=pending, by=people["data"], note=" ")

    assert caught.value.messages == [services.REJECT_NEEDS_NOTE]
    pending.refresh_from_db()
    assert pending.status == Report.Status.SUBMITTED


def test_a_rejection_keeps_its_note(pending, people):
    services.report_reject(report=pending, by=people["data"], note="口径与统计局不一致")

    pending.refresh_from_db()
    assert (pending.status, pending.review_note) == (Report.Status.REJECTED, "口径与统计局不一致")


@pytest.mark.parametrize("first", ["approve", "reject"])
@pytest.mark.parametrize("second", ["approve", "reject"])
def test_a_reviewed_report_cannot_be_reviewed_again(pending, people, first, second):
    review = {"approve": services.report_approve, "reject": services.report_reject}
    review[first](report=pending, by=people["data"], note="第一次审核")

    with pytest.raises(ValidationError) as caught:
        review[second](report=pending, by=people["miit"], note="第二次审核")

    assert caught.value.messages == [services.NOT_PENDING]
    pending.refresh_from_db()
    assert pending.reviewed_by == people["data"]


def test_a_second_pending_report_for_the_same_period_is_refused(pending, plan, people):
    with pytest.raises(ValidationError) as caught:
        submitted(RACKS, plan.province, people["data"], value=63)

    assert caught.value.messages == [services.PENDING_EXISTS]
    assert Report.objects.count() == 1


def test_another_period_may_be_reported_while_one_waits(pending, plan, people):
    submitted(RACKS, plan.province, people["data"], quarter=3)

    assert Report.objects.filter(status=Report.Status.SUBMITTED).count() == 2


def test_after_rejection_a_corrected_report_may_be_submitted(pending, plan, people):
    services.report_reject(report=pending, by=people["data"], note="请核对")

    corrected = submitted(RACKS, plan.province, people["telecom"], value=61)

    assert corrected.pk != pending.pk
    assert list(Report.objects.values_list("status", "value").order_by("pk")) == [
        (Report.Status.REJECTED, 62.5),
        (Report.Status.SUBMITTED, 61),
    ]


# --- evidence --------------------------------------------------------------------------------


def test_a_report_needs_evidence(plan, people):
    with pytest.raises(ValidationError) as caught:
        submitted(RACKS, plan.province, people["data"], evidence_text="  ")

    assert caught.value.messages == [services.EVIDENCE_REQUIRED]
    assert not Report.objects.exists()


@pytest.mark.parametrize(
    ("name", "content"),
    [("统计快报.pdf", hostile.pdf_bytes()), ("现场照片.png", hostile.png_bytes())],
)
def test_a_file_is_stored_as_report_evidence(plan, people, media, name, content):
    report = services.report_submit(
        item=item(RACKS, plan.province, evidence_text=""),
        files=[(SimpleUploadedFile(name, content), name)],
        by=people["data"],
    )

    evidence = ReportEvidence.objects.get(report=report)
    assert (evidence.original_name, evidence.size) == (name, len(content))
    assert stored_files(media) == [media / "evidence" / evidence.stored_name]
    assert (media / "evidence" / evidence.stored_name).read_bytes() == content


def test_a_rejected_file_leaves_no_report_and_no_stored_file(plan, people, media):
    files = [
        (SimpleUploadedFile("照片.png", hostile.png_bytes()), "照片.png"),
        (SimpleUploadedFile("通知.pdf", hostile.HTML_SCRIPT), "通知.pdf"),
    ]

    with pytest.raises(UploadRejected):
        services.report_submit(item=item(RACKS, plan.province), files=files, by=people["data"])

    assert not Report.objects.exists()
    assert not ReportEvidence.objects.exists()
    assert stored_files(media) == []


def test_a_refused_report_removes_the_files_it_stored(pending, plan, people, media):
    files = [(SimpleUploadedFile("照片.png", hostile.png_bytes()), "照片.png")]

    with pytest.raises(ValidationError) as caught:
        services.report_submit(item=item(RACKS, plan.province), files=files, by=people["data"])

    assert caught.value.messages == [services.PENDING_EXISTS]
    assert Report.objects.count() == 1
    assert stored_files(media) == []


# --- reports_import --------------------------------------------------------------------------


def test_reports_import_applies_nothing_when_one_row_conflicts(pending, plan, people):
    items = [item(RACKS, plan.province, quarter=1), item(RACKS, plan.province, quarter=2)]

    with pytest.raises(ValidationError):
        services.reports_import(items=items, by=people["data"], source="xlsx:test")

    assert list(Report.objects.all()) == [pending]


@pytest.mark.parametrize(
    ("who", "changes", "message"),
    [
        ("education", {}, services.NOT_REPORTER),
        ("data", {"year": 2030}, services.BAD_YEAR),
        ("data", {"evidence_text": ""}, services.EVIDENCE_REQUIRED),
    ],
)
def test_reports_import_checks_every_row_itself(plan, people, who, changes, message):
    items = [item(RACKS, plan.province, quarter=1), item(RACKS, plan.province, **changes)]

    with pytest.raises(ValidationError) as caught:
        services.reports_import(items=items, by=people[who], source="xlsx:test")

    assert message in caught.value.messages
    assert not Report.objects.exists()


# --- decomposition ---------------------------------------------------------------------------


def test_allocation_default_splits_a_count_over_cities_in_proportion_to_the_base(plan, people):
    platforms = "enterprise_platforms"  # 200 个 by 2027
    written = services.allocation_default(
        target=target(platforms),
        parent=plan.province,
        base={"3201": 2, "3205": 1},
        by=people["miit"],
    )

    values = dict(Allocation.objects.filter(target=platforms).values_list("region_id", "value"))
    assert values == {"3201": 133, "3205": 67}  # 133.33 and 66.67: the spare unit to the larger
    assert sum(values.values()) == 200
    assert {a.year for a in written} == {0}
    assert set(Allocation.objects.values_list("method", "basis")) == {
        (Allocation.Method.PROPORTIONAL, 2),
        (Allocation.Method.PROPORTIONAL, 1),
    }


def test_allocation_default_splits_a_measure_without_rounding(plan, people):
    services.allocation_default(
        target=target(RACKS), parent=plan.province, base={"3201": 2, "3205": 1}, by=people["miit"]
    )

    values = dict(Allocation.objects.filter(target=RACKS).values_list("region_id", "value"))
    assert values == pytest.approx({"3201": 160 / 3, "3205": 80 / 3})  # 万架: not whole units
    assert sum(values.values()) == pytest.approx(80)


def test_allocation_default_splits_a_per_year_target_for_each_year(plan, people):
    services.allocation_default(
        target=target(TRAININGS),
        parent=plan.province,
        base={"3201": 5, "3205": 2},
        by=people["miit"],
    )

    for year in (2025, 2026, 2027):
        rows = Allocation.objects.filter(target=TRAININGS, year=year)
        assert sum(rows.values_list("value", flat=True)) == 100_000
    assert not Allocation.objects.filter(target=TRAININGS, year=0).exists()


def test_allocation_default_gives_every_city_the_same_share(plan, people):
    services.allocation_default(
        target=target(PARK_SHARE),
        parent=plan.province,
        base={"3201": 9, "3205": 1},
        by=people["miit"],
    )

    values = dict(Allocation.objects.filter(target=PARK_SHARE).values_list("region_id", "value"))
    assert values == {"3201": 60, "3205": 60}


def test_allocation_default_replaces_earlier_allocations(plan, people):
    for base in ({"3201": 1, "3205": 1}, {"3201": 3, "3205": 1}):
        services.allocation_default(
            target=target(RACKS), parent=plan.province, base=base, by=people["miit"]
        )

    values = dict(Allocation.objects.filter(target=RACKS).values_list("region_id", "value"))
    assert values == {"3201": 60, "3205": 20}


def test_allocation_default_refuses_a_target_of_every_city(plan, people):
    with pytest.raises(ValidationError) as caught:
        services.allocation_default(
            target=target(DRILLS), parent=plan.province, base={"3201": 1}, by=people["miit"]
        )

    assert caught.value.messages == [services.NOT_ALLOCATABLE]
    assert not Allocation.objects.exists()


def test_allocation_default_needs_a_base_for_a_count(plan, people):
    with pytest.raises(ValidationError) as caught:
        services.allocation_default(
            target=target(RACKS), parent=plan.province, base={}, by=people["miit"]
        )

    assert caught.value.messages == [services.NO_BASE]


@pytest.mark.parametrize("who", ["city", "county", "enterprise"])
def test_only_the_province_splits_a_target_over_cities(plan, people, who):
    with pytest.raises(PermissionDenied):
        services.allocation_default(
            target=target(RACKS), parent=plan.province, base={"3201": 1}, by=people[who]
        )

    assert not Allocation.objects.exists()


def test_a_city_sets_the_share_of_its_own_county(plan, people):
    services.allocation_set(
        target=target(RACKS), region=plan.x, year=0, value=4, reason="玄武区承接", by=people["city"]
    )

    allocation = Allocation.objects.get(target=RACKS, region=plan.x)
    assert (allocation.value, allocation.method, allocation.reason) == (
        4,
        Allocation.Method.SET,
        "玄武区承接",
    )
    assert AuditEvent.objects.filter(action="target.allocate").exists()


@pytest.mark.parametrize(
    ("who", "where"),
    [
        ("city", "z"),  # a county of another city
        ("city", "q"),  # a city: the province's to set
        ("city_q", "x"),
        ("county", "x"),
        ("enterprise", "x"),
    ],
)
def test_a_region_outside_ones_remit_cannot_be_allocated(plan, people, who, where):
    with pytest.raises(PermissionDenied):
        services.allocation_set(
            target=target(RACKS),
            region=getattr(plan, where),
            year=0,
            value=4,
            reason="",
            by=people[who],
        )

    assert not Allocation.objects.exists()


@pytest.mark.parametrize(
    ("code", "year", "value", "message"),
    [
        (RACKS, 2026, 4, services.BAD_YEAR),  # an end-of-plan target is split for year 0
        (TRAININGS, 0, 4, services.BAD_YEAR),
        (PARK_SHARE, 0, 101, services.SHARE_OVER_100),
        (RACKS, 0, -1, services.BAD_VALUE),
    ],
)
def test_allocation_set_refuses_bad_values(plan, people, code, year, value, message):
    with pytest.raises(ValidationError) as caught:
        services.allocation_set(
            target=target(code), region=plan.p, year=year, value=value, reason="", by=people["miit"]
        )

    assert caught.value.messages == [message]
    assert not Allocation.objects.exists()


# --- work plans ------------------------------------------------------------------------------


def save_plan(region, by: User, **commitments) -> WorkPlan:
    return services.work_plan_save(
        region=region,
        year=2026,
        summary="推进智能工厂梯度培育",
        commitments=commitments or {RACKS: (6, "新建算力中心")},
        by=by,
    )


def test_a_city_saves_and_submits_its_work_plan(plan, people):
    draft = save_plan(plan.p, people["city"])

    submitted_plan = services.work_plan_submit(plan=draft, by=people["city"])

    submitted_plan.refresh_from_db()
    assert submitted_plan.status == WorkPlan.Status.SUBMITTED
    assert submitted_plan.submitted_at is not None
    assert list(submitted_plan.commitments.values_list("target_id", "value", "measures")) == [
        (RACKS, 6, "新建算力中心")
    ]


def test_a_blank_commitment_removes_it(plan, people):
    save_plan(plan.p, people["city"])

    saved = save_plan(plan.p, people["city"], **{RACKS: ("", ""), PARK_SHARE: (70, "")})

    assert list(saved.commitments.values_list("target_id", flat=True)) == [PARK_SHARE]


@pytest.mark.parametrize("who", ["miit", "province", "city_q", "county", "enterprise", "admin"])
def test_only_the_citys_officials_write_its_work_plan(plan, people, who):
    with pytest.raises(PermissionDenied):
        save_plan(plan.p, people[who])

    assert not WorkPlan.objects.exists()


@pytest.mark.parametrize("who", ["miit", "city_q", "county"])
def test_only_the_citys_officials_submit_its_work_plan(plan, people, who):
    draft = save_plan(plan.p, people["city"])

    with pytest.raises(PermissionDenied):
        services.work_plan_submit(plan=draft, by=people[who])

    draft.refresh_from_db()
    assert draft.status == WorkPlan.Status.DRAFT


def test_a_submitted_work_plan_is_read_only(plan, people):
    draft = save_plan(plan.p, people["city"])
    services.work_plan_submit(plan=draft, by=people["city"])

    with pytest.raises(ValidationError) as saving:
        save_plan(plan.p, people["city"], **{RACKS: (9, "改")})
    with pytest.raises(ValidationError) as submitting:
        services.work_plan_submit(plan=draft, by=people["city"])

    assert saving.value.messages == submitting.value.messages == [services.PLAN_SUBMITTED]
    assert list(draft.commitments.values_list("value", flat=True)) == [6]


@pytest.mark.parametrize("year", [2024, 2028])
def test_a_work_plan_outside_the_plan_years_is_refused(plan, people, year):
    with pytest.raises(ValidationError) as caught:
        services.work_plan_save(
            region=plan.p, year=year, summary="", commitments={}, by=people["city"]
        )

    assert caught.value.messages == [services.BAD_YEAR]
    assert not WorkPlan.objects.exists()


def test_a_work_plan_with_an_unknown_target_writes_nothing(plan, people):
    with pytest.raises(ValidationError):
        save_plan(plan.p, people["city"], **{RACKS: (6, ""), "no_such_target": (1, "")})

    assert not WorkPlan.objects.exists()
