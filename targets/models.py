"""The target tracker's tables: the plan's tasks and targets (editable by the province, with
history), their split over cities and counties, cities' annual work plans, and reported actuals
with evidence and an approval step. Computed actuals are not stored here: they are read from
the monitoring snapshots (targets/actuals.py)."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class PlanTask(models.Model):
    """One of the plan's 20 tasks (重点任务), with the departments the plan names for it."""

    number = models.PositiveSmallIntegerField(_("任务序号"), primary_key=True)
    part = models.CharField(_("篇章"), max_length=2)
    title_zh = models.CharField(_("任务名称"), max_length=100)
    title_en = models.CharField(_("英文名称"), max_length=200)
    lead = models.CharField(_("牵头部门"), max_length=60)
    cooperating = models.JSONField(_("配合部门"), default=list, blank=True)
    departments_text = models.TextField(_("责任部门（原文）"), blank=True)

    class Meta:
        verbose_name = _("重点任务")
        verbose_name_plural = _("重点任务")
        ordering = ["number"]

    def __str__(self) -> str:
        return f"{self.number}. {self.title_zh}"

    @property
    def departments(self) -> list[str]:
        return [self.lead, *self.cooperating]


class Target(models.Model):
    """A quantified target of the plan (规划目标). Loaded from targets/data/plan-2025-2027.yaml;
    the province may adjust values with a reason (TargetRevision keeps every change)."""

    class Kind(models.TextChoices):
        CUMULATIVE = "cumulative", _("累计")
        PER_YEAR = "per_year", _("每年")
        SHARE = "share", _("占比")
        FULL_COVERAGE = "full_coverage", _("全覆盖")
        COUNT = "count", _("规模")

    class Bound(models.TextChoices):
        AT_LEAST = "at_least", _("不少于")
        ABOUT = "about", _("约")
        EXACTLY = "exactly", _("达到")
        RANGE = "range", _("区间")

    class Scope(models.TextChoices):
        PROVINCE = "province", _("全省")
        EACH_CITY = "each_city", _("每个设区市")

    class Period(models.TextChoices):
        PLAN = "plan", _("规划期末")
        YEAR = "year", _("每年重新计算")

    class Actual(models.TextChoices):
        COMPUTED = "computed", _("平台计算")
        REPORTED = "reported", _("部门/城市上报")

    code = models.SlugField(_("编码"), max_length=60, primary_key=True)
    task = models.ForeignKey(
        PlanTask, on_delete=models.PROTECT, related_name="targets", verbose_name=_("任务")
    )
    position = models.PositiveSmallIntegerField(_("顺序"), default=0)
    name_zh = models.CharField(_("目标名称"), max_length=120)
    name_en = models.CharField(_("英文名称"), max_length=200)
    metric = models.TextField(_("指标口径"))
    unit = models.CharField(_("单位"), max_length=20)
    kind = models.CharField(_("类型"), max_length=16, choices=Kind.choices)
    bound = models.CharField(_("约束"), max_length=10, choices=Bound.choices)
    baseline = models.FloatField(_("基期值"), null=True, blank=True)
    # {"2025": 10000, ...}: the value for each year (per-year targets, yearly milestones).
    values = models.JSONField(_("分年度目标"), default=dict, blank=True)
    value_2027 = models.FloatField(_("2027年目标值"), null=True, blank=True)
    value_max = models.FloatField(_("区间上限"), null=True, blank=True)
    scope = models.CharField(_("范围"), max_length=10, choices=Scope.choices)
    # year: a share measured afresh every year (progress runs over the calendar year, like a
    # per-year count); plan: measured against the plan's end.
    period = models.CharField(
        _("考核周期"), max_length=4, choices=Period.choices, default=Period.PLAN
    )
    actual = models.CharField(_("实际值来源"), max_length=10, choices=Actual.choices)
    # The platform figure of a computed target (targets.plan.Figure as a mapping).
    figure = models.JSONField(_("计算口径"), null=True, blank=True)
    quote = models.TextField(_("规划原文"))
    verified = models.BooleanField(_("已核实"), default=False)
    note = models.TextField(_("说明"), blank=True)
    version = models.PositiveIntegerField(_("版本"), default=1)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("规划目标")
        verbose_name_plural = _("规划目标")
        ordering = ["task", "position", "code"]
        constraints = [
            models.CheckConstraint(
                name="target_range_has_max",
                condition=~models.Q(bound="range") | models.Q(value_max__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return self.name_zh

    def value_for(self, year: int) -> float | None:
        """The target's value for `year`: the year's value, else the 2027 value (a cumulative,
        share or count target is measured against its end-of-plan value in every year)."""
        value = self.values.get(str(year))
        if value is not None:
            return float(value)
        if self.kind == self.Kind.PER_YEAR:
            return None
        return self.value_2027

    @property
    def is_computed(self) -> bool:
        return self.actual == self.Actual.COMPUTED

    @property
    def progress_kind(self) -> str:
        """The kind progress is measured as: a share measured afresh every year runs over the
        calendar year like a per-year target."""
        return self.Kind.PER_YEAR if self.period == self.Period.YEAR else self.kind

    @property
    def is_share(self) -> bool:
        return self.kind in (self.Kind.SHARE, self.Kind.FULL_COVERAGE)


class TargetRevision(models.Model):
    """One adjustment of a target (目标调整): what changed, why, who and when (task 20:
    适时调整目标)."""

    target = models.ForeignKey(
        Target, on_delete=models.CASCADE, related_name="revisions", verbose_name=_("目标")
    )
    version = models.PositiveIntegerField(_("版本"))
    # {"field": [before, after], ...}
    changes = models.JSONField(_("调整内容"))
    reason = models.TextField(_("调整理由"))
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    changed_at = models.DateTimeField(_("调整时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("目标调整记录")
        verbose_name_plural = _("目标调整记录")
        ordering = ["target", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["target", "version"], name="targetrevision_version"),
            models.CheckConstraint(
                name="targetrevision_has_reason", condition=~models.Q(reason="")
            ),
        ]

    def __str__(self) -> str:
        return f"{self.target_id} v{self.version}"


class Allocation(models.Model):
    """A province target's share for one city (set by the province) or one county (set by its
    city): 目标分解. `year` is the year of a per-year target's value, or 0 for the end-of-plan
    value of the other kinds."""

    class Method(models.TextChoices):
        PROPORTIONAL = "proportional", _("按规上企业数分解")
        SET = "set", _("人工设定")

    target = models.ForeignKey(
        Target, on_delete=models.CASCADE, related_name="allocations", verbose_name=_("目标")
    )
    region = models.ForeignKey(
        "registry.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("地区")
    )
    year = models.PositiveSmallIntegerField(_("年度"), default=0)
    value = models.FloatField(_("分解目标值"))
    method = models.CharField(_("方式"), max_length=12, choices=Method.choices)
    # The 规上 count the proportional split used (for the page's explanation).
    basis = models.PositiveIntegerField(_("规上企业数"), null=True, blank=True)
    reason = models.TextField(_("说明"), blank=True)
    set_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    set_at = models.DateTimeField(_("设定时间"), auto_now=True)

    class Meta:
        verbose_name = _("目标分解")
        verbose_name_plural = _("目标分解")
        ordering = ["target", "region", "year"]
        constraints = [
            models.UniqueConstraint(
                fields=["target", "region", "year"],
                name="allocation_one_per_region_year",
            ),
            models.CheckConstraint(
                name="allocation_not_negative", condition=models.Q(value__gte=0)
            ),
        ]

    def __str__(self) -> str:
        return f"{self.target_id} {self.region_id} {self.year or 2027}"


class WorkPlan(models.Model):
    """A city's annual work plan (年度工作计划): its commitments per target and its measures."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("草稿")
        SUBMITTED = "submitted", _("已报送")

    region = models.ForeignKey(
        "registry.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("设区市")
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    summary = models.TextField(_("主要举措"), blank=True)
    status = models.CharField(
        _("状态"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    submitted_at = models.DateTimeField(_("报送时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("年度工作计划")
        verbose_name_plural = _("年度工作计划")
        ordering = ["-year", "region"]
        constraints = [
            models.UniqueConstraint(fields=["region", "year"], name="workplan_one_per_city_year")
        ]

    def __str__(self) -> str:
        return f"{self.region_id} {self.year}"


class Commitment(models.Model):
    """What a city commits to for one target in its work plan."""

    work_plan = models.ForeignKey(
        WorkPlan, on_delete=models.CASCADE, related_name="commitments", verbose_name=_("工作计划")
    )
    target = models.ForeignKey(
        Target, on_delete=models.PROTECT, related_name="+", verbose_name=_("目标")
    )
    value = models.FloatField(_("承诺值"))
    measures = models.TextField(_("工作举措"), blank=True)

    class Meta:
        verbose_name = _("目标承诺")
        verbose_name_plural = _("目标承诺")
        ordering = ["work_plan", "target"]
        constraints = [
            models.UniqueConstraint(
                fields=["work_plan", "target"], name="commitment_one_per_target"
            ),
            models.CheckConstraint(
                name="commitment_not_negative", condition=models.Q(value__gte=0)
            ),
        ]

    def __str__(self) -> str:
        return f"{self.work_plan} {self.target_id}"


QUARTER_END = {1: (3, 31), 2: (6, 30), 3: (9, 30), 4: (12, 31)}


class Report(models.Model):
    """A reported actual (上报实绩): a target's value for one region (the province, by a
    responsible department, or a city, by the city) at the end of one reporting period (a quarter).
    Cumulative, share and count targets report the level at the period's end; per-year targets the
    year to date. Submitted → approved or rejected; only approved reports count. A correction is a
    new report for the same period (the latest approved one counts)."""

    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("待审核")
        APPROVED = "approved", _("已审核")
        REJECTED = "rejected", _("已退回")

    target = models.ForeignKey(
        Target, on_delete=models.PROTECT, related_name="reports", verbose_name=_("目标")
    )
    region = models.ForeignKey(
        "registry.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("地区")
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    quarter = models.PositiveSmallIntegerField(_("季度"))
    value = models.FloatField(_("实绩值"))
    note = models.TextField(_("说明"), blank=True)
    # What the evidence is (document names, links) when no file is attached, e.g. from an upload.
    evidence_text = models.TextField(_("佐证说明"), blank=True)
    department = models.CharField(_("报送单位"), max_length=100, blank=True)
    status = models.CharField(
        _("状态"), max_length=10, choices=Status.choices, default=Status.SUBMITTED
    )
    source = models.CharField(_("报送方式"), max_length=40, default="form")
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    submitted_at = models.DateTimeField(_("报送时间"), auto_now_add=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    reviewed_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    review_note = models.TextField(_("审核意见"), blank=True)

    class Meta:
        verbose_name = _("实绩上报")
        verbose_name_plural = _("实绩上报")
        ordering = ["-year", "-quarter", "-submitted_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["target", "region", "year", "quarter"],
                condition=models.Q(status="submitted"),
                name="report_one_pending_per_period",
            ),
            models.CheckConstraint(
                name="report_quarter", condition=models.Q(quarter__gte=1, quarter__lte=4)
            ),
            models.CheckConstraint(name="report_not_negative", condition=models.Q(value__gte=0)),
            models.CheckConstraint(
                name="report_rejection_has_note",
                condition=~models.Q(status="rejected") | ~models.Q(review_note=""),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.target_id} {self.region_id} {self.year}Q{self.quarter}"

    @property
    def period_end(self) -> datetime.date:
        month, day = QUARTER_END[self.quarter]
        return datetime.date(self.year, month, day)


class ReportEvidence(models.Model):
    """A file attached to a report (stored like assessment evidence: outside the web root under a
    generated name, checked by its content)."""

    report = models.ForeignKey(
        Report, on_delete=models.CASCADE, related_name="evidence", verbose_name=_("上报")
    )
    stored_name = models.CharField(max_length=80, unique=True)
    original_name = models.CharField(_("文件名"), max_length=200)
    content_type = models.CharField(_("文件类型"), max_length=100)
    kind = models.CharField(_("格式"), max_length=10)
    size = models.PositiveBigIntegerField(_("大小（字节）"))
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("上传时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("上报佐证材料")
        verbose_name_plural = _("上报佐证材料")
        ordering = ["report", "uploaded_at"]

    def __str__(self) -> str:
        return self.original_name
