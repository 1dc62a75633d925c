"""Composite development index (JRC/OECD method): metadata tree, stages, weights, pipeline,
coherence, time series, uncertainty and sensitivity. Pure NumPy/Polars; no Django.

    tree = read_meta(imeta)                       # IndexMetaError lists every problem
    stages = run_pipeline(idata, tree, config)    # every stage as a Polars DataFrame
    result = uncertainty_analysis(idata, tree, config, inputs, n=100, sensitivity=True)
"""

from scoring.index.aggregate import aggregate, level_means, ranks, weighted_mean
from scoring.index.coherence import (
    correlation,
    correlation_flags,
    correlation_matrix,
    correlation_pvalue,
    cronbach_alpha,
    cronbach_by_group,
    denominator_correlations,
    pca_by_group,
    pca_table,
)
from scoring.index.config import IndexConfigError, full_config, merge, validate_config
from scoring.index.denominate import denominate
from scoring.index.impute import impute
from scoring.index.kernel import IndexKernel, aggregate_runs, rank_rows, tree_layout
from scoring.index.meta import (
    Aggregate,
    IndexMetaError,
    IndexTree,
    Indicator,
    read_meta,
    read_meta_csv,
)
from scoring.index.moments import kurtosis, skewness
from scoring.index.normalise import normalise, normalise_values
from scoring.index.pca import PCAResult, pca
from scoring.index.pipeline import run_pipeline, weights_frame
from scoring.index.screen import data_availability, screen
from scoring.index.sensitivity import mean_rank_shift, sobol_indices
from scoring.index.timeseries import goalposts_from, panel_stage, rebase, run_panel
from scoring.index.treat import Treatment, log_ct, treat, treat_vector, winsorise_once
from scoring.index.uncertainty import (
    UncertainInput,
    UncertaintyResult,
    rank_statistics,
    remove_elements,
    uncertainty_analysis,
)
from scoring.index.weights import (
    IndexWeightsError,
    effective_weights,
    entropy_weights,
    equal_weights,
    expert_weights,
    pca_weights,
    renormalise,
    resolve_weights,
)

__all__ = [
    "Aggregate",
    "IndexConfigError",
    "IndexKernel",
    "IndexMetaError",
    "IndexTree",
    "IndexWeightsError",
    "Indicator",
    "PCAResult",
    "Treatment",
    "UncertainInput",
    "UncertaintyResult",
    "aggregate",
    "aggregate_runs",
    "correlation",
    "correlation_flags",
    "correlation_matrix",
    "correlation_pvalue",
    "cronbach_alpha",
    "cronbach_by_group",
    "data_availability",
    "denominate",
    "denominator_correlations",
    "effective_weights",
    "entropy_weights",
    "equal_weights",
    "expert_weights",
    "full_config",
    "goalposts_from",
    "impute",
    "kurtosis",
    "level_means",
    "log_ct",
    "mean_rank_shift",
    "merge",
    "normalise",
    "normalise_values",
    "panel_stage",
    "pca",
    "pca_by_group",
    "pca_table",
    "pca_weights",
    "rank_rows",
    "rank_statistics",
    "ranks",
    "read_meta",
    "read_meta_csv",
    "rebase",
    "remove_elements",
    "renormalise",
    "resolve_weights",
    "run_panel",
    "run_pipeline",
    "screen",
    "skewness",
    "sobol_indices",
    "treat",
    "treat_vector",
    "tree_layout",
    "uncertainty_analysis",
    "validate_config",
    "weighted_mean",
    "weights_frame",
    "winsorise_once",
]
