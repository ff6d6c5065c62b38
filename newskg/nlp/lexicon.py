"""Name lexicon: agencies, collectives, places, organisations and titles, loaded from data/ tables.

Why a lexicon and not only a tagger: responsible bodies must come out under one canonical name
(发改委, 国家发改委 and 国家发展和改革委员会 are all 国家发展改革委), collective references must be
scoped by the issuing body (各部门 in a 国务院办公厅 document is 国务院各部门), and known traps must be
refused (财政部门 "finance departments" is not 财政部). A statistical NER cannot do either.

Data files (UTF-8 TSV with a header line; `#` lines are comments; list fields are `|`-separated):

- agencies.tsv       name, aliases, parent, level, kind, members_of, successor
- collectives.tsv    name, aliases, scope, level, kind, within          (scope rules: see the file)
- places.tsv         name, aliases, compound_only, parent, level, kind
- organizations.tsv  name, aliases, compound_only, parent, kind
- departments.tsv    name, aliases, kind       (body names after a division: 财政厅, 卫生健康委员会 …)
- titles.txt, foreign_bodies.txt, traps.txt    one entry per line

Matching is leftmost-longest over one compiled trie-shaped regular expression (every alias, trap and
scoped alias), then a few table-driven refusals: traps (consumed, nothing returned), generated traps
(X部 + 门/署/长, X局 + 长), one-character compound-only forms (never in find()), a bare central name
written right after a local division (省发展改革委 is a provincial body) and a ministry name right
after a foreign country (美国国务院 is returned as a foreign body, not as the State Council).
"""
from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, replace
from pathlib import Path

DATA_DIR = Path(__file__).parent / "data"

AGENCY, ORGANIZATION, PLACE = "AGENCY", "ORGANIZATION", "PLACE"

# scopes of collectives.tsv
SCOPE_ANY, SCOPE_STATE_COUNCIL, SCOPE_LOCAL_GOV = "any", "state_council", "local_government"
_STATE_COUNCIL_ISSUERS = frozenset({"国务院", "国务院办公厅"})
# a central name starting with one of these carries its own national marker: no left-context check
_NATIONAL_MARKERS = ("国家", "国务院", "中国", "中华人民共和国", "中央", "中共", "全国", "最高", "党中央")
# characters that end a local division and make the following bare name a local body (省财政厅 …)
_LEVEL_CHARS = frozenset("省市县区州盟旗乡镇")
# generated traps: a ministry-like name followed by these is another word (财政部门, 工作部署, 外交部长,
# 各级政府性融资担保机构)
_GENERATED_TRAPS = {"部": ("门", "署", "长"), "局": ("长",), "政府": ("性",)}
# a division written in full and followed by these characters gives up its level word to the next
# word: 广州市民 = 广州 + 市民, 广东省长 = 广东 + 省长, 北京市场 = 北京 + 市场
_SHORTEN_BEFORE = {"市": "区民郊场长级内外", "省": "长级内外委", "县": "长级城域内外委", "区": "长域内外委"}
_HAN = r"\u4e00-\u9fff"
_ASCII_ALNUM = re.compile(r"[A-Za-z0-9]")
_LOCAL_LEVELS = frozenset({"local", "provincial", "prefecture", "county", "township"})
_DIVISION_LEVELS = frozenset({"provincial", "prefecture", "county"})
# a county-level name written after its city (广州市 + 天河区); 2-5 characters ending in a level word
_COUNTY = rf"[{_HAN}]{{1,5}}?(?:自治县|自治旗|新区|县|区|旗|市)"
# words that cannot open a county name standing alone (各县, 本县, 该县 …)
_NOT_COUNTY_START = frozenset("各本该全每其此有相所上下同当市省区县乡镇村")
# characters after which a bare 市/省/区/县 + department refers to the issuer's own division
_BARE_LEVEL_LEFT = "本由和与及经向对将把在为请报送从给按并或的是以至等同、，,：:（("
_ISSUER_SPLIT = re.compile(r"[、，,；;\s]+")
_PAREN_ASCII = str.maketrans({"（": "(", "）": ")"})


