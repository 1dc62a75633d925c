"""Computing an index from files (``scoring.index.run``): validation of every input, the panel
mode and the files written. The ASEM reference itself: devindex/tests/test_compute_index.py."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import polars as pl
import pytest
import yaml

from scoring.index.run import IndexInputError, config_problems, run_from_files
from scoring.tests import index_asem as asem

META = asem.DATA / "ASEM_iMeta.csv"
IDATA = asem.DATA / "ASEM_iData.csv"


def _config(tmp_path: Path, content: dict[str, Any]) -> Path:
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(content, allow_unicode=True), encoding="utf-8")
    return path


def test_without_uncertainty_only_the_stages_and_results_are_written(tmp_path):
    summary = run_from_files(META, IDATA, _config(tmp_path, asem.CONFIG), tmp_path / "out")
    assert summary.runs is None
    assert summary.top[0][0] == "CHE"
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == sorted(summary.files)
    assert "rank_stats.csv" not in summary.files


def test_uncertainty_without_sensitivity_writes_no_sobol(tmp_path):
    cfg = {**asem.CONFIG, "uncertainty": {"n": 20, "inputs": [{"name": "W", "weight_noise": 0.2}]}}
    summary = run_from_files(META, IDATA, _config(tmp_path, cfg), tmp_path / "out")
    assert summary.runs == 20
    assert "rank_stats.csv" in summary.files
    assert "sobol.csv" not in summary.files


def test_a_gbk_data_file_is_read(tmp_path):
    frame = asem.raw().with_columns(pl.col("uName").str.replace("China", "中国"))
    path = tmp_path / "data.csv"
    path.write_bytes(frame.write_csv().encode("gb18030"))
    run_from_files(META, path, _config(tmp_path, asem.CONFIG), tmp_path / "out")
    results = pl.read_csv(tmp_path / "out" / "results.csv")
    assert "中国" in results["uName"].to_list()


def test_uncertainty_and_panel_sections_are_validated():
    cfg = {
        "uncertainty": {
            "n": 1,
            "sample": 3,
            "inputs": [
                {"name": "a", "alternatives": [{"treat": {"winmax": "many"}}]},
                {"name": "b", "weight_noise": "big", "colour": 1},
                {"alternatives": []},
            ],
        },
        "panel": {"base_year": "first", "years": 3},
    }
    problems = "\n".join(config_problems(cfg))
    for needle in (
        "uncertainty: unknown setting 'sample'",
        "uncertainty.n: expected a whole number >= 2",
        "uncertainty.inputs[1]: treat.winmax: expected a number",
        "uncertainty.inputs[2]: unknown setting 'colour'",
        "uncertainty.inputs[2].weight_noise: expected a number",
        "uncertainty.inputs[3]: expected a mapping with a name",
        "panel: unknown setting 'years'",
        "panel.base_year: expected a year",
        "uncertainty: not with panel data",
    ):
        assert needle in problems
    assert "uncertainty.inputs: expected a list" in "\n".join(config_problems({"uncertainty": {}}))


def test_a_configuration_that_is_not_a_mapping(tmp_path):
    path = tmp_path / "list.yaml"
    path.write_text("- 1\n- 2\n", encoding="utf-8")
    with pytest.raises(IndexInputError) as info:
        run_from_files(META, IDATA, path, tmp_path / "out")
    assert info.value.source == "config"
    assert info.value.problems == ("the file must hold a mapping of settings",)


def test_duplicate_units_are_refused(tmp_path):
    path = tmp_path / "data.csv"
    asem.raw().vstack(asem.raw().head(1)).write_csv(path)
    with pytest.raises(IndexInputError, match="duplicate units in column uCode") as info:
        run_from_files(META, path, _config(tmp_path, asem.CONFIG), tmp_path / "out")
    assert info.value.source == "data"


def test_panel_mode_stacks_years_and_rebases(tmp_path):
    cfg = {
        **asem.CONFIG,
        "treat": None,
        "normalise": {"method": "goalposts"},
        "panel": {"year": "Time", "base_year": 2018, "rebase": "unit"},
    }
    data = asem.DATA / "ASEM_iData_p.csv"
    summary = run_from_files(META, data, _config(tmp_path, cfg), tmp_path / "out")
    assert summary.units == 255
    results = pl.read_csv(tmp_path / "out" / "results.csv")
    assert results.columns[-2:] == ["Time", "Index_base100"]
    base = results.filter(pl.col("Time") == 2018)
    assert base["Index_base100"].to_list() == pytest.approx([100.0] * 51)
    assert results.filter(pl.col("Time") == 2022)["rank"].sort().to_list()[:3] == [1, 2, 3]
    aggregated = pl.read_csv(tmp_path / "out" / "Aggregated.csv")
    assert aggregated.height == 255
    auto = results.filter((pl.col("uCode") == "AUT") & (pl.col("Time") == 2022)).row(0, named=True)
    first = base.filter(pl.col("uCode") == "AUT")["Index"].item()
    assert auto["Index_base100"] == pytest.approx(100 * auto["Index"] / first)
