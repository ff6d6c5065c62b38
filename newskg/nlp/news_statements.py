"""Attributed statements in a news report: who said what (罗伯特·达宁认为…, 分析人士指出…,
据美国媒体报道…, “……”林剑说).

A statement is a verb of speech with a speaker written right before it (adverbs, a time and a
prepositional phrase may stand between: 朱拜尔此前也对媒体表示), or a verb that opens a clause
and continues the sentence subject's speech (习近平欢迎…访华，指出…). The speaker is a person
(canonical name), a named body (联合国宣布, 日本气象厅称) or an unnamed source (分析人士, 有关负责人:
speaker null). The content runs to the end of the sentence and on through the sentences that
continue it, until narration resumes or someone else speaks.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from newskg.nlp.entities import Mention
from newskg.nlp.news_actors import Actors
from newskg.nlp.news_text import Span, clauses, containing, sentences
from newskg.nlp.newswords import NewsWords

_SKIP_AFTER_VERB = re.compile(r"[了道]?[，,：:\s]*")
_DETERMINER_END = re.compile(r"(?:的|各项|这些|一些|所有|其)$")
_TIME_OPENER = re.compile(r"(?:当地时间|\d{1,4}年|\d{1,2}月\d{1,2}日|[今昨]天|当晚|当天)")
_BODY_TYPES = ("ORGANIZATION", "AGENCY", "PLACE")


@dataclass(frozen=True)
class Speaker:
    name: str | None  # canonical name; None for an unnamed source
    start: int  # where the speaker's phrase starts (a role chain included)
    end: int
    kind: str  # person | body | source
    named_at: Mention | None = None  # a meeting that speaks (会议指出): where the article names it


@dataclass
class Statement:
    speaker: Speaker
    verb: str
    start: int
    verb_start: int
    content_start: int
    end: int
    sentence: Span
    content_end: int | None = None  # where the content stops when the attribution follows it

    def to_json(self, text: str) -> dict[str, Any]:
        return {"speaker": self.speaker.name, "verb": self.verb, "start": self.start, "end": self.end,
                "text": text[self.content_start:self.content_end or self.end].strip()}


class StatementReader:
    def __init__(self, words: NewsWords):
        self.w = words

    def read(self, text: str, actors: Actors, mentions: list[Mention]) -> list[Statement]:
        """Statements of one article, in text order."""
        bodies = [m for m in mentions if m.type in _BODY_TYPES]
        sents = sentences(text)
        quotes = _quote_spans(text)
        found: list[Statement] = []
        last_person: str | None = None
        for sent in sents:
            subject = self._sentence_subject(text, sent, actors, bodies, last_person)
            in_sentence: list[Statement] = []
            for v in self.w.speech_verb.finditer(text, sent.start, sent.end):
                if self._not_a_verb(text, v, sent, quotes):
                    continue
                st = self._statement(text, sent, v, actors, bodies, subject, in_sentence, last_person)
                if st is None:
                    continue
                if in_sentence and in_sentence[-1].end > st.start:
                    in_sentence[-1].end = max(in_sentence[-1].content_start, _comma_before(text, st.verb_start))
                in_sentence.append(st)
                if st.speaker.kind == "person":
                    last_person = st.speaker.name
            found += in_sentence
            hits = [p for p in actors.persons if p.start in sent]
            if hits:
                last_person = hits[0].name
        self._extend(text, sents, found, actors, bodies)
        return found

    # -- speakers ----------------------------------------------------------------------------------

    def _speaker_candidates(self, text: str, start: int, end: int, actors: Actors, bodies: list[Mention],
                            last_person: str | None) -> list[Speaker]:
        """Every phrase inside [start, end) that could be a speaker, as the span it ends at."""
        out: list[Speaker] = []
        for p in actors.persons:
            if start <= p.start and p.end <= end:
                chain = actors.chain_of(p)
                s = chain.start if chain and chain.start >= start else p.start
                out.append(Speaker(p.name, s, p.end, "person"))
        for m in bodies:
            if start <= m.start and m.end <= end and not actors.in_chain(m.start, m.end):
                out.append(Speaker(m.name, m.start, m.end, "body"))
        for m in self.w.source_head.finditer(text, start, end):
            named = self._meeting(text, m.start()) if m.group() in self.w.meeting_heads else None
            if named is not None:
                out.append(Speaker(named.name, start, m.end(), "body", named))
            else:
                out.append(Speaker(None, start, m.end(), "source"))
        for pr in self.w.pronouns:
            for m in re.finditer(re.escape(pr), text[start:end]):
                if last_person:
                    out.append(Speaker(last_person, start + m.start(), start + m.end(), "person"))
        return out

    def _meeting(self, text: str, pos: int) -> Mention | None:
        """会议指出: the meeting the article named before (主持召开国务院常务会议), as an EVENT mention."""
        found = list(self.w.meeting_name.finditer(text, 0, pos))
        if not found:
            return None
        m = found[-1]
        return Mention(m.start(1), m.end(1), m.group(1), "EVENT", m.group(1), origin="pattern")

    def _sentence_subject(self, text: str, sent: Span, actors: Actors, bodies: list[Mention],
                          last_person: str | None) -> Speaker | None:
        """The speaker that opens the sentence's first clause that opens with one."""
        for c in clauses(text, sent):
            s = self._opening_speaker(text, c, actors, bodies, last_person)
            if s is not None:
                return s
            if not _TIME_OPENER.match(text, c.start) and not self.w.adverbial_clause.match(text, c.start):
                return None  # 对于中东和平前景，达宁表示: the subject may follow an adverbial clause
        return None

    def _opening_speaker(self, text: str, c: Span, actors: Actors, bodies: list[Mention],
                         last_person: str | None) -> Speaker | None:
        pos = c.start
        while (a := self.w.adverb.match(text, pos, c.end)) and a.end() > pos:
            pos = a.end()
        cands = [s for s in self._speaker_candidates(text, pos, c.end, actors, bodies, last_person)
                 if s.start == pos]
        return max(cands, key=lambda s: s.end) if cands else None

    def _statement(self, text: str, sent: Span, v: re.Match, actors: Actors, bodies: list[Mention],
                   subject: Speaker | None, earlier: list[Statement], last_person: str | None
                   ) -> Statement | None:
        clause = containing(clauses(text, sent), v.start())
        if clause is None:
            return None
        region = clause.start
        q = text.rfind("”", clause.start, v.start())
        if q >= 0 and text.find("“", sent.start, clause.start + 1) == sent.start:
            region = q + 1  # “……”林剑说
        speaker = self._speaker_before(text, region, v.start(), actors, bodies, last_person)
        start = clause.start
        if speaker is None:
            speaker, start = self._continuation(text, sent, clause, v, actors, bodies, subject, earlier,
                                                last_person)
            if speaker is None:
                return None
        if sent.start <= speaker.start < start:
            start = speaker.start  # the attribution clause opens with the speaker's chain
        content = _SKIP_AFTER_VERB.match(text, v.end()).end()
        return Statement(speaker, v.group(), start, v.start(), content, sent.end, sent)

    def _speaker_before(self, text: str, start: int, v: int, actors: Actors, bodies: list[Mention],
                        last_person: str | None) -> Speaker | None:
        """The leftmost speaker in [start, v) from which only adverbials lead to the verb."""
        opener = self.w.source_opener.match(text, start, v)
        if opener:
            start = opener.end()
        cands = self._speaker_candidates(text, start, v, actors, bodies, last_person)
        ok = [s for s in cands if self._adverbial(text, s.end, v)]
        if not ok:
            return None
        return min(ok, key=lambda s: (s.end, s.kind != "person"))

    def _adverbial(self, text: str, pos: int, v: int) -> bool:
        """Is text[pos:v] only adverbs, times and a prepositional phrase (此前也对媒体)?"""
        if pos == v:
            return True
        if text[v - 1] == "的" or _DETERMINER_END.search(text, pos, v):
            return False
        while pos < v:
            a = self.w.adverb.match(text, pos, v)
            if a and a.end() > pos:
                pos = a.end()
                continue
            p = self.w.preposition.match(text, pos, v)
            return bool(p) and v - pos <= 80
        return True

    def _continuation(self, text: str, sent: Span, clause: Span, v: re.Match, actors: Actors,
                      bodies: list[Mention], subject: Speaker | None, earlier: list[Statement],
                      last_person: str | None) -> tuple[Speaker | None, int]:
        """A verb that opens its clause (…，指出 / …，并重申): the speaker is the clause before it when
        that clause is a speaker (…五部门负责人，介绍了), else the sentence subject — a person only
        where the sentence has shown a speech act before the verb."""
        pos = clause.start
        while (a := self.w.continuation_adverb.match(text, pos, v.start())) and a.end() > pos:
            pos = a.end()
        if pos != v.start() or clause.start == sent.start:
            return None, clause.start
        cl = clauses(text, sent)
        i = cl.index(clause)
        prev = cl[i - 1]
        whole = [s for s in self._speaker_candidates(text, prev.start, prev.end, actors, bodies, last_person)
                 if s.end == prev.end and s.start == prev.start or (s.kind == "source" and s.end == prev.end)]
        if whole:
            return whole[0], prev.start
        if subject is None:
            return None, clause.start
        if subject.kind == "person" and not self.w.speech_act.search(text, sent.start, v.start()):
            return None, clause.start
        start = sent.start if not earlier else clause.start
        return subject, start

    # -- content across sentences ----------------------------------------------------------------

    def _extend(self, text: str, sents: list[Span], found: list[Statement], actors: Actors,
                bodies: list[Mention]) -> None:
        """Content continues into the next sentences of the paragraph until narration resumes,
        someone else is named at the start, or another statement begins. A quotation standing
        right before `“…”林剑说` is that statement's content."""
        starts = {s.sentence.start for s in found}
        for st in found:
            i = sents.index(st.sentence)
            if st.content_start >= st.sentence.end - 1 and i > 0 and _is_quote(text, sents[i - 1]):
                st.start = min(st.start, sents[i - 1].start)
                st.content_start = sents[i - 1].start
                st.content_end = sents[i - 1].end
            elif st.start == st.sentence.start and i > 0 and _is_quote(text, sents[i - 1]) \
                    and sents[i - 1].start not in starts:
                st.start = sents[i - 1].start
            if st.end != st.sentence.end:
                continue
            j = i + 1
            while j < len(sents):
                nxt = sents[j]
                if nxt.start in starts or "\n" in text[st.end:nxt.start] or self._breaks(text, nxt, actors, bodies):
                    break
                st.end = nxt.end
                j += 1

    def _breaks(self, text: str, sent: Span, actors: Actors, bodies: list[Mention]) -> bool:
        if self.w.narrative_opener.match(text, sent.start) or _TIME_OPENER.match(text, sent.start):
            return True
        if text.startswith("“", sent.start) and _is_quote(text, sent):
            return True
        return self._opening_speaker(text, sent, actors, bodies, None) is not None

    def _not_a_verb(self, text: str, v: re.Match, sent: Span, quotes: list[Span]) -> bool:
        for m in self.w.not_speech.finditer(text, max(sent.start, v.start() - 3), min(sent.end, v.end() + 3)):
            if m.start() < v.end() and v.start() < m.end():
                return True
        return any(v.start() in q for q in quotes)


def _quote_spans(text: str) -> list[Span]:
    return [Span(m.start(), m.end()) for m in re.finditer(r"“[^“”]*”", text)]


def _is_quote(text: str, sent: Span) -> bool:
    s = text[sent.start:sent.end]
    return s.startswith("“") and s.rstrip("。").endswith("”") and s.count("“") == 1


def _comma_before(text: str, pos: int) -> int:
    i = pos
    while i > 0 and text[i - 1] not in "，,；;":
        i -= 1
    return max(0, i - 1)
