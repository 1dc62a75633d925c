"""The status reason in the reader's language: one sentence per status from the row's figures."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import translation

from registry.models import Region
from targets.models import Target
from targets.progress import Forecast, Progress, Status
from targets.reasons import reason_text
from targets.selectors import TargetRow

OUTLOOK = Forecast(dt.date(2027, 12, 31), 48.0, 40.0, 56.0, 0.8, "linear", 3)
LOW = Forecast(dt.date(2027, 12, 31), 38.0, 30.0, 44.0, 0.8, "linear", 3)  # even the top misses


def _row(
    status, *, actual=20.0, completion=0.4, elapsed=0.64, target=50.0, details=None, outlook=OUTLOOK
):
    plan_target = Target(code="t", name_zh="目标", unit="%", kind="share", bound="about")
    region = Region(code="32", name="江苏省", level="province")
    progress = Progress(actual, target, completion, elapsed, outlook, status, "english")
    return TargetRow(plan_target, region, 2026, target, "plan", [], progress, "monitoring",
                     details=details or {})  # fmt: skip


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        (_row(Status.ACHIEVED, actual=51.0, completion=1.02), "实际值 51% 已达到目标 50%"),
        (_row(Status.ON_TRACK, completion=0.7), "完成进度 70.0% 不低于时序进度 64.0%"),
        (_row(Status.ON_TRACK), "落后于时序进度 64.0%，但预计 2027-12-31 达到 48%"),
        (_row(Status.AT_RISK), "仅区间上限达到目标 50%"),
        (_row(Status.AT_RISK, completion=0.6, outlook=LOW), "但不低于其 80%"),
        (_row(Status.OFF_TRACK, completion=0.1), "低于时序进度 64.0% 的 80%"),
        (_row(Status.OFF_TRACK, elapsed=1.0), "期限已到，实际值 20% 未达到目标 50%"),
        (_row(Status.NO_DATA, actual=None), "2026 年尚无实际值"),
        (
            _row(Status.NO_DATA, actual=None, details={"missing": ["南京市"], "cities": 13}),
            "1 个设区市尚无 2026 年数据（南京市）",
        ),
    ],
)
def test_reason_words_the_status_from_the_figures_in_chinese(row, expected):
    with translation.override("zh-hans"):
        assert expected in reason_text(row)


def test_reason_is_in_english_on_an_english_page():
    with translation.override("en"):
        text = reason_text(_row(Status.AT_RISK))
    assert "upper end" in text
    assert "完成" not in text
