"""Assessments: an enterprise's answers to one published model version, as a draft that several
users edit (optimistic locking on `revision`), then submitted → scored and frozen (the version
pinned, the result stored in full). A provider diagnosis is an assessment filled by an assigned
service provider on the enterprise's behalf, which the enterprise confirms or disputes per section.

Data flow and permissions: assessments/README.md.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ProviderAssignment(models.Model):
    """A city (or the province) assigns a service provider to diagnose an enterprise against a
    model. The provider sees that enterprise's diagnosis and nothing else of it."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("进行中")
        DONE = "done", _("已完成")
        WITHDRAWN = "withdrawn", _("已撤回")

    enterprise = models.ForeignKey(
        "registry.Enterprise",
        on_delete=models.PROTECT,
        related_name="provider_assignments",
        verbose_name=_("企业"),
    )
    provider = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="diagnosis_assignments",
        verbose_name=_("服务商"),
        limit_choices_to={"role": "provider"},
    )
    framework_version = models.ForeignKey(
        "frameworks.FrameworkVersion",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("评估模型"),
    )
    status = models.CharField(
        _("状态"), max_length=10, choices=Status.choices, default=Status.ACTIVE
    )
    note = models.TextField(_("说明"), blank=True)
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("指派人"),
    )
    assigned_at = models.DateTimeField(_("指派时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("诊断服务指派")
        verbose_name_plural = _("诊断服务指派")
        ordering = ["-assigned_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["enterprise", "provider", "framework_version"],
                condition=models.Q(status="active"),
                name="providerassignment_one_active",
            )
        ]

    def __str__(self) -> str:
        return f"{self.provider} → {self.enterprise}"


class Assessment(models.Model):
    class Kind(models.TextChoices):
        SELF = "self", _("企业自评")
        DIAGNOSIS = "diagnosis", _("服务商诊断")

    class Status(models.TextChoices):
        DRAFT = "draft", _("草稿")
        SUBMITTED = "submitted", _("已提交")

    enterprise = models.ForeignKey(
        "registry.Enterprise",
        on_delete=models.PROTECT,
        related_name="assessments",
        verbose_name=_("企业"),
    )
    framework = models.ForeignKey(
        "frameworks.Framework",
        on_delete=models.PROTECT,
        related_name="assessments",
        verbose_name=_("成熟度模型"),
    )
    framework_version = models.ForeignKey(
        "frameworks.FrameworkVersion",
        on_delete=models.PROTECT,
        related_name="assessments",
        verbose_name=_("模型版本"),
    )
    kind = models.CharField(_("类型"), max_length=10, choices=Kind.choices, default=Kind.SELF)
    status = models.CharField(
        _("状态"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    year = models.PositiveSmallIntegerField(_("评估年度"))
    variant = models.CharField(_("适用类型"), max_length=40, blank=True)
    # Question code → the cell as the scoring engine parses it (text, list of option codes,
    # number, "N/A"). Unanswered questions are absent.
    answers = models.JSONField(_("答案"), default=dict, blank=True)
    # Optimistic locking: a save names the revision it was based on; a stale one is a conflict.
    revision = models.PositiveIntegerField(_("修订号"), default=1)
    previous = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("上一次评估"),
    )
    carried_from = models.JSONField(
        _("答案来源"),
        default=dict,
        blank=True,
        help_text=_("题目代码 → 答案沿用自哪次评估或哪个模型（一次填报、多模型计分）。"),
    )
    assignment = models.ForeignKey(
        ProviderAssignment,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="assessments",
        verbose_name=_("诊断指派"),
    )
    # Provider diagnosis: section (top-level node) code → the provider's site notes.
    site_notes = models.JSONField(_("现场记录"), default=dict, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("创建人"),
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("最后修改人"),
    )
    updated_at = models.DateTimeField(_("最后修改时间"), auto_now=True)
    # Frozen at submission.
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("提交人"),
    )
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    result = models.JSONField(_("评估结果"), null=True, blank=True)
    total = models.FloatField(_("总分"), null=True, blank=True)
    max_total = models.FloatField(_("满分"), null=True, blank=True)
    level = models.CharField(_("等级"), max_length=32, blank=True)
    level_rank = models.SmallIntegerField(_("等级序号"), null=True, blank=True)
    level_name = models.CharField(_("等级名称"), max_length=60, blank=True)
    # Top-level dimension code → points (None when N/A), for benchmarks and change per dimension.
    dimension_scores = models.JSONField(_("维度得分"), default=dict, blank=True)
    # Plausibility flags computed at submission: [{"code", "severity", "message", "detail"}].
    flags = models.JSONField(_("合理性提示"), default=list, blank=True)
    risk_score = models.FloatField(_("风险分"), default=0)

    class Meta:
        verbose_name = _("评估")
        verbose_name_plural = _("评估")
        ordering = ["-updated_at"]
        indexes = [
            models.Index(fields=["enterprise", "framework", "status"], name="assessment_ent_fw"),
            models.Index(fields=["framework_version", "status"], name="assessment_version"),
        ]
        constraints = [
            # One open draft per enterprise, model and kind: several users share it.
            models.UniqueConstraint(
                fields=["enterprise", "framework", "kind"],
                condition=models.Q(status="draft", kind="self"),
                name="assessment_one_self_draft",
            ),
            models.UniqueConstraint(
                fields=["assignment"],
                condition=models.Q(status="draft"),
                name="assessment_one_diagnosis_draft",
            ),
            models.CheckConstraint(
                name="assessment_submitted_has_result",
                condition=models.Q(status="draft")
                | models.Q(result__isnull=False, total__isnull=False, submitted_at__isnull=False),
            ),
            models.CheckConstraint(
                name="assessment_diagnosis_has_assignment",
                condition=models.Q(kind="self") | models.Q(assignment__isnull=False),
            ),
            models.CheckConstraint(
                name="assessment_status_valid",
                condition=models.Q(status__in=["draft", "submitted"]),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.enterprise} · {self.framework_version} · {self.get_status_display()}"

    @property
    def is_draft(self) -> bool:
        return self.status == self.Status.DRAFT

    @property
    def is_submitted(self) -> bool:
        return self.status == self.Status.SUBMITTED

    @property
    def is_diagnosis(self) -> bool:
        return self.kind == self.Kind.DIAGNOSIS

    def frozen_fields(self) -> dict[str, Any]:
        """What the audit trail records of a submission."""
        return {
            "framework_version": self.framework_version.label,
            "total": self.total,
            "level": self.level,
            "flags": [flag["code"] for flag in self.flags],
        }


class Evidence(models.Model):
    """A file attached to one question of an assessment. Stored outside the web root under a
    generated name (MEDIA_ROOT/evidence/<random>); the user's file name is kept only for display
    and for the download's Content-Disposition."""

    assessment = models.ForeignKey(
        Assessment, on_delete=models.CASCADE, related_name="evidence", verbose_name=_("评估")
    )
    question = models.CharField(_("题目代码"), max_length=64)
    stored_name = models.CharField(max_length=80, unique=True)
    original_name = models.CharField(_("文件名"), max_length=200)
    content_type = models.CharField(_("文件类型"), max_length=100)
    kind = models.CharField(_("格式"), max_length=10)
    size = models.PositiveBigIntegerField(_("大小（字节）"))
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("上传人"),
    )
    uploaded_at = models.DateTimeField(_("上传时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("佐证材料")
        verbose_name_plural = _("佐证材料")
        ordering = ["question", "uploaded_at"]

    def __str__(self) -> str:
        return self.original_name


class SectionReview(models.Model):
    """The enterprise's answer to a provider diagnosis, per section (top-level dimension)."""

    class Decision(models.TextChoices):
        CONFIRMED = "confirmed", _("确认")
        DISPUTED = "disputed", _("有异议")

    assessment = models.ForeignKey(
        Assessment, on_delete=models.CASCADE, related_name="section_reviews"
    )
    section = models.CharField(_("维度代码"), max_length=64)
    decision = models.CharField(_("意见"), max_length=10, choices=Decision.choices)
    comment = models.TextField(_("说明"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("填写人"),
    )
    decided_at = models.DateTimeField(_("时间"), auto_now=True)

    class Meta:
        verbose_name = _("诊断确认")
        verbose_name_plural = _("诊断确认")
        ordering = ["assessment", "section"]
        constraints = [
            models.UniqueConstraint(
                fields=["assessment", "section"], name="sectionreview_one_per_section"
            ),
            models.CheckConstraint(
                name="sectionreview_dispute_has_comment",
                condition=~models.Q(decision="disputed") | ~models.Q(comment=""),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.section}: {self.get_decision_display()}"


class PeerBenchmark(models.Model):
    """Totals and dimension medians of one peer group for one model version, computed by a
    background task from each enterprise's latest submitted result. Result pages read it; a group
    with fewer than BENCHMARK_MIN_GROUP enterprises is stored but never shown."""

    class Group(models.TextChoices):
        COUNTY = "county", _("同区县")
        CHAIN = "chain", _("同产业链")
        SIZE = "size", _("同规模")
        PROVINCE = "province", _("全省")

    framework_version = models.ForeignKey(
        "frameworks.FrameworkVersion", on_delete=models.CASCADE, related_name="+"
    )
    group = models.CharField(_("对标组"), max_length=10, choices=Group.choices)
    key = models.CharField(_("组代码"), max_length=60)
    label = models.CharField(_("组名称"), max_length=100)
    size = models.PositiveIntegerField(_("企业数"))
    totals = models.JSONField(_("总分（升序）"), default=list)
    dimension_medians = models.JSONField(_("维度中位数"), default=dict)
    computed_at = models.DateTimeField(_("计算时间"))

    class Meta:
        verbose_name = _("同类对标")
        verbose_name_plural = _("同类对标")
        constraints = [
            models.UniqueConstraint(
                fields=["framework_version", "group", "key"], name="peerbenchmark_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.framework_version_id} {self.group}:{self.key}"
