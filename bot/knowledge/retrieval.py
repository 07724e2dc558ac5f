"""Knowledge retrieval: markdown chunked by section, indexed in SQLite FTS5 (bm25).

The index lives in its own database (`<ADVISOR_DATA_DIR>/knowledge.db`) and follows the files on disk:
`ensure_fresh()` re-indexes only files whose content changed, and drops files that disappeared. The LangChain
retriever over it is in `bot.knowledge.retriever`, so importing this module does not import LangChain.
"""

from __future__ import annotations

import functools
import hashlib
import itertools
import logging
import re
import sqlite3
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlite_utils
import yaml

from bot.advisor import regulation
from bot.advisor.engine import CaseStudy as CaseStudyRef
from bot.advisor.engine import Citation, Recommendation
from bot.advisor.intake import Intake
from bot.errors import InputError
from bot.knowledge.query_expansion import expand
from bot.redact import scrub_secrets
from bot.resources import load_yaml
from bot.storage.sqlite import locked_transaction, open_database

log = logging.getLogger(__name__)

SCHEMA_VERSION = 1
MAX_QUERY_TERMS = 40  # a 10 KB query must not become a 2,000-term OR
MAX_TERM_LEN = 64
MAX_CHUNK_CHARS = 4000  # longer sections are split at paragraph breaks
MIN_OVERVIEW_CHARS = 80
RERANK_POOL = 30  # candidates from bm25 that the heading re-rank may re-order
HEADING_BONUS = 0.5  # a passage whose heading holds every query word gains half the top bm25 score
SEARCH_CACHE = 512  # searches remembered per index (a card asks ~6, mostly the same ones for every card)
CITATION_CACHE = 256  # citation sets remembered per index (one per distinct approach, leaning steps, gates, gap)
Stat = tuple[int, int]  # (mtime_ns, size)
# bm25 column weights for (title, section, tags, text): headings say what a passage is about.
DEFAULT_WEIGHTS: tuple[float, float, float, float] = (2.0, 4.0, 1.0, 1.0)
SUFFIXES = (".md", ".markdown")

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


# --- chunking ---


@dataclass(frozen=True)
class Chunk:
    """One section of a knowledge file."""

    source: str
    section: str
    title: str
    text: str
    position: int
    tags: str = ""


@dataclass(frozen=True)
class ParsedFile:
    """A parsed knowledge file: front matter and its chunks."""

    source: str
    title: str
    meta: dict[str, Any]
    chunks: list[Chunk]


class ChunkError(ValueError):
    """A knowledge file cannot be parsed."""


def split_front_matter(text: str) -> tuple[dict[str, Any], str]:
    """Split YAML front matter (between `---` lines at the top) from the markdown body."""
    if not text.startswith("---"):
        return {}, text
    lines = text.split("\n")
    if lines[0].strip() != "---":
        return {}, text
    for i, line in enumerate(lines[1:], 1):
        if line.strip() in ("---", "..."):
            try:
                meta = load_yaml("\n".join(lines[1:i]))
            except yaml.YAMLError as exc:
                mark = getattr(exc, "problem_mark", None)
                where = f" (line {mark.line + 2})" if mark is not None else ""
                problem = getattr(exc, "problem", None) or exc
                raise ChunkError(f"invalid front matter{where}: {problem}") from None
            if meta is None:
                meta = {}
            if not isinstance(meta, dict):
                raise ChunkError("front matter is not a mapping of keys to values")
            return meta, "\n".join(lines[i + 1 :])
    raise ChunkError("front matter is not closed (no second '---' line)")


def _clean(text: str) -> str:
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def _split_long(text: str, limit: int = MAX_CHUNK_CHARS) -> list[str]:
    if len(text) <= limit:
        return [text]
    parts: list[str] = []
    current = ""
    for para in text.split("\n\n"):
        if current and len(current) + len(para) + 2 > limit:
            parts.append(current)
            current = ""
        current = f"{current}\n\n{para}" if current else para
        while len(current) > limit:  # one giant paragraph: cut hard
            parts.append(current[:limit])
            current = current[limit:]
    if current.strip():
        parts.append(current)
    return parts


def _as_text(value: Any) -> str:
    if isinstance(value, list | tuple):
        return " ".join(str(v) for v in value)
    return "" if value is None else str(value)


