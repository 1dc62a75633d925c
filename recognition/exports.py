"""The reviewer queue as an XLSX workbook (batch export of the filtered queue). Text that a
spreadsheet would run as a formula is escaped with a leading apostrophe; personal contact data is
not exported; every export is written to the audit trail."""

from __future__ import annotations

from dataclasses import asdict
from typing import IO, Any

import xlsxwriter
from django.db.models import Prefetch

from assessments.models import Assessment
from audit.services import audit_record
from recognition.application_types import type_name
from recognition.models import Application
from recognition.selectors import QueueFilters, is_overdue, queue_for_user
from registry.exports import cell_escape

XLSX_OPTIONS = {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False}
HEADER = [
    "申报编号",
    "企业名称",
    "统一社会信用代码",
    "设区市",
    "区县",
    "申报类型",
    "申报年度",
    "状态",
    "申报路径",
    "提交时间",
    "本环节截止",
    "是否逾期",
    "引用评估结果",
    "合理性提示数",
    "最高风险分",
    "需现场核查",
    "核查抽取原因",
    "证书编号",
]


def _results_text(results: list[Assessment]) -> str:
    parts = []
    for result in results:
        total = "—" if result.total is None else f"{result.total:.1f}"
        level = result.level_name or result.level or "—"
        parts.append(f"{result.framework.code} {total} 分 {level}")
    return "；".join(parts)


def _row(application: Application) -> list[Any]:
    results = list(application.results.all())
    enterprise = application.enterprise
    submitted = application.submitted_at
    return [
        application.pk,
        enterprise.name,
        enterprise.uscc,
        enterprise.city.name if enterprise.city else "",
        enterprise.county.name if enterprise.county else "",
        type_name(application.type),
        application.year,
        application.get_status_display(),
        application.get_route_display(),
        submitted.strftime("%Y-%m-%d %H:%M") if submitted else "",
        application.step_due.isoformat() if application.step_due else "",
        "是" if is_overdue(application) else "",
        _results_text(results),
        sum(len(r.flags or ()) for r in results),
        max((r.risk_score for r in results), default=0.0),
        "是" if application.site_check_required else "",
        application.site_check_reason,
        application.certificate_no or "",
    ]


def queue_export(*, user: Any, filters: QueueFilters, stream: IO[bytes]) -> int:
    """Write the queue `user` sees under `filters` to `stream` as XLSX; returns the row count
    and records the export in the audit trail."""
    rows = queue_for_user(user=user, filters=filters).rows.prefetch_related(
        Prefetch("results", queryset=Assessment.objects.select_related("framework"))
    )
    workbook = xlsxwriter.Workbook(stream, XLSX_OPTIONS)
    sheet = workbook.add_worksheet("申报")
    bold = workbook.add_format({"bold": True})
    sheet.write_row(0, 0, HEADER, bold)
    count = 0
    for count, application in enumerate(rows, start=1):
        values = [cell_escape(v) if isinstance(v, str) else v for v in _row(application)]
        sheet.write_row(count, 0, values)
    sheet.freeze_panes(1, 0)
    workbook.close()
    audit_record(
        action="application.export",
        object_type="recognition.application",
        after={"count": count, "format": "xlsx", "filters": asdict(filters)},
        note=f"{count} applications as xlsx",
    )
    return count
