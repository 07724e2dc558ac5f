"""Searching the knowledge index: safe FTS5 queries, bm25 with a heading re-rank, cached results, quotes, citations,
and the offline answer (which says so when no passage answers the question).

`KnowledgeIndex` is the index (`bot.knowledge.index`) with search on top; importing this module does not import
LangChain (the retriever is `bot.knowledge.retriever`).
"""

from __future__ import annotations

import functools
import itertools
import re
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.advisor import regulation
from bot.advisor.engine import Citation, Recommendation
from bot.advisor.intake import Intake
from bot.errors import InputError
from bot.knowledge import evidence
from bot.knowledge.evidence import MAX_CITATIONS, CaseFile
from bot.knowledge.index import FtsIndex
from bot.knowledge.intent import question_kinds
from bot.knowledge.query_expansion import expand, neighbours
from bot.knowledge.ranking import Candidate, HeadingWords, Term, coverage, idf, rerank, stem
from bot.knowledge.wording import is_filler, rewrite
from bot.redact import scrub_secrets

if TYPE_CHECKING:
    from bot.knowledge.spelling import Speller

MAX_QUERY_TERMS = 40  # a 10 KB query must not become a 2,000-term OR
MAX_TERM_LEN = 64
RERANK_POOL = 30  # candidates from bm25 that the heading re-rank may re-order
EXPAND_MAX_SHARE = 0.05  # only words in at most this share of passages get thesaurus neighbours (see `_term`)
# The offline answer quotes a passage only when it holds at least this idf-weighted share of the question's words:
# "how much does a parking spot cost?" shares "cost" with the cost passages and nothing else.
MIN_COVERAGE = 0.35
# Between this and MIN_COVERAGE the closest passage is quoted under a hedge rather than declined: real questions
# worded with the asker's own context ("we're a retailer, our team ...") cover little of any passage, as do
# off-topic ones; below it (e.g. "where do I submit my travel receipts?") nothing is quoted.
MIN_HEDGED_COVERAGE = 0.15
ANSWER_CHARS = 500  # about this much of each quoted passage in the offline answer
TERM_CACHE = 2048  # query words remembered per index (their passages and headings)
SEARCH_CACHE = 512  # searches remembered per index (a card asks ~6, mostly the same ones for every card)
CITATION_CACHE = 256  # citation sets remembered per index (one per distinct approach, leaning steps, gates, gap)
# bm25 column weights for (title, section, tags, text): headings say what a passage is about.
DEFAULT_WEIGHTS: tuple[float, float, float, float] = (2.0, 4.0, 1.0, 1.0)

STOPWORDS = frozenset(
    """
    a about above after again against all also am an and any are aren't as at be because been before
    being below between both but by can cannot could did do does doing don't down during each either
    else etc ever every few for from further get gets getting got had has have having he her here
    hers herself him himself his how however i i'm if in into is isn't it it's its itself just kind
    kinds let like ll me might mine more most much must my myself need needs nor not now of off
    often on once one only or other ought our ours ourselves out over own per please rather re
    really s same say says shall she should so some such t than that that's the their theirs them
    themselves then there these they this those through thus to too toward under until up upon us
    use used using ve very via vs want wants was wasn't way we were what what's when where whether
    which while who whom whose why will with within without would yes yet you your yours yourself
    yourselves
    """.split()  # noqa: SIM905
)
_TOKEN = re.compile(r"[^\W_]+(?:'[^\W_]+)?")
_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[\"'(\[A-Z0-9*])")


@dataclass(frozen=True)
class Passage:
    """A search result: a section of a knowledge file with its bm25 score (higher is better)."""

    source: str
    section: str
    title: str
    text: str
    score: float
    coverage: float = 1.0  # idf-weighted share of the query's words the passage holds (see `ranking.coverage`)

    def to_dict(self) -> dict[str, Any]:
        """The JSON form used by `search --json` and `--jsonl`."""
        return {"source": self.source, "section": self.section, "text": self.text, "score": self.score}


def _content_tokens(query: str) -> Iterator[str]:
    for match in _TOKEN.finditer(query[:20_000]):
        token = match.group().lower()
        if token in STOPWORDS or len(token) > MAX_TERM_LEN:
            continue
        if len(token) == 1 and not token.isdigit() and token.isascii():
            continue
        token = token.replace("'", "")
        if not is_filler(token):
            yield from rewrite(token)


