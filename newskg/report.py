"""The deadline report: one self-contained HTML file of the obligations in a store.

What it shows: a timeline of the dated obligations (one lane per agency, overdue ones as of a day
in another colour), the undated ones in a table of their own (never dropped), the task tree of each
policy, and for every item where it came from (document title, date, sentence).

Why one file and plotly: the reader gets one file to mail or archive, and it must open offline.
plotly's Python package ships plotly.js, and `to_html(include_plotlyjs=True)` inlines it (~4.7 MB),
so the page needs no CDN, server or second file. Altair/Vega-Lite writes a spec that loads vega,
vega-lite and vega-embed from a CDN; inlining them needs a further package (vl-convert) or a
static image, and a static image loses the hover text that carries each item's source.

Only the store's public read methods are used (obligations(), nodes()), so the embedded store and
the Neo4j store give the same report.
"""
from __future__ import annotations

import datetime as dt
import html
import os
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from newskg.graph.queries import Obligation, ObligationFilter

NO_AGENCY = "（未指定机构）no agency named"
FONT = ('"Noto Sans CJK SC", "Source Han Sans SC", "PingFang SC", "Microsoft YaHei", '
        '"WenQuanYi Zen Hei", "Helvetica Neue", Arial, sans-serif')


@dataclass(frozen=True)
class Status:
    name: str  # legend text
    color: str


# what a date means for the reader as of a day; "from" is a start (…起), which cannot be overdue
STATUSES = {
    "overdue": Status("逾期 overdue", "#d62728"),
    "open": Status("未到期 not yet due", "#1f77b4"),
    "from": Status("起始 starts on (…起)", "#2ca02c"),
}
SYMBOL = {False: "circle", True: "diamond-open"}  # True: owed through a collective (--agency)


@dataclass(frozen=True)
class ReportOptions:
    as_of: dt.date
    agency: str | None = None  # canonical name: the report is that agency's obligations
    policy: str | None = None  # policy name or document title
    title: str = "newskg 任务与期限报告 · obligations report"


@dataclass(frozen=True)
class Item:
    """One obligation as the report shows it."""
    ob: Obligation
    doc_date: str | None
    status: str | None  # a STATUSES key; None when undated
    lanes: tuple[str, ...]  # timeline lanes (agencies) the item is drawn on


@dataclass
class ReportData:
    options: ReportOptions
    items: list[Item]  # in Obligation.sort_key order
    collective_lanes: frozenset[str] = frozenset()
    context: dict[str, dict[str, Any]] = field(default_factory=dict)  # ancestor tasks outside the filter

    @property
    def dated(self) -> list[Item]:
        return [i for i in self.items if i.ob.due]

    @property
    def undated(self) -> list[Item]:
        return [i for i in self.items if not i.ob.due]

    def counts(self) -> Counter[str]:
        c: Counter[str] = Counter(i.status or "undated" for i in self.items)
        c["all"] = len(self.items)
        return c


# -- collecting ---------------------------------------------------------------------------------

def collect(store: Any, options: ReportOptions) -> ReportData:
    """Everything the page shows, read through the store's public query methods."""
    rows = store.obligations(ObligationFilter(agency=options.agency, policy=options.policy))
    doc_dates = {props.get("id") or key.split(":", 1)[-1]: props.get("date")
                 for key, props in store.nodes("Document")}
    cut = options.as_of.isoformat()
    items = [Item(r, doc_dates.get(r.document), _status(r, cut), _lanes(r, options.agency)) for r in rows]
    collectives = frozenset(props.get("name") or key.split(":", 1)[-1]
                            for key, props in store.nodes("Agency") if props.get("collective"))
    data = ReportData(options, items, collectives)
    shown = {r.task for r in rows}
    if any(r.parent and r.parent not in shown for r in rows):
        tasks = dict(store.nodes("Task"))
        for r in rows:
            parent = r.parent
            while parent and parent not in shown and parent not in data.context and parent in tasks:
                data.context[parent] = tasks[parent]
                parent = tasks[parent].get("parent")
    return data


def _status(r: Obligation, cut: str) -> str | None:
    if not r.due:
        return None
    if r.relation == "after":
        return "from"
    return "overdue" if r.due < cut else "open"


def _lanes(r: Obligation, agency: str | None) -> tuple[str, ...]:
    if agency:  # the asked agency's own lane, whether owed directly or through a collective
        return (agency,)
    names = tuple(dict.fromkeys(a.name for a in r.agencies))
    return names or (NO_AGENCY,)


# -- the timeline -------------------------------------------------------------------------------

