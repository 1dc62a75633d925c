"""`zhigai compute_index` on the COINr ASEM reference (examples/asem/config.yaml): every stage
file equals COINr's stored stage and the results table equals the reference results table.
Pure computation: no database."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl
import pytest
from django.core.management import CommandError, call_command

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "scoring" / "tests" / "data" / "coinr_asem"
STORED = DATA / "asem_v06_pipeline"
CONFIG = ROOT / "examples" / "asem" / "config.yaml"


def _run(tmp_path: Path, config: Path = CONFIG, meta: Path | None = None, data: Path | None = None):
    out = tmp_path / "out"
    call_command(
        "compute_index",
        meta=str(meta or DATA / "ASEM_iMeta.csv"),
        data=str(data or DATA / "ASEM_iData.csv"),
        config=str(config),
        out=str(out),
    )
    return out


@pytest.fixture(scope="module")
def out(tmp_path_factory):
    return _run(tmp_path_factory.mktemp("asem"))


def _read(path: Path) -> pl.DataFrame:
    return pl.read_csv(path, infer_schema_length=None)


def _stored(name: str) -> pl.DataFrame:
    return _read(STORED / f"{name}.csv").rename({"UnitCode": "uCode"}).sort("uCode")


def _max_error(mine: pl.DataFrame, ref: pl.DataFrame, codes) -> float:
    assert mine["uCode"].to_list() == ref["uCode"].to_list()
    worst = 0.0
    for code in codes:
        a, b = (f[code].cast(pl.Float64).fill_null(np.nan).to_numpy() for f in (mine, ref))
        assert (np.isnan(a) == np.isnan(b)).all(), code
        worst = max(worst, float(np.nanmax(np.abs(a - b), initial=0.0)))
    return worst


@pytest.mark.parametrize("name", ["Denominated", "Imputed", "Treated", "Normalised", "Aggregated"])
def test_every_stage_file_equals_the_stored_stage(out, name):
    indicators = _read(DATA / "asem_v06_pipeline" / "IndMeta.csv")["IndCode"].to_list()
    aggregates = _read(DATA / "asem_v06_pipeline" / "AggMeta.csv")["Code"].to_list()
    codes = indicators + (aggregates if name == "Aggregated" else [])
    mine = _read(out / f"{name}.csv").sort("uCode")
    assert _max_error(mine, _stored(name), codes) <= 1e-6


def test_the_raw_file_is_the_input(out):
    mine = _read(out / "Raw.csv")
    assert mine.equals(_read(DATA / "ASEM_iData.csv"))


def test_the_treatment_summary_equals_the_stored_one(out):
    mine = _read(out / "TreatSummary.csv").join(
        _read(STORED / "TreatSummary.csv"), left_on="code", right_on="IndCode"
    )
    assert mine.height == 49
    assert mine["low"].to_list() == mine["Low"].cast(pl.Int64).to_list()
    assert mine["high"].to_list() == mine["High"].cast(pl.Int64).to_list()


def test_the_results_table_equals_the_reference(out):
    results = _read(out / "results.csv")
    scores, ranks = _stored("AggregatesScore"), _stored("AggregatesRank")
    aggregates = [c for c in scores.columns if c not in ("uCode", "UnitName", "Rank")]
    assert results.columns[:4] == ["uCode", "uName", "Index", "rank"]
    assert set(results.columns[4:]) == set(aggregates) - {"Index"}
    by_unit = results.sort("uCode")
    assert _max_error(by_unit, _stored("Aggregated"), aggregates) <= 1e-6
    for code in aggregates:
        assert by_unit[code].round(2).to_list() == scores[code].to_list(), code
    assert by_unit["rank"].to_list() == scores["Rank"].to_list() == ranks["Index"].to_list()
    assert results["uCode"].head(6).to_list() == ["CHE", "NLD", "DNK", "NOR", "BEL", "SWE"]
    assert results["rank"].is_sorted()


def test_the_uncertainty_outputs(out):
    stats = _read(out / "rank_stats.csv")
    assert stats.columns == ["unit", "nominal", "mean", "median", "q05", "q95"]
    assert stats.height == 51
    assert ((stats["q05"] <= stats["median"]) & (stats["median"] <= stats["q95"])).all()
    sobol = _read(out / "sobol.csv")
    assert sobol["input"].to_list() == ["Winmax", "Normalisation", "Weights", "Aggregation"]


def test_the_summary_is_printed(tmp_path, capsys):
    _run(tmp_path)
    text = capsys.readouterr().out
    assert "51 个单位 (units), 49 个指标 (indicators)" in text
    assert "CHE" in text
    assert "68.38" in text
    assert "600 次运行 (runs)" in text


def test_bad_configuration_lists_every_problem(tmp_path):
    config = tmp_path / "bad.yaml"
    config.write_text(
        "impute: {method: mode}\nbogus: 1\ntreat: {winmax: x, foo: 2}\n", encoding="utf-8"
    )
    with pytest.raises(CommandError) as info:
        _run(tmp_path, config=config)
    text = str(info.value)
    assert text.startswith("配置文件有误 (invalid configuration file)")
    for needle in (
        "unknown pipeline stages: bogus",
        "unknown method 'mode'",
        "unknown setting 'foo'",
        "treat.winmax: expected a number",
    ):
        assert needle in text
    assert not (tmp_path / "out").exists()


def test_unreadable_yaml_and_missing_files(tmp_path):
    config = tmp_path / "broken.yaml"
    config.write_text("a: [\n", encoding="utf-8")
    with pytest.raises(
        CommandError, match=r"配置文件有误 \(invalid configuration file\).*\n  - cannot read"
    ):
        _run(tmp_path, config=config)
    with pytest.raises(CommandError, match=r"数据表有误 \(invalid data table\).*\n  - cannot read"):
        _run(tmp_path, data=tmp_path / "none.csv")


def test_metadata_problems(tmp_path):
    meta = tmp_path / "meta.csv"
    text = (
        (DATA / "ASEM_iMeta.csv")
        .read_text(encoding="utf-8")
        .replace(",Physical,Indicator", ",Nowhere,Indicator", 1)
    )
    meta.write_text(text, encoding="utf-8")
    with pytest.raises(CommandError) as info:
        _run(tmp_path, meta=meta)
    assert str(info.value).startswith("元数据表有误 (invalid metadata table)")
    assert "LPI: unknown Parent Nowhere" in str(info.value)


def test_data_problems(tmp_path):
    data = tmp_path / "data.csv"
    frame = _read(DATA / "ASEM_iData.csv").drop("LPI").with_columns(pl.lit("x").alias("Ship"))
    frame.write_csv(data)
    with pytest.raises(CommandError) as info:
        _run(tmp_path, data=data)
    assert "missing column LPI" in str(info.value)
    assert "column Ship is not numeric" in str(info.value)


def test_a_failing_computation_is_a_command_error(tmp_path):
    config = tmp_path / "pca.yaml"
    config.write_text(
        "impute: {method: mean, by: EurAsia_group}\nweights: {method: pca}\n", encoding="utf-8"
    )
    with pytest.raises(
        CommandError, match=r"无法计算指数 \(cannot compute the index\):\n  - weights: negative PC1"
    ):
        _run(tmp_path, config=config)
