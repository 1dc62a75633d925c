"""Compute an index from files: a COINr-style iMeta and iData CSV and a YAML configuration.

``run_from_files`` writes into one directory: every stage of the pipeline as CSV (Raw,
Denominated, Imputed, Screened, Treated, Normalised, Aggregated), TreatSummary.csv,
Weights.csv, results.csv (unit, top score, rank, then every aggregate's score, best first)
and, when the configuration has an ``uncertainty`` section, rank_stats.csv and (with
``sensitivity: true``) sobol.csv. With a ``panel`` section the data hold several years: each
stage file stacks the years and results.csv gains the base-year = 100 column.

The configuration file holds the pipeline keys (``scoring.index.config``) and optionally::

    uncertainty:
      n: 100                # base sample N
      seed: 1
      sensitivity: true     # N(d + 2) runs and Sobol indices
      node: Index           # default: the top aggregate
      inputs:
        - {name: Winmax, alternatives: [{treat: {winmax: 1}}, {treat: {winmax: 2}}]}
        - {name: Weights, weight_noise: 0.25, levels: [2, 3]}
    panel: {year: Time, base_year: 2018, margin: 0.0, rebase: unit}   # unit / mean / a code
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl
import yaml

from scoring.index.aggregate import ranks
from scoring.index.config import STAGES, merge, validate_config
from scoring.index.meta import IndexMetaError, IndexTree, read_meta
from scoring.index.pipeline import run_pipeline
from scoring.index.timeseries import REFERENCES, panel_stage, rebase, run_panel
from scoring.index.uncertainty import UncertainInput, UncertaintyResult, uncertainty_analysis

STAGE_FILES = ("Raw", "Denominated", "Imputed", "Screened", "Treated", "Normalised", "Aggregated")
EXTRA_FILES = ("TreatSummary", "Weights")
UNCERTAINTY_KEYS = ("n", "seed", "sensitivity", "node", "inputs")
INPUT_KEYS = ("name", "alternatives", "weight_noise", "levels")
PANEL_KEYS = ("year", "base_year", "margin", "rebase")
NULLS = ["", "NA", "NaN", "nan", "null", "NULL"]


class IndexInputError(ValueError):
    """An input file is unusable. ``source`` is "meta", "data", "config", "run" (the
    computation) or "out" (writing the output folder)."""

    def __init__(self, source: str, problems: Sequence[str]) -> None:
        self.source = source
        self.problems: tuple[str, ...] = tuple(problems)
        super().__init__("; ".join(self.problems))


@dataclass(frozen=True)
class RunSummary:
    """What ``run_from_files`` did: sizes, the top units, the files written, seconds taken."""

    units: int
    indicators: int
    node: str
    top: list[tuple[str, float, int]]
    files: list[str]
    seconds: float
    runs: int | None


def run_from_files(
    meta: Path,
    data: Path,
    config: Path,
    out: Path,
    *,
    progress: Callable[[int, int], None] | None = None,
) -> RunSummary:
    """Read, validate, compute and write (see the module text). Returns a ``RunSummary``.

    Everything is computed before the first file is written, so a failing computation writes
    nothing; a failing write names the files already written.

    Raises
    ------
    IndexInputError
        A file cannot be read or is invalid (every problem listed), or the pipeline fails.
    """
    started = time.perf_counter()
    tree, cfg, frame = read_meta_file(meta), read_config_file(config), read_data_file(data)
    pipeline_cfg = {k: v for k, v in cfg.items() if k in STAGES}
    unit = pipeline_cfg.get("unit", "uCode")
    _check_data(frame, tree, pipeline_cfg, cfg.get("panel"))
    try:
        stages, results = _compute(frame, tree, pipeline_cfg, cfg.get("panel"))
        analysis = None
        if cfg.get("uncertainty"):
            analysis = _uncertainty(frame, tree, pipeline_cfg, cfg["uncertainty"], progress)
    except (ValueError, pl.exceptions.PolarsError) as exc:
        raise IndexInputError("run", getattr(exc, "problems", None) or [str(exc)]) from exc
    files = _write_outputs(out, stages, results, analysis)
    top = tree.aggregates[-1].code
    scored = results.filter(pl.col(top).is_not_null())  # units without a score have no rank
    best = scored.head(5).select(pl.col(unit).cast(pl.String), top, "rank")
    return RunSummary(
        units=stages["Aggregated"].height,
        indicators=len(tree.indicators),
        node=tree.aggregates[-1].code,
        top=[(str(u), float(s), int(r)) for u, s, r in best.iter_rows()],
        files=files,
        seconds=time.perf_counter() - started,
        runs=None if analysis is None else int(analysis.ranks.shape[0]),
    )


def read_meta_file(path: Path) -> IndexTree:
    """The validated tree of an iMeta CSV (``IndexInputError("meta", ...)`` otherwise)."""
    table = _read_csv(path, "meta")
    try:
        return read_meta(table)
    except IndexMetaError as exc:
        raise IndexInputError("meta", exc.problems) from exc


def read_data_file(path: Path) -> pl.DataFrame:
    """An iData CSV (UTF-8, or GB18030 as Excel saves it on Chinese Windows)."""
    return _read_csv(path, "data")


def read_config_file(path: Path) -> dict[str, Any]:
    """The YAML configuration, validated: pipeline keys, ``uncertainty`` and ``panel``."""
    try:
        loaded = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        reason = " ".join(str(exc).split())
        raise IndexInputError("config", [f"cannot read {path}: {reason}"]) from exc
    cfg = {} if loaded is None else loaded
    if not isinstance(cfg, dict):
        raise IndexInputError("config", ["the file must hold a mapping of settings"])
    problems = config_problems(cfg)
    if problems:
        raise IndexInputError("config", problems)
    return cfg


def config_problems(cfg: Mapping[str, Any]) -> list[str]:
    """Every problem of a configuration file's content."""
    pipeline = {k: v for k, v in cfg.items() if k not in ("uncertainty", "panel")}
    problems = validate_config(pipeline)
    if cfg.get("uncertainty") is not None:
        problems += _uncertainty_problems(cfg["uncertainty"], pipeline)
    if cfg.get("panel") is not None:
        problems += _panel_problems(cfg["panel"])
        if cfg.get("uncertainty") is not None:
            problems.append("uncertainty: not with panel data; analyse one year at a time")
    return problems


