"""What the assessment pages show, built from the pinned model's compiled form and the stored
answers: the sections (top-level nodes) with per-section progress, the current section's headings
and questions in model order (each with its applicability under the current answers, the value in
its field, an error, its evidence files), answers in words for the conflict panel, and a provider
diagnosis's confirmation state."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from assessments.forms import NA_VALUE, normalised
from assessments.models import Assessment, Evidence, SectionReview
from assessments.selectors import diagnosis_is_confirmed
from scoring.maturity.answers import (
    AnswerError,
    Problem,
    display_answer,
    parse_answer,
    parse_answers,
)
from scoring.maturity.state import answer_state
from scoring.maturity.types import Framework, Node, Question, Text

QUESTION_TYPES = {
    "single_choice": _("单选题"),
    "multiple_choice": _("多选题"),
    "number": _("数值题"),
    "yes_no": _("是非题"),
    "scene_rating": _("场景评级"),
    "evidence": _("证明材料"),
    "text": _("文本题"),
}
RADIO_TYPES = ("single_choice", "yes_no", "scene_rating")
DIAGNOSIS_STATES = {
    "confirmed": _("企业已确认"),
    "disputed": _("企业有异议"),
    "pending": _("待企业确认"),
}


@dataclass(frozen=True)
class Choice:
    value: str
    label: Text
    selected: bool
    exclusive: bool = False
    descriptor: str = ""
    """scene_rating: what the level means."""


@dataclass
class Item:
    """One node of the current section: a heading (no question) or a question."""

    code: str
    node: Node
    depth: int
    applicable: bool
    question: Question | None = None
    value: Any = ""
    """What the field shows: the stored answer, or the user's input that could not be saved."""
    base: Any = None
    """The stored answer the form was loaded with (posted back as `base:<code>`)."""
    error: str = ""
    evidence: list[Evidence] = field(default_factory=list)
    choices: list[Choice] = field(default_factory=list)

    @property
    def dom_id(self) -> str:
        return f"q-{self.code}"

    @property
    def type_label(self) -> str:
        return str(QUESTION_TYPES.get(self.question.type, "")) if self.question else ""

    @property
    def base_json(self) -> str:
        return json.dumps(self.base, ensure_ascii=False)

    @property
    def is_na(self) -> bool:
        return self.value == NA_VALUE

    @property
    def text_value(self) -> str:
        """The value of a number or text field (empty when N/A)."""
        if self.is_na or self.value in (None, ""):
            return ""
        if isinstance(self.value, float) and self.value.is_integer():
            return str(int(self.value))
        if isinstance(self.value, list):
            return "\n".join(str(item) for item in self.value)
        return str(self.value)

    @property
    def is_radio(self) -> bool:
        return self.question is not None and self.question.type in RADIO_TYPES


@dataclass(frozen=True)
class Section:
    code: str
    title: Text
    verified: bool
    answered: int
    applicable: int

    @property
    def percent(self) -> int:
        return round(100 * self.answered / self.applicable) if self.applicable else 100


@dataclass
class EditPage:
    sections: list[Section]
    current: Section
    items: list[Item]
    answered: int
    applicable: int

    @property
    def percent(self) -> int:
        return round(100 * self.answered / self.applicable) if self.applicable else 100


def section_of(framework: Framework, code: str) -> str:
    """The top-level node a node belongs to (itself when it is one)."""
    ancestors = framework.ancestors(code)
    return ancestors[-1] if ancestors else code


def _state(framework: Framework, answers: Mapping[str, Any]) -> Any:
    """Applicability and status under the stored answers; an answer the engine cannot read (never
    stored by the services) counts as unanswered rather than breaking the page."""
    readable = {
        code: value
        for code, value in answers.items()
        if code in framework.nodes and framework.nodes[code].question is not None
    }
    parsed, _problems = parse_answers(framework, readable)
    return answer_state(framework, parsed)


def edit_page(
    framework: Framework,
    answers: Mapping[str, Any],
    *,
    section: str | None,
    shown: Mapping[str, Any] | None = None,
    errors: Mapping[str, str] | None = None,
    evidence: Iterable[Evidence] = (),
) -> EditPage:
    """The edit page of `section` (the first one when unknown). `shown` overrides what fields
    show (input that could not be saved); `errors` are messages per question."""
    state = _state(framework, answers)
    counts: dict[str, list[int]] = {root: [0, 0] for root in framework.roots}
    for code in framework.question_codes:
        if state.applicable[code]:
            tally = counts[section_of(framework, code)]
            tally[1] += 1
            tally[0] += state.status(framework, code) in ("answered", "na")
    sections = [
        Section(code, framework.nodes[code].title, framework.nodes[code].verified, *counts[code])
        for code in framework.roots
    ]
    current = next((s for s in sections if s.code == section), sections[0])
    files: dict[str, list[Evidence]] = {}
    for item in evidence:
        files.setdefault(item.question, []).append(item)
    items = [
        _item(framework, code, state.applicable[code], answers, shown or {}, errors or {}, files)
        for code in framework.nodes
        if section_of(framework, code) == current.code
    ]
    answered = sum(s.answered for s in sections)
    return EditPage(sections, current, items, answered, sum(s.applicable for s in sections))


