"""Obligations read from notices written for these tests (not from the shared corpus)."""
from __future__ import annotations

import datetime as dt

import pytest

from newskg.corpus.document import parse_document
from newskg.nlp.extract import Extractor


@pytest.fixture(scope="module")
def extractor():
    return Extractor()


def tasks_of(extractor, text: str, date: str = "2021-03-01") -> list[dict]:
    doc = parse_document("t.md", text, date=dt.date.fromisoformat(date))
    return extractor.extract(doc).to_json()["tasks"]


def find(tasks: list[dict], words: str) -> dict:
    hits = [t for t in tasks if words in t["text"]]
    assert hits, f"no task holds {words!r}: {[t['text'] for t in tasks]}"
    return min(hits, key=lambda t: len(t["text"]))


def names(task: dict) -> set[str]:
    return {a["name"] for a in task["agencies"]}


NOTICE = """---
title: 国务院办公厅关于印发测试工作方案的通知
issuer: 国务院办公厅
doc_no: 国办发〔2021〕99号
---
一、加强统筹

（一）建立协调机制。2021年6月底前，各部门要明确牵头司局；2021年9月底前，完成机制建设。（国家发展改革委牵头，财政部、商务部参与）

（二）开展评估。对评估结果较好的地区，给予资金奖励。评估工作每年开展一次。（财政部负责）

二、保障措施

各省、自治区、直辖市人民政府要于本通知印发之日起3个月内制定实施细则。国务院各部门原则上不得新建独立信息系统。
力争到2023年，基本实现数据互通。
本通知自印发之日起施行。
"""


def test_parenthetical_names_the_bodies_of_its_item(extractor):
    ts = tasks_of(extractor, NOTICE)
    first = find(ts, "各部门要明确牵头司局")
    roles = {(a["name"], a["role"]) for a in first["agencies"]}
    assert {("国家发展改革委", "lead"), ("财政部", "participant"), ("商务部", "participant")} <= roles
    assert "国务院各部门" in names(first)  # the unit's own subject, scoped by the issuer
    assert names(find(ts, "完成机制建设")) == {"国家发展改革委", "财政部", "商务部"}
    assert names(find(ts, "给予资金奖励")) == {"财政部"}


def test_opening_deadline_governs_the_clauses_of_its_sentence(extractor):
    ts = tasks_of(extractor, NOTICE)
    assert find(ts, "明确牵头司局")["deadline"]["date"] == "2021-06-30"
    second = find(ts, "完成机制建设")["deadline"]
    assert second["date"] == "2021-09-30" and not second["inherited"]


def test_relative_and_target_deadlines(extractor):
    ts = tasks_of(extractor, NOTICE)
    rules = find(ts, "制定实施细则")
    assert rules["deadline"]["date"] == "2021-06-01"
    assert names(rules) == {"各省、自治区、直辖市人民政府"}
    target = find(ts, "基本实现数据互通")
    assert target["deadline"]["date"] == "2023-12-31" and target["modality"] == "plan"


def test_modality_and_no_invented_agency(extractor):
    ts = tasks_of(extractor, NOTICE)
    assert find(ts, "不得新建独立信息系统")["modality"] == "in_principle"
    assert find(ts, "明确牵头司局")["modality"] == "should"
    closing = [t for t in ts if "自印发之日起施行" in t["text"]]
    assert closing == []


def test_headings_are_parents(extractor):
    ts = tasks_of(extractor, NOTICE)
    head = find(ts, "建立协调机制")
    assert find(ts, "明确牵头司局")["parent"] == head["id"]


def test_heading_deadline_passes_down_but_an_after_does_not(extractor):
    text = ("---\ntitle: 关于推进平台建设的通知\n---\n#### 1 今年内建成统一平台\n\n各地区要整合分散的服务系统。\n\n"
            "#### 2 网站两个月后上线\n\n建设完善全国共享网站。\n")
    ts = tasks_of(extractor, text, "2017-05-19")
    inherited = find(ts, "整合分散的服务系统")["deadline"]
    assert inherited["date"] == "2017-12-31" and inherited["inherited"]
    assert find(ts, "建设完善全国共享网站")["deadline"] is None


def test_division_of_labour_table(extractor):
    text = ("---\ntitle: 示范市关于印发分工方案的通知\nissuer: 示范市人民政府\ndoc_no: 示府〔2022〕1号\n---\n"
            "附件\n任务分工表\n序号\n工作事项\n主要内容\n牵头单位\n配合单位\n"
            "1\n完善服务网络。\n推动社区服务站全覆盖；建立服务质量评价制度。\n各区政府\n市民政局、市财政局\n")
    ts = tasks_of(extractor, text, "2022-02-01")
    row = find(ts, "建立服务质量评价制度")
    roles = {(a["name"], a["role"]) for a in row["agencies"]}
    assert ("各区政府", "lead") in roles
    assert {n for n, r in roles if r == "participant"} == {"市民政局", "市财政局"}


def test_people_news_has_no_tasks(extractor):
    text = ("---\ntitle: 某国总统会见来访外长\n---\n某国总统会见来访外长时表示，双方要加强合作，"
            "推动两国关系发展。\n")
    assert tasks_of(extractor, text) == []