def lane_order(items: Iterable[Item]) -> list[str]:
    """Busiest lanes first, then by name; the no-agency lane last."""
    n: Counter[str] = Counter(lane for i in items for lane in i.lanes)
    return sorted(n, key=lambda lane: (lane == NO_AGENCY, -n[lane], lane))


def timeline_figure(data: ReportData):
    """A plotly figure: x = due date, one lane per agency, colour = status, symbol = via collective."""
    import plotly.graph_objects as go

    dated = data.dated
    lanes = lane_order(dated)
    y_of = {lane: i for i, lane in enumerate(lanes)}
    # items sharing a lane and a day are spread vertically so that none hides another
    slots: dict[tuple[str, str], list[str]] = defaultdict(list)
    for it in dated:
        for lane in it.lanes:
            slots[(lane, it.ob.due)].append(it.ob.task)

    def y(lane: str, it: Item) -> float:
        same = slots[(lane, it.ob.due)]
        if len(same) == 1:
            return y_of[lane]
        step = min(0.7 / (len(same) - 1), 0.2)
        return y_of[lane] - step * (len(same) - 1) / 2 + step * same.index(it.ob.task)

    fig = go.Figure()
    spans_x: list[str | None] = []
    spans_y: list[float | None] = []
    for status_key, status in STATUSES.items():
        for via in (False, True):
            pts = [(lane, it) for it in dated if it.status == status_key and bool(it.ob.via_collective) == via
                   for lane in it.lanes]
            if not pts:
                continue
            name = status.name + (" · 经集体承担 owed via a collective" if via else "")
            fig.add_trace(go.Scatter(
                x=[it.ob.due for _, it in pts], y=[y(lane, it) for lane, it in pts],
                customdata=[it.ob.task for _, it in pts], mode="markers", name=name,
                marker={"color": status.color, "symbol": SYMBOL[via], "size": 11,
                        "line": {"width": 2 if via else 1, "color": status.color if via else "white"}},
                hovertext=[_hover(it) for _, it in pts], hoverinfo="text"))
    for it in dated:
        if it.ob.due_from and it.ob.due_from < it.ob.due:
            for lane in it.lanes:
                spans_x += [it.ob.due_from, it.ob.due, None]
                spans_y += [y(lane, it)] * 2 + [None]
    if spans_x:
        fig.add_trace(go.Scatter(x=spans_x, y=spans_y, mode="lines", name="期间 period (from … to)",
                                 line={"color": "#999", "width": 3}, hoverinfo="skip", opacity=0.6))
    cut = data.options.as_of.isoformat()
    fig.add_shape(type="line", x0=cut, x1=cut, xref="x", y0=0, y1=1, yref="paper",
                  line={"color": "#d62728", "dash": "dot", "width": 1.5})
    fig.add_annotation(x=cut, y=1, xref="x", yref="paper", yanchor="top", xanchor="left", xshift=3,
                       showarrow=False, text=f"as of {cut}", font={"color": "#d62728", "size": 12},
                       bgcolor="rgba(255,255,255,0.8)")
    ticks = [_lane_label(lane, data) for lane in lanes]
    fig.update_layout(
        height=max(300, 150 + 42 * len(lanes)), margin={"l": 10, "r": 20, "t": 50, "b": 50},
        font={"family": FONT, "size": 13}, plot_bgcolor="#fbfbfb", paper_bgcolor="white",
        hoverlabel={"align": "left", "font": {"family": FONT}},
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.02, "x": 0},
        xaxis={"type": "date", "title": {"text": "期限 due date"}, "gridcolor": "#e5e5e5"},
        yaxis={"tickmode": "array", "tickvals": list(range(len(lanes))), "ticktext": ticks,
               "range": [len(lanes) - 0.5, -0.5], "automargin": True, "zeroline": False,
               "gridcolor": "#f0f0f0"})
    if not dated:
        fig.add_annotation(text="no dated obligations 无有期限的任务", showarrow=False, xref="paper",
                           yref="paper", x=0.5, y=0.5)
    return fig


def _lane_label(lane: str, data: ReportData) -> str:
    return f"{lane}（集体）" if lane in data.collective_lanes and not data.options.agency else lane


def _wrap(text: str, width: int = 36) -> str:
    """Hover labels do not wrap: break long Chinese lines every `width` characters."""
    return "<br>".join(html.escape(text[i:i + width]) for i in range(0, len(text), width)) or "—"


