"""The management commands: output, errors (CommandError: stderr and exit status 1, never a
traceback), idempotent loading, and export → import round trips."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from audit.models import AuditEvent
from frameworks.files import dump_yaml
from frameworks.models import FrameworkVersion
from frameworks.services import PUBLISHED_IS_IMMUTABLE
from frameworks.tests.factories import make_definition, make_version

pytestmark = pytest.mark.django_db
DATA_DIR = Path(__file__).resolve().parents[1] / "data"


def _run(*args: str) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def _write(tmp_path: Path, definition: dict[str, Any], name: str = "model.yaml") -> Path:
    path = tmp_path / name
    path.write_text(dump_yaml(definition), encoding="utf-8")
    return path


# --- import_framework ----------------------------------------------------------------------------


def test_import_creates_a_draft_then_reports_unchanged(tmp_path: Path) -> None:
    path = _write(tmp_path, make_definition())
    assert "TEST-A@1: 已导入为草稿 (imported as a draft)" in _run("import_framework", str(path))
    assert "未变 (unchanged, draft)" in _run("import_framework", str(path))
    version = FrameworkVersion.objects.get()
    assert (version.status, version.source_name) == ("draft", "model.yaml")
    assert AuditEvent.objects.get(action="framework_version.import").actor_username == (
        "command:import_framework"
    )


def test_import_with_publish_publishes(tmp_path: Path) -> None:
    path = _write(tmp_path, make_definition())
    assert "已导入并发布 (imported and published)" in _run(
        "import_framework", str(path), "--publish"
    )
    assert FrameworkVersion.objects.get().status == "published"


def test_import_reads_json(tmp_path: Path) -> None:
    path = tmp_path / "model.json"
    path.write_text(json.dumps(make_definition(), ensure_ascii=False), encoding="utf-8")
    _run("import_framework", str(path))
    assert FrameworkVersion.objects.get().source_name == "model.json"


def test_import_lists_every_problem_and_writes_nothing(tmp_path: Path) -> None:
    definition = make_definition()
    del definition["framework"]["score_scale"]
    definition["levels"][0]["code"] = "bad code"
    path = _write(tmp_path, definition)
    with pytest.raises(CommandError) as error:
        _run("import_framework", str(path))
    lines = str(error.value).splitlines()
    assert lines[0] == f"{path}:"
    assert len(lines) == 3
    assert error.value.returncode == 1
    assert not FrameworkVersion.objects.exists()


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("model.txt", b"x", "Unknown file type"),
        ("model.yaml", b"framework: [unclosed", "YAML syntax error"),
        ("model.yaml", b"\xff\xfe\x00", "not UTF-8"),
        ("model.json", b"[1, 2]", "must hold one mapping"),
        ("model.xlsx", b"not a workbook", "XLSX|xlsx|工作簿|workbook"),
    ],
)
def test_import_explains_an_unreadable_file(
    tmp_path: Path, name: str, content: bytes, message: str
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(CommandError, match=message):
        _run("import_framework", str(path))
    assert not FrameworkVersion.objects.exists()


def test_import_explains_a_missing_file(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="No such file"):
        _run("import_framework", str(tmp_path / "missing.yaml"))


def test_import_refuses_a_changed_published_version(tmp_path: Path) -> None:
    make_version(status="published")
    path = _write(tmp_path, make_definition(title={"zh": "改"}))
    with pytest.raises(CommandError, match="已发布的版本不可修改") as error:
        _run("import_framework", str(path))
    assert PUBLISHED_IS_IMMUTABLE in str(error.value)


# --- export_framework ----------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["xlsx", "yaml"])
def test_an_exported_file_imports_back_unchanged(tmp_path: Path, fmt: str) -> None:
    make_version(status="published")
    out = tmp_path / f"out.{fmt}"
    text = _run("export_framework", "TEST-A", "--version", "1", "--format", fmt, "--out", str(out))
    assert text.strip() == f"TEST-A@1 → {out}"
    assert "未变 (unchanged, published)" in _run("import_framework", str(out))
    assert FrameworkVersion.objects.count() == 1


def test_export_of_an_unknown_version_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="TEST-A@9"):
        call_command(
            "export_framework", "TEST-A", version="9", format="yaml", out=str(tmp_path / "x")
        )


def test_export_needs_a_known_format(tmp_path: Path) -> None:
    make_version()
    with pytest.raises(CommandError, match="invalid choice"):
        _run("export_framework", "TEST-A", "--version", "1", "--format", "pdf", "--out", "x")


# --- list, publish, diff -------------------------------------------------------------------------


def test_list_prints_one_line_per_version_by_code_then_version() -> None:
    make_version(code="ZZ-Z", version="1", status="published")
    make_version(version="10")
    make_version(version="9", status="published",
                 definition=make_definition(version="9", provisional=True))  # fmt: skip
    assert _run("list_frameworks").splitlines() == [
        "TEST-A@9  published  测试模型 [暂行 provisional]",
        "TEST-A@10  draft  测试模型",
        "ZZ-Z@1  published  测试模型",
    ]


def test_list_says_when_there_is_nothing() -> None:
    assert "load_frameworks" in _run("list_frameworks")


def test_publish_publishes_a_draft_and_supersedes_the_previous_one() -> None:
    make_version(version="1", status="published")
    make_version(version="2")
    assert _run("publish_framework", "TEST-A@2").strip() == "TEST-A@2: 已发布 (published)"
    statuses = dict(FrameworkVersion.objects.values_list("version", "status"))
    assert statuses == {"1": "superseded", "2": "published"}


@pytest.mark.parametrize(
    ("label", "message"),
    [
        ("TEST-A", "CODE@VERSION"),
        ("TEST-A@7", "no such framework version"),
        ("TEST-A@1", "只有草稿"),
    ],
)
def test_publish_errors(label: str, message: str) -> None:
    make_version(status="published")
    with pytest.raises(CommandError, match=message):
        _run("publish_framework", label)


def test_diff_prints_the_changes_in_words() -> None:
    make_version(version="1")
    make_version(version="2", definition=make_definition(version="2", title={"zh": "修订版"}))
    lines = _run("diff_framework", "TEST-A@1", "TEST-A@2").splitlines()
    assert lines
    assert any("修订版" in line for line in lines)
    assert "没有差异 (no differences)" in _run("diff_framework", "TEST-A@1", "TEST-A@1")


# --- load_frameworks -----------------------------------------------------------------------------


def test_load_publishes_the_default_models_and_a_second_run_changes_nothing() -> None:
    files = sorted(p for p in DATA_DIR.iterdir() if p.suffix in (".yaml", ".yml", ".json", ".xlsx"))
    first = _run("load_frameworks")
    assert f"{len(files)} changed" in first
    assert set(FrameworkVersion.objects.values_list("status", flat=True)) == {"published"}
    assert FrameworkVersion.objects.count() == len(files)
    events = AuditEvent.objects.count()
    second = _run("load_frameworks")
    assert "no changes" in second
    assert second.count("未变 (unchanged, published)") == len(files)
    assert AuditEvent.objects.count() == events


def test_load_from_a_directory_is_all_or_nothing(tmp_path: Path) -> None:
    _write(tmp_path, make_definition("AAA"), "a.yaml")
    bad = make_definition("BBB")
    bad["nodes"][0]["weight"] = -1
    _write(tmp_path, bad, "b.yaml")
    with pytest.raises(CommandError) as error:
        _run("load_frameworks", "--dir", str(tmp_path))
    assert "nothing was loaded" in str(error.value)
    assert "b.yaml: nodes[0].weight" in str(error.value)
    assert not FrameworkVersion.objects.exists()


def test_load_reports_every_unreadable_file(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_bytes(b"framework: [unclosed")
    (tmp_path / "b.json").write_bytes(b"{")
    with pytest.raises(CommandError) as error:
        _run("load_frameworks", "--dir", str(tmp_path))
    assert "a.yaml" in str(error.value)
    assert "b.json" in str(error.value)


@pytest.mark.parametrize("make_dir", [False, True])
def test_load_needs_a_directory_with_model_files(tmp_path: Path, make_dir: bool) -> None:
    target = tmp_path / "models"
    if make_dir:
        target.mkdir()
        (target / "README.md").write_text("no models here")
    with pytest.raises(CommandError):
        _run("load_frameworks", "--dir", str(target))
