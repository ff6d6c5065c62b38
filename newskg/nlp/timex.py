"""Chinese time expressions -> ISO dates, relative to the document date.

Pure functions, no spaCy: `parse_time` runs on every sentence of a corpus, so the grammar is one
alternation of regexes compiled at import, and each alternative has its own small interpreter
(`_HANDLERS`). Lexicons (markers, follower words, benefit verbs) are the module constants below.

What an expression means (the "latest day that satisfies it" is what a deadline needs):

* ``date``: the latest day that satisfies the expression (2017年12月底前 -> 2017-12-31); for
  relation "after" the first day (2019年起 -> 2019-01-01); None for ongoing wording, and for
  relative forms (本月, 3个月内, 19日) when no reference date is given.
* ``from_``: only for kind "range" (2018—2020年 -> 2018-01-01 .. 2020-12-31).
* ``relation``: "by" (…前, …底前, …内, 到/至/力争/争取/最迟…), "on" (a day), "during" (a
  period named without a marker: 2020年, 2019年上半年, 第三季度, 本月, ranges), "after" (…起,
  从/自…, …以后, …以来, N个月后), or None where the time does not date the sentence (below).
* ``kind``: "deadline" (relation by), "point", "range", "recurring", "ongoing".

Decisions (judgement calls, written down so that callers can rely on them):

* A bare year (2020年，… / 2020年初步建成… / 力争2023年达到…) is kind "point", relation
  "during", date Dec 31. It gets relation None when it only names what a noun is about
  (完成试点城市2016年工作评价, 2023年培训计划, 2022年北京冬奥会, 2023年版), i.e. when the next
  word is not punctuation or one of `_YEAR_FOLLOWERS`, and when it lies before the reference
  year (a past event is never a target). 年度 counts as a year (2019年度，…).
* A time inside a 《…》 title names the document's period: it keeps its dates but gets relation
  None (kind "point", or "range" for a range).
* A month or day without a year takes the reference year, even when it is earlier than the
  reference month (only 明年/下月… move forward); X日 alone takes the reference month, or the
  month of the date just before it (11月22日和23日).
* X年前 with a four-digit year is "by Dec 31 of X" (policy usage: 2020年前完成); with a small
  number it means "X years ago" (a past point, relation None).
* Durations count from the reference date, the starting day not counted: N个月内 / N年内 /
  之日起N日内 -> ref + N; 2—3年内 and 经过5—10年左右时间 take the upper bound; N个工作日 skip
  weekends; N个月后 is "after". Not returned: a duration anchored on another event
  (作出之日起20个工作日内, 转制为企业后…), a benefit's length (五年内免征…, 两年之内对其…实行),
  an attribute (五年以内的人员, 距…五年以内), and lengths without 内/后 (6个月, 1年以上, 三年行动计划).
* Recurring (每年2月底前): the first occurrence on or after the reference date, or after a
  start given just before in the same sentence (2020年起，每年2月底前 -> 2020-02-29).
* 截至X: "by" (deadline) when X is after the reference date, "on" (point) otherwise.
* X以来 is "after" with the first day. Vague deictics (当前, 目前, 近年来, 近期) and event-anchored
  times (十八大以来, 建交33年来, 峰会期间) are not returned.
* 年初 ends on the last day of February (as JioNLP); month 初/上旬 = days 1-10, 中旬 11-20,
  下旬 21-end; seasons 春 Mar-May, 夏 Jun-Aug, 秋 Sep-Nov, 冬 Dec-Feb.
* Five-year plans: n-th plan (n >= 3) starts 1966 + 5(n-3): 十三五 = 2016-2020; 期间/时期 ->
  range, 末 -> by Dec 31 of the last year, 以来 -> after; a plan name ("十五五"规划) is not a time.
* Ongoing wording: 长期坚持, 持续推进, … and 长期 standing alone (a table cell, （长期）).
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache

import cn2an

__all__ = ["TimeExpression", "infer_document_date", "parse_lines", "parse_time"]


@dataclass(frozen=True)
class TimeExpression:
    """One normalised time expression; offsets index the string given to `parse_time`."""

    text: str
    start: int
    end: int
    date: str | None
    from_: str | None
    relation: str | None
    kind: str
    approximate: bool = False

    def to_json(self) -> dict:
        return {
            "text": self.text,
            "start": self.start,
            "end": self.end,
            "date": self.date,
            "from": self.from_,
            "relation": self.relation,
            "kind": self.kind,
            "approximate": self.approximate,
        }


# --------------------------------------------------------------------------- numbers

_CN_DIGIT = {"〇": 0, "零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7,
             "八": 8, "九": 9}
_FULLWIDTH = str.maketrans("０１２３４５６７８９", "0123456789")


@lru_cache(maxsize=4096)
def _num(s: str) -> float:
    """Arabic, full-width or Chinese numeral -> number (二〇一八 digit by digit, 十二 via cn2an)."""
    s = s.translate(_FULLWIDTH)
    if s.isdigit():
        return int(s)
    if s.replace(".", "", 1).replace("．", "", 1).isdigit():
        return float(s.replace("．", "."))
    if s == "半":
        return 0.5
    if len(s) == 4 and all(c in _CN_DIGIT for c in s):
        return int("".join(str(_CN_DIGIT[c]) for c in s))
    return cn2an.cn2an(s, "smart")


def _int(s: str) -> int:
    return int(_num(s))


# --------------------------------------------------------------------------- grammar

_D = "0-9０-９"
_CN19 = "一二三四五六七八九"
_Y = rf"(?<![{_D}.．])(?:[12１２][{_D}]{{3}}|[一二][〇零{_CN19}]{{3}})(?![{_D}])"
_MON = rf"(?<![{_D}.．])(?:1[0-2]|0?[1-9]|１[０-２]|０?[１-９]|十[一二]?|[{_CN19}])"
_DAY = (r"(?:3[01]|[12][0-9]|0?[1-9]|３[０１]|[１２][０-９]|０?[１-９]"
        rf"|三十一?|二十[{_CN19}]?|十[{_CN19}]?|[{_CN19}])")
_N = rf"(?:(?<![{_D}.．])(?:[{_D}]{{1,3}}(?:[.．][{_D}])?|[一二两三四五六七八九十百]{{1,3}})|半)"
_JOIN = r"[—－–\-~～至到]"
_SUF = (r"(?:底前|末前|以前|之前|前(?![列沿提景进往夕者身台端线锋])|以内|之内|内(?![部容涵外核需])"
        r"|起(?![草步点来飞诉航见码])|以后|之后|后(?![续期备来者勤盾台])|开始|以来|止)")
# 上年/本年/去年… but not 以上年龄, 基本年薪, 过去年代
_REL_YEAR_WORD = r"今|明|(?<!过)去|(?<![以之向基资成])本|(?<![以之向])上一?|(?<![以之向])下一?"


def _date(t: str) -> str:
    """A date phrase without suffix. Group names carry the tag `t` (a regex needs unique names);
    the month parts occur twice (after a year, and alone), the second time tagged `t + "x"`."""

    def month(u: str) -> str:
        return (rf"(?P<m{u}>{_MON})月份?(?:(?P<d{u}>{_DAY})[日号]"
                rf"|(?P<ms{u}>上旬|中旬|下旬|底|末|初(?![步次级])|第(?P<wk{u}>[1-5一二三四五])周))?")

    year = rf"(?:(?P<y{t}>{_Y})年|(?P<ry{t}>{_REL_YEAR_WORD})年)(?P<du{t}>度)?"
    first_months = rf"前(?P<fq{t}>[一二三1-3])季度|前(?P<fm{t}>[0-9]{{1,2}}|十[一二]?|[{_CN19}两])个月"
    in_year = (rf"(?P<h{t}>上半年|下半年)|第?(?P<q{t}>[1-4一二三四])季度|{first_months}"
               rf"|(?P<ys{t}>年?底|年?末|年?初(?![步次级见衷具始心]))|(?P<se{t}>[春夏秋冬])[季天]")
    # no year: 上半年, 第三季度, 前10个月, 年底 (only with 前 or 到), 本月, 19日
    alone = (rf"(?P<sa{t}>上半年|下半年|第?(?P<saq{t}>[1-4一二三四])季度|年底|年末"
             rf"|前(?P<safq{t}>[一二三1-3])季度|前(?P<safm{t}>[0-9]{{1,2}}|十[一二]?|[{_CN19}两])个月)")
    mrel = rf"(?P<mr{t}>本|上个?|下个?)月(?P<mrs{t}>底|末|初)?"
    dayonly = rf"(?<![{_D}.．第])(?:(?<=每月)|(?<!月))(?P<do{t}>[0-9]{{1,2}}|[０-９]{{1,2}})日"
    return rf"(?:{year}(?:{month(t)}|{in_year})?|{month(t + 'x')}|{mrel}|{alone}|{dayonly})"


_UNIT = r"(?:个月|个?工作日|个?星期|周|天|年|个季度)"
_ANCHOR = (r"(?:(?:自|从)?本(?:通知|意见|方案|办法|规定|决定|文件|文|公告|细则|条例|措施|计划)|自|从)?"
           r"(?:印发|发布|公布|下发|出台|颁布|实施|施行|生效)(?:之日起?|以后|之后|后)")

_ALTERNATIVES = (
    # 2018—2020年, 2018至2020年
    ("yrange", rf"(?P<yr1>{_Y})(?:年?[—－–\-~～]+|[至到])(?P<yr2>{_Y})年"),
    # 1—10月, 2019年3—6月; 11月17—18日
    ("mrange", rf"(?:(?P<mry>{_Y})年)?(?:(?P<mr1>{_MON}){_JOIN}(?P<mr2>{_MON})月"
               rf"|(?P<dm>{_MON})月(?P<dd1>{_DAY}){_JOIN}(?P<dd2>{_DAY})日)"),
    # 2019年1月1日至2023年12月31日, 11月17日至18日, 2024年至2025年, 2015年至今
    ("range", rf"{_date('a')}{_JOIN}(?:{_date('b')}|(?P<now>今))"),
    # 自本通知印发之日起30日内, 本文印发后3个月内, 自本通知印发之日起
    ("anchored", rf"(?P<anc>{_ANCHOR})(?:(?P<an>{_N})(?:{_JOIN}(?P<an2>{_N}))?(?P<au>{_UNIT}|日)"
                 rf"(?P<asuf>以内|之内|内|以后|之后|后)?)?"),
    # 经过5—10年左右时间, 利用3-5年时间, 未来5年
    ("span", rf"(?P<sp>经过|利用|未来)(?P<sn>{_N})(?:{_JOIN}(?P<sn2>{_N}))?(?P<su>{_UNIT})"
             rf"(?:左右)?(?:的?(?P<st>时间))?(?P<ssuf>以内|之内|内|以后|之后|后)?"),
    # 3个月内, 2—3年内, 两个月后, 三年前, 30日内 (5日前 is a day: see "date")
    ("duration", rf"(?P<n>{_N})(?:{_JOIN}(?P<n2>{_N}))?(?:(?P<u>{_UNIT})(?:左右)?"
                 rf"(?P<suf>以内|之内|内|以后|之后|后(?![续期备来者])|以前|之前|前(?![列沿提景进往]))"
                 rf"|(?P<ur>日)(?P<sufr>以内|之内|内))"),
    # "十三五"期间 / 末 / 时期 / 以来
    ("fyp", rf"[“\"「‘]?十(?P<fn>[{_CN19}])五[”\"」’]?(?P<fsuf>期间|时期|末期|末|以来)"),
    ("reld", r"今天|今日|明天|昨天|昨日"),
    ("ongoing", r"长期坚持|长期推进|长期开展|长期实施|长期执行|长期探索|长期保持|持续推进|持续开展|持续实施"
                r"|长期"),
    ("yearin", rf"(?<![{_D}.．一二两三四五六七八九十百半])年内(?![部容涵外核需])"),
    ("date", rf"{_date('c')}(?:[{_D}]{{1,2}}[时点](?:[{_D}]{{1,2}}分)?)?(?P<sufc>{_SUF})?"),
)
# Every alternative starts with one of these characters: testing them first lets the scan skip the
# other positions cheaply (the alternation itself has no literal prefix the regex engine could use).
_FIRST_CHARS = rf"[{_D}〇零{_CN19}两十百半今明去本上下昨年第前每经利未自从印发公颁实施生出长持“\"「‘]"
_MASTER = re.compile(f"(?={_FIRST_CHARS})(?:" + "|".join(f"(?P<{n}>{p})" for n, p in _ALTERNATIVES) + ")")
_PRECHECK = re.compile(rf"[{_D}年月日天季期末今明昨内长持周旬五]")

# Markers written just before a date phrase (searched in the 4 characters before it).
_PREFIX = re.compile(
    r"(?:力争到|力争在|力争于|力争|争取到|争取在|争取于|争取|截至到?|截止到?|直到|直至|最迟到|最迟在|最迟于"
    r"|最迟|最晚|不晚于|(?<![达做得受提感回看拿收遇来想])到|(?<![乃甚以截直])至|从|(?<![来各独亲])自"
    r"|每年的?|每月的?)$"
)
_BY_PREFIX = frozenset(["力争到", "力争在", "力争于", "力争", "争取到", "争取在", "争取于", "争取", "直到",
                        "直至", "最迟到", "最迟在", "最迟于", "最迟", "最晚", "不晚于", "到", "至"])
_ASOF_PREFIX = frozenset(["截至", "截至到", "截止", "截止到"])
_FROM_PREFIX = frozenset(["从", "自"])
_BY_SUF = frozenset(["底前", "末前", "以前", "之前", "前", "以内", "之内", "内", "止"])
_AFTER_SUF = frozenset(["起", "以后", "之后", "后", "开始", "以来"])

# After a bare year these words show that the year dates the sentence (2020年初步建成, 2023年达到80%);
# anything else (工作评价, 培训计划, 北京冬奥会, 版) means the year only names what a noun is about.
_YEAR_FOLLOWERS = re.compile(
    r"[\s，,。；;：:、）)】\]—－\-!！?？]|$|起|将|要|在|于|已|就|是|为|和|与|及|或|至|到|前|后|内|底|末|再|又|还|仍"
    r"|也|都|共|比|较|每|达|实现|建成|建设|完成|基本|初步|全面|力争|争取|举办|举行|召开|开展|开始|实施|启动|选取"
    r"|印发|发布|出台|推出|推动|推进|投入|进入|累计|同期|全年|继续|首次|正式|新增|增长|下降|减少|提高|提升|有|没有"
    r"|不|以来|以后|之后|以前|之前|通过|签署|成立|设立|上线|开通|建立|形成|取得|确保|务必|必须|应|须|需|可|能"
)
_CLAUSE_END = re.compile(r"[。；;！!？?\n]")
# A benefit's length (五年内免征…, 两年之内对其…实行…) counts from an event the text does not date.
_BENEFIT_AFTER = re.compile(
    r"[^，,。；;！!？?\n]{0,16}?(?:免征|免收|免除|免予|减征|减半|减免|享受|享有|给予|实行|可继续)"
)
_EVENT_ANCHOR_BEFORE = re.compile(r"(?:之日起?|日起|起算|之后|以后|(?<![今此])后|满)$")
_SEASONS = {"春": (3, 5), "夏": (6, 8), "秋": (9, 11), "冬": (12, 14)}
_QUARTER = {"一": 1, "二": 2, "三": 3, "四": 4, "1": 1, "2": 2, "3": 3, "4": 4}
_WEEK = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5}
_REL_DAY = {"今天": 0, "今日": 0, "明天": 1, "昨天": -1, "昨日": -1}
_REL_YEAR = {"今": 0, "本": 0, "明": 1, "下": 1, "下一": 1, "去": -1, "上": -1, "上一": -1}
_REL_MONTH = {"本": 0, "上": -1, "上个": -1, "下": 1, "下个": 1}
# Two reference dates that differ in year, month and day: an expression whose date moves with
# them is relative, and gets date None when parse_time is called without a reference date.
_PROBE_REFS = (dt.date(1901, 1, 1), dt.date(1904, 6, 15))


# --------------------------------------------------------------------------- date arithmetic


def _last_day(y: int, m: int) -> dt.date:
    return dt.date(y, m, calendar.monthrange(y, m)[1])


def _add_months(d: dt.date, n: int) -> dt.date:
    y, m = divmod(d.year * 12 + d.month - 1 + n, 12)
    return dt.date(y, m + 1, min(d.day, calendar.monthrange(y, m + 1)[1]))


def _add_workdays(d: dt.date, n: int) -> dt.date:
    while n > 0:
        d += dt.timedelta(days=1)
        if d.weekday() < 5:
            n -= 1
    return d


def _shift(ref: dt.date, n: float, unit: str, sign: int = 1) -> dt.date:
    """ref moved by n units (the starting day not counted, as in Chinese legal time limits)."""
    if unit == "年":
        return _add_months(ref, sign * round(n * 12))
    if unit == "个月":
        return ref + dt.timedelta(days=sign * 15) if n == 0.5 else _add_months(ref, sign * round(n))
    if unit == "个季度":
        return _add_months(ref, sign * round(n * 3))
    if unit in ("周", "星期", "个星期"):
        return ref + dt.timedelta(days=sign * round(n * 7))
    if unit.endswith("工作日"):
        return _add_workdays(ref, round(n)) if sign > 0 else ref - dt.timedelta(days=round(n * 7 / 5))
    return ref + dt.timedelta(days=sign * round(n))


@dataclass
class _Period:
    """A resolved date phrase: first and last day, and how it was written."""

    first: dt.date
    last: dt.date
    day: bool = False          # names a single day
    bare_year: bool = False    # a year and nothing else (2020年 / 今年)
    span: bool = False         # the first months of a year (前10个月, 前三季度): a range
    month: int | None = None
    recur: dict = field(default_factory=dict)  # month/day parts, for 每年 recurrences


def _year_period(y: int, h: str | None, q: str | None, fq: str | None, fm: str | None) -> _Period | None:
    """上半年 / 下半年 / 第N季度 / 前N季度 / 前N个月 of year y."""
    if h == "上半年":
        return _Period(dt.date(y, 1, 1), dt.date(y, 6, 30))
    if h == "下半年":
        return _Period(dt.date(y, 7, 1), dt.date(y, 12, 31))
    if q:
        return _Period(dt.date(y, 3 * _QUARTER[q] - 2, 1), _last_day(y, 3 * _QUARTER[q]))
    if fq:
        return _Period(dt.date(y, 1, 1), _last_day(y, 3 * _QUARTER[fq]), span=True)
    n = _int(fm) if fm else 0
    return _Period(dt.date(y, 1, 1), _last_day(y, n), span=True) if 1 <= n <= 12 else None


def _month_part(year: int, month: int, day: int | None, ms: str | None, wk: str | None) -> _Period | None:
    end = _last_day(year, month)
    if day is not None:
        if not 1 <= day <= end.day:
            return None
        d = dt.date(year, month, day)
        return _Period(d, d, day=True, month=month, recur={"m": month, "d": day})
    if ms in ("底", "末"):
        first, last = dt.date(year, month, end.day - 9), end
    elif ms in ("初", "上旬"):
        first, last = dt.date(year, month, 1), dt.date(year, month, 10)
    elif ms == "中旬":
        first, last = dt.date(year, month, 11), dt.date(year, month, 20)
    elif ms == "下旬":
        first, last = dt.date(year, month, 21), end
    elif wk:
        n = _WEEK.get(wk) or int(wk)
        first, last = dt.date(year, month, min(7 * n - 6, end.day)), dt.date(year, month, min(7 * n, end.day))
    else:
        first, last = dt.date(year, month, 1), end
    return _Period(first, last, month=month, recur={"m": month, "ms": ms})


def _g(m: re.Match, name: str, tag: str) -> str | None:
    """Group `name` of the date phrase tagged `tag` (month parts also exist tagged `tag + "x"`)."""
    v = m.group(name + tag)
    if v is None and name + tag + "x" in m.re.groupindex:
        v = m.group(name + tag + "x")
    return v


def _resolve(m: re.Match, tag: str, ref: dt.date, ctx: tuple[int, int | None] | None = None
             ) -> _Period | None:
    """Interpret one `_date(tag)` match; ctx = (year, month) carried over from a range start or a
    coordinated date (11月22日和23日)."""
    y_s, ry = _g(m, "y", tag), _g(m, "ry", tag)
    if y_s:
        year = _int(y_s)
        if not 1900 <= year <= 2100:
            return None
    elif ry:
        year = ref.year + _REL_YEAR[ry]
    else:
        year = ctx[0] if ctx else ref.year
        sa = _g(m, "sa", tag)
        if sa in ("年底", "年末"):
            return _Period(dt.date(year, 12, 1), dt.date(year, 12, 31))
        if sa:
            return _year_period(year, sa if "半" in sa else None, _g(m, "saq", tag), _g(m, "safq", tag),
                                _g(m, "safm", tag))
        if _g(m, "do", tag):
            month = ctx[1] if ctx and ctx[1] else ref.month if not ctx else None
            if month is None:
                return None
            day = _int(_g(m, "do", tag))  # type: ignore[arg-type]
            return _month_part(year, month, day, None, None)
        mr = _g(m, "mr", tag)
        if mr is not None:
            base = _add_months(ref.replace(day=1), _REL_MONTH[mr])
            return _month_part(base.year, base.month, None, _g(m, "mrs", tag), None)
    mon_s = _g(m, "m", tag)
    if mon_s is not None:
        month = _int(mon_s)
        if not 1 <= month <= 12:
            return None
        d_s = _g(m, "d", tag)
        return _month_part(year, month, _int(d_s) if d_s else None, _g(m, "ms", tag), _g(m, "wk", tag))
    if not (y_s or ry):
        return None
    h, q, fq, fm = (_g(m, n, tag) for n in ("h", "q", "fq", "fm"))
    if h or q or fq or fm:
        return _year_period(year, h, q, fq, fm)
    ys, se = _g(m, "ys", tag), _g(m, "se", tag)
    if ys:
        if ys.endswith("初"):
            return _Period(dt.date(year, 1, 1), _last_day(year, 2))
        return _Period(dt.date(year, 12, 1), dt.date(year, 12, 31))
    if se:
        a, b = _SEASONS[se]
        return _Period(dt.date(year, a, 1), _last_day(year + 1, b - 12) if b > 12 else _last_day(year, b))
    return _Period(dt.date(year, 1, 1), dt.date(year, 12, 31), bare_year=True)


def _recurrence(p: _Period, lower: dt.date, monthly: bool) -> dt.date:
    """Latest day of the first occurrence of p's month (and day) ending on or after `lower`."""
    m, d = p.recur.get("m"), p.recur.get("d")
    if monthly or m is None:  # 每月10日前: the day in lower's month, else the next month's
        day = p.first.day
        for k in (0, 1):
            base = _add_months(lower.replace(day=1), k)
            cand = base.replace(day=min(day, calendar.monthrange(base.year, base.month)[1]))
            if cand >= lower:
                return cand
        return p.last
    for yy in (lower.year, lower.year + 1):
        if d is not None:
            last = dt.date(yy, m, min(d, calendar.monthrange(yy, m)[1]))
        else:
            last = _month_part(yy, m, None, p.recur.get("ms"), None).last  # type: ignore[union-attr]
        if last >= lower:
            return last
    return p.last


