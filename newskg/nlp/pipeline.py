"""The spaCy pipeline: a jieba segmenter with the project's dictionary, then registered components
for time expressions, entity mentions, tasks and news actors.

Each article is one Doc. What a component needs to know about the document (its date, issuer,
headings, what kind of article it is) travels in `doc._.ctx`, set before the components run.
"""
from __future__ import annotations

import datetime as dt
import warnings
from dataclasses import dataclass, field

import spacy
from spacy.language import Language
from spacy.tokens import Doc
from spacy.util import filter_spans

from newskg.nlp.entities import EntityFinder
from newskg.nlp.lexicon import Lexicon, default_lexicon
from newskg.nlp.segmenter import JiebaSegmenter
from newskg.nlp.tasks import TaskReader
from newskg.nlp.timex import parse_time
from newskg.nlp.units import split_units

for _name in ("ctx", "times", "mentions", "units", "tasks", "roles", "statements", "events"):
    if not Doc.has_extension(_name):
        Doc.set_extension(_name, default=None)


@dataclass(frozen=True)
class ArticleContext:
    date: dt.date | None = None
    approximate: bool = False  # the date was inferred
    issuer: str | None = None
    kind: str = "unknown"  # policy | policy_news | people_news | unknown (taskwords.article_kinds)
    headings: tuple[tuple[int, int, int], ...] = ()  # markdown headings (clean start, end, level)
    extra: dict = field(default_factory=dict)


def _ctx(doc: Doc) -> ArticleContext:
    return doc._.ctx or ArticleContext()


@Language.factory("newskg_timex")
def make_timex(nlp: Language, name: str) -> TimexComponent:
    return TimexComponent()


class TimexComponent:
    """Time expressions normalised against the document date (newskg.nlp.timex)."""

    def __call__(self, doc: Doc) -> Doc:
        ctx = _ctx(doc)
        doc._.times = parse_time(doc.text, ctx.date, approximate=ctx.approximate)
        spans = [doc.char_span(t.start, t.end, label="TIME", alignment_mode="expand") for t in doc._.times]
        doc.spans["timex"] = [s for s in spans if s is not None]
        return doc


@Language.factory("newskg_entities", default_config={"use_ner": True})
def make_entities(nlp: Language, name: str, use_ner: bool) -> EntityComponent:
    ner = None
    if use_ner:
        from newskg.nlp.ner import CharNER

        try:
            ner = CharNER.load()
        except (FileNotFoundError, OSError, ValueError):  # a missing or mismatched model: run without it
            warnings.warn("newskg: NER model not found; entities come from lexicons and rules only",
                          stacklevel=2)
    return EntityComponent(EntityFinder(default_lexicon(), ner))


class EntityComponent:
    """Agencies, people, organisations, places and policies; doc.ents holds the non-overlapping ones."""

    def __init__(self, finder: EntityFinder):
        self.finder = finder

    def __call__(self, doc: Doc) -> Doc:
        mentions = self.finder.find(doc.text, issuer=_ctx(doc).issuer)
        doc._.mentions = mentions
        spans = [doc.char_span(m.start, m.end, label=m.type, alignment_mode="expand") for m in mentions]
        doc.ents = filter_spans([s for s in spans if s is not None])
        return doc


@Language.factory("newskg_tasks")
def make_tasks(nlp: Language, name: str) -> TaskComponent:
    return TaskComponent(TaskReader(), default_lexicon())


class TaskComponent:
    """Task units with agencies, deadline, modality and parent (newskg.nlp.tasks); agency names
    end canonical, scoped by the issuer (各部门 in a State Council notice is 国务院各部门)."""

    def __init__(self, reader: TaskReader, lexicon: Lexicon):
        self.reader = reader
        self.lexicon = lexicon

    def canonical(self, name: str, issuer: str | None) -> str:
        entry = self.lexicon.lookup(name, issuer=issuer)
        return entry.name if entry else name

    def __call__(self, doc: Doc) -> Doc:
        ctx = _ctx(doc)
        units = split_units(doc.text, list(ctx.headings))
        doc._.units = units
        # organisations can owe tasks too (国家融资担保基金); places and people cannot
        agencies = [m for m in (doc._.mentions or []) if m.type in ("AGENCY", "ORGANIZATION")]
        tasks = self.reader.read(doc.text, units, doc._.times or [], agencies, kind=ctx.kind,
                                 ref=ctx.date.isoformat() if ctx.date else None)
        for t in tasks:
            seen: dict[str, str] = {}
            for nm, role in t.agencies:
                seen.setdefault(self.canonical(nm, ctx.issuer), role)
            t.agencies = list(seen.items())
        doc._.tasks = tasks
        return doc


def build_pipeline(*, ner: bool = True, news: bool = True) -> Language:
    nlp = spacy.blank("zh")
    nlp.tokenizer = JiebaSegmenter(nlp.vocab, default_lexicon().jieba_words())
    nlp.add_pipe("newskg_timex")
    nlp.add_pipe("newskg_entities", config={"use_ner": ner})
    nlp.add_pipe("newskg_tasks")
    if news:
        try:
            import newskg.nlp.news  # noqa: F401  (registers newskg_news)
        except ImportError:
            return nlp
        nlp.add_pipe("newskg_news")
    return nlp


def run(nlp: Language, text: str, ctx: ArticleContext) -> Doc:
    doc = nlp.make_doc(text)
    doc._.ctx = ctx
    for _, proc in nlp.pipeline:
        doc = proc(doc)
    return doc
