"""The action plan (targets/data/plan-2025-2027.yaml) as typed, read-only data.

Pure: no Django imports. `load_plan` reads and validates the file into a `Plan` of frozen `Task` and
`Target` records; `plan_problems` lists every problem of a parsed file's content (missing fields,
unknown kind / bound / scope / actual, duplicate codes, computed targets without a figure, quotes
not found in the plan text when the text is given).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

DEFAULT = Path(__file__).resolve().parent / "data" / "plan-2025-2027.yaml"
# A copy of ../shared/plan/action-plan-2025-2027.zh-Hans.txt, so the quotes can be checked anywhere.
PLAN_TEXT = Path(__file__).resolve().parent / "data" / "action-plan-2025-2027.zh-Hans.txt"
FORMAT = "zhigai-plan/1"
PARTS = ("一", "二", "三", "四", "五", "六")
KINDS = ("cumulative", "per_year", "share", "full_coverage", "count")
BOUNDS = ("at_least", "about", "exactly", "range")
SCOPES = ("province", "each_city")
PERIODS = ("plan", "year")
ACTUALS = ("computed", "reported")
FIGURE_SOURCES = ("monitoring", "recognition")
MEASURES = ("share", "count")
TASK_FIELDS = ("number", "part", "title", "lead", "cooperating", "departments_text", "targets")
TARGET_FIELDS = (
    "code",
    "name",
    "metric",
    "unit",
    "kind",
    "bound",
    "baseline",
    "value_2027",
    "scope",
    "actual",
    "quote",
    "verified",
)


class PlanError(ValueError):
    """The plan file is not valid; the message lists every problem."""


@dataclass(frozen=True)
class Figure:
    """The platform figure a computed target's actual is read from."""

    source: str
    metric: str = ""
    population: str = ""
    measure: str = ""
    application_type: str = ""


@dataclass(frozen=True)
class Target:
    code: str
    task: int
    name: Mapping[str, str]
    metric: str
    unit: str
    kind: str
    bound: str
    baseline: float | None
    values: Mapping[int, float]
    value_2027: float | None
    value_max: float | None
    scope: str
    actual: str
    figure: Figure | None
    quote: str
    verified: bool
    note: str = ""
    period: str = "plan"

    def value_for(self, year: int) -> float | None:
        """The plan's value for `year` (the per-year value, or the 2027 value for 2027)."""
        if year in self.values:
            return self.values[year]
        return self.value_2027 if year == 2027 else None


@dataclass(frozen=True)
class Task:
    number: int
    part: str
    title: Mapping[str, str]
    lead: str
    cooperating: tuple[str, ...]
    departments_text: str
    targets: tuple[Target, ...]

    @property
    def departments(self) -> tuple[str, ...]:
        return (self.lead, *self.cooperating)


@dataclass(frozen=True)
class Plan:
    document: str
    issuer: str
    start_year: int
    end_year: int
    version: str
    local_governments: str
    tasks: tuple[Task, ...]

    @property
    def targets(self) -> tuple[Target, ...]:
        return tuple(target for task in self.tasks for target in task.targets)

    def task(self, number: int) -> Task:
        for task in self.tasks:
            if task.number == number:
                return task
        raise KeyError(number)

    def target(self, code: str) -> Target:
        for target in self.targets:
            if target.code == code:
                return target
        raise KeyError(code)


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _text_ok(value: Any) -> bool:
    return isinstance(value, dict) and all(
        isinstance(value.get(lang), str) and value.get(lang) for lang in ("zh", "en")
    )


def _figure_problems(where: str, figure: Any) -> list[str]:
    if not isinstance(figure, dict):
        return [f"{where}: a computed target needs a figure"]
    source = figure.get("source")
    if source not in FIGURE_SOURCES:
        return [f"{where}: unknown figure source {source!r}"]
    if source == "recognition":
        ok = bool(figure.get("application_type"))
        return [] if ok else [f"{where}: a recognition figure needs an application_type"]
    problems = [
        f"{where}: a monitoring figure needs {key}"
        for key in ("metric", "population", "measure")
        if not figure.get(key)
    ]
    if figure.get("measure") and figure["measure"] not in MEASURES:
        problems.append(f"{where}: unknown figure measure {figure['measure']!r}")
    return problems


