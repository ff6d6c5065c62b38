"""People in a news article: appositive chains (美国总统特朗普, 以总理内塔尼亚胡), re-mentions
(普京总统, 达宁 for 罗伯特·达宁), spouses and by-lines, and the PERSON mentions they imply.

Why rules and not only the tagger: a name written after a title is the most reliable evidence a
report gives, and the chain also says which body the person speaks for. The title tells where the
name starts; where it ends is read from the words that follow names (verbs, particles), from the
characters transliterated names are made of, and from Chinese surnames.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from newskg.nlp.dictionary import dictionary_tags
from newskg.nlp.entities import Mention
from newskg.nlp.lexicon import Lexicon
from newskg.nlp.newswords import NewsWords, alternation

_HAN = re.compile(r"[\u4e00-\u9fff]")
_RUN = re.compile(r"[\u4e00-\u9fff·•]{1,16}")
_BYLINE_GAP = re.compile(r"[\s：:]*")
_LIST_SEP = re.compile(r"[、\s]+")
_BODY_TYPES = ("ORGANIZATION", "AGENCY", "PLACE")
# characters after which a one-character country form stands alone (与以总理…), not in a word
_SHORT_FORM_LEFT = set("与同和及、，,对向在为跟：:（(“") | {""}


@dataclass(frozen=True)
class PersonHit:
    start: int
    end: int
    name: str  # canonical


@dataclass(frozen=True)
class Role:
    person: str
    title: str
    organization: str | None
    start: int  # the chain as written: organisation (when written) … name
    end: int
    title_start: int


@dataclass
class Actors:
    """What the statement and event rules need to know about the people of one article."""

    persons: list[PersonHit] = field(default_factory=list)
    roles: list[Role] = field(default_factory=list)
    chain_spans: list[tuple[int, int]] = field(default_factory=list)  # organisation + title of a chain
    spouses: dict[str, str] = field(default_factory=dict)
    mentions: list[Mention] = field(default_factory=list)

    def person_ending_at(self, pos: int) -> PersonHit | None:
        return next((p for p in self.persons if p.end == pos), None)

    def persons_in(self, start: int, end: int) -> list[PersonHit]:
        return [p for p in self.persons if start <= p.start and p.end <= end]

    def in_chain(self, start: int, end: int) -> bool:
        return any(s <= start and end <= e for s, e in self.chain_spans)

    def chain_of(self, hit: PersonHit) -> Role | None:
        return next((r for r in self.roles if r.end == hit.end and r.person == hit.name), None)


@dataclass(frozen=True)
class _Chain:
    title_start: int
    title_end: int
    title: str
    name_start: int
    name_end: int
    name: str


class ActorReader:
    """Reads the people of an article; build once per pipeline (the title pattern is compiled here)."""

    def __init__(self, lexicon: Lexicon, words: NewsWords):
        self.lex = lexicon
        self.words = words
        self.titles = frozenset(lexicon.titles()) | words.extra_titles
        one = alternation(self.titles)
        self.title_re = re.compile(rf"(?:{one})(?:兼(?:{one}))*")
        self.spouse_re = re.compile(alternation(words.spouse_words))
        self.compounds = lexicon.compound_short_forms()

    # -- names -----------------------------------------------------------------------------------

    def is_name(self, s: str) -> bool:
        """Could `s` be a personal name (Chinese, or transliterated with optional ·)?"""
        w = self.words
        if len(s) < 2 or not _HAN.match(s[0]):
            return False
        if s[:2] in w.double_surnames and len(s) in (3, 4):
            return True
        if s[0] in w.surnames and len(s) in (2, 3) and "·" not in s:
            return True
        base = w.regnal.sub("", s) if w.regnal.search(s) else s
        parts = [p for p in re.split(r"[·•]", base) if p]
        return bool(parts) and len(base) <= 16 and all(ch in w.translit for p in parts for ch in p)

    def name_at(self, text: str, pos: int, known: set[str] | None = None,
                covered: bytearray | None = None) -> tuple[int, str] | None:
        """The name that starts at `pos` (written after a title): (end, name) or None. A name never
        runs into a body the lexicon knows (`covered`)."""
        for k in sorted(known or (), key=len, reverse=True):
            if text.startswith(k, pos):
                return pos + len(k), k
        m = _RUN.match(text, pos)
        if not m:
            return None
        run = m.group()
        if covered is not None and covered[pos]:
            return None  # 国务院总理吉尔吉斯共和国总理: a body, not a name (赞登沙特尔 may hold 沙特)
        cut = len(run)
        for j in range(1, len(run)):
            st = self.words.name_stop.match(run, j) or (self.title_re.match(run, j) if j >= 2 else None)
            if st and (j >= 2 or len(st.group()) > 1):
                cut = j
                break
        cand = run[:cut].rstrip("·•")
        reg = self.words.regnal.match(run, cut) if cut < len(run) else None
        if reg:
            cand = run[:reg.end()]
        if self.words.name_stop.match(cand):
            return None
        w = self.words
        translit = self.is_name(cand) and not (cand[0] in w.surnames and len(cand) <= 3 and "·" not in cand)
        if translit:
            return pos + len(cand), cand
        if cand[:2] in w.double_surnames:
            size = 4 if len(cand) >= 4 else 3
        elif cand and cand[0] in w.surnames:
            size = 3
            if len(cand) > 3 and all(ch in w.translit for ch in cand[1:8]):
                size = min(len(cand), 8)  # 冯德莱恩: a transliteration that opens with a surname
            elif len(cand) > 3 and (text.count(cand[:3]) < 2 <= text.count(cand[:2])
                                    or self._common(cand[2:4]) and text.count(cand[:3]) < 2):
                size = 2  # 韩正当天…: the third character opens a word
        elif self._mostly_translit(cand) and not (covered and any(covered[pos:pos + len(cand)])):
            return pos + len(cand), cand
        else:
            return None
        cand = cand[:size]
        if size >= 4 and cand[:2] not in w.double_surnames:
            return pos + len(cand), cand
        if not self.is_name(cand) or self._verbal(cand) or (self._common(cand) and text.count(cand) < 2):
            return None
        return pos + len(cand), cand

    def _verbal(self, cand: str) -> bool:
        """A verb or adjective of the dictionary is never a name, however often it recurs (专家解读)."""
        tag = dictionary_tags().get(cand)
        return tag is not None and tag[0] in self.words.never_name_tags

    def _mostly_translit(self, cand: str) -> bool:
        """朔尔茨: a short run after a title, ended by a verb or punctuation, mostly made of
        transliteration characters, and no dictionary word."""
        letters = [ch for ch in cand if ch not in "·•"]
        if not 2 <= len(letters) <= 8 or dictionary_tags().get(cand) or letters[0] not in self.words.translit:
            return False
        if any(self.words.name_stop.fullmatch(ch) for ch in letters):
            return False
        return sum(ch in self.words.translit for ch in letters) >= self.words.translit_share * len(letters)

    def _common(self, cand: str) -> bool:
        """Is a Chinese-name candidate an ordinary word, or does it open with one (郑重提)?"""
        return any(not self._name_like(dictionary_tags().get(w)) for w in (cand, cand[:2]))

    def _name_like(self, tag: str | None) -> bool:
        """Not in the dictionary, or tagged as a name (nr…) or a proper noun the tagger confuses with one."""
        return tag is None or tag.startswith("nr") or tag in self.words.name_like_tags

    # -- reading -----------------------------------------------------------------------------------

    def read(self, text: str, mentions: list[Mention]) -> Actors:
        bodies = [m for m in mentions if m.type in _BODY_TYPES]
        # where a lexicon body is written no name starts (a tagger's guess may cover a name: 普京 as LOC)
        covered = bytearray(len(text) + 1)
        for m in bodies:
            if m.origin != "ner":
                covered[m.start:m.end] = b"\x01" * (m.end - m.start)
        chains, bylines = self._chains(text, covered)
        base = {n for _, _, n in bylines}
        base |= {m.text for m in mentions if m.type == "PERSON" and self.is_name(m.text)}
        spouses, spouse_hits = self._spouses(text, base | {c.name for c in chains})
        base |= {n for _, _, n in spouse_hits}
        found = self._discover(text, base | {c.name for c in chains}, covered)
        # a title right after a name belongs to that name (习近平主席郑重提出): it opens no chain
        before = base | found | {c.name for c in chains}
        chains = [c for c in chains if not any(k != c.name and text.endswith(k, 0, c.title_start) for k in before)]
        known = base | found | {c.name for c in chains}
        canon = self._canonical(known)
        persons = self._occurrences(text, canon, covered)
        actors = Actors(persons=persons, spouses=spouses)
        extra: list[Mention] = []
        for c in chains:
            if c.name not in canon:
                continue
            name = canon[c.name]
            ts, title = c.title_start, c.title
            while True:
                org, org_start = self._organisation(text, ts, bodies, extra, covered)
                org = self._default_org(name, title, org)
                start = org_start if org_start is not None else ts
                actors.roles.append(Role(name, title, org, start, c.name_end, ts))
                actors.chain_spans.append((start, c.title_end))
                # 中共中央总书记、国家主席、中央军委主席习近平: every office of the list
                prev = (self._title_ending_at(text, start - 1, covered) if start > 0 and text[start - 1] == "、"
                        else None)
                if prev is None:
                    break
                ts, title = prev, text[prev:start - 1]
        self._remention_roles(text, actors)
        self._inherit_orgs(text, actors)
        actors.mentions = self._mentions(text, mentions, persons, extra)
        return actors

    def _chains(self, text: str, covered: bytearray) -> tuple[list[_Chain], list[tuple[int, int, str]]]:
        """Title + name chains, and by-line names (新华社记者 饶爱民)."""
        chains: list[_Chain] = []
        bylines: list[tuple[int, int, str]] = []
        i = 0
        while i < len(text):
            m = None if covered[i] else self.title_re.match(text, i)
            if not m:
                i += 1
                continue
            title, te = m.group(), m.end()
            if title in self.words.byline_titles:
                bylines += self._byline_names(text, te)
                i = te
                continue
            pos = te
            d = self.words.name_descriptor.match(text, pos)
            if d:
                pos = d.end()
            hit = self.name_at(text, pos, covered=covered)
            if hit is None and d:
                hit = self.name_at(text, te, covered=covered)
                pos = te
            if hit:
                chains.append(_Chain(m.start(), te, title, pos, hit[0], hit[1]))
                i = hit[0]
            else:
                i = te
        return chains, bylines

    def _byline_names(self, text: str, pos: int) -> list[tuple[int, int, str]]:
        """（记者刘杨、邵艺博） / 新华社记者 黄敬文 摄: names separated by 、 or spaces; a name that
        fills the whole slot between separators may have four characters (黄尹甲子)."""
        out = []
        pos = _BYLINE_GAP.match(text, pos).end()
        while True:
            slot = re.match(r"[\u4e00-\u9fff]{2,4}(?=[、\s）)]|摄|$)", text[pos:pos + 5])
            if slot and slot.group()[0] in self.words.surnames:
                hit = (pos + slot.end(), slot.group())
            else:
                hit = self.name_at(text, pos)
            if not hit or not (2 <= len(hit[1]) <= 4):
                return out
            out.append((pos, hit[0], hit[1]))
            sep = _LIST_SEP.match(text, hit[0])
            if not sep:
                return out
            pos = sep.end()

    def _spouses(self, text: str, known: set[str]) -> tuple[dict[str, str], list[tuple[int, int, str]]]:
        """夫人彭丽媛 is a person (no role); X和夫人Y (or X和王后Y) makes Y the spouse of X, so that
        X夫妇 is X and Y."""
        spouses: dict[str, str] = {}
        hits = []
        for m in self.spouse_re.finditer(text):
            hit = self.name_at(text, m.end(), known)
            if not hit:
                continue
            hits.append((m.end(), hit[0], hit[1]))
            left = text[:m.start()]
            if left.endswith("和"):
                for k in known:
                    if left[:-1].endswith(k):
                        spouses[k] = hit[1]
        for title in self.words.spouse_titles:
            for m in re.finditer(rf"和{re.escape(title)}", text):
                hit = self.name_at(text, m.end(), known)
                if hit:
                    for k in known:
                        if text[:m.start()].endswith(k):
                            spouses[k] = hit[1]
        return spouses, hits

    def _discover(self, text: str, known: set[str], covered: bytearray) -> set[str]:
        """Names written without a title before them: a clause that opens with names before a verb of
        speech or attendance (习近平指出 / 蔡奇、王毅等参加上述活动), and a name right before a title
        that follows names (习近平主席, 希奇莱马总统)."""
        out: set[str] = set()
        verbs = f"(?:{self.words.speech_verb.pattern}|{self.words.name_opener_verb.pattern})"
        item = r"[\u4e00-\u9fff·]{2,10}?"
        pat = re.compile(rf"(?:^|(?<=[，,。；;：:！？”\s]))({item}(?:、{item})*)(?:等)?{verbs}")
        for m in pat.finditer(text):
            pos = m.start(1)
            for cand in m.group(1).split("、"):
                if not any(covered[pos:pos + len(cand)]) and self._plausible(text, cand, known):
                    out.add(cand)
                pos += len(cand) + 1
        post = re.compile(alternation(self.words.postposed_titles))
        for m in post.finditer(text):
            for n in range(min(8, m.start()), 1, -1):
                cand = text[m.start() - n:m.start()]
                if any(covered[m.start() - n:m.start()]):
                    break
                if self._plausible(text, cand, known | out) and (n > 2 or text.count(cand) > 1):
                    out.add(cand)
                    break
        return out - known

    def _plausible(self, text: str, cand: str, known: set[str]) -> bool:
        if cand in known:
            return True
        if cand[1:2] == self.words.side_suffix and cand[0] in self.compounds:
            return False  # 欧方愿…: "the European side"
        if not self.is_name(cand) or cand in self.titles or self.lex.lookup(cand) is not None:
            return False
        if any(t in cand for t in self.titles if len(t) > 1):
            return False
        if not self._name_like(dictionary_tags().get(cand)):
            return False
        hit = self.name_at(cand + "。", 0)
        return hit is not None and hit[1] == cand

    def _canonical(self, known: set[str]) -> dict[str, str]:
        """Every surface -> canonical name: a transliterated name's last part stands for the full name
        when only one known name ends with it (达宁 -> 罗伯特·达宁)."""
        canon = {k: k for k in known}
        full = [k for k in known if "·" in k]
        for k in full:
            last = re.split(r"[·•]", k)[-1]
            if len(last) >= 2 and sum(1 for f in full if f.endswith(last)) == 1:
                canon[last] = k
        for k in list(canon):
            longer = [f for f in full if f != k and f.endswith("·" + k)]
            if len(longer) == 1:
                canon[k] = longer[0]
        return canon

    def _occurrences(self, text: str, canon: dict[str, str], covered: bytearray) -> list[PersonHit]:
        if not canon:
            return []
        pat = re.compile(alternation(canon))
        out = []
        for m in pat.finditer(text):
            if m.start() > 0 and text[m.start() - 1] in "·•":
                continue
            if m.end() < len(text) and text[m.end()] in "·•":
                continue
            if all(covered[m.start():m.end()]):
                continue  # a name inside a known body (沙特 in 赞登沙特尔 is the other way round)
            out.append(PersonHit(m.start(), m.end(), canon[m.group()]))
        return out

    # -- organisations -----------------------------------------------------------------------------

    def _organisation(self, text: str, ts: int, bodies: list[Mention], extra: list[Mention],
                      covered: bytearray) -> tuple[str | None, int | None]:
        """The body a chain names before its title: a lexicon name, a one-character country form
        (以总理), or an unknown organisation ending in an organisation word."""
        p = ts
        stacked = self._title_ending_at(text, p, covered)
        if stacked is not None:
            p = stacked
        by_end = {m.end: m for m in bodies}
        m = by_end.get(p)
        if m is not None:
            return self._org_name(m), m.start
        c = text[p - 1] if p > 0 else ""
        left = text[p - 2] if p > 1 else ""
        if c in self.compounds and left in _SHORT_FORM_LEFT:
            return self._short_form(c, bodies), p - 1
        return self._unknown_org(text, p, bodies, extra)

    def _title_ending_at(self, text: str, p: int, covered: bytearray) -> int | None:
        """Start of the longest title ending at p that does not start inside a body the lexicon
        knows (中共中央总书记 -> 总书记 after 中共中央)."""
        for n in range(min(p, 12), 1, -1):
            if not covered[p - n] and self.title_re.fullmatch(text, p - n, p):
                return p - n
        return None

    def _org_name(self, m: Mention) -> str:
        """A foreign government (俄罗斯联邦政府) stands for its country."""
        e = self.lex.lookup(m.name) or self.lex.lookup(m.text)
        if e is not None and e.kind != "foreign_body":
            return e.name
        if m.type == "AGENCY":
            for k in range(len(m.text) - 1, 1, -1):
                c = self.lex.lookup(m.text[:k])
                if c is not None and c.type == "PLACE" and c.level == "country":
                    return c.name
        return m.name

    def _short_form(self, c: str, bodies: list[Mention]) -> str:
        cands = self.compounds[c]
        named = {m.name for m in bodies}
        return next((e.name for e in cands if e.name in named), cands[0].name)

    def _unknown_org(self, text: str, p: int, bodies: list[Mention], extra: list[Mention]
                     ) -> tuple[str | None, int | None]:
        s = p
        while s > 0 and p - s < 24 and _HAN.match(text[s - 1]):
            s -= 1
        run = text[s:p]
        if len(run) < 3 or not self.words.org_suffix.search(run):
            return None, None
        starts = [m.start for m in bodies if s <= m.start < p]
        start = min(starts) if starts else s
        while start < p - 2 and text[start] in "应与同和及对向在为由据":
            start += 1
        name = text[start:p]
        for m in bodies:
            if m.start == start and m.type == "PLACE":
                for d in self.words.org_descriptors:
                    if text.startswith(d, m.end) and len(name) > len(m.text) + len(d) + 1:
                        name = text[m.end + len(d):p]
        if len(name) < 3 or self.title_re.fullmatch(name):
            return None, None
        extra.append(Mention(start, p, text[start:p], "ORGANIZATION", name, origin="pattern"))
        return name, start

    def _default_org(self, person: str, title: str, org: str | None) -> str | None:
        if org is None and title in self.words.domestic_titles and self._chinese(person):
            return self.words.domestic_country
        return org

    def _chinese(self, name: str) -> bool:
        w = self.words
        return "·" not in name and len(name) <= 4 and (name[0] in w.surnames or name[:2] in w.double_surnames)

    # -- roles from re-mentions and lists ----------------------------------------------------------

    def _remention_roles(self, text: str, actors: Actors) -> None:
        """普京总统 / 习近平主席: a known person followed by a title."""
        have = {(r.person, r.title) for r in actors.roles}
        for p in actors.persons:
            m = self.title_re.match(text, p.end)
            if not m or m.group() in self.words.byline_titles:
                continue
            title = m.group()
            if any(r.person == p.name and title in r.title for r in actors.roles) or (p.name, title) in have:
                continue
            have.add((p.name, title))
            org = self._default_org(p.name, title, None)
            actors.roles.append(Role(p.name, title, org, p.start, m.end(), p.end))

    def _inherit_orgs(self, text: str, actors: Actors) -> None:
        """费利佩六世和王后莱蒂西娅 / 法国总统马克龙、总理X: a title without a body in a list shares
        the body of the member before it."""
        by_end = {r.end: r for r in actors.roles}
        for i, r in enumerate(actors.roles):
            if r.organization is not None:
                continue
            j = r.start - 1
            if j < 0 or text[j] not in "和、及与":
                continue
            prev = by_end.get(j)
            if prev is None:
                hit = actors.person_ending_at(j)
                prev = next((x for x in actors.roles if hit and x.person == hit.name and x.organization), None)
            if prev is not None and prev.organization:
                actors.roles[i] = replace(r, organization=prev.organization)

    # -- mentions ----------------------------------------------------------------------------------

    def _mentions(self, text: str, mentions: list[Mention], persons: list[PersonHit], extra: list[Mention]) -> list[Mention]:
        """The article's mentions with the people found here: a person's name replaces whatever
        overlapped it (摄李强 -> 李强, 沙特 inside 赞登沙特尔), PERSON fragments of a known name are
        dropped (特克), references (总统先生) are not names."""
        names = {p.name for p in persons}
        out: list[Mention] = []
        for m in mentions:
            if any(p.start < m.end and m.start < p.end for p in persons):
                continue
            if m.type == "PERSON" and (self._reference(m.text) or any(m.text in n for n in names)):
                continue
            if m.type == "PLACE" and text.startswith("时间", m.end):
                continue  # 北京时间 is a clock, not a place
            out.append(m)
        taken = [(m.start, m.end) for m in out]
        for m in extra:
            if not any(s < m.end and m.start < e for s, e in taken):
                out.append(m)
                taken.append((m.start, m.end))
        for p in persons:
            if not any(s < p.end and p.start < e for s, e in taken):
                out.append(Mention(p.start, p.end, text[p.start:p.end], "PERSON", p.name, origin="pattern"))
                taken.append((p.start, p.end))
        return sorted(out, key=lambda m: m.start)

    def _reference(self, s: str) -> bool:
        return any(s.endswith(x) and s[: -len(x)] in self.titles for x in self.words.reference_suffixes)


