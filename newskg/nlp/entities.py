"""Entity mentions of an article: lexicon bodies and places, local-government patterns, titles in
《》, named programmes, and what the statistical NER model finds beyond them."""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from newskg.nlp.lexicon import Lexicon
    from newskg.nlp.ner import CharNER

_POLICY = re.compile(r"《([^《》\n]{2,80})》")
_PROGRAMME = re.compile(r"(?:“([^“”\n]{2,16})”(?=试点|工程|行动|计划|建设|改革))|([\u4e00-\u9fff]{2,8}(?:工程|计划|专项行动))")
_NER_TYPES = {"PER": "PERSON", "LOC": "PLACE", "ORG": "ORGANIZATION"}


@dataclass(frozen=True)
class Mention:
    start: int
    end: int
    text: str
    type: str  # AGENCY | PERSON | ORGANIZATION | PLACE | POLICY | EVENT | SYSTEM
    name: str  # canonical
    collective: bool = False
    origin: str = "lexicon"  # lexicon | pattern | ner


class EntityFinder:
    def __init__(self, lexicon: Lexicon, ner: CharNER | None = None):
        self.lexicon = lexicon
        self.ner = ner

    def find(self, text: str, *, issuer: str | None = None) -> list[Mention]:
        out: list[Mention] = []
        taken = bytearray(len(text) + 1)

        def add(m: Mention) -> None:
            if any(taken[m.start:m.end]):
                return
            taken[m.start:m.end] = b"\x01" * (m.end - m.start)
            out.append(m)

        for m in _POLICY.finditer(text):
            add(Mention(m.start(), m.end(), m.group(0), "POLICY", m.group(1), origin="pattern"))
        for lm in self.lexicon.local_agencies(text, issuer=issuer):
            add(Mention(lm.start, lm.end, lm.text, "AGENCY", lm.entry.name, lm.entry.collective, "pattern"))
        for lm in self.lexicon.find(text, issuer=issuer):
            e = lm.entry
            add(Mention(lm.start, lm.end, lm.text, e.type, e.name, e.collective))
        for m in _PROGRAMME.finditer(text):
            name = m.group(1) or m.group(2)
            s = m.start(1) if m.group(1) else m.start(2)
            add(Mention(s - (1 if m.group(1) else 0), s + len(name) + (1 if m.group(1) else 0),
                        text[s - (1 if m.group(1) else 0):s + len(name) + (1 if m.group(1) else 0)],
                        "POLICY", name, origin="pattern"))
        if self.ner is not None:
            for sp in self.ner.predict(text):
                typ = _NER_TYPES.get(sp.label)
                if typ and len(sp.text) >= 2:
                    add(Mention(sp.start, sp.end, sp.text, typ, sp.text, origin="ner"))
        out.sort(key=lambda m: m.start)
        return out
