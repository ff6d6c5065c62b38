"""Read one file into a SourceDocument: decoded text, front matter, date, source and articles."""
from __future__ import annotations

import datetime as dt
import hashlib
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from newskg.corpus.encoding import decode
from newskg.corpus.errors import InputError, TooLargeError
from newskg.corpus.frontmatter import parse_date, parse_front_matter
from newskg.corpus.layout import lines_of
from newskg.corpus.page import Article, split_articles

MAX_BYTES = 50 * 1024 * 1024  # larger files are refused with a clear message, never half-read
TEXT_SUFFIXES = (".txt", ".md", ".markdown", ".text")


@dataclass
class SourceDocument:
    path: str
    text: str  # the whole decoded file; every offset points into it
    encoding: str
    meta: dict[str, Any]
    body_start: int
    id: str
    title: str | None
    date: dt.date | None
    date_source: str | None  # metadata | inferred | None
    source: str | None
    issuer: str | None
    articles: list[Article] = field(default_factory=list)


def content_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:24]


def read_text(path: str | os.PathLike, *, max_bytes: int = MAX_BYTES) -> tuple[str, str]:
    p = Path(path)
    try:
        size = p.stat().st_size
    except OSError as e:
        raise InputError(f"cannot read: {e.strerror}") from e
    if size > max_bytes:
        raise TooLargeError(f"file is {size / 2**20:.1f} MB, over the {max_bytes / 2**20:.0f} MB limit "
                            "(split it, or raise --max-size)")
    try:
        data = p.read_bytes()
    except OSError as e:
        raise InputError(f"cannot read: {e.strerror}") from e
    return decode(data)


def parse_document(path: str, text: str, *, encoding: str = "utf-8", date: dt.date | None = None,
                   source: str | None = None) -> SourceDocument:
    """Build the document from decoded text. `date`/`source` apply where the front matter has none."""
    fm = parse_front_matter(text)
    meta = fm.meta
    doc_date, date_source = parse_date(meta.get("date"), "front matter date"), "metadata"
    if doc_date is None and date is not None:
        doc_date = date
    if doc_date is None:
        date_source = None  # the NLP stage may infer one from the text (newskg.nlp.timex)
    doc_source = meta.get("source") or source
    doc_id = content_hash(text)
    title = str(meta["title"]).strip() if meta.get("title") else None
    lines = list(lines_of(text, fm.body_start))
    articles = split_articles(doc_id, text, lines, title=title, source=doc_source)
    if title is None and articles:
        title = articles[0].title
    issuer = meta.get("issuer")
    return SourceDocument(path=path, text=text, encoding=encoding, meta=meta, body_start=fm.body_start,
                          id=doc_id, title=title, date=doc_date, date_source=date_source,
                          source=str(doc_source) if doc_source else None,
                          issuer=str(issuer) if issuer else None, articles=articles)


def load_document(path: str | os.PathLike, *, date: dt.date | None = None, source: str | None = None,
                  max_bytes: int = MAX_BYTES) -> SourceDocument:
    text, enc = read_text(path, max_bytes=max_bytes)
    return parse_document(str(path), text, encoding=enc, date=date, source=source)


def iter_paths(paths: list[str]) -> list[str]:
    """Files named, and the text files under folders named, in a stable order, each once."""
    seen: dict[str, None] = {}
    for p in paths:
        if os.path.isdir(p):
            for root, dirs, files in os.walk(p):
                dirs.sort()
                for f in sorted(files):
                    if f.lower().endswith(TEXT_SUFFIXES) and not f.startswith("."):
                        seen.setdefault(os.path.join(root, f), None)
        else:
            seen.setdefault(p, None)
    return list(seen)
