"""Cell parsers: one cell of one column to its normalised value, or to the bilingual reason it
is rejected, checked against reference tables preloaded into `Lookups` (no query per row)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from accounts.scoping import Jurisdiction
from registry.imports.messages import (
    CATEGORY_NAME_MAX,
    CATEGORY_SEPARATORS,
    COUNTY_OUTSIDE_JURISDICTION,
    EMPLOYEES_LIMIT,
    FORMULA_START,
    LOOKS_LIKE_FORMULA,
    NEGATIVE,
    NOT_A_NUMBER,
    NOT_WHOLE,
    REQUIRED_EMPTY,
    REVENUE_FLOAT_LIMIT,
    REVENUE_LIMIT,
    TAG_PREFIXES,
    TOO_LARGE,
    TOO_LONG,
    UNKNOWN_CATEGORY,
    UNKNOWN_COUNTY,
    UNKNOWN_INDUSTRY,
    YEAR_MAX,
    YEAR_MIN,
    YEAR_OUT_OF_RANGE,
)
from registry.imports.reading import COLUMN_BY_KEY, cell_text
from registry.models import Category, Industry, Region
from registry.uscc import UsccError, uscc_check, uscc_quick

_CENT = Decimal("0.01")


@dataclass
class Lookups:
    """Reference tables preloaded into dicts, so validating a row costs no query."""

    counties: dict[str, str]  # county code → city code
    industries: frozenset[str]
    category_names: dict[str, str]  # official name or alias → name
    category_codes: dict[str, str]  # name → code, every kind
    jurisdiction: Jurisdiction

    @classmethod
    def load(cls, jurisdiction: Jurisdiction) -> Lookups:
        counties = Region.objects.filter(level=Region.Level.COUNTY).values_list("code", "parent")
        industries = Industry.objects.exclude(level=Industry.Level.SECTION)
        names: dict[str, str] = {}
        codes: dict[str, str] = {}
        for code, name, kind, aliases in Category.objects.values_list(
            "code", "name", "kind", "aliases"
        ):
            codes[name] = code
            if kind == Category.Kind.OFFICIAL:
                names.update(dict.fromkeys(aliases or (), name) | {name: name})
        return cls(
            counties={code: city for code, city in counties if city},
            industries=frozenset(industries.values_list("code", flat=True)),
            category_names=names,
            category_codes=codes,
            jurisdiction=jurisdiction,
        )


class _Bad(Exception):
    """A cell is invalid; raised by the cell parsers, which are on the hot path only when valid."""

    def __init__(self, reason: str) -> None:
        self.reason = reason


def looks_like_formula(value: str) -> bool:
    """Text a spreadsheet may run as a formula (CSV injection): = + - @, tab or CR first, also
    after leading spaces, and their full-width forms, which some spreadsheets convert."""
    return value.lstrip(" \u3000")[:1] in FORMULA_START


def _parse_uscc(cell: object, text: str, lookups: Lookups) -> str:
    try:
        return uscc_check(text)
    except UsccError as exc:
        raise _Bad(str(exc)) from None


def _parse_name(cell: object, text: str, lookups: Lookups) -> str:
    if len(text) > COLUMN_BY_KEY["name"].max_length:
        raise _Bad(TOO_LONG.format(limit=COLUMN_BY_KEY["name"].max_length))
    return text


def _parse_county(cell: object, text: str, lookups: Lookups) -> str:
    city = lookups.counties.get(text)
    if city is None:
        raise _Bad(UNKNOWN_COUNTY)
    if not _county_in(lookups.jurisdiction, text, city):
        raise _Bad(COUNTY_OUTSIDE_JURISDICTION)
    return text


def _county_in(jurisdiction: Jurisdiction, county: str, city: str) -> bool:
    """Imports are for officials: an enterprise user's jurisdiction covers no county."""
    if jurisdiction.everything:
        return True
    return city == jurisdiction.city_code or county == jurisdiction.county_code


def _parse_industry(cell: object, text: str, lookups: Lookups) -> str:
    code = text.upper()
    code = code[1:] if code[:1] == "C" and len(code) > 1 else code
    if code not in lookups.industries:
        raise _Bad(UNKNOWN_INDUSTRY)
    return code


def _decimal(cell: object, text: str) -> Decimal:
    """A finite number from a float cell or text (thousands separators allowed), or _Bad."""
    if isinstance(cell, bool):
        raise _Bad(NOT_A_NUMBER)
    try:
        number = Decimal(text.replace(",", ""))  # a float's text is its shortest repr
    except InvalidOperation:
        number = Decimal("NaN")
    if not number.is_finite():
        raise _Bad(LOOKS_LIKE_FORMULA if looks_like_formula(text) else NOT_A_NUMBER)
    if number < 0:
        raise _Bad(NEGATIVE)
    return number


