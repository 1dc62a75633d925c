"""A dashboard's charts as an XLSX workbook (openpyxl): one sheet per chart with exactly the
table the page shows next to the chart, and a sheet with the scope, filters and snapshot. Text a
spreadsheet would run as a formula is escaped (registry.exports.cell_escape). The numbers are
aggregates, but every export leaves the platform, so each is written to the audit trail."""

from __future__ import annotations

import io
from dataclasses import asdict
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

from audit.services import audit_record
from monitoring.dashboards import Dashboard
from registry.exports import cell_escape

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _cell(value: Any) -> Any:
    return cell_escape(value) if isinstance(value, str) else value


def _sheet_title(name: str, title: str) -> str:
    """Sheet names: at most 31 characters, none of []:*?/\\."""
    clean = "".join(" " if ch in "[]:*?/\\" else ch for ch in f"{name} {title}")
    return clean[:31]


def dashboard_export(*, dashboard: Dashboard, chart: str = "") -> io.BytesIO:
    """The workbook of `chart` (every chart when empty or unknown); audited."""
    names = [chart] if chart in dashboard.charts else list(dashboard.charts)
    workbook = Workbook()
    about = workbook.active
    about.title = _("说明")
    bold = Font(bold=True)
    scope = dashboard.scope
    facts: list[tuple[str, Any]] = [
        (_("地区"), f"{scope.name}（{scope.code}）"),
        (_("导出时间"), timezone.localtime().strftime("%Y-%m-%d %H:%M")),
    ]
    if dashboard.snapshot is None:
        facts.append((_("数据"), _("尚无监测快照，请先计算快照。")))
    else:
        finished = dashboard.snapshot.finished_at
        facts.append((_("监测快照"), f"#{dashboard.snapshot.pk}"))
        facts.append((_("快照完成时间"), finished.strftime("%Y-%m-%d %H:%M") if finished else ""))
    if dashboard.filters is not None:
        facts += [(key, str(value)) for key, value in asdict(dashboard.filters).items()]
    if dashboard.index_run is not None:
        run = dashboard.index_run
        facts.append((_("发展指数"), f"{run.definition} · {run.year} · #{run.pk}"))
    for row, (label, value) in enumerate(facts, start=1):
        about.cell(row=row, column=1, value=_cell(label)).font = bold
        about.cell(row=row, column=2, value=_cell(value))
    rows_written = 0
    for name in names:
        data = dashboard.charts[name]
        sheet = workbook.create_sheet(_sheet_title(name, data["title"]))
        sheet.append([_cell(data["title"])])
        sheet.append([_cell(c) for c in data["table"]["columns"]])
        for cell in sheet[2]:
            cell.font = bold
        for values in data["table"]["rows"]:
            sheet.append([_cell(v) for v in values])
            rows_written += 1
        sheet.freeze_panes = "A3"
    buffer = io.BytesIO()
    workbook.save(buffer)
    buffer.seek(0)
    audit_record(
        action="monitoring.export",
        object_type="monitoring.coveragesnapshot",
        object_id=str(dashboard.snapshot.pk) if dashboard.snapshot else "",
        after={
            "scope": f"{scope.level}:{scope.code}",
            "charts": names,
            "rows": rows_written,
            "format": "xlsx",
            "filters": asdict(dashboard.filters) if dashboard.filters else None,
        },
        note=f"dashboard {scope.level} {scope.code}: {', '.join(names) or '-'} as xlsx "
        "(aggregate data)",
    )
    return buffer
