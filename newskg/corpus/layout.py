"""Lines of a page and what each is: a heading, body text, a source/credit line or page furniture.

Print and web layouts break sentences across lines (做好顶层 / 设计), drop a source line into the
middle of a sentence (是否会透露具体步骤 / 据新华社 / 或方案) and surround the text with chrome
(slogans, QR-code captions, font-size buttons). This module sees those and repairs the text so the
NLP reads sentences, while TextView keeps every character's source offset.
"""
from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources

from newskg.corpus.textview import TextView, TextViewBuilder

_HEADING = re.compile(r"^(#{1,6})[ \t]+(\S.*?)\s*$")
# 据新华社 / 据新华社电 / 据外交部8月4日消息 / 央视网消息 / 来源/新华社 制图/段莉莉 / （新华社）
_SOURCE_JU = re.compile(r"^据(?P<src>[\u4e00-\u9fffA-Za-z]{2,12}?)(?:\d{1,2}月\d{1,2}日)?(?:电|报道|消息)?$")
_SOURCE_XIAOXI = re.compile(r"^(?P<src>[\u4e00-\u9fffA-Za-z]{2,8}?)消息$")
_SOURCE_PAREN = re.compile(r"^[（(](?P<src>[\u4e00-\u9fff]{2,8}?)(?:记者[^）)]*)?[）)]$")
_CREDIT = re.compile(r"(?P<role>来源|制图|摄影|摄|编辑|责编|记者|文|图)\s*[/／:：]\s*(?P<name>[^\s/／:：]+)")
_SENT_END = "。！？；：…!?;:.”’）)」』》】"
_NUMBERED = re.compile(
    r"^(?:[一二三四五六七八九十]+、|[（(][一二三四五六七八九十]+[)）]|\d{1,2}[.．、]|[（(]\d{1,2}[)）]|[①-⑳]|第[一二三四五六七八九十]+[条章节])"
)
_DOC_NO = re.compile(r"^\S{1,12}[〔\[［(（]\d{4}[〕\]］)）]\d+号$")
_DATE_LINE = re.compile(r"^\d{4}年\d{1,2}月\d{1,2}日$")
_INDENT = "\u3000"
_SHORT = 40  # furniture is a short line; a long one is text, whatever it mentions
_TAIL_CHROME = re.compile(r"\s*(?:【我要纠错】|【纠错】|【责任编辑|责任编辑[:：]|阅读下一篇|相关稿件)")


@dataclass(frozen=True)
class Credit:
    role: str
    name: str


@dataclass(frozen=True)
class Line:
    start: int  # source offsets of the stripped content
    end: int
    text: str  # stripped content
    indented: bool
    kind: str  # blank | heading | source | furniture | body
    level: int = 0  # heading level
    source: str | None = None
    credits: tuple[Credit, ...] = ()


@lru_cache(maxsize=1)
def furniture_patterns() -> tuple[re.Pattern, ...]:
    text = resources.files("newskg.corpus").joinpath("data/furniture.txt").read_text(encoding="utf-8")
    return tuple(re.compile(p) for p in text.splitlines() if p.strip() and not p.startswith("#"))


def _source_of(s: str) -> tuple[str | None, tuple[Credit, ...]]:
    """The credited source of a source line, with credits (制图/段莉莉), or (None, ())."""
    if len(s) > 40:
        return None, ()
    credits = tuple(Credit(m["role"], m["name"]) for m in _CREDIT.finditer(s))
    if credits and _CREDIT.sub("", s).strip() == "":
        src = next((c.name for c in credits if c.role == "来源"), None)
        return src, tuple(c for c in credits if c.role != "来源")
    for pat in (_SOURCE_JU, _SOURCE_XIAOXI, _SOURCE_PAREN):
        m = pat.match(s)
        if m:
            return m["src"], ()
    return None, ()


