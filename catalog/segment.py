"""Chinese word segmentation for the resource pool's full-text search (catalog/search.py).

Documents and queries go through the same steps: NFKC (full-width ＭＥＳ → MES), then runs of CJK
characters and runs of other letters/digits (punctuation and spaces separate them); other runs are
lowercased and kept whole ("MES", "5G" → "mes", "5g"); CJK runs are segmented by jieba with the
domain words of catalog/data/userdict.txt.

A document's tokens (`document_tokens`) are jieba's `cut_for_search` words, plus every CJK
character bigram of each word longer than two characters (so 制造 finds 智能制造 and 质检 finds
视觉质检系统), plus the last character of each word of two or more characters (so a one-character
query, searched as a prefix, finds the character wherever it stands in a word: 检* matches 检测
through its first character and 质检 through its last).

A query (`query_clauses`) is a list of clauses that must all match (AND). A clause is a list of
alternatives (OR), each a tuple of tokens that must all match; a token ending in "*" is a prefix.
A two-character CJK word must appear as a token; a longer one either as a token or as all of its
two-character sub-words (jieba's `cut_for_search` pieces, or its bigrams when jieba finds none),
so a document that jieba happened to segment differently is still found. One-character words are
prefixes; the commonest function words (的, 和, …) are dropped when the query has other words.
"""

from __future__ import annotations

import logging
import re
import tempfile
import threading
import unicodedata
from collections.abc import Iterator
from pathlib import Path
from typing import Any

USERDICT = Path(__file__).resolve().parent / "data" / "userdict.txt"
MAX_QUERY_CHARS = 200  # longer queries are cut (a 10,000-character query costs no more)
MAX_CLAUSES = 12
CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
RUN = re.compile(f"([{CJK}]+)|([^\\W_{CJK}]+)")
STOPWORDS = frozenset("的了和与及或在是等对为中之其")

Token = str  # a trailing "*" marks a prefix
Alternative = tuple[Token, ...]
Clause = tuple[Alternative, ...]

_lock = threading.Lock()
_tokenizer: Any = None


def _cache_dir() -> Path:
    """jieba's prefix-dictionary cache: under the project's var dir, never the working dir."""
    try:
        from django.conf import settings

        folder = Path(settings.VAR_DIR) / "cache"
        folder.mkdir(parents=True, exist_ok=True)
        return folder
    except Exception:  # no settings (a plain script): the system's temp dir
        return Path(tempfile.gettempdir())


def tokenizer() -> Any:
    """jieba's tokenizer with the domain dictionary, built once on first use (about 1 s)."""
    global _tokenizer
    if _tokenizer is None:
        with _lock:
            if _tokenizer is None:
                import jieba

                jieba.setLogLevel(logging.WARNING)
                found = jieba.Tokenizer()
                found.tmp_dir = str(_cache_dir())
                found.initialize()
                found.load_userdict(str(USERDICT))
                _tokenizer = found
    return _tokenizer


def normalise(text: str) -> str:
    return unicodedata.normalize("NFKC", text).replace("\x00", "")


def _runs(text: str) -> Iterator[tuple[str, str]]:
    """(cjk, other) pairs, exactly one of them non-empty."""
    for cjk, other in RUN.findall(normalise(text)):
        yield cjk, other.lower()


def bigrams(word: str) -> list[str]:
    return [word[i : i + 2] for i in range(len(word) - 1)]


def document_tokens(text: str) -> list[str]:
    """The index tokens of `text`, in order (repeats kept: they weigh in the ranking)."""
    found: list[str] = []
    for cjk, other in _runs(text):
        if other:
            found.append(other)
            continue
        for word in tokenizer().cut_for_search(cjk):
            found.append(word)
            if len(word) > 1:
                found.append(word[-1])
            if len(word) > 2:
                found.extend(bigrams(word))
    return found


def _word_clause(word: str) -> Clause:
    if len(word) == 1:
        return ((word + "*",),)
    if len(word) == 2:
        return ((word,),)
    pieces = tuple(dict.fromkeys(p for p in tokenizer().cut_for_search(word) if len(p) == 2))
    return ((word,), pieces or tuple(bigrams(word)))


def _cjk_clauses(run: str) -> list[Clause]:
    if len(run) <= 2:
        return [_word_clause(run)]
    words = list(tokenizer().cut(run))
    if any(len(w) > 1 for w in words):
        words = [w for w in words if len(w) > 1 or w not in STOPWORDS]
    return [_word_clause(w) for w in words]


def query_clauses(q: str, *, reserved: re.Pattern[str] | None = None) -> list[Clause]:
    """The AND-list of clauses for the query text `q` (see the module docstring). Tokens that
    match `reserved` (the index's facet tokens) are dropped: a query never matches them."""
    clauses: list[Clause] = []
    for cjk, other in _runs(q[:MAX_QUERY_CHARS]):
        if other:
            if reserved is None or not reserved.fullmatch(other):
                clauses.append(((other,),))
        else:
            clauses.extend(_cjk_clauses(cjk))
    return list(dict.fromkeys(clauses))[:MAX_CLAUSES]


def other_words(q: str) -> list[str]:
    """The query's words that are not CJK (lowercased), as `query_clauses` reads them."""
    return [other for _, other in _runs(q[:MAX_QUERY_CHARS]) if other]


def highlight_terms(clauses: list[Clause]) -> list[str]:
    """The words worth marking in a result's text, longest first."""
    words = {t.rstrip("*") for clause in clauses for alt in clause for t in alt}
    return sorted(words, key=len, reverse=True)
