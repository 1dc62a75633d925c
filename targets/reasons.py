"""Why a target row has its status, in the reader's language (the pages and the evaluation
pack). targets/progress.py decides the status and keeps an English sentence for logs and the
API; this module words the same decision from the same figures through gettext, so a Chinese
page reads "完成进度 17.9% 低于时序进度 63.7% 的 80%…" rather than an English sentence."""

from __future__ import annotations

from django.utils.translation import gettext as _

from targets.progress import AT_RISK_SHARE, Forecast, Status, meets
from targets.selectors import TargetRow


def _number(value: float, unit: str) -> str:
    places = 0 if unit != "%" and abs(value) >= 100 else 1
    text = f"{value:,.{places}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return f"{text}%" if unit == "%" else f"{text} {unit}".strip()


def _share(value: float | None) -> str:
    return "—" if value is None else f"{100 * value:.1f}%"


def _forecast(outlook: Forecast, unit: str) -> str:
    return _("预计 %(date)s 达到 %(value)s（%(level)s 预测区间 %(low)s–%(high)s）") % {
        "date": outlook.at.isoformat(),
        "value": _number(outlook.value, unit),
        "level": f"{100 * outlook.level:g}%",
        "low": _number(outlook.low, unit),
        "high": _number(outlook.high, unit),
    }


def _no_data(row: TargetRow) -> str:
    missing = row.details.get("missing") or []
    if missing and row.details.get("cities"):
        names = "、".join(missing[:5]) + ("等" if len(missing) > 5 else "")
        return _(
            "%(n)s 个设区市尚无 %(year)s 年数据（%(names)s）；各市都有数据后，全省取最低市的值。"
        ) % {"n": len(missing), "year": row.year, "names": names}
    if row.progress.target is None:
        if row.region.level == "province":
            return _("规划未设定 %(year)s 年的目标值。") % {"year": row.year}
        return _("该目标尚未分解到本地区。")
    return _("%(year)s 年尚无实际值。") % {"year": row.year}


def reason_text(row: TargetRow) -> str:
    """One sentence: the figures behind the row's status (completion, time elapsed, forecast)."""
    p, unit = row.progress, row.target.unit
    if p.status == Status.NO_DATA or p.actual is None or p.target is None:
        return _no_data(row)
    figures = {
        "actual": _number(p.actual, unit),
        "goal": _number(p.target, unit),
        "done": _share(p.completion),
        "elapsed": _share(p.time_elapsed),
        "forecast": _forecast(p.forecast, unit) if p.forecast else "",
    }
    if p.status == Status.ACHIEVED:
        return (
            _("实际值 %(actual)s 已达到目标 %(goal)s（完成进度 %(done)s，时序进度 %(elapsed)s）。")
            % figures
        )
    if p.status == Status.OFF_TRACK and p.time_elapsed >= 1.0:
        return _("期限已到，实际值 %(actual)s 未达到目标 %(goal)s（完成进度 %(done)s）。") % figures
    ahead = p.completion is not None and p.completion >= p.time_elapsed
    if p.status == Status.ON_TRACK and ahead:
        return _("完成进度 %(done)s 不低于时序进度 %(elapsed)s；%(forecast)s。") % figures
    if p.status == Status.ON_TRACK:
        return (
            _("完成进度 %(done)s 落后于时序进度 %(elapsed)s，但%(forecast)s，可达到目标 %(goal)s。")
            % figures
        )
    high = p.forecast is not None and meets(
        p.forecast.high, bound=row.target.bound, target=p.target
    )
    if p.status == Status.AT_RISK and high:
        return (
            _(
                "完成进度 %(done)s 落后于时序进度 %(elapsed)s；%(forecast)s，"
                "仅区间上限达到目标 %(goal)s。"
            )
            % figures
        )
    if p.status == Status.AT_RISK:
        return _(
            "完成进度 %(done)s 落后于时序进度 %(elapsed)s，但不低于其 %(share)s；%(forecast)s。"
        ) % {**figures, "share": f"{100 * AT_RISK_SHARE:g}%"}
    return _(
        "完成进度 %(done)s 低于时序进度 %(elapsed)s 的 %(share)s，%(forecast)s，"
        "区间上限也达不到目标 %(goal)s。"
    ) % {**figures, "share": f"{100 * AT_RISK_SHARE:g}%"}
