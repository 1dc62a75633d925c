"""A small but complete example model for the file, workbook and diff tests (others may import it).

It holds every question type, inline options and an option set, variant weights, every rule kind,
a crosswalk with a value map, conditions, a scored 0-weight subtree, formula-like text and
unicode (Chinese, emoji, full-width punctuation). It is valid against the JSON Schema.
"""

from __future__ import annotations

import copy
from typing import Any

from hypothesis import strategies as st

SOURCE = {"document": "示例文件（2025年版）", "clause": "第 3.2 条", "url": "https://example.org/x"}

_EXAMPLE: dict[str, Any] = {
    "format": "zhigai-framework/1",
    "framework": {
        "code": "EX-DEMO",
        "version": "2025",
        "title": {"zh": "示例成熟度模型（2025年版）", "en": "Example maturity model (2025)"},
        "short_title": {"zh": "示例模型"},
        "description": {"zh": "用于测试的模型，包含全部题型。\n第二行说明。", "en": "For tests."},
        "issuer": "江苏省工业和信息化厅",
        "document": "苏工信〔2025〕1号",
        "provisional": True,
        "score_scale": 100,
        "method": "weighted_tree",
        "variants": ["discrete", "process"],
        "variant_names": {
            "discrete": {"zh": "离散型", "en": "Discrete"},
            "process": {"zh": "流程型", "en": "Process"},
        },
        "na_policy": "renormalise",
        "level_mode": "cumulative",
        "none_level": {"zh": "未达到一级", "en": "Below level 1"},
        "source": SOURCE,
        "verified": False,
    },
    "levels": [
        {
            "code": "L1",
            "name": {"zh": "一级（起步级）", "en": "Level 1"},
            "description": {"zh": "具备基础条件"},
            "rules": [
                {"id": "l1_total", "kind": "score", "node": "total", "gte": 40},
                {
                    "id": "l1_base",
                    "kind": "score",
                    "node": "base",
                    "gte": 12.5,
                    "text": {"zh": "基础得分 ≥ 12.5", "en": "Foundation ≥ 12.5"},
                    "source": SOURCE,
                    "verified": True,
                },
            ],
        },
        {
            "code": "L2",
            "name": {"zh": "二级（集成级）", "en": "Level 2"},
            "source": {"document": "示例文件", "note": "等级表"},
            "verified": False,
            "rules": [
                {
                    "id": "l2_scenes",
                    "kind": "count",
                    "select": {"tag": "scene", "under": "scene"},
                    "min_value": 3,
                    "gte": 2,
                },
                {
                    "id": "l2_share",
                    "kind": "share",
                    "select": {"codes": ["scene.quality", "scene.equipment"]},
                    "min_value": 2,
                    "over": {"tag": "scene"},
                    "over_min_value": 0,
                    "gte": 0.5,
                },
                {
                    "id": "l2_gate",
                    "kind": "condition",
                    "expr": 'base.mes == "yes" and base.employees >= 300',
                    "text": {"zh": "一票否决：须建设 MES"},
                },
                {
                    "id": "l2_prior",
                    "kind": "prerequisite",
                    "framework": "SME-DL",
                    "min_level": "L2",
                },
                {"id": "l2_score", "kind": "prerequisite", "framework": "CMMM", "min_score": 1.8},
            ],
        },
    ],
    "option_sets": {
        "trend": [
            {"code": "down", "label": {"zh": "下降", "en": "Down"}, "score": 0},
            {"code": "flat", "label": {"zh": "持平", "en": "Flat"}, "score": 0.5},
            {"code": "up", "label": {"zh": "上升", "en": "Up"}, "score": 1},
        ],
    },
    "nodes": [
        {
            "code": "base",
            "title": {"zh": "数字化基础", "en": "Digital foundation"},
            "description": {"zh": "设备、网络与系统"},
            "weight": {"discrete": 6, "process": 4.5},
            "na_policy": "zero",
            "tags": ["foundation"],
            "advice": {"zh": "先建网络，再上系统 🚀", "en": "Network first"},
            "source": SOURCE,
            "verified": True,
            "children": [
                {
                    "code": "base.mes",
                    "title": {"zh": "是否建设 MES", "en": "MES in place"},
                    "weight": 2,
                    "tags": ["constrained", "ai"],
                    "question": {
                        "type": "yes_no",
                        "text": {"zh": "是否已建设制造执行系统（MES）？"},
                        "yes_score": 1,
                        "no_score": 0.25,
                        "na_allowed": True,
                    },
                },
                {
                    "code": "base.network",
                    "title": {"zh": "网络建设"},
                    "weight": 8,
                    "question": {
                        "type": "multiple_choice",
                        "text": {"zh": "企业网络建设情况（可多选）", "en": "Networks (several)"},
                        "help": {"zh": "可多选；“无”须单独选择"},
                        "cap": 0.75,
                        "mandatory": False,
                        "options": [
                            {"code": "ot_net", "label": {"zh": "工业控制网络"}, "score": 0.25},
                            {"code": "g5", "label": {"zh": "5G 专网", "en": "5G"}, "score": 0.5},
                            {
                                "code": "none",
                                "label": {"zh": "无", "en": "None"},
                                "score": 0,
                                "exclusive": True,
                            },
                        ],
                    },
                },
                {
                    "code": "base.employees",
                    "title": {"zh": "从业人员"},
                    "weight": 0,
                    "question": {
                        "type": "number",
                        "unit": "人",
                        "min": 0,
                        "max": 1000000,
                        "bands": [
                            {"range": "[0,300)", "score": 0},
                            {"range": "[300,)", "score": 1},
                        ],
                    },
                },
                {
                    "code": "base.rate",
                    "title": {"zh": "关键工序数控化率"},
                    "condition": 'base.mes == "yes"',
                    "weight": 3,
                    "question": {
                        "type": "number",
                        "unit": "%",
                        "min": 0,
                        "max": 100,
                        "bands": [
                            {"range": "[0, 33.3)", "score": 0.25},
                            {"range": "[33.3,66.7)", "score": 0.6},
                            {"range": "[66.7,100]", "score": 1},
                        ],
                    },
                },
            ],
        },
        {
            "code": "scene",
            "title": {"zh": "数字化场景", "en": "Scenes"},
            "weight": 0,
            "children": [
                {
                    "code": "scene.quality",
                    "title": {"zh": "质量管控"},
                    "tags": ["scene", "constrained"],
                    "question": {
                        "type": "scene_rating",
                        "max_level": 4,
                        "level_scores": [0, 0.25, 0.5, 0.75, 1],
                        "level_descriptors": [
                            {"zh": "人工检验", "en": "Manual"},
                            {"zh": "在线检测"},
                            {"zh": "质量数据集成分析"},
                            {"zh": "质量预测与闭环优化", "en": "Closed loop"},
                        ],
                    },
                },
                {
                    "code": "scene.equipment",
                    "title": {"zh": "设备管理"},
                    "tags": ["scene"],
                    "question": {"type": "scene_rating", "max_level": 3},
                },
            ],
        },
        {
            "code": "result",
            "title": {"zh": "数字化成效"},
            "weight": {"discrete": 4, "process": 5.5},
            "children": [
                {
                    "code": "result.energy",
                    "title": {"zh": "单位产值能耗"},
                    "question": {"type": "single_choice", "option_set": "trend"},
                },
                {
                    "code": "result.formula",
                    "title": {"zh": "=SUM(A1:A9)", "en": "+cmd|' /C calc'!A0"},
                    "advice": {"zh": "-2+3", "en": "@SUM(1)"},
                    "question": {"type": "single_choice", "option_set": "trend"},
                },
                {
                    "code": "result.report",
                    "title": {"zh": "年度报告"},
                    "question": {"type": "evidence", "text": {"zh": "上传年度数字化报告"}},
                },
                {
                    "code": "result.notes",
                    "title": {"zh": "其他说明"},
                    "question": {"type": "text", "mandatory": False},
                },
            ],
        },
    ],
    "crosswalks": [
        {
            "question": "base.network",
            "from": {"framework": "SME-DL", "question": "base.equipment.network"},
            "values": {"ot_net": "ot_net", "g5": "g5", "none": "none"},
            "verified": False,
            "source": {"note": "名称一致"},
        },
        {
            "question": "scene.quality",
            "from": {"framework": "CMMM", "question": "manufacturing.quality"},
            "values": {"level 3": "3", "a,b": "x=y"},
        },
    ],
}