def chunk_markdown(text: str, source: str) -> ParsedFile:
    """Parse markdown into one chunk per `##` section, plus an "Overview" for any text before the first."""
    if "\x00" in text:
        raise ChunkError("not a text file")
    text = text.replace("\r\n", "\n").replace("\r", "\n").lstrip("\ufeff")
    meta, body = split_front_matter(text)
    stem = Path(source).stem.replace("-", " ").replace("_", " ")
    title = _as_text(meta.get("title")).strip()
    sections: list[tuple[str, list[str]]] = [("", [])]
    fence = False
    for line in body.split("\n"):
        if line.lstrip().startswith(("```", "~~~")):
            fence = not fence
        if not fence and re.match(r"^##\s+\S", line) and not line.startswith("###"):
            sections.append((line[2:].strip().strip("#").strip(), []))
            continue
        if not fence and not title and re.match(r"^#\s+\S", line):
            title = line[1:].strip().strip("#").strip()
            continue
        if not fence and title and re.match(r"^#\s+\S", line) and line[1:].strip() == title:
            continue  # the H1 repeating the front-matter title
        sections[-1][1].append(line)
    title = title or stem.capitalize()
    tags = _as_text(meta.get("tags"))
    chunks: list[Chunk] = []
    for n, (heading, lines) in enumerate(sections):
        content = _clean("\n".join(lines))
        if n == 0:
            if len(content) < MIN_OVERVIEW_CHARS and len(sections) > 1:
                continue
            heading = "Overview"
        if not content:
            continue
        for part in _split_long(content):
            chunks.append(Chunk(source, heading, title, part.strip(), len(chunks), tags))
    if not chunks:
        raise ChunkError("no content to index (the file is empty or has only headings)")
    return ParsedFile(source=source, title=title, meta=meta, chunks=chunks)


# --- queries ---


def _content_tokens(query: str) -> Iterator[str]:
    for match in _TOKEN.finditer(query[:20_000]):
        token = match.group().lower()
        if token in STOPWORDS or len(token) > MAX_TERM_LEN:
            continue
        if len(token) == 1 and not token.isdigit() and token.isascii():
            continue
        yield token.replace("'", "")


def query_terms(query: str) -> list[str]:
    """The distinct, lower-cased content words of a query (stopwords dropped, capped in number)."""
    seen: dict[str, None] = {}
    for token in _content_tokens(query):
        seen.setdefault(token, None)
        if len(seen) >= MAX_QUERY_TERMS:
            break
    return list(seen)


def fts_query(query: str, *, phrases: bool = True, expansion: bool = True) -> str | None:
    """A safe FTS5 MATCH expression: every term quoted, ORed; None when nothing searchable is left.

    With `phrases`, adjacent content words are also ORed in as two-word phrases, so passages that keep
    the query's word order ("fine tuning", "better fit") outrank ones that merely share its words. With
    `expansion`, everyday words also search for the knowledge base's own ("retrained" -> "re-tune", "drift").
    """
    terms = query_terms(query)
    if not terms:
        return None
    parts = [f'"{t}"' for t in (expand(terms) if expansion else terms)]
    if phrases:
        tokens = itertools.islice(_content_tokens(query), MAX_QUERY_TERMS * 2)
        pairs = dict.fromkeys(f'"{a} {b}"' for a, b in itertools.pairwise(tokens) if a != b)
        parts += list(pairs)[:MAX_QUERY_TERMS]
    return " OR ".join(parts)


def _norm(word: str) -> str:
    # A crude stemmer, only for comparing query words with headings ("tuning", "tuned", "tune" -> "tun").
    for suffix in ("ing", "ed", "es", "s", "e"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)]
    return word


@functools.lru_cache(maxsize=4096)  # headings and titles repeat on every search
def _norm_terms(text: str) -> frozenset[str]:
    return frozenset(_norm(t) for t in query_terms(text))


def heading_rerank(passages: list[Passage], query: str) -> list[Passage]:
    """Re-order by bm25 plus a bonus for the share of query words in the passage's heading and title.

    FTS5's bm25 gives words found in over half the passages (here: "fine-tuning", "prompt") an idf of
    about zero, so "When is fine-tuning the better fit?" cannot beat "When is prompt engineering the better
    fit?" on text alone; headings say what a passage is about and settle such ties.
    """
    if not passages:
        return passages
    terms = _norm_terms(query)
    top = max(p.score for p in passages)
    bonus = HEADING_BONUS * max(top, 1.0)

    def score(p: Passage) -> float:
        covered = len(terms & _norm_terms(f"{p.title} {p.section}")) / len(terms) if terms else 0.0
        return round(p.score + bonus * covered, 4)

    rescored = [Passage(p.source, p.section, p.title, p.text, score(p)) for p in passages]
    return sorted(rescored, key=lambda p: -p.score)


