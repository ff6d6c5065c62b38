"""Tasks: which units oblige a body to act, with their agencies, deadline, modality and parent.

Reads the units of one article (units.py) with the time expressions and agency mentions found in
it, following annotation-guide.md: a deadline inside a unit governs it; one that opens a sentence
governs the ；-clauses that continue it; a heading's or a parenthetical's "by" deadline passes to
the units of its item. Responsible bodies are the unit's subject, the bodies after 由/要求/责成,
and those of a responsibility parenthetical (X牵头，Y参与 / X负责), which covers the units of its
item since the previous one.
"""
from __future__ import annotations

import bisect
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from newskg.nlp.dictionary import dictionary_tags
from newskg.nlp.taskwords import TaskWords, task_words
from newskg.nlp.timex import TimeExpression
from newskg.nlp.units import Unit

DEADLINE_RELATIONS = ("by", "during")
_PAREN = re.compile(r"[（(]([^（）()]{2,160})[)）]")
_ROLE_WORDS = (("牵头", "lead"), ("参与", "participant"), ("配合", "participant"), ("指导", "participant"),
               ("负责", "responsible"), ("落实", "responsible"), ("实施", "responsible"))
_ROLE_CLAUSE = re.compile(r"(牵头|参与|配合|指导|按职责分工负责|分工负责|负责落实|负责|落实)")
_COORD = re.compile(r"、|，|,|和|及|以及|与|会同|等")
_ACTION_LEAD = re.compile(r"(?:原则上|均|都|也|还|要|应当|应|须|必须|务必|将|需)+")
_STRONG = re.compile(r"，|,|和|及|以及|与|会同|等")
_WEAK = re.compile(r"、")
_ADVERB_LEAD = re.compile(r"^(?:原则上|同时|此外|另外|其中|对此|为此|今后|届时)[，,]?")
_DISTRIBUTIVE_PREFIX = re.compile(r"^(各有关|各相关|有关|相关|各)")
_BARE = frozenset({"部门", "单位", "地区", "机构"})
_LEAD_IN = re.compile(r"^(?:[^，,。；]{0,30}?(?:前|内|底|起|年|期间|时)[，,])")
_BY_AGENCY = re.compile(r"由")
_WITH = re.compile(r"会同")
# funds pay, they do not act (annotation: 失业保险基金 is no responsible body); adverbs open no name
_NOT_BODY = re.compile(r"(保险基金|医保基金)$|^(原则上|同时|此外|另外|其中|进一步)|^[、，,]")
_ASK = re.compile(r"(要求|责成)")
_GENERIC_HEADERS = frozenset({"负责部门", "牵头部门", "牵头单位", "配合单位", "责任单位", "参与单位", "部门", "单位",
                              "机构", "地区", "企业", "组织", "会议"})
_NOT_SUBJECT_START = set("在对以由将把从向于按据与及和或并且而")
_HEADER_CLAUSE = re.compile(r"^(负责部门|牵头部门|牵头单位|责任单位|配合单位|参与单位|责任部门)[:：]")
_ALL_BELOW = re.compile(r"以下(?:各项)?均(?:需|由)(.{2,20}?)(?:负责)?落实")
_CLAUSE = re.compile(r"[，,：:]")
_TABLE_HEADERS = frozenset({"牵头单位", "责任单位", "牵头部门", "责任部门", "配合单位", "参与单位"})
_FUTURE = re.compile(r"^(?:还将|也将|将|要求|并)")
_FACT = re.compile(r"(已经|已累计|累计|同比|增长\d|增速|比重为|目前已|前\d+个月|今年以来|取得|成效|举行|日前|近日|"
                   r"[介绍投指向]了)")
_CLAUSE_START = re.compile(r"[，,；;]")
_STRICT_PREDICATE = re.compile(r"要|应当|应|须|必须|务必|负责|按照|按|将|原则上|不得|严禁")
_PAST = re.compile(r"(?<![为除])了(?![解])")
_CLAUSE_TAGS = frozenset({"v", "p", "m", "d", "c", "r"})  # verb, preposition, numeral, adverb, …
_BACKREF = re.compile(r"^(以上|上述|该项|这些|各项)(工作|任务|措施)")


