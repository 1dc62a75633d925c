"""Reference data of the resource pool: the scenario vocabulary (catalog/data/scenarios.yaml),
loaded all or nothing by `zhigai load_scenarios`.

A file is checked as a whole before anything is written: the format line, every scenario's
fields (code a unique slug, stage one of catalog.models.Stage, names, keywords), and every node
code ("FRAMEWORK:node") against the maturity models in frameworks/data/. Every problem is listed;
a file with any problem loads nothing. Loading the same file again changes nothing; scenarios no
longer in the file are kept (entries may link to them) and reported. The entries of a changed
scenario are reindexed for search (their search text holds its name and keywords).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from django.core.exceptions import ValidationError
from django.db import transaction

from audit.services import audit_record
from catalog import search
from catalog.models import Entry, Scenario, Stage

SCENARIOS_FILE = Path(__file__).resolve().parent / "data" / "scenarios.yaml"
FRAMEWORKS_DIR = Path(__file__).resolve().parents[1] / "frameworks" / "data"
FORMAT = "zhigai-scenarios/1"
SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
RANK_STEP = 10

UNREADABLE = "无法读取场景文件：{detail} (The scenario file cannot be read: {detail})"
BAD_FORMAT = "文件格式须为 {format} (The file's format must be {format})"
NO_SCENARIOS = "文件中没有场景列表 scenarios (The file has no `scenarios` list)"
NOT_A_MAPPING = "第 {n} 个场景不是键值对象 (Scenario {n} is not a mapping)"
BAD_CODE = (
    "第 {n} 个场景：编码“{code}”须为小写字母、数字和连字符 "
    "(Scenario {n}: code “{code}” must be a slug)"
)
DUPLICATE_CODE = "场景编码“{code}”重复 (Scenario code “{code}” appears twice)"
BAD_STAGE = "场景 {code}：未知的环节“{stage}” (Scenario {code}: unknown stage “{stage}”)"
MISSING_FIELD = "场景 {code}：缺少 {field} (Scenario {code}: {field} is missing)"
TOO_LONG = "场景 {code}：{field} 超过 {limit} 个字 (Scenario {code}: {field} longer than {limit})"
NOT_A_LIST = "场景 {code}：{field} 须为文字列表 (Scenario {code}: {field} must be a list of text)"
UNKNOWN_FIELD = "场景 {code}：未知字段 {field} (Scenario {code}: unknown field {field})"
BAD_NODE = (
    "场景 {code}：维度编码“{node}”须写成 模型:节点 (Scenario {code}: node “{node}” must be "
    "FRAMEWORK:node)"
)
UNKNOWN_NODE = (
    "场景 {code}：模型中没有节点“{node}” (Scenario {code}: no node “{node}” in the models)"
)
BAD_VERIFIED = (
    "场景 {code}：verified 须为 true 或 false (Scenario {code}: verified must be true/false)"
)

FIELDS = {"code", "stage", "name_zh", "name_en", "description", "keywords", "nodes", "source"}
FIELDS |= {"verified"}


@dataclass(frozen=True)
class ScenarioSpec:
    code: str
    stage: str
    name_zh: str
    name_en: str
    description: str
    keywords: list[str]
    nodes: list[str]
    source: str
    verified: bool
    rank: int


@dataclass
class ScenarioLoadResult:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    unlisted: list[str] = field(default_factory=list)  # in the database, no longer in the file


@functools.cache
def _framework_nodes(directory: Path) -> dict[str, frozenset[str]]:
    found: dict[str, frozenset[str]] = {}
    for path in sorted(directory.glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        found[data["framework"]["code"]] = frozenset(_codes(data.get("nodes") or []))
    return found


def _codes(nodes: Iterable[dict[str, Any]]) -> Iterator[str]:
    for node in nodes:
        yield node["code"]
        yield from _codes(node.get("children") or [])


def framework_node_codes(directory: Path = FRAMEWORKS_DIR) -> dict[str, frozenset[str]]:
    """Framework code → every node code in the model files of `directory`."""
    return _framework_nodes(directory.resolve())


def scenarios_read(
    text: str, *, frameworks: dict[str, frozenset[str]] | None = None
) -> list[ScenarioSpec]:
    """The scenarios of a file's text; ValidationError listing every problem."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ValidationError([UNREADABLE.format(detail=str(exc).splitlines()[0])]) from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise ValidationError([BAD_FORMAT.format(format=FORMAT)])
    items = data.get("scenarios")
    if not isinstance(items, list) or not items:
        raise ValidationError([NO_SCENARIOS])
    found_defaults = data.get("defaults")
    defaults: dict[str, Any] = found_defaults if isinstance(found_defaults, dict) else {}
    nodes = framework_node_codes() if frameworks is None else frameworks
    problems: list[str] = []
    specs: list[ScenarioSpec] = []
    seen: set[str] = set()
    for n, item in enumerate(items, start=1):
        if not isinstance(item, dict):
            problems.append(NOT_A_MAPPING.format(n=n))
            continue
        spec, found = _spec({**defaults, **item}, n=n, frameworks=nodes)
        problems += found
        if spec.code in seen:
            problems.append(DUPLICATE_CODE.format(code=spec.code))
        seen.add(spec.code)
        specs.append(spec)
    if problems:
        raise ValidationError(problems)
    return specs