@dataclass(frozen=True)
class LexEntry:
    name: str
    type: str  # AGENCY | ORGANIZATION | PLACE
    aliases: tuple[str, ...] = ()
    parent: str | None = None
    level: str | None = None
    kind: str | None = None
    collective: bool = False
    members_of: tuple[str, ...] = ()  # collectives this entry belongs to (directly)
    compound_only: tuple[str, ...] = ()  # aliases valid only inside compounds (以巴, 粤港澳)
    successor: str | None = None  # pre-reform bodies: who took over
    full_name: str | None = None  # Chinese divisions: the full form (广东省); else None

    @property
    def names(self) -> tuple[str, ...]:
        return (self.name, *self.aliases)


@dataclass(frozen=True)
class LexMatch:
    start: int
    end: int
    text: str
    entry: LexEntry


@dataclass(frozen=True)
class _Template:
    """A collective whose name depends on the issuing government ({gov}各部门)."""

    entry: LexEntry

    def fill(self, gov: str, lvl: str) -> LexEntry:
        def sub(s: str) -> str:
            return s.replace("{gov}", gov).replace("{lvl}", lvl)

        e = self.entry
        return replace(e, name=sub(e.name), aliases=tuple(sub(a) for a in e.aliases))


# a local body's level character (省, 市, 区 …) and the divisions it names: 市 -> (广州市, prefecture)
_Divisions = tuple[str, dict[str, tuple[str, str]]]


@dataclass(frozen=True)
class _Issuer:
    scope: str  # SCOPE_STATE_COUNCIL | SCOPE_LOCAL_GOV | "other"
    gov: str | None = None  # the local government's full name (广东省人民政府)
    lvl: str | None = None  # its level character (省)
    # 省/自治区/市/区/县 -> (full division name, level) of the issuer, for bare 市卫健委 and the like
    divisions: Mapping[str, tuple[str, str]] | None = None


# ---------------------------------------------------------------------------------------------
# reading the tables


def _split(field: str) -> tuple[str, ...]:
    return tuple(x.strip() for x in field.split("|") if x.strip())


def _read_tsv(path: Path) -> list[dict[str, str]]:
    header: list[str] | None = None
    rows: list[dict[str, str]] = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        cells = line.split("\t")
        if header is None:
            header = cells
            continue
        if len(cells) > len(header):
            raise ValueError(f"{path.name}:{n}: {len(cells)} fields, header has {len(header)}")
        rows.append(dict(zip(header, cells + [""] * (len(header) - len(cells)), strict=True)))
    return rows


def _read_lines(path: Path) -> list[str]:
    lines = path.read_text(encoding="utf-8").splitlines()
    return [w.strip() for w in lines if w.strip() and not w.startswith("#")]


def _trie_pattern(words: Iterable[str]) -> str:
    """A regex that matches the longest of `words` at a position (a trie: no backtracking across
    siblings, since siblings start with different characters)."""
    trie: dict = {}
    for w in words:
        node = trie
        for ch in w:
            node = node.setdefault(ch, {})
        node[""] = True

    def build(node: dict) -> str:
        end = "" in node
        kids = [re.escape(ch) + build(sub) for ch, sub in sorted(node.items()) if ch]
        if not kids:
            return ""
        body = kids[0] if len(kids) == 1 else "(?:" + "|".join(kids) + ")"
        return f"(?:{body})?" if end else body

    return build(trie)


# ---------------------------------------------------------------------------------------------


