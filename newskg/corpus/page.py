"""Split a page into its articles and drop what is not an article.

A newspaper page marks articles with `##` headings (the seed); a plain-text page has title lines
that follow the previous article's source line; a web page or policy document is one article whose
title is the document's. Blocks without any sentence (a slogan under a `#` heading, a QR-code
caption) are page furniture, not articles.
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from newskg.corpus.layout import Block, Credit, Line, clean_lines, heading_text

_SENTENCE = re.compile(r"[。！？；!?;，,]")


@dataclass
class Article:
    id: str
    title: str | None
    start: int  # source span of the whole article (title included)
    end: int
    source: str | None
    credits: list[Credit]
    block: Block


def _squash(s: str) -> str:
    return re.sub(r"\s+", "", s)


def _has_sentence(lines: list[Line]) -> bool:
    return any(ln.kind == "body" and len(ln.text) >= 8 and _SENTENCE.search(ln.text) for ln in lines)


def _looks_like_title(ln: Line) -> bool:
    return ln.kind == "body" and 4 <= len(ln.text) <= 48 and not _SENTENCE.search(ln.text[-1:]) \
        and not re.search(r"[。！？；]", ln.text)


def _strip_title_lines(lines: list[Line], title: str) -> list[Line]:
    """Drop leading body lines that together spell the document title (possibly broken in two)."""
    want, got, k = _squash(title), "", 0
    for k, ln in enumerate(lines):
        if ln.kind == "blank":
            continue
        if ln.kind != "body":
            return lines
        got += _squash(ln.text)
        if got == want:
            return lines[k + 1:]
        if not want.startswith(got):
            return lines
    return lines


def _article(doc_id: str, n: int, text: str, title: str | None, title_line: Line | None,
             lines: list[Line], default_source: str | None) -> Article | None:
    if not _has_sentence(lines):
        return None
    block = clean_lines(text, lines)
    spans = [ln for ln in ([title_line] if title_line else []) + lines if ln.kind != "blank"]
    start, end = spans[0].start, spans[-1].end
    source = block.sources[0] if block.sources else default_source
    aid = hashlib.sha1(f"{doc_id}:{n}".encode()).hexdigest()[:16]
    return Article(aid, title, start, end, source, block.credits, block)


def split_articles(doc_id: str, text: str, lines: list[Line], *, title: str | None,
                   source: str | None) -> list[Article]:
    top = [i for i, ln in enumerate(lines) if ln.kind == "heading" and ln.level <= 2]
    out: list[Article] = []
    if top:
        bounds = top + [len(lines)]
        if _has_sentence(lines[: top[0]]):
            art = _article(doc_id, 0, text, title, None, lines[: top[0]], source)
            if art:
                out.append(art)
        for a, b in zip(bounds, bounds[1:], strict=False):
            head = lines[a]
            art = _article(doc_id, len(out), text, heading_text(head), head, lines[a + 1:b], source)
            if art:
                out.append(art)
        return out
    if title:
        art = _article(doc_id, 0, text, title, None, _strip_title_lines(lines, title), source)
        return [art] if art else []
    # plain-text page: a title line opens an article at the start and after a source line
    starts: list[int] = []
    after_source = True
    for i, ln in enumerate(lines):
        if ln.kind == "blank":
            continue
        if after_source and _looks_like_title(ln):
            starts.append(i)
        after_source = ln.kind == "source"
    if not starts:
        art = _article(doc_id, 0, text, None, None, lines, source)
        return [art] if art else []
    if starts[0] > 0 and _has_sentence(lines[: starts[0]]):
        art = _article(doc_id, 0, text, None, None, lines[: starts[0]], source)
        if art:
            out.append(art)
    bounds = starts + [len(lines)]
    for a, b in zip(bounds, bounds[1:], strict=False):
        art = _article(doc_id, len(out), text, lines[a].text, lines[a], lines[a + 1:b], source)
        if art:
            out.append(art)
    return out
