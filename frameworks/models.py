"""Maturity models (成熟度模型) as versioned data: a Framework is a stable code (GEN-JS, CMMM…);
each FrameworkVersion holds one version's canonical definition (docs/framework-format.md).

A version is a draft (re-importable), then published (immutable: assessments pin CODE@VERSION),
then superseded when a newer version of the same code is published. Database triggers
(migration 0002) refuse any change to a published or superseded version's content and its deletion.
"""

from __future__ import annotations

import re

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

_VERSION_PART = re.compile(r"(\d+)")


def version_sort_key(version: str) -> tuple[tuple[int, int | str], ...]:
    """Natural order of version strings: "2.9" < "2.10" < "2025"; text parts sort after numbers."""
    parts = (part for part in _VERSION_PART.split(version) if part not in ("", ".", "-", "_"))
    return tuple((0, int(part)) if part.isdigit() else (1, part) for part in parts)


class Framework(models.Model):
    code = models.CharField(_("代码"), max_length=32, unique=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("成熟度模型")
        verbose_name_plural = _("成熟度模型")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.code


class FrameworkVersion(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("草稿")
        PUBLISHED = "published", _("已发布")
        SUPERSEDED = "superseded", _("已废止")

    framework = models.ForeignKey(
        Framework, on_delete=models.PROTECT, related_name="versions", verbose_name=_("成熟度模型")
    )
    version = models.CharField(_("版本"), max_length=20)
    status = models.CharField(
        _("状态"), max_length=12, choices=Status.choices, default=Status.DRAFT
    )
    title_zh = models.CharField(_("名称"), max_length=300)
    title_en = models.CharField(_("英文名称"), max_length=300, blank=True)
    provisional = models.BooleanField(_("暂行"), default=False)
    definition = models.JSONField(_("定义"))
    digest = models.CharField(_("摘要"), max_length=64)
    source_name = models.CharField(_("来源文件"), max_length=255, blank=True)
    imported_at = models.DateTimeField(_("导入时间"))
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("导入人"),
    )
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("发布人"),
    )
    superseded_at = models.DateTimeField(_("废止时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("成熟度模型版本")
        verbose_name_plural = _("成熟度模型版本")
        ordering = ["framework__code", "version"]
        constraints = [
            models.UniqueConstraint(
                fields=["framework", "version"], name="frameworkversion_unique_version"
            ),
            models.UniqueConstraint(
                fields=["framework"],
                condition=models.Q(status="published"),
                name="frameworkversion_one_published",
                violation_error_message=_("每个成熟度模型只能有一个已发布版本。"),
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=["draft", "published", "superseded"]),
                name="frameworkversion_status_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        """CODE@VERSION, the way assessments and commands name a version."""
        return f"{self.framework.code}@{self.version}"

    @property
    def is_editable(self) -> bool:
        """Only a draft may be replaced or deleted; published and superseded are immutable."""
        return self.status == self.Status.DRAFT

    @property
    def is_scorable(self) -> bool:
        """Published and superseded versions may score answers (results pin them)."""
        return self.status != self.Status.DRAFT