# --- the index ---


@dataclass(frozen=True)
class Passage:
    """A search result: a section of a knowledge file with its bm25 score (higher is better)."""

    source: str
    section: str
    title: str
    text: str
    score: float

    def to_dict(self) -> dict[str, Any]:
        """The JSON form used by `search --json` and `--jsonl`."""
        return {"source": self.source, "section": self.section, "text": self.text, "score": self.score}


@dataclass
class IndexReport:
    """What `ensure_fresh` did: files indexed, unchanged and removed, and broken files with the reason."""

    indexed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    errors: dict[str, str] = field(default_factory=dict)
    chunks: int = 0

    @property
    def changed(self) -> bool:
        """True when the index content changed."""
        return bool(self.indexed or self.removed)

    def keep(self, source: str, error: str | None) -> None:
        """Record an unchanged file (still broken if it was)."""
        if error:
            self.errors[source] = error
        else:
            self.unchanged.append(source)

    def summary(self) -> str:
        """One line for humans."""
        return (
            f"{len(self.indexed)} indexed, {len(self.unchanged)} unchanged, {len(self.removed)} removed, "
            f"{len(self.errors)} with errors; {self.chunks} passages searchable"
        )


@dataclass(frozen=True)
class CaseFile:
    """A case-study file's front matter: its key, display name, takeaway and source."""

    key: str
    name: str
    takeaway: str
    source: str


def _case_name(meta: dict[str, Any], title: str) -> str:
    if meta.get("name"):
        return str(meta["name"])
    name = re.sub(r"^\s*case study\s*:\s*", "", title, flags=re.I)
    return name.split(",")[0].strip() or str(meta.get("case"))


