"""Model pages: list, detail, downloads, diff (with its htmx fragment), import, publish, delete."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
import yaml
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from pytest_django import DjangoAssertNumQueries

from audit.models import AuditEvent
from conftest import World
from frameworks.files import canonical, dump_yaml
from frameworks.models import FrameworkVersion
from frameworks.services import PUBLISHED_IS_IMMUTABLE
from frameworks.tests.factories import make_definition, make_version
from frameworks.workbook import xlsx_to_definition

OTHERS = ["city", "county", "enterprise", "expert", "provider", "admin"]


def _client(world: World, role: str) -> Client:
    client = Client()
    client.force_login(world.users[role])
    return client


def _detail(version: FrameworkVersion) -> str:
    return reverse("frameworks:detail", args=[version.framework.code, version.version])


def _action(name: str, version: FrameworkVersion) -> str:
    return reverse(f"frameworks:{name}", args=[version.framework.code, version.version])


def _upload(definition: dict[str, Any], name: str = "model.yaml") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, dump_yaml(definition).encode(), "application/yaml")


@pytest.mark.parametrize(
    "url",
    ["/frameworks/", "/frameworks/import/", "/frameworks/TEST-A/1/", "/frameworks/diff/TEST-A/"],
)
def test_anonymous_visitors_are_sent_to_log_in(world: World, url: str) -> None:
    make_version(status="published")
    response = Client().get(url)
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


# --- list ----------------------------------------------------------------------------------------


def test_the_navigation_links_to_the_models_for_every_logged_in_user(world: World) -> None:
    response = _client(world, "expert").get(reverse("core:home"))
    assert reverse("frameworks:list") in response.text


def test_list_shows_the_latest_version_per_code_and_every_version(world: World) -> None:
    make_version(version="2024", status="superseded")
    make_version(version="2025", status="published")
    make_version(code="AI-X", version="1", status="published",
                 definition=make_definition("AI-X", provisional=True))  # fmt: skip
    response = _client(world, "city").get(reverse("frameworks:list"))
    assert response.status_code == 200
    groups = response.context["groups"]
    assert [(g.code, g.latest.version) for g in groups] == [("AI-X", "1"), ("TEST-A", "2025")]
    assert [v.version for v in groups[1].versions] == ["2025", "2024"]
    assert "暂行" in response.text
    assert "已废止" in response.text
    assert reverse("frameworks:diff", args=["TEST-A"]) in response.text


def test_list_shows_drafts_and_the_import_button_only_to_the_province(world: World) -> None:
    make_version(version="1", status="published")
    make_version(version="2")
    city = _client(world, "city").get(reverse("frameworks:list"))
    province = _client(world, "province").get(reverse("frameworks:list"))
    assert [v.version for v in city.context["groups"][0].versions] == ["1"]
    assert [v.version for v in province.context["groups"][0].versions] == ["2", "1"]
    assert reverse("frameworks:import") in province.text
    assert reverse("frameworks:import") not in city.text


def test_list_page_query_count_does_not_grow_with_versions(
    world: World, django_assert_num_queries: DjangoAssertNumQueries
) -> None:
    client = _client(world, "province")
    make_version(version="1", status="published")
    client.get(reverse("frameworks:list"))  # session and user queries settle
    # session, user, the versions, the user's region (header), session save (3 with savepoint)
    with django_assert_num_queries(7):
        client.get(reverse("frameworks:list"))
    for n in range(2, 8):
        make_version(code=f"CODE-{n}", version=str(n))
    with django_assert_num_queries(7):
        client.get(reverse("frameworks:list"))


# --- detail --------------------------------------------------------------------------------------


def test_detail_shows_the_tree_with_shares_points_questions_and_conditions(world: World) -> None:
    version = make_version(status="published")
    response = _client(world, "enterprise").get(_detail(version))
    assert response.status_code == 200
    html = response.text
    for text in ["基础建设", "车间网络", "5G 专网", "[0,50)", "base.mes == &quot;yes&quot;"]:
        assert text in html
    rows = {row.node.code: row for row in response.context["model"].rows}
    base, network = rows["base"].weights[0], rows["base.network"].weights[0]
    assert (base.share_text, base.points_text) == ("60.0%", "60")
    assert (network.share_text, network.points_text) == ("66.7%", "40")
    assert rows["ops.note"].weights[0].share_text == "—"  # text questions are unscored
    assert rows["base.network"].question_type == "单选题"


def test_detail_groups_rules_by_level_and_marks_every_unverified_item(world: World) -> None:
    version = make_version(status="published")
    response = _client(world, "city").get(_detail(version))
    model = response.context["model"]
    assert [(g.level.code, [r.rule.id for r in g.rules]) for g in model.levels] == [
        ("L1", ["l1_total"]),
        ("L2", ["l2_total", "l2_mes"]),
    ]
    # unverified: base, base.mes, base.network (nodes) and l1_total, l2_mes (rules)
    assert model.unverified_count == 5
    assert response.text.count('class="badge unverified"') >= 5 + 1  # and the model's source
    assert "总分 ≥ 80" in response.text


def test_detail_of_a_draft_is_not_found_for_other_roles(world: World) -> None:
    version = make_version()
    assert _client(world, "city").get(_detail(version)).status_code == 404
    response = _client(world, "province").get(_detail(version))
    assert response.status_code == 200
    assert _action("publish", version) in response.text


def test_detail_offers_no_publish_button_for_a_published_version(world: World) -> None:
    version = make_version(status="published")
    response = _client(world, "province").get(_detail(version))
    assert _action("publish", version) not in response.text


def test_detail_shows_the_engine_problems_of_a_stored_definition_that_no_longer_compiles(
    world: World,
) -> None:
    broken = make_definition()
    broken["levels"][0]["rules"][0]["node"] = "nowhere"
    version = make_version(definition=broken)
    response = _client(world, "province").get(_detail(version))
    assert response.status_code == 200
    assert "nowhere" in response.text


def test_yaml_download_reads_back_to_the_stored_model(world: World) -> None:
    version = make_version(status="published")
    response = _client(world, "expert").get(_action("export", version) + "?format=yaml")
    assert response.status_code == 200
    assert 'filename="TEST-A-1.yaml"' in response["Content-Disposition"]
    body = b"".join(response.streaming_content)
    assert yaml.safe_load(body) == version.definition


def test_xlsx_download_reads_back_to_the_stored_model(world: World) -> None:
    version = make_version(status="published")
    response = _client(world, "county").get(_action("export", version) + "?format=xlsx")
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    body = b"".join(response.streaming_content)
    assert canonical(xlsx_to_definition(body)) == version.definition


def test_an_unknown_download_format_is_not_found(world: World) -> None:
    version = make_version(status="published")
    response = _client(world, "city").get(_action("export", version) + "?format=pdf")
    assert response.status_code == 404


# --- diff ----------------------------------------------------------------------------------------


Versions = tuple[FrameworkVersion, FrameworkVersion]


@pytest.fixture
def two_versions(world: World) -> Versions:
    old = make_version(version="1", status="superseded")
    changed = make_definition(version="2", title={"zh": "测试模型（修订）", "en": "Test model"})
    return old, make_version(version="2", status="published", definition=changed)


def test_diff_compares_the_two_newest_versions_by_default(
    world: World, two_versions: Versions
) -> None:
    response = _client(world, "city").get(reverse("frameworks:diff", args=["TEST-A"]))
    assert response.status_code == 200
    assert response.context["changes"]
    assert "修订" in response.text


def test_diff_answers_htmx_with_the_changes_fragment_only(
    world: World, two_versions: Versions
) -> None:
    response = _client(world, "city").get(
        reverse("frameworks:diff", args=["TEST-A"]), {"a": "2", "b": "1"}, HTTP_HX_REQUEST="true"
    )
    assert "<html" not in response.text
    assert 'id="changes"' in response.text
    assert "修订" in response.text


def test_diff_refuses_the_same_version_twice_and_unknown_versions(
    world: World, two_versions: Versions
) -> None:
    url = reverse("frameworks:diff", args=["TEST-A"])
    same = _client(world, "city").get(url, {"a": "1", "b": "1"})
    unknown = _client(world, "city").get(url, {"a": "1", "b": "9"})
    assert same.context["changes"] is None
    assert "请选择两个不同的版本" in same.text
    assert unknown.context["changes"] is None


def test_diff_does_not_offer_drafts_to_other_roles(world: World, two_versions: Versions) -> None:
    make_version(version="3")
    url = reverse("frameworks:diff", args=["TEST-A"])
    city = _client(world, "city").get(url, {"a": "2", "b": "3"})
    assert city.context["changes"] is None
    province = _client(world, "province").get(url, {"a": "2", "b": "3"})
    assert province.context["changes"] is not None
    assert _client(world, "city").get(reverse("frameworks:diff", args=["NONE"])).status_code == 404


# --- import, publish, delete ---------------------------------------------------------------------


@pytest.mark.parametrize("role", OTHERS)
def test_only_the_province_may_import_publish_or_delete(world: World, role: str) -> None:
    version = make_version()
    client = _client(world, role)
    assert client.get(reverse("frameworks:import")).status_code == 403
    assert client.post(_action("publish", version)).status_code == 403
    assert client.post(_action("delete-draft", version)).status_code == 403
    version.refresh_from_db()
    assert version.status == "draft"
    assert AuditEvent.objects.filter(action="access.denied").count() == 3


def test_import_creates_a_draft_and_shows_it(world: World) -> None:
    client = _client(world, "province")
    response = client.post(reverse("frameworks:import"), {"file": _upload(make_definition())})
    version = FrameworkVersion.objects.get()
    assert response.status_code == 302
    assert response["Location"] == _detail(version)
    assert (version.status, version.source_name, version.imported_by) == (
        "draft",
        "model.yaml",
        world.users["province"],
    )
    assert "已导入为草稿" in client.get(response["Location"]).text


def test_import_shows_every_problem_and_saves_nothing(world: World) -> None:
    definition = make_definition()
    del definition["framework"]["score_scale"]
    definition["levels"][0]["code"] = "bad code"
    response = _client(world, "province").post(
        reverse("frameworks:import"), {"file": _upload(definition)}
    )
    assert response.status_code == 200
    assert len(response.context["problems"]) == 2
    assert "score_scale" in response.text
    assert not FrameworkVersion.objects.exists()


def test_import_explains_an_unreadable_file(world: World) -> None:
    upload = SimpleUploadedFile("model.yaml", b"framework: [unclosed", "application/yaml")
    response = _client(world, "province").post(reverse("frameworks:import"), {"file": upload})
    assert response.context["problems"]
    assert "YAML" in response.text
    assert not FrameworkVersion.objects.exists()


def test_import_refuses_to_change_a_published_version(world: World) -> None:
    make_version(status="published")
    changed = make_definition(title={"zh": "改"})
    response = _client(world, "province").post(
        reverse("frameworks:import"), {"file": _upload(changed)}
    )
    assert response.context["problems"] == [PUBLISHED_IS_IMMUTABLE]
    assert FrameworkVersion.objects.get().title_zh == "测试模型"


def test_import_reads_xlsx_workbooks(world: World) -> None:
    from frameworks.workbook import definition_to_xlsx

    upload = SimpleUploadedFile("model.xlsx", definition_to_xlsx(make_definition()))
    response = _client(world, "province").post(reverse("frameworks:import"), {"file": upload})
    assert response.status_code == 302
    assert FrameworkVersion.objects.get().source_name == "model.xlsx"


def test_publish_publishes_the_draft_and_supersedes_the_previous_version(world: World) -> None:
    old = make_version(version="1", status="published")
    draft = make_version(version="2")
    response = _client(world, "province").post(_action("publish", draft))
    assert response.status_code == 302
    old.refresh_from_db()
    draft.refresh_from_db()
    assert (old.status, draft.status, draft.published_by) == (
        "superseded",
        "published",
        world.users["province"],
    )


def test_publishing_a_published_version_is_refused_with_a_message(world: World) -> None:
    version = make_version(status="published")
    client = _client(world, "province")
    response = client.post(_action("publish", version), follow=True)
    assert "只有草稿可以发布" in response.text
    version.refresh_from_db()
    assert version.published_by is None


def test_publish_accepts_only_post(world: World) -> None:
    version = make_version()
    assert _client(world, "province").get(_action("publish", version)).status_code == 405


def test_delete_draft_removes_it(world: World) -> None:
    version = make_version()
    response = _client(world, "province").post(_action("delete-draft", version))
    assert response["Location"] == reverse("frameworks:list")
    assert not FrameworkVersion.objects.exists()


def test_deleting_a_published_version_is_refused(world: World) -> None:
    version = make_version(status="published")
    response = _client(world, "province").post(_action("delete-draft", version), follow=True)
    assert "只有草稿可以删除" in response.text
    assert FrameworkVersion.objects.filter(pk=version.pk).exists()


DEFAULT_MODELS = sorted((Path(__file__).resolve().parents[1] / "data").glob("*.yaml"))


@pytest.mark.parametrize("path", DEFAULT_MODELS, ids=[p.stem for p in DEFAULT_MODELS])
def test_every_default_model_has_a_complete_page(world: World, path: Path) -> None:
    call_command("import_framework", str(path), "--publish", stdout=io.StringIO())
    version = FrameworkVersion.objects.get()
    response = _client(world, "enterprise").get(_detail(version))
    assert response.status_code == 200
    assert response.context["problems"] == []
    model = response.context["model"]
    assert len(model.rows) == len(model.framework.nodes)
    assert [g.level.code for g in model.levels] == [lv.code for lv in model.framework.levels]


def test_the_pages_are_translated_into_english(world: World) -> None:
    version = make_version(status="published")
    client = _client(world, "city")
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    listing = client.get(reverse("frameworks:list")).text
    detail = client.get(_detail(version)).text
    assert "Maturity models" in listing
    assert "Published" in listing
    assert "Levels and level rules" in detail
    assert "Total ≥ 80" in detail