# --------------------------------------------------------------------------- interpretation


@dataclass
class _Hit:
    start: int
    end: int
    date: dt.date | None
    from_: dt.date | None
    relation: str | None
    kind: str


@dataclass
class _State:
    """What one parse has seen so far (for coordinated days and 起 … 每年 recurrences)."""

    text: str
    ref: dt.date
    prev: _Hit | None = None
    prev_after: _Hit | None = None


def _in_title(text: str, pos: int) -> bool:
    """True when pos lies inside an open 《…》 on the same line."""
    i = text.rfind("《", max(0, pos - 60), pos)
    return i >= 0 and "》" not in text[i:pos] and "\n" not in text[i:pos]


def _prefix(text: str, pos: int) -> re.Match | None:
    return _PREFIX.search(text, max(0, pos - 4), pos)


def _date_hit(m: re.Match, st: _State) -> _Hit | None:
    text, ref, s, end = st.text, st.ref, m.start(), m.end()
    ctx = None
    prev = st.prev
    if m.group("doc") and prev and prev.date and prev.end == s - 1 and text[s - 1] in "和、及与或":
        ctx = (prev.date.year, prev.date.month)
    p = _resolve(m, "c", ref, ctx)
    if p is None:
        return None
    suf = m.group("sufc")
    pre_m = _prefix(text, s)
    pre = pre_m.group() if pre_m else None
    start = pre_m.start() if pre_m else s
    # 年底 / 年末 alone only date a sentence with 前 or a by-marker (纳入年底效能目标考核 is a noun).
    if m.group("sac") in ("年底", "年末") and suf not in _BY_SUF and pre not in _BY_PREFIX | _ASOF_PREFIX:
        return None
    if pre and pre.startswith(("每年", "每月")):
        lower = ref
        after = st.prev_after
        if after and after.date and s - after.end <= 30 and not _CLAUSE_END.search(text, after.end, s):
            lower = max(lower, after.date)
        rel = "by" if suf in _BY_SUF else ("on" if p.day else "during")
        return _Hit(start, end, _recurrence(p, lower, pre.startswith("每月")), None, rel, "recurring")
    if suf in _BY_SUF or pre in _BY_PREFIX:
        return _Hit(start, end, p.last, None, "by", "deadline")
    if suf in _AFTER_SUF or pre in _FROM_PREFIX:
        return _Hit(start, end, p.first, None, "after", "point")
    if pre in _ASOF_PREFIX:
        return _Hit(start, end, p.last, None, *(("by", "deadline") if p.last > ref else ("on", "point")))
    if p.span:
        return _Hit(s, end, p.last, p.first, "during", "range")
    if p.day:
        return _Hit(s, end, p.last, None, "on", "point")
    if p.bare_year and (not _YEAR_FOLLOWERS.match(text, end) or p.last.year < ref.year):
        return _Hit(s, end, p.last, None, None, "point")
    return _Hit(s, end, p.last, None, "during", "point")