class KnowledgeIndex:
    """The knowledge base in SQLite: `files` (hashes), `chunks` and an FTS5 index (porter stemming)."""

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
    ) -> None:
        """Open (or create) the index at `path` over the markdown files under `roots`.

        `refresh_interval`: searches re-check the files at most this often (None: only explicit refreshes).
        """
        self.path = str(path)
        self.roots = [Path(r) for r in roots]
        self.tokenize = "porter" if stemming else "unicode61"
        self.phrases = phrases
        self.expansion = expansion
        self.rerank = rerank
        self.weights = tuple(float(w) for w in weights)
        if len(self.weights) != 4:
            raise ValueError("weights are (title, section, tags, text)")
        self.refresh_interval = refresh_interval
        self._last_check = 0.0
        self._warned: set[tuple[str, str]] = set()
        self.last_report: IndexReport | None = None  # what the latest ensure_fresh() did
        self._lock = threading.RLock()
        self._changes = 0  # bumped whenever this instance re-indexes something (see `generation`)
        # Per-instance LRU caches (functools does the locking); their keys end with `generation()`.
        self._ranked = functools.lru_cache(maxsize=SEARCH_CACHE)(self._search)
        self._case_files = functools.lru_cache(maxsize=2)(self._read_case_files)
        self._citations = functools.lru_cache(maxsize=CITATION_CACHE)(self._find_citations)
        self.db = open_database(self.path)
        with self._lock:
            self._ensure_schema()

    def close(self) -> None:
        """Close the database connection."""
        with self._lock:
            self.db.conn.close()

    def _transaction(self) -> AbstractContextManager[sqlite_utils.Database]:
        return locked_transaction(self.db, self._lock)

    def _ensure_schema(self) -> None:
        wanted = {"schema": str(SCHEMA_VERSION), "tokenize": self.tokenize}
        meta = self.db["meta"]
        have = {r["key"]: r["value"] for r in meta.rows} if meta.exists() else {}
        if have == wanted and self.db["chunks_fts"].exists():
            return
        with self._transaction() as db:
            for name in ("chunks_fts", "chunks", "files", "meta"):
                if db[name].exists():
                    db[name].drop()
            for trigger in db.triggers:
                db.execute(f"DROP TRIGGER IF EXISTS [{trigger.name}]")
            db.table("meta").create({"key": str, "value": str}, pk="key")
            db.table("meta").insert_all([{"key": k, "value": v} for k, v in wanted.items()])
            db.table("files").create(
                {
                    "source": str,
                    "path": str,
                    "mtime_ns": int,
                    "size": int,
                    "sha256": str,
                    "title": str,
                    "meta": str,
                    "chunks": int,
                    "error": str,
                },
                pk="source",
            )
            db.table("chunks").create(
                {"id": int, "source": str, "section": str, "title": str, "tags": str, "text": str, "position": int},
                pk="id",
            )
            db.table("chunks").create_index(["source"])
            db.table("chunks").enable_fts(
                ["title", "section", "tags", "text"], tokenize=self.tokenize, create_triggers=True
            )

    # --- keeping fresh ---

    def _scan(self, report: IndexReport) -> dict[str, Path]:
        found: dict[str, Path] = {}
        for root in self.roots:
            if not root.is_dir():
                report.errors[str(root)] = "knowledge directory not found"
                continue
            base, real_root = root.parent, root.resolve()
            for path in sorted(root.rglob("*")):
                rel = path.relative_to(root)
                if any(p.startswith(".") for p in rel.parts) or path.suffix.lower() not in SUFFIXES:
                    continue
                if not path.is_file():
                    continue
                source = path.relative_to(base).as_posix()
                real = path.resolve()
                if not real.is_relative_to(real_root):  # a symlink out of the directory (.env, /etc/passwd …)
                    report.errors[source] = "refused: a symlink to a file outside its knowledge directory"
                    continue
                if source in found:
                    report.errors[source] = f"skipped: {found[source]} has the same name"
                    continue
                found[source] = real  # read through the checked path, not the link
        return found

    def ensure_fresh(self, *, force: bool = False) -> IndexReport:
        """Re-index new and changed files, drop deleted ones; cheap when nothing changed (stat only)."""
        report = IndexReport()
        with self._lock:
            files = {r["source"]: r for r in self.db["files"].rows}
            found = self._scan(report)
            todo: list[tuple[str, Path, Stat]] = []
            for source, path in found.items():
                try:
                    st = path.stat()
                except OSError as exc:  # deleted between the scan and now
                    report.errors[source] = f"cannot read: {exc.strerror or exc}"
                    continue
                row = files.get(source)
                if not force and row and row["mtime_ns"] == st.st_mtime_ns and row["size"] == st.st_size:
                    report.keep(source, row["error"])
                    continue
                todo.append((source, path, (st.st_mtime_ns, st.st_size)))
            gone = [s for s in files if s not in found]
            if todo or gone:
                with self._transaction() as db:
                    for source in gone:
                        db.execute("DELETE FROM chunks WHERE source = ?", [source])
                        db.table("files").delete(source)
                        report.removed.append(source)
                    for source, path, stat in todo:
                        self._index_file(db, source, path, stat, files.get(source), report, force=force)
            report.chunks = self.db["chunks"].count
            if report.changed:
                self._changes += 1
            self._last_check = time.monotonic()
            self.last_report = report
        for source, error in report.errors.items():
            if (source, error) not in self._warned:  # once per problem, not on every refresh
                self._warned.add((source, error))
                log.warning("knowledge file %s: %s", source, error)
        return report

    def _index_file(
        self,
        db: sqlite_utils.Database,
        source: str,
        path: Path,
        stat: Stat,
        row: dict[str, Any] | None,
        report: IndexReport,
        *,
        force: bool,
    ) -> None:
        try:
            data = path.read_bytes()
        except OSError as exc:
            report.errors[source] = f"cannot read: {exc.strerror or exc}"
            return
        sha = hashlib.sha256(data).hexdigest()
        record: dict[str, Any] = {
            "source": source,
            "path": str(path),
            "mtime_ns": stat[0],
            "size": stat[1],
            "sha256": sha,
            "title": "",
            "meta": "{}",
            "chunks": 0,
            "error": None,
        }
        if row and row["sha256"] == sha and not force:
            db.table("files").update(source, {"mtime_ns": stat[0], "size": stat[1]})  # touched, not changed
            report.keep(source, row["error"])
            return
        db.execute("DELETE FROM chunks WHERE source = ?", [source])
        try:
            doc = chunk_markdown(data.decode("utf-8"), source)
        except UnicodeDecodeError:
            record["error"] = "not UTF-8 text"
        except ChunkError as exc:
            record["error"] = str(exc)
        if record["error"]:
            report.errors[source] = record["error"]
            db.table("files").upsert(record, pk="source")
            return
        db.table("chunks").insert_all(
            {
                "source": c.source,
                "section": c.section,
                "title": c.title,
                "tags": c.tags,
                "text": c.text,
                "position": c.position,
            }
            for c in doc.chunks
        )
        meta = {k: v for k, v in doc.meta.items() if isinstance(v, str | int | float | bool | list)}
        record |= {"title": doc.title, "meta": yaml.safe_dump(meta, allow_unicode=True), "chunks": len(doc.chunks)}
        db.table("files").upsert(record, pk="source")
        report.indexed.append(source)

    def _maybe_refresh(self) -> None:
        if self.refresh_interval is None or time.monotonic() - self._last_check < self.refresh_interval:
            return
        try:
            self.ensure_fresh()
        except (OSError, sqlite3.Error) as exc:  # a stale index beats no answer
            log.warning("knowledge index refresh failed: %s", exc)
            self._last_check = time.monotonic()

    # --- querying ---

    def search(self, query: str, k: int = 5) -> list[Passage]:
        """The `k` best passages for free text (any text: it is sanitised, never parsed as FTS syntax)."""
        match = fts_query(query or "", phrases=self.phrases, expansion=self.expansion)
        if match is None or k <= 0:
            return []
        self._maybe_refresh()
        return list(self._ranked(match, query, min(int(k), 100), self.generation()))

    def generation(self) -> tuple[int, int]:
        """Changes when the indexed content may have changed: re-indexed here, or committed by another process
        (SQLite's `data_version`). Cached results are keyed by it, so they are never served stale."""
        with self._lock:
            version = self.db.execute("PRAGMA data_version").fetchone()[0]
        return self._changes, int(version)

    def _search(self, match: str, query: str, k: int, generation: tuple[int, int]) -> tuple[Passage, ...]:
        """The ranked passages for an FTS5 expression (cached per instance by `_ranked`; `generation` is the key's
        freshness part)."""
        w = self.weights
        sql = (
            "SELECT c.source, c.section, c.title, c.text, "
            f"bm25(chunks_fts, {w[0]}, {w[1]}, {w[2]}, {w[3]}) AS rank "
            "FROM chunks_fts JOIN chunks c ON c.id = chunks_fts.rowid "
            "WHERE chunks_fts MATCH ? ORDER BY rank, c.source, c.position LIMIT ?"
        )
        with self._lock:
            rows = self.db.execute(sql, [match, max(k, RERANK_POOL) if self.rerank else k]).fetchall()
        # Whatever a knowledge file holds, nothing shaped like a secret is ever shown (or posted in Slack and Teams).
        passages = [
            Passage(
                source=r[0],
                section=scrub_secrets(r[1]),
                title=scrub_secrets(r[2]),
                text=scrub_secrets(r[3]),
                score=round(-r[4], 4),
            )
            for r in rows
        ]
        return tuple(heading_rerank(passages, query)[:k] if self.rerank else passages)

    def files(self) -> list[dict[str, Any]]:
        """The indexed files (source, title, chunk count, error, front matter)."""
        with self._lock:
            rows = list(self.db["files"].rows_where(order_by="source"))
        for row in rows:
            row["meta"] = load_yaml(row["meta"] or "{}") or {}
        return rows

    def case_files(self) -> dict[str, CaseFile]:
        """Case studies (files with `case:` in their front matter), by case key."""
        self._maybe_refresh()
        return dict(self._case_files(self.generation()))

    def _read_case_files(self, generation: tuple[int, int]) -> dict[str, CaseFile]:
        out: dict[str, CaseFile] = {}
        for row in self.files():
            meta = row["meta"]
            if row["error"] or not meta.get("case"):
                continue
            key = str(meta["case"]).lower()
            takeaway = str(meta.get("takeaway") or "")
            out.setdefault(key, CaseFile(key, _case_name(meta, row["title"]), takeaway, row["source"]))
        return out

    def citations(
        self, queries: Sequence[str], skip: frozenset[str], regimes_out: frozenset[str] = frozenset()
    ) -> list[Citation]:
        """Up to MAX_CITATIONS citations for `queries`, the best new passage of each (passages from `skip`
        sources, and sections about the regulatory regimes in `regimes_out`, left out); cached, since cards that
        lean the same way ask the same queries."""
        self._maybe_refresh()
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
        return enrich(rec, intake, self)


