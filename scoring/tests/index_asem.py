"""Shared by the index tests: the COINr ASEM reference data, its configuration and the
sensitivity-analysis inputs of COINr's vignette. Data and provenance: data/coinr_asem/README.md.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import numpy as np
import polars as pl

from scoring.index import IndexTree, UncertainInput, read_meta_csv

DATA = Path(__file__).parent / "data" / "coinr_asem"
STAGES = DATA / "asem_v06_pipeline"
SENSITIVITY = DATA / "asem_sensitivity"

# The reference pipeline (method.json): the same as examples/asem/config.yaml.
CONFIG = {
    "impute": {"method": "mean", "by": "EurAsia_group"},
    "screen": {"threshold": 0.9},
    "treat": {"winmax": 5, "skew": 2.0, "kurt": 3.5},
    "normalise": {"method": "minmax", "lower": 0.0, "upper": 100.0},
    "aggregate": {"method": "arithmetic"},
    "rank_decimals": 2,
}

# COINr vignette "sensitivity" (row U1 of vignette_expected_values.csv): winmax 1..5;
# minmax(1, 100) vs zscore(10, 2); noisy weights ±25 % at levels 2-3; a_amean vs a_gmean.
SA_INPUTS = (
    UncertainInput("Winmax", tuple({"treat": {"winmax": k}} for k in range(1, 6))),
    UncertainInput(
        "Normalisation",
        (
            {"normalise": {"method": "minmax", "lower": 1, "upper": 100}},
            {"normalise": {"method": "zscore", "mean": 10, "sd": 2}},
        ),
    ),
    UncertainInput("Weights", weight_noise=0.25, levels=(2, 3)),
    UncertainInput(
        "Aggregation",
        ({"aggregate": {"method": "arithmetic"}}, {"aggregate": {"method": "geometric"}}),
    ),
)


def csv(path: Path) -> pl.DataFrame:
    return pl.read_csv(path, infer_schema_length=None)


@cache
def tree() -> IndexTree:
    return read_meta_csv(str(DATA / "ASEM_iMeta.csv"))


@cache
def raw() -> pl.DataFrame:
    return csv(DATA / "ASEM_iData.csv")


def stage(name: str) -> pl.DataFrame:
    """A stored stage of the reference pipeline, sorted by unit code."""
    return csv(STAGES / f"{name}.csv").sort("UnitCode")


def matrix(frame: pl.DataFrame, codes: tuple[str, ...] | list[str]) -> np.ndarray:
    return np.column_stack([frame[c].cast(pl.Float64).to_numpy() for c in codes])


def vignette(check_id: str) -> list[float]:
    """The expected numbers of one row of vignette_expected_values.csv, split on '/'."""
    table = csv(DATA / "vignette_expected_values.csv")
    text = table.filter(pl.col("check_id") == check_id)["expected_value"].item()
    return [float("nan") if v.strip() == "NA" else float(v) for v in str(text).split("/")]


def vignette_items(check_id: str) -> list[str]:
    """The item names of a row ('Physical/ConEcFin/...' or 'MatCon~CO2')."""
    table = csv(DATA / "vignette_expected_values.csv")
    return str(table.filter(pl.col("check_id") == check_id)["item"].item()).split("/")
