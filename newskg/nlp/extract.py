"""One document in, one extraction record out: the JSON Lines contract of `newskg extract`
(../shared/spec/extraction-output.md). Offsets go back through each article's TextView to the
decoded file; text fields hold the cleaned form."""
from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from spacy.language import Language

from newskg.corpus.document import SourceDocument
from newskg.graph.model import short_hash
from newskg.nlp.entities import is_system_name
from newskg.nlp.lexicon import default_lexicon
from newskg.nlp.pipeline import ArticleContext, build_pipeline, run
from newskg.nlp.taskwords import task_words
from newskg.nlp.timex import infer_document_date

_ISSUE = re.compile(r"关于印发(.+?)的通知")
_QUOTES = str.maketrans("", "", "《》")  # 《“无废城市”建设试点工作方案》 names “无废城市”建设试点工作方案
_COUNTED = re.compile(r"[两二三四五六七八九十]个[\u4e00-\u9fff]{1,4}$")  # 两个规定: several documents
_PERSON_CREDITS = frozenset({"制图", "摄影", "摄", "记者", "编辑", "责编", "文", "图"})
# 【责任编辑：朱英】 at the foot of a web page: page furniture to the layout, a person to us
_EDITOR = re.compile(r"责任编辑\s*[:：]\s*([\u4e00-\u9fff]{2,4}(?:·[\u4e00-\u9fff]{1,6})?)(?![\u4e00-\u9fff])")
_TOO_GENERIC = frozenset({"有关部门", "有关单位", "有关方面"})


@dataclass
class Extraction:
    """The record of one document, shaped as the contract; `to_json` is what `extract` prints."""
    document: dict[str, Any]
    articles: list[dict[str, Any]] = field(default_factory=list)
    entities: list[dict[str, Any]] = field(default_factory=list)
    tasks: list[dict[str, Any]] = field(default_factory=list)
    roles: list[dict[str, Any]] = field(default_factory=list)
    statements: list[dict[str, Any]] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {"document": self.document, "articles": self.articles, "entities": self.entities,
                "tasks": self.tasks, "roles": self.roles, "statements": self.statements,
                "events": self.events}


def entity_id(typ: str, name: str) -> str:
    return f"{typ.lower()}:{short_hash(typ, name)}"


class _Entities:
    """Mentions grouped into entities by (type, canonical name)."""

    def __init__(self) -> None:
        self.by_key: dict[tuple[str, str], dict[str, Any]] = {}

    def add(self, typ: str, name: str, start: int | None = None, end: int | None = None,
            text: str | None = None) -> str:
        key = (typ, name)
        e = self.by_key.get(key)
        if e is None:
            e = {"id": entity_id(typ, name), "type": typ, "name": name, "aliases": [], "mentions": []}
            self.by_key[key] = e
        if text is not None and start is not None:
            if text != name and text not in e["aliases"]:
                e["aliases"].append(text)
            mention = {"start": start, "end": end, "text": text}
            if mention not in e["mentions"]:
                e["mentions"].append(mention)
        return e["id"]

    def add_written(self, text: str, typ: str, name: str, start: int = 0, end: int | None = None) -> str:
        """An entity known by name (a credit, a source, the document's title): its first occurrence
        in text[start:end], if it is written there, is its mention."""
        i = text.find(name, start, len(text) if end is None else end)
        return self.add(typ, name, i, i + len(name), name) if i >= 0 else self.add(typ, name)

    def find(self, name: str) -> dict[str, Any] | None:
        return next((e for (t, n), e in self.by_key.items() if n == name), None)

    def records(self) -> list[dict[str, Any]]:
        return sorted(self.by_key.values(), key=lambda e: (e["mentions"][0]["start"] if e["mentions"] else -1,
                                                             e["type"], e["name"]))


def policy_name(title: str | None) -> str | None:
    """The plan a document issues (关于印发X的通知 → X) or, for an opinion or plan, its own title."""
    if not title:
        return None
    m = _ISSUE.search(title)
    if m and not _COUNTED.search(m.group(1)):
        return m.group(1).translate(_QUOTES)
    if m:  # 关于印发…两个规定的通知 issues several documents: the notice stands for them
        return _squash(title)
    return title if task_words().article_kind(title) == "policy" else None