def _with_from_prefix(m: re.Match, text: str) -> int:
    pre_m = _prefix(text, m.start())
    return pre_m.start() if pre_m and pre_m.group() in _FROM_PREFIX else m.start()


def _range_hit(m: re.Match, st: _State) -> _Hit | None:
    a = _resolve(m, "a", st.ref)
    if a is None:
        return None
    if m.group("now"):
        last = st.ref
    else:
        b = _resolve(m, "b", st.ref, (a.first.year, a.month))
        if b is None:
            return None
        last = b.last
    if last < a.first:
        return None
    return _Hit(_with_from_prefix(m, st.text), m.end(), last, a.first, "during", "range")


def _yrange_hit(m: re.Match, st: _State) -> _Hit | None:
    y1, y2 = _int(m.group("yr1")), _int(m.group("yr2"))
    if not 1900 <= y1 <= y2 <= 2100:
        return None
    start = _with_from_prefix(m, st.text)
    return _Hit(start, m.end(), dt.date(y2, 12, 31), dt.date(y1, 1, 1), "during", "range")


def _mrange_hit(m: re.Match, st: _State) -> _Hit | None:
    y_s = m.group("mry")
    year = _int(y_s) if y_s else st.ref.year
    if m.group("dm"):
        mo, d1, d2 = _int(m.group("dm")), _int(m.group("dd1")), _int(m.group("dd2"))
        if not (1 <= mo <= 12 and 1 <= d1 < d2 <= calendar.monthrange(year, mo)[1]):
            return None
        first, last = dt.date(year, mo, d1), dt.date(year, mo, d2)
    else:
        m1, m2 = _int(m.group("mr1")), _int(m.group("mr2"))
        if not 1 <= m1 < m2 <= 12:
            return None
        first, last = dt.date(year, m1, 1), _last_day(year, m2)
    return _Hit(_with_from_prefix(m, st.text), m.end(), last, first, "during", "range")