def _target_problems(where: str, raw: Any, text: str | None) -> list[str]:
    if not isinstance(raw, dict):
        return [f"{where}: a target must be a mapping"]
    problems = [f"{where}: missing {key}" for key in TARGET_FIELDS if key not in raw]
    for key, allowed in (
        ("kind", KINDS),
        ("bound", BOUNDS),
        ("scope", SCOPES),
        ("actual", ACTUALS),
    ):
        if key in raw and raw[key] not in allowed:
            problems.append(f"{where}: unknown {key} {raw[key]!r}")
    if "name" in raw and not _text_ok(raw["name"]):
        problems.append(f"{where}: name needs zh and en")
    for key in ("metric", "unit", "quote"):
        if key in raw and not (isinstance(raw[key], str) and raw[key]):
            problems.append(f"{where}: {key} must be a non-empty text")
    if raw.get("period", "plan") not in PERIODS:
        problems.append(f"{where}: unknown period {raw.get('period')!r}")
    elif raw.get("period") == "year" and raw.get("kind") not in ("share", "full_coverage"):
        problems.append(f"{where}: only a share target is measured afresh every year")
    if "verified" in raw and not isinstance(raw["verified"], bool):
        problems.append(f"{where}: verified must be true or false")
    if raw.get("baseline") is not None and not _number(raw["baseline"]):
        problems.append(f"{where}: baseline must be a number or null")
    value: Any = raw.get("value_2027")
    if "value_2027" in raw and not _number(value):
        problems.append(f"{where}: value_2027 must be a number")
    values = raw.get("values", {})
    if not isinstance(values, dict) or not all(
        isinstance(year, int) and _number(v) for year, v in values.items()
    ):
        problems.append(f"{where}: values must map years to numbers")
        values = {}
    if raw.get("kind") == "per_year":
        missing = [year for year in (2025, 2026, 2027) if year not in values]
        if missing:
            problems.append(f"{where}: a per_year target needs values for {missing}")
    if 2027 in values and _number(value) and values[2027] != value:
        problems.append(f"{where}: values[2027] differs from value_2027")
    if raw.get("kind") == "full_coverage" and _number(value) and value != 100:
        problems.append(f"{where}: a full_coverage target is 100 %")
    if raw.get("kind") in ("share", "full_coverage") and raw.get("unit") != "%":
        problems.append(f"{where}: a {raw.get('kind')} target is in %")
    if raw.get("bound") == "range":
        top: Any = raw.get("value_max")
        if not (_number(top) and _number(value) and top > value):
            problems.append(f"{where}: a range target needs value_max above value_2027")
    elif raw.get("value_max") is not None:
        problems.append(f"{where}: value_max only goes with bound range")
    if raw.get("actual") == "computed":
        problems.extend(_figure_problems(where, raw.get("figure")))
    elif raw.get("figure") is not None:
        problems.append(f"{where}: only a computed target has a figure")
    quote = raw.get("quote")
    if text is not None and isinstance(quote, str) and quote and quote not in text:
        problems.append(f"{where}: quote not found in the plan text: {quote}")
    return problems


def _task_problems(index: int, raw: Any, text: str | None) -> list[str]:
    where = f"tasks[{index}]"
    if not isinstance(raw, dict):
        return [f"{where}: a task must be a mapping"]
    where = f"task {raw.get('number', index)}"
    problems = [f"{where}: missing {key}" for key in TASK_FIELDS if key not in raw]
    if "number" in raw and not (isinstance(raw["number"], int) and 1 <= raw["number"] <= 20):
        problems.append(f"{where}: number must be 1 to 20")
    if "part" in raw and raw["part"] not in PARTS:
        problems.append(f"{where}: unknown part {raw['part']!r}")
    if "title" in raw and not _text_ok(raw["title"]):
        problems.append(f"{where}: title needs zh and en")
    if "lead" in raw and not (isinstance(raw["lead"], str) and raw["lead"]):
        problems.append(f"{where}: lead must name a department")
    cooperating = raw.get("cooperating", [])
    if not isinstance(cooperating, list) or not all(isinstance(c, str) for c in cooperating):
        problems.append(f"{where}: cooperating must be a list of departments")
    elif text is not None and isinstance(raw.get("departments_text"), str):
        listed = raw["departments_text"]
        if listed not in text:
            problems.append(f"{where}: departments_text not found in the plan text")
        names = [raw.get("lead", ""), *cooperating]
        if not all(name and name in listed for name in names):
            problems.append(f"{where}: a department is not in departments_text")
    if text is not None and _text_ok(raw.get("title")) and raw["title"]["zh"] not in text:
        problems.append(f"{where}: title not found in the plan text")
    targets = raw.get("targets", [])
    if not isinstance(targets, list):
        return [*problems, f"{where}: targets must be a list"]
    for position, target in enumerate(targets):
        code = target.get("code", position) if isinstance(target, dict) else position
        problems.extend(_target_problems(f"{where} target {code}", target, text))
    return problems


