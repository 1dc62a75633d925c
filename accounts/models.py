"""Accounts: the platform's users, each with one role and (for officials and enterprise users)
one jurisdiction, and API tokens."""

from __future__ import annotations

import hashlib
import secrets

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    PROVINCE = "province", _("省级管理员")
    CITY = "city", _("市级管理员")
    COUNTY = "county", _("区县管理员")
    ENTERPRISE = "enterprise", _("企业用户")
    EXPERT = "expert", _("评审专家")
    PROVIDER = "provider", _("服务商")
    ADMIN = "admin", _("平台管理员")


OFFICIAL_ROLES = (Role.PROVINCE, Role.CITY, Role.COUNTY)
# The region level an official of each role must be bound to.
ROLE_REGION_LEVEL = {Role.PROVINCE: "province", Role.CITY: "city", Role.COUNTY: "county"}


class User(AbstractUser):
    role = models.CharField(_("角色"), max_length=12, choices=Role.choices)
    region = models.ForeignKey(
        "registry.Region",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("管辖区域"),
    )
    enterprise = models.ForeignKey(
        "registry.Enterprise",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="users",
        verbose_name=_("所属企业"),
    )
    organisation = models.CharField(_("单位"), max_length=100, blank=True)
    login_at = models.DateTimeField(_("本次登录时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")
        constraints = [
            models.CheckConstraint(
                name="user_official_has_region",
                condition=~models.Q(role__in=["province", "city", "county"])
                | models.Q(region__isnull=False, enterprise__isnull=True),
            ),
            models.CheckConstraint(
                name="user_enterprise_has_enterprise",
                condition=~models.Q(role="enterprise")
                | models.Q(enterprise__isnull=False, region__isnull=True),
            ),
            models.CheckConstraint(
                name="user_other_roles_have_no_jurisdiction",
                condition=models.Q(role__in=["province", "city", "county", "enterprise"])
                | models.Q(region__isnull=True, enterprise__isnull=True),
            ),
        ]

    @property
    def is_official(self) -> bool:
        return self.role in OFFICIAL_ROLES


def _hash_token(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


class ApiToken(models.Model):
    """A bearer token for the JSON API. Only its SHA-256 is stored; the key is shown once."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("名称"), max_length=60)
    prefix = models.CharField(_("前缀"), max_length=8)
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    expires_at = models.DateTimeField(_("过期时间"))
    last_used_at = models.DateTimeField(_("最近使用"), null=True, blank=True)

    class Meta:
        verbose_name = _("API 令牌")
        verbose_name_plural = _("API 令牌")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @staticmethod
    def new_key() -> str:
        return "zg_" + secrets.token_urlsafe(32)

    @staticmethod
    def hash(key: str) -> str:
        return _hash_token(key)

    @property
    def is_expired(self) -> bool:
        return self.expires_at <= timezone.now()