# --- quoting ---


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


# --- recommendation support ---

_APPROACH_WORDS = {
    "fine_tuning": "when fine-tuning is the better fit",
    "prompt_engineering": "when prompt engineering is the better fit",
    "hybrid": "hybrid approach combining fine-tuning and prompting",
}
# What to look for when a step leans one way: the decision topic in the knowledge base's own terms.
_STEP_TOPICS: dict[tuple[int, str], str] = {
    (1, "fine_tuning"): "business objective long-term competitive advantage accuracy narrow domain expertise",
    (1, "prompt_engineering"): "business objective speed to market changing requirements broad flexibility",
    (1, "hybrid"): "fine-tune for the domain prompt for real-time adjustment changing content",
    (2, "fine_tuning"): "data requirements 10,000 clean labeled examples quality",
    (2, "prompt_engineering"): "little or no labeled data few dozen examples",
    (3, "fine_tuning"): "stable tasks at high volume cost crossover millions of requests",
    (3, "prompt_engineering"): "cost three-year total cost of ownership prompting cheaper low volume",
    (4, "fine_tuning"): "time-to-value months data preparation training evaluation",
    (4, "prompt_engineering"): "time-to-value prompting ships in weeks pilots",
    (5, "fine_tuning"): "talent ML engineers data scientists fine-tuning requires",
    (5, "prompt_engineering"): "small teams without ML engineers talent",
    (6, "fine_tuning"): "regulated validation fine-tuned model sensitive data leakage memorization",
    (6, "prompt_engineering"): "regulated audit prompts easier to audit versioning compliance",
}
_GAP_TOPICS = {
    "knowledge": "context gap fresh proprietary knowledge retrieval RAG",
    "behavior": "behaviour gap consistent format tone style fine-tuning",
    "both": "fine-tuning plus retrieval for fresh facts hybrid",
}
# The technique inside the approach, in the words of its knowledge article.
_TECHNIQUE_TOPICS = {
    "distillation": "distillation turning logged or reviewed outputs into training data teacher student",
    "peft_pilot": "how many examples does a LoRA pilot need parameter-efficient tuning",
    "routing": "routing and cascades small model first large model fallback for hard cases",
    "open_weight": "data must never leave our network open-weight models self-hosting",
    "retrieval": "adding fresh or proprietary knowledge with retrieval RAG",
}
MAX_CITATIONS = 5