def _hover(it: Item) -> str:
    o = it.ob
    due = o.due + (f"（{html.escape(o.deadline_text)}）" if o.deadline_text else "")
    if o.due_from:
        due = f"{o.due_from} – {due}"
    lines = [f"<b>{_wrap(o.action or o.text)}</b>", f"期限 due: {due}",
             f"机构 agencies: {html.escape(_agencies(o)) or '—'}"]
    if o.via_collective:
        lines.append(f"经集体 via collective: {html.escape(o.via_collective)}")
    lines += [f"来源 source: {html.escape(o.title or os.path.basename(o.path))} · {it.doc_date or 'undated'}",
              f"<i>{_wrap(o.text, 40)}</i>"]
    return "<br>".join(lines)


def _agencies(o: Obligation) -> str:
    return "、".join(a.name if a.role == "responsible" else f"{a.name}({a.role})" for a in o.agencies)


# -- the page -----------------------------------------------------------------------------------

# Runs before plotly.js: every script error and unhandled rejection is written into the page
# (data-script-errors on <html>), so a headless browser's DOM dump shows whether the page broke.
_ERROR_COLLECTOR = """<script>
(function () {
  var errors = [];
  function note(msg) {
    errors.push(String(msg));
    document.documentElement.setAttribute('data-script-errors', JSON.stringify(errors));
  }
  window.addEventListener('error', function (e) {
    note(e.message || ('failed to load ' + ((e.target && (e.target.src || e.target.href)) || 'a resource')));
  }, true);
  window.addEventListener('unhandledrejection', function (e) {
    note('unhandled rejection: ' + ((e.reason && e.reason.message) || e.reason));
  });
})();
</script>"""

# Runs after Plotly.newPlot resolves: what was really drawn, for readers and tests, and a click on a
# point scrolls to the item's row (with its source sentence).
_AFTER_PLOT = """
var gd = document.getElementById('{plot_id}');
var keys = {};
(gd.data || []).forEach(function (t) { (t.customdata || []).forEach(function (k) { if (k) keys[k] = 1; }); });
var root = document.documentElement;
root.setAttribute('data-timeline-points', gd.querySelectorAll('.scatterlayer .trace .points path.point').length);
root.setAttribute('data-timeline-tasks', Object.keys(keys).length);
root.setAttribute('data-timeline-keys', JSON.stringify(Object.keys(keys).sort()));
root.setAttribute('data-rendered', '1');
gd.on('plotly_click', function (ev) {
  var row = ev.points && ev.points[0] && document.getElementById('task-' + ev.points[0].customdata);
  if (row) { row.scrollIntoView({block: 'center'}); row.classList.add('hl');
             setTimeout(function () { row.classList.remove('hl'); }, 2000); }
});
"""

_CSS = ":root { --font: " + FONT + "; }" + """
:root { --overdue: #d62728; --open: #1f77b4; --from: #2ca02c; --muted: #666; }
body { font-family: var(--font); margin: 0 auto; max-width: 1280px; padding: 16px 24px 48px; color: #222;
       line-height: 1.5; }
h1 { font-size: 1.5em; margin: .2em 0; } h2 { font-size: 1.2em; margin-top: 1.6em;
     border-bottom: 1px solid #ddd; padding-bottom: .2em; }
.meta { color: var(--muted); font-size: .92em; }
.counts span { display: inline-block; margin-right: 1.2em; }
.badge { display: inline-block; padding: 0 .45em; border-radius: 3px; color: #fff; font-size: .85em;
         white-space: nowrap; }
.badge.overdue { background: var(--overdue); } .badge.open { background: var(--open); }
.badge.from { background: var(--from); } .badge.undated { background: #999; }
.badge.via { background: #fff; color: #7b3f00; border: 1px solid #7b3f00; }
table { border-collapse: collapse; width: 100%; font-size: .92em; }
th, td { border-bottom: 1px solid #e3e3e3; padding: 5px 6px; text-align: left; vertical-align: top; }
th { background: #f4f4f4; position: sticky; top: 0; }
td.due { white-space: nowrap; }
tr.overdue td.due { color: var(--overdue); font-weight: bold; }
tr.hl { background: #fff3c4; }
.src { color: var(--muted); font-size: .88em; }
blockquote { margin: 2px 0 0; padding-left: 8px; border-left: 3px solid #ddd; color: #444; }
ul.tree { list-style: none; padding-left: 1.1em; margin: .2em 0; }
ul.tree li { margin: .25em 0; padding-left: .6em; border-left: 1px dotted #bbb; }
li.ctx > .task { color: #999; }
details > summary { cursor: pointer; font-weight: bold; margin: .6em 0 .2em; }
.empty { color: var(--muted); font-style: italic; }
"""