def query_terms(query: str) -> list[str]:
    """The distinct, lower-cased content words of a query (stopwords dropped, capped in number)."""
    seen: dict[str, None] = {}
    for token in _content_tokens(query):
        seen.setdefault(token, None)
        if len(seen) >= MAX_QUERY_TERMS:
            break
    return list(seen)


def fts_query(
    query: str, *, phrases: bool = True, expansion: bool = True, expandable: Callable[[str], bool] | None = None
) -> str | None:
    """A safe FTS5 MATCH expression: every term quoted, ORed; None when nothing searchable is left.

    With `phrases`, adjacent content words are also ORed in as two-word phrases, so passages that keep
    the query's word order ("fine tuning", "better fit") outrank ones that merely share its words. With
    `expansion`, everyday words also search for the knowledge base's own ("retrained" -> "re-tune", "drift");
    `expandable` says which words may be expanded (default: all).
    """
    terms = query_terms(query)
    if not terms:
        return None
    if expansion:
        kept = [t for t in terms if expandable is None or expandable(t)]
        terms = terms + [w for w in expand(kept) if w not in terms]
    parts = [f'"{t}"' for t in terms]
    if phrases:
        tokens = itertools.islice(_content_tokens(query), MAX_QUERY_TERMS * 2)
        pairs = dict.fromkeys(f'"{a} {b}"' for a, b in itertools.pairwise(tokens) if a != b)
        parts += list(pairs)[:MAX_QUERY_TERMS]
    return " OR ".join(parts)