def _duration_hit(m: re.Match, st: _State) -> _Hit | None:
    text, s = st.text, m.start()
    window = text[max(0, s - 14):s]
    before = window[max((c.end() for c in _CLAUSE_END.finditer(window)), default=0):]
    if "距" in before or _EVENT_ANCHOR_BEFORE.search(before):
        return None  # counted from another event (作出之日起…, 距退休年龄…)
    if text.startswith("的", m.end()) or _BENEFIT_AFTER.match(text, m.end()):
        return None  # 五年以内的人员 (a noun's attribute), 五年内免征 (a benefit's length)
    n = _num(m.group("n2") or m.group("n"))
    unit = m.group("u") or m.group("ur")
    suf = m.group("suf") or m.group("sufr")
    if suf in ("以前", "之前", "前"):  # 三年前: years ago
        return _Hit(s, m.end(), _shift(st.ref, n, unit, -1), None, None, "point")
    if suf in ("以后", "之后", "后"):
        return _Hit(s, m.end(), _shift(st.ref, n, unit), None, "after", "point")
    return _Hit(s, m.end(), _shift(st.ref, n, unit), None, "by", "deadline")


def _anchored_hit(m: re.Match, st: _State) -> _Hit | None:
    if m.group("an") is None:  # 自本通知印发之日起（施行）
        if not m.group("anc").endswith("起"):
            return None
        return _Hit(m.start(), m.end(), st.ref, None, "after", "point")
    date = _shift(st.ref, _num(m.group("an2") or m.group("an")), m.group("au"))
    if m.group("asuf") in ("以后", "之后", "后"):
        return _Hit(m.start(), m.end(), date, None, "after", "point")
    return _Hit(m.start(), m.end(), date, None, "by", "deadline") if m.group("asuf") else None