def plan_problems(content: Any, text: str | None = None) -> list[str]:
    """Every problem of the parsed plan file `content`; `text` is the plan's full text (quotes,
    titles and department lists are looked up in it when given)."""
    if not isinstance(content, dict):
        return ["the plan file must be a mapping"]
    problems: list[str] = []
    if content.get("format") != FORMAT:
        problems.append(f"format must be {FORMAT}, not {content.get('format')!r}")
    source = content.get("source")
    if not isinstance(source, dict):
        problems.append("missing source")
    else:
        for key in ("document", "issuer", "start_year", "end_year"):
            if not source.get(key):
                problems.append(f"source: missing {key}")
        if text is not None and source.get("document") and source["document"] not in text:
            problems.append("source: document title not found in the plan text")
    local = content.get("local_governments")
    quote = local.get("quote") if isinstance(local, dict) else None
    if text is not None and not (isinstance(quote, str) and quote and quote in text):
        problems.append("local_governments: quote not found in the plan text")
    tasks = content.get("tasks")
    if not isinstance(tasks, list):
        return [*problems, "missing tasks"]
    for index, task in enumerate(tasks):
        problems.extend(_task_problems(index, task, text))
    numbers = [task.get("number") for task in tasks if isinstance(task, dict)]
    if sorted(n for n in numbers if isinstance(n, int)) != list(range(1, 21)):
        problems.append(f"tasks must be numbered 1 to 20 once each, not {numbers}")
    codes = [
        target.get("code")
        for task in tasks
        if isinstance(task, dict) and isinstance(task.get("targets"), list)
        for target in task["targets"]
        if isinstance(target, dict)
    ]
    for code in sorted({c for c in codes if codes.count(c) > 1}, key=str):
        problems.append(f"duplicate target code {code!r}")
    return problems


def _figure(raw: Any) -> Figure | None:
    if not isinstance(raw, dict):
        return None
    return Figure(
        source=str(raw["source"]),
        metric=str(raw.get("metric", "")),
        population=str(raw.get("population", "")),
        measure=str(raw.get("measure", "")),
        application_type=str(raw.get("application_type", "")),
    )


def _optional(value: Any) -> float | None:
    return None if value is None else float(value)


def _target(task: int, raw: dict[str, Any]) -> Target:
    return Target(
        code=str(raw["code"]),
        task=task,
        name={"zh": str(raw["name"]["zh"]), "en": str(raw["name"]["en"])},
        metric=str(raw["metric"]),
        unit=str(raw["unit"]),
        kind=str(raw["kind"]),
        bound=str(raw["bound"]),
        baseline=_optional(raw["baseline"]),
        values={int(year): float(v) for year, v in raw.get("values", {}).items()},
        value_2027=_optional(raw["value_2027"]),
        value_max=_optional(raw.get("value_max")),
        scope=str(raw["scope"]),
        actual=str(raw["actual"]),
        figure=_figure(raw.get("figure")),
        quote=str(raw["quote"]),
        verified=bool(raw["verified"]),
        note=str(raw.get("note", "")),
        period=str(raw.get("period", "plan")),
    )


def _task(raw: dict[str, Any]) -> Task:
    number = int(raw["number"])
    return Task(
        number=number,
        part=str(raw["part"]),
        title={"zh": str(raw["title"]["zh"]), "en": str(raw["title"]["en"])},
        lead=str(raw["lead"]),
        cooperating=tuple(str(c) for c in raw["cooperating"]),
        departments_text=str(raw["departments_text"]),
        targets=tuple(_target(number, t) for t in raw["targets"]),
    )


def load_plan(path: Path = DEFAULT, text_path: Path | None = None) -> Plan:
    """The plan read from `path`; PlanError listing every problem when it is not valid. With
    `text_path` (the plan's full text) quotes, titles and department lists are checked in it."""
    content = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    text = Path(text_path).read_text(encoding="utf-8") if text_path is not None else None
    problems = plan_problems(content, text)
    if problems:
        raise PlanError("\n".join(problems))
    source = content["source"]
    return Plan(
        document=str(source["document"]),
        issuer=str(source["issuer"]),
        start_year=int(source["start_year"]),
        end_year=int(source["end_year"]),
        version=str(content.get("version", "")),
        local_governments=str(content.get("local_governments", {}).get("name", "")),
        tasks=tuple(sorted((_task(t) for t in content["tasks"]), key=lambda t: t.number)),
    )