class KnowledgeIndex(FtsIndex):
    """The knowledge index with search: bm25 over FTS5, re-ranked by headings, cached per index generation."""

    def __init__(
        self,
        path: Path | str,
        roots: Sequence[Path | str],
        *,
        stemming: bool = True,
        phrases: bool = True,
        expansion: bool = True,
        rerank: bool = True,
        weights: Sequence[float] = DEFAULT_WEIGHTS,
        refresh_interval: float | None = 2.0,
        focus: bool = True,
        min_coverage: float = MIN_COVERAGE,
    ) -> None:
        """Open (or create) the index at `path` over the markdown files under `roots`.

        `refresh_interval`: searches re-check the files at most this often (None: only explicit refreshes).
        `focus`: weigh query words by idf in the heading re-rank, favour headings asking the question's kind, and
        expand only words the knowledge base rarely uses. `min_coverage`: see `MIN_COVERAGE` (0: always quote).
        """
        self.phrases = phrases
        self.expansion = expansion
        self.rerank = rerank
        self.focus = focus
        self.min_coverage = min_coverage
        self.weights = tuple(float(w) for w in weights)
        if len(self.weights) != 4:
            raise ValueError("weights are (title, section, tags, text)")
        # Per-instance LRU caches (functools does the locking); their keys end with `generation()`.
        self._ranked = functools.lru_cache(maxsize=SEARCH_CACHE)(self._search)
        self._term_cache: dict[tuple[str, tuple[int, int]], Term] = {}
        self._scrubbed = functools.lru_cache(maxsize=SEARCH_CACHE)(self._scrub)
        self._sizes = functools.lru_cache(maxsize=2)(self._passage_count)
        self._headings = functools.lru_cache(maxsize=2)(self._heading_words)
        self._spellers = functools.lru_cache(maxsize=2)(self._speller)
        self._case_files = functools.lru_cache(maxsize=2)(self._read_case_files)
        self._citations = functools.lru_cache(maxsize=CITATION_CACHE)(self._find_citations)
        super().__init__(path, roots, stemming=stemming, refresh_interval=refresh_interval)

    def search(self, query: str, k: int = 5) -> list[Passage]:
        """The `k` best passages for free text (any text: it is sanitised, never parsed as FTS syntax)."""
        if k <= 0 or not query_terms(query or ""):
            return []
        self.refresh_if_due()
        return list(self._ranked(query or "", min(int(k), 100), self.generation()))

    def clear_caches(self) -> None:
        """Forget remembered searches and query words (benchmarks: the work of queries never seen before)."""
        self._ranked.cache_clear()
        self._term_cache.clear()

    def _passage_count(self, generation: tuple[int, int]) -> int:
        return int(self.read("SELECT count(*) FROM chunks", [])[0][0])

    def _speller(self, generation: tuple[int, int]) -> Speller:
        """A speller over every word of the knowledge files (once per index generation)."""
        from bot.knowledge.spelling import Speller  # rapidfuzz takes ~30 ms to import: only when a word is unknown

        counts: Counter[str] = Counter()
        for row in self.read("SELECT section, title, text FROM chunks", []):
            for part in row:
                counts.update(m.group().lower().replace("'", "") for m in _TOKEN.finditer(part))
        return Speller(counts)

    def _heading_words(self, generation: tuple[int, int]) -> dict[int, HeadingWords]:
        """Every passage's section heading as stemmed words with their idf (once per index generation)."""
        size = self._sizes(generation)
        weight: dict[str, float] = {}
        out: dict[int, HeadingWords] = {}
        for rowid, section in self.read("SELECT id, section FROM chunks", []):
            words = query_terms(section)
            for word in words:
                if word not in weight:
                    weight[word] = idf(len(self._rows([f'"{word}"'])[0]), size)
            out[rowid] = tuple(dict.fromkeys((stem(w), weight[w]) for w in words))
        return out

    def _rows(self, matches: Sequence[str]) -> list[frozenset[int]]:
        """The passages matching each FTS5 expression, in one statement."""
        if not matches:
            return []
        one = "SELECT {}, rowid FROM chunks_fts WHERE chunks_fts MATCH ?"
        found: list[set[int]] = [set() for _ in matches]
        for i, rowid in self.read(" UNION ALL ".join(one.format(i) for i in range(len(matches))), matches):
            found[i].add(rowid)
        return [frozenset(f) for f in found]

    def _terms(self, words: Sequence[str], generation: tuple[int, int]) -> list[Term]:
        """The query words' passages and headings (with their thesaurus neighbours' when a word itself is rare);
        the words not remembered yet are looked up together, in two statements."""
        cache = self._term_cache
        remembered = ((w, cache.get((w, generation))) for w in words)  # get: another thread may clear the cache
        known = {w: t for w, t in remembered if t is not None}
        missing = [w for w in dict.fromkeys(words) if w not in known]
        if missing:
            size = self._sizes(generation)
            own = dict(zip(missing, self._rows([f'"{w}"' for w in missing]), strict=True))
            # A word the knowledge base uses often is its own word already: its neighbours would only add noise
            # ("tuning", in most passages, must not pull in "drift"). Unfocused: every word, as before.
            alike = {
                w: neighbours(w)
                if self.expansion and (not self.focus or len(own[w]) <= EXPAND_MAX_SHARE * size)
                else []
                for w in missing
            }
            either = {w: " OR ".join(f'"{x}"' for x in [w, *alike[w]]) for w in missing}
            wider = [w for w in missing if alike[w]]
            found = self._rows([either[w] for w in wider] + [f"{{title section}} : ({either[w]})" for w in missing])
            rows = own | dict(zip(wider, found, strict=False))
            for w, heads in zip(missing, found[len(wider) :], strict=True):
                known[w] = Term(w, rows[w], heads, expanded=bool(alike[w]))
            if len(cache) > TERM_CACHE:  # a crude bound: start afresh (a search re-reads its few words)
                cache.clear()
            cache.update(((w, generation), known[w]) for w in missing)
        return [known[w] for w in words]

    def _scrub(self, rowid: int, generation: tuple[int, int]) -> tuple[str, str, str]:
        section, title, text = self.read("SELECT section, title, text FROM chunks WHERE id = ?", [rowid])[0]
        # Whatever a knowledge file holds, nothing shaped like a secret is ever shown (or posted in Slack and Teams).
        return scrub_secrets(section), scrub_secrets(title), scrub_secrets(text)

    def _search(self, query: str, k: int, generation: tuple[int, int]) -> tuple[Passage, ...]:
        """The ranked passages for a query (cached per instance by `_ranked`; `generation` is the key's freshness
        part)."""
        words = query_terms(query)
        terms = self._terms(words, generation)
        # A word the index does not hold at all may be a typo of one it does ("fine-tunning", "exmaples").
        fixes = {t.word: fix for t in terms if not t.rows and (fix := self._spellers(generation).correct(t.word))}
        text = " ".join(fixes.get(w, w) for w in words) if fixes else query
        if fixes:
            words = query_terms(text)
            terms = self._terms(words, generation)
        expanded = {t.word for t in terms if t.expanded}
        match = fts_query(text, phrases=self.phrases, expansion=self.expansion, expandable=expanded.__contains__)
        if match is None:
            return ()
        w = self.weights
        sql = (
            "SELECT c.id, c.source, c.section, c.title, "
            f"bm25(chunks_fts, {w[0]}, {w[1]}, {w[2]}, {w[3]}) AS rank "
            "FROM chunks_fts JOIN chunks c ON c.id = chunks_fts.rowid "
            "WHERE chunks_fts MATCH ? ORDER BY rank, c.source, c.position LIMIT ?"
        )
        rows = self.read(sql, [match, max(k, RERANK_POOL) if self.rerank else k])
        found = [Candidate(r[0], r[1], r[2], r[3], round(-r[4], 4)) for r in rows]
        size = self._sizes(generation)
        if self.rerank:
            kinds = question_kinds(query, len(words)) if self.focus else frozenset()
            headings = self._headings(generation) if self.focus else None
            found = rerank(found, terms, kinds, size, weighted=self.focus, headings=headings)
        passages = []
        for c in found[:k]:
            section, title, text = self._scrubbed(c.rowid, generation)
            passages.append(Passage(c.source, section, title, text, c.score, round(coverage(c.rowid, terms, size), 4)))
        return tuple(passages)

    def case_files(self) -> dict[str, CaseFile]:
        """Case studies (files with `case:` in their front matter), by case key."""
        self.refresh_if_due()
        return dict(self._case_files(self.generation()))

    def _read_case_files(self, generation: tuple[int, int]) -> dict[str, CaseFile]:
        return evidence.case_files(self.files())

    def citations(
        self, queries: Sequence[str], skip: frozenset[str], regimes_out: frozenset[str] = frozenset()
    ) -> list[Citation]:
        """Up to MAX_CITATIONS citations for `queries`, the best new passage of each (passages from `skip`
        sources, and sections about the regulatory regimes in `regimes_out`, left out); cached, since cards that
        lean the same way ask the same queries."""
        self.refresh_if_due()
        # Copies: a recommendation may be changed later, the cached set must not be.
        return [c.model_copy() for c in self._citations(tuple(queries), skip, regimes_out, self.generation())]

    def _find_citations(
        self,
        queries: tuple[str, ...],
        skip: frozenset[str],
        regimes_out: frozenset[str],
        generation: tuple[int, int],
    ) -> tuple[Citation, ...]:
        citations: dict[tuple[str, str], Citation] = {}
        other_rules = [regulation.REGIMES[k].section for k in sorted(regimes_out)]
        for query in queries:
            for p in self.search(query, 3):
                if p.source in skip:
                    continue  # a story that does not fit is not evidence
                if any(rule.search(p.section) for rule in other_rules):
                    continue  # an insurance card does not cite medical-device guidance
                if (p.source, p.section) not in citations:
                    quote = best_quote(p.text, query, 200)
                    if any(rule.search(quote) for rule in other_rules):
                        continue  # a general passage whose best sentence is about another sector's rules
                    citations[(p.source, p.section)] = Citation(source=p.source, section=p.section, quote=quote)
                    break
            if len(citations) >= MAX_CITATIONS:
                break
        return tuple(citations.values())

    def enrich(self, rec: Recommendation, intake: Intake) -> Recommendation:
        """`rec` with citations and matching case studies (the Advisor's `enrich` hook)."""
        return evidence.enrich(rec, intake, self)


