"""Answer once, score many: carry answers of another model over through a model's crosswalks."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from scoring.maturity.answers import _Bad, parse_answer
from scoring.maturity.types import Crosswalk, Framework


def crosswalk_answers(
    target: Framework, source_code: str, source_answers: Mapping[str, Any]
) -> dict[str, Any]:
    """Answers for `target` taken from answers to the model `source_code`.

    A value is carried when the crosswalk maps it (or maps nothing, so codes are shared) and the
    result is a valid answer to the target question; anything else is left for the user.
    """
    carried: dict[str, Any] = {}
    for crosswalk in target.crosswalks:
        if crosswalk.from_framework != source_code:
            continue
        raw = source_answers.get(crosswalk.from_question)
        if raw is None or raw == "" or raw == []:
            continue
        mapped = _mapped(crosswalk, raw)
        if mapped is not None and _valid(target, crosswalk.question, mapped):
            carried[crosswalk.question] = mapped
    return carried


def _mapped(crosswalk: Crosswalk, raw: object) -> object | None:
    if not crosswalk.values:
        return raw
    if isinstance(raw, list | tuple):
        items = [crosswalk.values.get(_key(item)) for item in raw]
        kept = sorted({item for item in items if item is not None})
        return kept or None
    return crosswalk.values.get(_key(raw))


def _key(value: object) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _valid(framework: Framework, code: str, value: object) -> bool:
    try:
        parse_answer(framework.question(code), value)
    except _Bad:
        return False
    return True
