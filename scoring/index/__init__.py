"""Composite development index (JRC/OECD method): metadata tree, stages, pipeline and
sensitivity. Pure NumPy/Polars; no Django.

    tree = read_meta(imeta)                       # IndexMetaError lists every problem
    stages = run_pipeline(idata, tree, config)    # every stage as a Polars DataFrame
"""

from scoring.index.aggregate import aggregate, ranks, weighted_mean
from scoring.index.denominate import denominate
from scoring.index.impute import impute
from scoring.index.meta import (
    Aggregate,
    IndexMetaError,
    IndexTree,
    Indicator,
    read_meta,
    read_meta_csv,
)
from scoring.index.moments import kurtosis, skewness
from scoring.index.normalise import normalise
from scoring.index.pipeline import run_pipeline
from scoring.index.screen import data_availability, screen
from scoring.index.sensitivity import mean_rank_shift, sobol_indices
from scoring.index.treat import Treatment, log_ct, treat, treat_vector, winsorise_once

__all__ = [
    "Aggregate",
    "IndexMetaError",
    "IndexTree",
    "Indicator",
    "Treatment",
    "aggregate",
    "data_availability",
    "denominate",
    "impute",
    "kurtosis",
    "log_ct",
    "mean_rank_shift",
    "normalise",
    "ranks",
    "read_meta",
    "read_meta_csv",
    "run_pipeline",
    "screen",
    "skewness",
    "sobol_indices",
    "treat",
    "treat_vector",
    "weighted_mean",
    "winsorise_once",
]
