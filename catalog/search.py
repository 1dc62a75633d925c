"""Chinese full-text search over the published resource pool.

`seg` of an Entry or Provider holds the space-separated tokens of its searchable text
(catalog/segment.py: jieba words, their bigrams, last characters), followed by facet tokens for
the two JSON-list filters, which SQL cannot index portably:

- industries (GB/T 4754 codes at any level): `zfind<code>` for each code, `zfinu<ancestor>` for
  each code above it (an entry tagged 3411 is "under" 34 and 341), `zfindall` when the list is
  empty (an entry for every industry). The filter 3411 matches zfind34 | zfind341 | zfind3411 |
  zfinu3411 | zfindall; the filter 34 matches zfind34 | zfinu34 | zfindall.
- regions (region codes, city 4 digits, county or zone 6): `zfreg<code>`, `zfrgu<ancestor>`,
  `zfregall` (empty = the whole province), matched the same way, so an entry for 南京 3201 is
  found with the filter 320102 and the filter 3201 finds entries for its counties.
A query word in the form of a facet token finds nothing (the index's own tokens are not text).
Everything
else (kind, flags, software category, provider, scenario, stage, model dimension through the
scenarios' nodes, and the status) is an SQL condition on catalog_entry and its scenario links.

Services call `entry_reindex` / `provider_reindex` after every save that changes text or status;
they write `seg` with a single UPDATE (updated_at untouched). The full-text index follows `seg`
and `status` by itself (migration 0002_search_index): on SQLite a contentless FTS5 table per model
holding the published rows only, kept by triggers; on PostgreSQL a partial GIN index on
to_tsvector('simple', seg) WHERE status = 'published' (no extension: the tokens are already
segmented, and the 'simple' configuration keeps CJK words whole), over a stored generated column
seg_tsv (the ORM does not know it; PostgreSQL computes it on every write of seg). Ranking:
bm25 (SQLite) or ts_rank (PostgreSQL), then featured, then newest; with no query text, or more
than RANK_LIMIT matches: featured, newest.
"""

from __future__ import annotations

import contextlib
import functools
import math
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, transaction

from catalog import segment
from catalog.models import Entry, Provider, Scenario, Stage, Status

FACET = re.compile(r"^zf(?:ind|inu|reg|rgu)[0-9a-z]*$")
INDUSTRY_CODE = re.compile(r"^[0-9]{2,4}$")
REGION_CODE = re.compile(r"^[0-9]{2,12}$")
INDUSTRY_LEVELS = (2, 3, 4)
REGION_LEVELS = (2, 4, 6, 9, 12)
SCENARIO_CODE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
DIMENSION = re.compile(r"^[A-Za-z0-9_-]{1,40}:[A-Za-z0-9_.-]{1,120}$")
FLAGS = ("first_version", "first_set", "featured")
FLAG_WORDS = {"first_version": "首版次", "first_set": "首台套"}  # indexed, so a query finds them
MAX_PER_PAGE = 100
MAX_PAGE = 500
FTS_TABLE = {"catalog_entry": "catalog_entry_fts", "catalog_provider": "catalog_provider_fts"}
PUBLIC_PROVIDER = (
    "(e.provider_id IS NULL OR e.provider_id IN "
    f"(SELECT p.id FROM catalog_provider p WHERE p.status = '{Status.PUBLISHED.value}'))"
)
# SQLite: the matches' rows are looked up in this index (0002_search_index), not in the wide table.
COVER_INDEX = "catalog_entry_search_cover"
# Above this many matches the query's words are too common for bm25 / ts_rank to tell entries
# apart (their idf is near zero) and ranking them all costs more than the goal of 100 ms: they are
# shown featured first, newest first, like browsing.
RANK_LIMIT = 5000


# --- Facet tokens ------------------------------------------------------------------------------


def _facets(
    codes: Iterable[str], family: str, levels: Sequence[int], valid: re.Pattern[str]
) -> list[str]:
    exact, under = f"zf{family[:3]}", f"zf{family[3:]}"
    tokens: list[str] = []
    for code in dict.fromkeys(c for c in codes if valid.fullmatch(str(c))):
        tokens.append(exact + code)
        tokens.extend(under + code[:n] for n in levels if n < len(code))
    return tokens or [exact + "all"]