def example_definition() -> dict[str, Any]:
    """A fresh copy of the example model (tests may change it freely)."""
    return copy.deepcopy(_EXAMPLE)


# --- Random schema-valid definitions (hypothesis) -----------------------------------------------
# Structure only: node codes are unique (the workbook links rows by code), level codes too;
# references (option_set, select.under, crosswalk questions) are random codes. Text is any
# unicode UTF-8 can encode (no surrogates), sometimes formula-like; numbers include whole
# floats, 0.1 + 0.2 and integers beyond 2**53, which an Excel cell cannot hold exactly.

QUESTION_TYPES = (
    "single_choice",
    "multiple_choice",
    "number",
    "yes_no",
    "scene_rating",
    "evidence",
    "text",
)
LOWER = "abcdefghijklmnopqrstuvwxyz"
UPPER = LOWER.upper()
DIGITS = "0123456789"


def _word(first: str, rest: str, longest: int) -> Any:
    """A first character from `first`, then up to `longest` from `rest` (faster than regexes)."""
    return st.builds(str.__add__, st.sampled_from(first), st.text(rest, max_size=longest))


_plain = st.text(st.characters(codec="utf-8"), max_size=10)
texts = st.one_of(_plain, st.builds(str.__add__, st.sampled_from("=+-@"), _plain))
filled = texts.filter(lambda text: text.strip() != "")
_segment = _word(LOWER + UPPER + "_", LOWER + UPPER + DIGITS + "_", 5)
codes = st.lists(_segment, min_size=1, max_size=3).map(".".join)
framework_codes = _word(UPPER, UPPER + DIGITS + "-", 8).filter(lambda code: len(code) > 1)
scores = st.one_of(st.sampled_from([0, 0.25, 0.5, 1, 1.0]), st.floats(0, 1))
numbers = st.one_of(
    st.integers(-(10**20), 10**20),
    st.floats(-1e12, 1e12, allow_nan=False, allow_infinity=False),
    st.sampled_from([0.1 + 0.2, 8.0, -0.0, 1e-300]),
)
weights = st.one_of(st.integers(0, 100), st.floats(0, 1e6))
variants = st.sampled_from(["discrete", "process", "a.b", "_v2"])
bilingual = st.fixed_dictionaries({"zh": filled}, optional={"en": texts})
sources = st.fixed_dictionaries(
    {}, optional={"document": texts, "clause": texts, "url": texts, "note": texts}
)
options = st.fixed_dictionaries(
    {
        "code": st.text(LOWER + DIGITS + "_", min_size=1, max_size=6),
        "label": bilingual,
        "score": scores,
    },
    optional={"exclusive": st.booleans()},
)
_band_end = st.one_of(st.just(""), st.sampled_from(["0", "-5", "10", "33.3", "100", "-0.25"]))
bands = st.fixed_dictionaries(
    {
        "range": st.builds(
            "{}{},{}{}".format, st.sampled_from("[("), _band_end, _band_end, st.sampled_from("])")
        ),
        "score": scores,
    }
)
questions = st.fixed_dictionaries(
    {"type": st.sampled_from(QUESTION_TYPES)},
    optional={
        "text": bilingual,
        "help": bilingual,
        "mandatory": st.booleans(),
        "na_allowed": st.booleans(),
        "options": st.lists(options, min_size=1, max_size=3),
        "option_set": codes,
        "cap": st.floats(0, 1, exclude_min=True),
        "unit": texts,
        "min": numbers,
        "max": numbers,
        "bands": st.lists(bands, min_size=1, max_size=3),
        "yes_score": scores,
        "no_score": scores,
        "max_level": st.integers(1, 9),
        "level_scores": st.lists(scores, max_size=4),
        "level_descriptors": st.lists(bilingual, max_size=3),
        "level": st.integers(1, 9),
    },
)
_node_fields = {
    "description": bilingual,
    "weight": st.one_of(weights, st.dictionaries(variants, weights, min_size=1, max_size=2)),
    "na_policy": st.sampled_from(["renormalise", "zero"]),
    "condition": filled,
    "tags": st.lists(_word(LOWER, LOWER + DIGITS + "_", 5), unique=True, max_size=3),
    "advice": bilingual,
    "source": sources,
    "verified": st.booleans(),
}
trees = st.recursive(
    st.fixed_dictionaries({"title": bilingual, "question": questions}, optional=_node_fields),
    lambda kids: st.fixed_dictionaries(
        {"title": bilingual, "children": st.lists(kids, min_size=1, max_size=3)},
        optional=_node_fields,
    ),
    max_leaves=6,
)
selectors = st.fixed_dictionaries(
    {}, optional={"tag": filled, "codes": st.lists(codes, min_size=1, max_size=2), "under": codes}
).filter(bool)
_rule_common = {"text": bilingual, "source": sources, "verified": st.booleans()}