def results_table(
    stages: Mapping[str, pl.DataFrame], tree: IndexTree, unit: str, decimals: int | None
) -> pl.DataFrame:
    """unit (and uName if present), the top aggregate's score, ``rank``, then the other
    aggregates from the top level down; best first."""
    top = tree.aggregates[-1].code
    others = [a.code for a in reversed(tree.aggregates[:-1])]
    ids = [c for c in (unit, "uName") if c in stages["Aggregated"].columns]
    table = stages["Aggregated"].select(*dict.fromkeys(ids), top, *others)
    rank = ranks(table.select(top), [top], decimals)[top].alias("rank")
    return table.insert_column(len(ids) + 1, rank).sort("rank", nulls_last=True)


def _compute(
    frame: pl.DataFrame, tree: IndexTree, cfg: dict[str, Any], panel: Mapping[str, Any] | None
) -> tuple[dict[str, pl.DataFrame], pl.DataFrame]:
    if panel:
        return _compute_panel(frame, tree, cfg, panel)
    stages = run_pipeline(frame, tree, cfg)
    return stages, results_table(stages, tree, cfg.get("unit", "uCode"), cfg.get("rank_decimals"))


def _compute_panel(
    frame: pl.DataFrame, tree: IndexTree, cfg: dict[str, Any], panel: Mapping[str, Any]
) -> tuple[dict[str, pl.DataFrame], pl.DataFrame]:
    """Every year; stage files stack the years, results gain ``<top>_base100``."""
    unit, year, base_year = cfg.get("unit", "uCode"), panel.get("year", "Time"), panel["base_year"]
    margin = float(panel.get("margin", 0.0))
    by_year = run_panel(frame, tree, cfg, year=year, base_year=base_year, margin=margin)
    stages = {name: panel_stage(by_year, name) for name in (*STAGE_FILES, *EXTRA_FILES)}
    results = pl.concat(
        results_table(by_year[y], tree, unit, cfg.get("rank_decimals")).with_columns(
            pl.lit(y).alias(year)
        )
        for y in sorted(by_year)
    )
    top, reference = tree.aggregates[-1].code, str(panel.get("rebase") or "unit")
    based = rebase(
        results.select(unit, year, top),
        columns=[top],
        base_year=base_year,
        unit=unit,
        year=year,
        reference=reference,
    )
    results = results.join(based.rename({top: f"{top}_base100"}), on=[unit, year], how="left")
    return stages, results.sort(year, "rank")


