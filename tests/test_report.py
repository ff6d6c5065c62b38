"""The deadline report: what it collects from either store, and the page as a real browser shows it.

The browser tests ingest the seed page with the CLI, write the report with the CLI, and open it in
headless chromium (tests/browser.py): no script errors, the timeline holds every dated task of the
store (among them every dated required task of ../shared/gold/seed.json that the store holds), the
overdue count matches the as-of day, and a screenshot is saved under the test's tmp folder.
"""
from __future__ import annotations

import datetime as dt
import html
import json
import re
import struct
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import browser
import pytest
from helpers import SHARED, newskg
from test_store_queries import ALL, CZB, FGW, JYB, _agency, _task, graph, load, notice_a

from newskg.graph.embedded import EmbeddedStore
from newskg.graph.queries import ObligationFilter
from newskg.report import NO_AGENCY, STATUSES, ReportOptions, collect, render_html, timeline_figure

D = dt.date.fromisoformat
SEED_AS_OF = "2017-09-01"


def by_task(data) -> dict[str, Any]:
    return {it.ob.task.removeprefix("Task:"): it for it in data.items}


class TreeParser(HTMLParser):
    """li id -> id of the li it is nested in (None at the top of a tree), and the greyed context items."""

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str | None] = []
        self.parent: dict[str, str | None] = {}
        self.context = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "details":
            self.stack = []
        if tag != "li":
            return
        a = dict(attrs)
        ident = a.get("id") or f"ctx-{self.context}"
        if a.get("class") == "ctx":
            self.context += 1
        self.parent[ident] = self.stack[-1] if self.stack else None
        self.stack.append(ident)

    def handle_endtag(self, tag: str) -> None:
        if tag == "li" and self.stack:
            self.stack.pop()


def tree_of(page: str) -> TreeParser:
    p = TreeParser()
    p.feed(page[page.index('<section id="policies">'):])
    return p


# -- what the report collects (both stores) -----------------------------------------------------

def test_agency_report_marks_collective_tasks_and_overdue(store):
    load(store)
    data = collect(store, ReportOptions(as_of=D("2025-07-01"), agency=FGW))
    got = {k: (it.status, it.ob.via_collective, it.lanes) for k, it in by_task(data).items()}
    assert got == {
        "doc-a-t1": ("overdue", None, (FGW,)),  # due 06-30, the day before as-of
        "doc-a-t4": ("overdue", None, (FGW,)),
        "doc-a-t2": ("open", ALL, (FGW,)),  # owed through the collective: on FGW's lane, marked
        "doc-b-t1": ("overdue", None, (FGW,)),
        "doc-b-t3": (None, ALL, (FGW,)),  # undated: in the table, not on the timeline
    }
    fig = timeline_figure(data)
    via = [t for t in fig.data if t.mode == "markers" and t.marker.symbol == "diamond-open"]
    assert [list(t.customdata) for t in via] == [["Task:doc-a-t2"]]
    assert via[0].marker.color == STATUSES["open"].color and "collective" in via[0].name
    overdue = next(t for t in fig.data if t.name == STATUSES["overdue"].name)
    assert sorted(overdue.customdata) == ["Task:doc-a-t1", "Task:doc-a-t4", "Task:doc-b-t1"]
    assert overdue.marker.color == STATUSES["overdue"].color
    page = render_html(data)
    assert "经集体 via 国务院各部门" in page and f"agency 机构 = {FGW}" in page


def test_lanes_per_agency_undated_apart_and_sources(store):
    load(store)
    data = collect(store, ReportOptions(as_of=D("2025-07-01")))
    items = by_task(data)
    assert set(items["doc-a-t4"].lanes) == {FGW, ALL}  # lead and the collective: on both lanes
    assert items["doc-a-t2"].lanes == (ALL,)  # assigned to the collective: the collective's lane
    assert items["doc-a-t5"].lanes == (NO_AGENCY,)
    assert {k for k, it in items.items() if it.status is None} == {"doc-a-t3", "doc-b-t3"}
    assert items["doc-a-t1"].doc_date == "2025-03-01" and items["doc-b-t2"].doc_date == "2025-01-10"
    fig = timeline_figure(data)
    plotted = [k for t in fig.data if t.mode == "markers" for k in t.customdata]
    assert len(plotted) == sum(len(it.lanes) for it in data.dated)
    assert {k.removeprefix("Task:") for k in plotted} == {k for k, it in items.items() if it.ob.due}
    span = next(t for t in fig.data if t.mode == "lines")  # doc-a-t5 runs 2026-01-01 .. 03-31
    assert list(span.x) == ["2026-01-01", "2026-03-31", None]
    page = render_html(data)
    undated = page[page.index('<section id="undated">'):page.index('<section id="policies">')]
    assert "做好经费保障" in undated and "加强协同" in undated and "完成平台建设" not in undated
    assert html.escape("财政部做好经费保障。") in undated and "关于推进数据共享工作的通知 · 2025-03-01" in undated
    tree = tree_of(page)
    assert tree.parent["tree-Task:doc-a-t3"] == "tree-Task:doc-a-t1"  # a sub-task under its parent
    assert tree.parent["tree-Task:doc-a-t1"] is None


