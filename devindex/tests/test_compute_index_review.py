"""`zhigai compute_index` on bad input (second reading of #5): every case ends in a CommandError
with a Chinese/English heading (never another exception, which Django prints as a traceback) and
leaves no files behind. Each case raised TypeError, FileExistsError, ColumnNotFoundError or
InvalidOperationError, or wrote the stage files before failing, before its fix."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import polars as pl
import pytest
from django.core.management import CommandError, call_command

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "scoring" / "tests" / "data" / "coinr_asem"
SIMPLE = "impute: {method: mean, by: EurAsia_group}\n"


def _raw() -> pl.DataFrame:
    return pl.read_csv(DATA / "ASEM_iData.csv", infer_schema_length=None)


def _run(tmp_path: Path, *, config: str = SIMPLE, data: pl.DataFrame | None = None) -> Path:
    config_path = tmp_path / "config.yaml"
    config_path.write_text(config, encoding="utf-8")
    data_path = DATA / "ASEM_iData.csv"
    if data is not None:
        data_path = tmp_path / "data.csv"
        data.write_csv(data_path)
    out = tmp_path / "out"
    call_command(
        "compute_index",
        meta=str(DATA / "ASEM_iMeta.csv"),
        data=str(data_path),
        config=str(config_path),
        out=str(out),
    )
    return out


def _first(column: str, value: Any) -> pl.Expr:
    return pl.when(pl.int_range(pl.len()) == 0).then(value).otherwise(pl.col(column)).alias(column)


CONFIG_CASES = {
    "null threshold": ("screen: {threshold: null}\n", "screen.threshold: expected a number"),
    "null winmax": ("treat: {winmax: null}\n", "treat.winmax: expected a number"),
    "null lower": ("normalise: {method: minmax, lower: null}\n", "normalise.lower"),
    "targets not a mapping": ("normalise: {method: dist2targ, targets: 5}\n", "normalise.targets"),
    "group as a list": ("impute: {method: mean, by: [a, b]}\n", "impute.by"),
    "negative decimals": ("rank_decimals: -1\n", "rank_decimals: expected a whole number >= 0"),
    "panel margin": ("panel: {base_year: 2018, margin: lots}\n", "panel.margin"),
    "seed": (
        "uncertainty: {n: 4, seed: abc, inputs: [{name: W, weight_noise: 0.1}]}\n",
        "uncertainty.seed",
    ),
}


@pytest.mark.parametrize("case", list(CONFIG_CASES))
def test_bad_settings_are_configuration_errors(tmp_path, case):
    config, needle = CONFIG_CASES[case]
    with pytest.raises(CommandError) as info:
        _run(tmp_path, config=config)
    assert str(info.value).startswith("配置文件有误 (invalid configuration file)")
    assert needle in str(info.value)
    assert not (tmp_path / "out").exists()


DATA_CASES = {
    "text in a denominator": (
        lambda raw: raw.with_columns(pl.col("Population").cast(pl.String)).with_columns(
            _first("Population", pl.lit("n/a"))
        ),
        "column Population is not numeric",
    ),
    "no rows": (lambda raw: raw.head(0), "the table has no rows"),
    "infinite value": (lambda raw: raw.with_columns(_first("LPI", float("inf"))), "infinite"),
    "missing unit code": (
        lambda raw: raw.with_columns(_first("uCode", None)),
        "missing unit code in column uCode (1 row)",
    ),
}


@pytest.mark.parametrize("case", list(DATA_CASES))
def test_bad_data_are_data_errors(tmp_path, case):
    change, needle = DATA_CASES[case]
    with pytest.raises(CommandError) as info:
        _run(tmp_path, data=change(_raw()))
    assert str(info.value).startswith("数据表有误 (invalid data table)")
    assert needle in str(info.value)
    assert not (tmp_path / "out").exists()


def test_a_missing_year_column(tmp_path):
    config = "treat: null\nnormalise: {method: goalposts}\npanel: {year: Year, base_year: 2018}\n"
    with pytest.raises(CommandError, match=r"数据表有误[^\n]*\n  - missing column Year"):
        _run(tmp_path, config=config)


def test_a_failing_uncertainty_analysis_leaves_no_files(tmp_path):
    config = SIMPLE + "uncertainty: {n: 4, node: Nope, inputs: [{name: W, weight_noise: 0.1}]}\n"
    with pytest.raises(
        CommandError, match=r"无法计算指数 \(cannot compute the index\):\n  - unknown"
    ):
        _run(tmp_path, config=config)
    assert not (tmp_path / "out").exists()


def test_an_output_path_that_is_a_file(tmp_path):
    (tmp_path / "out").write_text("taken", encoding="utf-8")
    with pytest.raises(CommandError) as info:
        _run(tmp_path)
    assert str(info.value).startswith("无法写入输出目录 (cannot write the output folder)")
    assert "cannot create the output folder" in str(info.value)
    assert (tmp_path / "out").read_text(encoding="utf-8") == "taken"


def test_units_without_a_score_are_listed_without_a_rank(tmp_path, capsys):
    """Three units, one of them with no indicator data: it has no Index and no rank, and the
    summary prints only the two scored units (before: TypeError on float(None))."""
    raw = _raw().head(3)
    empty = raw["uCode"][2]
    indicators = raw.columns[raw.columns.index("LPI") :]
    raw = raw.with_columns(
        pl.when(pl.col("uCode") == empty).then(None).otherwise(pl.col(c)).alias(c)
        for c in indicators
    )
    out = _run(tmp_path, config="impute: null\nscreen: null\n", data=raw)
    results = pl.read_csv(out / "results.csv")
    assert results["rank"].to_list() == [1, 2, None]
    assert results["uCode"][2] == empty
    assert results["Index"][2] is None
    text = capsys.readouterr().out
    assert "Index 前 2 名 (top 2)" in text
    assert empty not in text.split("文件")[0]


def test_a_failing_write_names_what_was_written(tmp_path):
    (tmp_path / "out" / "results.csv").mkdir(parents=True)  # a folder where a file must go
    with pytest.raises(CommandError) as info:
        _run(tmp_path)
    text = str(info.value)
    assert text.startswith("无法写入输出目录 (cannot write the output folder)")
    assert "results.csv" in text.splitlines()[1]
    assert "incomplete output, already written: Raw.csv, Denominated.csv" in text