def queries_for(rec: Recommendation, intake: Intake) -> list[str]:
    """Queries whose passages support the recommendation: the approach, each leaning factor, the gap."""
    v = intake.values
    queries = [_APPROACH_WORDS[rec.approach]] + [_TECHNIQUE_TOPICS[t] for t in rec.techniques[:2]]
    leaning = [f for f in rec.factors if f.leans != "neutral" and f.weight >= 0.2]
    leaning.sort(key=lambda f: -f.weight)
    for f in leaning:
        direction = "fine_tuning" if f.score > 0 else "prompt_engineering"
        topic = _STEP_TOPICS.get((f.step, f.leans)) or _STEP_TOPICS.get((f.step, direction), f.name)
        extra = ""
        if f.step == 6 and v.industry:
            extra = f" {v.industry}"
        if f.step == 6:
            extra += "".join(f" {regulation.REGIMES[k].query}" for k in rec.regulations)
        if f.step == 6 and v.sensitive_data:
            extra += " sensitive data"
        queries.append(f"{f.name}: {topic}{extra}")
    for g in rec.gates:
        queries.append(f"{g.name.replace('_', ' ')} {g.reason}")
    if rec.gap in _GAP_TOPICS:
        queries.append(_GAP_TOPICS[rec.gap])
    return list(dict.fromkeys(queries))


# Signals per case: (weight, hit, core?). A case fits when its approach matches and the weights add up.
_RUBRIC = re.compile(
    r"\b(?:rubrics?|scorecards?|scor(?:e|es|ed|ing)|checklists?|grad(?:e|es|ed|ing)|quality (?:review|assurance|"
    r"checks?)|qa|call[- ]quality)\b",
    re.I,
)
_SPECIALISED = re.compile(
    r"\b(?:speciali[sz]\w*|domain[- ]specific|expert\w*|niche|technical drawings?|plans|blueprints?|"
    r"takeoffs?|extraction|classif\w+|pars(?:e|ing)|images?|deep)\b",
    re.I,
)
CASE_THRESHOLD = 1.5