def test_filtered_out_parents_stay_in_the_tree_as_context(store):
    rec = notice_a()
    rec["entities"].append(_agency("e-jyb", JYB, 300))
    rec["tasks"] += [
        _task("doc-a-h", 300, "二、完善数据标准。", "完善数据标准", [], article="doc-a-art1", policy="e-plan"),
        _task("doc-a-c", 320, "教育部年底前制定教育数据标准。", "制定教育数据标准", [(JYB, "lead")],
              due="2025-12-31", article="doc-a-art1", parent="doc-a-h"),
    ]
    store.put(graph(rec), "hash-a")
    store.commit()
    data = collect(store, ReportOptions(as_of=D("2025-07-01"), agency=JYB))
    assert list(by_task(data)) == ["doc-a-c"] and list(data.context) == ["Task:doc-a-h"]
    page = render_html(data)
    tree = tree_of(page)
    assert tree.parent["tree-Task:doc-a-c"] == "ctx-0" and tree.context == 1
    assert "完善数据标准</span> <span class=\"meta\">(context: outside the filter)" in page
    assert "<summary>数据共享实施方案" in page  # the tree goes under the policy of its root


def test_policy_filter_and_empty_report(store):
    load(store)
    data = collect(store, ReportOptions(as_of=D("2025-07-01"), policy="关于加强教育数据管理的意见"))
    assert sorted(by_task(data)) == ["doc-b-t1", "doc-b-t2", "doc-b-t3"]
    empty = collect(store, ReportOptions(as_of=D("2025-07-01"), agency=CZB, policy="没有这个政策"))
    assert empty.items == []
    assert "no dated obligations" in render_html(empty)


# -- the page in a real browser (seed page, embedded store) ------------------------------------

@pytest.fixture(scope="module")
def chromium() -> str:
    path = browser.ensure()
    if path is None:
        msg = "chromium is not installed (scripts/install-chromium.sh installs it)"
        if browser.required():
            pytest.fail(msg, pytrace=False)
        pytest.skip(msg)
    return path


def _attr(dom: str, name: str) -> str:
    m = re.search(rf'<html[^>]*\s{name}="([^"]*)"', dom)
    assert m, f"{name} missing from <html>"
    return html.unescape(m.group(1))


def _png_size(path: Path) -> tuple[int, int]:
    head = path.read_bytes()[:24]
    assert head[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", head[16:24])


def _gold_dated_required_held(rows) -> set[str]:
    """Task keys of the store that hold a dated required task of the seed gold (same due date)."""
    gold = json.loads((SHARED / "gold" / "seed.json").read_text(encoding="utf-8"))
    held = set()
    for g in gold["tasks"]:
        if g.get("optional") or not g.get("deadline"):
            continue
        match = [r.task for r in rows if g["key"] in r.text and r.due == g["deadline"]]
        held.update(match[:1])
    return held


def test_seed_report_renders_in_a_browser(chromium, seed_store, tmp_path):
    out = tmp_path / "report.html"
    r = newskg("report", "--out", str(out), "--as-of", SEED_AS_OF, "--store", str(seed_store))
    assert r.returncode == 0, r.stderr
    page = out.read_text(encoding="utf-8")
    assert '<meta charset="utf-8">' in page
    assert not re.search(r"<script[^>]*\ssrc=|<link[^>]*\shref=", page)  # nothing loaded from elsewhere
    run = browser.dump_dom(chromium, out, tmp_path)
    dom = run.stdout
    assert run.uncaught == [], run.uncaught
    assert json.loads(_attr(dom, "data-script-errors")) == []
    assert _attr(dom, "data-rendered") == "1"  # the plot promise resolved and our script ran

    with EmbeddedStore(seed_store, readonly=True) as st:
        rows = st.obligations(ObligationFilter())
    dated = [o for o in rows if o.due]
    gold_held = _gold_dated_required_held(rows)
    assert gold_held, "the store holds none of the gold's dated tasks: nothing to check the timeline by"
    shown = set(json.loads(_attr(dom, "data-timeline-keys")))
    assert int(_attr(dom, "data-timeline-tasks")) == len(dated) == len(shown)
    assert gold_held <= shown
    # one marker per (task, lane): drawn in the SVG, not only present in the data
    assert int(_attr(dom, "data-timeline-points")) == sum(max(1, len({a.name for a in o.agencies})) for o in dated)
    assert int(_attr(dom, "data-overdue")) == sum(1 for o in dated if o.due < SEED_AS_OF and o.relation != "after")
    assert int(_attr(dom, "data-undated")) == len(rows) - len(dated)
    assert "政务信息系统整合共享实施方案" in dom and "国务院各部门" in dom  # Chinese text came through
    assert dom.count('class="ctx"') == 0  # unfiltered: every ancestor is an item itself

    png = tmp_path / "report-seed.png"
    browser.screenshot(chromium, out, png, tmp_path, width=1280, height=1600)
    assert _png_size(png) == (1280, 1600)
    assert png.stat().st_size > 40_000  # a blank page compresses to a few kB


def test_seed_report_for_one_agency_in_a_browser(chromium, seed_store, tmp_path):
    out = tmp_path / "agency.html"
    r = newskg("report", "--out", str(out), "--as-of", SEED_AS_OF, "--agency", "国务院各部门",
               "--store", str(seed_store))
    assert r.returncode == 0, r.stderr
    run = browser.dump_dom(chromium, out, tmp_path)
    assert run.uncaught == [] and json.loads(_attr(run.stdout, "data-script-errors")) == []
    with EmbeddedStore(seed_store, readonly=True) as st:
        rows = st.obligations(ObligationFilter(agency="国务院各部门"))
    dated = [o for o in rows if o.due]
    assert dated, "the seed's collective tasks are gone: the test has nothing to show"
    assert int(_attr(run.stdout, "data-timeline-tasks")) == len(dated)
    assert int(_attr(run.stdout, "data-timeline-points")) == len(dated)  # one lane: the agency's
    assert 'class="ctx"' in run.stdout  # the 十件大事 headings come in as context
