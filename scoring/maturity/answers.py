"""Reading answers: one function per question type turns a raw answer (JSON value or table cell)
into a typed value, or a `Problem` with a bilingual message. Both scoring paths use it, so a cell
means the same thing in `zhigai score` and in `zhigai score_batch`.

Typed values: option index (single choice, yes/no as 0 = yes, 1 = no), frozenset of option
indexes (multiple choice), float (number), int (scene level), tuple of text (evidence, text), or
`NA` (不适用). None means unanswered.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Final

from scoring.maturity import expr as ex
from scoring.maturity.types import Framework, Question


class _NotApplicable:
    _instance: _NotApplicable | None = None

    def __new__(cls) -> _NotApplicable:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "NA"


NA: Final = _NotApplicable()
NA_TOKENS = frozenset({"n/a", "不适用"})
YES_TOKENS = frozenset({"yes", "y", "true", "1", "是"})
NO_TOKENS = frozenset({"no", "n", "false", "0", "否"})
MULTI_SEPARATORS = ("|", ";", "；")

Parsed = int | frozenset[int] | float | tuple[str, ...] | _NotApplicable
"""A typed answer; see the module docstring."""

UNKNOWN_QUESTION = "unknown_question"
UNKNOWN_OPTION = "unknown_option"
WRONG_TYPE = "wrong_type"
OUT_OF_RANGE = "out_of_range"
NO_BAND = "no_band"
NA_NOT_ALLOWED = "na_not_allowed"
EXCLUSIVE_COMBINED = "exclusive_combined"
MISSING_MANDATORY = "missing_mandatory"
UNKNOWN_VARIANT = "unknown_variant"
NOTHING_APPLICABLE = "nothing_applicable"


@dataclass(frozen=True)
class Problem:
    code: str
    """Machine-readable kind, one of the module constants."""
    question: str | None
    message: str
    """Bilingual: 中文 (English)."""


class AnswerError(ValueError):
    """Answers that cannot be scored; `problems` lists every one, never a silent zero."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("; ".join(p.message for p in problems))


class _Bad(Exception):
    def __init__(self, code: str, message: str) -> None:
        self.code, self.message = code, message


def parse_answers(
    framework: Framework, answers: Mapping[str, Any]
) -> tuple[dict[str, Parsed], list[Problem]]:
    """Type every answer; unknown codes and bad values become problems (all of them)."""
    parsed: dict[str, Parsed] = {}
    problems: list[Problem] = []
    for code, raw in answers.items():
        node = framework.nodes.get(code)
        if node is None or node.question is None:
            problems.append(
                Problem(UNKNOWN_QUESTION, code, f"未知的题目代码 (unknown question code): {code}")
            )
            continue
        try:
            value = parse_answer(node.question, raw)
        except _Bad as bad:
            problems.append(Problem(bad.code, code, f"{code}: {bad.message}"))
            continue
        if value is not None:
            parsed[code] = value
    return parsed, problems