def sentences(text: str) -> list[str]:
    """Plain sentences of a passage (markdown bullets and tables flattened)."""
    out: list[str] = []
    for block in re.split(r"\n\s*\n", text):
        lines = [ln.strip() for ln in block.split("\n") if ln.strip() and not set(ln.strip()) <= set("|-: ")]
        for line in lines:
            line = re.sub(r"^(?:[-*+]|\d+\.)\s+", "", line).replace("**", "")
            out += [s.strip() for s in _SENTENCE.split(line) if s.strip()]
    return out


def _stem(word: str) -> str:
    return word[:5] if len(word) > 5 else word


def best_quote(text: str, query: str, max_chars: int = 300) -> str:
    """Whole sentences from `text` that best match `query`, within about `max_chars`."""
    sents = sentences(text)
    if not sents:
        return ""
    terms = {_stem(t) for t in query_terms(query)}

    def hits(s: str) -> int:
        return len(terms & {_stem(t) for t in query_terms(s)})

    ranked = sorted(range(len(sents)), key=lambda i: (-hits(sents[i]), i))
    chosen = [ranked[0]]
    for i in ranked[1:]:
        if sum(len(sents[j]) for j in chosen) + len(sents[i]) > max_chars or hits(sents[i]) == 0:
            break
        chosen.append(i)
    quote = " ".join(sents[i] for i in sorted(chosen))
    if len(quote) > max_chars * 2:
        quote = quote[: max_chars * 2].rsplit(" ", 1)[0] + "…"
    return quote


