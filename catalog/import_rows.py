"""Checking the rows of an uploaded catalogue workbook (catalog/imports.py applies them): each cell
is parsed on its own so every problem of a row is reported once, then the rules that span rows
(duplicates in the file, who may import which provider's entries, publishing needs a published
provider) are applied."""

from __future__ import annotations

import unicodedata
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator

from accounts.models import User
from catalog import services
from catalog import workbook as wb
from catalog.models import Entry, Provider, Scenario, Status
from catalog.selectors import PROVIDER_KINDS, is_moderator, provider_ids_of
from registry.models import Chain, Cluster, Industry, Region
from registry.uscc import UsccError, uscc_validate

T = TypeVar("T")

REQUIRED = "必填 (Required)"
UNKNOWN_KIND = "未知的类别“{value}” (Unknown kind “{value}”)"
UNKNOWN_SOFTWARE = "未知的软件类别“{value}” (Unknown software category “{value}”)"
UNKNOWN_PROVIDER = (
    "平台和“服务商”表中都没有服务商“{value}” (No provider named “{value}” on the platform or in "
    "the providers sheet)"
)
NOT_OWN_PROVIDER = (
    "只能导入本服务商（{own}）的条目，请留空或填写本服务商名称 "
    "(Only entries of your own provider, {own}: leave it empty or give that name)"
)
NO_OWN_PROVIDER = (
    "该账号尚未创建服务商信息，请先在服务商信息页面填写 "
    "(This account has no provider profile yet: create it first)"
)
PROVIDERS_NOT_ALLOWED = (
    "服务商账号不能导入“服务商”表，请在服务商信息页面修改 "
    "(Provider accounts cannot import the providers sheet: edit the profile on its page)"
)
BAD_FLAG = "请填写“是”或“否” (Enter 是 or 否)"
BAD_YEAR = "须为 1990–2100 的整数年份 (A whole year from 1990 to 2100)"
TEXT_TOO_LONG = "不能超过 {limit} 个字 (At most {limit} characters)"
DUPLICATE_ENTRY = (
    "与第 {row} 行的服务商、类别和名称相同 (Same provider, kind and name as row {row})"
)
DUPLICATE_PROVIDER = "与第 {row} 行的服务商名称相同 (Same provider name as row {row})"
DUPLICATE_USCC = "与第 {row} 行的统一社会信用代码相同 (Same USCC as row {row})"
AMBIGUOUS_EXISTING = (
    "平台中已有多个同服务商、同类别、同名称的条目，请在网页上修改 "
    "(Several entries with this provider, kind and name exist: edit them on the web)"
)
BAD_ATTRIBUTE_LINE = "每行须写成“项目：内容” (Write each line as “item：text”)"
BAD_URL = "网址须以 http:// 或 https:// 开头 (A website starts with http:// or https://)"
UNKNOWN_SCENARIOS = services.UNKNOWN_SCENARIOS

TEXT_LIMITS = {
    wb.COL_TITLE: 120, wb.COL_SUMMARY: 300, wb.COL_BODY: 20_000, wb.COL_SOURCE: 200,
    wb.COL_ATTRIBUTES: 5000, wb.COL_USCC: 18, wb.COL_PROVIDER_SUMMARY: 5000,
    wb.COL_TRACK_RECORD: 5000, wb.COL_CONTACT: 40, wb.COL_PHONE: 30, wb.COL_WEBSITE: 200,
    wb.COL_QUALIFICATIONS: 2000,
}  # fmt: skip
# The provider sheet's 名称 is limited by Provider.name.
PROVIDER_NAME_MAX = 100


@dataclass(frozen=True)
class RowProblem:
    """A problem of an upload: the sheet, the Excel row (0: the file), the column header ("":
    the row) and a bilingual message."""

    sheet: str
    row: int
    column: str
    message: str

    @classmethod
    def of(cls, problem: wb.SheetProblem) -> RowProblem:
        return cls(problem.sheet, problem.row, problem.column, problem.message)

    def __str__(self) -> str:
        where = f"{self.sheet} 第 {self.row} 行 (row {self.row})" if self.row else "文件 (file)"
        return (
            f"{where} {self.column}: {self.message}" if self.column else f"{where}: {self.message}"
        )


@dataclass(frozen=True)
class ProviderInput:
    row: int
    name: str
    uscc: str
    region: str | None
    regions_served: list[str]
    industries: list[str]
    qualifications: list[str]
    summary: str
    track_record: str
    contact_name: str
    contact_phone: str
    website: str


