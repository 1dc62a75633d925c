"""The development index (制造业智改数转网联发展指数): versioned definitions (loaded from
devindex/data/*.yaml), runs that compute it for cities, counties, clusters and chains from one
monitoring snapshot, and the values of a run. A published run never changes (services and a DB
trigger); its open-data files are written from its values.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.models import BackgroundJob


class IndexDefinition(models.Model):
    """One version of the index definition: the indicator tree, the method choices and the
    uncertainty analysis, exactly as in its data file (content), with the file's hash."""

    code = models.CharField(_("代码"), max_length=40)
    version = models.CharField(_("版本"), max_length=20)
    title = models.CharField(_("名称"), max_length=120)
    provisional = models.BooleanField(_("暂定"), default=True)
    content = models.JSONField(_("定义"))
    sha256 = models.CharField(_("校验值"), max_length=64)
    source_file = models.CharField(_("来源文件"), max_length=200, blank=True)
    loaded_at = models.DateTimeField(_("载入时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("指数定义")
        verbose_name_plural = _("指数定义")
        ordering = ["code", "-loaded_at"]
        constraints = [
            models.UniqueConstraint(fields=["code", "version"], name="index_definition_unique")
        ]

    def __str__(self) -> str:
        return f"{self.code}@{self.version}"


class IndexRun(BackgroundJob):
    definition = models.ForeignKey(
        IndexDefinition, on_delete=models.PROTECT, related_name="runs", verbose_name=_("指数定义")
    )
    snapshot = models.ForeignKey(
        "monitoring.CoverageSnapshot",
        on_delete=models.PROTECT,
        related_name="index_runs",
        verbose_name=_("监测快照"),
    )
    year = models.PositiveSmallIntegerField(_("年份"))
    # Engine version, configuration, seed, number of uncertainty runs, input hash.
    method_stamp = models.JSONField(_("方法标记"), default=dict, blank=True)
    # Coherence statistics, sensitivity indices, counts; read by the methodology and run pages.
    summary = models.JSONField(_("摘要"), default=dict, blank=True)
    published = models.BooleanField(_("已发布"), default=False)
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("发布人"),
    )
    # sha256 of the values at publication, so open-data files can be checked against the run.
    values_sha256 = models.CharField(_("数据校验值"), max_length=64, blank=True)

    class Meta(BackgroundJob.Meta):
        verbose_name = _("指数计算")
        verbose_name_plural = _("指数计算")

    def __str__(self) -> str:
        return f"#{self.pk} {self.definition} {self.year}"


class IndexValue(models.Model):
    """One unit's value of one node (indicator, aggregate or the index itself) in a run."""

    class UnitLevel(models.TextChoices):
        CITY = "city", _("设区市")
        COUNTY = "county", _("县（市、区）")
        CLUSTER = "cluster", _("集群")
        CHAIN = "chain", _("产业链")

    run = models.ForeignKey(
        IndexRun, on_delete=models.CASCADE, related_name="values", verbose_name=_("指数计算")
    )
    unit_level = models.CharField(_("单元层级"), max_length=10, choices=UnitLevel.choices)
    unit_code = models.CharField(_("单元代码"), max_length=40)
    node = models.CharField(_("指标"), max_length=40)
    raw = models.FloatField(_("原始值"), null=True, blank=True)
    score = models.FloatField(_("得分"), null=True, blank=True)
    rank = models.PositiveIntegerField(_("排名"), null=True, blank=True)
    # Rank distribution over the uncertainty runs (index node only): median, 5 % and 95 %.
    rank_median = models.FloatField(_("排名中位数"), null=True, blank=True)
    rank_p05 = models.FloatField(_("排名5%分位"), null=True, blank=True)
    rank_p95 = models.FloatField(_("排名95%分位"), null=True, blank=True)
    tier = models.PositiveSmallIntegerField(_("梯队"), null=True, blank=True)
    # The raw value was missing and the score comes from imputation (indicators only).
    imputed = models.BooleanField(_("插补"), default=False)

    class Meta:
        verbose_name = _("指数值")
        verbose_name_plural = _("指数值")
        constraints = [
            models.UniqueConstraint(
                fields=["run", "unit_level", "unit_code", "node"], name="index_value_unique"
            )
        ]
        indexes = [models.Index(fields=["run", "unit_level", "node"], name="index_value_lookup")]

    def __str__(self) -> str:
        return f"{self.unit_code} {self.node} {self.score}"