def _text(item: dict[str, Any], name: str, limit: int, code: str, problems: list[str]) -> str:
    value = item.get(name)
    text = "" if value is None else " ".join(str(value).split())
    if not text and name in {"name_zh", "name_en"}:
        problems.append(MISSING_FIELD.format(code=code, field=name))
    if len(text) > limit:
        problems.append(TOO_LONG.format(code=code, field=name, limit=limit))
    return text


def _words(item: dict[str, Any], name: str, code: str, problems: list[str]) -> list[str]:
    value = item.get(name, [])
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        problems.append(NOT_A_LIST.format(code=code, field=name))
        return []
    return [v.strip() for v in value]


def _spec(
    item: dict[str, Any], *, n: int, frameworks: dict[str, frozenset[str]]
) -> tuple[ScenarioSpec, list[str]]:
    problems: list[str] = []
    code = str(item.get("code") or "").strip()
    if not SLUG.match(code) or len(code) > 60:
        problems.append(BAD_CODE.format(n=n, code=code))
    label = code or f"#{n}"
    problems += [UNKNOWN_FIELD.format(code=label, field=key) for key in item if key not in FIELDS]
    stage = str(item.get("stage") or "")
    if stage not in Stage.values:
        problems.append(BAD_STAGE.format(code=label, stage=stage))
    nodes = _words(item, "nodes", label, problems)
    problems += _node_problems(label, nodes, frameworks)
    verified = item.get("verified", False)
    if not isinstance(verified, bool):
        problems.append(BAD_VERIFIED.format(code=label))
    spec = ScenarioSpec(
        code=code,
        stage=stage,
        name_zh=_text(item, "name_zh", 60, label, problems),
        name_en=_text(item, "name_en", 120, label, problems),
        description=_text(item, "description", 2000, label, problems),
        keywords=_words(item, "keywords", label, problems),
        nodes=nodes,
        source=_text(item, "source", 200, label, problems),
        verified=verified is True,
        rank=n * RANK_STEP,
    )
    return spec, problems


def _node_problems(code: str, nodes: list[str], frameworks: dict[str, frozenset[str]]) -> list[str]:
    problems = []
    for node in nodes:
        framework, colon, path = node.partition(":")
        if not colon or not framework or not path:
            problems.append(BAD_NODE.format(code=code, node=node))
        elif path not in frameworks.get(framework, frozenset()):
            problems.append(UNKNOWN_NODE.format(code=code, node=node))
    return problems


def _values(spec: ScenarioSpec) -> dict[str, Any]:
    return {
        "stage": spec.stage,
        "name_zh": spec.name_zh,
        "name_en": spec.name_en,
        "description": spec.description,
        "keywords": spec.keywords,
        "nodes": spec.nodes,
        "rank": spec.rank,
        "source": spec.source,
        "verified": spec.verified,
    }


def scenarios_load(*, path: Path = SCENARIOS_FILE) -> ScenarioLoadResult:
    """Load the scenario file at `path`, all or nothing; ValidationError lists every problem."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ValidationError([UNREADABLE.format(detail=str(exc))]) from None
    specs = scenarios_read(text)
    result = ScenarioLoadResult()
    with transaction.atomic():
        existing = {s.code: s for s in Scenario.objects.select_for_update()}
        for spec in specs:
            _save(spec, existing.get(spec.code), result)
        _reindex_entries(result.updated)
        listed = {spec.code for spec in specs}
        result.unlisted = sorted(code for code in existing if code not in listed)
        if result.created or result.updated:
            audit_record(
                action="scenario.load",
                object_type="catalog.scenario",
                after={"created": result.created, "updated": result.updated},
                note=f"{path.name}: {len(result.created)} created, {len(result.updated)} updated",
            )
    return result


def _reindex_entries(codes: list[str]) -> None:
    """The search text of the entries of changed scenarios: it holds their names and keywords."""
    if codes:
        for entry in Entry.objects.filter(scenarios__code__in=codes).distinct().order_by("pk"):
            search.entry_reindex(entry)


def _save(spec: ScenarioSpec, found: Scenario | None, result: ScenarioLoadResult) -> None:
    values = _values(spec)
    if found is None:
        Scenario(code=spec.code, **values).save(force_insert=True)
        result.created.append(spec.code)
        return
    if all(getattr(found, name) == value for name, value in values.items()):
        result.unchanged.append(spec.code)
        return
    for name, value in values.items():
        setattr(found, name, value)
    found.save()
    result.updated.append(spec.code)