class _ByStart:
    """Mentions sorted by start, sliced by span: each unit looks only at its own mentions, so a
    long article costs linear, not quadratic, time."""

    def __init__(self, mentions: Sequence[AgencyLike]):
        self.items = sorted(mentions, key=lambda m: m.start)
        self.starts = [m.start for m in self.items]

    def within(self, start: int, end: int) -> list[AgencyLike]:
        return self.items[bisect.bisect_left(self.starts, start):bisect.bisect_left(self.starts, end)]


def _split_outside_parens(segment: str, sep: re.Pattern | None = None) -> list[tuple[int, int]]:
    """Spans of the parts of a coordination (、 和 及 与 会同), not splitting inside （区、市）."""
    sep = sep or _COORD
    bounds, depth, start, i = [], 0, 0, 0
    while i < len(segment):
        c = segment[i]
        if c in "（(":
            depth += 1
        elif c in "）)":
            depth = max(0, depth - 1)
        elif depth == 0:
            m = sep.match(segment, i)
            if m:
                bounds.append((start, i))
                start = i = m.end()
                continue
        i += 1
    bounds.append((start, len(segment)))
    return bounds


class AgencyLike(Protocol):
    start: int
    end: int
    text: str
    name: str


@dataclass
class Deadline:
    text: str
    start: int  # clean offsets in the article
    end: int
    date: str
    from_: str | None
    relation: str
    approximate: bool
    inherited: bool = False


@dataclass
class TaskFinding:
    unit: int  # index into the units
    start: int
    end: int
    text: str
    action: str
    modality: str | None
    deadline: Deadline | None
    agencies: list[tuple[str, str]] = field(default_factory=list)  # (canonical name, role)
    parent: int | None = None  # unit index of the enclosing heading task
    heading: bool = False


def _deadline_of(t: TimeExpression, inherited: bool = False) -> Deadline:
    return Deadline(t.text, t.start, t.end, t.date or "", t.from_, t.relation or "by", t.approximate, inherited)


def _in_title_marks(text: str, pos: int) -> bool:
    """Inside 《…》: a plan's own period (总体规划（2018—2035年）) is no deadline of the sentence."""
    return text.rfind("《", 0, pos) > text.rfind("》", 0, pos)