def _item(
    framework: Framework,
    code: str,
    applicable: bool,
    answers: Mapping[str, Any],
    shown: Mapping[str, Any],
    errors: Mapping[str, str],
    files: Mapping[str, list[Evidence]],
) -> Item:
    node = framework.nodes[code]
    item = Item(code, node, len(framework.ancestors(code)), applicable, node.question)
    item.evidence = files.get(code, [])
    if node.question is None:
        return item
    item.base = answers.get(code)
    item.value = normalised(node.question, shown.get(code, item.base))
    item.error = errors.get(code, "")
    item.choices = _choices(node.question, item.value)
    return item


def _choices(question: Question, value: Any) -> list[Choice]:
    if question.type == "scene_rating":
        return [
            Choice(
                str(level),
                Text(_level_label(level)),
                value == level,
                descriptor=_descriptor(question, level),
            )
            for level in range(question.max_level + 1)
        ]
    if question.type == "multiple_choice":
        chosen = set(value) if isinstance(value, list) else set()
        return [
            Choice(o.code, o.label, o.code in chosen, exclusive=o.exclusive)
            for o in question.options
        ]
    return [Choice(o.code, o.label, o.code == value) for o in question.options]


def _level_label(level: int) -> str:
    return gettext("未开展") if level == 0 else gettext("%(level)s级") % {"level": level}


def _descriptor(question: Question, level: int) -> str:
    """Descriptors are given for levels 1..max_level (level 0: not started)."""
    descriptors = question.level_descriptors
    if level == 0 or not descriptors:
        return ""
    offset = len(descriptors) - question.max_level
    index = level - 1 + offset
    return str(descriptors[index]) if 0 <= index < len(descriptors) else ""


def problem_errors(problems: Iterable[Problem]) -> dict[str, str]:
    """Question code → the message of its (first) problem."""
    errors: dict[str, str] = {}
    for problem in problems:
        if problem.question:
            errors.setdefault(problem.question, problem.message)
    return errors


@dataclass(frozen=True)
class ProblemLink:
    message: str
    question: str
    section: str


def problem_links(framework: Framework, error: AnswerError) -> list[ProblemLink]:
    """AnswerError's problems with the section each question is in (for links)."""
    return [
        ProblemLink(
            problem.message,
            problem.question or "",
            section_of(framework, problem.question)
            if problem.question and problem.question in framework.nodes
            else "",
        )
        for problem in error.problems
    ]


def answer_text(question: Question, value: Any) -> str:
    """An answer in words (conflict panel); a value the engine cannot read is shown as given."""
    try:
        return display_answer(question, parse_answer(question, value))
    except Exception:  # the parser's own error type is private; show the raw value
        return str(value)


@dataclass(frozen=True)
class ConflictRow:
    code: str
    title: Text
    yours: str
    theirs: str
    values: list[str]
    """Your answer as the hidden inputs that re-apply it."""
    theirs_json: str


def conflict_rows(framework: Framework, items: Iterable[Any]) -> list[ConflictRow]:
    rows = []
    for item in items:
        question = framework.question(item.question)
        yours = item.yours if isinstance(item.yours, list) else [item.yours]
        rows.append(
            ConflictRow(
                item.question,
                framework.nodes[item.question].title,
                answer_text(question, item.yours) if item.yours not in ("", None) else "—",
                answer_text(question, item.theirs) if item.theirs not in ("", None) else "—",
                [str(value) for value in yours],
                json.dumps(item.theirs, ensure_ascii=False),
            )
        )
    return rows


def diagnosis_state(assessment: Assessment) -> str:
    """A submitted diagnosis: confirmed (every section), disputed (some section) or pending.
    Reads `section_reviews` (prefetch it on lists)."""
    if diagnosis_is_confirmed(assessment):
        return "confirmed"
    disputed = SectionReview.Decision.DISPUTED
    if any(review.decision == disputed for review in assessment.section_reviews.all()):
        return "disputed"
    return "pending"


def diagnosis_state_label(assessment: Assessment) -> str:
    return str(DIAGNOSIS_STATES[diagnosis_state(assessment)])
