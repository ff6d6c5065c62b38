"""Entity mentions of an article: lexicon bodies and places, local-government patterns, titles in
《》, the Party's congresses and plenums, quoted and compound programme, event and organisation
names, and what the statistical NER model finds beyond them.

Why compounds are built from anchors: a name the lexicon cannot list (上合组织成员国文化部长会议,
北美自由贸易协定, 浙江自贸试验区) almost always opens with a name it can (上合组织, 北美, 浙江) or with a
marker (全国, 国际, 第二十次) and ends with a head word that says what the whole is (会议, 协定,
自贸试验区). Starting a name at its anchor gives it a left edge without a word segmenter, and a head
without an anchor (每年召开两次会议) is not a name. The word lists live in data/entity_patterns.yaml.

Every mention is one non-overlapping span of the text; the names inside a compound (上合组织 in
上合组织峰会, 香港 in 《内地与香港关于建立更紧密经贸关系的安排》) ride along as `parts`, so that
extract.py can make them entities too without the other components seeing overlapping spans.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from functools import lru_cache
from importlib import resources
from typing import TYPE_CHECKING

import yaml

from newskg.nlp.newswords import news_words

if TYPE_CHECKING:
    from newskg.nlp.lexicon import Lexicon, LexMatch
    from newskg.nlp.ner import CharNER

_POLICY = re.compile(r"《([^《》\n]{2,80})》")
_INNER_TITLE = re.compile(r"〈([^〈〉]{2,60})〉")
_HAN = "\u4e00-\u9fff"
_COMPOUND_ORDER = ("PLACE", "AGENCY", "ORGANIZATION", "EVENT", "POLICY")
_WS = re.compile(r"\s+")
_LIST_SEPARATORS = "、和及与"
_YEAR = re.compile(r"\d{4}年")
_DATELINE = re.compile(r"\d{1,2}月\d{1,2}日电?$")


@dataclass(frozen=True)
class Mention:
    start: int
    end: int
    text: str
    type: str  # AGENCY | PERSON | ORGANIZATION | PLACE | POLICY | EVENT | SYSTEM
    name: str  # canonical
    collective: bool = False
    origin: str = "lexicon"  # lexicon | pattern | ner
    # names written inside this one (七国集团 in 七国集团峰会): entities of the text too, never
    # overlapping mentions of their own
    parts: tuple[Mention, ...] = ()


# ---------------------------------------------------------------------------------------------
# the pattern data


def _alt(words: Iterable[str]) -> str:
    return "|".join(re.escape(w) for w in sorted(set(words), key=len, reverse=True))


@dataclass(frozen=True)
class EntityPatterns:
    """data/entity_patterns.yaml, compiled."""

    congress: re.Pattern
    plenum: re.Pattern
    doctrine_authors: re.Pattern
    known_policies: dict[str, str]  # written form -> canonical
    known_policy_re: re.Pattern | None
    heads: dict[str, re.Pattern]  # type -> head words
    head_words: dict[str, tuple[str, ...]]
    marker_heads: dict[str, frozenset[str]]
    anchors: dict[str, frozenset[str]]
    markers: dict[str, re.Pattern | None]
    transparent_heads: frozenset[str]
    verb_heads: frozenset[str]
    implementing_verbs: frozenset[str]
    generic_openers: tuple[str, ...]
    verb_name_min: int
    head_followers: tuple[str, ...]
    head_not_before: tuple[str, ...]
    head_not_after: dict[str, str]  # head -> characters it may not follow
    stop_words: dict[int, frozenset[str]]  # length -> words
    stop_not_in: dict[str, tuple[tuple[str, int], ...]]  # stop word -> (containing word, offset)
    weak_stops: frozenset[str]
    name_char: re.Pattern
    anchor_prefix: re.Pattern
    max_name: int
    quote_re: re.Pattern  # “X” + optional head; group q, h
    quote_keep: dict[str, str]  # head -> type (head stays in the name)
    quote_bare: dict[str, str]  # head -> type (name is X)
    quote_self: tuple[tuple[str, str], ...]  # (ending, type)
    quote_verbs: tuple[str, ...]
    quote_max: int
    quote_event_min: int
    quote_not_endings: tuple[str, ...]
    named_event: re.Pattern
    abbreviation: re.Pattern
    establish: re.Pattern
    division_line: re.Pattern
    division_item: re.Pattern
    system_endings: tuple[str, ...]
    not_names: frozenset[str]
    self_named_heads: frozenset[str]
    ner_labels: dict[str, str]
    part_types: dict[str, frozenset[str]]
    verb_only: dict[str, frozenset[str]]
    verb_required: frozenset[str]
    min_gap: dict[str, int]
    max_gap: dict[str, int]
    single_anchor: frozenset[str]
    loose_head_types: frozenset[str]
    generic_before_head: tuple[str, ...]
    quote_anchor_types: frozenset[str]
    stop_lengths: tuple[int, ...]


@lru_cache(maxsize=1)
def entity_patterns() -> EntityPatterns:
    raw = yaml.safe_load(
        resources.files("newskg.nlp").joinpath("data/entity_patterns.yaml").read_text("utf-8"))
    num = raw["numerals"]
    ordinal = f"(?:十[{num[:9]}]?|二十[{num[:9]}]?)"
    pre = _alt(raw["congress_prefixes"])
    congress = re.compile(
        rf"(?:(?:中国共产党|中共)第(?P<n1>[{num}]+)次全国代表大会)"
        rf"|(?<![{num}第])(?P<p>{pre})?(?P<n2>十[{num[:9]}]|二十[{num[:9]}]?)大(?![会学类项批型])")
    plenum = re.compile(
        rf"(?<![{num}])(?P<p>{pre})?(?P<t>{ordinal})届(?P<a>[{num[:9]}])中(?:全会|(?P<more>(?:、[{num[:9]}]中)+)全会)")
    known: dict[str, str] = {}
    for row in raw["known_policies"]:
        canon = row[0]
        for form in row:
            for f in {form, form.replace("“", "").replace("”", "")}:
                known.setdefault(f, canon)
                if "“" not in f:
                    known.setdefault(f"“{f}”", canon)
    heads = {t: re.compile(_alt(ws)) for t, ws in raw["heads"].items()}
    for t, ws in raw["marker_heads"].items():
        heads[t] = re.compile(_alt(list(raw["heads"].get(t, [])) + list(ws)))
    stops: dict[int, set[str]] = {}
    for w in raw["stop_words"] + raw["weak_stops"] + raw["implementing_verbs"]:
        stops.setdefault(len(w), set()).add(w)
    keep = {h: t for t, hs in raw["quote_heads"].items() for h in hs["keep"]}
    bare = {h: t for t, hs in raw["quote_heads"].items() for h in hs["bare"]}
    q = raw["quote_max"]
    quote_re = re.compile(rf"“(?P<q>[^“”\n]{{1,{q}}})”(?P<h>{_alt(list(keep) + list(bare))})?")
    return EntityPatterns(
        congress=congress,
        plenum=plenum,
        doctrine_authors=re.compile(_alt(raw["doctrine_authors"])),
        known_policies=known,
        known_policy_re=re.compile(_alt(known)) if known else None,
        heads=heads,
        head_words={t: tuple(ws) for t, ws in raw["heads"].items()},
        marker_heads={t: frozenset(ws) for t, ws in raw["marker_heads"].items()},
        anchors={t: frozenset(ts) for t, ts in raw["anchors"].items()},
        markers={t: re.compile("|".join(f"(?:{p})" for p in ps)) if ps else None
                 for t, ps in raw["markers"].items()},
        transparent_heads=frozenset(raw["transparent_heads"]),
        verb_heads=frozenset(raw["verb_heads"]),
        implementing_verbs=frozenset(raw["implementing_verbs"]),
        generic_openers=tuple(sorted(raw["generic_openers"], key=len, reverse=True)),
        verb_name_min=int(raw["verb_name_min"]),
        head_followers=tuple(sorted(raw["head_followers"], key=len, reverse=True)),
        head_not_before=tuple(raw["head_not_before"]),
        head_not_after={h: str(cs) for h, cs in raw["head_not_after"].items()},
        stop_words={n: frozenset(ws) for n, ws in stops.items()},
        stop_not_in=_containing(raw["stop_not_in"], [w for ws in stops.values() for w in ws]),
        weak_stops=frozenset(raw["weak_stops"]),
        name_char=re.compile(f"[{_HAN}{raw['name_chars']}]"),
        anchor_prefix=re.compile(f"{raw['anchor_prefix']}$"),
        max_name=int(raw["max_name"]),
        quote_re=quote_re,
        quote_keep=keep,
        quote_bare=bare,
        quote_self=tuple((w, t) for t, ws in raw["quote_self_heads"].items() for w in ws),
        quote_verbs=tuple(sorted(raw["quote_verbs"], key=len, reverse=True)),
        quote_max=q,
        quote_event_min=int(raw["quote_event_min"]),
        quote_not_endings=tuple(raw["quote_not_endings"]),
        self_named_heads=frozenset(raw["self_named_heads"]),
        ner_labels=dict(raw["ner_labels"]),
        part_types={t: frozenset(ts or ()) for t, ts in raw["part_types"].items()},
        verb_only={h: frozenset(vs) for h, vs in raw["verb_only"].items()},
        verb_required=frozenset(raw["verb_required"]),
        min_gap={t: int(n) for t, n in raw["min_gap"].items()},
        max_gap={t: int(n) for t, n in raw["max_gap"].items()},
        single_anchor=frozenset(raw["single_anchor"]),
        loose_head_types=frozenset(raw["loose_head_types"]),
        generic_before_head=tuple(raw["generic_before_head"]),
        quote_anchor_types=frozenset(raw["quote_anchor_types"]),
        named_event=re.compile(rf"(?:{_alt(raw['named_event_prefixes'])})(?:“[^“”\n]{{1,8}}”)"),
        abbreviation=re.compile(raw["abbreviation"]),
        establish=re.compile(raw["establish"]),
        division_line=re.compile(rf"^(?:{raw['division_line']})(?:[、，,](?:{raw['division_line']}))*$"),
        division_item=re.compile(raw["division_line"]),
        system_endings=tuple(raw["system_endings"]),
        not_names=frozenset(raw["not_names"]),
        stop_lengths=tuple(sorted(stops, reverse=True)),
    )


def is_system_name(name: str) -> bool:
    """A name that is a website or portal (中国政府网): type SYSTEM, not a body."""
    return name.endswith(entity_patterns().system_endings)


def _containing(words: Iterable[str], stops: Iterable[str]) -> dict[str, tuple[tuple[str, int], ...]]:
    out: dict[str, list[tuple[str, int]]] = {}
    for w in words:
        for st in stops:
            k = w.find(st)
            while k >= 0:
                out.setdefault(st, []).append((w, k))
                k = w.find(st, k + 1)
    return {st: tuple(v) for st, v in out.items()}


def _squash(s: str) -> str:
    return _WS.sub("", s)


def _flat(ms: Iterable[Mention]) -> tuple[Mention, ...]:
    out: list[Mention] = []
    for m in ms:
        out.append(replace(m, parts=()))
        out.extend(m.parts)
    return tuple(out)


# ---------------------------------------------------------------------------------------------


class _Spans:
    """Accepted mentions of one text, non-overlapping, with an index of where each one ends."""

    def __init__(self, n: int):
        self.taken = bytearray(n + 1)
        self.items: list[Mention] = []

    def free(self, s: int, e: int) -> bool:
        return not any(self.taken[s:e])

    def add(self, m: Mention) -> bool:
        if m.end <= m.start or not self.free(m.start, m.end):
            return False
        self.taken[m.start:m.end] = b"\x01" * (m.end - m.start)
        self.items.append(m)
        return True

    def replace_inside(self, m: Mention, part_types: frozenset[str]) -> None:
        """Put `m` in place of every mention it covers; those of `part_types` become its parts."""
        inside = [x for x in self.items if m.start <= x.start and x.end <= m.end]
        self.items = [x for x in self.items if not (m.start <= x.start and x.end <= m.end)]
        self.taken[m.start:m.end] = b"\x01" * (m.end - m.start)
        parts = tuple(x for x in _flat([*inside, *m.parts]) if x.type in part_types)
        self.items.append(replace(m, parts=parts))

    def by_end(self) -> dict[int, Mention]:
        return {m.end: m for m in self.items}


class EntityFinder:
    def __init__(self, lexicon: Lexicon, ner: CharNER | None = None):
        self.lexicon = lexicon
        self.ner = ner
        self.p = entity_patterns()
        shorts = "".join(sorted(lexicon.compound_short_forms()))
        self._shorts = frozenset(shorts)
        # 中韩, 中非, 中俄: two or more one-character country forms open a bilateral name
        self._pair = re.compile(f"[{re.escape(shorts)}]{{2,4}}") if shorts else None

    # -- the whole ---------------------------------------------------------------------------

    def find(self, text: str, *, issuer: str | None = None) -> list[Mention]:
        spans = _Spans(len(text))
        for m in self._titles(text, issuer):
            spans.add(m)
        for m in self._congresses(text):
            spans.add(m)
        for m in self._named_events(text):
            spans.add(m)
        for m in self._quoted(text):
            spans.add(m)
        for m in self._known(text):
            spans.add(m)
        for m in self._lexicon(text, issuer):
            spans.add(m)
        for m in self._patterns(text):
            spans.add(m)
        for typ in _COMPOUND_ORDER:
            self._compounds(text, typ, spans)
        if self.ner is not None:
            for sp in self.ner.predict(text):
                typ = self.p.ner_labels.get(sp.label)
                if typ and (typ != "PERSON" or self._name_shaped(sp.text)):
                    spans.add(Mention(sp.start, sp.end, sp.text, typ, sp.text, origin="ner"))
        out = sorted(spans.items, key=lambda m: m.start)
        return self._abbreviations(text, out)

    def _name_shaped(self, s: str) -> bool:
        """A tagged person looks like a name: a Chinese one (surname + one or two characters), a
        foreign one written in transliteration characters, or names joined by ·."""
        w = news_words()
        parts = s.split("·")
        if not all(parts) or not all("\u4e00" <= c <= "\u9fff" for c in "".join(parts)):
            return False
        if len(parts) > 1:
            return True
        if len(s) == 2 and all(c in self._shorts for c in s):
            return False  # 韩中, 中德: two countries
        if 2 <= len(s) <= 3 and s[0] in w.surnames or 3 <= len(s) <= 4 and s[:2] in w.double_surnames:
            return True
        return len(s) >= 2 and all(c in w.translit for c in s)

    # -- fixed forms -------------------------------------------------------------------------

    def _titles(self, text: str, issuer: str | None) -> Iterator[Mention]:
        """《X》: a policy named by its title; the bodies and places in the title are its parts."""
        for m in _POLICY.finditer(text):
            s = m.start(1)
            parts = self._inner_names(m.group(1), s, issuer)
            parts += tuple(Mention(s + x.start(), s + x.end(), x.group(), "POLICY", _squash(x.group(1)),
                                   origin="pattern") for x in _INNER_TITLE.finditer(m.group(1)))
            yield Mention(m.start(), m.end(), m.group(0), "POLICY", _squash(m.group(1)), origin="pattern",
                          parts=parts)

    def _inner_names(self, inner: str, offset: int, issuer: str | None = None) -> tuple[Mention, ...]:
        """The lexicon's names written inside a title or a quoted name, as its parts."""
        return tuple(Mention(offset + x.start, offset + x.end, x.text, x.entry.type, x.entry.name,
                             x.entry.collective)
                     for x in self.lexicon.find_all(inner, issuer=issuer)
                     if x.entry.name not in self.p.not_names)

    def _congresses(self, text: str) -> Iterator[Mention]:
        """党的十九大 / 中国共产党第十九次全国代表大会 -> 党的十九大; 十九届二中、三中全会 -> two plenums."""
        p = self.p
        for m in p.congress.finditer(text):
            n = m.group("n1") or m.group("n2")
            yield Mention(m.start(), m.end(), m.group(), "EVENT", f"党的{n}大", origin="pattern")
        for m in p.plenum.finditer(text):
            term = m.group("t")
            if not m.group("more"):
                yield Mention(m.start(), m.end(), m.group(), "EVENT", f"{term}届{m.group('a')}中全会",
                              origin="pattern")
                continue
            first_end = m.start("more")
            yield Mention(m.start(), first_end, m.group()[:first_end - m.start()], "EVENT",
                          f"{term}届{m.group('a')}中全会", origin="pattern")
            # 、三中 … 全会: each later plenum is written as X中; the last one carries 全会
            items = [(x.start() + 1, x.end()) for x in re.finditer(r"、.中", m.group("more"))]
            base = m.start("more")
            for k, (a, b) in enumerate(items):
                s, e = base + a, base + b + (2 if k == len(items) - 1 else 0)
                yield Mention(s, e, text[s:e], "EVENT", f"{term}届{text[s]}中全会", origin="pattern")

    def _named_events(self, text: str) -> Iterator[Mention]:
        for m in self.p.named_event.finditer(text):
            yield Mention(m.start(), m.end(), m.group(), "EVENT", m.group(), origin="pattern")

    def _quoted(self, text: str) -> Iterator[Mention]:
        """“X” + a programme head (“十五五”规划, “两重”建设), a quoted name that ends in its own head
        (“光盘行动”, “新前沿与变革性科技委员会”), and quoted programmes after an implementing verb
        (支持“双创”), with the items of a 、-list that follow one."""
        p = self.p
        last_end = -1  # end of the last accepted quoted programme, for 、-lists
        for m in p.quote_re.finditer(text):
            q, h = m.group("q"), m.group("h")
            if q.endswith(p.quote_not_endings) or "的" in q \
                    or all(len(x) < 2 for x in q.split("、")):
                last_end = -1
                continue
            known = p.known_policies.get(q)
            parts = self._inner_names(q, m.start("q"))
            if h and h in p.quote_keep:
                written = m.group()
                yield Mention(m.start(), m.end(), written, p.quote_keep[h], known or written, origin="pattern",
                              parts=parts)
                last_end = m.end()
                continue
            if h:
                yield Mention(m.start(), m.end(), m.group(), p.quote_bare[h], known or q, origin="pattern",
                              parts=parts)
                last_end = m.end()
                continue
            e = m.end("q") + 1
            own = next((t for w, t in p.quote_self if q.endswith(w) and len(q) > len(w) + 1
                        and (t != "EVENT" or len(q) >= p.quote_event_min)), None)
            after_verb = any(text.endswith(v, 0, m.start()) for v in p.quote_verbs)
            in_list = last_end >= 0 and text[last_end:m.start()] == "、"
            if own or known or after_verb or in_list:
                yield Mention(m.start(), e, text[m.start():e], own or "POLICY", known or q, origin="pattern",
                              parts=parts)
                last_end = e
            else:
                last_end = -1

    def _lexicon(self, text: str, issuer: str | None) -> Iterator[Mention]:
        p = self.p
        found = self.lexicon.find(text, issuer=issuer)  # one scan, for the local patterns and here
        for lm in self.lexicon.local_agencies(text, issuer=issuer, found=found):
            yield Mention(lm.start, lm.end, lm.text, "AGENCY", lm.entry.name, lm.entry.collective, "pattern")
        for lm in found:
            e = lm.entry
            if lm.text in p.not_names or e.name in p.not_names:
                continue
            typ = e.type
            if typ == "ORGANIZATION" and (is_system_name(lm.text) or is_system_name(e.name)):
                typ = "SYSTEM"  # a government portal is a website, not a body
            yield Mention(lm.start, lm.end, lm.text, typ, e.name, e.collective, parts=self._qualifiers(lm))

    def _qualifiers(self, lm: LexMatch) -> tuple[Mention, ...]:
        """华盛顿智库战略与国际问题研究中心, 北京人民大会堂: a written form that puts a place before the
        canonical name (战略与国际问题研究中心, 人民大会堂) names that place too."""
        e = lm.entry
        if e.type in ("ORGANIZATION", "AGENCY") and len(lm.text) > 3:
            # 国际货币基金组织上海中心, 香港医院管理局: the names a body's own name is made of
            inner = self.lexicon.find(lm.text[:-1])
            return tuple(Mention(lm.start + x.start, lm.start + x.end, x.text, x.entry.type, x.entry.name)
                         for x in inner if x.entry.type in ("PLACE", "ORGANIZATION") and x.entry is not e)
        if lm.text == e.name or not lm.text.endswith(e.name):
            return ()
        head = lm.text[:-len(e.name)]
        return tuple(Mention(lm.start + x.start, lm.start + x.end, x.text, "PLACE", x.entry.name)
                     for x in self.lexicon.find(head) if x.entry.type == "PLACE")

    def _known(self, text: str) -> Iterator[Mention]:
        p = self.p
        if p.known_policy_re is not None:
            for m in p.known_policy_re.finditer(text):
                yield Mention(m.start(), m.end(), m.group(), "POLICY", p.known_policies[m.group()],
                              origin="pattern")

    def _patterns(self, text: str) -> Iterator[Mention]:
        p = self.p
        for m in p.doctrine_authors.finditer(text):
            yield Mention(m.start(), m.end(), m.group(), "PERSON", m.group(), origin="pattern")
        for m in p.establish.finditer(text):
            pos = m.start("list")
            for item in m.group("list").split("、"):
                if len(item) >= 2:
                    yield Mention(pos, pos + len(item), item, "AGENCY", item, origin="pattern")
                pos += len(item) + 1
        pos = 0
        for line in text.split("\n"):
            body = line.strip(" \t\u3000\r")
            if body and p.division_line.match(body):
                off = pos + line.index(body)
                for d in p.division_item.finditer(body):
                    yield Mention(off + d.start(), off + d.end(), d.group(), "AGENCY", d.group(), origin="pattern")
            pos += len(line) + 1

    # -- compounds ---------------------------------------------------------------------------

    def _compounds(self, text: str, typ: str, spans: _Spans) -> None:
        """Names of `typ` that end in one of its heads and open at an anchor (or, for programmes,
        right after an implementing verb); a longer one takes in the shorter ones it covers."""
        p = self.p
        head_re = p.heads.get(typ)
        if head_re is None:
            return
        ends = spans.by_end()
        markers = self._marker_starts(text, typ)
        found: list[Mention] = []
        by_end: dict[int, Mention] = {}  # names found here, for 、-lists (A制度、B制度)
        for h in head_re.finditer(text):
            hs, he = h.span()
            if not spans.free(hs, he):
                # a head that is itself a known name (自贸试验区) may still close a longer one
                own = ends.get(he)
                if own is None or own.start != hs or own.type != typ:
                    continue
            if not self._head_ends(text, hs, he, typ):
                continue
            got = self._walk(text, hs, typ, h.group(), ends, markers)
            if got is None and hs > 1 and text[hs - 1] not in _LIST_SEPARATORS:
                prev = self._list_item(text, hs, by_end)
                got = (prev, None) if prev is not None else None
            if got is None:
                continue
            start, name = got
            written = text[start:he]
            m = Mention(start, he, written, typ, name or _squash(written), origin="pattern")
            found.append(m)
            by_end[he] = m
        # longest first; a shorter compound inside an accepted one is its part
        accepted: list[Mention] = []
        for m in sorted(found, key=lambda m: m.start - m.end):
            outer = next((a for a in accepted if a.start <= m.start and m.end <= a.end), None)
            if outer is not None:
                if typ != "EVENT":  # 联合国教科文组织大会第43届会议 is one event
                    i = accepted.index(outer)
                    accepted[i] = replace(outer, parts=(*outer.parts, m))
                continue
            if any(a.start < m.end and m.start < a.end for a in accepted):
                continue
            if not all(x.end <= m.start or x.start >= m.end or (m.start <= x.start and x.end <= m.end)
                       for x in spans.items):
                continue
            accepted.append(m)
        keep = p.part_types.get(typ, frozenset())
        for m in accepted:
            spans.replace_inside(m, keep)

    def _marker_starts(self, text: str, typ: str) -> tuple[dict[int, int], dict[int, int]]:
        """(markers, pairs): end -> start of each marker word (全国, 国际) and of each bilateral
        pair (中韩) in text."""
        markers: dict[int, int] = {}
        pat = self.p.markers.get(typ)
        if pat is not None:
            for m in pat.finditer(text):
                markers[m.end()] = m.start()
        pairs: dict[int, int] = {}
        if self._pair is not None and typ in ("EVENT", "POLICY", "ORGANIZATION"):
            for m in self._pair.finditer(text):
                pairs[m.end()] = m.start()
        return markers, pairs

    def _head_ends(self, text: str, hs: int, he: int, typ: str) -> bool:
        """A head ends a name before punctuation, a line end, or a word that closes a name (等, 的,
        期间 …; an event's head before any word but a few); 工程师, 战略伙伴, 会议室 and 做法 are
        other words."""
        p = self.p
        before = p.head_not_after.get(text[hs:he])
        if before and hs > 0 and text[hs - 1] in before:
            return False
        if text.endswith(p.generic_before_head, 0, hs):
            return False
        if he >= len(text):
            return True
        c = text[he]
        if not ("\u4e00" <= c <= "\u9fff"):
            return not c.isalnum() or _YEAR.match(text, he) is not None  # 提升工程2023年培训计划
        if text.startswith(p.head_not_before, he):
            return False
        loose = typ in p.loose_head_types and text[hs:he] not in p.marker_heads.get(typ, ())
        return loose or text.startswith(p.head_followers, he)

    def _stop_at(self, text: str, pos: int) -> str | None:
        """The stop word that ends at `pos`, longest first."""
        p = self.p
        for n in p.stop_lengths:
            w = text[pos - n:pos] if n <= pos else ""
            if w in p.stop_words[n]:
                s = pos - n
                if any(text.startswith(x, s - k) for x, k in p.stop_not_in.get(w, ()) if s - k >= 0):
                    continue
                return w
        return None

    def _walk(self, text: str, hs: int, typ: str, head: str, ends: dict[int, Mention],
              markers: tuple[dict[int, int], dict[int, int]]) -> tuple[int, str | None] | None:
        """Walk left from a head over modifiers to the leftmost anchor: (start, canonical name or
        None to use the written form), or None where the head opens no name."""
        p = self.p
        marks, pairs = markers
        anchor_types = p.anchors.get(typ, frozenset())
        marker_only = head in p.marker_heads.get(typ, ())
        max_gap = p.max_gap.get(typ, 10)
        single = typ in p.single_anchor
        pos, start, stop = hs, None, None
        first_anchor: Mention | None = None  # the anchor right before the head, for 中东地区 -> 中东
        first_gap = -1  # characters between the rightmost anchor and the head
        if head in p.verb_required:
            ends, marks, pairs = {}, {}, {}
        weak_at = -1  # where a weak stop was crossed before any anchor
        gap = 0  # characters since the last anchor
        while pos > 0 and hs - pos < p.max_name:
            m = ends.get(pos)
            if m is not None:
                if m.type not in anchor_types or m.collective or marker_only or (single and start is not None):
                    break
                if start is None and pos == hs:
                    first_anchor = m
                if start is None:
                    first_gap = hs - pos
                pos = start = m.start
                gap = 0
                continue
            if pos in marks:
                if start is None:
                    first_gap = hs - pos
                pos = start = marks[pos]
                gap = 0
                continue
            if pos in pairs and not marker_only:
                if start is None:
                    first_gap = hs - pos
                pos = start = pairs[pos]
                gap = 0
                continue
            c = text[pos - 1]
            if c == "”" and typ in p.quote_anchor_types:
                q = text.rfind("“", max(0, pos - 2 - p.max_name), pos - 1)
                if q < 0 or "”" in text[q + 1:pos - 1] or "\n" in text[q:pos]:
                    break
                if start is None:
                    first_gap = hs - pos
                pos = start = q
                gap = 0
                continue
            if c in "）)" and not marker_only:
                q = max(text.rfind("（", max(0, pos - 8), pos - 1), text.rfind("(", max(0, pos - 8), pos - 1))
                if q < 0 or (start is None and pos == hs):
                    break
                gap += pos - q
                pos = q
                continue
            sw = self._stop_at(text, pos)
            if sw is not None:
                if sw in p.weak_stops and start is None and not marker_only and head not in p.self_named_heads:
                    left = pos - len(sw)
                    if text.endswith(p.head_words[typ], 0, left):
                        stop = sw  # A会议及B会议: two names
                        break
                    weak_at = pos
                    pos = left
                    gap += len(sw)
                    continue
                stop = sw
                break
            if c in "日电" and _DATELINE.search(text, max(0, pos - 8), pos):
                break
            if not p.name_char.match(c) or gap >= max_gap and (start is not None or single):
                break
            if marker_only and (gap >= 8 or not "\u4e00" <= c <= "\u9fff"):
                return None
            pos -= 1
            gap += 1
        if start is None:
            if head in p.self_named_heads:
                return hs, None
            return self._after_verb(text, pos, hs, typ, head, stop, weak_at)
        if first_gap < p.min_gap.get(typ, 0) and len(head) <= 2:
            return None
        pre = p.anchor_prefix.search(text, max(0, start - 4), start)
        if pre is not None:
            start = pre.start()
        if first_anchor is not None and head in p.transparent_heads and start == first_anchor.start:
            return start, first_anchor.name
        return start, None

    def _list_item(self, text: str, hs: int, by_end: dict[int, Mention]) -> int | None:
        """A later item of a 、-list whose first item was a name of the same head (推行A制度、B制度、
        C制度): where it starts, or None."""
        p = self.p
        pos = hs
        while pos > 0 and hs - pos < p.max_name and text[pos - 1] not in _LIST_SEPARATORS:
            if not "\u4e00" <= text[pos - 1] <= "\u9fff":
                return None
            pos -= 1
        if pos == 0 or (pos - 1) not in by_end or hs - pos < p.verb_name_min:
            return None
        return pos

    def _after_verb(self, text: str, pos: int, hs: int, typ: str, head: str, stop: str | None,
                    weak_at: int) -> tuple[int, str | None] | None:
        """落实 + 职业教育东西协作行动计划: a programme's name right after an implementing verb. It
        does not reach back over a 和 (开展诚信自律行动和质量提升行动: two names, the first found
        on its own)."""
        p = self.p
        if typ != "POLICY" or head not in p.verb_heads or stop not in p.implementing_verbs:
            return None
        if head in p.verb_only and stop not in p.verb_only[head]:
            return None
        if weak_at >= 0:
            pos = weak_at
        body = text[pos:hs]
        if body.startswith(p.generic_openers) or len(body) < p.verb_name_min or "\n" in body:
            return None
        return pos, None

    # -- abbreviations -----------------------------------------------------------------------

    def _abbreviations(self, text: str, mentions: list[Mention]) -> list[Mention]:
        """（以下简称“X”）: X names what was just named. After one name, X becomes its alias (every
        later mention named X is renamed); after a 、-list of names of one type (行政执法公示制度、…
        （以下统称“三项制度”）) X is the list's collective name, a new entity of that type."""
        by_end = {m.end: m for m in mentions}
        alias: dict[tuple[str, str], str] = {}
        extra: list[Mention] = []
        for hit in self.p.abbreviation.finditer(text):
            prev = by_end.get(hit.start())
            if prev is None:
                continue
            q = hit.group("q")
            qs = hit.start("q")
            listed = text[prev.start - 1:prev.start] == "、" and by_end.get(prev.start - 1) is not None \
                and by_end[prev.start - 1].type == prev.type
            if listed:
                extra.append(Mention(qs, qs + len(q), q, prev.type, q, origin="pattern"))
            elif q != prev.name:
                alias[(prev.type, q)] = prev.name
                extra.append(Mention(qs, qs + len(q), q, prev.type, prev.name, origin="pattern"))
        if not alias and not extra:
            return mentions
        out = [replace(m, name=alias[(m.type, m.name)]) if (m.type, m.name) in alias else m for m in mentions]
        taken = [(m.start, m.end) for m in out]
        out += [m for m in extra if not any(s < m.end and m.start < e for s, e in taken)]
        return sorted(out, key=lambda m: m.start)