def render_html(data: ReportData) -> str:
    """The whole page as one string: styles, plotly.js and data inlined."""
    fig = timeline_figure(data)
    plot = fig.to_html(full_html=False, include_plotlyjs=True, div_id="timeline", post_script=_AFTER_PLOT,
                       config={"displaylogo": False, "responsive": True})
    o = data.options
    c = data.counts()
    filters = [f"{what} = {html.escape(value)}" for what, value in
               (("agency 机构", o.agency), ("policy 政策", o.policy)) if value]
    generated = dt.datetime.now().strftime("%Y-%m-%d %H:%M")
    counts = (f'<span><b>{c["all"]}</b> obligations 任务</span>'
              f'<span class="overdue"><b>{c["overdue"]}</b> overdue 逾期</span>'
              f'<span><b>{c["open"]}</b> not yet due 未到期</span>'
              + (f'<span><b>{c["from"]}</b> starting 起始</span>' if c["from"] else "")
              + f'<span><b>{c["undated"]}</b> undated 无期限</span>')
    head = (f'<!DOCTYPE html>\n<html lang="zh-CN" data-script-errors="[]" data-rendered="0" '
            f'data-obligations="{c["all"]}" data-dated="{len(data.dated)}" data-overdue="{c["overdue"]}" '
            f'data-undated="{c["undated"]}" data-as-of="{o.as_of.isoformat()}">\n<head>\n'
            f'<meta charset="utf-8">\n<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            f'<title>{html.escape(o.title)}</title>\n{_ERROR_COLLECTOR}\n<style>{_CSS}</style>\n</head>\n')
    body = [
        '<body>',
        f'<header><h1>{html.escape(o.title)}</h1>',
        f'<div class="meta">as of 截至 <b>{o.as_of.isoformat()}</b>'
        + (" · " + " · ".join(filters) if filters else " · all agencies and policies 全部")
        + f' · generated {generated} by newskg</div>',
        f'<div class="counts">{counts}</div></header>',
        '<section id="timeline-section"><h2>时间轴 Timeline of dated obligations</h2>',
        '<p class="meta">One lane per agency; a task assigned to a collective (e.g. 国务院各部门) is on that '
        'collective\'s lane' + (", and tasks the agency owes through a collective are drawn as open diamonds"
                                if o.agency else "") + '. Red: due before the as-of day (overdue). '
        'Hover a point for its source sentence; click it to jump to its row.</p>',
        plot, '</section>',
        f'<section id="dated"><h2>有期限的任务 Dated obligations ({len(data.dated)})</h2>',
        _table(data.dated, with_due=True), '</section>',
        f'<section id="undated"><h2>无期限的任务 Undated obligations ({len(data.undated)})</h2>',
        '<p class="meta">No deadline was found for these; they are listed here rather than dropped.</p>',
        _table(data.undated, with_due=False), '</section>',
        '<section id="policies"><h2>按政策 By policy: task trees</h2>', _trees(data), '</section>',
        '</body>\n</html>\n',
    ]
    return head + "\n".join(body)


def _due_badge(it: Item) -> str:
    if not it.ob.due:
        return '<span class="badge undated">无期限 undated</span>'
    due = f"{it.ob.due_from} – {it.ob.due}" if it.ob.due_from else it.ob.due
    return f'<span class="badge {it.status}" title="{html.escape(STATUSES[it.status].name)}">{due}</span>'


def _source(it: Item) -> str:
    o = it.ob
    where = f"{html.escape(os.path.basename(o.path))}:{o.start}-{o.end}"
    return (f'<div class="src">{html.escape(o.title or "(untitled)")} · {it.doc_date or "undated"} · '
            f'{where}</div><blockquote>{html.escape(o.text)}</blockquote>')


def _agency_cell(it: Item) -> str:
    cell = html.escape(_agencies(it.ob)) or '<span class="empty">—</span>'
    if it.ob.via_collective:
        cell += f' <span class="badge via">经集体 via {html.escape(it.ob.via_collective)}</span>'
    return cell


def _table(items: list[Item], *, with_due: bool) -> str:
    if not items:
        return '<p class="empty">none 无</p>'
    cols = (["期限 due"] if with_due else []) + ["机构 agencies", "任务 obligation", "来源 source (document, date, sentence)"]
    rows = []
    for it in items:
        cells = ([f'<td class="due">{_due_badge(it)}'
                  + (f'<div class="src">{html.escape(it.ob.deadline_text)}</div>' if it.ob.deadline_text else "")
                  + "</td>"] if with_due else [])
        cells += [f"<td>{_agency_cell(it)}</td>", f"<td>{html.escape(it.ob.action or it.ob.text)}</td>",
                  f"<td>{_source(it)}</td>"]
        rows.append(f'<tr id="task-{html.escape(it.ob.task)}" class="{it.status or "undated"}">{"".join(cells)}</tr>')
    head = "".join(f"<th>{c}</th>" for c in cols)
    return f"<table><thead><tr>{head}</tr></thead><tbody>\n" + "\n".join(rows) + "\n</tbody></table>"


def _group_name(node: Item | dict[str, Any]) -> str:
    """The policy whose tree holds a task: the policy named, else its document."""
    if isinstance(node, Item):
        return node.ob.policy or node.ob.title or os.path.basename(node.ob.path)
    return node.get("policy") or node.get("document_title") or os.path.basename(node.get("path", ""))


def _trees(data: ReportData) -> str:
    """One tree per policy. A task sits under its parent (Task.parent); ancestors outside the filter
    come in greyed so the tree stays connected, and a tree goes under the policy of its root task (a
    sub-task often names no policy itself)."""
    if not data.items:
        return '<p class="empty">none 无</p>'
    nodes: dict[str, Item | dict[str, Any]] = dict(data.context)
    nodes.update((it.ob.task, it) for it in data.items)
    children: dict[str | None, list[str]] = defaultdict(list)
    for key, node in nodes.items():
        parent = _parent(node)
        children[parent if parent in nodes else None].append(key)
    for ks in children.values():
        ks.sort(key=lambda k: (_pos(nodes[k]), k))
    groups: dict[str, list[str]] = defaultdict(list)  # policy -> root task keys
    for root in children[None]:
        groups[_group_name(nodes[root])].append(root)
    parts = []
    for name, roots in sorted(groups.items(), key=lambda g: (_pos(nodes[g[1][0]]), g[0])):
        members = [nodes[k] for k in _walk(roots, children) if isinstance(nodes[k], Item)]
        c = Counter(it.status or "undated" for it in members)
        summary = (f"{html.escape(name)} <span class=\"meta\">— {len(members)} tasks 任务, "
                   f"{c['overdue']} overdue 逾期, {c['undated']} undated 无期限</span>")
        docs = sorted({(it.ob.title or os.path.basename(it.ob.path), it.doc_date or "undated") for it in members})
        doc_line = "; ".join(f"{html.escape(t)} · {d}" for t, d in docs)
        parts.append(f'<details open><summary>{summary}</summary><div class="src">documents 文件: {doc_line}</div>'
                     + _tree_list(roots, children, nodes) + "</details>")
    return "\n".join(parts)


def _parent(node: Item | dict[str, Any]) -> str | None:
    return node.ob.parent if isinstance(node, Item) else node.get("parent")


def _pos(node: Item | dict[str, Any]) -> tuple[str, int]:
    if isinstance(node, Item):
        return node.ob.path, node.ob.start
    return node.get("path", ""), int(node.get("start") or 0)


def _walk(keys: list[str], children: dict[str | None, list[str]]) -> Iterable[str]:
    for k in keys:
        yield k
        yield from _walk(children.get(k, []), children)


def _tree_list(keys: list[str], children: dict[str | None, list[str]],
               nodes: dict[str, Item | dict[str, Any]]) -> str:
    out = ['<ul class="tree">']
    for key in keys:
        node = nodes[key]
        if isinstance(node, Item):
            agencies = _agency_cell(node) if node.ob.agencies or node.ob.via_collective else ""
            out.append(f'<li id="tree-{html.escape(key)}"><span class="task">{_due_badge(node)} '
                       f'{html.escape(node.ob.action or node.ob.text)}</span>'
                       + (f" — {agencies}" if agencies else "")
                       + f'<div class="src">{html.escape(node.ob.text)} '
                       f'<a href="#task-{html.escape(key)}">↗ source</a></div>')
        else:
            text = node.get("action") or node.get("text") or key
            out.append(f'<li class="ctx"><span class="task">{html.escape(text)}</span> '
                       '<span class="meta">(context: outside the filter)</span>')
        if children.get(key):
            out.append(_tree_list(children[key], children, nodes))
        out.append("</li>")
    out.append("</ul>")
    return "".join(out)


def write_report(store: Any, options: ReportOptions, out: str | os.PathLike) -> ReportData:
    """Collect, render and write the page atomically enough for a report (temp file + rename)."""
    data = collect(store, options)
    page = render_html(data)
    tmp = f"{os.fspath(out)}.tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(page)
    os.replace(tmp, out)
    return data


def summary_line(data: ReportData, out: str) -> str:
    c = data.counts()
    return (f"wrote {out}: {c['all']} obligations ({len(data.dated)} dated, {c['overdue']} overdue as of "
            f"{data.options.as_of.isoformat()}, {c['undated']} undated)")
