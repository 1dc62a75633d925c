"""The demo generator's error and its bilingual messages."""

from __future__ import annotations

DEMO_ACCOUNTS_OUTSIDE_DEMO = "非演示模式下不创建默认账号 (no default accounts outside demo mode)"
DEMO_NO_REFERENCE_DATA = (
    "缺少参考数据，请先运行 zhigai load_reference_data "
    "(reference data missing: run `zhigai load_reference_data` first)"
)
DEMO_BAD_COUNT = "企业数量必须为正整数 (the number of enterprises must be at least 1)"
DEMO_BAD_WEIGHTS = "演示权重文件有误 (demo weight file is wrong): {file} 第{line}行 {value}"
DEMO_ACCOUNT_CLASH = (
    "已有同名账号但角色不同 (an account with this name exists with another role): {username}"
)


class DemoError(Exception):
    """The demo province cannot be generated; the message says why (bilingual)."""