class TaskReader:
    """Finds the tasks of one article. One instance per pipeline; holds no per-document state."""

    def __init__(self, words: TaskWords | None = None):
        self.w = words or task_words()

    # -- pieces ------------------------------------------------------------------------------
    def deadlines(self, text: str, times: Sequence[TimeExpression], start: int, end: int) -> list[TimeExpression]:
        return [t for t in times if start <= t.start and t.end <= end and t.date
                and t.relation in DEADLINE_RELATIONS and t.kind != "ongoing"
                and not _in_title_marks(text, t.start)]

    def _is_institution(self, part: str) -> bool:
        """A generic responsible body (试点城市政府, 各区, 基层医疗卫生机构), not a clause that
        merely ends in one (鼓励各地 / 推动银行业金融机构 / 在试点城市…单位)."""
        if len(part) < 2 or part in _GENERIC_HEADERS or re.search(r"[的由为是]", part):
            return False
        if part[0] in _NOT_SUBJECT_START or re.search(r"将|要|对", part) or _NOT_BODY.search(part):
            return False
        if self.w.starts_with_verb(part) and not self.w.institution_prefix.match(part):
            return False
        tags = dictionary_tags()
        if not self.w.institution_prefix.match(part) and \
                any(tags.get(part[:n], "") in _CLAUSE_TAGS for n in (4, 3, 2)):
            return False  # 面向科技型企业 / 考察各区 / 一个单位: a clause or a count, not a name
        part = re.sub(r"[（(][^（）()]{1,8}[)）]$", "", part)
        if not (self.w.institution.fullmatch(part) and (len(part) > 2 or part == "政府")):
            return False
        # 有关部门组建协调小组: a body followed by a verb is a clause, not a name
        return not any(self.w.institution.fullmatch(part[:k]) and self.w.starts_with_verb(part[k:])
                       for k in range(2, len(part) - 1))

    def _names(self, segment: str, seg_start: int, mentions: Sequence[AgencyLike], *,
               loose_last: bool = False) -> list[str] | None:
        """Bodies named by a coordination like 各地区、各部门 / X和Y / X会同Y, or None if any part is
        not one. Parts joined by 和/及/与 are read first; a part whose 、-pieces are not all bodies
        may still be one elliptical name (省级担保、再担保基金（机构）)."""
        names: list[str] = []
        strong = _split_outside_parens(segment, _STRONG)
        prefix = ""
        for k, (a, b) in enumerate(strong):
            chunk = segment[a:b]
            got = self._weak_names(chunk, seg_start + a, mentions, prefix,
                                   loose_last=loose_last and k == len(strong) - 1)
            if got is None:
                got = self._whole(chunk)
            if got is None:
                return None
            pm = _DISTRIBUTIVE_PREFIX.match(chunk.strip())
            prefix = pm.group(1) if pm else prefix
            names.extend(n for n in got if n not in names)
        return names or None

    def _weak_names(self, segment: str, seg_start: int, mentions: Sequence[AgencyLike], prefix: str, *,
                    loose_last: bool) -> list[str] | None:
        names: list[str] = []
        bounds = _split_outside_parens(segment, _WEAK)
        for k, (a, b) in enumerate(bounds):
            part = segment[a:b].strip()
            if not part:
                continue
            if part in _BARE and prefix:
                # 各有关地区和部门: the prefix is shared (有关地区 + 有关部门)
                names.append(prefix.removeprefix("各") + part if prefix != "各" else "各" + part)
                continue
            pm = _DISTRIBUTIVE_PREFIX.match(part)
            prefix = pm.group(1) if pm else ""
            pos = seg_start + a + (len(segment[a:b]) - len(segment[a:b].lstrip()))
            hit = next((m for m in mentions if m.start == pos and m.end - m.start == len(part)), None)
            if hit:
                names.append(hit.name)
                continue
            if self._is_institution(part):
                names.append(part)
                continue
            if loose_last and k == len(bounds) - 1:
                hit = next((m for m in mentions if m.start == pos), None)
                rest = part[hit.end - hit.start:] if hit else ""
                if hit and len(rest) <= 8 and "的" not in part and not self.w.predicate.search(rest):
                    names.append(hit.name)
                    continue
            return None
        return names or None

    def _whole(self, segment: str) -> list[str] | None:
        """An elliptical coordination names one body: 各级政府性融资担保、再担保机构."""
        seg = segment.strip()
        return [seg] if len(seg) <= 24 and self._is_institution(seg) else None

    def subject(self, text: str, u: Unit, mentions: Sequence[AgencyLike]) -> list[str]:
        """The bodies a unit names as subjects: of its main clause (各部门原则上将… / 国务院各部门
        根据… / 经营性文化事业单位转制为企业，要…), and of a later clause that opens with a body
        and a modal (…，各省级药监部门要强化…)."""
        body_start = u.start + (len(u.marker) if u.marker else 0)
        head = text[body_start:u.end]
        starts = [] if _ADVERB_LEAD.match(head) else [0]
        for pat in (_LEAD_IN, _ADVERB_LEAD):
            lead = pat.match(head)
            if lead:
                starts.append(lead.end())
                adv = _ADVERB_LEAD.match(head, lead.end())
                if adv and adv.end() > lead.end():
                    starts.append(adv.end())
        found: list[str] = []
        for s0 in starts:
            got = self._subject_at(head, s0, body_start, mentions, strict=False)
            if got:
                found = got
                break
        for c in _CLAUSE_START.finditer(head):
            if c.end() in starts:
                continue
            for nm in self._subject_at(head, c.end(), body_start, mentions, strict=True):
                if nm not in found:
                    found.append(nm)
        return found

    def _subject_at(self, head: str, s0: int, offset: int, mentions: Sequence[AgencyLike], *,
                    strict: bool) -> list[str]:
        return self._subject_span(head, s0, offset, mentions, strict=strict)[0]

    def _subject_span(self, head: str, s0: int, offset: int, mentions: Sequence[AgencyLike], *,
                      strict: bool) -> tuple[list[str], int]:
        """Bodies opening the clause at s0 and followed by a predicate, the longest such reading,
        and where that subject ends in `head` (-1 for none). `strict`: only before a modal or a
        responsibility verb (for clauses after the first)."""
        pred = _STRICT_PREDICATE if strict else self.w.predicate
        best: list[str] = []
        best_end = -1
        for m in pred.finditer(head, s0 + 2, min(len(head), s0 + 48)):
            seg = head[s0:m.start()]
            if not seg or seg[-1] in "，,的" or "，" in seg or "," in seg:
                continue
            got = self._names(seg, offset + s0, mentions, loose_last=not strict)
            if got:
                best, best_end = got, m.start()
        if not best:
            return [], -1
        return best + [p for p in self._partners(head, best_end, offset, mentions) if p not in best], best_end

    def _partners(self, head: str, pos: int, offset: int, mentions: Sequence[AgencyLike]) -> list[str]:
        """X会同Y…: Y shares the unit (国务院办公厅将会同有关方面…)."""
        m = re.compile(r"(?:将|要|应|须)?会同").match(head, pos)
        if not m:
            return []
        for q in self.w.predicate.finditer(head, m.end() + 2, min(len(head), m.end() + 90)):
            got = self._names(head[m.end():q.start()], offset + m.end(), mentions)
            if got:
                return got
        return []

    def by_phrase(self, text: str, u: Unit, mentions: Sequence[AgencyLike]) -> list[str]:
        """Bodies after 由 (由X负责/牵头), 要求/责成, and partners after 会同 anywhere in the unit."""
        out: list[str] = []
        for pat in (_BY_AGENCY, _ASK, _WITH):
            for m in pat.finditer(text, u.start, u.end):
                head = text[m.end():u.end]
                for nm in self._subject_at(head, 0, m.end(), mentions, strict=False):
                    if nm not in out:
                        out.append(nm)
        return out

    def parentheticals(self, text: str, mentions: Sequence[AgencyLike], start: int = 0,
                       end: int | None = None) -> list[tuple[int, int, list[tuple[str, str]]]]:
        """Responsibility parentheticals (X牵头，Y参与 / X负责): (start, end, [(name, role)])."""
        out = []
        for m in _PAREN.finditer(text, start, len(text) if end is None else end):
            inner = m.group(1)
            if not _ROLE_CLAUSE.search(inner):
                continue
            got: list[tuple[str, str]] = []
            for body, b0, role in self._role_segments(inner, m.start(1)):
                for x in mentions:
                    if b0 <= x.start and x.end <= b0 + len(body) and (x.name, role) not in got:
                        got.append((x.name, role))
                for a, b in _split_outside_parens(body):
                    part = body[a:b].strip()
                    s0 = b0 + a
                    if part and not any(x.start <= s0 + 1 < x.end for x in mentions) \
                            and self._is_institution(part) and part not in dict(got):
                        got.append((part, role))
            if got:
                out.append((m.start(), m.end(), got))
        return out

    def body_list(self, line: str, offset: int, mentions: Sequence[AgencyLike]) -> list[str] | None:
        """A line that only lists bodies (a flattened table cell: 各区政府 / 市卫生健康委、市人社局)."""
        s = line.strip().rstrip("。；;")
        if not s or len(s) > 80:
            return None
        return self._names(s, offset + (len(line) - len(line.lstrip())), mentions)

    def table_rows(self, text: str, units: Sequence[Unit], mentions: Sequence[AgencyLike]
                   ) -> dict[int, list[tuple[str, str]]]:
        """Division-of-labour tables flattened to lines: a content line followed by lines that only
        list bodies takes them, the first as lead (牵头单位), the next as participants (配合单位)."""
        lines = text.split("\n")
        starts = [0]
        for ln in lines:
            starts.append(starts[-1] + len(ln) + 1)
        index = _ByStart(mentions)
        lists = [self.body_list(ln, starts[k], index.within(starts[k], starts[k] + len(ln)))
                 for k, ln in enumerate(lines)]
        out: dict[int, list[tuple[str, str]]] = {}
        headers = [k for k, ln in enumerate(lines) if ln.strip() in _TABLE_HEADERS]
        if not headers:
            return out
        content_lines = {u.line for u in units}
        for k in sorted(content_lines):
            if lists[k] is not None or k < headers[0]:
                continue
            got: list[tuple[str, str]] = []
            j = k + 1
            for role in ("lead", "participant"):
                if j < len(lines) and lists[j]:
                    got.extend((nm, role) for nm in lists[j] if nm not in dict(got))
                    j += 1
            if got:
                out[k] = got
        return out

    @staticmethod
    def _role_segments(inner: str, offset: int) -> Iterator[tuple[str, int, str]]:
        """(bodies text, its offset, role) of a parenthetical: 负责部门：X、Y / X牵头，Y参与 /
        X、Y，Z按职责分工负责 (bodies before a role word may span commas)."""
        pos = 0
        for clause in re.split(r"([；;])", inner):
            if clause in "；;":
                pos += len(clause)
                continue
            header = _HEADER_CLAUSE.match(clause)
            if header:
                yield clause[header.end():], offset + pos + header.end(), "responsible"
            else:
                last = 0
                for rm in _ROLE_CLAUSE.finditer(clause):
                    role = next(r for w_, r in _ROLE_WORDS if w_ in rm.group(0))
                    seg = clause[last:rm.start()]
                    lead = len(seg) - len(seg.lstrip("，,、 "))
                    yield seg[lead:], offset + pos + last + lead, role
                    last = rm.end()
            pos += len(clause)

    def is_task(self, u: Unit, body: str, has_deadline: bool, subject: list[str], kind: str) -> bool:
        s = body.strip()
        if len(s) < 6:
            return False
        if any(p.search(s) for p in self.w.not_task):
            return False
        if self.body_list(s, 0, ()) is not None or len(re.sub(r"\s", "", s)) < 6:
            return False  # a table cell that only lists bodies, or a spaced-out column header
        if len(s) <= 20 and not u.marker and s[-1] not in "。；;！!？?）)”" and not self.w.modality_of(s):
            return False  # a signature or caption line (示范市人民政府办公厅), not a sentence
        if self.w.modality_of(s) or has_deadline:
            return True
        if _PAST.search(s):
            return False  # 形成了…, 取得了…: background, not an obligation
        news = kind != "policy"
        if news and _FACT.search(s):
            return False  # a report of what happened (已累计…, 同比增长…) is news, not an obligation
        lead = _LEAD_IN.match(s)
        rest = s[lead.end():] if lead else s
        rest = _FUTURE.sub("", rest, count=1)
        if self.w.starts_with_verb(rest) or self.w.starts_with_verb(_FUTURE.sub("", s, count=1)):
            return True
        if any(self.w.starts_with_verb(_FUTURE.sub("", c.strip(), count=1)) for c in _CLAUSE.split(rest)[1:]):
            return True
        if not news and self.w.policy_verbs.search(s):
            return True
        return bool(subject) and not news

    def action(self, text: str, u: Unit, mentions: Sequence[AgencyLike], dl: TimeExpression | None) -> str:
        """The verb phrase: the unit without its list marker, opening deadline, subject, modal and
        responsibility parenthetical (2017年6月底前，国务院各部门根据…，制定本部门…清单 →
        根据…，制定本部门…清单)."""
        start = u.start + (len(u.marker) if u.marker and u.text.startswith(u.marker) else 0)
        if dl is not None and u.start <= dl.start and dl.start - start <= 2:
            start = dl.end
        while start < u.end and text[start] in "，, ":
            start += 1
        adv = _ADVERB_LEAD.match(text, start)
        if adv:
            start = adv.end()
        _, subject_end = self._subject_span(text[start:u.end], 0, start, mentions, strict=False)
        if subject_end > 0:
            start += subject_end
        lead = _ACTION_LEAD.match(text, start)
        if lead:
            start = lead.end()
        s = text[start:u.end]
        s = _PAREN.sub(lambda m: "" if _ROLE_CLAUSE.search(m.group(1)) else m.group(0), s)
        return s.strip().rstrip("。；;!！？?，, ") or u.text.strip()

    # -- the reading -------------------------------------------------------------------------
    def read(self, text: str, units: Sequence[Unit], times: Sequence[TimeExpression],
             mentions: Sequence[AgencyLike], *, kind: str = "policy", ref: str | None = None
             ) -> list[TaskFinding]:
        if kind == "people_news":
            return []
        w = self.w
        n = len(units)
        own: list[TimeExpression | None] = [None] * n
        for i, u in enumerate(units):
            cands = self.deadlines(text, times, u.start, u.end)
            if ref is not None and kind != "policy":
                # in a news report a period already over (今年前10个月) is a fact's date, not a deadline
                cands = [t for t in cands if (t.date or "") > ref]
            if cands:
                own[i] = max(cands, key=lambda t: t.date or "")
        # sentence-opening deadline: governs the ；-clauses continuing its sentence
        opening: dict[int, TimeExpression] = {}
        for i, u in enumerate(units):
            t = own[i]
            if u.first_in_sentence and t is not None and t.start - u.start <= 2 and t.relation == "by":
                opening[u.sentence] = t
        # parentheticals: bodies (and deadlines) for the units of their item since the previous one
        paren_bodies: list[list[tuple[str, str]]] = [[] for _ in range(n)]
        paren_deadline: list[TimeExpression | None] = [None] * n
        pending: list[int] = []
        standing: list[tuple[str, str]] = []  # 以下均需X落实: X joins every later parenthetical
        item_of = [u.item for u in units]
        index = _ByStart(mentions)
        row_bodies = self.table_rows(text, units, mentions)
        for i, u in enumerate(units):
            if pending and item_of[pending[-1]] != item_of[i]:
                pending = []
            pending.append(i)
            found = self.parentheticals(text, index.within(u.start, u.end), u.start, u.end)
            dls = [t for t in self.deadlines(text, times, u.start, u.end)
                   if any(a <= t.start < b for a, b, _ in [(m.start(), m.end(), 0)
                          for m in _PAREN.finditer(text, u.start, u.end)])]
            if found:
                bodies = [b for _, _, bs in found for b in bs] + standing
                for a, b, _ in found:
                    below = _ALL_BELOW.search(text, a, b)
                    if below:
                        standing.extend((nm, "responsible") for nm in
                                        self._names(below.group(1), below.start(1),
                                                    index.within(below.start(1), below.end(1))) or []
                                        if (nm, "responsible") not in standing)
                for j in pending:
                    paren_bodies[j].extend(b for b in bodies if b not in paren_bodies[j])
                pending = []
            if dls and not found:
                for j in pending:
                    paren_deadline[j] = dls[-1]
        out: list[TaskFinding] = []
        task_at: dict[int, int] = {}
        sentence_subject: dict[int, list[str]] = {}
        for i, u in enumerate(units):
            body = u.text[len(u.marker):] if u.marker and u.text.startswith(u.marker) else u.text
            um = index.within(u.start, u.end)
            subj = self.subject(text, u, um)
            if u.first_in_sentence:
                sentence_subject[u.sentence] = subj
            elif not subj and (w.modality_of(body[:3]) or w.starts_with_verb(body.strip())):
                subj = sentence_subject.get(u.sentence, [])
            dl_time = own[i]
            inherited = False
            if dl_time is None and not u.first_in_sentence and u.sentence in opening:
                dl_time, inherited = opening[u.sentence], True
            if dl_time is None and paren_deadline[i] is not None:
                dl_time, inherited = paren_deadline[i], True
            if dl_time is None:
                anc = u.item if not u.heading else u.parent
                seen = 0
                while anc is not None and seen < 8:
                    t = own[anc]
                    if t is not None and t.relation == "by" and units[anc].heading:
                        dl_time, inherited = t, True
                        break
                    anc = units[anc].parent if units[anc].parent != anc else None
                    seen += 1
            if u.heading:
                rest = body.strip()
                if not w.starts_with_verb(rest) or len(rest) < 6:
                    continue
            elif not self.is_task(u, body, own[i] is not None, subj, kind):
                continue
            if kind == "unknown" and not (w.modality_of(body) or own[i] is not None):
                continue
            modality = w.modality_of(body)
            agencies: list[tuple[str, str]] = list(paren_bodies[i]) or list(row_bodies.get(u.line, []))
            names = dict(agencies)
            own_bodies = [] if u.line in row_bodies else subj + self.by_phrase(text, u, um)
            for nm in own_bodies:
                if nm not in names:
                    agencies.append((nm, "responsible"))
                    names[nm] = "responsible"
            parent = u.parent if u.heading else u.item
            f = TaskFinding(
                unit=i, start=u.start, end=u.end, text=u.text, action=self.action(text, u, um, dl_time),
                modality=modality[0] if modality else None,
                deadline=_deadline_of(dl_time, inherited) if dl_time is not None else None,
                agencies=agencies, parent=parent, heading=u.heading)
            task_at[i] = len(out)
            out.append(f)
        # 以上工作要在…前完成: a unit that only dates earlier work dates its item's undated units
        for f in out:
            if f.deadline and not f.deadline.inherited and _BACKREF.match(units[f.unit].text):
                for g in out:
                    if g.unit < f.unit and g.deadline is None and units[g.unit].item == units[f.unit].item:
                        g.deadline = Deadline(**{**f.deadline.__dict__, "inherited": True})
        for f in out:  # parents must be tasks themselves
            while f.parent is not None and f.parent not in task_at:
                f.parent = units[f.parent].parent if units[f.parent].parent != f.parent else None
        return out