def parse_answer(question: Question, raw: object) -> Parsed | None:
    """One answer → its typed value, None when unanswered; raises _Bad with the reason."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    if isinstance(raw, list | tuple) and not raw:
        return None
    if isinstance(raw, str) and raw.strip().casefold() in NA_TOKENS:
        if not question.na_allowed:
            raise _Bad(NA_NOT_ALLOWED, "此题不允许填“不适用” (N/A is not allowed here)")
        return NA
    return _PARSERS[question.type](question, raw)


def _single(question: Question, raw: object) -> int:
    code = _code_text(raw)
    index = question.option_index(code)
    if index is None:
        raise _Bad(UNKNOWN_OPTION, f"没有选项 {code!r} (unknown option)")
    return index


def _multiple(question: Question, raw: object) -> frozenset[int]:
    if isinstance(raw, str):
        text = raw
        for separator in MULTI_SEPARATORS[1:]:
            text = text.replace(separator, MULTI_SEPARATORS[0])
        items: list[object] = [part for part in text.split("|") if part.strip()]
    elif isinstance(raw, list | tuple | set | frozenset):
        items = list(raw)
    else:
        raise _Bad(WRONG_TYPE, "多选题须填选项代码列表 (a list of option codes expected)")
    indexes = frozenset(_single(question, item) for item in items)
    exclusive = [i for i in indexes if question.options[i].exclusive]
    if exclusive and len(indexes) > 1:
        label = question.options[exclusive[0]].code
        raise _Bad(EXCLUSIVE_COMBINED, f"选项 {label!r} 只能单独选择 (must be chosen alone)")
    return indexes


def _number(question: Question, raw: object) -> float:
    value = _as_float(raw)
    if value is None:
        raise _Bad(WRONG_TYPE, f"须填数值 (a number expected): {raw!r}")
    return check_number(question, value)


def check_number(question: Question, value: float) -> float:
    if (question.min is not None and value < question.min) or (
        question.max is not None and value > question.max
    ):
        raise _Bad(
            OUT_OF_RANGE,
            f"{value:g} 超出范围 [{_fmt(question.min)}, {_fmt(question.max)}] (out of range)",
        )
    if question.bands and not any(band.contains(value) for band in question.bands):
        raise _Bad(NO_BAND, f"{value:g} 不在任何评分区间内 (in no scoring band)")
    return value


def _yes_no(question: Question, raw: object) -> int:
    if isinstance(raw, bool):
        return 0 if raw else 1
    token = _code_text(raw).casefold()
    if token in YES_TOKENS:
        return 0
    if token in NO_TOKENS:
        return 1
    raise _Bad(WRONG_TYPE, f"须填“是”或“否” (yes or no expected): {raw!r}")


def _scene(question: Question, raw: object) -> int:
    value = _as_float(raw)
    if value is None or value != int(value):
        raise _Bad(
            WRONG_TYPE, f"须填 0–{question.max_level} 的整数级别 (a level expected): {raw!r}"
        )
    if not 0 <= value <= question.max_level:
        raise _Bad(OUT_OF_RANGE, f"级别须在 0–{question.max_level} 之间 (level out of range)")
    return int(value)


def _free(question: Question, raw: object) -> tuple[str, ...]:
    if isinstance(raw, list | tuple):
        return tuple(str(item) for item in raw)
    if isinstance(raw, str):
        return (raw,)
    raise _Bad(WRONG_TYPE, "须填文字 (text expected)")


_PARSERS: dict[str, Callable[[Question, object], Parsed]] = {
    "single_choice": _single,
    "multiple_choice": _multiple,
    "number": _number,
    "yes_no": _yes_no,
    "scene_rating": _scene,
    "evidence": _free,
    "text": _free,
}


def _code_text(raw: object) -> str:
    if isinstance(raw, bool):
        raise _Bad(WRONG_TYPE, f"须填选项代码 (an option code expected): {raw!r}")
    if isinstance(raw, float) and raw.is_integer():
        return str(int(raw))
    if isinstance(raw, str | int | float):
        return str(raw).strip()
    raise _Bad(WRONG_TYPE, f"须填选项代码 (an option code expected): {raw!r}")


def _as_float(raw: object) -> float | None:
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int | float):
        value = float(raw)
    elif isinstance(raw, str):
        try:
            value = float(raw.strip().replace(",", ""))
        except ValueError:
            return None
    else:
        return None
    return value if math.isfinite(value) else None


def _fmt(x: float | None) -> str:
    return "" if x is None else f"{x:g}"


# --- typed answers → values -----------------------------------------------------------------


def expression_value(question: Question, value: Parsed) -> ex.Value:
    """A typed answer as expressions see it: option code, set of codes or number."""
    if question.type in ("single_choice", "yes_no"):
        assert isinstance(value, int)
        return question.options[value].code
    if question.type == "multiple_choice":
        assert isinstance(value, frozenset)
        return frozenset(question.options[i].code for i in value)
    if question.type in ("number", "scene_rating"):
        assert isinstance(value, int | float)
        return float(value)
    return None


def fraction_of(question: Question, value: Parsed) -> float:
    """The answer's score as a fraction of the question's maximum (scored types only)."""
    if question.type in ("single_choice", "yes_no"):
        assert isinstance(value, int)
        return question.options[value].score
    if question.type == "multiple_choice":
        assert isinstance(value, frozenset)
        total = 0.0
        for i in sorted(value):
            total += question.options[i].score
        return min(question.cap, total)
    if question.type == "number":
        assert isinstance(value, float)
        return next(band.score for band in question.bands if band.contains(value))
    assert isinstance(value, int)
    return question.level_scores[value]


def count_value(question: Question, value: Parsed) -> float:
    """What `count` and `share` rules compare with min_value."""
    if question.type == "scene_rating":
        assert isinstance(value, int)
        return float(value)
    if question.type == "yes_no":
        return 1.0 if value == 0 else 0.0
    if question.type == "number":
        assert isinstance(value, float)
        return value
    return fraction_of(question, value)


def display_answer(question: Question, value: Parsed | None) -> str:
    """The answer in words, for the explanation trail."""
    if value is None:
        return "未作答"
    if value is NA:
        return "不适用"
    if question.type in ("single_choice", "yes_no"):
        assert isinstance(value, int)
        return question.options[value].label.zh
    if question.type == "multiple_choice":
        assert isinstance(value, frozenset)
        return "、".join(question.options[i].label.zh for i in sorted(value))
    if question.type == "number":
        assert isinstance(value, float)
        return f"{value:g}{question.unit}"
    if question.type == "scene_rating":
        return "未开展" if value == 0 else f"{value}级"
    assert isinstance(value, tuple)
    return "；".join(value)