def _case_scores(rec: Recommendation, intake: Intake) -> dict[str, tuple[float, bool]]:
    """Per case key: (signal weight, whether a core signal is present)."""
    v = intake.values
    text = v.use_case or ""
    x = rec.tco.crossover_monthly_requests
    high_volume = v.monthly_requests is not None and v.monthly_requests >= (x or 1_000_000)
    togal = [
        (1.0, v.needs == "deep_domain", True),
        (1.0, bool(v.behavior_gap), True),
        (1.0, high_volume, True),
        (1.0, bool(_SPECIALISED.search(text)), True),
        (0.5, v.priority == "accuracy" or v.mission_critical is True, False),
        (0.5, v.changes_often is False, False),
        (0.5, (v.labeled_examples or 0) >= 50_000, False),
    ]
    goto = [
        (2.0, bool(_RUBRIC.search(text)), True),
        (1.0, v.priority == "speed" or (v.deadline_weeks is not None and v.deadline_weeks <= 8), True),
        (1.0, v.changes_often is True, True),
        (0.5, v.needs == "broad_flexibility" or v.priority == "adaptability", False),
        (0.5, v.ml_expertise in ("none", "limited"), False),
    ]
    out = {}
    for key, signals, approaches in (
        ("togal", togal, ("fine_tuning", "hybrid")),
        ("goto", goto, ("prompt_engineering", "hybrid")),
    ):
        if rec.approach not in approaches:
            continue
        out[key] = (sum(w for w, hit, _ in signals if hit), any(hit and core for _, hit, core in signals))
    return out


def match_case(rec: Recommendation, intake: Intake, cases: dict[str, CaseFile] | None = None) -> list[CaseStudyRef]:
    """The case study that fits the recommendation (at most one), or none when neither fits."""
    scores = {k: s for k, (s, core) in _case_scores(rec, intake).items() if core and s >= CASE_THRESHOLD}
    if not scores:
        return []
    best = max(scores, key=lambda k: (scores[k], k == ("togal" if rec.approach == "fine_tuning" else "goto")))
    if list(scores.values()).count(scores[best]) > 1 and rec.approach == "hybrid":
        return []  # a hybrid that fits both profiles equally: neither story is the clear lesson
    known = cases if cases is not None else {}
    case = known.get(best)
    if case is None:
        if cases is not None:
            return []  # the case file is not in the knowledge base
        case = CaseFile(best, {"togal": "Togal AI", "goto": "GoTo"}[best], "", f"knowledge/cases/{best}.md")
    return [CaseStudyRef(name=case.name, source=case.source, takeaway=case.takeaway)]


def enrich(rec: Recommendation, intake: Intake, index: KnowledgeIndex) -> Recommendation:
    """A copy of `rec` with up to five supporting citations and the matching case study."""
    try:
        cases = index.case_files()
        case_studies = match_case(rec, intake, cases)
        matched = {c.source for c in case_studies}
        skip = frozenset(c.source for c in cases.values() if c.source not in matched)
        regimes_out = frozenset(regulation.REGIMES) - set(rec.regulations)
        citations = index.citations(queries_for(rec, intake), skip, regimes_out)
    except (sqlite3.Error, OSError) as exc:  # the recommendation stands without its sources
        log.warning("knowledge enrichment failed: %s", exc)
        return rec
    return rec.model_copy(update={"citations": citations, "case_studies": case_studies})


# --- ask ---


def answer(question: str, index: KnowledgeIndex, *, k: int = 3) -> tuple[str, list[Citation]]:
    """Answer from the knowledge base offline: the best one or two passages, quoted with their sources."""
    if not query_terms(question or ""):
        raise InputError('Ask a question with a few words in it, e.g. "how much data does fine-tuning need?"')
    passages = index.search(question, k)
    if not passages:
        return (
            "I found nothing about that in the knowledge base. Try other words, or ask about "
            "fine-tuning, prompt engineering, costs, data, regulation or the case studies."
        ), []
    chosen = [passages[0]] + [
        p for p in passages[1:2] if p.score >= 0.6 * passages[0].score and p.source != passages[0].source
    ]
    parts, citations = [], []
    for p in chosen:
        quote = best_quote(p.text, question, 400)
        parts.append(f"{quote}\n  — {p.source} § {p.section}")
        citations.append(Citation(source=p.source, section=p.section, quote=quote))
    return "\n\n".join(parts), citations