@dataclass(frozen=True)
class EntryInput:
    row: int
    kind: str
    title: str
    provider_name: str
    summary: str
    body: str
    software_category: str
    first_version: bool
    first_set: bool
    recognised_year: int | None
    industries: list[str]
    regions: list[str]
    clusters: list[str]
    chains: list[str]
    scenarios: list[str]
    source: str
    attributes: dict[str, str]

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.provider_name, self.kind, self.title)


@dataclass
class Lookups:
    """What the rows are checked against, loaded once per file."""

    providers: dict[str, Provider]
    served: dict[int, list[str]]
    entries: dict[tuple[str, str, str], Entry]
    ambiguous: set[tuple[str, str, str]]
    entry_scenarios: dict[int, list[str]]
    scenarios: dict[str, str]  # code and name → code
    codes: dict[str, set[str]]  # column → known codes
    scenario_rows: dict[str, Scenario] = field(default_factory=dict)


@dataclass
class Checked:
    providers: list[ProviderInput] = field(default_factory=list)
    entries: list[EntryInput] = field(default_factory=list)
    problems: list[RowProblem] = field(default_factory=list)
    lookups: Lookups | None = None


class _Bad(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


_KINDS: dict[str, str] = {str(label): value for value, label in Entry.Kind.choices}
_KINDS |= {v: v for v in Entry.Kind.values}
_SOFTWARE: dict[str, str] = {str(label): value for value, label in Entry.SoftwareCategory.choices}
_SOFTWARE |= {v: v for v in Entry.SoftwareCategory.values}
_FLAGS = {"是": True, "否": False, "": False, "yes": True, "no": False, "y": True, "n": False}
_FLAGS |= {"true": True, "false": False, "1": True, "0": False}
_CODE_MESSAGES = {
    wb.COL_INDUSTRIES: services.UNKNOWN_INDUSTRIES,
    wb.COL_PROVIDER_INDUSTRIES: services.UNKNOWN_INDUSTRIES,
    wb.COL_REGIONS: services.UNKNOWN_REGIONS,
    wb.COL_SERVED: services.UNKNOWN_REGIONS,
    wb.COL_REGION: services.UNKNOWN_REGIONS,
    wb.COL_CLUSTERS: services.UNKNOWN_CLUSTERS,
    wb.COL_CHAINS: services.UNKNOWN_CHAINS,
}


def _lookups(sheets: wb.Sheets, own: str) -> Lookups:
    names = {row.text(wb.COL_NAME) for row in sheets.providers}
    names |= {row.text(wb.COL_PROVIDER) for row in sheets.entries} | {own}
    providers = {p.name: p for p in Provider.objects.filter(name__in=names - {""})}
    served: dict[int, list[str]] = defaultdict(list)
    through = Provider.regions_served.through
    for provider_id, code in through.objects.filter(provider__in=providers.values()).values_list(
        "provider_id", "region_id"
    ):
        served[provider_id].append(code)
    titles = {row.text(wb.COL_TITLE) for row in sheets.entries} - {""}
    entries: dict[tuple[str, str, str], Entry] = {}
    ambiguous: set[tuple[str, str, str]] = set()
    for entry in Entry.objects.filter(title__in=titles).select_related("provider"):
        key = (entry.provider.name if entry.provider else "", entry.kind, entry.title)
        if key in entries:
            ambiguous.add(key)
        entries[key] = entry
    links: dict[int, list[str]] = defaultdict(list)
    for entry_id, code in Entry.scenarios.through.objects.filter(
        entry_id__in=[e.pk for e in entries.values()]
    ).values_list("entry_id", "scenario_id"):
        links[entry_id].append(code)
    scenario_rows = {s.code: s for s in Scenario.objects.all()}
    scenarios = {s.name_zh: code for code, s in scenario_rows.items()}
    scenarios |= {code: code for code in scenario_rows}
    regions = set(Region.objects.values_list("code", flat=True))
    industries = set(Industry.objects.values_list("code", flat=True))
    codes = {
        wb.COL_INDUSTRIES: industries, wb.COL_PROVIDER_INDUSTRIES: industries,
        wb.COL_REGIONS: regions, wb.COL_SERVED: regions, wb.COL_REGION: regions,
        wb.COL_CLUSTERS: set(Cluster.objects.values_list("code", flat=True)),
        wb.COL_CHAINS: set(Chain.objects.values_list("code", flat=True)),
    }  # fmt: skip
    return Lookups(
        providers, dict(served), entries, ambiguous, dict(links), scenarios, codes, scenario_rows
    )


# --- cells -----------------------------------------------------------------------------------


def _text(row: wb.SheetRow, column: str, *, required: bool = False) -> str:
    text = row.text(column)
    if required and not text:
        raise _Bad(REQUIRED)
    limit = TEXT_LIMITS.get(column)
    if limit is not None and len(text) > limit:
        raise _Bad(TEXT_TOO_LONG.format(limit=limit))
    return text


def _codes(row: wb.SheetRow, column: str, lookups: Lookups) -> list[str]:
    codes = list(dict.fromkeys(wb.split_list(row.text(column))))
    missing = [code for code in codes if code not in lookups.codes[column]]
    if missing:
        raise _Bad(_CODE_MESSAGES[column].format(codes="、".join(missing[:10])))
    return codes


def _scenarios(row: wb.SheetRow, lookups: Lookups) -> list[str]:
    names = wb.split_list(row.text(wb.COL_SCENARIOS))
    missing = [name for name in names if name not in lookups.scenarios]
    if missing:
        raise _Bad(UNKNOWN_SCENARIOS.format(codes="、".join(missing[:10])))
    return list(dict.fromkeys(lookups.scenarios[name] for name in names))


def _flag(row: wb.SheetRow, column: str) -> bool:
    text = row.text(column).lower()
    if text not in _FLAGS:
        raise _Bad(BAD_FLAG)
    return _FLAGS[text]


def _year(row: wb.SheetRow) -> int | None:
    value = row.cells.get(wb.COL_YEAR)
    text = wb.cell_text(value)
    if not text:
        return None
    if isinstance(value, bool) or not (text.isascii() and text.isdigit()):
        raise _Bad(BAD_YEAR)
    year = int(text)
    if not 1990 <= year <= 2100:
        raise _Bad(BAD_YEAR)
    return year


def _attributes(row: wb.SheetRow) -> dict[str, str]:
    found: dict[str, str] = {}
    for line in _text(row, wb.COL_ATTRIBUTES).splitlines():
        if not line.strip():
            continue
        key, colon, value = line.replace(":", wb.ATTRIBUTE_SEPARATOR, 1).partition(
            wb.ATTRIBUTE_SEPARATOR
        )
        if not colon or not key.strip():
            raise _Bad(BAD_ATTRIBUTE_LINE)
        found[key.strip()] = value.strip()
    return found


class _RowReader:
    """Parses the cells of one row, collecting a problem per bad cell."""

    def __init__(self, row: wb.SheetRow) -> None:
        self.row = row
        self.problems = [RowProblem(row.sheet, row.number, c, wb.FORMULA) for c in row.formulas]

    def take(self, column: str, parse: Callable[[], T], fallback: T) -> T:
        try:
            return parse()
        except _Bad as bad:
            self.problems.append(RowProblem(self.row.sheet, self.row.number, column, bad.message))
            return fallback

    def add(self, column: str, message: str) -> None:
        self.problems.append(RowProblem(self.row.sheet, self.row.number, column, message))


# --- rows ------------------------------------------------------------------------------------


def _provider(row: wb.SheetRow, lookups: Lookups) -> tuple[ProviderInput, list[RowProblem]]:
    r = _RowReader(row)
    name = r.take(wb.COL_NAME, lambda: _text(row, wb.COL_NAME, required=True), "")
    if len(name) > PROVIDER_NAME_MAX:
        r.add(wb.COL_NAME, TEXT_TOO_LONG.format(limit=PROVIDER_NAME_MAX))
    uscc = r.take(wb.COL_USCC, lambda: _uscc(row.text(wb.COL_USCC)), "")
    no_codes: list[str] = []
    region = r.take(wb.COL_REGION, lambda: _codes(row, wb.COL_REGION, lookups), no_codes)
    website = r.take(wb.COL_WEBSITE, lambda: _website(row), "")
    item = ProviderInput(
        row=row.number,
        name=name,
        uscc=uscc,
        region=region[0] if region else None,
        regions_served=r.take(wb.COL_SERVED, lambda: _codes(row, wb.COL_SERVED, lookups), []),
        industries=r.take(
            wb.COL_PROVIDER_INDUSTRIES, lambda: _codes(row, wb.COL_PROVIDER_INDUSTRIES, lookups), []
        ),
        qualifications=r.take(
            wb.COL_QUALIFICATIONS,
            lambda: wb.split_list(_text(row, wb.COL_QUALIFICATIONS)),
            [],
        ),
        summary=r.take(wb.COL_PROVIDER_SUMMARY, lambda: _text(row, wb.COL_PROVIDER_SUMMARY), ""),
        track_record=r.take(wb.COL_TRACK_RECORD, lambda: _text(row, wb.COL_TRACK_RECORD), ""),
        contact_name=r.take(wb.COL_CONTACT, lambda: _text(row, wb.COL_CONTACT), ""),
        contact_phone=r.take(wb.COL_PHONE, lambda: _text(row, wb.COL_PHONE), ""),
        website=website,
    )
    if len(region) > 1:
        r.add(wb.COL_REGION, services.NOT_A_LIST)
    return item, r.problems


def _uscc(text: str) -> str:
    if not text:
        return ""
    try:
        return uscc_validate(text)
    except UsccError as error:
        raise _Bad(str(error)) from None


def _website(row: wb.SheetRow) -> str:
    text = _text(row, wb.COL_WEBSITE)
    if text:
        try:
            URLValidator(schemes=["http", "https"])(text)
        except ValidationError:
            raise _Bad(BAD_URL) from None
    return text


def _entry(
    row: wb.SheetRow, lookups: Lookups, *, own: str = ""
) -> tuple[EntryInput, list[RowProblem]]:
    """One entry row; a provider account's rows are its own provider's (`own`)."""
    r = _RowReader(row)
    kind = r.take(wb.COL_KIND, lambda: _choice(row, wb.COL_KIND, _KINDS, UNKNOWN_KIND), "")
    software = r.take(
        wb.COL_SOFTWARE, lambda: _choice(row, wb.COL_SOFTWARE, _SOFTWARE, UNKNOWN_SOFTWARE), ""
    )
    item = EntryInput(
        row=row.number,
        kind=kind,
        title=r.take(wb.COL_TITLE, lambda: _text(row, wb.COL_TITLE, required=True), ""),
        provider_name=own or row.text(wb.COL_PROVIDER),
        summary=r.take(wb.COL_SUMMARY, lambda: _text(row, wb.COL_SUMMARY), ""),
        body=r.take(wb.COL_BODY, lambda: _text(row, wb.COL_BODY), ""),
        software_category=software,
        first_version=r.take(wb.COL_FIRST_VERSION, lambda: _flag(row, wb.COL_FIRST_VERSION), False),
        first_set=r.take(wb.COL_FIRST_SET, lambda: _flag(row, wb.COL_FIRST_SET), False),
        recognised_year=r.take(wb.COL_YEAR, lambda: _year(row), None),
        industries=r.take(wb.COL_INDUSTRIES, lambda: _codes(row, wb.COL_INDUSTRIES, lookups), []),
        regions=r.take(wb.COL_REGIONS, lambda: _codes(row, wb.COL_REGIONS, lookups), []),
        clusters=r.take(wb.COL_CLUSTERS, lambda: _codes(row, wb.COL_CLUSTERS, lookups), []),
        chains=r.take(wb.COL_CHAINS, lambda: _codes(row, wb.COL_CHAINS, lookups), []),
        scenarios=r.take(wb.COL_SCENARIOS, lambda: _scenarios(row, lookups), []),
        source=r.take(wb.COL_SOURCE, lambda: _text(row, wb.COL_SOURCE), ""),
        attributes=r.take(wb.COL_ATTRIBUTES, lambda: _attributes(row), {}),
    )
    _kind_rules(item, r)
    return item, r.problems


def _choice(row: wb.SheetRow, column: str, choices: dict[str, str], message: str) -> str:
    text = row.text(column)
    if not text:
        if column == wb.COL_KIND:
            raise _Bad(REQUIRED)
        return ""
    if text not in choices:
        raise _Bad(message.format(value=text[:30]))
    return choices[text]


def _kind_rules(item: EntryInput, r: _RowReader) -> None:
    """The kind's rules of catalog.services._entry_validate, as row problems."""
    if not item.kind:
        return
    if item.software_category and item.kind != Entry.Kind.SOFTWARE:
        r.add(wb.COL_SOFTWARE, services.SOFTWARE_CATEGORY_ONLY_SOFTWARE)
    if item.first_set and item.kind not in services.FIRST_SET_KINDS:
        r.add(wb.COL_FIRST_SET, services.FIRST_SET_ONLY_EQUIPMENT)
    if item.first_version and item.kind not in services.FIRST_VERSION_KINDS:
        r.add(wb.COL_FIRST_VERSION, services.FIRST_VERSION_ONLY_SOFTWARE)
    if not item.provider_name and item.kind not in services.PROVINCE_KINDS:
        r.add(wb.COL_PROVIDER, REQUIRED)
    if item.provider_name and item.kind not in PROVIDER_KINDS:
        r.add(wb.COL_KIND, services.KIND_NOT_FOR_PROVIDERS)


# --- the file --------------------------------------------------------------------------------


def check_rows(sheets: wb.Sheets, *, by: User, publish: bool) -> Checked:
    """Every row parsed and checked; `problems` empty means the file may be applied."""
    province = is_moderator(by)
    own = "" if province else own_provider_name(by)
    checked = Checked()
    if not province and not own:
        checked.problems.append(RowProblem("", 0, "", NO_OWN_PROVIDER))
        return checked
    lookups = _lookups(sheets, own)
    checked.lookups = lookups
    if not province:
        checked.problems += [
            RowProblem(row.sheet, row.number, "", PROVIDERS_NOT_ALLOWED) for row in sheets.providers
        ]
    else:
        _check_providers(sheets, lookups, checked)
    in_file = {item.name for item in checked.providers}
    for row in sheets.entries:
        item, problems = _entry(row, lookups, own=own)
        named = row.text(wb.COL_PROVIDER)
        if not province and named and named != own:
            message = NOT_OWN_PROVIDER.format(own=own)
            problems.append(RowProblem(row.sheet, row.number, wb.COL_PROVIDER, message))
        if province:
            problems += _provider_problems(item, row, lookups, in_file, publish)
        checked.problems += problems
        checked.entries.append(item)
    checked.problems += _duplicate_entries(checked.entries, lookups)
    checked.problems.sort(key=lambda p: (p.sheet != wb.PROVIDER_SHEET, p.row, _order(p.column)))
    return checked


def _order(column: str) -> int:
    header = (*wb.ENTRY_HEADER, *wb.PROVIDER_HEADER)
    return header.index(column) if column in header else -1


def own_provider_name(user: User) -> str:
    """The name of the provider a provider account manages ("" for none)."""
    ids = provider_ids_of(user)
    provider = Provider.objects.filter(pk__in=ids).order_by("pk").first()
    return provider.name if provider else ""


def _check_providers(sheets: wb.Sheets, lookups: Lookups, checked: Checked) -> None:
    names: dict[str, int] = {}
    usccs: dict[str, int] = {}
    for row in sheets.providers:
        item, problems = _provider(row, lookups)
        same = _same_title(item.name)
        if same in names:
            problems.append(
                RowProblem(
                    row.sheet, row.number, wb.COL_NAME, DUPLICATE_PROVIDER.format(row=names[same])
                )
            )
        names.setdefault(same, row.number)
        if item.uscc:
            if item.uscc in usccs:
                problems.append(
                    RowProblem(
                        row.sheet,
                        row.number,
                        wb.COL_USCC,
                        DUPLICATE_USCC.format(row=usccs[item.uscc]),
                    )
                )
            elif Provider.objects.filter(uscc=item.uscc).exclude(name=item.name).exists():
                problems.append(RowProblem(row.sheet, row.number, wb.COL_USCC, services.USCC_TAKEN))
            usccs.setdefault(item.uscc, row.number)
        checked.problems += problems
        checked.providers.append(item)


def _provider_problems(
    item: EntryInput, row: wb.SheetRow, lookups: Lookups, in_file: set[str], publish: bool
) -> list[RowProblem]:
    name = item.provider_name
    if not name:
        return []
    known = lookups.providers.get(name)
    if known is None and name not in in_file:
        return [
            RowProblem(
                row.sheet, row.number, wb.COL_PROVIDER, UNKNOWN_PROVIDER.format(value=name[:40])
            )
        ]
    if publish and name not in in_file and known is not None and known.status != Status.PUBLISHED:
        return [RowProblem(row.sheet, row.number, wb.COL_PROVIDER, services.PROVIDER_NOT_PUBLISHED)]
    return []


def _same_title(title: str) -> str:
    """A title as a reader sees it: full-width letters and spaces as half-width, runs of spaces
    as one (two rows differing only so are the same entry listed twice)."""
    return " ".join(unicodedata.normalize("NFKC", title).split())


def _duplicate_entries(items: list[EntryInput], lookups: Lookups) -> list[RowProblem]:
    first: dict[tuple[str, str, str], int] = {}
    problems = []
    for item in items:
        if not item.kind or not item.title:
            continue
        same = (item.provider_name, item.kind, _same_title(item.title))
        if same in first:
            problems.append(
                RowProblem(wb.ENTRY_SHEET, item.row, "", DUPLICATE_ENTRY.format(row=first[same]))
            )
        else:
            first[same] = item.row
        if item.key in lookups.ambiguous:
            problems.append(RowProblem(wb.ENTRY_SHEET, item.row, wb.COL_TITLE, AMBIGUOUS_EXISTING))
    return problems