def _rule(kind: str, **fields: Any) -> Any:
    return st.fixed_dictionaries(
        {"id": codes, "kind": st.just(kind), **fields}, optional=_rule_common
    )


rules = st.one_of(
    _rule("score", node=filled, gte=numbers),
    _rule("count", select=selectors, min_value=numbers, gte=st.integers(0, 50)),
    _rule(
        "share",
        select=selectors,
        min_value=numbers,
        over=selectors,
        over_min_value=numbers,
        gte=scores,
    ),
    _rule("condition", expr=filled),
    _rule("prerequisite", framework=framework_codes, min_level=codes),
    _rule("prerequisite", framework=framework_codes, min_score=numbers),
)
levels = st.fixed_dictionaries(
    {"code": codes, "name": bilingual},
    optional={
        "description": bilingual,
        "rules": st.lists(rules, max_size=3),
        "source": sources,
        "verified": st.booleans(),
    },
)
metas = st.fixed_dictionaries(
    {
        "code": framework_codes,
        "version": _word(DIGITS + LOWER + UPPER, DIGITS + LOWER + UPPER + "._-", 6),
        "title": bilingual,
        "score_scale": st.one_of(st.integers(1, 1000), st.floats(0.5, 1000)),
    },
    optional={
        "short_title": bilingual,
        "description": bilingual,
        "issuer": texts,
        "document": texts,
        "provisional": st.booleans(),
        "method": st.sampled_from(["weighted_tree", "sequential_gate"]),
        "gate_threshold": scores,
        "variants": st.lists(variants, min_size=1, max_size=3, unique=True),
        "variant_names": st.dictionaries(variants, bilingual, max_size=2),
        "na_policy": st.sampled_from(["renormalise", "zero"]),
        "level_mode": st.sampled_from(["highest", "cumulative"]),
        "none_level": bilingual,
        "source": sources,
        "verified": st.booleans(),
    },
)
crosswalks = st.fixed_dictionaries(
    {
        "question": codes,
        "from": st.fixed_dictionaries({"framework": framework_codes, "question": codes}),
    },
    optional={
        "values": st.dictionaries(texts, texts, max_size=3),
        "source": sources,
        "verified": st.booleans(),
    },
)