class Extractor:
    """Runs the pipeline over documents; build once, reuse for every file."""

    def __init__(self, nlp: Language | None = None):
        self.nlp = nlp or build_pipeline()
        self.words = task_words()
        self.lexicon = default_lexicon()

    def extract(self, doc: SourceDocument) -> Extraction:
        date, date_source, approximate = doc.date, doc.date_source, False
        if date is None:
            date = infer_document_date(doc.text[doc.body_start:])
            if date is not None:
                date_source, approximate = "inferred", True
        rec = Extraction(document={
            "id": doc.id, "path": doc.path, "title": doc.title,
            "date": date.isoformat() if date else None, "date_source": date_source, "source": doc.source})
        ents = _Entities()
        doc_policy = policy_name(doc.title)
        # the document itself is a policy (its full title: 国务院办公厅关于印发X的通知), besides the
        # plan it issues (X)
        if doc.title and (doc.meta.get("doc_no") or self.words.article_kind(doc.title) == "policy"):
            ents.add_written(doc.text, "POLICY", _squash(doc.title), doc.body_start)
        for art in doc.articles:
            view = art.block.view
            # a numbered official document (国发〔2018〕39号) is a policy whatever its title says
            kind = "policy" if doc.meta.get("doc_no") else self.words.article_kind(art.title or doc.title)
            ctx = ArticleContext(date=date, approximate=approximate, issuer=doc.issuer or _issuer_of(doc),
                                 kind=kind, headings=tuple(art.block.headings))
            sdoc = run(self.nlp, view.text, ctx)
            rec.articles.append({"id": art.id, "title": art.title, "start": art.start, "end": art.end,
                                 "source": art.source,
                                 "credits": [{"role": c.role, "name": c.name} for c in art.credits]})
            for c in art.credits:
                if c.role in _PERSON_CREDITS:
                    ents.add_written(doc.text, "PERSON", c.name, art.start, art.end)
            if art.source and self._named_source(doc, art.source):
                ents.add_written(doc.text, "ORGANIZATION", art.source, art.start, art.end)
            for m in sdoc._.mentions or []:
                for x in (m, *m.parts):
                    s, e = view.source_span(x.start, x.end)
                    ents.add(x.type, x.name, s, e, x.text)
            art_policy = doc_policy or _issued_policy(sdoc)
            policy_id = ents.add("POLICY", art_policy) if art_policy else None
            ids: dict[int, str] = {}
            for f in sdoc._.tasks or []:
                s, e = view.source_span(f.start, f.end)
                ids[f.unit] = f"task:{short_hash(doc.id, s, e)}"
            for f in sdoc._.tasks or []:
                s, e = view.source_span(f.start, f.end)
                dl = None
                if f.deadline:
                    ds, de = view.source_span(f.deadline.start, f.deadline.end)
                    dl = {"text": f.deadline.text, "start": ds, "end": de, "date": f.deadline.date,
                          "from": f.deadline.from_, "relation": f.deadline.relation,
                          "approximate": f.deadline.approximate, "inherited": f.deadline.inherited}
                for name, _ in f.agencies:
                    if ents.find(name) is None:
                        ents.add("AGENCY", name)
                rec.tasks.append({
                    "id": ids[f.unit], "article": art.id, "start": s, "end": e, "text": f.text,
                    "action": f.action, "modality": f.modality, "deadline": dl,
                    "agencies": [{"name": n, "role": r} for n, r in f.agencies],
                    "parent": ids.get(f.parent) if f.parent is not None else None, "policy": policy_id})
            for key in ("roles", "statements", "events"):
                for item in getattr(sdoc._, key) or []:
                    rec_item = dict(item)
                    if "start" in rec_item:
                        rec_item["start"], rec_item["end"] = view.source_span(rec_item["start"], rec_item["end"])
                    getattr(rec, key).append(rec_item)
        for name, s, e in _editor_credits(doc.text, doc.body_start):
            ents.add("PERSON", name, s, e, doc.text[s:e])
        rec.entities = ents.records()
        for e in rec.entities:
            if e["type"] == "AGENCY":
                self._agency_facts(e)
        return rec

    def _named_source(self, doc: SourceDocument, source: str) -> bool:
        """A credited source is an entity where the text names it (据新华社), not where only the
        front matter does (中国政府网 as the page's origin), and only if it is a known organisation
        (a parenthetical such as （本文有删减） is read as a source line by the layout) and not a
        website."""
        entry = self.lexicon.lookup(source)
        return (entry is not None and entry.type == "ORGANIZATION" and not is_system_name(entry.name)
                and doc.text.find(source, doc.body_start) >= 0)

    def _agency_facts(self, e: dict[str, Any]) -> None:
        """Whether an agency is a collective, and which collectives it belongs to (for queries that
        include tasks a ministry owes as one of 国务院各部门). Bare 有关部门 is everybody's and so
        nobody's: it is left out."""
        entry = self.lexicon.get(e["name"]) or self.lexicon.lookup(e["name"])
        e["collective"] = bool(entry and entry.collective)
        e["member_of"] = [c for c in self.lexicon.collectives_of(e["name"]) if c not in _TOO_GENERIC]

    def extract_many(self, docs: Iterable[SourceDocument]) -> Iterator[Extraction]:
        for d in docs:
            yield self.extract(d)


def _squash(s: str) -> str:
    return re.sub(r"\s+", "", s)


def _editor_credits(text: str, start: int) -> Iterator[tuple[str, int, int]]:
    for m in _EDITOR.finditer(text, start):
        yield m.group(1), m.start(1), m.end(1)


def _issuer_of(doc: SourceDocument) -> str | None:
    """Without front matter, the issuer a page names first (国务院办公厅日前印发…)."""
    m = re.search(r"(国务院办公厅|国务院|国办)(?:日前)?(?:印发|发布|出台)", doc.text)
    if m:
        return "国务院办公厅" if m.group(1) == "国办" else m.group(1)
    return None


def _issued_policy(sdoc: Any) -> str | None:
    text = sdoc.text  # Doc.text joins every token: once per article, not once per mention
    for m in sdoc._.mentions or []:
        if m.type == "POLICY" and re.search(r"(印发|出台|发布)$", text[max(0, m.start - 4):m.start]):
            return m.name
    return None
