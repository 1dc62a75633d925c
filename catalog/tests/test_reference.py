"""The scenario vocabulary (catalog/data/scenarios.yaml) and `zhigai load_scenarios`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError

from audit.models import AuditEvent
from catalog import reference
from catalog.models import Scenario

# Second-level nodes of SF-JS and GEN-JS that are not improvement areas, so no scenario needs to
# cover them: the unscored basic requirements (weight-0 gates) and their evidence, the weight-0
# "AI applied" follow-ups of the smart-factory scenes (the scene itself is covered), evidence
# uploads and free-text answers.
SKIPPED = {
    "SF-JS": {
        "basic.scale", "basic.finance_credit", "basic.no_accident", "basic.secure_controllable",
        "basic.org_talent", "basic.evidence",
        "factory.planning_ai", "factory.infrastructure_ai", "factory.digital_twin_ai",
        "factory.line_reconfiguration_ai", "rnd.product_design_ai", "rnd.virtual_test_ai",
        "rnd.process_design_ai", "rnd.knowledge_ai", "production.online_inspection_ai",
        "production.process_control_ai", "production.human_robot_ai",
        "production.material_handling_ai", "prod_mgmt.scheduling_ai", "prod_mgmt.equipment_ai",
        "prod_mgmt.quality_ai", "prod_mgmt.energy_ai", "prod_mgmt.safety_env_ai",
        "operations.supply_chain_ai", "operations.warehousing_ai", "operations.sales_ai",
        "operations.remote_service_ai", "operations.decision_ai",
    },
    "GEN-JS": {"factory.projects", "production.evidence", "data_ai.next_steps"},
}  # fmt: skip
NOT_SCORED_TYPES = {"text", "evidence"}


def _framework_file(code: str) -> dict[str, Any]:
    for path in sorted(reference.FRAMEWORKS_DIR.glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        if data["framework"]["code"] == code:
            return data
    raise AssertionError(code)


def _second_level(code: str) -> tuple[set[str], set[str]]:
    """(scored, not scored) second-level nodes: weight 0 anywhere on the path, a text or
    evidence question, or a weight-0 top-level parent means not scored."""
    scored, unscored = set(), set()
    for top in _framework_file(code)["nodes"]:
        for child in top.get("children") or []:
            question = child.get("question") or {}
            zero = top.get("weight") == 0 or child.get("weight") == 0
            if zero or question.get("type") in NOT_SCORED_TYPES:
                unscored.add(child["code"])
            else:
                scored.add(child["code"])
    return scored, unscored


def _file_scenarios() -> list[reference.ScenarioSpec]:
    return reference.scenarios_read(reference.SCENARIOS_FILE.read_text(encoding="utf-8"))


def test_the_scenario_file_reads_without_problems_and_has_30_to_40_scenarios() -> None:
    specs = _file_scenarios()
    assert 30 <= len(specs) <= 40


def test_every_node_code_of_every_scenario_exists_in_the_framework_files() -> None:
    known = reference.framework_node_codes()
    for spec in _file_scenarios():
        for node in spec.nodes:
            framework, _, path = node.partition(":")
            assert path in known[framework], f"{spec.code}: {node}"


def test_scenario_codes_are_unique_slugs() -> None:
    codes = [spec.code for spec in _file_scenarios()]
    assert len(codes) == len(set(codes))
    assert all(reference.SLUG.match(code) for code in codes)


def test_every_scenario_is_marked_unverified_as_the_file_header_says() -> None:
    assert all(spec.verified is False and spec.source for spec in _file_scenarios())


@pytest.mark.parametrize("framework", ["SF-JS", "GEN-JS"])
def test_skipped_nodes_are_exactly_the_unscored_second_level_nodes(framework: str) -> None:
    _, unscored = _second_level(framework)
    assert unscored == SKIPPED[framework]


@pytest.mark.parametrize("framework", ["SF-JS", "GEN-JS"])
def test_every_scored_second_level_node_maps_to_at_least_one_scenario(framework: str) -> None:
    scored, _ = _second_level(framework)
    covered = {
        node.partition(":")[2]
        for spec in _file_scenarios()
        for node in spec.nodes
        if node.startswith(f"{framework}:")
    }
    assert scored - covered == set()


def test_every_stage_has_at_least_one_scenario() -> None:
    from catalog.models import Stage

    assert {spec.stage for spec in _file_scenarios()} == set(Stage.values)


@pytest.mark.django_db
def test_loading_writes_every_scenario_with_an_audit_row() -> None:
    result = reference.scenarios_load()
    assert Scenario.objects.count() == len(result.created) == len(_file_scenarios())
    maintenance = Scenario.objects.get(code="predictive-maintenance")
    assert maintenance.stage == "prod_mgmt"
    assert "SF-JS:prod_mgmt.equipment" in maintenance.nodes
    assert maintenance.verified is False
    assert AuditEvent.objects.filter(action="scenario.load").count() == 1


@pytest.mark.django_db
def test_loading_twice_changes_nothing() -> None:
    reference.scenarios_load()
    before = list(Scenario.objects.order_by("code").values())
    result = reference.scenarios_load()
    assert result.created == result.updated == []
    assert list(Scenario.objects.order_by("code").values()) == before
    assert AuditEvent.objects.filter(action="scenario.load").count() == 1


@pytest.mark.django_db
def test_loading_again_updates_a_changed_scenario_and_keeps_unlisted_ones(tmp_path: Path) -> None:
    reference.scenarios_load()
    Scenario.objects.create(code="old-one", stage="factory", name_zh="旧场景", name_en="Old")
    text = reference.SCENARIOS_FILE.read_text(encoding="utf-8")
    changed = tmp_path / "s.yaml"
    changed.write_text(text.replace("name_zh: 智能在线检测", "name_zh: 智能在线质量检测"))
    result = reference.scenarios_load(path=changed)
    assert result.updated == ["online-inspection"]
    assert result.unlisted == ["old-one"]
    assert Scenario.objects.get(code="online-inspection").name_zh == "智能在线质量检测"


BROKEN = """\
format: zhigai-scenarios/1
scenarios:
  - {code: good-one, stage: factory, name_zh: 好, name_en: Good, nodes: ["SF-JS:factory.planning"]}
  - {code: Bad Code, stage: factory, name_zh: 坏, name_en: Bad}
  - {code: no-stage, stage: nowhere, name_zh: 无, name_en: None}
  - {code: good-one, stage: rnd, name_zh: 重复, name_en: Twice}
  - {code: ghost-node, stage: rnd, name_zh: 虚, name_en: Ghost, nodes: ["SF-JS:nowhere", "plain"]}
  - {code: no-name, stage: rnd, name_en: Nameless, keywords: [1, ""]}
  - {code: extra, stage: rnd, name_zh: 多, name_en: Extra, colour: red, verified: "yes"}
