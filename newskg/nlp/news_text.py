"""Sentences and clauses of a news article, as offset spans into its cleaned text.

News reports attribute speech and report events sentence by sentence, and a comma separates the
predicates that share a subject; so the news rules read sentences (split at 。！？ and line ends,
a closing quote staying with its sentence) and clauses (split further at ，；：).
"""
from __future__ import annotations

import re
from dataclasses import dataclass

_SENT_END = re.compile(r"[。！？!?]+[”’」』]*|\n+")
_CLAUSE_END = re.compile(r"[，,；;：:]")
_SPACE = " \t\u3000\r\n"


@dataclass(frozen=True)
class Span:
    start: int
    end: int

    def __contains__(self, pos: int) -> bool:
        return self.start <= pos < self.end


def sentences(text: str) -> list[Span]:
    """Sentence spans, whitespace trimmed, empty ones dropped."""
    out: list[Span] = []
    pos = 0
    for m in _SENT_END.finditer(text):
        end = m.end() if m.group()[0] != "\n" else m.start()
        _add(out, text, pos, end)
        pos = m.end()
    _add(out, text, pos, len(text))
    return out


def clauses(text: str, sent: Span) -> list[Span]:
    """Clause spans of one sentence (a clause keeps its closing comma out)."""
    out: list[Span] = []
    pos = sent.start
    for m in _CLAUSE_END.finditer(text, sent.start, sent.end):
        _add(out, text, pos, m.start())
        pos = m.end()
    _add(out, text, pos, sent.end)
    return out


def _add(out: list[Span], text: str, start: int, end: int) -> None:
    while start < end and text[start] in _SPACE:
        start += 1
    while end > start and text[end - 1] in _SPACE:
        end -= 1
    if end > start:
        out.append(Span(start, end))


def containing(spans: list[Span], pos: int) -> Span | None:
    for s in spans:
        if s.start <= pos < s.end:
            return s
    return None
