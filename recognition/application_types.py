"""The application types (申报类型) as typed, read-only reference data from
recognition/data/types.yaml: eligibility rules, expert score sheet, deadlines, notice period and
certificate numbers, each with its source and `verified` mark. Loaded once per process."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from django.core.exceptions import ImproperlyConfigured

from scoring.maturity.types import Source, Text

TYPES_FILE = Path(__file__).resolve().parent / "data" / "types.yaml"
FORMAT = "zhigai-recognition-types/1"
RULE_KINDS = ("result_score", "result_level", "recognised", "no_blocking_flags")
UNKNOWN_TYPE = "未知的申报类型：{code} / Unknown application type: {code}"


@dataclass(frozen=True)
class Rule:
    id: str
    kind: str
    label: Text
    source: Source
    verified: bool
    framework: str = ""
    gte: float | None = None
    min_level: str = ""
    type: str = ""
    blocking: tuple[tuple[tuple[str, str], ...], ...] = ()
    max_age_years: int = 1


@dataclass(frozen=True)
class Criterion:
    code: str
    name: Text
    max: float


@dataclass(frozen=True)
class ScoreSheet:
    pass_mark: float
    criteria: tuple[Criterion, ...]
    source: Source
    verified: bool

    @property
    def max_total(self) -> float:
        return sum(c.max for c in self.criteria)


@dataclass(frozen=True)
class Certificate:
    pattern: str
    source: Source
    verified: bool

    def number(self, *, year: int, seq: int) -> str:
        return self.pattern.format(year=year, seq=seq)


@dataclass(frozen=True)
class ApplicationType:
    code: str
    name: Text
    rules: tuple[Rule, ...]
    score_sheet: ScoreSheet
    certificate: Certificate
    experts: int
    notice_days: int
    deadlines: Mapping[str, int]

    @property
    def frameworks(self) -> tuple[str, ...]:
        """Codes of the models whose results the rules read, in rule order."""
        codes = [rule.framework for rule in self.rules if rule.framework]
        return tuple(dict.fromkeys(codes))

    @property
    def verified(self) -> bool:
        return all(rule.verified for rule in self.rules)


@dataclass(frozen=True)
class Sampling:
    risk_threshold: float
    base_weight: float
    share: float
    source: Source
    verified: bool


@dataclass(frozen=True)
class Catalogue:
    types: Mapping[str, ApplicationType]
    direct_categories: tuple[str, ...]
    direct_source: Source
    direct_verified: bool
    sampling: Sampling


def _text(raw: Any) -> Text:
    if isinstance(raw, str):
        return Text(zh=raw)
    return Text(zh=str(raw["zh"]), en=str(raw.get("en", "")))


def _source(raw: Mapping[str, Any] | None) -> Source:
    raw = raw or {}
    return Source(**{key: str(raw.get(key, "")) for key in ("document", "clause", "url", "note")})


def _rule(raw: Mapping[str, Any], defaults: Mapping[str, Any]) -> Rule:
    if raw["kind"] not in RULE_KINDS:
        raise ImproperlyConfigured(f"{TYPES_FILE.name}: unknown rule kind {raw['kind']!r}")
    return Rule(
        id=str(raw["id"]),
        kind=str(raw["kind"]),
        label=_text(raw["label"]),
        source=_source(raw.get("source")),
        verified=bool(raw.get("verified", False)),
        framework=str(raw.get("framework", "")),
        gte=float(raw["gte"]) if "gte" in raw else None,
        min_level=str(raw.get("min_level", "")),
        type=str(raw.get("type", "")),
        blocking=tuple(
            tuple(sorted((str(k), str(v)) for k, v in m.items())) for m in raw.get("blocking", ())
        ),
        max_age_years=int(raw.get("max_age_years", defaults["max_age_years"])),
    )


def _sheet(raw: Mapping[str, Any]) -> ScoreSheet:
    return ScoreSheet(
        pass_mark=float(raw["pass_mark"]),
        criteria=tuple(
            Criterion(code=str(c["code"]), name=_text(c["name"]), max=float(c["max"]))
            for c in raw["criteria"]
        ),
        source=_source(raw.get("source")),
        verified=bool(raw.get("verified", False)),
    )


def _type(raw: Mapping[str, Any], defaults: Mapping[str, Any]) -> ApplicationType:
    certificate = raw["certificate"]
    return ApplicationType(
        code=str(raw["code"]),
        name=_text(raw["name"]),
        rules=tuple(_rule(r, defaults) for r in raw["rules"]),
        score_sheet=_sheet(raw["score_sheet"]),
        certificate=Certificate(
            pattern=str(certificate["pattern"]),
            source=_source(certificate.get("source")),
            verified=bool(certificate.get("verified", False)),
        ),
        experts=int(raw.get("experts", defaults["experts"])),
        notice_days=int(raw.get("notice_days", defaults["notice_days"])),
        deadlines={**defaults["deadlines_days"], **raw.get("deadlines_days", {})},
    )


def catalogue_parse(data: Mapping[str, Any]) -> Catalogue:
    """The catalogue from a parsed types file. Raises ImproperlyConfigured on a wrong format, an
    unknown rule kind or a `recognised` rule naming a type that does not exist."""
    if data.get("format") != FORMAT:
        raise ImproperlyConfigured(f"{TYPES_FILE.name}: format must be {FORMAT}")
    defaults = data["defaults"]
    types = {str(raw["code"]): _type(raw, defaults) for raw in data["types"]}
    for kind in types.values():
        for rule in kind.rules:
            if rule.kind == "recognised" and rule.type not in types:
                raise ImproperlyConfigured(f"{TYPES_FILE.name}: unknown type {rule.type!r}")
    direct, sampling = data["direct_categories"], data["site_check_sampling"]
    return Catalogue(
        types=types,
        direct_categories=tuple(str(code) for code in direct["codes"]),
        direct_source=_source(direct.get("source")),
        direct_verified=bool(direct.get("verified", False)),
        sampling=Sampling(
            risk_threshold=float(sampling["risk_threshold"]),
            base_weight=float(sampling["base_weight"]),
            share=float(sampling["share"]),
            source=_source(sampling.get("source")),
            verified=bool(sampling.get("verified", False)),
        ),
    )


@functools.cache
def catalogue() -> Catalogue:
    with TYPES_FILE.open(encoding="utf-8") as f:
        return catalogue_parse(yaml.safe_load(f))


def application_types() -> tuple[ApplicationType, ...]:
    return tuple(catalogue().types.values())


def application_type(code: str) -> ApplicationType:
    """The type `code`; KeyError with a bilingual message when there is none."""
    try:
        return catalogue().types[code]
    except KeyError:
        raise KeyError(UNKNOWN_TYPE.format(code=code)) from None


def type_name(code: str) -> str:
    """The Chinese name of type `code`, or the code itself when the type is unknown."""
    found = catalogue().types.get(code)
    return found.name.zh if found else code
