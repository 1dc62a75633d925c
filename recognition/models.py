"""Recognition (申报 / 认定): an enterprise's application, citing its submitted results, travels
county → city → province → experts → (site check) → decision → public notice → recognised. The
steps, who may take them and the eligibility rules are data (recognition/data/types.yaml and
recognition/workflow.py); every step is a Transition row plus an audit row; a decided application
is locked.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from recognition.application_types import type_name


class Application(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("草稿")
        COUNTY_REVIEW = "county_review", _("区县审核")
        CITY_REVIEW = "city_review", _("设区市推荐")
        PROVINCE_REVIEW = "province_review", _("省级受理")
        EXPERT_REVIEW = "expert_review", _("专家评审")
        SITE_CHECK = "site_check", _("现场核查")
        DECISION = "decision", _("待认定")
        PUBLIC_NOTICE = "public_notice", _("公示中")
        RECOGNISED = "recognised", _("已认定")
        RETURNED = "returned", _("已退回")
        REJECTED = "rejected", _("未通过")
        WITHDRAWN = "withdrawn", _("已撤回")

    # Statuses after which nothing about the application changes.
    LOCKED = (Status.RECOGNISED, Status.REJECTED, Status.WITHDRAWN)
    # Statuses in which the enterprise may edit its application.
    EDITABLE = (Status.DRAFT, Status.RETURNED)

    class Route(models.TextChoices):
        STANDARD = "standard", _("区县 → 设区市 → 省")
        PROVINCE_ADMINISTERED = "province_administered", _("省直管县 → 省")
        DIRECT = "direct", _("直报省级")

    type = models.CharField(_("申报类型"), max_length=40)
    enterprise = models.ForeignKey(
        "registry.Enterprise",
        on_delete=models.PROTECT,
        related_name="applications",
        verbose_name=_("企业"),
    )
    year = models.PositiveSmallIntegerField(_("申报年度"))
    status = models.CharField(
        _("状态"), max_length=16, choices=Status.choices, default=Status.DRAFT
    )
    route = models.CharField(
        _("申报路径"), max_length=24, choices=Route.choices, default=Route.STANDARD
    )
    results = models.ManyToManyField(
        "assessments.Assessment",
        blank=True,
        related_name="applications",
        verbose_name=_("引用评估"),
    )
    # The application's own content (申报材料): project summary, figures. Edited in DRAFT and
    # RETURNED; each resubmission records the diff against what was returned.
    summary = models.TextField(_("项目概况"), blank=True)
    achievements = models.TextField(_("建设成效"), blank=True)
    investment_10k_yuan = models.DecimalField(
        _("智能化改造投资（万元）"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    # Personal contact data: shown to the enterprise and officials, never to experts.
    contact_name = models.CharField(_("联系人"), max_length=40, blank=True)
    contact_phone = models.CharField(_("联系电话"), max_length=30, blank=True)
    contact_email = models.EmailField(_("联系邮箱"), blank=True)
    # Eligibility as computed at the last check: {"eligible": bool, "checks": [...]}.
    eligibility = models.JSONField(_("申报条件核验"), default=dict, blank=True)
    # Optimistic locking: two reviewers deciding at once → one wins, the other sees a conflict.
    revision = models.PositiveIntegerField(_("修订号"), default=1)
    step_started_at = models.DateTimeField(_("本环节开始"), null=True, blank=True)
    step_due = models.DateField(_("本环节截止"), null=True, blank=True)
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    site_check_required = models.BooleanField(_("需现场核查"), default=False)
    site_check_reason = models.CharField(_("核查抽取原因"), max_length=200, blank=True)
    site_check_passed = models.BooleanField(_("现场核查通过"), null=True, blank=True)
    site_check_note = models.TextField(_("现场核查记录"), blank=True)
    notice_start = models.DateField(_("公示开始"), null=True, blank=True)
    notice_end = models.DateField(_("公示结束"), null=True, blank=True)
    decided_at = models.DateTimeField(_("认定时间"), null=True, blank=True)
    certificate_no = models.CharField(
        _("证书编号"), max_length=40, null=True, blank=True, unique=True
    )
    certificate_year = models.PositiveSmallIntegerField(_("认定年度"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("创建人"),
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("认定申报")
        verbose_name_plural = _("认定申报")
        ordering = ["-updated_at"]
        indexes = [models.Index(fields=["status", "type", "year"], name="application_queue")]
        constraints = [
            # One live application per enterprise, type and year.
            models.UniqueConstraint(
                fields=["enterprise", "type", "year"],
                condition=~models.Q(status__in=["withdrawn", "rejected"]),
                name="application_one_live_per_type_year",
            ),
            models.CheckConstraint(
                name="application_recognised_has_certificate",
                condition=~models.Q(status="recognised")
                | models.Q(certificate_no__isnull=False, certificate_year__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.enterprise} · {self.type} · {self.year}"

    @property
    def is_locked(self) -> bool:
        return self.status in self.LOCKED

    @property
    def is_editable(self) -> bool:
        return self.status in self.EDITABLE

    @property
    def type_name(self) -> str:
        """The application type's Chinese name (recognition/data/types.yaml)."""
        return type_name(self.type)

    def content(self) -> dict[str, str]:
        """The parts an enterprise edits, as text: what a resubmission's diff compares."""
        return {
            "summary": self.summary,
            "achievements": self.achievements,
            "investment_10k_yuan": ""
            if self.investment_10k_yuan is None
            else str(self.investment_10k_yuan),
            "contact_name": self.contact_name,
            "contact_phone": self.contact_phone,
            "contact_email": self.contact_email,
            "results": ",".join(
                str(pk) for pk in sorted(self.results.values_list("pk", flat=True))
            ),
        }


