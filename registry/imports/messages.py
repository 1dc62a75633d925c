"""The importer's bilingual messages (shown in the command output, the web page and the
report) and the limits it checks values against."""

from __future__ import annotations

import re
from decimal import Decimal

# --- Messages (bilingual: shown in the command output, the web page and the report) ------------
FILE_UNREADABLE = "无法读取文件：{detail} (The file cannot be read: {detail})"
FILE_UNKNOWN_FORMAT = (
    "文件格式无法识别，请使用 XLSX 或 CSV 文件 (Unknown file format: use an XLSX or CSV file)"
)
FILE_BAD_ENCODING = (
    "CSV 文件编码无法识别，请使用 UTF-8 或 GBK (The CSV file is neither UTF-8 nor GBK)"
)
FILE_NO_HEADER = "文件没有表头行 (The file has no header row)"
FILE_MISSING_COLUMNS = "缺少必填列：{columns} (Required columns missing: {keys})"
FILE_DUPLICATE_COLUMN = "列重复出现：{column} (Column appears twice: {column})"
IMPORT_CONFLICT = (
    "导入期间企业数据被他人修改，未导入任何数据，请重试 "
    "(Enterprises changed during the import; nothing was imported, please retry)"
)

REQUIRED_EMPTY = "必填项为空 (Required value is empty)"
LOOKS_LIKE_FORMULA = (
    "内容以 = + - @ 等字符开头，疑似电子表格公式 "
    "(Text starts with = + - @ or similar: looks like a spreadsheet formula)"
)
TOO_LONG = "内容过长，最多 {limit} 个字符 (Text too long: at most {limit} characters)"
UNKNOWN_COUNTY = (
    "区县代码不存在或不是区县级单位 (Unknown county code: not a GB/T 2260 county-level unit)"
)
UNKNOWN_INDUSTRY = (
    "行业代码不是制造业大类、中类或小类 "
    "(Unknown industry code: not a GB/T 4754 manufacturing division, group or class)"
)
USCC_REPEATED = (
    "统一社会信用代码在文件中重复，另见第 {rows} 行 (USCC repeated in the file, also in row {rows})"
)
NOT_A_NUMBER = "不是数字 (Not a number)"
NEGATIVE = "不能为负数 (Must not be negative)"
NOT_WHOLE = "应为整数 (Must be a whole number)"
TOO_LARGE = "数值过大 (Number too large)"
YEAR_OUT_OF_RANGE = "年份应为 2000–2100 的整数 (Year must be a whole number from 2000 to 2100)"
UNKNOWN_CATEGORY = (
    "未知的企业类别：{value}；自定义标签请写作“标签:名称” "
    "(Unknown category: {value}; write a free tag as 标签:name)"
)
COUNTY_OUTSIDE_JURISDICTION = "区县不在您的管辖范围内 (County outside your jurisdiction)"
ENTERPRISE_OUTSIDE_JURISDICTION = (
    "该企业已登记在您管辖范围以外 (Enterprise already registered outside your jurisdiction)"
)

UPLOAD_TOO_LARGE = "文件过大，最大 {limit} MB (File too large: at most {limit} MB)"
UPLOAD_BAD_TYPE = "请上传 .xlsx 或 .csv 文件 (Upload an .xlsx or .csv file)"
UPLOAD_NOT_XLSX = "文件不是有效的 XLSX 文件 (The file is not a valid XLSX file)"
UPLOAD_NOT_TEXT = "CSV 文件应为 UTF-8 或 GBK 编码 (The CSV file must be UTF-8 or GBK)"
IMPORT_FORBIDDEN = "只有省级和市级管理员可以导入企业 (Only province and city officials import)"

# --- Limits -----------------------------------------------------------------------------------
# IN-lists stay under SQLite's historical 999-parameter limit, with room for a few more params.
CHUNK = 900
SCAN_SHARE = 4  # files with rows for ≥ 1/4 of the registry's enterprises read whole tables
YEAR_MIN, YEAR_MAX = 2000, 2100
REVENUE_LIMIT = Decimal("1e12")  # EnterpriseYear.revenue_10k_yuan: 14 digits, 2 decimal places
REVENUE_FLOAT_LIMIT = 999_999_999_999.99
EMPLOYEES_LIMIT = 2_147_483_647
TAG_PREFIXES = ("标签:", "标签：", "tag:")
CATEGORY_NAME_MAX = 60  # Category.name
CATEGORY_SEPARATORS = re.compile(r"[;；]")
FORMULA_START = frozenset("=+-@\t\r＝＋－＠")