def _span_hit(m: re.Match, st: _State) -> _Hit | None:
    date = _shift(st.ref, _num(m.group("sn2") or m.group("sn")), m.group("su"))
    if m.group("st") or m.group("ssuf"):
        return _Hit(m.start(), m.end(), date, None, "by", "deadline")
    if m.group("sp") == "未来":  # 未来5年: the coming five years
        return _Hit(m.start(), m.end(), date, st.ref, "during", "range")
    return None


def _fyp_hit(m: re.Match, st: _State) -> _Hit:
    n = 10 + _int(m.group("fn"))
    first = dt.date(1966 + 5 * (n - 3), 1, 1)
    last = dt.date(first.year + 4, 12, 31)
    suf = m.group("fsuf")
    if suf in ("末", "末期"):
        return _Hit(m.start(), m.end(), last, None, "by", "deadline")
    if suf == "以来":
        return _Hit(m.start(), m.end(), first, None, "after", "point")
    return _Hit(m.start(), m.end(), last, first, "during", "range")


def _reld_hit(m: re.Match, st: _State) -> _Hit:
    return _Hit(m.start(), m.end(), st.ref + dt.timedelta(days=_REL_DAY[m.group()]), None, "on", "point")


def _ongoing_hit(m: re.Match, st: _State) -> _Hit | None:
    s, e, text = m.start(), m.end(), st.text
    if m.group() == "长期":  # alone only as a cell or a parenthesis: （长期）, 完成时限：长期
        before = text[s - 1] if s else "\n"
        after = text[e] if e < len(text) else "\n"
        if before not in "\n（(：:，,；; \t\u3000" or after not in "\n）)。；;，, \t\u3000":
            return None
    return _Hit(s, e, None, None, None, "ongoing")