def _write_outputs(
    out: Path,
    stages: Mapping[str, pl.DataFrame],
    results: pl.DataFrame,
    analysis: UncertaintyResult | None,
) -> list[str]:
    """Write every output file; returns their names in order."""
    frames = {f"{n}.csv": stages[n] for n in (*STAGE_FILES, *EXTRA_FILES) if n in stages}
    frames["results.csv"] = results
    if analysis is not None:
        frames["rank_stats.csv"] = analysis.rank_stats
        if analysis.sobol is not None:
            frames["sobol.csv"] = analysis.sobol
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise IndexInputError("out", [f"cannot create the output folder {out}: {reason}"]) from exc
    written: list[str] = []
    for name, frame in frames.items():
        try:
            frame.write_csv(out / name)
        except OSError as exc:
            problems = [f"cannot write {out / name}: {exc.strerror or exc}"]
            if written:
                problems.append(f"incomplete output, already written: {', '.join(written)}")
            raise IndexInputError("out", problems) from exc
        written.append(name)
    return written


def _uncertainty(
    frame: pl.DataFrame,
    tree: IndexTree,
    cfg: dict[str, Any],
    section: Mapping[str, Any],
    progress: Callable[[int, int], None] | None,
) -> UncertaintyResult:
    inputs = [
        UncertainInput(
            name=str(spec["name"]),
            alternatives=tuple(spec.get("alternatives") or ()),
            weight_noise=spec.get("weight_noise"),
            levels=tuple(spec["levels"]) if spec.get("levels") else None,
        )
        for spec in section["inputs"]
    ]
    return uncertainty_analysis(
        frame,
        tree,
        cfg,
        inputs,
        n=int(section.get("n", 100)),
        seed=int(section.get("seed", 0)),
        sensitivity=bool(section.get("sensitivity", False)),
        node=section.get("node"),
        progress=progress,
    )


def _uncertainty_problems(section: Any, pipeline: Mapping[str, Any]) -> list[str]:
    if not isinstance(section, Mapping):
        return ["uncertainty: expected a mapping"]
    problems = [f"uncertainty: unknown setting {k!r}" for k in section if k not in UNCERTAINTY_KEYS]
    n = section.get("n", 100)
    if isinstance(n, bool) or not isinstance(n, int) or n < 2:
        problems.append("uncertainty.n: expected a whole number >= 2")
    seed = section.get("seed", 0)
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        problems.append("uncertainty.seed: expected a whole number >= 0")
    if not isinstance(section.get("sensitivity", False), bool):
        problems.append("uncertainty.sensitivity: expected true or false")
    if not isinstance(section.get("node") or "", str):
        problems.append("uncertainty.node: expected an aggregate code")
    inputs = section.get("inputs")
    if not isinstance(inputs, list) or not inputs:
        return [*problems, "uncertainty.inputs: expected a list of uncertain inputs"]
    for number, spec in enumerate(inputs, start=1):
        problems += _input_problems(number, spec, pipeline)
    names = [str(s["name"]) for s in inputs if isinstance(s, Mapping) and "name" in s]
    duplicates = sorted({name for name in names if names.count(name) > 1})
    problems += [f"uncertainty.inputs: duplicate name {name!r}" for name in duplicates]
    return problems


