"""Time expressions: table-driven cases (tests/data/timex_cases.tsv) plus gold and corpus checks.

Each table row names one expression that `parse_time(text, ref)` must return with exactly the
given date, from, relation and kind (empty cell = None); a row with an empty `expected` says the
text holds no time expression at all (traps: 一号一窗一网, list numbers, doc numbers, 三年行动计划…).
Rows with a corpus source are real occurrences (every one found in ../shared/corpus, checked by
hand); "written" rows cover the forms and traps of the module's docstring.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import os
import re
import time
from pathlib import Path

import pytest

from newskg.nlp.timex import TimeExpression, infer_document_date, parse_lines, parse_time

ROOT = Path(__file__).resolve().parents[1]
TABLE = ROOT / "tests" / "data" / "timex_cases.tsv"
SHARED = Path(os.environ.get("NEWSKG_SHARED", ROOT.parent / "shared"))
FIELDS = ("text", "ref_date", "expected", "date", "from", "relation", "kind", "source")


def _load() -> list[dict[str, str]]:
    lines = TABLE.read_text(encoding="utf-8").splitlines()
    header = next(i for i, ln in enumerate(lines) if ln.startswith("text\t"))  # comment lines above it
    rows = list(csv.DictReader(lines[header:], delimiter="\t", quoting=csv.QUOTE_NONE))
    assert rows and tuple(rows[0]) == FIELDS
    return rows


ROWS = _load()


def _check(row: dict[str, str]) -> str | None:
    """None when the row holds, else a one-line description of the failure."""
    ref = dt.date.fromisoformat(row["ref_date"])
    got = parse_time(row["text"], ref)
    for e in got:
        assert row["text"][e.start:e.end] == e.text
    if not row["expected"]:
        return None if not got else f"expected nothing, got {[e.text for e in got]}"
    want = (row["date"] or None, row["from"] or None, row["relation"] or None, row["kind"])
    same_text = [e for e in got if e.text == row["expected"]]
    if not same_text:
        return f"{row['expected']!r} not found; got {[(e.text, e.date) for e in got]}"
    found = [(e.date, e.from_, e.relation, e.kind) for e in same_text]
    return None if want in found else f"{row['expected']!r}: want {want}, got {found}"


@pytest.mark.parametrize("row", ROWS, ids=[f"{i}:{r['text']}" for i, r in enumerate(ROWS)])
def test_case(row: dict[str, str]) -> None:
    problem = _check(row)
    assert problem is None, f"{row['text']!r} (ref {row['ref_date']}): {problem}"


def test_table_accuracy() -> None:
    failures = [(r["text"], p) for r in ROWS if (p := _check(r)) is not None]
    accuracy = 1 - len(failures) / len(ROWS)
    assert accuracy >= 0.97, f"accuracy {accuracy:.3f}; failures: {failures}"


def test_table_shape() -> None:
    assert len(ROWS) >= 300
    real = [r for r in ROWS if r["source"] != "written"]
    assert len(real) >= 200
    for r in ROWS:
        assert len(r["text"]) < 30, r["text"]
        assert r["expected"] in r["text"], r
        assert r["kind"] in ("", "deadline", "point", "range", "recurring", "ongoing")
        assert r["relation"] in ("", "by", "on", "during", "after")
        assert bool(r["expected"]) == bool(r["kind"]), r


@pytest.mark.skipif(not (SHARED / "corpus").is_dir(), reason="shared corpus not available")
def test_real_cases_occur_in_their_source() -> None:
    cache: dict[str, str] = {}
    for r in ROWS:
        if r["source"] == "written":
            continue
        kind, name = r["source"].split(":", 1)
        text = cache.setdefault(r["source"], (SHARED / "corpus" / kind / f"{name}.txt").read_text(encoding="utf-8"))
        assert r["text"] in text, (r["source"], r["text"])


@pytest.mark.skipif(not (SHARED / "gold").is_dir(), reason="shared gold not available")
def test_gold_deadlines_written_in_the_key() -> None:
    """Gold tasks whose key holds the deadline: the latest by/during expression is the gold date."""
    checked = 0
    for path in [SHARED / "gold" / "seed.json", *sorted((SHARED / "gold" / "policy").glob("*.json"))]:
        doc = json.loads(path.read_text(encoding="utf-8"))
        ref = dt.date.fromisoformat(doc["date"])
        for task in doc.get("tasks", []):
            if not task.get("deadline"):
                continue
            found = parse_time(task["key"], ref)
            dates = [e.date for e in found if e.relation in ("by", "during") and e.date]
            if not dates:
                continue  # inherited from a heading or an earlier sentence
            checked += 1
            assert max(dates) == task["deadline"], (path.name, task["key"], dates)
    assert checked >= 20


@pytest.mark.skipif(not (SHARED / "gold").is_dir(), reason="shared gold not available")
def test_gold_keys_without_deadline_get_none() -> None:
    """A key whose gold deadline is null never gets a future by/during date from its own words."""
    for path in [SHARED / "gold" / "seed.json", *sorted((SHARED / "gold" / "policy").glob("*.json"))]:
        doc = json.loads(path.read_text(encoding="utf-8"))
        ref = dt.date.fromisoformat(doc["date"])
        for task in doc.get("tasks", []):
            if task.get("deadline") is None and not task.get("optional"):
                bad = [e.text for e in parse_time(task["key"], ref) if e.relation in ("by", "during")]
                assert not bad, (path.name, task["key"], bad)


def test_json_shape_and_offsets() -> None:
    text = "各地区要于2019年3月底前制定实施办法。"
    (e,) = parse_time(text, dt.date(2018, 12, 5), approximate=True)
    assert isinstance(e, TimeExpression)
    assert e.to_json() == {"text": "2019年3月底前", "start": 5, "end": 14, "date": "2019-03-31", "from": None,
                           "relation": "by", "kind": "deadline", "approximate": True}
    assert text[e.start:e.end] == e.text


def test_without_reference_date() -> None:
    """Absolute dates resolve; relative ones keep relation and kind but get no date."""
    text = "到2020年底，3个月内完成，本月底前报送，19日召开，2018—2020年"
    got = {e.text: e for e in parse_time(text, None)}
    assert got["到2020年底"].date == "2020-12-31"
    assert got["2018—2020年"].from_ == "2018-01-01"
    for rel in ("3个月内", "本月底前"):
        assert (got[rel].date, got[rel].relation, got[rel].kind) == (None, "by", "deadline")
    assert (got["19日"].date, got["19日"].relation) == (None, "on")


def test_nothing_to_find() -> None:
    assert parse_time("", dt.date(2019, 1, 1)) == []
    assert parse_time("加强组织领导，强化评价考核。", dt.date(2019, 1, 1)) == []


def test_parse_lines() -> None:
    out = list(parse_lines(["2017年6月底前,出台指南。\n", "加强领导"], dt.date(2017, 5, 19)))
    assert out[0]["text"] == "2017年6月底前,出台指南。"
    assert out[0]["expressions"] == [{"text": "2017年6月底前", "start": 0, "end": 9, "date": "2017-06-30",
                                      "from": None, "relation": "by", "kind": "deadline"}]
    assert out[1] == {"text": "加强领导", "expressions": []}


@pytest.mark.parametrize(("text", "want"), [
    ("国务院办公厅\n2018年12月29日\n（此件公开发布）\n正文", dt.date(2018, 12, 29)),
    ("通知\n二〇一八年十二月二十九日\n", dt.date(2018, 12, 29)),
    ("2017年5月19日 星期五\n新华社北京5月18日电 国务院办公厅日前印发", dt.date(2017, 5, 19)),
    ("第3版 2017年5月19日\n新华社北京5月18日电 国务院办公厅", dt.date(2017, 5, 18)),
    ("http://www.gov.cn/2017-05/19/c.htm\n新华社北京5月18日电 国务院", dt.date(2017, 5, 18)),
    ("新华社北京5月18日电 国务院办公厅印发方案，力争到2020年", None),
    ("新华社北京5月18日电 国务院办公厅日前印发方案", None),
    ("会议于2018年6月10日在青岛举行。", dt.date(2018, 6, 10)),
    ("加快推进政务信息系统整合共享", None),
])
def test_infer_document_date(text: str, want: dt.date | None) -> None:
    assert infer_document_date(text) == want


@pytest.mark.skipif(not (SHARED / "corpus").is_dir(), reason="shared corpus not available")
def test_infer_document_date_on_corpus() -> None:
    """Without front matter: the signature date of every policy text; news within a day or None."""
    for path in sorted((SHARED / "corpus").glob("*/*.txt")):
        raw = path.read_text(encoding="utf-8")
        meta = re.search(r"^date:\s*(\S+)", raw, re.M)
        if not meta:
            continue
        body = re.sub(r"\A---\n.*?\n---\n", "", raw, count=1, flags=re.S)
        got, want = infer_document_date(body), dt.date.fromisoformat(meta.group(1))
        if path.parent.name == "policy":
            assert got == want, path.name
        else:
            assert got is None or abs((got - want).days) <= 1, (path.name, got)


@pytest.mark.skipif(not (SHARED / "corpus").is_dir(), reason="shared corpus not available")
def test_throughput() -> None:
    """parse_time runs on every sentence of large corpora; a lenient floor against regressions."""
    text = "".join(p.read_text(encoding="utf-8") for p in sorted((SHARED / "corpus").glob("*/*.txt")))
    sentences = re.split(r"(?<=[。；！？\n])", text)
    ref = dt.date(2019, 1, 1)
    t0 = time.perf_counter()
    for s in sentences:
        parse_time(s, ref)
    rate = len(text.encode()) / (time.perf_counter() - t0)
    assert rate > 300_000, f"{rate / 1e3:.0f} KB/s"