def _yearin_hit(m: re.Match, st: _State) -> _Hit | None:
    s, text = m.start(), st.text
    if s and text[s - 1] in "当该同次":  # 当年内: the year of some other event
        return None
    start = s - 1 if s and text[s - 1] == "今" else s
    return _Hit(start, m.end(), dt.date(st.ref.year, 12, 31), None, "by", "deadline")


_HANDLERS: dict[str, Callable[[re.Match, _State], _Hit | None]] = {
    "yrange": _yrange_hit,
    "mrange": _mrange_hit,
    "range": _range_hit,
    "anchored": _anchored_hit,
    "span": _span_hit,
    "duration": _duration_hit,
    "fyp": _fyp_hit,
    "reld": _reld_hit,
    "ongoing": _ongoing_hit,
    "yearin": _yearin_hit,
    "date": _date_hit,
}


def _parse(text: str, ref: dt.date) -> list[_Hit]:
    st = _State(text, ref)
    hits: list[_Hit] = []
    for m in _MASTER.finditer(text):
        try:
            hit = _HANDLERS[m.lastgroup](m, st)  # type: ignore[index]
        except (ValueError, OverflowError):  # a numeral cn2an rejects (百), a date out of range
            continue
        if hit is None:
            continue
        if hits and hit.start < hits[-1].end:  # a marker reaching back into the previous expression
            hit.start = hits[-1].end
        if hit.relation is not None and _in_title(text, hit.start):
            hit.relation = None
            if hit.kind != "range":
                hit.kind = "point"
        hits.append(hit)
        st.prev = hit
        if hit.relation == "after":
            st.prev_after = hit
    return hits