def definitions() -> Any:
    """A hypothesis strategy of random, structurally valid definitions with small trees."""
    return st.builds(
        _definition,
        metas,
        st.lists(levels, min_size=1, max_size=3, unique_by=lambda level: level["code"]),
        st.dictionaries(codes, st.lists(options, min_size=1, max_size=3), max_size=2),
        st.lists(trees, min_size=1, max_size=3),
        st.lists(crosswalks, max_size=2),
        st.sampled_from(["n", "a.n", "X_", "scene.q"]),
    )


def _definition(
    meta: dict[str, Any],
    level_list: list[Any],
    option_sets: dict[str, Any],
    nodes: list[Any],
    crosswalk_list: list[Any],
    prefix: str,
) -> dict[str, Any]:
    """Assemble the parts; node codes are numbered depth-first so that they are unique."""
    numbers_left = iter(range(1, 10_000))

    def coded(node: dict[str, Any]) -> dict[str, Any]:
        node = {"code": f"{prefix}{next(numbers_left)}", **node}
        if "children" in node:
            node["children"] = [coded(child) for child in node["children"]]
        return node

    definition: dict[str, Any] = {
        "format": "zhigai-framework/1",
        "framework": meta,
        "levels": level_list,
        "option_sets": option_sets,
        "nodes": [coded(node) for node in nodes],
        "crosswalks": crosswalk_list,
    }
    return {key: value for key, value in definition.items() if value}