"""


@pytest.mark.django_db
def test_a_broken_file_loads_nothing_and_lists_every_problem(tmp_path: Path) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text(BROKEN, encoding="utf-8")
    with pytest.raises(ValidationError) as caught:
        reference.scenarios_load(path=path)
    text = "\n".join(caught.value.messages)
    for part in (
        "Bad Code",
        "nowhere”",
        "“good-one” appears twice",
        "no node “SF-JS:nowhere”",
        "node “plain” must be",
        "no-name: name_zh is missing",
        "no-name: keywords must be a list",
        "unknown field colour",
        "extra: verified must be",
    ):
        assert part in text, part
    assert len(caught.value.messages) == 9
    assert Scenario.objects.count() == 0


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("content", "expected"),
    [("format: other/1\nscenarios: []\n", "format must be"), ("a: [", "cannot be read")],
)
def test_a_file_of_the_wrong_format_is_refused(tmp_path: Path, content: str, expected: str) -> None:
    path = tmp_path / "x.yaml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ValidationError, match=expected):
        reference.scenarios_load(path=path)


@pytest.mark.django_db
def test_the_command_loads_and_reports_and_fails_on_a_broken_file(tmp_path: Path, capsys) -> None:
    call_command("load_scenarios")
    assert "created" in capsys.readouterr().out
    path = tmp_path / "broken.yaml"
    path.write_text(BROKEN, encoding="utf-8")
    with pytest.raises(CommandError, match="nothing was loaded"):
        call_command("load_scenarios", "--file", str(path))
