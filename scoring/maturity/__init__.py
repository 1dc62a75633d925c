"""Maturity models: compile a definition, score one assessment with its explanation, or score a
whole table of assessments at once. Pure Python + NumPy/Polars; no Django.

    framework = compile_framework(definition)          # FrameworkError lists every problem
    result = score_assessment(framework, answers)      # AnswerError lists every problem
    frame = score_frame(framework, table)              # one row per assessment, errors per row
"""

from scoring.maturity.answers import AnswerError, Problem
from scoring.maturity.batch import answer_template_columns, encode_frame, score_frame
from scoring.maturity.compile import FrameworkError, compile_framework
from scoring.maturity.crosswalk import crosswalk_answers
from scoring.maturity.expr import ExpressionError
from scoring.maturity.kernel import PrerequisiteColumns, score_columns
from scoring.maturity.result import PrerequisiteResult, Result, result_as_dict
from scoring.maturity.single import score_assessment
from scoring.maturity.types import Framework

__all__ = [
    "AnswerError",
    "ExpressionError",
    "Framework",
    "FrameworkError",
    "PrerequisiteColumns",
    "PrerequisiteResult",
    "Problem",
    "Result",
    "answer_template_columns",
    "compile_framework",
    "crosswalk_answers",
    "encode_frame",
    "result_as_dict",
    "score_assessment",
    "score_columns",
    "score_frame",
]
