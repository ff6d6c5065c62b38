"""Time-expression benchmark: newskg.nlp.timex against JioNLP on tests/data/timex_cases.tsv.

Both systems see each case's text with its reference date, in one process.

Accuracy (the same rule for both): a case with an expected expression is right when the system
returns an expression overlapping it whose normalised date equals the expected date; a case
whose expected date is empty (ongoing wording: 长期坚持) is right when no dated expression
overlaps it; a trap case (no expected expression: 一号一窗一网, 国办发〔2018〕128号, 三年行动计划)
is right when nothing is returned. "acc±1d" also accepts a date one day off (JioNLP ends
"N年内" spans on the day before ref + N; the module does not count the starting day).

JioNLP's output is mapped to a date as follows: time_point / time_span -> the last day of the
span (its first day when the span is open-ended, as for 2019年起); time_delta (3个月内) -> the
reference date plus the largest delta; time_period (每年2月底前) -> the first occurrence of its
point on or after the reference date.

Gold keys (--gold, from ../shared/gold): tasks with a deadline count as right when the latest
date a system finds in the task's key equals the gold deadline (most keys do not contain their
deadline: it is inherited from a heading or an earlier sentence, so neither system can reach
those); required tasks with a null deadline count as false alarms when the system finds a date
in the key. JioNLP has no relations, so every date it returns is taken; for the module only
relations "by" and "during" are deadlines (as the task extractor uses them).

Speed is UTF-8 kilobytes (1000 bytes) of input per second, the median of --runs passes over all
case texts (and, with --corpus, over every sentence of ../shared/corpus), imports excluded.
Usage:
    nice .venv/bin/python benchmarks/bench_timex.py [--runs 5] [--corpus] [--gold] [--show-misses]
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import logging
import os
import re
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from newskg.nlp.timex import _add_months, parse_time  # noqa: E402

SHARED = Path(os.environ.get("NEWSKG_SHARED", REPO.parent / "shared"))
TABLE = REPO / "tests" / "data" / "timex_cases.tsv"

# (start, end, date or None) per expression found
Found = list[tuple[int, int, "str | None"]]
System = Callable[[str, dt.date], Found]


def load_cases() -> list[dict[str, str]]:
    lines = TABLE.read_text(encoding="utf-8").splitlines()
    header = next(i for i, ln in enumerate(lines) if ln.startswith("text\t"))  # comment lines above it
    return list(csv.DictReader(lines[header:], delimiter="\t", quoting=csv.QUOTE_NONE))


def ours(text: str, ref: dt.date) -> Found:
    return [(e.start, e.end, e.date) for e in parse_time(text, ref)]


def _day(stamp: str) -> dt.date | None:
    return None if "inf" in stamp else dt.date.fromisoformat(stamp[:10])


def _delta_date(delta: dict, ref: dt.date) -> dt.date:
    months = round(12 * delta.get("year", 0) + delta.get("month", 0))
    days = delta.get("day", 0) + 7 * delta.get("week", 0) + delta.get("workday", 0) * 7 / 5
    return _add_months(ref, months) + dt.timedelta(days=round(days) + round(delta.get("hour", 0) / 24))


def jionlp_date(detail: dict, ref: dt.date) -> str | None:
    """The date a JioNLP parse stands for (see the module docstring)."""
    kind, value = detail.get("type"), detail.get("time")
    try:
        if kind in ("time_point", "time_span"):
            first, last = _day(value[0]), _day(value[1])
            d = last or first
        elif kind == "time_delta":
            deltas = value if isinstance(value, list) else [value]
            d = max(_delta_date(x, ref) for x in deltas)
        elif kind == "time_period":
            point = value["point"]["time"]
            d = _day(point[1]) or _day(point[0])
            step = value.get("delta", {})
            while d is not None and d < ref and step:
                d = _delta_date(step, d)
        else:
            return None
    except (KeyError, TypeError, ValueError, IndexError):
        return None
    return d.isoformat() if d else None


def make_jionlp() -> System | None:
    try:
        import jionlp  # noqa: PLC0415 - optional, heavy import
    except Exception as exc:  # pragma: no cover - depends on the environment
        print(f"jionlp unavailable: {exc!r}", file=sys.stderr)
        return None

    logging.disable(logging.CRITICAL)  # JioNLP logs a traceback for every string it cannot parse

    def run(text: str, ref: dt.date) -> Found:
        base = time.mktime(ref.timetuple())
        try:
            ents = jionlp.ner.extract_time(text, time_base=base, with_parsing=True)
        except Exception:
            return []
        return [(e["offset"][0], e["offset"][1], jionlp_date(e.get("detail") or {}, ref)) for e in ents]

    return run


def correct(case: dict[str, str], found: Found, slack: int = 0) -> bool:
    if not case["expected"]:
        return not found
    s = case["text"].find(case["expected"])
    e = s + len(case["expected"])
    overlapping = [d for a, b, d in found if a < e and s < b]
    if not case["date"]:
        return not any(overlapping)
    want = dt.date.fromisoformat(case["date"])
    return any(d and abs((dt.date.fromisoformat(d) - want).days) <= slack for d in overlapping)


def accuracy(system: System, cases: list[dict[str, str]]) -> tuple[dict[str, float], list[dict[str, str]]]:
    groups: dict[str, list[bool]] = {"all": [], "all±1d": [], "corpus": [], "written": [], "traps": []}
    misses = []
    for c in cases:
        found = system(c["text"], dt.date.fromisoformat(c["ref_date"]))
        ok = correct(c, found)
        groups["all"].append(ok)
        groups["all±1d"].append(correct(c, found, slack=1))
        groups["written" if c["source"] == "written" else "corpus"].append(ok)
        if not c["expected"]:
            groups["traps"].append(ok)
        if not ok:
            misses.append(c)
    return {k: sum(v) / len(v) for k, v in groups.items() if v}, misses


def speed(system: System, items: list[tuple[str, dt.date]], runs: int) -> float:
    size = sum(len(t.encode()) for t, _ in items)
    rates = []
    for _ in range(runs):
        t0 = time.perf_counter()
        for text, ref in items:
            system(text, ref)
        rates.append(size / 1000 / (time.perf_counter() - t0))
    return statistics.median(rates)


def corpus_sentences() -> list[tuple[str, dt.date]]:
    items = []
    for path in sorted((SHARED / "corpus").glob("*/*.txt")):
        raw = path.read_text(encoding="utf-8")
        meta = re.search(r"^date:\s*(\S+)", raw, re.M)
        ref = dt.date.fromisoformat(meta.group(1)) if meta else dt.date(2017, 5, 19)
        items += [(s, ref) for s in re.split(r"(?<=[。；！？\n])", raw) if s]
    return items


def gold_scores(system: System, deadline_of: Callable[[str, dt.date], list[str]]
                ) -> tuple[int, int, int, int]:
    """(tasks with a deadline, of which right, required tasks without one, false alarms)."""
    files = [SHARED / "gold" / "seed.json", *sorted((SHARED / "gold").glob("*/*.json"))]
    n_dl = ok = n_null = alarms = 0
    for path in files:
        doc = json.loads(path.read_text(encoding="utf-8"))
        ref = dt.date.fromisoformat(doc["date"])
        for task in doc.get("tasks", []):
            dates = deadline_of(task["key"], ref)
            if task.get("deadline"):
                n_dl += 1
                ok += bool(dates) and max(dates) == task["deadline"]
            elif not task.get("optional"):
                n_null += 1
                alarms += bool(dates)
    return n_dl, ok, n_null, alarms


def _our_deadlines(text: str, ref: dt.date) -> list[str]:
    return [e.date for e in parse_time(text, ref) if e.relation in ("by", "during") and e.date]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--corpus", action="store_true", help="also measure speed on every corpus sentence")
    ap.add_argument("--gold", action="store_true", help="also score the deadlines of the gold task keys")
    ap.add_argument("--show-misses", action="store_true")
    args = ap.parse_args()

    cases = load_cases()
    items = [(c["text"], dt.date.fromisoformat(c["ref_date"])) for c in cases]
    systems: dict[str, System] = {"newskg.timex": ours}
    jio = make_jionlp()
    if jio is not None:
        systems["jionlp"] = jio
    corpus = corpus_sentences() if args.corpus and (SHARED / "corpus").is_dir() else []

    print(f"{len(cases)} cases ({sum(c['source'] != 'written' for c in cases)} from the corpus, "
          f"{sum(not c['expected'] for c in cases)} traps); speed: median of {args.runs} runs")
    header = (f"{'system':14} {'acc':>6} {'acc±1d':>7} {'corpus':>7} {'written':>8} {'traps':>6} "
              f"{'cases KB/s':>11}")
    print(header + (f" {'corpus KB/s':>12}" if corpus else ""))
    for name, system in systems.items():
        system("预热2019年6月底前", dt.date(2019, 1, 1))  # lazy loading out of the timings
        acc, misses = accuracy(system, cases)
        line = (f"{name:14} {acc['all']:6.3f} {acc['all±1d']:7.3f} {acc['corpus']:7.3f} "
                f"{acc['written']:8.3f} {acc['traps']:6.3f} {speed(system, items, args.runs):11.1f}")
        if corpus:
            line += f" {speed(system, corpus, args.runs):12.1f}"
        print(line, flush=True)
        if args.show_misses:
            for c in misses:
                got = system(c["text"], dt.date.fromisoformat(c["ref_date"]))
                print(f"    miss {c['text']!r} want {c['expected']!r}={c['date'] or None} got {got}")

    if args.gold and (SHARED / "gold").is_dir():
        print("gold task keys: right deadlines / tasks with a deadline; "
              "false alarms / required tasks without")
        for name, system in systems.items():
            if name == "newskg.timex":
                n_dl, ok, n_null, alarms = gold_scores(system, _our_deadlines)
            else:
                def any_date(text: str, ref: dt.date, system: System = system) -> list[str]:
                    return [d for _, _, d in system(text, ref) if d]
                n_dl, ok, n_null, alarms = gold_scores(system, any_date)
            print(f"{name:14} {ok}/{n_dl} right, {alarms}/{n_null} false alarms")


if __name__ == "__main__":
    main()