def _facet_query(code: str, family: str, levels: Sequence[int]) -> tuple[segment.Alternative, ...]:
    exact, under = f"zf{family[:3]}", f"zf{family[3:]}"
    tokens = [exact + code[:n] for n in levels if n <= len(code)] + [under + code, exact + "all"]
    return tuple((t,) for t in dict.fromkeys(tokens))


def industry_facets(codes: Iterable[str]) -> list[str]:
    return _facets(codes, "indinu", INDUSTRY_LEVELS, INDUSTRY_CODE)


def region_facets(codes: Iterable[str]) -> list[str]:
    return _facets(codes, "regrgu", REGION_LEVELS, REGION_CODE)


# --- Reindexing --------------------------------------------------------------------------------


def _texts(value: Any) -> Iterable[str]:
    """Every string inside an attributes value (strings, numbers, lists, nested dicts)."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, int | float) and not isinstance(value, bool):
        yield str(value)
    elif isinstance(value, Mapping):
        for item in value.values():
            yield from _texts(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _texts(item)


def _tokens(parts: Iterable[str]) -> list[str]:
    """Each part segmented on its own (no word across two fields); the short ones (names,
    keywords, labels: the same for many entries) through a cache."""
    found: list[str] = []
    for part in parts:
        if part:
            found.extend(_short_tokens(part) if len(part) <= 40 else segment.document_tokens(part))
    return found


@functools.lru_cache(maxsize=8192)
def _short_tokens(text: str) -> tuple[str, ...]:
    return tuple(segment.document_tokens(text))


def entry_seg(entry: Entry, *, scenarios: Sequence[Scenario], provider_name: str = "") -> str:
    """The `seg` of `entry`: its searchable text's tokens (title twice, as a title match weighs
    more), then its industry and region facet tokens."""
    flags = [word for name, word in FLAG_WORDS.items() if getattr(entry, name)]
    parts = [
        entry.title, entry.title, entry.summary, entry.body, provider_name,
        str(entry.get_kind_display()),
        str(entry.get_software_category_display()) if entry.software_category else "",
        *flags, *(s.name_zh for s in scenarios),
        *(str(k) for s in scenarios for k in s.keywords or []), *_texts(entry.attributes or {}),
    ]  # fmt: skip
    facets = industry_facets(entry.industries or []) + region_facets(entry.regions or [])
    return " ".join(_tokens(parts) + facets)


def entry_reindex(entry: Entry) -> None:
    """Recompute `entry.seg` from the saved entry and write it (the index follows)."""
    scenarios = list(Scenario.objects.filter(entries=entry.pk))
    name = None
    if entry.provider_id is not None:
        name = Provider.objects.filter(pk=entry.provider_id).values_list("name", flat=True).first()
    entry.seg = entry_seg(entry, scenarios=scenarios, provider_name=name or "")
    Entry.objects.filter(pk=entry.pk).update(seg=entry.seg)


def entry_reindex_all(*, batch: int = 500) -> int:
    """Recompute `seg` of every entry (after a dictionary change, or for a bulk load)."""
    done, last = 0, 0
    names = dict(Provider.objects.values_list("pk", "name"))
    while True:
        rows = list(
            Entry.objects.filter(pk__gt=last).order_by("pk").prefetch_related("scenarios")[:batch]
        )
        if not rows:
            return done
        for entry in rows:
            entry.seg = entry_seg(
                entry, scenarios=list(entry.scenarios.all()),
                provider_name=names.get(entry.provider_id or 0, ""),
            )  # fmt: skip
        Entry.objects.bulk_update(rows, ["seg"])
        done, last = done + len(rows), rows[-1].pk


def provider_seg(provider: Provider, *, regions_served: Sequence[str]) -> str:
    parts = [provider.name, provider.name, provider.summary, provider.track_record]
    parts += list(_texts(provider.qualifications or []))
    facets = industry_facets(provider.industries or []) + region_facets(regions_served)
    return " ".join(_tokens(parts) + facets)


def provider_reindex_all() -> int:
    providers = list(Provider.objects.prefetch_related("regions_served"))
    for provider in providers:
        served = [r.code for r in provider.regions_served.all()]
        provider.seg = provider_seg(provider, regions_served=served)
    Provider.objects.bulk_update(providers, ["seg"], batch_size=500)
    return len(providers)


def provider_reindex(provider: Provider) -> None:
    """Recompute `provider.seg` (regions served: none = the whole province) and write it."""
    served = list(provider.regions_served.values_list("code", flat=True)) if provider.pk else []
    provider.seg = provider_seg(provider, regions_served=served)
    Provider.objects.filter(pk=provider.pk).update(seg=provider.seg)


# --- Filters -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class EntryFilters:
    """Validated search parameters; `entry_filters` makes one from request parameters."""

    q: str = ""
    kind: str | None = None
    industry: str | None = None
    region: str | None = None
    scenario: str | None = None
    stage: str | None = None
    dimension: str | None = None
    flags: tuple[str, ...] = ()
    software_category: str | None = None
    provider: int | None = None

    @property
    def is_empty(self) -> bool:
        return self == EntryFilters()


def _pick(value: Any, valid: Iterable[str] | re.Pattern[str]) -> str | None:
    value = value if isinstance(value, str) else ""
    if isinstance(valid, re.Pattern):
        return value if valid.fullmatch(value) else None
    return value if value in set(valid) else None


def _positive(value: Any, *, default: int | None, most: int) -> int | None:
    text = value if isinstance(value, str) else ""
    if not (text.isascii() and text.isdigit()) or len(text) > 9:
        return default
    return min(max(int(text), 1), most)


def entry_filters(params: Mapping[str, Any], flags: Sequence[str] = ()) -> EntryFilters:
    """Lenient: a value that is not valid (unknown kind, malformed code, ...) is ignored."""
    q = params.get("q") if isinstance(params.get("q"), str) else ""
    return EntryFilters(
        q=segment.normalise(q or "")[: segment.MAX_QUERY_CHARS].strip(),
        kind=_pick(params.get("kind"), Entry.Kind.values),
        industry=_pick(params.get("industry"), INDUSTRY_CODE),
        region=_pick(params.get("region"), REGION_CODE),
        scenario=_pick(params.get("scenario"), SCENARIO_CODE),
        stage=_pick(params.get("stage"), Stage.values),
        dimension=_pick(params.get("dimension"), DIMENSION),
        flags=tuple(f for f in FLAGS if f in set(flags)),
        software_category=_pick(params.get("software_category"), Entry.SoftwareCategory.values),
        provider=_positive(params.get("provider"), default=None, most=2**31 - 1),
    )


def page_number(value: Any) -> int:
    return _positive(value, default=1, most=MAX_PAGE) or 1


def _scenario_codes(filters: EntryFilters) -> set[str] | None:
    """The scenarios the scenario / stage / dimension filters allow; None = no such filter."""
    if not (filters.scenario or filters.stage or filters.dimension):
        return None
    scenarios = Scenario.objects.all()
    if filters.scenario:
        scenarios = scenarios.filter(code=filters.scenario)
    if filters.stage:
        scenarios = scenarios.filter(stage=filters.stage)
    codes = set()
    node = filters.dimension or ""
    for code, nodes in scenarios.values_list("code", "nodes"):
        if not node or any(n == node or str(n).startswith(node + ".") for n in nodes or []):
            codes.add(code)
    return codes


# --- SQL ---------------------------------------------------------------------------------------


@dataclass
class _Sql:
    table: str
    match: str = ""  # backend query string; empty: no full-text condition
    order: str = ""  # the order without query text (default: featured, newest)
    where: list[tuple[str, tuple[Any, ...]]] = field(default_factory=list)

    def add(self, condition: str, *params: Any) -> None:
        self.where.append((condition, params))


def _render(clauses: Sequence[segment.Clause]) -> str:
    sqlite = connection.vendor == "sqlite"
    and_, or_ = (" AND ", " OR ") if sqlite else (" & ", " | ")

    def token(t: str) -> str:
        word, prefix = t.rstrip("*"), t.endswith("*")
        if sqlite:
            return f'"{word}"' + ("*" if prefix else "")
        return f"'{word}'" + (":*" if prefix else "")

    def group(parts: list[str], joiner: str) -> str:
        return parts[0] if len(parts) == 1 else "(" + joiner.join(parts) + ")"

    return and_.join(
        group([group([token(t) for t in alt], and_) for alt in clause], or_) for clause in clauses
    )


def _from(sql: _Sql) -> str:
    if sql.match and connection.vendor == "sqlite":
        # CROSS JOIN: SQLite must read the full-text matches first and look the rows up by id;
        # the other order runs the MATCH once per published row.
        fts = FTS_TABLE[sql.table]
        cover = f" INDEXED BY {COVER_INDEX}" if sql.table == "catalog_entry" else ""
        return f"{fts} CROSS JOIN {sql.table} e{cover} ON e.id = {fts}.rowid"
    return f"{sql.table} e"


def _conditions(sql: _Sql, *, skip_kind: bool = False) -> tuple[str, list[Any]]:
    # A literal, not a parameter: the planners use the partial index only when they can see it.
    where: list[str] = [f"e.status = '{Status.PUBLISHED.value}'"]
    if sql.table == "catalog_entry":  # as catalog.selectors.entry_visible_q: a provider taken
        where.append(PUBLIC_PROVIDER)  # down or back in draft takes its entries out of view
    params: list[Any] = []
    if sql.match and connection.vendor == "sqlite":
        where.insert(0, f"{FTS_TABLE[sql.table]} MATCH %s")
        params.insert(0, sql.match)
    elif sql.match:
        # The column and the status condition of the partial GIN index (0002_search_index).
        where.append("e.seg_tsv @@ to_tsquery('simple', %s)")
        params.append(sql.match)
    for condition, values in sql.where:
        if not (skip_kind and condition.startswith("e.kind")):
            where.append(condition)
            params.extend(values)
    return " AND ".join(where), params


def _order(sql: _Sql, *, ranked: bool) -> tuple[str, list[Any]]:
    newest = sql.order or "e.featured DESC, e.published_at DESC NULLS LAST, e.id DESC"
    if not (ranked and sql.match):
        return newest, []
    if connection.vendor == "sqlite":
        return f"bm25({FTS_TABLE[sql.table]}), {newest}", []
    rank = "ts_rank(e.seg_tsv, to_tsquery('simple', %s)) DESC"
    return f"{rank}, {newest}", [sql.match]


@contextlib.contextmanager
def _index_first(sql: _Sql) -> Iterator[None]:
    """PostgreSQL prices `seg_tsv @@` on a heap row as cheap and scans the table for a common
    word, but each row's seg_tsv is TOASTed and reading it is the cost (制造 on 50,000 entries:
    600 ms scanning, 130 ms through the GIN index's bitmap): no table scan for a text query, for
    this transaction (one statement more; no savepoint when it runs in one already)."""
    if not (sql.match and connection.vendor == "postgresql"):
        yield
        return
    with transaction.atomic(savepoint=False), connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        yield


def _page_ids(sql: _Sql, *, ranked: bool, limit: int, offset: int) -> list[int]:
    where, params = _conditions(sql)
    order, order_params = _order(sql, ranked=ranked)
    query = f"SELECT e.id FROM {_from(sql)} WHERE {where} ORDER BY {order} LIMIT %s OFFSET %s"
    with connection.cursor() as cursor:
        cursor.execute(query, [*params, *order_params, limit, offset])
        return [row[0] for row in cursor.fetchall()]


def _count_by(sql: _Sql, column: str, *, skip_kind: bool = False) -> dict[str, int]:
    where, params = _conditions(sql, skip_kind=skip_kind)
    query = f"SELECT {column}, COUNT(*) FROM {_from(sql)} WHERE {where} GROUP BY {column}"
    with connection.cursor() as cursor:
        cursor.execute(query, params)
        return {str(key): count for key, count in cursor.fetchall()}


# --- Results -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class SearchResult:
    rows: list[Any]
    total: int
    page: int
    per_page: int
    kind_counts: dict[str, int] = field(default_factory=dict)
    terms: list[str] = field(default_factory=list)

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))

    @property
    def has_previous(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def previous_page(self) -> int:
        return max(1, self.page - 1)

    @property
    def next_page(self) -> int:
        return min(self.pages, self.page + 1)


def _entry_sql(filters: EntryFilters) -> tuple[_Sql | None, list[str]]:
    """The SQL of `filters`; None when nothing can match (an unknown scenario or dimension, a
    query word in the form of a facet token)."""
    clauses = segment.query_clauses(filters.q, reserved=FACET)
    terms = segment.highlight_terms(clauses)
    if any(FACET.fullmatch(word) for word in segment.other_words(filters.q)):
        return None, terms  # a word no text holds: the index's own tokens are not searchable
    if filters.industry:
        clauses.append(_facet_query(filters.industry, "indinu", INDUSTRY_LEVELS))
    if filters.region:
        clauses.append(_facet_query(filters.region, "regrgu", REGION_LEVELS))
    sql = _Sql("catalog_entry", match=_render(clauses) if clauses else "")
    for name in ("software_category", "provider"):
        if getattr(filters, name):
            sql.add(f"e.{name}{'_id' if name == 'provider' else ''} = %s", getattr(filters, name))
    for flag in filters.flags:
        sql.add(f"e.{flag} = %s", True)
    codes = _scenario_codes(filters)
    if codes is not None:
        if not codes:
            return None, terms
        marks = ", ".join(["%s"] * len(codes))
        sql.add(
            "e.id IN (SELECT entry_id FROM catalog_entry_scenarios WHERE scenario_id IN "
            f"({marks}))",
            *sorted(codes),
        )  # type: ignore[arg-type]
    if filters.kind:
        sql.add("e.kind = %s", filters.kind)
    return sql, terms


def entry_search(
    *, user: Any, q: str = "", kind: str | None = None, industry: str | None = None,
    region: str | None = None, scenario: str | None = None, stage: str | None = None,
    dimension: str | None = None, flags: Sequence[str] = (), software_category: str | None = None,
    provider: int | None = None, page: int = 1, per_page: int = 20,
) -> SearchResult:  # fmt: skip
    """Published entries matching the query text and every filter, ranked, one page of them,
    with the number of matches per kind (the kind filter left out) for the filter sidebar.

    Everyone searches the public pool, so `user` changes nothing: a provider's drafts are on its
    own pages. Arguments are expected valid (`entry_filters` makes them so)."""
    filters = EntryFilters(
        q=q, kind=kind, industry=industry, region=region, scenario=scenario, stage=stage,
        dimension=dimension, flags=tuple(flags), software_category=software_category,
        provider=provider,
    )  # fmt: skip
    return entry_search_filters(filters=filters, page=page, per_page=per_page)


def entry_search_filters(
    *, filters: EntryFilters, page: int = 1, per_page: int = 20
) -> SearchResult:
    per_page = min(max(per_page, 1), MAX_PER_PAGE)
    page = min(max(page, 1), MAX_PAGE)
    sql, terms = _entry_sql(filters)
    if sql is None:
        return SearchResult([], 0, 1, per_page, {}, terms)
    with _index_first(sql):
        counts = _count_by(sql, "e.kind", skip_kind=True)
        total = counts.get(filters.kind, 0) if filters.kind else sum(counts.values())
        page = min(page, max(1, math.ceil(total / per_page)))
        ranked = total <= RANK_LIMIT
        offset = (page - 1) * per_page
        ids = _page_ids(sql, ranked=ranked, limit=per_page, offset=offset) if total else []
    found = Entry.objects.select_related("provider").in_bulk(ids)
    return SearchResult([found[i] for i in ids if i in found], total, page, per_page, counts, terms)


def provider_search(
    *, q: str = "", region: str | None = None, industry: str | None = None, page: int = 1,
    per_page: int = 20,
) -> SearchResult:  # fmt: skip
    """Published providers matching the keywords, serving the region (none listed = the whole
    province) and the industry (none listed = every industry)."""
    clauses = segment.query_clauses(q, reserved=FACET)
    terms = segment.highlight_terms(clauses)
    if industry and INDUSTRY_CODE.fullmatch(industry):
        clauses.append(_facet_query(industry, "indinu", INDUSTRY_LEVELS))
    if region and REGION_CODE.fullmatch(region):
        clauses.append(_facet_query(region, "regrgu", REGION_LEVELS))
    sql = _Sql("catalog_provider", match=_render(clauses) if clauses else "")
    sql.order = "e.featured DESC, e.name, e.id"
    per_page = min(max(per_page, 1), MAX_PER_PAGE)
    total = sum(_count_by(sql, "e.status").values())
    page = min(max(page, 1), max(1, math.ceil(total / per_page)))
    ranked = bool(q) and total <= RANK_LIMIT
    ids = _page_ids(sql, ranked=ranked, limit=per_page, offset=(page - 1) * per_page)
    found = Provider.objects.select_related("region").in_bulk(ids)
    return SearchResult([found[i] for i in ids if i in found], total, page, per_page, {}, terms)
