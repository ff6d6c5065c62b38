"""Task units (annotation-guide.md): split cleaned text at 。！？；, at line ends and at list items,
never at a comma; know each unit's sentence, list marker and place in the numbered hierarchy."""
from __future__ import annotations

import re
from dataclasses import dataclass

# list markers and their rank in a document's hierarchy (smaller = higher); markdown headings
# rank by their `#` count (1-6), above every numbered level
_MARKERS: tuple[tuple[int, re.Pattern], ...] = (
    (10, re.compile(r"[一二三四五六七八九十]{1,3}、")),
    (20, re.compile(r"[（(][一二三四五六七八九十]{1,3}[)）]")),
    (30, re.compile(r"\d{1,2}(?:[.．、](?!\d)|\s+(?=\D))")),
    (40, re.compile(r"[（(]\d{1,2}[)）]")),
    (50, re.compile(r"[①-⑳]")),
    (15, re.compile(r"第[一二三四五六七八九十]{1,3}[条章节部分]\s*")),
)
_END = "。！？；!?;"
_CLOSERS = "”’）)」』》】\"'"
_PAREN_ONLY = re.compile(r"^[（(][^（）()]*[)）][。；]?$")


@dataclass
class Unit:
    start: int  # offsets in the cleaned article text
    end: int
    text: str
    line: int  # paragraph index
    sentence: int  # units of one sentence (split at ；) share it
    first_in_sentence: bool
    marker: str | None = None  # list marker the unit opens with
    rank: int | None = None  # rank of that marker (or markdown heading level)
    heading: bool = False  # the unit is a numbered/markdown heading
    item: int | None = None  # index of the unit heading the item it belongs to
    parent: int | None = None  # index of the enclosing heading unit (for a heading: the one above)


def marker_at(text: str, pos: int = 0) -> tuple[str, int] | None:
    for rank, pat in _MARKERS:
        m = pat.match(text, pos)
        if m:
            return m.group(0), rank
    return None


def _absorb_parenthetical(line: str, j: int) -> int:
    """A parenthetical right after a sentence end (。（农业农村部指导）) closes that sentence's unit,
    unless it is a list marker such as （一）."""
    if j < len(line) and line[j] in "（(" and not marker_at(line, j):
        k = j + 1
        depth = 1
        while k < len(line) and depth:
            depth += {"（": 1, "(": 1, "）": -1, ")": -1}.get(line[k], 0)
            k += 1
        if depth == 0:
            while k < len(line) and line[k] in "。；;":
                k += 1
            return k
    return j


def _split_line(line: str) -> list[tuple[int, int]]:
    """Unit spans inside one paragraph: after 。！？； (and closing quotes), and before a list
    marker that follows a sentence end."""
    spans: list[tuple[int, int]] = []
    s, i, n = 0, 0, len(line)
    depth = 0
    while i < n:
        c = line[i]
        if c in "（(":
            depth += 1
        elif c in "）)":
            depth = max(0, depth - 1)
        if c in _END and depth == 0:
            j = i + 1
            while j < n and line[j] in _CLOSERS:
                j += 1
            j = _absorb_parenthetical(line, j)
            spans.append((s, j))
            s = i = j
            continue
        i += 1
    if s < n:
        spans.append((s, n))
    # a fragment that is only a parenthetical (（商务部负责）) closes the unit before it
    merged: list[tuple[int, int]] = []
    for a, b in spans:
        frag = line[a:b].strip()
        if not frag:
            continue
        if merged and _PAREN_ONLY.match(frag):
            merged[-1] = (merged[-1][0], b)
        else:
            merged.append((a, b))
    return merged


def _ends_clause(frag: str) -> bool:
    """True when a fragment ends at ；: the next unit continues the same sentence."""
    return frag.rstrip().rstrip(_CLOSERS)[-1:] in "；;"


def split_units(text: str, heading_spans: list[tuple[int, int, int]] = ()) -> list[Unit]:
    """Units of an article's cleaned text. `heading_spans` are (start, end, level) of markdown
    headings; they and short numbered lead-ins (一、总体要求 / （一）重大意义。) are headings."""
    md = {s: lvl for s, _, lvl in heading_spans}
    units: list[Unit] = []
    sentence = 0
    pos = 0
    for lineno, line in enumerate(text.split("\n")):
        base = pos
        pos += len(line) + 1
        if not line.strip():
            continue
        spans = _split_line(line)
        for k, (a, b) in enumerate(spans):
            raw = line[a:b]
            lead = len(raw) - len(raw.lstrip())
            a += lead
            frag = line[a:b].rstrip()
            if not frag:
                continue
            mk = marker_at(frag)
            first = k == 0 or not _ends_clause(line[spans[k - 1][0]:spans[k - 1][1]])
            u = Unit(base + a, base + a + len(frag), frag, lineno, sentence, first)
            if k == 0 and base in md:
                u.heading, u.rank = True, md[base]
                u.marker = mk[0] if mk else None
            elif mk:
                u.marker, u.rank = mk
                rest = frag[len(mk[0]):].strip()
                u.heading = (k == 0 and 0 < len(rest) <= 30 and not re.search(r"[，,；]", rest)
                             and (len(spans) > 1 or rest[-1] not in "。；" or len(rest) <= 15))
            if first:
                sentence += 1
            u.sentence = sentence
            units.append(u)
    _nest(units)
    return units


def _nest(units: list[Unit]) -> None:
    """Give every unit its item (the nearest heading above it) and every heading its parent."""
    stack: list[tuple[int, int]] = []  # (rank, unit index)
    for i, u in enumerate(units):
        if u.rank is not None and (u.heading or u.marker):
            while stack and stack[-1][0] >= u.rank:
                stack.pop()
            u.parent = stack[-1][1] if stack else None
            u.item = i
            stack.append((u.rank, i))
        else:
            u.item = stack[-1][1] if stack else None
            u.parent = u.item