def _iso(d: dt.date | None) -> str | None:
    return d.isoformat() if d else None


def parse_time(text: str, ref: dt.date | None, *, approximate: bool = False) -> list[TimeExpression]:
    """All time expressions in `text`, normalised against `ref` (the document date).

    Without `ref`, expressions whose date depends on it (本月, 3个月内, 19日, 今年) keep their
    text, relation and kind but get date/from None. `approximate` is copied onto every
    expression: the caller sets it when `ref` was inferred rather than given.
    """
    if not text or not _PRECHECK.search(text):
        return []
    if ref is not None:
        hits = _parse(text, ref)
    else:
        hits = _parse(text, _PROBE_REFS[0])
        other = {(h.start, h.end): h for h in _parse(text, _PROBE_REFS[1])}
        for h in hits:
            o = other.get((h.start, h.end))
            if o is None or (o.date, o.from_) != (h.date, h.from_):
                h.date = h.from_ = None
    return [
        TimeExpression(text[h.start:h.end], h.start, h.end, _iso(h.date), _iso(h.from_), h.relation, h.kind,
                       approximate)
        for h in hits
    ]


# --------------------------------------------------------------------------- document date

_FRONT_MATTER = re.compile(r"\A---\n.*?\n---\n", re.S)
_FULL_DATE = re.compile(rf"(?P<y>{_Y})年(?P<m>{_MON})月(?P<d>{_DAY})日")
_DATE_LINE = re.compile(
    rf"^[\s\u3000]*{_FULL_DATE.pattern}[\s\u3000]*(?:[（(]?(?:星期|周)[一二三四五六日天][）)]?[\s\u3000]*)?$",
    re.M,
)
_DATELINE = re.compile(
    rf"[\u4e00-\u9fff]{{2,8}}(?P<m>{_MON})月(?P<d>{_DAY})日电"      # 新华社北京5月18日电
    rf"|今天[（(](?P<m2>{_MON})月(?P<d2>{_DAY})日[）)]"            # 今天（11月10日）
)
# A year "nearby" must come with a month (a page header 2017年5月19日, a URL …/2017-05/19/…,
# 20170519): a bare year near a dateline is as likely a target (力争到2027年) as the issue year.
_YEAR_NEAR = re.compile(rf"(?P<y>{_Y})(?:年(?P<m>{_MON})月|[-/._]?(?P<m2>[01][0-9])(?![0-9]))")