def _input_problems(number: int, spec: Any, pipeline: Mapping[str, Any]) -> list[str]:
    where = f"uncertainty.inputs[{number}]"
    if not isinstance(spec, Mapping) or "name" not in spec:
        return [f"{where}: expected a mapping with a name"]
    problems = [f"{where}: unknown setting {k!r}" for k in spec if k not in INPUT_KEYS]
    alternatives = spec.get("alternatives") or []
    if not isinstance(alternatives, list) or not all(isinstance(a, Mapping) for a in alternatives):
        return [*problems, f"{where}.alternatives: expected a list of configuration overrides"]
    for alternative in alternatives:
        problems += [f"{where}: {p}" for p in validate_config(merge(pipeline, alternative))]
    noise = spec.get("weight_noise")
    if noise is not None and (
        isinstance(noise, bool) or not isinstance(noise, int | float) or not 0 <= noise < 1
    ):
        problems.append(f"{where}.weight_noise: expected a number in [0, 1)")
    levels = spec.get("levels")
    if levels is not None and (
        not isinstance(levels, list)
        or not all(isinstance(v, int) and not isinstance(v, bool) for v in levels)
    ):
        problems.append(f"{where}.levels: expected a list of whole numbers")
    return problems


def _panel_problems(section: Any) -> list[str]:
    if not isinstance(section, Mapping):
        return ["panel: expected a mapping"]
    problems = [f"panel: unknown setting {k!r}" for k in section if k not in PANEL_KEYS]
    if not isinstance(section.get("base_year"), int):
        problems.append("panel.base_year: expected a year")
    margin = section.get("margin", 0.0)
    if isinstance(margin, bool) or not isinstance(margin, int | float) or margin < 0:
        problems.append("panel.margin: expected a number >= 0")
    if not isinstance(section.get("year", "Time"), str):
        problems.append("panel.year: expected a column name")
    reference = section.get("rebase")
    if reference is not None and not isinstance(reference, str):
        problems.append(f"panel.rebase: use one of {REFERENCES} or a unit code")
    return problems


def _check_data(
    frame: pl.DataFrame, tree: IndexTree, cfg: Mapping[str, Any], panel: Mapping[str, Any] | None
) -> None:
    """Every problem of the data table that can be found before computing."""
    unit = cfg.get("unit", "uCode")
    year = [panel.get("year", "Time")] if panel else []
    by = (cfg.get("impute") or {}).get("by")
    group = [by] if by else []
    denominate = cfg.get("denominate", True)
    denominators = [i.denominator for i in tree.indicators if i.denominator and denominate]
    numeric = list(dict.fromkeys([*tree.indicator_codes, *denominators]))
    needed = list(dict.fromkeys([unit, *year, *group, *numeric]))
    problems = [f"missing column {c}" for c in needed if c not in frame.columns]
    if frame.height == 0:
        problems.append("the table has no rows")
    for code in (c for c in numeric if c in frame.columns):
        series = frame[code]
        if not series.dtype.is_numeric():
            if series.null_count() < len(series):
                problems.append(f"column {code} is not numeric")
        elif series.dtype.is_float() and series.is_infinite().any():
            problems.append(f"column {code} has infinite values")
    if year and year[0] in frame.columns and not frame[year[0]].dtype.is_integer():
        problems.append(f"column {year[0]} must hold whole-number years")
    missing = frame[unit].null_count() if unit in frame.columns else 0
    if missing:
        problems.append(f"missing unit code in column {unit} ({missing} row{'s' * (missing > 1)})")
    if not problems and frame.select(unit, *year).is_duplicated().any():
        problems.append(f"duplicate units in column {unit}")
    if problems:
        raise IndexInputError("data", problems)


def _read_csv(path: Path, source: str) -> pl.DataFrame:
    try:
        raw = path.read_bytes()
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = raw.decode("gb18030")
        return pl.read_csv(text.encode(), infer_schema_length=None, null_values=NULLS)
    except (OSError, UnicodeDecodeError, pl.exceptions.PolarsError) as exc:
        raise IndexInputError(source, [f"cannot read {path}: {exc}"]) from exc
