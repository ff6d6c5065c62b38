"""Events in a news report: visits, meetings, talks, summits and ceremonies, with who took part,
where and on which day.

A trigger word (访问, 前往, 会见, 会谈, 出席, 欢迎宴会, 记者会 …) reports an event; its participants
are the people of its clause (the sentence subject where the clause has none: 与以总理内塔尼亚胡
举行会谈), its places the destinations after a visit verb (前往梵蒂冈、意大利和比利时, 对赞比亚
进行正式访问, 来华) or the venue after 在 (在莫斯科克里姆林宫会见). An event with no place of its own
takes the place of the event it belongs to: a visit clause earlier in the sentence, the reported
event that shares a participant (当晚…举行欢迎宴会), or, for attendance of "the above"
(王毅参加上述活动, …列席会议), the events reported before. Places inside a role chain (俄罗斯总统),
an invitation (应赞比亚共和国政府邀请), an event's name (北京峰会) or too wide to be where
something happens (中东, 欧洲) are not event places.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

from newskg.nlp.entities import Mention
from newskg.nlp.lexicon import Lexicon
from newskg.nlp.news_actors import Actors
from newskg.nlp.news_text import Span, clauses, containing, sentences
from newskg.nlp.newswords import NewsWords
from newskg.nlp.timex import TimeExpression

_SEP = re.compile(r"[、和及与\s]+")
_DAY = re.compile(r"日|天")


@dataclass
class Event:
    type: str
    trigger: Span
    sentence: Span
    participants: list[str] = field(default_factory=list)
    places: list[str] = field(default_factory=list)
    dates: list[str] = field(default_factory=list)
    quoted: bool = False  # inside a statement's content: reported speech, nothing is inherited
    join: str | None = None  # "all": attendance of the events above; "last": of the last one

    def add_places(self, places: list[str]) -> None:
        for p in places:
            if p not in self.places:
                self.places.append(p)


class EventReader:
    def __init__(self, lexicon: Lexicon, words: NewsWords):
        self.lex = lexicon
        self.w = words
        compounds = lexicon.compound_short_forms()
        self.compound_place = {c: es[0].name for c, es in compounds.items()}
        chars = "".join(sorted(compounds))
        self.compound_visit = re.compile(rf"(?:{'|'.join(sorted(words.visit_compounds))})([{re.escape(chars)}])"
                                         r"(?![\u4e00-\u9fff]{0,1}(?:方|国|两国))")

    def read(self, text: str, actors: Actors, mentions: list[Mention], times: list[TimeExpression],
             statement_spans: list[tuple[int, int, str | None]], doc_date: dt.date | None
             ) -> tuple[list[dict[str, Any]], list[Mention]]:
        """The events of one article, and the venues it found that the lexicon does not know
        (赞比亚总统府) as PLACE mentions."""
        places = [m for m in mentions if m.type == "PLACE"]
        bodies = [m for m in mentions if m.type in ("ORGANIZATION", "AGENCY", "PLACE")]
        invitations = [Span(m.start(), m.end()) for m in self.w.invitation.finditer(text)]
        ctx = _Ctx(text, actors, places, bodies, times, invitations, statement_spans, self.lex, self.w)
        return _ArticleEvents(self, ctx).run(doc_date), list(ctx.new_places)


class _ArticleEvents:
    """One pass over one article (the reader itself keeps no per-article state)."""

    def __init__(self, reader: EventReader, ctx: _Ctx):
        self.lex = reader.lex
        self.w = reader.w
        self.compound_place = reader.compound_place
        self.compound_visit = reader.compound_visit
        self._ctx = ctx

    def run(self, doc_date: dt.date | None) -> list[dict[str, Any]]:
        ctx = self._ctx
        events: list[Event] = []
        last_person: str | None = None
        for sent in sentences(ctx.text):
            events += self._sentence_events(sent, last_person)
            hits = ctx.actors_in(sent)
            if hits:
                last_person = hits[0].name
        self._inherit_places(events)
        self._join(events)
        self._dates_across(events, doc_date)
        return self._records(ctx.text, events)

    # -- one sentence ------------------------------------------------------------------------------

    def _sentence_events(self, sent: Span, last_person: str | None) -> list[Event]:
        c = self._ctx
        text = c.text
        out: list[Event] = []
        triggers: list[tuple[int, int, str, str]] = []  # start, end, type, form
        for m in self.w.trigger.finditer(text, sent.start, sent.end):
            if self.w.trigger_refusal.match(text, m.end()) or c.inside_name(m.start(), m.end()) \
                    or self.w.trigger_back_ref.search(text, max(0, m.start() - 2), m.start()):
                continue
            triggers.append((m.start(), m.end(), m.lastgroup, "word"))
        for m in self.compound_visit.finditer(text, sent.start, sent.end):
            if not c.inside_name(m.start(), m.end()) and c.place_at(m.start(1)) is None \
                    and not c.inside_name(m.start(1), m.end(1)):
                triggers.append((m.start(), m.end(), "visit", "compound"))
        for m in self.w.held.finditer(text, sent.start, sent.end):
            triggers.append((m.end() - 2, m.end(), "meeting", "held"))
        triggers.sort()
        # 来华进行国事访问: one visit
        kept: list[tuple[int, int, str, str]] = []
        for t in triggers:
            if kept and kept[-1][3] == "compound" and t[2] == "visit" and t[0] - kept[-1][1] <= 3 \
                    and not re.search(r"[，,；;。]", text[kept[-1][1]:t[0]]):
                continue
            kept.append(t)
        subject = self._sentence_subject(sent, last_person)
        for start, end, kind, form in kept:
            clause = containing(clauses(text, sent), start) or sent
            ev = Event(kind, Span(start, end), sent, quoted=c.quoted(start))
            self._participants(ev, clause, form, subject, last_person)
            self._places(ev, clause, form, out)
            ev.dates = self._dates(clause, sent, start)
            if form == "held":
                ev.participants = []
            out.append(ev)
        return out

    def _sentence_subject(self, sent: Span, last_person: str | None) -> str | None:
        c = self._ctx
        for p in c.actors_in(sent):
            return p.name
        for pr in self.w.pronouns:
            if pr in c.text[sent.start:sent.end]:
                return last_person
        return None

    def _participants(self, ev: Event, clause: Span, form: str, subject: str | None,
                      last_person: str | None) -> None:
        c = self._ctx
        text = c.text
        t = ev.trigger
        after = text[t.end:clause.end]
        obj = self.w.anaphoric_object.match(after)
        opens_with = self.w.anaphoric_subject.match(text, clause.start, clause.end)
        if ev.type == "attend" and (obj or opens_with):
            ev.join = "all" if obj and obj.group().startswith("上述") else "last"
            region = Span(ev.sentence.start, t.start)
            names = [p.name for p in c.persons_in(region)]
            names += [b.name for b in c.bodies
                      if region.start <= b.start and b.end <= region.end and not c.actors.in_chain(b.start, b.end)
                      and not c.in_invitation(b.start) and not any(p.start <= b.start < p.end for p in c.actors.persons)]
            ev.participants = _unique(names)
            return
        persons = [p for p in c.persons_in(clause) if not c.in_invitation(p.start)]
        if form == "compound" and re.search(r"的", text[t.end:clause.end]):
            # 会见来华进行国事访问的西班牙国王费利佩六世: the visitor is named after 的
            de = text.index("的", t.end, clause.end)
            persons = [p for p in persons if p.start > de]
        elif form == "compound":
            before = [p for p in persons if p.start < t.start]
            persons = before[-1:]  # 习近平欢迎费利佩六世国王访华: the one right before visits
        elif ev.type == "visit" and self.w.visit_relative.match(after):
            de = t.end + self.w.visit_relative.match(after).end()
            persons = [p for p in persons if p.start >= de]  # 会见到访的美国国务卿鲁比奥
        elif ev.type == "visit":
            before = [p for p in persons if p.start < t.start]
            persons = before or []
        names = [p.name for p in persons]
        lead = text[clause.start:t.start]
        opens_with_person = any(p.start == clause.start or c.actors.chain_of(p) is not None
                                and c.actors.chain_of(p).start == clause.start for p in persons)
        if not opens_with_person:
            pron = next((pr for pr in self.w.pronouns if pr in lead), None)
            if pron:
                first = next(iter(c.actors_in(ev.sentence)), None)
                who = first.name if first and first.start < clause.start + lead.index(pron) else last_person
                if who:
                    names.insert(0, who)
            elif subject and subject not in names and (not names or ev.type != "visit"):
                names.insert(0, subject)
        if not names and ev.type != "visit":
            names = [b.name for b in self._opening_bodies(ev.sentence, t.start)]
        for n in list(names):
            if any(text.startswith(x, p.end) for p in persons if p.name == n for x in self.w.couple_suffixes):
                spouse = c.actors.spouses.get(n)
                if spouse:
                    names.append(spouse)
        ev.participants = _unique(names)

    def _opening_bodies(self, sent: Span, pos: int) -> list[Mention]:
        """A body that opens the sentence (after a time) acts in it: 国务院新闻办公室今天…举行吹风会."""
        c = self._ctx
        for cl in clauses(c.text, sent):
            if cl.start >= pos:
                break
            p = cl.start
            while (a := self.w.adverb.match(c.text, p, cl.end)) and a.end() > p:
                p = a.end()
            hit = [b for b in c.bodies if b.start == p and b.type == "AGENCY"]
            if hit:
                return hit
            if p < cl.end:
                return []
        return []

    # -- places ------------------------------------------------------------------------------------

    def _places(self, ev: Event, clause: Span, form: str, earlier: list[Event]) -> None:
        c = self._ctx
        text = c.text
        t = ev.trigger
        if form == "compound":
            ev.add_places([self.compound_place[text[t.end - 1]]])
            return
        if ev.type == "visit":
            word = text[t.start:t.end]
            if word in self.w.visit_before:
                ev.add_places([m.name for m in c.places_in(clause.start, t.start)])
            else:
                ev.add_places(self._destinations(t.end, clause.end))
                d = re.search(r"对([^，。对]{1,20}?)(?:进行)?$", text[clause.start:t.start])
                if d:
                    s = clause.start + d.start(1)
                    ev.add_places([m.name for m in c.places_in(s, s + len(d.group(1)))])
            if not ev.places:  # 在东京会见到访的美国国务卿鲁比奥: the visit is to where the meeting is
                held = [x for x in earlier if x.type != "visit" and x.places and x.sentence == ev.sentence]
                if held:
                    ev.add_places(held[-1].places)
            return
        for s, e in self._venue_slots(clause, t):
            ev.add_places(self._venue_places(s, e))
        if not ev.places and ev.type not in self.w.placeless_types:
            prev = [x for x in earlier if x.type == "visit" and x.places and x.sentence == ev.sentence]
            if prev:
                ev.add_places(prev[-1].places)

    def _destinations(self, pos: int, end: int) -> list[str]:
        c = self._ctx
        out: list[str] = []
        while pos < end:
            m = c.place_at(pos)
            if m is None:
                break
            if c.usable(m):
                out.append(m.name)
            pos = m.end
            sep = _SEP.match(c.text, pos, end)
            if not sep:
                break
            pos = sep.end()
        return out

    def _venue_slots(self, clause: Span, t: Span) -> list[tuple[int, int]]:
        text = self._ctx.text
        out = []
        for m in re.finditer("在", text[clause.start:clause.end]):
            s = clause.start + m.end()
            if self._ctx.inside_name(s - 1, s):
                continue
            stop = self.w.venue_end.search(text, s, clause.end)
            e = stop.start() if stop else clause.end
            if s < e:
                out.append((s, e))
        return out

    def _venue_places(self, s: int, e: int) -> list[str]:
        """Places written in a venue slot: 北京人民大会堂 -> 人民大会堂 and 北京; 赞比亚总统府 ->
        赞比亚 and 赞比亚总统府 (a venue the lexicon does not know); 人民大会堂北大厅 also gives
        人民大会堂."""
        c = self._ctx
        text = c.text
        out: list[str] = []
        ms = [m for m in c.places_in(s, e) if c.usable(m)]
        for m in ms:
            out.append(m.name)
            entry = self.lex.lookup(m.name)
            if entry is None or entry.level != "landmark":
                continue
            for k in range(len(m.text) - 1, 1, -1):  # the city or building a landmark is written with
                e2 = self.lex.lookup(m.text[:k])
                if e2 is not None and e2.type == "PLACE" and e2.name != m.name:
                    out.append(e2.name)
                    break
        if ms:
            last = ms[-1]
            rest = text[last.end:e]
            v = self.w.venue_suffix.search(rest)
            if rest and v and v.end() == len(rest) and re.fullmatch(r"[\u4e00-\u9fff]{1,8}", rest):
                venue = text[last.start:e]
                out.append(venue)
                c.new_places.append(Mention(last.start, e, venue, "PLACE", venue, origin="pattern"))
        return out

    # -- dates ------------------------------------------------------------------------------------

    def _dates(self, clause: Span, sent: Span, pos: int) -> list[str]:
        """Days stated in the trigger's clause, else earlier in its sentence (a dateline's
        11月18日电 is when the report was filed, not when the event happened)."""
        times = self._ctx.times
        text = self._ctx.text
        for lo, hi in ((clause.start, clause.end), (sent.start, pos)):
            ds = [d for t in times if lo <= t.start < hi and not text.startswith("电", t.end)
                  for d in [_day(t)] if d]
            if ds:
                return _unique(ds)
        return []

    # -- across the article ---------------------------------------------------------------------

    def _join(self, events: list[Event]) -> None:
        """Attendance of what was reported above takes its places and day."""
        for i, ev in enumerate(events):
            if ev.join is None or ev.places:
                continue
            before = [x for x in events[:i] if x.places and not x.quoted and x.type != "visit" and x.join is None]
            if not before:
                continue
            for x in (before if ev.join == "all" else before[-1:]):
                ev.add_places(x.places)
            if not ev.dates:
                ev.dates = list(before[-1].dates)

    def _inherit_places(self, events: list[Event]) -> None:
        """A reported event without a place happens where the event it belongs to happens: the
        nearest reported event of its kind (any kind for a banquet or ceremony) with a place that
        shares a participant and is not on another day; failing that, a visit of a participant."""
        placed = [bool(x.places) for x in events]  # only places stated in the text are passed on
        for i, ev in enumerate(events):
            if ev.places or ev.quoted or not ev.participants or ev.join or ev.type in self.w.placeless_types:
                continue
            order = [j for j in [*range(i - 1, -1, -1), *range(i + 1, len(events))] if placed[j]]
            alike = [events[j] for j in order if not events[j].quoted and events[j].type != "visit"
                     and (events[j].type == ev.type or ev.type in self.w.accompanying_types)]
            pool = alike + [events[j] for j in order if events[j].type == "visit"]
            for x in pool:
                if set(x.participants) & set(ev.participants) and not (ev.dates and x.dates
                                                                       and not set(ev.dates) & set(x.dates)):
                    ev.add_places(x.places)
                    if not ev.dates:
                        ev.dates = list(x.dates)
                    break

    def _dates_across(self, events: list[Event], doc_date: dt.date | None) -> None:
        """An undated reported event is on the day of the last dated event it shares a participant
        with (当晚…举行欢迎宴会), else on the document's day; reported speech, and sentences that
        tell of another time (日前, 去年), keep only the days they state."""
        text = self._ctx.text
        for i, ev in enumerate(events):
            if ev.dates or ev.quoted:
                continue
            if self.w.vague_time.search(text, ev.sentence.start, ev.sentence.end):
                continue
            prev = next((x for x in reversed(events[:i]) if x.dates and not x.quoted
                         and set(x.participants) & set(ev.participants)), None)
            if prev is not None:
                ev.dates = list(prev.dates)
            elif doc_date is not None:
                ev.dates = [doc_date.isoformat()]

    def _records(self, text: str, events: list[Event]) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        seen: set[tuple] = set()
        for ev in events:
            if not ev.participants:
                continue
            for d in ev.dates or [None]:
                key = (ev.type, tuple(ev.participants), tuple(ev.places), d)
                if key in seen:
                    continue
                seen.add(key)
                out.append({"type": ev.type, "date": d, "participants": list(ev.participants),
                            "places": list(ev.places), "start": ev.sentence.start, "end": ev.sentence.end,
                            "text": text[ev.sentence.start:ev.sentence.end]})
        return out


@dataclass
class _Ctx:
    """One article as the event rules see it."""

    text: str
    actors: Actors
    places: list[Mention]
    bodies: list[Mention]
    times: list[TimeExpression]
    invitations: list[Span]
    statements: list[tuple[int, int, str | None]]
    lex: Lexicon
    words: NewsWords
    new_places: list[Mention] = field(default_factory=list)

    def inside_name(self, s: int, e: int) -> bool:
        return any(m.start <= s and e <= m.end and (m.start, m.end) != (s, e) for m in self.bodies) or \
            any(p.start <= s and e <= p.end for p in self.actors.persons)

    def quoted(self, pos: int) -> bool:
        return any(s <= pos < e for s, e, _ in self.statements)

    def actors_in(self, sent: Span) -> list:
        """The people of a sentence who may act in it (not the host named in an invitation)."""
        return [p for p in self.actors.persons if p.start in sent and not self.in_invitation(p.start)]

    def in_invitation(self, pos: int) -> bool:
        return any(pos in s for s in self.invitations)

    def persons_in(self, span: Span):
        return self.actors.persons_in(span.start, span.end)

    def places_in(self, s: int, e: int) -> list[Mention]:
        return [m for m in self.places if s <= m.start and m.end <= e and self.usable(m)]

    def place_at(self, pos: int) -> Mention | None:
        return next((m for m in self.places if m.start == pos), None)

    def usable(self, m: Mention) -> bool:
        return not (self.actors.in_chain(m.start, m.end) or self.in_invitation(m.start)
                    or self._named_event(m) or self._wide(m))

    def _named_event(self, m: Mention) -> bool:
        return bool(self.words.event_name_suffix.match(self.text, m.end))

    def _wide(self, m: Mention) -> bool:
        e = self.lex.lookup(m.name)
        return e is not None and e.level in self.words.wide_place_levels


def _day(t: TimeExpression) -> str | None:
    """A day the expression names: a point, or the first day of a range (11月17日至18日)."""
    if not _DAY.search(t.text):
        return None
    if t.kind == "range" and t.from_:
        return t.from_
    if t.kind == "point" and t.relation == "on":
        return t.date
    return None


def _unique(xs: list) -> list:
    return list(dict.fromkeys(x for x in xs if x))