def _mk(y: int, m: str, d: str) -> dt.date | None:
    try:
        return dt.date(y, _int(m), _int(d))
    except ValueError:
        return None


def infer_document_date(text: str) -> dt.date | None:
    """The issue date of a text without metadata, or None.

    In order: a full date alone on a line (the signature of a notice, a page header; those in the
    first or last 40% of the text first); a news dateline (新华社北京5月18日电, 今天（11月10日）)
    whose year is written nearby with the same or the next month; the first explicit full date.
    """
    body = _FRONT_MATTER.sub("", text, count=1)
    lines = list(_DATE_LINE.finditer(body))
    if lines:
        n = len(body)
        near = [mm for mm in lines if mm.start() < 0.4 * n or mm.start() > 0.6 * n] or lines
        d = _mk(_int(near[0].group("y")), near[0].group("m"), near[0].group("d"))
        if d:
            return d
    dl = _DATELINE.search(body)
    if dl:
        month, day = dl.group("m") or dl.group("m2"), dl.group("d") or dl.group("d2")
        mo = _int(month)
        years = []
        for mm in _YEAR_NEAR.finditer(body, max(0, dl.start() - 400), dl.end() + 400):
            page_month, year = _int(mm.group("m") or mm.group("m2")), _int(mm.group("y"))
            if page_month in (mo, mo + 1):
                years.append((abs(mm.start() - dl.start()), year))
            elif (mo, page_month) == (12, 1):
                years.append((abs(mm.start() - dl.start()), year - 1))
        if years:
            d = _mk(min(years)[1], month, day)
            if d:
                return d
    for mm in _FULL_DATE.finditer(body):
        d = _mk(_int(mm.group("y")), mm.group("m"), mm.group("d"))
        if d:
            return d
    return None


# --------------------------------------------------------------------------- CLI helper


def parse_lines(lines: Iterable[str], ref: dt.date) -> Iterator[dict]:
    """One record per input line for `newskg parse-time` (JSON Lines): the line and its expressions."""
    for line in lines:
        line = line.rstrip("\r\n")
        exprs = []
        for e in parse_time(line, ref):
            j = e.to_json()
            del j["approximate"]
            exprs.append(j)
        yield {"text": line, "expressions": exprs}