def answer_quote(text: str, question: str, max_chars: int = 500) -> str:
    """A passage's answer to `question`: its lead sentence (a section's first sentence usually sums it up), the
    sentence that best matches the question and those right after it (the list a "when:" sentence opens, the
    figures that follow a claim), then the sentences after the lead, within about `max_chars`."""
    sents = sentences(text)
    if not sents:
        return ""
    terms = {_stem(t) for t in query_terms(question)}
    hits = [len(terms & {_stem(t) for t in query_terms(s)}) for s in sents]
    anchor = min(range(len(sents)), key=lambda i: (-hits[i], i))
    chosen = {0, anchor}
    size = sum(len(sents[i]) for i in chosen)
    # After the anchor first; room left goes to the sentences after the lead (the section's own order).
    for start in (anchor + 1, 1):
        for i in range(start, len(sents)):
            if i in chosen:
                continue
            if size + len(sents[i]) > max_chars:
                break
            chosen.add(i)
            size += len(sents[i])
    # A sentence opening a list ("Two kinds of trigger work well together:") without its list says nothing.
    kept = [i for i in sorted(chosen) if i == anchor or not sents[i].endswith(":") or i + 1 in chosen]
    quote = " ".join(sents[i] for i in kept)
    if len(quote) > max_chars * 2:
        quote = quote[: max_chars * 2].rsplit(" ", 1)[0] + "…"
    return quote


NOTHING_FOUND = (
    "I found nothing about that in the knowledge base. Try other words, or ask about "
    "fine-tuning, prompt engineering, costs, data, regulation or the case studies."
)
HEDGE = "I'm not sure the knowledge base covers that. The closest I found:"


def answer(question: str, index: KnowledgeIndex, *, k: int = 3) -> tuple[str, list[Citation]]:
    """Answer from the knowledge base offline: the best one or two passages, quoted with their sources; the closest
    one under a hedge when it holds only part of the question, and none when it holds too little (see
    `MIN_COVERAGE` and `MIN_HEDGED_COVERAGE`)."""
    if not query_terms(question or ""):
        raise InputError('Ask a question with a few words in it, e.g. "how much data does fine-tuning need?"')
    passages = index.search(question, k)
    if not passages or passages[0].coverage < min(index.min_coverage, MIN_HEDGED_COVERAGE):
        return NOTHING_FOUND, []  # quoting a passage that shares a word or two with the question misleads
    if passages[0].coverage < index.min_coverage:
        quote = answer_quote(passages[0].text, question, ANSWER_CHARS)
        text = f"{HEDGE}\n\n{quote}\n  — {passages[0].source} § {passages[0].section}"
        return text, [Citation(source=passages[0].source, section=passages[0].section, quote=quote)]
    chosen = [passages[0]] + [
        p
        for p in passages[1:2]
        if p.score >= 0.6 * passages[0].score and p.source != passages[0].source and p.coverage >= index.min_coverage
    ]
    parts, citations = [], []
    for p in chosen:
        quote = answer_quote(p.text, question, ANSWER_CHARS)
        parts.append(f"{quote}\n  — {p.source} § {p.section}")
        citations.append(Citation(source=p.source, section=p.section, quote=quote))
    return "\n\n".join(parts), citations
