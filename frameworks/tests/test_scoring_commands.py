"""`zhigai score`, `score_batch` and `export_answer_template` on the default models."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from frameworks.selectors import framework_version_compiled, framework_version_get_published

pytestmark = pytest.mark.django_db


@pytest.fixture
def loaded() -> None:
    call_command("load_frameworks", stdout=io.StringIO())


def _full_answers(code: str) -> dict[str, Any]:
    """Every question answered with its best option / top band / level 4 / yes."""
    framework = framework_version_compiled(framework_version_get_published(code=code))
    answers: dict[str, Any] = {}
    for question_code in framework.question_codes:
        question = framework.question(question_code)
        if question.type == "single_choice":
            answers[question_code] = max(question.options, key=lambda o: o.score).code
        elif question.type == "multiple_choice":
            answers[question_code] = [o.code for o in question.options if not o.exclusive]
        elif question.type == "number" and question.bands:
            best = max(question.bands, key=lambda b: b.score)
            answers[question_code] = best.high if best.high is not None else best.low + 1
        elif question.type == "scene_rating":
            answers[question_code] = question.max_level
        elif question.type == "yes_no":
            answers[question_code] = "yes"
    return answers


def test_score_prints_the_explained_result_as_json(loaded, tmp_path: Path) -> None:
    path = tmp_path / "answers.json"
    path.write_text(json.dumps({"answers": _full_answers("SME-DL")}), encoding="utf-8")
    out = io.StringIO()
    call_command("score", "--framework", "SME-DL@2024", "--answers", str(path), stdout=out)
    result = json.loads(out.getvalue())
    assert result["total"] == pytest.approx(100)
    assert result["level"] == "L4"
    assert {"levels", "nodes", "questions", "gap"} <= set(result)


def test_score_lists_every_problem_and_scores_nothing(loaded, tmp_path: Path) -> None:
    answers = _full_answers("SME-DL") | {"no.such.question": 1, "base.info_systems": "zzz"}
    path = tmp_path / "answers.json"
    path.write_text(json.dumps(answers), encoding="utf-8")
    with pytest.raises(CommandError) as error:
        call_command("score", "--framework", "SME-DL@2024", "--answers", str(path))
    assert "no.such.question" in str(error.value)
    assert "zzz" in str(error.value)


def test_score_resolves_prerequisites_by_the_other_models_level_order(loaded, tmp_path) -> None:
    payload = {"answers": _full_answers("SF-JS"), "prerequisites": {"CMMM": {"level": "L4"}}}
    path = tmp_path / "answers.json"
    path.write_text(json.dumps(payload), encoding="utf-8")
    out = io.StringIO()
    call_command("score", "--framework", "SF-JS@2025", "--answers", str(path), stdout=out)
    result = json.loads(out.getvalue())
    assert result["level"] == "LEADING"
    assert result["pending"] is False


def test_export_answer_template_writes_every_question_column(loaded, tmp_path) -> None:
    out = tmp_path / "template.csv"
    call_command("export_answer_template", "CMMM@2020", "--out", str(out), stdout=io.StringIO())
    header = next(csv.reader(out.open(encoding="utf-8")))
    framework = framework_version_compiled(framework_version_get_published(code="CMMM"))
    assert header == ["id", "variant", *framework.question_codes]


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_score_batch_scores_good_rows_and_explains_bad_ones(loaded, tmp_path, suffix) -> None:
    template = tmp_path / "template.csv"
    call_command(
        "export_answer_template", "SME-DL@2024", "--out", str(template), stdout=io.StringIO()
    )
    columns = next(csv.reader(template.open(encoding="utf-8")))
    good = _full_answers("SME-DL")
    rows = [
        {"id": "good"} | {c: _cell(good.get(c)) for c in columns[1:]},
        {"id": "bad"} | {c: _cell(good.get(c)) for c in columns[1:]} | {"base.info_systems": "zzz"},
    ]
    source, out = tmp_path / f"in{suffix}", tmp_path / f"out{suffix}"
    frame = pl.DataFrame(rows, schema=dict.fromkeys(columns, pl.String))
    frame.write_csv(source) if suffix == ".csv" else frame.write_parquet(source)
    with pytest.raises(SystemExit) as exit_status:
        call_command(
            "score_batch", "--framework", "SME-DL@2024", "--answers", str(source),
            "--out", str(out), stdout=io.StringIO(),
        )  # fmt: skip
    assert exit_status.value.code == 2
    result = pl.read_csv(out) if suffix == ".csv" else pl.read_parquet(out)
    by_id = {row["id"]: row for row in result.iter_rows(named=True)}
    assert by_id["good"]["total"] == pytest.approx(100)
    assert by_id["good"]["level"] == "L4"
    assert by_id["good"]["errors"] is None
    assert by_id["bad"]["total"] is None
    assert "zzz" in by_id["bad"]["errors"]


def test_score_batch_refuses_an_unknown_file_type(loaded, tmp_path) -> None:
    with pytest.raises(CommandError, match=r"\.csv"):
        call_command(
            "score_batch", "--framework", "SME-DL@2024", "--answers", str(tmp_path / "a.txt"),
            "--out", str(tmp_path / "b.csv"),
        )  # fmt: skip


def _cell(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, list):
        return "|".join(value)
    return str(value)
