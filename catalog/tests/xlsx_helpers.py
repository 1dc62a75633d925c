"""Helpers of the catalogue import tests: real XLSX files made with openpyxl, and the codes the
rows name (industries, a cluster, a chain, scenarios) on top of the shared world."""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from typing import Any

import openpyxl

from catalog import workbook as wb
from catalog.models import Scenario
from registry.models import Chain, Cluster, Industry


def make_codes() -> None:
    division = Industry.objects.create(code="34", name="通用设备制造业", level="division")
    group = Industry.objects.create(
        code="341", name="锅炉及原动设备制造", level="group", parent=division
    )
    Industry.objects.create(code="3411", name="锅炉及辅助设备制造", level="class", parent=group)
    Industry.objects.create(code="36", name="汽车制造业", level="division")
    cluster = Cluster.objects.create(code="js-equipment", name="高端装备", source_list="test")
    Chain.objects.create(code="prov-robots", name="工业机器人", cluster=cluster)
    for code, name in (
        ("predictive-maintenance", "设备运行监测与预测性维护"),
        ("online-inspection", "智能在线检测"),
    ):
        Scenario.objects.get_or_create(
            code=code, defaults={"stage": "prod_mgmt", "name_zh": name, "name_en": code}
        )


def entry_row(**cells: Any) -> dict[str, Any]:
    """A valid solution row of provider V1 unless overridden (headers as keys)."""
    row = {
        wb.COL_KIND: "解决方案",
        wb.COL_TITLE: "设备预测性维护解决方案",
        wb.COL_PROVIDER: "V1 智造服务有限公司",
        wb.COL_SUMMARY: "振动监测与故障预测",
        wb.COL_BODY: "面向通用设备制造企业的设备状态监测和预测性维护。",
        wb.COL_SOFTWARE: "",
        wb.COL_FIRST_VERSION: "否",
        wb.COL_FIRST_SET: "否",
        wb.COL_YEAR: None,
        wb.COL_INDUSTRIES: "34；3411",
        wb.COL_REGIONS: "3201",
        wb.COL_CLUSTERS: "js-equipment",
        wb.COL_CHAINS: "prov-robots",
        wb.COL_SCENARIOS: "predictive-maintenance；智能在线检测",
        wb.COL_SOURCE: "",
        wb.COL_ATTRIBUTES: "价格区间：20–50 万元\n交付周期：3 个月",
    }
    return row | cells


def provider_row(**cells: Any) -> dict[str, Any]:
    row = {
        wb.COL_NAME: "V1 智造服务有限公司",
        wb.COL_USCC: "",
        wb.COL_REGION: "3201",
        wb.COL_SERVED: "3201；3205",
        wb.COL_PROVIDER_INDUSTRIES: "34",
        wb.COL_QUALIFICATIONS: "智能制造系统解决方案供应商；高新技术企业",
        wb.COL_PROVIDER_SUMMARY: "专注设备数字化的服务商。",
        wb.COL_TRACK_RECORD: "服务企业 120 家",
        wb.COL_CONTACT: "王工",
        wb.COL_PHONE: "025-12345678",
        wb.COL_WEBSITE: "https://v1.example.com",
    }
    return row | cells


def xlsx(
    entries: Sequence[Mapping[str, Any]] = (),
    providers: Sequence[Mapping[str, Any]] | None = None,
    *,
    entry_header: Sequence[str] = wb.ENTRY_HEADER,
) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = wb.ENTRY_SHEET
    sheet.append(list(entry_header))
    for row in entries:
        sheet.append([row.get(column) for column in entry_header])
    if providers is not None:
        other = book.create_sheet(wb.PROVIDER_SHEET)
        other.append(list(wb.PROVIDER_HEADER))
        for row in providers:
            other.append([row.get(column) for column in wb.PROVIDER_HEADER])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def as_file(data: bytes, name: str = "资源.xlsx") -> io.BytesIO:
    file = io.BytesIO(data)
    file.name = name
    return file


def read_sheet(data: bytes, name: str) -> list[list[Any]]:
    book = openpyxl.load_workbook(io.BytesIO(data))
    return [list(row) for row in book[name].iter_rows(values_only=True)]
