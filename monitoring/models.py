"""Monitoring snapshots: coverage of the plan's targets per year and unit, computed by a background
task (monitoring.tasks) from the registry and the latest valid result per enterprise, model and
year. Pages and the API only read snapshots; they never compute coverage on request.

A snapshot is one computation over all years and units. Its cells hold, per (year, region, group),
the numerator and denominator of every metric for every population, so any share, count or gap can
be read back without touching the enterprise rows. The metrics and their targets are data:
monitoring/data/coverage.yaml.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from core.models import BackgroundJob


class CoverageSnapshot(BackgroundJob):
    started_at = models.DateTimeField(_("开始时间"), null=True, blank=True)
    # Years covered, e.g. [2025, 2026, 2027].
    years = models.JSONField(_("年份"), default=list, blank=True)
    # What the snapshot was computed from: definition version, counts of enterprises and results,
    # the latest submission time, a hash of the input facts.
    stamp = models.JSONField(_("数据版本"), default=dict, blank=True)

    class Meta(BackgroundJob.Meta):
        verbose_name = _("监测快照")
        verbose_name_plural = _("监测快照")

    def __str__(self) -> str:
        return f"#{self.pk} {self.get_status_display()}"


class CoverageCell(models.Model):
    """The figures of one year × region × group of a snapshot.

    region: "32" for the province, a city, county or functional-zone code otherwise.
    group: "all" enterprises, or those of one cluster or one chain (group_code).
    figures: {population: {metric: [numerator, denominator]}}; populations are registry
    category codes (above_scale, innovative_sme, ...); metrics are the codes of
    monitoring/data/coverage.yaml.
    """

    class RegionLevel(models.TextChoices):
        PROVINCE = "province", _("全省")
        CITY = "city", _("设区市")
        COUNTY = "county", _("县（市、区）")
        ZONE = "zone", _("功能区")

    class GroupKind(models.TextChoices):
        ALL = "all", _("全部")
        CLUSTER = "cluster", _("集群")
        CHAIN = "chain", _("产业链")

    snapshot = models.ForeignKey(
        CoverageSnapshot, on_delete=models.CASCADE, related_name="cells", verbose_name=_("快照")
    )
    year = models.PositiveSmallIntegerField(_("年份"))
    region_level = models.CharField(_("区域层级"), max_length=10, choices=RegionLevel.choices)
    region_code = models.CharField(_("区域代码"), max_length=12)
    group_kind = models.CharField(
        _("分组"), max_length=10, choices=GroupKind.choices, default=GroupKind.ALL
    )
    group_code = models.CharField(_("分组代码"), max_length=40, blank=True)
    figures = models.JSONField(_("数据"), default=dict)

    class Meta:
        verbose_name = _("监测数据")
        verbose_name_plural = _("监测数据")
        constraints = [
            models.UniqueConstraint(
                fields=["snapshot", "year", "region_code", "group_kind", "group_code"],
                name="coverage_cell_unique",
            )
        ]
        indexes = [
            models.Index(
                fields=["snapshot", "year", "region_level", "group_kind", "group_code"],
                name="coverage_cell_lookup",
            )
        ]

    def __str__(self) -> str:
        return f"{self.year} {self.region_code} {self.group_kind}:{self.group_code}"