class Transition(models.Model):
    """One step of an application's way: who moved it from where to where, why, and (on a
    resubmission after return) what the enterprise changed."""

    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="transitions"
    )
    action = models.CharField(_("操作"), max_length=32)
    from_status = models.CharField(_("原状态"), max_length=16)
    to_status = models.CharField(_("新状态"), max_length=16)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("操作人"),
    )
    actor_role = models.CharField(_("角色"), max_length=12)
    at = models.DateTimeField(_("时间"), auto_now_add=True)
    reason = models.TextField(_("意见/理由"), blank=True)
    # On resubmission: {field: {"before": ..., "after": ...}} against the returned version.
    changes = models.JSONField(_("修改内容"), default=dict, blank=True)
    # On a return: the content as returned (Application.content()), which the next submission's
    # `changes` are computed against.
    snapshot = models.JSONField(_("退回时内容"), default=dict, blank=True)

    class Meta:
        verbose_name = _("流转记录")
        verbose_name_plural = _("流转记录")
        ordering = ["application", "at", "pk"]

    def __str__(self) -> str:
        return f"{self.action}: {self.from_status} → {self.to_status}"


class ExpertAssignment(models.Model):
    """An expert assigned to score one application. Experts see only these applications, and
    never the enterprise's personal contact data."""

    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="expert_assignments"
    )
    expert = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="expert_assignments",
        verbose_name=_("专家"),
        limit_choices_to={"role": "expert"},
    )
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("指派人"),
    )
    assigned_at = models.DateTimeField(_("指派时间"), auto_now_add=True)
    due = models.DateField(_("评分截止"), null=True, blank=True)
    # Criterion code → points, as the application type's score sheet defines.
    scores = models.JSONField(_("评分"), default=dict, blank=True)
    total = models.FloatField(_("总分"), null=True, blank=True)
    opinion = models.CharField(_("结论"), max_length=12, blank=True)
    comment = models.TextField(_("评审意见"), blank=True)
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("专家评审")
        verbose_name_plural = _("专家评审")
        ordering = ["application", "assigned_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["application", "expert"], name="expertassignment_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.expert} → {self.application_id}"

    @property
    def is_submitted(self) -> bool:
        return self.submitted_at is not None