class Lexicon:
    """All name tables, indexed by surface form. Immutable once loaded; share one (default_lexicon())."""

    def __init__(
        self,
        entries: Iterable[LexEntry],
        scoped: Iterable[tuple[str, str, LexEntry | _Template]] = (),
        *,
        departments: Iterable[tuple[str, tuple[str, ...], str]] = (),
        titles: Iterable[str] = (),
        foreign_bodies: Iterable[str] = (),
        traps: Iterable[str] = (),
        within: Mapping[str, tuple[str, ...]] | None = None,
    ) -> None:
        # surface -> {scope: entry or template}, for aliases that only hold under an issuer
        self._scoped: dict[str, dict[str, LexEntry | _Template]] = {}
        for surface, scope, target in scoped:
            self._scoped.setdefault(surface, {})[scope] = target
        scoped_only = {
            (s, t.name) for s, by in self._scoped.items() for t in by.values() if isinstance(t, LexEntry)
        }
        self._by_name: dict[str, LexEntry] = {}
        self._index: dict[str, LexEntry] = {}
        self._compound: dict[str, list[LexEntry]] = {}
        for e in entries:
            self._add(e, skip=scoped_only)
        self._within = dict(within or {})
        self._titles = frozenset(titles)
        self._foreign = tuple(sorted(set(foreign_bodies), key=len, reverse=True))
        self._traps = set(traps)
        for surface in list(self._index):
            e = self._index[surface]
            if e.type != AGENCY:
                continue
            for tail, nexts in _GENERATED_TRAPS.items():
                if surface.endswith(tail):
                    self._traps.update(surface + n for n in nexts if surface + n not in self._index)
        self._traps -= set(self._index) | set(self._scoped)
        # central names without a national marker: refused right after a local division (省财政厅 …)
        self._bare = frozenset(
            s for s, e in self._index.items()
            if e.type == AGENCY and not e.collective and e.level == "central"
            and not s.startswith(_NATIONAL_MARKERS)
        )
        self._divisions = {
            s: e for s, e in self._index.items() if e.type == PLACE and e.level in _DIVISION_LEVELS
        }
        self._division_lengths = sorted({len(d) for d in self._divisions})
        surfaces = set(self._index) | set(self._scoped) | self._traps
        self._regex = re.compile(_trie_pattern(sorted(surfaces)))
        self._foreign_re = re.compile(_trie_pattern(self._foreign)) if self._foreign else None
        self._build_local(departments)

    # -- construction --------------------------------------------------------------------------

    def _add(self, e: LexEntry, skip: set[tuple[str, str]]) -> None:
        if e.name in self._by_name:
            raise ValueError(f"duplicate lexicon name: {e.name}")
        self._by_name[e.name] = e
        for s in e.names:
            if (s, e.name) in skip:
                continue
            for form in {s, s.translate(_PAREN_ASCII)}:
                other = self._index.get(form)
                if other is not None and other is not e:
                    raise ValueError(f"alias {form!r} names both {other.name} and {e.name}")
                self._index[form] = e
        for c in e.compound_only:
            self._compound.setdefault(c, []).append(e)

    @classmethod
    def load(cls, data_dir: Path | None = None) -> Lexicon:
        d = Path(data_dir) if data_dir else DATA_DIR
        entries: list[LexEntry] = []
        for r in _read_tsv(d / "agencies.tsv"):
            entries.append(
                LexEntry(
                    name=r["name"], type=AGENCY, aliases=_split(r["aliases"]), parent=r["parent"] or None,
                    level=r["level"] or None, kind=r["kind"] or None, members_of=_split(r["members_of"]),
                    successor=r["successor"] or None,
                )
            )
        for r in _read_tsv(d / "places.tsv"):
            aliases = _split(r["aliases"])
            full = None
            if r["level"] in _DIVISION_LEVELS:  # the full form: the first alias that extends the name
                full = next((a for a in aliases if a.startswith(r["name"]) and a != r["name"]), r["name"])
            entries.append(
                LexEntry(
                    name=r["name"], type=PLACE, aliases=aliases, parent=r["parent"] or None,
                    level=r["level"] or None, kind=r["kind"] or None,
                    compound_only=_split(r["compound_only"]), full_name=full,
                )
            )
        for r in _read_tsv(d / "organizations.tsv"):
            entries.append(
                LexEntry(
                    name=r["name"], type=ORGANIZATION, aliases=_split(r["aliases"]),
                    parent=r["parent"] or None, kind=r["kind"] or None,
                    compound_only=_split(r["compound_only"]),
                )
            )
        # collectives: rows of one name merge into one entry; its issuer-scoped aliases are listed
        # among its aliases but indexed apart (各部门 is 国务院各部门 only under the State Council)
        merged: dict[str, dict] = {}
        scoped_rows: list[tuple[str, str, str]] = []
        for r in _read_tsv(d / "collectives.tsv"):
            m = merged.setdefault(r["name"], {"aliases": [], "level": r["level"] or None,
                                              "kind": r["kind"] or None, "within": ()})
            m["within"] = tuple(dict.fromkeys(m["within"] + _split(r["within"])))
            m["aliases"] += [a for a in _split(r["aliases"]) if a not in m["aliases"]]
            if r["scope"] != SCOPE_ANY:  # ({lvl}政府各部门 is only ever a filled-in alias, never matched)
                scoped_rows += [(a, r["scope"], r["name"]) for a in _split(r["aliases"]) if "{" not in a]
        collective: dict[str, LexEntry | _Template] = {}
        for name, m in merged.items():
            e = LexEntry(name=name, type=AGENCY, aliases=tuple(m["aliases"]), level=m["level"],
                         kind=m["kind"], collective=True, members_of=m["within"])
            collective[name] = _Template(e) if "{" in name else e
        entries += [e for e in collective.values() if isinstance(e, LexEntry)]
        scoped = [(surface, scope, collective[name]) for surface, scope, name in scoped_rows]
        within = {name: m["within"] for name, m in merged.items()}
        departments = [(r["name"], _split(r["aliases"]), r["kind"]) for r in _read_tsv(d / "departments.tsv")]
        return cls(
            entries, scoped, departments=departments, titles=_read_lines(d / "titles.txt"),
            foreign_bodies=_read_lines(d / "foreign_bodies.txt"), traps=_read_lines(d / "traps.txt"),
            within=within,
        )

    # -- lookups -------------------------------------------------------------------------------

    def entries(self, type: str | None = None) -> Iterator[LexEntry]:  # noqa: A002 - mirrors LexEntry.type
        return (e for e in self._by_name.values() if type is None or e.type == type)

    def get(self, name: str) -> LexEntry | None:
        """The entry whose canonical name is `name` (no alias resolution)."""
        return self._by_name.get(name)

    def lookup(self, surface: str, *, issuer: str | None = None) -> LexEntry | None:
        """Any alias (or a whole local-body name) -> its entry; collectives scoped by the issuer."""
        s = re.sub(r"\s+", "", surface)
        scoped = self._scoped.get(s)
        if scoped and issuer:
            iss = self._issuer(issuer)
            target = scoped.get(iss.scope)
            if isinstance(target, _Template) and iss.gov and iss.lvl:
                return target.fill(iss.gov, iss.lvl)
            if isinstance(target, LexEntry):
                return target
        e = self._index.get(s)
        if e is not None:
            return e
        for m in self.local_agencies(s, issuer=issuer):
            if m.start == 0 and m.end == len(s):
                return m.entry
        return None

    def collectives_of(self, name: str) -> tuple[str, ...]:
        """Every collective `name` belongs to, directly or through the collectives that contain those."""
        e = self._by_name.get(name) or self.lookup(name)
        if e is None:
            return ()
        out: dict[str, None] = {}
        todo = list(e.members_of)
        while todo:
            c = todo.pop(0)
            if c in out or c == e.name:
                continue
            out[c] = None
            todo += self._within.get(c, ())
        return tuple(out)

    def titles(self) -> frozenset[str]:
        return self._titles

    def compound_short_forms(self) -> dict[str, tuple[LexEntry, ...]]:
        """One-character forms valid only inside compounds (中美, 以巴, 粤港澳) -> the entries they may
        stand for (巴 -> 巴基斯坦, 巴勒斯坦, 巴西); for the role and event code, never returned by find()."""
        return {c: tuple(es) for c, es in self._compound.items()}

    def jieba_words(self) -> Iterator[tuple[str, int, str]]:
        """(word, freq, POS) for a jieba user dictionary: agencies, organisations and local department
        names nt, places ns, titles n. Short words get a low frequency so that they do not break longer
        ordinary words (全国办理 stays 全国/办理, not 全/国办/理)."""
        tags = {AGENCY: "nt", ORGANIZATION: "nt", PLACE: "ns"}
        seen: set[str] = set()
        for e in self._by_name.values():
            for w in e.names:
                if w not in seen and len(w) > 1 and not _ASCII_ALNUM.match(w):
                    seen.add(w)
                    yield w, (20000 if len(w) > 3 else 3000 if len(w) == 3 else 300), tags[e.type]
        for d in sorted(self._dept):  # local department names (卫生健康委员会, 财政厅) as organisation words
            if d not in seen and len(d) > 2:
                seen.add(d)
                yield d, 20000 if len(d) > 3 else 3000, "nt"
        for t in sorted(self._titles):
            if t not in seen:
                seen.add(t)
                yield t, 3000 if len(t) > 2 else 300, "n"

    # -- matching ------------------------------------------------------------------------------

    def find(self, text: str, *, issuer: str | None = None) -> list[LexMatch]:
        """Leftmost-longest, non-overlapping lexicon names in `text` (agencies, collectives, places,
        organisations). Collectives are resolved for `issuer` (the document's issuing body)."""
        iss = self._issuer(issuer) if issuer else None
        out: list[LexMatch] = []
        skip_to = 0
        for m in self._regex.finditer(text):
            s, e = m.span()
            if s < skip_to or s == e:
                continue
            surface = m.group()
            if surface in self._traps:
                continue
            if surface[0] < "\x80" and s > 0 and _ASCII_ALNUM.match(text[s - 1]):
                continue
            if surface[-1] < "\x80" and e < len(text) and _ASCII_ALNUM.match(text[e]):
                continue
            entry = self._resolve(surface, iss)
            if entry is None:
                continue
            if entry.type == PLACE and entry.level == "country" and entry.name != "中国":
                f = self._foreign_re.match(text, e) if self._foreign_re else None
                nxt = self._regex.match(text, e) if f else None
                if f and f.end() > e and not (nxt and nxt.group() in self._traps):  # 印度外交部长: a title
                    body = self._foreign_body(entry, surface, f.group())
                    out.append(LexMatch(s, f.end(), text[s : f.end()], body))
                    skip_to = f.end()
                    continue
            if surface in self._bare:
                prev = out[-1] if out else None
                if prev and prev.end == s and prev.entry.type == PLACE and prev.entry.level == "country" \
                        and prev.entry.name != "中国":
                    # 美国 + 移民局: that country's body, not the Chinese one
                    out[-1] = LexMatch(prev.start, e, text[prev.start : e],
                                       self._foreign_body(prev.entry, prev.text, surface))
                    continue
                if self._after_local_division(text, s):
                    continue
            if (entry.type == PLACE and e < len(text) and text[e] in _SHORTEN_BEFORE.get(surface[-1], "")
                    and surface[:-1] in entry.names):
                # 广州市民, 广东省长: the division is 广州 / 广东, the level word belongs to the next word
                e -= 1
                surface = surface[:-1]
            out.append(LexMatch(s, e, surface, entry))
        return out

    def find_all(self, text: str, *, issuer: str | None = None) -> list[LexMatch]:
        """find() and local_agencies() together, overlaps resolved leftmost-longest."""
        found = self.find(text, issuer=issuer)
        return _leftmost_longest(found + self._local(text, issuer, found))

    def _resolve(self, surface: str, iss: _Issuer | None) -> LexEntry | None:
        scoped = self._scoped.get(surface)
        if scoped and iss is not None:
            target = scoped.get(iss.scope)
            if isinstance(target, _Template) and iss.gov and iss.lvl:
                return target.fill(iss.gov, iss.lvl)
            if isinstance(target, LexEntry):
                return target
        return self._index.get(surface)

    def _after_local_division(self, text: str, start: int) -> bool:
        """Is the name at `start` written right after a local division (省, 广东省, 广州 …)?"""
        if start == 0:
            return False
        if text[start - 1] in _LEVEL_CHARS:
            return True
        if text[start - 1] == "委" and start >= 2 and text[start - 2] in _LEVEL_CHARS:
            return True  # 省委网信办
        return any(text[start - n : start] in self._divisions for n in self._division_lengths if n <= start)

    @staticmethod
    def _foreign_body(country: LexEntry, written_country: str, suffix: str) -> LexEntry:
        """美国 + 国务院 -> the body 美国国务院 (named after the country's canonical name)."""
        name = country.name + suffix
        written = written_country + suffix
        return LexEntry(name=name, type=AGENCY, aliases=() if written == name else (written,),
                        parent=country.name, level="foreign", kind="foreign_body")

    # -- issuers -------------------------------------------------------------------------------

    @functools.lru_cache(maxsize=256)  # noqa: B019 - the lexicon is immutable and lives for the process
    def _issuer(self, issuer: str) -> _Issuer:
        """Classify a document's issuer (one body or several, 、-separated) for collective scoping."""
        central: list[LexEntry] = []
        local: list[tuple[LexEntry, _Divisions]] = []
        for p in _ISSUER_SPLIT.split(issuer):
            if not p:
                continue
            e = self._index.get(p)
            if e is not None:
                central.append(e)
                continue
            parsed = self._local_parse_whole(p)
            if parsed is not None:
                local.append(parsed)
        if any(e.name in _STATE_COUNCIL_ISSUERS for e in central):
            return _Issuer(SCOPE_STATE_COUNCIL)
        divisions: dict[str, tuple[str, str]] = {}
        for _, (_, divs) in local:
            divisions.update(divs)
        for e, (lvl, _) in local:
            if e.kind in ("government", "general_office"):
                gov = e.name if e.kind == "government" else e.parent
                return _Issuer(SCOPE_LOCAL_GOV, gov, lvl, divisions)
        return _Issuer("other", divisions=divisions or None)

    # -- local bodies --------------------------------------------------------------------------

    def _build_local(self, departments: Iterable[tuple[str, tuple[str, ...], str]]) -> None:
        self._dept: dict[str, tuple[str, str]] = {}  # surface -> (full name, kind)
        for full, aliases, kind in departments:
            for s in (full, *aliases):
                self._dept.setdefault(s, (full, kind))
        # the Party-committee row 委 must not take 委托, 委派 …
        alts = [re.escape(s) + ("(?![托派屈婉任靡身实员])" if s == "委" else "")
                for s in sorted(self._dept, key=len, reverse=True)]
        dept = "(?P<d>" + "|".join(alts) + ")"
        self._prov = {s: e for s, e in self._divisions.items() if e.level == "provincial"}
        self._city = {s: e for s, e in self._divisions.items() if e.level == "prefecture"}
        p = _trie_pattern(sorted(self._prov))
        c = _trie_pattern(sorted(self._city))
        self._local_re = re.compile(rf"(?:(?P<p>{p})(?P<c1>{c})?|(?P<c2>{c}))(?P<k>{_COUNTY})??{dept}")
        self._division_start = re.compile(_trie_pattern(sorted(set(self._prov) | set(self._city))))
        self._county_re = re.compile(rf"(?<![{_HAN}])(?P<k>[{_HAN}]{{1,4}}?(?:自治县|县)){dept}")
        self._bare_level_re = re.compile(rf"(?P<lvl>自治区|省|市|区|县){dept}")
        self._each_re = re.compile(rf"各(?:省（区、市）|地市|区|市|县|省){dept}")

    def local_agencies(self, text: str, *, issuer: str | None = None,
                       found: list[LexMatch] | None = None) -> list[LexMatch]:
        """Local bodies by pattern over the divisions lexicon: 广东省人民政府, 广州市卫生健康委员会,
        新疆维吾尔自治区人民政府, 广州市天河区卫生健康局, 雄县人民政府, 中共河北省委; and collectives of
        local bodies (县级以上地方人民政府, 各区卫生健康局). Canonical name: the division in full form
        (the city, or the province where no city is written, then the county) and the body's official
        full name (卫健委 -> 卫生健康委员会). With `issuer`, a bare 市卫健委 / 本市财政局 is expanded
        to the issuer's own division (广州市卫生健康委员会). `found`: this text's find() result,
        when the caller already has it, so the text is not scanned twice."""
        return self._local(text, issuer, found)

    def _local(self, text: str, issuer: str | None, found: list[LexMatch] | None) -> list[LexMatch]:
        out: list[LexMatch] = [m for m, _ in self._local_parses(text)]
        for hit in self._each_re.finditer(text):
            name = hit.group()
            e = LexEntry(name=name, type=AGENCY, level="local", kind="local_departments", collective=True)
            out.append(LexMatch(hit.start(), hit.end(), name, e))
        if issuer:
            divs = self._issuer(issuer).divisions or {}
            for hit in self._bare_level_re.finditer(text):
                s = hit.start()
                if s > 0 and "\u4e00" <= text[s - 1] <= "\u9fff" and text[s - 1] not in _BARE_LEVEL_LEFT:
                    continue
                if hit.group("lvl") in divs:
                    div, level = divs[hit.group("lvl")]
                    full, kind = self._dept[hit.group("d")]
                    e = self._local_entry(div, full, kind, hit.group(), level)
                    out.append(LexMatch(s, hit.end(), hit.group(), e))
        if found is None:
            found = self.find(text, issuer=issuer)
        out += [m for m in found if m.entry.collective and m.entry.level in _LOCAL_LEVELS]
        return _leftmost_longest(out)

    def _local_parses(self, text: str) -> Iterator[tuple[LexMatch, _Divisions]]:
        pos = 0
        while (m := self._division_start.search(text, pos)) is not None:
            hit = self._local_re.match(text, m.start())
            parsed = self._local_parse(text, hit) if hit else None
            if parsed is None:
                pos = m.start() + 1
                continue
            yield parsed
            pos = hit.end()
        for hit in self._county_re.finditer(text):
            k = hit.group("k")
            if k[0] in _NOT_COUNTY_START or k in self._index:
                continue
            parsed = self._local_parse(text, hit)
            if parsed is not None:
                yield parsed

    def _local_parse_whole(self, name: str) -> tuple[LexEntry, _Divisions] | None:
        for m, meta in self._local_parses(name):
            if m.start == 0 and m.end == len(name):
                return m.entry, meta
        return None

    def _local_parse(self, text: str, hit: re.Match) -> tuple[LexMatch, _Divisions] | None:
        """One local-body regex hit -> its match, and the divisions it names (for issuers)."""
        g = hit.groupdict()
        full, kind = self._dept[g["d"]]
        prov = self._prov.get(g.get("p") or "")
        city = self._city.get(g.get("c1") or g.get("c2") or "")
        county = g.get("k")
        start = hit.start()
        written_div = (g.get("p") or "") + (g.get("c1") or g.get("c2") or "") + (county or "")
        if kind.startswith("party"):
            if written_div[-1:] not in ("省", "市", "县", "区"):
                return None  # 河北委 is not a Party committee; 河北省委 is
            if text[max(0, start - 2) : start] == "中共":
                start -= 2
        prov_full = (prov.full_name or prov.name) if prov else None
        city_full = (city.full_name or city.name) if city else None
        top = city_full or prov_full or ""
        div = top + (county or "")
        divs: dict[str, tuple[str, str]] = {}
        if prov_full:
            divs["省"] = divs["自治区"] = (prov_full, "provincial")
            if prov.kind == "municipality":
                divs["市"] = (prov_full, "provincial")
        if city_full:
            divs["市"] = (city_full, "prefecture")
        if county:
            divs[county[-1]] = (div, "county")
            lvl = county[-1]
        elif city or (prov and prov.kind == "municipality"):
            lvl = "市"
        else:
            lvl = "自治区" if prov and prov.kind == "autonomous_region" else "省"
        level = "county" if county else "prefecture" if city else "provincial"
        up = None  # the government above a local government
        if kind == "government":
            if county and top:
                up = top + "人民政府"
            elif city and prov_full:
                up = prov_full + "人民政府"
            elif city and city.parent in self._by_name:
                p = self._by_name[city.parent]
                up = (p.full_name or p.name) + "人民政府"
        written = text[start : hit.end()]
        entry = self._local_entry(div, full, kind, written, level, up)
        return LexMatch(start, hit.end(), written, entry), (lvl, divs)

    @staticmethod
    def _local_entry(
        div: str, full: str, kind: str, written: str, level: str, up: str | None = None
    ) -> LexEntry:
        name = div + full
        if kind == "government":
            members = {
                "provincial": ("各省、自治区、直辖市人民政府",),
                "prefecture": ("市级人民政府",),
                "county": ("县级人民政府",),
            }.get(level, ())
            parent = up
        elif kind.startswith("party") or kind == "discipline":
            members = ()
            parent = None if kind == "party_committee" else div + "委"
        else:
            gov = div + "人民政府"
            members = (f"{gov}各部门",) if kind == "department" else ()
            parent = gov
        aliases = (written,) if written != name else ()
        return LexEntry(name=name, type=AGENCY, aliases=aliases, parent=parent, level=level, kind=kind,
                        members_of=members)


def _leftmost_longest(matches: list[LexMatch]) -> list[LexMatch]:
    out: list[LexMatch] = []
    end = -1
    for m in sorted(matches, key=lambda m: (m.start, -(m.end - m.start))):
        if m.start >= end:
            out.append(m)
            end = m.end
    return out


@functools.lru_cache(maxsize=1)
def default_lexicon() -> Lexicon:
    """The package's lexicon, loaded once per process."""
    return Lexicon.load()
