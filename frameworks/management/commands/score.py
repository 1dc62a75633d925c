"""`zhigai score --framework CODE@VERSION --answers FILE.json`: score one assessment and print the
result with its explanation as JSON (total, node scores, level, every rule with the values it used,
the gap to the next level, the trail answer → fraction → weight → contribution).

The answers file is either a mapping of question code → answer, or
`{"answers": {...}, "variant": "process", "prerequisites": {"CMMM": {"level": "L2"}}}`.
Exit status 1 with every problem listed on stderr when the answers cannot be scored.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from frameworks.management.commands._common import problems_text, version_by_label
from frameworks.prerequisites import prerequisite_results
from frameworks.selectors import framework_version_compiled
from scoring.maturity import AnswerError, result_as_dict, score_assessment

BAD_JSON = "答案文件不是有效的 JSON (the answers file is not valid JSON): {error}"
BAD_SHAPE = "答案须为 题目代码 → 答案 的对象 (answers must be an object of code → answer)"


class Command(BaseCommand):
    help = "Score one assessment (answers in JSON) and print the explained result as JSON."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--framework", required=True, metavar="CODE@VERSION")
        parser.add_argument("--answers", required=True, type=Path, metavar="FILE.json")

    def handle(self, *args: Any, **options: Any) -> None:
        framework = framework_version_compiled(version_by_label(options["framework"]))
        payload = _read(options["answers"])
        if isinstance(payload.get("answers"), dict):
            answers, variant = payload["answers"], payload.get("variant")
            prerequisites = prerequisite_results(payload.get("prerequisites") or {})
        else:
            answers, variant, prerequisites = payload, None, {}
        try:
            result = score_assessment(
                framework, answers, variant=variant, prerequisites=prerequisites
            )
        except AnswerError as error:
            raise CommandError(
                problems_text(
                    "答案有误，未评分 (the answers cannot be scored):",
                    [p.message for p in error.problems],
                )
            ) from error
        self.stdout.write(json.dumps(result_as_dict(result), ensure_ascii=False, indent=2))


def _read(path: Path) -> dict[str, Any]:
    try:
        payload = json.loads(path.read_text(encoding="utf-8-sig"))
    except OSError as exc:
        raise CommandError(f"{path}: {exc.strerror or exc}") from exc
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise CommandError(BAD_JSON.format(error=exc)) from exc
    if not isinstance(payload, dict):
        raise CommandError(BAD_SHAPE)
    return payload
