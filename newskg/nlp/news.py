"""The news-actor component ("newskg_news"): roles, statements and events of a news article.

It runs after the entity and task components and reads what they left on the Doc: the mentions
(bodies, places, people the tagger found), the time expressions and the article context. It sets
`doc._.roles`, `doc._.statements` and `doc._.events` (offsets into the cleaned text; extract.py maps
them to the source) and rewrites `doc._.mentions` so that every person it names is a PERSON
mention under the same canonical name (达宁 -> 罗伯特·达宁) and fragments that overlapped a name
are gone. Policy documents carry no statements or events. An article that names no person can
only have bodies and unnamed sources as speakers and agencies as participants (a briefing: 国务院
新闻办公室举行吹风会, 有关负责人介绍), which the gold annotates, so those are kept.
"""
from __future__ import annotations

from typing import Any

from spacy.language import Language
from spacy.tokens import Doc
from spacy.util import filter_spans

from newskg.nlp.lexicon import Lexicon, default_lexicon
from newskg.nlp.news_actors import ActorReader, Actors
from newskg.nlp.news_events import EventReader
from newskg.nlp.news_statements import StatementReader
from newskg.nlp.newswords import NewsWords, news_words

NO_NEWS_KINDS = frozenset({"policy"})


@Language.factory("newskg_news")
def make_news(nlp: Language, name: str) -> NewsComponent:
    return NewsComponent(default_lexicon(), news_words())


class NewsComponent:
    def __init__(self, lexicon: Lexicon, words: NewsWords):
        self.actors = ActorReader(lexicon, words)
        self.statements = StatementReader(words)
        self.events = EventReader(lexicon, words)

    def __call__(self, doc: Doc) -> Doc:
        ctx = doc._.ctx
        text = doc.text
        actors = self.actors.read(text, list(doc._.mentions or []))
        doc._.roles = roles(actors)
        doc._.statements, doc._.events = [], []
        if ctx is None or ctx.kind not in NO_NEWS_KINDS:
            found = self.statements.read(text, actors, actors.mentions)
            doc._.statements = [s.to_json(text) for s in found]
            spans = [(s.content_start, s.end, s.speaker.name) for s in found]
            date = ctx.date if ctx is not None else None
            doc._.events, venues = self.events.read(text, actors, actors.mentions, doc._.times or [], spans, date)
            meetings = list({s.speaker.named_at for s in found if s.speaker.named_at is not None})
            actors.mentions = _merge(actors.mentions, venues + meetings)
        doc._.mentions = actors.mentions
        spans = [doc.char_span(m.start, m.end, label=m.type, alignment_mode="expand") for m in actors.mentions]
        doc.ents = filter_spans([s for s in spans if s is not None])
        return doc


def roles(actors: Actors) -> list[dict[str, Any]]:
    """One role per (person, title, organisation), first occurrence; a role without a body is
    dropped where the same person holds the same title with one."""
    out: dict[tuple, dict[str, Any]] = {}
    for r in actors.roles:
        key = (r.person, r.title, r.organization)
        if key not in out:
            out[key] = {"person": r.person, "title": r.title, "organization": r.organization,
                        "start": r.start, "end": r.end}
    with_org = {(p, t) for p, t, o in out if o}
    return [v for (p, t, o), v in out.items() if o or (p, t) not in with_org]


def _merge(mentions: list, extra: list) -> list:
    """Add mentions found here (a venue, a speaking meeting); one replaces the mentions it contains
    (国务院 inside 国务院常务会议) and yields to any it only overlaps."""
    taken = [(m.start, m.end) for m in mentions]
    out = list(mentions)
    for m in extra:
        inside = [x for x in out if m.start <= x.start and x.end <= m.end]
        if any(s < m.end and m.start < e for s, e in taken) and not inside:
            continue
        out = [x for x in out if x not in inside]
        out.append(m)
        taken.append((m.start, m.end))
    return sorted(out, key=lambda m: m.start)
