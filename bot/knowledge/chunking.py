"""Knowledge files to chunks: YAML front matter, then one chunk per `##` section (long sections split)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from bot.resources import load_yaml

MAX_CHUNK_CHARS = 4000  # longer sections are split at paragraph breaks
MIN_OVERVIEW_CHARS = 80


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