def _whole(cell: object, text: str) -> int:
    number = _decimal(cell, text)
    if number != number.to_integral_value():
        raise _Bad(NOT_WHOLE)
    return int(number)


def _parse_year(cell: object, text: str, lookups: Lookups) -> int:
    try:
        year = _whole(cell, text)
    except _Bad as bad:
        raise _Bad(YEAR_OUT_OF_RANGE if bad.reason != LOOKS_LIKE_FORMULA else bad.reason) from None
    if not YEAR_MIN <= year <= YEAR_MAX:
        raise _Bad(YEAR_OUT_OF_RANGE)
    return year


def _parse_revenue(cell: object, text: str, lookups: Lookups) -> Decimal:
    # Excel floats carry binary noise (1234.5699999…); money is kept to the cent. A float's text
    # is its repr(), the shortest text that reads back as the float: the number as typed.
    number = _decimal(cell, text).quantize(_CENT, rounding=ROUND_HALF_UP)
    if number >= REVENUE_LIMIT:
        raise _Bad(TOO_LARGE)
    return number


def _parse_employees(cell: object, text: str, lookups: Lookups) -> int:
    number = _whole(cell, text)
    if number > EMPLOYEES_LIMIT:
        raise _Bad(TOO_LARGE)
    return number


def _parse_categories(cell: object, text: str, lookups: Lookups) -> frozenset[str]:
    names, unknown = set(), []
    for piece in CATEGORY_SEPARATORS.split(text):
        piece = piece.strip()
        tag = next(
            (piece[len(p) :].strip() for p in TAG_PREFIXES if piece.lower().startswith(p)), None
        )
        if tag is not None and looks_like_formula(tag):
            raise _Bad(LOOKS_LIKE_FORMULA)
        name = lookups.category_names.get(piece) if tag is None else tag
        if name and len(name) <= CATEGORY_NAME_MAX:
            names.add(name)
        elif piece:
            unknown.append(piece)
    if unknown:
        raise _Bad(UNKNOWN_CATEGORY.format(value="、".join(unknown)))
    return frozenset(names)


_PARSERS: dict[str, Callable[[object, str, Lookups], Any]] = {
    "uscc": _parse_uscc,
    "name": _parse_name,
    "county_code": _parse_county,
    "industry_code": _parse_industry,
    "year": _parse_year,
    "revenue_10k_yuan": _parse_revenue,
    "employees": _parse_employees,
    "categories": _parse_categories,
}
_NUMERIC = frozenset({"year", "revenue_10k_yuan", "employees"})
EMPTY: dict[str, Any] = {"categories": frozenset()}


def cell_parser(key: str, lookups: Lookups) -> Callable[[object], tuple[Any, str | None]]:
    """A function from one cell of column `key` to (value, None) or (None, reason). Built per
    column so the per-cell work is one call: it runs for every cell of the file."""
    parse = _PARSERS[key]
    missing = (EMPTY.get(key), REQUIRED_EMPTY if COLUMN_BY_KEY[key].required else None)
    formula_checked = key not in _NUMERIC  # a number column says NEGATIVE for -5, not formula
    fast = _FAST_PATHS.get(key, _no_fast_path)

    def cell_parse(cell: object) -> tuple[Any, str | None]:
        outcome = fast(cell)
        if outcome is not None:
            return outcome
        text = cell.strip() if isinstance(cell, str) else cell_text(cell)
        if not text:
            return missing
        if formula_checked and isinstance(cell, str) and looks_like_formula(cell):
            return None, LOOKS_LIKE_FORMULA
        try:
            return parse(cell, text, lookups), None
        except _Bad as bad:
            return None, bad.reason

    return cell_parse


def _no_fast_path(cell: object) -> None:
    return None


def _uscc_fast(cell: object) -> tuple[str, None] | None:
    """A clean, valid code: nearly every cell of the USCC column. A digit first means no
    formula and no padding to strip."""
    if isinstance(cell, str) and uscc_quick(code := cell.upper()):
        return code, None
    return None


def _revenue_fast(cell: object) -> tuple[Decimal, None] | None:
    """An Excel number in range: nearly every cell of the revenue column."""
    if isinstance(cell, float) and 0 <= cell < REVENUE_FLOAT_LIMIT:  # False for NaN
        return Decimal(repr(cell)).quantize(_CENT, rounding=ROUND_HALF_UP), None
    return None


_FAST_PATHS: dict[str, Callable[[object], tuple[Any, None] | None]] = {
    "uscc": _uscc_fast,
    "revenue_10k_yuan": _revenue_fast,
}