def classify(text: str, start: int, end: int) -> Line:
    raw = text[start:end]
    lead = len(raw) - len(raw.lstrip(" \t\u3000\xa0\r"))
    body = raw.strip(" \t\u3000\xa0\r")
    s, e = start + lead, start + lead + len(body)
    indented = raw[:lead].count(_INDENT) > 0 or lead >= 2
    if not body:
        return Line(s, e, body, indented, "blank")
    m = _HEADING.match(body)
    if m:
        return Line(s, e, body, indented, "heading", level=len(m.group(1)))
    if len(body) > _SHORT:
        # web chrome glued to the end of a long paragraph (…。 【纠错】 【责任编辑:…】 阅读下一篇：)
        cut = _TAIL_CHROME.search(body)
        if cut:
            body = body[:cut.start()].rstrip()
            e = s + len(body)
    elif any(p.search(body) for p in furniture_patterns()):
        return Line(s, e, body, indented, "furniture")
    src, credits = _source_of(body)
    if src or credits:
        return Line(s, e, body, indented, "source", source=src, credits=credits)
    return Line(s, e, body, indented, "body")


def lines_of(text: str, start: int = 0, end: int | None = None) -> Iterator[Line]:
    end = len(text) if end is None else end
    pos = start
    while pos < end:
        nl = text.find("\n", pos, end)
        stop = end if nl < 0 else nl
        yield classify(text, pos, stop)
        pos = stop + 1


def heading_text(line: Line) -> str:
    m = _HEADING.match(line.text)
    return m.group(2) if m else line.text


def is_sentence_open(line: Line) -> bool:
    """A body line whose last character cannot end a paragraph: the layout broke a sentence."""
    return line.kind == "body" and len(line.text) >= 30 and line.text[-1] not in _SENT_END \
        and not _NUMBERED.match(line.text)


def continues(line: Line) -> bool:
    """A body line that may continue the previous one (no numbering, no indentation, no doc number)."""
    return (line.kind == "body" and not line.indented and not _NUMBERED.match(line.text)
            and not _DOC_NO.match(line.text) and not _DATE_LINE.match(line.text))


@dataclass
class Block:
    """Cleaned text of a run of lines, with the headings it holds and the sources it dropped."""
    view: TextView
    headings: list[tuple[int, int, int]] = field(default_factory=list)  # (clean start, end, level)
    sources: list[str] = field(default_factory=list)
    credits: list[Credit] = field(default_factory=list)


def clean_lines(text: str, lines: list[Line]) -> Block:
    """Join body lines into paragraphs (one per output line), repairing layout breaks.

    Headings become lines of their own without the markdown markers; source lines and furniture
    are left out (their sources and credits are returned); blank lines only separate.
    """
    b = TextViewBuilder()
    headings: list[tuple[int, int, int]] = []
    sources: list[str] = []
    credits: list[Credit] = []
    content = [ln for ln in lines if ln.kind != "blank"]
    prev: Line | None = None  # last emitted body line
    pending_newline = False
    i = 0
    while i < len(content):
        ln = content[i]
        if ln.kind == "furniture":
            i += 1
            continue
        if ln.kind == "source":
            if ln.source:
                sources.append(ln.source)
            credits.extend(ln.credits)
            i += 1
            continue
        if ln.kind == "heading":
            if pending_newline:
                b.add_synthetic("\n", ln.start)
            m = _HEADING.match(ln.text)
            hs = len(b.offsets)
            h_start = ln.start + m.start(2)
            b.add(text, h_start, h_start + len(m.group(2)))
            headings.append((hs, hs + len(m.group(2)), ln.level))
            pending_newline, prev = True, None
            i += 1
            continue
        joined = prev is not None and is_sentence_open(prev) and continues(ln)
        if pending_newline and not joined:
            b.add_synthetic("\n", ln.start)
        b.add(text, ln.start, ln.end)
        pending_newline, prev = True, ln
        i += 1
    return Block(b.build(), headings, sources, credits)
