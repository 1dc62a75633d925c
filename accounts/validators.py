"""Password rules beyond Django's: the 等保 complexity profile and a list of context words."""

from __future__ import annotations

import re
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

CONTEXT_WORDS = (
    "zhigai",
    "jiangsu",
    "gongxin",
    "miit",
    "password",
    "province",
    "admin",
    "expert",
    "provider",
    "nanjing",
    "wuxi",
    "xuzhou",
    "changzhou",
    "suzhou",
    "nantong",
    "lianyungang",
    "huaian",
    "yancheng",
    "yangzhou",
    "zhenjiang",
    "taizhou",
    "suqian",
    "江苏",
    "工信",
    "智改数转",
    "智改",
    "数转",
    "密码",
    "管理员",
)


class CharacterClassValidator:
    """At least three of: lower-case letters, upper-case letters, digits, other characters."""

    def __init__(self, min_classes: int = 3) -> None:
        self.min_classes = min_classes

    def validate(self, password: str, user: Any = None) -> None:
        classes = [r"[a-z]", r"[A-Z]", r"[0-9]", r"[^a-zA-Z0-9]"]
        if sum(bool(re.search(pattern, password)) for pattern in classes) < self.min_classes:
            raise ValidationError(self.get_help_text(), code="password_too_simple")

    def get_help_text(self) -> str:
        return _("密码须至少包含小写字母、大写字母、数字、其他字符中的三类。")


class ContextWordValidator:
    """No word of the platform's own context (province, cities, platform name, roles)."""

    def validate(self, password: str, user: Any = None) -> None:
        lowered = password.lower()
        if any(word in lowered for word in CONTEXT_WORDS):
            raise ValidationError(self.get_help_text(), code="password_context_word")

    def get_help_text(self) -> str:
        return _("密码不能包含平台、省市名称或角色名称等易猜词语。")
